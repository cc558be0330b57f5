"""The site playbooks as users run them: `ansible-playbook dect.provisioning.site`, then
`playbooks/check_sync.yml -l <server>` on demand, against a whole site on this machine
(devtools/site_lab.py: nginx from the provisioning_server role, DECT server emulators)."""

from __future__ import annotations

import re

import pytest

from devtools.ansible_runner import run_playbook
from devtools.collection import REPO
from devtools.site_lab import NEW_FIRMWARE, convergence_table, temporary_lab


@pytest.fixture(scope="module")
def lab():
    with temporary_lab("dect-site-playbooks-") as site:
        site.up(3)
        yield site


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_site_by_its_collection_name_rolls_out_and_check_sync_on_demand(lab):
    # The site's rollout policy, in the inventory: batches of two DECT servers.
    policy = lab.dir / "group_vars" / "dect_servers" / "rollout.yml"
    policy.parent.mkdir(parents=True)
    policy.write_text("dect_rollout_serial: 2\ndect_rollout_max_fail_percentage: 0\n")
    rollout = run_playbook("dect.provisioning.site", lab.dir, inventory=lab.inventory)
    assert rollout.rc == 0, rollout.output
    # 3 servers in batches of 2: the DECT server play runs its tasks twice.
    assert rollout.stdout.count("TASK [dect.provisioning.dect_server : Publish the batch's documents, one module call per provisioning host") == 2
    assert lab.wait_until_updated() == []
    rows = by_name(lab.report())
    for name, row in rows.items():
        assert row["firmware"] == NEW_FIRMWARE and row["check_syncs"] == 1 and row["own_files_only"], row
        assert "%s-config.xml" % row["mac"] in row["fetched"] and "kws.bin" in row["fetched"], row

    on_demand = run_playbook(REPO / "playbooks" / "check_sync.yml", lab.dir, inventory=lab.inventory,
                             args=("-l", "dect-002"))
    assert on_demand.rc == 0, on_demand.output
    rows = by_name(lab.report())
    assert {name: row["check_syncs"] for name, row in rows.items()} == {"dect-001": 1, "dect-002": 2, "dect-003": 1}


# ----------------------------------------------------------------------------- a mixed site, one image per model

NEWER = "DEMO-KWS 3"
REBOOT_WARNING = ("server firmware with a new version for {count} DECT server(s): each reboots at once when it fetches"
                  " it (calls in progress are cut off): {servers}")


@pytest.fixture(scope="module")
def mixed():
    """dect-001 and dect-003 are 8000s (DECTserver8000firmware), dect-002 a 6500 (IP-DECTserver6500firmware),
    all provisioned with DEMO-KWS 1; the catalogue then names DEMO-KWS 2 for both images."""
    with temporary_lab("dect-site-mixed-") as site:
        site.up(3, per_model=True)
        yield site


def flat(run):
    return " ".join(run.output.split())


def test_each_model_is_told_and_fetches_its_own_image(mixed):
    root = mixed.dir / "root"
    images = {s["name"]: mixed.image_of(s) for s in mixed.state["servers"]}
    assert images == {"dect-001": "DECTserver8000firmware.bin", "dect-002": "IP-DECTserver6500firmware.bin",
                      "dect-003": "DECTserver8000firmware.bin"}
    run = mixed.playbook("-e", "dect_rollout_wait=true")
    assert run.rc == 0, run.output[-6000:]
    assert flat(run).count(REBOOT_WARNING.format(count=3, servers="dect-001 (DECTserver8000firmware.bin), dect-002"
                                                 " (IP-DECTserver6500firmware.bin), dect-003 (DECTserver8000firmware.bin)")) == 1, \
        run.output[-6000:]
    assert sorted(p.name for p in root.glob("*firmware.bin*")) == [
        "DECTserver8000firmware.bin", "DECTserver8000firmware.bin.ver",
        "IP-DECTserver6500firmware.bin", "IP-DECTserver6500firmware.bin.ver"]
    assert not (root / "kws.bin").exists()
    assert mixed.wait_until_provisioned(timeout=30) == []
    rows = by_name(mixed.report())
    for server in mixed.state["servers"]:
        name, image = server["name"], images[server["name"]]
        config = (root / ("%s-config.xml" % server["mac"].replace(":", ""))).read_text()
        assert "<kws>%s</kws>" % image in config, config
        other = [i for i in set(images.values()) if i != image][0]
        row = rows[name]
        assert row["own_files_only"] and row["firmware"] == NEW_FIRMWARE and row["check_syncs"] == 1, row
        assert {image, image + ".ver"} <= set(row["fetched"]) and other not in row["fetched"], row
        served = [f for f in mixed.emulators()[name].fetches() if f["file"] == image and f.get("status") == "ok"]
        assert served and served[-1]["outcome"] == "installed, rebooting", served


def test_a_restaged_6500_image_reaches_only_the_6500s_and_warns_of_their_reboot(mixed):
    root = mixed.dir / "root"
    mixed.power_cycle()
    assert mixed.wait_until_provisioned(timeout=30) == []
    mixed.mark()  # what the boots fetched is not part of the change
    mixed.set_firmware(NEWER, image="IP-DECTserver6500firmware")
    warning = REBOOT_WARNING.format(count=1, servers="dect-002 (IP-DECTserver6500firmware.bin)")

    check = mixed.playbook("--check")
    assert check.rc == 0, check.output[-6000:]
    assert flat(check).count(warning) == 1, check.output[-6000:]
    assert (root / "IP-DECTserver6500firmware.bin.ver").read_text() == NEW_FIRMWARE
    assert sum(row["check_syncs"] for row in mixed.report()) == 0

    run = mixed.playbook("-e", "dect_rollout_wait=true")
    assert run.rc == 0, run.output[-6000:]
    assert flat(run).count(warning) == 1, run.output[-6000:]
    assert (root / "IP-DECTserver6500firmware.bin.ver").read_text() == NEWER
    assert (root / "DECTserver8000firmware.bin.ver").read_text() == NEW_FIRMWARE
    assert mixed.wait_until_provisioned(timeout=30) == []
    rows = by_name(mixed.report())
    assert rows["dect-002"]["firmware"] == NEWER and rows["dect-002"]["check_syncs"] == 1, rows
    assert {"IP-DECTserver6500firmware.bin.ver", "IP-DECTserver6500firmware.bin"} <= set(rows["dect-002"]["fetched"])
    for name in ("dect-001", "dect-003"):  # the 8000s: not notified, fetched nothing, still on their image
        assert (rows[name]["check_syncs"], rows[name]["fetched"], rows[name]["firmware"]) == (0, [], NEW_FIRMWARE), rows
    table = convergence_table(run.stdout)
    assert [line.split()[0] for line in table[1:] if not line.startswith(" ")] == ["dect-002"], table
    assert sum("IP-DECTserver6500firmware.bin" in line for line in table) == 2, table  # its .ver and its image


def test_a_rebuilt_image_under_the_same_version_is_refused_then_allowed_and_only_its_ver_refetched(mixed):
    root = mixed.dir / "root"
    image = root / "IP-DECTserver6500firmware.bin"
    staged = image.read_bytes()
    mixed.set_firmware(NEWER, image="IP-DECTserver6500firmware", rebuilt=True)
    refused = mixed.playbook()
    assert refused.rc != 0
    assert ("version: 'DEMO-KWS 3' is the version already staged in {0}/IP-DECTserver6500firmware.bin.ver, but the image"
            " differs from {0}/IP-DECTserver6500firmware.bin: devices fetch an image only when the .ver text differs"
            " from the version they run, so none would ever fetch this one; give the new image its own version text,"
            " or set allow_same_version to stage it anyway; nothing was staged".format(root)) in refused.stdout, \
        refused.output[-6000:]
    assert image.read_bytes() == staged

    mixed.power_cycle()
    assert mixed.wait_until_provisioned(timeout=30) == []
    mixed.mark()  # what the boots fetched is not part of the change
    mixed.set_firmware(NEWER, image="IP-DECTserver6500firmware", rebuilt=True, allow_same_version=True)
    run = mixed.playbook("-e", "dect_rollout_wait=true")
    assert run.rc == 0, run.output[-6000:]
    assert image.read_bytes() != staged and (root / "IP-DECTserver6500firmware.bin.ver").read_text() == NEWER
    assert "reboots at once" not in run.output  # same version text: no device flashes it
    rows = by_name(mixed.report())
    # The 6500 is notified and rereads the .ver, finds its running version and fetches no image.
    assert rows["dect-002"]["check_syncs"] == 1 and "IP-DECTserver6500firmware.bin.ver" in rows["dect-002"]["fetched"]
    assert "IP-DECTserver6500firmware.bin" not in rows["dect-002"]["fetched"], rows
    assert all(rows[name]["check_syncs"] == 0 for name in ("dect-001", "dect-003")), rows
    # Expected: the .ver only. The image was last fetched before it was restaged, yet nothing is missing.
    table = "\n".join(convergence_table(run.stdout))
    assert re.search(r"^dect-002\s+0013d1800002\s+IP-DECTserver6500firmware\.bin\.ver\s+\S+Z http 127\.0\.0\.1 GET 200$",
                     table, re.M), table
    assert re.search(r"\sIP-DECTserver6500firmware\.bin\s+\S+Z .* \(before the file last changed\)$", table, re.M), table
    assert "MISSING" not in table, table

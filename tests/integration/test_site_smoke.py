"""Smoke test of the site playbooks on whichever ansible-core runs pytest: `make test` runs it on the
default version, `make matrix` once per other version the collection supports (docs/compatibility.md).

A small site (devtools/site_lab.py: nginx from the provisioning_server role, DECT server
emulators) is rolled out from factory state with site.yml, rolled out again with nothing to change,
then validate.yml and check_sync.yml run against it. The inventory leaves most optional dect_*
variables unset, as most sites do: before ansible-core 2.19, role defaults written as
``default(None)`` rendered as ``''`` and the dect_server role's argument check refused them
("argument 'dect_server_default_kws' is of type <class 'str'> ... not a valid boolean").
"""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from ansible.release import __version__ as ANSIBLE_VERSION

from devtools.ansible_runner import PLAYBOOK_PYTHON, run_playbook, task_results
from devtools.collection import REPO
from devtools.procs import need_root
from devtools.site_lab import OLD_FIRMWARE, temporary_lab

# dect-001 is an 8000 (no default_kws switch), dect-002 a 6500 told default_kws explicitly.
SERVERS = 2


@pytest.fixture(scope="module")
def lab():
    need_root()  # nginx serves the root as www-data
    with temporary_lab("dect-site-smoke-") as site:
        site.write(SERVERS)
        inventory = json.loads(site.inventory.read_text())
        inventory["all"]["children"]["dect_servers"]["hosts"]["dect-002"]["dect_firmware_default_kws"] = True
        site.inventory.write_text(json.dumps(inventory, indent=1))
        site.prepare()
        site.start_emulators()  # factory state: nothing staged for them yet
        yield site


ACK_TASK = "Record on each provisioning host what the answered NOTIFYs covered"
CHECK_SYNC_TASK = "Send SIP NOTIFY check-sync to the batch's changed servers, concurrently"
# The provisioning_server role's tasks that write; on a converged host its probe skips them all.
ROLE_PREFIX = "dect.provisioning.provisioning_server : "
# The role's one writing module call (group, members, directories, files, its local fact) and the
# step that notifies the handlers of what it changed.
ENSURE_TASK = "Ensure the group, the root, the configuration directories and files the role owns"
NOTIFY_TASK = "Notify the daemons whose files or groups changed"


# What the lab warns about on purpose: on every run dect-002's default_kws without a licence or
# auto-update, on the first rollout the firmware each server reboots for. Nothing else may warn.
MEANT_WARNINGS = ("[WARNING]: dect-002: provisioning.firmware",)
FIRST_ROLLOUT_WARNINGS = MEANT_WARNINGS + ("[WARNING]: server firmware with a new version for 2 DECT server(s)",)


def assert_quiet(run, meant=()):
    """A normal run prints no warning (stdout or stderr) but those ``meant`` (prefixes): not the empty
    add_host groups' "Could not match supplied host pattern", nor any other; and no handler header
    (site.yml's batched publication notifies no dect_server handler)."""
    warnings = [line for line in run.output.splitlines()
                if "[WARNING]" in line and not line.startswith(tuple(meant))]
    assert warnings == [], run.output[-6000:]
    assert "Could not match supplied host pattern" not in run.output, run.output[-6000:]
    assert "RUNNING HANDLER [dect.provisioning.dect_server" not in run.stdout, run.stdout[-6000:]


def recaps(run):
    """``{host: {ok: .., changed: .., failed: ..}}`` from the PLAY RECAP."""
    tail = run.stdout.rsplit("PLAY RECAP", 1)[-1]
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counters)}
            for host, counters in re.findall(r"^(\S+)\s*:\s*(ok=.*)$", tail, re.M)}


@pytest.mark.daemons
def test_site_rolls_out_reruns_unchanged_validates_and_checks_sync(lab):
    root = lab.dir / "root"
    macs = {s["name"]: s["mac"].replace(":", "") for s in lab.state["servers"]}

    first = lab.playbook()
    assert first.rc == 0, "ansible-core %s:\n%s" % (ANSIBLE_VERSION, first.output[-6000:])
    assert_quiet(first, meant=FIRST_ROLLOUT_WARNINGS)
    counters = recaps(first)
    # No play on localhost: the check-sync is delegated there from the DECT server play (it works under -l).
    assert set(counters) == {"prov-local", "dhcp-local", "dect-001", "dect-002"}, first.stdout
    # The changed servers are marked by their report step and told by the one fan-out: no dect_server handler
    # is notified, so no handler runs and no empty handler header is printed.
    assert "RUNNING HANDLER [dect.provisioning.dect_server" not in first.stdout, first.stdout
    assert task_results(first.stdout)["dect-001"][CHECK_SYNC_TASK] == "changed", first.stdout
    assert "changed: [dect-001 -> localhost]" in first.stdout
    assert task_results(first.stdout)["dect-001"][ACK_TASK] == "changed", first.stdout
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in counters.values()), counters
    # Every server's users and config published (counted on whichever host the publishing task ran for).
    assert sum(c["changed"] for c in counters.values()) >= 2 * SERVERS, counters
    for mac in macs.values():
        assert (root / ("%s-users.xml" % mac)).is_file() and (root / ("%s-config.xml" % mac)).is_file()
    assert (root / "kws.bin").is_file() and (root / "kws.bin.ver").read_text() == OLD_FIRMWARE
    # The optional default_kws switch: written where the inventory sets it (6500), absent elsewhere.
    config_002 = (root / ("%s-config.xml" % macs["dect-002"])).read_text()
    config_001 = (root / ("%s-config.xml" % macs["dect-001"])).read_text()
    assert re.search(r"<default_kws>\s*true\s*</default_kws>", config_002), config_002
    assert "default_kws" not in config_001, config_001

    # The devices boot from what was staged and accept it.
    lab.power_cycle()
    assert lab.wait_until_provisioned(OLD_FIRMWARE, timeout=30.0) == []

    second = lab.playbook()
    assert second.rc == 0, second.output[-6000:]
    assert_quiet(second, meant=MEANT_WARNINGS)
    assert {host: c["changed"] for host, c in recaps(second).items()} == dict.fromkeys(counters, 0), second.stdout
    # No server's files changed: the check-sync fan-out is skipped and no device was told to check.
    assert task_results(second.stdout)["dect-001"][CHECK_SYNC_TASK] == "skipping", second.stdout
    assert sum(r["check_syncs"] for r in lab.report()) == 0
    # A converged provisioning host is read, not written: the role's one writing call changes nothing
    # and no handler is notified.
    on_prov = task_results(second.stdout)["prov-local"]
    assert on_prov.get(ROLE_PREFIX + ENSURE_TASK) == "ok", second.stdout
    assert on_prov.get(ROLE_PREFIX + NOTIFY_TASK) == "skipping", second.stdout

    # Drift in what the provisioning_server role owns is found and repaired: a world-writable image, a
    # foreign owner, an edited nginx site, a configuration directory with another mode.
    conf, site_conf = lab.dir / "conf", lab.dir / "conf" / "dect-provisioning.conf"
    original = site_conf.read_bytes()
    site_conf.write_bytes(original + b"# edited by hand\n")
    os.chmod(root / "kws.bin", 0o666)
    os.chown(root / "kws.bin.ver", 65534, -1)
    os.chmod(conf, 0o700)
    repaired = lab.playbook()
    assert repaired.rc == 0, repaired.output[-6000:]
    assert_quiet(repaired, meant=MEANT_WARNINGS)
    assert site_conf.read_bytes() == original
    assert stat.S_IMODE(os.stat(root / "kws.bin").st_mode) == 0o644
    assert os.stat(root / "kws.bin.ver").st_uid == 0
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o755
    on_prov = task_results(repaired.stdout)["prov-local"]
    # One call repaired the four; the edited nginx site notified its handler.
    assert on_prov.get(ROLE_PREFIX + ENSURE_TASK) == "changed", repaired.stdout
    assert on_prov.get(ROLE_PREFIX + NOTIFY_TASK) == "changed", repaired.stdout
    assert {host: c["changed"] for host, c in recaps(repaired).items() if host != "prov-local"} == dict.fromkeys(
        [host for host in counters if host != "prov-local"], 0), repaired.stdout

    validate = lab.playbook(playbook=REPO / "playbooks" / "validate.yml")
    assert validate.rc == 0, validate.output[-6000:]
    assert "%d DECT server(s) validated, no problems" % SERVERS in validate.stdout

    on_demand = lab.playbook("-l", "dect-002", playbook=REPO / "playbooks" / "check_sync.yml")
    assert on_demand.rc == 0, on_demand.output[-6000:]
    assert {r["name"]: r["check_syncs"] for r in lab.report()} == {"dect-001": 0, "dect-002": 1}


def test_validate_a_server_that_sets_only_what_is_required(tmp_path):
    """Every optional dect_* variable unset (no SIP port, users, check time, default_kws): the role's
    argument check passes and the config is derived; before the fix ansible-core 2.16-2.18 refused
    the empty strings the defaults rendered. Required: MAC, model, URL, and where check-sync goes
    (an address and an extension: without them site.yml could not notify the server)."""
    server = {"ansible_connection": "local", "ansible_python_interpreter": PLAYBOOK_PYTHON,
              "dect_mac": "00:13:d1:80:00:99", "dect_model": "6500", "dect_provisioning_url": "http://192.0.2.1/"}
    inventory = tmp_path / "inventory.yml"

    def validate(host):
        local = {"ansible_connection": "local", "ansible_python_interpreter": PLAYBOOK_PYTHON}
        inventory.write_text(json.dumps({"all": {"children": {"dect_servers": {"hosts": {"dect-min": host}}},
                                                 "hosts": {"localhost": local}}}))
        return run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)

    run = validate(server)
    assert run.rc != 0
    assert "check-sync: dect-min: neither dect_sip_host nor dect_ip is set: nowhere to send check-sync" in run.stdout
    run = validate(dict(server, dect_ip="192.0.2.99", dect_sip_user="1000"))
    assert run.rc == 0, "ansible-core %s:\n%s" % (ANSIBLE_VERSION, run.output[-6000:])
    assert "1 DECT server(s) validated, no problems" in run.stdout

"""site.yml with ``dect_rollout_wait: true`` against DECT server emulators (devtools/site_lab.py):
the rollout waits, reading the provisioning server's real nginx log, until every notified server has
fetched what changed for it, prints the convergence table, and fails by name the one server that was
told not to fetch (its applied configuration says check-sync is disabled: it answers the NOTIFY and
fetches nothing)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from devtools.ansible_runner import run_playbook
from devtools.site_lab import convergence_table, temporary_lab

TIMEOUT = 20


@pytest.fixture(scope="module")
def lab():
    with temporary_lab("dect-rollout-wait-") as site:
        # dect-003 is deaf to provisioning on purpose (no polling either).
        deaf = {"dect_check_sync_reaction": "disabled", "dect_allow_unsafe": ["polling_and_check_sync_off"]}
        site.up(3, host_vars={"dect-003": deaf})
        yield site


def rollout(lab):
    started = time.monotonic()
    run = run_playbook("dect.provisioning.site", lab.dir, inventory=lab.inventory,
                       args=("-e", "dect_rollout_wait=true", "-e", "dect_rollout_wait_timeout=%d" % TIMEOUT))
    return run, time.monotonic() - started


def table_lines(run):
    return convergence_table(run.stdout)


def test_the_wait_fails_naming_the_server_that_did_not_fetch(lab):
    run, seconds = rollout(lab)
    assert run.rc == 2, run.output
    assert seconds >= TIMEOUT, seconds  # it waited the whole timeout
    assert run.recap("dect-003")["failed"] == 1 and run.recap("dect-001")["failed"] == 0, run.stdout
    assert run.recap("dect-002")["failed"] == 0
    mac3 = "0013d1800003"
    # Its configuration changed (check-sync reaction back to update) and the firmware was restaged. The
    # emulators all fetch from 127.0.0.1, so the firmware requests of dect-001/002 (which carry no MAC)
    # count for dect-003 too: its own configuration is what it is missing.
    assert re.search(r"dect-003 did not fetch within %ds: %s-config.xml$" % (TIMEOUT, mac3), run.stdout, re.M), \
        run.stdout
    lines = table_lines(run)
    assert lines[0].split()[:4] == ["server", "mac", "file", "fetched"]
    text = "\n".join(lines)
    for name, mac in (("dect-001", "0013d1800001"), ("dect-002", "0013d1800002")):
        rows = [line for line in lines if line.startswith(name)]
        assert rows and mac in rows[0], text
    assert re.search(r"kws\.bin\s+\S+Z http 127\.0\.0\.1 GET 200 complete", text), text
    assert re.search(r"^dect-003\s+%s\s+%s-config.xml\s+MISSING - " % (mac3, mac3), text, re.M), text
    assert re.search(r"MISSING - \S+Z http 127\.0\.0\.1 GET 200 \(before the file last changed\)", text), text
    assert len(re.findall(r"MISSING", text)) == 1, text  # dect-003's config only


def test_the_wait_passes_once_every_server_fetched(lab):
    lab.power_cycle()  # every server boots from what is staged: dect-003 now reacts to check-sync
    assert lab.wait_until_provisioned(lab.state["firmware"], timeout=30) == []
    lab.set_firmware("DEMO-KWS 3")
    # dect-002 names its MAC only through the role's variable, in another spelling: the wait reads the
    # record the publication resolved, not dect_mac.
    inventory = json.loads(lab.inventory.read_text())
    dect_002 = inventory["all"]["children"]["dect_servers"]["hosts"]["dect-002"]
    dect_002["dect_server_mac"] = dect_002.pop("dect_mac").upper().replace(":", "-")
    lab.inventory.write_text(json.dumps(inventory))
    run, seconds = rollout(lab)
    assert run.rc == 0, run.output
    assert seconds < TIMEOUT + 60
    text = "\n".join(table_lines(run))
    assert "MISSING" not in text, text
    assert re.search(r"^dect-002\s+0013d1800002\s+kws\.bin\.ver\s+\S+Z http 127\.0\.0\.1 GET 200", text, re.M), text
    for name in ("dect-001", "dect-002", "dect-003"):
        assert re.search(r"^%s\s+\w{12}\s+kws\.bin\.ver\s+\S+Z http 127\.0\.0\.1 GET 200" % name, text, re.M), text
    assert len(re.findall(r"kws\.bin\s+\S+Z http 127\.0\.0\.1 GET 200 complete", text)) == 3, text


def test_report_on_demand_for_a_subset_including_a_server_that_never_fetched(lab):
    inventory = json.loads(lab.inventory.read_text())
    servers = inventory["all"]["children"]["dect_servers"]["hosts"]
    servers["dect-009"] = dict(servers["dect-002"], dect_mac="00:13:d1:80:00:09", dect_ip="192.0.2.99")
    servers["dect-009"].pop("dect_server_mac", None)  # the test above gave dect-002 its MAC this way
    # Its own SIP port (one check-sync target per server; a shared one fails both).
    servers["dect-009"]["dect_settings_host"] = dict(servers["dect-002"]["dect_settings_host"], sip={"localport": 5999})
    path = lab.dir / "inventory-report.json"
    path.write_text(json.dumps(inventory))
    run = run_playbook("dect.provisioning.report", lab.dir, inventory=path, args=("-l", "dect-002,dect-009"))
    assert run.rc == 0, run.output
    lines = convergence_table(run.stdout, "What each DECT server fetched")
    text = "\n".join(lines)
    assert [line.split()[0] for line in lines[1:] if not line.startswith(" ")] == ["dect-002", "dect-009"], text
    mac2 = "0013d1800002"
    for name in ("%s-config.xml" % mac2, "%s-users.xml" % mac2, "kws.bin.ver"):
        assert re.search(r"\s%s\s+\S+Z http 127\.0\.0\.1 GET 200$" % re.escape(name), text, re.M), text
    assert re.search(r"\skws\.bin\s+\S+Z http 127\.0\.0\.1 GET 200 complete$", text, re.M), text
    assert re.search(r"^dect-009\s+0013d1800009\s+0013d1800009-config.xml\s+MISSING - never fetched$", text, re.M), text
    assert re.search(r"^\s+0013d1800009-users.xml\s+MISSING - never fetched$", text, re.M), text


def test_report_shows_requests_under_another_path_and_fetches_from_another_address(lab):
    """A curl from 127.0.0.1 does not make a server at 192.0.2.12 converged; a request under a path that is
    not served is shown with its status instead of 'never fetched'."""
    inventory = json.loads(lab.inventory.read_text())
    servers = inventory["all"]["children"]["dect_servers"]["hosts"]
    del servers["dect-002"]["dect_client_address"]  # its fetches must now come from its dect_ip, 192.0.2.12
    servers["dect-009"] = dict(servers["dect-001"], dect_mac="00:13:d1:80:00:09", dect_ip="192.0.2.99")
    # Its own SIP port (one check-sync target per server; a shared one fails both).
    servers["dect-009"]["dect_settings_host"] = dict(servers["dect-001"]["dect_settings_host"], sip={"localport": 5998})
    path = lab.dir / "inventory-evidence.json"
    path.write_text(json.dumps(inventory))
    url = "http://127.0.0.1:%d/dect/0013d1800009-config.xml" % lab.state["http_port"]
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=10)
    assert err.value.code == 404
    run = run_playbook("dect.provisioning.report", lab.dir, inventory=path, args=("-l", "dect-002,dect-009"))
    assert run.rc == 0, run.output
    text = "\n".join(convergence_table(run.stdout, "What each DECT server fetched"))
    mac2 = "0013d1800002"
    assert re.search(r"^dect-002\s+%s\s+%s-config.xml\s+MISSING - never fetched; from another address than 192\.0\.2\.12,"
                     r" not credited: \S+Z http 127\.0\.0\.1 GET 200$" % (mac2, mac2), text, re.M), text
    rows2 = text[text.index("\ndect-002"):text.index("\ndect-009")].splitlines()[1:]
    assert len(rows2) == 3 and all("MISSING - never fetched; from another address" in row for row in rows2), text
    assert re.search(r"^dect-009\s+0013d1800009\s+0013d1800009-config.xml\s+MISSING - requested"
                     r" /dect/0013d1800009-config\.xml: 404 \(\S+Z http 127\.0\.0\.1\)$", text, re.M), text


def test_the_wait_credits_a_fetch_only_from_the_servers_own_address(lab):
    lab.state["host_vars"] = {"dect-001": {"dect_client_address": "192.0.2.11"}}
    lab.set_firmware("DEMO-KWS 4")
    run, _seconds = rollout(lab)
    assert run.rc == 2, run.output
    assert run.recap("dect-001")["failed"] == 1 and run.recap("dect-002")["failed"] == 0, run.stdout
    text = "\n".join(table_lines(run))
    assert re.search(r"^dect-001\s+0013d1800001\s+\S+\s+MISSING - never fetched; from another address than"
                     r" 192\.0\.2\.11, not credited: \S+Z http 127\.0\.0\.1 GET 200", text, re.M), text
    assert not re.search(r"^dect-00[23]\s.*MISSING", text, re.M), text

"""site.yml's check-sync from each DECT server's own settings, against real sipp peers.

A site from devtools/site_lab.py (the provisioning host's real nginx, no emulators): each DECT server's
SIP peer is a sipp UAS listening where that server's rendered config says it listens
(``sip.localport``, ``sip.transport``), and nowhere else. What sipp logged is what was sent.
"""

from __future__ import annotations

import json
import re

import pytest

from devtools.collection import REPO
from devtools.procs import need_root
from devtools.site_lab import temporary_lab

WARNING_DISABLED = ("dect-002: its check-sync reaction is disabled (provisioning.check.check_sync,"
                    " dect_check_sync_reaction): no NOTIFY is sent and the rollout does not wait for it; it takes"
                    " the new files at its next poll (dect_check_interval, dect_check_time) or restart")
WARNING_REBOOT = ("dect-003: only its users changed, and its check-sync reaction is reboot"
                  " (provisioning.check.check_sync, dect_check_sync_reaction): the NOTIFY restarts the server,"
                  " dropping calls in progress (reaction update imports users without a restart)")


@pytest.fixture
def lab():
    need_root()  # nginx serves the root as www-data
    with temporary_lab("dect-site-check-sync-") as site:
        site.write(3)
        site.prepare()
        yield site


def configure(lab, peers):
    """Each server's sipp, listening only on the port and transport of that server's settings."""
    inventory = json.loads(lab.inventory.read_text())
    servers = inventory["all"]["children"]["dect_servers"]["hosts"]
    sipps = {"dect-001": peers.sipp("uas_200", transport="tcp"), "dect-002": peers.sipp("uas_200"),
             "dect-003": peers.sipp("uas_200")}
    for name, sipp in sipps.items():
        servers[name]["dect_settings_host"]["sip"] = {"localport": sipp.port}
        assert "dect_sip_port" not in servers[name]
    # dect-001: TCP, its first user disabled (the CSV-less inventory form; a CSV is in the next test)
    servers["dect-001"]["dect_settings_host"]["sip"]["transport"] = "tcp"
    servers["dect-001"]["dect_users"][0]["disabled"] = True
    servers["dect-002"]["dect_check_sync_reaction"] = "disabled"
    # deaf to check-sync and, in this lab, to polling too: allowed explicitly
    servers["dect-002"]["dect_allow_unsafe"] = ["polling_and_check_sync_off"]
    servers["dect-003"]["dect_check_sync_reaction"] = "reboot"
    lab.inventory.write_text(json.dumps(inventory, indent=1))
    return inventory, sipps


def notified(sipps):
    return {name: sipp.users() for name, sipp in sipps.items()}


def test_notify_follows_each_servers_own_settings(lab, peers):
    inventory, sipps = configure(lab, peers)
    users = {name: [u["username"] for u in server["dect_users"]]
             for name, server in inventory["all"]["children"]["dect_servers"]["hosts"].items()}
    first = lab.playbook("-e", "dect_rollout_wait=true", "-e", "dect_rollout_wait_timeout=4")
    assert first.rc == 2, first.output  # dect-001/003 were notified and (no emulator) never fetch
    # dect-001: over TCP to its sip.localport, to its first enabled user; dect-003: UDP; dect-002: nothing
    assert notified(sipps) == {"dect-001": [users["dect-001"][1]], "dect-002": [], "dect-003": [users["dect-003"][0]]}, \
        first.stdout
    assert sipps["dect-001"].errors() == "" and "transport=TCP" in sipps["dect-001"].logs()[0]
    text = re.sub(r"\s+", " ", first.output)
    assert WARNING_DISABLED in text, first.stdout
    # not waited for: the wait fails the two notified servers by name, never dect-002
    assert first.recap("dect-002")["failed"] == 0
    assert "dect-001 did not fetch within 4s" in first.stdout and "dect-003 did not fetch within 4s" in first.stdout
    assert "dect-002 did not fetch" not in first.stdout
    assert WARNING_REBOOT not in text  # its config changed too: a restart is what the update needs

    # A users-only change on the server whose reaction is reboot: it is warned about, then notified.
    servers = inventory["all"]["children"]["dect_servers"]["hosts"]
    servers["dect-003"]["dect_users"][1]["displayname"] = "Renamed"
    lab.inventory.write_text(json.dumps(inventory, indent=1))
    second = lab.playbook()
    assert second.rc == 0, second.output
    assert WARNING_REBOOT in re.sub(r"\s+", " ", second.output), second.output
    assert notified(sipps)["dect-003"] == [users["dect-003"][0]] * 2
    assert notified(sipps)["dect-001"] == [users["dect-001"][1]] and notified(sipps)["dect-002"] == []

    # On demand, check_sync.yml resolves the same records: dect-002 is left out, with a warning.
    on_demand = lab.playbook(playbook=REPO / "playbooks" / "check_sync.yml")
    assert on_demand.rc == 0, on_demand.output
    assert ("dect-002: its check-sync reaction is disabled (provisioning.check.check_sync, dect_check_sync_reaction):"
            " no NOTIFY is sent to it") in re.sub(r"\s+", " ", on_demand.output), on_demand.output
    assert notified(sipps) == {"dect-001": [users["dect-001"][1]] * 2, "dect-002": [],
                               "dect-003": [users["dect-003"][0]] * 3}


def test_a_limited_run_notifies_exactly_the_limited_server(lab, peers, tmp_path):
    inventory, sipps = configure(lab, peers)
    servers = inventory["all"]["children"]["dect_servers"]["hosts"]
    servers["dect-002"].pop("dect_check_sync_reaction")
    servers["dect-003"]["dect_check_sync_reaction"] = "update"
    # dect-002's users come from a CSV whose first user is disabled, and no dect_sip_user is set.
    csv = tmp_path / "dect-002-users.csv"
    csv.write_text("ipei,username,displayname,disabled\n00077 0000201,2201,Desk,true\n00077 0000202,2202,Nurse,false\n")
    servers["dect-002"].pop("dect_users")
    servers["dect-002"]["dect_users_src"] = str(csv)
    lab.inventory.write_text(json.dumps(inventory, indent=1))
    first = lab.playbook()
    assert first.rc == 0, first.output
    assert notified(sipps) == {"dect-001": ["1002"], "dect-002": ["2202"], "dect-003": ["3001"]}, first.stdout

    # A site-wide change, rolled out to one server only (AWX's limit field).
    inventory["all"]["vars"]["dect_settings"]["sip"]["defaultdomain"] = "changed.example"
    lab.inventory.write_text(json.dumps(inventory, indent=1))
    # With the rollout wait, a limit must keep the provisioning servers whose logs the wait reads.
    refused = lab.playbook("-l", "dect-002", "-e", "dect_rollout_wait=true")
    assert refused.rc == 2, refused.output
    assert ("dect_rollout_wait: the limit 'dect-002' leaves out every provisioning server (prov-local), whose request"
            " logs the wait reads: add them to the limit (-l 'dect-002,dect_provisioning_servers') or run without"
            " dect_rollout_wait; nothing was published") in re.sub(r"\s+", " ", refused.stdout), refused.stdout
    assert "TASK [dect.provisioning.dect_server : Validate and render" not in refused.stdout
    assert notified(sipps) == {"dect-001": ["1002"], "dect-002": ["2202"], "dect-003": ["3001"]}
    limited = lab.playbook("-l", "dect-002")
    assert limited.rc == 0, limited.output
    assert "TASK [Send SIP NOTIFY check-sync to the batch's changed servers, concurrently]" in limited.stdout
    assert notified(sipps) == {"dect-001": ["1002"], "dect-002": ["2202", "2202"], "dect-003": ["3001"]}, \
        limited.stdout
    assert limited.recap("dect-002")["changed"] >= 1 and "dect-001" not in limited.stdout, limited.stdout

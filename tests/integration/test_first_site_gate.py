"""validate.yml is the whole gate (issue 23): each error site.yml raises from inventory data, validate.yml
raises first, offline, naming the host and the variable or parameter path; and an inventory that
validate.yml passes, site.yml rolls out.

One table of mistakes a new admin makes. Each is applied to its own DECT server (or DHCP host, or the
catalogue) of one lab inventory; validate.yml reports them all in one run, and site.yml, run in
check mode against the same inventory (the role's checks and every render step run; nothing is
written or sent), fails each of them too: the table holds only errors site.yml really raises.
"""

from __future__ import annotations

import json
import re

import pytest

from devtools.ansible_runner import run_playbook
from devtools.collection import REPO
from devtools.site_lab import SiteLab, server_mac

VALIDATE = REPO / "playbooks" / "validate.yml"
SITE = REPO / "playbooks" / "site.yml"

# (case, the DECT server's variables it changes, what validate.yml and site.yml both say); {port} is
# the lab's HTTP port.
SERVER_CASES = [
    ("mac with 11 digits", {"dect_mac": "00:13:d1:80:00:3"},
     "dect_mac: '00:13:d1:80:00:3' is not a MAC address: expected 12 hex digits"),
    ("unknown model", {"dect_model": "6550"},
     "dect_model: model '6550' is not supported: allowed 400, 6500, 2500, 8000"),
    ("URL with a space", {"dect_provisioning_url": "http://127.0.0.1:{port}/de ct"},
     "dect_provisioning_url: 'http://127.0.0.1:{port}/de ct' is not a provisioning URL"),
    ("provisioning setting the site derives", {"dect_settings_host": {"provisioning": {"check": {"interval": 30}}}},
     "provisioning.check.interval: value '30': the derived provisioning section replaces it with '0'"),
    ("static addressing without an address", {"dect_settings_host": {"network": {"bootproto": "static"}}},
     "network.bootproto: value 'static', with network.ipaddr and network.netmask not set"),
    ("port out of range", {"dect_settings_host": {"sip": {"localport": 70000}}},
     "sip.localport: value '70000' is out of range: allowed integer 1..65535"),
    ("check-sync reaction that does not exist", {"dect_check_sync_reaction": "maybe"},
     "dect_check_sync_reaction: 'maybe' is not allowed: allowed are disabled, update, reboot"),
    ("no user to send check-sync to", {"dect_users": []},
     "no enabled user with a username or localno in dect_users (it has no users): set dect_sip_user"),
    ("users file that does not exist", {"dect_users_src": "/nonexistent/dect-users.csv"},
     "src: '/nonexistent/dect-users.csv' is not a readable file on the controller"),
    # dect-011 takes the MAC of dect-012, the server after the cases, in another spelling.
    ("MAC of another server in another spelling", {"dect_mac": server_mac(12).upper().replace(":", "-")},
     "MAC %s (dect_mac) is also the MAC of dect-012" % server_mac(12)),
]
GOOD = "dect-001"
# Every server's error shown: the default threshold (0 %) ends the play at the first failed server.
EVERY_SERVER = {"dect_rollout_max_fail_percentage": 100}


def lab_inventory(tmp_path, servers, edit):
    """A lab site (SiteLab's inventory: provisioning host, dnsmasq DHCP host, emulated-server settings)
    of ``servers`` DECT servers, changed by ``edit(inventory, lab)``; nothing is started."""
    lab = SiteLab(tmp_path)
    lab.write(servers=servers)
    inventory = json.loads(lab.inventory.read_text())
    edit(inventory, lab)
    lab.inventory.write_text(json.dumps(inventory, indent=1))
    return lab


def servers_of(inventory):
    return inventory["all"]["children"]["dect_servers"]["hosts"]


def failures(output):
    """{host: message} of every fatal/failed task result (the rescued ones of validate.yml too)."""
    found = {}
    for host, payload in re.findall(r"^(?:fatal|failed): \[([^\]]+)\]: FAILED! => (\{.*\})$", output, re.M):
        found.setdefault(host, []).append(json.loads(payload).get("msg"))
    return found


def validate_report(output):
    """validate.yml's final {host: [problems]} (the Report play's fail message)."""
    messages = failures(output).get("localhost")
    assert messages, output
    return messages[-1]


def server_cases(inventory, lab):
    port = lab.state["http_port"]
    for index, (dummy, patch, dummy_says) in enumerate(SERVER_CASES, start=2):
        name = "dect-%03d" % index
        values = json.loads(json.dumps(patch).replace("{port}", str(port)))
        servers_of(inventory)[name].update(values)
    # The DHCP host reserves for the good server only: the bad MACs and URLs above would fail the DHCP
    # play (test_validate_reports_the_dhcp_mistakes), and a play whose every host failed ends the run.
    inventory["all"]["children"]["dect_dhcp_clients"] = {"hosts": {GOOD: {}}}
    inventory["all"]["children"]["dect_dhcp_servers"]["hosts"]["dhcp-local"]["dhcp_servers_group"] = "dect_dhcp_clients"


def test_validate_reports_every_mistake_site_yml_would_hit_each_naming_its_host(tmp_path):
    # dect-001 is good; dect-002... one case each; the last server is the duplicate MAC's partner.
    lab = lab_inventory(tmp_path, len(SERVER_CASES) + 2, server_cases)
    port = str(lab.state["http_port"])

    checked = run_playbook(VALIDATE, tmp_path, inventory=lab.inventory)
    assert checked.rc != 0
    report = validate_report(checked.output)
    rolled = run_playbook(SITE, tmp_path, inventory=lab.inventory, check=True, extra_vars=EVERY_SERVER)
    assert rolled.rc != 0
    failed = failures(rolled.output)

    for index, (case, dummy, says) in enumerate(SERVER_CASES, start=2):
        name = "dect-%03d" % index
        says = says.replace("{port}", port)
        assert any(says in problem for problem in report.get(name, [])), (case, report)
        assert any(says in str(message) for message in failed.get(name, [])), \
            (case, failed.get(name), rolled.output[-3000:])
    # validate.yml says what needs the users file: the users document and the check-sync user.
    assert report["dect-010"] == [
        "users: src: '/nonexistent/dect-users.csv' is not a readable file on the controller (searched as a role's or"
        " playbook's files)",
        "check-sync: dect-010: dect_users_src: cannot read its users for the check-sync user:"
        " '/nonexistent/dect-users.csv' is not a readable file on the controller"]
    # The one good server passes both.
    assert GOOD not in report and GOOD not in failed
    assert rolled.recap(GOOD)["failed"] == 0


def dhcp_cases(inventory, lab):
    servers_of(inventory)["dect-002"]["dect_ip"] = "ward-a.example"
    servers_of(inventory)["dect-003"]["dect_ip"] = servers_of(inventory)["dect-001"]["dect_ip"]
    # A second DHCP host, without its software named (the dhcp role never guesses).
    hosts = inventory["all"]["children"]["dect_dhcp_servers"]["hosts"]
    hosts["dhcp-unnamed"] = {k: v for k, v in hosts["dhcp-local"].items() if k != "dect_dhcp_backend"}
    hosts["dhcp-unnamed"]["dect_dhcp_path"] = hosts["dhcp-local"]["dect_dhcp_path"] + ".second"


def test_validate_reports_the_dhcp_mistakes(tmp_path):
    lab = lab_inventory(tmp_path, 3, dhcp_cases)
    address = json.loads(lab.inventory.read_text())["all"]["children"]["dect_servers"]["hosts"]["dect-001"]["dect_ip"]
    unnamed = ("dect_dhcp_backend: not set for dhcp-unnamed: set it to isc, kea or dnsmasq, the DHCP server software"
               " of this host (nothing is guessed: the isc and dnsmasq backends own dhcp_path whole)")
    # Each server on its own first (one bad server hides no other), then together.
    reservations = "dect-002: dect_ip: 'ward-a.example' is not an IPv4 address"
    checked = run_playbook(VALIDATE, tmp_path, inventory=lab.inventory)
    assert checked.rc != 0
    assert validate_report(checked.output) == {"dhcp-local": ["dhcp: " + reservations], "dhcp-unnamed": ["dhcp: " + unnamed]}
    rolled = run_playbook(SITE, tmp_path, inventory=lab.inventory, check=True, extra_vars=EVERY_SERVER)
    assert rolled.rc != 0
    failed = failures(rolled.output)
    assert failed["dhcp-local"] == [reservations] and failed["dhcp-unnamed"] == [unnamed]

    # Fixed, the address used twice is the next thing both refuse.
    inventory = json.loads(lab.inventory.read_text())
    servers_of(inventory)["dect-002"]["dect_ip"] = "192.0.2.222"
    lab.inventory.write_text(json.dumps(inventory))
    twice = "dect-003: dect_ip: '%s' is also used by dect-001" % address
    checked = run_playbook(VALIDATE, tmp_path, inventory=lab.inventory)
    assert validate_report(checked.output)["dhcp-local"] == ["dhcp: " + twice]
    rolled = run_playbook(SITE, tmp_path, inventory=lab.inventory, check=True, extra_vars=EVERY_SERVER)
    assert failures(rolled.output)["dhcp-local"] == [twice]


def catalogue_cases(inventory, lab):
    catalogue = inventory["all"]["vars"]["dect_firmware"]
    catalogue["kws"]["src"] = str(lab.dir / "firmware" / "not-downloaded.bin")
    catalogue["pp14225100"] = {"src": "firmware/pp7x.bin", "version": "PP 1"}


def test_validate_refuses_firmware_files_the_firmware_role_cannot_read(tmp_path):
    lab = lab_inventory(tmp_path, 2, catalogue_cases)
    checked = run_playbook(VALIDATE, tmp_path, inventory=lab.inventory)
    assert checked.rc != 0
    problems = validate_report(checked.output)["dect_firmware"]
    missing = ("dect_firmware.kws.src: '%s' is not a file on the controller: allowed an existing file (or"
               " remote_src: true for a file already on the provisioning hosts)" % (lab.dir / "firmware" / "not-downloaded.bin"))
    relative = ("dect_firmware.pp14225100.src: 'firmware/pp7x.bin' is a relative path, which the firmware role would"
                " look up in the collection's role and playbook directories: allowed an absolute path on the"
                " controller (as '{{ inventory_dir }}/firmware/pp7x.bin')")
    assert problems == ["firmware: " + missing, "firmware: " + relative]

    rolled = run_playbook(SITE, tmp_path, inventory=lab.inventory, check=True, extra_vars=EVERY_SERVER)
    assert rolled.rc != 0
    assert failures(rolled.output)["prov-local"] == [missing + "; " + relative]


def url_case(inventory, lab):
    servers_of(inventory)["dect-002"]["dect_provisioning_url"] = "http://127.0.0.1:%d/" % (lab.state["http_port"] + 1)


def test_validate_refuses_a_url_the_provisioning_host_does_not_serve(tmp_path):
    lab = lab_inventory(tmp_path, 2, url_case)
    port = lab.state["http_port"]
    says = ("dect-002: dect_provisioning_url 'http://127.0.0.1:%d/': port %d is not where prov-local serves http:"
            " allowed %d (provisioning_server_http_port)" % (port + 1, port + 1, port))
    checked = run_playbook(VALIDATE, tmp_path, inventory=lab.inventory)
    assert checked.rc != 0
    assert validate_report(checked.output) == {"dect-002": ["url: " + says.split(": ", 1)[1]]}
    rolled = run_playbook(SITE, tmp_path, inventory=lab.inventory, check=True, extra_vars=EVERY_SERVER)
    assert rolled.rc != 0
    assert failures(rolled.output)["prov-local"] == [says]


@pytest.mark.parametrize("servers", [2])
def test_what_validate_passes_site_yml_rolls_out(tmp_path, servers):
    lab = lab_inventory(tmp_path, servers, lambda inventory, lab: None)
    checked = run_playbook(VALIDATE, tmp_path, inventory=lab.inventory)
    assert checked.rc == 0, checked.output
    assert "%d DECT server(s) validated, no problems" % servers in checked.stdout
    rolled = run_playbook(SITE, tmp_path, inventory=lab.inventory, check=True, extra_vars=EVERY_SERVER)
    assert rolled.rc == 0, rolled.output

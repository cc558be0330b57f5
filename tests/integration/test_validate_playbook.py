"""playbooks/validate.yml: a whole inventory checked offline, every problem of every server listed."""

from __future__ import annotations

from devtools.ansible_runner import run_playbook
from devtools.collection import REPO

EXAMPLE = REPO / "inventories" / "example-hospital"
EXAMPLE_HOSTS = EXAMPLE / "hosts.yml"
VAULT_ARGS = ("--vault-password-file", str(EXAMPLE / "vault-password.example.txt"))

BROKEN = """
all:
  vars:
    dect_provisioning_url: "http://192.0.2.1/dect"
  children:
    dect_servers:
      hosts:
        ward-a:
          dect_mac: "00:13:d1:80:00:32"
          dect_model: "6500"
          dect_settings_host:
            network: {bootproto: maybe}
            sip: {localport: 70000}
          dect_users:
            - {ipei: "00077 0000001", username: "9997"}
            - {ipei: "00077 0000001", username: "9998"}
        stores:
          dect_mac: "00:13:d1:80:00:40"
          dect_model: "8000"
          dect_settings_host:
            rfp: {auto: {start_time: "25:99"}}
        fine:
          dect_mac: "00:13:d1:80:00:41"
          dect_model: "8000"
"""


def test_example_inventory_validates_offline(tmp_path):
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=EXAMPLE_HOSTS, args=VAULT_ARGS)
    assert result.rc == 0, result.output
    assert "3 DECT server(s) validated, no problems" in result.stdout
    # Nothing was contacted: every task ran on the controller.
    assert "prov1.hospital.example" not in result.stdout and "dhcp1.hospital.example" not in result.stdout
    for secret in ("Default-SIP-2026", "Admin-DECT-2026", "WardB-SIP-2026"):
        assert secret not in result.output


def test_broken_inventory_fails_listing_every_problem(tmp_path):
    inventory = tmp_path / "broken.yml"
    inventory.write_text(BROKEN)
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc != 0
    report = result.stdout[result.stdout.index("Fail listing every problem"):]
    assert "config: network.bootproto: value 'maybe' allowed: dhcp, static" in report
    assert "config: sip.localport: value '70000' is out of range: allowed integer 1..65535" in report
    assert "users: " in report and "ipei" in report
    assert "config: rfp.auto.start_time: value '25:99'" in report
    assert "'fine'" not in report


POLICY = """
all:
  vars:
    dect_provisioning_url: "http://192.0.2.1/dect"
  children:
    dect_servers:
      hosts:
        lobby:
          dect_mac: "00:13:d1:80:00:50"
          dect_model: "2500"
          dect_strict: true
          dect_settings_host:
            snmp: {enable: true}
        cellar:
          dect_mac: "00:13:d1:80:00:51"
          dect_model: "6500"
          dect_provisioning_method: disabled
"""


def test_family_overrides_and_allow_unsafe_come_from_the_inventory(tmp_path):
    inventory = tmp_path / "policy.yml"
    inventory.write_text(POLICY)
    refused = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert refused.rc != 0
    report = refused.stdout[refused.stdout.index("Fail listing every problem"):]
    assert "config: snmp.enable: not supported on 2500/8000 (only 400/6500) (an inferred placement, strict mode)" in report
    assert "config: provisioning.server.method: value 'disabled' cuts the server off from provisioning" in report

    inventory.write_text(POLICY.replace("dect_strict: true", "dect_strict: true\n          dect_family_overrides: [snmp]")
                         .replace("dect_provisioning_method: disabled",
                                  "dect_provisioning_method: disabled\n          dect_allow_unsafe: [provisioning_disabled]"))
    allowed = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert allowed.rc == 0, allowed.output
    assert "2 DECT server(s) validated, no problems" in allowed.stdout


MIXED = """
all:
  vars:
    dect_provisioning_url: "http://192.0.2.1/"
    dect_firmware:
      IP-DECTserver400firmware: {kind: kws, models: ["400"], src: a.bin, version: "A 1"}
      IP-DECTserver6500firmware: {kind: kws, models: ["6500"], src: b.bin, version: "B 1"}
      DECTserver8000firmware: {kind: kws, models: ["2500", 8000], src: c.bin, version: "C 1"}
  children:
    dect_servers:
      hosts:
        ward-a: {dect_mac: "00:13:d1:80:00:32", dect_model: "6500"}
        stores: {dect_mac: "00:13:d1:80:00:40", dect_model: 8000}
"""


def test_a_catalogue_entry_no_server_is_given_warns(tmp_path):
    inventory = tmp_path / "mixed.yml"
    inventory.write_text(MIXED)
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc == 0, result.output
    assert "2 DECT server(s) validated, no problems" in result.stdout
    warning = ("dect_firmware.IP-DECTserver400firmware: no DECT server in inventory is given"
               " IP-DECTserver400firmware.bin (kws firmware for model 400; the DECT servers' models: 6500, 8000):"
               " it is staged but never fetched")
    assert " ".join(result.output.split()).count(warning) == 1, result.output
    assert "IP-DECTserver6500firmware: no DECT server" not in result.output


def test_overlapping_catalogue_entries_fail_naming_both(tmp_path):
    inventory = tmp_path / "overlap.yml"
    inventory.write_text(MIXED.replace('models: ["400"]', 'models: ["400", "6500"]'))
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc != 0
    assert ("dect_firmware: entries 'IP-DECTserver400firmware' and 'IP-DECTserver6500firmware' are both kws firmware"
            " for model 6500: each model takes one entry per kind (set models so that they do not overlap)"
            in " ".join(result.output.split())), result.output

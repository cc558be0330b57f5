"""playbooks/validate.yml: a whole inventory checked offline, every problem of every server listed."""

from __future__ import annotations

import re
import shutil

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
          dect_ip: 192.0.2.101
          dect_sip_user: "1101"
          dect_settings_host:
            network: {bootproto: maybe}
            sip: {localport: 70000}
          dect_users:
            - {ipei: "00077 0000001", username: "9997"}
            - {ipei: "00077 0000001", username: "9998"}
        stores:
          dect_mac: "00:13:d1:80:00:40"
          dect_model: "8000"
          dect_ip: 192.0.2.102
          dect_sip_user: "1102"
          dect_settings_host:
            rfp: {auto: {start_time: "25:99"}}
        fine:
          dect_mac: "00:13:d1:80:00:41"
          dect_model: "8000"
          dect_ip: 192.0.2.103
          dect_sip_user: "1103"
          dect_settings_host:
            network: {bootproto: dhcp}
"""


EXAMPLE_FIRMWARE = ("IP-DECTserver6500firmware.bin", "IP-DECTserver6500firmware.bin.ver", "DECTserver8000firmware.bin",
                    "DECTserver8000firmware.bin.ver", "pp7x.bin")


def test_example_inventory_validates_offline_once_its_firmware_is_downloaded(tmp_path):
    # As shipped, the example names release files the admin downloads beside hosts.yml: each is refused.
    shipped = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=EXAMPLE_HOSTS, args=VAULT_ARGS)
    assert shipped.rc != 0
    for name in EXAMPLE_FIRMWARE:
        assert "'%s' is not a file on the controller" % (EXAMPLE / "firmware" / name) in shipped.stdout, name

    site = tmp_path / "site"
    shutil.copytree(EXAMPLE, site)
    (site / "firmware").mkdir()
    for name in EXAMPLE_FIRMWARE:
        (site / "firmware" / name).write_bytes(b"PCS24B 71234\n" if name.endswith(".ver") else b"IMAGE" * 64)
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=site / "hosts.yml", args=VAULT_ARGS)
    assert result.rc == 0, result.output
    assert "3 DECT server(s) validated, no problems" in result.stdout
    # No misspelt variable, unknown parameter or password in plain text; each warning names its server.
    for needle in ("is not a variable of dect.provisioning", "plain text", "unknown parameter"):
        assert needle not in result.output, result.output
    assert all(line.startswith(("[WARNING]: ward-a: ", "[WARNING]: ward-b: ", "[WARNING]: stores: "))
               for line in result.output.splitlines() if line.startswith("[WARNING]")), result.output
    # Nothing was contacted: the example's hosts do not resolve, and no host was unreachable; the DHCP
    # host's checks ran on the controller.
    assert re.search(r"^dhcp1\.hospital\.example\s*: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", result.stdout, re.M)
    assert "UNREACHABLE" not in result.stdout and "prov1.hospital.example" not in result.stdout
    for secret in ("Default-SIP-2026", "Admin-DECT-2026", "WardB-SIP-2026"):
        assert secret not in result.output


def test_broken_inventory_fails_listing_every_problem(tmp_path):
    inventory = tmp_path / "broken.yml"
    inventory.write_text(BROKEN)
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc != 0
    report = result.stdout[result.stdout.index("Fail listing every problem"):]
    assert "config: network.bootproto: value 'maybe' is not allowed: allowed are dhcp, static" in report
    assert "config: sip.localport: value '70000' is out of range: allowed integer 1..65535" in report
    assert "users: " in report and "ipei" in report
    assert "config: rfp.auto.start_time: value '25:99'" in report
    # The 8000 without network.bootproto would come up static, without an address.
    assert ("config: network.bootproto: not set, so the 8000's default 'static' applies (the imported file replaces"
            " the server's whole configuration), with network.ipaddr and network.netmask not set") in report
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
          dect_ip: 192.0.2.104
          dect_sip_user: "1104"
          dect_strict: true
          dect_settings_host:
            network: {bootproto: dhcp}
            snmp: {enable: true}
        cellar:
          dect_mac: "00:13:d1:80:00:51"
          dect_model: "6500"
          dect_ip: 192.0.2.105
          dect_sip_user: "1105"
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


URLS = """
all:
  vars:
    dect_provisioning_url: "https://prov1.hospital.example/dect"
  children:
    dect_provisioning_servers:
      hosts:
        prov1.hospital.example:
          dect_provisioning_protocols: [https, tftp]
    dect_servers:
      hosts:
        good:
          dect_mac: "00:13:d1:80:00:60"
          dect_model: "6500"
          dect_ip: 192.0.2.106
          dect_sip_user: "1106"
        over-tftp:
          dect_mac: "00:13:d1:80:00:61"
          dect_model: "6500"
          dect_ip: 192.0.2.107
          dect_sip_user: "1107"
          dect_provisioning_url: "tftp://prov1.hospital.example/dect"
        bad-scheme:
          dect_mac: "00:13:d1:80:00:62"
          dect_model: "6500"
          dect_ip: 192.0.2.108
          dect_sip_user: "1108"
          dect_provisioning_url: "http://prov1.hospital.example/dect"
        bad-port:
          dect_mac: "00:13:d1:80:00:63"
          dect_model: "6500"
          dect_ip: 192.0.2.109
          dect_sip_user: "1109"
          dect_provisioning_url: "https://prov1.hospital.example:8443/dect"
        bad-path:
          dect_mac: "00:13:d1:80:00:64"
          dect_model: "6500"
          dect_ip: 192.0.2.110
          dect_sip_user: "1110"
          dect_server_provisioning_url: "https://prov1.hospital.example/boot"
"""


def test_urls_the_provisioning_hosts_do_not_serve_are_refused(tmp_path):
    inventory = tmp_path / "urls.yml"
    inventory.write_text(URLS)
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc != 0
    report = result.stdout[result.stdout.index("Fail listing every problem"):]
    for server, text in (
            ("bad-scheme", "url: dect_provisioning_url 'http://prov1.hospital.example/dect': scheme http is not served by"
                           " prov1.hospital.example: allowed https, tftp (provisioning_server_protocols)"),
            ("bad-port", "url: dect_provisioning_url 'https://prov1.hospital.example:8443/dect': port 8443 is not where"
                         " prov1.hospital.example serves https: allowed 443 (provisioning_server_https_port)"),
            ("bad-path", "url: dect_server_provisioning_url 'https://prov1.hospital.example/boot': path '/boot' is not"
                         " served by prov1.hospital.example: allowed '/dect' (provisioning_server_path)")):
        assert '"%s": ["%s"]' % (server, text) in report, report
    for fine in ("good", "over-tftp"):
        assert '"%s"' % fine not in report, report
    assert "WARNING" not in result.output

    # The URL's host named by no provisioning host: a warning, and checked against every one of them.
    inventory.write_text(URLS.replace("https://prov1.hospital.example/dect", "https://dect.hospital.example/dect")
                         .replace("bad-scheme", "bad-scheme-gone").replace('"http://prov1', '"https://prov1'))
    warned = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert "dect_provisioning_url 'https://dect.hospital.example/dect': host 'dect.hospital.example' is none of the" \
           " provisioning hosts' names (prov1.hospital.example); checked against every provisioning host - list it" \
           " in dect_provisioning_names of the host that serves it" in " ".join(warned.output.split()), warned.output
    assert '"good"' not in warned.stdout and '"bad-port"' in warned.stdout


def test_the_example_refuses_a_url_its_provisioning_host_does_not_serve(tmp_path):
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=EXAMPLE_HOSTS,
                          args=VAULT_ARGS + ("-e", "provisioning_server_path=/boot"))
    assert result.rc != 0
    assert ("url: dect_provisioning_url 'https://prov1.hospital.example/dect': path '/dect' is not served by"
            " prov1.hospital.example: allowed '/boot' (provisioning_server_path)") in result.stdout, result.stdout


HYGIENE = """
all:
  vars:
    dect_provisioning_url: "http://192.0.2.1/dect"
    dect_settings:
      network: {bootproto: dhcp}
  children:
    dect_servers:
      hosts:
        ward-a:
          dect_mac: "00:13:d1:80:00:32"
          dect_model: "6500"
          dect_check_intervall: 30
          dect_setings_host:
            network: {hostname: ward-a}
          dect_settings_host:
            sip:
              proxy: {domian: pbx.example}
              auth: {password: Plain-Sip-Pw-1}
        ward-b:
          dect_mac: "00:13:d1:80:00:33"
          dect_model: "6500"
          dect_settings_host:
            sip:
              auth: {password: "{{ sip_password }}"}
            provisioning:
              check: {interval: 30}
          sip_password: Templated-Pw-2
        cellar:
          dect_mac: "00:13:d1:80:00:40"
          dect_model: "8000"
          dect_check_sync_reaction: disabled
          dect_allow_unsafe: [static_without_address]
"""


def test_warnings_and_errors_name_the_server_and_suggest_the_nearest_name(tmp_path):
    inventory = tmp_path / "hygiene.yml"
    inventory.write_text(HYGIENE)
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc != 0
    warnings = [" ".join(line.split()) for line in result.output.replace("\n", " ").split("[WARNING]: ")[1:]]
    said = " ".join(warnings)
    # Unknown parameters and misspelt inventory variables: the server, and the nearest known name.
    assert ("ward-a: sip.proxy.domian: unknown parameter, rendered as given (not in the guide's Appendix A);"
            " did you mean `sip.proxy.domain`?") in said
    assert ("ward-a: dect_check_intervall is not a variable of dect.provisioning, so its value is ignored;"
            " did you mean `dect_check_interval`?") in said
    assert "ward-a: dect_setings_host is not a variable of dect.provisioning" in said
    assert "did you mean `dect_settings_host`?" in said
    # A password typed into inventory warns; a template (ward-b) does not.
    assert ("ward-a: dect_settings_host.sip.auth.password is a secret typed into inventory as plain text, not"
            " vaulted") in said
    assert "ward-b: dect_settings_host.sip.auth.password" not in said
    assert "Plain-Sip-Pw-1" not in result.output and "Templated-Pw-2" not in result.output
    # A setting the derived provisioning section would replace is an error naming both values.
    assert ("dect_settings_host: provisioning.check.interval: value '30': the derived provisioning section replaces"
            " it with '0'; set dect_check_interval instead and remove it from dect_settings_host") in result.output
    # Neither polling nor check-sync: refused, naming the server in the report, which still lists
    # every server although ward-b stopped early.
    report = result.stdout[result.stdout.index("Fail listing every problem"):]
    assert ("'ward-b': ['inventory: dect_settings_host: provisioning.check.interval: value '30': the derived"
            " provisioning section replaces it with '0'; set dect_check_interval instead and remove it from"
            " dect_settings_host']") in report.replace('"', "'"), report
    assert "'cellar': ['config: provisioning.check.check_sync: value 'disabled', provisioning.check.interval" \
        " value '0' and provisioning.check.time not set" in report.replace('"', "'")


def test_require_vault_makes_a_plain_text_secret_an_error(tmp_path):
    inventory = tmp_path / "vault.yml"
    inventory.write_text(HYGIENE.replace("    dect_settings:\n", "    dect_require_vault: true\n    dect_settings:\n"))
    result = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inventory)
    assert result.rc != 0
    assert ("dect.provisioning.dect_server: ward-a: dect_settings_host.sip.auth.password is a secret typed into"
            " inventory as plain text, not vaulted") in result.output.replace("\n", " ")
    assert "Plain-Sip-Pw-1" not in result.output


MIXED = """
all:
  vars:
    dect_provisioning_url: "http://192.0.2.1/"
    dect_settings: {network: {bootproto: dhcp}}
    dect_firmware:
      IP-DECTserver400firmware: {kind: kws, models: ["400"], src: "{{ inventory_dir }}/a.bin", version: "A 1"}
      IP-DECTserver6500firmware: {kind: kws, models: ["6500"], src: "{{ inventory_dir }}/b.bin", version: "B 1"}
      DECTserver8000firmware: {kind: kws, models: ["2500", 8000], src: "{{ inventory_dir }}/c.bin", version: "C 1"}
  children:
    dect_servers:
      hosts:
        ward-a: {dect_mac: "00:13:d1:80:00:32", dect_model: "6500", dect_ip: 192.0.2.32, dect_sip_user: "100"}
        stores: {dect_mac: "00:13:d1:80:00:40", dect_model: 8000, dect_ip: 192.0.2.40, dect_sip_user: "100"}
"""


def test_a_catalogue_entry_no_server_is_given_warns(tmp_path):
    inventory = tmp_path / "mixed.yml"
    inventory.write_text(MIXED)
    for image in ("a.bin", "b.bin", "c.bin"):
        (tmp_path / image).write_bytes(b"IMAGE")
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

"""Every EXAMPLES block of plugins/modules/*.py runs (issue 23: copied examples failed).

Each module's EXAMPLES are parsed as YAML and run as one play, in order (a later example may use what
an earlier one registered). They write for real into a scratch directory: the paths of the examples
are replaced through SUBSTITUTIONS, a small explicit table, and nothing else is changed except
CHECK_MODE_ONLY (modules that send packets run in check mode, which sends nothing). An example
that cannot run here is listed in NOT_RUN with the reason; the test fails when a module has
examples that are neither run nor listed, so none is skipped silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

from devtools.ansible_runner import PLAYBOOK_PYTHON, run_playbook
from devtools.collection import REPO
from devtools.probe_daemons import make_ca
from devtools.procs import need_binary

MODULES = REPO / "plugins" / "modules"
EXPORTS = REPO / "tests" / "data" / "exports"
VAULT_PASSWORD = "examples-vault-pw"
IMAGE = b"KWS-IMAGE-FOR-EXAMPLES\n" * 64

# The example's text -> the scratch one ({tmp} is the test's directory). Longest first when applied.
SUBSTITUTIONS = {
    "/srv/dect": "{tmp}/root",
    "/var/backups/dect": "{tmp}/backups",
    "exports/0013d1800032-config.xml": str(EXPORTS / "config-6500-export.xml"),
    "exports/0013d1800032-users.xml": str(EXPORTS / "users-6500-export.xml"),
    "exports/users.xml": str(EXPORTS / "users-6500-export.xml"),
    "inventories/production": "{tmp}/inventory",
    "ward-b-users.csv": "{tmp}/ward-b-users.csv",
    "files/firmware/": "{tmp}/firmware/",
    "/var/tmp/": "{tmp}/firmware/",
    "/etc/dhcp/": "{tmp}/dhcp/",
    "/etc/kea/": "{tmp}/kea/",
    "/etc/dnsmasq.d/": "{tmp}/dnsmasq/",
    # the example's checksum stands for a real image's; the scratch image's is put in its place
    "sha256:9f2c5d0a6b0e3c1e6a3f7a9b8c2d1e0f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d":
        "sha256:" + hashlib.sha256(IMAGE).hexdigest(),
    # a host name would be looked up in DNS even in check mode: a TEST-NET address instead
    "dect-ward-a.example.com": "192.0.2.10",
    # the example's provisioning host is the inventory's one here (a local connection)
    "delegate_to: prov1.example.com": "delegate_to: localhost",
    "    owner: root\n    group: root\n": "",  # the scratch files belong to whoever runs the test
    "    group: dect-provisioning\n": "",
    "/etc/pki/dect-ca.pem": "{tmp}/ca/dect-test-ca.pem",
    # provisioning_log's wait: nothing fetches here, so it waits out its timeout - two seconds, not five minutes
    "    timeout: 300\n    interval: 5\n": "    timeout: 2\n    interval: 1\n",
    "/etc/dect-provisioning": "{tmp}/conf",
}
# Modules whose examples send packets to DECT servers: run in check mode (nothing is sent).
CHECK_MODE_ONLY = ("check_sync",)
# Examples that cannot run here, with the reason (keep this list short).
NOT_RUN = {
    "provisioning_probe": "every example fetches from a provisioning server over the network "
                          "(prov.example.com, 192.0.2.5), in check mode too; tests/integration/"
                          "test_provisioning_probe.py runs the same options against served roots",
}
# Variables the examples refer to, as an inventory would give them.
EXAMPLE_VARS = {
    "vault_sip_password": "Sip-Pw-Example-1",
    "vault_dect_1000_password": "Sip-Pw-Example-2",
    "vault_sip_passwords": {"9998": "Sip-Pw-Example-3"},
    "vault_access_codes": {"2001": "4711"},
    # a site's settings are complete: the server gets an address and is told to check again
    "dect_settings": {"network": {"bootproto": "dhcp"}, "sip": {"defaultdomain": "pbx.example.com"},
                      "provisioning": {"check": {"check_sync": "update"}}},
    "my_settings": {"network": {"bootproto": "dhcp"}, "sip": {"defaultdomain": "pbx.example.com"},
                    "provisioning": {"check": {"check_sync": "update"}}},
    "dect_users": [{"username": "2101", "ipei": "00077 0000001"}],
    "dect_mac": "00:13:d1:80:00:32",
    "dect_model": "6500",
    "dect_ip": "192.0.2.10",
    "dect_provisioning_url": "https://192.0.2.5/dect",
    "dect_check_sync": {"host": "192.0.2.10", "user": "1000"},
}


def examples_of(module):
    text = (MODULES / ("%s.py" % module)).read_text()
    match = re.search(r'^EXAMPLES = r"""(.*?)"""', text, re.S | re.M)
    assert match, "%s has no EXAMPLES" % module
    return match.group(1)


def substituted(text, tmp):
    for old in sorted(SUBSTITUTIONS, key=len, reverse=True):
        text = text.replace(old, SUBSTITUTIONS[old].replace("{tmp}", str(tmp)))
    return text


def scratch(tmp):
    """The files the examples read, as a site would have them."""
    for name in ("root", "backups", "inventory", "firmware", "dhcp", "kea", "dnsmasq"):
        (tmp / name).mkdir()
    (tmp / "root").chmod(0o755)
    for image in ("kws6500_PCS24B.bin", "pp7x_Over-the-Air.bin", "kws8000.bin", "IP-DECTserver6500firmware.bin"):
        (tmp / "firmware" / image).write_bytes(IMAGE)
    (tmp / "firmware" / "pp7x_Over-the-Air.bin.ver").write_text("PCS24B 71234\n")
    (tmp / "firmware" / "kws8000.bin.ver").write_text("PCS24B 71234\n")
    (tmp / "ward-b-users.csv").write_text("localno,displayname,ipei\n2001,Ward B 1,00077 0000003\n"
                                          "2002,Ward B 2,00077 0000004\n")
    (tmp / "dhcp" / "dhcpd.conf").write_text(
        "authoritative;\nsubnet 192.0.2.0 netmask 255.255.255.0 {\n  range 192.0.2.100 192.0.2.150;\n}\n"
        "include \"%s\";\n" % (tmp / "dhcp" / "dect-option66.conf"))
    (tmp / "kea" / "kea-dhcp4.conf").write_text(json.dumps({"Dhcp4": {
        "interfaces-config": {"interfaces": ["*"]}, "lease-database": {"type": "memfile", "persist": False},
        "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.150"}]}]}},
        indent=2))
    (tmp / "dnsmasq" / "dect-option66.conf").write_text(
        "# Managed by dect.provisioning.dhcp_option66: changes made here are overwritten.\n")
    (tmp / "vault-pass").write_text(VAULT_PASSWORD)
    make_ca(tmp / "ca")


def inventory(tmp):
    local = {"ansible_connection": "local", "ansible_python_interpreter": PLAYBOOK_PYTHON}
    path = tmp / "hosts.json"
    path.write_text(json.dumps({"all": {"vars": EXAMPLE_VARS, "children": {
        "dect_provisioning_servers": {"hosts": {"localhost": dict(local)}},
        "dect_servers": {"hosts": {"ward-a": dict(local)}},
    }}}))
    return path


def play_of(module, tmp):
    tasks = yaml.safe_load(substituted(examples_of(module), tmp))
    assert isinstance(tasks, list) and tasks, module
    if module in CHECK_MODE_ONLY:
        tasks = [dict(task, check_mode=True) for task in tasks]
    hosts = "dect_servers" if module == "publish" else "localhost"
    return [{"name": "EXAMPLES of %s" % module, "hosts": hosts, "gather_facts": False, "tasks": tasks}]


def test_every_module_has_examples_run_or_listed():
    modules = sorted(path.stem for path in MODULES.glob("*.py") if path.stem != "__init__")
    assert set(NOT_RUN) <= set(modules)
    assert len(NOT_RUN) <= 1  # keep the list short
    for module in modules:
        assert examples_of(module).strip(), module


@pytest.mark.parametrize("module", sorted(path.stem for path in MODULES.glob("*.py")
                                          if path.stem != "__init__" and path.stem not in NOT_RUN))
def test_examples_run(module, tmp_path):
    for binary in {"dhcp_option66": ("dhcpd", "kea-dhcp4", "dnsmasq")}.get(module, ()):
        need_binary(binary)
    scratch(tmp_path)
    playbook = tmp_path / "examples.yml"
    playbook.write_text(yaml.safe_dump(play_of(module, tmp_path), sort_keys=False))
    run = run_playbook(playbook, tmp_path, inventory=inventory(tmp_path),
                       args=("--vault-id", "site@%s" % (tmp_path / "vault-pass")))
    assert run.rc == 0, run.output[-6000:]
    recap = run.recap("ward-a" if module == "publish" else "localhost")
    assert recap["failed"] == 0 and recap["ok"] >= len(yaml.safe_load(examples_of(module))), run.output
    for secret in ("Sip-Pw-Example-1", "Sip-Pw-Example-2", "Sip-Pw-Example-3"):
        assert secret not in run.output
    EFFECTS.get(module, lambda tmp: None)(tmp_path)


def _config_xml(tmp):
    assert (tmp / "root" / "0013d1800032-config.xml").stat().st_mode & 0o777 == 0o640
    assert (tmp / "root" / "0013d1800033-config.xml").is_file()


def _users_xml(tmp):
    assert (tmp / "root" / "0013d1800032-users.xml").stat().st_mode & 0o777 == 0o640
    assert "<localno>2002</localno>" in (tmp / "root" / "0013d1800033-users.xml").read_text()
    host_vars = (tmp / "inventory" / "host_vars" / "ward-a.yml").read_text()
    assert "authpassword: !vault |" in host_vars  # the secrets of the export are kept, vaulted


def _adopt_export(tmp):
    assert "dect_ip: 192.0.2.51" in (tmp / "inventory" / "host_vars" / "ward-a.yml").read_text()


def _firmware(tmp):
    assert (tmp / "root" / "kws.bin").read_bytes() == IMAGE
    assert (tmp / "root" / "pp14225100.bin.ver").is_file() and not (tmp / "root" / "rfp6.bin").exists()


def _dhcp_option66(tmp):
    assert "host ward-a {" in (tmp / "dhcp" / "dect-option66.conf").read_text()
    assert "dect.provisioning.dhcp_option66" in (tmp / "kea" / "kea-dhcp4.conf").read_text()
    assert not (tmp / "dnsmasq" / "dect-option66.conf").exists()


def _provisioning_host(tmp):
    assert (tmp / "root").stat().st_mode & 0o777 == 0o750
    assert (tmp / "conf" / "dect-provisioning.conf").read_text().startswith("# the nginx site")
    assert '"protocols": [\n    "http"\n  ]' in (tmp / "conf" / "dect_provisioning.fact").read_text()


def _publish(tmp):
    assert (tmp / "root" / "0013d1800032-config.xml").is_file()
    assert (tmp / "root" / "0013d1800032-users.xml").is_file()


EFFECTS = {"config_xml": _config_xml, "users_xml": _users_xml, "adopt_export": _adopt_export,
           "firmware": _firmware, "dhcp_option66": _dhcp_option66, "publish": _publish,
           "provisioning_host": _provisioning_host}


def test_substitutions_are_all_used():
    """A stale table entry means an example changed: the table stays exact."""
    text = "".join(examples_of(path.stem) for path in MODULES.glob("*.py") if path.stem != "__init__")
    assert [old for old in SUBSTITUTIONS if old not in text] == []
    assert Path(EXPORTS / "config-6500-export.xml").is_file()

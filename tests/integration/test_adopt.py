"""Adopting an installed site: exported config/users XML -> `ansible-playbook dect.provisioning.adopt`
-> host_vars with every secret vaulted -> `ansible-playbook dect.provisioning.site` -> the files a
server fetches equal the exports in every parameter, user and secret. No secret in clear in the
host_vars or in any -vvv output."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import threading
from pathlib import Path

import pytest

from devtools.ansible_runner import PLAYBOOK_PYTHON, run_playbook
from devtools.collection import REPO
from devtools.procs import free_port

from devtools.xml_compare import canonical

EXPORTS = REPO / "tests" / "data" / "exports"
MAC = "00:13:d1:80:00:32"
VAULT_PASSWORD = "adopt-vault-pw-5150"


def shows(secret, text):
    """Whether ``secret`` stands in ``text`` as itself: a 4-digit access code inside a longer number
    (a pid, a port, a temp dir name of -vvv output) is not a leak."""
    return re.search(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(secret), text) is not None


def secrets_in(family):
    """Every secret value of the exports (what must never appear in clear)."""
    from ansible_collections.dect.provisioning.plugins.module_utils import config_settings, users
    fam = "ipdect" if family == "6500" else "dect"
    settings = config_settings.parse((EXPORTS / ("config-%s-export.xml" % family)).read_bytes(), fam)
    values = set()
    flat = config_settings.flatten(settings)
    for path in config_settings.masked_paths(settings, config_settings.mask_settings(settings)):
        if flat[path] not in ("", None):
            values.add(str(flat[path]))
    records, dummy = users.parse((EXPORTS / ("users-%s-export.xml" % family)).read_bytes(), fam)
    for record in records:
        values.update(str(record[f]) for f in users.SECRET_FIELDS if record.get(f) not in (None, ""))
    url_password = re.search(r"prov:([^@]+)@", (EXPORTS / ("config-%s-export.xml" % family)).read_text())
    if url_password:
        values.add(url_password.group(1))
    assert len(values) >= 8
    return values


class SipOk(threading.Thread):
    """Answers every UDP SIP request with 200 OK (the DECT server's side of check-sync)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.running = True

    def run(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            text = data.decode("utf-8", "replace")
            self.requests.append(text.split("\r\n", 1)[0])
            keep = [line for line in text.split("\r\n")[1:]
                    if line.split(":", 1)[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
            reply = "SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n"
            self.sock.sendto(reply.encode(), peer)

    def stop(self):
        self.running = False
        self.join(timeout=2)
        self.sock.close()


@pytest.fixture
def sip():
    responder = SipOk()
    responder.start()
    yield responder
    responder.stop()


def write_inventory(base, sip_port, prov_vars=None, url_path="", stage_kws=False, **ward_vars):
    local = {"ansible_connection": "local", "ansible_python_interpreter": PLAYBOOK_PYTHON}
    http_port = free_port()
    prov = dict(local, dect_provisioning_root=str(base / "root"), dect_provisioning_protocols=["http"],
                provisioning_server_config_dir=str(base / "conf"), provisioning_server_listen_address="127.0.0.1",
                provisioning_server_http_port=http_port, provisioning_server_manage_services=False,
                provisioning_server_manage_packages=False)
    prov.update(prov_vars or {})
    # The exports name their server image 'kws.bin'; an export adopted as it is keeps that name, which the
    # site only writes when its catalogue stages that file (else the dect_server lookup refuses it).
    firmware = {}
    if stage_kws:
        image = base / "kws.bin"
        image.write_bytes(b"\x7fKWS" * 256)
        firmware = {"kws": {"kind": "kws", "models": ["6500", "8000"], "src": str(image), "version": "PCS24B 71234"}}
    inventory = {"all": {
        "vars": {"dect_provisioning_url": "http://127.0.0.1:%d%s" % (http_port, url_path), "dect_sip_timeout": 5,
                 "dect_firmware": firmware},
        "hosts": {"localhost": local},
        "children": {
            "dect_provisioning_servers": {"hosts": {"prov-local": prov}},
            "dect_servers": {"hosts": {"ward-a": dict(local, dect_sip_host="127.0.0.1", dect_sip_port=sip_port, **ward_vars)}},
        }}}
    inv_dir = base / "inventory"
    inv_dir.mkdir()
    (inv_dir / "hosts.yml").write_text(json.dumps(inventory, indent=1))
    return inv_dir


def adopt(base, inv_dir, model, verbosity=3, users=True, host="ward-a", mac=MAC, diff=False, **more):
    extra = dict(dect_adopt_host=host, dect_adopt_mac=mac, dect_adopt_model=model,
                 dect_adopt_config=str(EXPORTS / ("config-%s-export.xml" % model)), dect_adopt_dir=str(inv_dir),
                 dect_adopt_ip="127.0.0.1")
    if users:
        extra["dect_adopt_users"] = str(EXPORTS / ("users-%s-export.xml" % model))
    extra.update(more)
    return run_playbook("dect.provisioning.adopt", base, extra_vars=extra, diff=diff,
                        args=("--vault-id", "site@%s" % (base / "vault-pass")), verbosity=verbosity)


@pytest.mark.parametrize("model", ["6500", "8000"])
def test_adopt_then_site_recreates_the_exports(tmp_path, sip, model):
    base = tmp_path
    (base / "vault-pass").write_text(VAULT_PASSWORD + "\n")
    # Adopted "as it is" (export mode, the exact round trip): the exports have check-sync disabled and
    # no polling, which the site refuses unless the inventory says that state is meant.
    # The 8000 export is told its files at https://192.0.2.1/dect (kept as dect_provisioning_url), which
    # the site refuses unless a provisioning host serves HTTPS under that path.
    serve_https = dict(dect_provisioning_protocols=["http", "https"], provisioning_server_tls_selfsigned=True,
                       provisioning_server_https_port=443, dect_provisioning_names=["127.0.0.1", "192.0.2.1"])
    inv_dir = write_inventory(base, sip.port, prov_vars=serve_https, url_path="/dect", stage_kws=True,
                              dect_allow_unsafe=["polling_and_check_sync_off"])
    secrets = secrets_in(model)

    adopted = adopt(base, inv_dir, model, dect_adopt_provisioning="export")
    assert adopted.rc == 0, adopted.output
    host_vars = inv_dir / "host_vars" / "ward-a.yml"
    assert stat.S_IMODE(host_vars.stat().st_mode) == 0o600
    text = host_vars.read_text()
    leaked = [s for s in secrets if shows(s, text) or shows(s, adopted.output)]
    assert leaked == []
    assert text.count("!vault |") >= len(secrets) - 1  # the URL password sits inside one vaulted URL
    assert "$ANSIBLE_VAULT;1.2;AES256;site" in text
    for name in ("dect_mac:", "dect_model:", "dect_settings_host:", "dect_users:"):
        assert name in text
    assert "!unsafe" in text or model == "8000"  # an export's '{{' stays data

    again = adopt(base, inv_dir, model, verbosity=0, dect_adopt_provisioning="export")
    assert again.rc == 0, again.output
    assert again.recap()["changed"] == 0 and host_vars.read_text() == text

    site = run_playbook("dect.provisioning.site", base, inventory=inv_dir / "hosts.yml",
                        args=("--vault-id", "site@%s" % (base / "vault-pass")), verbosity=3)
    assert site.rc == 0, site.output[-6000:]
    assert [s for s in secrets if shows(s, site.output)] == []
    # The exports' own reaction to check-sync is disabled, and the check-sync target follows the server's
    # own settings: no NOTIFY is sent (it would be ignored); the site says so and how the server learns.
    assert not any(line.startswith("NOTIFY ") for line in sip.requests), sip.requests
    assert "ward-a: its check-sync reaction is disabled" in site.output

    config = (base / "root" / "0013d1800032-config.xml").read_bytes()
    users_file = (base / "root" / "0013d1800032-users.xml").read_bytes()
    export_config = (EXPORTS / ("config-%s-export.xml" % model)).read_bytes()
    export_users = (EXPORTS / ("users-%s-export.xml" % model)).read_bytes()
    assert canonical(config, "config") == canonical(export_config, "config")
    assert canonical(users_file, "users") == canonical(export_users, "users")
    for secret in secrets:
        assert secret.encode() in config + users_file


def test_adopt_refuses_without_a_vault_identity_and_writes_nothing(tmp_path):
    inv_dir = write_inventory(tmp_path, 5060)
    run = run_playbook("dect.provisioning.adopt", tmp_path, extra_vars=dict(
        dect_adopt_host="ward-a", dect_adopt_mac=MAC, dect_adopt_model="6500",
        dect_adopt_config=str(EXPORTS / "config-6500-export.xml"), dect_adopt_dir=str(inv_dir)))
    assert run.rc != 0
    assert "no vault secret: run with --vault-id" in run.output
    assert not (inv_dir / "host_vars").exists()


def test_adopt_reports_invalid_exports_without_their_secrets(tmp_path):
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    inv_dir = write_inventory(tmp_path, 5060)
    bad = tmp_path / "bad-config.xml"
    bad.write_text("<config><sip><localport>0</localport><auth><password>Bad-S3cret</password></auth></sip>"
                   "<dect><accesscode>12ab</accesscode></dect></config>")
    run = run_playbook("dect.provisioning.adopt", tmp_path, extra_vars=dict(
        dect_adopt_host="ward-a", dect_adopt_mac=MAC, dect_adopt_model="6500", dect_adopt_config=str(bad),
        dect_adopt_dir=str(inv_dir)), args=("--vault-id", "site@%s" % (tmp_path / "vault-pass")), verbosity=3)
    assert run.rc != 0
    assert "sip.localport: value '0' is out of range" in run.output
    assert "dect.accesscode: value '********'" in run.output
    assert "12ab" not in run.output and "Bad-S3cret" not in run.output
    assert not (inv_dir / "host_vars").exists()


def test_host_vars_file_is_never_written_through_a_symlink(tmp_path):
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    inv_dir = write_inventory(tmp_path, 5060)
    (inv_dir / "host_vars").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    os.symlink(str(victim), str(inv_dir / "host_vars" / "ward-a.yml"))
    run = adopt(tmp_path, inv_dir, "6500", verbosity=0)
    assert run.rc != 0 and "refusing to replace it" in run.output
    assert victim.read_text() == "keep"
    assert Path(inv_dir / "host_vars" / "ward-a.yml").is_symlink()


def test_adopt_refuses_a_server_without_an_address_and_writes_nothing(tmp_path):
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    inv_dir = write_inventory(tmp_path, 5060)
    run = adopt(tmp_path, inv_dir, "6500", verbosity=0, dect_adopt_ip="")
    assert run.rc != 0
    assert ("ip: the export holds no address of the server (network.ipaddr, network.ipv6addr, network.ipv6.ipaddr"
            " empty: it takes its address by DHCP) and %s sets neither dect_ip nor dect_sip_host: give the address"
            " check-sync is sent to with the ip option (-e dect_adopt_ip=<address>)"
            % (inv_dir / "host_vars" / "ward-a.yml")) in run.output
    assert not (inv_dir / "host_vars").exists()
    bad = adopt(tmp_path, inv_dir, "6500", verbosity=0, dect_adopt_ip="ward-a.example")
    assert bad.rc != 0 and "ip: 'ward-a.example' is not an IPv4 or IPv6 address" in bad.output


def test_relative_paths_are_relative_to_the_current_directory(tmp_path):
    """Issue 23: -e dect_adopt_config=exports/... was looked up under the collection's playbooks dir."""
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    (tmp_path / "exports").mkdir()
    for name in ("config-6500-export.xml", "users-6500-export.xml"):
        (tmp_path / "exports" / name).write_bytes((EXPORTS / name).read_bytes())
    run = run_playbook("dect.provisioning.adopt", tmp_path, extra_vars=dict(
        dect_adopt_host="ward-a", dect_adopt_mac=MAC, dect_adopt_model="6500", dect_adopt_ip="192.0.2.51",
        dect_adopt_config="exports/config-6500-export.xml", dect_adopt_users="exports/users-6500-export.xml",
        dect_adopt_dir="inventories/production"), args=("--vault-id", "site@vault-pass"))
    assert run.rc == 0, run.output
    assert (tmp_path / "inventories" / "production" / "host_vars" / "ward-a.yml").is_file()
    missing = run_playbook("dect.provisioning.adopt", tmp_path, extra_vars=dict(
        dect_adopt_host="ward-b", dect_adopt_mac=MAC, dect_adopt_model="6500", dect_adopt_ip="192.0.2.51",
        dect_adopt_config="exports/nope.xml", dect_adopt_dir="inventories/production"),
        args=("--vault-id", "site@vault-pass"))
    assert missing.rc != 0 and "config: cannot read '%s'" % (tmp_path / "exports" / "nope.xml") in missing.output


def test_readopting_keeps_hand_added_variables_and_shows_the_diff(tmp_path):
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    inv_dir = write_inventory(tmp_path, 5060)
    first = adopt(tmp_path, inv_dir, "6500", verbosity=0)
    assert first.rc == 0, first.output
    host_vars = inv_dir / "host_vars" / "ward-a.yml"
    hand = ("dect_sip_user: '2101'\ndect_sip_auth_password: !vault |\n" + "\n".join(
        "  " + line for line in _encrypt(tmp_path, "Hand-S3cret-42").splitlines()) + "\n")
    host_vars.write_text(host_vars.read_text() + hand)
    changed_mac = adopt(tmp_path, inv_dir, "6500", verbosity=0, diff=True, mac="00:13:d1:80:00:33")
    assert changed_mac.rc == 0, changed_mac.output
    text = host_vars.read_text()
    assert "dect_sip_user: '2101'" in text and "Hand-S3cret-42" not in changed_mac.output + text
    assert "-dect_mac: 00:13:d1:80:00:32\n+dect_mac: 00:13:d1:80:00:33" in changed_mac.output
    assert "hand-added variables kept: dect_sip_user, dect_sip_auth_password" in changed_mac.output
    assert [s for s in secrets_in("6500") if shows(s, changed_mac.output)] == []
    from ansible.parsing.vault import VaultLib, VaultSecret
    from ansible_collections.dect.provisioning.plugins.plugin_utils import adopt as adopt_utils
    lib = VaultLib([("site", VaultSecret(VAULT_PASSWORD.encode()))])
    loaded = adopt_utils.load(text, lambda c: lib.decrypt(c.encode()).decode())
    assert loaded["dect_sip_auth_password"].text == "Hand-S3cret-42" and loaded["dect_mac"] == "00:13:d1:80:00:33"
    again = adopt(tmp_path, inv_dir, "6500", verbosity=0, mac="00:13:d1:80:00:33")
    assert again.rc == 0 and again.recap()["changed"] == 0 and host_vars.read_text() == text


def _encrypt(base, secret):
    from ansible.parsing.vault import VaultLib, VaultSecret
    lib = VaultLib([("site", VaultSecret(VAULT_PASSWORD.encode()))])
    return lib.encrypt(secret.encode(), vault_id="site").decode()


def test_a_host_vars_file_that_cannot_be_read_back_is_replaced_only_with_force(tmp_path):
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    inv_dir = write_inventory(tmp_path, 5060)
    (inv_dir / "host_vars").mkdir()
    host_vars = inv_dir / "host_vars" / "ward-a.yml"
    host_vars.write_text("dect_note: [unclosed\n")
    refused = adopt(tmp_path, inv_dir, "6500", verbosity=0)
    assert refused.rc != 0
    assert "%s exists and cannot be read back to keep its variables (" % host_vars in refused.output
    assert "or give force: true (-e dect_adopt_force=true) to replace it whole" in refused.output
    assert host_vars.read_text() == "dect_note: [unclosed\n"
    forced = adopt(tmp_path, inv_dir, "6500", verbosity=0, dect_adopt_force=True)
    assert forced.rc == 0, forced.output
    assert "could not be read back" in forced.output and "dect_settings_host:" in host_vars.read_text()


def test_adopted_exports_pass_validate_then_site_with_the_sites_provisioning(tmp_path, sip):
    """Issue 23: adopt the sample exports into a site, then validate.yml and site.yml work on it; the
    site's provisioning (method, URL, check-sync reaction) is what the servers get, and adopt said so."""
    (tmp_path / "vault-pass").write_text(VAULT_PASSWORD)
    inv_dir = write_inventory(tmp_path, sip.port)
    inventory = json.loads((inv_dir / "hosts.yml").read_text())
    servers = inventory["all"]["children"]["dect_servers"]["hosts"]
    servers["ward-a"].pop("dect_sip_host")
    servers["ward-b"] = dict(servers["ward-a"])
    (inv_dir / "hosts.yml").write_text(json.dumps(inventory, indent=1))
    runs = [adopt(tmp_path, inv_dir, "6500", verbosity=0),
            adopt(tmp_path, inv_dir, "8000", verbosity=0, host="ward-b", mac="00:13:d1:80:00:33")]
    for run in runs:
        assert run.rc == 0, run.output
    assert ("provisioning.server.method: the export has 'static'; the site sets it from dect_provisioning_method"
            " (default dhcp)") in runs[1].output
    assert "provisioning.server.url: the export has 'https://prov:********@192.0.2.1/dect'" in runs[1].output
    assert ("provisioning.check.check_sync: the export has 'disabled'; the site sets it from"
            " dect_check_sync_reaction (default update)") in runs[0].output
    assert "provisioning.firmware.kws: the export names 'kws.bin', which the site does not stage" in runs[0].output
    vault = ("--vault-id", "site@%s" % (tmp_path / "vault-pass"))
    validated = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=inv_dir / "hosts.yml",
                             args=vault)
    assert validated.rc == 0, validated.output[-4000:]
    site = run_playbook("dect.provisioning.site", tmp_path, inventory=inv_dir / "hosts.yml", args=vault)
    assert site.rc == 0, site.output[-6000:]
    assert sum(1 for line in sip.requests if line.startswith("NOTIFY ")) >= 2
    for mac in ("0013d1800032", "0013d1800033"):
        config = (tmp_path / "root" / ("%s-config.xml" % mac)).read_text()
        assert "<check_sync>update</check_sync>" in config and "<method>dhcp</method>" in config
        assert "kws.bin" not in config and "192.0.2.1/dect" not in config

"""site.yml as AWX / Automation Controller runs it: through ansible-runner's Python API, from a
private data dir holding the inventory (secrets vaulted inline), the environment and the vault
password answered at its prompt, with --diff and -vvv, every job event stored.

The site: one provisioning host (nginx from the provisioning_server role on 127.0.0.1), one Kea DHCP
host (a config file holding a database password; option 66 carries the provisioning URL with its
password) and two DECT servers played by the emulator (they answer check-sync). The job must give
each host's result in its events, and no vaulted secret (SIP, admin, users', URL, DHCP) may appear in
any event, artifact or stdout, although each reached the files it belongs in."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import ansible_runner
import pytest

from devtools.ansible_runner import BIN, PLAYBOOK_PYTHON
from devtools.collection import REPO, collections_root
from devtools.site_lab import temporary_lab

VAULT_PASSWORD = "vault-Pass-for-awx-test"
SIP_PASSWORD = "Sip-Vaulted-4242"
ADMIN_PASSWORD = "Admin-Vaulted-1234"
USER_PASSWORD = "User-Vaulted-5555"
ACCESS_CODE = "73195582"
URL_PASSWORD = "Url-Vaulted-7777"
DIGEST_PASSWORD = "Digest-Vaulted-9999"
KEA_DB_PASSWORD = "Kea-DbPass-3030"
NEW_SIP_PASSWORD = "Sip-Rotated-8484"
SECRETS = (NEW_SIP_PASSWORD, SIP_PASSWORD, ADMIN_PASSWORD, USER_PASSWORD, ACCESS_CODE, URL_PASSWORD, DIGEST_PASSWORD,
           KEA_DB_PASSWORD, VAULT_PASSWORD)

KEA_CONFIG = """{"Dhcp4": {
  "interfaces-config": {"interfaces": ["*"]},
  "lease-database": {"type": "memfile", "persist": false},
  "hosts-database": {"type": "mysql", "name": "kea", "user": "kea", "password": "%s", "host": "127.0.0.1"},
  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "reservations": []}]
}}
""" % KEA_DB_PASSWORD


def vaulted(value, indent):
    """An inline ``!vault |`` scalar, as ``ansible-vault encrypt_string`` writes it."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    text = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))]).encrypt(value).decode()
    pad = " " * indent
    return "!vault |\n" + "".join("%s%s\n" % (pad, line) for line in text.splitlines())


def inventory_yaml(lab, kea_path):
    """The lab's inventory with the site's secrets vaulted inline and Kea as the DHCP backend."""
    http_port = lab.state["http_port"]
    local = "ansible_connection: local\n      ansible_python_interpreter: %s" % PLAYBOOK_PYTHON
    servers = ""
    for index, server in enumerate(lab.state["servers"], start=1):
        ident = "localno" if server["model"] in ("2500", "8000") else "username"
        servers += """
        {name}:
          ansible_connection: local
          ansible_python_interpreter: {python}
          dect_mac: "{mac}"
          dect_model: "{model}"
          dect_ip: 192.0.2.{ip}
          dect_sip_host: 127.0.0.1
          dect_sip_port: {port}
          dect_settings_host: {{network: {{hostname: {name}, bootproto: dhcp}}}}
          dect_users:
            - ipei: "00077 {ipei:07d}"
              {ident}: "{number}"
              displayname: Handset {index}
              authuser: "{number}"
              authpassword: {user_password}
              accesscode: {access_code}""".format(
            name=server["name"], python=PLAYBOOK_PYTHON, mac=server["mac"], model=server["model"], ip=10 + index,
            port=server["sip_port"], ipei=index * 10 + 1, ident=ident, number=1000 * index + 1, index=index,
            user_password=vaulted(USER_PASSWORD, 16).rstrip("\n"), access_code=vaulted(ACCESS_CODE, 16).rstrip("\n"))
    return """all:
  vars:
    dect_provisioning_url: {url}
    dect_provisioning_method: static
    dect_check_interval: 0
    dect_sip_timeout: 5
    dect_sip_auth_username: dect
    dect_sip_auth_password: {digest}
    dect_firmware:
      kws: {{src: "{firmware}", version: "{version}"}}
    dect_settings:
      sip:
        defaultdomain: demo.example
        localport: 5060
        auth:
          username: dect
          password: {sip}
      application:
        password: {admin}
  hosts:
    localhost:
      {local}
  children:
    dect_provisioning_servers:
      hosts:
        prov-local:
          {local_prov}
          dect_provisioning_root: "{root}"
          dect_provisioning_protocols: [http]
          provisioning_server_config_dir: "{conf}"
          provisioning_server_listen_address: 127.0.0.1
          provisioning_server_http_port: {http_port}
          provisioning_server_manage_services: false
          provisioning_server_manage_packages: false
    dect_dhcp_servers:
      hosts:
        dhcp-local:
          {local_prov}
          dect_dhcp_backend: kea
          dect_dhcp_path: "{kea}"
          dhcp_manage_service: false
    dect_servers:
      hosts:{servers}
""".format(url=vaulted("http://dect:%s@127.0.0.1:%d" % (URL_PASSWORD, http_port), 6).rstrip("\n"),
           digest=vaulted(DIGEST_PASSWORD, 6).rstrip("\n"),
           firmware=next((lab.dir / "firmware").iterdir()), version=lab.state["firmware"],
           sip=vaulted(SIP_PASSWORD, 12).rstrip("\n"), admin=vaulted(ADMIN_PASSWORD, 10).rstrip("\n"),
           local=local, local_prov=local.replace("\n      ", "\n          "), root=lab.dir / "root",
           conf=lab.dir / "conf", http_port=http_port, kea=kea_path, servers=servers)


@pytest.fixture(scope="module")
def site():
    with temporary_lab("dect-awx-runner-") as lab:
        lab.write(2)
        lab.prepare()
        lab.start_emulators()
        yield lab


def private_data_dir(lab):
    """What AWX hands ansible-runner for a job: inventory/, env/ (envvars, passwords, settings)."""
    pdd = lab.dir / "awx-job"
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "env").mkdir()
    kea = lab.dir / "kea-dhcp4.conf"
    kea.write_text(KEA_CONFIG)
    os.makedirs("/run/kea", exist_ok=True)
    (pdd / "inventory" / "hosts.yml").write_text(inventory_yaml(lab, kea))
    envvars = {
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root(lab.dir / "collections")),
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_LOCAL_TEMP": str(lab.dir / ".ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(lab.dir / ".ansible-remote"),
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "")),
    }
    (pdd / "env" / "envvars").write_text(json.dumps(envvars))
    # AWX answers the vault prompt of --ask-vault-pass from the job's vault credential.
    (pdd / "env" / "passwords").write_text(json.dumps({r"^Vault password:\s*?$": VAULT_PASSWORD}))
    (pdd / "env" / "settings").write_text(json.dumps({"idle_timeout": 600, "job_timeout": 900}))
    return pdd, kea


def run_job(pdd, ident):
    """One job, as AWX launches it: (runner, its stdout, its events)."""
    run = ansible_runner.run(private_data_dir=str(pdd), playbook=str(REPO / "playbooks" / "site.yml"),
                             cmdline="--diff --ask-vault-pass", verbosity=3, quiet=True, ident=ident)
    stdout = Path(run.stdout.name).read_text()
    assert run.rc == 0 and run.status == "successful", stdout[-6000:]
    return run, stdout, list(run.events)


def assert_no_secret(pdd, stdout, events):
    dumped = json.dumps(events)
    artifacts = {p: p.read_bytes() for p in (pdd / "artifacts").rglob("*") if p.is_file()}
    assert len(artifacts) > len(events) / 2  # the job_events/*.json at least
    for secret in SECRETS:
        assert secret not in stdout, secret
        assert secret not in dumped, secret
        for path, content in artifacts.items():
            assert secret.encode() not in content, (secret, path)


def test_site_through_ansible_runner_reports_every_host_and_leaks_no_secret(site, monkeypatch):
    pdd, kea = private_data_dir(site)
    monkeypatch.setenv("PATH", "%s:%s" % (BIN, os.environ.get("PATH", "")))
    run, stdout, events = run_job(pdd, "job-1")

    # Every host a play of site.yml targets. localhost is none: check-sync runs in the DECT servers' play
    # (per batch, delegated to localhost), so its result is reported under the servers' names.
    hosts = ["prov-local", "dhcp-local"] + [s["name"] for s in site.state["servers"]]
    # Each host's result, from the job's events as AWX stores them: the final stats and a task result.
    stats = [e for e in events if e["event"] == "playbook_on_stats"]
    assert len(stats) == 1
    data = stats[0]["event_data"]
    for host in hosts:
        assert data["ok"].get(host, 0) > 0, (host, data, stdout[-3000:])
        assert host not in data.get("failures", {}) and host not in data.get("dark", {}), (host, data)
    results = {e["event_data"].get("host") for e in events if e["event"] == "runner_on_ok"}
    assert set(hosts) <= results
    for server in site.state["servers"]:
        assert data["changed"].get(server["name"], 0) > 0, data  # users, config and check-sync
    notified = [e for e in events if e["event"] == "runner_on_ok"
                and e["event_data"].get("task", "").startswith("Send SIP NOTIFY check-sync")]
    assert notified and notified[0]["event_data"]["host"] in {s["name"] for s in site.state["servers"]}, notified
    # The PLAY RECAP of the job's stdout (colours as AWX shows them, stripped here) agrees.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", stdout)
    recap = plain[plain.index("PLAY RECAP"):]
    for host in hosts:
        line = re.search(r"^%s\s*:.*$" % re.escape(host), recap, re.M)
        assert line and " failed=0 " in line.group() and " unreachable=0 " in line.group(), (host, recap)

    # The secrets did reach their files (so their absence below means something) ...
    staged = {p.name: p.read_text() for p in (site.dir / "root").glob("*.xml")}
    config = "".join(text for name, text in staged.items() if name.endswith("-config.xml"))
    users = "".join(text for name, text in staged.items() if name.endswith("-users.xml"))
    assert SIP_PASSWORD in config and ADMIN_PASSWORD in config and URL_PASSWORD in config
    assert USER_PASSWORD in users and ACCESS_CODE in users
    assert URL_PASSWORD in kea.read_text() and KEA_DB_PASSWORD in kea.read_text()
    # ... and the job shows them masked: diffs of the documents, of the Kea config, the results.
    assert "********" in stdout

    # ... but none is in any event, any artifact file, or the job's stdout.
    assert_no_secret(pdd, stdout, events)

    # Second job: the SIP password rotated (vaulted) and a port changed. The diff names both, the
    # password as a changed fingerprint; unchanged secrets (admin, URL password) are not in it.
    inventory = pdd / "inventory" / "hosts.yml"
    text = inventory.read_text().replace("localport: 5060", "localport: 5062")
    start = text.index("          password: !vault |")
    end = text.index("      application:")
    inventory.write_text(text[:start] + "          password: " + vaulted(NEW_SIP_PASSWORD, 12) + text[end:])
    run, stdout, events = run_job(pdd, "job-2")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", stdout)
    diff = [line for line in plain.splitlines() if re.match(r"^[-+][a-z_]+\.", line)]
    servers = len(site.state["servers"])
    assert len([line for line in diff if line.startswith("-sip.localport = 5060")]) == servers, diff
    assert len([line for line in diff if line.startswith("+sip.localport = 5062")]) == servers, diff
    old = [line for line in diff if line.startswith("-sip.auth.password = ********(")]
    new = [line for line in diff if line.startswith("+sip.auth.password = ********(")]
    assert len(old) == len(new) == servers and set(o[1:] for o in old).isdisjoint(n[1:] for n in new), diff
    # the fingerprint depends on the path and the value: the same password on both servers, the same line
    assert len(set(old)) == len(set(new)) == 1, diff
    assert len(diff) == 4 * servers, diff
    assert NEW_SIP_PASSWORD in "".join(p.read_text() for p in (site.dir / "root").glob("*-config.xml"))
    assert_no_secret(pdd, stdout, events)

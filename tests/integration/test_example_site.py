"""The shipped example inventory, rolled out as it is: ``inventories/example-hospital`` (hosts.yml, its
group_vars with the vault file decrypted by ``vault-password.example.txt``, the ward-a CSV) against real
nginx (HTTPS, certificate from a test CA) and tftpd-hpa rendered by the provisioning_server role, Kea's
config checked by ``kea-dhcp4 -t``, and one DECT server emulator per server of the example: ward-a and
ward-b are IP-DECT 6500s, stores a DECT 8000.

What is substituted, and how: a second inventory source layered on top (``-i example/hosts.yml -i
lab-overlay.json``), holding host variables only. Host variables of a later source win over the
example's group_vars (extra vars would apply one value to every host, and the SIP port differs per
server), and the example's files stay byte for byte what is shipped. The overlay sets, per host:

- addresses and ports: ``dect_provisioning_url`` (``https://127.0.0.1:<port>/dect``: the example's
  scheme and path ``/dect``, the lab's address and port; host variables, since the example sets it in
  ``group_vars/all``, which outranks an inventory file's group vars), the provisioning host's
  ``ansible_host`` (so the URL names it), listen address and HTTPS/TFTP ports; each DECT server's
  ``dect_sip_host``/``dect_client_address`` (127.0.0.1: the emulators run here, not on the example's
  TEST-NET ``dect_ip``) and ``dect_sip_port`` (the port standing in for the 5060 of its settings);
- the secret the example leaves to the site: the HTTPS certificate and key (from a test CA);
- what a lab host needs instead of a real one: local connections, the provisioning root, the
  rendered daemon configs and Kea's config in a scratch directory, no service manager or packages.

Everything else is the example's: the per-model firmware catalogue, users (CSV and inline), settings,
check-sync reaction, rollout policy. The firmware the example names is made by the test where its
``src`` resolves: ``firmware/`` beside the inventory's hosts.yml, in a byte-identical copy of the
example directory (so nothing is written into the checkout).

The story: the provisioning host is prepared, the emulators boot from factory, a first rollout stages
release 1, the servers are power-cycled and install their own model's release 1. Then release 2 of
both images is downloaded over release 1 and ``site.yml`` (``dect_rollout_wait: true``) rolls it out:
each server gets one check-sync and fetches its own model's image under ``/dect``. A re-run changes
nothing.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
import socket
import subprocess

import pytest

from devtools.ansible_runner import PLAYBOOK_PYTHON, run_playbook
from devtools.collection import REPO
from devtools.emulator.harness import EmulatorProcess
from devtools.probe_daemons import issue_server_cert, make_ca
from devtools.procs import free_port, need_binary, need_root, world_traversable_dir
from devtools.provisioning_daemons import start_rendered, stop_all
from devtools.site_lab import convergence_table, free_sip_port

EXAMPLE = REPO / "inventories" / "example-hospital"
SITE = REPO / "playbooks" / "site.yml"
PROV, DHCP = "prov1.hospital.example", "dhcp1.hospital.example"
# The example's DECT servers: model, MAC (as the files name it), the image its model takes.
SERVERS = {
    "ward-a": ("6500", "0013d1800032", "IP-DECTserver6500firmware.bin"),
    "ward-b": ("6500", "0013d1800033", "IP-DECTserver6500firmware.bin"),
    "stores": ("8000", "0013d1800040", "DECTserver8000firmware.bin"),
}
IMAGES = {"6500": "IP-DECTserver6500firmware.bin", "8000": "DECTserver8000firmware.bin"}
HANDSET = "pp14225100.bin"  # the example's handset entry: staged under its key, every model is told it
PREPARE = """\
- name: Serve the provisioning root
  hosts: dect_provisioning_servers
  gather_facts: false
  roles:
    - role: dect.provisioning.provisioning_server
"""
KEA = """// The lab's Kea config: the example's DECT servers are in 192.0.2.0/24
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "*" ] },
    "lease-database": { "type": "memfile", "persist": false },
    "subnet4": [ { "id": 1, "subnet": "192.0.2.0/24", "pools": [ { "pool": "192.0.2.100 - 192.0.2.199" } ] } ]
  }
}
"""


def release(model, number):
    """The ``.ver`` text of release ``number`` of ``model``'s server image (distinct per model)."""
    return "PCS%s R%d" % (model, number)


def image_bytes(model, number):
    return hashlib.sha256(("%s-%d" % (model, number)).encode()).digest() * 2048  # 64 KiB


class ExampleLab:
    """The example inventory (a copy), its overlay, the daemons and the emulators, in ``workdir``."""

    def __init__(self, workdir):
        self.dir = workdir
        self.inventory_dir = workdir / "example-hospital"
        shutil.copytree(EXAMPLE, self.inventory_dir)
        self.firmware = self.inventory_dir / "firmware"
        self.firmware.mkdir()
        self.root = workdir / "srv" / "dect"
        self.conf = workdir / "etc"
        self.kea = workdir / "kea" / "kea-dhcp4.conf"
        self.kea.parent.mkdir()
        self.kea.write_text(KEA)
        ca, ca_key = make_ca(workdir / "pki")
        cert, key = issue_server_cert(workdir / "pki", ca, ca_key)
        self.ca = ca
        self.https_port, self.tftp_port = free_port(), free_port(socket.SOCK_DGRAM)
        self.url = "https://127.0.0.1:%d/dect" % self.https_port
        taken = {self.https_port}
        self.sip_ports = {}
        for name in SERVERS:
            self.sip_ports[name] = free_sip_port(taken)
            taken.add(self.sip_ports[name])
        self.overlay = workdir / "lab-overlay.json"
        self.overlay.write_text(json.dumps(self._overlay(cert, key), indent=1))
        self.daemons, self.emulators, self.marks = {}, {}, {}
        (workdir / "ansible").mkdir()

    def _overlay(self, cert, key):
        local = {"ansible_connection": "local", "ansible_python_interpreter": PLAYBOOK_PYTHON,
                 "dect_provisioning_url": self.url}
        prov = dict(local, ansible_host="127.0.0.1", dect_provisioning_root=str(self.root),
                    provisioning_server_config_dir=str(self.conf), provisioning_server_listen_address="127.0.0.1",
                    provisioning_server_https_port=self.https_port, provisioning_server_tftp_port=self.tftp_port,
                    provisioning_server_tls_cert=str(cert), provisioning_server_tls_key=str(key),
                    provisioning_server_manage_services=False, provisioning_server_manage_packages=False)
        dhcp = dict(local, dect_dhcp_path=str(self.kea), dhcp_manage_service=False)
        hosts = {PROV: prov, DHCP: dhcp}
        for name in SERVERS:
            hosts[name] = dict(local, dect_sip_host="127.0.0.1", dect_client_address="127.0.0.1",
                               dect_sip_port=self.sip_ports[name])
        return {"all": {"hosts": hosts}}

    def download(self, number):
        """Release ``number`` of both server images (and the handset image, which does not change) where
        the example's ``src``/``version_src`` point."""
        for model, image in IMAGES.items():
            (self.firmware / image).write_bytes(image_bytes(model, number))
            (self.firmware / (image + ".ver")).write_text(release(model, number) + "\n")
        (self.firmware / "pp7x.bin").write_bytes(b"handset image 75x2/76x2/77x2\n" * 512)

    def playbook(self, playbook=SITE, *args):
        run = run_playbook(playbook, self.dir / "ansible", inventory=self.inventory_dir / "hosts.yml",
                           args=("-i", str(self.overlay), "--vault-password-file",
                                 str(self.inventory_dir / "vault-password.example.txt")) + args, timeout=300)
        (self.dir / "last-run.log").write_text(run.output)
        return run

    def prepare(self):
        path = self.dir / "prepare.yml"
        path.write_text(PREPARE)
        run = self.playbook(path)
        assert run.rc == 0, run.output[-6000:]
        self.daemons = start_rendered(self.conf, ["https", "tftp"], self.dir)

    def boot(self, factory):
        """Every server boots (all at once, not waited for); ``factory``: nothing applied yet, so it
        answers a check-sync to any user (and, its reaction being the default disabled, ignores it)."""
        for name, (model, mac, _image) in SERVERS.items():
            self.emulators[name] = EmulatorProcess(
                self.dir / "emulators" / name, mac=mac, model=model, url=self.url, ca=self.ca,
                sip_port=self.sip_ports[name], any_sip_user=factory, max_runtime=600)

    def power_cycle(self):
        """Every server restarts: it boots from what is staged and applies it."""
        self.stop_emulators()
        self.boot(factory=False)

    def mark(self):
        self.marks = {name: (len(e.sip_log()), len(e.fetches())) for name, e in self.emulators.items()}

    def since_mark(self, name):
        sip_mark, fetch_mark = self.marks[name]
        emulator = self.emulators[name]
        return emulator.sip_log()[sip_mark:], emulator.fetches()[fetch_mark:]

    def stop_emulators(self):
        for emulator in self.emulators.values():
            emulator.stop()

    def stop(self):
        self.stop_emulators()
        stop_all(self.daemons)


@pytest.fixture(scope="module")
def lab():
    need_root()  # nginx serves the root as www-data, tftpd drops to its user
    for binary in ("nginx", "in.tftpd", "tftp", "kea-dhcp4", "openssl"):
        need_binary(binary)
    with world_traversable_dir("dect-example-site-") as workdir:
        site = ExampleLab(workdir)
        try:
            yield site
        finally:
            site.stop()


def recap_changed(run):
    tail = run.stdout.rsplit("PLAY RECAP", 1)[-1]
    return {host: int(changed) for host, changed in re.findall(r"^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)", tail, re.M)}


def table_blocks(lines):
    """``{server: (mac, {file: what the table says})}`` from the convergence table's lines."""
    blocks, current = {}, None
    for line in lines[1:]:
        match = re.match(r"^(\S+)\s+([0-9a-f]{12})\s+(\S+)\s+(.*)$", line)
        if match:
            current = match.group(1)
            blocks[current] = (match.group(2), {match.group(3): match.group(4)})
        elif current and line.strip():
            file, what = line.split(None, 1)
            blocks[current][1][file] = what
    return blocks


def check_syncs(sip_entries):
    return [e for e in sip_entries if e.get("trigger") == "check-sync" and e.get("status") == 200]


def provisioned(emulator, version, port):
    state = emulator.state()
    return ((state.get("running_firmware") or {}).get("kws") == version and bool(state.get("config"))
            and bool(state.get("users")) and (state.get("sip") or {}).get("port") == port)


def wait_provisioned(lab, number, timeout=30.0):
    for name, (model, _mac, _image) in SERVERS.items():
        emulator = lab.emulators[name]
        emulator.wait(lambda e=emulator, m=model, n=name: provisioned(e, release(m, number), lab.sip_ports[n]),
                      timeout, "%s running %s with its config and users applied" % (name, release(model, number)))


@pytest.mark.daemons
def test_the_example_site_rolls_out_per_model_firmware_under_its_path(lab):
    # The rollout uses the example as shipped: the copy is byte-identical (the overlay is a file of its own).
    comparison = filecmp.dircmp(EXAMPLE, lab.inventory_dir, ignore=["firmware"])
    assert not (comparison.left_only or comparison.diff_files or comparison.funny_files), comparison.report()
    for sub in ("group_vars/all", "group_vars/dect_servers", "files"):
        assert not filecmp.dircmp(EXAMPLE / sub, lab.inventory_dir / sub).diff_files, sub

    # History: the provisioning host serves, the servers boot from factory, release 1 is rolled out and
    # the servers are power-cycled into it (a factory device ignores check-sync).
    lab.download(1)
    lab.prepare()
    lab.boot(factory=True)
    for emulator in lab.emulators.values():
        emulator.wait_for_checks(1, timeout=30)
    first = lab.playbook()
    assert first.rc == 0, first.output[-8000:]
    assert "DECTserver8000firmware" in first.stdout and "no DECT server in inventory is given" not in first.output
    lab.power_cycle()
    wait_provisioned(lab, 1)

    # What the example published: each server told its own model's image under the guide's file name.
    for name, (model, mac, image) in SERVERS.items():
        config = (lab.root / ("%s-config.xml" % mac)).read_text()
        assert "<kws>%s</kws>" % image in config, (name, config)
        assert "<pp14225100>%s</pp14225100>" % HANDSET in config, (name, config)
        assert "<check_sync>update</check_sync>" in config, (name, config)
    for model, image in IMAGES.items():
        assert (lab.root / image).read_bytes() == image_bytes(model, 1)
        assert (lab.root / (image + ".ver")).read_text().strip() == release(model, 1)
    assert (lab.root / (HANDSET + ".ver")).read_text().strip() == "PCS24B 71234"
    # DHCP option 66 hands out the URL the emulators were given, with the example's path.
    assert lab.url in lab.kea.read_text() and '"hw-address": "00:13:d1:80:00:40"' in lab.kea.read_text()
    # TFTP serves the root under the path too (as the device asks: without the leading /).
    tftp_copy = lab.dir / "tftp-config.xml"
    proc = subprocess.run(["tftp", "127.0.0.1", str(lab.tftp_port), "-m", "binary", "-c", "get",
                           "dect/0013d1800040-config.xml", str(tftp_copy)], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc
    assert tftp_copy.read_bytes() == (lab.root / "0013d1800040-config.xml").read_bytes()

    # The change: release 2 of both images downloaded over release 1, rolled out with the wait.
    lab.mark()
    lab.download(2)
    change = lab.playbook(SITE, "-e", "dect_rollout_wait=true", "-e", "dect_rollout_wait_timeout=60")
    assert change.rc == 0, change.output[-8000:]
    wait_provisioned(lab, 2)
    table = convergence_table(change.stdout)
    blocks = table_blocks(table)
    for name, (model, mac, image) in SERVERS.items():
        sip, fetches = lab.since_mark(name)
        assert len(check_syncs(sip)) == 1, (name, sip)
        fetched = [(f["file"], f["status"]) for f in fetches]
        # Every request since the change succeeded, under the URL's path, over HTTPS.
        assert all(f["status"] == "ok" and f["protocol"] == "https" and "/dect/%s" % f["file"] in f["location"]
                   for f in fetches), (name, fetches)
        # Its own model's image and version file, with the bytes of release 2; the other model's never.
        images = [f for f in fetches if f["kind"] == "firmware" and f["firmware_kind"] == "kws"]
        assert [f["file"] for f in images] == [image], (name, fetched)
        assert images[0]["sha256"] == hashlib.sha256(image_bytes(model, 2)).hexdigest()
        assert (image + ".ver", "ok") in fetched and ("%s-config.xml" % mac, "ok") in fetched, (name, fetched)
        assert ("%s-users.xml" % mac, "ok") in fetched, (name, fetched)
        everything = {f["file"] for f in lab.emulators[name].fetches()}
        other = IMAGES["8000" if model == "6500" else "6500"]
        assert other not in everything and other + ".ver" not in everything, (name, everything)
        assert all(f.startswith(mac) or f in (image, image + ".ver", HANDSET, HANDSET + ".ver") for f in everything), (
            name, everything)
        # The convergence table (the provisioning host's request log) credits its files, the image whole.
        # All emulators fetch from 127.0.0.1, and images carry no MAC: the table credits each server with
        # every image fetched from that address, so which image a server took is read from its own records.
        assert blocks[name][0] == mac, (name, table)
        for file in ("%s-config.xml" % mac, "%s-users.xml" % mac, image + ".ver"):
            assert re.search(r" https 127\.0\.0\.1 GET 200$", blocks[name][1].get(file, "")), (name, file, table)
        assert blocks[name][1][image].endswith(" https 127.0.0.1 GET 200 complete"), (name, table)
    assert not any("MISSING" in line for line in table), table

    # A second run changes nothing and notifies nobody.
    lab.mark()
    again = lab.playbook()
    assert again.rc == 0, again.output[-8000:]
    assert recap_changed(again) == dict.fromkeys([PROV, DHCP] + list(SERVERS), 0), again.stdout
    for name in SERVERS:
        assert check_syncs(lab.since_mark(name)[0]) == [], name

"""A whole DECT site on this machine: the demo, the molecule scenario and the site benchmark use it.

One provisioning host (localhost: the provisioning_server role renders nginx's config, which runs
for real on 127.0.0.1), one DHCP host (localhost: dnsmasq config written and checked by
``dnsmasq --test``), and N DECT servers played by the emulator (devtools/emulator), each with its own
SIP port, fetching over HTTP from the static URL the rollout gives them.

Each server's SIP port is in its own settings (a host-level ``dect_settings`` with ``sip.localport``:
the emulator listens where its applied config says) and, consistently, in ``dect_sip_port`` (the
explicit check-sync override). The emulator also starts with ``--sip-port`` of that port, which stands
in for 5060 until the first config is applied. A factory emulator (before the first rollout reached
it) takes a check-sync for any user (``--any-sip-user``): the first rollout notifies servers that have
no users yet; after a power cycle they answer only their enabled users, as the device does.

    python -m devtools.site_lab up --workdir DIR [--servers N] [--no-history]
    python -m devtools.site_lab rollout --workdir DIR
    python -m devtools.site_lab report --workdir DIR [--expect-check-syncs N]
    python -m devtools.site_lab down --workdir DIR

``up`` is the site's history before the change under test: the provisioning host is prepared and
serves, the DECT servers (emulators, factory state) run, a first rollout stages firmware
``DEMO-KWS 1`` and every config, the servers are power-cycled so they boot from what is staged (a
factory device ignores check-sync), and the inventory then names firmware ``DEMO-KWS 2``.
``up --no-history`` stops once the emulators have booted in factory state with nothing staged (the
site benchmark times the first rollout from there). ``rollout`` is the change: site.yml stages the
new firmware and sends check-sync; ``report`` shows, per server, what it fetched and how many
check-syncs it answered since the power cycle.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

from devtools.ansible_runner import PLAYBOOK_PYTHON, run_playbook
from devtools.collection import REPO
from devtools.emulator.harness import EmulatorProcess
from devtools.procs import free_port, world_traversable_dir
from devtools.provisioning_daemons import start_rendered

OLD_FIRMWARE = "DEMO-KWS 1"
NEW_FIRMWARE = "DEMO-KWS 2"
FIRMWARE_BYTES = 512 * 1024
SITE_PLAYBOOK = REPO / "playbooks" / "site.yml"
MODELS = ("6500", "8000", "400", "2500")
PREPARE_PLAYBOOK = """\
- name: Serve the provisioning root
  hosts: dect_provisioning_servers
  gather_facts: true
  roles:
    - role: dect.provisioning.provisioning_server
"""
# ``per_model`` sites: one server image per model family under the guide's file names (key: models).
PER_MODEL_IMAGES = {"IP-DECTserver6500firmware": ["400", "6500"], "DECTserver8000firmware": ["2500", "8000"]}
EMULATOR_BOOT_SECONDS = 0.5  # allowance per emulator when many boot at once on 2 cores


def test_net_ip(index):
    """``dect_ip`` of server ``index``: TEST-NET-1, then TEST-NET-2; none past those (a site too large
    for two /24s gets option 66 without a fixed address for the rest). Only written into DHCP
    reservations: nothing is ever sent to them."""
    if index <= 240:
        return {"dect_ip": "192.0.2.%d" % (10 + index)}
    if index <= 480:
        return {"dect_ip": "198.51.100.%d" % (index - 230)}
    return {}


def free_sip_port(taken=()):
    """A port free for both UDP and TCP on 127.0.0.1 (the emulator listens on both), not in ``taken``:
    the kernel may hand a released port out again, and 100 draws collide often enough to matter."""
    for _attempt in range(50):
        port = free_port(socket.SOCK_DGRAM)
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no port free for both UDP and TCP")


def server_name(index):
    return "dect-%03d" % index


def server_mac(index):
    return "00:13:d1:80:%02x:%02x" % (index // 256, index % 256)


class SiteLab:
    """The site's files live in ``workdir``; ``lab.json`` remembers ports and pids between commands."""

    def __init__(self, workdir, prov_connection=None):
        """``prov_connection``: connection variables of the provisioning host (default: local, as root);
        devtools.sshd.SshHost gives those of an SSH login with become, as real sites have."""
        self.dir = Path(workdir).resolve()
        self.state_path = self.dir / "lab.json"
        self.state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}
        self.prov_connection = prov_connection

    # ------------------------------------------------------------------ layout
    @property
    def inventory(self):
        return self.dir / "inventory.yml"

    def emulator_dir(self, name):
        return self.dir / "emulators" / name

    def save(self):
        self.state_path.write_text(json.dumps(self.state, indent=1))

    def write(self, servers=3, version=OLD_FIRMWARE, per_model=False):
        """Inventory and ports for a site of ``servers`` DECT servers, firmware ``version`` in the catalogue;
        ``per_model``: one image per model family (PER_MODEL_IMAGES) instead of one ``kws`` for all."""
        for sub in ("root", "conf", "firmware", "dnsmasq", "emulators"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        taken = {free_port()}
        self.state = {"http_port": min(taken), "servers": []}
        if per_model:
            self.state["images"] = {key: {"models": models, "version": version} for key, models in PER_MODEL_IMAGES.items()}
        for index in range(1, servers + 1):
            port = free_sip_port(taken)
            taken.add(port)
            self.state["servers"].append(dict(name=server_name(index), mac=server_mac(index),
                                              model=MODELS[index % 2], sip_port=port))
        self.set_firmware(version)

    def set_firmware(self, version, image=None, rebuilt=False, allow_same_version=None):
        """Put firmware ``version`` (its image and .ver text) in the site catalogue. On a ``per_model`` site,
        ``image`` names the one entry to change (default: all); ``rebuilt`` gives it other bytes under the
        same text; ``allow_same_version`` sets that catalogue field."""
        for key, entry in (self.state.get("images") or {}).items():
            if image in (None, key):
                entry.update(version=version, rebuilt=bool(rebuilt))
                if allow_same_version is not None:
                    entry["allow_same_version"] = allow_same_version
        if image is None:
            self.state["firmware"] = version
        self.inventory.write_text(json.dumps(self._inventory(self._catalogue()), indent=1))
        self.save()

    def _catalogue(self):
        """The site's dect_firmware, each image written under firmware/ (bytes derived from key and version)."""
        images = self.state.get("images") or {"kws": {"version": self.state["firmware"]}}
        catalogue = {}
        for key, entry in images.items():
            stem = "%s-%s%s" % (key, entry["version"].replace(" ", "_"), "-rebuilt" if entry.get("rebuilt") else "")
            firmware = self.dir / "firmware" / (stem + ".bin")
            seed = (key if "models" in entry else "") + entry["version"] + ("rebuilt" if entry.get("rebuilt") else "")
            firmware.write_bytes(hashlib.sha256(seed.encode()).digest() * (FIRMWARE_BYTES // 32))
            catalogue[key] = {"src": str(firmware), "version": entry["version"]}
            if "models" in entry:
                catalogue[key].update(kind="kws", models=entry["models"])
            if entry.get("allow_same_version"):
                catalogue[key]["allow_same_version"] = True
        return catalogue

    def image_of(self, server):
        """The server firmware file a server is told: its model's entry on a per_model site, else kws.bin."""
        for key, entry in (self.state.get("images") or {}).items():
            if server["model"] in entry["models"]:
                return key + ".bin"
        return "kws.bin"

    def version_of(self, server):
        """The .ver text of the server firmware a server is told."""
        entry = (self.state.get("images") or {}).get(self.image_of(server)[:-len(".bin")])
        return entry["version"] if entry else self.state["firmware"]

    def _inventory(self, catalogue):
        local = {"ansible_connection": "local", "ansible_python_interpreter": PLAYBOOK_PYTHON}
        url = "http://127.0.0.1:%d" % self.state["http_port"]
        prov = dict(self.prov_connection or local, dect_provisioning_root=str(self.dir / "root"),
                    dect_provisioning_protocols=["http"],
                    provisioning_server_config_dir=str(self.dir / "conf"),
                    provisioning_server_listen_address="127.0.0.1",
                    provisioning_server_http_port=self.state["http_port"],
                    provisioning_server_manage_services=False, provisioning_server_manage_packages=False,
                    dect_provisioning_names=["127.0.0.1"])  # the URL's host
        dhcp = dict(local, dect_dhcp_backend="dnsmasq", dect_dhcp_path=str(self.dir / "dnsmasq" / "dect.conf"),
                    dhcp_manage_service=False)
        servers = {}
        # DHCP addressing said outright: the 2500/8000's default is static.
        site_settings = {"network": {"bootproto": "dhcp"}, "sip": {"defaultdomain": "demo.example", "localport": 5060}}
        for index, server in enumerate(self.state["servers"], start=1):
            # Every emulator fetches from 127.0.0.1 (dect_ip is only written into DHCP reservations).
            servers[server["name"]] = dict(local, dect_client_address="127.0.0.1")
            servers[server["name"]].update(self.state.get("host_vars", {}).get(server["name"], {}))
            servers[server["name"]].update(
                dect_mac=server["mac"], dect_model=server["model"], **test_net_ip(index))
            servers[server["name"]].update(
                # The NOTIFY goes where the server's own config says it listens (sip.localport).
                dect_sip_host="127.0.0.1",
                dect_settings_host={"network": {"hostname": server["name"]}, "sip": {"localport": server["sip_port"]}},
                dect_users=[{"ipei": "00077 %07d" % (index * 10 + n), "username": str(1000 * index + n),
                             "localno": str(1000 * index + n), "displayname": "Handset %d.%d" % (index, n)}
                            for n in (1, 2)] if server["model"] in ("2500", "8000") else
                [{"ipei": "00077 %07d" % (index * 10 + n), "username": str(1000 * index + n),
                  "displayname": "Handset %d.%d" % (index, n)} for n in (1, 2)])
        return {"all": {
            "vars": {"dect_provisioning_url": url, "dect_provisioning_method": "static",
                     "dect_check_interval": 0, "dect_sip_timeout": 5,
                     "dect_firmware": catalogue,
                     "dect_settings": site_settings},
            "hosts": {"localhost": local},
            "children": {
                "dect_provisioning_servers": {"hosts": {"prov-local": prov}},
                "dect_dhcp_servers": {"hosts": {"dhcp-local": dhcp}},
                "dect_servers": {"hosts": servers},
            }}}

    # ------------------------------------------------------------------ running it
    def playbook(self, *args, playbook=SITE_PLAYBOOK, **kwargs):
        run = run_playbook(playbook, self.dir, inventory=self.inventory, args=args, **kwargs)
        (self.dir / "last-run.log").write_text(run.output)
        return run

    def prepare(self):
        """The provisioning server role, then its daemons: what must serve before devices boot.

        Only that role (not site.yml's firmware play too), so the first rollout stages the firmware.
        """
        path = self.dir / "prepare.yml"
        path.write_text(PREPARE_PLAYBOOK)
        run = self.playbook(playbook=path)
        if run.rc != 0:
            raise RuntimeError("preparing the provisioning host failed:\n%s" % run.output[-4000:])
        nginx = start_rendered(self.dir / "conf", ["http"], self.dir)["nginx"]
        self.state["pids"] = {"nginx": nginx.pid}
        self.save()

    def start_emulators(self, running=OLD_FIRMWARE, factory=True):
        """Each DECT server boots (running firmware ``running``) and finishes its boot check.
        ``factory``: no config reached them yet, so they take a check-sync for any user (see above).

        All emulators start at once and are waited for afterwards: one by one, 100 of them took minutes.
        """
        url = "http://127.0.0.1:%d" % self.state["http_port"]
        pids = self.state.setdefault("pids", {})
        booting = []
        for server in self.state["servers"]:
            checks_before = _Records(self.emulator_dir(server["name"])).checks_finished()
            emulator = EmulatorProcess(self.emulator_dir(server["name"]), mac=server["mac"], model=server["model"],
                                       url=url, sip_port=server["sip_port"], running=["kws=%s" % running],
                                       max_runtime=3600, any_sip_user=factory)
            pids[server["name"]] = emulator.daemon.pid
            booting.append((emulator, checks_before + 1))
        self.save()  # before waiting: a failed boot must not leave the others unknown to ``down``
        deadline = time.monotonic() + 30 + EMULATOR_BOOT_SECONDS * len(booting)
        for emulator, checks in booting:
            emulator.wait_for_checks(checks, timeout=max(deadline - time.monotonic(), 1.0))

    def power_cycle(self):
        """Restart every emulator: they boot from what is staged; remember how much each had logged."""
        self.stop_emulators()
        marks = {}
        for name, rec in self.emulators().items():
            marks[name] = {"sip": len(rec.sip()), "fetches": len(rec.fetches())}
        self.start_emulators(running=self.state["firmware"], factory=False)
        self.state["marks"] = marks
        self.save()

    def mark(self):
        """From now on ``report`` shows only what happens next (e.g. after the boots of a power cycle)."""
        self.state["marks"] = {name: {"sip": len(rec.sip()), "fetches": len(rec.fetches())}
                               for name, rec in self.emulators().items()}
        self.save()

    def stop_emulators(self):
        pids = self.state.get("pids") or {}
        _stop_all([pids.pop(server["name"], None) for server in self.state["servers"]])
        self.save()

    def up(self, servers, history=True, host_vars=None, emulators=True, per_model=False):
        """The site before the change under test; ``history=False`` stops once the emulators have booted
        (factory state, nothing staged): for a first rollout, e.g. the site benchmark. ``host_vars``:
        extra inventory variables per server name during that history. ``emulators=False`` (with
        ``history=False``) starts none: a site too large to emulate on this machine, rolled out with
        check-sync off. ``per_model``: one server image per model family (see ``write``)."""
        self.write(servers, per_model=per_model)
        if host_vars:
            self.state["host_vars"] = host_vars
            self.set_firmware(self.state["firmware"])
        self.prepare()
        if emulators:
            self.start_emulators()
        if not history:
            return
        run = self.playbook()
        if run.rc != 0:
            raise RuntimeError("the first rollout failed:\n%s" % run.output[-4000:])
        self.power_cycle()
        stale = self.wait_until_provisioned(OLD_FIRMWARE, timeout=10.0)
        if stale:
            raise RuntimeError("not provisioned after the power cycle: %s" % ", ".join(stale))
        self.state.pop("host_vars", None)
        self.set_firmware(NEW_FIRMWARE)

    def emulators(self):
        """Read-only views of the emulators' records (the processes may belong to an earlier command)."""
        return {s["name"]: _Records(self.emulator_dir(s["name"])) for s in self.state["servers"]}

    def wait_until_provisioned(self, firmware=None, timeout=60.0):
        """Until every emulator runs ``firmware`` (default: the version of the image it is told), has
        applied its config and users and listens on its SIP port; the names still pending at the
        timeout. (An emulator writes state.json just after logging the end of a check.)"""
        deadline = time.monotonic() + timeout
        pending = dict(self.emulators())
        wanted = {s["name"]: firmware or self.version_of(s) for s in self.state["servers"]}
        ports = {server["name"]: server["sip_port"] for server in self.state["servers"]}
        while pending and time.monotonic() < deadline:
            pending = {name: rec for name, rec in pending.items() if not rec.provisioned(wanted[name], ports[name])}
            time.sleep(0.2)
        return sorted(pending)

    def wait_until_updated(self, timeout=60.0):
        """Until every emulator runs the new firmware and has applied its config and users."""
        return self.wait_until_provisioned(NEW_FIRMWARE, timeout)

    def down(self):
        _stop_all(list((self.state.get("pids") or {}).values()))
        self.state["pids"] = {}
        self.save()

    # ------------------------------------------------------------------ what happened
    def report(self):
        """Per server, what happened since the power cycle (the change under test)."""
        rows = []
        marks = self.state.get("marks") or {}
        for server in self.state["servers"]:
            rec = _Records(self.emulator_dir(server["name"]))
            mark = marks.get(server["name"], {"sip": 0, "fetches": 0})
            mac = server["mac"].replace(":", "")
            image = self.image_of(server)
            everything = [f["file"] for f in rec.fetches() if f.get("status") == "ok"]
            since = [f["file"] for f in rec.fetches()[mark["fetches"]:] if f.get("status") == "ok"]
            rows.append(dict(
                name=server["name"], model=server["model"], mac=mac,
                check_syncs=rec.check_syncs(rec.sip()[mark["sip"]:]),
                fetched=sorted(set(since)),
                image=image,
                own_files_only=all(name.startswith(mac) or name in (image, image + ".ver") for name in everything),
                firmware=(rec.state().get("running_firmware") or {}).get("kws"),
                config_applied=bool(rec.state().get("config")),
                sip=rec.state().get("sip"),
            ))
        return rows


@contextlib.contextmanager
def temporary_lab(prefix):
    """A SiteLab (nothing started yet) in a world-traversable scratch directory; afterwards its
    daemons are stopped and the directory removed."""
    with world_traversable_dir(prefix) as workdir:
        lab = SiteLab(workdir)
        try:
            yield lab
        finally:
            lab.down()


def _gone(pid):
    """Whether ``pid`` has exited; reaps it when it is this process's child (a zombie still answers kill 0)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass  # started by an earlier command: init reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _stop_all(pids, timeout=10.0):
    """SIGTERM every process group at once, wait (bounded) for all, SIGKILL what is left."""
    pending = []
    for pid in filter(None, pids):
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            continue
        pending.append(pid)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [pid for pid in pending if not _gone(pid)]
        if pending:
            time.sleep(0.05)
    for pid in pending:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
        _gone(pid)


class _Records:
    """What one emulator wrote to its state dir."""

    def __init__(self, path):
        self.path = Path(path)

    def _jsonl(self, name):
        try:
            return [json.loads(line) for line in (self.path / name).read_text().splitlines() if line.strip()]
        except OSError:
            return []

    def fetches(self):
        return self._jsonl("fetches.jsonl")

    def sip(self):
        return self._jsonl("sip.jsonl")

    def checks_finished(self):
        return sum(1 for entry in self._jsonl("events.jsonl") if entry.get("event") == "check-end")

    def state(self):
        try:
            return json.loads((self.path / "state.json").read_text())
        except (OSError, ValueError):
            return {}

    @staticmethod
    def check_syncs(entries):
        return sum(1 for entry in entries if entry.get("trigger") == "check-sync" and entry.get("status") == 200)

    def provisioned(self, firmware, sip_port=None):
        """Runs ``firmware``, has a config and users applied, and (``sip_port``) listens there because
        its applied config says ``sip.localport: sip_port``."""
        state = self.state()
        sip = state.get("sip") or {}
        return (state.get("running_firmware") or {}).get("kws") == firmware and bool(state.get("config")) \
            and bool(state.get("users")) and (sip_port is None or (sip.get("port"), sip.get("localport")) == (
                sip_port, sip_port))


def convergence_table(stdout, task="What each notified DECT server fetched"):
    """The convergence table site.yml (``dect_rollout_wait: true``) or report.yml printed, as text lines."""
    if task not in stdout:
        return []
    block = stdout.split(task, 1)[1].split("TASK [", 1)[0].split("PLAY RECAP", 1)[0]
    return [json.loads('"%s"' % line) for line in re.findall(r'^\s+"(.*)",?$', block, re.M)]


def sip_text(sip):
    """Where an emulator listens, from its state.json: ``udp+tcp :5070`` (or why it does not)."""
    if not sip:
        return "-"
    if not sip.get("port"):
        return "not listening"
    return "%s :%d" % ("+".join(sip.get("transports") or []), sip["port"])


def print_report(rows, out=sys.stdout):
    line = "%-9s %-6s %-13s %-15s %-11s %-12s %s\n"
    out.write(line % ("server", "model", "mac", "sip", "check-syncs", "firmware", "fetched"))
    for row in rows:
        out.write(line % (row["name"], row["model"], row["mac"], sip_text(row.get("sip")), row["check_syncs"],
                          row["firmware"], ", ".join(row["fetched"])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("command", choices=["up", "rollout", "report", "down"])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--no-history", action="store_true",
                        help="up: stop once the emulators have booted (factory state, nothing staged)")
    parser.add_argument("--expect-check-syncs", type=int, default=None,
                        help="report: fail unless every server answered exactly this many check-syncs")
    args = parser.parse_args(argv)
    lab = SiteLab(args.workdir)
    if args.command == "up":
        lab.up(args.servers, history=not args.no_history)
    elif args.command == "rollout":
        run = lab.playbook()
        sys.stdout.write(run.stdout[-3000:])
        return run.rc
    elif args.command == "down":
        lab.down()
    else:
        missing = lab.wait_until_updated()
        rows = lab.report()
        print_report(rows)
        bad = [r["name"] for r in rows if r["name"] in missing or not r["own_files_only"]
               or (args.expect_check_syncs is not None and r["check_syncs"] != args.expect_check_syncs)]
        if bad:
            sys.stdout.write("NOT as expected: %s\n" % ", ".join(bad))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

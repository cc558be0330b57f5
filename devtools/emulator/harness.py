"""Drive the DECT server emulator from tests: start it, wait on what it records, talk SIP to it.

    emulator = EmulatorProcess(tmp_path / "dect", mac="0013d1800032", model="6500", url=url)
    try:
        emulator.wait_for_checks(1)
        assert [f["file"] for f in emulator.fetches()] == [...]
        port = emulator.sip_port          # where its applied config (or sip_port, for 5060) puts it
        response = send_sip(*sip_request("127.0.0.1", port, user="9997"), host="127.0.0.1", port=port)
        assert response.status == 200     # 404 unless 9997 is an enabled user of its applied users file
    finally:
        emulator.stop()
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
from pathlib import Path

from devtools.collection import REPO
from devtools.emulator import sipmsg as sip
from devtools.procs import Daemon, wait_for


def _read_jsonl(path):
    try:
        text = Path(path).read_text()
    except OSError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class EmulatorProcess:
    """One emulator process (a ``procs.Daemon``, stopped by pid); ``prefix`` wraps the command,
    e.g. ``["ip", "netns", "exec", NS]`` to run it in a namespace."""

    def __init__(self, state_dir, mac, model, url=None, dhcp=None, sip_port=0, sip_host="127.0.0.1", ca=None,
                 once=False, minute_seconds=None, timeout=2.0, running=(), any_sip_user=False, prefix=(),
                 max_runtime=300, python=None, tls=None):
        """``sip_port`` stands in for the default SIP port 5060 (0: any free port; see docs/emulator.md);
        ``tls``: ``(cert, key)`` PEM paths for the SIP TLS listener (default: self-signed, made once)."""
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        argv = [python or sys.executable, "-m", "devtools.emulator.dect_emulator", "--mac", mac, "--model", str(model),
                "--state-dir", str(self.dir), "--sip-port", str(sip_port), "--sip-host", sip_host,
                "--timeout", str(timeout), "--max-runtime", str(max_runtime)]
        argv += ["--url", url] if url else ["--dhcp", dhcp]
        if ca:
            argv += ["--ca", str(ca)]
        if once:
            argv.append("--once")
        if minute_seconds is not None:
            argv += ["--minute-seconds", str(minute_seconds)]
        for item in running:
            argv += ["--running", item]
        if any_sip_user:
            argv.append("--any-sip-user")
        if tls:
            argv += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
        self.daemon = Daemon(list(prefix) + argv, self.dir / "emulator.log", cwd=str(REPO))

    # -- what it recorded

    def state(self):
        try:
            return json.loads((self.dir / "state.json").read_text())
        except (OSError, ValueError):
            return {}

    def fetches(self, check=None):
        entries = _read_jsonl(self.dir / "fetches.jsonl")
        return [e for e in entries if check is None or e["check"] == check]

    def events(self, name=None):
        entries = _read_jsonl(self.dir / "events.jsonl")
        return [e for e in entries if name is None or e["event"] == name]

    def sip_log(self):
        return _read_jsonl(self.dir / "sip.jsonl")

    def log(self):
        return self.daemon.log()

    # -- waiting, always bounded

    def wait(self, predicate, timeout=10.0, what="emulator condition"):
        """Until ``predicate()`` holds; fails at once, with the emulator's log, if the process died."""
        try:
            wait_for(lambda: predicate() or not self.daemon.alive(), timeout=timeout, what=what)
        except TimeoutError:
            pass
        if not predicate():
            raise AssertionError("%s not met within %ss; alive=%s\nstate=%s\nlog:\n%s" % (
                what, timeout, self.daemon.alive(), json.dumps(self.state(), indent=1)[-3000:], self.log()[-3000:]))

    def wait_for_checks(self, count, timeout=10.0):
        """Until ``count`` checks have finished (each check ends with a check-end event)."""
        self.wait(lambda: len(self.events("check-end")) >= count, timeout, "%d finished checks" % count)
        return self.events("check-end")[count - 1]

    def wait_for_exit(self, timeout=30.0):
        wait_for(lambda: not self.daemon.alive(), timeout=timeout, what="emulator exit")
        return self.daemon.proc.returncode

    @property
    def sip_port(self):
        self.wait(lambda: (self.state().get("sip") or {}).get("port"), 10.0, "SIP listener")
        return self.state()["sip"]["port"]

    def wait_for_sip(self, port=None, transports=None, timeout=10.0):
        """Until state.json says it listens on ``port`` (any when None) with ``transports``; its ``sip``."""
        def listening():
            sip = self.state().get("sip") or {}
            return sip.get("port") and (port is None or sip["port"] == port) and (
                transports is None or sip.get("transports") == list(transports))
        self.wait(listening, timeout, "SIP listening on port %s with %s" % (port or "any", transports or "any"))
        return self.state()["sip"]

    def stop(self):
        self.daemon.stop()


# ----------------------------------------------------------------------------- a tiny SIP client


def sip_request(host, port, transport="udp", method="NOTIFY", event="check-sync", user="9997", local=None):
    """A check-sync NOTIFY as a provisioning system sends it (RFC 3261 out-of-dialog), method/event replaceable.
    Returns (SipMessage, local address) - send it from that address with ``send_sip``."""
    local = local or ("127.0.0.1", _free_port(transport))
    message = sip.check_sync_notify(host, port, user, transport, local)
    message.method = method
    message.headers = [(name, "1 %s" % method if name == "CSeq" else value) for name, value in message.headers
                       if not (name == "Event" and event is None)]
    if event is not None:
        message.headers = [(name, event if name == "Event" else value) for name, value in message.headers]
    return message, local


def _free_port(transport):
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def send_sip(message, local, host, port, transport="udp", timeout=2.0, expect_answer=True, cafile=None):
    """Send ``message`` from ``local`` and return the parsed response (None when none came).
    ``transport`` tls: over TLS, verifying the server's certificate against ``cafile``."""
    data = message.to_bytes() if hasattr(message, "to_bytes") else message
    if transport == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(local)
            sock.settimeout(timeout)
            sock.sendto(data, (host, port))
            try:
                return sip.parse_message(sock.recvfrom(65535)[0])
            except socket.timeout:
                if expect_answer:
                    raise
                return None
    with socket.create_connection((host, port), timeout=timeout, source_address=local) as raw:
        sock = raw
        if transport == "tls":
            context = ssl.create_default_context(cafile=cafile)
            sock = context.wrap_socket(raw, server_hostname=host)
        sock.sendall(data)
        buffer = b""
        while sip.find_message_end(buffer) is None:
            chunk = sock.recv(4096)
            if not chunk:
                return None
            buffer += chunk
        return sip.parse_message(buffer[:sip.find_message_end(buffer)])

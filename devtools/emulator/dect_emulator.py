"""A Spectralink DECT server, as far as provisioning goes, for tests and demos.

    python -m devtools.emulator.dect_emulator --mac MAC --model MODEL (--url URL | --dhcp IFACE)
        --state-dir DIR [--sip-port PORT] [--sip-host ADDR] [--tls-cert PEM --tls-key PEM] [--ca PEM]
        [--once] [--minute-seconds S] [--running KIND=VERSION ...] [--any-sip-user] [--max-runtime S]

It gets its provisioning URL statically (``--url``) or from DHCP option 66 (``--dhcp``: dhclient on
that interface, in the namespace it runs in), checks at boot, then per the applied configuration's
``provisioning.check.interval`` (minutes; ``--minute-seconds`` scales a minute for tests) and
``provisioning.check.time`` (wall clock), and at once when a SIP NOTIFY ``Event: check-sync``
arrives for an enabled user of its applied users file (404 otherwise). SIP listens where the applied
configuration says (``sip.localport``, ``sip.transport``, ``sip.tls_allow_insecure``); ``--sip-port``
stands in for the guide's default port 5060. What it fetched and its state go to the state directory:
see docs/emulator.md. Run it from the repository root with the venv's Python (lxml).
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import sys
import threading
import time

from devtools.emulator.device import Device, Recorder, seconds_until_daily
from devtools.emulator.dhcp import DhcpClient, DhcpError
from devtools.emulator.guide import MODELS, SIP_DEFAULT_PORT, sip_of
from devtools.emulator.sip_listener import Responder, SipService

EXIT_DHCP_FAILED = 3
POLL_SECONDS = 0.25  # how often the scheduler looks at its stop flag while idle


class Scheduler:
    """Runs the device's checks: at boot, on interval and time of day, and on check-sync triggers."""

    def __init__(self, device, recorder, minute_seconds, sip_service=None):
        self.device, self.recorder = device, recorder
        self.sip_service = sip_service
        self.minute_seconds = minute_seconds
        self.triggers = queue.Queue()
        self.stopping = threading.Event()
        self.last_end = time.monotonic()
        self.daily_due = None

    def trigger(self, what):
        """Called by SIP listener threads; the check itself runs on the scheduler thread."""
        self.triggers.put(what)

    def follow_sip(self):
        """Listen where the applied configuration says (after every check: a new config takes effect)."""
        if self.sip_service is not None and self.sip_service.follow(sip_of(self.device.settings)):
            self.device.extra_state["sip"] = dict(self.sip_service.info)
            self.device.save_state()

    def _after_check(self):
        self.follow_sip()
        self.last_end = time.monotonic()
        hhmm = self.device.provisioning["time"]
        self.daily_due = self.last_end + seconds_until_daily(hhmm) if hhmm else None

    def next_due(self):
        """(monotonic time, reason) of the next scheduled check, or (None, None) when polling is off."""
        prov = self.device.provisioning
        candidates = []
        if prov["interval"] > 0:
            candidates.append((self.last_end + prov["interval"] * self.minute_seconds, "interval"))
        if self.daily_due is not None:
            candidates.append((self.daily_due, "time"))
        return min(candidates) if candidates else (None, None)

    def run(self, deadline):
        self.device.boot()
        self._after_check()
        while not self.stopping.is_set() and time.monotonic() < deadline:
            due, reason = self.next_due()
            wait = POLL_SECONDS if due is None else min(max(due - time.monotonic(), 0.0), POLL_SECONDS)
            try:
                self.triggers.get(timeout=wait)
            except queue.Empty:
                if due is not None and time.monotonic() >= due:
                    self.device.check(reason)
                    self._after_check()
                continue
            self._check_sync()

    def _check_sync(self):
        action = self.device.check_sync_action()
        self.device.note_check_sync(action)
        self.recorder.event({"event": "check-sync", "reaction": action or "disabled",
                             "action": action or "ignored: provisioning.check.check_sync is disabled"})
        self.device.save_state()
        if action == "update":
            self.device.check("check-sync")
        elif action == "reboot":
            self.device.reboot("check-sync")
            self.device.check("boot")
        self._after_check()


def parse_running(values):
    running = {"kws": "factory"}
    for value in values:
        kind, sep, version = value.partition("=")
        if not sep or not kind:
            raise ValueError("--running: '%s' is not KIND=VERSION" % value)
        running[kind] = version
    return running


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m devtools.emulator.dect_emulator",
                                     description="Emulate a Spectralink DECT server's provisioning behaviour.")
    parser.add_argument("--mac", required=True, help="the server's MAC address (names its files)")
    parser.add_argument("--model", required=True, choices=MODELS)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="static provisioning URL (provisioning.server.method static)")
    source.add_argument("--dhcp", metavar="IFACE", help="get the URL from DHCP option 66 on IFACE")
    parser.add_argument("--state-dir", required=True, help="where fetches.jsonl, sip.jsonl, events.jsonl, state.json go")
    parser.add_argument("--sip-port", type=int, default=SIP_DEFAULT_PORT,
                        help="the port that stands in for the guide's default SIP port 5060: used until a config"
                             " is applied and while the applied one leaves sip.localport unset or 5060 (0: any free"
                             " port); any other sip.localport is bound as it is")
    parser.add_argument("--sip-host", default="127.0.0.1", help="address the SIP listener binds")
    parser.add_argument("--tls-cert", help="PEM certificate of the SIP TLS listener (default: self-signed, made once)")
    parser.add_argument("--tls-key", help="PEM key of --tls-cert")
    parser.add_argument("--ca", help="PEM CA bundle for HTTPS (the device's imported CA bundle)")
    parser.add_argument("--once", action="store_true", help="boot, check (and reboot-check) once, exit; no SIP")
    parser.add_argument("--minute-seconds", type=float, default=60.0, help="length of a check.interval minute")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per network wait")
    parser.add_argument("--retries", type=int, default=3, help="TFTP retransmissions per packet")
    parser.add_argument("--running", action="append", default=[], metavar="KIND=VERSION",
                        help="firmware version running at start (default kws=factory)")
    parser.add_argument("--any-sip-user", action="store_true",
                        help="lab only: take a check-sync for any user, even with no users file applied")
    parser.add_argument("--check-sip-user", action="store_true",
                        help="accepted for old callers: checking the user is the default now")
    parser.add_argument("--dhcp-timeout", type=int, default=20)
    parser.add_argument("--max-runtime", type=float, default=3600.0, help="exit after this many seconds")
    args = parser.parse_args(argv)
    if args.minute_seconds <= 0 or args.timeout <= 0 or args.retries < 0:
        parser.error("--minute-seconds and --timeout must be > 0, --retries >= 0")
    if not 0 <= args.sip_port < 65536:
        parser.error("--sip-port: %d is not a port (0-65535)" % args.sip_port)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    try:
        args.running = parse_running(args.running)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _obtain_lease(args, device, recorder):
    client = DhcpClient(args.dhcp, args.state_dir, args.dhcp_timeout)
    try:
        lease = client.obtain()
    except DhcpError as exc:
        recorder.event({"event": "dhcp-failed", "interface": args.dhcp, "error": str(exc)})
        device.extra_state["dhcp"] = {"interface": args.dhcp, "error": str(exc)}
        return None
    recorder.event(dict(lease, event="dhcp-lease", interface=args.dhcp))
    device.dhcp_lookup = lambda: client.refresh().get("tftp_server_name") or None
    device.extra_state["dhcp"] = dict(lease, interface=args.dhcp)
    return client


def main(argv=None):
    args = parse_args(argv)
    deadline = time.monotonic() + args.max_runtime
    recorder = Recorder(args.state_dir)
    device = Device(args.mac, args.model, recorder, static_url=args.url, ca_path=args.ca, timeout=args.timeout,
                    retries=args.retries, running=args.running, any_sip_user=args.any_sip_user)
    scheduler = Scheduler(device, recorder, args.minute_seconds)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: scheduler.stopping.set())
    device.extra_state.update(pid=os.getpid(), stopped=False, mode="dhcp" if args.dhcp else "static")
    dhcp_client = service = None
    try:
        if args.dhcp:
            dhcp_client = _obtain_lease(args, device, recorder)
            if dhcp_client is None:
                device.save_state()
                return EXIT_DHCP_FAILED
        if args.once:
            device.boot()
            return 0
        responder = Responder(recorder, scheduler.trigger, device.check_sync_refusal,
                              lambda: device.provisioning["check_sync"])
        tls_files = (args.tls_cert, args.tls_key) if args.tls_cert else None
        service = SipService(args.sip_host, args.sip_port, responder, recorder, tls_files,
                             os.path.join(args.state_dir, "tls"))
        scheduler.sip_service = service
        scheduler.follow_sip()  # factory settings: the default port, UDP and TCP
        scheduler.run(deadline)
        return 0
    finally:
        if service is not None:
            service.stop()
        if dhcp_client is not None:
            dhcp_client.stop()
        device.extra_state["stopped"] = True
        device.save_state()
        recorder.event({"event": "stopped"})


if __name__ == "__main__":
    sys.exit(main())

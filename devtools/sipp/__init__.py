"""sipp as a SIP peer of the check_sync module: a UAS running one of the scenarios in this directory
(``uas_200``, ``uas_digest``, ...), and a TLS front for a TCP sipp (sipp 3.6.1 has no TLS).

Used by tests/integration/test_check_sync.py and benchmarks/bench_check_sync.py.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

from devtools.procs import Daemon, free_port, wait_for

SCENARIOS = Path(__file__).resolve().parent


def port_taken(port, kind):
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class Sipp:
    """One sipp UAS on 127.0.0.1 running one of the scenarios beside this file; logs its <log> lines."""

    def __init__(self, workdir, scenario, transport="udp", keys=None):
        self.kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.port = free_port(self.kind)
        self.dir = Path(workdir) / ("sipp-%s-%d" % (scenario, self.port))
        self.dir.mkdir(parents=True)
        self.log_file, self.error_file = self.dir / "scenario.log", self.dir / "errors.log"
        argv = ["sipp", "-sf", str(SCENARIOS / (scenario + ".xml")), "-i", "127.0.0.1", "-p", str(self.port),
                "-t", "u1" if transport == "udp" else "t1", "-nostdin",
                "-trace_logs", "-log_file", str(self.log_file), "-trace_err", "-error_file", str(self.error_file)]
        for key, value in (keys or {}).items():
            argv += ["-key", key, value]
        self.daemon = Daemon(argv, self.dir / "sipp.out", cwd=str(self.dir))
        wait_for(self._ready, timeout=10, what="sipp %s listening on %d" % (scenario, self.port))

    def _ready(self):
        if not self.daemon.alive():
            raise RuntimeError("sipp exited:\n%s" % self.daemon.log())
        return port_taken(self.port, self.kind)

    def logs(self):
        return self.log_file.read_text().splitlines() if self.log_file.exists() else []

    def users(self):
        return sorted(re.search(r"user=(\S+)", line).group(1) for line in self.logs() if line.startswith("NOTIFY "))

    def errors(self):
        return self.error_file.read_text() if self.error_file.exists() else ""

    def stop(self):
        self.daemon.stop()


class Socat:
    """A TLS front (socat OPENSSL-LISTEN, a child per connection) for a TCP sipp."""

    def __init__(self, workdir, cert, key, upstream_port):
        self.port = free_port()
        argv = ["socat", "OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s,key=%s,verify=0"
                % (self.port, cert, key), "TCP:127.0.0.1:%d" % upstream_port]
        self.daemon = Daemon(argv, Path(workdir) / ("socat-%d.out" % self.port))
        wait_for(lambda: port_taken(self.port, socket.SOCK_STREAM), timeout=10, what="socat on %d" % self.port)

    def stop(self):
        self.daemon.stop()

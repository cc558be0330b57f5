"""Shared fixtures of the integration tests: a playbook runner in a scratch dir, an inventory without lxml,
SIP peers (sipp, socat, a lossy relay) stopped at teardown, and the collections root of this checkout."""

from __future__ import annotations

import select
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from devtools.ansible_runner import SYSTEM_PYTHON, run_playbook
from devtools.collection import collections_root
from devtools.procs import need_binary
from devtools.sipp import Sipp, Socat

HERE = Path(__file__).resolve().parent


@pytest.fixture
def play(tmp_path):
    """``play(playbook_name_or_text, **kw)`` runs a playbook from tests/integration/playbooks
    (or the YAML text given) in a scratch dir and returns the PlaybookRun."""

    def _run(playbook, **kwargs):
        path = HERE / "playbooks" / playbook
        if "\n" in playbook:
            path = tmp_path / "playbook.yml"
            path.write_text(playbook)
        return run_playbook(path, tmp_path, **kwargs)

    return _run


@pytest.fixture
def no_lxml_inventory(tmp_path):
    """An inventory whose localhost runs modules with Debian's python3, which has no lxml:
    the proof that provisioning and DHCP hosts need nothing but Python 3."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import lxml"], capture_output=True, text=True, check=False)
    assert "No module named" in probe.stderr, "%s must lack lxml for this test to mean anything" % SYSTEM_PYTHON
    inventory = tmp_path / "system-python.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % SYSTEM_PYTHON)
    return inventory


class DroppingRelay:
    """A UDP hop between the module and sipp that drops the first ``drop`` requests (a lost datagram)
    and records when each request arrived."""

    def __init__(self, upstream_port, drop=1):
        self.drop = drop
        self.arrivals = []
        self.forwarded = 0
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(("127.0.0.1", upstream_port))
        self.client = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + 120
        while not self.stopping and time.monotonic() < deadline:
            readable, _w, _x = select.select([self.front, self.back], [], [], 0.1)
            if self.front in readable:
                data, self.client = self.front.recvfrom(65535)
                self.arrivals.append(time.monotonic())
                if len(self.arrivals) > self.drop:
                    self.back.send(data)
                    self.forwarded += 1
            if self.back in readable:
                data = self.back.recv(65535)
                if self.client is not None:
                    self.front.sendto(data, self.client)

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.front.close()
        self.back.close()


@pytest.fixture
def peers(tmp_path):
    """Factory for sipp / socat / relay peers, all stopped (by pid) at teardown, even on failure."""
    need_binary("sipp")
    started = []

    class Factory:
        @staticmethod
        def sipp(scenario, transport="udp", keys=None):
            started.append(Sipp(tmp_path, scenario, transport, keys))
            return started[-1]

        @staticmethod
        def tls_sipp(scenario, certs):
            need_binary("socat")
            backend = Factory.sipp(scenario, "tcp")
            started.append(Socat(tmp_path, certs["cert"], certs["key"], backend.port))
            return backend, started[-1].port

        @staticmethod
        def relay(upstream_port, drop=1):
            started.append(DroppingRelay(upstream_port, drop))
            return started[-1]

    yield Factory
    for peer in reversed(started):
        peer.stop()


@pytest.fixture(scope="session")
def collections():
    """The collections root that holds this checkout as dect.provisioning (``collections_root()``: the
    kept ``.build/collections``, nothing left in /tmp), for module code run in a child process
    (``devtools.hostile.run_in_child``)."""
    return collections_root()

"""Test hosts in network namespaces joined by a veth pair, on TEST-NET addresses only."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess

_counter = itertools.count()
TEST_NETS = ("192.0.2.", "198.51.100.")


def _ip(*args, check=True):
    return subprocess.run(("ip",) + args, check=check, capture_output=True, text=True)


class NetnsPair:
    """Two namespaces, ``server`` and ``client``, joined by veth ``<tag>s`` <-> ``<tag>c``.

    The server side gets ``server_cidr`` (a TEST-NET address); the client side starts without an
    address, as a DHCP client would. Both ends are brought up before anything starts, since Kea
    opens no socket on an interface without carrier.
    """

    def __init__(self, server_cidr="192.0.2.1/24", client_cidr=None):
        if not server_cidr.startswith(TEST_NETS) or (client_cidr and not client_cidr.startswith(TEST_NETS)):
            raise ValueError("test hosts use TEST-NET-1/2 addresses only")
        tag = "dt%d%d" % (os.getpid() % 10000, next(_counter))
        self.server, self.client = tag + "srv", tag + "cli"
        self.server_if, self.client_if = tag + "s", tag + "c"
        self.server_cidr, self.client_cidr = server_cidr, client_cidr
        self.server_ip = server_cidr.split("/")[0]

    def __enter__(self):
        _ip("netns", "add", self.server)
        _ip("netns", "add", self.client)
        _ip("link", "add", self.server_if, "type", "veth", "peer", "name", self.client_if)
        _ip("link", "set", self.server_if, "netns", self.server)
        _ip("link", "set", self.client_if, "netns", self.client)
        for ns, ifname in ((self.server, self.server_if), (self.client, self.client_if)):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", ifname, "up")
        _ip("-n", self.server, "addr", "add", self.server_cidr, "dev", self.server_if)
        if self.client_cidr:
            _ip("-n", self.client, "addr", "add", self.client_cidr, "dev", self.client_if)
        return self

    def __exit__(self, *exc):
        for ns in (self.server, self.client):
            with contextlib.suppress(Exception):
                _ip("netns", "pids", ns, check=False)
                for pid in _ip("netns", "pids", ns, check=False).stdout.split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), 9)
            _ip("netns", "del", ns, check=False)

    def exec_argv(self, side, argv):
        """argv that runs a command inside the ``server`` or ``client`` namespace."""
        ns = self.server if side == "server" else self.client
        return ["ip", "netns", "exec", ns] + list(argv)

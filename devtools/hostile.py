"""Hostile peers on 127.0.0.1 for the bounded-read tests: HTTP, FTP, TFTP and SIP servers that never
end, drip, flood or lie, and a runner that executes module code in a child process and reports
its peak memory and wall time.

Every server is a thread of the test process bound to 127.0.0.1 on a free port; ``stop()`` closes
its sockets and ends its threads (they also end when the peer goes away).
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
import time

from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_probe import probe_device
from ansible_collections.dect.provisioning.plugins.module_utils._sip.fanout import run_check_sync
from devtools.collection import REPO

CHUNK = b"\x00" * 65536


class StreamServer:
    """A TCP server calling ``handler(conn, server)`` in a thread per connection."""

    def __init__(self, handler):
        self.handler = handler
        self.stopping = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.sent = 0  # bytes the handlers sent, for the record
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                conn, _addr = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def send(self, conn, data):
        conn.sendall(data)
        self.sent += len(data)

    def stop(self):
        self.stopping.set()
        self.sock.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass
        self.thread.join(2)


def read_request(conn):
    """The request head of an HTTP client (up to the blank line)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b" ", 2)[1].decode() if b" " in data else ""


def http_server(routes):
    """An HTTP server answering each path by ``routes[name](conn, server)`` (name: the last segment)."""

    def handler(conn, server):
        path = read_request(conn)
        name = path.rsplit("/", 1)[-1]
        route = routes.get(name)
        if route is None:
            server.send(conn, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        route(conn, server)

    return StreamServer(handler)


def http_ok(body):
    def route(conn, server):
        server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    return route


def http_endless(head=b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"):
    def route(conn, server):
        server.send(conn, head)
        while not server.stopping.is_set():
            server.send(conn, CHUNK)
    return route


def http_endless_chunked(conn, server):
    server.send(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    while not server.stopping.is_set():
        server.send(conn, b"10000\r\n" + CHUNK + b"\r\n")


def drip(data, interval=0.5):
    """Send ``data`` (then NULs forever) one byte every ``interval`` seconds."""
    def route(conn, server):
        index = 0
        while not server.stopping.is_set():
            server.send(conn, data[index:index + 1] or b"\x00")
            index += 1
            time.sleep(interval)
    return route


def endless_lines(first, line):
    """``first`` then ``line`` forever (header lines, 1xx responses, multi-line FTP replies)."""
    def route(conn, server):
        server.send(conn, first)
        while not server.stopping.is_set():
            server.send(conn, line * 256)
    return route


def silent(conn, server):
    """Accept, read, never answer."""
    while not server.stopping.is_set():
        try:
            conn.settimeout(0.2)
            if conn.recv(4096) == b"":
                return
        except socket.timeout:
            continue


# ----------------------------------------------------------------------------- FTP


def ftp_server(greeting=None, size_reply=b"213 100\r\n", data=None):
    """A passive-mode FTP server: logins accepted; ``greeting(conn, server)`` replaces the 220 line;
    ``data(conn, server)`` serves every RETR on the data connection."""
    listeners = []

    def handler(conn, server):
        if greeting is not None:
            greeting(conn, server)
            return
        server.send(conn, b"220 hostile\r\n")
        reader = conn.makefile("rb")
        while True:
            line = reader.readline(8192)
            if not line:
                return
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"USER":
                server.send(conn, b"331 password\r\n")
            elif verb == b"PASS":
                server.send(conn, b"230 in\r\n")
            elif verb == b"TYPE":
                server.send(conn, b"200 binary\r\n")
            elif verb == b"SIZE":
                server.send(conn, size_reply)
            elif verb == b"PASV":
                listener = socket.socket()
                listener.bind(("127.0.0.1", 0))
                listener.listen(1)
                listeners.append(listener)
                port = listener.getsockname()[1]
                server.send(conn, b"227 Entering Passive Mode (127,0,0,1,%d,%d)\r\n" % (port >> 8, port & 255))
            elif verb == b"RETR":
                listener = listeners.pop()
                listener.settimeout(5)
                data_conn, _addr = listener.accept()
                listener.close()
                server.send(conn, b"150 here it comes\r\n")
                try:
                    data(data_conn, server)
                except OSError:
                    pass
                finally:
                    data_conn.close()
                server.send(conn, b"226 done\r\n")
            elif verb == b"QUIT":
                server.send(conn, b"221 bye\r\n")
                return
            else:
                server.send(conn, b"502 no\r\n")

    return StreamServer(handler)


# ----------------------------------------------------------------------------- TFTP


class DatagramServer:
    """A UDP socket on 127.0.0.1 whose every datagram goes to ``handle(data, source)``, on a thread of
    its own, until ``stop()``. Subclasses set their attributes before calling ``__init__``: the
    thread starts there."""

    def __init__(self):
        self.stopping = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self):
        while not self.stopping.is_set():
            try:
                data, source = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.handle(data, source)

    def handle(self, data, source):
        raise NotImplementedError

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


class TftpServer(DatagramServer):
    """A TFTP server whose every read is answered by ``behaviour(transfer socket, client, request)``.

    Runs each transfer from a new port (its transfer ID), as RFC 1350 asks.
    """

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.sent = 0
        super().__init__()

    def handle(self, data, source):
        if data[:2] == b"\x00\x01":
            threading.Thread(target=self._transfer, args=(source, data), daemon=True).start()

    def _transfer(self, client, request):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        try:
            self.behaviour(self, sock, client, request)
        except OSError:
            pass
        finally:
            sock.close()

    def send(self, sock, packet, client):
        sock.sendto(packet, client)
        self.sent += len(packet)


def tftp_data(block, payload):
    return struct.pack("!HH", 3, block & 0xFFFF) + payload


def tftp_streaming(server, sock, client, request):
    """Answers every ACK with the next full 512-byte block: a file without end."""
    block = 1
    server.send(sock, tftp_data(block, b"\x00" * 512), client)
    while not server.stopping.is_set():
        try:
            packet, _addr = sock.recvfrom(1024)
        except socket.timeout:
            server.send(sock, tftp_data(block, b"\x00" * 512), client)
            continue
        if packet[:2] == b"\x00\x05":
            return
        if packet[:2] == b"\x00\x04" and struct.unpack("!H", packet[2:4])[0] == block & 0xFFFF:
            block += 1
            server.send(sock, tftp_data(block, b"\x00" * 512), client)


def tftp_blast(server, sock, client, request):
    """Sends full blocks as fast as it can, never waiting for an ACK."""
    block = 1
    while not server.stopping.is_set():
        server.send(sock, tftp_data(block, b"\x00" * 512), client)
        block += 1
        try:
            packet, _addr = sock.recvfrom(1024, socket.MSG_DONTWAIT)
            if packet[:2] == b"\x00\x05":
                return
        except (BlockingIOError, socket.timeout):
            pass


def tftp_drip(interval):
    """The next full block only ``interval`` seconds after each ACK: always within the client's timeout."""
    def behaviour(server, sock, client, request):
        block = 1
        server.send(sock, tftp_data(block, b"\x00" * 512), client)
        while not server.stopping.is_set():
            try:
                packet, _addr = sock.recvfrom(1024)
            except socket.timeout:
                continue
            if packet[:2] == b"\x00\x05":
                return
            block += 1
            time.sleep(interval)
            server.send(sock, tftp_data(block, b"\x00" * 512), client)
    return behaviour


def tftp_oack(options):
    """Acknowledges with ``options`` (e.g. a lying tsize), then streams as ``tftp_streaming``."""
    def behaviour(server, sock, client, request):
        body = b"".join(b"%s\x00%s\x00" % (name, value) for name, value in options)
        server.send(sock, b"\x00\x06" + body, client)
        try:
            packet, _addr = sock.recvfrom(1024)
        except socket.timeout:
            return
        if packet[:2] == b"\x00\x04":
            tftp_streaming(server, sock, client, request)
    return behaviour


def tftp_sorcerer(server, sock, client, request):
    """Sends block 1 again for every ACK: a transfer that never moves on."""
    while not server.stopping.is_set():
        server.send(sock, tftp_data(1, b"\x00" * 512), client)
        try:
            packet, _addr = sock.recvfrom(1024)
        except socket.timeout:
            continue
        if packet[:2] == b"\x00\x05":
            return


# ----------------------------------------------------------------------------- running module code

_RUNNER = r"""
import json, os, resource, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
spec = json.loads(sys.stdin.read())
nofile = spec.get("nofile")
if nofile:
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
import importlib
func = getattr(importlib.import_module(spec["module"]), spec["function"])
for target, value in spec.get("patch", {}).items():
    module_name, _sep, name = target.rpartition(".")
    setattr(importlib.import_module(module_name), name, eval(value))

def rss(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])

start_rss = rss("VmRSS")
started = time.monotonic()
value = func(*spec["args"])
elapsed = time.monotonic() - started
print(json.dumps({"value": value, "elapsed": elapsed, "start_rss_kb": start_rss, "peak_rss_kb": rss("VmHWM")},
                 default=repr))
"""


def run_in_child(module, function, args, collections, nofile=None, patch=None, timeout=120):
    """``module.function(*args)`` in a fresh Python process; returns its JSON report:
    value, elapsed (seconds of the call), start_rss_kb (after imports) and peak_rss_kb (VmHWM).
    ``nofile`` lowers RLIMIT_NOFILE (soft and hard) before anything is imported."""
    spec = dict(module=module, function=function, args=args, nofile=nofile, patch=patch or {})
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(collections), str(REPO)], input=json.dumps(spec),
                          capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise AssertionError("child failed (rc %d):\n%s" % (proc.returncode, proc.stderr[-4000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def grown_mb(report):
    """How much the child's resident memory grew during the call, at its peak, in MB."""
    return (report["peak_rss_kb"] - report["start_rss_kb"]) / 1024.0


def probe(params):
    """The provisioning probe's work (as its module's ``main`` does it), for ``run_in_child``."""
    return probe_device(params, set())._asdict()


def check_sync(params):
    """The check_sync module's work, for ``run_in_child``."""
    return run_check_sync(params)._asdict()


def open_sockets(count):
    """Open ``count`` UDP sockets at once; the error text when the process runs out of descriptors."""
    held = []
    try:
        for _index in range(count):
            held.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    except OSError as exc:
        return str(exc)
    finally:
        for sock in held:
            sock.close()
    return "opened %d" % count

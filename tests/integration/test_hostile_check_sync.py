"""check_sync against hostile SIP peers built here on 127.0.0.1 (UDP and TCP) that never end, drip,
flood or lie, and with more targets than the process has file descriptors.

Each case runs the module's work (``_sip.fanout.run_check_sync``, what its ``main`` calls) in a
fresh child process and asserts the exact per-target error, that the child's resident memory grew
by less than 100 MB at its peak and that the call ended within the target's timeout (its
deadline) + 1 s. The cases are the rows of docs/hostile-input.md, section check_sync.
"""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._sip.message import (
    SipParseError,
    find_message_end,
    parse_message,
)
from devtools import hostile
from devtools.emulator.sipmsg import build_response

LIMIT_MB = 100
TIMEOUT = 3.0
CHALLENGE = 'Digest realm="dect", nonce="%s", algorithm=MD5'


def params(port, transport="udp", **overrides):
    values = dict(host="127.0.0.1", port=port, transport=transport, user="1000", domain=None,
                  from_user="provisioning", from_domain=None, auth_username=None, auth_password=None,
                  timeout=TIMEOUT, validate_certs=True, ca_path=None, local_address=None, use_sips_uri=True,
                  targets=None, fail_on_error=True, max_concurrent=256, max_message_size=65536)
    values.update(overrides)
    return values


def check_sync(collections, values, nofile=None, patch=None):
    report = hostile.run_in_child("devtools.hostile", "check_sync", [values], collections, nofile=nofile,
                                  patch=patch)
    assert hostile.grown_mb(report) < LIMIT_MB, report
    return report, report["value"]["result"]


class UdpPeer(hostile.DatagramServer):
    """A SIP peer on UDP answering each request with ``answer(sock, request, source, peer)``."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = 0
        super().__init__()

    def handle(self, data, source):
        try:
            request = parse_message(data)
        except SipParseError:
            return
        self.requests += 1
        try:
            self.answer(self.sock, request, source, self)
        except OSError:
            pass


def answer_ok(sock, request, source, peer):
    sock.sendto(build_response(request, 200, "OK"), source)


def answer_provisional_flood(statuses, count):
    def answer(sock, request, source, peer):
        for index in range(count):
            status = statuses[index % len(statuses)]
            sock.sendto(build_response(request, status, "Ringing"), source)
    return answer


def answer_garbage_flood(sock, request, source, peer):
    """Datagrams of 60000 random bytes back to the sender until the peer stops."""
    junk = os.urandom(60000)
    while not peer.stopping.is_set():
        sock.sendto(junk, source)


def answer_challenge(sock, request, source, peer):
    challenge = CHALLENGE % os.urandom(8).hex()
    sock.sendto(build_response(request, 401, "Unauthorized", [("WWW-Authenticate", challenge)]), source)


# ----------------------------------------------------------------------------- UDP


def test_udp_peer_flooding_provisional_responses_ends_at_the_timeout(collections):
    peer = UdpPeer(answer_provisional_flood([180, 183], 20000))
    try:
        report, result = check_sync(collections, params(peer.port))
    finally:
        peer.stop()
    (target,) = result["results"]
    assert target["status"] is None and target["reason"] == "timeout"
    assert len(target["responses"]) == 32  # 20000 alternating codes per request, 32 kept
    assert target["error"].startswith("only provisional responses (180, 183, 180, 183")
    assert ", no final response (" in target["error"]
    assert report["elapsed"] <= TIMEOUT + 1.0


def test_udp_peer_flooding_garbage_datagrams_is_no_response(collections):
    peer = UdpPeer(answer_garbage_flood)
    try:
        report, result = check_sync(collections, params(peer.port))
    finally:
        peer.stop()
    (target,) = result["results"]
    assert target["reason"] == "timeout"
    assert target["error"].startswith("no response from 127.0.0.1:%d (" % peer.port)
    assert target["error"].endswith("; gave up after 3.0 s")
    assert report["elapsed"] <= TIMEOUT + 1.0


def test_udp_peer_challenging_forever_is_refused_after_one_round(collections):
    peer = UdpPeer(answer_challenge)
    try:
        report, result = check_sync(collections, params(peer.port, auth_password="pw"))
    finally:
        peer.stop()
    (target,) = result["results"]
    assert (target["status"], target["attempts"], target["authenticated"]) == (401, 2, True)
    assert target["error"] == "127.0.0.1:%d rejected the credentials of '1000' (realm 'dect')" % peer.port
    assert peer.requests == 2
    assert report["elapsed"] <= 1.0


# ----------------------------------------------------------------------------- TCP


def read_sip_request(conn):
    data = b""
    while find_message_end(data) is None:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return parse_message(data[:find_message_end(data)])


def tcp_provisional_flood(conn, server):
    request = read_sip_request(conn)
    message = build_response(request, 180, "Ringing")
    while not server.stopping.is_set():
        server.send(conn, message * 100)


def tcp_then(route):
    """Read the NOTIFY first, then behave as ``route``."""
    def handler(conn, server):
        read_sip_request(conn)
        route(conn, server)
    return handler


def tcp_close(conn, server):
    read_sip_request(conn)


@pytest.mark.parametrize("case, handler, overrides, reason, expected", [
    ("endless bytes, no message end", tcp_then(hostile.endless_lines(b"SIP/2.0 200 OK\r\n", b"X-Junk: y\r\n")), {},
     "transport error", "127.0.0.1:{port} sent more than 65536 bytes without a complete SIP message"),
    ("huge Content-Length", tcp_then(hostile.endless_lines(
        b"SIP/2.0 200 OK\r\nContent-Length: 1000000000\r\n\r\n", b"x")), {},
     "transport error", "127.0.0.1:{port} sent more than 65536 bytes without a complete SIP message"),
    ("endless bytes, smaller cap", tcp_then(hostile.endless_lines(b"", b"y")), dict(max_message_size=4096),
     "transport error", "127.0.0.1:{port} sent more than 4096 bytes without a complete SIP message"),
    ("drip", tcp_then(hostile.drip(b"SIP/2.0 200 OK\r\n", 0.2)), {},
     "timeout", "no response from 127.0.0.1:{port} (1 attempts); gave up after 3.0 s"),
    ("silent", hostile.silent, {},
     "timeout", "no response from 127.0.0.1:{port} (1 attempts); gave up after 3.0 s"),
    ("closes without answering", tcp_close, {},
     "connection closed", "127.0.0.1:{port} closed the connection before a final response"),
    ("not SIP", tcp_then(hostile.endless_lines(b"HTTP/1.1 200 OK\r\n\r\n", b"")), {},
     "protocol error", "127.0.0.1:{port} sent a malformed SIP message: malformed request line 'HTTP/1.1 200 OK': "
                       "expected '<METHOD> <Request-URI> SIP/2.0'"),
])
def test_tcp_peer_that_never_ends_drips_or_lies(collections, case, handler, overrides, reason, expected):
    server = hostile.StreamServer(handler)
    try:
        report, result = check_sync(collections, params(server.port, "tcp", **overrides))
    finally:
        server.stop()
    (target,) = result["results"]
    assert (target["reason"], target["error"]) == (reason, expected.format(port=server.port)), case
    assert report["elapsed"] <= TIMEOUT + 1.0


def test_tcp_peer_flooding_provisional_responses_does_not_starve_the_deadline(collections):
    server = hostile.StreamServer(tcp_provisional_flood)
    try:
        report, result = check_sync(collections, params(server.port, "tcp"))
    finally:
        server.stop()
    (target,) = result["results"]
    assert target["reason"] == "timeout" and target["responses"] == [180]
    assert target["error"].startswith("only provisional responses (180) from 127.0.0.1:%d, no final response"
                                      % server.port)
    assert report["elapsed"] <= TIMEOUT + 1.0


# ----------------------------------------------------------------------------- file descriptors


@pytest.mark.parametrize("patch", [
    {},
    # Without the up-front budget: every socket() that fails with EMFILE puts its target back in the queue.
    {"ansible_collections.dect.provisioning.plugins.module_utils._sip.fanout.free_descriptors": "lambda: None"},
], ids=["budget", "emfile-requeue"])
def test_more_targets_than_file_descriptors_queue_and_all_succeed(collections, patch):
    peer = UdpPeer(answer_ok)
    targets = [{"user": str(1000 + index)} for index in range(300)]
    try:
        started = time.monotonic()
        report, result = check_sync(collections, params(peer.port, targets=targets), nofile=64, patch=patch)
    finally:
        peer.stop()
    assert [target["status"] for target in result["results"]] == [200] * 300
    assert result["failed_targets"] == []
    assert not any("Too many open files" in str(target["error"]) for target in result["results"])
    assert time.monotonic() - started < 30


def test_the_descriptor_limit_is_real_in_the_child(collections):
    """The limit the test above sets does bite: 300 sockets at once fail in such a child."""
    report = hostile.run_in_child("devtools.hostile", "open_sockets", [300], collections, nofile=64)
    assert report["value"] == "[Errno 24] Too many open files"

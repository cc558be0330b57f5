"""The _fetch package without daemons: TFTP packets, naming, and the TFTP state machine against scripted peers.

A scripted peer is used only for what tftpd-hpa cannot be made to do on demand (lose a packet,
answer from a stranger's port, refuse options with error 8, lie about sizes). The transfers
against the real tftpd-hpa, nginx and vsftpd are in tests/integration/test_provisioning_probe.py.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._fetch.client import check_file, fetch_file
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.http import request_headers
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.request import (
    device_firmware,
    location,
    remote_path,
)
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.tftp import (
    DATA,
    OACK,
    parse_tftp,
    tftp_ack,
    tftp_error,
    tftp_request,
    TFTP_UNKNOWN_TID,
)
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.transfer import Deadline, FetchError, Sink
from ansible_collections.dect.provisioning.plugins.module_utils._tls import TlsConfigError, client_context
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import parse_provisioning_url


# ----------------------------------------------------------------------------- packets and names

def test_request_is_octet_rrq_with_options_in_order():
    packet = tftp_request("dect/0013d1800032-config.xml", [("blksize", 1428), ("tsize", 0)])
    assert packet == b"\x00\x01dect/0013d1800032-config.xml\x00octet\x00blksize\x001428\x00tsize\x000\x00"


def test_parse_server_packets():
    assert parse_tftp(b"\x00\x03\x00\x07abc") == ("data", 7, b"abc")
    assert parse_tftp(b"\x00\x05\x00\x01File not found\x00") == ("error", 1, "File not found")
    assert parse_tftp(b"\x00\x06BLKSIZE\x001024\x00tsize\x0099\x00") == ("oack", {"blksize": "1024", "tsize": "99"})
    assert parse_tftp(b"\x00\x09") == ("other", 9)
    with pytest.raises(ValueError):
        parse_tftp(b"\x00\x03\x00")


def test_remote_path_and_masked_location():
    url = parse_provisioning_url("ftp://prov:s3cret@192.0.2.5/boot/dect/")
    assert remote_path(url, "kws.bin.ver") == "boot/dect/kws.bin.ver"
    assert location(url, "kws.bin") == "ftp://prov:********@192.0.2.5:21/boot/dect/kws.bin"
    bare = parse_provisioning_url("192.0.2.5")
    assert location(bare, "0013d1800032-users.xml") == "tftp://192.0.2.5:69/0013d1800032-users.xml"
    assert location(parse_provisioning_url("http://[2001:db8::1]:8080/p"), "a") == "http://[2001:db8::1]:8080/p/a"


@pytest.mark.parametrize("name", ["", "../etc/passwd", "a/b", "..", "a\\b"])
def test_file_names_with_paths_are_refused(name):
    with pytest.raises(ValueError, match="not a plain file name"):
        remote_path(parse_provisioning_url("192.0.2.5"), name)


def test_device_reads_its_family_firmware_names_from_the_config():
    settings = {"provisioning": {"firmware": {"kws": "kws.bin", "default_kws": True, "rfp": "rfp.bin",
                                              "pp14225100": "pp.bin", "pp14208700": ""}}}
    assert device_firmware(settings, "6500") == [("kws", "kws.bin"), ("pp14225100", "pp.bin")]
    assert device_firmware(settings, 8000) == [("kws", "kws.bin"), ("rfp", "rfp.bin"), ("pp14225100", "pp.bin")]
    assert device_firmware({}, "400") == []
    assert device_firmware(None, "400") == []


def test_basic_auth_header_from_url_user_and_password():
    headers = request_headers(parse_provisioning_url("http://prov:pass@192.0.2.5/x"))
    assert headers["Authorization"] == "Basic cHJvdjpwYXNz"  # prov:pass
    assert "Authorization" not in request_headers(parse_provisioning_url("http://192.0.2.5/x"))


def test_unreadable_ca_bundle_is_an_error_result(tmp_path):
    result = fetch_file("https://127.0.0.1:1/x", "a", ca_path=str(tmp_path / "missing.pem"))
    assert result.status == "error"
    assert result.error == ("https://127.0.0.1:1/x/a: cannot load the CA certificates of ca_path '%s': "
                            "No such file or directory" % (tmp_path / "missing.pem"))


# ----------------------------------------------------------------------------- scripted TFTP peers


def _data(block, payload):
    return struct.pack("!HH", DATA, block & 0xFFFF) + payload


def _oack(**options):
    return struct.pack("!H", OACK) + b"".join(
        k.encode() + b"\x00" + str(v).encode() + b"\x00" for k, v in options.items())


def _options_of(request):
    fields = request[2:].split(b"\x00")[2:-1]
    return dict((fields[i].decode(), fields[i + 1].decode()) for i in range(0, len(fields), 2))


class ScriptedPeer:
    """A UDP 'server port' on 127.0.0.1; ``script(listen, request, client)`` plays one exchange
    per request in a thread, answering from a fresh socket (a new transfer ID) as RFC 1350 asks."""

    def __init__(self, script, requests=1):
        self.listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.listen.bind(("127.0.0.1", 0))
        self.listen.settimeout(5)
        self.port = self.listen.getsockname()[1]
        self.script, self.requests = script, requests
        self.seen = []
        self.failure = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            for _request in range(self.requests):
                request, client = self.listen.recvfrom(2048)
                self.seen.append(request)
                self.script(self, request, client)
        except Exception as exc:  # surfaced by close()
            self.failure = exc

    def transfer_socket(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(3)
        return sock

    def close(self):
        self.thread.join(10)
        self.listen.close()
        assert not self.thread.is_alive(), "scripted peer still running"
        if self.failure:
            raise self.failure


def _fetch(peer, **kwargs):
    kwargs.setdefault("timeout", 0.3)
    kwargs.setdefault("retries", 3)
    return fetch_file("tftp://127.0.0.1:%d" % peer.port, "f.bin", **kwargs)


def test_options_ignored_falls_back_to_512_byte_blocks():
    payload = bytes(range(256)) * 3  # 768 bytes: one full 512 block and a short one

    def script(peer, request, client):
        assert _options_of(request) == {"blksize": "1428", "tsize": "0"}
        sock = peer.transfer_socket()
        for block, chunk in ((1, payload[:512]), (2, payload[512:])):
            sock.sendto(_data(block, chunk), client)
            assert sock.recvfrom(100)[0] == tftp_ack(block)

    peer = ScriptedPeer(script)
    result = _fetch(peer)
    peer.close()
    assert (result.status, result.data, result.size) == ("ok", payload, 768)


def test_negotiated_blksize_and_lost_ack_retransmitted():
    payload = b"x" * 100 + b"y" * 40

    def script(peer, request, client):
        sock = peer.transfer_socket()
        sock.sendto(_oack(blksize=100), client)
        assert sock.recvfrom(100)[0] == tftp_ack(0)
        sock.sendto(_data(1, payload[:100]), client)
        assert sock.recvfrom(100)[0] == tftp_ack(1)
        # pretend ACK 1 was lost: send block 1 again, the client must ACK it again and keep 1 copy
        sock.sendto(_data(1, payload[:100]), client)
        assert sock.recvfrom(100)[0] == tftp_ack(1)
        sock.sendto(_data(2, payload[100:]), client)
        assert sock.recvfrom(100)[0] == tftp_ack(2)

    peer = ScriptedPeer(script)
    result = _fetch(peer, blksize=100)
    peer.close()
    assert (result.status, result.data) == ("ok", payload)


def test_client_retransmits_its_ack_when_data_is_lost():
    def script(peer, request, client):
        sock = peer.transfer_socket()
        sock.sendto(_oack(blksize=8), client)
        assert sock.recvfrom(100)[0] == tftp_ack(0)
        # drop our first DATA: say nothing; the client must send ACK 0 again after its timeout
        started = time.monotonic()
        assert sock.recvfrom(100)[0] == tftp_ack(0)
        assert time.monotonic() - started >= 0.25
        sock.sendto(_data(1, b"tail"), client)
        assert sock.recvfrom(100)[0] == tftp_ack(1)

    peer = ScriptedPeer(script)
    result = _fetch(peer, blksize=8)
    peer.close()
    assert (result.status, result.data) == ("ok", b"tail")


def test_stranger_port_gets_unknown_tid_and_is_ignored():
    def script(peer, request, client):
        sock, stranger = peer.transfer_socket(), peer.transfer_socket()
        sock.sendto(_data(1, b"g" * 512), client)  # options ignored: 512-byte blocks
        assert sock.recvfrom(100)[0] == tftp_ack(1)
        stranger.sendto(_data(2, b"evil"), client)
        reply = stranger.recvfrom(100)[0]
        assert parse_tftp(reply) == ("error", TFTP_UNKNOWN_TID, "Unknown transfer ID")
        sock.sendto(_data(2, b"good"), client)
        assert sock.recvfrom(100)[0] == tftp_ack(2)

    peer = ScriptedPeer(script)
    result = _fetch(peer)
    peer.close()
    assert result.data == b"g" * 512 + b"good"


def test_error_8_retries_without_options():
    def script(peer, request, client):
        sock = peer.transfer_socket()
        if _options_of(request):
            sock.sendto(tftp_error(8, "no options here"), client)
            return
        sock.sendto(_data(1, b"plain"), client)
        assert sock.recvfrom(100)[0] == tftp_ack(1)

    peer = ScriptedPeer(script, requests=2)
    result = _fetch(peer)
    peer.close()
    assert result.data == b"plain"
    assert [_options_of(r) for r in peer.seen] == [{"blksize": "1428", "tsize": "0"}, {}]


def test_file_not_found_is_missing_other_errors_are_errors():
    def script(peer, request, client):
        code, text = (1, "File not found") if len(peer.seen) == 1 else (2, "Permission denied")
        peer.transfer_socket().sendto(tftp_error(code, text), client)

    peer = ScriptedPeer(script, requests=2)
    missing, denied = _fetch(peer), _fetch(peer)
    peer.close()
    assert (missing.status, missing.code) == ("missing", 1)
    assert missing.error == ("tftp://127.0.0.1:%d/f.bin: TFTP server 127.0.0.1 port %d answered error 1: "
                             "File not found" % (peer.port, peer.port))
    assert (denied.status, denied.code) == ("error", 2)
    assert denied.error.endswith("answered error 2: Permission denied")


def test_oack_with_larger_blksize_than_requested_is_refused():
    def script(peer, request, client):
        sock = peer.transfer_socket()
        sock.sendto(_oack(blksize=9000), client)
        assert parse_tftp(sock.recvfrom(100)[0])[:2] == ("error", 8)

    peer = ScriptedPeer(script)
    result = _fetch(peer)
    peer.close()
    assert result.status == "error"
    assert "acknowledged blksize '9000', requested 1428: not RFC 2348" in result.error


def test_announced_size_must_match_what_arrives():
    def script(peer, request, client):
        sock = peer.transfer_socket()
        sock.sendto(_oack(blksize=1428, tsize=50), client)
        assert sock.recvfrom(100)[0] == tftp_ack(0)
        sock.sendto(_data(1, b"short"), client)
        sock.recvfrom(100)

    peer = ScriptedPeer(script)
    result = _fetch(peer)
    peer.close()
    assert result.status == "error"
    assert result.error.endswith("port %d announced 50 bytes but sent 5" % peer.port)


def test_unrequested_option_in_oack_is_refused():
    def script(peer, request, client):
        sock = peer.transfer_socket()
        sock.sendto(_oack(timeout=3), client)
        assert parse_tftp(sock.recvfrom(100)[0]) == ("error", 8, "options not requested: timeout")

    peer = ScriptedPeer(script)
    result = _fetch(peer)
    peer.close()
    assert result.error.endswith("acknowledged options it was not asked for: timeout")


def test_check_reads_tsize_and_aborts_with_error_8():
    def script(peer, request, client):
        assert _options_of(request) == {"blksize": "1428", "tsize": "0"}
        sock = peer.transfer_socket()
        sock.sendto(_oack(blksize=1428, tsize=123456), client)
        assert parse_tftp(sock.recvfrom(100)[0]) == ("error", 8, "size check only")

    peer = ScriptedPeer(script)
    result = check_file("tftp://127.0.0.1:%d" % peer.port, "f.bin", timeout=0.3)
    peer.close()
    assert (result.status, result.size, result.data) == ("ok", 123456, None)


def test_silence_gives_up_after_the_retry_budget():
    def script(peer, request, client):
        for _retransmission in range(2):  # swallow the retransmissions
            peer.listen.recvfrom(2048)

    peer = ScriptedPeer(script)
    started = time.monotonic()
    result = _fetch(peer, timeout=0.2, retries=2)
    elapsed = time.monotonic() - started
    peer.close()
    assert result.status == "error"
    assert result.error.endswith("no answer after 3 tries of 0.2s each")
    assert 0.55 < elapsed < 2.0
    assert len(peer.seen) == 1


def test_block_numbers_wrap_after_65535():
    blocks = 65540  # 8-byte blocks: block 65536 is numbered 0 on the wire
    payload = b"".join(struct.pack("!Q", n) for n in range(blocks)) + b"end"

    def script(peer, request, client):
        sock = peer.transfer_socket()
        sock.sendto(_oack(blksize=8), client)
        sock.recvfrom(100)
        for n in range(blocks + 1):
            sock.sendto(_data(n + 1, payload[n * 8:n * 8 + 8]), client)
            ack = sock.recvfrom(100)[0]
            assert ack == tftp_ack((n + 1) & 0xFFFF)

    peer = ScriptedPeer(script)
    result = _fetch(peer, blksize=8, timeout=2)
    peer.close()
    assert result.status == "ok", result.error
    assert result.data == payload


# ----------------------------------------------------------------------------- bounds and TLS policy


def test_sink_refuses_the_chunk_over_the_limit_and_keeps_no_more():
    sink = Sink(max_size=10)
    sink.write(b"x" * 6)
    with pytest.raises(FetchError) as exc:
        sink.write(b"y" * 5)
    assert str(exc.value) == "the server sent more than the size limit of 10 bytes: transfer stopped"
    assert sink.data() == b"x" * 6
    with pytest.raises(FetchError) as announced:
        sink.check_announced(11)
    assert str(announced.value) == ("the server announced 11 bytes, more than the size limit of 10 bytes: "
                                    "not transferred")
    sink.check_announced(None)
    sink.check_announced(10)


def test_deadline_shuts_a_blocked_socket_down_when_it_passes():
    left, right = socket.socketpair()
    try:
        deadline = Deadline(0.3)
        deadline.watch(left)
        started = time.monotonic()
        assert left.recv(10) == b""  # blocked until the watchdog shut it down
        assert 0.25 < time.monotonic() - started < 1.0
        assert deadline.fired and deadline.passed
        with pytest.raises(FetchError) as exc:
            deadline.wait(5)
        assert str(exc.value) == "not complete within the deadline of 0.3s: transfer stopped"
    finally:
        left.close()
        right.close()


def test_one_tls_client_policy(tmp_path):
    strict = client_context()
    assert strict.minimum_version == ssl.TLSVersion.TLSv1_2
    assert (strict.verify_mode, strict.check_hostname) == (ssl.CERT_REQUIRED, True)
    lax = client_context(validate_certs=False)
    assert (lax.minimum_version, lax.verify_mode, lax.check_hostname) == (ssl.TLSVersion.TLSv1_2, ssl.CERT_NONE,
                                                                          False)
    assert client_context(str(tmp_path)).minimum_version == ssl.TLSVersion.TLSv1_2  # a hashed CA directory
    with pytest.raises(TlsConfigError) as exc:
        client_context(str(tmp_path / "none.pem"))
    assert str(exc.value) == ("cannot load the CA certificates of ca_path '%s': No such file or directory"
                              % (tmp_path / "none.pem"))

"""Unit tests of plugins/module_utils/_sip: parsing, digest, NOTIFY, timers.

The peers answer with the emulator's ``build_response`` (the other side of check_sync, tested in
tests/unit/test_emulator.py)."""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._sip.digest import (
    digest_authorization,
    digest_response,
    DigestChallenge,
    parse_auth_params,
    select_challenge,
)
from ansible_collections.dect.provisioning.plugins.module_utils._sip.fanout import (
    preview_check_sync,
    send_check_sync,
    summarize_failures,
)
from ansible_collections.dect.provisioning.plugins.module_utils._sip.message import (
    find_message_end,
    parse_message,
    SipParseError,
)
from ansible_collections.dect.provisioning.plugins.module_utils._sip.target import (
    build_notify,
    new_branch,
    normalize_target,
    SipConfigError,
    TARGET_OPTIONS,
    targets_from_params,
)
from ansible_collections.dect.provisioning.plugins.module_utils._sip.transaction import NonInviteClientTransaction
from devtools.emulator.sipmsg import build_response

NOTIFY = (
    b"NOTIFY sip:1000@192.0.2.10 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.1:40000;rport;branch=z9hG4bKabc\r\n"
    b"v: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKproxy\r\n"
    b"Max-Forwards: 70\r\n"
    b"From: <sip:provisioning@192.0.2.1>;tag=f1\r\n"
    b"To: <sip:1000@192.0.2.10>\r\n"
    b"i: call-1@192.0.2.1\r\n"
    b"CSeq: 7 NOTIFY\r\n"
    b"Event: check-sync\r\n"
    b"Subscription-State: terminated\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)


# --- parse_message ---------------------------------------------------------------------------

def test_parse_request_line_headers_and_compact_forms():
    message = parse_message(NOTIFY)
    assert message.method == "NOTIFY"
    assert message.request_uri == "sip:1000@192.0.2.10"
    assert message.status is None and message.reason is None
    assert message.is_request
    assert message.header("call-id") == "call-1@192.0.2.1"   # compact "i" found by full name
    assert message.header("EVENT") == "check-sync"
    assert message.header("X-Missing") is None
    assert message.header_values("Via") == [
        "SIP/2.0/UDP 192.0.2.1:40000;rport;branch=z9hG4bKabc",
        "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKproxy",
    ]
    assert message.headers[0] == ("Via", "SIP/2.0/UDP 192.0.2.1:40000;rport;branch=z9hG4bKabc")
    assert message.cseq() == (7, "NOTIFY")
    assert message.top_via_params() == {"rport": "", "branch": "z9hG4bKabc"}
    assert message.body == b""


def test_parse_response_with_body_cut_to_content_length():
    data = (b"SIP/2.0 404 Not Found Here\r\nCall-ID: x\r\nl: 5\r\n\r\nhello-padding")
    message = parse_message(data)
    assert (message.method, message.status, message.reason) == (None, 404, "Not Found Here")
    assert not message.is_request
    assert message.body == b"hello"


def test_parse_folded_header_and_leading_keepalive():
    data = b"\r\n\r\nSIP/2.0 200 OK\r\nSubject: one\r\n  two\r\nContent-Length: 0\r\n\r\n"
    assert parse_message(data).header("Subject") == "one two"


@pytest.mark.parametrize("data, error", [
    (b"", "empty message"),
    (b"HELLO\r\n\r\n", "malformed request line 'HELLO'"),
    (b"SIP/2.0 OK\r\n\r\n", "malformed status line 'SIP/2.0 OK'"),
    (b"SIP/2.0 200 OK\r\nNoColonHere\r\n\r\n", "malformed header line 'NoColonHere'"),
    (b"SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc", "truncated body: Content-Length 10 but 3 bytes"),
    (b"SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n", "malformed Content-Length 'x'"),
    (b"SIP/2.0 200 OK\r\nSubject: \xff\r\n\r\n", "not UTF-8"),
])
def test_parse_errors_say_what_is_wrong(data, error):
    with pytest.raises(SipParseError) as excinfo:
        parse_message(data)
    assert error in str(excinfo.value)


def test_parse_rejects_non_bytes():
    with pytest.raises(SipParseError, match="expected bytes, got str"):
        parse_message("NOTIFY")


def test_find_message_end_frames_a_stream():
    two = NOTIFY + b"SIP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    first = find_message_end(two)
    assert first == len(NOTIFY)
    rest = two[first:]
    assert find_message_end(rest) == len(rest)
    assert find_message_end(rest[:-1]) is None
    assert find_message_end(b"SIP/2.0 200 OK\r\n") is None


# --- digest authentication -------------------------------------------------------------------

def _hex(name, text):
    return hashlib.new(name, text.encode()).hexdigest()


RFC2617_CHALLENGE = ('Digest realm="testrealm@host.com", qop="auth,auth-int", '
                     'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')
RFC7616_PARAMS = ('realm="http-auth@example.org", qop="auth, auth-int", '
                  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
                  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')


def test_digest_rfc2617_example():
    challenge = DigestChallenge.parse(RFC2617_CHALLENGE)
    assert challenge.qop() == "auth"
    assert digest_response(challenge, "GET", "/dir/index.html", "Mufasa", "Circle Of Life",
                           nonce_count=1, cnonce="0a4f113b") == "6629fae49393a05397450978507c4ef1"


@pytest.mark.parametrize("algorithm, expected", [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_digest_rfc7616_examples(algorithm, expected):
    challenge = DigestChallenge.parse("Digest %s, algorithm=%s" % (RFC7616_PARAMS, algorithm))
    assert digest_response(challenge, "GET", "/dir/index.html", "Mufasa", "Circle of Life", nonce_count=1,
                           cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ") == expected


def test_digest_without_qop_is_rfc2069_form():
    challenge = DigestChallenge.parse('Digest realm="r", nonce="n"')
    ha1, ha2 = _hex("md5", "u:r:p"), _hex("md5", "NOTIFY:sip:1000@h")
    assert digest_response(challenge, "NOTIFY", "sip:1000@h", "u", "p") == _hex("md5", "%s:n:%s" % (ha1, ha2))
    header = digest_authorization(challenge, "NOTIFY", "sip:1000@h", "u", "p")
    assert header == ('Digest username="u", realm="r", nonce="n", uri="sip:1000@h", response="%s", algorithm=MD5'
                      % _hex("md5", "%s:n:%s" % (ha1, ha2)))


def test_digest_md5_sess_and_auth_int():
    challenge = DigestChallenge.parse('Digest realm="r", nonce="n", algorithm=MD5-sess, qop="auth-int"')
    ha1 = _hex("md5", "%s:n:c" % _hex("md5", "u:r:p"))
    ha2 = _hex("md5", "NOTIFY:sip:x@h:%s" % _hex("md5", ""))
    expected = _hex("md5", "%s:n:00000001:c:auth-int:%s" % (ha1, ha2))
    assert digest_response(challenge, "NOTIFY", "sip:x@h", "u", "p", cnonce="c") == expected


def test_digest_authorization_header_fields_and_order():
    challenge = DigestChallenge.parse(RFC2617_CHALLENGE)
    header = digest_authorization(challenge, "NOTIFY", "sip:1000@192.0.2.10", 'we"ird', "pw", nonce_count=2,
                                  cnonce="abc")
    response = digest_response(challenge, "NOTIFY", "sip:1000@192.0.2.10", 'we"ird', "pw", nonce_count=2,
                               cnonce="abc")
    assert header == (
        'Digest username="we\\"ird", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'uri="sip:1000@192.0.2.10", response="%s", algorithm=MD5, opaque="5ccc069c403ebaf9f0171e9517f40e41", '
        'qop=auth, nc=00000002, cnonce="abc"' % response)
    # a fresh cnonce each time when none is given
    first = parse_auth_params(digest_authorization(challenge, "NOTIFY", "sip:x@h", "u", "p")[7:])
    second = parse_auth_params(digest_authorization(challenge, "NOTIFY", "sip:x@h", "u", "p")[7:])
    assert first["cnonce"] != second["cnonce"] and len(first["cnonce"]) == 16


def test_parse_auth_params_quotes_and_errors():
    assert parse_auth_params('realm="a, b", nonce="q\\"x" ,stale=TRUE') == {
        "realm": "a, b", "nonce": 'q"x', "stale": "TRUE"}
    with pytest.raises(SipParseError, match="malformed authentication parameters near"):
        parse_auth_params('realm "x"')


def _challenge_response(status, *values):
    header = "Proxy-Authenticate" if status == 407 else "WWW-Authenticate"
    lines = ["SIP/2.0 %d Challenge" % status] + ["%s: %s" % (header, value) for value in values]
    return parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())


def test_select_challenge_first_supported_and_proxy_header():
    response = _challenge_response(407, 'Basic realm="x"', 'Digest realm="r", nonce="n", algorithm=AKAv1-MD5',
                                   'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"')
    challenge, why = select_challenge(response)
    assert why is None and challenge.nonce == "n2" and challenge.algorithm == "SHA-256"
    assert challenge.authorization_header == "Proxy-Authorization"
    challenge, _why = select_challenge(_challenge_response(401, 'Digest realm="r", nonce="n"'))
    assert challenge.authorization_header == "Authorization"


@pytest.mark.parametrize("values, why", [
    ((), "the 401 response has no WWW-Authenticate header"),
    (('Basic realm="x"',), "scheme Basic is not Digest"),
    (('Digest realm="r", nonce="n", algorithm=AKAv1-MD5',),
     "Digest algorithm AKAv1-MD5 is not supported (MD5, SHA-256, SHA-512-256 and their -sess forms are)"),
    (('Digest realm="r", nonce="n", qop="auth-conf"',), "Digest qop auth-conf is not supported"),
    (('Digest realm="r", nonce="n", algorithm=MD5-sess',), "Digest algorithm MD5-sess needs a qop"),
    (('Digest nonce="n"',), "Digest challenge without realm or nonce"),
])
def test_select_challenge_says_why_it_cannot_answer(values, why):
    challenge, reason = select_challenge(_challenge_response(401, *values))
    assert challenge is None
    assert why in reason


# --- targets, Request-URI, NOTIFY ------------------------------------------------------------

def test_normalize_target_defaults():
    target = normalize_target({"host": "192.0.2.10", "user": "1000", "port": None})
    assert (target.port, target.transport, target.timeout, target.from_user) == (5060, "udp", 32.0, "provisioning")
    assert target.validate_certs is True and target.credentials() is None
    assert target.label == "1000@192.0.2.10:5060/udp"
    assert normalize_target({"host": "h", "user": "1", "transport": "TLS"}).port == 5061


@pytest.mark.parametrize("values, uri", [
    ({}, "sip:1000@192.0.2.10"),
    ({"port": 5070}, "sip:1000@192.0.2.10:5070"),
    ({"domain": "pbx.example.com"}, "sip:1000@pbx.example.com"),
    ({"transport": "tcp"}, "sip:1000@192.0.2.10;transport=tcp"),
    ({"transport": "tls"}, "sips:1000@192.0.2.10"),
    ({"transport": "tls", "port": 5060}, "sips:1000@192.0.2.10:5060"),
    ({"transport": "tls", "use_sips_uri": False}, "sip:1000@192.0.2.10;transport=tls"),
    ({"host": "2001:db8::1"}, "sip:1000@[2001:db8::1]"),
])
def test_request_uri(values, uri):
    params = {"host": "192.0.2.10", "user": "1000"}
    params.update(values)
    assert normalize_target(params).request_uri() == uri


@pytest.mark.parametrize("values, error", [
    ({"host": None}, "targets[2].host: is required (set it in the target or at the top level)"),
    ({"user": ""}, "targets[2].user: is required"),
    ({"host": "a b"}, "targets[2].host: 'a b' is not a host name or IP address"),
    ({"user": "10 00"}, "targets[2].user: '10 00' is not a SIP user part: allowed letters, digits"),
    ({"from_user": "a@b"}, "targets[2].from_user: 'a@b' is not a SIP user part"),
    ({"transport": "sctp"}, "targets[2].transport: 'sctp' is not supported: allowed udp, tcp, tls"),
    ({"port": 70000}, "targets[2].port: 70000 is not a port: allowed 1-65535"),
    ({"port": 0}, "targets[2].port: 0 is not a port: allowed 1-65535"),
    ({"timeout": 0}, "targets[2].timeout: 0 is not a timeout: allowed more than 0 and at most 3600 seconds"),
    ({"domain": "pbx example"}, "targets[2].domain: 'pbx example' is not a SIP host[:port]"),
    ({"ca_path": "/nonexistent/ca.pem"}, "targets[2].ca_path: '/nonexistent/ca.pem' does not exist"),
    ({"auth_username": "u"}, "targets[2].auth_password: is required when auth_username is set"),
])
def test_normalize_target_errors_name_the_path(values, error):
    params = {"host": "192.0.2.10", "user": "1000"}
    params.update(values)
    with pytest.raises(SipConfigError) as excinfo:
        normalize_target(params, "targets[2]")
    assert str(excinfo.value).startswith(error)


def test_credentials_default_to_the_extension():
    target = normalize_target({"host": "h", "user": "1000", "auth_password": "pw"})
    assert target.credentials() == ("1000", "pw")
    target = normalize_target({"host": "h", "user": "1000", "auth_username": "admin", "auth_password": "pw"})
    assert target.credentials() == ("admin", "pw")


def _params(**values):
    params = dict((name, None) for name in TARGET_OPTIONS)
    params.update(targets=None, transport="udp", from_user="provisioning", timeout=32.0, validate_certs=True,
                  use_sips_uri=True)
    params.update(values)
    return params


def test_targets_from_params_merges_top_level_defaults():
    params = _params(host="192.0.2.10", user="1000", transport="tcp", timeout=5.0,
                     targets=[{"user": "2000"}, {"host": "192.0.2.11", "port": 5070, "timeout": None}])
    first, second = targets_from_params(params)
    assert (first.host, first.user, first.transport, first.timeout) == ("192.0.2.10", "2000", "tcp", 5.0)
    assert (second.host, second.user, second.port, second.timeout) == ("192.0.2.11", "1000", 5070, 5.0)
    assert second.path == "targets[1]"
    assert targets_from_params(_params(host="h", user="1")) and targets_from_params(_params(targets=[])) == []


def test_targets_from_params_errors():
    with pytest.raises(SipConfigError, match=r"^targets\[0\]: 'x' is not a dict of target options$"):
        targets_from_params(_params(targets=["x"]))
    with pytest.raises(SipConfigError, match=r"^targets\[0\]: unknown option hots: allowed host, port"):
        targets_from_params(_params(targets=[{"hots": "h"}]))
    with pytest.raises(SipConfigError, match=r"^targets\[1\].user: is required"):
        targets_from_params(_params(host="h", targets=[{"user": "1"}, {"port": 5070}]))
    with pytest.raises(SipConfigError, match=r"^host: is required"):
        targets_from_params(_params(user="1"))


def test_build_notify_exact_message():
    target = normalize_target({"host": "192.0.2.10", "user": "1000", "transport": "tcp"})
    message = build_notify(target, ("192.0.2.1", 40000), "cid@192.0.2.1", "ftag", "z9hG4bKb1", 3,
                           ("Authorization", "Digest x"))
    assert message.to_bytes() == (
        b"NOTIFY sip:1000@192.0.2.10;transport=tcp SIP/2.0\r\n"
        b"Via: SIP/2.0/TCP 192.0.2.1:40000;rport;branch=z9hG4bKb1\r\n"
        b"Max-Forwards: 70\r\n"
        b"From: <sip:provisioning@192.0.2.1>;tag=ftag\r\n"
        b"To: <sip:1000@192.0.2.10;transport=tcp>\r\n"
        b"Call-ID: cid@192.0.2.1\r\n"
        b"CSeq: 3 NOTIFY\r\n"
        b"Contact: <sip:provisioning@192.0.2.1:40000;transport=tcp>\r\n"
        b"Authorization: Digest x\r\n"
        b"Event: check-sync\r\n"
        b"Subscription-State: terminated\r\n"
        b"User-Agent: dect.provisioning check_sync\r\n"
        b"Content-Length: 0\r\n"
        b"\r\n"
    )
    assert new_branch().startswith("z9hG4bK") and new_branch() != new_branch()


def test_build_notify_tls_from_domain_and_ipv6_local():
    target = normalize_target({"host": "dect.example.com", "user": "1000", "transport": "tls",
                              "from_domain": "pbx.example.com"})
    message = parse_message(build_notify(target, ("2001:db8::5", 5061), "c", "t", "z9hG4bKx", 1).to_bytes())
    assert message.request_uri == "sips:1000@dect.example.com"
    assert message.header("Via") == "SIP/2.0/TLS [2001:db8::5]:5061;rport;branch=z9hG4bKx"
    assert message.header("From") == "<sips:provisioning@pbx.example.com>;tag=t"
    assert message.header("Contact") == "<sips:provisioning@[2001:db8::5]:5061;transport=tls>"


# --- transaction timers ----------------------------------------------------------------------

def _schedule(transaction, until, step=0.01, provisional_at=None):
    """Times at which poll() asked for a retransmission, and when it gave up."""
    retransmits = []
    for tick in range(int(round(until / step)) + 1):
        now = tick * step  # multiplied, not summed: no float drift in the expected times
        if provisional_at is not None and now >= provisional_at:
            transaction.on_provisional()
            provisional_at = None
        action = transaction.poll(now)
        if action == "retransmit":
            retransmits.append(round(now, 2))
        elif action == "timeout":
            return retransmits, round(now, 2)
    return retransmits, None


def test_udp_timer_e_doubles_to_t2_and_timer_f_ends_at_64_t1():
    retransmits, gave_up = _schedule(NonInviteClientTransaction(0.0, reliable=False), 40)
    assert retransmits == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert gave_up == 32.0


def test_udp_timer_e_is_t2_after_a_provisional_response():
    # RFC 3261 17.1.2.2: the running timer E still fires (1.5 s), then it is re-armed with T2.
    retransmits, _gave_up = _schedule(NonInviteClientTransaction(0.0, reliable=False), 20, provisional_at=0.7)
    assert retransmits[:4] == [0.5, 1.5, 5.5, 9.5]


def test_reliable_transport_never_retransmits_and_deadline_caps_timer_f():
    transaction = NonInviteClientTransaction(0.0, reliable=True, deadline=2.0)
    assert transaction.next_event() == 2.0
    assert _schedule(transaction, 40) == ([], 2.0)
    assert _schedule(NonInviteClientTransaction(0.0, reliable=False, deadline=2.0), 5) == ([0.5, 1.5], 2.0)


# --- results ---------------------------------------------------------------------------------

def _outcome(target, ok=False, status=None, reason=None, error=None):
    return {"target": target, "ok": ok, "status": status, "reason": reason, "error": error}


def test_summarize_failures_names_each_target_with_code_or_error():
    results = [
        _outcome("1000@h:5060/udp", ok=True, status=200, reason="OK"),
        _outcome("1001@h:5060/udp", status=404, reason="Not Found", error="h:5060 answered 404 Not Found"),
        _outcome("1002@h:5060/udp", status=401, reason="Unauthorized", error="h:5060 rejected the credentials"),
        _outcome("1003@h:5060/udp", reason="timeout", error="no response from h:5060 (3 attempts); gave up"),
    ]
    assert summarize_failures(results) == (
        "check-sync not acknowledged by 3 of 4 target(s): 1001@h:5060/udp: 404 Not Found; "
        "1002@h:5060/udp: 401 Unauthorized (h:5060 rejected the credentials); "
        "1003@h:5060/udp: no response from h:5060 (3 attempts); gave up")
    named = dict(_outcome("1001@192.0.2.5:5060/udp", status=404, reason="Not Found",
                          error="192.0.2.5:5060 answered 404 Not Found"), name="ward-a")
    assert summarize_failures([named]) == (
        "check-sync not acknowledged by 1 of 1 target(s): ward-a (1001@192.0.2.5:5060/udp): 404 Not Found")
    many = [_outcome("t%d" % i, reason="timeout", error="e") for i in range(12)]
    assert summarize_failures(many, limit=2) == (
        "check-sync not acknowledged by 12 of 12 target(s): t0: e; t1: e; ... and 10 more (see failed_targets)")


# --- send_check_sync against scripted loopback peers -----------------------------------------

class ScriptedPeer:
    """A loopback SIP peer in a thread: ``script(request, reply, count)`` decides what to answer."""

    def __init__(self, script, kind=socket.SOCK_DGRAM):
        self.script = script
        self.kind = kind
        self.requests = []
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        if kind == socket.SOCK_STREAM:
            self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        deadline = time.monotonic() + 10
        while not self.stopping and time.monotonic() < deadline:
            try:
                if self.kind == socket.SOCK_DGRAM:
                    data, address = self.sock.recvfrom(65535)
                    self._handle(data, lambda payload, address=address: self.sock.sendto(payload, address))
                else:
                    connection, _address = self.sock.accept()
                    connection.settimeout(2)
                    data = connection.recv(65535)
                    if data:  # empty: the client gave up before sending (TLS setup failed)
                        self._handle(data, connection.sendall)
                    connection.close()
            except socket.timeout:
                continue

    def _handle(self, data, send):
        request = parse_message(data)
        self.requests.append(request)
        self.script(request, send, len(self.requests))

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def peer():
    peers = []

    def start(script, kind=socket.SOCK_DGRAM):
        peers.append(ScriptedPeer(script, kind))
        return peers[-1]

    yield start
    for running in peers:
        running.stop()


def _target(port, **values):
    params = {"host": "127.0.0.1", "port": port, "user": "1000", "timeout": 3}
    params.update(values)
    return normalize_target(params)


def test_udp_ignores_noise_and_stray_responses_and_awaits_the_final_one(peer):
    def script(request, send, count):
        send(b"not sip at all")
        stray = parse_message(build_response(request, 500, "Stray"))
        stray.headers[0] = ("Via", "SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKother")
        send(stray.to_bytes())
        send(build_response(request, 100, "Trying"))
        send(build_response(request, 202, "Accepted"))

    running = peer(script)
    (result,) = send_check_sync([_target(running.port)])
    assert (result["status"], result["reason"], result["ok"]) == (202, "Accepted", True)
    assert result["responses"] == [100, 202] and result["attempts"] == 1 and result["error"] is None
    assert running.requests[0].header("Event") == "check-sync"


def test_udp_retransmits_until_answered(peer):
    def script(request, send, count):
        if count >= 3:
            send(build_response(request, 200, "OK"))

    running = peer(script)
    started = time.monotonic()
    (result,) = send_check_sync([_target(running.port)], t1=0.05)
    assert result["ok"] and result["attempts"] == 3
    # the same transaction: same branch and CSeq each time
    assert len({(r.top_via_params()["branch"], r.header("CSeq")) for r in running.requests}) == 1
    assert 0.14 <= time.monotonic() - started < 1.0  # 0.05 + 0.1 s of timer E


def test_tcp_frames_a_split_response_after_keepalives(peer):
    def script(request, send, count):
        data = b"\r\n\r\n" + build_response(request, 200, "OK", body=b"ok")
        send(data[:30])
        time.sleep(0.05)
        send(data[30:])

    running = peer(script, socket.SOCK_STREAM)
    (result,) = send_check_sync([_target(running.port, transport="tcp")])
    assert result["ok"] and result["attempts"] == 1
    assert running.requests[0].request_uri == "sip:1000@127.0.0.1:%d;transport=tcp" % running.port


def test_tcp_peer_closing_without_answer_is_an_error(peer):
    running = peer(lambda request, send, count: None, socket.SOCK_STREAM)
    (result,) = send_check_sync([_target(running.port, transport="tcp")])
    assert result["status"] is None and result["reason"] == "connection closed"
    assert result["error"] == "127.0.0.1:%d closed the connection before a final response" % running.port


def test_bounded_concurrency_still_serves_every_target(peer):
    running = peer(lambda request, send, count: send(build_response(request, 200, "OK")))
    targets = [_target(running.port, user=str(1000 + i)) for i in range(5)]
    results = send_check_sync(targets, max_concurrent=1)
    assert [r["user"] for r in results] == ["1000", "1001", "1002", "1003", "1004"]
    assert all(r["ok"] for r in results)
    assert sorted(r.request_uri.split("@")[0] for r in running.requests) == ["sip:100%d" % i for i in range(5)]
    with pytest.raises(SipConfigError, match="max_concurrent: 0 is not allowed: at least 1"):
        send_check_sync(targets, max_concurrent=0)


def test_preview_sends_nothing_and_shows_the_request(peer):
    running = peer(lambda request, send, count: None)
    (result, named) = preview_check_sync([_target(running.port, auth_password="s3cret"),
                                          _target(running.port, name="ward-a")])
    time.sleep(0.2)
    assert running.requests == []
    # The name (an inventory host name) is returned, never sent; without one the result says null.
    assert result["name"] is None and named["name"] == "ward-a" and "ward-a" not in named["request"]
    assert result["status"] is None and result["reason"] == "not sent (check mode)" and result["attempts"] == 0
    request = parse_message(result["request"].encode())
    assert request.request_uri == "sip:1000@127.0.0.1:%d" % running.port
    assert request.header("Event") == "check-sync" and "s3cret" not in result["request"]
    assert request.top_via_params()["branch"].startswith("z9hG4bK")


def test_stale_nonce_is_answered_once_more_then_credentials_count_as_rejected(peer):
    challenge = 'Digest realm="r", nonce="n%d", qop="auth", stale=%s'

    def script(request, send, count):
        headers = [("WWW-Authenticate", challenge % (count, "TRUE" if count == 2 else "FALSE"))]
        send(build_response(request, 401, "Unauthorized", extra_headers=headers))

    running = peer(script)
    (result,) = send_check_sync([_target(running.port, auth_password="pw")])
    assert (result["status"], result["attempts"], result["responses"]) == (401, 3, [401])
    assert result["error"] == "127.0.0.1:%d rejected the credentials of '1000' (realm 'r')" % running.port
    nonces = [parse_auth_params(r.header("Authorization")[7:])["nonce"] for r in running.requests[1:]]
    assert nonces == ["n1", "n2"]  # each answer uses the nonce of the challenge it answers
    assert [r.cseq()[0] for r in running.requests] == [1, 2, 3]
    assert len({r.header("Call-ID") for r in running.requests}) == 1
    assert len({r.top_via_params()["branch"] for r in running.requests}) == 3


def test_unreadable_ca_file_is_reported_per_target(peer, tmp_path):
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("this is no certificate\n")
    running = peer(lambda request, send, count: None, socket.SOCK_STREAM)
    (result,) = send_check_sync([_target(running.port, transport="tls", ca_path=str(bogus))])
    assert result["reason"] == "TLS error"
    assert result["error"].startswith("cannot load the CA certificates of ca_path '%s': " % bogus)

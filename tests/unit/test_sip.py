"""Unit tests of plugins/module_utils/sip.py: parsing, responses, digest, NOTIFY, timers."""

from __future__ import annotations

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import sip

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
    message = sip.parse_message(NOTIFY)
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
    message = sip.parse_message(data)
    assert (message.method, message.status, message.reason) == (None, 404, "Not Found Here")
    assert not message.is_request
    assert message.body == b"hello"


def test_parse_folded_header_and_leading_keepalive():
    data = b"\r\n\r\nSIP/2.0 200 OK\r\nSubject: one\r\n  two\r\nContent-Length: 0\r\n\r\n"
    assert sip.parse_message(data).header("Subject") == "one two"


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
    with pytest.raises(sip.SipParseError) as excinfo:
        sip.parse_message(data)
    assert error in str(excinfo.value)


def test_parse_rejects_non_bytes():
    with pytest.raises(sip.SipParseError, match="expected bytes, got str"):
        sip.parse_message("NOTIFY")


def test_find_message_end_frames_a_stream():
    two = NOTIFY + b"SIP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    first = sip.find_message_end(two)
    assert first == len(NOTIFY)
    rest = two[first:]
    assert sip.find_message_end(rest) == len(rest)
    assert sip.find_message_end(rest[:-1]) is None
    assert sip.find_message_end(b"SIP/2.0 200 OK\r\n") is None


# --- build_response --------------------------------------------------------------------------

def test_build_response_copies_dialog_headers_and_adds_to_tag():
    request = sip.parse_message(NOTIFY)
    data = sip.build_response(request, 200, "OK", extra_headers=[("Server", "emulator")])
    assert data == (
        b"SIP/2.0 200 OK\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.1:40000;rport;branch=z9hG4bKabc\r\n"
        b"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKproxy\r\n"
        b"From: <sip:provisioning@192.0.2.1>;tag=f1\r\n"
        b"To: <sip:1000@192.0.2.10>;tag=" + sip._stable_tag("call-1@192.0.2.1", "f1", "z9hG4bKabc").encode()
        + b"\r\n"
        b"Call-ID: call-1@192.0.2.1\r\n"
        b"CSeq: 7 NOTIFY\r\n"
        b"Server: emulator\r\n"
        b"Content-Length: 0\r\n"
        b"\r\n"
    )
    response = sip.parse_message(data)
    assert response.status == 200 and response.reason == "OK"
    # the same request (a retransmission) is answered with the same To tag
    assert sip.build_response(request, 200, "OK", extra_headers=[("Server", "emulator")]) == data


def test_build_response_keeps_existing_to_tag_and_stamps_received():
    request = sip.parse_message(NOTIFY.replace(b"To: <sip:1000@192.0.2.10>", b"To: <sip:1000@192.0.2.10>;tag=t9"))
    response = sip.parse_message(sip.build_response(request, 481, "Call/Transaction Does Not Exist",
                                                    received=("203.0.113.5", 41234)))
    assert response.header("To") == "<sip:1000@192.0.2.10>;tag=t9"
    assert response.header("Via") == "SIP/2.0/UDP 192.0.2.1:40000;received=203.0.113.5;rport=41234;branch=z9hG4bKabc"
    assert response.reason == "Call/Transaction Does Not Exist"


def test_build_response_with_body_sets_content_length():
    request = sip.parse_message(NOTIFY)
    response = sip.parse_message(sip.build_response(request, 200, "OK", body=b"xyz"))
    assert response.header("Content-Length") == "3" and response.body == b"xyz"


def test_build_response_rejects_responses_and_bad_codes():
    with pytest.raises(sip.SipError, match="needs a parsed request"):
        sip.build_response(sip.parse_message(b"SIP/2.0 200 OK\r\n\r\n"), 200, "OK")
    with pytest.raises(sip.SipError, match="allowed 100-699"):
        sip.build_response(sip.parse_message(NOTIFY), 99, "Nope")

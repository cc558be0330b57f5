"""SIP messages as far as the emulated DECT server needs them (RFC 3261), stdlib only.

Independent of the collection's sip module on purpose: the emulator is the other side of
check_sync, so it must not share its parser with it. ``build_response`` is also the answering side
of the test peers (tests/unit/test_sip.py, tests/integration/test_hostile_check_sync.py): it takes
any parsed request with ``is_request``, ``header``, ``header_values`` and ``top_via_params``, this
module's or the collection's.
"""

from __future__ import annotations

import hashlib
import os

CRLF = "\r\n"
MAX_HEAD = 16384
COMPACT = {"i": "call-id", "m": "contact", "e": "content-encoding", "l": "content-length", "c": "content-type",
           "f": "from", "s": "subject", "k": "supported", "t": "to", "v": "via", "o": "event", "u": "allow-events"}


class SipParseError(ValueError):
    pass


def _canonical(name):
    lowered = name.strip().lower()
    return COMPACT.get(lowered, lowered)


def _params(value):
    """``;name=value`` parameters of one header value (outside <...>), lowercase names."""
    rest = value.split(">", 1)[1] if ">" in value else value
    params = {}
    for item in rest.split(";")[1:]:
        name, _sep, val = item.partition("=")
        if name.strip():
            params[name.strip().lower()] = val.strip()
    return params


class SipMessage:
    def __init__(self, method=None, request_uri=None, status=None, reason=None, headers=None, body=b""):
        self.method, self.request_uri = method, request_uri
        self.status, self.reason = status, reason
        self.headers = list(headers or [])
        self.body = body

    @property
    def is_request(self):
        return self.method is not None

    def header_values(self, name):
        wanted = _canonical(name)
        return [value for key, value in self.headers if _canonical(key) == wanted]

    def header(self, name):
        values = self.header_values(name)
        return values[0] if values else None

    def cseq(self):
        parts = (self.header("CSeq") or "").split()
        if len(parts) != 2 or not parts[0].isdigit():
            return None, None
        return int(parts[0]), parts[1].upper()

    def top_via_params(self):
        via = self.header("Via")
        return _params(via.split(",", 1)[0]) if via else {}

    def to_bytes(self):
        start = ("%s %s SIP/2.0" % (self.method, self.request_uri) if self.is_request
                 else "SIP/2.0 %d %s" % (self.status, self.reason))
        lines = [start] + ["%s: %s" % (k, v) for k, v in self.headers if _canonical(k) != "content-length"]
        lines.append("Content-Length: %d" % len(self.body))
        return (CRLF.join(lines) + CRLF + CRLF).encode("utf-8") + self.body


def find_message_end(data):
    """Length of the first complete message in a stream buffer, None when more bytes are needed."""
    start = len(data) - len(data.lstrip(b"\r\n"))
    head_end = data.find(b"\r\n\r\n", start)
    if head_end < 0:
        if len(data) - start > MAX_HEAD:
            raise SipParseError("header section longer than %d bytes" % MAX_HEAD)
        return None
    length = 0
    for raw in data[start:head_end].split(b"\r\n")[1:]:
        name, sep, value = raw.partition(b":")
        if sep and _canonical(name.decode("latin-1")) == "content-length":
            if not value.strip().isdigit():
                raise SipParseError("malformed Content-Length")
            length = int(value.strip())
    end = head_end + 4 + length
    return end if len(data) >= end else None


def parse_message(data):
    data = bytes(data).lstrip(b"\r\n")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    try:
        lines = [line.rstrip("\r") for line in head.decode("utf-8").split("\n")]
    except UnicodeDecodeError:
        raise SipParseError("headers are not UTF-8")
    start = lines[0].strip() if lines else ""
    parts = start.split(" ", 2)
    if len(parts) == 3 and parts[0].startswith("SIP/") and parts[1].isdigit():
        message = SipMessage(status=int(parts[1]), reason=parts[2])
    elif len(parts) == 3 and parts[2].startswith("SIP/") and parts[0].isalpha():
        message = SipMessage(method=parts[0].upper(), request_uri=parts[1])
    else:
        raise SipParseError("malformed start line %r" % start)
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t" and message.headers:  # folded continuation
            name, value = message.headers[-1]
            message.headers[-1] = (name, value + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or " " in name.strip():
            raise SipParseError("malformed header line %r" % line)
        message.headers.append((name.strip(), value.strip()))
    declared = message.header("Content-Length")
    if declared is not None:
        if not declared.isdigit() or int(declared) > len(body):
            raise SipParseError("bad Content-Length %r" % declared)
        body = body[:int(declared)]
    message.body = body
    return message


def _stamp_received(via, received):
    host, port = received
    parts = via.split(";")
    kept = [parts[0]]
    for item in parts[1:]:
        name = item.partition("=")[0].strip().lower()
        if name == "rport":
            item = "rport=%d" % port
        if name != "received":
            kept.append(item)
    kept.insert(1, "received=%s" % host)
    return ";".join(kept)


def stable_tag(*parts):
    """A To tag derived from the request, so a retransmitted request gets the same tag back."""
    return hashlib.sha1("\0".join(part or "" for part in parts).encode("utf-8")).hexdigest()[:16]


def build_response(request, status, reason, extra_headers=(), body=b"", received=None):
    """Bytes of a response to ``request`` (RFC 3261 section 8.2.6).

    Via (every value, in order), From, To, Call-ID and CSeq are copied; a To tag is added when the
    request has none (``stable_tag`` of Call-ID, From tag and branch). ``extra_headers`` is a
    sequence of ``(name, value)``. ``received`` is the ``(host, port)`` the request came from: the
    top Via then gets ``received`` and a filled-in ``rport`` (RFC 3581).
    """
    if not getattr(request, "is_request", False):
        raise ValueError("build_response needs a parsed request, got %r" % (request,))
    if not 100 <= int(status) <= 699:
        raise ValueError("status %r is not a SIP status code: allowed 100-699" % (status,))
    vias = request.header_values("Via")
    if received is not None and vias:
        vias = [_stamp_received(vias[0], received)] + vias[1:]
    headers = [("Via", via) for via in vias]
    headers.append(("From", request.header("From") or ""))
    to_value = request.header("To") or ""
    if "tag" not in _params(to_value) and int(status) != 100:
        to_value += ";tag=" + stable_tag(request.header("Call-ID"), _params(request.header("From") or "").get("tag"),
                                         request.top_via_params().get("branch"))
    headers += [("To", to_value), ("Call-ID", request.header("Call-ID") or ""), ("CSeq", request.header("CSeq") or "")]
    headers.extend(extra_headers)
    return SipMessage(status=int(status), reason=reason, headers=headers, body=body).to_bytes()


def check_sync_notify(host, port, user, transport, local, cseq=1):
    """The NOTIFY ``Event: check-sync`` a provisioning system sends (what the harness uses to poke)."""
    local_host, local_port = local
    uri = "sip:%s@%s:%d%s" % (user, host, port, "" if transport == "udp" else ";transport=%s" % transport)
    branch = "z9hG4bK" + os.urandom(5).hex()
    headers = [
        ("Via", "SIP/2.0/%s %s:%d;rport;branch=%s" % (transport.upper(), local_host, local_port, branch)),
        ("Max-Forwards", "70"),
        ("From", "<sip:provisioning@%s>;tag=%s" % (local_host, os.urandom(4).hex())),
        ("To", "<%s>" % uri),
        ("Call-ID", os.urandom(16).hex()),
        ("CSeq", "%d NOTIFY" % cseq),
        ("Contact", "<sip:provisioning@%s:%d>" % (local_host, local_port)),
        ("Event", "check-sync"),
        ("Subscription-State", "terminated"),
    ]
    return SipMessage(method="NOTIFY", request_uri=uri, headers=headers)

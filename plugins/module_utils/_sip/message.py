# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIP messages (RFC 3261 section 7): parse, frame on a stream, serialise.

Standard library only: it runs wherever the ``check_sync`` module runs.
"""

from __future__ import annotations

SIP_VERSION = "SIP/2.0"
CRLF = "\r\n"

# RFC 3261 section 7.3.3 and RFC 6665 section 8.2.1: compact header forms.
_COMPACT_FORMS = {
    "i": "call-id",
    "m": "contact",
    "e": "content-encoding",
    "l": "content-length",
    "c": "content-type",
    "f": "from",
    "s": "subject",
    "k": "supported",
    "t": "to",
    "v": "via",
    "o": "event",
    "u": "allow-events",
}


class SipError(Exception):
    """Base class of the errors this module raises."""


class SipParseError(SipError, ValueError):
    """Bytes that are not a SIP message; the message says what is wrong."""


def _canonical_header_name(name):
    lowered = name.strip().lower()
    return _COMPACT_FORMS.get(lowered, lowered)


class SipMessage(object):
    """A parsed SIP request or response.

    ``method`` and ``request_uri`` are set for requests, ``status`` and ``reason`` for
    responses. ``headers`` keeps every header line as ``(name, value)`` in wire order;
    ``header(name)`` looks one up case-insensitively, compact forms included.
    """

    def __init__(self, method=None, request_uri=None, status=None, reason=None, headers=None, body=b"",
                 version=SIP_VERSION):
        self.method = method
        self.request_uri = request_uri
        self.status = status
        self.reason = reason
        self.headers = list(headers or [])
        self.body = body
        self.version = version

    @property
    def is_request(self):
        return self.method is not None

    def header(self, name):
        """The first value of header ``name`` or None."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name):
        """Every value of header ``name`` in wire order (each header line is one value)."""
        wanted = _canonical_header_name(name)
        return [value for key, value in self.headers if _canonical_header_name(key) == wanted]

    def cseq(self):
        """``(number, method)`` of the CSeq header, or ``(None, None)`` when it is missing or malformed."""
        parts = (self.header("CSeq") or "").split()
        if len(parts) != 2 or not parts[0].isdigit():
            return None, None
        return int(parts[0]), parts[1].upper()

    def top_via_params(self):
        """Parameters of the topmost Via as a dict with lowercase keys (``branch``, ``rport``, ...)."""
        via = self.header("Via")
        if via is None:
            return {}
        first = split_header_list(via)[0]
        return header_params(first)

    def start_line(self):
        if self.is_request:
            return "%s %s %s" % (self.method, self.request_uri, self.version)
        return "%s %d %s" % (self.version, self.status, self.reason)

    def to_bytes(self):
        """Serialise with a Content-Length that matches the body."""
        lines = [self.start_line()]
        lines.extend("%s: %s" % (name, value) for name, value in self.headers
                     if _canonical_header_name(name) != "content-length")
        lines.append("Content-Length: %d" % len(self.body))
        return (CRLF.join(lines) + CRLF + CRLF).encode("utf-8") + self.body

    def __repr__(self):
        return "SipMessage(%r)" % self.start_line()


def split_header_list(value):
    """Split a comma-separated header value (Via, Contact, ...) at commas outside quotes and <>."""
    parts, current, quoted, angle = [], [], False, 0
    for char in value:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            angle += 1
        elif not quoted and char == ">":
            angle = max(angle - 1, 0)
        if char == "," and not quoted and not angle:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def header_params(value):
    """``;name=value`` parameters after the first ``;`` of a header value, lowercase keys, quotes removed.

    A flag parameter without a value (``;rport``, ``;lr``) maps to the empty string.
    """
    params = {}
    for item in _split_outside_quotes(value, ";")[1:]:
        name, _sep, param_value = item.partition("=")
        params[name.strip().lower()] = _unquote(param_value.strip())
    return params


def _split_outside_quotes(value, separator):
    parts, current, quoted = [], [], False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _unfold_header_lines(lines):
    """Join continuation lines (leading space or tab) onto the header line they continue."""
    unfolded = []
    for line in lines:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] = unfolded[-1] + " " + line.strip()
        else:
            unfolded.append(line)
    return unfolded


def _parse_start_line(line):
    """Return ``(method, request_uri, status, reason, version)`` of a request or status line."""
    if line.startswith("SIP/"):
        parts = line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) != 3:
            raise SipParseError("malformed status line %r: expected 'SIP/2.0 <3-digit code> <reason>'" % line)
        reason = parts[2].strip() if len(parts) == 3 else ""
        return None, None, int(parts[1]), reason, parts[0]
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("SIP/") or not parts[0].isalpha():
        raise SipParseError("malformed request line %r: expected '<METHOD> <Request-URI> SIP/2.0'" % line)
    return parts[0].upper(), parts[1], None, None, parts[2]


def find_message_end(data):
    """Length of the first complete message in a stream buffer, or None when more bytes are needed.

    Stream transports (TCP, TLS) frame messages by Content-Length (RFC 3261 section 18.3);
    CRLF keep-alives before a message (RFC 5626) are counted as part of it and skipped by
    ``parse_message``.
    """
    start = len(data) - len(data.lstrip(b"\r\n"))
    head_end = data.find(b"\r\n\r\n", start)
    if head_end < 0:
        return None
    body_start = head_end + 4
    length = 0
    for raw in data[start:head_end].split(b"\r\n")[1:]:
        name, sep, value = raw.partition(b":")
        if sep and _canonical_header_name(name.decode("latin-1")) == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise SipParseError("malformed Content-Length %r" % value.strip().decode("latin-1"))
    if len(data) < body_start + length:
        return None
    return body_start + length


def parse_message(data):
    """Parse one SIP message from ``data`` (bytes) into a SipMessage.

    The body is cut to Content-Length when the header is present (a datagram may carry
    padding). Raises SipParseError when the bytes are not a SIP message.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise SipParseError("expected bytes, got %s" % type(data).__name__)
    data = bytes(data).lstrip(b"\r\n")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        # Tolerate bare LF line ends and a datagram without the blank line (no body).
        head, sep, body = data.partition(b"\n\n")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("the start line and headers are not UTF-8")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if not lines or not lines[0].strip():
        raise SipParseError("empty message")
    method, request_uri, status, reason, version = _parse_start_line(lines[0].strip())
    headers = []
    for line in _unfold_header_lines(lines[1:]):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or " " in name.strip():
            raise SipParseError("malformed header line %r: expected 'Name: value'" % line)
        headers.append((name.strip(), value.strip()))
    message = SipMessage(method, request_uri, status, reason, headers, body, version)
    declared = message.header("Content-Length")
    if declared is not None:
        if not declared.isdigit():
            raise SipParseError("malformed Content-Length %r" % declared)
        if int(declared) > len(body):
            raise SipParseError("truncated body: Content-Length %s but %d bytes follow the headers"
                                % (declared, len(body)))
        message.body = body[:int(declared)]
    return message

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIP as much as check-sync needs: messages, digest authentication, client transactions, fan-out.

A DECT server re-reads its provisioning files when it receives an out-of-dialog
``NOTIFY`` with ``Event: check-sync`` (RFC 3261, RFC 6665). This module builds and
parses those messages, answers digest challenges, runs the RFC 3261 non-INVITE client
transaction (timers E and F) over UDP, TCP and TLS, and drives many such transactions
concurrently from one thread with ``selectors``.

Standard library only: it runs wherever the ``check_sync`` module runs.
"""

from __future__ import annotations

import binascii
import errno
import hashlib
import os
import re
import selectors
import socket
import ssl
import time
from collections import deque

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


def _stable_tag(*parts):
    """A tag derived from the request, so a retransmitted request gets the same To tag back."""
    digest = hashlib.sha1("\x00".join(part or "" for part in parts).encode("utf-8")).hexdigest()
    return digest[:16]


def build_response(request, status, reason, extra_headers=(), body=b"", received=None):
    """Build the bytes of a response to ``request`` (RFC 3261 section 8.2.6).

    Via (every value, in order), From, To, Call-ID and CSeq are copied; a To tag is added
    when the request has none (derived from Call-ID, From tag and branch, so the response
    to a retransmission carries the same tag). ``extra_headers`` is a sequence of
    ``(name, value)``. ``received`` is the ``(host, port)`` the request came from: when
    given, the top Via gets ``received`` and a filled-in ``rport`` (RFC 3581).
    """
    if not isinstance(request, SipMessage) or not request.is_request:
        raise SipError("build_response needs a parsed request, got %r" % (request,))
    if not 100 <= int(status) <= 699:
        raise SipError("status %r is not a SIP status code: allowed 100-699" % (status,))
    vias = request.header_values("Via")
    if received is not None and vias:
        vias = [_stamp_received(vias[0], received)] + vias[1:]
    headers = [("Via", via) for via in vias]
    headers.append(("From", request.header("From") or ""))
    to_value = request.header("To") or ""
    if "tag" not in header_params(to_value) and int(status) != 100:
        tag = _stable_tag(request.header("Call-ID"), header_params(request.header("From") or "").get("tag"),
                          request.top_via_params().get("branch"))
        to_value = "%s;tag=%s" % (to_value, tag)
    headers.append(("To", to_value))
    headers.append(("Call-ID", request.header("Call-ID") or ""))
    headers.append(("CSeq", request.header("CSeq") or ""))
    headers.extend((name, value) for name, value in extra_headers)
    response = SipMessage(status=int(status), reason=reason, headers=headers, body=body)
    return response.to_bytes()


def _stamp_received(via, received):
    """Add ``received`` and a valued ``rport`` to one Via value (RFC 3261 18.2.1, RFC 3581)."""
    host, port = received
    parts = _split_outside_quotes(via, ";")
    kept = [parts[0]]
    for item in parts[1:]:
        name = item.partition("=")[0].strip().lower()
        if name == "rport":
            item = "rport=%d" % port
        if name != "received":
            kept.append(item)
    kept.insert(1, "received=%s" % host)
    return ";".join(kept)


# --- digest authentication (RFC 2617, RFC 7616, RFC 8760) -----------------------------------

_DIGEST_HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}
_AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_.\-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')


def _new_hash(name):
    try:
        # MD5 is what SIP digest uses: allowed on FIPS systems when not used for security.
        return hashlib.new(name, usedforsecurity=False)
    except TypeError:  # Python < 3.9 has no usedforsecurity
        return hashlib.new(name)


def _hash_available(name):
    try:
        _new_hash(name)
    except ValueError:
        return False
    return True


def _hex_digest(algorithm, data):
    digest = _new_hash(_DIGEST_HASHES[algorithm])
    digest.update(data if isinstance(data, bytes) else data.encode("utf-8"))
    return digest.hexdigest()


def parse_auth_params(text):
    """``realm="x", nonce="y", qop="auth,auth-int"`` as a dict with lowercase keys, quotes removed."""
    params, position = {}, 0
    while position < len(text.rstrip()):
        match = _AUTH_PARAM.match(text, position)
        if not match or match.end() == position:
            raise SipParseError("malformed authentication parameters near %r" % text[position:position + 40])
        params[match.group(1).lower()] = _unquote(match.group(2))
        position = match.end()
    return params


class DigestChallenge(object):
    """One ``Digest`` challenge of a WWW-Authenticate (401) or Proxy-Authenticate (407) header."""

    def __init__(self, params, proxy=False):
        self.params = params
        self.proxy = proxy
        self.realm = params.get("realm")
        self.nonce = params.get("nonce")
        self.opaque = params.get("opaque")
        self.algorithm = params.get("algorithm") or "MD5"
        self.qop_options = [item.strip().lower() for item in params.get("qop", "").split(",") if item.strip()]
        self.stale = params.get("stale", "").lower() == "true"

    @classmethod
    def parse(cls, value, proxy=False):
        """Parse a challenge header value; None when its scheme is not Digest."""
        scheme, _sep, rest = value.strip().partition(" ")
        if scheme.lower() != "digest":
            return None
        return cls(parse_auth_params(rest), proxy)

    @property
    def authorization_header(self):
        """The header that answers this challenge (RFC 3261 section 22.2 and 22.3)."""
        return "Proxy-Authorization" if self.proxy else "Authorization"

    def _hash_and_session(self):
        name = self.algorithm.upper()
        session = name.endswith("-SESS")
        return (name[:-5] if session else name), session

    def qop(self):
        """The qop this client answers with: ``auth`` when offered, else ``auth-int``, else None."""
        for choice in ("auth", "auth-int"):
            if choice in self.qop_options:
                return choice
        return None

    def unsupported_reason(self):
        """Why this challenge cannot be answered, or None when it can."""
        hash_name, session = self._hash_and_session()
        if self.realm is None or self.nonce is None:
            return "Digest challenge without realm or nonce"
        if hash_name not in _DIGEST_HASHES or not _hash_available(_DIGEST_HASHES[hash_name]):
            return "Digest algorithm %s is not supported (MD5, SHA-256, SHA-512-256 and their -sess forms are)" \
                % self.algorithm
        if self.qop_options and self.qop() is None:
            return "Digest qop %s is not supported (auth and auth-int are)" % ",".join(self.qop_options)
        if session and self.qop() is None:
            return "Digest algorithm %s needs a qop" % self.algorithm
        return None


def select_challenge(response):
    """The first Digest challenge of a 401/407 response this client can answer (RFC 7616 section 3.7).

    Returns ``(challenge, None)`` or ``(None, why)``.
    """
    proxy = response.status == 407
    header = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
    reasons = []
    for value in response.header_values(header):
        try:
            challenge = DigestChallenge.parse(value, proxy)
        except SipParseError as exc:
            reasons.append(str(exc))
            continue
        if challenge is None:
            reasons.append("scheme %s is not Digest" % value.split(" ", 1)[0])
            continue
        why = challenge.unsupported_reason()
        if why is None:
            return challenge, None
        reasons.append(why)
    if not reasons:
        return None, "the %d response has no %s header" % (response.status, header)
    return None, "; ".join(reasons)


def _quote(value):
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def digest_response(challenge, method, uri, username, password, body=b"", nonce_count=1, cnonce=None):
    """The ``response`` value of RFC 2617/7616: hex of H(HA1:nonce[:nc:cnonce:qop]:HA2)."""
    hash_name, session = challenge._hash_and_session()
    qop = challenge.qop()
    ha1 = _hex_digest(hash_name, "%s:%s:%s" % (username, challenge.realm, password))
    if session:
        ha1 = _hex_digest(hash_name, "%s:%s:%s" % (ha1, challenge.nonce, cnonce))
    if qop == "auth-int":
        ha2 = _hex_digest(hash_name, "%s:%s:%s" % (method, uri, _hex_digest(hash_name, body)))
    else:
        ha2 = _hex_digest(hash_name, "%s:%s" % (method, uri))
    if qop is None:
        return _hex_digest(hash_name, "%s:%s:%s" % (ha1, challenge.nonce, ha2))
    return _hex_digest(hash_name, "%s:%s:%08x:%s:%s:%s" % (ha1, challenge.nonce, nonce_count, cnonce, qop, ha2))


def digest_authorization(challenge, method, uri, username, password, body=b"", nonce_count=1, cnonce=None):
    """The value of the Authorization / Proxy-Authorization header answering ``challenge``."""
    qop = challenge.qop()
    if cnonce is None and (qop or challenge._hash_and_session()[1]):
        cnonce = binascii.hexlify(os.urandom(8)).decode("ascii")
    response = digest_response(challenge, method, uri, username, password, body, nonce_count, cnonce)
    # nonce is written before cnonce on purpose: some parsers (sipp 3.6) find "nonce=" inside "cnonce=".
    fields = [
        "username=%s" % _quote(username),
        "realm=%s" % _quote(challenge.realm),
        "nonce=%s" % _quote(challenge.nonce),
        "uri=%s" % _quote(uri),
        "response=%s" % _quote(response),
        "algorithm=%s" % challenge.algorithm,
    ]
    if challenge.opaque is not None:
        fields.append("opaque=%s" % _quote(challenge.opaque))
    if qop:
        fields.extend(["qop=%s" % qop, "nc=%08x" % nonce_count, "cnonce=%s" % _quote(cnonce)])
    return "Digest " + ", ".join(fields)


# --- check-sync targets and the NOTIFY ------------------------------------------------------

TRANSPORTS = ("udp", "tcp", "tls")
DEFAULT_PORTS = {"udp": 5060, "tcp": 5060, "tls": 5061}
T1 = 0.5  # RFC 3261 round-trip estimate
T2 = 4.0  # RFC 3261 maximum retransmit interval of non-INVITE requests
DEFAULT_TIMEOUT = 64 * T1  # Timer F
DEFAULT_FROM_USER = "provisioning"
DEFAULT_MAX_CONCURRENT = 256
EVENT = "check-sync"
USER_AGENT = "dect.provisioning check_sync"
MAX_FORWARDS = 70

TARGET_OPTIONS = ("host", "port", "transport", "user", "domain", "from_user", "from_domain", "auth_username",
                  "auth_password", "timeout", "validate_certs", "ca_path", "local_address", "use_sips_uri")
_TARGET_DEFAULTS = {"transport": "udp", "from_user": DEFAULT_FROM_USER, "timeout": DEFAULT_TIMEOUT,
                    "validate_certs": True, "use_sips_uri": True}

# RFC 3261 section 25.1: user = 1*( unreserved / escaped / user-unreserved )
_SIP_USER = re.compile(r"^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$")
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*|[A-Za-z0-9_.\-]+)$")


class SipConfigError(SipError, ValueError):
    """A check-sync option that cannot be used; the message names the option path and what is allowed."""


class Target(object):
    """One server to notify, with every option filled in (see ``normalize_target``)."""

    __slots__ = TARGET_OPTIONS + ("path",)

    def __init__(self, path="", **values):
        self.path = path
        for name in TARGET_OPTIONS:
            setattr(self, name, values.get(name, _TARGET_DEFAULTS.get(name)))

    @property
    def label(self):
        return "%s@%s:%d/%s" % (self.user, _uri_host(self.host), self.port, self.transport)

    @property
    def scheme(self):
        return "sips" if self.transport == "tls" and self.use_sips_uri else "sip"

    def request_uri(self):
        """``sip:<user>@<domain or host[:port]>`` with ``;transport=`` for stream transports (RFC 3263)."""
        hostport = self.domain
        if not hostport:
            hostport = _uri_host(self.host)
            if self.port != DEFAULT_PORTS[self.transport]:
                hostport += ":%d" % self.port
        uri = "%s:%s@%s" % (self.scheme, self.user, hostport)
        if self.transport == "tcp" or (self.transport == "tls" and self.scheme == "sip"):
            uri += ";transport=%s" % self.transport
        return uri

    def credentials(self):
        """``(username, password)`` for digest challenges, or None. The username defaults to ``user``:
        the server can only check a password it knows, the one of its own extension."""
        if self.auth_password is None:
            return None
        return (self.auth_username or self.user), self.auth_password


def _uri_host(host):
    return "[%s]" % host if ":" in host and not host.startswith("[") else host


def _describe(value):
    return "%r" % (value,) if not isinstance(value, str) else "'%s'" % value


def _option_path(path, name):
    return "%s.%s" % (path, name) if path else name


_USER_PART_RULE = "allowed letters, digits, -_.!~*'()&=+$,;?/ and %XX escapes"


def _host(value):
    host = str(value).strip()
    if not _HOST.match(host):
        raise ValueError("%s is not a host name or IP address" % _describe(value))
    return host.strip("[]")


def _user_part(value):
    user = str(value)
    if not _SIP_USER.match(user):
        raise ValueError("%s is not a SIP user part: %s" % (_describe(user), _USER_PART_RULE))
    return user


def _transport(value):
    transport = str(value).lower()
    if transport not in TRANSPORTS:
        raise ValueError("%s is not supported: allowed %s" % (_describe(value), ", ".join(TRANSPORTS)))
    return transport


def _port(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError("%s is not a port: allowed 1-65535" % _describe(value))
    return value


def _timeout(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
        raise ValueError("%s is not a timeout: allowed more than 0 and at most 3600 seconds" % _describe(value))
    return float(value)


def _hostport(value):
    if not re.match(r"^[^\s<>\"@;]+$", str(value)):
        raise ValueError("%s is not a SIP host[:port]" % _describe(value))
    return str(value)


def _existing_path(value):
    if not os.path.exists(value):
        raise ValueError("'%s' does not exist: give a PEM CA bundle file or a hashed CA directory" % value)
    return value


# Checked in this order; each returns the normalised value or raises ValueError saying what is allowed.
_OPTION_CHECKS = (
    ("host", _host),
    ("user", _user_part),
    ("from_user", _user_part),
    ("transport", _transport),
    ("port", _port),
    ("timeout", _timeout),
    ("domain", _hostport),
    ("from_domain", _hostport),
    ("ca_path", _existing_path),
)


def normalize_target(values, path=""):
    """Check one target's options (a dict, None meaning "not set") and return a Target.

    ``path`` prefixes option names in errors (``targets[3]``). Raises SipConfigError.
    """
    merged = dict(_TARGET_DEFAULTS)
    merged.update((name, value) for name, value in values.items() if value is not None and name in TARGET_OPTIONS)

    def fail(name, message):
        raise SipConfigError("%s: %s" % (_option_path(path, name), message))

    for name in ("host", "user"):
        if merged.get(name) in (None, ""):
            fail(name, "is required (set it in the target or at the top level)")
    for name, check in _OPTION_CHECKS:
        if merged.get(name) is not None:
            try:
                merged[name] = check(merged[name])
            except ValueError as exc:
                fail(name, str(exc))
    if merged.get("port") is None:
        merged["port"] = DEFAULT_PORTS[merged["transport"]]
    if merged.get("auth_username") is not None and merged.get("auth_password") is None:
        fail("auth_password", "is required when auth_username is set")
    return Target(path=path, **merged)


def targets_from_params(params):
    """The Targets of a check_sync call: each of ``params['targets']`` over the top-level defaults,
    or the top level alone when ``targets`` is not given. An empty ``targets`` list is no target."""
    top = dict((name, params.get(name)) for name in TARGET_OPTIONS)
    entries = params.get("targets")
    if entries is None:
        return [normalize_target(top)]
    targets = []
    for index, entry in enumerate(entries):
        path = "targets[%d]" % index
        if not isinstance(entry, dict):
            raise SipConfigError("%s: %s is not a dict of target options" % (path, _describe(entry)))
        unknown = sorted(set(entry) - set(TARGET_OPTIONS))
        if unknown:
            raise SipConfigError("%s: unknown option %s: allowed %s" % (path, ", ".join(unknown),
                                                                        ", ".join(TARGET_OPTIONS)))
        merged = dict(top)
        merged.update((name, value) for name, value in entry.items() if value is not None)
        targets.append(normalize_target(merged, path))
    return targets


def _random_hex(nbytes):
    return binascii.hexlify(os.urandom(nbytes)).decode("ascii")


def new_branch():
    """A Via branch with the RFC 3261 magic cookie, unique per transaction."""
    return "z9hG4bK" + _random_hex(10)


def build_notify(target, local, call_id, from_tag, branch, cseq, authorization=None):
    """The out-of-dialog ``NOTIFY`` with ``Event: check-sync`` (RFC 3261 section 8.1.1, RFC 6665).

    ``local`` is the ``(host, port)`` this side sends from (Via sent-by and Contact);
    ``authorization`` an optional ``(header name, value)`` answering a challenge.
    """
    local_host, local_port = _uri_host(local[0]), local[1]
    request_uri = target.request_uri()
    from_domain = target.from_domain or local_host
    contact = "<%s:%s@%s:%d%s>" % (target.scheme, target.from_user, local_host, local_port,
                                   "" if target.transport == "udp" else ";transport=%s" % target.transport)
    headers = [
        ("Via", "SIP/2.0/%s %s:%d;rport;branch=%s" % (target.transport.upper(), local_host, local_port, branch)),
        ("Max-Forwards", str(MAX_FORWARDS)),
        ("From", "<%s:%s@%s>;tag=%s" % (target.scheme, target.from_user, from_domain, from_tag)),
        ("To", "<%s>" % request_uri),
        ("Call-ID", call_id),
        ("CSeq", "%d NOTIFY" % cseq),
        ("Contact", contact),
    ]
    if authorization is not None:
        headers.append(authorization)
    headers.extend([
        ("Event", EVENT),
        ("Subscription-State", "terminated"),
        ("User-Agent", USER_AGENT),
    ])
    return SipMessage(method="NOTIFY", request_uri=request_uri, headers=headers)


# --- the non-INVITE client transaction (RFC 3261 section 17.1.2) ----------------------------

class NonInviteClientTransaction(object):
    """Timers E and F of one request.

    Over UDP the request is retransmitted when timer E fires: after T1, then doubling up to T2;
    once a provisional response arrived, every T2. Timer F (64*T1, or the caller's deadline
    when earlier) ends the transaction without a final response. Reliable transports never
    retransmit. ``poll(now)`` says what is due; the caller owns the clock.
    """

    def __init__(self, now, reliable, t1=T1, t2=T2, deadline=None):
        self.reliable = reliable
        self.t2 = t2
        self.timer_f = now + 64 * t1 if deadline is None else min(now + 64 * t1, deadline)
        self.interval = t1
        self.next_retransmit = None if reliable else now + t1
        self.proceeding = False

    def next_event(self):
        if self.next_retransmit is None:
            return self.timer_f
        return min(self.next_retransmit, self.timer_f)

    def on_provisional(self):
        self.proceeding = True

    def poll(self, now):
        """``'timeout'``, ``'retransmit'`` (and the timer is re-armed) or None."""
        if now >= self.timer_f:
            return "timeout"
        if self.next_retransmit is not None and now >= self.next_retransmit:
            self.interval = self.t2 if self.proceeding else min(self.interval * 2, self.t2)
            # Re-arm from when the timer was due, not when the loop noticed: no drift.
            self.next_retransmit += self.interval
            return "retransmit"
        return None


# --- sending check-sync: one probe per target, all driven by one selector loop ---------------

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE
_MAX_STREAM_BUFFER = 256 * 1024
_DATAGRAMS_PER_WAKEUP = 64


class _TlsContexts(object):
    """One ssl.SSLContext per (validate_certs, ca_path): 500 targets share a handful."""

    def __init__(self):
        self._contexts = {}

    def get(self, validate_certs, ca_path):
        key = (bool(validate_certs), ca_path)
        if key not in self._contexts:
            self._contexts[key] = _tls_context(*key)
        return self._contexts[key]


def _tls_context(validate_certs, ca_path):
    if ca_path and os.path.isdir(ca_path):
        context = ssl.create_default_context(capath=ca_path)
    else:
        context = ssl.create_default_context(cafile=ca_path or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # Python < 3.10 would still allow TLS 1.0
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _resolve(target):
    """``(family, sockaddr)`` of the target; the first address getaddrinfo gives."""
    kind = socket.SOCK_DGRAM if target.transport == "udp" else socket.SOCK_STREAM
    infos = socket.getaddrinfo(target.host, target.port, 0, kind)
    family, _kind, _proto, _name, sockaddr = infos[0]
    return family, sockaddr


def _result(target, **fields):
    result = {
        "target": target.label,
        "host": target.host,
        "port": target.port,
        "transport": target.transport,
        "user": target.user,
        "request_uri": target.request_uri(),
        "status": None,
        "reason": None,
        "ok": False,
        "elapsed": 0.0,
        "attempts": 0,
        "responses": [],
        "authenticated": False,
        "error": None,
    }
    result.update(fields)
    return result


class _Probe(object):
    """One target's check-sync: connect, send the NOTIFY, retransmit, answer a challenge, record.

    Non-blocking throughout; the loop in ``send_check_sync`` calls ``open``, ``on_ready`` and
    ``on_timer`` and reads ``wakeup_at``/``done``/``result``.
    """

    def __init__(self, target, tls_contexts, t1, t2):
        self.target = target
        self.tls_contexts = tls_contexts
        self.t1, self.t2 = t1, t2
        self.selector = None
        self.sock = None
        self.address = None
        self.events = 0
        self.state = "new"
        self.local = None
        self.call_id = None
        self.from_tag = _random_hex(8)
        self.branch = None
        self.cseq = 0
        self.request = b""
        self.transaction = None
        self.outbox = b""
        self.inbox = b""
        self.attempts = 0
        self.responses = []
        self.auth_rounds = 0
        self.auth_problem = None
        self.started = None
        self.deadline = None
        self.result = None

    @property
    def done(self):
        return self.result is not None

    # -- life cycle --------------------------------------------------------------------------

    def open(self, selector, now):
        self.selector = selector
        self.started = now
        self.deadline = now + self.target.timeout
        target = self.target
        try:
            family, address = _resolve(target)
        except (socket.gaierror, UnicodeError) as exc:
            return self._fail(now, "unresolvable", "cannot resolve host '%s': %s" % (target.host, exc))
        self.address = address
        try:
            kind = socket.SOCK_DGRAM if target.transport == "udp" else socket.SOCK_STREAM
            self.sock = socket.socket(family, kind)
            self.sock.setblocking(False)
            if target.local_address:
                self.sock.bind((target.local_address, 0))
            if target.transport == "udp":
                # connect() sends nothing; it fixes the peer so the kernel drops stray datagrams
                # and reports ICMP port-unreachable as ECONNREFUSED.
                self.sock.connect(address)
                self._opened(now)
                return None
            code = self.sock.connect_ex(address)
        except OSError as exc:
            return self._fail(now, "transport error", "cannot open a %s socket to %s: %s"
                              % (target.transport.upper(), self._where(), _os_error_text(exc)))
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            return self._fail(now, "connection failed", "TCP connection to %s failed: %s"
                              % (self._where(), os.strerror(code)))
        self.state = "connecting"
        self._want(_WRITE)
        return None

    def close(self):
        if self.sock is None:
            return
        if self.events:
            try:
                self.selector.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.events = 0
        try:
            self.sock.close()
        except OSError:
            pass
        self.sock = None

    def wakeup_at(self):
        if self.transaction is not None and self.state == "open":
            return min(self.deadline, self.transaction.next_event())
        return self.deadline

    def _where(self):
        return "%s:%d" % (_uri_host(self.target.host), self.target.port)

    def _want(self, events):
        """Keep the selector registration in step with what this probe waits for."""
        if events == self.events:
            return
        if not self.events:
            self.selector.register(self.sock, events, self)
        elif not events:
            self.selector.unregister(self.sock)
        else:
            self.selector.modify(self.sock, events, self)
        self.events = events

    # -- events ------------------------------------------------------------------------------

    def on_ready(self, mask, now):
        if self.done:
            return
        if self.state == "connecting":
            self._on_connected(now)
        elif self.state == "handshaking":
            self._handshake(now)
        else:
            if mask & _WRITE:
                self._flush(now)
            if mask & _READ and not self.done:
                self._receive(now)

    def on_timer(self, now):
        if self.done:
            return
        if now >= self.deadline:
            self._timeout(now)
            return
        if self.transaction is None or self.state != "open":
            return
        action = self.transaction.poll(now)
        if action == "retransmit":
            self._transmit(now)
        elif action == "timeout":
            self._timeout(now)

    def _on_connected(self, now):
        code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            self._fail(now, "connection failed", "TCP connection to %s failed: %s" % (self._where(), os.strerror(code)))
            return
        if self.target.transport != "tls":
            self._opened(now)
            return
        # Wrapping detaches the plain socket object: register the wrapped one instead.
        self._want(0)
        try:
            context = self.tls_contexts.get(self.target.validate_certs, self.target.ca_path)
        except (ssl.SSLError, OSError) as exc:
            self._fail(now, "TLS error", "cannot load the CA certificates of ca_path '%s': %s"
                       % (self.target.ca_path, _os_error_text(exc)))
            return
        try:
            self.sock = context.wrap_socket(self.sock, server_hostname=self.target.host,
                                            do_handshake_on_connect=False)
        except (ssl.SSLError, OSError, ValueError) as exc:
            self._fail(now, "TLS error", "TLS setup for %s failed: %s" % (self._where(), exc))
            return
        self.state = "handshaking"
        self._handshake(now)

    def _handshake(self, now):
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._want(_READ)
            return
        except ssl.SSLWantWriteError:
            self._want(_WRITE)
            return
        except ssl.SSLCertVerificationError as exc:
            self._fail(now, "TLS error", "TLS certificate of %s not accepted: %s (set ca_path to the CA that"
                       " signed it, or validate_certs=false)" % (self._where(), exc.verify_message or exc))
            return
        except (ssl.SSLError, OSError) as exc:
            self._fail(now, "TLS error", "TLS handshake with %s failed: %s" % (self._where(), _os_error_text(exc)))
            return
        self._opened(now)

    def _opened(self, now):
        self.state = "open"
        self.local = self.sock.getsockname()[:2]
        self.call_id = "%s@%s" % (_random_hex(12), _uri_host(self.local[0]))
        self._want(_READ)
        self._send_request(now)

    # -- requests ----------------------------------------------------------------------------

    def _send_request(self, now, authorization=None):
        """Start a new transaction: next CSeq, new branch, same Call-ID and From tag."""
        self.cseq += 1
        self.branch = new_branch()
        message = build_notify(self.target, self.local, self.call_id, self.from_tag, self.branch, self.cseq,
                               authorization)
        self.request = message.to_bytes()
        self.transaction = NonInviteClientTransaction(now, self.target.transport != "udp", self.t1, self.t2,
                                                      self.deadline)
        self._transmit(now)

    def _transmit(self, now):
        self.attempts += 1
        if self.target.transport != "udp":
            self.outbox += self.request
            self._flush(now)
            return
        try:
            self.sock.send(self.request)
        except (BlockingIOError, InterruptedError):
            pass  # a datagram lost before the wire; timer E sends it again
        except ConnectionRefusedError:
            self._port_unreachable(now)
        except OSError as exc:
            self._fail(now, "transport error", "sending to %s failed: %s" % (self._where(), _os_error_text(exc)))

    def _flush(self, now):
        while self.outbox:
            try:
                sent = self.sock.send(self.outbox)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except OSError as exc:
                self._fail(now, "transport error", "sending to %s failed: %s" % (self._where(), _os_error_text(exc)))
                return
            self.outbox = self.outbox[sent:]
        self._want(_READ | (_WRITE if self.outbox else 0))

    # -- responses ---------------------------------------------------------------------------

    def _receive(self, now):
        if self.target.transport == "udp":
            self._receive_datagrams(now)
        else:
            self._receive_stream(now)

    def _receive_datagrams(self, now):
        for _count in range(_DATAGRAMS_PER_WAKEUP):
            try:
                data = self.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                self._port_unreachable(now)
                return
            except OSError as exc:
                self._fail(now, "transport error", "receiving from %s failed: %s" % (self._where(), _os_error_text(exc)))
                return
            try:
                message = parse_message(data)
            except SipParseError:
                continue  # not SIP (or garbled): keep waiting for the real answer
            self._on_message(message, now)
            if self.done:
                return

    def _receive_stream(self, now):
        closed = False
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except OSError as exc:
                self._fail(now, "transport error", "connection to %s broke: %s" % (self._where(), _os_error_text(exc)))
                return
            if not chunk:
                closed = True
                break
            self.inbox += chunk
            if len(self.inbox) > _MAX_STREAM_BUFFER:
                self._fail(now, "transport error", "%s sent more than %d bytes without a complete SIP message"
                           % (self._where(), _MAX_STREAM_BUFFER))
                return
        while not self.done:
            try:
                end = find_message_end(self.inbox)
                if end is None:
                    break
                message = parse_message(self.inbox[:end])
            except SipParseError as exc:
                self._fail(now, "protocol error", "%s sent a malformed SIP message: %s" % (self._where(), exc))
                return
            self.inbox = self.inbox[end:]
            self._on_message(message, now)
        if closed and not self.done:
            self._fail(now, "connection closed", "%s closed the connection before a final response" % self._where())

    def _on_message(self, message, now):
        if message.is_request:
            return  # the peer's own requests (keep-alive OPTIONS, ...) are not ours to answer here
        number, method = message.cseq()
        if message.top_via_params().get("branch") != self.branch or method != "NOTIFY" or number != self.cseq:
            return  # a late answer to an earlier transaction
        if not self.responses or self.responses[-1] != message.status:
            self.responses.append(message.status)
        if message.status < 200:
            self.transaction.on_provisional()
            return
        if message.status in (401, 407) and self._answer_challenge(message, now):
            return
        self._finish(now, message.status, message.reason)

    def _answer_challenge(self, response, now):
        """Send the request again with credentials; False when that is not possible or already failed."""
        credentials = self.target.credentials()
        challenge, why = select_challenge(response)
        if credentials is None:
            realm = " (realm '%s')" % challenge.realm if challenge is not None else ""
            self.auth_problem = "%s asks for digest authentication%s and auth_password is not set" \
                % (self._where(), realm)
            return False
        if challenge is None:
            self.auth_problem = "cannot answer the challenge of %s: %s" % (self._where(), why)
            return False
        if self.auth_rounds and not (challenge.stale and self.auth_rounds < 2):
            self.auth_problem = "%s rejected the credentials of '%s' (realm '%s')" \
                % (self._where(), credentials[0], challenge.realm)
            return False
        self.auth_rounds += 1
        value = digest_authorization(challenge, "NOTIFY", self.target.request_uri(), credentials[0], credentials[1])
        self._send_request(now, (challenge.authorization_header, value))
        return True

    # -- outcomes ----------------------------------------------------------------------------

    def _port_unreachable(self, now):
        self._fail(now, "port unreachable", "%s answered with ICMP port unreachable: nothing listens for SIP/UDP there"
                   % self._where())

    def _timeout(self, now):
        seconds = "%g s" % self.target.timeout
        if self.state == "connecting":
            error = "no TCP connection to %s within %s" % (self._where(), seconds)
        elif self.state == "handshaking":
            error = "TLS handshake with %s not finished within %s" % (self._where(), seconds)
        elif self.responses:
            error = "only provisional responses (%s) from %s, no final response (%d attempts)" \
                % (", ".join(str(code) for code in self.responses), self._where(), self.attempts)
        else:
            error = "no response from %s (%d attempts)" % (self._where(), self.attempts)
        self._fail(now, "timeout", "%s; gave up after %.1f s" % (error, now - self.started))

    def _fail(self, now, reason, error):
        self._record(now, None, reason, error)

    def _finish(self, now, status, reason):
        error = None
        if not 200 <= status < 300:
            error = self.auth_problem or "%s answered %d %s" % (self._where(), status, reason)
        self._record(now, status, reason, error)

    def _record(self, now, status, reason, error):
        self.result = _result(
            self.target, status=status, reason=reason, ok=status is not None and 200 <= status < 300,
            elapsed=round(now - (self.started if self.started is not None else now), 3), attempts=self.attempts,
            responses=list(self.responses), authenticated=self.auth_rounds > 0, error=error)
        self.close()


def _os_error_text(exc):
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    return exc.strerror or str(exc)


def check_max_concurrent(value):
    """Raise SipConfigError unless ``value`` is a usable number of targets in flight."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SipConfigError("max_concurrent: %r is not allowed: at least 1" % (value,))


def send_check_sync(targets, max_concurrent=DEFAULT_MAX_CONCURRENT, t1=T1, t2=T2, clock=time.monotonic):
    """Send check-sync to every Target concurrently; return one result dict per target, in order.

    One thread, one selector: at most ``max_concurrent`` targets are in flight (each holds a
    socket), the rest queue. Every target ends by its own ``timeout`` at the latest, so the
    whole call is bounded by ``ceil(len(targets) / max_concurrent) * max(timeout)``.
    """
    check_max_concurrent(max_concurrent)
    tls_contexts = _TlsContexts()
    probes = [_Probe(target, tls_contexts, t1, t2) for target in targets]
    waiting = deque(probes)
    active = []
    selector = selectors.DefaultSelector()
    try:
        while waiting or active:
            while waiting and len(active) < max_concurrent:
                probe = waiting.popleft()
                probe.open(selector, clock())
                if not probe.done:
                    active.append(probe)
            if not active:
                continue
            wakeup = min(probe.wakeup_at() for probe in active)
            for key, mask in selector.select(max(0.0, wakeup - clock())):
                key.data.on_ready(mask, clock())
            now = clock()
            for probe in active:
                probe.on_timer(now)
            active = [probe for probe in active if not probe.done]
    finally:
        for probe in probes:
            probe.close()
        selector.close()
    return [probe.result for probe in probes]


def preview_check_sync(targets):
    """What ``send_check_sync`` would send, without sending anything (check mode).

    The local address is the one the routing table picks for each target (a UDP connect,
    which sends no packet); branch, tags, Call-ID and the local port are chosen afresh when
    the request is really sent.
    """
    results = []
    for target in targets:
        try:
            family, address = _resolve(target)
            with socket.socket(family, socket.SOCK_DGRAM) as probe_socket:
                if target.local_address:
                    probe_socket.bind((target.local_address, 0))
                probe_socket.connect(address)
                local = probe_socket.getsockname()[:2]
        except (OSError, UnicodeError) as exc:
            results.append(_result(target, reason="not sent (check mode)",
                                   error="cannot find a route to '%s': %s" % (target.host, _os_error_text(exc))))
            continue
        call_id = "%s@%s" % (_random_hex(12), _uri_host(local[0]))
        message = build_notify(target, local, call_id, _random_hex(8), new_branch(), 1)
        results.append(_result(target, reason="not sent (check mode)",
                               request=message.to_bytes().decode("utf-8")))
    return results


def describe_outcome(result):
    """One line for a result: ``1000@192.0.2.10:5060/udp: 404 Not Found`` or the error."""
    if result["ok"]:
        return "%s: %d %s" % (result["target"], result["status"], result["reason"])
    if result["status"] is not None and result["error"] and "answered %d" % result["status"] not in result["error"]:
        return "%s: %d %s (%s)" % (result["target"], result["status"], result["reason"], result["error"])
    if result["status"] is not None:
        return "%s: %d %s" % (result["target"], result["status"], result["reason"])
    return "%s: %s" % (result["target"], result["error"])


def summarize_failures(results, limit=10):
    """The failure message of a check_sync call: how many failed, then each one (up to ``limit``)."""
    failed = [result for result in results if not result["ok"]]
    lines = [describe_outcome(result) for result in failed[:limit]]
    if len(failed) > limit:
        lines.append("... and %d more (see failed_targets)" % (len(failed) - limit))
    return "check-sync not acknowledged by %d of %d target(s): %s" % (len(failed), len(results), "; ".join(lines))

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIP digest authentication (RFC 2617, RFC 7616, RFC 8760): parse a challenge, answer it."""

from __future__ import annotations

import binascii
import hashlib
import os
import re

from ansible_collections.dect.provisioning.plugins.module_utils._sip.message import SipParseError, _unquote

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

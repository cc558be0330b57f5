# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check-sync targets (the options of one server to notify, checked) and the NOTIFY sent to one."""

from __future__ import annotations

import binascii
import os
import re

from ansible_collections.dect.provisioning.plugins.module_utils._sip.message import SipError, SipMessage
from ansible_collections.dect.provisioning.plugins.module_utils._sip.transaction import T1
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import bracket_host

TRANSPORTS = ("udp", "tcp", "tls")
DEFAULT_PORTS = {"udp": 5060, "tcp": 5060, "tls": 5061}
DEFAULT_TIMEOUT = 64 * T1  # Timer F
DEFAULT_FROM_USER = "provisioning"
EVENT = "check-sync"
USER_AGENT = "dect.provisioning check_sync"
MAX_FORWARDS = 70

# name: who the target is (an inventory host name), returned and named in messages; never sent.
TARGET_OPTIONS = ("host", "port", "transport", "user", "domain", "from_user", "from_domain", "auth_username",
                  "auth_password", "timeout", "validate_certs", "ca_path", "local_address", "use_sips_uri", "name")
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
        return "%s@%s:%d/%s" % (self.user, bracket_host(self.host), self.port, self.transport)

    @property
    def scheme(self):
        return "sips" if self.transport == "tls" and self.use_sips_uri else "sip"

    def request_uri(self):
        """``sip:<user>@<domain or host[:port]>`` with ``;transport=`` for stream transports (RFC 3263)."""
        hostport = self.domain
        if not hostport:
            hostport = bracket_host(self.host)
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


def random_hex(nbytes):
    return binascii.hexlify(os.urandom(nbytes)).decode("ascii")


def new_branch():
    """A Via branch with the RFC 3261 magic cookie, unique per transaction."""
    return "z9hG4bK" + random_hex(10)


def build_notify(target, local, call_id, from_tag, branch, cseq, authorization=None):
    """The out-of-dialog ``NOTIFY`` with ``Event: check-sync`` (RFC 3261 section 8.1.1, RFC 6665).

    ``local`` is the ``(host, port)`` this side sends from (Via sent-by and Contact);
    ``authorization`` an optional ``(header name, value)`` answering a challenge.
    """
    local_host, local_port = bracket_host(local[0]), local[1]
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

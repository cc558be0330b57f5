# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checked plan every backend renders from: hosts, URL, scope, subnet; and what the backends share.

Nothing is rendered from unchecked input: a value either passes here or raises DhcpError naming the
parameter path, the value (password masked) and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.masking import MASK, masked, url_secret
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    normalize_mac,
    parse_provisioning_url,
)

MANAGED_BY = "dect.provisioning.dhcp_option66"
BACKENDS = ("isc", "kea", "dnsmasq")
SCOPES = ("host", "subnet")
OPTION_NAME = "tftp-server-name"  # DHCP option 66 in ISC and Kea spelling
OPTION_MAX_BYTES = 255  # one DHCP option carries at most 255 bytes of data (RFC 2132)

DhcpHost = namedtuple("DhcpHost", "name mac ip url")
Plan = namedtuple("Plan", "hosts url scope subnet")
Service = namedtuple("Service", "name state signal")


class DhcpError(ValueError):
    """Input or a live file the module cannot work with; the message names the parameter path.

    ``details`` are extra result fields for the failure (path, rc, validation).
    """

    def __init__(self, message, **details):
        super().__init__(message)
        self.details = details


class NotBackendFormat(DhcpError):
    """An existing file is not in the backend's format (Kea: not a Kea DHCPv4 JSON config)."""


# ISC dhcpd host names are dot-separated identifiers (quoted names are refused); dnsmasq uses the
# name inside a tag. One charset that both read literally.
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?=[A-Za-z0-9_-])){0,62}")
_SHOWN_CHARS = 60  # how much of an over-long value an error message quotes


def _quoted(value):
    """The value as an error message quotes it: password masked, escapes visible, long values cut."""
    shown = masked(value).encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= _SHOWN_CHARS else shown[:_SHOWN_CHARS] + "..."


def check_url(value, where):
    """Return ``value`` when it can be option 66 on every backend, else raise DhcpError.

    Printable ASCII only (no DEL, no 8-bit characters: the daemons and the device read bytes) and at most
    255 bytes (what one DHCP option carries). The URL ends up inside a quoted string of a daemon's
    config: parse_provisioning_url refuses quotes, backslashes and control characters (newlines), so it
    cannot break out of it.
    """
    if isinstance(value, str):
        for position, char in enumerate(value):
            if ord(char) > 126:
                raise DhcpError(
                    "%s: provisioning URL '%s' has character '%s' (U+%04X) at position %d: allowed printable ASCII"
                    " only (space to ~)" % (where, _quoted(value), _quoted(char), ord(char), position))
        if len(value) > OPTION_MAX_BYTES:
            raise DhcpError("%s: provisioning URL '%s' is %d bytes long: DHCP option 66 carries at most %d bytes"
                            % (where, _quoted(value), len(value), OPTION_MAX_BYTES))
    try:
        parse_provisioning_url(value)
    except IdentifierError as exc:
        message, secret = str(exc), url_secret(value)
        raise DhcpError("%s: %s" % (where, message.replace(secret, MASK) if secret else message))
    return value


def _check_name(value, where):
    if not isinstance(value, str) or not _HOST_NAME.fullmatch(value):
        raise DhcpError(
            "%s: '%s' is not a usable host name: allowed 1-63 characters from A-Z a-z 0-9 _ - and"
            " single dots, starting with a letter or digit" % (where, _quoted(str(value))))
    return value


def _check_ip(value, where):
    try:
        return str(ipaddress.IPv4Address(str(value).strip()))
    except ValueError:
        raise DhcpError("%s: '%s' is not an IPv4 address" % (where, _quoted(str(value))))


def where_host(index, name):
    return "hosts[%d]%s" % (index, " (%s)" % _quoted(name) if isinstance(name, str) and name else "")


def module_field(index, name, field):
    """Where a bad value is, as the module names it: ``hosts[1] (ward-a).ip``; the host itself
    (``hosts[1] (ward-a)``) for ``field`` None."""
    return where_host(index, name) if field is None else "%s.%s" % (where_host(index, name), field)


# The inventory variable behind each field of a ``hosts`` entry the dhcp role collects.
_HOST_VARIABLES = {"name": "its inventory name", "mac": "dect_mac", "ip": "dect_ip", "url": "dect_provisioning_url"}


def inventory_field(index, name, field):
    """Where a bad value is, as the dhcp role's inventory names it: ``ward-a: dect_ip``; the DECT
    server itself (``ward-a``) for ``field`` None."""
    return _quoted(str(name)) if field is None else "%s: %s" % (_quoted(str(name)), _HOST_VARIABLES[field])


def normalize_hosts(hosts, default_url, field_of=module_field):
    """Check and normalise the ``hosts`` option: names, MACs and IPs unique, each with a URL.
    ``field_of(index, name, field)`` names where a bad value is (default: the module's option path)."""
    result, seen = [], {}
    for index, entry in enumerate(hosts or []):
        if not isinstance(entry, dict):
            raise DhcpError("hosts[%d]: expected a dict with name, mac, optional ip and url" % index)
        name = entry.get("name")

        def where(field, index=index, name=name):
            return field_of(index, name, field)
        _check_name(name, where("name"))
        try:
            mac = normalize_mac(entry.get("mac"))
        except IdentifierError as exc:
            raise DhcpError("%s: %s" % (where("mac"), exc))
        ip = _check_ip(entry["ip"], where("ip")) if entry.get("ip") not in (None, "") else None
        url = entry.get("url") or default_url
        if not url:
            raise DhcpError("%s: no URL for this host: set url on the host or the module's url" % where("url"))
        check_url(url, where("url"))
        for kind, value in (("name", name.lower()), ("mac", mac), ("ip", ip)):
            if value is None:
                continue
            if (kind, value) in seen:
                raise DhcpError("%s: '%s' is also used by %s" % (where(kind), value, seen[(kind, value)]))
            seen[(kind, value)] = field_of(index, name, None)
        result.append(DhcpHost(name, mac, ip, url))
    return result


def inventory_problems(hosts, url, scope="host", subnet=None):
    """Every problem of the reservations the dhcp role would write, each naming the DECT server and
    its inventory variable (``ward-a: dect_ip: 'x' is not an IPv4 address``). Checked host by host,
    so that one bad server does not hide the others, then together (an address or MAC used twice)."""
    problems = []
    try:
        make_plan([], url, scope, subnet)
    except DhcpError as exc:
        text = str(exc)
        problems.append("dect_provisioning_url (the dhcp role's dhcp_url)" + text[3:] if text.startswith("url:") else text)
    for entry in hosts or []:
        try:
            normalize_hosts([entry], url, inventory_field)
        except DhcpError as exc:
            problems.append(str(exc))
    if not problems:
        try:
            normalize_hosts(hosts, url, inventory_field)
        except DhcpError as exc:
            problems.append(str(exc))
    return problems


def make_plan(hosts, url, scope, subnet=None):
    """Check every input value and return a Plan; nothing is rendered from unchecked input."""
    if scope not in SCOPES:
        raise DhcpError("scope: '%s' is not allowed: allowed %s" % (scope, ", ".join(SCOPES)))
    if url:
        check_url(url, "url")
    elif scope == "subnet":
        raise DhcpError("url: required with scope=subnet (the option every client of the scope gets)")
    if subnet:
        try:
            subnet = str(ipaddress.IPv4Network(str(subnet).strip(), strict=True))
        except ValueError as exc:
            raise DhcpError("subnet: '%s' is not an IPv4 network in CIDR form (%s)" % (_quoted(str(subnet)), exc))
    return Plan(normalize_hosts(hosts, url), url, scope, subnet or None)


def needs_own_option(plan, host):
    """Whether ``host`` gets option 66 in its own reservation (always in host scope)."""
    return plan.scope == "host" or host.url != plan.url


class IncludeFileBackend:
    """ISC dhcpd and dnsmasq: the module owns the whole include file and renders it from scratch."""

    edits_in_place = False
    comment = "#"

    def header(self, plan):
        return [
            "%s Managed by %s: changes made here are overwritten." % (self.comment, MANAGED_BY),
            "%s DHCP option 66 (provisioning URL) for Spectralink DECT servers, scope: %s."
            % (self.comment, plan.scope),
        ]

    def shown(self, text):
        """The file as diff mode may show it (URL credentials are masked by the caller)."""
        return text

    def owns(self, text):
        """Whether ``text`` is a file this module wrote: its header line, or nothing at all."""
        marker = "%s Managed by %s:" % (self.comment, MANAGED_BY)
        return not text.strip() or any(line.startswith(marker) for line in text.splitlines()[:3])

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identifiers a DECT rollout deals in: MAC addresses, IPEIs, server models and provisioning URLs.

One home for normalising them, so that a file name, a DHCP reservation and a URL
handed to a device can never disagree about how a value is spelled.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils import _secrets

MODEL_FAMILIES = {
    "400": "ipdect",
    "6500": "ipdect",
    "2500": "dect",
    "8000": "dect",
}
FAMILY_LABELS = {"ipdect": "400/6500", "dect": "2500/8000"}
MODELS = tuple(MODEL_FAMILIES)


class IdentifierError(ValueError):
    """A value that cannot be normalised; the message says what is allowed."""


_MAC_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX12 = re.compile(r"^[0-9a-f]{12}$")


def normalize_mac(value):
    """Return a MAC address as 12 lowercase hex digits, the device's own file-name spelling.

    Accepts ``00:13:D1:80:00:32``, ``00-13-d1-80-00-32``, ``0013.d180.0032`` and ``0013d1800032``.
    """
    if not isinstance(value, str):
        raise IdentifierError("MAC address must be a string, got %s" % type(value).__name__)
    digits = _MAC_SEPARATORS.sub("", value.strip()).lower()
    if not _HEX12.match(digits):
        raise IdentifierError(
            "'%s' is not a MAC address: expected 12 hex digits, optionally separated by ':', '-' or '.'" % value
        )
    return digits


def format_mac(value, separator=":"):
    """Return a MAC address in the colon form DHCP servers expect (``00:13:d1:80:00:32``)."""
    digits = normalize_mac(value)
    return separator.join(digits[i:i + 2] for i in range(0, 12, 2))


def model_family(model):
    """Return ``ipdect`` (400/6500) or ``dect`` (2500/8000) for a model given as str or int."""
    key = str(model).strip() if model is not None else ""
    if key not in MODEL_FAMILIES:
        raise IdentifierError("model '%s' is not supported: allowed %s" % (model, ", ".join(MODELS)))
    return MODEL_FAMILIES[key]


_IPEI_SPLIT = re.compile(r"^(\d{5})[\s\-:./]?(\d{7})(\d)?$")


def ipei_check_digit(digits12):
    """Return the DECT IPEI check character for 12 decimal digits (mod 11, 10 written as '*')."""
    total = sum(int(d) * weight for weight, d in enumerate(digits12, start=1))
    rest = total % 11
    return "*" if rest == 10 else str(rest)


def normalize_ipei(value):
    """Return an IPEI in the guide's ``NNNNN NNNNNNN`` form.

    Accepts the form with or without a separator, and with a 13th check character
    (digit or ``*``), which is verified and dropped.
    """
    text = str(value).strip()
    check = None
    if len(text) and text[-1] == "*":
        check, text = "*", text[:-1]
    match = _IPEI_SPLIT.match(text)
    if not match:
        raise IdentifierError(
            "'%s' is not an IPEI: expected 5 + 7 decimal digits written 'NNNNN NNNNNNN'"
            " (separator optional, 13th check digit optional)" % value
        )
    emc, psn, digit = match.groups()
    if digit is not None and check is not None:
        raise IdentifierError("'%s' is not an IPEI: too many digits" % value)
    check = check if check is not None else digit
    if check is not None and check != ipei_check_digit(emc + psn):
        raise IdentifierError(
            "'%s' has a wrong IPEI check digit: expected '%s'" % (value, ipei_check_digit(emc + psn))
        )
    return "%s %s" % (emc, psn)


# [<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]  (provisioning guide, server -> url)
PROVISIONING_PROTOCOLS = ("tftp", "ftp", "http", "https")
DEFAULT_PORTS = {"tftp": 69, "ftp": 21, "http": 80, "https": 443}
ProvisioningUrl = namedtuple("ProvisioningUrl", "protocol user password host port path explicit_protocol")

_URL = re.compile(
    r"^(?:(?P<protocol>[A-Za-z][A-Za-z0-9+.\-]*)://"
    r"(?:(?P<user>[^:@/\s]*):(?P<password>[^@/\s]*)@)?)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+)"
    r"(?::(?P<port>\d{1,5}))?"
    r"(?P<path>/[^\s\"'<>\\]*)?$"
)


def parse_provisioning_url(value):
    """Split a provisioning URL as the device reads it; a bare host means TFTP."""
    if not isinstance(value, str) or not value:
        raise IdentifierError("provisioning URL must be a non-empty string")
    if any(ord(ch) < 32 or ch in "\"'<>\\`" for ch in value):
        raise IdentifierError(
            "provisioning URL '%s' contains a quote, backslash or control character"
            % _secrets.mask_url(value).encode("unicode_escape").decode()
        )
    match = _URL.match(value)
    if not match:
        raise IdentifierError(
            "'%s' is not a provisioning URL: expected [<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]"
            % _secrets.mask_url(value)
        )
    protocol = (match.group("protocol") or "tftp").lower()
    if protocol not in PROVISIONING_PROTOCOLS:
        raise IdentifierError(
            "provisioning URL protocol '%s' is not supported: allowed %s" % (protocol, ", ".join(PROVISIONING_PROTOCOLS))
        )
    port = int(match.group("port")) if match.group("port") else DEFAULT_PORTS[protocol]
    if not 0 < port < 65536:
        raise IdentifierError("provisioning URL port %s is out of range 1..65535" % port)
    host = match.group("host").strip("[]")
    path = match.group("path") or ""
    return ProvisioningUrl(protocol, match.group("user"), match.group("password"), host, port, path.rstrip("/"),
                           match.group("protocol") is not None)


def bracket_host(host):
    """An IPv6 address in the brackets a URI or ``host:port`` needs; names and IPv4 unchanged."""
    return "[%s]" % host if ":" in host and not host.startswith("[") else host


def device_file_name(mac, kind):
    """Return ``<mac>-config.xml`` or ``<mac>-users.xml``, the names a device asks for."""
    if kind not in ("config", "users"):
        raise IdentifierError("file kind '%s' is not one of config, users" % kind)
    return "%s-%s.xml" % (normalize_mac(mac), kind)

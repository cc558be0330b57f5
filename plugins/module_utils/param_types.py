# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value types of DECT server parameters (config Appendix A, users Appendix C).

Each type turns an inventory value into its normal Python form (``normalize``), writes it as
XML text (``render``), reads XML text back (``parse``) and says in words what it allows
(``describe``), which is what error messages and docs/parameters.md show.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    parse_provisioning_url,
)


class ParamType:
    """Free text: anything that is not a container."""

    def normalize(self, value):
        if isinstance(value, (dict, list)):
            raise ValueError("expected a single value, not a %s" % ("dict" if isinstance(value, dict) else "list"))
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value)

    def render(self, value):
        return value

    def parse(self, text):
        return self.normalize(text)

    def describe(self):
        return "text"


Text = ParamType


class LimitedText(ParamType):
    """Text with a maximum length and an optional allowed character set."""

    def __init__(self, max_length=None, pattern=None, pattern_text=None, min_length=0):
        self.max_length = max_length
        self.min_length = min_length
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_text = pattern_text

    def normalize(self, value):
        text = super().normalize(value)
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError("is %d characters long: at most %d allowed" % (len(text), self.max_length))
        if len(text) < self.min_length:
            raise ValueError("is empty: a value is required")
        if self.pattern and text and not self.pattern.match(text):
            raise ValueError("has characters outside %s" % self.pattern_text)
        return text

    def describe(self):
        parts = ["text"]
        if self.max_length is not None:
            parts.append("at most %d characters" % self.max_length)
        if self.pattern_text:
            parts.append("from %s" % self.pattern_text)
        return ", ".join(parts)


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class Bool(ParamType):
    """Written as ``true``/``false``; YAML's yes/no/True/False are accepted."""

    def normalize(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
        raise ValueError("is not allowed: allowed are true, false")

    def render(self, value):
        return "true" if value else "false"

    def describe(self):
        return "true/false"


def _as_int(value):
    if isinstance(value, bool):
        raise ValueError("is a boolean, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.match(r"^\s*[+-]?\d+\s*$", value):
        return int(value)
    raise ValueError("is not a whole number")


class Int(ParamType):
    """A whole number, optionally within ``minimum..maximum``; ``also`` lists extra allowed values
    (``mtu`` takes 0 for 'use the default' besides 576..1500)."""

    def __init__(self, minimum=None, maximum=None, also=(), unit=None):
        self.minimum = minimum
        self.maximum = maximum
        self.also = tuple(also)
        self.unit = unit

    def normalize(self, value):
        try:
            number = _as_int(value)
        except ValueError as exc:
            raise ValueError("%s: allowed %s" % (exc, self.describe()))
        if number in self.also:
            return number
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            raise ValueError("is out of range: allowed %s" % self.describe())
        return number

    def render(self, value):
        return str(value)

    def describe(self):
        if self.minimum is None and self.maximum is None:
            text = "integer"
        elif self.maximum is None:
            text = "integer >= %d" % self.minimum
        elif self.minimum is None:
            text = "integer <= %d" % self.maximum
        else:
            text = "integer %d..%d" % (self.minimum, self.maximum)
        if self.also:
            text += " or %s" % ", ".join(str(v) for v in self.also)
        if self.unit:
            text += " (%s)" % self.unit
        return text


class Decimal(ParamType):
    """A number with at most one decimal, e.g. a timeout of 0..127.5 seconds."""

    def __init__(self, minimum, maximum, step=0.5, unit=None):
        self.minimum, self.maximum, self.step, self.unit = minimum, maximum, step, unit

    def normalize(self, value):
        if isinstance(value, bool):
            raise ValueError("is not a number: allowed %s" % self.describe())
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("is not a number: allowed %s" % self.describe())
        if not self.minimum <= number <= self.maximum or (number / self.step) != int(number / self.step):
            raise ValueError("is out of range: allowed %s" % self.describe())
        return int(number) if number.is_integer() else number

    def render(self, value):
        return str(value)

    def describe(self):
        text = "number %s..%s in steps of %s" % (self.minimum, self.maximum, self.step)
        return text + (" (%s)" % self.unit if self.unit else "")


class Enum(ParamType):
    """One of a fixed set of spellings, matched exactly (the device compares strings)."""

    def __init__(self, *choices, **kwargs):
        self.choices = tuple(str(c) for c in choices)
        self.case_insensitive = kwargs.get("case_insensitive", False)

    def normalize(self, value):
        if isinstance(value, (dict, list)) or value is None:
            raise ValueError("is not allowed: allowed are %s" % ", ".join(self.choices))
        text = Bool().render(value) if isinstance(value, bool) else str(value).strip()
        if text in self.choices:
            return text
        if self.case_insensitive:
            for choice in self.choices:
                if choice.lower() == text.lower():
                    return choice
        raise ValueError("is not allowed: allowed are %s" % ", ".join(self.choices))

    def describe(self):
        return "one of: %s" % ", ".join(self.choices)


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Time(ParamType):
    """A time of day ``hh:mm`` (00:00..23:59)."""

    def normalize(self, value):
        text = str(value).strip() if value is not None else ""
        if not _HHMM.match(text):
            raise ValueError("is not allowed: allowed is a time hh:mm from 00:00 to 23:59")
        return text

    def describe(self):
        return "hh:mm"


class TimeOrImmediately(Time):
    """``immediately`` or a time of day ``hh:mm``."""

    def normalize(self, value):
        if isinstance(value, str) and value.strip().lower() == "immediately":
            return "immediately"
        try:
            return super().normalize(value)
        except ValueError:
            raise ValueError("is not allowed: allowed is 'immediately' or a time hh:mm from 00:00 to 23:59")

    def describe(self):
        return "immediately or hh:mm"


class IPv4(ParamType):
    def normalize(self, value):
        try:
            return str(ipaddress.IPv4Address(str(value).strip()))
        except ValueError:
            raise ValueError("is not allowed: allowed is an IPv4 address (a.b.c.d)")

    def describe(self):
        return "IPv4 address"


class IPv6(ParamType):
    """An IPv6 address, optionally with ``/prefix`` when ``prefix`` is set."""

    def __init__(self, prefix=False):
        self.prefix = prefix

    def normalize(self, value):
        text = str(value).strip()
        try:
            if self.prefix and "/" in text:
                ipaddress.IPv6Interface(text)
            else:
                ipaddress.IPv6Address(text)
        except ValueError:
            raise ValueError("is not allowed: allowed is an %s" % self.describe())
        return text

    def describe(self):
        return "IPv6 address" + (" with optional /prefix" if self.prefix else "")


_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_\-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_\-]{0,61}[A-Za-z0-9_])?)*\.?$")


class Host(ParamType):
    """A host name, IPv4 or IPv6 address."""

    def normalize(self, value):
        text = str(value).strip() if value is not None else ""
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            pass
        if _HOSTNAME.match(text):
            return text
        raise ValueError("is not allowed: allowed is a host name, IPv4 or IPv6 address")

    def describe(self):
        return "host name or IP address"


class Netmask(IPv4):
    def normalize(self, value):
        text = super().normalize(value)
        bits = int(ipaddress.IPv4Address(text))
        inverted = (~bits) & 0xFFFFFFFF
        if inverted & (inverted + 1):
            raise ValueError("is not allowed: allowed is a contiguous IPv4 netmask such as 255.255.255.0")
        return text

    def describe(self):
        return "IPv4 netmask"


class List(ParamType):
    """A comma separated list; a YAML list is accepted and joined. Items are checked by ``item``."""

    def __init__(self, item=None, separator=",", length=None):
        self.item = item or Text()
        self.separator = separator
        self.length = length

    def normalize(self, value):
        if isinstance(value, (list, tuple)):
            items = [self.item.normalize(v) for v in value]
            self._check_length(items)
            return self.separator.join(self.item.render(v) for v in items)
        # A string keeps its own spacing ("a, b" stays "a, b") so parsed files render back unchanged.
        text = ParamType.normalize(self, value).strip()
        items = [self.item.normalize(part.strip()) for part in text.split(self.separator)] if text else []
        self._check_length(items)
        return text

    def _check_length(self, items):
        if self.length is not None and len(items) != self.length:
            raise ValueError("has %d items: exactly %d allowed" % (len(items), self.length))

    def describe(self):
        text = "comma separated list"
        if self.length is not None:
            text = "comma separated list of %d" % self.length
        inner = self.item.describe()
        return text if inner == "text" else "%s of %s" % (text, inner)


class ProvisioningUrl(ParamType):
    """``[<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]``; a bare host means TFTP."""

    def normalize(self, value):
        text = str(value).strip() if value is not None else ""
        try:
            parse_provisioning_url(text)
        except IdentifierError as exc:
            raise ValueError(str(exc))
        return text

    def describe(self):
        return "[<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>], protocol tftp/ftp/http/https"


class FileName(ParamType):
    """A firmware file name on the provisioning server: no directories, no '..'."""

    _NAME = re.compile(r"^[A-Za-z0-9_.+\-]+$")

    def normalize(self, value):
        text = ParamType.normalize(self, value).strip()
        if text and (not self._NAME.match(text) or text in (".", "..") or ".." in text):
            raise ValueError("is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')")
        return text

    def describe(self):
        return "file name"


class HexInt(Int):
    """A whole number the guide writes in hex (``0x07``); ``0x`` hex and decimal input are accepted.

    ``render_hex`` writes ``0x`` plus ``digits`` upper-case hex digits, as the guide shows such
    values; otherwise the number is written in decimal (fields whose default the guide writes in
    decimal). ``allowed`` narrows the range to the combinations of a bit field that mean something,
    described in words by ``allowed_text``.
    """

    _HEX = re.compile(r"^\s*0[xX][0-9A-Fa-f]+\s*$")

    def __init__(self, minimum=0, maximum=0xFF, render_hex=True, digits=2, allowed=None, allowed_text=None):
        super().__init__(minimum, maximum)
        self.render_hex = render_hex
        self.digits = digits
        self.allowed = frozenset(allowed) if allowed is not None else None
        self.allowed_text = allowed_text

    def normalize(self, value):
        if isinstance(value, str) and self._HEX.match(value):
            number = int(value.strip(), 16)
        else:
            try:
                number = _as_int(value)
            except ValueError as exc:
                raise ValueError("%s: allowed %s" % (exc, self.describe()))
        if not self.minimum <= number <= self.maximum or (self.allowed is not None and number not in self.allowed):
            raise ValueError("is out of range: allowed %s" % self.describe())
        return number

    def render(self, value):
        return "0x%0*X" % (self.digits, value) if self.render_hex else str(value)

    def describe(self):
        if self.render_hex:
            span = self.allowed_text or "0x%0*X..0x%0*X" % (self.digits, self.minimum, self.digits, self.maximum)
            return "%s (written in hex; decimal accepted)" % span
        span = self.allowed_text or "integer %d..%d" % (self.minimum, self.maximum)
        return "%s (written in decimal; 0x hex accepted)" % span


class Fields(List):
    """A fixed sequence of comma separated values, each with its own name and type
    (``115200,8,1,N``). ``fields`` are ``(name, type)`` pairs; a YAML list is accepted and joined."""

    def __init__(self, *fields):
        super().__init__(length=len(fields))
        self.fields = tuple(fields)

    def normalize(self, value):
        if isinstance(value, (list, tuple)):
            parts = list(value)
        else:
            parts = [part.strip() for part in ParamType.normalize(self, value).split(self.separator)]
        if len(parts) != len(self.fields):
            raise ValueError("has %d items: exactly %d allowed (%s)" % (len(parts), len(self.fields), self._names()))
        rendered = []
        for (name, field_type), part in zip(self.fields, parts):
            try:
                rendered.append(field_type.render(field_type.normalize(part)))
            except ValueError as exc:
                raise ValueError("has %s '%s', which %s" % (name, part, exc))
        return self.separator.join(rendered)

    def _names(self):
        return self.separator.join("<%s>" % name for name, dummy in self.fields)

    def describe(self):
        return "%s; %s" % (self._names(), "; ".join("%s: %s" % (name, t.describe()) for name, t in self.fields))

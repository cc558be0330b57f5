# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Appendix C users schema as data: the field types, ``FIELDS`` in document order, and the
lookups every other part of the users file shares (secret flag, identity field, document order)."""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import is_secret_name
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_ipei
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import (
    Bool,
    Enum,
    Host,
    Int,
    LimitedText,
    ParamType,
    Text,
)

ROOT_TAG = "users"
RECORD_TAG = "user"

# The guide documents no user capacity for any model (searched: Appendix A, C and D and the
# "User List Update" section), so ``max_users`` has no default; see docs/users_xml.md.


# ------------------------------------------------------------------------------ field types
def _refuse_number(value, what, spelling):
    """YAML reads an unquoted IPEI or lid as a number and drops its leading zeros: refuse to guess."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("is a number: write %s quoted, as %s (YAML drops leading zeros)" % (what, spelling))


class Ipei(ParamType):
    """``NNNNN NNNNNNN``; other spellings and a 13th check digit are accepted (identifiers.normalize_ipei)."""

    def normalize(self, value):
        _refuse_number(value, "the IPEI", "'NNNNN NNNNNNN'")
        text = ParamType.normalize(self, value)
        try:
            return normalize_ipei(text)
        except IdentifierError as exc:
            return _raise_without_value(exc, text)

    def describe(self):
        return "IPEI 'NNNNN NNNNNNN' (5 + 7 digits; separator and 13th check digit optional)"


def _raise_without_value(exc, text):
    """identifiers' messages start with the value, which our messages already show."""
    message = str(exc)
    prefix = "'%s' " % text
    raise ValueError(message[len(prefix):] if message.startswith(prefix) else message)


class SipUserName(LimitedText):
    """A SIP user name as the guide allows it in the users file."""

    ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,;?/")

    def __init__(self):
        super().__init__(max_length=63, pattern_text="A-Z a-z 0-9 -_.!~*'()&=+$,;?/")

    def normalize(self, value):
        text = super().normalize(value)
        outside = sorted(set(text) - self.ALLOWED)
        if outside:
            raise ValueError("has characters outside %s: %s" % (
                self.pattern_text, ", ".join("'%s'" % ch for ch in outside)))
        return text


class SecretText(ParamType):
    """A password: length-limited; messages never reveal the value or its length."""

    def __init__(self, max_length):
        self.max_length = max_length

    def normalize(self, value):
        text = ParamType.normalize(self, value)
        if len(text) > self.max_length:
            raise ValueError("is too long: at most %d characters allowed" % self.max_length)
        return text

    def describe(self):
        return "text, at most %d characters (secret)" % self.max_length


class _PatternText(ParamType):
    """Text that ``PATTERN`` matches; anything else "is not allowed", followed by ``describe()``."""

    PATTERN = re.compile("")

    def normalize(self, value):
        text = ParamType.normalize(self, value)
        if not self.PATTERN.match(text):
            raise ValueError("is not allowed: %s" % self.describe())
        return text


class AccessCode(_PatternText):
    """0 to 8 decimal digits (secret)."""

    PATTERN = re.compile(r"^\d{0,8}$")

    def describe(self):
        return "0 to 8 decimal digits"


class LineId(_PatternText):
    """``xxyyzzzz``: shelf 01-08, card 01-08, line 0000-0015 of an analogue interface card."""

    PATTERN = re.compile(r"^(0[1-8])(0[1-8])(00(?:0\d|1[0-5]))$")

    def normalize(self, value):
        _refuse_number(value, "the lid", "'xxyyzzzz'")
        return super().normalize(value)

    def describe(self):
        return "xxyyzzzz with shelf xx 01-08, card yy 01-08, line zzzz 0000-0015"


class CucmDeviceName(_PatternText):
    PATTERN = re.compile(r"^SEP[0-9A-Fa-f]{12}$")

    def describe(self):
        return "SEP followed by 12 hex digits, e.g. SEP123456789ABC"


# ------------------------------------------------------------------------------ the schema
DECT = ("dect",)
BOTH = ("dect", "ipdect")

Field = namedtuple("Field", "name families type secret mandatory description note")


def user_field(name, families, ftype, description, secret=False, mandatory=(), note=None):
    """One Appendix C field; keyword defaults keep the table readable."""
    return Field(name, families, ftype, secret, tuple(mandatory), description, note)


# Tuple order is document order: Appendix C's, except that ``localno`` follows ``username`` as in
# both Appendix D examples (the device's own export), so an exported file keeps its element order.
FIELDS = (
    user_field("ipei", BOTH, Ipei(), "The DECT IPEI of the user's handset (empty: no handset subscribed)."),
    user_field("accesscode", BOTH, AccessCode(), "Access code required for subscribing the handset to the system.",
               secret=True),
    user_field("standbytext", BOTH, Text(), "The text displayed in the handset when idle."),
    user_field("username", BOTH, SipUserName(),
               "The user name/extension used when communicating with the SIP server.", mandatory=("ipdect",)),
    user_field("localno", DECT, LimitedText(max_length=12),
               "Local number (DN), typically the same as username; addresses the handset for text messages.",
               mandatory=("dect",)),
    user_field("domain", BOTH, Host(), "The user's SIP domain, when it differs from the system default."),
    user_field("displayname", BOTH, Text(), "The display name sent with SIP requests."),
    user_field("authuser", BOTH, SipUserName(), "User name for authenticating the user."),
    user_field("authpassword", BOTH, SecretText(35), "Password for authenticating the user.", secret=True),
    user_field("disabled", BOTH, Bool(), "true: the user is disabled and unable to make calls."),
    user_field("lid", DECT, LineId(), "Line identifier, only for users on an analogue interface card."),
    user_field("linetype", DECT, Enum("D", "S", "A", case_insensitive=True),
               "Interface the handset is subscribed to: D (DECT to DECT), S (SIP), A (analogue)."),
    user_field("presentationtext", DECT, Bool(),
               "Show the presentation text on the handset (analogue interface users making a local call)."),
    user_field("name", DECT, Text(), "Typically the name of the function or user who is using the handset."),
    user_field("tx_gain", DECT, Int(-12, 12, unit="dB"),
               "Gain added to the handset's transmit path (not for linetype D)."),
    user_field("rx_gain", DECT, Int(-12, 12, unit="dB"),
               "Gain added to the handset's receive path (not for linetype D)."),
    user_field("cucmdevicename", BOTH, CucmDeviceName(),
               "Unique ID representing the CUCM device name (CUCM license).",
               note="Appendix C names it users.cucmdevicename; Appendix D shows it inside <user>, as here."),
)

FIELD_BY_NAME = {field.name: field for field in FIELDS}
FIELD_ORDER = {field.name: index for index, field in enumerate(FIELDS)}
SECRET_FIELDS = frozenset(field.name for field in FIELDS if field.secret)
UNIQUE_FIELDS = ("ipei", "username", "localno")
GAIN_FIELDS = ("tx_gain", "rx_gain")


def is_secret_field(name):
    """Appendix C's secret flag for its fields; for others (``sippassword``, ``pin``...) the name decides."""
    field = FIELD_BY_NAME.get(name)
    return field.secret if field is not None else is_secret_name(name)


def identity_field(family):
    """The field naming a record on ``family``: what the guide says every record must have."""
    return "username" if family == "ipdect" else "localno"


def identity_text(value):
    """A record's identity value as text, None when it has none (absent, empty or a container)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def supported(field, family):
    return family in field.families


def document_order(record):
    """Known fields in the order they are written, then the others as found."""
    return sorted(record, key=lambda name: FIELD_ORDER.get(name, len(FIELD_ORDER)))

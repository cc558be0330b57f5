# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users file of a DECT server (``<mac>-users.xml``, Appendix C of the provisioning guide).

``FIELDS`` is the Appendix C schema as data. Around it: import of a users list from an exported
users XML or a CSV file (``read_source``), merging that with inventory (``merge``), validation of
every record at once (``validate``), rendering (``render``) and the masked views used for output
and diffs (``mask_user``, ``summary``). Pure functions over lists of dicts; lxml is needed only to
read XML, on the controller.
"""

from __future__ import annotations

import csv
import io
import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import (
    MASK,
    is_secret_name,
    masked_with_fingerprint,
    secret_values,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    FAMILY_LABELS,
    IdentifierError,
    normalize_ipei,
)
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import (
    Bool,
    Enum,
    Host,
    Int,
    LimitedText,
    ParamType,
    Text,
)
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import (
    XmlError,
    element_text,
    is_element_name,
    is_leaf,
    natural_key,
    parse_document,
    render_tree,
    shown_text,
)

ROOT_TAG = "users"
RECORD_TAG = "user"

# The guide documents no user capacity for any model (searched: Appendix A, C and D and the
# "User List Update" section), so ``max_users`` has no default; see docs/users_xml.md.


# ------------------------------------------------------------------------------ field types
class Ipei(ParamType):
    """``NNNNN NNNNNNN``; other spellings and a 13th check digit are accepted (identifiers.normalize_ipei)."""

    def normalize(self, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # YAML reads an unquoted IPEI as a number and drops its leading zeros: refuse to guess.
            raise ValueError("is a number: write the IPEI quoted, as 'NNNNN NNNNNNN' (YAML drops leading zeros)")
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


class AccessCode(ParamType):
    """0 to 8 decimal digits (secret)."""

    _DIGITS = re.compile(r"^\d{0,8}$")

    def normalize(self, value):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = str(value)
        text = ParamType.normalize(self, value)
        if not self._DIGITS.match(text):
            raise ValueError("is not allowed: %s" % self.describe())
        return text

    def describe(self):
        return "0 to 8 decimal digits"


class LineId(ParamType):
    """``xxyyzzzz``: shelf 01-08, card 01-08, line 0000-0015 of an analogue interface card."""

    _LID = re.compile(r"^(0[1-8])(0[1-8])(00(?:0\d|1[0-5]))$")

    def normalize(self, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("is a number: write the lid quoted, as 'xxyyzzzz' (YAML drops leading zeros)")
        text = ParamType.normalize(self, value)
        if not self._LID.match(text):
            raise ValueError("is not allowed: %s" % self.describe())
        return text

    def describe(self):
        return "xxyyzzzz with shelf xx 01-08, card yy 01-08, line zzzz 0000-0015"


class CucmDeviceName(ParamType):
    _NAME = re.compile(r"^SEP[0-9A-Fa-f]{12}$")

    def normalize(self, value):
        text = ParamType.normalize(self, value)
        if not self._NAME.match(text):
            raise ValueError("is not allowed: %s" % self.describe())
        return text

    def describe(self):
        return "SEP followed by 12 hex digits, e.g. SEP123456789ABC"


# ------------------------------------------------------------------------------ the schema
DECT = ("dect",)
BOTH = ("dect", "ipdect")

Field = namedtuple("Field", "name families type secret mandatory description note")


def F(name, families, ftype, description, secret=False, mandatory=(), note=None):
    """One Appendix C field; keyword defaults keep the table readable."""
    return Field(name, families, ftype, secret, tuple(mandatory), description, note)


# Tuple order is document order: Appendix C's, except that ``localno`` follows ``username`` as in
# both Appendix D examples (the device's own export), so an exported file keeps its element order.
FIELDS = (
    F("ipei", BOTH, Ipei(), "The DECT IPEI of the user's handset (empty: no handset subscribed)."),
    F("accesscode", BOTH, AccessCode(), "Access code required for subscribing the handset to the system.",
      secret=True),
    F("standbytext", BOTH, Text(), "The text displayed in the handset when idle."),
    F("username", BOTH, SipUserName(), "The user name/extension used when communicating with the SIP server.",
      mandatory=("ipdect",)),
    F("localno", DECT, LimitedText(max_length=12),
      "Local number (DN), typically the same as username; addresses the handset for text messages.",
      mandatory=("dect",)),
    F("domain", BOTH, Host(), "The user's SIP domain, when it differs from the system default."),
    F("displayname", BOTH, Text(), "The display name sent with SIP requests."),
    F("authuser", BOTH, SipUserName(), "User name for authenticating the user."),
    F("authpassword", BOTH, SecretText(35), "Password for authenticating the user.", secret=True),
    F("disabled", BOTH, Bool(), "true: the user is disabled and unable to make calls."),
    F("lid", DECT, LineId(), "Line identifier, only for users on an analogue interface card."),
    F("linetype", DECT, Enum("D", "S", "A", case_insensitive=True),
      "Interface the handset is subscribed to: D (DECT to DECT), S (SIP), A (analogue)."),
    F("presentationtext", DECT, Bool(),
      "Show the presentation text on the handset (analogue interface users making a local call)."),
    F("name", DECT, Text(), "Typically the name of the function or user who is using the handset."),
    F("tx_gain", DECT, Int(-12, 12, unit="dB"), "Gain added to the handset's transmit path (not for linetype D)."),
    F("rx_gain", DECT, Int(-12, 12, unit="dB"), "Gain added to the handset's receive path (not for linetype D)."),
    F("cucmdevicename", BOTH, CucmDeviceName(), "Unique ID representing the CUCM device name (CUCM license).",
      note="Appendix C names it users.cucmdevicename; Appendix D shows it inside <user>, as here."),
)

FIELD_BY_NAME = {field.name: field for field in FIELDS}
FIELD_ORDER = {field.name: index for index, field in enumerate(FIELDS)}
SECRET_FIELDS = frozenset(field.name for field in FIELDS if field.secret)
UNIQUE_FIELDS = ("ipei", "username", "localno")
GAIN_FIELDS = ("tx_gain", "rx_gain")
_FREE_TEXT = ParamType()


def is_secret_field(name):
    """Appendix C's secret flag for its fields; for others (``sippassword``, ``pin``...) the name decides."""
    field = FIELD_BY_NAME.get(name)
    return field.secret if field is not None else is_secret_name(name)


def identity_field(family):
    """The field naming a record on ``family``: what the guide says every record must have."""
    return "username" if family == "ipdect" else "localno"


def _supported(field, family):
    return family in field.families


# ------------------------------------------------------------------------------ import
Source = namedtuple("Source", "records origins")


class SourceError(ValueError):
    """A users source that cannot be read; ``errors`` lists every problem."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def read_source(data, label):
    """Read an exported users XML or a CSV file (told apart by content) into raw records.

    Record values are the texts as found (CSV: empty cells left out); ``origins`` names each
    record's place (``<label> line <n>``) for error messages.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(["%s: not UTF-8 text (byte %d): save the CSV or XML as UTF-8" % (label, exc.start)])
    data = data.lstrip("\ufeff")
    if data.lstrip().startswith("<"):
        return read_xml(data, label)
    return read_csv(data, label)


def read_xml(text, label):
    try:
        root = parse_document(text, ROOT_TAG)
    except XmlError as exc:
        raise SourceError(["%s: %s" % (label, exc)])
    records, origins, errors = [], [], []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        where = "%s line %d" % (label, element.sourceline)
        if element.tag != RECORD_TAG:
            errors.append("%s: <%s> under <users>: only <user> records are allowed" % (where, element.tag))
            continue
        record = _record_from_element(element, where, errors)
        records.append(record)
        origins.append(where)
    if errors:
        raise SourceError(errors)
    return Source(records, origins)


def _record_from_element(element, where, errors):
    record = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if not is_leaf(child):
            errors.append("%s: <%s> has child elements: a user field holds text only" % (where, child.tag))
        elif child.tag in record:
            errors.append("%s: <%s> appears twice in one <user>" % (where, child.tag))
        else:
            record[child.tag] = element_text(child)
    return record


def read_csv(text, label):
    """A header row of field names, then one user per row; ',' ';' or tab separated."""
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise SourceError(["%s: empty: expected a CSV header row of field names or a users XML document" % label])
    delimiter = _delimiter(lines[header_index])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header, errors, records, origins = None, [], [], []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where = "%s line %d" % (label, reader.line_num)
            if header is None:
                header = _header(row, where, errors)
                continue
            if len(row) > len(header):
                errors.append("%s: %d cells, but the header has %d columns" % (where, len(row), len(header)))
                continue
            records.append(_csv_record(header, row, where, errors))
            origins.append(where)
    except csv.Error as exc:
        errors.append("%s line %d: not valid CSV: %s" % (label, reader.line_num, exc))
    if errors:
        raise SourceError(errors)
    return Source(records, origins)


def _delimiter(header_line):
    # Field names never contain these, so the header shows which one the file uses
    # (spreadsheets in many locales write ';').
    counts = [(header_line.count(sep), sep) for sep in (",", ";", "\t")]
    return max(counts)[1] if max(counts)[0] else ","


def _header(row, where, errors):
    # A column without a name is fine while it stays empty: spreadsheets add such columns.
    names = [cell.strip().lower() for cell in row]
    for position, name in enumerate(names, start=1):
        if name and names.index(name) != position - 1:
            errors.append("%s: column '%s' appears twice in the header" % (where, name))
    return names


def _csv_record(header, row, where, errors):
    record = {}
    for position, (name, cell) in enumerate(zip(header, row), start=1):
        value = cell.strip()
        if value and not name:
            errors.append("%s: column %d holds '%s' but has no field name in the header" % (where, position, value))
        elif value:
            record[name] = value
    return record


def merge(source, users, family):
    """Records of ``source`` (in its order), then ``users``: an entry naming a source record by its
    identity field (username on 400/6500, localno on 2500/8000) updates that record instead, and
    a field set to null there removes it. Returns (records, origins)."""
    records = [dict(record) for record in source.records] if source else []
    origins = list(source.origins) if source else []
    key = identity_field(family)
    by_identity = {}
    for index, record in enumerate(records):
        identity = _identity_text(record.get(key))
        if identity is not None:
            by_identity.setdefault(identity, index)
    for position, entry in enumerate(users or []):
        target = by_identity.get(_identity_text(entry.get(key))) if isinstance(entry, dict) else None
        if target is None:
            records.append(entry)
            origins.append("users[%d]" % position)
            continue
        for name, value in entry.items():
            if value is None:
                records[target].pop(name, None)
            else:
                records[target][name] = value
        origins[target] = "%s + users[%d]" % (origins[target], position)
    return records, origins


def _identity_text(value):
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


# ------------------------------------------------------------------------------ validation
Validated = namedtuple("Validated", "users records errors warnings")


def validate(entries, family, strict=False, max_users=None, origins=None):
    """Check every record for ``family`` ('ipdect' or 'dect'), collecting every problem.

    Returns Validated(users=normalised dicts (bools, ints) in document field order,
    records=the same as XML text, errors, warnings). Errors name the record (index or source
    line, and its username/localno), the field, the value (masked when secret) and the rule.
    """
    origins = origins or ["users[%d]" % index for index in range(len(entries))]
    checker = _Checker(family, strict)
    users, records = [], []
    for entry, origin in zip(entries, origins):
        user, record = checker.check_record(entry, origin)
        users.append(user)
        records.append(record)
    checker.check_unique(users, origins)
    errors = checker.record_errors + checker.field_errors()
    if max_users is not None and len(entries) > max_users:
        errors.append("users: %d users, more than max_users %d allows" % (len(entries), max_users))
    return Validated(users, records, errors, checker.field_warnings())


class _Checker:
    """Validation state for one document: per-record errors in order, field-level problems
    (unknown or unsupported fields) grouped so a 500-row CSV with a stray column gives one line."""

    def __init__(self, family, strict):
        self.family = family
        self.strict = strict
        self.identity = identity_field(family)
        self.record_errors = []
        self.unknown = {}
        self.unsupported = {}
        self.mandatory = [f for f in FIELDS if family in f.mandatory]

    def who(self, entry, origin):
        return _Who(entry, origin, self.identity)

    def check_record(self, entry, origin):
        if not isinstance(entry, dict):
            self.record_errors.append("%s: must be a dict of Appendix C field names, got %s" % (
                origin, type(entry).__name__))
            return {}, {}
        who = self.who(entry, origin)
        known, unknown, failed = {}, {}, set()
        for key, value in entry.items():
            name = str(key)
            field = FIELD_BY_NAME.get(name)
            if value is None:
                continue
            if field is None:
                self._unknown_field(name, value, who, unknown)
            elif not _supported(field, self.family):
                self.unsupported.setdefault(name, []).append(who)
            elif not self._check_value(field, value, who, known):
                failed.add(name)
        self._check_mandatory(known, failed, who)
        self._check_gain(known, who)
        user = {name: known[name][0] for name in _document_order(known)}
        record = {name: known[name][1] for name in user}
        for name, text in unknown.items():
            user[name] = record[name] = text
        return user, record

    def _check_value(self, field, value, who, known):
        if isinstance(value, str):
            value = value.strip()
        if value == "":
            # An empty element is what an export holds for a field with no value: keep it.
            known[field.name] = ("", "")
            return True
        if field.secret and value == MASK:
            self.record_errors.append(
                "%s: %s: value is the mask '%s' from a masked result: supply the real secret (ansible-vault)" % (
                    who, field.name, MASK))
            return False
        try:
            clean = field.type.normalize(value)
            text = field.type.render(clean)
            _check_characters(text)
        except ValueError as exc:
            self.record_errors.append("%s: %s: value '%s' %s" % (who, field.name, _shown(field, value), _reason(exc)))
            return False
        known[field.name] = (clean, text)
        return True

    def _unknown_field(self, name, value, who, unknown):
        self.unknown.setdefault(name, []).append(who)
        if self.strict or not is_element_name(name):
            return
        try:
            text = _FREE_TEXT.normalize(value.strip() if isinstance(value, str) else value)
            _check_characters(text)
        except ValueError as exc:
            shown = MASK if is_secret_name(name) else shown_text(value)
            self.record_errors.append("%s: %s: value '%s' %s" % (who, name, shown, _reason(exc)))
            return
        unknown[name] = text

    def _check_mandatory(self, known, failed, who):
        for field in self.mandatory:
            if field.name not in failed and known.get(field.name, ("", ""))[1] == "":
                self.record_errors.append("%s: %s: missing: mandatory on %s (every record needs one)" % (
                    who, field.name, FAMILY_LABELS[self.family]))

    def _check_gain(self, known, who):
        linetype = known.get("linetype", (None, None))[0]
        if linetype != "D":
            return
        for name in GAIN_FIELDS:
            gain = known.get(name, (0, ""))[0]
            if gain not in ("", 0):
                self.record_errors.append(
                    "%s: %s: value '%s' is not possible for linetype D (DECT to DECT): allowed 0" % (who, name, gain))

    def check_unique(self, users, origins):
        for name in UNIQUE_FIELDS:
            first_seen = {}
            for user, origin in zip(users, origins):
                value = user.get(name)
                if value in (None, ""):
                    continue
                if value in first_seen:
                    self.record_errors.append(
                        "%s: %s: value '%s' is also used by %s: ipei, username and localno must be unique in a file"
                        % (self.who(user, origin), name, value, self.who(*first_seen[value])))
                else:
                    first_seen[value] = (user, origin)

    def field_errors(self):
        errors = []
        for name, whos in self.unsupported.items():
            field = FIELD_BY_NAME[name]
            errors.append("%s: field '%s' is not supported on %s (only %s)" % (
                _list_whos(whos), name, FAMILY_LABELS[self.family],
                "/".join(FAMILY_LABELS[f] for f in field.families)))
        for name, whos in self.unknown.items():
            if self.strict:
                errors.append("%s: field '%s' is not an Appendix C field (strict mode): allowed %s" % (
                    _list_whos(whos), name, ", ".join(f.name for f in FIELDS if _supported(f, self.family))))
            elif not is_element_name(name):
                errors.append("%s: field '%s' is not a valid XML element name" % (_list_whos(whos), name))
        return errors

    def field_warnings(self):
        if self.strict:
            return []
        return ["%s: field '%s' is not an Appendix C field, rendered as given" % (_list_whos(whos), name)
                for name, whos in self.unknown.items() if is_element_name(name)]


class _Who:
    """``users[3] (username '1003')``: where a record is and what it is called, spelled out only
    when a message needs it (most records have no problem)."""

    __slots__ = ("entry", "origin", "identity")

    def __init__(self, entry, origin, identity):
        self.entry, self.origin, self.identity = entry, origin, identity

    def __str__(self):
        for name in (self.identity, "username", "localno"):
            value = _identity_text(self.entry.get(name)) if isinstance(self.entry, dict) else None
            if value is not None:
                return "%s (%s '%s')" % (self.origin, name, value)
        return self.origin


def _list_whos(whos, limit=5):
    shown = ", ".join(str(who) for who in whos[:limit])
    if len(whos) > limit:
        shown += " and %d more" % (len(whos) - limit)
    return shown


def _shown(field, value):
    return MASK if field.secret else shown_text(value)


def _reason(exc):
    text = str(exc)
    return text if text.startswith(("is ", "has ", "allowed", "contains")) else "is invalid: %s" % text


# Characters XML 1.0 cannot carry, plus the other C0/C1 controls: none belongs on a handset display.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _check_characters(text):
    match = _CONTROL.search(text) if isinstance(text, str) else None
    if match:
        raise ValueError("contains the control character U+%04X: not allowed in a users file" % ord(match.group()))


def sort_users(checked, family):
    """``checked`` with records in natural order of their username/localno (``sort: true``)."""
    key = identity_field(family)
    order = sorted(range(len(checked.users)),
                   key=lambda i: (checked.records[i].get(key) is None, natural_key(checked.records[i].get(key) or "")))
    return checked._replace(users=[checked.users[i] for i in order], records=[checked.records[i] for i in order])


# ------------------------------------------------------------------------------ output
def render(records):
    """The users document for validated records (text per field, in document order)."""
    return render_tree(ROOT_TAG, {RECORD_TAG: records}, sort=False)


def mask_user(user):
    """A copy of one record with non-empty secrets (Appendix C's and secret-looking names) masked."""
    return {name: (MASK if is_secret_field(name) and value not in (None, "") else value)
            for name, value in user.items()}


def masked_fields(users):
    """``users[2].accesscode`` for every secret the mask hides: what to supply from a vault."""
    paths = []
    for index, user in enumerate(users):
        paths.extend("users[%d].%s" % (index, name) for name in user
                     if is_secret_field(name) and user[name] not in (None, ""))
    return paths


def secrets_of(entries):
    """Every secret value in raw ``users`` entries (valid or not), for scrubbing messages."""
    found = set()
    for entry in entries or ():
        if isinstance(entry, dict):
            for name, value in entry.items():
                if is_secret_field(str(name)):
                    found |= secret_values(value)
    return found


def summary(records, family):
    """One line per user keyed ``<username|localno> <value>``, secrets masked: what the diff shows.

    ``records`` hold XML text per field (rendered records, or ``read_xml`` records of the file on
    the target). A changed secret shows as a changed fingerprint next to the mask.
    """
    key = identity_field(family)
    lines = {}
    for index, record in enumerate(records):
        name = record.get(key)
        label = "%s %s" % (key, name) if name else "user %d (no %s)" % (index + 1, key)
        while label in lines:
            label += " (again)"
        lines[label] = ", ".join("%s=%s" % (field, _summary_value(label, field, value))
                                 for field, value in record.items() if field != key)
    return lines


def _summary_value(label, field, value):
    # The fingerprint covers the user and the field too (_secrets.fingerprint), so within one run it
    # tells whether this user's secret changed and nothing else (not even that two users share one).
    if is_secret_field(field) and value != "":
        return masked_with_fingerprint(label, field, value)
    return value


def typed(records, family):
    """Records of XML/CSV text as inventory values: booleans, integers and the IPEI in normal form;
    a value the schema rejects stays text, for validation to report."""
    return [{name: _typed_value(FIELD_BY_NAME.get(name), record[name], family) for name in _document_order(record)}
            for record in records]


def _document_order(record):
    """Known fields in the order they are written, then the others as found."""
    return sorted(record, key=lambda name: FIELD_ORDER.get(name, len(FIELD_ORDER)))


def _typed_value(field, text, family):
    if field is None or not _supported(field, family) or text == "":
        return text
    try:
        return field.type.parse(text)
    except ValueError:
        return text


def parse(data, family, label="src"):
    """An exported users XML or CSV as ``users`` (typed, secrets included): the inverse of render."""
    source = read_source(data, label)
    return typed(source.records, family), source.origins


def validate_document(data, family, label="users.xml", strict=False):
    """(errors, warnings) of a users XML document as a device would import it (provisioning_probe)."""
    try:
        source = read_xml(data.decode("utf-8"), label)
    except UnicodeDecodeError as exc:
        return ["not UTF-8 text (byte %d)" % exc.start], []
    except SourceError as exc:
        return exc.errors, []
    records = typed(source.records, family)
    checked = validate(records, family, strict=strict, origins=source.origins)
    warnings = list(checked.warnings)
    if not records:
        warnings.append("the file has no users: a DECT server importing it keeps none")
    return checked.errors, warnings

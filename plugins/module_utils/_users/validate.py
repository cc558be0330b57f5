# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of every users record at once: per-record errors in order, field-level problems
(unknown or unsupported fields) grouped, uniqueness across the file."""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import MASK, is_secret_name
from ansible_collections.dect.provisioning.plugins.module_utils._users.fields import (
    FIELD_BY_NAME,
    FIELDS,
    GAIN_FIELDS,
    UNIQUE_FIELDS,
    document_order,
    identity_field,
    identity_text,
    supported,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import FAMILY_LABELS
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import ParamType
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import is_element_name, natural_key, shown_text

_FREE_TEXT = ParamType()

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
            elif not supported(field, self.family):
                self.unsupported.setdefault(name, []).append(who)
            elif not self._check_value(field, value, who, known):
                failed.add(name)
        self._check_mandatory(known, failed, who)
        self._check_gain(known, who)
        user = {name: known[name][0] for name in document_order(known)}
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
                    _list_whos(whos), name, ", ".join(f.name for f in FIELDS if supported(f, self.family))))
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
            value = identity_text(self.entry.get(name)) if isinstance(self.entry, dict) else None
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

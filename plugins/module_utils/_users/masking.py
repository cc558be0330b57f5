# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What results and diffs show of users records: secrets masked (Appendix C's flag, else the
name), the paths a user must supply from a vault, and the one-line-per-user diff summary."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import (
    MASK,
    masked_with_fingerprint,
    secret_values,
)
from ansible_collections.dect.provisioning.plugins.module_utils._users.fields import identity_field, is_secret_field


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

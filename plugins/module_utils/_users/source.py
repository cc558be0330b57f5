# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a users list: an exported users XML or a CSV file (told apart by content), and merging
it with the ``users`` given in inventory. Record values stay the texts as found; lxml is needed only
to read XML, on the controller."""

from __future__ import annotations

import csv
import io
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._users.fields import (
    RECORD_TAG,
    ROOT_TAG,
    identity_field,
    identity_text,
)
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import (
    XmlError,
    element_text,
    is_leaf,
    parse_document,
)

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
        identity = identity_text(record.get(key))
        if identity is not None:
            by_identity.setdefault(identity, index)
    for position, entry in enumerate(users or []):
        target = by_identity.get(identity_text(entry.get(key))) if isinstance(entry, dict) else None
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

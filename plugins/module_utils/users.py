# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users file of a DECT server (``<mac>-users.xml``, Appendix C of the provisioning guide).

The public entry point of the users document; each concept has its one file in ``_users``:
``fields`` (the Appendix C schema ``FIELDS`` as data), ``source`` (import of a users list from an
exported users XML or a CSV file, ``read_source``, and merging that with inventory, ``merge``),
``validate`` (every record at once) and ``masking`` (the masked views used for output and diffs,
``mask_user``, ``summary``). Here: rendering (``render``), parsing (``parse``, ``typed``) and the
probe's check of a whole document (``validate_document``). Pure functions over lists of dicts; lxml
is needed only to read XML, on the controller.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._users.fields import (
    FIELD_BY_NAME,
    FIELDS,
    RECORD_TAG,
    ROOT_TAG,
    SECRET_FIELDS,
    Field,
    document_order,
    identity_field,
    is_secret_field,
    supported,
)
from ansible_collections.dect.provisioning.plugins.module_utils._users.masking import (
    mask_user,
    masked_fields,
    secrets_of,
    summary,
)
from ansible_collections.dect.provisioning.plugins.module_utils._users.source import (
    Source,
    SourceError,
    merge,
    read_csv,
    read_source,
    read_xml,
)
from ansible_collections.dect.provisioning.plugins.module_utils._users.validate import Validated, sort_users, validate
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import render_tree

__all__ = (
    "FIELD_BY_NAME", "FIELDS", "Field", "RECORD_TAG", "ROOT_TAG", "SECRET_FIELDS", "Source", "SourceError",
    "Validated", "identity_field", "is_secret_field", "mask_user", "masked_fields", "merge", "parse", "read_csv",
    "read_source", "read_xml", "render", "secrets_of", "sort_users", "summary", "typed", "validate",
    "validate_document",
)


def render(records):
    """The users document for validated records (text per field, in document order)."""
    return render_tree(ROOT_TAG, {RECORD_TAG: records}, sort=False)


def typed(records, family):
    """Records of XML/CSV text as inventory values: booleans, integers and the IPEI in normal form;
    a value the schema rejects stays text, for validation to report."""
    return [{name: _typed_value(FIELD_BY_NAME.get(name), record[name], family) for name in document_order(record)}
            for record in records]


def _typed_value(field, text, family):
    if field is None or not supported(field, family) or text == "":
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

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The XML text of validated settings (``render``) and its inverse (``parse``): a parsed file renders
back to the same document."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import (
    VALUE_KEY,
    lookup,
    param_for,
    secret_param,
)
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import MASK, mask_url
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import (
    XmlError,
    element_text,
    invalid_character,
    is_leaf,
    parse_document,
    render_tree,
    shown_text,
)

ROOT_TAG = "config"


def character_errors(tree, prefix=()):
    """Errors for rendered values holding a character XML 1.0 does not allow (the device's parser
    rejects the whole file): one per parameter, naming its path, the value (masked if secret) and
    the character."""
    errors = []
    for key in sorted(tree):
        value = tree[key]
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            errors.extend(character_errors(value, path))
            continue
        bad = invalid_character(value)
        if bad is not None:
            shown = MASK if secret_param(path) else shown_text(mask_url(value))
            errors.append("%s: value '%s' contains the character U+%04X, which XML 1.0 does not allow"
                          " (the device rejects the whole file)" % (".".join(path), shown, ord(bad)))
    return errors


def render(tree):
    """The document text for a validated tree (deterministic: natural-sorted element names)."""
    return render_tree(ROOT_TAG, tree)


def parse(data, family):
    """Turn a config document into typed ``settings`` (the inverse of render).

    Known parameters take their schema type (booleans become bools, numbers ints); a value the
    schema would reject is kept as text so an exported file can always be read, and validation
    then reports it. A section or parameter that appears twice is an XmlError naming each one
    (the device would keep one of them; which one is not documented).
    """
    duplicates = []
    settings = _settings_from(parse_document(data, ROOT_TAG), [], family, duplicates)
    if duplicates:
        raise XmlError("%d duplicate element(s): %s; a section or parameter may appear only once in a config"
                       " document" % (len(duplicates), "; ".join(duplicates)))
    return settings


def _settings_from(element, prefix, family, duplicates):
    settings, lines = {}, {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        path = prefix + [child.tag]
        if child.tag in settings:
            duplicates.append("%s appears twice (lines %s and %s)" % (".".join(path), lines[child.tag], child.sourceline))
            continue
        lines[child.tag] = child.sourceline
        if is_leaf(child):
            settings[child.tag] = _typed(path, element_text(child), family)
        else:
            settings[child.tag] = _settings_from(child, path, family, duplicates)
            if element_text(child):  # text beside child elements: <ntp>192.0.2.1<enable>true</enable></ntp>
                settings[child.tag][VALUE_KEY] = _typed(path, element_text(child), family)
    return settings


def _typed(path, text, family):
    param = param_for(lookup(path), family)[0]
    if param is None or text == "":
        return text
    try:
        return param.type.parse(text)
    except ValueError:
        return text

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate, render and parse a DECT server configuration (``<mac>-config.xml``).

``settings`` is a nested dict mirroring the XML under ``<config>``. Validation walks it once
against the Appendix A schema (config_schema), collecting every problem before anything is
written; rendering and parsing are each other's inverse, so a parsed file renders back to the
same document.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import (
    MASK,
    is_secret_name,
    mask_url,
    masked_with_fingerprint,
    scrub,
    secret_values,
    url_secret,
)
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS, Param
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import FAMILY_LABELS
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import ParamType
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import (
    XmlError,
    element_text,
    invalid_character,
    is_element_name,
    is_leaf,
    parse_document,
    render_tree,
    shown_text,
)

ROOT_TAG = "config"
URL_PATH = "provisioning.server.url"
_UNKNOWN = ParamType()

Validated = namedtuple("Validated", "settings tree errors warnings secrets")


class _Node:
    """A trie node over schema path segments; array segments (``shelf[]``) match ``shelf<n>``."""

    __slots__ = ("children", "arrays", "params")

    def __init__(self):
        self.children = {}
        self.arrays = {}
        self.params = []

    def child(self, name):
        node = self.children.get(name)
        if node is not None:
            return node
        base = _ARRAY_ELEMENT.match(name)
        return self.arrays.get(base.group(1)) if base else None


_ARRAY_ELEMENT = re.compile(r"^(.*?)(\d+)$")


def _build_trie(parameters):
    root = _Node()
    for param in parameters:
        node = root
        for segment in param.path.split("."):
            table = node.arrays if segment.endswith("[]") else node.children
            key = segment[:-2] if segment.endswith("[]") else segment
            node = table.setdefault(key, _Node())
        node.params.append(param)
    return root


_TRIE = _build_trie(PARAMETERS)


def lookup(path_segments):
    """Return the schema node for a concrete path (``['bif08', 'shelf1', ...]``) or None."""
    node = _TRIE
    for segment in path_segments:
        node = node.child(segment)
        if node is None:
            return None
    return node


def _is_leaf_param(node):
    return node is not None and bool(node.params) and not (node.children or node.arrays)


def _param_for(node, family):
    """The entry of ``node`` for ``family``, else any entry (to report a family mismatch)."""
    if node is None or not node.params:
        return None, False
    for param in node.params:
        if family in param.families:
            return param, True
    return node.params[0], False


def _family_error(path, param, family):
    supported = "/".join(FAMILY_LABELS[f] for f in param.families)
    message = "%s: not supported on %s (only %s)" % (path, FAMILY_LABELS[family], supported)
    if param.alias:
        message += "; use %s there" % param.alias
    return message


def _shown(param, value):
    """A value as messages show it: the mask for a secret, URL passwords masked, control characters escaped."""
    if param is not None and param.secret:
        return MASK
    return shown_text(mask_url(value))


def validate(settings, family, strict=False):
    """Check ``settings`` for ``family`` ('ipdect' or 'dect').

    Returns Validated(settings=normalised nested dict, tree=rendered strings for XML,
    errors, warnings, secrets=set of strings that must never be shown).
    """
    errors, warnings, secrets = [], [], set()
    if not isinstance(settings, dict):
        errors.append("settings: must be a dict mirroring the XML under <config>, got %s" % kind_of(settings))
        return Validated({}, {}, errors, warnings, secrets)
    normalised, tree = _walk(settings, [], family, strict, errors, warnings, secrets)
    return Validated(normalised, tree, errors, warnings, secrets)


def kind_of(value):
    """A plain type name for error messages (Ansible wraps values in tagged subclasses)."""
    for plain in (bool, int, float, str, list, dict):
        if isinstance(value, plain):
            return plain.__name__
    return "null" if value is None else type(value).__name__


def _walk(mapping, prefix, family, strict, errors, warnings, secrets):
    normalised, tree = {}, {}
    for key in mapping:
        name = str(key)
        path = prefix + [name]
        dotted = ".".join(path)
        value = mapping[key]
        if not is_element_name(name):
            errors.append("%s: '%s' is not a valid XML element name" % (dotted, name))
            continue
        node = lookup(path)
        if isinstance(value, dict) and _is_leaf_param(node):
            errors.append("%s: is a parameter, expected a single value, not a dict" % dotted)
            continue
        if isinstance(value, dict):
            if node is None and strict:
                errors.append("%s: unknown section (strict mode); see docs/parameters.md" % dotted)
                continue
            sub_norm, sub_tree = _walk(value, path, family, strict, errors, warnings, secrets)
            normalised[name], tree[name] = sub_norm, sub_tree
            continue
        leaf = _check_leaf(dotted, node, value, family, strict, errors, warnings, secrets)
        if leaf is not None:
            normalised[name], tree[name] = leaf
    return normalised, tree


def _check_leaf(dotted, node, value, family, strict, errors, warnings, secrets):
    param, family_ok = _param_for(node, family)
    if param is None:
        if node is not None and (node.children or node.arrays):
            errors.append("%s: is a section, expected a dict of its parameters" % dotted)
            return None
        if strict:
            errors.append("%s: unknown parameter (strict mode); see docs/parameters.md" % dotted)
            return None
        warnings.append("%s: unknown parameter, rendered as given (not in the guide's Appendix A)" % dotted)
        param_type = _UNKNOWN
        param = _unknown_param(dotted)
    elif not family_ok:
        errors.append(_family_error(dotted, param, family))
        return None
    else:
        param_type = param.type
    if isinstance(value, list) and not hasattr(param_type, "item"):
        errors.append("%s: expected a single value, not a list" % dotted)
        return None
    try:
        clean = param_type.normalize(value)
    except ValueError as exc:
        errors.append("%s: value '%s' %s" % (dotted, _shown(param, value), _reason(exc)))
        return None
    rendered = param_type.render(clean)
    _collect_secret(param, rendered, secrets)
    return clean, rendered


def _unknown_param(dotted):
    """Stand-in schema entry for a parameter the guide does not list.

    Firmware adds parameters; one whose name says it holds a secret (_secrets.is_secret_name:
    ``*_pwd``, ``*_pin``, ``api_key``...) is masked all the same.
    """
    return Param(dotted, (), _UNKNOWN, None, is_secret_name(dotted), "", None, None, False)


def _reason(exc):
    # A type's message may quote the value (a URL, with its password): mask that too.
    text = shown_text(scrub(str(exc)))
    return text if text.startswith(("is ", "has ", "allowed")) else "is invalid: %s" % text


def _collect_secret(param, rendered, secrets):
    if param is None:
        return
    if param.secret and rendered:
        secrets.add(rendered)
    elif url_secret(rendered):
        secrets.add(url_secret(rendered))


def _secret_param(path_segments):
    """Whether a concrete path holds a secret: the schema's flag where it knows the path, else the name."""
    node = lookup(path_segments)
    param = _param_for(node, None)[0]
    if param is not None:
        return param.secret
    return is_secret_name(path_segments[-1])


def secrets_of(settings, prefix=()):
    """Every secret value in ``settings`` as given (valid or not), for scrubbing messages: the values
    of secret parameters and secret-looking names, and the passwords of URLs."""
    found = set()
    if not isinstance(settings, dict):
        return found
    for key, value in settings.items():
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            found |= secrets_of(value, path)
            continue
        if _secret_param(path):
            found |= secret_values(value)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and url_secret(item.strip()):
                found.add(url_secret(item.strip()))
    return found


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
            shown = MASK if _secret_param(path) else shown_text(mask_url(value))
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
    return settings


def _typed(path, text, family):
    param, family_ok = _param_for(lookup(path), family)
    if param is None or not family_ok or text == "":
        return text
    try:
        return param.type.parse(text)
    except ValueError:
        return text


def flatten(settings, prefix=""):
    """``{'a': {'b': 1}}`` -> ``{'a.b': 1}``."""
    flat = {}
    for key, value in settings.items():
        path = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def mask_settings(settings, prefix=()):
    """A copy of nested ``settings`` with secret values replaced by the mask (schema secrets,
    secret-looking names the schema does not know, URL passwords)."""
    masked = {}
    for key, value in settings.items():
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            masked[key] = mask_settings(value, path)
        elif _secret_param(path):
            masked[key] = value if value in (None, "") else MASK
        else:
            masked[key] = mask_url(value)
    return masked


def masked_paths(settings, masked):
    """Paths whose value the mask replaced: what a user must supply (from a vault) after ``parsed``."""
    original, shown = flatten(settings), flatten(masked)
    return sorted(path for path in original if shown.get(path) != original[path])


def summary(settings):
    """One line per parameter (``path = value``), secrets masked: what the diff shows.

    A secret shows as the mask with its fingerprint (``********(1a2b3c4d)``, _secrets.fingerprint),
    so a changed password shows as a changed line and cannot be read back from it.
    """
    rendered = {}
    for path, value in flatten(settings).items():
        text = "true" if value is True else "false" if value is False else str(value)
        if text and _secret_param(path.split(".")):
            text = masked_with_fingerprint(path, "", text)
        elif url_secret(text):
            text = mask_url(text, masked_with_fingerprint(path, "password", url_secret(text)))
        rendered[path] = text
    return rendered


def validate_document(data, family, strict=False):
    """Parse and validate a config document: (errors, warnings). Used by provisioning_probe."""
    settings = parse(data, family)
    result = validate(settings, family, strict)
    return result.errors, result.warnings

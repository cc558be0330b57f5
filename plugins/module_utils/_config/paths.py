# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schema lookups by concrete path and reads of nested ``settings``.

``settings`` is a nested dict mirroring the XML under ``<config>``; schema paths are dotted, with
``[]`` array segments (``shelf[]`` matches ``shelf1``, ``shelf12``).
"""

from __future__ import annotations

import difflib
import re

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import is_secret_path
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS

# In settings, the own value of a parameter that is also a section (``network.ntp`` beside
# ``network.ntp.enable``): ``ntp: {value: 192.0.2.1, enable: true}``.
VALUE_KEY = "value"


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


def nearest_known(path_segments):
    """For a path the schema does not know, ``'; did you mean `<path>`?'`` naming the nearest known
    name at the first unknown segment (difflib over that level's names), else ''."""
    node = _TRIE
    for index, segment in enumerate(path_segments):
        child = node.child(segment)
        if child is None:
            names = list(node.children) + ["%s1" % name for name in node.arrays]
            match = difflib.get_close_matches(segment, names, n=1, cutoff=0.75)
            if not match:
                return ""
            return "; did you mean `%s`?" % ".".join(list(path_segments[:index]) + match + list(path_segments[index + 1:]))
        node = child
    return ""


def is_leaf_param(node):
    return node is not None and bool(node.params) and not (node.children or node.arrays)


def param_for(node, family):
    """The entry of ``node`` for ``family``, else any entry (to report a family mismatch)."""
    if node is None or not node.params:
        return None, False
    for param in node.params:
        if family in param.families:
            return param, True
    return node.params[0], False


def secret_param(path_segments):
    """Whether a concrete path holds a secret: the schema's flag where it knows the path, else its names."""
    node = lookup(path_segments)
    param = param_for(node, None)[0]
    if param is not None:
        return param.secret
    return is_secret_path(path_segments)


def value_at(settings, dotted):
    """The value at a dotted parameter path of a settings dict, or None when a segment is missing."""
    value = settings
    for segment in dotted.split("."):
        if not isinstance(value, dict) or segment not in value:
            return None
        value = value[segment]
    return value


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


def is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())

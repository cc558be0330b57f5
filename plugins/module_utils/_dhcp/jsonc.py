# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON with Kea's comments (``#``, ``//``, ``/* */``), read so that every value knows where it stands.

``read(text)`` returns the comment-blanked text (same length, same line breaks) and the root Node; each
Node carries its [start, end) span in both texts, so an editor can cut and insert without disturbing
any other byte. Errors are JsoncError with the line number.
"""

from __future__ import annotations

import json
import re
from collections import namedtuple

# kind: "object" (value: dict of key -> (key_start, Node)), "array" (value: list of Node) or "scalar".
Node = namedtuple("Node", "kind start end value")
_WS = " \t\r\n"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class JsoncError(ValueError):
    """Text that is not JSON with comments; the message gives the line."""


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def blank_comments(text):
    """Return ``text`` with its comments replaced by spaces, same length, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif ch == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise JsoncError("unterminated /* comment at line %d" % line_of(text, i))
            out.append(re.sub(r"[^\n]", " ", text[i:j + 2]))
            i = j + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _SpanReader:
    """Recursive descent over comment-blanked JSON; every node knows its [start, end) span."""

    def __init__(self, text, max_depth):
        self.text = text
        self.max_depth = max_depth

    def fail(self, pos, what):
        raise JsoncError("%s at line %d" % (what, line_of(self.text, pos)))

    def skip(self, pos):
        while pos < len(self.text) and self.text[pos] in _WS:
            pos += 1
        return pos

    def document(self):
        node = self.value(0, 0)
        end = self.skip(node.end)
        if end != len(self.text):
            self.fail(end, "unexpected text after the end")
        return node

    def value(self, pos, depth):
        pos = self.skip(pos)
        if pos >= len(self.text):
            self.fail(pos, "unexpected end of file")
        ch = self.text[pos]
        if ch in "{[":
            if depth >= self.max_depth:
                self.fail(pos, "nested deeper than %d levels" % self.max_depth)
            return self.container(pos, depth + 1)
        if ch == '"':
            return self.string(pos)
        match = _NUMBER.match(self.text, pos)
        if match:
            return Node("scalar", pos, match.end(), json.loads(match.group()))
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, pos):
                return Node("scalar", pos, pos + len(word), literal)
        if self.text.startswith("<?", pos):
            self.fail(pos, "<?include?> directives are not supported in the file the module edits")
        return self.fail(pos, "unexpected character %r" % ch)

    def string(self, pos):
        end = pos + 1
        while end < len(self.text) and self.text[end] != '"':
            end += 2 if self.text[end] == "\\" else 1
        if end >= len(self.text):
            self.fail(pos, "unterminated string")
        try:
            return Node("scalar", pos, end + 1, json.loads(self.text[pos:end + 1]))
        except ValueError:
            return self.fail(pos, "bad string")

    def container(self, start, depth):
        is_object = self.text[start] == "{"
        kind, closer = ("object", "}") if is_object else ("array", "]")
        items = {} if is_object else []
        pos = self.skip(start + 1)
        if self.text.startswith(closer, pos):
            return Node(kind, start, pos + 1, items)
        while True:
            pos = self.skip(pos)
            if is_object:
                if not self.text.startswith('"', pos):
                    self.fail(pos, "expected a key")
                key = self.string(pos)
                pos = self.skip(key.end)
                if not self.text.startswith(":", pos):
                    self.fail(pos, "expected ':'")
                node = self.value(pos + 1, depth)
                items[key.value] = (key.start, node)
            else:
                node = self.value(pos, depth)
                items.append(node)
            pos = self.skip(node.end)
            if self.text.startswith(",", pos):
                pos += 1
            elif self.text.startswith(closer, pos):
                return Node(kind, start, pos + 1, items)
            else:
                self.fail(pos, "expected ',' or '%s'" % closer)


def read(text, max_depth=64):
    """Return (comment-blanked text, root Node) of ``text``; JsoncError when it is not JSON with comments."""
    clean = blank_comments(text)
    return clean, _SpanReader(clean, max_depth).document()

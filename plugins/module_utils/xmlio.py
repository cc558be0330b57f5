# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""XML for DECT server files: deterministic rendering and safe parsing.

Rendering builds the document as text (no lxml needed), so the same bytes come out on any
Python; parsing uses lxml with entities, DTDs and network access switched off.
"""

from __future__ import annotations

import re

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:  # pragma: no cover - exercised on targets without lxml
    etree = None
    HAS_LXML = False

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
INDENT = "  "
# In a tree, the text of an element that also has child elements (the guide's <ntp> beside <ntp><enable>).
TEXT_KEY = "#text"


class XmlError(ValueError):
    """A document that is not well-formed or not of the expected shape."""


def escape_text(text):
    """Escape character data for an element body."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Characters XML 1.0 does not allow anywhere in a document (section 2.2 "Characters"), escaped or not.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def invalid_character(text):
    """The first character of ``text`` that XML 1.0 does not allow, or None."""
    match = _NOT_XML_CHAR.search(text) if isinstance(text, str) else None
    return match.group() if match else None


_SHOWN_ESCAPES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def shown_text(value):
    """``value`` for a message: control and non-characters written as ``\\uXXXX``, so a message
    never carries a raw NUL or escape sequence into a terminal or a log."""
    if not isinstance(value, str):
        return value
    return _SHOWN_ESCAPES.sub(lambda m: "\\u%04x" % ord(m.group()), value)


_ELEMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def is_element_name(name):
    """Whether ``name`` can be written as an element name (names starting 'xml' are reserved)."""
    return bool(_ELEMENT_NAME.match(name)) and not name.lower().startswith("xml")


_NATURAL = re.compile(r"(\d+)")


def natural_key(name):
    """Sort key that puts ``shelf2`` before ``shelf10``."""
    return [int(part) if part.isdigit() else part for part in _NATURAL.split(name)]


def render_tree(root_tag, tree, sort=True):
    """Render nested dicts of element name -> text/dict under ``root_tag``.

    ``tree`` values are already rendered strings (or None for an empty element) or dicts.
    A list value renders repeated elements (``<user>`` records) in list order.
    """
    lines = [XML_DECLARATION, "<%s>" % root_tag]
    _render_children(tree, 1, lines, sort)
    lines.append("</%s>" % root_tag)
    return "\n".join(lines) + "\n"


def _render_children(tree, depth, lines, sort):
    names = sorted(tree, key=natural_key) if sort else list(tree)
    for name in names:
        _render_element(name, tree[name], depth, lines, sort)


def _render_element(name, value, depth, lines, sort):
    pad = INDENT * depth
    if isinstance(value, list):
        for item in value:
            _render_element(name, item, depth, lines, sort)
    elif isinstance(value, dict):
        if not value:
            lines.append("%s<%s/>" % (pad, name))
            return
        text = value.get(TEXT_KEY)
        lines.append("%s<%s>%s" % (pad, name, escape_text(text) if text else ""))
        _render_children(dict((k, v) for k, v in value.items() if k != TEXT_KEY), depth + 1, lines, sort)
        lines.append("%s</%s>" % (pad, name))
    elif value is None or value == "":
        lines.append("%s<%s/>" % (pad, name))
    else:
        lines.append("%s<%s>%s</%s>" % (pad, name, escape_text(value), name))


# A config document is at most 6 elements deep (config/bif08/shelf1/card2/port3/enable), a users
# document 3 (users/user/field). Deeper input is refused while it is read, before any of it is
# turned into data: 250 levels of nesting once crashed Ansible's output callback.
MAX_DEPTH = 16
_FEED_CHUNK = 1 << 16


def _pull_parser():
    return etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False, remove_comments=True, remove_pis=True)


def parse_document(data, root_tag, max_depth=MAX_DEPTH):
    """Parse bytes or text into an lxml root element, refusing entities, wrong roots and nesting
    deeper than ``max_depth`` elements (checked as the document is read)."""
    if not HAS_LXML:
        raise XmlError("lxml is required on the controller to parse XML")
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlError("DOCTYPE and ENTITY declarations are not allowed in DECT server files")
    parser = _pull_parser()
    depth = 0
    try:
        for start in range(0, max(len(data), 1), _FEED_CHUNK):
            parser.feed(data[start:start + _FEED_CHUNK])
            for event, element in parser.read_events():
                depth += 1 if event == "start" else -1
                if depth > max_depth:
                    raise XmlError("elements nested more than %d deep (<%s> at line %s): not a DECT server"
                                   " document (config is at most 6 deep, users 3)"
                                   % (max_depth, element.tag, element.sourceline))
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise XmlError("not well-formed XML: %s" % exc)
    if root.tag != root_tag:
        raise XmlError("root element is <%s>, expected <%s>" % (root.tag, root_tag))
    return root


def check_well_formed(text, root_tag):
    """Parse a rendered document back, as the device will: XmlError when it would be rejected."""
    parse_document(text, root_tag)


def element_text(element):
    """Text of a leaf element with surrounding white space removed ('' when empty)."""
    return (element.text or "").strip()


def is_leaf(element):
    return len(element) == 0

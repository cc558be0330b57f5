"""Compare XML documents in tests: element structure and stripped leaf text, order-free for distinct
names, order kept for repeated ones (``<user>`` records). Parsed with the collection's safe parser."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import (
    TEXT_KEY,
    element_text,
    is_leaf,
    parse_document,
)


def element_to_tree(element):
    """Nested dicts of text; repeated sibling names become lists; an element with children and text
    keeps the text under TEXT_KEY."""
    tree = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        value = element_text(child) if is_leaf(child) else element_to_tree(child)
        if not is_leaf(child) and element_text(child):
            value[TEXT_KEY] = element_text(child)
        if child.tag in tree:
            previous = tree[child.tag]
            tree[child.tag] = previous + [value] if isinstance(previous, list) else [previous, value]
        else:
            tree[child.tag] = value
    return tree


def canonical(data, root_tag):
    """A comparable form of a document (``data``: bytes or text, root element ``root_tag``)."""
    return element_to_tree(parse_document(data, root_tag))

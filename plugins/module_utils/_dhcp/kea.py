# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kea: in-place edit of the daemon's JSON config, every byte outside the module's entries kept.

The entries the module owns carry ``"user-context": {"managed-by": "dect.provisioning.dhcp_option66"}``;
a run removes exactly those elements and inserts the new ones, so every other byte of the file
(comments included) survives.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.jsonc import JsoncError, line_of, read
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.masking import MASK
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import (
    MANAGED_BY,
    NotBackendFormat,
    OPTION_NAME,
    DhcpError,
    Service,
    needs_own_option,
    where_host,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import format_mac

# "password" (lease/hosts database), "secret" (TSIG keys), ... : values diff mode must not show.
_KEA_PASSWORD = re.compile(r'("(?:password|secret|key-password)"\s*:\s*")((?:[^"\\]|\\.)*)(")')


class KeaBackend:
    name = "kea"
    binary = "kea-dhcp4"
    edits_in_place = True
    service = Service("kea-dhcp4-server", "reloaded", "HUP")  # Kea re-reads its config on SIGHUP

    def candidate(self, live_text, plan):
        return kea_merge(live_text, plan)

    def shown(self, text):
        """The whole config as diff mode may show it: database and other passwords masked."""
        return _KEA_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text) if text else text

    def validate_argv(self, binary, config_path):
        return [binary, "-t", config_path]


class _KeaDoc:
    """The Dhcp4 part of a Kea config: where each array lives and which elements the module owns."""

    def __init__(self, text):
        self.text = text
        try:
            self.clean, root = read(text)
        except JsoncError as exc:
            raise NotBackendFormat("path: not a Kea JSON config: %s" % exc)
        if root.kind != "object" or "Dhcp4" not in root.value or root.value["Dhcp4"][1].kind != "object":
            raise NotBackendFormat("path: not a Kea DHCPv4 config: no \"Dhcp4\" object at the top level")
        self.dhcp4 = root.value["Dhcp4"][1]
        self.subnets = []
        for subnet in self._members(self.dhcp4, "subnet4"):
            self.subnets.append(subnet)
        for network in self._members(self.dhcp4, "shared-networks"):
            self.subnets += self._members(network, "subnet4")

    def _members(self, obj, key):
        node = obj.value.get(key, (None, None))[1] if obj.kind == "object" else None
        return [item for item in node.value if item.kind == "object"] if node and node.kind == "array" else []

    def owned(self, node):
        if node.kind != "object" or "user-context" not in node.value:
            return False
        context = node.value["user-context"][1]
        marker = context.value.get("managed-by") if context.kind == "object" else None
        return bool(marker) and marker[1].value == MANAGED_BY

    def subnet_prefix(self, subnet):
        entry = subnet.value.get("subnet")
        try:
            return ipaddress.IPv4Network(entry[1].value, strict=False) if entry else None
        except (ValueError, TypeError):
            return None

    def containers(self):
        """Every object whose reservations / option-data the module may own entries in."""
        return [self.dhcp4] + self.subnets


def kea_escape(url):
    """Kea reads a string option as comma-separated values: a literal comma is written ``\\,``."""
    return url.replace(",", "\\,")


def _line_indent(text, pos):
    line_start = text.rfind("\n", 0, pos) + 1
    match = re.match(r"[ \t]*", text[line_start:])
    return match.group()


def _indent_unit(text):
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "  "


def _option(url, owned):
    entry = {"name": OPTION_NAME, "data": kea_escape(url)}
    if owned:
        entry["user-context"] = {"managed-by": MANAGED_BY}
    return entry


def _reservation(plan, host):
    entry = {"hw-address": format_mac(host.mac)}
    if host.ip:
        entry["ip-address"] = host.ip
    if needs_own_option(plan, host):
        entry["option-data"] = [_option(host.url, False)]
    if len(entry) == 1:
        return None  # Kea refuses a reservation that reserves nothing
    entry["user-context"] = {"managed-by": MANAGED_BY, "name": host.name}
    return entry


def _dump(entry):
    return json.dumps(entry, separators=(", ", ": "))


def _kea_targets(doc, plan):
    """Map id(container node) -> {"reservations": [...], "option-data": [...]} of new owned entries."""
    by_prefix = [(doc.subnet_prefix(subnet), subnet) for subnet in doc.subnets]

    def chosen_subnet(what):
        if plan.subnet:
            for prefix, subnet in by_prefix:
                if prefix is not None and str(prefix) == plan.subnet:
                    return subnet
            raise DhcpError("subnet: %s is not a subnet4 entry of the Kea config (has: %s)"
                            % (plan.subnet, ", ".join(str(prefix) for prefix, _subnet in by_prefix) or "none"))
        if len(by_prefix) == 1:
            return by_prefix[0][1]
        raise DhcpError("%s: the Kea config has %d subnets: set subnet to choose one"
                        % (what, len(by_prefix)))

    targets = {}

    def add(container, key, entry):
        targets.setdefault(id(container), (container, {}))[1].setdefault(key, []).append(entry)

    if plan.scope == "subnet":
        add(chosen_subnet("scope") if plan.subnet else doc.dhcp4, "option-data", _option(plan.url, True))
    for index, host in enumerate(plan.hosts):
        entry = _reservation(plan, host)
        if entry is None:
            continue
        if host.ip:
            matches = [s for p, s in by_prefix if p is not None and ipaddress.IPv4Address(host.ip) in p]
            if not matches:
                raise DhcpError("%s.ip: %s is in no subnet4 of the Kea config"
                                % (where_host(index, host.name), host.ip))
            subnet = matches[0]
        else:
            subnet = chosen_subnet(where_host(index, host.name))
        add(subnet, "reservations", entry)
    return targets


def _element_span(clean, node):
    """The span that removes ``node``: from the newline before it when it starts its line."""
    line_start = clean.rfind("\n", 0, node.start)
    if line_start >= 0 and not clean[line_start + 1:node.start].strip():
        return line_start, node.end
    return node.start, node.end


def _comma_after(clean, node, limit):
    pos = clean.find(",", node.end, limit)
    return pos if pos >= 0 and not clean[node.end:pos].strip() else None


def _append_after(clean, node, limit, payload):
    """Edits that put ``payload`` on new lines after ``node`` (a value followed by nothing of the
    container up to ``limit``), after any comment that trails it on its line."""
    comma = [] if _comma_after(clean, node, limit) is not None else [[node.end, node.end, ","]]
    eol = clean.find("\n", node.end, limit)
    anchor = eol if eol >= 0 else node.end
    return comma + [[anchor, anchor, payload]]


def _array_edits(doc, array, new_entries, indent):
    """Edits (start, end, text) that drop the owned elements of ``array`` and append ``new_entries``.

    Each owned element goes with its line and one separating comma; the new ones are written one
    per line after the last element the module does not own (and after that element's trailing
    comment), so a re-run with the same input writes identical bytes.
    """
    clean, items = doc.clean, array.value
    owned = [doc.owned(item) for item in items]
    kept = [i for i, is_owned in enumerate(owned) if not is_owned]
    edits = []
    for i, item in enumerate(items):
        if not owned[i]:
            continue
        start, end = _element_span(clean, item)
        if i + 1 < len(items):
            end = _comma_after(clean, item, items[i + 1].start) + 1
        edits.append([start, end, ""])
    last = kept[-1] if kept else None
    if last is not None and last + 1 < len(items) and not new_entries:
        comma = _comma_after(clean, items[last], items[last + 1].start)
        edits.append([comma, comma + 1, ""])
    if not new_entries:
        return edits
    payload = "\n" + indent + (",\n" + indent).join(_dump(entry) for entry in new_entries)
    if last is not None:
        return edits + _append_after(clean, items[last], array.end - 1, payload)
    if "\n" not in clean[array.start:array.end]:
        payload += "\n" + _line_indent(doc.text, array.start)
    return edits + [[array.start + 1, array.start + 1, payload]]


def kea_merge(live_text, plan):
    """Return ``live_text`` with the module's reservations / option-data replaced by ``plan``'s."""
    doc = _KeaDoc(live_text)
    unit = _indent_unit(live_text)
    targets = _kea_targets(doc, plan) if plan is not None else {}
    edits = []
    for container in doc.containers():
        wanted = targets.get(id(container), (container, {}))[1]
        for key in ("option-data", "reservations"):
            member = container.value.get(key)
            new_entries = wanted.get(key, [])
            if member is not None and member[1].kind == "array":
                array = member[1]
                if key == "option-data" and new_entries:
                    _refuse_foreign_option66(doc, container, array)
                indent = _line_indent(live_text, member[0]) + unit
                if array.value:
                    indent = _line_indent(live_text, array.value[0].start) or indent
                edits += _array_edits(doc, array, new_entries, indent)
            elif new_entries:
                edits += _new_member(doc, container, key, new_entries, unit)
    return _apply(live_text, edits)


def _refuse_foreign_option66(doc, container, array):
    """Kea silently accepts option 66 twice in one list; which one it sends is then anyone's guess."""
    for item in array.value:
        if doc.owned(item) or item.kind != "object":
            continue
        entry = json.loads(doc.clean[item.start:item.end])
        if entry.get("name") == OPTION_NAME or entry.get("code") == 66:
            where = "Dhcp4" if container is doc.dhcp4 else "subnet4 %s" % doc.subnet_prefix(container)
            raise DhcpError("path: the option-data of %s already sets option 66 (%s) outside the module's"
                            " entries, at line %d: remove it, or use scope=host" % (
                                where, OPTION_NAME, line_of(doc.clean, item.start)))


def _new_member(doc, container, key, entries, unit):
    """Edits that add ``"key": [entries]`` as the last member of ``container``."""
    text = doc.text
    members = sorted(container.value.values(), key=lambda item: item[1].end)
    inner = _line_indent(text, members[-1][0]) if members else _line_indent(text, container.start) + unit
    body = (",\n" + inner + unit).join(_dump(entry) for entry in entries)
    member = '"%s": [\n%s%s%s\n%s]' % (key, inner, unit, body, inner)
    if members:
        return _append_after(doc.clean, members[-1][1], container.end - 1, "\n" + inner + member)
    return [[container.start + 1, container.start + 1, "\n" + inner + member + "\n"]]


def _apply(text, edits):
    edits = sorted(edits, key=lambda edit: (edit[0], edit[1]))
    out, pos = [], 0
    for start, end, replacement in edits:
        if start < pos:
            raise DhcpError("internal error: overlapping edits of the Kea config")
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DHCP option 66 for DECT servers on ISC dhcpd, Kea and dnsmasq, behind one small interface.

A backend turns a checked plan (hosts, URL, scope) into the text of the file the module owns
(``candidate``), says how to validate that text with the daemon's own test mode
(``validation_config`` and ``validate_argv``), and how the running daemon picks it up (``service``).

- ISC dhcpd and dnsmasq: the module owns a whole include file; the candidate is rendered from scratch.
- Kea: the module edits the daemon's JSON config in place. The entries it owns carry
  ``"user-context": {"managed-by": "dect.provisioning.dhcp_option66"}``; a re-run removes exactly those
  elements and inserts the new ones, so every other byte of the file (comments included) survives.

Runs on the DHCP host: Python 3.8 syntax, standard library only.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    MASK,
    IdentifierError,
    format_mac,
    normalize_mac,
    parse_provisioning_url,
    url_secret,
)

MANAGED_BY = "dect.provisioning.dhcp_option66"
BACKENDS = ("isc", "kea", "dnsmasq")
SCOPES = ("host", "subnet")
OPTION_NAME = "tftp-server-name"  # DHCP option 66 in ISC and Kea spelling

DhcpHost = namedtuple("DhcpHost", "name mac ip url")
Plan = namedtuple("Plan", "hosts url scope subnet")
Service = namedtuple("Service", "name state signal")


class DhcpError(ValueError):
    """Input or a live file the module cannot work with; the message names the parameter path."""


# ISC dhcpd host names are dot-separated identifiers (quoted names are refused); dnsmasq uses the
# name inside a tag. One charset that both read literally.
_HOST_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?=[A-Za-z0-9_-])){0,62}$")


# ---------------------------------------------------------------------------------------------
# Checking input
# ---------------------------------------------------------------------------------------------

def check_url(value, where):
    """Return ``value`` when it is a provisioning URL of the guide's format, else raise DhcpError.

    The URL ends up inside a quoted string of a daemon's config: parse_provisioning_url refuses
    quotes, backslashes and control characters (newlines), so it cannot break out of it.
    """
    try:
        parse_provisioning_url(value)
    except IdentifierError as exc:
        message, secret = str(exc), url_secret(value)
        raise DhcpError("%s: %s" % (where, message.replace(secret, MASK) if secret else message))
    return value


def _check_name(value, where):
    if not isinstance(value, str) or not _HOST_NAME.match(value):
        raise DhcpError(
            "%s: '%s' is not a usable host name: allowed 1-63 characters from A-Z a-z 0-9 _ - and"
            " single dots, starting with a letter or digit" % (where, value))
    return value


def _check_ip(value, where):
    try:
        return str(ipaddress.IPv4Address(str(value).strip()))
    except ValueError:
        raise DhcpError("%s: '%s' is not an IPv4 address" % (where, value))


def _where(index, name):
    return "hosts[%d]%s" % (index, " (%s)" % name if isinstance(name, str) and name else "")


def normalize_hosts(hosts, default_url):
    """Check and normalise the ``hosts`` option: names, MACs and IPs unique, each with a URL."""
    result, seen = [], {}
    for index, entry in enumerate(hosts or []):
        if not isinstance(entry, dict):
            raise DhcpError("hosts[%d]: expected a dict with name, mac, optional ip and url" % index)
        name = entry.get("name")
        where = _where(index, name)
        _check_name(name, where + ".name")
        try:
            mac = normalize_mac(entry.get("mac"))
        except IdentifierError as exc:
            raise DhcpError("%s.mac: %s" % (where, exc))
        ip = _check_ip(entry["ip"], where + ".ip") if entry.get("ip") not in (None, "") else None
        url = entry.get("url") or default_url
        if not url:
            raise DhcpError("%s.url: no URL for this host: set url on the host or the module's url" % where)
        check_url(url, where + ".url")
        for kind, value in (("name", name.lower()), ("mac", mac), ("ip", ip)):
            if value is None:
                continue
            if (kind, value) in seen:
                raise DhcpError("%s.%s: '%s' is also used by %s" % (where, kind, value, seen[(kind, value)]))
            seen[(kind, value)] = where
        result.append(DhcpHost(name, mac, ip, url))
    return result


def make_plan(hosts, url, scope, subnet=None):
    """Check every input value and return a Plan; nothing is rendered from unchecked input."""
    if scope not in SCOPES:
        raise DhcpError("scope: '%s' is not allowed: allowed %s" % (scope, ", ".join(SCOPES)))
    if url:
        check_url(url, "url")
    elif scope == "subnet":
        raise DhcpError("url: required with scope=subnet (the option every client of the scope gets)")
    if subnet:
        try:
            subnet = str(ipaddress.IPv4Network(str(subnet).strip(), strict=True))
        except ValueError as exc:
            raise DhcpError("subnet: '%s' is not an IPv4 network in CIDR form (%s)" % (subnet, exc))
    return Plan(normalize_hosts(hosts, url), url, scope, subnet or None)


def secrets_of(plan):
    """The passwords inside the plan's URLs, for the module's no_log values."""
    urls = [plan.url] + [host.url for host in plan.hosts]
    return sorted({url_secret(url) for url in urls if url and url_secret(url)})


def needs_own_option(plan, host):
    """Whether ``host`` gets option 66 in its own reservation (always in host scope)."""
    return plan.scope == "host" or host.url != plan.url


# ---------------------------------------------------------------------------------------------
# ISC dhcpd: an include file of host declarations
# ---------------------------------------------------------------------------------------------

def _header(comment, plan):
    return [
        "%s Managed by %s: changes made here are overwritten." % (comment, MANAGED_BY),
        "%s DHCP option 66 (provisioning URL) for Spectralink DECT servers, scope: %s." % (comment, plan.scope),
    ]


class _IncludeFileBackend:
    """ISC dhcpd and dnsmasq: the module owns the whole include file."""

    edits_in_place = False

    def shown(self, text):
        """The file as diff mode may show it: the owned include holds nothing but option 66 data."""
        return text


class IscBackend(_IncludeFileBackend):
    name = "isc"
    binary = "dhcpd"
    service = Service("isc-dhcp-server", "restarted", None)  # dhcpd has no reload: restart

    def candidate(self, live_text, plan):
        lines = _header("#", plan)
        if plan.scope == "subnet":
            lines.append('option %s "%s";' % (OPTION_NAME, plan.url))
        for host in plan.hosts:
            body = ["  hardware ethernet %s;" % format_mac(host.mac)]
            if host.ip:
                body.append("  fixed-address %s;" % host.ip)
            if needs_own_option(plan, host):
                body.append('  option %s "%s";' % (OPTION_NAME, host.url))
            if len(body) > 1:
                lines += ["host %s {" % host.name] + body + ["}"]
        return "\n".join(lines) + "\n"

    def include_pattern(self, path):
        return re.compile(r'(\binclude\s+")%s(")' % re.escape(path))

    def include_hint(self, path):
        return 'include "%s";' % path

    def validate_argv(self, binary, config_path):
        return [binary, "-t", "-cf", config_path]


# ---------------------------------------------------------------------------------------------
# dnsmasq: an include file of dhcp-host / dhcp-option lines
# ---------------------------------------------------------------------------------------------

class DnsmasqBackend(_IncludeFileBackend):
    name = "dnsmasq"
    binary = "dnsmasq"
    # SIGHUP re-reads hosts files only, not dhcp-host lines of a conf-file: restart.
    service = Service("dnsmasq", "restarted", None)

    def candidate(self, live_text, plan):
        lines = _header("#", plan)
        if plan.scope == "subnet":
            lines.append('dhcp-option=66,"%s"' % plan.url)
        for host in plan.hosts:
            fields = [format_mac(host.mac)]
            own_option = needs_own_option(plan, host)
            if own_option:
                fields.append("set:dect-%s" % host.name)
            if host.ip:
                fields.append(host.ip)
            if len(fields) > 1:
                lines.append("dhcp-host=%s" % ",".join(fields))
            if own_option:
                # A tagged option wins over the untagged scope-wide one in dnsmasq.
                lines.append('dhcp-option=tag:dect-%s,66,"%s"' % (host.name, host.url))
        return "\n".join(lines) + "\n"

    def include_pattern(self, path):
        return re.compile(r"^(\s*conf-file\s*=\s*)%s(\s*)$" % re.escape(path), re.M)

    def include_hint(self, path):
        return "conf-file=%s" % path

    def validate_argv(self, binary, config_path):
        return [binary, "--test", "--conf-file=%s" % config_path]


# ---------------------------------------------------------------------------------------------
# Kea: in-place edit of the JSON config, comments preserved
# ---------------------------------------------------------------------------------------------

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


BACKEND_CLASSES = {"isc": IscBackend, "kea": KeaBackend, "dnsmasq": DnsmasqBackend}


def get_backend(name):
    if name not in BACKEND_CLASSES:
        raise DhcpError("backend: '%s' is not allowed: allowed %s" % (name, ", ".join(BACKENDS)))
    return BACKEND_CLASSES[name]()


def validation_config(backend, candidate_path, live_path, main_config_text=None):
    """Text of the config the daemon's test mode reads, or None to test the candidate file itself.

    With the daemon's main config (``main_config_text``), the reference to the live include is pointed
    at the candidate, so the test proves the real config works with it; the main config must
    reference ``live_path`` for that. Kea's candidate is already the whole config.
    """
    if backend.edits_in_place or main_config_text is None:
        return None
    pattern = backend.include_pattern(live_path)
    if not pattern.search(main_config_text):
        raise DhcpError(
            "validate_config: the file does not include path %s: add `%s` to it (or leave validate_config"
            " unset to test the owned file alone)" % (live_path, backend.include_hint(live_path)))
    return pattern.sub(lambda m: m.group(1) + candidate_path + m.group(2), main_config_text)


_NOISE = re.compile(
    r"^(Internet Systems Consortium|Copyright|All rights reserved|For info, please visit|If you think you"
    r"|than a configuration issue|bugs on either our web|before submitting a bug|process and the information"
    r"|exiting\.$|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ +(INFO|DEBUG|WARN))")
_KEA_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ +\w+ +\[[^\]]*\] ")


def daemon_message(output, shown_as):
    """The daemon's test-mode output without banners and log prefixes.

    ``shown_as`` maps each temporary file name to what the user knows it as (the live path, the main
    config), so the message points at real files.
    """
    lines = []
    for line in output.splitlines():
        if not line.strip() or _NOISE.match(line.strip()):
            continue
        line = _KEA_LOG_PREFIX.sub("", line)
        for temp, name in shown_as.items():
            if temp:
                line = line.replace(temp, name)
        lines.append(line.rstrip())
    return "\n".join(lines)


# ---- a JSON reader that keeps the position of every value -----------------------------------

_Node = namedtuple("_Node", "kind start end value")  # value: dict of key->(key_start, _Node), list, or scalar
_WS = " \t\r\n"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


def blank_comments(text):
    """Return ``text`` with Kea's comments (``#``, ``//``, ``/* */``) replaced by spaces, same length.

    Newlines stay, so positions and line numbers in the blanked text are those of the original.
    """
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
                raise DhcpError("path: unterminated /* comment at line %d" % (text.count("\n", 0, i) + 1))
            out.append(re.sub(r"[^\n]", " ", text[i:j + 2]))
            i = j + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _SpanReader:
    """Recursive descent over comment-blanked JSON; every node knows its [start, end) span."""

    def __init__(self, text):
        self.text = text

    def fail(self, pos, what):
        line = self.text.count("\n", 0, pos) + 1
        raise DhcpError("path: not a Kea JSON config: %s at line %d" % (what, line))

    def skip(self, pos):
        while pos < len(self.text) and self.text[pos] in _WS:
            pos += 1
        return pos

    def document(self):
        node = self.value(0)
        end = self.skip(node.end)
        if end != len(self.text):
            self.fail(end, "unexpected text after the end")
        return node

    def value(self, pos):
        pos = self.skip(pos)
        if pos >= len(self.text):
            self.fail(pos, "unexpected end of file")
        ch = self.text[pos]
        if ch in "{[":
            return self.container(pos)
        if ch == '"':
            return self.string(pos)
        match = _NUMBER.match(self.text, pos)
        if match:
            return _Node("scalar", pos, match.end(), json.loads(match.group()))
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, pos):
                return _Node("scalar", pos, pos + len(word), literal)
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
            return _Node("scalar", pos, end + 1, json.loads(self.text[pos:end + 1]))
        except ValueError:
            return self.fail(pos, "bad string")

    def container(self, start):
        is_object = self.text[start] == "{"
        kind, closer = ("object", "}") if is_object else ("array", "]")
        items = {} if is_object else []
        pos = self.skip(start + 1)
        if self.text.startswith(closer, pos):
            return _Node(kind, start, pos + 1, items)
        while True:
            pos = self.skip(pos)
            if is_object:
                if not self.text.startswith('"', pos):
                    self.fail(pos, "expected a key")
                key = self.string(pos)
                pos = self.skip(key.end)
                if not self.text.startswith(":", pos):
                    self.fail(pos, "expected ':'")
                node = self.value(pos + 1)
                items[key.value] = (key.start, node)
            else:
                node = self.value(pos)
                items.append(node)
            pos = self.skip(node.end)
            if self.text.startswith(",", pos):
                pos += 1
            elif self.text.startswith(closer, pos):
                return _Node(kind, start, pos + 1, items)
            else:
                self.fail(pos, "expected ',' or '%s'" % closer)


class _KeaDoc:
    """The Dhcp4 part of a Kea config: where each array lives and which elements the module owns."""

    def __init__(self, text):
        self.text = text
        self.clean = blank_comments(text)
        root = _SpanReader(self.clean).document()
        if root.kind != "object" or "Dhcp4" not in root.value or root.value["Dhcp4"][1].kind != "object":
            raise DhcpError("path: not a Kea DHCPv4 config: no \"Dhcp4\" object at the top level")
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
                                % (_where(index, host.name), host.ip))
            subnet = matches[0]
        else:
            subnet = chosen_subnet(_where(index, host.name))
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
                                where, OPTION_NAME, doc.clean.count("\n", 0, item.start) + 1))


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


def kea_owned_entries(live_text):
    """The module's own entries in a Kea config, as decoded JSON (for reports and tests)."""
    doc = _KeaDoc(live_text)
    found = []
    for container in doc.containers():
        for key in ("option-data", "reservations"):
            member = container.value.get(key)
            if member is None or member[1].kind != "array":
                continue
            for item in member[1].value:
                if doc.owned(item):
                    found.append((key, json.loads(doc.clean[item.start:item.end])))
    return found

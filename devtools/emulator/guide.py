"""What the emulated DECT server knows, read from the provisioning guide itself.

Deliberately independent of the collection (nothing from ``plugins/``): the emulator reads the
XML with ElementTree as the guide describes it, so a misreading in the collection's schema or
renderer shows up as a device that does not do what the inventory meant.

Guide facts used here:
- file names: ``<MAC>-config.xml`` and ``<MAC>-users.xml``, MAC as 12 lowercase hex digits
  ("Configuration File", "User List File");
- the URL: ``[<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]``, protocols ftp, tftp,
  http, https; a bare host is TFTP ("Provisioning Server (Protocols and Files)");
- the provisioning section and its Appendix A defaults (method dhcp, config check true, users check
  false, interval 0, check_sync disabled);
- firmware: ``<name>.ver`` is fetched first, the image only when its text differs ("Firmware
  Update"); ``rfp`` and ``rfp6`` exist only on the 2500/8000 ("Only relevant to Spectralink DECT
  Server 2500/8000");
- users: ``<users>`` of ``<user>`` records, each field a child element (Appendix C/D).
"""

from __future__ import annotations

import re
from xml.etree import ElementTree
from collections import namedtuple

MODELS = ("400", "6500", "2500", "8000")
FAMILY = {"400": "ipdect", "6500": "ipdect", "2500": "dect", "8000": "dect"}
DEFAULT_PORTS = {"tftp": 69, "ftp": 21, "http": 80, "https": 443}
# provisioning -> firmware children in the guide's order; rfp/rfp6 on the 2500/8000 only.
FIRMWARE_KINDS = ("kws", "rfp", "rfp6", "pp14208700", "pp14225100", "pp14225110", "pp14225190")
DECT_ONLY_KINDS = ("rfp", "rfp6")
MASK = "********"
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
TEXT_KEY = "#text"

FACTORY_PROVISIONING = {
    "method": "dhcp",
    "url": None,
    "config_check": True,
    "users_check": False,
    "interval": 0,
    "time": None,
    "check_sync": "disabled",
}

Url = namedtuple("Url", "protocol user password host port path")


class GuideError(ValueError):
    """A file or value the device would not accept."""


_MAC = re.compile(r"^[0-9a-f]{12}$")


def normalize_mac(text):
    digits = re.sub(r"[\s:.\-]", "", str(text)).lower()
    if not _MAC.match(digits):
        raise GuideError("'%s' is not a MAC address" % text)
    return digits


def file_name(mac, kind):
    return "%s-%s.xml" % (normalize_mac(mac), kind)


def ver_name(name):
    return name + ".ver"


_URL = re.compile(r"^(?:(?P<protocol>[A-Za-z]+)://)?(?:(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@)?"
                  r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]@]+)(?::(?P<port>\d+))?(?P<path>/.*)?$")


def parse_url(text):
    """The guide's provisioning URL; a bare host means TFTP."""
    match = _URL.match((text or "").strip())
    if not match:
        raise GuideError("'%s' is not a provisioning URL" % mask_url(text))
    protocol = (match.group("protocol") or "tftp").lower()
    if protocol not in DEFAULT_PORTS:
        raise GuideError("protocol '%s' is not one of ftp, tftp, http, https" % protocol)
    port = int(match.group("port")) if match.group("port") else DEFAULT_PORTS[protocol]
    if not 0 < port < 65536:
        raise GuideError("port %d is out of range" % port)
    host = match.group("host").strip("[]")
    path = (match.group("path") or "").strip("/")
    return Url(protocol, match.group("user"), match.group("password"), host, port, path)


def mask_url(text):
    """The URL with the password of ``user:password@`` masked."""
    if not text:
        return text
    return re.sub(r"^((?:[A-Za-z]+://)?[^:@/]*:)[^@/]*@", lambda m: m.group(1) + MASK + "@", str(text))


def _safe_root(data, root_tag):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise GuideError("document larger than %d bytes" % MAX_DOCUMENT_BYTES)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise GuideError("DOCTYPE/ENTITY declarations refused")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise GuideError("not well-formed XML: %s" % exc)
    if root.tag != root_tag:
        raise GuideError("root element is <%s>, expected <%s>" % (root.tag, root_tag))
    return root


def _tree(element):
    """Nested dict of element texts; an element with children and text keeps the text under '#text'."""
    out = {}
    for child in element:
        text = (child.text or "").strip()
        if len(child):
            value = _tree(child)
            if text:
                value[TEXT_KEY] = text
        else:
            value = text
        out[child.tag] = value
    return out


def read_config(data):
    """``<config>`` as nested dicts of text: what the device imports, replacing everything it had."""
    return _tree(_safe_root(data, "config"))


def read_users(data):
    """``<users>`` as a list of ``{field: text}`` records."""
    root = _safe_root(data, "users")
    records = []
    for element in root:
        if element.tag != "user":
            raise GuideError("<%s> under <users>: only <user> records" % element.tag)
        records.append(dict((child.tag, (child.text or "").strip()) for child in element))
    return records


def _flag(text):
    lowered = text.strip().lower() if isinstance(text, str) else None
    return {"true": True, "false": False}.get(lowered)


def _section(settings, *names):
    node = settings or {}
    for name in names:
        node = node.get(name) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def provisioning_of(settings):
    """The provisioning parameters in effect: the file's where it sets a value the device understands,
    the guide's defaults elsewhere (the file replaces the whole configuration)."""
    effective = dict(FACTORY_PROVISIONING)
    server = _section(settings, "provisioning", "server")
    check = _section(settings, "provisioning", "check")
    if server.get("method") in ("dhcp", "static", "disabled"):
        effective["method"] = server["method"]
    if isinstance(server.get("url"), str) and server["url"]:
        effective["url"] = server["url"]
    for key, name in (("config_check", "config"), ("users_check", "users")):
        value = _flag(_section(settings, "provisioning", name).get("check"))
        if value is not None:
            effective[key] = value
    interval = check.get("interval")
    if isinstance(interval, str) and re.match(r"^\d+$", interval.strip()):
        effective["interval"] = int(interval)
    if isinstance(check.get("time"), str) and re.match(r"^([01]\d|2[0-3]):[0-5]\d$", check["time"]):
        effective["time"] = check["time"]
    if check.get("check_sync") in ("disabled", "update", "reboot"):
        effective["check_sync"] = check["check_sync"]
    return effective


def firmware_names(settings, model):
    """``[(kind, file name)]`` the device fetches, in the guide's order."""
    section = _section(settings, "provisioning", "firmware")
    names = []
    for kind in FIRMWARE_KINDS:
        name = section.get(kind)
        if not isinstance(name, str) or not name.strip():
            continue
        if kind in DECT_ONLY_KINDS and FAMILY.get(str(model)) != "dect":
            continue
        names.append((kind, name.strip()))
    return names


_SECRET = re.compile(r"pass(word|wd)|secret|community|access_?code", re.I)


def masked(settings):
    """A copy for the state file: values of secret-looking elements and URL passwords masked."""
    out = {}
    for key, value in (settings or {}).items():
        if isinstance(value, dict):
            out[key] = masked(value)
        elif _SECRET.search(key) and value:
            out[key] = MASK
        elif key == "url":
            out[key] = mask_url(value)
        else:
            out[key] = value
    return out

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
- users: ``<users>`` of ``<user>`` records, each field a child element (Appendix C/D); a record
  needs ``username`` on the 400/6500 and ``localno`` on the 2500/8000 ("Each record must have at
  least a user name field" / "a local number field"), with the value formats of Appendix C;
- SIP (Appendix A): ``sip.localport`` (default 5060), ``sip.transport`` udp/tcp/tls (default udp),
  ``sip.tls_allow_insecure`` ("By default, UDP and TCP transports are disabled when TLS transport is
  the default. If this setting is true, UDP and TCP are allowed as fall back");
- base station and handset firmware needs the Enhanced Provisioning Interface License (``dect.license``,
  "Stores the license, if installed") and automatic update enabled for its devices (``rfp.auto.enable``
  IP base stations, ``rfp.auto.enable_digital`` RFP6, ``suota.auto`` handsets, ``mr.auto.enable``
  media resources); ``default_kws`` (400/6500) makes the server firmware the base stations' and media
  resources' default; the 400's single built-in base station is updated with the server firmware.
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
HANDSET_KINDS = ("pp14208700", "pp14225100", "pp14225110", "pp14225190")
SIP_DEFAULT_PORT = 5060
SIP_TRANSPORTS = ("udp", "tcp", "tls")
LICENCE_PATH = "dect.license"
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


# ----------------------------------------------------------------------------- SIP settings


def sip_of(settings):
    """The SIP listening settings in effect: ``{localport, transport, tls_allow_insecure, set}``.

    ``set`` lists the parameters the applied file sets to a value the device understands; the others
    take Appendix A defaults (localport 5060, transport udp, tls_allow_insecure false).
    """
    section = _section(settings, "sip")
    effective = {"localport": SIP_DEFAULT_PORT, "transport": "udp", "tls_allow_insecure": False, "set": []}
    port = section.get("localport")
    if isinstance(port, str) and re.match(r"^\d{1,5}$", port.strip()) and 0 < int(port) < 65536:
        effective["localport"] = int(port)
        effective["set"].append("localport")
    transport = section.get("transport")
    if isinstance(transport, str) and transport.strip().lower() in SIP_TRANSPORTS:
        effective["transport"] = transport.strip().lower()
        effective["set"].append("transport")
    insecure = _flag(section.get("tls_allow_insecure"))
    if insecure is not None:
        effective["tls_allow_insecure"] = insecure
        effective["set"].append("tls_allow_insecure")
    return effective


def listening_transports(sip):
    """What the device accepts requests on: UDP and TCP, or TLS only (plus UDP and TCP when
    ``tls_allow_insecure``), all on ``localport``."""
    if sip["transport"] != "tls":
        return ["udp", "tcp"]
    return ["udp", "tcp", "tls"] if sip["tls_allow_insecure"] else ["tls"]


# ----------------------------------------------------------------------------- users (Appendix C)

_SIP_NAME = re.compile(r"^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{1,63}$")
_FORMATS = (
    # field, pattern, what is allowed (Appendix C, "Values")
    ("username", _SIP_NAME, "a SIP user name: at most 63 of A-Z a-z 0-9 -_.!~*'()&=+$,;?/"),
    ("authuser", _SIP_NAME, "a SIP user name: at most 63 of A-Z a-z 0-9 -_.!~*'()&=+$,;?/"),
    ("authpassword", re.compile(r"^.{0,35}$", re.S), "at most 35 characters"),
    ("localno", re.compile(r"^.{1,12}$", re.S), "at most 12 characters"),
    ("ipei", re.compile(r"^(\d{5} \d{7})?$"), "an IPEI 'XXXXX XXXXXXX' or empty"),
    ("accesscode", re.compile(r"^\d{0,8}$"), "a number with 0-8 digits"),
    ("disabled", re.compile(r"^(true|false)$"), "true or false"),
    ("presentationtext", re.compile(r"^(true|false)$"), "true or false"),
    ("linetype", re.compile(r"^[DSA]$"), "D, S or A"),
    ("tx_gain", re.compile(r"^(-?(\d|1[0-2]))$"), "-12 to 12"),
    ("rx_gain", re.compile(r"^(-?(\d|1[0-2]))$"), "-12 to 12"),
)


def mandatory_user_field(model):
    """The field Appendix C makes mandatory: username on the 400/6500, localno on the 2500/8000."""
    return "localno" if FAMILY.get(str(model)) == "dect" else "username"


def check_users(records, model):
    """Raise GuideError naming the first record the device refuses (1-based) and why."""
    mandatory = mandatory_user_field(model)
    for number, record in enumerate(records, start=1):
        if not record.get(mandatory):
            raise GuideError("user %d: no <%s>, mandatory on the %s (Appendix C)" % (
                number, mandatory, "DECT Server 2500/8000" if mandatory == "localno" else "IP-DECT Server 400/6500"))
        for field, pattern, allowed in _FORMATS:
            value = record.get(field)
            if value and not pattern.match(value):
                shown = MASK if field in ("authpassword", "accesscode") else value
                raise GuideError("user %d: <%s> '%s' is not %s (Appendix C)" % (number, field, shown, allowed))


def user_extensions(record, model):
    """The names a check-sync Request-URI may address this user by: its SIP user name, and on the
    2500/8000 its local number too ("Localno is typically the same as user.username")."""
    names = [record.get("username")]
    if FAMILY.get(str(model)) == "dect":
        names.append(record.get("localno"))
    return [name for name in names if name]


def user_disabled(record):
    return _flag(record.get("disabled") or "") is True


# ----------------------------------------------------------------------------- firmware distribution

_AUTO = {"rfp": ("rfp", "auto", "enable"), "rfp6": ("rfp", "auto", "enable_digital")}
_AUTO.update((kind, ("suota", "auto")) for kind in HANDSET_KINDS)
_DEVICES = {"rfp": "IP base stations", "rfp6": "RFP6 digital base stations"}
_DEVICES.update((kind, "handsets") for kind in HANDSET_KINDS)


def _value(settings, path):
    node = settings or {}
    for name in path:
        node = node.get(name) if isinstance(node, dict) else None
    return node


def licence_installed(settings):
    """The Enhanced Provisioning Interface License: ``dect.license`` lists one (the guide: "Stores the
    license, if installed"; the emulator cannot check a key, only that one is there)."""
    value = _value(settings, LICENCE_PATH.split("."))
    return isinstance(value, str) and bool(value.strip())


def _auto_on(settings, path):
    return _flag(_value(settings, path) or "") is True


def distribution(settings, model, kind):
    """Whether the server hands an image of ``kind`` (rfp, rfp6, a handset kind) on to its devices:
    ``(True, devices)`` or ``(False, reason)``."""
    if kind in DECT_ONLY_KINDS and FAMILY.get(str(model)) != "dect":
        return False, "%s is only relevant to the DECT Server 2500/8000" % kind
    if not licence_installed(settings):
        return False, "needs the Enhanced Provisioning Interface License: %s lists none" % LICENCE_PATH
    path = _AUTO[kind]
    if not _auto_on(settings, path):
        return False, "automatic update is off: %s is not true" % ".".join(path)
    return True, _DEVICES[kind]


def default_kws(settings, model):
    """What ``provisioning.firmware.default_kws`` does on this server: None when it is not set true,
    else ``{"applied": [...devices], "not_applied": {devices: reason}}``."""
    if _flag(_section(settings, "provisioning", "firmware").get("default_kws") or "") is not True:
        return None
    if FAMILY.get(str(model)) != "ipdect":
        return {"applied": [], "not_applied": {"base stations": "default_kws is a 400/6500 setting"}}
    if str(model) == "400":
        return {"applied": [], "not_applied": {
            "base stations": "not relevant to the 400 single cell: its base station is updated with the server firmware"}}
    targets = [("IP base stations", ("rfp", "auto", "enable")), ("media resources", ("mr", "auto", "enable"))]
    out = {"applied": [], "not_applied": {}}
    for devices, path in targets:
        if not licence_installed(settings):
            out["not_applied"][devices] = "needs the Enhanced Provisioning Interface License: %s lists none" % LICENCE_PATH
        elif not _auto_on(settings, path):
            out["not_applied"][devices] = "automatic update is off: %s is not true" % ".".join(path)
        else:
            out["applied"].append(devices)
    return out

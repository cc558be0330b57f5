"""The Appendix A schema: complete, consistent, and in step with docs/parameters.md."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import config_schema
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import (
    BOTH,
    DECT,
    IPDECT,
    PARAMETERS,
    by_path,
)
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import ParamType
from tools import gen_parameters_doc

REPO = Path(__file__).resolve().parents[2]
GUIDE_EXAMPLES = REPO / "tests" / "data" / "guide"

# Rows per section, counted by hand in the guide's Appendix A (307 rows carry family marks).
SECTION_COUNTS = {
    "app_db": 1,
    "application": 5,
    "bif08": 1,
    "dect": 12,
    "feature_codes": 7,
    "Handset_sharing": 12,
    "installation": 19,
    "language": 1,
    "log": 5,
    "phonebook": 13,
    "media_resource": 2,
    "mr": 3,
    "msf": 10,
    "network": 26,
    "provisioning": 15,
    "RS232": 5,
    "rfp": 14,
    "security": 13,
    "redundancy": 4,
    "suota": 5,
    "sip": 70,
    "snmp": 6,
    "system_event": 13,
    "TAP": 39,
    "trace_event": 1,
    "tx_power": 2,
    "upnp": 3,
}

# The rows marked '*' (a star in a section cell counts for that section's first row).
HIDDEN = {
    "dect.handset_login", "dect.frequency", "dect.radio.ExternalAntenna",
    "feature_codes.call_forward.voicemail.enable", "feature_codes.pickup.local", "feature_codes.pickup.group_other",
    "feature_codes.conference.meetme",
    "Handset_sharing.deAssign1", "Handset_sharing.deAssign2", "Handset_sharing.deAssign3",
    "Handset_sharing.hs_react_multicharger", "Handset_sharing.linebusy", "Handset_sharing.max_simul_users",
    "Handset_sharing.text1", "Handset_sharing.text2", "Handset_sharing.text3", "Handset_sharing.text4",
    "Handset_sharing.timeout_assigned", "Handset_sharing.timeout_simul_users",
    "rfp.ptp.cos", "rfp.ptp.tos", "rfp.ptp.transport",
    "security.srtp_rfp",
    "redundancy.mode", "redundancy.peer", "redundancy.failovertime", "redundancy.database_uuid",
    "suota.load",
    "sip.media.default_relay", "sip.media.rfc3489", "sip.media.sdp_hold_attribute_sendonly",
    "sip.media.sdp_hold_null_connection", "sip.media.srtp.enable", "sip.media.srtp.required",
    "sip.media.srtp.lifetime", "sip.media.srtp.mki", "sip.vlan_cos", "sip.lync.enabled", "sip.lync.trusted",
    "tx_power.handset", "tx_power.rfp",
}

ALIASES = {
    "dect.auth_call": "system_event.auth_call",
    "dect.accesscode": "system_event.system_access_code",
    "dect.encrypt_voice_data": "system_event.encrypt_voice_data",
    "dect.send_date_time": "system_event.send_date_time",
    "dect.subscription_allowed": "system_event.subscription_allowed",
    "application.internal_messaging": "system_event.msf_between_pp",
}

# Appendix B (a 400/6500 file) uses these, but Appendix A does not list them.
APPENDIX_B_NOT_IN_APPENDIX_A = {
    "dect.auto_create_users",
    "media_resource.name",
    "security.force_https",
    "sip.dtmf.rtp_payloadtype",
    "sip.media.symmetric",
    "sip.proxy.transport",
}

# Defaults the guide writes as prose rather than as a value (every other default must be valid;
# free text ones such as application.username "GW-DECT/admin" pass as text).
PROSE_DEFAULTS = {
    "log.syslog.facility",           # "16 (local 0)"
    "network.bootproto",             # "8000: static, 6500: dhcp"
    "network.ipv6mtu",               # "0 (use default value)"
    "network.mtu",                   # "0 (use default value)"
    "redundancy.failovertime",       # "15 (8000), 10 (6500)"
    "sip.media.tos",                 # "184 (0xb8)"
    "sip.tos",                       # "96 (0x60)"
    "TAP.shelf[].card[].port[].SMS_SetupSpec1",  # "39(0x27)"
}

SECRET_NAME = re.compile(r"password|passwd|community|accesscode|access_code", re.I)
# Settings about passwords, not holding one.
ABOUT_PASSWORDS = {"security.passwords_unexportable", "security.password_lifetime", "security.strict_password"}
ELEMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\[\])?$")


def _leaf_paths(xml_file):
    """(path, text) of every leaf element under <config> of a guide example."""
    found = []

    def walk(element, prefix):
        children = list(element)
        if not children:
            found.append((".".join(prefix), (element.text or "").strip()))
        for child in children:
            walk(child, prefix + [child.tag])

    for child in ET.parse(str(xml_file)).getroot():
        walk(child, [child.tag])
    return found


def test_paths_are_unique_and_well_formed():
    paths = [p.path for p in PARAMETERS]
    assert [path for path, n in Counter(paths).items() if n > 1] == []
    assert len(by_path()) == len(PARAMETERS) == 307
    for path in paths:
        assert all(ELEMENT.match(segment) for segment in path.split(".")), path


def test_array_segments_only_where_the_guide_has_arrays():
    arrays = sorted({p.path.split(".", 1)[0] for p in PARAMETERS if "[]" in p.path})
    assert arrays == ["RS232", "TAP", "bif08"]
    for param in PARAMETERS:
        if "[]" in param.path:
            assert ".shelf[].card[].port[]." in param.path


def test_every_entry_is_well_typed():
    for param in PARAMETERS:
        assert param.families in (DECT, IPDECT, BOTH), param.path
        assert isinstance(param.type, ParamType), param.path
        assert param.type.describe(), param.path
        assert param.description and param.description[-1] in ".)", param.path
        assert param.default is None or isinstance(param.default, str), param.path
        assert isinstance(param.secret, bool) and isinstance(param.hidden, bool), param.path


def test_section_counts_match_the_guide():
    counts = Counter(p.path.split(".", 1)[0] for p in PARAMETERS)
    assert dict(counts) == SECTION_COUNTS
    assert sum(SECTION_COUNTS.values()) == 307


def test_sections_in_the_guides_order():
    assert gen_parameters_doc.section_names(config_schema) == tuple(SECTION_COUNTS)
    # A section's entries are contiguous: the table is grouped by section.
    sections = [p.path.split(".", 1)[0] for p in PARAMETERS]
    assert [s for i, s in enumerate(sections) if i == 0 or sections[i - 1] != s] == list(SECTION_COUNTS)


def test_hidden_rows_are_the_starred_ones():
    assert {p.path for p in PARAMETERS if p.hidden} == HIDDEN


def test_secret_looking_names_are_secret():
    for param in PARAMETERS:
        if SECRET_NAME.search(param.path.rsplit(".", 1)[-1]) and param.path not in ABOUT_PASSWORDS:
            assert param.secret, param.path
    secrets = {p.path for p in PARAMETERS if p.secret}
    assert secrets == {
        "application.password", "dect.accesscode", "installation.email.smtp_password",
        "phonebook.ldap_bind_password", "security.password", "sip.auth.password", "sip.media.turn.password",
        "snmp.community", "snmp.trapcommunity", "system_event.sio_passwd", "system_event.system_access_code",
    }


def test_aliases_pair_up_across_families():
    index = by_path()
    pairs = {p.path: p.alias for p in PARAMETERS if p.alias}
    assert pairs == dict(ALIASES, **{v: k for k, v in ALIASES.items()})
    for path, alias in pairs.items():
        here, there = index[path], index[alias]
        assert there.alias == path
        assert len(here.families) == len(there.families) == 1 and here.families != there.families
        assert here.secret == there.secret


def test_documented_defaults_are_valid_values():
    rejected = set()
    for param in PARAMETERS:
        if param.default is None:
            continue
        try:
            param.type.normalize(param.default)
        except ValueError:
            rejected.add(param.path)
    assert rejected == PROSE_DEFAULTS


@pytest.mark.parametrize("name, family", [
    ("config-6500-provisioning.xml", "ipdect"),
    ("config-8000-provisioning.xml", "dect"),
    ("config-appendix-b.xml", "ipdect"),
])
def test_guide_examples_are_in_the_schema(name, family):
    index = by_path()
    leaves = _leaf_paths(GUIDE_EXAMPLES / name)
    missing = {path for path, dummy in leaves if path not in index}
    expected_missing = APPENDIX_B_NOT_IN_APPENDIX_A if name == "config-appendix-b.xml" else set()
    assert missing == expected_missing
    for path, text in leaves:
        if path in index:
            param = index[path]
            assert family in param.families, path
            param.type.normalize(text)


@pytest.mark.parametrize("value, rendered", [
    ("115200,8,1,N", "115200,8,1,N"),
    ("9600, 7, 2, E", "9600,7,2,E"),
    (["230400", 8, 1, "S"], "230400,8,1,S"),
])
def test_rs232_conf_accepts_the_documented_forms(value, rendered):
    conf = by_path()["RS232.shelf[].card[].port[].conf"].type
    assert conf.render(conf.normalize(value)) == rendered


@pytest.mark.parametrize("value, message", [
    ("115201,8,1,N", "has baud rate '115201', which is not allowed: allowed are 100, 150, 200, 300, 600, 1200, 1800, 2400, 4800, "
                     "9600, 19200, 38400, 57600, 115200, 230400"),
    ("115200,9,1,N", "has data bits '9', which is not allowed: allowed are 7, 8"),
    ("115200,8,1,None", "has parity 'None', which is not allowed: allowed are N, O, E, M, S"),
    ("115200,8,1", "has 3 items: exactly 4 allowed (<baud rate>,<data bits>,<stop bits>,<parity>)"),
])
def test_rs232_conf_names_the_bad_field(value, message):
    conf = by_path()["RS232.shelf[].card[].port[].conf"].type
    with pytest.raises(ValueError) as caught:
        conf.normalize(value)
    assert str(caught.value) == message


def test_auto_restart_fields():
    restart = by_path()["installation.auto_restart"].type
    assert restart.normalize("1,31,23,59,7,3") == "1,31,23,59,7,3"
    assert restart.normalize([0, 20, 2, 15, 2, 1]) == "0,20,2,15,2,1"
    with pytest.raises(ValueError, match=r"^has hour '24', which is out of range: allowed integer 0\.\.23$"):
        restart.normalize("1,20,24,15,2,1")


def test_hex_coded_values():
    index = by_path()
    auth = index["system_event.auth_call"].type
    assert auth.render(auth.normalize("0x1f")) == "0x1F"
    assert auth.render(auth.normalize(7)) == "0x07"
    with pytest.raises(ValueError, match=r"^is out of range: allowed sum of 0x01 "):
        auth.normalize("0x20")
    charger = index["Handset_sharing.hs_react_multicharger"].type
    assert charger.render(charger.normalize("0x09")) == "0x09"   # multi charger only + long press 8
    for undocumented in ("0x03", "0x10", "0x0F"):
        with pytest.raises(ValueError):
            charger.normalize(undocumented)
    colour = index["TAP.shelf[].card[].port[].SMS_PriColour"].type
    assert colour.render(colour.normalize("0x3C")) == "60"        # priority 3, white on green
    with pytest.raises(ValueError):
        colour.normalize("0x0D")
    led = index["TAP.shelf[].card[].port[].SMS_LedCtrl"].type
    assert led.render(led.normalize("0x27")) == "39"
    with pytest.raises(ValueError):
        led.normalize("0x28")


@pytest.mark.parametrize("path, good, bad", [
    ("dect.encrypt_voice_data", ["Disabled", "Enabled", "Enforced"], ["Enforced (non GAP)", "enabled"]),
    ("dect.accesscode", ["", "0", "12345678"], ["123456789", "12a4"]),
    ("network.mtu", [0, 576, 1500], [575, 1501]),
    ("network.ipv6mtu", [0, 1280, 65536], [1279, 65537]),
    # The guide gives no slot count: six (the default), fewer or more are all codec lists.
    ("sip.media.codecs", ["64,1,2,0,0,0", "1024,0,0,0,0,0", "1,2", "2"], ["3,0,0,0,0,0", "1,,2", "G711U"]),
    ("tx_power.rfp", ["1", "1.6", 6.3, 250], ["2", "300"]),
    ("TAP.shelf[].card[].port[].SMS_AlertTmeout", [0, 0.5, "127.5"], [128, 0.3, -1]),
    ("system_event.subscription_allowed", ["0", 2, "3"], ["1", "true"]),
    ("system_event.ringing_mode", ["0", "1", "E"], ["2", "S"]),
    ("rfp.ptp.tos", [-1, 0, 255], [-2, 256]),
])
def test_guide_ranges(path, good, bad):
    ptype = by_path()[path].type
    for value in good:
        ptype.normalize(value)
    for value in bad:
        with pytest.raises(ValueError):
            ptype.normalize(value)


def test_docs_parameters_md_is_generated_from_the_schema():
    committed = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == gen_parameters_doc.render(config_schema), "docs/parameters.md is stale: run make docs"


def test_generator_command_line_prints_the_same_document():
    result = subprocess.run([sys.executable, "-m", "tools.gen_parameters_doc"], cwd=str(REPO), capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")


def test_docs_have_one_row_per_parameter_and_one_table_per_section():
    text = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(PARAMETERS)
    assert re.findall(r"^## (\S+)$", text, re.M) == list(SECTION_COUNTS)
    assert all(line.count(" | ") >= 7 for line in rows)

"""The config validation policy against the audit of issue 12: empty '-' values, inferred versus
printed family marks, per-model applicability, the guide's rows the PDF ran together, device
safety, and device-style exports that round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings as cs
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS, by_path
from devtools.xml_compare import canonical

DATA = Path(__file__).resolve().parents[1] / "data"
EXPORTS = [("config-6500-export.xml", "ipdect", "6500"), ("config-8000-export.xml", "dect", "8000")]
REPO = Path(__file__).resolve().parents[2]


# Most tests here are about other checks: the reachability checks (no polling nor check-sync, static
# addressing without an address) are waived unless a test asks for them with reach=True.
REACHABILITY = ("polling_and_check_sync_off", "static_without_address")


def check(settings, family="ipdect", reach=False, **policy):
    if not reach:
        policy["allow_unsafe"] = tuple(policy.get("allow_unsafe", ())) + REACHABILITY
    return cs.validate(settings, family, **policy)


# ----------------------------------------------------------------------------- exports
@pytest.mark.parametrize("name,family,model", EXPORTS)
def test_device_style_export_with_empty_elements_and_every_section_round_trips(name, family, model):
    data = (DATA / "exports" / name).read_bytes()
    assert data.count(b"/>") > 30  # empty elements, as a server writes parameters it has no value for
    settings = cs.parse(data, family)
    sections = {p.path.split(".", 1)[0] for p in PARAMETERS if family in p.families}
    assert set(settings) == sections
    checked = check(settings, family, model=model)
    assert checked.errors == [] and checked.warnings == []
    rendered = cs.render(checked.tree)
    assert canonical(rendered, "config") == canonical(data, "config")
    assert cs.render(check(cs.parse(rendered, family), family, model=model).tree) == rendered


@pytest.mark.parametrize("path", ["provisioning.check.time", "network.gateway", "network.dns1", "network.ntp",
                                  "provisioning.server.url", "network.ipaddr", "sip.proxy.domain"])
@pytest.mark.parametrize("empty", ["", None, "  "])
def test_empty_value_is_accepted_where_the_guide_default_is_dash(path, empty):
    assert by_path()[path].default is None
    settings = {}
    node = settings
    segments = path.split(".")
    for segment in segments[:-1]:
        node = node.setdefault(segment, {})
    node[segments[-1]] = empty
    checked = check(settings)
    assert checked.errors == []
    leaf = segments[-1]
    assert "<%s/>" % leaf in cs.render(checked.tree)
    parsed = cs.parse(cs.render(checked.tree), "ipdect")
    assert cs.flatten(parsed) == {path: ""}


def test_empty_value_is_still_an_error_where_the_guide_has_a_default():
    checked = check({"sip": {"localport": ""}})
    assert checked.errors == ["sip.localport: value '' is not a whole number: allowed integer 1..65535"]


# ----------------------------------------------------------------------------- family policy
INFERRED_ROWS = [("snmp", {"enable": True}, "ipdect", "dect"),
                 ("log", {"syslog": {"host": "192.0.2.5"}}, "ipdect", "dect"),
                 ("tx_power", {"rfp": "250"}, "dect", "ipdect"),
                 ("dect", {"radio": {"ExternalAntenna": 1}}, "dect", "ipdect"),
                 ("rfp", {"media": {"port": 57000}}, "dect", "ipdect"),
                 ("rfp", {"server": "192.0.2.9"}, "ipdect", "dect")]


@pytest.mark.parametrize("section,body,home,other", INFERRED_ROWS)
def test_inferred_family_warns_fails_only_when_strict_and_override_silences(section, body, home, other):
    settings = {section: body}
    path = ".".join([section] + list(cs.flatten(body))[0].split("."))
    assert by_path()[path].inferred and by_path()[path].families == (home,)
    loose = check(settings, other)
    assert loose.errors == []
    assert len(loose.warnings) == 1 and loose.warnings[0].startswith("%s: not supported on " % path)
    assert "Family inferred" in loose.warnings[0] and "family_overrides" in loose.warnings[0]
    assert path.rsplit(".", 1)[-1] in cs.render(loose.tree)
    strict = check(settings, other, strict=True)
    assert len(strict.errors) == 1 and "(an inferred placement, strict mode)" in strict.errors[0]
    for entry in (path, section):
        overridden = check(settings, other, strict=True, family_overrides=[entry])
        assert overridden.errors == [] and overridden.warnings == []


def test_printed_family_mark_stays_an_error_naming_the_equivalent():
    for strict in (False, True):
        checked = check({"dect": {"send_date_time": True}}, "dect", strict=strict)
        assert checked.errors == ["dect.send_date_time: not supported on 2500/8000 (only 400/6500); use"
                                  " system_event.send_date_time there; list it in family_overrides if your server's"
                                  " firmware takes it all the same"]


def test_every_inferred_row_says_why():
    inferred = [p for p in PARAMETERS if p.inferred]
    assert len(inferred) == 143
    for param in inferred:
        label = "400/6500" if param.families == ("ipdect",) else "2500/8000"
        marker = "Family inferred: %s" % label
        assert marker in param.note, param.path
        reason = param.note.split(marker, 1)[1]
        assert len(reason.split(".")[0]) > 15, (param.path, reason)  # a reason follows, not just the label
    # the rows whose one mark is backed by the guide's own words are not inferred
    assert not by_path()["system_event.auth_call"].inferred and not by_path()["dect.auth_call"].inferred
    assert not any(p.inferred for p in PARAMETERS if len(p.families) == 2)


def test_family_overrides_entry_naming_nothing_warns_and_bad_entries_fail():
    checked = check({}, family_overrides=["no.such.thing"])
    assert checked.warnings == ["family_overrides: 'no.such.thing' names no parameter or section of the schema"]
    assert check({}, family_overrides=[3]).errors == ["family_overrides: '3' is not a non-empty string"]
    # schema spelling with [] and a concrete array element both name parameters
    for entry in ("bif08.shelf[].card[].port[].enable", "bif08.shelf1.card2", "TAP"):
        assert check({}, family_overrides=[entry]).warnings == []
    overridden = check({"bif08": {"shelf1": {"card2": {"port3": {"enable": True}}}}}, "ipdect", strict=True,
                       family_overrides=["bif08.shelf[].card[].port[].enable"])
    assert overridden.errors == [] and overridden.warnings == []


def test_unknown_parameter_still_only_warns():
    assert check({"sip": {"brand_new": 1}}).warnings == [
        "sip.brand_new: unknown parameter, rendered as given (not in the guide's Appendix A)"]


# ----------------------------------------------------------------------------- rows the PDF ran together
def test_default_sync_type_has_lan_and_radio_default():
    param = by_path()["rfp.default_sync_type"]
    assert param.default == "radio"
    for value in ("Free running", "radio", "LAN"):
        assert check({"rfp": {"default_sync_type": value}}, "dect").errors == []
    assert check({"rfp": {"default_sync_type": "LAN radio"}}).errors == [
        "rfp.default_sync_type: value 'LAN radio' is not allowed: allowed are Free running, radio, LAN"]


def test_ntp_address_and_enable_together_render_the_guides_tree():
    checked = check({"network": {"ntp": {"value": "192.0.2.123", "enable": True}}}, "dect", model="8000")
    assert checked.errors == [] and checked.warnings == []
    text = cs.render(checked.tree)
    assert "    <ntp>192.0.2.123\n      <enable>true</enable>\n    </ntp>\n" in text
    assert cs.parse(text, "dect") == {"network": {"ntp": {"value": "192.0.2.123", "enable": True}}}
    assert canonical(text, "config")["network"]["ntp"] == {"#text": "192.0.2.123", "enable": "true"}
    # the address alone stays a plain element, as in the guide's 8000 example and on the 400/6500
    plain = cs.render(check({"network": {"ntp": "192.0.2.123"}}, "ipdect").tree)
    assert "<ntp>192.0.2.123</ntp>" in plain
    assert check({"network": {"ntp": {"value": "not a host!"}}}, "dect").errors == [
        "network.ntp: value 'not a host!' is not allowed: allowed is a host name, IPv4 or IPv6 address"]


def test_g729a_is_marked_for_the_6500():
    settings = {"sip": {"media": {"codecs": "1024,1,2"}}}
    assert check(settings, "ipdect", model="6500").errors == []
    assert check(settings, "ipdect", model="6500").warnings == []
    dect = check(settings, "dect", model="8000")
    assert dect.errors == ["sip.media.codecs: value '1024,1,2' has 1024 (G729A), which the guide marks for the 6500"
                           " only: not supported on 2500/8000; list sip.media.codecs in family_overrides if your"
                           " firmware takes it"]
    assert check(settings, "dect", family_overrides=["sip.media.codecs"]).errors == []
    four = check(settings, "ipdect", model="400")
    assert four.errors == [] and len(four.warnings) == 1 and "the 400 may not offer it" in four.warnings[0]
    assert len(check(settings, "ipdect", model="400", strict=True).errors) == 1
    # no fixed slot count
    assert check({"sip": {"media": {"codecs": [1, 2]}}}, "dect").errors == []


@pytest.mark.parametrize("settings,path", [
    ({"mr": {"auto": {"enable": True}}}, "mr.auto.enable"),
    ({"media_resource": {"server": "192.0.2.7"}}, "media_resource.server"),
    ({"provisioning": {"firmware": {"default_kws": True}}}, "provisioning.firmware.default_kws"),
    ({"rfp": {"auto": {"enable": True}}}, "rfp.auto.enable"),
    ({"security": {"media_resource_encryption": True}}, "security.media_resource_encryption"),
])
def test_base_station_and_media_resource_rows_do_not_apply_to_the_400(settings, path):
    six = check(settings, "ipdect", model="6500")
    assert six.errors == [] and not any("does not apply" in w for w in six.warnings)
    four = check(settings, "ipdect", model="400")
    assert four.errors == []
    assert any(w.startswith("%s: does not apply to the 400 (only " % path) for w in four.warnings), four.warnings
    assert [e for e in check(settings, "ipdect", model="400", strict=True).errors if e.startswith(path)]
    quiet = check(settings, "ipdect", model="400", family_overrides=[path])
    assert not any("does not apply" in w for w in quiet.warnings)


def test_model_must_belong_to_the_family():
    assert check({}, "ipdect", model="8000").errors == ["model: '8000' is not a 400/6500 model: allowed are 400, 6500"]


# ----------------------------------------------------------------------------- device safety
CUT_OFF = [
    ({"provisioning": {"server": {"method": "disabled"}}}, "provisioning_disabled",
     "provisioning.server.method: value 'disabled' cuts the server off from provisioning: it never fetches a file"
     " again, this one included, until someone changes it on the server itself; add provisioning_disabled to"
     " allow_unsafe if that is meant"),
    ({"provisioning": {"server": {"method": "static"}}}, "static_without_url",
     "provisioning.server.url: empty with provisioning.server.method 'static': the server has no provisioning server"
     " to fetch from and is cut off from provisioning; set the URL, or add static_without_url to allow_unsafe if"
     " that is meant"),
    ({"provisioning": {"server": {"method": "static", "url": ""}}}, "static_without_url", None),
    ({"provisioning": {"config": {"check": False}}}, "config_check_off",
     "provisioning.config.check: value 'false' stops the server importing its configuration file, so no later file"
     " (not even one turning it back on) reaches it; add config_check_off to allow_unsafe if that is meant"),
]


@pytest.mark.parametrize("settings,name,message", CUT_OFF)
def test_configuration_cutting_the_server_off_is_refused_unless_allowed(settings, name, message):
    for family in ("ipdect", "dect"):
        refused = check(settings, family)
        assert len(refused.errors) == 1 and name in refused.errors[0]
        if message:
            assert refused.errors == [message]
        assert check(settings, family, allow_unsafe=[name]).errors == []
    others = [n for n in cs.UNSAFE_CHECKS if n != name]
    assert len(check(settings, allow_unsafe=others).errors) == 1


REPLACES = "the imported file replaces the server's whole configuration"
DEAF = ("provisioning.check.check_sync: %s, provisioning.check.interval %s and provisioning.check.time not set: " + REPLACES
        + ", so nothing tells the server to check for a new file again (neither SIP NOTIFY check-sync nor polling) and"
        " it never fetches one until someone changes it on the server itself; allowed: check_sync update or reboot"
        " (inventory: dect_check_sync_reaction), an interval above 0 minutes (dect_check_interval) or a daily time"
        " hh:mm (dect_check_time); add polling_and_check_sync_off to allow_unsafe if that is meant")
NO_ADDRESS = ("network.bootproto: %s, with %s not set: the server comes up without an IPv4 address and nothing can"
              " reach it; allowed: bootproto dhcp, or static with network.ipaddr and network.netmask; add"
              " static_without_address to allow_unsafe if that is meant")
DHCP = {"network": {"bootproto": "dhcp"}}
POLLED = {"provisioning": {"check": {"interval": 60}}}


@pytest.mark.parametrize("settings,family,model,message", [
    # Neither polling nor check-sync, as given or as the defaults the import leaves.
    (DHCP, "ipdect", "6500", DEAF % ("not set (default 'disabled')", "not set (default '0')")),
    ({"provisioning": {"check": {"check_sync": "disabled", "interval": 0, "time": ""}}, "network": {"bootproto": "dhcp"}},
     "dect", "2500", DEAF % ("value 'disabled'", "value '0'")),
    # Static addressing without an address or a mask.
    (dict(POLLED, network={"bootproto": "static"}), "ipdect", "6500",
     NO_ADDRESS % ("value 'static'", "network.ipaddr and network.netmask")),
    (dict(POLLED, network={"bootproto": "static", "ipaddr": "192.0.2.10"}), "dect", "8000",
     NO_ADDRESS % ("value 'static'", "network.netmask")),
    # No bootproto on the 2500/8000: its default is static.
    (POLLED, "dect", "8000", NO_ADDRESS % (
        "not set, so the 8000's default 'static' applies (%s)" % REPLACES, "network.ipaddr and network.netmask")),
    (dict(POLLED, network={"hostname": "stores"}), "dect", "2500", NO_ADDRESS % (
        "not set, so the 2500/8000 (the guide gives it for the 8000) default 'static' applies (%s)" % REPLACES,
        "network.ipaddr and network.netmask")),
])
def test_configuration_leaving_the_server_unreachable_is_refused_unless_allowed(settings, family, model, message):
    assert check(settings, family, reach=True, model=model).errors == [message]
    name = "polling_and_check_sync_off" if message.startswith("provisioning") else "static_without_address"
    assert check(settings, family, reach=True, model=model, allow_unsafe=[name]).errors == []


@pytest.mark.parametrize("settings,family,model", [
    (POLLED, "ipdect", "6500"),                                        # the 6500's default is dhcp
    (POLLED, "ipdect", "400"),                                         # the guide names no default for the 400
    (dict(POLLED, network={"bootproto": "static", "ipaddr": "192.0.2.10", "netmask": "255.255.255.0"}), "dect", "8000"),
    ({"network": {"bootproto": "dhcp"}, "provisioning": {"check": {"check_sync": "update"}}}, "dect", "8000"),
    ({"network": {"bootproto": "dhcp"}, "provisioning": {"check": {"time": "03:00"}}}, "dect", "2500"),
])
def test_reachable_configuration_passes(settings, family, model):
    assert check(settings, family, reach=True, model=model).errors == []


def test_provisioning_switched_off_has_its_own_error_only():
    settings = {"network": {"bootproto": "dhcp"}, "provisioning": {"server": {"method": "disabled"}}}
    errors = check(settings, "ipdect", reach=True, model="6500").errors
    assert [e.split(":", 1)[0] for e in errors] == ["provisioning.server.method"]


def test_safe_provisioning_passes_and_bad_allow_unsafe_entry_fails():
    assert check({"provisioning": {"server": {"method": "static", "url": "http://192.0.2.1/d"},
                                   "config": {"check": True}}}).errors == []
    assert check({}, allow_unsafe=["everything"]).errors == [
        "allow_unsafe: 'everything' is not a device-safety check: allowed are provisioning_disabled, static_without_url,"
        " config_check_off, polling_and_check_sync_off, static_without_address"]


def test_settings_only_a_factory_reset_undoes_warn():
    checked = check({"security": {"passwords_unexportable": True, "strict_password": True,
                                  "password_lifetime": 90}})
    assert checked.errors == []
    assert [w.split(":")[0] for w in checked.warnings] == [
        "security.passwords_unexportable", "security.strict_password", "security.password_lifetime"]
    assert all("only a factory reset" in w for w in checked.warnings)
    assert check({"security": {"passwords_unexportable": False, "strict_password": False,
                               "password_lifetime": 0}}).warnings == []


def test_staged_firmware_that_would_never_be_applied_warns():
    firmware = {"kws": "kws.bin", "rfp": "rfp.bin", "rfp6": "rfp6.bin", "pp14225100": "pp.bin"}
    checked = check({"provisioning": {"firmware": firmware}}, "dect", model="8000")
    assert checked.errors == []
    assert checked.warnings == [
        "provisioning.firmware.rfp: IP base station firmware is staged but rfp.auto.enable is not true: the server"
        " downloads the image and never applies it",
        "provisioning.firmware.rfp6: RFP6 digital base station firmware is staged but rfp.auto.enable_digital is not"
        " true: the server downloads the image and never applies it",
        "provisioning.firmware.pp14225100: handset firmware is staged but suota.auto is not true: the server downloads"
        " the image and never applies it",
        "provisioning.firmware: rfp, rfp6, pp14225100 need the Enhanced Provisioning Interface License (guide:"
        " 'Enabling Enhanced Provisioning (License Required)'), and dect.license lists no licence: without it the"
        " images are never applied"]
    ready = check({"provisioning": {"firmware": firmware}, "dect": {"license": "KEY"},
                   "rfp": {"auto": {"enable": True, "enable_digital": True}}, "suota": {"auto": True}}, "dect")
    assert ready.warnings == []
    # server firmware alone needs neither licence nor automatic update
    assert check({"provisioning": {"firmware": {"kws": "kws.bin"}}}, "dect").warnings == []


def test_default_kws_on_the_6500_needs_base_station_and_media_resource_updates():
    checked = check({"provisioning": {"firmware": {"kws": "kws.bin", "default_kws": True}}, "dect": {"license": "K"}},
                    "ipdect", model="6500")
    assert [w.split(":")[0] for w in checked.warnings] == ["provisioning.firmware.default_kws"] * 2


# ----------------------------------------------------------------------------- docs
def test_parameters_doc_says_the_file_replaces_the_configuration():
    text = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert "device keeps its own value" not in text
    assert '"by replacing the existing data"' in text
    module_doc = (REPO / "plugins" / "modules" / "config_xml.py").read_text(encoding="utf-8")
    assert "replaces its whole running configuration" in module_doc


def test_every_parameter_has_its_place_in_the_guide_in_the_guides_order():
    import json
    pages = json.loads((REPO / "tools" / "guide_pages.json").read_text(encoding="utf-8"))
    assert set(pages) == {p.path for p in PARAMETERS}
    lines = [pages[p.path]["line"] for p in PARAMETERS]
    assert lines == sorted(lines)  # the schema follows the guide's order, row by row
    first_pages = [int(pages[p.path]["page"].split("-")[0]) for p in PARAMETERS]
    assert first_pages == sorted(first_pages) and first_pages[0] == 3 and first_pages[-1] == 32
    assert pages["security.passwords_unexportable"]["page"] == "18"  # the page whose footer reads "18 of 32"
    text = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert "| A p. 18 | Leave passwords and other sensitive data out of exported files" in text


def test_per_model_defaults_are_data():
    from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import default_for
    assert default_for("network.bootproto", "8000") == "static"
    assert default_for("network.bootproto", "6500") == "dhcp"
    assert default_for("network.bootproto", "400") is None  # the guide names only the 8000 and the 6500
    assert default_for("redundancy.failovertime", 8000) == "15"
    assert default_for("application.username", "2500") == "GW-DECT"
    assert default_for("sip.localport", "400") == "5060"


@pytest.mark.parametrize("name,family,model", EXPORTS)
def test_the_probe_accepts_a_device_export_that_keeps_checking(name, family, model):
    from ansible_collections.dect.provisioning.plugins.module_utils import _provisioning_probe
    data = (DATA / "exports" / name).read_bytes()
    # As exported (polling and check-sync off, set by hand on the server), the file would leave the
    # server deaf to provisioning once it imports it; with check-sync on it passes untouched.
    settings, errors, warnings = _provisioning_probe.check_config_document(data, family)
    assert [e.split(":", 1)[0] for e in errors] == ["provisioning.check.check_sync"] and warnings == []
    assert settings["provisioning"]["check"]["time"] == ""
    data = data.replace(b"<check_sync>disabled</check_sync>", b"<check_sync>update</check_sync>")
    assert _provisioning_probe.check_config_document(data, family)[1:] == ([], [])

"""Validation, rendering and parsing of <mac>-config.xml against the Appendix A schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings as cs
from devtools.xml_compare import canonical

GUIDE = Path(__file__).resolve().parents[1] / "data" / "guide"
EXAMPLES = [("config-6500-provisioning.xml", "ipdect"), ("config-8000-provisioning.xml", "dect"),
            ("config-appendix-b.xml", "ipdect")]
APPENDIX_B_ONLY = ["dect.auto_create_users", "media_resource.name", "security.force_https",
                   "sip.dtmf.rtp_payloadtype", "sip.media.symmetric", "sip.proxy.transport"]


# These tests are about other checks: the reachability checks (a config without polling or check-sync,
# static addressing without an address) are waived unless a test names its own allow_unsafe.
REACHABILITY = ("polling_and_check_sync_off", "static_without_address")


def validate(settings, family, strict=False, **policy):
    policy.setdefault("allow_unsafe", REACHABILITY)
    return cs.validate(settings, family, strict, **policy)


def validate_document(data, family, strict=False, **policy):
    policy.setdefault("allow_unsafe", REACHABILITY)
    return cs.validate_document(data, family, strict, **policy)


def render(settings, family="ipdect", strict=False):
    checked = validate(settings, family, strict)
    assert not checked.errors, checked.errors
    return cs.render(checked.tree)


@pytest.mark.parametrize("name,family", EXAMPLES)
def test_guide_examples_parse_validate_and_round_trip(name, family):
    data = (GUIDE / name).read_bytes()
    settings = cs.parse(data, family)
    checked = validate(settings, family)
    assert checked.errors == []
    rendered = cs.render(checked.tree)
    assert canonical(rendered, "config") == canonical(data, "config")
    # and the rendering is a fixed point
    assert cs.render(validate(cs.parse(rendered, family), family).tree) == rendered


def test_appendix_b_warns_only_for_parameters_appendix_a_lacks():
    checked = validate(cs.parse((GUIDE / "config-appendix-b.xml").read_bytes(), "ipdect"), "ipdect")
    warned = sorted(w.split(":")[0] for w in checked.warnings)
    assert warned == APPENDIX_B_ONLY
    assert all(w.split(": ", 1)[1].startswith("unknown parameter, rendered as given (not in the guide's Appendix A)")
               for w in checked.warnings)
    # The one near an Appendix A name suggests it.
    assert ("sip.dtmf.rtp_payloadtype: unknown parameter, rendered as given (not in the guide's Appendix A);"
            " did you mean `sip.dtmf.rtp_payload_type`?") in checked.warnings


def test_appendix_b_in_strict_mode_fails_on_those_parameters():
    checked = validate(cs.parse((GUIDE / "config-appendix-b.xml").read_bytes(), "ipdect"), "ipdect", strict=True)
    assert sorted(e.split(":")[0] for e in checked.errors) == APPENDIX_B_ONLY


def test_parsed_values_are_typed():
    settings = cs.parse((GUIDE / "config-6500-provisioning.xml").read_bytes(), "ipdect")
    assert settings["provisioning"]["check"]["interval"] == 60
    assert settings["provisioning"]["config"]["check"] is True
    assert settings["rfp"]["auto"]["start_time"] == "immediately"


def test_output_is_deterministic_and_normalised():
    first = render({"sip": {"localport": 5060.0}, "network": {"bootproto": "dhcp"},
                    "provisioning": {"users": {"check": "yes"}, "config": {"check": True}}})
    second = render({"provisioning": {"config": {"check": "True"}, "users": {"check": True}},
                     "network": {"bootproto": "dhcp"}, "sip": {"localport": "5060"}})
    assert first == second
    assert first.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<config>\n  <network>\n')
    assert "<localport>5060</localport>" in first
    assert "<check>true</check>" in first


def test_text_is_escaped():
    text = render({"network": {"hostname": "ward-a"}, "snmp": {"syslocation": "Ward <A> & B"}}, "ipdect")
    assert "<syslocation>Ward &lt;A&gt; &amp; B</syslocation>" in text


def test_array_parameters_take_numbered_elements_in_natural_order():
    text = render({"bif08": {"shelf10": {"card1": {"port1": {"enable": False}}},
                             "shelf2": {"card3": {"port12": {"enable": True}}}}}, "dect")
    assert text.index("<shelf2>") < text.index("<shelf10>")
    assert "<port12>\n          <enable>true</enable>" in text


EVERY_BAD_VALUE = {
    "network": {"bootproto": "maybe"},
    "provisioning": {"check": {"interval": -5}},
    "sip": {"localport": 70000},
    "rfp": {"auto": {"start_time": "25:99"}},
}


def test_every_problem_is_reported_at_once_with_path_value_and_rule():
    checked = validate(EVERY_BAD_VALUE, "ipdect")
    assert sorted(checked.errors) == sorted([
        "network.bootproto: value 'maybe' is not allowed: allowed are dhcp, static",
        "provisioning.check.interval: value '-5' is out of range: allowed integer >= 0 (minutes)",
        "sip.localport: value '70000' is out of range: allowed integer 1..65535",
        "rfp.auto.start_time: value '25:99' is not allowed: allowed is 'immediately' or a time hh:mm from 00:00 to 23:59",
    ])


def test_parameter_of_the_other_family_is_an_error_with_the_alias():
    checked = validate({"system_event": {"auth_call": "0x07"}}, "ipdect")
    assert checked.errors == ["system_event.auth_call: not supported on 400/6500 (only 2500/8000); use dect.auth_call there;"
                              " list it in family_overrides if your server's firmware takes it all the same"]
    # An unambiguous placement stays an error with or without strict, and family_overrides lifts it.
    checked = validate({"system_event": {"auth_call": "0x07"}}, "ipdect", family_overrides=["system_event.auth_call"])
    assert checked.errors == [] and checked.warnings == []
    assert cs.render(checked.tree).count("<auth_call>0x07</auth_call>") == 1


@pytest.mark.parametrize("settings,message", [
    ([1, 2], "settings: must be a dict mirroring the XML under <config>, got list"),
    ("network", "settings: must be a dict mirroring the XML under <config>, got str"),
])
def test_settings_must_be_a_dict(settings, message):
    assert validate(settings, "dect").errors == [message]


def test_section_given_a_scalar_and_list_values_are_errors():
    checked = validate({"provisioning": {"check": 5}, "network": {"bootproto": ["dhcp"]}}, "ipdect")
    assert "provisioning.check: is a section, expected a dict of its parameters" in checked.errors
    assert any(e.startswith("network.bootproto:") for e in checked.errors)


def test_secrets_are_masked_everywhere_but_the_document():
    settings = {"sip": {"auth": {"password": "Sip-Secret"}},
                "provisioning": {"server": {"method": "static", "url": "ftp://u:Url-Secret@192.0.2.1/p"}},
                "vendor": {"new_password": "Vendor-Secret"}}
    checked = validate(settings, "ipdect")
    real = cs.render(checked.tree)
    assert "Sip-Secret" in real and "Url-Secret" in real and "Vendor-Secret" in real
    masked = cs.render(cs.mask_settings(checked.tree))
    shown = repr(cs.mask_settings(checked.settings)) + repr(cs.summary(checked.settings)) + masked
    for secret in ("Sip-Secret", "Url-Secret", "Vendor-Secret"):
        assert secret not in shown
    assert "ftp://u:********@192.0.2.1/p" in masked


def test_bad_secret_value_is_not_echoed():
    checked = validate({"sip": {"auth": {"password": {"nested": "Secret-In-Dict"}}}}, "ipdect")
    assert checked.errors == ["sip.auth.password: is a parameter, expected a single value, not a dict"]
    checked = validate({"sip": {"auth": {"password": ["Secret-In-List"]}}}, "ipdect")
    assert len(checked.errors) == 1 and "Secret-In-List" not in checked.errors[0]


def test_masked_paths_lists_what_parsed_hides():
    settings = cs.parse((GUIDE / "config-appendix-b.xml").read_bytes(), "ipdect")
    masked = cs.mask_settings(settings)
    assert cs.masked_paths(settings, masked) == [
        "phonebook.ldap_bind_password", "security.password", "sip.auth.password"]


def test_invalid_element_names_are_refused():
    checked = validate({"network": {"bad name": 1, "xmlthing": 2}}, "dect")
    assert "network.bad name: 'bad name' is not a valid XML element name" in checked.errors
    assert any(e.startswith("network.xmlthing") for e in checked.errors)


def test_validate_document_for_the_probe():
    errors, warnings = validate_document((GUIDE / "config-8000-provisioning.xml").read_bytes(), "dect")
    # The guide's example stages base station and handset firmware without listing a licence.
    assert errors == [] and warnings == [
        "provisioning.firmware: rfp, rfp6, pp14208700, pp14225100, pp14225110, pp14225190 need the Enhanced"
        " Provisioning Interface License (guide: 'Enabling Enhanced Provisioning (License Required)'), and"
        " dect.license lists no licence: without it the images are never applied"]
    errors, warnings = validate_document((GUIDE / "config-8000-provisioning.xml").read_bytes().replace(
        b"<network>", b"<dect><license>KEY-1</license></dect><network>"), "dect", model="8000")
    assert errors == [] and warnings == []
    errors, _warnings = validate_document(b"<config><sip><localport>0</localport></sip></config>", "dect")
    assert errors == ["sip.localport: value '0' is out of range: allowed integer 1..65535"]

"""From inventory to what each DECT server is told: the provisioning section and check-sync targets."""

from __future__ import annotations

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings, site
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError

CATALOGUE = {"kws": {"src": "kws.bin"}, "rfp6": {"name": "rfp6-v3.bin"}, "pp14225100": {}}


def test_dhcp_method_leaves_the_url_to_option_66():
    section = site.provisioning_section("http://192.0.2.1/dect", "6500", firmware=CATALOGUE)
    assert section["server"] == {"method": "dhcp"}
    assert section["config"] == {"check": True} and section["users"] == {"check": True}
    assert section["check"] == {"check_sync": "update"}
    # rfp6 is a 2500/8000 setting: a 6500 is not told about it
    assert section["firmware"] == {"kws": "kws.bin", "pp14225100": "pp14225100.bin"}


def test_static_method_writes_the_url_and_the_8000_gets_its_kinds():
    section = site.provisioning_section("https://u:pw@192.0.2.1:8443/dect", 8000, method="static",
                                        firmware=CATALOGUE, interval=60, time="02:00", users=False)
    assert section["server"] == {"method": "static", "url": "https://u:pw@192.0.2.1:8443/dect"}
    assert section["check"] == {"check_sync": "update", "interval": 60, "time": "02:00"}
    assert section["users"] == {"check": False}
    assert section["firmware"] == {"kws": "kws.bin", "rfp6": "rfp6-v3.bin", "pp14225100": "pp14225100.bin"}


@pytest.mark.parametrize("model,family", [("6500", "ipdect"), ("8000", "dect")])
def test_derived_section_validates_for_its_family(model, family):
    section = site.provisioning_section("http://192.0.2.1/dect", model, method="static", firmware=CATALOGUE,
                                        interval=5, default_kws=True)
    assert config_settings.validate({"provisioning": section}, family, strict=True).errors == []


@pytest.mark.parametrize("kwargs,error,message", [
    ({"method": "sometimes"}, site.SiteError, "^method 'sometimes' is not one of dhcp, static, disabled$"),
    ({"check_sync": "now"}, site.SiteError, "^check_sync 'now' is not one of disabled, update, reboot$"),
    ({"method": "static", "url": "http://x\"y"}, IdentifierError, "quote"),
    ({"model": "7000"}, IdentifierError, "model '7000' is not supported"),
])
def test_bad_inventory_values_are_named(kwargs, error, message):
    options = dict(kwargs)
    url = options.pop("url", "http://192.0.2.1/dect")
    model = options.pop("model", "6500")
    with pytest.raises(error, match=message):
        site.provisioning_section(url, model, **options)


def test_check_sync_target_from_inventory_vars():
    target = site.check_sync_target({"dect_ip": "192.0.2.10", "dect_sip_port": 5070, "dect_sip_transport": "tcp",
                                     "dect_users": [{"localno": "300"}, {"username": "301"}]})
    assert target == {"host": "192.0.2.10", "port": 5070, "transport": "tcp", "user": "301"}
    explicit = site.check_sync_target({"dect_sip_host": "198.51.100.7", "dect_ip": "192.0.2.10", "dect_sip_user": "9"})
    assert explicit == {"host": "198.51.100.7", "user": "9"}


def test_check_sync_target_needs_an_address():
    with pytest.raises(site.SiteError, match="^ward-z has neither dect_sip_host nor dect_ip: nowhere to send check-sync$"):
        site.check_sync_target({"inventory_hostname": "ward-z"})


def test_firmware_names_default_to_kind_bin():
    assert site.firmware_names(CATALOGUE) == {"kws": "kws.bin", "rfp6": "rfp6-v3.bin", "pp14225100": "pp14225100.bin"}
    assert site.firmware_names(None) == {}
    withdrawn = dict(CATALOGUE, pp14225110={"state": "absent"})
    assert "pp14225110" not in site.firmware_names(withdrawn)


# -- server_documents: what a DECT server's documents are made from (the dect_server lookup) -----
SITE = {
    "dect_mac": "00:13:d1:80:00:32", "dect_model": 6500, "dect_provisioning_url": "http://192.0.2.1/dect",
    "dect_settings": {"sip": {"defaultdomain": "pbx.example", "localport": 5060}, "network": {"ntp": ["192.0.2.9"]}},
    "dect_settings_group": {"sip": {"localport": 5070}},
    "dect_settings_host": {"network": {"hostname": "ward-a", "ntp": ["192.0.2.10"]},
                           "provisioning": {"server": {"method": "disabled"}}},
    "dect_users": [{"ipei": "00077 0000001", "username": "100"}],
    "dect_firmware": CATALOGUE,
}


def _documents(variables):
    return site.server_documents(variables.__getitem__)


def test_inventory_layers_merge_deeply_and_the_derived_section_wins():
    out = _documents(SITE)
    assert out["mac"] == "00:13:d1:80:00:32" and out["model"] == "6500"
    settings = out["config"]["settings"]
    # host < group < site, mappings merged key by key, a list replaced whole
    assert settings["sip"] == {"defaultdomain": "pbx.example", "localport": 5070}
    assert settings["network"] == {"hostname": "ward-a", "ntp": ["192.0.2.10"]}
    # the provisioning section comes from the same values as option 66, whatever the layers say
    expected = site.provisioning_section("http://192.0.2.1/dect", "6500", firmware=CATALOGUE, interval=0)
    assert settings["provisioning"] == expected
    # the optional default_kws switch is absent unless a variable sets it
    assert "default_kws" not in settings["provisioning"]["firmware"]
    assert out["config"] == {"settings": settings, "strict": False, "family_overrides": [], "allow_unsafe": []}
    assert out["users"] == {"users": SITE["dect_users"], "strict": False}
    # the inputs are not modified
    assert SITE["dect_settings_host"]["provisioning"] == {"server": {"method": "disabled"}}


def test_role_variables_win_over_the_inventory():
    out = _documents(dict(
        SITE, dect_server_mac="0013d1800099", dect_server_model="8000", dect_server_settings={"sip": {"localport": 1}},
        dect_server_users=[], dect_server_users_src="users.csv", dect_server_strict=True,
        dect_server_provisioning_method="static", dect_provisioning_method="disabled", dect_server_check_interval="30",
        dect_server_check_time="03:00", dect_server_check_sync_reaction="reboot", dect_server_family_overrides=["sip"]))
    assert out["mac"] == "0013d1800099" and out["model"] == "8000"
    assert out["config"]["settings"]["sip"] == {"localport": 1} and "network" not in out["config"]["settings"]
    assert out["config"]["settings"]["provisioning"]["server"] == {"method": "static", "url": "http://192.0.2.1/dect"}
    assert out["config"]["settings"]["provisioning"]["check"] == {"check_sync": "reboot", "interval": 30, "time": "03:00"}
    assert out["config"]["strict"] is True and out["config"]["family_overrides"] == ["sip"]
    # users from a file only: still a users document, and the server is told to check it
    assert out["users"] == {"users": [], "strict": True, "src": "users.csv"}
    assert out["config"]["settings"]["provisioning"]["users"] == {"check": True}


def test_a_server_without_users_has_no_users_document_and_is_told_so():
    out = _documents(dict(SITE, dect_users=[]))
    assert "users" not in out
    assert out["config"]["settings"]["provisioning"]["users"] == {"check": False}


def test_derived_config_bypasses_the_derivation():
    out = _documents(dict(SITE, dect_server_derived_config={"sip": {"localport": 7}}))
    assert out["config"]["settings"] == {"sip": {"localport": 7}}


@pytest.mark.parametrize("value,expected", [(True, True), ("false", False), ("yes", True)])
def test_default_kws_is_a_boolean_from_either_variable(value, expected):
    assert _documents(dict(SITE, dect_firmware_default_kws=value))["config"]["settings"]["provisioning"][
        "firmware"]["default_kws"] is expected
    assert _documents(dict(SITE, dect_server_default_kws=value, dect_firmware_default_kws=not expected))[
        "config"]["settings"]["provisioning"]["firmware"]["default_kws"] is expected


@pytest.mark.parametrize("change,message", [
    ({"dect_mac": None}, "^dect_mac: not set for this DECT server \\(nor dect_server_mac\\): it is required$"),
    ({"dect_model": None}, "^dect_model: not set for this DECT server \\(nor dect_server_model\\): it is required$"),
    ({"dect_provisioning_url": None},
     "^dect_provisioning_url: not set for this DECT server \\(nor dect_server_provisioning_url\\): it is required$"),
    ({"dect_provisioning_method": "sometimes"},
     "^dect_provisioning_method: 'sometimes' is not allowed: allowed are dhcp, static, disabled$"),
    ({"dect_server_check_sync_reaction": "now"},
     "^dect_server_check_sync_reaction: 'now' is not allowed: allowed are disabled, update, reboot$"),
    ({"dect_check_interval": "hourly"}, "^dect_check_interval: 'hourly' is not a whole number of minutes$"),
    ({"dect_server_default_kws": "maybe"}, "^dect_server_default_kws: 'maybe' is not a boolean$"),
    ({"dect_settings_group": ["sip"]}, "^dect_settings_group: a mapping of settings is required, got list$"),
    ({"dect_server_users": {"ipei": "1"}}, "^dect_server_users: a list of user records is required, got dict$"),
    ({"dect_server_derived_config": "x"}, "^dect_server_derived_config: a mapping of settings is required, got str$"),
])
def test_an_unusable_value_names_its_variable(change, message):
    variables = dict(SITE)
    for name, value in change.items():
        if value is None:
            del variables[name]
        else:
            variables[name] = value
    with pytest.raises(site.SiteError, match=message):
        _documents(variables)


def test_a_bad_model_or_url_is_an_identifier_error_without_the_password():
    with pytest.raises(IdentifierError, match="model '9' is not supported"):
        _documents(dict(SITE, dect_model="9"))
    with pytest.raises(IdentifierError) as exc:
        _documents(dict(SITE, dect_provisioning_method="static", dect_provisioning_url="http://u:s3cret@/dect"))
    assert "s3cret" not in str(exc.value)


MIXED = {
    "IP-DECTserver6500firmware": {"kind": "kws", "models": ["6500"]},
    "DECTserver8000firmware": {"kind": "kws", "models": ["2500", "8000"]},
    "rfp": {},
}


@pytest.mark.parametrize("model, firmware", [
    ("6500", {"kws": "IP-DECTserver6500firmware.bin"}),
    (8000, {"kws": "DECTserver8000firmware.bin", "rfp": "rfp.bin"}),
    ("400", None),  # no entry is given to the 400: no firmware section at all
])
def test_each_server_is_told_its_own_models_entry(model, firmware):
    section = site.provisioning_section("http://192.0.2.1/", model, firmware=MIXED)
    assert section.get("firmware") == firmware
    assert site.firmware_names(MIXED, model) == (firmware or {})


def test_a_bad_catalogue_is_a_site_error_naming_the_entries():
    overlapping = dict(MIXED, kws={})
    with pytest.raises(site.SiteError, match="^dect_firmware: entries 'IP-DECTserver6500firmware' and 'kws' are both"
                                             " kws firmware for model 6500: "):
        site.provisioning_section("http://192.0.2.1/", "8000", firmware=overlapping)
    with pytest.raises(site.SiteError, match="^dect_firmware.rfp.models: '7000' is not a model"):
        site.firmware_names({"rfp": {"models": ["7000"]}})
    assert site.firmware_unused(MIXED, {"6500"}) == [
        "dect_firmware.DECTserver8000firmware: no DECT server in inventory is given DECTserver8000firmware.bin (kws"
        " firmware for model 2500, 8000; the DECT servers' models: 6500): it is staged but never fetched",
        "dect_firmware.rfp: no DECT server in inventory is given rfp.bin (rfp firmware for model 2500, 8000; the DECT"
        " servers' models: 6500): it is staged but never fetched"]

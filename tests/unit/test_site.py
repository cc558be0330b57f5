"""From inventory to what each DECT server is told: its variables (server_variables), the provisioning
section (provisioning_section) and its check-sync target (check_sync_target)."""

from __future__ import annotations

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils.check_sync_target import check_sync_target
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import (
    SiteError,
    firmware_names,
    firmware_unused,
    provisioning_section,
)
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import server_documents
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError

CATALOGUE = {"kws": {"src": "kws.bin"}, "rfp6": {"name": "rfp6-v3.bin"}, "pp14225100": {}}


def test_dhcp_method_leaves_the_url_to_option_66():
    section = provisioning_section("http://192.0.2.1/dect", "6500", firmware=CATALOGUE)
    assert section["server"] == {"method": "dhcp"}
    assert section["config"] == {"check": True} and section["users"] == {"check": True}
    assert section["check"] == {"check_sync": "update"}
    # rfp6 is a 2500/8000 setting: a 6500 is not told about it
    assert section["firmware"] == {"kws": "kws.bin", "pp14225100": "pp14225100.bin"}


def test_static_method_writes_the_url_and_the_8000_gets_its_kinds():
    section = provisioning_section("https://u:pw@192.0.2.1:8443/dect", 8000, method="static",
                                   firmware=CATALOGUE, interval=60, time="02:00", users=False)
    assert section["server"] == {"method": "static", "url": "https://u:pw@192.0.2.1:8443/dect"}
    assert section["check"] == {"check_sync": "update", "interval": 60, "time": "02:00"}
    assert section["users"] == {"check": False}
    assert section["firmware"] == {"kws": "kws.bin", "rfp6": "rfp6-v3.bin", "pp14225100": "pp14225100.bin"}


@pytest.mark.parametrize("model,family", [("6500", "ipdect"), ("8000", "dect")])
def test_derived_section_validates_for_its_family(model, family):
    section = provisioning_section("http://192.0.2.1/dect", model, method="static", firmware=CATALOGUE,
                                   interval=5, default_kws=True)
    settings = {"provisioning": section, "network": {"bootproto": "dhcp"}}
    assert config_settings.validate(settings, family, strict=True).errors == []


@pytest.mark.parametrize("kwargs,error,message", [
    ({"method": "sometimes"}, SiteError, "^method 'sometimes' is not one of dhcp, static, disabled$"),
    ({"check_sync": "now"}, SiteError, "^check_sync 'now' is not one of disabled, update, reboot$"),
    ({"method": "static", "url": "http://x\"y"}, IdentifierError, "quote"),
    ({"model": "7000"}, IdentifierError, "model '7000' is not supported"),
])
def test_bad_inventory_values_are_named(kwargs, error, message):
    options = dict(kwargs)
    url = options.pop("url", "http://192.0.2.1/dect")
    model = options.pop("model", "6500")
    with pytest.raises(error, match=message):
        provisioning_section(url, model, **options)


def test_firmware_names_default_to_kind_bin():
    assert firmware_names(CATALOGUE) == {"kws": "kws.bin", "rfp6": "rfp6-v3.bin", "pp14225100": "pp14225100.bin"}
    assert firmware_names(None) == {}
    withdrawn = dict(CATALOGUE, pp14225110={"state": "absent"})
    assert "pp14225110" not in firmware_names(withdrawn)


# -- server_documents: what a DECT server's documents are made from (the dect_server lookup) -----
SITE = {
    "dect_mac": "00:13:d1:80:00:32", "dect_model": 6500, "dect_provisioning_url": "http://192.0.2.1/dect",
    "dect_settings": {"sip": {"defaultdomain": "pbx.example", "localport": 5060}, "network": {"ntp": ["192.0.2.9"]}},
    "dect_settings_group": {"sip": {"localport": 5070}},
    "dect_settings_host": {"network": {"hostname": "ward-a", "ntp": ["192.0.2.10"]}},
    "dect_users": [{"ipei": "00077 0000001", "username": "100"}],
    "dect_firmware": CATALOGUE,
}


def _documents(variables):
    return server_documents(variables.__getitem__)


def test_inventory_layers_merge_deeply_and_the_derived_section_wins():
    out = _documents(SITE)
    assert out["mac"] == "00:13:d1:80:00:32" and out["model"] == "6500"
    settings = out["config"]["settings"]
    # host < group < site, mappings merged key by key, a list replaced whole
    assert settings["sip"] == {"defaultdomain": "pbx.example", "localport": 5070}
    assert settings["network"] == {"hostname": "ward-a", "ntp": ["192.0.2.10"]}
    # the provisioning section comes from the same values as option 66, whatever the layers say
    expected = provisioning_section("http://192.0.2.1/dect", "6500", firmware=CATALOGUE, interval=0)
    assert settings["provisioning"] == expected
    # the optional default_kws switch is absent unless a variable sets it
    assert "default_kws" not in settings["provisioning"]["firmware"]
    assert out["config"] == {"settings": settings, "strict": False, "family_overrides": [], "allow_unsafe": []}
    assert out["users"] == {"users": SITE["dect_users"], "strict": False}
    # the inputs are not modified
    assert SITE["dect_settings_host"] == {"network": {"hostname": "ward-a", "ntp": ["192.0.2.10"]}}


@pytest.mark.parametrize("layers,message", [
    # a value the derived section replaces: both values, and the variable to set instead
    ({"dect_settings": {"provisioning": {"check": {"interval": 30}}}},
     "dect_settings: provisioning.check.interval: value '30': the derived provisioning section replaces it with '0';"
     " set dect_check_interval instead and remove it from dect_settings"),
    ({"dect_settings_host": {"provisioning": {"server": {"method": "static"}}}},
     "dect_settings_host: provisioning.server.method: value 'static': the derived provisioning section replaces it"
     " with 'dhcp'; set dect_provisioning_method instead and remove it from dect_settings_host"),
    # a value it leaves out (method dhcp writes no URL): it would be written stale; its password masked
    ({"dect_settings_group": {"provisioning": {"server": {"url": "http://prov:Old-Pw-1@192.0.2.99/old"}}}},
     "dect_settings_group: provisioning.server.url: value 'http://prov:********@192.0.2.99/old': the derived"
     " provisioning section leaves it out, so it would be written stale beside it; set dect_provisioning_url"
     " (written with dect_provisioning_method: static) instead and remove it from dect_settings_group"),
    ({"dect_server_settings": {"provisioning": {"firmware": {"kws": "other.bin"}}}},
     "dect_server_settings: provisioning.firmware.kws: value 'other.bin': the derived provisioning section replaces"
     " it with 'kws.bin'; set dect_firmware (each server is told the images of its model) instead and remove it"
     " from dect_server_settings"),
])
def test_a_setting_the_derived_section_would_replace_is_refused(layers, message):
    with pytest.raises(SiteError) as err:
        _documents(dict(SITE, **layers))
    assert str(err.value) == message


def test_every_replaced_setting_is_named_and_equal_or_empty_ones_pass():
    with pytest.raises(SiteError) as err:
        _documents(dict(SITE, dect_settings_host={"provisioning": {"check": {"check_sync": "reboot", "time": "03:00"}}}))
    assert [p.split(": value")[0] for p in str(err.value).split("; set")[0:1]] == [
        "dect_settings_host: provisioning.check.check_sync"]
    assert "provisioning.check.time: value '03:00': the derived provisioning section leaves it out" in str(err.value)
    # equal to what the site derives (spelled as YAML may spell it), or empty: nothing to refuse
    same = {"provisioning": {"server": {"method": "dhcp"}, "check": {"interval": "0", "check_sync": "update", "time": ""},
                             "config": {"check": "yes"}, "users": {"check": True}}}
    assert _documents(dict(SITE, dect_settings=same))["config"]["settings"]["provisioning"]["check"]["interval"] == 0


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
    with pytest.raises(SiteError, match=message):
        _documents(variables)


def test_a_bad_model_or_url_names_the_server_and_variable_without_the_password():
    with pytest.raises(SiteError, match="^ward-a: dect_model: model '9' is not supported: allowed 400, 6500, 2500, 8000$"):
        _documents(dict(SITE, dect_model="9", inventory_hostname="ward-a"))
    with pytest.raises(SiteError, match="^this DECT server: dect_server_model: model '9' is not supported"):
        _documents(dict(SITE, dect_server_model="9"))
    with pytest.raises(SiteError) as exc:
        _documents(dict(SITE, dect_provisioning_method="static", dect_provisioning_url="http://u:s3cret@/dect",
                        inventory_hostname="ward-a"))
    assert str(exc.value).startswith("ward-a: dect_provisioning_url: ")
    assert "s3cret" not in str(exc.value)
    with pytest.raises(SiteError, match="^ward-a: dect_provisioning_url: 'http://192.0.2.1/de ct' is not a provisioning URL"):
        _documents(dict(SITE, dect_provisioning_url="http://192.0.2.1/de ct", inventory_hostname="ward-a"))


# -- the record: one resolved record per DECT server, its check-sync target from its own settings --
SERVER = dict(SITE, inventory_hostname="ward-a", dect_ip="192.0.2.10")


def _record(**change):
    variables = dict(SERVER)
    for name, value in change.items():
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = value
    return _documents(variables)["record"]


def test_the_record_names_identity_files_firmware_and_the_target_from_the_device_settings():
    record = _record(dect_server_mac="00-13-D1-80-00-99", dect_mac=None)
    assert record == {
        "name": "ward-a", "mac": "0013d1800099", "model": "6500",
        "files": {"config": "0013d1800099-config.xml", "users": "0013d1800099-users.xml"},
        "firmware": {"kws": "kws.bin", "pp14225100": "pp14225100.bin"},
        "fetches": ["0013d1800099-config.xml", "0013d1800099-users.xml", "kws.bin.ver", "pp14225100.bin.ver"],
        # port: sip.localport as the layers merge it (the group's 5070), transport: the device default
        "check_sync": {"reaction": "update",
                       "target": {"host": "192.0.2.10", "transport": "udp", "port": 5070, "user": "100"}},
        # Its fetches count only from its own address (dect_ip).
        "client": "192.0.2.10",
    }


def test_the_target_follows_sip_transport_and_tls_settings():
    record = _record(dect_settings_host={"sip": {"transport": "TCP", "localport": 5080}})
    assert record["check_sync"]["target"] == {"host": "192.0.2.10", "transport": "tcp", "port": 5080, "user": "100"}
    tls = _record(dect_settings_host={"sip": {"transport": "tls", "use_sips_uri": "false"}}, dect_settings_group={},
                  dect_sip_ca_path="/etc/dect-ca.pem")
    assert tls["check_sync"]["target"] == {"host": "192.0.2.10", "transport": "tls", "port": 5060,
                                           "use_sips_uri": False, "validate_certs": True, "user": "100",
                                           "ca_path": "/etc/dect-ca.pem"}


def test_inventory_sip_variables_override_the_settings_and_the_password_is_only_named():
    record = _record(dect_sip_port=5090, dect_sip_transport="tcp", dect_sip_user="9", dect_sip_host="198.51.100.7",
                     dect_sip_domain="pbx.example", dect_sip_auth_password="s3cret", dect_sip_timeout="4")
    assert record["check_sync"] == {
        "reaction": "update", "auth_password": "dect_sip_auth_password",
        "target": {"host": "198.51.100.7", "transport": "tcp", "port": 5090, "user": "9", "domain": "pbx.example",
                   "timeout": 4.0}}
    assert "s3cret" not in repr(record)
    variables = dict(SERVER, dect_sip_auth_password="s3cret")
    assert check_sync_target(dict(variables, dect_server_record=record))["auth_password"] == "s3cret"
    # a role variable wins over the inventory's; dect_sip_port 0 means "not set"
    record = _record(dect_server_sip_transport="tcp", dect_sip_transport="udp", dect_sip_port=0)
    assert record["check_sync"]["target"]["transport"] == "tcp" and record["check_sync"]["target"]["port"] == 5070


def test_disabled_users_are_skipped_and_a_users_file_is_read(tmp_path):
    users = [{"ipei": "00077 0000001", "username": "100", "disabled": True},
             {"ipei": "00077 0000002", "username": "101", "disabled": "false"}]
    assert _record(dect_users=users)["check_sync"]["target"]["user"] == "101"
    csv = tmp_path / "users.csv"
    csv.write_text("ipei,username,disabled\n00077 0000001,9997,true\n00077 0000002,9998,false\n")
    record = _record(dect_users=None, dect_users_src=str(csv))
    assert record["check_sync"]["target"]["user"] == "9998"
    assert record["files"]["users"] == "0013d1800032-users.xml"
    # inventory users update the file's records: 9998 disabled there too leaves none
    record = _record(dect_users=[{"username": "9998", "disabled": True}], dect_users_src=str(csv))
    assert record["check_sync"]["error"] == (
        "ward-a: no enabled user with a username or localno in dect_users and dect_users_src (every user is marked"
        " disabled): set dect_sip_user to an extension the server handles")


@pytest.mark.parametrize("change,error", [
    ({"dect_ip": None}, "ward-a: neither dect_sip_host nor dect_ip is set: nowhere to send check-sync"),
    ({"dect_users": []},
     "ward-a: no enabled user with a username or localno in dect_users (it has no users): set dect_sip_user to an"
     " extension the server handles"),
    ({"dect_sip_transport": "sctp"}, "ward-a: dect_sip_transport: 'sctp' is not allowed: allowed are udp, tcp, tls"),
    ({"dect_settings_host": {"sip": {"transport": "tls"}}, "dect_sip_transport": "udp"},
     "ward-a: dect_sip_transport: 'udp' is not accepted by this server: its sip.transport is tls and"
     " sip.tls_allow_insecure is false, so it takes SIP over TLS only: allowed is tls (or set"
     " sip.tls_allow_insecure: true)"),
    ({"dect_sip_port": "70000"}, "ward-a: dect_sip_port: '70000' is not a port: allowed 1-65535"),
    ({"dect_settings_host": {"sip": {"localport": "x"}}},
     "ward-a: sip.localport in its settings: 'x' is not a port: allowed 1-65535"),
])
def test_a_target_that_cannot_be_made_is_an_error_naming_the_host_and_the_variable(change, error):
    record = _record(**change)
    assert record["check_sync"] == {"reaction": "update", "error": error}
    with pytest.raises(SiteError) as exc:
        check_sync_target(dict(SERVER, dect_server_record=record))
    assert str(exc.value) == error


def test_tls_allow_insecure_lets_an_override_fall_back_to_udp():
    record = _record(dect_settings_host={"sip": {"transport": "tls", "tls_allow_insecure": True}}, dect_sip_transport="udp")
    assert record["check_sync"]["target"]["transport"] == "udp" and "validate_certs" not in record["check_sync"]["target"]


def test_reaction_disabled_has_no_target():
    record = _record(dect_check_sync_reaction="disabled")
    assert record["check_sync"] == {"reaction": "disabled"}
    with pytest.raises(SiteError, match="^ward-a: its check-sync reaction is disabled: it is not notified$"):
        check_sync_target(dict(SERVER, dect_server_record=record))


def test_a_bad_mac_names_the_host_and_the_variable():
    with pytest.raises(SiteError, match="^ward-a: dect_server_mac: "):
        _record(dect_server_mac="00:13:zz")
    # without a record the filter's source of it names the host too
    with pytest.raises(SiteError, match="^ward-z: dect_mac: not set for this DECT server"):
        check_sync_target({"inventory_hostname": "ward-z"})


def test_the_report_step_plans_check_sync_from_the_record():
    from ansible_collections.dect.provisioning.plugins.action.publish import _check_sync_plan

    assert _check_sync_plan("ward-a", {"reaction": "update", "target": {}}, users_only=True) == (True, [], None)
    assert _check_sync_plan("ward-a", {}, users_only=True) == (True, [], None)  # options given without the lookup
    notify, warnings, error = _check_sync_plan("ward-a", {"reaction": "disabled"}, users_only=False)
    assert (notify, error) == (False, None) and warnings == [
        "ward-a: its check-sync reaction is disabled (provisioning.check.check_sync, dect_check_sync_reaction): no"
        " NOTIFY is sent and the rollout does not wait for it; it takes the new files at its next poll"
        " (dect_check_interval, dect_check_time) or restart"]
    assert _check_sync_plan("ward-a", {"reaction": "reboot", "target": {}}, users_only=False) == (True, [], None)
    assert _check_sync_plan("ward-a", {"reaction": "reboot", "target": {}}, users_only=True)[1] == [
        "ward-a: only its users changed, and its check-sync reaction is reboot (provisioning.check.check_sync,"
        " dect_check_sync_reaction): the NOTIFY restarts the server, dropping calls in progress (reaction update"
        " imports users without a restart)"]
    error = "ward-a: neither dect_sip_host nor dect_ip is set: nowhere to send check-sync"
    assert _check_sync_plan("ward-a", {"reaction": "update", "error": error}, users_only=False) == (False, [], error)


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
    section = provisioning_section("http://192.0.2.1/", model, firmware=MIXED)
    assert section.get("firmware") == firmware
    assert firmware_names(MIXED, model) == (firmware or {})


def test_a_bad_catalogue_is_a_site_error_naming_the_entries():
    overlapping = dict(MIXED, kws={})
    with pytest.raises(SiteError, match="^dect_firmware: entries 'IP-DECTserver6500firmware' and 'kws' are both"
                                        " kws firmware for model 6500: "):
        provisioning_section("http://192.0.2.1/", "8000", firmware=overlapping)
    with pytest.raises(SiteError, match="^dect_firmware.rfp.models: '7000' is not a model"):
        firmware_names({"rfp": {"models": ["7000"]}})
    assert firmware_unused(MIXED, {"6500"}) == [
        "dect_firmware.DECTserver8000firmware: no DECT server in inventory is given DECTserver8000firmware.bin (kws"
        " firmware for model 2500, 8000; the DECT servers' models: 6500): it is staged but never fetched",
        "dect_firmware.rfp: no DECT server in inventory is given rfp.bin (rfp firmware for model 2500, 8000; the DECT"
        " servers' models: 6500): it is staged but never fetched"]

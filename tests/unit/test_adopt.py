"""plugin_utils/adopt.py: exports -> host_vars with every secret marked, and the YAML it writes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from ansible_collections.dect.provisioning.plugins.plugin_utils import adopt

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def fake_encrypt(text):
    return "$ANSIBLE_VAULT;1.2;AES256;test\n" + base64.b64encode(text.encode()).decode()


def fake_decrypt(ciphertext):
    return base64.b64decode(ciphertext.split("\n", 1)[1]).decode()


def secrets_of(data):
    if isinstance(data, adopt.Secret):
        return [data.text]
    if isinstance(data, dict):
        return [s for v in data.values() for s in secrets_of(v)]
    if isinstance(data, list):
        return [s for v in data for s in secrets_of(v)]
    return []


def test_the_8000_export_becomes_host_vars_with_every_secret_marked():
    data, paths, warnings, overrides = adopt.host_vars(
        (EXPORTS / "config-8000-export.xml").read_bytes(), (EXPORTS / "users-8000-export.xml").read_bytes(), "8000",
        "0013.d180.0032", provisioning="export")
    assert warnings == []
    assert overrides == [
        "provisioning.server.method: kept from the export as dect_provisioning_method in host_vars, which overrides"
        " the site's own value",
        "provisioning.server.url: kept from the export as dect_provisioning_url in host_vars, which overrides the"
        " site's own value",
        "provisioning.check.check_sync: kept from the export as dect_check_sync_reaction in host_vars, which"
        " overrides the site's own value",
        "provisioning.check.interval: kept from the export as dect_check_interval in host_vars, which overrides the"
        " site's own value",
        "provisioning.firmware.kws: the export names 'kws.bin', kept: the site does not stage it unless"
        " dect_firmware lists it (add it there with its source)"]
    assert data["dect_mac"] == "00:13:d1:80:00:32" and data["dect_model"] == "8000"
    assert data["dect_provisioning_method"] == "static"
    assert isinstance(data["dect_provisioning_url"], adopt.Secret)  # it carries user:password@
    assert data["dect_settings_host"]["network"]["ntp"] == {"value": "192.0.2.123", "enable": True}
    assert data["dect_settings_host"]["network"]["gateway"] == ""
    assert "system_event.sio_passwd" in paths and "users[1].authpassword" in paths
    hidden = secrets_of(data)
    assert "Usr-8201-P4ss" in hidden and "4410" in hidden and "Exp-sio_passwd-S3cret" in hidden
    text = adopt.dump(adopt.encrypt_all(data, fake_encrypt))
    for secret in hidden:
        assert secret not in text
    assert text.count("!vault |") == len(hidden)
    assert adopt.reveal(adopt.load(text, fake_decrypt)) == adopt.reveal(data)


def test_template_markers_stay_data_and_are_written_unsafe():
    data, _paths, _warnings, _overrides = adopt.host_vars(
        (EXPORTS / "config-6500-export.xml").read_bytes(), (EXPORTS / "users-6500-export.xml").read_bytes(), "6500",
        "0013d1800032")
    text = adopt.dump(adopt.encrypt_all(data, fake_encrypt))
    assert "displayname: !unsafe 'Nurse {{ station }} 1'" in text
    assert adopt.load(text, fake_decrypt)["dect_users"][0]["displayname"] == "Nurse {{ station }} 1"
    assert isinstance(adopt.load(text, fake_decrypt)["dect_users"][0]["displayname"], adopt.Unsafe)


def test_disabled_provisioning_and_missing_interval_in_an_export():
    config = (b"<config><provisioning><server><method>disabled</method></server><config><check>false</check>"
              b"</config></provisioning><sip><localport>5060</localport></sip></config>")
    data, _paths, warnings, _overrides = adopt.host_vars(config, None, "6500", "0013d1800032", provisioning="export")
    assert [w.split(":")[0] for w in warnings] == ["provisioning.server.method", "provisioning.config.check"]
    assert "dect_provisioning_method" not in data
    assert data["dect_check_interval"] is None and data["dect_check_sync_reaction"] == "disabled"
    assert data["dect_settings_host"]["provisioning"] == {"server": {}, "config": {}}
    assert "dect_users" not in data


def test_invalid_exports_fail_naming_paths_not_secrets():
    config = b"<config><dect><accesscode>12ab</accesscode></dect><sip><localport>0</localport></sip></config>"
    with pytest.raises(adopt.AdoptError) as caught:
        adopt.host_vars(config, b"<users><user><username>1</username><authpassword>" + b"x" * 40
                        + b"</authpassword></user></users>", "6500", "0013d1800032")
    text = "; ".join(caught.value.errors)
    assert "config: dect.accesscode: value '********'" in text and "12ab" not in text
    assert "config: sip.localport: value '0' is out of range" in text
    assert "x" * 40 not in text
    with pytest.raises(adopt.AdoptError, match="not well-formed XML"):
        adopt.host_vars(b"<config>", None, "6500", "0013d1800032")


def test_the_yaml_is_plain_safe_yaml_apart_from_the_vault_tags():
    data = {"a": adopt.Vaulted("$ANSIBLE_VAULT;1.1;AES256\n6162"), "b": "00:13:11:22:33:44", "c": "0x07"}
    text = adopt.dump(data)
    assert text.startswith(adopt.HEADER)
    assert "a: !vault |-\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n" in text
    # values YAML 1.1 would read as numbers stay strings
    loaded = yaml.safe_load(text.replace("!vault", ""))
    assert loaded["b"] == "00:13:11:22:33:44" and loaded["c"] == "0x07"


def test_by_default_the_site_sets_provisioning_and_adopt_says_what_it_overrides():
    data, paths, warnings, overrides = adopt.host_vars(
        (EXPORTS / "config-8000-export.xml").read_bytes(), None, "8000", "0013d1800032")
    assert warnings == []
    assert overrides == [
        "provisioning.server.method: the export has 'static'; the site sets it from dect_provisioning_method"
        " (default dhcp)",
        "provisioning.server.url: the export has 'https://prov:********@192.0.2.1/dect'; the site sets it from"
        " dect_provisioning_url (default the site's URL)",
        "provisioning.check.check_sync: the export has 'disabled'; the site sets it from dect_check_sync_reaction"
        " (default update)",
        "provisioning.check.interval: the export has '0'; the site sets it from dect_check_interval (default 0)",
        "provisioning.firmware.kws: the export names 'kws.bin', which the site does not stage unless dect_firmware"
        " lists it: add it there with its source, or the site's firmware replaces it"]
    for name in ("dect_provisioning_method", "dect_provisioning_url", "dect_check_sync_reaction",
                 "dect_check_interval"):
        assert name not in data
    # nothing the derived section sets stays in the settings (it would be overridden without a word)
    assert data["dect_settings_host"]["provisioning"] == {
        "check": {}, "config": {}, "users": {}, "server": {},
        "firmware": {"rfp": "", "rfp6": "", "pp14208700": "", "pp14225100": "", "pp14225110": "", "pp14225190": ""}}
    assert "provisioning.server.url" not in paths and "Url-Pass-9" not in repr(overrides)
    assert "dect_ip" not in data  # the export takes its address by DHCP


@pytest.mark.parametrize("config,given,expected", [
    (b"<config><network><bootproto>static</bootproto><ipaddr>192.0.2.51</ipaddr></network></config>", None,
     "192.0.2.51"),
    (b"<config><network><ipv6><ipaddr>2001:db8::51/64</ipaddr></ipv6></network></config>", None, "2001:db8::51"),
    (b"<config><network><ipaddr>192.0.2.51</ipaddr></network></config>", "198.51.100.7", "198.51.100.7"),
])
def test_dect_ip_comes_from_the_export_or_the_ip_option(config, given, expected):
    data = adopt.host_vars(config, None, "6500", "0013d1800032", ip=given)[0]
    assert data["dect_ip"] == expected


def test_ip_option_must_be_an_address():
    assert adopt.check_address(" 192.0.2.9 ") == "192.0.2.9" and adopt.check_address("[2001:db8::1]") == "2001:db8::1"
    with pytest.raises(adopt.AdoptError, match=r"ip: 'ward-a.example' is not an IPv4 or IPv6 address"):
        adopt.check_address("ward-a.example")


@pytest.mark.parametrize("name", ["adminpass", "pw", "pincode", "bindpass", "ApiToken", "sip_auth_x"])
def test_secret_looking_names_the_schema_does_not_know_are_vaulted(name):
    """Issue 22: names the old detector missed went into host_vars in clear."""
    config = ("<config><security><%s>Cfg-S3cret-77</%s></security><application><%s>App-S3cret-78</%s>"
              "</application></config>" % (name, name, name, name)).encode()
    users_xml = ("<users><user><username>2101</username><%s>Usr-S3cret-79</%s></user></users>" % (name, name)).encode()
    data, paths, _warnings, _overrides = adopt.host_vars(config, users_xml, "6500", "0013d1800032", ip="192.0.2.5")
    assert isinstance(data["dect_settings_host"]["security"][name], adopt.Secret)
    assert isinstance(data["dect_users"][0][name], adopt.Secret)
    assert {"security.%s" % name, "application.%s" % name, "users[0].%s" % name} <= set(paths)
    text = adopt.dump(adopt.encrypt_all(data, fake_encrypt))
    assert "S3cret" not in text and text.count("!vault |") == 3


def test_marked_names_the_schema_knows_as_ordinary_stay_in_clear():
    config = (b"<config><dect><auth_call>true</auth_call></dect><security><strict_password>true</strict_password>"
              b"<password_lifetime>0</password_lifetime><keypad>1</keypad></security></config>")
    users_xml = b"<users><user><username>2101</username><authuser>a2101</authuser></user></users>"
    data, paths, _w, _o = adopt.host_vars(config, users_xml, "6500", "0013d1800032", ip="192.0.2.5")
    assert paths == []
    assert data["dect_settings_host"]["security"] == {"strict_password": True, "password_lifetime": "0", "keypad": "1"}
    assert data["dect_users"][0]["authuser"] == "a2101"


def test_merge_keeps_hand_added_variables_and_replaces_what_adopt_owns():
    current = {"dect_mac": "00:13:d1:80:00:31", "dect_sip_host": "192.0.2.9", "dect_check_sync_reaction": "disabled",
               "dect_ip": "192.0.2.50", "site_note": adopt.Unsafe("{{ kept }}"), "dect_sip_auth_password": adopt.Secret("x1")}
    adopted = {"dect_mac": "00:13:d1:80:00:32", "dect_model": "6500", "dect_settings_host": {}}
    merged, kept = adopt.merge(current, adopted)
    assert kept == ["dect_sip_host", "dect_ip", "site_note", "dect_sip_auth_password"]
    assert list(merged) == ["dect_mac", "dect_sip_host", "dect_ip", "site_note", "dect_sip_auth_password", "dect_model",
                            "dect_settings_host"]
    assert merged["dect_mac"] == "00:13:d1:80:00:32" and "dect_check_sync_reaction" not in merged
    text = adopt.dump(adopt.encrypt_all(merged, fake_encrypt))
    again = adopt.load(text, fake_decrypt)
    assert again["dect_sip_auth_password"] == adopt.Secret("x1") and isinstance(again["site_note"], adopt.Unsafe)
    assert adopt.reveal(again) == adopt.reveal(merged)


def test_summary_shows_secrets_as_fingerprints_only():
    lines = adopt.summary({"a": {"b": adopt.Secret("Sum-S3cret")}, "u": "https://p:Url-S3cret@h/x", "n": None,
                           "l": []}, "ward-a").splitlines()
    assert lines[0].startswith("a.b: ********(") and lines[1:] == ["u: https://p:********@h/x", "n: null", "l: []"]
    assert adopt.summary({"a": {"b": adopt.Secret("other")}}, "ward-a") != lines[0] + "\n"

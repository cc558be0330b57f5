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

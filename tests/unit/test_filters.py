"""The collection's filters, called as Jinja calls them."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dect.provisioning.plugins.filter.mac import FilterModule as IdentifierFilters
from ansible_collections.dect.provisioning.plugins.filter.provisioning import FilterModule as SiteFilters

FILTERS = dict(IdentifierFilters().filters(), **SiteFilters().filters())


def test_mac_filter_spellings():
    assert FILTERS["mac"]("00:13:D1:80:00:32") == "0013d1800032"
    assert FILTERS["mac"]("0013.d180.0032", "colon") == "00:13:d1:80:00:32"


@pytest.mark.parametrize("value,style,message", [
    ("0013d180003", "plain", "dect.provisioning.mac: '0013d180003' is not a MAC address: expected 12 hex digits"),
    ("0013d1800032", "dots", "dect.provisioning.mac: style 'dots' is not one of plain, colon"),
])
def test_mac_filter_errors(value, style, message):
    with pytest.raises(AnsibleFilterError) as exc:
        FILTERS["mac"](value, style)
    assert str(exc.value).startswith(message)


def test_ipei_filter():
    assert FILTERS["ipei"]("00077-0000001") == "00077 0000001"
    with pytest.raises(AnsibleFilterError, match="dect.provisioning.ipei: '123' is not an IPEI"):
        FILTERS["ipei"]("123")


def test_provisioning_section_filter_wraps_errors():
    assert FILTERS["provisioning_section"]("http://192.0.2.1", "8000")["server"] == {"method": "dhcp"}
    with pytest.raises(AnsibleFilterError, match="dect.provisioning.provisioning_section: model '9' is not supported"):
        FILTERS["provisioning_section"]("http://192.0.2.1", "9")


def test_check_sync_target_filter():
    assert FILTERS["check_sync_target"]({"dect_ip": "192.0.2.5", "dect_sip_user": "100"}) == \
        {"host": "192.0.2.5", "user": "100"}
    with pytest.raises(AnsibleFilterError, match="nowhere to send check-sync"):
        FILTERS["check_sync_target"]({})


def test_rollout_policy_reads_group_vars_beside_a_file_or_inside_a_dir(tmp_path):
    policy_dir = tmp_path / "group_vars" / "dect_servers"
    policy_dir.mkdir(parents=True)
    (policy_dir / "rollout.yml").write_text("dect_rollout_serial: 10\ndect_rollout_max_fail_percentage: 5\nother: x\n")
    hosts = tmp_path / "hosts.yml"
    hosts.write_text("all: {}\n")
    expected = {"dect_rollout_serial": 10, "dect_rollout_max_fail_percentage": 5}
    assert FILTERS["rollout_policy"]([str(hosts)]) == expected
    assert FILTERS["rollout_policy"]([str(tmp_path)]) == expected
    assert FILTERS["rollout_policy"]([str(tmp_path / "elsewhere" / "hosts.yml")]) == {}


def test_rollout_policy_refuses_a_file_that_is_not_a_mapping(tmp_path):
    policy_dir = tmp_path / "group_vars" / "dect_servers"
    policy_dir.mkdir(parents=True)
    (policy_dir / "rollout.yml").write_text("- 10\n")
    with pytest.raises(AnsibleFilterError, match="rollout.yml must hold a mapping"):
        FILTERS["rollout_policy"]([str(tmp_path)])

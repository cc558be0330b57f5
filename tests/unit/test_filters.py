"""The collection's filters, called as Jinja calls them, and the rollout_policy lookup."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError, AnsibleLookupError

from ansible_collections.dect.provisioning.plugins.filter.convergence import FilterModule as ConvergenceFilters
from ansible_collections.dect.provisioning.plugins.filter.mac import FilterModule as IdentifierFilters
from ansible_collections.dect.provisioning.plugins.filter.provisioning import FilterModule as SiteFilters
from ansible_collections.dect.provisioning.plugins.lookup.dect_server import LookupModule as DectServerLookup
from ansible_collections.dect.provisioning.plugins.lookup.rollout_policy import LookupModule as RolloutPolicyLookup
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import record_of
from devtools.collection import collections_root

FILTERS = dict(IdentifierFilters().filters(), **SiteFilters().filters(), **ConvergenceFilters().filters())


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


def test_check_sync_target_filters():
    server = {"inventory_hostname": "ward-a", "dect_mac": "0013d1800032", "dect_model": "6500",
              "dect_provisioning_url": "http://192.0.2.1", "dect_ip": "192.0.2.5", "dect_sip_user": "100"}
    assert FILTERS["check_sync_target"](server) == {"host": "192.0.2.5", "transport": "udp", "user": "100",
                                                    "name": "ward-a"}
    with pytest.raises(AnsibleFilterError, match="^dect.provisioning.check_sync_target: ward-a: neither dect_sip_host"
                                                 " nor dect_ip is set: nowhere to send check-sync$"):
        FILTERS["check_sync_target"](dict(server, dect_ip=""))
    disabled = dict(server, inventory_hostname="ward-b", dect_check_sync_reaction="disabled")
    assert FILTERS["check_sync_targets"]([server, disabled]) == [{"host": "192.0.2.5", "transport": "udp", "user": "100",
                                                                  "name": "ward-a"}]
    with pytest.raises(AnsibleFilterError) as exc:
        FILTERS["check_sync_targets"]([dict(server, dect_ip=""), {"inventory_hostname": "ward-c"}])
    assert str(exc.value) == (
        "dect.provisioning.check_sync_targets: ward-a: neither dect_sip_host nor dect_ip is set: nowhere to send"
        " check-sync; ward-c: dect_mac: not set for this DECT server (nor dect_server_mac): it is required")


def _reported(variables, pending=True, expect=("0013d1800032-config.xml",)):
    """A DECT server's variables after its publication: the record the render step set (made from its
    variables, as the dect_server lookup makes it), completed by the report step."""
    record = record_of(variables)
    return dict(variables, dect_server_record=dict(record, pending=pending, expect=list(expect), notify={}))


def test_rollout_expectations_read_the_record():
    server = {"inventory_hostname": "ward-a", "dect_server_mac": "00:13:D1:80:00:32", "dect_model": "6500",
              "dect_provisioning_url": "http://192.0.2.1", "dect_users": [{"username": "1"}]}
    idle = _reported(dict(server, inventory_hostname="idle", dect_server_mac="00:13:d1:80:00:33"), pending=False)
    quiet = _reported(dict(server, inventory_hostname="quiet", dect_server_mac="00:13:d1:80:00:34"), expect=())
    assert FILTERS["rollout_expectations"]([_reported(server), idle, quiet, {"inventory_hostname": "unpublished"}]) == [
        {"name": "ward-a", "mac": "0013d1800032", "client": None, "files": ["0013d1800032-config.xml"]}]
    assert FILTERS["rollout_expectations"]([server], report=True) == [
        {"name": "ward-a", "mac": "0013d1800032", "client": None, "files": None,
         "staged": ["0013d1800032-config.xml", "0013d1800032-users.xml"]}]
    # The address fetches must come from: the server's own (dect_server_ip, dect_ip), unless
    # dect_client_address says otherwise ('' for any address).
    assert FILTERS["rollout_expectations"]([_reported(dict(server, dect_ip="192.0.2.10"))])[0]["client"] == "192.0.2.10"
    assert FILTERS["rollout_expectations"]([_reported(dict(server, dect_ip="192.0.2.10", dect_client_address="198.51.100.7"))]
                                           )[0]["client"] == "198.51.100.7"
    assert FILTERS["rollout_expectations"]([_reported(dict(server, dect_ip="192.0.2.10", dect_client_address=""))]
                                           )[0]["client"] is None


def _lookup_dect_server(variables):
    """The lookup as a task on a DECT server calls it: no term, the host's variables, their templar."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    loader = DataLoader()
    lookup = DectServerLookup(loader=loader, templar=Templar(loader=loader, variables=variables))
    result = lookup.run([], variables=variables)
    assert len(result) == 1
    return result[0]


def _trusted(text):
    """A template as an inventory file holds it (ansible-core 2.19 templates only trusted strings)."""
    try:
        from ansible.template import trust_as_template
    except ImportError:  # before 2.19 every string is a template
        return text
    return trust_as_template(text)


def test_dect_server_lookup_templates_inventory_values_and_resolves_the_role_defaults():
    variables = {
        "inventory_hostname": "ward-a", "site_domain": "pbx.example", "vault_sip_password": "s3cret",
        "dect_mac": "00:13:d1:80:00:32", "dect_model": "8000", "dect_provisioning_url": "http://192.0.2.1/dect",
        "dect_settings": {"sip": {"defaultdomain": _trusted("{{ site_domain }}"),
                                  "password": _trusted("{{ vault_sip_password }}")}},
        "dect_settings_host": {"network": {"hostname": _trusted("{{ inventory_hostname }}")}},
        "dect_server_strict": _trusted("{{ 1 == 1 }}"),
    }
    out = _lookup_dect_server(variables)
    assert out["config"]["settings"]["sip"] == {"defaultdomain": "pbx.example", "password": "s3cret"}
    assert out["config"]["settings"]["network"] == {"hostname": "ward-a"}
    assert out["config"]["settings"]["provisioning"]["server"] == {"method": "dhcp"}
    assert out["config"]["strict"] is True and "users" not in out


@pytest.mark.parametrize("variables,message", [
    ({"dect_model": "8000", "dect_provisioning_url": "http://192.0.2.1"},
     "dect.provisioning.dect_server: dect_mac: not set for this DECT server (nor dect_server_mac): it is required"),
    ({"dect_mac": "0013d1800032", "dect_model": "9", "dect_provisioning_url": "http://192.0.2.1"},
     "dect.provisioning.dect_server: this DECT server: dect_model: model '9' is not supported"),
])
def test_dect_server_lookup_errors_name_the_variable(variables, message):
    with pytest.raises(AnsibleLookupError) as exc:
        _lookup_dect_server(variables)
    assert str(exc.value).startswith(message)


def test_dect_server_lookup_takes_no_terms():
    with pytest.raises(AnsibleLookupError, match="takes no terms"):
        DectServerLookup().run(["dect-001"], variables={})


def _lookup_rollout_policy(sources):
    """The lookup as ``lookup('dect.provisioning.rollout_policy', sources)`` calls it: one list term."""
    result = RolloutPolicyLookup().run([sources], variables={})
    assert len(result) == 1
    return result[0]


def test_rollout_policy_reads_group_vars_beside_a_file_or_inside_a_dir(tmp_path):
    policy_dir = tmp_path / "group_vars" / "dect_servers"
    policy_dir.mkdir(parents=True)
    (policy_dir / "rollout.yml").write_text("dect_rollout_serial: 10\ndect_rollout_max_fail_percentage: 5\nother: x\n")
    hosts = tmp_path / "hosts.yml"
    hosts.write_text("all: {}\n")
    expected = {"dect_rollout_serial": 10, "dect_rollout_max_fail_percentage": 5}
    assert _lookup_rollout_policy([str(hosts)]) == expected
    assert _lookup_rollout_policy([str(tmp_path)]) == expected
    assert _lookup_rollout_policy([str(tmp_path / "elsewhere" / "hosts.yml")]) == {}


def test_rollout_policy_later_sources_win(tmp_path):
    for name, text in (("a", "dect_rollout_serial: 10\ndect_rollout_max_fail_percentage: 5\n"),
                       ("b", "dect_rollout_serial: 2\n")):
        (tmp_path / name / "group_vars" / "dect_servers").mkdir(parents=True)
        (tmp_path / name / "group_vars" / "dect_servers" / "rollout.yml").write_text(text)
    assert _lookup_rollout_policy([str(tmp_path / "a"), str(tmp_path / "b")]) == \
        {"dect_rollout_serial": 2, "dect_rollout_max_fail_percentage": 5}


def test_rollout_policy_refuses_a_file_that_is_not_a_mapping_or_not_yaml(tmp_path):
    policy_dir = tmp_path / "group_vars" / "dect_servers"
    policy_dir.mkdir(parents=True)
    policy = policy_dir / "rollout.yml"
    policy.write_text("- 10\n")
    with pytest.raises(AnsibleLookupError) as exc:
        _lookup_rollout_policy([str(tmp_path)])
    assert str(exc.value) == "dect.provisioning.rollout_policy: %s must hold a mapping" % policy
    policy.write_text("dect_rollout_serial: [10\n")
    with pytest.raises(AnsibleLookupError, match="^dect.provisioning.rollout_policy: %s is not YAML: " % re.escape(str(policy))):
        _lookup_rollout_policy([str(tmp_path)])


def test_the_lookup_takes_sources_as_separate_terms_too(tmp_path):
    (tmp_path / "group_vars" / "dect_servers").mkdir(parents=True)
    (tmp_path / "group_vars" / "dect_servers" / "rollout.yml").write_text("dect_rollout_serial: 3\n")
    assert RolloutPolicyLookup().run([str(tmp_path / "none"), str(tmp_path)]) == [{"dect_rollout_serial": 3}]


def test_rollout_policy_warms_the_rendering_engine_in_the_calling_process():
    """site.yml's play keywords call it in the controller's main process: afterwards the engine
    (lxml, the schema, the render backends, the argument validators of the publish step and of both
    documents) is there, imported normally with the lookup, for the forked workers to inherit; no
    action plugin is imported as a library."""
    modules = ["ansible_collections.dect.provisioning.plugins.%s" % n for n in (
        "plugin_utils._render", "module_utils.config_settings", "module_utils.users", "plugin_utils._spool")]
    code = "\n".join([
        "import sys",
        "sys.path.insert(0, %r)" % str(collections_root()),
        "from ansible_collections.dect.provisioning.plugins.lookup.rollout_policy import LookupModule",
        "from ansible_collections.dect.provisioning.plugins.plugin_utils import _render",
        "specs = [_render.PUBLISH_SPEC] + [backend.SPEC for backend in _render.BACKENDS.values()]",
        "before = [spec._validator is not None for spec in specs]",
        "LookupModule().run([[]], variables={})",
        "print(before, [spec._validator is not None for spec in specs],",
        "      all(name in sys.modules for name in %r)," % modules,
        "      any(name.startswith('ansible_collections.dect.provisioning.plugins.action') for name in sys.modules))",
    ])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[False, False, False] [True, True, True] True False"


def test_firmware_unused_reads_each_servers_model_and_warns(monkeypatch):
    from ansible_collections.dect.provisioning.plugins.filter import provisioning as provisioning_filters

    shown = []
    monkeypatch.setattr(provisioning_filters._display, "warning", shown.append)
    catalogue = {"IP-DECTserver400firmware": {"kind": "kws", "models": ["400"]},
                 "IP-DECTserver6500firmware": {"kind": "kws", "models": ["6500"]}}
    # The role variable wins over the inventory's dect_model: this 400 is described as a 6500.
    hostvars = {"a": {"dect_model": "400", "dect_server_model": 6500}, "b": {"dect_model": "6500"}, "c": {}}
    messages = provisioning_filters.firmware_unused(catalogue, hostvars, ["a", "b", "c"])
    assert messages == shown == [
        "dect_firmware.IP-DECTserver400firmware: no DECT server in inventory is given IP-DECTserver400firmware.bin"
        " (kws firmware for model 400; the DECT servers' models: 6500): it is staged but never fetched"]

    class Counting(dict):
        """Host variables that count how many servers were read (each costs a variable computation)."""
        reads = 0

        def __getitem__(self, name):
            Counting.reads += 1
            return dict.__getitem__(self, name)

    many = Counting(("s%d" % i, {"dect_model": ("400", "6500")[i % 2]}) for i in range(1000))
    assert provisioning_filters.firmware_unused(catalogue, many, sorted(many)) == []
    assert Counting.reads == 2  # both entries given after two servers: the other 998 are never read

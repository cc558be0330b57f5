"""The action plugins' option check (plugin_utils/_action.py): reported as AnsibleModule reports it,
and done once per option in the publication engine's render step, whose rendering is the render
backends' (plugin_utils/_render.py), with no action plugin loaded as a library."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from ansible import constants as C
from ansible.errors import AnsibleActionFail

from ansible_collections.dect.provisioning.plugins.action import config_xml as config_action
from ansible_collections.dect.provisioning.plugins.action import publish as publish_action
from ansible_collections.dect.provisioning.plugins.module_utils import server_variables
from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.dect.provisioning.plugins.module_utils.document import UNSAFE_CHECKS
from ansible_collections.dect.provisioning.plugins.plugin_utils import _render, _spool
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction

SIP_PASSWORD = "Sip-S3cret-42"
SITE = {
    "dect_mac": "00:13:d1:80:00:32", "dect_model": 6500, "dect_provisioning_url": "http://192.0.2.1/dect",
    "dect_settings": {"sip": {"defaultdomain": "pbx.example", "localport": 5060}},
    "dect_users": [{"ipei": "00077 0000001", "username": "100", "password": SIP_PASSWORD}],
    "dect_sip_host": "192.0.2.50",
}


def bare(action_class, args, diff=False, action="dect.provisioning.publish"):
    """The action plugin as Ansible builds it, without a connection or a plugin loader (no data loader
    either: no file is read): a step that needs none of them runs; one that reached for them would fail."""
    instance = action_class.__new__(action_class)
    instance._loader = None
    instance._task = SimpleNamespace(args=args, action=action, diff=diff, check_mode=False, delegate_to=None)
    return instance


@pytest.fixture
def spool(tmp_path, monkeypatch):
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path))
    return tmp_path


@pytest.fixture
def validations(monkeypatch):
    """How often each spec's validator validates (the validators themselves do the work)."""
    counts = {}
    specs = dict(publish=_render.PUBLISH_SPEC, **dict((kind, backend.SPEC) for kind, backend in _render.BACKENDS.items()))
    for name, spec in specs.items():
        validator = spec.validator()
        real = validator.validate

        def counted(parameters, _name=name, _real=real):
            counts[_name] = counts.get(_name, 0) + 1
            return _real(parameters)

        monkeypatch.setattr(validator, "validate", counted)
    return counts


def test_the_render_step_checks_each_option_once_and_renders_through_the_backends(spool, validations):
    server = server_variables.server_documents(SITE.__getitem__)
    action = bare(publish_action.ActionModule, {"step": "render", "server": server}, diff=True)
    result = action.checked_and_performed({}, {"inventory_hostname": "ward-a"})
    assert "failed" not in result, result
    # The step's options (the server unpacked) once, each document's options once by its module's spec.
    assert validations == {"publish": 1, "users": 1, "config": 1}
    assert result["ansible_facts"] == {"dect_server_record": server["record"]}
    assert sorted(result["documents"]) == ["config", "users"]
    kept = _spool.get("ward-a")
    assert kept["documents"]["users"]["name"] == "0013d1800032-users.xml"
    assert "<password>%s</password>" % SIP_PASSWORD in kept["documents"]["users"]["text"]
    # The diff's side of the document: its summary, the secret fingerprinted, never shown.
    summary = json.dumps(kept["documents"]["users"]["summary"])
    assert SIP_PASSWORD not in summary and "password=********(" in summary


def test_an_invalid_document_fails_its_server_naming_every_error(spool, validations):
    server = server_variables.server_documents(SITE.__getitem__)
    server["users"]["users"] = [{"ipei": "nonsense", "username": "100", "password": SIP_PASSWORD}]
    server["config"]["strict"] = "maybe"
    result = bare(publish_action.ActionModule, {"step": "render", "server": server}).checked_and_performed(
        {}, {"inventory_hostname": "ward-a"})
    assert result["failed"] is True
    assert result["msg"].startswith("ward-a: validation failed with 2 error(s), nothing published: ")
    # The check's own words (they vary between ansible-core versions), under the document's name.
    assert result["errors"][1].startswith("config: argument 'strict' is of type ")
    assert "The value 'maybe' is not a valid boolean." in result["errors"][1]
    assert result["errors"][0].startswith("users[0] (username '100'): ipei: value 'nonsense' is not an IPEI")
    assert SIP_PASSWORD not in json.dumps(result)
    assert _spool.get("ward-a") is None


def test_a_document_action_reports_an_alias_given_with_its_option_like_a_module():
    """config_xml's ``attributes`` and its alias ``attr`` both set: AnsibleModule's warning, in the result."""
    args = {"model": "6500", "state": "rendered", "settings": {"sip": {"localport": 5060}},
            "allow_unsafe": list(UNSAFE_CHECKS), "attributes": "+i", "attr": "+i"}
    result = bare(config_action.ActionModule, args, action="dect.provisioning.config_xml").checked_and_performed(
        {}, {"inventory_hostname": "ward-a"})
    assert result["warnings"] == ["Both option attributes and its alias attr are set."]
    assert "<localport>5060</localport>" in result["xml"]


class Echo(SpecAction):
    """An action whose result repeats its options: what a careless action would leak."""

    ARGUMENT_SPEC = ArgumentSpec(dict(
        token=dict(type="str", no_log=True, aliases=["api_token"],
                   deprecated_aliases=[dict(name="api_token", version="2.0.0", collection_name="dect.provisioning")]),
        legacy=dict(type="str", removed_in_version="2.0.0", removed_from_collection="dect.provisioning"),
        name=dict(type="str"),
    ))

    def perform(self, args, task_vars):
        return dict(changed=False, msg="logged in to %s with %s" % (args["name"], args["token"]),
                    nested={"list": ["before %s after" % args["token"]]}, warnings=["the action's own warning"])


def test_deprecations_are_reported_and_no_log_values_scrubbed_from_the_whole_result():
    args = {"api_token": "Tok-S3cret-9", "legacy": "x", "name": "pbx"}
    result = bare(Echo, args, action="dect.provisioning.echo").checked_and_performed({}, {})
    assert result["msg"] == "logged in to pbx with ********"
    assert result["nested"] == {"list": ["before ******** after"]}
    assert "Tok-S3cret-9" not in json.dumps(result)
    assert result["warnings"] == ["the action's own warning"]
    assert result["deprecations"] == [
        {"msg": "Alias 'api_token' is deprecated. See the module docs for more information", "version": "2.0.0",
         "collection_name": "dect.provisioning"},
        {"msg": "Param 'legacy' is deprecated. See the module docs for more information", "version": "2.0.0",
         "collection_name": "dect.provisioning"},
    ]


def test_a_check_without_findings_leaves_the_result_as_the_action_made_it():
    result = bare(Echo, {"token": "", "name": "pbx"}, action="dect.provisioning.echo").checked_and_performed({}, {})
    assert result == {"changed": False, "msg": "logged in to pbx with ", "nested": {"list": ["before  after"]},
                      "warnings": ["the action's own warning"]}


def test_an_unsupported_option_names_the_task_action():
    with pytest.raises(AnsibleActionFail, match=r"^Unsupported parameters for \(dect.provisioning.echo\) module: tokn\."):
        bare(Echo, {"tokn": "x"}, action="dect.provisioning.echo").checked_and_performed({}, {})

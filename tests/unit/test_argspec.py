"""One argument spec per module: for every module with an action plugin, what the module accepts
(its AnsibleModule, caught as its main() builds it) and what the action accepts (the validator its
``checked_args`` uses) are the same options with the same rules, and give the same verdict and the
same values on the same task options. Ansible's own file options come from ansible-core itself,
``unsafe_writes`` with its ANSIBLE_UNSAFE_WRITES fallback."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.module_utils import basic

from devtools.module_runner import patch_module_args

PREFIX = "ansible_collections.dect.provisioning.plugins"
# Not a directory: the firmware and publish modules refuse it before they look at any file.
NOWHERE = "/nonexistent/dect-argspec-test"
# Options that make each module's main() stop early without touching anything on this host.
HARMLESS = {
    "config_xml": {"model": "6500", "state": "rendered"},
    "users_xml": {"model": "6500", "state": "rendered"},
    "firmware": {"dest": NOWHERE, "name": "kws.bin", "state": "absent"},
    "publish": {"step": "render", "mac": "0013d1800032", "model": "6500", "config": {}},
    "adopt_export": {"host": "h", "mac": "0013d1800032", "model": "6500", "config": "c.xml", "dir": "d"},
    "provisioning_log": {"macs": ["not a mac"]},
}
MODULES = sorted(HARMLESS)
RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


class Stopped(Exception):
    """Raised in place of fail_json/exit_json: the module built from main() is in ``module``."""

    def __init__(self, module, result):
        super().__init__(result.get("msg"))
        self.module = module
        self.result = result


def _stop(self, **result):
    raise Stopped(self, result)


def module_side(name, args):
    """The AnsibleModule the module's main() builds for ``args`` and what it reported.

    Not in check mode: a warning (firmware's "dest does not exist yet") would stay in ansible-core's
    global warning list before 2.19, since the patched exit_json never hands it out."""
    module = importlib.import_module("%s.modules.%s" % (PREFIX, name))
    with patch_module_args(dict(args)), \
            mock.patch.object(basic.AnsibleModule, "fail_json", _stop), \
            mock.patch.object(basic.AnsibleModule, "exit_json", _stop), \
            pytest.raises(Stopped) as stopped:
        module.main()
    return stopped.value


def action_side(name):
    """The module's action plugin, bare: enough to run its own option validation."""
    action_class = importlib.import_module("%s.action.%s" % (PREFIX, name)).ActionModule
    action = action_class.__new__(action_class)
    action._task = SimpleNamespace(args={}, action="dect.provisioning.%s" % name)
    return action


def action_verdict(name, args):
    action = action_side(name)
    try:
        return True, action.checked_args(dict(args))
    except AnsibleActionFail as exc:
        return False, str(exc)


def module_verdict(name, args):
    stopped = module_side(name, args)
    if stopped.module.validation_result.error_messages:
        return False, stopped.result["msg"]
    return True, dict(stopped.module.params)


@pytest.mark.parametrize("name", MODULES)
def test_module_and_action_accept_the_same_options(name):
    module = module_side(name, HARMLESS[name]).module
    validator = action_side(name).ARGUMENT_SPEC.validator()
    # Names, types, elements, choices, defaults, aliases, no_log, required, suboptions, fallbacks.
    assert sorted(module.argument_spec) == sorted(validator.argument_spec)
    for option, spec in module.argument_spec.items():
        assert spec == validator.argument_spec[option], option
    for rule in RULES:
        assert (getattr(module, rule) or None) == (getattr(validator, "_" + rule) or None), rule


@pytest.mark.parametrize("name", ["config_xml", "users_xml", "firmware"])
def test_ansible_file_options_come_from_ansible_core(name):
    spec = action_side(name).ARGUMENT_SPEC.argument_spec
    for option, expected in basic.FILE_COMMON_ARGUMENTS.items():
        assert spec[option] == expected, option
    assert spec["unsafe_writes"]["fallback"] == (basic.env_fallback, ["ANSIBLE_UNSAFE_WRITES"])


@pytest.mark.parametrize("name", ["config_xml", "users_xml", "firmware", "publish"])
@pytest.mark.parametrize("value, expected", [("1", True), ("0", False)])
def test_unsafe_writes_environment_fallback_on_both_sides(monkeypatch, name, value, expected):
    monkeypatch.setenv("ANSIBLE_UNSAFE_WRITES", value)
    accepted, params = module_verdict(name, HARMLESS[name])
    assert accepted and params["unsafe_writes"] is expected
    accepted, args = action_verdict(name, HARMLESS[name])
    assert accepted and args["unsafe_writes"] is expected
    # Given in the task, the option wins over the environment on both sides.
    assert module_verdict(name, dict(HARMLESS[name], unsafe_writes=not expected))[1]["unsafe_writes"] is not expected
    assert action_verdict(name, dict(HARMLESS[name], unsafe_writes=not expected))[1]["unsafe_writes"] is not expected


DOCUMENT_CASES = [
    ({"model": 6500}, True),                                   # an int model: converted, then checked
    ({"model": "7000"}, False),                                # not a model, on both sides
    ({"model": "6500", "path": "/a", "dest": "/b"}, False),    # mutually exclusive
    ({"model": "6500", "dest": "/srv/dect"}, False),           # dest requires mac
    ({"model": "6500", "src": "a", "content": "b"}, False),    # mutually exclusive
    ({"model": "6500", "state": "gone"}, False),
    ({"model": "6500", "attr": "+i"}, True),                   # Ansible's alias of attributes
    ({"model": "6500", "colour": "blue"}, False),              # unknown option
    ({"model": "6500", "max_input_size": "12"}, True),
]
CASES = dict(
    config_xml=DOCUMENT_CASES + [
        ({"model": "8000", "allow_unsafe": ["config_check_off"]}, True),
        ({"model": "8000", "allow_unsafe": ["everything"]}, False),
        ({"model": "8000", "family_overrides": "snmp"}, True),
    ],
    users_xml=DOCUMENT_CASES + [
        ({"model": "400", "users": ["not a dict"]}, True),        # elements raw: the action names the index
        ({"model": "400", "users": "x", "sort": "yes"}, True),
        ({"model": "400", "max_users": "many"}, False),
    ],
    firmware=[
        ({"dest": NOWHERE, "name": "kws.bin", "src": "a", "version": "V1"}, True),
        ({"dest": NOWHERE, "name": "kws.bin", "src": "a"}, False),                       # version or version_src
        ({"dest": NOWHERE, "name": "kws.bin", "src": "a", "version": "V", "version_src": "v"}, False),
        ({"dest": NOWHERE, "name": "kws.bin", "version": "V1"}, False),                  # src with state=present
        ({"dest": NOWHERE, "name": "kws.bin", "state": "absent", "mode": "0644", "owner": "root"}, True),
        ({"name": "kws.bin", "state": "absent"}, False),
        ({"dest": NOWHERE, "name": "kws.bin", "state": "absent", "ver_grace": "soon"}, False),
    ],
    publish=[
        ({"step": "write", "dest": NOWHERE, "mode": "0640", "backup": True}, True),
        ({"step": "write"}, False),
        ({"step": "render", "mac": "m"}, False),
        ({"step": "write", "dest": NOWHERE, "files": [{"checksum": "x"}]}, False),   # files[].name required
        ({"step": "report", "firmware_changed": {"kws.bin": True}}, True),
        ({"step": "publish"}, False),
    ],
    adopt_export=[
        ({"host": "h", "mac": "m", "model": 2500, "config": "c", "dir": "d"}, True),
        ({"host": "h", "mac": "m", "model": "2600", "config": "c", "dir": "d"}, False),
        ({"host": "h", "mac": "m", "model": "400", "dir": "d"}, False),
        ({"host": "h", "mac": "m", "model": "400", "config": "c", "dir": "d", "vault_id": "prod"}, True),
    ],
    provisioning_log=[
        ({"macs": ["not a mac"], "timeout": "30", "interval": 5}, True),
        ({"expect": [{"name": "a", "mac": "m", "files": ["x"]}], "nginx_log": "", "ftp_log": "", "tftp_log": ""}, True),
        ({"expect": [{"name": "a"}]}, False),                                  # expect[].mac required
        ({"expect": [{"name": "a", "mac": "m"}], "macs": ["m"]}, False),       # mutually exclusive
        ({"expect": [{"name": "a", "mac": "m", "colour": "blue"}]}, False),     # unknown suboption
        ({"macs": ["not a mac"], "interval": "often"}, False),
    ],
)


@pytest.mark.parametrize("name, args, accepted", [(name, args, ok) for name in MODULES for args, ok in CASES[name]])
def test_module_and_action_give_the_same_verdict_and_values(monkeypatch, name, args, accepted):
    monkeypatch.delenv("ANSIBLE_UNSAFE_WRITES", raising=False)
    on_module = module_verdict(name, args)
    on_action = action_verdict(name, args)
    assert on_module[0] is on_action[0] is accepted, (on_module, on_action)
    if accepted:
        internal = [key for key in on_module[1] if key.startswith("_ansible")]
        assert dict((k, v) for k, v in on_module[1].items() if k not in internal) == on_action[1]
    else:
        # The same error text on both sides (the action may prefix what Ansible prefixes).
        assert on_module[1].split(": ", 1)[-1] in on_action[1] or on_action[1] in on_module[1], (on_module, on_action)

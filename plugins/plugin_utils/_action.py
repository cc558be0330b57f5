# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's action plugins: options checked against the module's one spec.

Every module with an action plugin has one ``ArgumentSpec`` in module_utils (see
``module_utils/_argspec.py``); its action plugin names it in ``ARGUMENT_SPEC`` and gets the task's
options validated with it (the validator is built once per process), then does its work in
``perform``. What the check reports goes into the result as ``AnsibleModule`` puts it there:
alias warnings in ``warnings``, deprecated options and aliases in ``deprecations``, and the values
of ``no_log`` options masked wherever they appear. What reaches the module on the host goes through
:meth:`SpecAction.module_options`.
"""

from __future__ import annotations

from collections import namedtuple

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import file_options

# Ansible's own file options (mode, owner, ..., unsafe_writes), in the order Ansible lists them.
FILE_OPTIONS = tuple(file_options())


def plain(value):
    """``value`` as plain JSON-like Python data (data tags and unsafe markers dropped)."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dict):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


Checked = namedtuple("Checked", "args warnings deprecations no_log_values")


class SpecAction(ActionBase):
    """An action plugin validating its task's options with its module's ``ARGUMENT_SPEC`` and
    reporting what the check found as ``AnsibleModule`` does: alias warnings and deprecations in the
    result, the values of ``no_log`` options scrubbed from all of it."""

    ARGUMENT_SPEC = None  # the module's module_utils._argspec.ArgumentSpec

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        try:
            return self.checked_and_performed(result, task_vars)
        finally:
            # Only when a module ran on a host: without one there is no remote temp dir.
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def checked_and_performed(self, result, task_vars):
        """``result`` with the work of ``perform`` on the checked options, and the check's report."""
        checked = self.check_options(self.task_options(task_vars))
        result.update(self.perform(checked.args, task_vars))
        return reported(result, checked)

    def task_options(self, task_vars):
        """The options to check: the task's (an action taking them in another shape, or resolving some from
        ``task_vars``, does it here)."""
        return self._task.args

    def perform(self, args, task_vars):
        """The action's work with the checked ``args``; returns what to add to the result."""
        raise NotImplementedError

    def checked_args(self, task_args=None, spec=None):
        """The task's options (or ``task_args``), validated, with defaults and fallbacks applied."""
        return self.check_options(self._task.args if task_args is None else task_args, spec).args

    def check_options(self, task_args, spec=None):
        """``Checked``: ``task_args`` validated against ``spec`` (default: ``ARGUMENT_SPEC``), with
        defaults and fallbacks applied, and what the check reports (no state is kept).

        The options are checked as plain data: validating deep-copies them, and templated strings
        carry data tags whose copies are slow (a third of the publication engine's render step per
        DECT server, profiled on ansible-core 2.19); no check templates a value."""
        args = plain(task_args)
        checked = (spec or self.ARGUMENT_SPEC).validator().validate(args)
        if checked.error_messages:
            msg = checked.errors.msg
            if isinstance(checked.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self._task.action, msg)
            raise AnsibleActionFail(msg)
        args.update(checked.validated_parameters)
        # As AnsibleModule words them (ModuleArgumentSpecValidator).
        warnings = ["Both option %s and its alias %s are set." % (item["option"], item["alias"])
                    for item in checked._warnings]
        deprecations = [dict((key, value) for key, value in item.items() if value is not None)
                        for item in checked._deprecations]
        return Checked(args, warnings, deprecations, frozenset(checked._no_log_values))

    def module_options(self, args, names):
        """The options among ``names`` to pass on to a module on the host: those that are set.

        ``unsafe_writes`` goes only when the task gives it or the controller's ANSIBLE_UNSAFE_WRITES
        turned it on; otherwise the module's own fallback (the host's environment) decides, as it
        does for ``ansible.builtin.copy``."""
        options = dict((name, args[name]) for name in names if name != "unsafe_writes" and args.get(name) is not None)
        if "unsafe_writes" in names and ("unsafe_writes" in self._task.args or args.get("unsafe_writes")):
            options["unsafe_writes"] = args["unsafe_writes"]
        return options


def reported(result, checked):
    """``result`` with the check's warnings and deprecations added and the values of its ``no_log``
    options replaced by the mask wherever they appear, as AnsibleModule's exit_json/fail_json do."""
    if checked.warnings:
        result["warnings"] = checked.warnings + list(result.get("warnings") or [])
    if checked.deprecations:
        result["deprecations"] = checked.deprecations + list(result.get("deprecations") or [])
    if checked.no_log_values:
        result = remove_values(result, checked.no_log_values)
    return result

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's action plugins: options checked against the module's one spec.

Every module with an action plugin has one ``ArgumentSpec`` in module_utils (see
``module_utils/_argspec.py``); its action plugin names it in ``ARGUMENT_SPEC`` and gets the task's
options validated with it (the validator is built once per process), then does its work in
``perform``. What reaches the module on the host goes through :meth:`SpecAction.module_options`.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
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


class SpecAction(ActionBase):
    """An action plugin validating its task's options with its module's ``ARGUMENT_SPEC``."""

    ARGUMENT_SPEC = None  # the module's module_utils._argspec.ArgumentSpec

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self.checked_args()
        try:
            result.update(self.perform(args, task_vars))
        finally:
            # Only when a module ran on a host: without one there is no remote temp dir.
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def perform(self, args, task_vars):
        """The action's work with the checked ``args``; returns what to add to the result."""
        raise NotImplementedError

    def checked_args(self, task_args=None):
        """The task's options (or ``task_args``), validated, with defaults and fallbacks applied.

        The options are checked as plain data: validating deep-copies them, and templated strings
        carry data tags whose copies are slow (a third of the publication engine's render step per
        DECT server, profiled on ansible-core 2.19); no check templates a value."""
        args = plain(self._task.args if task_args is None else task_args)
        checked = self.ARGUMENT_SPEC.validator().validate(args)
        if checked.error_messages:
            msg = checked.errors.msg
            if isinstance(checked.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self._task.action, msg)
            raise AnsibleActionFail(msg)
        args.update(checked.validated_parameters)
        return args

    def module_options(self, args, names):
        """The options among ``names`` to pass on to a module on the host: those that are set.

        ``unsafe_writes`` goes only when the task gives it or the controller's ANSIBLE_UNSAFE_WRITES
        turned it on; otherwise the module's own fallback (the host's environment) decides, as it
        does for ``ansible.builtin.copy``."""
        options = dict((name, args[name]) for name in names if name != "unsafe_writes" and args.get(name) is not None)
        if "unsafe_writes" in names and ("unsafe_writes" in self._task.args or args.get("unsafe_writes")):
            options["unsafe_writes"] = args["unsafe_writes"]
        return options

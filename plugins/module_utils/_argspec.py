# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's argument spec as one object: the options and the rules between them.

Each module with an action plugin has exactly one of these, next to its concept in module_utils
(``document.CONFIG_XML``, ``document.USERS_XML``, ``firmware.ARGUMENT_SPEC``,
``_publication.ARGUMENT_SPEC``, ``_adopt.ARGUMENT_SPEC``). The module builds its ``AnsibleModule``
from it and the action plugin validates the task's options with it on the controller, so what the
two accept cannot drift apart.

Ansible's own file options (``mode``, ``owner``, ..., ``unsafe_writes`` with its
``ANSIBLE_UNSAFE_WRITES`` environment fallback) are taken from ``ansible.module_utils.basic``, as
``add_file_common_args`` takes them, never copied.

Runs on targets: Python 3.8 syntax, stdlib and ansible.module_utils only.
"""

from __future__ import annotations

import copy

from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS, AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

# The rules besides the options, by their AnsibleModule / ArgumentSpecValidator keyword.
RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


def file_options(*names):
    """Ansible's own file options of these ``names`` (all of them without names), as copies."""
    return dict((name, copy.deepcopy(option)) for name, option in FILE_COMMON_ARGUMENTS.items()
                if not names or name in names)


class ArgumentSpec:
    """Options (an argument_spec dict) and the rules between them (the keywords of ``RULES``)."""

    def __init__(self, argument_spec, file_common=False, **rules):
        unknown = set(rules) - set(RULES)
        if unknown:
            raise TypeError("unknown argument spec rules: %s" % ", ".join(sorted(unknown)))
        self.argument_spec = copy.deepcopy(argument_spec)
        if file_common:
            # As AnsibleModule(add_file_common_args=True) adds them: an option of the module's own wins.
            for name, option in file_options().items():
                self.argument_spec.setdefault(name, option)
        self.rules = dict((name, copy.deepcopy(rules.get(name)) or ([] if name != "required_by" else {}))
                          for name in RULES)
        self._validator = None

    def extended(self, argument_spec):
        """A new spec: these options added to (replacing) this one's, with this one's rules."""
        return ArgumentSpec(dict(self.argument_spec, **argument_spec), **self.rules)

    def create_module(self, **kwargs):
        """The module's ``AnsibleModule`` (``supports_check_mode`` and the like in ``kwargs``)."""
        options = dict(self.rules, **kwargs)
        return AnsibleModule(argument_spec=copy.deepcopy(self.argument_spec), **options)

    def validator(self):
        """An ``ArgumentSpecValidator`` of these options and rules, built once per process (the
        publication engine validates every DECT server of a batch with it)."""
        if self._validator is None:
            self._validator = ArgumentSpecValidator(copy.deepcopy(self.argument_spec), **self.rules)
        return self._validator

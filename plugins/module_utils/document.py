# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every per-server document module shares (config_xml, users_xml).

One home for them: the modules' argument specs and the action plugins' validation both build on it.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import MODELS

STATES = ("present", "absent", "rendered", "parsed")

DOCUMENT_ARGUMENT_SPEC = dict(
    path=dict(type="path"),
    dest=dict(type="path"),
    mac=dict(type="str"),
    model=dict(type="str", choices=list(MODELS)),
    state=dict(type="str", default="present", choices=list(STATES)),
    strict=dict(type="bool", default=False),
    src=dict(type="path"),
    content=dict(type="str"),
    backup=dict(type="bool", default=False),
    backup_dir=dict(type="path"),
)
MUTUALLY_EXCLUSIVE = [("path", "dest"), ("src", "content")]


def action_only_main(name, extra_spec):
    """Entry point of a module whose work is done by its action plugin on the controller.

    It exists for the documentation and the argument spec; reaching it means the action was bypassed.
    """
    spec = dict(DOCUMENT_ARGUMENT_SPEC)
    spec.update(extra_spec)
    module = AnsibleModule(argument_spec=spec, add_file_common_args=True, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    module.fail_json(msg="dect.provisioning.%s runs through its action plugin on the controller;"
                         " call it as a task, not as a standalone module" % name)

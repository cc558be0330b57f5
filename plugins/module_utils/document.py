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

# Largest src/content read by default. A 4096-user file is about 1.5 MB, a full config far less;
# max_input_size raises it. Checked before reading (src: the file's size; content: its length), so
# a huge input costs neither memory nor time: without a cap 200 MB of users XML took 5 GB and 3 min.
MAX_INPUT_SIZE = 8 * 1024 * 1024

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
    max_input_size=dict(type="int", default=MAX_INPUT_SIZE),
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


def input_size_error(label, size, limit):
    """The error for an input of ``size`` bytes when ``limit`` (max_input_size) is smaller, else None."""
    if size <= limit:
        return None
    return ("%s is %d bytes, more than max_input_size allows (%d bytes): nothing was read; raise max_input_size"
            " to read a larger document" % (label, size, limit))


def max_input_size_error(limit):
    """The error for a max_input_size that cannot be a size, else None."""
    if limit is None or limit >= 1:
        return None
    return "max_input_size: value '%d' is out of range: allowed integer >= 1 (bytes)" % limit

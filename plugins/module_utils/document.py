# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every per-server document module shares (config_xml, users_xml).

One home for them: ``CONFIG_XML`` and ``USERS_XML`` are the modules' one argument spec each, which
the modules and their action plugins both use.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import MODELS

STATES = ("present", "absent", "rendered", "parsed")
# Device-safety checks: a configuration that would cut the server off from provisioning is refused
# unless its name is listed in ``allow_unsafe`` (the config_xml option / dect_allow_unsafe). Defined
# here, with the option, so the document modules need not import the config schema.
UNSAFE_CHECKS = ("provisioning_disabled", "static_without_url", "config_check_off", "polling_and_check_sync_off",
                 "static_without_address")

# Largest src/content read by default. A 4096-user file is about 1.5 MB, a full config far less;
# max_input_size raises it. Checked before reading (src: the file's size; content: its length), so
# a huge input costs neither memory nor time: without a cap 200 MB of users XML took 5 GB and 3 min.
MAX_INPUT_SIZE = 8 * 1024 * 1024

# The options both document modules take (doc fragment dect.provisioning.document), on top of
# Ansible's own file options. ``model`` is a str: an int (6500) is converted before the choices apply.
_DOCUMENT = ArgumentSpec(
    dict(
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
    ),
    file_common=True,
    mutually_exclusive=[("path", "dest"), ("src", "content")],
    required_by={"dest": "mac"},
)

# dect.provisioning.config_xml: the module and its action plugin both use exactly this.
CONFIG_XML = _DOCUMENT.extended(dict(
    settings=dict(type="raw"),
    family_overrides=dict(type="list", elements="str", default=[]),
    allow_unsafe=dict(type="list", elements="str", default=[], choices=list(UNSAFE_CHECKS)),
))

# dect.provisioning.users_xml. ``users`` elements are raw: an entry that is not a dict gets the
# users validator's message naming its index, not a type conversion error.
USERS_XML = _DOCUMENT.extended(dict(
    users=dict(type="list", elements="raw"),
    sort=dict(type="bool", default=False),
    max_users=dict(type="int"),
))


def action_only_message(name):
    """What a module whose work is done by its action plugin says when that action was bypassed."""
    return ("dect.provisioning.%s runs through its action plugin on the controller;"
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

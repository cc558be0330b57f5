# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of dect.provisioning.adopt_export: its one argument spec, which the module and its
action plugin (the adoption itself runs on the controller, in plugin_utils.adopt) both use."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import MODELS

ARGUMENT_SPEC = ArgumentSpec(dict(
    host=dict(type="str", required=True),
    mac=dict(type="str", required=True),
    model=dict(type="str", required=True, choices=list(MODELS)),
    config=dict(type="path", required=True),
    users=dict(type="path"),
    dir=dict(type="path", required=True),
    vault_id=dict(type="str"),
    ip=dict(type="str"),
    provisioning=dict(type="str", default="site", choices=["site", "export"]),
    force=dict(type="bool", default=False),
))

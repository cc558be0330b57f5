# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.users_xml: import, validate and render on the controller (``_render.UsersBackend``)."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.plugin_utils._document_action import DocumentAction
from ansible_collections.dect.provisioning.plugins.plugin_utils._render import UsersBackend


class ActionModule(DocumentAction):
    BACKEND = UsersBackend
    ARGUMENT_SPEC = UsersBackend.SPEC

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.config_xml: validate and render on the controller."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils.document import CONFIG_XML
from ansible_collections.dect.provisioning.plugins.plugin_utils.publish import (
    DocumentAction,
    DocumentInvalid,
    RenderedDocument,
)


class ActionModule(DocumentAction):
    KIND = "config"
    ROOT_TAG = config_settings.ROOT_TAG
    ARGUMENT_SPEC = CONFIG_XML

    @staticmethod
    def _policy(args):
        return dict(model=args.get("model"), family_overrides=args.get("family_overrides") or (),
                    allow_unsafe=args.get("allow_unsafe") or ())

    def render_document(self, args, family, strict):
        settings = args.get("settings")
        if settings is None:
            settings = {}
        self._known_secrets.update(config_settings.secrets_of(settings))
        checked = config_settings.validate(settings, family, strict, **self._policy(args))
        errors = checked.errors + config_settings.character_errors(checked.tree)
        if errors:
            raise DocumentInvalid(errors, checked.warnings)
        return RenderedDocument(
            text=config_settings.render(checked.tree),
            masked_text=config_settings.render(config_settings.mask_settings(checked.tree)),
            summarize=lambda: config_settings.summary(checked.settings),
            result=dict(settings=config_settings.mask_settings(checked.settings)),
            warnings=checked.warnings,
        )

    def summarize_existing(self, data, family):
        return config_settings.summary(config_settings.parse(data, family))

    def parse_source(self, data, family, args):
        settings = config_settings.parse(data, family)
        self._known_secrets.update(config_settings.secrets_of(settings))
        checked = config_settings.validate(settings, family, args["strict"], **self._policy(args))
        masked = config_settings.mask_settings(settings)
        out = dict(settings=masked, errors=checked.errors, valid=not checked.errors,
                   masked_paths=config_settings.masked_paths(settings, masked))
        if checked.warnings:
            out["warnings"] = checked.warnings
        return out

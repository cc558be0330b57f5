# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate, render and parse a DECT server configuration (``<mac>-config.xml``).

The public entry point of the config document; each concept has its one file in ``_config``.
``settings`` is a nested dict mirroring the XML under ``<config>``. Validation (``_config.validate``,
with its ``policy`` and the cross-parameter ``safety`` checks) walks it once against the Appendix A
schema (config_schema), collecting every problem before anything is written; rendering and parsing
(``_config.render``) are each other's inverse, so a parsed file renders back to the same document;
``_config.masking`` gives what results and diffs show; ``_config.paths`` looks the schema up by path.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.masking import (
    mask_settings,
    masked_paths,
    secrets_of,
    summary,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import (
    VALUE_KEY,
    flatten,
    lookup,
    value_at,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.policy import (
    OVERRIDE_OPTION,
    UNSAFE_CHECKS,
    UNSAFE_OPTION,
    kind_of,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.render import (
    ROOT_TAG,
    character_errors,
    parse,
    render,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.safety import (
    CODECS_PATH,
    G729A,
    LICENSE_PATH,
    URL_PATH,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.validate import Validated, validate
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import XmlError

__all__ = (
    "CODECS_PATH", "G729A", "LICENSE_PATH", "OVERRIDE_OPTION", "ROOT_TAG", "UNSAFE_CHECKS", "UNSAFE_OPTION",
    "URL_PATH", "VALUE_KEY", "Validated", "XmlError", "character_errors", "flatten", "kind_of", "lookup",
    "mask_settings", "masked_paths", "parse", "render", "secrets_of", "summary", "validate", "validate_document",
    "value_at",
)


def validate_document(data, family, strict=False, **policy):
    """Parse and validate a config document: (errors, warnings).

    ``policy`` takes validate()'s model, family_overrides and allow_unsafe.
    """
    settings = parse(data, family)
    result = validate(settings, family, strict, **policy)
    return result.errors, result.warnings

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one validation run of a config allows: the family, the model, strictness and the user's
explicit exceptions (``family_overrides``, ``allow_unsafe``), each option checked first."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import lookup
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS
from ansible_collections.dect.provisioning.plugins.module_utils.document import UNSAFE_CHECKS
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import FAMILY_LABELS, MODEL_FAMILIES

OVERRIDE_OPTION = "family_overrides"
UNSAFE_OPTION = "allow_unsafe"


class Policy:
    """What one validation run allows: family, model, strictness and the user's explicit exceptions."""

    def __init__(self, family, strict, model, overrides, allow_unsafe):
        self.family = family
        self.strict = bool(strict)
        self.model = model
        self.overrides = overrides
        self.allow_unsafe = allow_unsafe

    def overridden(self, dotted, param=None):
        for entry in self.overrides:
            if dotted == entry or dotted.startswith(entry + "."):
                return True
            if param is not None and (param.path == entry or param.path.startswith(entry + ".")):
                return True
        return False


def policy_for(family, strict, model, family_overrides, allow_unsafe, errors, warnings):
    """The Policy of one validation run; problems with the options themselves go to ``errors``/``warnings``."""
    overrides = _option_list(OVERRIDE_OPTION, family_overrides, errors)
    allowed = _option_list(UNSAFE_OPTION, allow_unsafe, errors)
    for entry in allowed:
        if entry not in UNSAFE_CHECKS:
            errors.append("%s: '%s' is not a device-safety check: allowed are %s" % (UNSAFE_OPTION, entry, ", ".join(UNSAFE_CHECKS)))
    for entry in overrides:
        if lookup(entry.split(".")) is None and not any(
                p.path == entry or p.path.startswith(entry + ".") for p in PARAMETERS):
            warnings.append("%s: '%s' names no parameter or section of the schema" % (OVERRIDE_OPTION, entry))
    model = _model(model, family, errors)
    return Policy(family, strict, model, overrides, allowed)


def _option_list(name, value, errors):
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        errors.append("%s: must be a list of strings, got %s" % (name, kind_of(value)))
        return ()
    items = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            errors.append("%s: '%s' is not a non-empty string" % (name, item))
            continue
        items.append(item.strip())
    return tuple(items)


def _model(model, family, errors):
    if model in (None, ""):
        return None
    text = str(model).strip()
    if MODEL_FAMILIES.get(text) != family:
        errors.append("model: '%s' is not a %s model: allowed are %s" % (
            model, FAMILY_LABELS.get(family, family),
            ", ".join(m for m, f in MODEL_FAMILIES.items() if f == family)))
        return None
    return text


def kind_of(value):
    """A plain type name for error messages (Ansible wraps values in tagged subclasses)."""
    for plain in (bool, int, float, str, list, dict):
        if isinstance(value, plain):
            return plain.__name__
    return "null" if value is None else type(value).__name__

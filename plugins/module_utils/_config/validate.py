# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a config's ``settings`` against the Appendix A schema (config_schema), walking it once and
collecting every problem before anything is written."""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import (
    VALUE_KEY,
    is_empty,
    is_leaf_param,
    lookup,
    nearest_known,
    param_for,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.policy import (
    OVERRIDE_OPTION,
    kind_of,
    policy_for,
)
from ansible_collections.dect.provisioning.plugins.module_utils._config.safety import check_codecs, check_device_safety
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import MASK, is_secret_path, mask_url, scrub
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import Param
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import FAMILY_LABELS
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import ParamType
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import TEXT_KEY, is_element_name, shown_text

_UNKNOWN = ParamType()

Validated = namedtuple("Validated", "settings tree errors warnings")


def validate(settings, family, strict=False, model=None, family_overrides=(), allow_unsafe=()):
    """Check ``settings`` for ``family`` ('ipdect' or 'dect') and, when given, ``model``.

    The one validation policy of a config document, shared by config_xml and the publication engine:
    - a parameter the guide's marks place in the other family is an error naming the other family's
      equivalent; one whose family is inferred (see config_schema) is a warning, an error with ``strict``;
    - a parameter the guide narrows to other models of the family (``Param.models``) is a warning,
      an error with ``strict``;
    - ``family_overrides`` lists parameter paths (or section prefixes) to accept on this server all the
      same, silently;
    - a configuration that cuts the server off from provisioning is an error unless its check is
      named in ``allow_unsafe`` (policy.UNSAFE_CHECKS); settings only a factory reset undoes and firmware that
      would be staged but never applied are warnings.

    Returns Validated(settings=normalised nested dict, tree=rendered strings for XML,
    errors, warnings).
    """
    errors, warnings = [], []
    policy = policy_for(family, strict, model, family_overrides, allow_unsafe, errors, warnings)
    if not isinstance(settings, dict):
        errors.append("settings: must be a dict mirroring the XML under <config>, got %s" % kind_of(settings))
        return Validated({}, {}, errors, warnings)
    normalised, tree = _walk(settings, [], policy, errors, warnings)
    check_codecs(normalised, policy, errors, warnings)
    check_device_safety(normalised, policy, errors, warnings)
    return Validated(normalised, tree, errors, warnings)


def _walk(mapping, prefix, policy, errors, warnings):
    normalised, tree = {}, {}
    for key in mapping:
        name = str(key)
        path = prefix + [name]
        dotted = ".".join(path)
        value = mapping[key]
        if not is_element_name(name):
            errors.append("%s: '%s' is not a valid XML element name" % (dotted, name))
            continue
        node = lookup(path)
        if isinstance(value, dict) and is_leaf_param(node):
            errors.append("%s: is a parameter, expected a single value, not a dict" % dotted)
            continue
        if isinstance(value, dict):
            if node is None and policy.strict:
                errors.append("%s: unknown section (strict mode); see docs/parameters.md%s" % (dotted, nearest_known(path)))
                continue
            children = value
            own = None
            if node is not None and node.params and VALUE_KEY in value:
                # A parameter that is also a section (network.ntp and network.ntp.enable): its own
                # value is the element's text, under VALUE_KEY in settings.
                children = dict((k, v) for k, v in value.items() if k != VALUE_KEY)
                own = _check_leaf(dotted, node, value[VALUE_KEY], policy, errors, warnings)
            sub_norm, sub_tree = _walk(children, path, policy, errors, warnings)
            if own is not None:
                sub_norm[VALUE_KEY], sub_tree[TEXT_KEY] = own
            normalised[name], tree[name] = sub_norm, sub_tree
            continue
        leaf = _check_leaf(dotted, node, value, policy, errors, warnings)
        if leaf is not None:
            normalised[name], tree[name] = leaf
    return normalised, tree


def _check_leaf(dotted, node, value, policy, errors, warnings):
    param, family_ok = param_for(node, policy.family)
    if param is None:
        if node is not None and (node.children or node.arrays):
            errors.append("%s: is a section, expected a dict of its parameters" % dotted)
            return None
        hint = nearest_known(dotted.split("."))
        if policy.strict:
            errors.append("%s: unknown parameter (strict mode); see docs/parameters.md%s" % (dotted, hint))
            return None
        warnings.append("%s: unknown parameter, rendered as given (not in the guide's Appendix A)%s" % (dotted, hint))
        param_type = _UNKNOWN
        param = _unknown_param(dotted)
    else:
        if not family_ok and not policy.overridden(dotted, param):
            if not _family_mismatch(dotted, param, policy, errors, warnings):
                return None
        elif family_ok and not _model_applies(dotted, param, policy, errors, warnings):
            return None
        param_type = param.type
    if isinstance(value, list) and not hasattr(param_type, "item"):
        errors.append("%s: expected a single value, not a list" % dotted)
        return None
    if is_empty(value) and param.default is None:
        # The guide's default is "-": an empty element (<gateway/>, <time/>) means "not set".
        return "", ""
    try:
        clean = param_type.normalize(value)
    except ValueError as exc:
        errors.append("%s: value '%s' %s" % (dotted, _shown(param, value), _reason(exc)))
        return None
    return clean, param_type.render(clean)


def _family_mismatch(dotted, param, policy, errors, warnings):
    """Report a parameter placed in the other family; True when it is written all the same."""
    message = _family_error(dotted, param, policy.family)
    if param.inferred and not policy.strict:
        warnings.append("%s. Written as given, since the guide's family mark for this row is inferred, not printed:"
                        " %s List it in %s to confirm your server takes it." % (message, param.note, OVERRIDE_OPTION))
        return True
    if param.inferred:
        errors.append("%s (an inferred placement, strict mode); list it in %s if your server takes it" % (
            message, OVERRIDE_OPTION))
    else:
        errors.append("%s; list it in %s if your server's firmware takes it all the same" % (message, OVERRIDE_OPTION))
    return False


def _model_applies(dotted, param, policy, errors, warnings):
    """Check ``param.models``; True when the parameter is written."""
    if policy.model is None or not param.models or policy.model in param.models or policy.overridden(dotted, param):
        return True
    message = "%s: does not apply to the %s (only %s). %s" % (dotted, policy.model, "/".join(param.models), param.note)
    if policy.strict:
        errors.append("%s (strict mode); list it in %s to write it all the same" % (message, OVERRIDE_OPTION))
        return False
    warnings.append("%s Written as given; list it in %s to silence this." % (message, OVERRIDE_OPTION))
    return True


def _family_error(path, param, family):
    supported = "/".join(FAMILY_LABELS[f] for f in param.families)
    message = "%s: not supported on %s (only %s)" % (path, FAMILY_LABELS[family], supported)
    if param.alias:
        message += "; use %s there" % param.alias
    return message


def _shown(param, value):
    """A value as messages show it: the mask for a secret, URL passwords masked, control characters escaped."""
    if param is not None and param.secret:
        return MASK
    return shown_text(mask_url(value))


def _unknown_param(dotted):
    """Stand-in schema entry for a parameter the guide does not list.

    Firmware adds parameters; one whose path says it holds a secret (_secrets.is_secret_path:
    ``adminpass``, ``*_pw``, ``pincode``, ``api_key``, anything under ``auth``...) is masked all the same.
    """
    return Param(dotted, (), _UNKNOWN, None, is_secret_path(dotted), "", None, None, False, False, None)


def _reason(exc):
    # A type's message may quote the value (a URL, with its password): mask that too.
    text = shown_text(scrub(str(exc)))
    return text if text.startswith(("is ", "has ", "allowed")) else "is invalid: %s" % text

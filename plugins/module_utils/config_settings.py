# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate, render and parse a DECT server configuration (``<mac>-config.xml``).

``settings`` is a nested dict mirroring the XML under ``<config>``. Validation walks it once
against the Appendix A schema (config_schema), collecting every problem before anything is
written; rendering and parsing are each other's inverse, so a parsed file renders back to the
same document.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import (
    MASK,
    is_secret_name,
    mask_url,
    masked_with_fingerprint,
    scrub,
    secret_values,
    url_secret,
)
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS, Param
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import FAMILY_LABELS, MODEL_FAMILIES
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import ParamType
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import (
    TEXT_KEY,
    XmlError,
    element_text,
    invalid_character,
    is_element_name,
    is_leaf,
    parse_document,
    render_tree,
    shown_text,
)

ROOT_TAG = "config"
URL_PATH = "provisioning.server.url"
# In settings, the own value of a parameter that is also a section (``network.ntp`` beside
# ``network.ntp.enable``): ``ntp: {value: 192.0.2.1, enable: true}``.
VALUE_KEY = "value"
_UNKNOWN = ParamType()

Validated = namedtuple("Validated", "settings tree errors warnings secrets")


class _Node:
    """A trie node over schema path segments; array segments (``shelf[]``) match ``shelf<n>``."""

    __slots__ = ("children", "arrays", "params")

    def __init__(self):
        self.children = {}
        self.arrays = {}
        self.params = []

    def child(self, name):
        node = self.children.get(name)
        if node is not None:
            return node
        base = _ARRAY_ELEMENT.match(name)
        return self.arrays.get(base.group(1)) if base else None


_ARRAY_ELEMENT = re.compile(r"^(.*?)(\d+)$")


def _build_trie(parameters):
    root = _Node()
    for param in parameters:
        node = root
        for segment in param.path.split("."):
            table = node.arrays if segment.endswith("[]") else node.children
            key = segment[:-2] if segment.endswith("[]") else segment
            node = table.setdefault(key, _Node())
        node.params.append(param)
    return root


_TRIE = _build_trie(PARAMETERS)


def lookup(path_segments):
    """Return the schema node for a concrete path (``['bif08', 'shelf1', ...]``) or None."""
    node = _TRIE
    for segment in path_segments:
        node = node.child(segment)
        if node is None:
            return None
    return node


def _is_leaf_param(node):
    return node is not None and bool(node.params) and not (node.children or node.arrays)


def _param_for(node, family):
    """The entry of ``node`` for ``family``, else any entry (to report a family mismatch)."""
    if node is None or not node.params:
        return None, False
    for param in node.params:
        if family in param.families:
            return param, True
    return node.params[0], False


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


# Device-safety checks: a configuration that would cut the server off from provisioning is refused
# unless its name is listed in ``allow_unsafe`` (the config_xml option / dect_allow_unsafe).
UNSAFE_CHECKS = ("provisioning_disabled", "static_without_url", "config_check_off")
OVERRIDE_OPTION = "family_overrides"
UNSAFE_OPTION = "allow_unsafe"


class _Policy:
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
      named in ``allow_unsafe`` (UNSAFE_CHECKS); settings only a factory reset undoes and firmware that
      would be staged but never applied are warnings.

    Returns Validated(settings=normalised nested dict, tree=rendered strings for XML,
    errors, warnings, secrets=set of strings that must never be shown).
    """
    errors, warnings, secrets = [], [], set()
    overrides = _option_list(OVERRIDE_OPTION, family_overrides, errors)
    allowed = _option_list(UNSAFE_OPTION, allow_unsafe, errors)
    for entry in allowed:
        if entry not in UNSAFE_CHECKS:
            errors.append("%s: '%s' is not a device-safety check: allowed %s" % (UNSAFE_OPTION, entry, ", ".join(UNSAFE_CHECKS)))
    for entry in overrides:
        if lookup(entry.split(".")) is None and not any(
                p.path == entry or p.path.startswith(entry + ".") for p in PARAMETERS):
            warnings.append("%s: '%s' names no parameter or section of the schema" % (OVERRIDE_OPTION, entry))
    model = _model(model, family, errors)
    if not isinstance(settings, dict):
        errors.append("settings: must be a dict mirroring the XML under <config>, got %s" % kind_of(settings))
        return Validated({}, {}, errors, warnings, secrets)
    policy = _Policy(family, strict, model, overrides, allowed)
    normalised, tree = _walk(settings, [], policy, errors, warnings, secrets)
    _check_codecs(normalised, policy, errors, warnings)
    _check_device_safety(normalised, policy, errors, warnings)
    return Validated(normalised, tree, errors, warnings, secrets)


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
        errors.append("model: '%s' is not a %s model: allowed %s" % (
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


def _walk(mapping, prefix, policy, errors, warnings, secrets):
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
        if isinstance(value, dict) and _is_leaf_param(node):
            errors.append("%s: is a parameter, expected a single value, not a dict" % dotted)
            continue
        if isinstance(value, dict):
            if node is None and policy.strict:
                errors.append("%s: unknown section (strict mode); see docs/parameters.md" % dotted)
                continue
            children = value
            own = None
            if node is not None and node.params and VALUE_KEY in value:
                # A parameter that is also a section (network.ntp and network.ntp.enable): its own
                # value is the element's text, under VALUE_KEY in settings.
                children = dict((k, v) for k, v in value.items() if k != VALUE_KEY)
                own = _check_leaf(dotted, node, value[VALUE_KEY], policy, errors, warnings, secrets)
            sub_norm, sub_tree = _walk(children, path, policy, errors, warnings, secrets)
            if own is not None:
                sub_norm[VALUE_KEY], sub_tree[TEXT_KEY] = own
            normalised[name], tree[name] = sub_norm, sub_tree
            continue
        leaf = _check_leaf(dotted, node, value, policy, errors, warnings, secrets)
        if leaf is not None:
            normalised[name], tree[name] = leaf
    return normalised, tree


def _check_leaf(dotted, node, value, policy, errors, warnings, secrets):
    param, family_ok = _param_for(node, policy.family)
    if param is None:
        if node is not None and (node.children or node.arrays):
            errors.append("%s: is a section, expected a dict of its parameters" % dotted)
            return None
        if policy.strict:
            errors.append("%s: unknown parameter (strict mode); see docs/parameters.md" % dotted)
            return None
        warnings.append("%s: unknown parameter, rendered as given (not in the guide's Appendix A)" % dotted)
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
    if _is_empty(value) and param.default is None:
        # The guide's default is "-": an empty element (<gateway/>, <time/>) means "not set".
        return "", ""
    try:
        clean = param_type.normalize(value)
    except ValueError as exc:
        errors.append("%s: value '%s' %s" % (dotted, _shown(param, value), _reason(exc)))
        return None
    rendered = param_type.render(clean)
    _collect_secret(param, rendered, secrets)
    return clean, rendered


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


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


def value_at(settings, dotted):
    """The value at a dotted parameter path of a settings dict, or None when a segment is missing."""
    value = settings
    for segment in dotted.split("."):
        if not isinstance(value, dict) or segment not in value:
            return None
        value = value[segment]
    return value


CODECS_PATH = "sip.media.codecs"
G729A = "1024"


def _check_codecs(settings, policy, errors, warnings):
    """G729A (1024) is marked '(6500)' in the guide's codec list."""
    codecs = value_at(settings, CODECS_PATH)
    if not isinstance(codecs, str) or G729A not in [part.strip() for part in codecs.split(",")]:
        return
    if policy.overridden(CODECS_PATH):
        return
    message = "%s: value '%s' has 1024 (G729A), which the guide marks for the 6500 only" % (CODECS_PATH, codecs)
    if policy.family == "dect":
        errors.append("%s: not supported on 2500/8000; list %s in %s if your firmware takes it" % (
            message, CODECS_PATH, OVERRIDE_OPTION))
    elif policy.model == "400":
        if policy.strict:
            errors.append("%s: not on the 400 (strict mode)" % message)
        else:
            warnings.append("%s: the 400 may not offer it; list %s in %s to silence this" % (
                message, CODECS_PATH, OVERRIDE_OPTION))


_HANDSET_KINDS = ("pp14208700", "pp14225100", "pp14225110", "pp14225190")
LICENSE_PATH = "dect.license"


def _check_device_safety(settings, policy, errors, warnings):
    method = value_at(settings, "provisioning.server.method")
    url = value_at(settings, URL_PATH)
    if method == "disabled" and "provisioning_disabled" not in policy.allow_unsafe:
        errors.append(
            "provisioning.server.method: value 'disabled' cuts the server off from provisioning: it never fetches a"
            " file again, this one included, until someone changes it on the server itself; add"
            " provisioning_disabled to %s if that is meant" % UNSAFE_OPTION)
    if method == "static" and _is_empty(url) and "static_without_url" not in policy.allow_unsafe:
        errors.append(
            "%s: empty with provisioning.server.method 'static': the server has no provisioning server to fetch from"
            " and is cut off from provisioning; set the URL, or add static_without_url to %s if that is meant" % (
                URL_PATH, UNSAFE_OPTION))
    if value_at(settings, "provisioning.config.check") is False and "config_check_off" not in policy.allow_unsafe:
        errors.append(
            "provisioning.config.check: value 'false' stops the server importing its configuration file, so no later"
            " file (not even one turning it back on) reaches it; add config_check_off to %s if that is meant"
            % UNSAFE_OPTION)
    _check_factory_reset(settings, warnings)
    _check_firmware_applied(settings, policy, warnings)


def _check_factory_reset(settings, warnings):
    undo = "only a factory reset (removing all configuration and user data) undoes it"
    if value_at(settings, "security.passwords_unexportable") is True:
        warnings.append("security.passwords_unexportable: true: %s; exports then lack passwords, so no full backup"
                        " and no adoption into inventory are possible" % undo)
    if value_at(settings, "security.strict_password") is True:
        warnings.append("security.strict_password: true: %s" % undo)
    lifetime = value_at(settings, "security.password_lifetime")
    if lifetime not in (None, "", "0"):
        warnings.append("security.password_lifetime: value '%s': %s" % (lifetime, undo))


def _check_firmware_applied(settings, policy, warnings):
    firmware = value_at(settings, "provisioning.firmware")
    if not isinstance(firmware, dict):
        return
    never = "is staged but %s is not true: the server downloads the image and never applies it"
    needs_licence = []
    if firmware.get("rfp"):
        needs_licence.append("rfp")
        if value_at(settings, "rfp.auto.enable") is not True:
            warnings.append("provisioning.firmware.rfp: IP base station firmware " + never % "rfp.auto.enable")
    if firmware.get("rfp6"):
        needs_licence.append("rfp6")
        if value_at(settings, "rfp.auto.enable_digital") is not True:
            warnings.append("provisioning.firmware.rfp6: RFP6 digital base station firmware "
                            + never % "rfp.auto.enable_digital")
    for kind in _HANDSET_KINDS:
        if firmware.get(kind):
            needs_licence.append(kind)
            if value_at(settings, "suota.auto") is not True:
                warnings.append("provisioning.firmware.%s: handset firmware %s" % (kind, never % "suota.auto"))
    if firmware.get("default_kws") is True and policy.model != "400":
        needs_licence.append("default_kws")
        if value_at(settings, "rfp.auto.enable") is not True:
            warnings.append("provisioning.firmware.default_kws: the server firmware is the base stations' default but"
                            " rfp.auto.enable is not true: base stations are never updated with it")
        if policy.family == "ipdect" and value_at(settings, "mr.auto.enable") is not True:
            warnings.append("provisioning.firmware.default_kws: the server firmware is the media resources' default"
                            " but mr.auto.enable is not true: media resources are never updated with it")
    if needs_licence and _is_empty(value_at(settings, LICENSE_PATH)):
        warnings.append(
            "provisioning.firmware: %s need the Enhanced Provisioning Interface License (guide: 'Enabling Enhanced"
            " Provisioning (License Required)'), and %s lists no licence: without it the images are never applied"
            % (", ".join(needs_licence), LICENSE_PATH))


def _unknown_param(dotted):
    """Stand-in schema entry for a parameter the guide does not list.

    Firmware adds parameters; one whose name says it holds a secret (_secrets.is_secret_name:
    ``*_pwd``, ``*_pin``, ``api_key``...) is masked all the same.
    """
    return Param(dotted, (), _UNKNOWN, None, is_secret_name(dotted), "", None, None, False, False, None)


def _reason(exc):
    # A type's message may quote the value (a URL, with its password): mask that too.
    text = shown_text(scrub(str(exc)))
    return text if text.startswith(("is ", "has ", "allowed")) else "is invalid: %s" % text


def _collect_secret(param, rendered, secrets):
    if param is None:
        return
    if param.secret and rendered:
        secrets.add(rendered)
    elif url_secret(rendered):
        secrets.add(url_secret(rendered))


def _secret_param(path_segments):
    """Whether a concrete path holds a secret: the schema's flag where it knows the path, else the name."""
    node = lookup(path_segments)
    param = _param_for(node, None)[0]
    if param is not None:
        return param.secret
    return is_secret_name(path_segments[-1])


def secrets_of(settings, prefix=()):
    """Every secret value in ``settings`` as given (valid or not), for scrubbing messages: the values
    of secret parameters and secret-looking names, and the passwords of URLs."""
    found = set()
    if not isinstance(settings, dict):
        return found
    for key, value in settings.items():
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            found |= secrets_of(value, path)
            continue
        if _secret_param(path):
            found |= secret_values(value)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and url_secret(item.strip()):
                found.add(url_secret(item.strip()))
    return found


def character_errors(tree, prefix=()):
    """Errors for rendered values holding a character XML 1.0 does not allow (the device's parser
    rejects the whole file): one per parameter, naming its path, the value (masked if secret) and
    the character."""
    errors = []
    for key in sorted(tree):
        value = tree[key]
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            errors.extend(character_errors(value, path))
            continue
        bad = invalid_character(value)
        if bad is not None:
            shown = MASK if _secret_param(path) else shown_text(mask_url(value))
            errors.append("%s: value '%s' contains the character U+%04X, which XML 1.0 does not allow"
                          " (the device rejects the whole file)" % (".".join(path), shown, ord(bad)))
    return errors


def render(tree):
    """The document text for a validated tree (deterministic: natural-sorted element names)."""
    return render_tree(ROOT_TAG, tree)


def parse(data, family):
    """Turn a config document into typed ``settings`` (the inverse of render).

    Known parameters take their schema type (booleans become bools, numbers ints); a value the
    schema would reject is kept as text so an exported file can always be read, and validation
    then reports it. A section or parameter that appears twice is an XmlError naming each one
    (the device would keep one of them; which one is not documented).
    """
    duplicates = []
    settings = _settings_from(parse_document(data, ROOT_TAG), [], family, duplicates)
    if duplicates:
        raise XmlError("%d duplicate element(s): %s; a section or parameter may appear only once in a config"
                       " document" % (len(duplicates), "; ".join(duplicates)))
    return settings


def _settings_from(element, prefix, family, duplicates):
    settings, lines = {}, {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        path = prefix + [child.tag]
        if child.tag in settings:
            duplicates.append("%s appears twice (lines %s and %s)" % (".".join(path), lines[child.tag], child.sourceline))
            continue
        lines[child.tag] = child.sourceline
        if is_leaf(child):
            settings[child.tag] = _typed(path, element_text(child), family)
        else:
            settings[child.tag] = _settings_from(child, path, family, duplicates)
            if element_text(child):  # text beside child elements: <ntp>192.0.2.1<enable>true</enable></ntp>
                settings[child.tag][VALUE_KEY] = _typed(path, element_text(child), family)
    return settings


def _typed(path, text, family):
    param = _param_for(lookup(path), family)[0]
    if param is None or text == "":
        return text
    try:
        return param.type.parse(text)
    except ValueError:
        return text


def flatten(settings, prefix=""):
    """``{'a': {'b': 1}}`` -> ``{'a.b': 1}``."""
    flat = {}
    for key, value in settings.items():
        path = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def mask_settings(settings, prefix=()):
    """A copy of nested ``settings`` with secret values replaced by the mask (schema secrets,
    secret-looking names the schema does not know, URL passwords)."""
    masked = {}
    for key, value in settings.items():
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            masked[key] = mask_settings(value, path)
        elif _secret_param(path):
            masked[key] = value if value in (None, "") else MASK
        else:
            masked[key] = mask_url(value)
    return masked


def masked_paths(settings, masked):
    """Paths whose value the mask replaced: what a user must supply (from a vault) after ``parsed``."""
    original, shown = flatten(settings), flatten(masked)
    return sorted(path for path in original if shown.get(path) != original[path])


def summary(settings):
    """One line per parameter (``path = value``), secrets masked: what the diff shows.

    A secret shows as the mask with its fingerprint (``********(1a2b3c4d)``, _secrets.fingerprint),
    so a changed password shows as a changed line and cannot be read back from it.
    """
    rendered = {}
    for path, value in flatten(settings).items():
        text = "true" if value is True else "false" if value is False else str(value)
        if text and _secret_param(path.split(".")):
            text = masked_with_fingerprint(path, "", text)
        elif url_secret(text):
            text = mask_url(text, masked_with_fingerprint(path, "password", url_secret(text)))
        rendered[path] = text
    return rendered


def validate_document(data, family, strict=False, **policy):
    """Parse and validate a config document: (errors, warnings). Used by provisioning_probe.

    ``policy`` takes validate()'s model, family_overrides and allow_unsafe.
    """
    settings = parse(data, family)
    result = validate(settings, family, strict, **policy)
    return result.errors, result.warnings

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopt an installed DECT server into inventory: its exported config and users XML -> host_vars.

Controller side only. ``host_vars`` reads the exports with their real secrets (parse, unlike the
modules' ``parsed`` state, masks nothing) and marks every secret with ``Secret``; ``dump`` writes the
YAML with each secret as an inline ``!vault`` value, encrypted by the caller's function. Nothing
here returns or logs a secret: messages name paths, never values.
"""

from __future__ import annotations

import yaml

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings, users
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    format_mac,
    model_family,
    url_secret,
)

VAULT_TAG = "!vault"
UNSAFE_TAG = "!unsafe"
HEADER = ("# Adopted by dect.provisioning.adopt from an exported config/users XML.\n"
          "# Every secret is an inline ansible-vault value: run playbooks with the same --vault-id.\n")


class AdoptError(ValueError):
    """The exports cannot be adopted; ``errors`` name paths and rules, never secret values."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


class Secret(object):
    """A value that must be written vault-encrypted."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = "" if text is None else str(text)

    def __repr__(self):
        return "Secret(********)"

    def __eq__(self, other):
        return isinstance(other, Secret) and other.text == self.text

    def __hash__(self):
        return hash(self.text)


class Unsafe(str):
    """Text Ansible must not template (an export's ``{{`` is data): written with ``!unsafe``."""


_TEMPLATE_MARKS = ("{{", "{%", "{#")


def _plain(value):
    if isinstance(value, str) and any(mark in value for mark in _TEMPLATE_MARKS):
        return Unsafe(value)
    return value


class Vaulted(object):
    """An encrypted secret as it goes into the YAML (``!vault |`` block)."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext):
        self.ciphertext = ciphertext


# Inventory variables the provisioning section is derived from (module_utils/site.py SERVER_VARIABLES,
# read by the dect_server lookup).
_PROVISIONING_VARS = (
    ("provisioning.check.check_sync", "dect_check_sync_reaction"),
    ("provisioning.check.interval", "dect_check_interval"),
    ("provisioning.firmware.default_kws", "dect_firmware_default_kws"),
)


def host_vars(config_data, users_data, model, mac, config_label="config", users_label="users"):
    """(host_vars dict with Secret values, secret paths, warnings) for one exported server."""
    family = model_family(model)
    errors, warnings = [], []
    try:
        settings = config_settings.parse(config_data, family)
    except ValueError as exc:
        raise AdoptError(["%s: %s" % (config_label, exc)])
    checked = config_settings.validate(settings, family, model=str(model),
                                       allow_unsafe=config_settings.UNSAFE_CHECKS)
    errors.extend("%s: %s" % (config_label, error) for error in checked.errors)
    warnings.extend("%s: %s" % (config_label, warning) for warning in checked.warnings)
    out = {"dect_mac": format_mac(mac), "dect_model": str(model)}
    out.update(_provisioning_vars(settings, warnings))
    secret_paths = config_settings.masked_paths(settings, config_settings.mask_settings(settings))
    out["dect_settings_host"] = _mark(settings, set(secret_paths))
    if users_data is not None:
        try:
            records, origins = users.parse(users_data, family, users_label)
        except users.SourceError as exc:
            raise AdoptError(exc.errors)
        user_check = users.validate(records, family, False, None, origins)
        errors.extend(user_check.errors)
        warnings.extend(user_check.warnings)
        out["dect_users"] = [dict((name, Secret(value) if name in users.SECRET_FIELDS else _plain(value))
                                  for name, value in record.items()) for record in records]
        secret_paths.extend(users.masked_fields(records))
    if errors:
        raise AdoptError(errors)
    url = out.get("dect_provisioning_url")
    if url is not None and url_secret(url):
        out["dect_provisioning_url"] = Secret(url)
        secret_paths.append("dect_provisioning_url")
    return out, secret_paths, warnings


def _drop(settings, dotted):
    parts = dotted.split(".")
    node = config_settings.value_at(settings, ".".join(parts[:-1]))
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def _provisioning_vars(settings, warnings):
    """The role derives ``provisioning`` from inventory: give it the export's values, so it derives the same."""
    out = {}
    method = config_settings.value_at(settings, "provisioning.server.method")
    if method == "disabled":
        warnings.append("provisioning.server.method: the export has provisioning disabled; left out, so the"
                        " inventory's dect_provisioning_method (default dhcp) applies")
        _drop(settings, "provisioning.server.method")
    elif method in ("dhcp", "static"):
        out["dect_provisioning_method"] = method
        url = config_settings.value_at(settings, config_settings.URL_PATH)
        if method == "static" and url:
            out["dect_provisioning_url"] = url
    if config_settings.value_at(settings, "provisioning.config.check") is False:
        warnings.append("provisioning.config.check: the export has configuration import off; left out, so the"
                        " dect_server role turns it on")
        _drop(settings, "provisioning.config.check")
    for path, name in _PROVISIONING_VARS:
        value = config_settings.value_at(settings, path)
        if value not in (None, ""):
            out[name] = value
    # Without an interval in the export the role must not add one (its default is 0).
    out.setdefault("dect_check_interval", None)
    # The guide's default reaction (the role's own default is update).
    out.setdefault("dect_check_sync_reaction", "disabled")
    check_time = config_settings.value_at(settings, "provisioning.check.time")
    if check_time:
        out["dect_check_time"] = check_time
    return out


def _mark(settings, secret_paths, prefix=""):
    marked = {}
    for key, value in settings.items():
        path = "%s.%s" % (prefix, key) if prefix else key
        if isinstance(value, dict):
            marked[key] = _mark(value, secret_paths, path)
        else:
            marked[key] = Secret(value) if path in secret_paths else _plain(value)
    return marked


def encrypt_all(data, encrypt):
    """A copy of ``data`` with every Secret replaced by Vaulted(encrypt(text))."""
    if isinstance(data, Secret):
        return Vaulted(encrypt(data.text))
    if isinstance(data, dict):
        return dict((key, encrypt_all(value, encrypt)) for key, value in data.items())
    if isinstance(data, list):
        return [encrypt_all(value, encrypt) for value in data]
    return data


def reveal(data):
    """A copy of ``data`` with every Secret replaced by its text (for comparing, never for output)."""
    if isinstance(data, Secret):
        return data.text
    if isinstance(data, Unsafe):
        return str(data)
    if isinstance(data, dict):
        return dict((key, reveal(value)) for key, value in data.items())
    if isinstance(data, list):
        return [reveal(value) for value in data]
    return data


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _represent_vaulted(dumper, value):
    return dumper.represent_scalar(VAULT_TAG, value.ciphertext, style="|")


def _represent_unsafe(dumper, value):
    return dumper.represent_scalar(UNSAFE_TAG, str(value), style="'")


_Dumper.add_representer(Vaulted, _represent_vaulted)
_Dumper.add_representer(Unsafe, _represent_unsafe)


def dump(data):
    """YAML text of host_vars whose secrets are Vaulted."""
    return HEADER + yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True,
                              width=120, explicit_start=True)


def load(text, decrypt):
    """host_vars YAML with ``!vault`` values decrypted by ``decrypt`` (to compare with a new adoption)."""

    class _Loader(yaml.SafeLoader):
        pass

    def _construct(loader, node):
        return decrypt(loader.construct_scalar(node))

    _Loader.add_constructor(VAULT_TAG, _construct)
    _Loader.add_constructor(UNSAFE_TAG, lambda loader, node: loader.construct_scalar(node))
    return yaml.load(text, Loader=_Loader)  # nosec B506 - a SafeLoader subclass

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopt an installed DECT server into inventory: its exported config and users XML -> host_vars.

Controller side only. ``host_vars`` reads the exports with their real secrets through the render
backends (``_render``: what the modules' ``parsed`` state reads, before it masks anything) and
marks every secret with ``Secret``; ``dump`` writes the YAML with each secret as an inline
``!vault`` value, encrypted by the caller's function. Nothing here returns or logs a secret:
messages name paths, never values.
"""

from __future__ import annotations

import ipaddress

import yaml

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings, users
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import mask_url, masked_with_fingerprint, url_secret
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import format_mac, model_family
from ansible_collections.dect.provisioning.plugins.plugin_utils._render import (
    ConfigBackend,
    DocumentInvalid,
    UsersBackend,
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


# What the site derives the provisioning section from (module_utils/server_variables.py SERVER_VARIABLES, read by the
# dect_server lookup): the export's path -> the inventory variable, and the site's default as users read it.
DERIVED = (
    ("provisioning.server.method", "dect_provisioning_method", "dhcp"),
    ("provisioning.server.url", "dect_provisioning_url", "the site's URL"),
    ("provisioning.check.check_sync", "dect_check_sync_reaction", "update"),
    ("provisioning.check.interval", "dect_check_interval", "0"),
    ("provisioning.check.time", "dect_check_time", "none"),
    ("provisioning.firmware.default_kws", "dect_firmware_default_kws", "none"),
)
# Set by the site alone: configuration import always on, users import on when the server has users.
_SITE_ONLY = ("provisioning.config.check", "provisioning.users.check")
# Variables an adoption owns in host_vars: a re-adoption replaces or removes them; every other variable
# of the file (hand-added) is kept.
OWNED = ("dect_mac", "dect_model", "dect_settings_host", "dect_users") + tuple(name for _p, name, _d in DERIVED)
# Where an export holds the server's own address, first found wins.
ADDRESS_PATHS = ("network.ipaddr", "network.ipv6addr", "network.ipv6.ipaddr")


def host_vars(config_data, users_data, model, mac, config_label="config", users_label="users", provisioning="site",
              ip=None):
    """(host_vars dict with Secret values, secret paths, warnings, overrides) for one exported server.

    ``provisioning``: ``site`` leaves the provisioning values out, so the site's inventory sets them
    (``overrides`` says what the export had); ``export`` keeps the export's in host_vars variables.
    ``dect_ip`` is ``ip`` when given, else the export's own address when it has one.
    """
    family = model_family(model)
    errors, warnings = [], []
    # Read as config_xml's and users_xml's state=parsed read, secrets kept; every device-safety check
    # waived (the server runs this configuration already).
    config = ConfigBackend(dict(model=str(model), strict=False, allow_unsafe=config_settings.UNSAFE_CHECKS), family)
    try:
        settings, checked = config.read(config_data, config_label)
    except ValueError as exc:
        raise AdoptError(["%s: %s" % (config_label, exc)])
    errors.extend("%s: %s" % (config_label, error) for error in checked.errors)
    warnings.extend("%s: %s" % (config_label, warning) for warning in checked.warnings)
    out = {"dect_mac": format_mac(mac), "dect_model": str(model)}
    address = ip or _address(settings)
    if address:
        out["dect_ip"] = address
    secret_paths = config_settings.masked_paths(settings, config_settings.mask_settings(settings))
    if provisioning == "export":
        out.update(_provisioning_vars(settings, warnings))
        overrides = ["%s: kept from the export as %s in host_vars, which overrides the site's own value" % (path, name)
                     for path, name, _d in DERIVED if name in out and out[name] is not None]
    else:
        overrides = _leave_to_site(settings)
    overrides.extend(_firmware_names(settings, keep=provisioning == "export"))
    secret_paths = [path for path in secret_paths if config_settings.value_at(settings, path) is not None]
    out["dect_settings_host"] = _mark(settings, set(secret_paths))
    if users_data is not None:
        try:
            records, user_check = UsersBackend(dict(strict=False), family).read(users_data, users_label)
        except DocumentInvalid as exc:
            raise AdoptError(exc.errors)
        errors.extend(user_check.errors)
        warnings.extend(user_check.warnings)
        out["dect_users"] = [dict((name, Secret(value) if users.is_secret_field(name) else _plain(value))
                                  for name, value in record.items()) for record in records]
        secret_paths.extend(users.masked_fields(records))
    if errors:
        raise AdoptError(errors)
    url = out.get("dect_provisioning_url")
    if url is not None and url_secret(url):
        out["dect_provisioning_url"] = Secret(url)
        secret_paths.append("dect_provisioning_url")
    return out, secret_paths, warnings, overrides


def _address(settings):
    for path in ADDRESS_PATHS:
        value = config_settings.value_at(settings, path)
        if value not in (None, ""):
            return str(value).split("/", 1)[0]
    return None


def check_address(text):
    """``text`` as a ``dect_ip`` (an IPv4 or IPv6 address), or AdoptError naming the option."""
    try:
        return str(ipaddress.ip_address(str(text).strip().strip("[]")))
    except ValueError:
        raise AdoptError(["ip: '%s' is not an IPv4 or IPv6 address (dect_ip is where check-sync is sent)" % text])


def _drop(settings, dotted):
    parts = dotted.split(".")
    node = config_settings.value_at(settings, ".".join(parts[:-1]))
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def _leave_to_site(settings):
    """Take the values the site derives out of the settings; say what the export had and what decides now."""
    notes = []
    for path, name, default in DERIVED:
        value = config_settings.value_at(settings, path)
        _drop(settings, path)
        if value in (None, ""):
            continue
        shown = mask_url(value) if path.endswith(".url") else value
        notes.append("%s: the export has '%s'; the site sets it from %s (default %s)" % (path, shown, name, default))
    for path in _SITE_ONLY:
        if config_settings.value_at(settings, path) is False:
            notes.append("%s: the export has it off; the site turns it on" % path)
        _drop(settings, path)
    return notes


def _firmware_names(settings, keep):
    """Firmware files the export names: the site stages and names only those of its dect_firmware catalogue.
    Left out of the settings unless ``keep`` (the export's provisioning kept as it is)."""
    notes = []
    section = config_settings.value_at(settings, "provisioning.firmware")
    for kind, name in sorted((section or {}).items()):
        if kind == "default_kws" or name in (None, "") or isinstance(name, dict):
            continue
        if keep:
            notes.append("provisioning.firmware.%s: the export names '%s', kept: the site does not stage it unless"
                         " dect_firmware lists it (add it there with its source)" % (kind, name))
            continue
        notes.append("provisioning.firmware.%s: the export names '%s', which the site does not stage unless"
                     " dect_firmware lists it: add it there with its source, or the site's firmware replaces it"
                     % (kind, name))
        section.pop(kind)
    return notes


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
    for path, name, _default in DERIVED[2:]:
        value = config_settings.value_at(settings, path)
        if value not in (None, ""):
            out[name] = value
    # Without an interval in the export the role must not add one (its default is 0).
    out.setdefault("dect_check_interval", None)
    # The guide's default reaction (the role's own default is update).
    out.setdefault("dect_check_sync_reaction", "disabled")
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
    """host_vars YAML as adopt reads it back: ``!vault`` values decrypted by ``decrypt`` into Secret,
    ``!unsafe`` ones as Unsafe, so that a re-adoption writes what it keeps the way it was."""

    class _Loader(yaml.SafeLoader):
        pass

    def _construct(loader, node):
        return Secret(decrypt(loader.construct_scalar(node)))

    _Loader.add_constructor(VAULT_TAG, _construct)
    _Loader.add_constructor(UNSAFE_TAG, lambda loader, node: Unsafe(loader.construct_scalar(node)))
    return yaml.load(text, Loader=_Loader)  # nosec B506 - a SafeLoader subclass


def merge(current, adopted):
    """(host_vars to write, names of hand-added variables kept): ``adopted`` over ``current``.

    Every variable of ``current`` that an adoption does not own (OWNED) is kept as it is, in its place;
    ``dect_ip`` is kept when this adoption has none.
    """
    merged, kept = {}, []
    for name, value in (current or {}).items():
        if name in adopted:
            merged[name] = adopted[name]
        elif name not in OWNED:
            merged[name] = value
            kept.append(name)
    for name, value in adopted.items():
        merged.setdefault(name, value)
    return merged, kept


def has_own_comments(text):
    """Whether host_vars text holds comment lines of its own (adopt writes only its HEADER)."""
    header = set(HEADER.splitlines())
    return any(line.lstrip().startswith("#") and line not in header for line in text.splitlines())


def summary(data, label):
    """``path: value`` lines of host_vars, every secret as the mask and its fingerprint: what the diff shows."""
    lines = []

    def walk(value, path):
        if isinstance(value, dict):
            if not value:
                lines.append("%s: {}" % path)
            for key, item in value.items():
                walk(item, "%s.%s" % (path, key) if path else str(key))
        elif isinstance(value, list):
            if not value:
                lines.append("%s: []" % path)
            for index, item in enumerate(value):
                walk(item, "%s[%d]" % (path, index))
        elif isinstance(value, Secret):
            lines.append("%s: %s" % (path, masked_with_fingerprint(label, path, value.text)))
        else:
            lines.append("%s: %s" % (path, mask_url(value) if isinstance(value, str) else _yaml_text(value)))

    walk(data or {}, "")
    return "\n".join(lines) + "\n" if lines else ""


def _yaml_text(value):
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One resolved record per DECT server: who it is and how it is told to check for updates.

Computed once, by ``server_variables.server_documents`` (the ``dect.provisioning.dect_server`` lookup), from the
same values its documents are rendered from; every later step (publication, check-sync, the rollout
wait, report.yml) reads it instead of the raw inventory. The record holds no secret: the SIP digest
password is named (the variable that holds it), and read only where the NOTIFY is sent
(``resolve_target``).

The check-sync target comes from the settings the collection renders into the server's config:
``sip.localport`` (the port), ``sip.transport`` (udp, tcp or tls), ``sip.use_sips_uri``, and an
enabled extension of the server (a user not marked ``disabled``, from its users and users file).
The inventory's ``dect_sip_*`` variables (and the role's ``dect_server_sip_*``) stay explicit
overrides; ``dect_sip_host``, else ``dect_ip``, is the address.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import value_at
from ansible_collections.dect.provisioning.plugins.module_utils.firmware import FIRMWARE_KINDS, ver_name
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    device_file_name,
    normalize_mac,
)

TRANSPORTS = ("udp", "tcp", "tls")
# (target option, role variable, inventory variable): an explicit value wins over the device's settings.
SIP_VARIABLES = (
    ("host", "dect_server_sip_host", "dect_sip_host"),
    ("port", "dect_server_sip_port", "dect_sip_port"),
    ("transport", "dect_server_sip_transport", "dect_sip_transport"),
    ("user", "dect_server_sip_user", "dect_sip_user"),
    ("domain", "dect_server_sip_domain", "dect_sip_domain"),
    ("auth_username", "dect_server_sip_auth_username", "dect_sip_auth_username"),
    ("timeout", "dect_server_sip_timeout", "dect_sip_timeout"),
    ("ca_path", "dect_server_sip_ca_path", "dect_sip_ca_path"),
)
ADDRESS_VARIABLES = ("dect_server_ip", "dect_ip")
PASSWORD_VARIABLES = ("dect_server_sip_auth_password", "dect_sip_auth_password")
_TRUE = ("true", "yes", "on", "1")


class RecordError(ValueError):
    """A value the record cannot be made from; the message names the host and the variable."""


def _unset(value):
    return value is None or value == "" or (isinstance(value, (list, dict)) and not value)


def _first(get, names):
    """``(name, value)`` of the first of ``names`` set to something (not None, ''), else (None, None)."""
    for name in names:
        try:
            value = get(name)
        except KeyError:
            continue
        if not _unset(value):
            return name, value
    return None, None


def _flag(value):
    return str(value).strip().lower() in _TRUE


def firmware_files(settings):
    """``{kind: image name}`` of the firmware files the config's ``provisioning.firmware`` names (the
    switches such as ``default_kws`` left out): what provisioning_section told this server."""
    firmware = value_at(settings or {}, "provisioning.firmware") or {}
    return dict((kind, str(name)) for kind, name in firmware.items()
                if kind in FIRMWARE_KINDS and FIRMWARE_KINDS[kind].is_file and name not in (None, ""))


def enabled_extension(records):
    """The username (else localno) of the first user not marked ``disabled``: an extension the
    server handles and answers for. None when there is none."""
    for field in ("username", "localno"):
        for record in records:
            if isinstance(record, dict) and not _flag(record.get("disabled")) and not _unset(record.get(field)):
                return str(record[field])
    return None


def build(name, get, mac, mac_var, model, settings, reaction, users=(), users_src="", users_of_src=None):
    """The record of DECT server ``name`` (a dict without secrets; see module docstring).

    ``get(variable)`` returns a variable (templated) or raises KeyError; ``users_of_src()`` returns the
    server's users merged with its users file (called only when the SIP user must come from them).
    Raises RecordError naming the host and the variable for a MAC that is not one.
    """
    try:
        mac = normalize_mac(mac)
    except IdentifierError as exc:
        raise RecordError("%s: %s: %s" % (name, mac_var, exc))
    files = {"config": device_file_name(mac, "config")}
    if users or users_src:
        files["users"] = device_file_name(mac, "users")
    firmware = firmware_files(settings)
    return {
        "name": name, "mac": mac, "model": model, "files": files, "firmware": firmware,
        # What the server fetches whenever it checks: its documents and each image's version file.
        "fetches": sorted(files.values()) + [ver_name(image) for image in firmware.values()],
        "check_sync": _check_sync(name, get, settings, reaction, users, users_src, users_of_src),
        # The address its fetches must come from (rollout wait, report.yml); None: any address counts.
        "client": client_address(get),
    }


def client_address(get):
    """``dect_client_address`` when set ('' for any address), else the server's address (``dect_server_ip``,
    ``dect_ip``); None when inventory knows neither."""
    for variable in ("dect_client_address",) + ADDRESS_VARIABLES:
        try:
            value = get(variable)
        except KeyError:
            continue
        if value is not None:
            return str(value) or None
    return None


def _check_sync(name, get, settings, reaction, users, users_src, users_of_src):
    """``{reaction, target, auth_password, error}``: the NOTIFY target without its password (the
    variable holding it instead), or ``error`` saying why none can be sent. Reaction ``disabled``:
    no target at all (nothing is sent to a server that ignores it)."""
    out = {"reaction": reaction}
    if reaction == "disabled":
        return out
    explicit = {}
    for option, role_var, inventory_var in SIP_VARIABLES:
        variable, value = _first(get, (role_var, inventory_var))
        if variable is not None and not (option == "port" and value in (0, "0")):
            explicit[option] = (variable, value)
    try:
        target = _target(name, get, settings, explicit, users, users_src, users_of_src)
    except RecordError as exc:
        out["error"] = str(exc)
        return out
    out["target"] = target
    password_var = _first(get, PASSWORD_VARIABLES)[0]
    if password_var is not None:
        out["auth_password"] = password_var
    return out


def _target(name, get, settings, explicit, users, users_src, users_of_src):
    target = {}
    if "host" in explicit:
        target["host"] = str(explicit["host"][1])
    else:
        address = _first(get, ADDRESS_VARIABLES)[1]
        if address is None:
            raise RecordError("%s: neither dect_sip_host nor dect_ip is set: nowhere to send check-sync" % name)
        target["host"] = str(address)
    transport = _transport(name, settings, explicit)
    target["transport"] = transport
    if "port" in explicit:
        target["port"] = _int(name, explicit["port"], "a port: allowed 1-65535", 1, 65535)
    else:
        port = value_at(settings, "sip.localport")
        if not _unset(port):
            target["port"] = _int(name, ("sip.localport in its settings", port), "a port: allowed 1-65535", 1, 65535)
    if transport == "tls":
        # The device's own choice of URI scheme; the certificate is always checked (validate_certs).
        use_sips = value_at(settings, "sip.use_sips_uri")
        target["use_sips_uri"] = True if _unset(use_sips) else _flag(use_sips)
        target["validate_certs"] = True
    if "user" in explicit:
        target["user"] = str(explicit["user"][1])
    else:
        target["user"] = _user(name, users, users_src, users_of_src)
    for option in ("domain", "auth_username", "ca_path"):
        if option in explicit:
            target[option] = str(explicit[option][1])
    if "timeout" in explicit:
        try:
            target["timeout"] = float(explicit["timeout"][1])
        except (TypeError, ValueError):
            variable, value = explicit["timeout"]
            raise RecordError("%s: %s: '%s' is not a number of seconds" % (name, variable, value))
    return target


def _transport(name, settings, explicit):
    device = value_at(settings, "sip.transport")
    device = "udp" if _unset(device) else str(device).strip().lower()
    if device not in TRANSPORTS:
        raise RecordError("%s: sip.transport in its settings: '%s' is not allowed: allowed are %s"
                          % (name, device, ", ".join(TRANSPORTS)))
    if "transport" not in explicit:
        return device
    variable, value = explicit["transport"]
    transport = str(value).strip().lower()
    if transport not in TRANSPORTS:
        raise RecordError("%s: %s: '%s' is not allowed: allowed are %s" % (name, variable, value, ", ".join(TRANSPORTS)))
    if device == "tls" and transport != "tls" and not _flag(value_at(settings, "sip.tls_allow_insecure")):
        # The guide: with TLS the default transport, UDP and TCP are disabled unless tls_allow_insecure.
        raise RecordError("%s: %s: '%s' is not accepted by this server: its sip.transport is tls and"
                          " sip.tls_allow_insecure is false, so it takes SIP over TLS only: allowed is tls"
                          " (or set sip.tls_allow_insecure: true)" % (name, variable, value))
    return transport


def _int(name, source, what, low, high):
    variable, value = source
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not low <= number <= high:
        raise RecordError("%s: %s: '%s' is not %s" % (name, variable, value, what))
    return number


def _user(name, users, users_src, users_of_src):
    records = list(users or [])
    if users_src and users_of_src is not None:
        records = users_of_src()
    user = enabled_extension(records)
    if user is None:
        where = "dect_users and dect_users_src" if users_src else "dect_users"
        state = "every user is marked disabled" if records else "it has no users"
        raise RecordError("%s: no enabled user with a username or localno in %s (%s): set dect_sip_user to an"
                          " extension the server handles" % (name, where, state))
    return user


def resolve_target(record, get):
    """The check_sync ``targets`` entry of ``record``, its digest password read now (``get``: the
    server's variables), or RecordError naming the host when none can be sent."""
    check = record.get("check_sync") or {}
    if check.get("error"):
        raise RecordError(check["error"])
    if "target" not in check:
        raise RecordError("%s: its check-sync reaction is %s: it is not notified"
                          % (record.get("name"), check.get("reaction")))
    target = dict(check["target"], name=record.get("name"))
    if check.get("auth_password"):
        try:
            target["auth_password"] = get(check["auth_password"])
        except KeyError:
            raise RecordError("%s: %s is no longer set: the digest password of its check-sync"
                              % (record.get("name"), check["auth_password"]))
    return target

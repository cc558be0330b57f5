# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a DECT server's documents are made from: the dect_server role's variables, the inventory
variables they default to, their defaults (``SERVER_VARIABLES``), and ``server_documents``, which
resolves them for one server (the ``dect.provisioning.dect_server`` lookup, the derive tasks,
``validate.yml``) with its ``provisioning`` section derived last (``provisioning_section``).
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dect.provisioning.plugins.module_utils import server_record
from ansible_collections.dect.provisioning.plugins.module_utils._overrides import check_overrides
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    model_family,
    parse_provisioning_url,
)
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import (
    CHECK_SYNC,
    METHODS,
    SiteError,
    provisioning_section,
)
from ansible_collections.dect.provisioning.plugins.module_utils.users import SourceError, merge, read_source

# The largest users file (CSV or exported XML) read for the record's check-sync user (the users_xml
# module's max_input_size default).
USERS_SRC_MAX_SIZE = 8 * 1024 * 1024

# What a DECT server's documents are made from: the dect_server role's variable, the inventory
# variable it defaults to, and the value when neither is set (REQUIRED: one of them must be set).
# The one home of these defaults: the role documents them in meta/argument_specs.yml, the
# dect.provisioning.dect_server lookup resolves them for the role's tasks and for validate.yml.
REQUIRED = object()
SERVER_VARIABLES = (
    ("mac", "dect_server_mac", "dect_mac", REQUIRED),
    ("model", "dect_server_model", "dect_model", REQUIRED),
    ("strict", "dect_server_strict", "dect_strict", False),
    ("family_overrides", "dect_server_family_overrides", "dect_family_overrides", []),
    ("allow_unsafe", "dect_server_allow_unsafe", "dect_allow_unsafe", []),
    ("users", "dect_server_users", "dect_users", []),
    ("users_src", "dect_server_users_src", "dect_users_src", ""),
    ("url", "dect_server_provisioning_url", "dect_provisioning_url", REQUIRED),
    ("method", "dect_server_provisioning_method", "dect_provisioning_method", "dhcp"),
    ("check_sync", "dect_server_check_sync_reaction", "dect_check_sync_reaction", "update"),
    ("interval", "dect_server_check_interval", "dect_check_interval", 0),
    ("time", "dect_server_check_time", "dect_check_time", ""),
    ("firmware", "dect_server_firmware", "dect_firmware", {}),
    ("default_kws", "dect_server_default_kws", "dect_firmware_default_kws", None),
)
# Without dect_server_settings, the settings are these inventory layers deep-merged in order:
# site < group (one model family or one building) < host.
SETTINGS_LAYERS = ("dect_settings", "dect_settings_group", "dect_settings_host")
_UNSET = object()


def server_documents(get, read_file=None):
    """The options of one DECT server's documents: ``{mac, model, config, users}`` as the render
    step of dect.provisioning.publish takes them (``users`` only when the server has users), and
    ``record``, the server's resolved record without secrets (module_utils/server_record.py).

    ``get(name)`` returns the variable ``name`` (templated) or raises KeyError when it is unset;
    ``read_file(path)`` the bytes of the users file (default: read from the controller's disk).
    ``config.settings`` is ``dect_server_derived_config`` when that is set; otherwise the settings
    with the ``provisioning`` section derived from the same values as DHCP option 66 and the files'
    location, merged last. A setting under ``provisioning`` that it would replace or leave out is
    refused (``_overrides.check_overrides``), never dropped silently. Raises SiteError naming the
    variable for a missing, unusable or overridden value, IdentifierError for a bad model or URL.
    """
    values, names = {}, {}
    for key, role_var, inventory_var, default in SERVER_VARIABLES:
        names[key], value = _first_set(get, role_var, inventory_var)
        if value is _UNSET:
            if default is REQUIRED:
                raise SiteError("%s: not set for this DECT server (nor %s): it is required" % (inventory_var, role_var))
            names[key], value = inventory_var, default
        values[key] = value
    model = str(values["model"])
    name = _first_set(get, "inventory_hostname")[1]
    name = "this DECT server" if name is _UNSET else str(name)
    # A bad model or URL is named by its host and variable (the identifier's text masks a password).
    try:
        model_family(model)
    except IdentifierError as exc:
        raise SiteError("%s: %s: %s" % (name, names["model"], exc))
    try:
        parse_provisioning_url(values["url"])
    except IdentifierError as exc:
        raise SiteError("%s: %s: %s" % (name, names["url"], exc))
    strict = values["strict"]
    users = values["users"] if values["users"] is not None else []
    if not isinstance(users, list):
        raise SiteError("%s: a list of user records is required, got %s" % (names["users"], type(users).__name__))
    settings = _first_set(get, "dect_server_derived_config")[1]
    if settings is _UNSET:
        layers = _settings(get)
        derived = _derived_section(values, names, model, bool(users or values["users_src"]))
        problems = check_overrides(layers, derived)
        if problems:
            raise SiteError("; ".join(problems))
        settings = {}
        for dummy, layer in layers:
            settings = _merge(settings, layer)
        settings = _merge(settings, {"provisioning": derived})
    elif not isinstance(settings, dict):
        raise SiteError("dect_server_derived_config: a mapping of settings is required, got %s" % type(settings).__name__)
    out = {
        "mac": values["mac"],
        "model": model,
        "config": {"settings": settings, "strict": strict, "family_overrides": values["family_overrides"],
                   "allow_unsafe": values["allow_unsafe"]},
    }
    if users or values["users_src"]:
        out["users"] = {"users": users, "strict": strict}
        if values["users_src"]:
            out["users"]["src"] = values["users_src"]

    def users_of_src():
        return _users_with_source(name, names["users_src"], values["users_src"], users, model, read_file)

    try:
        out["record"] = server_record.build(
            name, get, values["mac"], names["mac"], model, settings, values["check_sync"], users=users,
            users_src=values["users_src"], users_of_src=users_of_src)
    except server_record.RecordError as exc:
        raise SiteError(str(exc))
    return out


def _users_with_source(name, variable, path, users, model, read_file):
    """The server's users merged with its users file, as the users document will have them."""
    try:
        data = read_file(path) if read_file is not None else _read_capped(path)
        records, _origins = merge(read_source(data, str(path)), users, model_family(model))
    except (OSError, SourceError) as exc:
        raise server_record.RecordError("%s: %s: cannot read its users for the check-sync user: %s" % (name, variable, exc))
    return records


def _read_capped(path):
    with open(path, "rb") as handle:
        data = handle.read(USERS_SRC_MAX_SIZE + 1)
    if len(data) > USERS_SRC_MAX_SIZE:
        raise OSError("more than %d bytes" % USERS_SRC_MAX_SIZE)
    return data


def _first_set(get, *names):
    """``(name, value)`` of the first of ``names`` that is set, else ``(None, _UNSET)``."""
    for name in names:
        try:
            return name, get(name)
        except KeyError:
            continue
    return None, _UNSET


def _settings(get):
    """``[(variable, settings)]``: the layers to deep-merge in order (unset and empty ones left out)."""
    explicit = _first_set(get, "dect_server_settings")
    layers = [explicit] if explicit[1] is not _UNSET else [_first_set(get, name) for name in SETTINGS_LAYERS]
    found = []
    for name, layer in layers:
        if layer is _UNSET or layer is None:  # an unset layer, or one left empty in YAML
            continue
        if not isinstance(layer, dict):
            raise SiteError("%s: a mapping of settings is required, got %s" % (name, type(layer).__name__))
        found.append((name, layer))
    return found


def _merge(base, override):
    """``override`` deep-merged onto ``base`` (mappings merge, anything else is replaced)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _derived_section(values, names, model, has_users):
    interval = values["interval"]
    try:
        interval = None if interval in (None, "") else int(interval)
    except (TypeError, ValueError):
        raise SiteError("%s: '%s' is not a whole number of minutes" % (names["interval"], interval))
    default_kws = values["default_kws"]
    if default_kws is not None:
        try:
            default_kws = boolean(default_kws, strict=True)
        except TypeError:
            raise SiteError("%s: '%s' is not a boolean" % (names["default_kws"], default_kws))
    for key, allowed in (("method", METHODS), ("check_sync", CHECK_SYNC)):
        if values[key] not in allowed:
            raise SiteError("%s: '%s' is not allowed: allowed are %s" % (names[key], values[key], ", ".join(allowed)))
    return provisioning_section(values["url"], model, method=values["method"], firmware=values["firmware"],
                                users=has_users, check_sync=values["check_sync"], interval=interval,
                                time=values["time"], default_kws=default_kws)


def recorded(host_vars):
    """The record the publication set as the fact ``dect_server_record``, read from ``ansible_facts``
    (ansible-core 2.20 deprecates reading facts as top-level variables), else the variable of that
    name (``set_fact`` by the derive tasks, check_sync.yml), else None."""
    facts = host_vars.get("ansible_facts")
    if isinstance(facts, dict) and facts.get("dect_server_record") is not None:
        return facts["dect_server_record"]
    return host_vars.get("dect_server_record")


def record_of(host_vars):
    """A DECT server's record from its variables (``hostvars[name]``): ``dect_server_record`` (set by
    the publication's render step or from the dect_server lookup) when it has one, else made now
    the same way (the inventory's variables; users files read without vault)."""
    record = recorded(host_vars)
    if record is not None:
        return record
    try:
        return server_documents(host_vars.__getitem__)["record"]
    except (SiteError, IdentifierError) as exc:
        name = host_vars["inventory_hostname"] if "inventory_hostname" in host_vars else "a DECT server"
        text = str(exc)
        raise SiteError(text if text.startswith(name + ": ") else "%s: %s" % (name, text))

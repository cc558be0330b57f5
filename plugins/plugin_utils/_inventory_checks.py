# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a DECT server's inventory variables get wrong without failing anything by themselves: a
misspelt ``dect_*`` name (ignored, so its value silently never applies) and a secret typed into
inventory as plain text. The ``dect_server`` lookup runs these for each server it resolves (the
render step of site.yml, the derive step of validate.yml): no task of its own.

``KNOWN_VARIABLES`` is the one list of the collection's ``dect_*`` variables; a unit test keeps it
in step with every name the docs, roles and playbooks use.
"""

from __future__ import annotations

import difflib
import os

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import secret_param
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import url_secret
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import SERVER_VARIABLES, SETTINGS_LAYERS
from ansible_collections.dect.provisioning.plugins.module_utils.users import SECRET_FIELDS

try:  # ansible-core 2.19+: where a value was read from
    from ansible._internal._datatag._tags import Origin
except ImportError:  # pragma: no cover - older ansible-core: ansible_pos on the YAML objects
    Origin = None

# The dect_* variables besides the dect_server role's (server_variables.SERVER_VARIABLES, server_variables.SETTINGS_LAYERS):
# docs/inventory.md's site, provisioning host, DHCP host and DECT server variables, the role's other
# variables and facts, the playbooks' own variables and facts, and the names docs/check_sync.md's
# handler example defines.
_OTHER_VARIABLES = (
    "dect_validate_firmware_problems", "dect_validate_hosts", "dect_validate_catalogues", "dect_report_readings",
    # site and DECT server inventory (docs/inventory.md, docs/site.md)
    "dect_ip", "dect_sip_user", "dect_sip_domain", "dect_sip_port", "dect_sip_transport", "dect_sip_host",
    "dect_sip_auth_username", "dect_sip_auth_password", "dect_sip_ca_path", "dect_sip_timeout",
    "dect_rollout_serial", "dect_rollout_max_fail_percentage", "dect_rollout_wait", "dect_rollout_wait_timeout",
    "dect_require_vault", "dect_client_address",
    # provisioning hosts and DHCP hosts (group_vars/all reaches the DECT servers too)
    "dect_provisioning_root", "dect_provisioning_protocols", "dect_provisioning_group", "dect_provisioning_backup_dir",
    "dect_provisioning_names", "dect_provisioning_lock_timeout", "dect_provisioning_keep_stale",
    "dect_dhcp_backend", "dect_dhcp_path", "dect_dhcp_scope", "dect_dhcp_subnet", "dect_dhcp_validate_config",
    # the dect_server role: variables not in SERVER_VARIABLES, and the facts it sets
    "dect_server_settings", "dect_server_derived_config", "dect_server_ip", "dect_server_provisioning_hosts",
    "dect_server_default_root", "dect_server_file_mode", "dect_server_file_group", "dect_server_backup",
    "dect_server_backup_dir", "dect_server_check_sync", "dect_server_check_sync_batch", "dect_server_sip_host",
    "dect_server_sip_port", "dect_server_sip_transport", "dect_server_sip_user", "dect_server_sip_domain",
    "dect_server_sip_auth_username", "dect_server_sip_auth_password", "dect_server_sip_timeout",
    "dect_server_sip_ca_path", "dect_server_input", "dect_server_config",
    "dect_server_record",
    # the playbooks' variables and facts (adopt.yml, report.yml, site.yml, validate.yml)
    "dect_adopt_config", "dect_adopt_dir", "dect_adopt_host", "dect_adopt_mac", "dect_adopt_model",
    "dect_adopt_result", "dect_adopt_users", "dect_adopt_vault_id", "dect_adopt_force", "dect_adopt_ip",
    "dect_adopt_kept", "dect_adopt_provisioning", "dect_adopt_summary", "dect_dhcp_force", "dect_report_staged", "dect_rollout_policy",
    "dect_rollout_convergence", "dect_rollout_expect", "dect_check_sync_targets", "dect_validate_config", "dect_validate_users",
    "dect_validate_problems", "dect_validate_report", "dect_validate_unresolved", "dect_validate_url_problems", "dect_validate_unused_firmware",
    "dect_check_sync_result", "dect_check_sync_error",
    # docs/check_sync.md: a playbook's own check-sync handlers
    "dect_check_sync", "dect_check_sync_pending", "dect_check_sync_target",
)
KNOWN_VARIABLES = frozenset(
    [name for row in SERVER_VARIABLES for name in row[1:3]] + list(SETTINGS_LAYERS) + list(_OTHER_VARIABLES))
REQUIRE_VAULT = "dect_require_vault"
_SETTINGS = ("dect_server_settings",) + SETTINGS_LAYERS
_USERS = ("dect_server_users", "dect_users")
_SCALARS = ("dect_server_sip_auth_password", "dect_sip_auth_password")
_URLS = ("dect_server_provisioning_url", "dect_provisioning_url")


def unknown_variables(host, names):
    """A warning for each ``dect_*`` name that is no variable of the collection, with the nearest one."""
    warnings = []
    unknown = [n for n in names if isinstance(n, str) and n.startswith("dect_") and n not in KNOWN_VARIABLES]
    for name in sorted(unknown):
        match = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1, cutoff=0.75)
        warnings.append("%s: %s is not a variable of dect.provisioning, so its value is ignored%s" % (
            host, name, "; did you mean `%s`?" % match[0] if match else " (docs/inventory.md lists them)"))
    return warnings


def unvaulted_secrets(host, variables, vaulted_file=None):
    """A message for each secret typed into the variables as plain text: not ``!vault``, not a
    template (``{{ vault_x }}``), not read from a vault-encrypted file. ``vaulted_file(path)`` says
    whether a vars file is encrypted (default: it starts with ``$ANSIBLE_VAULT``)."""
    vaulted_file = vaulted_file or _encrypted_file
    found = []
    for name in _SETTINGS:
        _walk_settings(name, variables.get(name), [], found)
    for name in _USERS:
        users = variables.get(name)
        for index, record in enumerate(users if isinstance(users, list) else []):
            if isinstance(record, dict):
                found.extend(("%s[%d].%s" % (name, index, field), record[field])
                             for field in sorted(record) if field in SECRET_FIELDS)
    found.extend((name, variables.get(name)) for name in _SCALARS)
    found.extend(("%s (its password)" % name, variables.get(name)) for name in _URLS if url_secret(variables.get(name)))
    messages = []
    for where, value in found:
        if _plain_text(value) and not vaulted_file(_origin(value)):
            messages.append(
                "%s: %s is a secret typed into inventory as plain text, not vaulted: encrypt it (ansible-vault"
                " encrypt_string, or a vault-encrypted vars file) or reference a vaulted variable"
                " ('{{ vault_... }}'); %s: true makes this an error" % (host, where, REQUIRE_VAULT))
    return messages


def _walk_settings(path, value, segments, found):
    if isinstance(value, dict):
        for key in value:
            _walk_settings("%s.%s" % (path, key), value[key], segments + [str(key)], found)
    elif segments and secret_param([s for s in segments if s != "value"]):
        found.append((path, value))


def _plain_text(value):
    """A non-empty string that is neither vault-encrypted nor a template."""
    if not isinstance(value, str) or not value.strip() or "{{" in value:
        return False
    return type(value).__name__ not in ("EncryptedString", "AnsibleVaultEncryptedUnicode")


def _origin(value):
    """The file a value was read from, when ansible-core recorded it."""
    if Origin is not None:
        tag = Origin.get_tag(value)
        return tag.path if tag is not None else None
    position = getattr(value, "ansible_pos", None)
    return position[0] if position else None


_ENCRYPTED = {}


def _encrypted_file(path):
    if not path:
        return False
    if path not in _ENCRYPTED:
        try:
            with open(os.path.realpath(path), "rb") as handle:
                _ENCRYPTED[path] = handle.read(14) == b"$ANSIBLE_VAULT"
        except OSError:
            _ENCRYPTED[path] = False
    return _ENCRYPTED[path]

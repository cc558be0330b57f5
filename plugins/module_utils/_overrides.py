# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings the derived ``provisioning`` section would silently replace (server_variables.server_documents).

The site derives every provisioning parameter of a DECT server's config from inventory variables
(``dect_provisioning_method``, ``dect_check_interval``, ...), merged last so the DHCP option, the
files' location and what the server is told cannot disagree. A value under ``provisioning`` in
``dect_settings*`` would be replaced (an interval of 30 becoming 0) or, where the derived section
leaves the parameter out (``server.url`` with method dhcp), written stale beside it. Both are
refused, naming the variable, the path, both values and the inventory variable to set instead; a
setting equal to the derived value passes.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import flatten
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import mask_url
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS

# The inventory variable each parameter of the derived section comes from (by its path under
# ``provisioning``; ``firmware`` covers every image kind).
DERIVED_FROM = (
    ("server.method", "dect_provisioning_method"),
    ("server.url", "dect_provisioning_url (written with dect_provisioning_method: static)"),
    ("check.check_sync", "dect_check_sync_reaction"),
    ("check.interval", "dect_check_interval"),
    ("check.time", "dect_check_time"),
    ("config.check", "nothing: the site always has the server import its configuration"),
    ("users.check", "dect_users or dect_users_src (true exactly when the server has users)"),
    ("firmware.default_kws", "dect_firmware_default_kws"),
    ("firmware", "dect_firmware (each server is told the images of its model)"),
)
_TYPES = {}


def check_overrides(layers, derived):
    """Problems with ``layers`` (``[(variable, settings)]``) against the ``derived`` provisioning
    section: one message per setting it would replace or leave out, [] when none."""
    wanted = flatten(derived)
    problems = []
    for name, layer in layers:
        section = layer.get("provisioning")
        if not isinstance(section, dict):
            continue  # absent, or not a mapping: config validation names it
        for path, value in sorted(flatten(section).items()):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue  # "not set" (an empty element): nothing the derived section could drop
            if path in wanted and _same(path, value, wanted[path]):
                continue
            if path in wanted:
                what = "the derived provisioning section replaces it with '%s'" % _shown(path, wanted[path])
            else:
                what = "the derived provisioning section leaves it out, so it would be written stale beside it"
            problems.append("%s: provisioning.%s: value '%s': %s; set %s instead and remove it from %s" % (
                name, path, _shown(path, value), what, _source(path), name))
    return problems


def _source(path):
    for prefix, variable in DERIVED_FROM:
        if path == prefix or path.startswith(prefix + "."):
            return variable
    return "the inventory variables of docs/inventory.md"


def _same(path, given, derived):
    """Whether two values of ``provisioning.<path>`` are the same once the schema normalises them."""
    if not _TYPES:
        _TYPES.update((p.path, p.type) for p in PARAMETERS if p.path.startswith("provisioning."))
    param_type = _TYPES.get("provisioning." + path)
    if param_type is not None:
        try:
            return param_type.normalize(given) == param_type.normalize(derived)
        except ValueError:
            return False
    return str(given) == str(derived)


def _shown(path, value):
    return mask_url(value) if path == "server.url" else value

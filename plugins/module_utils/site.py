# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a site described in inventory to what each DECT server is told about provisioning.

The ``provisioning`` section of every config is derived here, from the same inventory values
that drive DHCP option 66 and the files' location, so they cannot disagree.
"""

from __future__ import annotations

import os

from ansible_collections.dect.provisioning.plugins.module_utils.firmware import (
    catalogue_names,
    firmware_section,
    kinds_for_model,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    model_family,
    parse_provisioning_url,
)

METHODS = ("dhcp", "static", "disabled")
CHECK_SYNC = ("disabled", "update", "reboot")


class SiteError(ValueError):
    """A site value that is not a MAC, model or URL but still cannot be used: a provisioning method
    or check-sync action that does not exist, a DECT server with nowhere to send check-sync. (A bad
    identifier raises ``identifiers.IdentifierError``.)"""


def firmware_names(catalogue):
    """``{kind: {name: ..}}`` (the site catalogue) -> ``{kind: file name}`` of what is staged."""
    return dict(catalogue_names(catalogue))


def provisioning_section(url, model, method="dhcp", firmware=None, users=True, check_sync="update",
                         interval=None, time=None, default_kws=None):
    """The ``provisioning`` dict of one server's config.

    ``method: dhcp`` leaves ``server.url`` out (the device takes option 66, which the dhcp role
    sets from the same ``url``); ``static`` writes it. Raises SiteError for ``method`` or
    ``check_sync`` values that do not exist, IdentifierError for a bad model or URL.
    """
    if method not in METHODS:
        raise SiteError("method '%s' is not one of %s" % (method, ", ".join(METHODS)))
    if check_sync not in CHECK_SYNC:
        raise SiteError("check_sync '%s' is not one of %s" % (check_sync, ", ".join(CHECK_SYNC)))
    model_family(model)
    section = {
        "server": {"method": method},
        "config": {"check": True},
        "users": {"check": bool(users)},
        "check": {"check_sync": check_sync},
    }
    if method == "static":
        parse_provisioning_url(url)
        section["server"]["url"] = url
    if interval is not None:
        section["check"]["interval"] = int(interval)
    if time:
        section["check"]["time"] = time
    # A site catalogue serves both families: each server is told only the kinds it understands.
    names = dict(firmware_section(firmware_names(firmware), model)[0])
    if default_kws is not None and "default_kws" in kinds_for_model(model):
        names["default_kws"] = bool(default_kws)
    if names:
        section["firmware"] = names
    return section


# Inventory variable of a DECT server -> check_sync target option.
_SIP_TARGET_VARS = (
    ("port", "dect_sip_port"),
    ("transport", "dect_sip_transport"),
    ("user", "dect_sip_user"),
    ("domain", "dect_sip_domain"),
    ("auth_username", "dect_sip_auth_username"),
    ("auth_password", "dect_sip_auth_password"),
    ("ca_path", "dect_sip_ca_path"),
    ("timeout", "dect_sip_timeout"),
)


def check_sync_target(host_vars):
    """The check_sync ``targets`` entry for a DECT server, from its inventory variables."""
    host = host_vars.get("dect_sip_host") or host_vars.get("dect_ip")
    if not host:
        raise SiteError("%s has neither dect_sip_host nor dect_ip: nowhere to send check-sync"
                        % host_vars.get("inventory_hostname", "a DECT server"))
    target = {"host": str(host)}
    for option, var in _SIP_TARGET_VARS:
        if host_vars.get(var) not in (None, ""):
            target[option] = host_vars[var]
    if "user" not in target and _first_extension(host_vars.get("dect_users")):
        target["user"] = _first_extension(host_vars.get("dect_users"))
    return target


def _first_extension(users):
    """The first username (else localno) of a server's users: an extension it surely handles."""
    for field in ("username", "localno"):
        for user in users or []:
            if isinstance(user, dict) and user.get(field) not in (None, ""):
                return str(user[field])
    return None


# Where site.yml finds the rollout policy of a site, relative to each inventory source.
ROLLOUT_POLICY_FILE = ("group_vars", "dect_servers", "rollout.yml")
ROLLOUT_POLICY_KEYS = ("dect_rollout_serial", "dect_rollout_max_fail_percentage")


def rollout_policy_paths(sources):
    """``group_vars/dect_servers/rollout.yml`` beside each inventory source (a file) or inside it (a dir)."""
    paths = []
    for source in sources or []:
        base = source if os.path.isdir(source) else os.path.dirname(os.path.abspath(source))
        paths.append(os.path.join(base, *ROLLOUT_POLICY_FILE))
    return paths

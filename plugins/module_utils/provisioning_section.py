# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``provisioning`` section of a DECT server's config, derived from the site's inventory values.

Derived from the same values that drive DHCP option 66 and the files' location, so they cannot
disagree; the firmware names each model is told come from the site's catalogue (``firmware``).
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils.firmware import (
    FirmwareError,
    catalogue_names,
    kinds_for_model,
    select_firmware,
    source_problems,
    unused_warnings,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import model_family, parse_provisioning_url

METHODS = ("dhcp", "static", "disabled")
CHECK_SYNC = ("disabled", "update", "reboot")


class SiteError(ValueError):
    """A site value that is not a MAC, model or URL but still cannot be used: a provisioning method
    or check-sync action that does not exist, a DECT server with nowhere to send check-sync. (A bad
    identifier raises ``identifiers.IdentifierError``.)"""


def firmware_names(catalogue, model=None):
    """The site catalogue -> ``{key: file name}`` of what is staged; with ``model``, ``{kind: file
    name}`` that model is told (firmware.select_firmware). SiteError for a bad catalogue."""
    try:
        return dict(catalogue_names(catalogue) if model is None else select_firmware(catalogue, model))
    except FirmwareError as exc:
        raise SiteError(str(exc))


def firmware_unused(catalogue, models):
    """The warnings for catalogue entries given to none of ``models`` (firmware.unused_warnings)."""
    try:
        return unused_warnings(catalogue, models)
    except FirmwareError as exc:
        raise SiteError(str(exc))


def firmware_source_problems(catalogue):
    """The catalogue's image and ``.ver`` files that cannot be read on the controller
    (firmware.source_problems). SiteError for a catalogue that is not a mapping."""
    if catalogue is not None and not isinstance(catalogue, dict):
        raise SiteError("dect_firmware: a mapping of catalogue entries is required, got %s" % type(catalogue).__name__)
    return source_problems(catalogue)


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
    # Per kind its family understands, the one catalogue entry whose models include this model.
    names = firmware_names(firmware, model)
    if default_kws is not None and "default_kws" in kinds_for_model(model):
        names["default_kws"] = bool(default_kws)
    if names:
        section["firmware"] = names
    return section

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters normalising DECT identifiers: ``mac`` and ``ipei``."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    format_mac,
    normalize_ipei,
    normalize_mac,
)
from ansible_collections.dect.provisioning.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors("mac", IdentifierError)
def mac(value, style="plain"):
    """``plain``: 12 lowercase hex digits (file names); ``colon``: aa:bb:... (DHCP)."""
    if style == "plain":
        return normalize_mac(value)
    if style == "colon":
        return format_mac(value)
    raise IdentifierError("style '%s' is not one of plain, colon" % style)


@filter_errors("ipei", IdentifierError)
def ipei(value):
    return normalize_ipei(value)


class FilterModule:
    def filters(self):
        return {"mac": mac, "ipei": ipei}

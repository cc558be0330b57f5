# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters normalising DECT identifiers: ``mac`` and ``ipei``."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    format_mac,
    normalize_ipei,
    normalize_mac,
)


def mac(value, style="plain"):
    """``plain``: 12 lowercase hex digits (file names); ``colon``: aa:bb:... (DHCP)."""
    try:
        if style == "plain":
            return normalize_mac(value)
        if style == "colon":
            return format_mac(value)
    except IdentifierError as exc:
        raise AnsibleFilterError("dect.provisioning.mac: %s" % exc)
    raise AnsibleFilterError("dect.provisioning.mac: style '%s' is not one of plain, colon" % style)


def ipei(value):
    try:
        return normalize_ipei(value)
    except IdentifierError as exc:
        raise AnsibleFilterError("dect.provisioning.ipei: %s" % exc)


class FilterModule:
    def filters(self):
        return {"mac": mac, "ipei": ipei}

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on the DHCP reservations the dhcp role writes for the DECT servers."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import inventory_problems


def dhcp_problems(hosts, url="", scope="host", subnet=""):
    """Every problem of the reservations (``{name, mac, ip, url}`` per DECT server), naming each server
    and its inventory variable; empty when the dhcp role can write them."""
    return inventory_problems(hosts, url or None, scope, subnet or None)


class FilterModule:
    def filters(self):
        return {"dhcp_problems": dhcp_problems}

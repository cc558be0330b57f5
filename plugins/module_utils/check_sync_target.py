# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a DECT server's SIP NOTIFY check-sync goes: its ``check_sync`` target from its variables."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils import server_record
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import SiteError
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import record_of


def check_sync_target(host_vars):
    """The check_sync ``targets`` entry of a DECT server from its variables (its record, the digest
    password read now). Raises SiteError naming the host and the variable when none can be sent."""
    try:
        return server_record.resolve_target(record_of(host_vars), host_vars.__getitem__)
    except server_record.RecordError as exc:
        raise SiteError(str(exc))

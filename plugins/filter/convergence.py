# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout_expectations filter: which files each DECT server must fetch (the input of provisioning_log's
``expect``, which judges with plugin_utils/convergence.py)."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import SiteError
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import record_of, recorded
from ansible_collections.dect.provisioning.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors("rollout_expectations", IdentifierError, SiteError)
def rollout_expectations(host_vars_list, report=False):
    """``[{name, mac, files, client}]`` of the DECT servers whose record (``dect_server_record``, completed by the
    publication's report step) is ``pending`` with a non-empty ``expect``; with ``report``, every server, ``files``
    None and ``staged`` what its record says it fetches. Name, MAC and ``client`` (the address its fetches must
    come from) come from each server's record, never from raw variables."""
    servers = []
    for host_vars in host_vars_list or []:
        name = host_vars["inventory_hostname"]
        if not report:
            record = recorded(host_vars) or {}
            if not (record.get("pending") and record.get("expect")):
                continue
        record = record_of(host_vars)
        row = {"name": name, "mac": record["mac"], "client": record.get("client")}
        if report:
            row.update(files=None, staged=list(record["fetches"]))
        else:
            row["files"] = list(record["expect"])
        servers.append(row)
    return servers


class FilterModule:
    def filters(self):
        return {"rollout_expectations": rollout_expectations}

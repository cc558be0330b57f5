# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout_convergence filter: which DECT servers fetched what they had to."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import SiteError
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import record_of
from ansible_collections.dect.provisioning.plugins.plugin_utils._filter_errors import filter_errors
from ansible_collections.dect.provisioning.plugins.plugin_utils.convergence import converge


def rollout_convergence(servers, results):
    checked = []
    for index, server in enumerate(servers or []):
        try:
            mac = normalize_mac(server["mac"])
        except (KeyError, TypeError, IdentifierError) as exc:
            raise AnsibleFilterError("dect.provisioning.rollout_convergence: servers[%d].mac: %s" % (index, exc))
        checked.append(dict(server, mac=mac))
    return converge(sorted(checked, key=lambda s: str(s.get("name"))), list(results or []))


@filter_errors("rollout_expectations", IdentifierError, SiteError)
def rollout_expectations(host_vars_list, report=False):
    """``[{name, mac, files, client}]`` of the DECT servers whose ``dect_server_expected_fetch`` is not empty;
    with ``report``, every server, ``files`` None and ``staged`` what its record says it fetches. Name,
    MAC and ``client`` (the address its fetches must come from) come from each server's record
    (``dect_server_record``), never from raw variables."""
    servers = []
    for host_vars in host_vars_list or []:
        name = host_vars["inventory_hostname"]
        if not report and not host_vars.get("dect_server_expected_fetch"):
            continue
        record = record_of(host_vars)
        row = {"name": name, "mac": record["mac"], "client": record.get("client")}
        if report:
            row.update(files=None, staged=list(record["fetches"]))
        else:
            row["files"] = list(host_vars["dect_server_expected_fetch"])
        servers.append(row)
    return servers


class FilterModule:
    def filters(self):
        return {"rollout_convergence": rollout_convergence, "rollout_expectations": rollout_expectations}

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout_convergence filter: which DECT servers fetched what they had to."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac
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


def rollout_expectations(host_vars_list, report=False):
    """``[{name, mac, files, client}]`` of the DECT servers whose ``dect_server_expected_fetch`` is not empty;
    with ``report``, every server, ``files`` None and ``staged`` its ``dect_report_staged``. ``client``: the
    address its fetches must come from (see ``_client``)."""
    servers = []
    for host_vars in host_vars_list or []:
        name, mac = host_vars["inventory_hostname"], host_vars["dect_mac"]
        client = _client(host_vars)
        if report:
            servers.append({"name": name, "mac": mac, "files": None, "staged": list(host_vars["dect_report_staged"]),
                            "client": client})
            continue
        files = list(host_vars.get("dect_server_expected_fetch") or [])
        if files:
            servers.append({"name": name, "mac": mac, "files": files, "client": client})
    return servers


def _client(host_vars):
    """The address a DECT server's fetches must come from: ``dect_client_address`` when set ('' for any
    address), else ``dect_ip``; None when inventory knows neither."""
    for variable in ("dect_client_address", "dect_ip"):
        value = host_vars.get(variable)
        if value is not None:
            return str(value) or None
    return None


class FilterModule:
    def filters(self):
        return {"rollout_convergence": rollout_convergence, "rollout_expectations": rollout_expectations}

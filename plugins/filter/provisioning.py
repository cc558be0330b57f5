# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters deriving a DECT server's provisioning section and firmware names from inventory."""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.dect.provisioning.plugins.module_utils import provisioning_section as section
from ansible_collections.dect.provisioning.plugins.module_utils.check_sync_target import check_sync_target as target_of
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import SiteError
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import record_of
from ansible_collections.dect.provisioning.plugins.plugin_utils._filter_errors import filter_errors

_display = Display()


@filter_errors("provisioning_section", IdentifierError, SiteError)
def provisioning_section(url, model, method="dhcp", firmware=None, users=True, check_sync="update",
                         interval=None, time=None, default_kws=None):
    return section.provisioning_section(url, model, method=method, firmware=firmware, users=users,
                                        check_sync=check_sync, interval=interval, time=time, default_kws=default_kws)


@filter_errors("firmware_names", SiteError, IdentifierError)
def firmware_names(catalogue, model=None):
    return section.firmware_names(catalogue, model)


@filter_errors("firmware_source_problems", SiteError)
def firmware_source_problems(catalogue):
    """The catalogue's files that cannot be read on the controller, one message each."""
    return section.firmware_source_problems(catalogue)


@filter_errors("firmware_unused", SiteError)
def firmware_unused(catalogue, hostvars, servers):
    """The warnings for catalogue entries no DECT server is given, each also shown as a warning.

    ``hostvars`` and ``servers`` (the DECT servers' names): a server's model is ``dect_server_model``,
    else ``dect_model``. Each server's variables cost a variable computation, so they are read lazily
    and only until every entry is given to one of them (a few servers, unless one is unused).
    """
    models = map(_model_of, (hostvars[name] for name in servers or []))
    messages = section.firmware_unused(catalogue, (model for model in models if model not in (None, "")))
    for message in messages:
        _display.warning(message)
    return messages


def _model_of(host_vars):
    model = host_vars.get("dect_server_model") if "dect_server_model" in host_vars else None
    return model if model not in (None, "") else host_vars.get("dect_model")


@filter_errors("check_sync_target", IdentifierError, SiteError)
def check_sync_target(host_vars):
    """One ``targets`` entry of dect.provisioning.check_sync from a DECT server's variables (its record)."""
    return target_of(host_vars)


@filter_errors("check_sync_targets", IdentifierError, SiteError)
def check_sync_targets(host_vars_list):
    """The ``targets`` of the DECT servers given (their variables), every problem at once; a server
    whose check-sync reaction is ``disabled`` is left out with a warning naming it."""
    targets, problems = [], []
    for host_vars in host_vars_list or []:
        try:
            record = record_of(host_vars)
        except (IdentifierError, SiteError) as exc:
            problems.append(str(exc))
            continue
        if (record.get("check_sync") or {}).get("reaction") == "disabled":
            Display().warning("%s: its check-sync reaction is disabled (provisioning.check.check_sync,"
                              " dect_check_sync_reaction): no NOTIFY is sent to it" % record.get("name"))
            continue
        try:
            targets.append(target_of(host_vars))
        except (IdentifierError, SiteError) as exc:
            problems.append(str(exc))
    if problems:
        raise SiteError("; ".join(problems))
    return targets


class FilterModule:
    def filters(self):
        return {"provisioning_section": provisioning_section, "firmware_names": firmware_names,
                "firmware_unused": firmware_unused,
                "firmware_source_problems": firmware_source_problems,
                "check_sync_target": check_sync_target, "check_sync_targets": check_sync_targets}

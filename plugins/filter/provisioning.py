# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters deriving a DECT server's provisioning section and firmware names from inventory."""

from __future__ import annotations

import importlib
import os

import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.dect.provisioning.plugins.module_utils import site
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError


def provisioning_section(url, model, method="dhcp", firmware=None, users=True, check_sync="update",
                         interval=None, time=None, default_kws=None):
    try:
        return site.provisioning_section(url, model, method=method, firmware=firmware, users=users,
                                         check_sync=check_sync, interval=interval, time=time,
                                         default_kws=default_kws)
    except IdentifierError as exc:
        raise AnsibleFilterError("dect.provisioning.provisioning_section: %s" % exc)


def firmware_names(catalogue):
    return site.firmware_names(catalogue)


def check_sync_target(host_vars):
    """One ``targets`` entry of dect.provisioning.check_sync from a DECT server's inventory vars."""
    try:
        return site.check_sync_target(host_vars)
    except IdentifierError as exc:
        raise AnsibleFilterError("dect.provisioning.check_sync_target: %s" % exc)


def rollout_policy(sources):
    """``dect_rollout_serial`` / ``dect_rollout_max_fail_percentage`` from the inventory's
    ``group_vars/dect_servers/rollout.yml``.

    site.yml needs them in play keywords, which Ansible templates before any host is chosen, so
    inventory variables cannot reach them the usual way; this reads the same file the inventory
    loads as group vars.
    """
    _warm_rendering_engine()
    policy = {}
    for path in site.rollout_policy_paths(sources):
        if not os.path.isfile(path):
            continue
        with open(path) as handle:
            try:
                data = yaml.safe_load(handle) or {}
            except yaml.YAMLError as exc:
                raise AnsibleFilterError("dect.provisioning.rollout_policy: %s is not YAML: %s" % (path, exc))
        if not isinstance(data, dict):
            raise AnsibleFilterError("dect.provisioning.rollout_policy: %s must hold a mapping" % path)
        policy.update((key, data[key]) for key in site.ROLLOUT_POLICY_KEYS if key in data)
    return policy


# The publication engine's controller side (lxml, the parameter schema, the users rules).
_ENGINE = "ansible_collections.dect.provisioning.plugins.action.publish"


def _warm_rendering_engine():
    """Import the rendering engine into the controller's main process.

    site.yml templates its play keywords through this filter in the main process, which then forks
    one worker per DECT server and task: workers inherit what the main process imported and built,
    so none imports lxml and the schema or builds the argument validators again (about 50 ms and
    15 ms per server and task on this machine).
    """
    try:
        importlib.import_module(_ENGINE).warm()
    except ImportError:  # pragma: no cover - the engine's own tasks report a missing lxml
        pass


class FilterModule:
    def filters(self):
        return {"provisioning_section": provisioning_section, "firmware_names": firmware_names,
                "check_sync_target": check_sync_target, "rollout_policy": rollout_policy}

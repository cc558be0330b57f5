# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.provisioning_log: one reading on the host, or (``expect``) the rollout
wait - readings every ``interval`` until every expected DECT server fetched its files from some provisioning
host, or ``timeout`` (plugin_utils/_wait.py shares the hosts' readings; plugin_utils/convergence.py judges)."""

from __future__ import annotations

import hashlib

from ansible.errors import AnsibleActionFail
from ansible.playbook.task_include import TaskInclude

from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_log import client_address
from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_log_spec import (
    ARGUMENT_SPEC, MAX_EXPECTED_FILES, MAX_EXPECTED_SERVERS, MAX_INTERVAL, MAX_TIMEOUT, READ_OPTIONS)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac
from ansible_collections.dect.provisioning.plugins.plugin_utils import _wait
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction

MODULE = "dect.provisioning.provisioning_log"


def expected_servers(expect):
    """``expect`` checked and normalised (MACs, client addresses), sorted by name; errors name the entry."""
    if len(expect) > MAX_EXPECTED_SERVERS:
        raise AnsibleActionFail("expect: %d servers given, at most %d allowed" % (len(expect), MAX_EXPECTED_SERVERS))
    servers = []
    for index, server in enumerate(expect):
        try:
            mac = normalize_mac(server["mac"])
        except IdentifierError as exc:
            raise AnsibleActionFail("expect[%d].mac (%s): %s" % (index, server["name"], exc))
        for key in ("files", "staged"):
            if len(server.get(key) or ()) > MAX_EXPECTED_FILES:
                raise AnsibleActionFail("expect[%d].%s (%s): %d files given, at most %d allowed"
                                        % (index, key, server["name"], len(server[key]), MAX_EXPECTED_FILES))
        client = client_address(server["client"]) if server.get("client") else None
        servers.append(dict(server, mac=mac, client=client))
    return sorted(servers, key=lambda s: s["name"])


def room_key(task):
    """Who shares readings: the hosts running this task - its uuid; for a task of a dynamic include, the
    include's uuid and the task's place in its file (each host's and each loop item's copy of an included
    task has a uuid of its own: report.yml reads one provisioning host per item of one include)."""
    parent = task._parent
    while parent is not None and not isinstance(parent, TaskInclude):
        parent = getattr(parent, "_parent", None)
    if parent is None:
        return task._uuid
    return hashlib.sha1(("%s|%s" % (parent._uuid, task.get_path())).encode("utf-8")).hexdigest()


def check_bounds(args):
    for name, top, low in (("timeout", MAX_TIMEOUT, 0), ("interval", MAX_INTERVAL, 1)):
        if not low <= args[name] <= top:
            raise AnsibleActionFail("%s: %s is refused: allowed %d to %d seconds" % (name, args[name], low, top))


class ActionModule(SpecAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    TRANSFERS_FILES = False

    def perform(self, args, task_vars):
        options = self.module_options(args, READ_OPTIONS)
        if args.get("expect") is None:
            return self._read(options, task_vars)
        check_bounds(args)
        servers = expected_servers(args["expect"])
        options["macs"] = sorted(set(server["mac"] for server in servers))
        options["clients"] = dict((server["mac"], server["client"]) for server in servers if server["client"])
        # The host whose logs are read: a delegated task (report.yml) reads the delegate's.
        host = self._task.delegate_to or task_vars["inventory_hostname"]
        try:
            room = _wait.Room(room_key(self._task))
            result, late = _wait.wait(room, host, servers, lambda: self._read(options, task_vars),
                                      args["timeout"], args["interval"])
        except _wait.WaitError as exc:
            raise AnsibleActionFail("the wait's shared readings: %s" % exc)
        if late:
            result.setdefault("warnings", []).append(
                "%s: the final readings of %s were not there in time: merged with their latest" % (host, ", ".join(late)))
        return result

    def _read(self, options, task_vars):
        return self._execute_module(module_name=MODULE, module_args=dict(options), task_vars=task_vars)

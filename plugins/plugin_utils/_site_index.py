# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site's identities (every DECT server's MAC and SIP check-sync target), resolved once per run.

Read from ``groups['dect_servers']`` (the whole inventory, never only the play's hosts: ``--limit``
and ``serial`` batches see the same index) by the first worker that needs it, and kept in the run's
spool (:mod:`._spool`: private to the run, removed with it); every later worker reads that file
instead of templating every other server's variables again. Feeds the duplicate check
(``module_utils._duplicates``) and the withdrawal of stale documents (the site's MACs).
"""

from __future__ import annotations

import fcntl
import hashlib
import os

from ansible_collections.dect.provisioning.plugins.module_utils.check_sync_target import check_sync_target
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import SiteError
from ansible_collections.dect.provisioning.plugins.module_utils._duplicates import find_duplicates
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac
from ansible_collections.dect.provisioning.plugins.plugin_utils import _spool

GROUP = "dect_servers"
_DEFAULT_PORTS = {"tls": 5061}


def site_index(task_vars):
    """``{"macs": {host: 12 hex digits or None when unknown}, "duplicates": {host: message}}`` of
    every DECT server in inventory (an empty index outside a site: no ``dect_servers`` group)."""
    hosts = list((task_vars.get("groups") or {}).get(GROUP) or [])
    if not hosts:
        return dict(macs={}, duplicates={})
    key = hashlib.sha1("\n".join(hosts).encode("utf-8")).hexdigest()[:16]
    directory = _spool.run_directory()
    path = os.path.join(directory, "site-index-%s.json" % key)
    index = _spool.read_json(path)
    if index is not None:
        return index
    fd = os.open(os.path.join(directory, ".site-index.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one worker resolves; the others wait and read its file
        index = _spool.read_json(path)
        if index is None:
            index = build_index(hosts, task_vars["hostvars"])
            _spool.write_json(path, index)
    finally:
        os.close(fd)
    return index


def build_index(hosts, hostvars):
    entries, macs = [], {}
    for host in hosts:
        host_vars = hostvars[host]
        mac = _mac(host_vars)
        macs[host] = mac
        entries.append((host, mac, sip_target(host_vars)))
    return dict(macs=macs, duplicates=find_duplicates(entries))


def _mac(host_vars):
    for name in ("dect_server_mac", "dect_mac"):
        value = host_vars.get(name)
        if value not in (None, ""):
            try:
                return normalize_mac(value)
            except IdentifierError:
                return None
    return None


def sip_target(host_vars):
    """``(host, port, user)`` a check-sync NOTIFY of this server goes to, resolved as the check_sync
    target is (``check_sync_target``); None when it has none."""
    try:
        target = check_sync_target(host_vars)
    except (SiteError, TypeError, ValueError):
        return None
    port = target.get("port")
    try:
        port = int(port) if port not in (None, "", 0, "0") else _DEFAULT_PORTS.get(target.get("transport"), 5060)
    except (TypeError, ValueError):
        return None
    return (str(target["host"]), port, str(target["user"]) if target.get("user") not in (None, "") else None)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of dect.provisioning.provisioning_log: its one argument spec (the module on the provisioning host
reads the logs once; its action plugin, with ``expect``, reads them again every ``interval`` until every expected
DECT server has fetched its files, or ``timeout`` seconds: plugins/action/provisioning_log.py), and the defaults of
one reading, from the provisioning_server role's local fact (``fact``) where the task gives none.

Runs on targets: Python 3.8 syntax, stdlib and ansible.module_utils only.
"""

from __future__ import annotations

import json

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.dect.provisioning.plugins.module_utils._io import FileIOError, read_if_exists

# The bounds of the wait: a rollout waits at most a day, reads at most every 10 minutes, for at most
# this many DECT servers with at most this many files each.
MAX_TIMEOUT = 86400
MAX_INTERVAL = 600
MAX_EXPECTED_SERVERS = 20000
MAX_EXPECTED_FILES = 64

# The options of one plain reading, passed on to the module on the host.
READ_OPTIONS = ("macs", "since", "path", "clients", "root", "nginx_log", "ftp_log", "tftp_log", "fact")
# Where a reading looks when neither the task nor the role's fact says.
DEFAULTS = dict(root="/srv/dect", path="", nginx_log="/var/log/nginx/dect-provisioning.access.log",
                ftp_log="/var/log/vsftpd.log", tftp_log="/var/log/syslog")
# The fact's log of each option, and the protocols whose requests that log holds.
_FACT_LOGS = (("nginx_log", "nginx", ("http", "https")), ("ftp_log", "ftp", ("ftp",)), ("tftp_log", "tftp", ("tftp",)))
MAX_FACT_BYTES = 64 * 1024

ARGUMENT_SPEC = ArgumentSpec(dict(
    macs=dict(type="list", elements="str"),
    since=dict(type="str"),
    path=dict(type="str"),
    clients=dict(type="dict"),
    root=dict(type="path"),
    nginx_log=dict(type="path"),
    ftp_log=dict(type="path"),
    tftp_log=dict(type="path"),
    fact=dict(type="path"),
    expect=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        mac=dict(type="str", required=True),
        files=dict(type="list", elements="str"),
        client=dict(type="str"),
        staged=dict(type="list", elements="str"),
    )),
    timeout=dict(type="int", default=300),
    interval=dict(type="int", default=2),
), mutually_exclusive=[("expect", "macs"), ("expect", "clients")])


class FactError(Exception):
    """The role's local fact cannot be used; the text names it."""


def reading_options(params):
    """``params`` with each of root, path and the logs as the task gives it, else from the role's local fact
    (``fact``), else its default (``DEFAULTS``)."""
    values = dict(params)
    fact = read_fact(params["fact"]) if params.get("fact") else DEFAULTS
    for name in DEFAULTS:
        if values.get(name) is None:
            values[name] = fact[name]
    return values


def read_fact(path):
    """What the provisioning_server role recorded on this host, ``{root, path, protocols, logs: {nginx, ftp,
    tftp}}`` (JSON), as options: the log of a protocol the role does not serve is not read."""
    try:
        data = read_if_exists(path, MAX_FACT_BYTES)
    except FileIOError as exc:
        raise FactError("fact: %s" % exc)
    if data is None:
        raise FactError("fact: %s does not exist (the provisioning_server role writes it)" % path)
    try:
        fact = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise FactError("fact: %s is not JSON: %s" % (path, exc))
    logs = fact.get("logs") if isinstance(fact, dict) else None
    protocols = fact.get("protocols") if isinstance(fact, dict) else None
    if not (isinstance(logs, dict) and isinstance(protocols, list) and isinstance(fact.get("root"), str)
            and all(isinstance(logs.get(kind, ""), str) for _name, kind, _served in _FACT_LOGS)):
        raise FactError("fact: %s does not hold {root, path, protocols, logs: {nginx, ftp, tftp}} as the "
                        "provisioning_server role writes it" % path)
    options = dict(root=fact["root"], path=str(fact.get("path") or ""))
    for name, kind, served in _FACT_LOGS:
        options[name] = logs.get(kind, "") if set(served) & set(protocols) else ""
    return options

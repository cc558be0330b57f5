# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one argument spec of dect.provisioning.provisioning_log: the module on the provisioning host reads
the logs once; its action plugin (with ``expect``) reads them again every ``interval`` until every expected
DECT server has fetched its files, or ``timeout`` seconds (plugins/action/provisioning_log.py).

Runs on targets: Python 3.8 syntax, stdlib and ansible.module_utils only.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec

# The bounds of the wait: a rollout waits at most a day, reads at most every 10 minutes, for at most
# this many DECT servers with at most this many files each.
MAX_TIMEOUT = 86400
MAX_INTERVAL = 600
MAX_EXPECTED_SERVERS = 20000
MAX_EXPECTED_FILES = 64

# The options of one plain reading, passed on to the module on the host.
READ_OPTIONS = ("macs", "since", "path", "clients", "root", "nginx_log", "ftp_log", "tftp_log")

ARGUMENT_SPEC = ArgumentSpec(dict(
    macs=dict(type="list", elements="str"),
    since=dict(type="str"),
    path=dict(type="str", default=""),
    clients=dict(type="dict"),
    root=dict(type="path", default="/srv/dect"),
    nginx_log=dict(type="path", default="/var/log/nginx/dect-provisioning.access.log"),
    ftp_log=dict(type="path", default="/var/log/vsftpd.log"),
    tftp_log=dict(type="path", default="/var/log/syslog"),
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

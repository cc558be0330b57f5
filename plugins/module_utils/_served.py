# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the provisioning hosts serve, and whether a DECT server's provisioning URL asks for it.

One home for the served path (the path of ``dect_provisioning_url``, under which the
provisioning_server role serves its root over HTTP(S) and TFTP), for what a provisioning host
serves (protocols, ports, path, the names a URL may call it by), and for the check of a URL
against that, used by the role's validation (site.yml, before anything is written) and by
playbooks/validate.yml (offline).

Which provisioning host a URL means: the URL's host, compared without case, against each
provisioning host's inventory name, its ``ansible_host`` and the entries of its
``dect_provisioning_names`` (DNS aliases, a virtual address). A URL naming none of them is
checked against every provisioning host, with a warning.
"""

from __future__ import annotations

import re

from ansible_collections.dect.provisioning.plugins.module_utils import _secrets
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    DEFAULT_PORTS,
    IdentifierError,
    parse_provisioning_url,
)

PROTOCOLS = ("tftp", "http", "https", "ftp")
# Segments of letters, digits and ._~- that do not start with '.': nothing a daemon's path
# handling could read as '..', a hidden name, an escape or a pattern.
_PATH = re.compile(r"^(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$")
PATH_RULE = ("'' (the root) or '/'-separated segments of letters, digits and ._~- not starting with '.'"
             " (as /dect or /boot/dect)")
# Protocols that serve the root under a path: vsftpd has no alias, and a symlink or a wider FTP root
# would expose more than the root, so FTP serves it only at '/'.
PATH_PROTOCOLS = ("tftp", "http", "https")
_MAX_NAMED = 5


class ServedError(ValueError):
    """A served path or provisioning host setting that cannot be used; the text names it."""


def url_served(url):
    """``{protocol, port, path}`` a URL asks for; ``path`` in served form ('' for the root).
    An empty URL is the role's default: TFTP on its port at the root."""
    if url in (None, ""):
        return {"protocol": "tftp", "port": DEFAULT_PORTS["tftp"], "path": ""}
    parsed = parse_provisioning_url(url)
    return {"protocol": parsed.protocol, "port": parsed.port, "path": parsed.path}


def check_path(value, protocols=(), variable="provisioning_server_path"):
    """The served path, checked: '' or ``/a/b``, served over TFTP and HTTP(S) only."""
    path = "" if value is None else str(value)
    if path == "/":
        path = ""
    if not _PATH.match(path):
        raise ServedError("%s: '%s' is refused: allowed %s" % (variable, path, PATH_RULE))
    refused = [p for p in protocols if p not in PATH_PROTOCOLS]
    if path and refused:
        raise ServedError(
            "%s: '%s' cannot be served over %s: vsftpd serves the root only at '/' (no alias; a link or a wider"
            " FTP root would expose more than the root); allowed '' with %s, or a path with %s only"
            % (variable, path, ", ".join(refused), ", ".join(refused), ", ".join(PATH_PROTOCOLS)))
    return path


def _get(host_vars, name, default=None):
    try:
        value = host_vars.get(name, default)
    except KeyError:
        return default
    return default if value is None else value


def served_by(host_vars):
    """What one provisioning host serves, from its variables: the role's variable where set, else the
    inventory variable it defaults to (as the role's defaults/main.yml), else the role's default.
    ``{name, names, protocols, ports: {protocol: port}, path}``."""
    name = str(_get(host_vars, "inventory_hostname", ""))
    url = _get(host_vars, "dect_provisioning_url", "")
    protocols = _get(host_vars, "provisioning_server_protocols")
    if protocols is None:
        protocols = _get(host_vars, "dect_provisioning_protocols")
    if protocols is None:
        protocols = [url_served(url)["protocol"]]
    if isinstance(protocols, str):
        protocols = [protocols]
    ports = {}
    for protocol in PROTOCOLS:
        value = _get(host_vars, "provisioning_server_%s_port" % protocol, DEFAULT_PORTS[protocol])
        try:
            ports[protocol] = int(value)
        except (TypeError, ValueError):
            raise ServedError("%s: provisioning_server_%s_port: '%s' is not a port number" % (name, protocol, value))
    path = _get(host_vars, "provisioning_server_path")
    if path is None:
        path = url_served(url)["path"]
    protocols = [str(p) for p in protocols]
    try:
        path = check_path(path, protocols)
    except ServedError as exc:
        raise ServedError("%s: %s" % (name, exc))
    extra = _get(host_vars, "dect_provisioning_names", [])
    if isinstance(extra, str) or not isinstance(extra, (list, tuple)):
        raise ServedError("%s: dect_provisioning_names: a list of host names and addresses is required, got %s"
                          % (name, type(extra).__name__))
    names = [name, _get(host_vars, "ansible_host", "")] + list(extra)
    return {"name": name, "names": sorted(set(str(n).strip("[]").lower() for n in names if n)),
            "protocols": protocols, "ports": ports, "path": path}


def url_of(host_vars):
    """``(variable, url)`` a DECT server is told to fetch from; ``(None, None)`` when it fetches from nowhere
    (no URL, or provisioning method ``disabled``)."""
    method = _get(host_vars, "dect_server_provisioning_method", _get(host_vars, "dect_provisioning_method", "dhcp"))
    if method == "disabled":
        return None, None
    for variable in ("dect_server_provisioning_url", "dect_provisioning_url"):
        url = _get(host_vars, variable, "")
        if url not in (None, ""):
            return variable, url
    return None, None


def _difference(wanted, host):
    """What of ``wanted`` ({protocol, port, path}) ``host`` does not serve; None when it serves it."""
    protocol = wanted["protocol"]
    if protocol not in host["protocols"]:
        return "scheme %s is not served by %s: allowed %s (provisioning_server_protocols)" % (
            protocol, host["name"], ", ".join(host["protocols"]))
    if wanted["port"] != host["ports"][protocol]:
        return "port %d is not where %s serves %s: allowed %d (provisioning_server_%s_port)" % (
            wanted["port"], host["name"], protocol, host["ports"][protocol], protocol)
    if wanted["path"] != host["path"]:
        return "path '%s' is not served by %s: allowed '%s' (provisioning_server_path)" % (
            wanted["path"] or "/", host["name"], host["path"] or "/")
    return None


def _names(servers):
    shown = ", ".join(servers[:_MAX_NAMED])
    return shown + (" and %d more" % (len(servers) - _MAX_NAMED) if len(servers) > _MAX_NAMED else "")


def url_problems(servers, hosts):
    """Each URL of ``servers`` (DECT servers' variables) against ``hosts`` (provisioning hosts' served
    records, ``served_by``). Returns ``{by_server: {server: [message]}, by_host: {host: [message]},
    warnings: [message]}``; ``by_host`` groups the servers of one URL in one message."""
    by_server, grouped, warnings = {}, {}, {}
    for host_vars in servers:
        server = str(_get(host_vars, "inventory_hostname", ""))
        variable, url = url_of(host_vars)
        if url is None or not hosts:
            continue
        shown = _secrets.mask_url(str(url))
        try:
            wanted = url_served(url)
            wanted["host"] = parse_provisioning_url(url).host.lower()
        except IdentifierError as exc:
            by_server.setdefault(server, []).append("%s: %s" % (variable, exc))
            continue
        matched = [h for h in hosts if wanted["host"] in h["names"]]
        if not matched:
            key = (variable, shown, wanted["host"])
            warnings.setdefault(key, []).append(server)
            matched = hosts
        for host in matched:
            difference = _difference(wanted, host)
            if difference:
                text = "%s '%s': %s" % (variable, shown, difference)
                by_server.setdefault(server, []).append(text)
                grouped.setdefault(host["name"], {}).setdefault(text, []).append(server)
    known = sorted(set(n for h in hosts for n in h["names"]))
    return {
        "by_server": by_server,
        "by_host": dict((host, ["%s: %s" % (_names(names), text) for text, names in texts.items()])
                        for host, texts in grouped.items()),
        "warnings": ["%s: %s '%s': host '%s' is none of the provisioning hosts' names (%s); checked against every"
                     " provisioning host - list it in dect_provisioning_names of the host that serves it"
                     % (_names(names), variable, shown, host, ", ".join(known))
                     for (variable, shown, host), names in warnings.items()],
    }

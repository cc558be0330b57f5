# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout's convergence: which DECT servers fetched what they had to, from provisioning_log results.

Controller side of the rollout wait in site.yml and of playbooks/report.yml. A file counts as
fetched when some provisioning host served it (``ok``) after it was last changed there (``current``)
and, for an image, the download was not incomplete (over TFTP completeness is unknown: accepted).
Only fetches under the served path count, and only from the server's own address where it is known
(provisioning_log's ``clients``); a missing file's line says what else was seen - a fetch from
another address (not credited), or the file asked for under a path that is not served, with its status.
"""

from __future__ import annotations

IMAGE_SUFFIX = ".bin"


def _best(entries):
    """Of one file's last requests on several hosts, the one that proves it best, else the latest."""
    good = [e for e in entries if _proves(e)]
    pool = good or entries
    return max(pool, key=lambda e: e["epoch"]) if pool else None


def _proves(entry):
    return bool(entry.get("ok")) and entry.get("current") is not False and entry.get("complete") is not False


def _requests_of(results, mac, table):
    """{file name: [entries]} of ``table`` (files, other_clients or elsewhere) of ``mac`` on every host."""
    files = {}
    for result in results or []:
        server = ((result or {}).get("servers") or {}).get(mac) or {}
        for key, entry in (server.get(table) or {}).items():
            files.setdefault(key.rsplit("/", 1)[-1], []).append(entry)
    return files


def converge(servers, results):
    """``servers``: [{name, mac, files, client}] - ``files`` the names it must fetch, or None (report: its
    config, users and firmware version files, and any image it started to fetch); ``client`` the address its
    fetches must come from (None: any; results read with provisioning_log's ``clients``).
    ``results``: the provisioning_log results of every provisioning host.
    Returns {rows: [{name, mac, fetched: {file: entry}, missing: [file], ...}], missing: [names], table}.
    """
    rows = []
    for server in servers:
        mac = server["mac"]
        fetched = dict((name, _best(entries)) for name, entries in sorted(_requests_of(results, mac, "files").items()))
        others = dict((name, _best(entries)) for name, entries in _requests_of(results, mac, "other_clients").items())
        elsewhere = dict((name, max(entries, key=lambda e: e["epoch"]))
                         for name, entries in _requests_of(results, mac, "elsewhere").items())
        wanted = server.get("files")
        if wanted is None:
            wanted = list(server.get("staged") or [])
            wanted += [name for name in fetched if name.endswith(IMAGE_SUFFIX) and name not in wanted]
        missing = [name for name in wanted if not (fetched.get(name) and _proves(fetched[name]))]
        rows.append({"name": server["name"], "mac": mac, "client": server.get("client"), "fetched": fetched,
                     "other_clients": others, "elsewhere": elsewhere, "wanted": list(wanted), "missing": missing})
    return {"rows": rows, "missing": [row["name"] for row in rows if row["missing"]], "table": table(rows)}


def _describe(entry):
    text = "%s %s %s %s" % (entry["time"], entry["protocol"], entry["client"], entry["status"])
    if entry.get("complete") is True:
        text += " complete"
    elif entry.get("complete") is False and entry.get("ok"):
        text += " INCOMPLETE (%s of %s bytes)" % (entry.get("bytes"), entry.get("staged_size"))
    if entry.get("current") is False:
        text += " (before the file last changed)"
    return text


def _status(entry):
    """``GET 404`` -> ``404``; other statuses (``HEAD 200``, ``NAK 1 File not found``) as they are."""
    status = str(entry.get("status", ""))
    return status[4:] if status.startswith("GET ") else status


def _state(row, name):
    entry = row["fetched"].get(name)
    asked = row["elsewhere"].get(name)
    if entry:
        state = _describe(entry)
    elif asked:
        state = "requested %s: %s (%s %s %s)" % (
            asked.get("path"), _status(asked), asked["time"], asked["protocol"], asked["client"])
    else:
        state = "never fetched"
    other = row["other_clients"].get(name)
    if other and not (entry and _proves(entry)):
        state += "; from another address than %s, not credited: %s" % (row.get("client"), _describe(other))
    return state


def table(rows):
    """One line per server and file: what it fetched and when, and what is still missing."""
    lines = [("server", "mac", "file", "fetched (UTC, protocol, client, status)")]
    for row in rows:
        names = list(row["wanted"]) + [n for n in row["fetched"] if n not in row["wanted"]]
        if not names:
            lines.append((row["name"], row["mac"], "-", "never fetched anything"))
        for index, name in enumerate(names):
            state = _state(row, name)
            if name in row["missing"]:
                state = "MISSING - " + state
            lines.append((row["name"] if index == 0 else "", row["mac"] if index == 0 else "", name, state))
    widths = [max(len(line[col]) for line in lines) for col in range(3)]
    return "\n".join("%-*s  %-*s  %-*s  %s" % (widths[0], a, widths[1], b, widths[2], c, d)
                     for a, b, c, d in lines).rstrip() + "\n"

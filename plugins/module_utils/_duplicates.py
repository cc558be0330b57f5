# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identities two DECT servers of one site must never share: the MAC (one device, one config; the
files are named after it) and the SIP check-sync target (a NOTIFY meant for one would reach the other).

One function over already-resolved identities, so that whoever resolves them (inventory variables
today, a server's SIP settings tomorrow) feeds the same check. Linear in the number of servers.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    format_mac,
    normalize_mac,
)


def find_duplicates(entries):
    """``entries``: ``(host, mac, target)`` per DECT server; ``mac`` any spelling or None (unknown),
    ``target`` a ``(host, port, user)`` tuple or None. Returns ``{host: message}`` for every server
    sharing a MAC or a target with another, the message naming all of them; others are absent."""
    by_mac, by_target = {}, {}
    for host, mac, target in entries:
        if mac not in (None, ""):
            try:
                by_mac.setdefault(normalize_mac(mac), []).append(host)
            except IdentifierError:
                pass  # an invalid MAC fails its own server, with its own message
        if target is not None:
            by_target.setdefault(tuple(_lower_host(target)), []).append(host)
    problems = {}
    shared = [("MAC %s (dect_mac) is also the MAC of %s: each DECT server needs its own device", format_mac, by_mac),
              ("SIP check-sync target %s is also the target of %s: a NOTIFY for one would reach the other",
               describe_target, by_target)]
    for text, show, groups in shared:
        for key, hosts in groups.items():
            if len(hosts) > 1:
                for host in hosts:
                    problems.setdefault(host, []).append(text % (show(key), ", ".join(h for h in hosts if h != host)))
    return dict((host, "%s: %s" % (host, "; ".join(messages))) for host, messages in problems.items())


def describe_target(target):
    """``(host, port, user)`` as ``user@host:port`` (IPv6 hosts in brackets)."""
    host, port, user = target
    shown = "[%s]" % host if ":" in str(host) else host
    return "%s%s:%s" % ("%s@" % user if user else "", shown, port)


def _lower_host(target):
    host, port, user = target
    return (str(host).lower(), port, user)

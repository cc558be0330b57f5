# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check-sync to many targets from one thread: a selector loop over NotifyExchange objects.

At most ``max_concurrent`` targets are in flight, and never more than the file descriptors the
process has free (its RLIMIT_NOFILE less those already open and a reserve): the others wait
for a slot. A socket() that still fails for want of a descriptor puts its target back in the
queue; it is never reported as "Too many open files" while another target can free one.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from collections import deque, namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._sip.exchange import (
    DEFAULT_MAX_MESSAGE_SIZE,
    NotifyExchange,
    resolve,
    result_for,
)
from ansible_collections.dect.provisioning.plugins.module_utils._sip.target import (
    SipConfigError,
    build_notify,
    new_branch,
    random_hex,
    targets_from_params,
)
from ansible_collections.dect.provisioning.plugins.module_utils._sip.transaction import T1, T2
from ansible_collections.dect.provisioning.plugins.module_utils._tls import client_context, tls_error_text
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import bracket_host

try:
    import resource
except ImportError:  # not POSIX: no descriptor limit to read; EMFILE still queues
    resource = None

DEFAULT_MAX_CONCURRENT = 256
# Descriptors left for what else the process opens meanwhile (resolver, CA files, the module's own).
DESCRIPTOR_RESERVE = 16


class _TlsContexts(object):
    """One ssl.SSLContext per (validate_certs, ca_path): 500 targets share a handful."""

    def __init__(self):
        self._contexts = {}

    def get(self, validate_certs, ca_path):
        key = (bool(validate_certs), ca_path)
        if key not in self._contexts:
            self._contexts[key] = client_context(ca_path, validate_certs)
        return self._contexts[key]


def check_max_concurrent(value):
    """Raise SipConfigError unless ``value`` is a usable number of targets in flight."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SipConfigError("max_concurrent: %r is not allowed: at least 1" % (value,))


def check_max_message_size(value):
    """Raise SipConfigError unless ``value`` is a usable cap on one SIP message, in bytes."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 16 * 1024 * 1024:
        raise SipConfigError("max_message_size: %r is not allowed: 1024 to 16777216 bytes" % (value,))


def free_descriptors():
    """File descriptors this process may still open (soft RLIMIT_NOFILE less those open), or None."""
    if resource is None:
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:
        return None
    return max(soft - in_use, 0)


def slots(max_concurrent, free=None):
    """How many targets may be in flight: ``max_concurrent``, or fewer when descriptors are short."""
    if free is None:
        return max_concurrent
    return max(1, min(max_concurrent, free - DESCRIPTOR_RESERVE))


def send_check_sync(targets, max_concurrent=DEFAULT_MAX_CONCURRENT, t1=T1, t2=T2, clock=time.monotonic,
                    max_message_size=DEFAULT_MAX_MESSAGE_SIZE):
    """Send check-sync to every Target concurrently; return one result dict per target, in order.

    One thread, one selector: at most ``slots(max_concurrent)`` targets are in flight (each
    holds a socket), the rest queue. Every target ends by its own ``timeout`` at the latest,
    counted from when it got its slot.
    """
    check_max_concurrent(max_concurrent)
    check_max_message_size(max_message_size)
    limit = slots(max_concurrent, free_descriptors())
    tls_contexts = _TlsContexts()
    exchanges = [NotifyExchange(target, tls_contexts, t1, t2, max_message_size) for target in targets]
    waiting = deque(exchanges)
    active = []
    selector = selectors.DefaultSelector()
    try:
        while waiting or active:
            while waiting and len(active) < limit:
                exchange = waiting.popleft()
                if not exchange.open(selector, clock()):
                    waiting.appendleft(exchange)
                    if not active:
                        exchange.give_up(clock(), "no file descriptor free (RLIMIT_NOFILE %s) and no other"
                                         " target in flight to free one" % _nofile_text())
                        waiting.popleft()
                        continue
                    limit = len(active)  # wait for one in flight to end
                    break
                if not exchange.done:
                    active.append(exchange)
            if not active:
                continue
            wakeup = min(exchange.wakeup_at() for exchange in active)
            for key, mask in selector.select(max(0.0, wakeup - clock())):
                key.data.on_ready(mask, clock())
            now = clock()
            for exchange in active:
                exchange.on_timer(now)
            active = [exchange for exchange in active if not exchange.done]
    finally:
        for exchange in exchanges:
            exchange.close()
        selector.close()
    return [exchange.result for exchange in exchanges]


def _nofile_text():
    if resource is None:
        return "unknown"
    return str(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def preview_check_sync(targets):
    """What ``send_check_sync`` would send, without sending anything (check mode).

    The local address is the one the routing table picks for each target (a UDP connect,
    which sends no packet); branch, tags, Call-ID and the local port are chosen afresh when
    the request is really sent.
    """
    results = []
    for target in targets:
        try:
            family, address = resolve(target)
            with socket.socket(family, socket.SOCK_DGRAM) as route_socket:
                if target.local_address:
                    route_socket.bind((target.local_address, 0))
                route_socket.connect(address)
                local = route_socket.getsockname()[:2]
        except (OSError, UnicodeError) as exc:
            results.append(result_for(target, reason="not sent (check mode)",
                                      error="cannot find a route to '%s': %s" % (target.host, tls_error_text(exc))))
            continue
        call_id = "%s@%s" % (random_hex(12), bracket_host(local[0]))
        message = build_notify(target, local, call_id, random_hex(8), new_branch(), 1)
        results.append(result_for(target, reason="not sent (check mode)",
                                  request=message.to_bytes().decode("utf-8")))
    return results


def describe_outcome(result):
    """One line for a result: ``1000@192.0.2.10:5060/udp: 404 Not Found`` or the error, the target
    preceded by its name when it has one (``ward-a (1000@192.0.2.10:5060/udp): ...``)."""
    who = "%s (%s)" % (result["name"], result["target"]) if result.get("name") else result["target"]
    if result["ok"]:
        return "%s: %d %s" % (who, result["status"], result["reason"])
    if result["status"] is not None and result["error"] and "answered %d" % result["status"] not in result["error"]:
        return "%s: %d %s (%s)" % (who, result["status"], result["reason"], result["error"])
    if result["status"] is not None:
        return "%s: %d %s" % (who, result["status"], result["reason"])
    return "%s: %s" % (who, result["error"])


def summarize_failures(results, limit=10):
    """The failure message of a check_sync call: how many failed, then each one (up to ``limit``)."""
    failed = [result for result in results if not result["ok"]]
    lines = [describe_outcome(result) for result in failed[:limit]]
    if len(failed) > limit:
        lines.append("... and %d more (see failed_targets)" % (len(failed) - limit))
    return "check-sync not acknowledged by %d of %d target(s): %s" % (len(failed), len(results), "; ".join(lines))


CheckSyncOutcome = namedtuple("CheckSyncOutcome", "result failure warning")
CheckSyncOutcome.__doc__ = """result: the module's return values; failure: the failure message, or
None; warning: a line to warn (failures reported without failing), or None."""


def run_check_sync(params, check_mode=False):
    """The check_sync module's work for its ``params``; a CheckSyncOutcome. Raises SipConfigError."""
    check_max_concurrent(params["max_concurrent"])
    check_max_message_size(params["max_message_size"])
    targets = targets_from_params(params)
    if not targets:
        return CheckSyncOutcome(dict(changed=False, results=[], failed_targets=[], msg="no targets: nothing sent"),
                                None, None)
    if check_mode:
        results = preview_check_sync(targets)
        failed = [result["target"] for result in results if result["error"]]
        return CheckSyncOutcome(dict(changed=True, results=results, failed_targets=failed,
                                     msg="would send check-sync to %d target(s)" % len(targets)), None, None)
    results = send_check_sync(targets, max_concurrent=params["max_concurrent"],
                              max_message_size=params["max_message_size"])
    failed = [result["target"] for result in results if not result["ok"]]
    result = dict(changed=any(result["attempts"] for result in results), results=results, failed_targets=failed,
                  msg="check-sync acknowledged by %d target(s)" % len(results))
    if not failed:
        return CheckSyncOutcome(result, None, None)
    result["msg"] = summarize_failures(results)
    if params["fail_on_error"]:
        return CheckSyncOutcome(result, result["msg"], None)
    return CheckSyncOutcome(result, None, result["msg"])

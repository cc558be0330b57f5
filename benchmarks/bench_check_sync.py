"""check_sync: 500 DECT servers notified in one task, against sipp on loopback.

Compared, in the same run, with what a user would otherwise write: a loop of one check_sync task
per server. The loop is measured over LOOP_ITEMS servers (default 50; BENCH_CHECK_SYNC_LOOP=500
measures all of them) and extrapolated to 500 from the per-item cost above a one-task playbook.
A second row times the fan-out inside Python against sending one target after another.
"""

from __future__ import annotations

import os

from ansible_collections.dect.provisioning.plugins.module_utils._sip.fanout import send_check_sync, summarize_failures
from ansible_collections.dect.provisioning.plugins.module_utils._sip.target import normalize_target
from benchmarks.common import row, timed, timed_playbook
from devtools.sipp import Sipp

SERVERS = 10            # sipp instances (UDP), each handling USERS_PER_SERVER extensions
USERS_PER_SERVER = 50
TARGETS = SERVERS * USERS_PER_SERVER
LOOP_ITEMS = int(os.environ.get("BENCH_CHECK_SYNC_LOOP", "50"))

ONE_TASK = """
- name: check_sync, one task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Notify every target at once
      dect.provisioning.check_sync:
        host: 127.0.0.1
        timeout: 10
        targets: "{{ targets }}"
"""

LOOP = """
- name: check_sync, one task per target
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Notify one target per loop item
      dect.provisioning.check_sync:
        host: 127.0.0.1
        port: "{{ item.port }}"
        user: "{{ item.user }}"
        timeout: 10
      loop: "{{ targets }}"
"""


def _targets(servers):
    return [{"port": server.port, "user": str(10000 + index * USERS_PER_SERVER + n)}
            for index, server in enumerate(servers) for n in range(USERS_PER_SERVER)]


def _all_ok(results):
    failed = [r for r in results if not r["ok"]]
    if failed:
        raise RuntimeError("benchmark targets failed: %s" % summarize_failures(results))


def run(workdir):
    servers = []
    try:
        for _index in range(SERVERS):
            servers.append(Sipp(workdir, "uas_200"))
        targets = _targets(servers)

        ours, _run = timed_playbook(ONE_TASK, workdir, "one_task", extra_vars={"targets": targets})
        empty, _run = timed_playbook(ONE_TASK, workdir, "one_task_empty", extra_vars={"targets": []})
        measured_items = min(LOOP_ITEMS, TARGETS)
        looped, _run = timed_playbook(LOOP, workdir, "loop", extra_vars={"targets": targets[:measured_items]})
        per_item = (looped - empty) / measured_items
        baseline = looped if measured_items == TARGETS else empty + per_item * TARGETS

        normalized = [normalize_target(dict(target, host="127.0.0.1", timeout=10)) for target in targets]
        fanout, results = timed(send_check_sync, normalized)
        _all_ok(results)

        def one_by_one():
            return [send_check_sync([target])[0] for target in normalized]

        sequential, results = timed(one_by_one)
        _all_ok(results)
    finally:
        for server in servers:
            server.stop()

    if measured_items == TARGETS:
        loop_note = "loop measured over all %d targets" % TARGETS
    else:
        loop_note = ("loop measured over %d targets (%.1f s, %.3f s per item above a %.1f s one-task playbook) "
                     "and extrapolated to %d; BENCH_CHECK_SYNC_LOOP=%d measures it all"
                     % (measured_items, looped, per_item, empty, TARGETS, TARGETS))
    return [
        row("check_sync: %d targets, one task" % TARGETS, ours,
            "one check_sync task per target (loop)", baseline,
            "%d sipp UDP peers x %d users on 127.0.0.1, every target answered 200; %s"
            % (SERVERS, USERS_PER_SERVER, loop_note)),
        row("check_sync: %d targets, module_utils fan-out" % TARGETS, fanout,
            "send_check_sync one target after another", sequential,
            "in-process, no Ansible: one selector loop vs %d sequential transactions on loopback "
            "(sub-millisecond RTT; the gap grows with real network latency)" % TARGETS),
    ]

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout wait: provisioning hosts reading their logs until every expected DECT server fetched.

A file served by any provisioning host counts, so the hosts must share what they read. The wait task
runs on every provisioning host at once, and each host's action plugin (plugins/action/provisioning_log.py)
runs in its own worker process on the controller. They meet in a ``Room``: a directory of the run's
private spool (plugin_utils/_spool: mode 0700, removed when the run ends or by the next run) named
after the task's uuid. In it

* the first host to arrive sets the wait's one deadline (``deadline.json``, made with a hard link, so it
  appears complete or not at all); every host reads it, so a host that starts late (more hosts than
  forks) waits no longer than the others;
* each host writes its latest reading (its ``servers``, atomically, mode 0600) every round and reads
  everyone's to see whether the merged result has converged;
* a host that is done (converged, or at the deadline) writes its reading once more as ``final`` and
  waits, bounded, until every host that arrived is final too; all of them then merge the same final
  readings, so every host ends with the same result.

Everything is bounded: the deadline, the wait for the others' final readings (``grace`` seconds past
the deadline), and each reading file read (``MAX_READING_BYTES``). The convergence itself (what counts
as fetched, the table) is plugin_utils/convergence.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
import uuid

from ansible_collections.dect.provisioning.plugins.plugin_utils import _spool
from ansible_collections.dect.provisioning.plugins.plugin_utils.convergence import converge

MAX_READING_BYTES = 64 * 1024 * 1024
DEADLINE = "deadline.json"
_PREFIX = "host-"
_UUID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class WaitError(Exception):
    """The room cannot be used (a name or a file that is not what it must be); the text says which."""


class Room:
    """Where the hosts running one wait task share their readings."""

    def __init__(self, task_uuid, directory=None):
        if not _UUID.match(str(task_uuid)):
            raise WaitError("task uuid '%s' cannot name a directory" % task_uuid)
        self.path = directory or _spool.private_directory("wait-%s" % task_uuid)

    def deadline(self, timeout, now=None):
        """The wait's end (epoch): ``now + timeout`` when this host is the first to ask, else what the
        first one set."""
        now = time.time() if now is None else now
        path = os.path.join(self.path, DEADLINE)
        temp = os.path.join(self.path, ".deadline.%s" % uuid.uuid4().hex)
        _spool.write_json(temp, dict(deadline=now + timeout))
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
        value = self._read(path).get("deadline")
        if not isinstance(value, (int, float)):
            raise WaitError("%s does not hold a deadline" % path)
        return float(value)

    def put(self, host, reading, final=False, failed=False):
        """This host's latest reading (a provisioning_log result's ``servers``, or None before the first)."""
        _spool.write_json(self._host_file(host), dict(host=host, final=final, failed=failed, reading=reading))

    def entries(self):
        """{host: {host, final, failed, reading}} of every host that arrived."""
        found = {}
        for name in sorted(os.listdir(self.path)):
            if name.startswith(_PREFIX) and name.endswith(".json"):
                entry = self._read(os.path.join(self.path, name))
                if isinstance(entry, dict) and "host" in entry:
                    found[entry["host"]] = entry
        return found

    def readings(self):
        """The latest reading of every host that has one, as provisioning_log results."""
        return [dict(servers=entry["reading"]) for _host, entry in sorted(self.entries().items())
                if isinstance(entry.get("reading"), dict)]

    def settle(self, until, pause=0.2, clock=time.time, sleep=time.sleep):
        """Until every host that arrived has written its final reading, or ``until`` (epoch); returns the
        hosts still not final."""
        while True:
            pending = sorted(host for host, entry in self.entries().items() if not entry.get("final"))
            now = clock()
            if not pending or now >= until:
                return pending
            sleep(min(pause, until - now))

    def _host_file(self, host):
        return os.path.join(self.path, "%s%s.json" % (_PREFIX, hashlib.sha1(host.encode("utf-8")).hexdigest()))

    def _read(self, path):
        """A JSON file of the room: a regular file (no symlink followed) of at most MAX_READING_BYTES."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise WaitError("cannot read %s: %s" % (path, exc))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_READING_BYTES:
                raise WaitError("%s is not a regular file of at most %d bytes" % (path, MAX_READING_BYTES))
            data = handle.read(MAX_READING_BYTES + 1)
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise WaitError("%s is not JSON: %s" % (path, exc))


def wait(room, host, servers, read, timeout, interval, grace=None, clock=time.time, sleep=time.sleep):
    """Read this host's logs (``read()``: one provisioning_log result) every ``interval`` seconds until the
    readings of every host in ``room`` show each of ``servers`` ([{name, mac, files, client}], see
    convergence.converge) fetched, or ``timeout`` seconds after the first host began; then merge the final
    readings of every host (waiting for them at most ``grace`` seconds past the deadline, default
    ``interval + 60``). Returns (the last reading of this host with ``rows``, ``missing`` and ``table`` of
    the merged result, the hosts whose final reading was not there in time). A failed reading ends it:
    that result is returned as it is, and the other hosts no longer wait for this one."""
    room.put(host, None)
    done = False
    latest = None
    try:
        deadline = room.deadline(timeout, clock())
        while True:
            result = read()
            if result.get("failed"):
                room.put(host, latest, final=True, failed=True)
                done = True
                return result, []
            latest = result.get("servers") or {}
            room.put(host, latest)
            now = clock()
            if not converge(servers, room.readings())["missing"] or now >= deadline:
                break
            sleep(max(min(interval, deadline - now), 0))
        room.put(host, latest, final=True)
        done = True
        grace = interval + 60 if grace is None else grace
        late = room.settle(max(deadline, clock()) + grace, clock=clock, sleep=sleep)
        merged = converge(servers, room.readings())
        return dict(result, rows=merged["rows"], missing=merged["missing"], table=merged["table"]), late
    finally:
        if not done:
            # Interrupted (a lost connection): the others must not wait for this host.
            room.put(host, latest, final=True, failed=True)

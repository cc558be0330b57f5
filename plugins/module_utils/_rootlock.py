# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One writer at a time in a provisioning root: publication and firmware staging alike.

The lock is ``flock()`` on the root directory itself: the kernel releases it when its holder ends,
however it ends (kill -9 included), so a killed run never leaves the root locked. A second writer
waits for it, at most ``timeout`` seconds, then fails naming the holder from the holder record
``.dect-provisioning.lock`` in the root: pid, host, when it took the lock and what it does. The
record is a dot file (never published, never served: the daemons serve device file names only),
written through :mod:`._io` (temp file, mode 0600, rename; a symlink planted at the name is replaced,
never followed) and removed on release; the temp file of a record whose writer was killed mid-write
is removed by the next holder. A record left by a killed run is only ever read while a live
process holds the lock, and it is shown as stale when its pid no longer runs.

Runs on targets: Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time

from ansible_collections.dect.provisioning.plugins.module_utils import _io

HOLDER_NAME = ".dect-provisioning.lock"
DEFAULT_TIMEOUT = 300
_POLL = 0.2
_RECORD_CAP = 4096


class RootLockError(Exception):
    """The root stayed locked by another run for the whole timeout (or cannot be locked)."""


class RootLock:
    """``with RootLock(root, "publishing 12 documents", timeout):`` holds ``root`` exclusively."""

    def __init__(self, root, doing, timeout=DEFAULT_TIMEOUT):
        self.root = root
        self.doing = doing
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.holder_path = os.path.join(root, HOLDER_NAME)
        self._fd = None

    def __enter__(self):
        try:
            fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise RootLockError("%s: cannot lock the provisioning root: %s" % (self.root, exc.strerror))
        deadline = time.monotonic() + max(0, self.timeout)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EINTR):
                    os.close(fd)
                    raise RootLockError("%s: cannot lock the provisioning root: %s" % (self.root, exc.strerror))
            if time.monotonic() >= deadline:
                os.close(fd)
                raise RootLockError("%s: another run holds the provisioning root (%s); waited %ss (lock_timeout)"
                                    % (self.root, self.holder(), self.timeout))
            time.sleep(_POLL)
        self._fd = fd
        try:
            self._write_record()
        except (_io.FileIOError, OSError):
            pass  # a full disk must not stop the run that holds the lock: only the record is missing
        return self

    def __exit__(self, *exc):
        try:
            _io.remove_if_exists(self.holder_path)
        except _io.FileIOError:
            pass
        os.close(self._fd)
        self._fd = None
        return False

    def _write_record(self):
        record = dict(pid=os.getpid(), host=socket.gethostname(), doing=self.doing,
                      started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        _io.remove_if_exists(self.holder_path)  # a symlink planted here is removed, never followed
        # The temp file of a record whose writer was killed mid-write: only the lock holder is here.
        _io.remove_leftovers(self.root, HOLDER_NAME)
        _io.write_atomic(self.holder_path, json.dumps(record).encode("utf-8"), mode=0o600)

    def holder(self):
        """What the holder record says of the current holder, for the timeout message."""
        try:
            data = _io.read_if_exists(self.holder_path, _RECORD_CAP)
            record = json.loads(data.decode("utf-8")) if data else None
        except (_io.FileIOError, ValueError, UnicodeDecodeError):
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("pid"), int):
            return "no holder record: a run just starting or ending, or a tool that keeps none"
        text = "pid %d on %s since %s, %s" % (record["pid"], record.get("host"), record.get("started"),
                                              record.get("doing"))
        if record.get("host") == socket.gethostname() and not _alive(record["pid"]):
            text += " (stale record: that process no longer runs)"
        return text


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where rendered documents wait between the publication engine's render and write steps.

The documents carry passwords, so they never travel in a task result (results are displayed,
logged and stored by AWX). They wait in Ansible's local temp directory of this run
(``C.DEFAULT_LOCAL_TMP``: created per ``ansible-playbook`` process with mode 0700, inherited by
every forked worker, removed when the run ends), one file per DECT server, mode 0600.

A run killed with SIGKILL never removes its local temp directory: the first spool of the next run
(the worker that creates the run's spool directory) removes every earlier run's spool of this
user whose ``ansible-playbook`` no longer runs (its pid and process start time are recorded in
``owner``). Directories are made 0700 and files 0600 whatever the umask.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import time
import uuid

from ansible import constants as C

from ansible_collections.dect.provisioning.plugins.module_utils import _io

_DIR_NAME = "dect-publication"
_DOCUMENTS = "documents.json"
_OWNER = "owner"
_LOCAL_PREFIX = "ansible-local-"


def _directory(host=None, create=False):
    """The run's spool, or (with ``host``) that DECT server's own directory in it: a server's steps
    never scan what the rest of the batch left. Only the render step creates them."""
    path = run_directory() if create else os.path.join(C.DEFAULT_LOCAL_TMP, _DIR_NAME)
    if host is not None:
        path = os.path.join(path, _key(host))
        if create:
            _mkdir_private(path)
    return path


def run_directory():
    """The run's spool directory, created (0700) on first use; its creator sweeps killed runs' spools."""
    path = os.path.join(C.DEFAULT_LOCAL_TMP, _DIR_NAME)
    if _mkdir_private(path):
        # The run is ansible-playbook's main process: a worker's parent, or this process itself.
        pid = os.getppid() if multiprocessing.parent_process() is not None else os.getpid()
        _write(os.path.join(path, _OWNER), dict(pid=pid, start=_process_start(pid)))
        sweep_leftovers()
    return path


def private_directory(name):
    """A directory ``name`` of the run's spool (0700), created on first use: the rollout wait's meeting
    place of one task (plugin_utils/_wait.py). Gone with the run, like the rest of the spool."""
    path = os.path.join(run_directory(), name)
    _mkdir_private(path)
    return path


def _mkdir_private(path):
    """True when this call created ``path``."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        return False
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
        return _mkdir_private(path)
    os.chmod(path, 0o700)
    return True


def sweep_leftovers():
    """Remove the spools of earlier runs (siblings of this run's local temp dir) whose process is gone.
    Returns the directories removed."""
    here = os.path.realpath(C.DEFAULT_LOCAL_TMP)
    parent = os.path.dirname(here)
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        run_dir = os.path.join(parent, name)
        spool = os.path.join(run_dir, _DIR_NAME)
        if not name.startswith(_LOCAL_PREFIX) or run_dir == here:
            continue
        try:
            info = os.lstat(spool)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        if _owner_alive(spool):
            continue
        shutil.rmtree(spool, ignore_errors=True)
        removed.append(spool)
    return removed


def _owner_alive(spool):
    owner = _read(os.path.join(spool, _OWNER)) if os.path.isfile(os.path.join(spool, _OWNER)) else None
    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        # A spool without an owner record (an older collection, or killed while writing it): gone
        # when its run's directory has not changed for a day.
        try:
            return os.lstat(spool).st_mtime > time.time() - 86400
        except OSError:
            return False
    return _process_start(owner["pid"]) == owner.get("start") and owner.get("start") is not None


def _process_start(pid):
    """The start time of process ``pid`` (clock ticks since boot, /proc), None when it does not run."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            data = handle.read(4096)
    except OSError:
        return None
    try:
        return int(data[data.rindex(b")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def read_json(path):
    """A JSON file of the spool, or None when absent."""
    return _read(path)


def write_json(path, record):
    """Write a JSON file of the spool (mode 0600, atomic)."""
    _write(path, record)


def _key(name):
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


def _write(path, record):
    """Through ``_io`` (no symlink followed, mode 0600 before the rename); no fsync: the spool dies
    with the run."""
    _io.write_atomic(path, json.dumps(record).encode("utf-8"), mode=0o600, sync=False)


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def put(host, record):
    """Keep ``record`` (JSON-able: the server's rendered documents) for ``host``, replacing what an
    earlier render kept; the outcomes of that earlier render no longer count (``outcomes``)."""
    record = dict(record, token=uuid.uuid4().hex)
    _write(os.path.join(_directory(host, create=True), _DOCUMENTS), record)
    return record["token"]


def get(host):
    """What the render step kept for ``host`` in this run, or None."""
    return _read(os.path.join(_directory(host), _DOCUMENTS))


def drop(host):
    """Forget the documents kept for ``host`` (they carry passwords: gone once reported)."""
    try:
        os.unlink(os.path.join(_directory(host), _DOCUMENTS))
    except FileNotFoundError:
        pass


def put_outcome(host, where, token, outcome):
    """What provisioning host ``where`` did with the documents ``host`` kept under ``token``."""
    _write(os.path.join(_directory(host), "out-%s.json" % _key(where)), dict(outcome, token=token))


def outcomes(host, token):
    """{provisioning host: outcome} for the documents ``host`` kept under ``token`` (older ones, of
    an earlier render in this run, are ignored: directories are never removed while the run lasts,
    which costs a server's steps far more than the files they hold)."""
    directory = _directory(host)
    found = {}
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return found
    for name in names:
        if name.startswith("out-"):
            outcome = _read(os.path.join(directory, name))
            if outcome is not None and outcome.get("token") == token:
                found[outcome["where"]] = outcome
    return found


def mark_done(what, where):
    """Remember that ``what`` was done for provisioning host ``where`` in this run."""
    _write(os.path.join(run_directory(), "done-%s-%s" % (what, _key(where))), dict(where=where))


def is_done(what, where):
    """Whether ``mark_done(what, where)`` was called earlier in this run."""
    return os.path.exists(os.path.join(C.DEFAULT_LOCAL_TMP, _DIR_NAME, "done-%s-%s" % (what, _key(where))))

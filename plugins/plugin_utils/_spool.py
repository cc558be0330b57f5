# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where rendered documents wait between the publication engine's render and write steps.

The documents carry passwords, so they never travel in a task result (results are displayed,
logged and stored by AWX). They wait in Ansible's local temp directory of this run
(``C.DEFAULT_LOCAL_TMP``: created per ``ansible-playbook`` process with mode 0700, inherited by
every forked worker, removed when the run ends), one file per DECT server, mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile

from ansible import constants as C

_DIR_NAME = "dect-publication"


def _directory(host=None):
    """The run's spool, or (with ``host``) that DECT server's own directory in it: a server's steps
    never scan what the rest of the batch left."""
    path = os.path.join(C.DEFAULT_LOCAL_TMP, _DIR_NAME)
    if host is not None:
        path = os.path.join(path, _key(host))
    try:
        os.makedirs(path, 0o700)
    except FileExistsError:
        pass
    return path


def _key(name):
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


def _write(path, record):
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".spool.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.rename(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def put(host, record):
    """Keep ``record`` (JSON-able: the server's rendered documents) for ``host``."""
    _write(os.path.join(_directory(host), "documents.json"), record)


def get(host):
    """What the render step kept for ``host`` in this run, or None."""
    return _read(os.path.join(_directory(host), "documents.json"))


def drop(host):
    """Forget everything kept for ``host`` (its documents and its outcomes)."""
    shutil.rmtree(_directory(host), ignore_errors=True)


def put_outcome(host, where, outcome):
    """What provisioning host ``where`` did with ``host``'s documents (the write step's answer)."""
    _write(os.path.join(_directory(host), "out-%s.json" % _key(where)), outcome)


def outcomes(host):
    """{provisioning host: outcome} kept for ``host`` in this run."""
    directory = _directory(host)
    found = {}
    for name in sorted(os.listdir(directory)):
        if name.startswith("out-"):
            outcome = _read(os.path.join(directory, name))
            if outcome is not None:
                found[outcome["where"]] = outcome
    return found

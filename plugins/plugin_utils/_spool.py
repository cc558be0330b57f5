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
import tempfile
import uuid

from ansible import constants as C

_DIR_NAME = "dect-publication"
_DOCUMENTS = "documents.json"


def _directory(host=None, create=False):
    """The run's spool, or (with ``host``) that DECT server's own directory in it: a server's steps
    never scan what the rest of the batch left. Only the render step creates them."""
    path = os.path.join(C.DEFAULT_LOCAL_TMP, _DIR_NAME)
    if host is not None:
        path = os.path.join(path, _key(host))
    if create:
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

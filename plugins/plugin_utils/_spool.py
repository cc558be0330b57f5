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

from ansible import constants as C

_DIR_NAME = "dect-publication"


def _directory():
    path = os.path.join(C.DEFAULT_LOCAL_TMP, _DIR_NAME)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    return path


def _key(host):
    return hashlib.sha1(host.encode("utf-8")).hexdigest()


def _path(host, suffix=".json"):
    return os.path.join(_directory(), _key(host) + suffix)


def put(host, record, suffix=".json"):
    """Keep ``record`` (JSON-able) for ``host``, replacing what an earlier step kept."""
    target = _path(host, suffix)
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".spool.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.rename(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def get(host, suffix=".json"):
    """What was kept for ``host`` in this run, or None."""
    try:
        with open(_path(host, suffix), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def drop(host):
    """Forget everything kept for ``host`` (its documents and its outcomes)."""
    prefix = _key(host) + "."
    for name in os.listdir(_directory()):
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(_directory(), name))
            except FileNotFoundError:
                pass


def put_outcome(host, where, outcome):
    """What provisioning host ``where`` did with ``host``'s documents (the write step's answer)."""
    put(host, outcome, suffix=".out-%s.json" % _key(where))


def outcomes(host):
    """{provisioning host: outcome} kept for ``host`` in this run."""
    prefix = _key(host) + ".out-"
    found = {}
    for name in sorted(os.listdir(_directory())):
        if name.startswith(prefix):
            try:
                with open(os.path.join(_directory(), name), encoding="utf-8") as handle:
                    outcome = json.load(handle)
            except FileNotFoundError:
                continue
            found[outcome["where"]] = outcome
    return found

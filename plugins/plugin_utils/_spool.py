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


def _path(host):
    return os.path.join(_directory(), hashlib.sha1(host.encode("utf-8")).hexdigest() + ".json")


def put(host, record):
    """Keep ``record`` (JSON-able) for ``host``, replacing what an earlier step kept."""
    target = _path(host)
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


def get(host):
    """What was kept for ``host`` in this run, or None."""
    try:
        with open(_path(host), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def drop(host):
    try:
        os.unlink(_path(host))
    except FileNotFoundError:
        pass

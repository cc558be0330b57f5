# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each DECT server was last told about: the durable "to be notified" state of a provisioning root.

A change must stay "to be notified" until a NOTIFY for it was acknowledged, whatever stops a run
between publishing a file and sending its check-sync (a failed batch, an unreachable host, kill -9,
an AWX cancel). The files themselves are the durable half of that state: every write is a rename
of a new file, so a file's *generation* (inode and modification time) changes exactly when it is
rewritten. The other half is one small record per DECT server, written only after its NOTIFY was
acknowledged: the generation of each of its files (config, users, the ``.ver`` of each firmware
image it is told about) that the NOTIFY covered.

A server is *pending* on a root while any of its files there differs from its record (or it has no
record yet). Nothing is written when a file changes, so no interruption can lose the state; a
concurrent run that rewrites a file after a record was taken leaves the server pending again.

The records live beside the root, never in it: ``<parent>/.<root name>.notified/<mac>.json`` for the
root ``<parent>/<root name>`` (directory 0700, files 0600), out of reach of the serving daemons and of
the provisioning_server role's permission fix of the root. Runs on targets: Python 3.8 syntax,
stdlib only.
"""

from __future__ import annotations

import json
import os
import re

from ansible_collections.dect.provisioning.plugins.module_utils import _io

STATE_SUFFIX = ".notified"
RECORD_CAP = 64 * 1024
_MAC = re.compile(r"^[0-9a-f]{12}$")
_NAME = re.compile(r"^[^./\x00][^/\x00]*$")


class NotifiedError(Exception):
    """A record or an option that cannot be used; the message names it."""


def generation(root, name):
    """The generation of ``<root>/<name>``: ``"<inode>:<mtime_ns>"``, or None when it is absent."""
    try:
        info = _io.check_destination(os.path.join(root, name))
    except _io.FileIOError as exc:
        raise NotifiedError(str(exc))
    if info is None:
        return None
    return "%d:%d" % (info.st_ino, info.st_mtime_ns)


def _generation_or_none(root, name):
    try:
        return generation(root, name)
    except NotifiedError:
        return None


def check_servers(servers, option):
    """``[{mac, files}]``: each MAC 12 lowercase hex digits, each file a plain name in the root."""
    for index, server in enumerate(servers or []):
        if not _MAC.match(server.get("mac") or ""):
            raise NotifiedError("%s[%d].mac: '%s' is not allowed: 12 lowercase hex digits"
                                % (option, index, server.get("mac")))
        for name in server.get("files") or []:
            if not _NAME.match(name):
                raise NotifiedError("%s[%d].files: '%s' is not allowed: a plain file name in the root"
                                    % (option, index, name))


def pending(root, servers):
    """``{mac: {"files": {name: generation}, "pending": [names]}}`` for every server of ``servers``
    (``[{mac, files}]``) with a file that differs from its record, in the order of its files.

    Never fails for one server: a name that is not a regular file (refused for that file by the
    publication) counts as absent, and a record that cannot be read (a symlink planted at its name,
    damage) leaves the server pending; the acknowledge step then replaces it."""
    check_servers(servers, "track")
    found = {}
    for server in servers or []:
        current = dict((name, _generation_or_none(root, name)) for name in server["files"])
        try:
            recorded = _read(root, server["mac"])
        except NotifiedError:
            recorded = {}
        names = [name for name in server["files"] if current[name] is not None and recorded.get(name) != current[name]]
        if names:
            found[server["mac"]] = dict(files=current, pending=names)
    return found


def acknowledge(root, servers, check_mode=False):
    """Record, per server ``{mac, files: {name: generation}}``, what its acknowledged NOTIFY covered.

    Returns the MACs whose record changed. A record is replaced atomically (0600, never through a
    symlink); the state directory is created 0700 when missing.
    """
    check_servers([dict(mac=server.get("mac"), files=list((server.get("files") or {}).keys())) for server in servers or []],
                  "notified")
    written = []
    for server in servers or []:
        files = dict((name, gen) for name, gen in server["files"].items() if gen is not None)
        try:
            if _read(root, server["mac"]) == files:
                continue
        except NotifiedError:
            pass  # unreadable (a symlink planted at its name): replaced below, never followed
        written.append(server["mac"])
        if check_mode:
            continue
        directory = _state_dir(root, create=True)
        try:
            _io.write_atomic(os.path.join(directory, server["mac"] + ".json"),
                             json.dumps(dict(files=files), sort_keys=True).encode("ascii"), mode=0o600)
        except _io.FileIOError as exc:
            raise NotifiedError(str(exc))
    return written


def forget(root, macs, check_mode=False):
    """Remove the records of ``macs`` (servers whose documents were withdrawn)."""
    removed = []
    directory = _state_dir(root)
    if directory is None:
        return removed
    for mac in macs:
        path = os.path.join(directory, mac + ".json")
        try:
            if _io.check_destination(path) is not None:
                removed.append(mac)
                if not check_mode:
                    _io.remove_if_exists(path)
        except _io.FileIOError as exc:
            raise NotifiedError(str(exc))
    return removed


def state_dir(root):
    """Where the records of ``root`` live: a hidden directory beside it."""
    root = os.path.normpath(root)
    return os.path.join(os.path.dirname(root), "." + os.path.basename(root) + STATE_SUFFIX)


def _state_dir(root, create=False):
    path = state_dir(root)
    if _io.lstat_or_none(path) is None:
        if not create:
            return None
        try:
            os.mkdir(path, 0o700)  # mkdir never follows a symlink at the name
        except FileExistsError:
            pass
        except OSError as exc:
            raise NotifiedError("%s: cannot create the notification records' directory: %s" % (path, exc.strerror))
    try:
        _io.check_directory(path, "notification records' directory")
    except _io.FileIOError as exc:
        raise NotifiedError(str(exc))
    return path


def _read(root, mac):
    """The files of ``mac``'s record, ``{}`` when there is none or it is unreadable as one."""
    directory = _state_dir(root)
    if directory is None:
        return {}
    try:
        data = _io.read_if_exists(os.path.join(directory, mac + ".json"), RECORD_CAP)
    except _io.FileIOError as exc:
        raise NotifiedError(str(exc))
    if data is None:
        return {}
    try:
        files = json.loads(data.decode("ascii")).get("files")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return {}  # a damaged record only makes the server pending again
    return files if isinstance(files, dict) else {}

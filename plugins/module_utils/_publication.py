# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publication of many DECT servers' documents into one provisioning root, in one module call.

The ``dect.provisioning.publish`` action sends a manifest: for every document its file name, its
sha1 and (only when it must be written) its content. This side, on the provisioning host:

1. validates everything before touching anything (root, names, mode, owner, group, backup dir);
2. takes the root's lock (:mod:`._rootlock`: waited for at most ``lock_timeout``), so two runs
   never interleave;
3. per file, in the order given (users before config): removes temp files an interrupted run left,
   refuses a symlink or non-regular file at the name, compares content and attributes, and writes
   through :mod:`._io` (temp file, attributes, rename) only what differs.

A file's failure is reported for that file; the others are still published. Runs on targets:
Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import hashlib
import os
import re
import time

from ansible_collections.dect.provisioning.plugins.module_utils import _io
from ansible_collections.dect.provisioning.plugins.module_utils._rootlock import DEFAULT_TIMEOUT, RootLock, RootLockError
from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec, file_options

# A plain file name in the root: no directory part, not hidden (temp files and anything the daemons
# must not serve are dot files), not one of our temp names.
FILE_NAME = re.compile(r"^[^./\x00][^/\x00]*$")
# A DECT server's documents, by the normalised MAC they begin with.
DEVICE_DOCUMENT = re.compile(r"^[0-9a-f]{12}-(config|users)\.xml$")
DEFAULT_MODE = "0640"
# What the module returns of a file's current content for a diff (larger files are summarised as sizes).
BEFORE_CAP = 4 * 1024 * 1024
READ_CAP = 64 * 1024 * 1024


class PublicationError(Exception):
    """The whole publication is refused (bad root, option or manifest); nothing was written."""


# The publish module's one argument spec (its action plugin validates every step with it).
# ``unsafe_writes`` is Ansible's own option, with its ANSIBLE_UNSAFE_WRITES fallback.
ARGUMENT_SPEC = ArgumentSpec(
    dict(
        step=dict(type="str", default="write", choices=["render", "write", "report", "acknowledge"]),
        dest=dict(type="path"),
        files=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            checksum=dict(type="str"),
            content=dict(type="str", no_log=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        )),
        mode=dict(type="raw", default=DEFAULT_MODE),
        backup=dict(type="bool", default=False),
        backup_dir=dict(type="path"),
        servers=dict(type="list", elements="str"),
        track=dict(type="list", elements="dict", options=dict(
            mac=dict(type="str", required=True),
            files=dict(type="list", elements="str", required=True),
        )),
        notified=dict(type="list", elements="dict", options=dict(
            mac=dict(type="str", required=True),
            files=dict(type="dict", required=True),
        )),
        mac=dict(type="str"),
        model=dict(type="str"),
        config=dict(type="dict"),
        users=dict(type="dict"),
        server=dict(type="dict", no_log=True),
        firmware_changed=dict(type="dict"),
        check_sync=dict(type="bool", default=False),
        lock_timeout=dict(type="int", default=DEFAULT_TIMEOUT),
        site_macs=dict(type="list", elements="str", no_log=False),
        withdraw_stale=dict(type="bool", default=False),
        **file_options("owner", "group", "unsafe_writes")
    ),
    required_if=[
        ("step", "write", ("dest",)),
        ("step", "acknowledge", ("dest",)),
        ("step", "render", ("mac", "server"), True),
    ],
    required_by=dict(mac=("model", "config")),
    mutually_exclusive=[("server", "mac"), ("server", "model"), ("server", "config"), ("server", "users")],
)


def check_manifest(root, files, mode, owner, group, backup_dir, check_mode=False):
    """Every refusal that applies to the whole call, before anything is touched."""
    try:
        if not (check_mode and _io.lstat_or_none(root) is None):  # check mode previews a new root
            _io.check_directory(root, "provisioning root (dest)")
        mode = _io.parse_mode(mode)
        _io.resolve_owner(owner)
        _io.resolve_group(group)
    except _io.FileIOError as exc:
        raise PublicationError(str(exc))
    if mode is not None and mode & 0o007:
        raise PublicationError("mode: '%s' makes the documents world-accessible; they carry passwords:"
                               " allowed are modes without permissions for others, such as 0640" % _octal(mode))
    if backup_dir:
        try:
            missing = _io.lstat_or_none(backup_dir) is None
            if missing and not check_mode and os.path.isdir(os.path.dirname(backup_dir.rstrip("/"))):
                os.mkdir(backup_dir, 0o700)  # a new backup dir is private; mkdir never follows a symlink
            if not (missing and check_mode):
                _io.check_directory(backup_dir, "backup_dir")
        except _io.FileIOError as exc:
            raise PublicationError(str(exc))
        inside = os.path.realpath(backup_dir) + os.sep
        if inside.startswith(os.path.realpath(root) + os.sep) or os.path.realpath(backup_dir) == os.path.realpath(root):
            raise PublicationError("backup_dir: '%s' is inside the provisioning root '%s', where devices could fetch"
                                   " the backups; allowed is a directory outside it" % (backup_dir, root))
    seen = set()
    for index, entry in enumerate(files):
        name = entry["name"]
        if not FILE_NAME.match(name) or name.endswith(_io.TEMP_SUFFIX):
            raise PublicationError("files[%d].name: '%s' is not allowed: a plain file name in the root, not"
                                   " hidden and not ending in %s" % (index, name, _io.TEMP_SUFFIX))
        if name in seen:
            raise PublicationError("files[%d].name: '%s' is listed twice" % (index, name))
        seen.add(name)
        if entry.get("state", "present") == "absent":
            continue
        if not re.match(r"^[0-9a-f]{40}$", entry.get("checksum") or ""):
            raise PublicationError("files[%d].checksum: not a sha1 hex digest" % index)
        if entry.get("content") is not None and sha1_text(entry["content"]) != entry["checksum"]:
            raise PublicationError("files[%d].content: does not match its checksum" % index)
    return mode


def write_files(root, files, mode=DEFAULT_MODE, owner=None, group=None, backup_dir=None, check_mode=False,
                want_before=False, unsafe_writes=False, lock_timeout=DEFAULT_TIMEOUT, site_macs=None):
    """Compare (and, with content, write) ``files`` in ``root``; returns {name: report}.

    A report has ``state`` (``unchanged``, ``created``, ``updated``, ``attributes``; ``failed``
    with ``msg``), ``changed``, ``written`` and, with ``want_before``, ``before`` (the current text,
    when it differs and is not too large). ``unsafe_writes`` lets a file that cannot be replaced
    by a rename (a bind mount) be written in place (see :func:`._io.replace`). With ``site_macs``
    (every MAC of the site), the documents of any other MAC are withdrawn (:func:`stale_documents`).
    """
    mode = check_manifest(root, files, mode, owner, group, backup_dir, check_mode)
    if check_mode and _io.lstat_or_none(root) is None:
        return dict((entry["name"], dict(state="created", changed=True, written=False)) for entry in files
                    if entry.get("state", "present") != "absent")
    if site_macs is not None:
        listed = set(entry["name"] for entry in files)
        files = list(files) + [dict(name=name, state="absent", stale=True)
                               for name in stale_documents(root, site_macs) if name not in listed]
    if check_mode:
        return _write_all(root, files, mode, owner, group, backup_dir, check_mode, want_before, unsafe_writes)
    try:
        with RootLock(root, "publishing %d document(s)" % len(files), lock_timeout):
            return _write_all(root, files, mode, owner, group, backup_dir, check_mode, want_before, unsafe_writes)
    except RootLockError as exc:
        raise PublicationError(str(exc))


def stale_documents(root, site_macs):
    """The ``<mac>-config.xml`` / ``<mac>-users.xml`` in ``root`` of MACs not in ``site_macs`` (12 lower
    hex digits each): documents of servers gone from inventory, or of replaced hardware."""
    keep = set(mac.lower() for mac in site_macs)
    try:
        names = os.listdir(root)
    except OSError as exc:
        raise PublicationError("%s: cannot list the provisioning root: %s" % (root, exc.strerror))
    return sorted(name for name in names if DEVICE_DOCUMENT.match(name) and name[:12] not in keep)


def _write_all(root, files, mode, owner, group, backup_dir, check_mode, want_before, unsafe_writes):
    reports = {}
    for entry in files:
        try:
            reports[entry["name"]] = _one(root, entry, mode, owner, group, backup_dir, check_mode, want_before,
                                          unsafe_writes)
        except _io.FileIOError as exc:
            reports[entry["name"]] = dict(state="failed", changed=False, written=False, msg=str(exc))
        except OSError as exc:  # whatever the helpers did not name: still this file's failure only
            reports[entry["name"]] = dict(state="failed", changed=False, written=False,
                                          msg="%s: %s" % (os.path.join(root, entry["name"]), exc.strerror or exc))
        if entry.get("stale"):
            reports[entry["name"]]["stale"] = True
    return reports


def _one(root, entry, mode, owner, group, backup_dir, check_mode, want_before, unsafe_writes):
    name = entry["name"]
    path = os.path.join(root, name)
    if not check_mode:
        _io.remove_leftovers(root, name)
    info = _io.check_destination(path)
    if entry.get("state", "present") == "absent":
        return _absent(path, info, check_mode, want_before)
    current = None
    if info is not None:
        current, dummy = _io.hash_file(path, "sha1")
    if current == entry["checksum"]:
        if not _io.attributes_differ(info, mode, owner, group):
            return dict(state="unchanged", changed=False, written=False)
        if not check_mode:
            _io.set_attributes(path, mode, owner, group)
        return dict(state="attributes", changed=True, written=not check_mode)
    report = dict(state="created" if info is None else "updated", changed=True, written=False)
    if want_before and info is not None:
        if info.st_size <= BEFORE_CAP:
            report["before"] = _io.read_if_exists(path, BEFORE_CAP).decode("utf-8", "replace")
        else:
            report["before_size"] = info.st_size
    content = entry.get("content")
    if check_mode or content is None:
        return report
    if backup_dir and info is not None:
        report["backup_file"] = _backup(path, backup_dir, owner, group)
    _io.write_atomic(path, content.encode("utf-8"), mode=mode, owner=owner, group=group, unsafe_writes=unsafe_writes)
    report["written"] = True
    return report


def _absent(path, info, check_mode, want_before):
    if info is None:
        return dict(state="absent", changed=False, written=False)
    report = dict(state="removed", changed=True, written=False)
    if want_before:
        report["before_size"] = info.st_size
    if not check_mode:
        report["written"] = _io.remove_if_exists(path)
    return report


def _backup(path, backup_dir, owner, group):
    data = _io.read_if_exists(path, READ_CAP)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = os.path.join(backup_dir, "%s.%s.%s" % (os.path.basename(path), stamp, os.urandom(3).hex()))
    _io.write_atomic(target, data, mode=0o600, owner=owner, group=None)
    return target


def _octal(mode):
    return "%04o" % mode


def sha1_text(text):
    """The checksum the manifest carries for a document's text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the provisioning_server role owns on a provisioning host, read as data and ensured in one pass.

A group and its members, directories (and the permissions of everything below one), files with
their content: each is compared with the host as it is (``lstat``, never following a symlink; the
accounts named, never a listing of all of them), and only what differs is written, each attribute
once. Everything is read and checked before anything is written, so a refused item (a symlink where
a file or directory belongs) leaves the host untouched. Files are written through ``_io`` (temp file,
attributes, atomic rename). Each item reports what changed, and the ``notify`` labels of the items
that changed are collected for the caller (the role's handlers).

Runs on targets: Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import stat

from ansible_collections.dect.provisioning.plugins.module_utils import _io

MAX_FILE_SIZE = 4 * 1024 * 1024
# Below a directory with ``contents``: u=rwX,g=rX,o-w (setuid/setgid cleared, sticky and others' read kept).
CLEARED_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_IRWXU | stat.S_IRWXG | stat.S_IWOTH
LISTED_FIXES = 20


class HostStateError(Exception):
    """An item that cannot be ensured; the message names the option and the path."""


def file_bytes(item):
    """The bytes a file item wants: ``content`` as UTF-8, or ``data`` as JSON (sorted keys, indent 2)."""
    if item.get("data") is not None:
        return (json.dumps(item["data"], indent=2, sort_keys=True) + "\n").encode("utf-8")
    return (item.get("content") or "").encode("utf-8")


def wanted_tree_mode(info):
    """The mode ``u=rwX,g=rX,o-w`` gives the entry described by ``info``."""
    mode = stat.S_IMODE(info.st_mode)
    executable = stat.S_ISDIR(info.st_mode) or mode & 0o111
    return (mode & ~CLEARED_BITS) | 0o640 | (0o110 if executable else 0)


def _attrs_text(mode, uid, gid):
    return "mode %s, owner %s, group %s\n" % ("-" if mode is None else "%04o" % mode, uid, gid)


class HostState:
    """One pass over ``params`` (the module's options): :meth:`plan` reads and compares, :meth:`apply`
    writes what differs. ``run_command`` is AnsibleModule's (argv list -> rc, out, err)."""

    def __init__(self, params, run_command):
        self.params = params
        self.run_command = run_command
        self.group = params.get("group") or ""
        self.group_missing = False
        self.members_to_add = []
        self.members_absent = []
        self.directories = []
        self.files = []

    # ------------------------------------------------------------------ reading
    def _gid(self, name, where):
        """The gid of ``name``; None when it is the group this pass creates (not there yet)."""
        if name in (None, ""):
            return None
        if self.group_missing and name == self.group:
            return None
        try:
            return _io.resolve_group(name)
        except _io.FileIOError as exc:
            raise HostStateError("%s: %s" % (where, exc))

    def _uid(self, name, where):
        try:
            return _io.resolve_owner(name)
        except _io.FileIOError as exc:
            raise HostStateError("%s: %s" % (where, exc))

    def _mode(self, value, where):
        try:
            return _io.parse_mode(value)
        except _io.FileIOError as exc:
            raise HostStateError("%s: %s" % (where, exc))

    def plan(self):
        self._plan_group()
        for index, item in enumerate(self.params.get("directories") or []):
            self.directories.append(self._plan_directory("directories[%d]" % index, item))
        for index, item in enumerate(self.params.get("files") or []):
            self.files.append(self._plan_file("files[%d]" % index, item))
        return self

    def _plan_group(self):
        members = self.params.get("members") or []
        if members and not self.group:
            raise HostStateError("members: %s needs group: the group they are to join" % ", ".join(members))
        if not self.group:
            return
        try:
            entry = grp.getgrnam(self.group)
        except KeyError:
            self.group_missing, entry = True, None
        for name in members:
            try:
                account = pwd.getpwnam(name)
            except KeyError:
                self.members_absent.append(name)
                continue
            if entry is None or not (name in entry.gr_mem or account.pw_gid == entry.gr_gid):
                if name not in self.members_to_add:
                    self.members_to_add.append(name)

    def _wanted(self, where, item):
        return dict(mode=self._mode(item.get("mode"), where + ".mode"),
                    uid=self._uid(item.get("owner"), where + ".owner"),
                    gid=self._gid(item.get("group"), where + ".group"),
                    group_pending=item.get("group") not in (None, "") and self.group_missing
                    and item.get("group") == self.group)

    @staticmethod
    def _differs(info, wanted):
        """The names of the attributes of ``info`` that are not as ``wanted`` (all when absent)."""
        out = []
        if wanted["mode"] is not None and (info is None or stat.S_IMODE(info.st_mode) != wanted["mode"]):
            out.append("mode")
        if wanted["uid"] is not None and (info is None or info.st_uid != wanted["uid"]):
            out.append("owner")
        if wanted["group_pending"] or (wanted["gid"] is not None and (info is None or info.st_gid != wanted["gid"])):
            out.append("group")
        return out

    def _plan_directory(self, where, item):
        path = item["path"]
        try:
            info = _io.lstat_or_none(path)
        except _io.FileIOError as exc:
            raise HostStateError("%s.path: %s" % (where, exc))
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise HostStateError("%s.path: %s: is a symlink; refusing to follow it (a directory belongs there)"
                                 % (where, path))
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise HostStateError("%s.path: %s: is not a directory" % (where, path))
        wanted = self._wanted(where, item)
        plan = dict(item=item, where=where, info=info, wanted=wanted, attributes=self._differs(info, wanted),
                    fixes=[])
        if info is not None and item.get("contents"):
            plan["fixes"] = self._tree_fixes(path, wanted["uid"])
        return plan

    @staticmethod
    def _tree_fixes(top, uid):
        """(path, lstat) of every directory and regular file below ``top`` (symlinks skipped, never
        followed) whose owner is not ``uid`` or whose mode is not what ``u=rwX,g=rX,o-w`` makes it."""
        fixes, pending = [], [top]
        while pending:
            directory = pending.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError as exc:
                raise HostStateError("%s: cannot be listed: %s" % (directory, exc.strerror))
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # removed while listed
                if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                    continue
                if stat.S_ISDIR(info.st_mode):
                    pending.append(entry.path)
                if (uid is not None and info.st_uid != uid) or stat.S_IMODE(info.st_mode) != wanted_tree_mode(info):
                    fixes.append((entry.path, info))
        return sorted(fixes, key=lambda fix: fix[0])

    def _plan_file(self, where, item):
        path = item["path"]
        try:
            if item["state"] == "absent":  # a symlink goes itself (its target is never touched)
                info = _io.lstat_or_none(path)
                if info is not None and stat.S_ISDIR(info.st_mode):
                    raise _io.FileIOError("%s: is a directory; refusing to remove it" % path)
                return dict(item=item, where=where, info=info, before=None, attributes=[], content=False)
            info = _io.check_destination(path)
            current = _io.read_if_exists(path, MAX_FILE_SIZE) if info is not None else None
        except _io.FileIOError as exc:
            raise HostStateError("%s.path: %s" % (where, exc))
        plan = dict(item=item, where=where, info=info, before=current, attributes=[], content=False)
        plan["after"] = file_bytes(item)
        plan["wanted"] = self._wanted(where, item)
        plan["content"] = current != plan["after"]
        plan["attributes"] = self._differs(info, plan["wanted"]) if info is not None else []
        return plan

    # ------------------------------------------------------------------ what it found
    @staticmethod
    def _dir_changed(plan):
        return plan["info"] is None or bool(plan["attributes"]) or bool(plan["fixes"])

    @staticmethod
    def _file_changed(plan):
        if plan["item"]["state"] == "absent":
            return plan["info"] is not None
        return plan["content"] or bool(plan["attributes"])

    def result(self):
        """The module's result (without ``diff``): every item, what differs, and the labels to notify."""
        notify = set()
        if self.members_to_add:
            notify.update(self.params.get("members_notify") or [])
        directories = []
        for plan in self.directories:
            changed = self._dir_changed(plan)
            directories.append(dict(path=plan["item"]["path"], changed=changed, created=plan["info"] is None,
                                    attributes=plan["attributes"], fixed=len(plan["fixes"]),
                                    fixed_paths=[fix[0] for fix in plan["fixes"][:LISTED_FIXES]]))
            if changed:
                notify.update(plan["item"].get("notify") or [])
        files = []
        for plan in self.files:
            changed = self._file_changed(plan)
            present = plan["item"]["state"] == "present"
            files.append(dict(path=plan["item"]["path"], state=plan["item"]["state"], changed=changed,
                              created=present and plan["info"] is None, removed=not present and changed,
                              content_changed=present and plan["content"], attributes=plan["attributes"]))
            if changed:
                notify.update(plan["item"].get("notify") or [])
        changed = self.group_missing or bool(self.members_to_add) or any(d["changed"] for d in directories) \
            or any(f["changed"] for f in files)
        return dict(changed=changed, group=dict(name=self.group, created=self.group_missing),
                    members=dict(added=list(self.members_to_add), absent=list(self.members_absent)),
                    directories=directories, files=files, notify=sorted(notify))

    def diff(self):
        """Ansible diffs (a list) of every item that changes: content as text, attributes as one line."""
        out = []
        for plan in self.directories + self.files:
            path = plan["item"]["path"]
            if "after" in plan and plan["content"]:
                out.append(dict(before_header=path, after_header=path,
                                before=(plan["before"] or b"").decode("utf-8", "replace"),
                                after=plan["after"].decode("utf-8", "replace")))
            elif plan["item"].get("state") == "absent" and plan["info"] is not None:
                out.append(dict(before_header=path, after_header=path, before="present\n", after="absent\n"))
            if plan.get("attributes") and plan["info"] is not None:
                info, wanted = plan["info"], plan["wanted"]
                out.append(dict(before_header=path + " (attributes)", after_header=path + " (attributes)",
                                before=_attrs_text(stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid),
                                after=_attrs_text(wanted["mode"], plan["item"].get("owner") or info.st_uid,
                                                  plan["item"].get("group") or info.st_gid)))
            elif "fixes" in plan and plan["info"] is None:
                out.append(dict(before_header=path, after_header=path, before="absent\n", after="directory\n"))
            if plan.get("fixes"):
                uid = plan["wanted"]["uid"]
                out.append(dict(before_header=path + " (below it)", after_header=path + " (below it)",
                                before="".join("%s: %s" % (entry, _attrs_text(stat.S_IMODE(info.st_mode), info.st_uid,
                                                                              info.st_gid))
                                               for entry, info in plan["fixes"][:LISTED_FIXES]),
                                after="".join("%s: %s" % (entry, _attrs_text(wanted_tree_mode(info),
                                                                             info.st_uid if uid is None else uid,
                                                                             info.st_gid))
                                              for entry, info in plan["fixes"][:LISTED_FIXES])))
        return out

    # ------------------------------------------------------------------ writing
    def _run(self, argv):
        rc, out, err = self.run_command(argv)
        if rc != 0:
            raise HostStateError("%s failed (rc %d): %s" % (" ".join(argv), rc, (err or out).strip()))

    def apply(self, unsafe_writes=False):
        if self.group_missing:
            self._run(["groupadd", "--system", self.group])
        for name in self.members_to_add:
            self._run(["usermod", "--append", "--groups", self.group, name])
        for plan in self.directories:
            self._apply_directory(plan)
        for plan in self.files:
            self._apply_file(plan, unsafe_writes)

    def _ids(self, plan):
        """(mode, uid, gid) to set, a pending group resolved now (this pass has just created it)."""
        wanted = plan["wanted"]
        gid = wanted["gid"]
        if wanted["group_pending"]:
            try:
                gid = _io.resolve_group(plan["item"]["group"])
            except _io.FileIOError as exc:
                raise HostStateError("%s.group: %s" % (plan["where"], exc))
        return wanted["mode"], wanted["uid"], gid

    def _apply_directory(self, plan):
        path = plan["item"]["path"]
        mode, uid, gid = self._ids(plan)
        try:
            if plan["info"] is None:
                parent = os.path.dirname(path.rstrip("/"))
                if parent and not os.path.isdir(parent):
                    os.makedirs(parent, 0o755)
                os.mkdir(path, 0o700)
                mode = 0o755 if mode is None else mode
            if plan["info"] is None or plan["attributes"]:
                _set_through_fd(path, mode, uid, gid, want_dir=True)
            for entry, _info in plan["fixes"]:
                _fix_entry(entry, plan["wanted"]["uid"])
        except OSError as exc:
            raise HostStateError("%s.path: %s: %s" % (plan["where"], getattr(exc, "filename", None) or path,
                                                      exc.strerror))

    def _apply_file(self, plan, unsafe_writes):
        item, path = plan["item"], plan["item"]["path"]
        try:
            if item["state"] == "absent":
                if plan["info"] is not None:
                    _io.remove_if_exists(path)
                return
            mode, uid, gid = self._ids(plan)
            if plan["content"]:
                _io.write_atomic(path, plan["after"], mode=mode, owner=uid, group=gid, unsafe_writes=unsafe_writes)
            elif plan["attributes"]:
                _io.set_attributes(path, mode=mode, owner=uid, group=gid)
        except _io.FileIOError as exc:
            raise HostStateError("%s.path: %s" % (plan["where"], exc))


def _set_through_fd(path, mode, uid, gid, want_dir):
    """Owner, group, mode of the directory or regular file at ``path``, through a descriptor opened
    without following a symlink; an entry that is no longer what it was is left alone."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags | (getattr(os, "O_DIRECTORY", 0) if want_dir else 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
            _io.apply_attributes(fd, mode, uid, gid)
    finally:
        os.close(fd)


def _fix_entry(path, uid):
    """``u=rwX,g=rX,o-w`` and owner ``uid`` on one entry below a directory (its group kept)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # gone or replaced by a symlink since it was read: nothing to fix through it
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
            _io.apply_attributes(fd, wanted_tree_mode(info), uid, None)
    finally:
        os.close(fd)

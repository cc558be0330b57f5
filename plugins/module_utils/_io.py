# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Target-side file I/O: reads that never follow a symlink, atomic writes with permissions set before the rename.

Runs on targets: Python 3.8 syntax, standard library only.
"""

from __future__ import annotations

import binascii
import errno
import grp
import os
import pwd
import stat

_TEMP_ATTEMPTS = 100


class FileIOError(Exception):
    """A file the caller cannot safely read or write; the message names the path and what is wrong."""


def _kind_error(path, st, verb):
    if stat.S_ISLNK(st.st_mode):
        return FileIOError("%s: is a symlink; refusing to %s through it" % (path, verb))
    if not stat.S_ISREG(st.st_mode):
        return FileIOError("%s: not a regular file" % path)
    return None


def _os_error(path, exc):
    return FileIOError("%s: %s" % (path, exc.strerror or exc))


def _lstat(path):
    """os.lstat, or None when nothing is at ``path``."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _os_error(path, exc)


def read_if_exists(path, max_size):
    """Return the bytes of the regular file ``path``, or None when nothing is there."""
    st = _lstat(path)
    if st is None:
        return None
    problem = _kind_error(path, st, "read")
    if problem:
        raise problem
    if st.st_size > max_size:
        raise FileIOError("%s: %d bytes, larger than the %d allowed" % (path, st.st_size, max_size))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileIOError("%s: is a symlink; refusing to read through it" % path)
        raise _os_error(path, exc)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileIOError("%s: not a regular file" % path)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_size + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_size:
                raise FileIOError("%s: larger than the %d bytes allowed" % (path, max_size))
        return b"".join(chunks)
    except OSError as exc:
        raise _os_error(path, exc)
    finally:
        os.close(fd)


def check_destination(path):
    """Raise FileIOError when something other than a regular file (a symlink included) is at ``path``."""
    st = _lstat(path)
    problem = _kind_error(path, st, "write") if st is not None else None
    if problem:
        raise problem


def _current_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _uid(owner):
    if owner is None or isinstance(owner, int):
        return -1 if owner is None else owner
    owner = str(owner)
    return int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid


def _gid(group):
    if group is None or isinstance(group, int):
        return -1 if group is None else group
    group = str(group)
    return int(group) if group.isdigit() else grp.getgrnam(group).gr_gid


def _create_temp(directory, prefix):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _attempt in range(_TEMP_ATTEMPTS):
        name = os.path.join(directory, "%s%s.tmp" % (prefix, binascii.hexlify(os.urandom(6)).decode()))
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
        except OSError as exc:
            raise _os_error(name, exc)
    raise FileIOError("%s: no unused temporary name after %d attempts" % (directory, _TEMP_ATTEMPTS))


def _fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path, data, mode=None, owner=None, group=None, tmp_prefix=None):
    """Replace ``path`` with ``data`` through a temp file in its directory and a rename."""
    check_destination(path)
    directory = os.path.dirname(path) or "."
    if mode is None:
        live = _lstat(path)
        mode = stat.S_IMODE(live.st_mode) if live is not None else 0o644 & ~_current_umask()
    try:
        uid, gid = _uid(owner), _gid(group)
    except (KeyError, ValueError):
        raise FileIOError("%s: unknown owner %r or group %r" % (path, owner, group))
    fd, temp = _create_temp(directory, tmp_prefix or ".%s." % os.path.basename(path))
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _os_error(path, exc)
        raise
    try:
        _fsync_directory(directory)
    except OSError as exc:
        raise _os_error(directory, exc)


def remove_if_exists(path):
    """Unlink ``path`` (a symlink itself, never its target); True when something was removed."""
    st = _lstat(path)
    if st is None:
        return False
    if stat.S_ISDIR(st.st_mode):
        raise FileIOError("%s: is a directory; not removing it" % path)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise _os_error(path, exc)
    return True

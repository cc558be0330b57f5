# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one home of file I/O on provisioning and DHCP hosts, and on the controller (the spool, adopt).

Everything the collection reads or writes goes through here, so that one set of rules holds
everywhere:

- a symlink, directory, FIFO or device where a file belongs is an error naming the path; nothing is
  read from it or written through it (``lstat`` first, then ``O_NOFOLLOW | O_NONBLOCK`` and an
  ``fstat`` of what was opened, so a swap between the two checks is caught too);
- reads are capped: a file larger than the caller's limit is an error, not a memory blow-up;
- writes go to a temp file created with ``O_EXCL | O_NOFOLLOW`` (mode 0600) in the destination
  directory, are synced, get their owner, group and mode on the open descriptor, and only then are
  renamed over the destination; the directory is synced after the rename. Any failure removes the
  temp file. A process that opened the temp file can therefore never have write access to what is
  published, and a device never sees a half-written file;
- where the rename is impossible (the name is a bind mount: EBUSY), the write fails naming the path
  unless the caller passes Ansible's ``unsafe_writes``: then the content is copied into the existing
  regular file in place (opened with ``O_NOFOLLOW``, attributes set before the content), see
  :func:`replace`.

Runs on targets: Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import errno
import grp
import hashlib
import os
import pwd
import re
import stat

CHUNK_SIZE = 1024 * 1024
TEMP_SUFFIX = ".dect-tmp"
# A rename that fails with one of these may still be done as an in-place write (unsafe_writes), as
# ansible.module_utils.basic's atomic_move falls back on the same errors.
RENAME_IMPOSSIBLE = (errno.EBUSY, errno.EXDEV, errno.ETXTBSY, errno.EPERM, errno.EACCES)
MOUNTINFO_CAP = 4 * 1024 * 1024
# The default mode of a new file when the caller gives none.
DEFAULT_MODE = 0o644


class FileIOError(Exception):
    """A file operation refused or failed; the message names the path."""


def _describe(mode):
    if stat.S_ISLNK(mode):
        return "is a symlink; refusing to follow it"
    if stat.S_ISDIR(mode):
        return "is a directory, not a regular file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def lstat_or_none(path):
    """``os.lstat(path)``, or None when nothing is there."""
    try:
        return os.lstat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise FileIOError("%s: %s" % (path, exc.strerror))


def check_destination(path):
    """Refuse ``path`` when it exists and is anything but a regular file (a symlink included)."""
    info = lstat_or_none(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FileIOError("%s: %s" % (path, _describe(info.st_mode)))
    return info


def check_directory(path, what="directory"):
    """Refuse ``path`` unless it is a real directory (not a symlink to one)."""
    info = lstat_or_none(path)
    if info is None:
        raise FileIOError("%s: the %s does not exist" % (path, what))
    if stat.S_ISLNK(info.st_mode):
        raise FileIOError("%s: the %s is a symlink; refusing to follow it" % (path, what))
    if not stat.S_ISDIR(info.st_mode):
        raise FileIOError("%s: the %s is not a directory" % (path, what))
    return info


def open_regular(path):
    """A read-only descriptor of the regular file at ``path``, or None when absent.

    Never follows a symlink and never blocks on a FIFO; what was opened is checked again with fstat.
    """
    if check_destination(path) is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None
        if exc.errno == errno.ELOOP:
            raise FileIOError("%s: is a symlink; refusing to follow it" % path)
        raise FileIOError("%s: %s" % (path, exc.strerror))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileIOError("%s: %s" % (path, _describe(info.st_mode)))
    return fd


def read_if_exists(path, max_size):
    """The bytes of the regular file at ``path`` (None when absent), at most ``max_size`` of them."""
    fd = open_regular(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_size + 1)
    if len(data) > max_size:
        raise FileIOError("%s: larger than %d bytes; refusing to read it" % (path, max_size))
    return data


def hash_file(path, algorithm="sha256"):
    """(hex digest, size) of the regular file at ``path``, or (None, None) when absent."""
    fd = open_regular(path)
    if fd is None:
        return None, None
    digest = hashlib.new(algorithm)
    size = 0
    with os.fdopen(fd, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _resolve(value, lookup, what):
    """An id for ``value`` (a name or a number) through ``lookup``; None keeps the default."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    try:
        return lookup(value)
    except KeyError:
        raise FileIOError("%s: %s '%s' does not exist on this host" % (what, "user" if what == "owner" else what, value))


def resolve_owner(owner):
    """A uid for ``owner`` (name or number); None keeps the default."""
    return _resolve(owner, lambda name: pwd.getpwnam(name).pw_uid, "owner")


def resolve_group(group):
    """A gid for ``group`` (name or number); None keeps the default."""
    return _resolve(group, lambda name: grp.getgrnam(name).gr_gid, "group")


def parse_mode(mode):
    """An int mode from an int or an octal string such as ``"0640"``; None keeps the default."""
    if mode in (None, ""):
        return None
    if isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip()
        try:
            value = int(text, 8)
        except ValueError:
            raise FileIOError("mode: '%s' is not an octal mode such as 0640" % mode)
    if value < 0 or value > 0o7777:
        raise FileIOError("mode: '%s' is out of range (0000-7777)" % mode)
    return value


def fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(fd)


class AtomicFile:
    """A new file published under ``path`` only when :meth:`commit` is called.

    :meth:`write` adds bytes of the content. Use as a context manager: leaving without a commit (an
    exception included) removes the temp file. ``mode``/``owner``/``group`` are applied to the temp
    file's descriptor before the rename; without ``mode`` an existing file keeps its mode. ``sync=False``
    skips the fsyncs, for scratch files that die with the run (the controller's publication spool).
    """

    def __init__(self, path, mode=None, owner=None, group=None, tmp_prefix=None, unsafe_writes=False, sync=True):
        self.path, self.unsafe_writes, self.sync = path, unsafe_writes, sync
        self.prefix = tmp_prefix or "." + os.path.basename(path) + "."
        self.directory = os.path.dirname(path) or "."
        self.mode = parse_mode(mode)
        self.uid = resolve_owner(owner)
        self.gid = resolve_group(group)
        self.temp = None
        self._fd = None

    def __enter__(self):
        existing = check_destination(self.path)
        check_directory(self.directory)
        if self.mode is None:
            self.mode = stat.S_IMODE(existing.st_mode) if existing is not None else DEFAULT_MODE & ~_umask()
        for _attempt in range(100):
            name = os.path.join(self.directory, self.prefix + _random_token() + TEMP_SUFFIX)
            try:
                self._fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                   | getattr(os, "O_CLOEXEC", 0), 0o600)
            except OSError as exc:
                if exc.errno == errno.EEXIST:
                    continue
                raise FileIOError("%s: cannot create a temp file in %s: %s" % (self.path, self.directory, exc.strerror))
            self.temp = name
            return self
        raise FileIOError("%s: no free temp file name in %s" % (self.path, self.directory))

    def write(self, data):
        try:
            write_all(self._fd, data)
        except OSError as exc:  # ENOSPC, EDQUOT, EIO: the file's own error, the old file kept
            raise FileIOError("%s: could not write: %s" % (self.path, exc.strerror))

    def commit(self):
        try:
            if self.sync:
                os.fsync(self._fd)
            apply_attributes(self._fd, self.mode, self.uid, self.gid)
            os.close(self._fd)
            self._fd = None
            # Checked again just before the rename: rename replaces a symlink itself, never its target,
            # but a directory appearing at the name must not be silently kept.
            check_destination(self.path)
        except OSError as exc:
            raise FileIOError("%s: could not publish: %s" % (self.path, exc.strerror))
        replace(self.temp, self.path, self.unsafe_writes, self.mode, self.uid, self.gid, self.sync)
        self.temp = None

    def __exit__(self, *exc):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.temp is not None:
            _unlink_quietly(self.temp)
            self.temp = None
        return False


def replace(temp, path, unsafe_writes=False, mode=None, uid=None, gid=None, sync=True):
    """Rename the finished ``temp`` over ``path`` (same directory); the directory is synced after (``sync``).

    When the rename is impossible (``RENAME_IMPOSSIBLE``, typically EBUSY for a bind-mounted file)
    it fails naming the path, nothing changed, unless ``unsafe_writes``: then ``temp``'s content is
    copied into the regular file at ``path`` in place, after ``mode``/``uid``/``gid`` are set on it,
    and ``temp`` is removed. A symlink or non-regular file at ``path`` is refused either way.
    """
    directory = os.path.dirname(path) or "."
    try:
        os.rename(temp, path)
    except OSError as exc:
        if exc.errno not in RENAME_IMPOSSIBLE:
            raise FileIOError("%s: could not publish: %s" % (path, exc.strerror))
        if not unsafe_writes:
            raise FileIOError(_not_replaceable(path, exc.strerror))
        _write_in_place(temp, path, mode, uid, gid)
        _unlink_quietly(temp)
        return
    try:
        if sync:
            fsync_directory(directory)
    except OSError as exc:
        raise FileIOError("%s: could not publish: %s" % (path, exc.strerror))


def _not_replaceable(path, reason):
    return ("%s: could not publish: %s: it cannot be replaced atomically (a bind mount?); nothing was changed;"
            " set unsafe_writes=true (or ANSIBLE_UNSAFE_WRITES=1) to write it in place" % (path, reason))


def check_replaceable(path):
    """Refuse ``path`` when it is a mount point (a bind-mounted file), which no rename can replace:
    for a caller that must know before it changes anything else (the firmware's ``.ver`` order)."""
    if _is_mount_point(path):
        raise FileIOError(_not_replaceable(path, os.strerror(errno.EBUSY)))


def _is_mount_point(path):
    """Whether ``path`` is in /proc/self/mountinfo as a mount point; False where that is unknown."""
    try:
        with open("/proc/self/mountinfo", "rb") as handle:
            data = handle.read(MOUNTINFO_CAP)
    except OSError:
        return False
    wanted = os.path.realpath(path)
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(" ")
        # Field 5 is the mount point, with blanks and backslashes written as octal escapes.
        if len(fields) > 4 and re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]) == wanted:
            return True
    return False


def write_all(fd, data):
    """Write all of ``data`` to the descriptor ``fd`` (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def apply_attributes(fd, mode, uid, gid):
    """Owner, group (ids, None keeps) and mode (an int, None keeps) of the file open as ``fd``:
    through the descriptor, so never through a name a symlink could have replaced."""
    if uid is not None or gid is not None:
        os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
    if mode is not None:
        os.fchmod(fd, mode)


def _write_in_place(temp, path, mode, uid, gid):
    """Copy ``temp`` into the existing regular file ``path``: never through a symlink or into a
    FIFO or device; owner, group and mode first, then the content."""
    try:
        target = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileIOError("%s: is a symlink; refusing to follow it" % path)
        raise FileIOError("%s: could not write in place: %s" % (path, exc.strerror))
    try:
        info = os.fstat(target)
        if not stat.S_ISREG(info.st_mode):
            raise FileIOError("%s: %s" % (path, _describe(info.st_mode)))
        apply_attributes(target, mode, uid, gid)
        source = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        try:
            os.ftruncate(target, 0)
            for chunk in iter(lambda: os.read(source, CHUNK_SIZE), b""):
                write_all(target, chunk)
        finally:
            os.close(source)
        os.fsync(target)
    except OSError as exc:
        raise FileIOError("%s: could not write in place: %s" % (path, exc.strerror))
    finally:
        os.close(target)


def write_atomic(path, data, mode=None, owner=None, group=None, tmp_prefix=None, unsafe_writes=False, sync=True):
    """Publish ``data`` (bytes) at ``path`` atomically; see :class:`AtomicFile`."""
    with AtomicFile(path, mode=mode, owner=owner, group=group, tmp_prefix=tmp_prefix,
                    unsafe_writes=unsafe_writes, sync=sync) as out:
        out.write(data)
        out.commit()


def remove_if_exists(path):
    """Remove the file at ``path``; True when something was removed. A symlink is removed itself
    (its target is never touched); a directory is an error."""
    info = lstat_or_none(path)
    if info is None:
        return False
    if stat.S_ISDIR(info.st_mode):
        raise FileIOError("%s: is a directory; refusing to remove it" % path)
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise FileIOError("%s: could not remove: %s" % (path, exc.strerror))
    return True


def attributes_differ(info, mode=None, owner=None, group=None):
    """True when the file described by ``info`` (an lstat result) lacks the wanted attributes."""
    if mode is not None and stat.S_IMODE(info.st_mode) != parse_mode(mode):
        return True
    uid, gid = resolve_owner(owner), resolve_group(group)
    return (uid is not None and info.st_uid != uid) or (gid is not None and info.st_gid != gid)


def set_attributes(path, mode=None, owner=None, group=None):
    """Apply owner/group/mode to the regular file at ``path`` through a descriptor (never a symlink)."""
    fd = open_regular(path)
    if fd is None:
        raise FileIOError("%s: does not exist" % path)
    try:
        apply_attributes(fd, parse_mode(mode), resolve_owner(owner), resolve_group(group))
    except OSError as exc:
        raise FileIOError("%s: could not set attributes: %s" % (path, exc.strerror))
    finally:
        os.close(fd)


def leftover_temp_files(directory, basename):
    """Temp files an interrupted write of ``basename`` left in ``directory``."""
    prefix = "." + basename + "."
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(os.path.join(directory, name) for name in names
                  if name.startswith(prefix) and name.endswith(TEMP_SUFFIX))


def remove_leftovers(directory, basename):
    """Remove what :func:`leftover_temp_files` finds; returns the paths removed."""
    removed = []
    for path in leftover_temp_files(directory, basename):
        if remove_if_exists(path):
            removed.append(path)
    return removed


def _random_token():
    return os.urandom(6).hex()


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


__all__ = [
    "AtomicFile", "FileIOError", "attributes_differ", "check_destination", "check_directory", "check_replaceable",
    "hash_file", "leftover_temp_files", "lstat_or_none", "open_regular", "parse_mode", "read_if_exists",
    "remove_if_exists", "remove_leftovers", "replace", "resolve_group", "resolve_owner", "set_attributes",
    "write_atomic",
]

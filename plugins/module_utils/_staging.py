# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Staging one firmware image and its ``.ver`` on a provisioning host (the firmware module's work).

The order that keeps a polling device safe (see ``firmware``): the new image is complete and
verified under a temp name first; then the old ``.ver`` is withdrawn, the image renamed into place
(its owner, group and mode already set), and the new ``.ver`` written. Every name in the root is
checked through :mod:`._io`: a symlink or non-regular file at the image, ``.ver`` or upload name is
refused before anything is touched, and nothing is ever read through one.

No-op speed: after publishing, the image's sha256 is recorded in an extended attribute
(``user.dect.sha256``) together with its size and modification time. A later run trusts the record
only while size and mtime (to the nanosecond) are unchanged; replacing the file (a new inode) drops
the attribute, rewriting it in place changes the mtime. Where the file system keeps no extended
attributes the image is simply hashed again.

Runs on targets: Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import time

from ansible_collections.dect.provisioning.plugins.module_utils import _io
from ansible_collections.dect.provisioning.plugins.module_utils._rootlock import RootLock, RootLockError
from ansible_collections.dect.provisioning.plugins.module_utils.firmware import (
    FirmwareError,
    VERSION_SRC_MAX_SIZE,
    check_version,
    checksum_mismatch,
    same_version_message,
    staging_name,
    ver_content,
    ver_name,
)

XATTR = "user.dect.sha256"
_ANSIBLE_TMP_PREFIX = ".ansible_tmp"
# Another run's upload (or copy's temp file of it) is left alone while it may still be in use: removed
# only once nothing has written it for this long (a killed run's).
STALE_UPLOAD_SECONDS = 600


def _error(exc):
    return FirmwareError(str(exc))


class Stager:
    """One image and its ``.ver`` in ``dest``, with the attributes they must have."""

    def __init__(self, dest, name, mode=None, owner=None, group=None, ver_grace=0.0, check_mode=False,
                 unsafe_writes=False):
        self.dest = dest
        self.name = name
        self.bin_path = os.path.join(dest, name)
        self.ver_path = os.path.join(dest, ver_name(name))
        self.upload_path = os.path.join(dest, staging_name(name))
        self.mode, self.owner, self.group = mode, owner, group
        self.ver_grace = ver_grace
        self.check_mode = check_mode
        # Ansible's unsafe_writes: a name that cannot be replaced by a rename is written in place.
        self.unsafe_writes = unsafe_writes
        self.warnings = []

    # -- checks before anything is touched -------------------------------------------------------
    def check(self):
        if self.check_mode and not os.path.lexists(self.dest):
            # Check mode after a task that would have created the root: everything would be new.
            self.warnings.append("dest: '%s' does not exist yet; reporting what a real run would stage into it"
                                 % self.dest)
            return
        if not os.path.isdir(self.dest) or os.path.islink(self.dest):
            raise FirmwareError("dest: '%s' is not a directory on the provisioning host: create the provisioning root"
                                " first (the provisioning_server role does)" % self.dest)
        try:
            _io.check_directory(self.dest, "provisioning root (dest)")
            for path in (self.bin_path, self.ver_path, self.upload_path):
                _io.check_destination(path)
            _io.parse_mode(self.mode)
            _io.resolve_owner(self.owner)
            _io.resolve_group(self.group)
        except _io.FileIOError as exc:
            raise _error(exc)

    def check_replaceable(self):
        """Before a new image is asked for or the old ``.ver`` withdrawn: without unsafe_writes, an image
        or ``.ver`` name that no rename can replace (a bind mount) fails here, with nothing changed."""
        if not self.unsafe_writes:
            for path in (self.bin_path, self.ver_path):
                _io.check_replaceable(path)

    def is_upload(self, src):
        """Whether ``src`` is an upload name of this image (the shared one, or an image's own); it
        becomes ``upload_path``."""
        if src is None or os.path.dirname(os.path.abspath(src)) != os.path.abspath(self.dest):
            return False
        if not self._upload_name.match(os.path.basename(src)):
            return False
        self.upload_path = os.path.join(self.dest, os.path.basename(src))
        return True

    @property
    def _upload_name(self):
        return re.compile(r"^%s$" % self._upload_suffix.pattern)

    @property
    def _upload_suffix(self):
        return re.compile(r"\.%s(\.[0-9a-f]{16})?\.upload$" % re.escape(self.name))

    # -- what is staged now ----------------------------------------------------------------------
    def staged_sha256(self):
        info = _io.check_destination(self.bin_path)
        if info is None:
            return None
        cached = _read_record(self.bin_path, info)
        if cached is not None:
            return cached
        fd = _io.open_regular(self.bin_path)
        try:
            digest, info = _hash_fd(fd)
            _write_record(fd, digest, info)
        finally:
            os.close(fd)
        return digest

    def staged_version(self):
        try:
            return _io.read_if_exists(self.ver_path, VERSION_SRC_MAX_SIZE)
        except _io.FileIOError as exc:
            raise _error(exc)

    def clean_leftovers(self, keep_upload):
        """Remove what an interrupted run left: our temp files, copy's temp files of the upload, and
        the upload itself unless it is about to be published."""
        removed = []
        try:
            for base in (self.name, ver_name(self.name)):
                removed.extend(_io.remove_leftovers(self.dest, base))
            own = os.path.basename(self.upload_path)
            for entry in os.listdir(self.dest):
                path = os.path.join(self.dest, entry)
                # Uploads of this name (any image's) and copy's temp files of them (.ansible_tmpXXXX<upload>).
                upload = self._upload_name.match(entry) or (
                    entry.startswith(_ANSIBLE_TMP_PREFIX) and self._upload_suffix.search(entry))
                if upload and entry != own and _abandoned(path) and _io.remove_if_exists(path):
                    removed.append(path)
            if not keep_upload and _io.remove_if_exists(self.upload_path):
                removed.append(self.upload_path)
        except _io.FileIOError as exc:
            raise _error(exc)
        return removed

    # -- incoming image ----------------------------------------------------------------------------
    def open_source(self, src):
        """(descriptor, sha256, size) of ``src`` on this host: a regular, non-empty file."""
        try:
            fd = os.open(src, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise FirmwareError("src: '%s' cannot be read on the provisioning host: %s" % (src, exc.strerror))
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise FirmwareError("src: '%s' is not a regular file on the provisioning host" % src)
        if info.st_size == 0:
            os.close(fd)
            raise FirmwareError("src: '%s' is empty: a firmware image cannot be empty; nothing was staged" % src)
        digest, dummy = _hash_fd(fd)
        os.lseek(fd, 0, os.SEEK_SET)
        return fd, digest, info.st_size

    def upload_sha256(self):
        """sha256 of a waiting upload, or None when there is none."""
        fd = _io.open_regular(self.upload_path)
        if fd is None:
            return None
        try:
            return _hash_fd(fd)[0]
        finally:
            os.close(fd)

    # -- publishing --------------------------------------------------------------------------------
    def publish_from_upload(self, expected):
        """Rename the verified upload into place; owner, group and mode set on it first."""
        fd = _io.open_regular(self.upload_path)
        if fd is None:
            raise FirmwareError("src: the upload %s disappeared; nothing was staged" % self.upload_path)
        try:
            info = os.fstat(fd)
            if info.st_uid != os.geteuid() or info.st_nlink != 1:
                raise FirmwareError("src: the upload %s is not a private file of this user; nothing was staged"
                                    % self.upload_path)
            if info.st_size == 0:
                raise FirmwareError("src: the image is empty: a firmware image cannot be empty; nothing was staged")
            digest, info = _hash_fd(fd)
            if digest != expected:
                raise FirmwareError(checksum_mismatch("src", "the uploaded copy", expected, digest))
            _apply(fd, self.mode, self.owner, self.group)
            _write_record(fd, digest, os.fstat(fd))
        finally:
            os.close(fd)
        self._withdraw_version()
        _io.replace(self.upload_path, self.bin_path, self.unsafe_writes, _io.parse_mode(self.mode),
                    _io.resolve_owner(self.owner), _io.resolve_group(self.group))

    def publish_from_source(self, fd, expected):
        """Copy an open source into a temp file, verify it, then rename it into place."""
        with _io.AtomicFile(self.bin_path, mode=self.mode, owner=self.owner, group=self.group,
                            unsafe_writes=self.unsafe_writes) as out:
            digest = hashlib.sha256()
            with os.fdopen(os.dup(fd), "rb") as source:
                for chunk in iter(lambda: source.read(_io.CHUNK_SIZE), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != expected:
                raise FirmwareError("src: changed while it was being copied; nothing was staged")
            os.fsync(out._fd)
            _write_record(out._fd, expected, os.fstat(out._fd))
            self._withdraw_version()
            out.commit()

    def _withdraw_version(self):
        """The old ``.ver`` goes before its image: no ``.ver`` ever names the wrong image."""
        withdrawn = _io.remove_if_exists(self.ver_path)
        if withdrawn and os.path.lexists(self.bin_path):
            # A device that read the old .ver just before opens the old image during this pause;
            # once open, it keeps reading that file whatever replaces the name.
            time.sleep(self.ver_grace)

    def publish_version(self, data):
        _io.write_atomic(self.ver_path, data, mode=self.mode, owner=self.owner, group=self.group,
                         unsafe_writes=self.unsafe_writes)

    def fix_attributes(self):
        """Apply owner/group/mode to image and ``.ver`` where they differ; True when anything changed."""
        changed = False
        for path in (self.bin_path, self.ver_path):
            info = _io.check_destination(path)
            if info is not None and _io.attributes_differ(info, self.mode, self.owner, self.group):
                changed = True
                if not self.check_mode:
                    _io.set_attributes(path, self.mode, self.owner, self.group)
        return changed

    def remove(self):
        """The ``.ver`` first, then the image (state=absent)."""
        for path in (self.ver_path, self.bin_path):
            _io.remove_if_exists(path)


@contextlib.contextmanager
def root_lock(params, check_mode):
    """The provisioning root's lock (:mod:`._rootlock`) around one staging step; none in check mode or
    for a root that is not a directory (``Stager.check`` refuses it, naming why)."""
    dest = params["dest"]
    if check_mode or not os.path.isdir(dest) or os.path.islink(dest):
        yield
        return
    try:
        lock = RootLock(dest, "staging firmware %s" % params["name"], params["lock_timeout"]).__enter__()
    except RootLockError as exc:
        raise FirmwareError(str(exc))
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def read_version_src(path):
    """The version text of a ``.ver`` file on this host: a regular file of at most a few KB."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise FirmwareError("version_src: '%s' cannot be read on the provisioning host: %s" % (path, exc.strerror))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise FirmwareError("version_src: '%s' is not a regular file" % path)
        data = handle.read(VERSION_SRC_MAX_SIZE + 1)
    if len(data) > VERSION_SRC_MAX_SIZE:
        raise FirmwareError("version_src: '%s' is larger than %d bytes: a .ver file holds one line of version"
                            " text" % (path, VERSION_SRC_MAX_SIZE))
    return check_version(data, "version_src")


def _abandoned(path):
    """Nothing has written ``path`` for STALE_UPLOAD_SECONDS (a killed run's upload or temp file)."""
    info = _io.lstat_or_none(path)
    return info is not None and time.time() - info.st_mtime > STALE_UPLOAD_SECONDS


def _hash_fd(fd):
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while True:
        chunk = os.read(fd, _io.CHUNK_SIZE)
        if not chunk:
            break
        digest.update(chunk)
    return digest.hexdigest(), os.fstat(fd)


def _apply(fd, mode, owner, group):
    _io.apply_attributes(fd, _io.parse_mode(mode), _io.resolve_owner(owner), _io.resolve_group(group))


def _record_value(digest, info):
    return ("%s %d %d" % (digest, info.st_size, info.st_mtime_ns)).encode("ascii")


def _write_record(fd, digest, info):
    try:
        os.setxattr(fd, XATTR, _record_value(digest, info))
    except (OSError, AttributeError):
        pass  # no extended attributes here: the next run hashes again


def _read_record(path, info):
    try:
        value = os.getxattr(path, XATTR, follow_symlinks=False)
    except (OSError, AttributeError):
        return None
    parts = value.decode("ascii", "replace").split()
    if len(parts) == 3 and parts[1:] == [str(info.st_size), str(info.st_mtime_ns)]:
        return parts[0]
    return None


def _diff(stager, old_sha, new_sha, old_ver, new_ver):
    def ver_text(data):
        return "" if data is None else data.decode("ascii", "replace") + "\n"

    def sha_text(sha):
        return "" if sha is None else "sha256: %s\n" % sha

    return [
        dict(before_header=stager.ver_path, after_header=stager.ver_path,
             before=ver_text(old_ver), after=ver_text(new_ver)),
        dict(before_header=stager.bin_path, after_header=stager.bin_path,
             before=sha_text(old_sha), after=sha_text(new_sha)),
    ]


def stage_present(stager, src, expected, version, want_diff, allow_same_version=False, version_option="version"):
    """Stage ``src`` (a path on this host, or the upload) as the image with ``version``.

    A different image under the version text already staged is refused unless
    ``allow_same_version``: devices compare that text with the version they run and never fetch it.
    Returns the module result; ``upload_required`` asks the action plugin to send the image."""
    upload = stager.is_upload(src)
    source_fd = None
    try:
        if upload:
            if not expected:
                raise FirmwareError("checksum: required when src is the upload file %s" % stager.upload_path)
            new_sha = expected
        else:
            if os.path.abspath(src) == os.path.abspath(stager.bin_path):
                raise FirmwareError("src: '%s' is the staged image itself: give the downloaded file instead" % src)
            source_fd, new_sha, dummy = stager.open_source(src)
            if expected and new_sha != expected:
                raise FirmwareError(checksum_mismatch("checksum", src, expected, new_sha))
        old_sha = stager.staged_sha256()
        old_ver = stager.staged_version()
        new_ver = ver_content(version)
        bin_changed, ver_changed = new_sha != old_sha, old_ver != new_ver
        if bin_changed and old_sha is not None and not ver_changed and not allow_same_version:
            raise FirmwareError(same_version_message(version_option, version, stager.ver_path, stager.bin_path))
        result = dict(path=stager.bin_path, ver_path=stager.ver_path, bin_changed=bin_changed,
                      ver_changed=ver_changed, sha256=new_sha, version=version)
        if want_diff:
            result["diff"] = _diff(stager, old_sha, new_sha, old_ver, new_ver)
        if stager.check_mode:
            result["changed"] = bin_changed or ver_changed or (old_sha is not None and stager.fix_attributes())
            return result
        if bin_changed:
            stager.check_replaceable()
        waiting = upload and bin_changed and stager.upload_sha256()
        if upload and bin_changed and waiting != new_sha:
            # None waiting, or a left-over of another image: ask for this one.
            stager.clean_leftovers(keep_upload=False)
            return dict(changed=False, upload_required=True, path=stager.bin_path, ver_path=stager.ver_path)
        stager.clean_leftovers(keep_upload=upload and bin_changed)
        if bin_changed:
            if upload:
                stager.publish_from_upload(new_sha)
            else:
                stager.publish_from_source(source_fd, new_sha)
        if bin_changed or ver_changed:
            stager.publish_version(new_ver)
        result["changed"] = stager.fix_attributes() or bin_changed or ver_changed
        result["size"] = os.lstat(stager.bin_path).st_size
        return result
    except _io.FileIOError as exc:
        raise _error(exc)
    except OSError as exc:
        raise FirmwareError("could not stage %s: %s" % (stager.bin_path, exc.strerror))
    finally:
        if source_fd is not None:
            os.close(source_fd)


def stage_absent(stager, want_diff):
    """Withdraw the ``.ver``, then the image; never reads through a symlink."""
    try:
        old_sha = stager.staged_sha256()
        old_ver = stager.staged_version()
        result = dict(path=stager.bin_path, ver_path=stager.ver_path, bin_changed=old_sha is not None,
                      ver_changed=old_ver is not None)
        if old_sha is not None:
            result["sha256"] = old_sha
        if old_ver is not None:
            result["version"] = old_ver.decode("ascii", "replace").strip()
        if want_diff:
            result["diff"] = _diff(stager, old_sha, None, old_ver, None)
        result["changed"] = result["bin_changed"] or result["ver_changed"]
        if not stager.check_mode:
            stager.remove()
            stager.clean_leftovers(keep_upload=False)
        return result
    except _io.FileIOError as exc:
        raise _error(exc)

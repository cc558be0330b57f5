#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: firmware
short_description: Stage a Spectralink DECT firmware image and its C(.ver) file on a provisioning server
version_added: 1.0.0
description:
  - Places C(<dest>/<name>) (the firmware image) and C(<dest>/<name>.ver) (one line of version
    text) where a Spectralink IP-DECT Server 400/6500 or DECT Server 2500/8000 fetches them. The
    server reads the C(.ver) file first and downloads the image only when the version differs from
    the one it runs.
  - "Publishing order keeps a polling device safe: when the image changes, the new image is
    written to a temporary file in O(dest) and verified first, then the old C(.ver) is removed,
    the image is renamed into place (atomic) and the new C(.ver) is written (atomic). At no instant
    is a C(.ver) published whose image is not the matching, complete file. With O(state=absent)
    the C(.ver) goes first."
  - The image is copied only when its sha256 differs from the one already staged, so a re-run
    transfers nothing and reports C(changed=false).
  - With O(remote_src=false) (the default) O(src) and O(version_src) are files on the controller
    and the image is transferred through M(ansible.builtin.copy) to a hidden upload file next to
    its final name, then published; with O(remote_src=true) they are files on the provisioning
    host and are copied there.
  - "Firmware kinds, their C(provisioning.firmware) config keys and the models that use them:
    C(kws) server firmware (400/6500 and 2500/8000; on the 400 it also updates the built-in base
    station);
    C(default_kws) not a file, V(true) makes the server firmware the default for IP base stations
    and media resources (400/6500);
    C(rfp) IP base station firmware (2500/8000);
    C(rfp6) RFP6 digital base station firmware (2500/8000);
    C(pp14208700) Butterfly handsets; C(pp14225100) 75x2, 76x2 and 77x2 series handsets;
    C(pp14225110) 72x2 series handsets; C(pp14225190) OEM handsets (handset kinds on both families).
    Base station, media resource and handset firmware needs the Enhanced Provisioning Interface
    License on the DECT server. The device asks for the file name written in its config, so
    O(name) must equal the value of that key (the M(dect.provisioning.config_xml) setting
    C(provisioning.firmware.<key>))."
author:
  - dect.provisioning contributors (@dect-provisioning)
options:
  src:
    description:
      - The firmware image. A path on the controller (searched like M(ansible.builtin.copy) searches
        C(files/)), or on the provisioning host with O(remote_src=true).
      - Required with O(state=present).
    type: path
  remote_src:
    description:
      - Whether O(src) and O(version_src) are on the provisioning host rather than the controller.
    type: bool
    default: false
  dest:
    description:
      - The provisioning root directory the devices fetch from. It must exist.
    type: path
    required: true
  name:
    description:
      - The file name the devices ask for, for example V(kws.bin); the version file is C(<name>.ver).
      - A plain file name of letters, digits and C(._+-); a path separator or C(..) is refused.
    type: str
    required: true
  version:
    description:
      - The text of the C(.ver) file, for example V(PCS17Ea 58478). One line of printable ASCII,
        at most 128 characters, without C(/) or C(\\).
      - It is written exactly, without a line ending.
      - One of O(version) and O(version_src) is required with O(state=present).
    type: str
  version_src:
    description:
      - The C(.ver) file shipped with the firmware; its one line (line ending dropped) becomes the
        version text, validated like O(version).
      - On the controller, or on the provisioning host with O(remote_src=true).
    type: path
  checksum:
    description:
      - The expected sha256 of the image, written C(sha256:<64 hex digits>).
      - Verified before anything is staged; a mismatch fails the task and leaves the provisioning
        root untouched.
    type: str
  ver_grace:
    description:
      - Seconds to wait, when an image is replaced, between withdrawing the old C(.ver) and moving
        the new image into place.
      - A device that read the old C(.ver) just before opens the old image during this pause and
        gets the image that C(.ver) described; a device opening its C(.bin) later than this after
        reading the C(.ver) may get the new image (complete, never partial) and sees the new
        C(.ver) at its next check.
      - Not spent when nothing is replaced (first staging, unchanged image, C(.ver)-only change).
    type: float
    default: 5.0
  state:
    description:
      - V(present) stages the image and its C(.ver); V(absent) removes the C(.ver) first, then the
        image.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - dect.provisioning.controller_action
  - ansible.builtin.files
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  diff_mode:
    support: full
    details: The C(.ver) text before and after, and the image's sha256 before and after.
  safe_file_operations:
    description: Uses Ansible's strict file operation functions to ensure proper permissions and avoid data corruption.
    support: full
  vault:
    description: Can automatically decrypt Ansible vaulted files.
    support: full
    details: A vault-encrypted O(src) on the controller is decrypted before it is hashed and sent.
notes:
  - File attributes (O(mode), O(owner), O(group), ...) apply to both files. Daemons serving the
    root should be able to read them but not write them, for example O(owner=root) and O(mode=0644).
  - A device that read the old C(.ver) just before a change and requests the image just after it
    receives the new, complete image; it reads the new C(.ver) at its next check. A download
    already in progress keeps reading the old image to its end (the rename does not cut it off).
  - The controller computes the sha256 of O(src) on every run; the provisioning host computes the
    sha256 of the staged image, so a no-op run reads the image once on each side.
  - The name C(.<name>.upload) in O(dest) is reserved for the upload from the controller; the
    module moves that file into place instead of copying it.
  - The C(dect.provisioning.firmware) role stages a whole catalogue with this module.
seealso:
  - module: dect.provisioning.config_xml
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Stage the 6500 server firmware from the controller, verified
  dect.provisioning.firmware:
    src: files/firmware/kws6500_PCS24B.bin
    dest: /srv/dect
    name: kws.bin
    version: PCS24B 71234
    checksum: "sha256:9f2c5d0a6b0e3c1e6a3f7a9b8c2d1e0f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d"
    owner: root
    group: root
    mode: "0644"

- name: Stage handset firmware with the .ver file shipped in the release
  dect.provisioning.firmware:
    src: files/firmware/pp7x_Over-the-Air.bin
    version_src: files/firmware/pp7x_Over-the-Air.bin.ver
    dest: /srv/dect
    name: pp14225100.bin

- name: Publish an image already downloaded onto the provisioning host
  dect.provisioning.firmware:
    src: /var/tmp/kws8000.bin
    version_src: /var/tmp/kws8000.bin.ver
    remote_src: true
    dest: /srv/dect
    name: kws.bin

- name: Withdraw the RFP6 firmware (the .ver disappears first)
  dect.provisioning.firmware:
    dest: /srv/dect
    name: rfp6.bin
    state: absent
"""

RETURN = r"""
path:
  description: The firmware image on the provisioning host.
  returned: always
  type: str
  sample: /srv/dect/kws.bin
ver_path:
  description: The version file on the provisioning host.
  returned: always
  type: str
  sample: /srv/dect/kws.bin.ver
bin_changed:
  description: Whether the image was (or, in check mode, would be) replaced, added or removed.
  returned: always
  type: bool
ver_changed:
  description: Whether the C(.ver) text was (or would be) changed, added or removed.
  returned: always
  type: bool
sha256:
  description: The sha256 of the image now staged (of the one removed with O(state=absent)).
  returned: when an image is or was staged
  type: str
  sample: 9f2c5d0a6b0e3c1e6a3f7a9b8c2d1e0f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d
version:
  description: The version text now in the C(.ver) file (of the one removed with O(state=absent)).
  returned: when a version is or was staged
  type: str
  sample: PCS24B 71234
size:
  description: Size of the image in bytes.
  returned: when O(state=present)
  type: int
"""

import errno
import hashlib
import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dect.provisioning.plugins.module_utils.firmware import (
    ARGUMENT_SPEC,
    CHUNK_SIZE,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_IF,
    FirmwareError,
    check_name,
    check_version,
    checksum_mismatch,
    parse_checksum,
    sha256_file,
    staging_name,
    ver_content,
    ver_name,
)


def read_file(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def sha256_if_file(path):
    return sha256_file(path) if os.path.isfile(path) else None


def _temp_file(directory, prefix, fill):
    """A synced temporary file in ``directory`` (same file system, so renaming it is atomic) written
    by ``fill(out)``; returns (path, what fill returned). Nothing is left behind on failure."""
    fd, temp = tempfile.mkstemp(dir=directory, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as out:
            filled = fill(out)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        remove_quietly(temp)
        raise
    return temp, filled


def copy_hashing(src, directory, prefix):
    """Copy ``src`` to a temporary file in ``directory``; return (temp path, sha256 of what was copied)."""
    def copy(out):
        digest = hashlib.sha256()
        with open(src, "rb") as source:
            for chunk in iter(lambda: source.read(CHUNK_SIZE), b""):
                digest.update(chunk)
                out.write(chunk)
        return digest.hexdigest()
    return _temp_file(directory, prefix, copy)


def write_temp(directory, prefix, data):
    return _temp_file(directory, prefix, lambda out: out.write(data))[0]


def remove_quietly(path):
    """Best-effort clean-up of our own temporary and upload files."""
    try:
        os.unlink(path)
    except OSError:
        pass


def remove_if_exists(path):
    """Remove a published file (True) or find it gone (False); anything else is an error, since
    the publishing order depends on it."""
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
        return False
    return True


class Stager(object):
    """One image and its ``.ver`` in one directory, published in the order that keeps devices safe."""

    def __init__(self, module, dest, name):
        self.module = module
        self.dest = dest
        self.name = name
        self.bin_path = os.path.join(dest, name)
        self.ver_path = os.path.join(dest, ver_name(name))
        self.upload_path = os.path.join(dest, staging_name(name))

    def is_upload(self, src):
        return os.path.abspath(src) == os.path.abspath(self.upload_path)

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, path=self.bin_path, ver_path=self.ver_path, changed=False, **kwargs)

    def publish_image(self, temp):
        # Withdraw the old .ver before its image goes, so no .ver ever points at the wrong image.
        withdrawn = remove_if_exists(self.ver_path)
        if withdrawn and os.path.exists(self.bin_path):
            # A device that read the old .ver just before opens the old image during this pause;
            # once open, it keeps reading that file whatever replaces the name.
            time.sleep(max(0.0, self.module.params["ver_grace"]))
        self.module.atomic_move(temp, self.bin_path, unsafe_writes=self.module.params["unsafe_writes"])

    def publish_version(self, data):
        temp = write_temp(self.dest, ".%s." % ver_name(self.name), data)
        self.module.atomic_move(temp, self.ver_path, unsafe_writes=self.module.params["unsafe_writes"])

    def apply_attributes(self, changed):
        for path in (self.bin_path, self.ver_path):
            file_args = self.module.load_file_common_arguments(self.module.params, path=path)
            changed = self.module.set_fs_attributes_if_different(file_args, changed)
        return changed


def incoming_image(module, stager, expected):
    """(sha256 of the image to stage, path of a source to copy or None when it is the upload)."""
    src = module.params["src"]
    if stager.is_upload(src):
        # The action plugin hashed the controller's file; that is the image to stage.
        if not expected:
            stager.fail("checksum: required when src is the upload file %s" % stager.upload_path)
        return expected, None
    if not os.path.isfile(src):
        stager.fail("src: '%s' is not a file on the provisioning host" % src)
    if os.path.realpath(src) == os.path.realpath(stager.bin_path):
        stager.fail("src: '%s' is the staged image itself: give the downloaded file instead" % src)
    actual = sha256_file(src)
    if expected and actual != expected:
        stager.fail(checksum_mismatch("checksum", src, expected, actual))
    return actual, src


def wanted_version(module):
    params = module.params
    if params["version"] is not None:
        return check_version(params["version"], "version")
    data = read_file(params["version_src"])
    if data is None:
        raise FirmwareError("version_src: '%s' does not exist on the provisioning host" % params["version_src"])
    return check_version(data, "version_src")


def stage_present(module, stager, expected):
    version = wanted_version(module)
    upload = stager.is_upload(module.params["src"])
    new_sha, src = incoming_image(module, stager, expected)
    old_sha = sha256_if_file(stager.bin_path)
    old_ver = read_file(stager.ver_path)
    new_ver = ver_content(version)
    bin_changed = new_sha != old_sha
    ver_changed = old_ver != new_ver

    if upload and bin_changed and not os.path.isfile(stager.upload_path) and not module.check_mode:
        module.exit_json(changed=False, upload_required=True, path=stager.bin_path, ver_path=stager.ver_path)

    result = dict(path=stager.bin_path, ver_path=stager.ver_path, bin_changed=bin_changed,
                  ver_changed=ver_changed, sha256=new_sha, version=version)
    if module._diff:
        result["diff"] = diff(stager, old_sha, new_sha, old_ver, new_ver)
    if module.check_mode:
        exists = old_sha is not None and old_ver is not None
        changed = bin_changed or ver_changed
        if exists and not changed:
            changed = stager.apply_attributes(False)
        module.exit_json(changed=changed, **result)

    if bin_changed:
        temp = stage_temp(module, stager, src, new_sha)
        stager.publish_image(temp)
    if bin_changed or ver_changed:
        stager.publish_version(new_ver)
    if upload:
        remove_quietly(stager.upload_path)  # a left-over upload of an image already in place
    changed = stager.apply_attributes(bin_changed or ver_changed)
    result["size"] = os.path.getsize(stager.bin_path)
    module.exit_json(changed=changed, **result)


def stage_temp(module, stager, src, new_sha):
    """The new image in a temporary file next to its final name, verified, ready to rename."""
    if src is None:
        actual = sha256_file(stager.upload_path)
        if actual != new_sha:
            remove_quietly(stager.upload_path)
            stager.fail(checksum_mismatch("src", "the uploaded copy", new_sha, actual))
        return stager.upload_path
    temp, actual = copy_hashing(src, stager.dest, "." + stager.name + ".")
    if actual != new_sha:
        # The source changed while we copied it: publish nothing.
        remove_quietly(temp)
        stager.fail("src: '%s' changed while it was being copied; nothing was staged" % src)
    return temp


def stage_absent(module, stager):
    old_sha = sha256_if_file(stager.bin_path)
    old_ver = read_file(stager.ver_path)
    result = dict(path=stager.bin_path, ver_path=stager.ver_path, bin_changed=old_sha is not None,
                  ver_changed=old_ver is not None)
    if old_sha is not None:
        result["sha256"] = old_sha
    if old_ver is not None:
        result["version"] = old_ver.decode("ascii", "replace").strip()
    if module._diff:
        result["diff"] = diff(stager, old_sha, None, old_ver, None)
    changed = result["bin_changed"] or result["ver_changed"]
    if not module.check_mode:
        # The .ver goes first: a device never finds a version whose image is already gone.
        for path in (stager.ver_path, stager.bin_path):
            remove_if_exists(path)
        remove_quietly(stager.upload_path)
    module.exit_json(changed=changed, **result)


def diff(stager, old_sha, new_sha, old_ver, new_ver):
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


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        add_file_common_args=True,
        supports_check_mode=True,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_if=REQUIRED_IF,
    )
    params = module.params
    try:
        name = check_name(params["name"], "name")
        expected = parse_checksum(params["checksum"], "checksum")
    except FirmwareError as exc:
        module.fail_json(msg=to_native(exc), changed=False)
    if not os.path.isdir(params["dest"]):
        if not (module.check_mode and not os.path.exists(params["dest"])):
            module.fail_json(msg="dest: '%s' is not a directory on the provisioning host: create the provisioning"
                                 " root first (the provisioning_server role does)" % params["dest"], changed=False)
        # Check mode after a task that would have created the root: everything would be new.
        module.warn("dest: '%s' does not exist yet; reporting what a real run would stage into it" % params["dest"])
    stager = Stager(module, params["dest"], name)
    try:
        if params["state"] == "absent":
            stage_absent(module, stager)
        else:
            stage_present(module, stager, expected)
    except FirmwareError as exc:
        stager.fail(to_native(exc))
    except (IOError, OSError) as exc:
        stager.fail("could not stage %s: %s" % (stager.bin_path, to_native(exc)))


if __name__ == "__main__":
    main()

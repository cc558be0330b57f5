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
  allow_same_version:
    description:
      - A device compares the C(.ver) text with the version it runs and fetches the image only when they
        differ. So by default a different image under the version text already staged is refused
        (naming O(version) or O(version_src), the C(.ver) file and why), before anything is transferred
        or written, since no device would ever fetch it.
      - V(true) stages it anyway, for example to replace a corrupt image with a good copy of the same
        release. The C(.ver) is rewritten with the same text; devices that already run that version
        do not fetch the image.
    type: bool
    default: false
    version_added: 1.0.0
  lock_timeout:
    description:
      - Seconds to wait for another run that holds the provisioning root (staging firmware or publishing
        documents there) before failing with a message naming it (pid, host, since when, what it does).
      - The lock is the root's C(flock), which the kernel releases when its holder ends, even by kill -9.
    type: int
    default: 300
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
  - Where the image or C(.ver) name cannot be replaced by a rename (it is a bind mount), the task fails
    naming it before anything changes, unless O(unsafe_writes=true) is set (C(ANSIBLE_UNSAFE_WRITES=1) in the environment of
    C(ansible-playbook) or of the module on the host sets it too); the content is then written into the
    existing file in place, never through a symlink, and devices may fetch a partly written image meanwhile.
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

- name: Replace a corrupt copy of the staged release with a good one (same .ver text)
  dect.provisioning.firmware:
    src: files/firmware/IP-DECTserver6500firmware.bin
    version: PCS24B 71234
    dest: /srv/dect
    name: IP-DECTserver6500firmware.bin
    allow_same_version: true

- name: Withdraw the RFP6 firmware (the .ver disappears first)
  dect.provisioning.firmware:
    dest: /srv/dect
    name: rfp6.bin
    state: absent

- name: Stage where the image's name is a bind mount, which no rename can replace
  dect.provisioning.firmware:
    src: files/firmware/kws6500_PCS24B.bin
    version: PCS24B 71234
    dest: /srv/dect
    name: kws.bin
    unsafe_writes: true
"""

RETURN = r"""
path:
  description: The firmware image, C(<dest>/<name>), that devices fetch from the provisioning host.
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

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dect.provisioning.plugins.module_utils._staging import (
    Stager,
    root_lock,
    read_version_src,
    stage_absent,
    stage_present,
)
from ansible_collections.dect.provisioning.plugins.module_utils.firmware import (
    ARGUMENT_SPEC,
    FirmwareError,
    check_name,
    check_ver_grace,
    check_version,
    parse_checksum,
)


def main():
    module = ARGUMENT_SPEC.create_module(supports_check_mode=True)
    params = module.params
    try:
        with root_lock(params, module.check_mode):
            result, stager = _stage(params, module)
    except FirmwareError as exc:
        module.fail_json(msg=to_native(exc), changed=False)
    for warning in stager.warnings:
        module.warn(warning)
    module.exit_json(**result)


def _stage(params, module):
    stager = Stager(params["dest"], check_name(params["name"], "name"), params["mode"], params["owner"],
                    params["group"], check_ver_grace(params["ver_grace"]), module.check_mode,
                    params["unsafe_writes"])
    expected = parse_checksum(params["checksum"], "checksum")
    if params["state"] == "absent":
        stager.check()
        result = stage_absent(stager, module._diff)
    else:
        option = "version" if params["version"] is not None else "version_src"
        version = (check_version(params["version"], "version") if params["version"] is not None
                   else read_version_src(params["version_src"]))
        stager.check()
        result = stage_present(stager, params["src"], expected, version, module._diff,
                               params["allow_same_version"], option)
    return result, stager


if __name__ == "__main__":
    main()

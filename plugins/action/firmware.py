# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.firmware: move a controller's image only when it differs.

The split of work:
- here, on the controller: validate every option, hash ``src`` (sha256) and check it against
  ``checksum``, read the ``version``/``version_src`` text; nothing leaves the controller before that;
- the firmware module on the provisioning host compares with what is staged; only when the image
  differs does it answer ``upload_required``, and the image then travels through
  ``ansible.builtin.copy`` to a hidden upload file beside its final name (copy's own atomic write,
  no second copy on the host);
- the module again: verify the upload, withdraw the old ``.ver``, rename the image into place,
  write the new ``.ver``.
A no-op run therefore reads the image once on each side and transfers nothing.
``remote_src`` and ``state=absent`` go straight to the module.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dect.provisioning.plugins.module_utils.firmware import (
    ARGUMENT_SPEC as FIRMWARE_SPEC,
    VERSION_SRC_MAX_SIZE,
    FirmwareError,
    check_name,
    check_ver_grace,
    check_version,
    checksum_mismatch,
    parse_checksum,
    sha256_file,
    staging_name,
)
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import FILE_OPTIONS, SpecAction

MODULE = "dect.provisioning.firmware"
UPLOAD_ATTEMPTS = 3


class ActionModule(SpecAction):
    ARGUMENT_SPEC = FIRMWARE_SPEC
    TRANSFERS_FILES = True
    _supports_check_mode = True
    _supports_async = False

    def perform(self, args, task_vars):
        try:
            # Refusals that need nothing but the options come before any host is touched.
            check_name(args["name"], "name")
            check_ver_grace(args["ver_grace"])
            if args["remote_src"] or args["state"] == "absent":
                # The task's own options; unsafe_writes also when the controller's environment sets it.
                module_args = dict(self._task.args, **self.module_options(args, ("unsafe_writes",)))
                return self._run_module(module_args, task_vars)
            return self._stage_from_controller(args, task_vars)
        except FirmwareError as exc:
            return dict(failed=True, changed=False, msg=to_native(exc))

    def _run_module(self, module_args, task_vars):
        return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)

    def _stage_from_controller(self, args, task_vars):
        name = check_name(args["name"], "name")
        expected = parse_checksum(args["checksum"], "checksum")
        version = self._version_text(args)
        local_src = self._local_file("src", args["src"])
        if not os.path.isfile(local_src):
            raise FirmwareError("src: '%s' is not a regular file on the controller" % args["src"])
        if os.path.getsize(local_src) == 0:
            raise FirmwareError("src: '%s' is empty: a firmware image cannot be empty; nothing was staged" % args["src"])
        actual = self._local_sha256(local_src)
        if expected and actual != expected:
            raise FirmwareError(checksum_mismatch("checksum", args["src"], expected, actual))

        upload = os.path.join(args["dest"], staging_name(name, actual))
        # src naming the upload file tells the module to move it into place, or to ask for it.
        module_args = dict(src=upload, remote_src=True, dest=args["dest"], name=name,
                           version=version, checksum="sha256:%s" % actual, state="present",
                           ver_grace=args["ver_grace"], allow_same_version=args["allow_same_version"],
                           **self.module_options(args, FILE_OPTIONS))

        staged = self._run_module(module_args, task_vars)
        if staged.get("failed") and args["version_src"] is not None and str(staged.get("msg", "")).startswith("version: "):
            # The module was given the text read from version_src: name the option the task used.
            staged["msg"] = "version_src" + staged["msg"][len("version"):]
        # Each module call holds the root's lock; the upload between two calls does not. Another run
        # staging another image under this name may take the upload away: sent again, a few times.
        for dummy in range(UPLOAD_ATTEMPTS):
            if not staged.get("upload_required"):
                return staged
            copied = self._upload(local_src, upload, task_vars)
            if copied.get("failed"):
                copied.setdefault("msg", "transferring %s to %s failed" % (args["src"], upload))
                return copied
            staged = self._run_module(module_args, task_vars)
        if staged.get("upload_required"):
            return dict(failed=True, changed=False, msg="%s: the upload was replaced %d times by another run staging"
                        " this name: nothing staged" % (upload, UPLOAD_ATTEMPTS))
        return staged

    def _version_text(self, args):
        if args["version"] is not None:
            return check_version(args["version"], "version")
        path = self._local_file("version_src", args["version_src"])
        if not os.path.isfile(path):
            raise FirmwareError("version_src: '%s' is not a regular file on the controller" % args["version_src"])
        with open(path, "rb") as handle:
            data = handle.read(VERSION_SRC_MAX_SIZE + 1)
        if len(data) > VERSION_SRC_MAX_SIZE:
            raise FirmwareError("version_src: '%s' is larger than %d bytes: a .ver file holds one line of version"
                                " text" % (args["version_src"], VERSION_SRC_MAX_SIZE))
        return check_version(data, "version_src")

    def _local_file(self, option, path):
        try:
            return self._find_needle("files", path)
        except AnsibleError as exc:
            raise FirmwareError("%s: '%s' was not found on the controller: %s" % (option, path, to_native(exc)))

    def _local_sha256(self, path):
        # A vault-encrypted image is hashed as the devices will see it: decrypted.
        real = self._loader.get_real_file(path, decrypt=True)
        try:
            return sha256_file(real)
        finally:
            self._loader.cleanup_tmp_file(real)

    def _upload(self, local_src, upload, task_vars):
        """Send the image with ansible.builtin.copy: its transfer, checksum and atomic write."""
        copy_task = self._task.copy()
        # Readable by root only until the module publishes it under its real name.
        copy_task.args = dict(src=local_src, dest=upload, mode="0600", force=True)
        copy_task.diff = False  # a byte diff of firmware is noise; the module reports sha256s
        copy_action = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.copy", task=copy_task, connection=self._connection,
            play_context=self._play_context, loader=self._loader, templar=self._templar,
            shared_loader_obj=self._shared_loader_obj)
        return copy_action.run(task_vars=task_vars)

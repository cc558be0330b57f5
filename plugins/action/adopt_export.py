# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.adopt_export: exports -> host_vars with secrets vaulted, on the controller."""

from __future__ import annotations

import os
import stat
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import AnsibleVaultError, VaultLib, match_encrypt_secret

from ansible_collections.dect.provisioning.plugins.module_utils._adopt import ARGUMENT_SPEC as ADOPT_SPEC
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac
from ansible_collections.dect.provisioning.plugins.plugin_utils import adopt
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction

MAX_EXPORT_BYTES = 16 * 1024 * 1024
FILE_MODE = 0o600


class ActionModule(SpecAction):
    ARGUMENT_SPEC = ADOPT_SPEC
    TRANSFERS_FILES = False
    _requires_connection = False

    def perform(self, args, task_vars):
        try:
            return self._adopt(args)
        except adopt.AdoptError as exc:
            return dict(failed=True, changed=False, errors=exc.errors,
                        msg="adoption failed with %d error(s), nothing written: %s" % (
                            len(exc.errors), "; ".join(exc.errors)))

    def _adopt(self, args):
        host = args["host"]
        if not host or "/" in host or host in (".", "..") or host.startswith("."):
            raise AnsibleActionFail("host: '%s' is not an inventory host name usable as a file name" % host)
        try:
            normalize_mac(args["mac"])
        except IdentifierError as exc:
            raise AnsibleActionFail("mac: %s" % exc)
        config_data = self._read(args["config"], "config")
        users_data = self._read(args["users"], "users") if args.get("users") else None
        data, secret_paths, warnings = adopt.host_vars(
            config_data, users_data, args["model"], args["mac"],
            os.path.basename(args["config"]), os.path.basename(args["users"] or "users"))
        vault = self._vault(args.get("vault_id"))
        target = os.path.join(args["dir"], "host_vars", "%s.yml" % host)
        out = dict(path=target, vaulted=sorted(secret_paths), users=len(data.get("dect_users", [])),
                   parameters=len(_leaves(data["dect_settings_host"])))
        if warnings:
            out["warnings"] = warnings
        if self._unchanged(target, data, vault):
            out["changed"] = False
            return out
        out["changed"] = True
        if not self._task.check_mode:
            text = adopt.dump(adopt.encrypt_all(data, vault.encrypt_text))
            _write_atomic(target, to_bytes(text))
        return out

    def _read(self, path, option):
        try:
            real = self._loader.get_real_file(self._find_needle("files", path), decrypt=True)
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleActionFail("%s: cannot read '%s': %s" % (option, path, to_text(exc)))
        try:
            with open(real, "rb") as handle:
                data = handle.read(MAX_EXPORT_BYTES + 1)
        finally:
            self._loader.cleanup_tmp_file(real)
        if len(data) > MAX_EXPORT_BYTES:
            raise AnsibleActionFail("%s: '%s' is larger than %d bytes" % (option, path, MAX_EXPORT_BYTES))
        return data

    def _vault(self, vault_id):
        secrets = getattr(self._loader, "_vault", None)
        secrets = secrets.secrets if secrets is not None else None
        if not secrets:
            raise AnsibleActionFail("no vault secret: run with --vault-id <label>@<password file or prompt>, so"
                                    " every secret is written ansible-vault encrypted")
        try:
            chosen = match_encrypt_secret(secrets, encrypt_vault_id=vault_id or None)
        except AnsibleVaultError as exc:
            raise AnsibleActionFail("vault_id: %s" % to_text(exc))
        if not chosen:
            raise AnsibleActionFail("no vault secret to encrypt with: give --vault-id on the command line")
        return _Vault(secrets, chosen[0], chosen[1])

    @staticmethod
    def _unchanged(target, data, vault):
        """Whether ``target`` already holds this adoption (decrypted, values compared)."""
        if not os.path.isfile(target) or os.path.islink(target):
            return False
        try:
            with open(target, "r") as handle:
                current = adopt.load(handle.read(), vault.decrypt_text)
        except Exception:  # pylint: disable=broad-except
            return False
        return current == adopt.reveal(data)


class _Vault(object):
    def __init__(self, secrets, vault_id, secret):
        self.lib = VaultLib(secrets)
        self.vault_id = vault_id
        self.secret = secret

    def encrypt_text(self, text):
        return to_text(self.lib.encrypt(to_bytes(text), secret=self.secret, vault_id=self.vault_id))

    def decrypt_text(self, ciphertext):
        return to_text(self.lib.decrypt(to_bytes(ciphertext)))


def _leaves(tree):
    count = []
    for value in tree.values():
        count.extend(_leaves(value) if isinstance(value, dict) else [1])
    return count


def _write_atomic(target, data):
    """Write ``target`` through a temp file in its directory: mode 0600 before the rename, never via a symlink."""
    directory = os.path.dirname(target)
    for path in (os.path.dirname(directory), directory):
        if os.path.islink(path):
            raise AnsibleActionFail("%s is a symlink: refusing to write through it" % path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o750)
    if os.path.islink(target) or (os.path.exists(target) and not stat.S_ISREG(os.lstat(target).st_mode)):
        raise AnsibleActionFail("%s is a symlink or not a regular file: refusing to replace it" % target)
    handle, temp = tempfile.mkstemp(prefix=".adopt-", suffix=".tmp", dir=directory)
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.adopt_export: exports -> host_vars with secrets vaulted, on the controller."""

from __future__ import annotations

import os
import stat

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import AnsibleVaultError, VaultLib, match_encrypt_secret

from ansible_collections.dect.provisioning.plugins.module_utils import _io
from ansible_collections.dect.provisioning.plugins.module_utils._adopt import ARGUMENT_SPEC as ADOPT_SPEC
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac
from ansible_collections.dect.provisioning.plugins.plugin_utils import adopt
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction
from ansible_collections.dect.provisioning.plugins.plugin_utils._loader_files import TooLarge, read_capped

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
        ip = adopt.check_address(args["ip"]) if args.get("ip") else None
        # Relative paths are relative to the current directory, as for every shell command (not to the
        # playbook's directory inside the installed collection).
        config, users_file = _here(args["config"]), _here(args.get("users"))
        config_data = self._read(config, "config")
        users_data = self._read(users_file, "users") if users_file else None
        data, secret_paths, warnings, overrides = adopt.host_vars(
            config_data, users_data, args["model"], args["mac"], os.path.basename(config),
            os.path.basename(users_file or "users"), provisioning=args["provisioning"], ip=ip)
        vault = self._vault(args.get("vault_id"))
        target = os.path.join(_here(args["dir"]), "host_vars", "%s.yml" % host)
        current, text = self._current(target, vault, args["force"], warnings)
        merged, kept = adopt.merge(current, data)
        if not merged.get("dect_ip") and not merged.get("dect_sip_host"):
            raise adopt.AdoptError([
                "ip: the export holds no address of the server (%s empty: it takes its address by DHCP) and %s"
                " sets neither dect_ip nor dect_sip_host: give the address check-sync is sent to with the ip option"
                " (-e dect_adopt_ip=<address>)" % (", ".join(adopt.ADDRESS_PATHS), target)])
        out = dict(path=target, vaulted=sorted(secret_paths), users=len(data.get("dect_users", [])),
                   parameters=len(_leaves(data["dect_settings_host"])), overrides=overrides, kept=kept)
        if text is not None and adopt.has_own_comments(text) and current != merged:
            warnings.append("%s: its comments are not kept (the file is written anew; its variables are)" % target)
        if warnings:
            out["warnings"] = warnings
        if current is not None and adopt.reveal(current) == adopt.reveal(merged):
            out["changed"] = False
            return out
        out["changed"] = True
        if self._task.diff:
            out["diff"] = dict(before_header=target, after_header=target,
                               before=adopt.summary(current, host), after=adopt.summary(merged, host))
        if not self._task.check_mode:
            _write_atomic(target, to_bytes(adopt.dump(adopt.encrypt_all(merged, vault.encrypt_text))))
        return out

    @staticmethod
    def _current(target, vault, force, warnings):
        """(the variables of an existing host_vars file, its text), or (None, None) when there is none.

        A file adopt cannot read back (not YAML, not a mapping, a vault value of another identity) is
        never replaced unless ``force``: its variables would be lost.
        """
        if not os.path.lexists(target):
            return None, None
        if os.path.islink(target) or not stat.S_ISREG(os.lstat(target).st_mode):
            raise AnsibleActionFail("%s is a symlink or not a regular file: refusing to replace it" % target)
        try:
            with open(target, "r") as handle:
                text = handle.read(MAX_EXPORT_BYTES)
            current = adopt.load(text, vault.decrypt_text)
            if current is None:
                current = {}
            if not isinstance(current, dict):
                raise ValueError("it is not a mapping of variables")
            return current, text
        except Exception as exc:  # pylint: disable=broad-except
            reason = to_text(exc).splitlines()[0] if to_text(exc) else type(exc).__name__
            if not force:
                raise AnsibleActionFail(
                    "%s exists and cannot be read back to keep its variables (%s): nothing written; fix or move it,"
                    " or give force: true (-e dect_adopt_force=true) to replace it whole" % (target, reason))
            warnings.append("%s could not be read back (%s): replaced whole (force)" % (target, reason))
            return None, None

    def _read(self, path, option):
        try:
            return read_capped(self._loader, path, MAX_EXPORT_BYTES)
        except TooLarge:
            raise AnsibleActionFail("%s: '%s' is larger than %d bytes" % (option, path, MAX_EXPORT_BYTES))
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleActionFail("%s: cannot read '%s': %s" % (option, path, to_text(exc)))

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


class _Vault(object):
    def __init__(self, secrets, vault_id, secret):
        self.lib = VaultLib(secrets)
        self.vault_id = vault_id
        self.secret = secret

    def encrypt_text(self, text):
        return to_text(self.lib.encrypt(to_bytes(text), secret=self.secret, vault_id=self.vault_id))

    def decrypt_text(self, ciphertext):
        return to_text(self.lib.decrypt(to_bytes(ciphertext)))


def _here(path):
    """``path`` made absolute against the current directory (``~`` expanded), or None."""
    return os.path.abspath(os.path.expanduser(path)) if path else None


def _leaves(tree):
    count = []
    for value in tree.values():
        count.extend(_leaves(value) if isinstance(value, dict) else [1])
    return count


def _write_atomic(target, data):
    """Write ``target`` through ``_io`` (a temp file in its directory, mode 0600 before the rename, never
    via a symlink), making its ``host_vars`` directory first (not through a symlink either)."""
    directory = os.path.dirname(target)
    for path in (os.path.dirname(directory), directory):
        if os.path.islink(path):
            raise AnsibleActionFail("%s is a symlink: refusing to write through it" % path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o750)
    try:
        _io.write_atomic(target, data, mode=FILE_MODE)
    except _io.FileIOError as exc:
        raise AnsibleActionFail(str(exc))

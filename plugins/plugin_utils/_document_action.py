# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins of the modules that write one XML document per DECT server.

``config_xml`` and ``users_xml`` share everything but the document, which their render backend
(``_render.ConfigBackend`` / ``UsersBackend``) makes: option handling, reading the current file on
the target for a diff, writing and removal through the ``publish`` module's write step on the target
(``_remote_write``: no symlink followed, attributes set before the atomic rename, backups outside the
root, check mode). Rendering happens on the controller, so targets need no lxml.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import scrub, scrub_result
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, device_file_name
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import XmlError
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction
from ansible_collections.dect.provisioning.plugins.plugin_utils._remote_write import write_documents
from ansible_collections.dect.provisioning.plugins.plugin_utils._render import (
    DocumentInvalid,
    family_of,
    read_input,
    summary_text,
)

# The documents carry passwords: readable by owner and group (the serving daemons) only.
DEFAULT_MODE = "0640"

LABEL_OPTIONS = ("seuser", "serole", "setype", "selevel", "attributes")
# What the publication module on the host takes of this module's options.
WRITE_OPTIONS = ("owner", "group", "unsafe_writes")


class DocumentAction(SpecAction):
    """Base of the actions writing ``<mac>-<kind>.xml``; ``BACKEND`` (a ``_render`` backend class)
    renders, parses and summarises, and its ``SPEC`` is the module's one argument spec."""

    BACKEND = None
    TRANSFERS_FILES = True
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        return self._host_named(super().run(tmp, task_vars), task_vars or {})

    def _host_named(self, result, task_vars):
        """Run for one host on another (``delegate_to``, as validate.yml checks each DECT server on the
        controller): each warning starts with the host it is about, which Ansible's own line omits."""
        host = task_vars.get("inventory_hostname")
        if result.get("warnings") and self._task.delegate_to and host and host != self._task.delegate_to:
            result["warnings"] = ["%s: %s" % (host, warning) for warning in result["warnings"]]
        return result

    def perform(self, args, task_vars):
        backend = self.BACKEND(args, family_of(args))
        return _scrubbed(self._perform(backend, args, task_vars), backend.secrets)

    def _perform(self, backend, args, task_vars):
        state = args["state"]
        try:
            if state == "parsed":
                return self._parsed(backend, args)
            if state == "rendered":
                return self._rendered(backend, args)
            target = self._target_path(args)
            if state == "absent":
                return self._absent(target, args, task_vars)
            return self._present(backend, target, args, task_vars)
        except DocumentInvalid as exc:
            out = dict(failed=True, changed=False, errors=exc.errors, msg=backend.failure_message(exc.errors))
            if exc.warnings:
                out["warnings"] = exc.warnings
            return out
        except (IdentifierError, XmlError) as exc:
            return dict(failed=True, changed=False, msg=str(exc))

    def _input(self, args):
        """The bytes of src (found like a role's file, vault-decrypted) or content, capped; or None."""
        return read_input(args, lambda src: self._find_needle("files", src), self._loader)

    def _target_path(self, args):
        if args.get("path"):
            return args["path"]
        if not args.get("dest"):
            raise AnsibleActionFail("path or dest + mac is required for state=%s" % args["state"])
        try:
            name = device_file_name(args["mac"], self.BACKEND.KIND)
        except IdentifierError as exc:
            raise AnsibleActionFail("mac: %s" % exc)
        return os.path.join(args["dest"], name)

    def _rendered(self, backend, args):
        doc = backend.render(lambda: self._input(args))
        out = dict(changed=False, xml=doc.masked_text)
        out.update(doc.result)
        return _with_warnings(out, doc.warnings)

    def _parsed(self, backend, args):
        data = self._input(args)
        if data is None:
            raise AnsibleActionFail("src or content is required for state=parsed")
        return dict(changed=False, **backend.parse(data))

    def _present(self, backend, target, args, task_vars):
        doc = backend.render(lambda: self._input(args))
        report = self._write(target, doc.text, args, task_vars)
        out = dict(changed=report["changed"], path=target, xml=doc.masked_text)
        out.update(doc.result)
        if "backup_file" in report:
            out["backup_file"] = report["backup_file"]
        if self._task.diff and out["changed"] and report["state"] != "attributes":
            out["diff"] = _diff(target, self._before(report, backend.family), doc.summarize())
        return _with_warnings(out, doc.warnings)

    def _absent(self, target, args, task_vars):
        report = self._write(target, None, args, task_vars)
        out = dict(changed=report["changed"], path=target)
        if self._task.diff and out["changed"]:
            out["diff"] = _diff(target, self._before(report, None), {})
        return out

    def _write(self, target, text, args, task_vars):
        """Write (or, with text None, remove) ``target`` on the host through the publish module's write
        step: symlinks refused, permissions set before the rename, backups only outside the root."""
        if args.get("backup") and not args.get("backup_dir"):
            raise AnsibleActionFail("backup_dir: required with backup=true: a directory outside the provisioning"
                                    " root, so that devices can never fetch an old document (mode 0600)")
        options = self.module_options(args, WRITE_OPTIONS)
        options["mode"] = args.get("mode") if args.get("mode") is not None else DEFAULT_MODE
        options["backup_dir"] = args.get("backup_dir") if args.get("backup") else None
        dest, name = os.path.split(target)
        reports, error, dummy = write_documents(self, task_vars, dest or ".", [(name, text)], options)
        if error:
            raise AnsibleActionFail(error)
        report = reports[name]
        if report["state"] == "failed":
            raise AnsibleActionFail(report["msg"])
        extra = dict((key, args[key]) for key in LABEL_OPTIONS if args.get(key) is not None)
        if extra and text is not None and not self._task.check_mode:
            # SELinux labels and chattr attributes: applied by ansible.builtin.file to the published
            # regular file (mode, owner and group were set before the rename).
            labelled = self._execute_module(module_name="ansible.legacy.file", task_vars=task_vars,
                                            module_args=dict(extra, path=target, state="file", follow=False))
            if labelled.get("failed"):
                raise AnsibleActionFail("%s: %s" % (target, labelled.get("msg")))
            report["changed"] = report["changed"] or labelled.get("changed", False)
        return report

    def _before(self, report, family):
        if "before" in report:
            if family is None:
                return {"(file)": "%d bytes" % len(report["before"].encode("utf-8"))}
            return self.BACKEND.summarize_current(report["before"].encode("utf-8"), family)
        if "before_size" in report:
            return {"(file)": "%d bytes" % report["before_size"]}
        return None


def _scrubbed(result, secrets):
    """The secret values met while rendering or parsing, scrubbed from every message, error, warning
    and diff of ``result``, like Ansible's no_log values."""
    scrub_result(result, secrets)
    diff = result.get("diff")
    if isinstance(diff, dict):
        for key in ("before", "after"):
            diff[key] = scrub(diff.get(key), secrets)
    return result


def _diff(target, before, after):
    return dict(before_header=target, after_header=target, before=summary_text(before), after=summary_text(after))


def _with_warnings(out, warnings):
    if warnings:
        out["warnings"] = list(warnings)
    return out

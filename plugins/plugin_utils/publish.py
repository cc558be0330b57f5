# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of the modules that publish one XML document per DECT server.

``config_xml`` and ``users_xml`` share everything but the document: option handling, reading the
current file on the target for a diff, writing and removal through the ``publish`` module on the
target (``_exchange.publish``: no symlink followed, attributes set before the atomic rename, backups
outside the root, check mode). Rendering happens here, on the controller, so targets need no lxml.
"""

from __future__ import annotations

import os
from collections import namedtuple

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes
from ansible.parsing.vault import is_encrypted_file

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import scrub, scrub_result
from ansible_collections.dect.provisioning.plugins.module_utils.document import (
    input_size_error,
    max_input_size_error,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    MODELS,
    device_file_name,
    model_family,
)
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import XmlError, check_well_formed
from ansible_collections.dect.provisioning.plugins.plugin_utils import _exchange as exchange
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction

# The documents carry passwords: readable by owner and group (the serving daemons) only.
DEFAULT_MODE = "0640"

# ``summarize`` is called only when a diff is shown: a users summary fingerprints every secret.
RenderedDocument = namedtuple("RenderedDocument", "text masked_text summarize result warnings")

LABEL_OPTIONS = ("seuser", "serole", "setype", "selevel", "attributes")
# What the publication module on the host takes of this module's options.
WRITE_OPTIONS = ("owner", "group", "unsafe_writes")


class DocumentInvalid(Exception):
    """Validation failed: ``errors`` lists every problem, each naming its path."""

    def __init__(self, errors, warnings=()):
        super().__init__("; ".join(errors))
        self.errors = list(errors)
        self.warnings = list(warnings)


class DocumentAction(SpecAction):
    """Base for actions rendering ``<mac>-<KIND>.xml``; subclasses render, summarise and parse.

    ``ARGUMENT_SPEC`` is the module's one spec (``module_utils.document.CONFIG_XML`` / ``USERS_XML``)."""

    KIND = None
    ROOT_TAG = None
    TRANSFERS_FILES = True
    _requires_connection = False

    # -- what a subclass provides -------------------------------------------------------
    def render_document(self, args, family, strict):
        raise NotImplementedError

    def summarize_existing(self, data, family):
        raise NotImplementedError

    def parse_source(self, data, family, args):
        raise NotImplementedError

    # -- the shared flow ----------------------------------------------------------------
    def run(self, tmp=None, task_vars=None):
        return self._host_named(self._scrubbed(super().run(tmp, task_vars)), task_vars or {})

    def _host_named(self, result, task_vars):
        """Run for one host on another (``delegate_to``, as validate.yml checks each DECT server on the
        controller): each warning starts with the host it is about, which Ansible's own line omits."""
        host = task_vars.get("inventory_hostname")
        if result.get("warnings") and self._task.delegate_to and host and host != self._task.delegate_to:
            result["warnings"] = ["%s: %s" % (host, warning) for warning in result["warnings"]]
        return result

    def perform(self, args, task_vars):
        family = self._family(args)
        state = args["state"]
        try:
            if state == "parsed":
                return self._parsed(args, family)
            if state == "rendered":
                return self._rendered(args, family)
            target = self._target_path(args)
            if state == "absent":
                return self._absent(target, args, task_vars)
            return self._present(target, args, family, task_vars)
        except DocumentInvalid as exc:
            out = dict(failed=True, changed=False, errors=exc.errors, msg=self._failure_message(exc.errors))
            if exc.warnings:
                out["warnings"] = exc.warnings
            return out
        except (IdentifierError, XmlError) as exc:
            return dict(failed=True, changed=False, msg=str(exc))

    def _scrubbed(self, result):
        scrub_result(result, self._known_secrets)
        diff = result.get("diff")
        if isinstance(diff, dict):
            for key in ("before", "after"):
                diff[key] = scrub(diff.get(key), self._known_secrets)
        return result

    def checked_args(self, task_args=None):
        # Secret values met while rendering or parsing (subclasses add them): scrubbed from every
        # message, error, warning and diff this action returns, like Ansible's no_log values.
        self._known_secrets = set()
        return super().checked_args(task_args)

    def render_for_publication(self, want_summary, task_args):
        """Validate ``task_args`` (this module's options) and render the document, writing nothing
        (the publication engine's render step). Returns (file name, text, summary or None,
        warnings); raises DocumentInvalid, AnsibleActionFail or IdentifierError/XmlError like ``run``."""
        args = self.checked_args(task_args)
        family = self._family(args)
        name = device_file_name(args["mac"], self.KIND)
        secrets = self._known_secrets
        try:
            doc = self._render(args, family)
        except DocumentInvalid as exc:
            raise DocumentInvalid([scrub(e, secrets) for e in exc.errors], [scrub(w, secrets) for w in exc.warnings])
        except (AnsibleActionFail, IdentifierError, XmlError) as exc:
            raise type(exc)(scrub(str(exc), secrets))
        summary = None
        if want_summary:
            summary = dict((key, scrub(value, secrets)) for key, value in doc.summarize().items())
        return name, doc.text, summary, [scrub(w, secrets) for w in doc.warnings]

    def summarize_current(self, data, family):
        """A summary of a document found on a provisioning host, for a diff (never raises)."""
        try:
            return self.summarize_existing(data, family)
        except (XmlError, ValueError):
            return {"(file)": "not a valid %s document (%d bytes)" % (self.KIND, len(data))}

    def _failure_message(self, errors):
        return "%s-xml validation failed with %d error(s), nothing written: %s" % (
            self.KIND, len(errors), "; ".join(errors))

    def _family(self, args):
        # The argument check has refused any model outside its choices.
        if args.get("model") is None:
            if args["state"] == "absent":
                return None
            raise AnsibleActionFail("model: required for state=%s; allowed %s" % (args["state"], ", ".join(MODELS)))
        return model_family(args["model"])

    def _target_path(self, args):
        if args.get("path"):
            return args["path"]
        if not args.get("dest"):
            raise AnsibleActionFail("path or dest + mac is required for state=%s" % args["state"])
        try:
            name = device_file_name(args["mac"], self.KIND)
        except IdentifierError as exc:
            raise AnsibleActionFail("mac: %s" % exc)
        return os.path.join(args["dest"], name)

    def _rendered(self, args, family):
        doc = self._render(args, family)
        out = dict(changed=False, xml=doc.masked_text)
        out.update(doc.result)
        return self._with_warnings(out, doc.warnings)

    def _render(self, args, family):
        doc = self.render_document(args, family, args["strict"])
        # What the device will parse, parsed here first: a document it would reject is never written.
        try:
            check_well_formed(doc.text, self.ROOT_TAG)
        except XmlError as exc:
            raise DocumentInvalid(["%s-xml: the rendered document does not parse back (%s)" % (self.KIND, exc)],
                                  doc.warnings)
        return doc

    def _parsed(self, args, family):
        data = self._source_bytes(args)
        if data is None:
            raise AnsibleActionFail("src or content is required for state=parsed")
        return dict(changed=False, **self.parse_source(data, family, args))

    def _source_bytes(self, args):
        """src or content as bytes; refused before it is read when larger than max_input_size."""
        limit = args["max_input_size"]
        error = max_input_size_error(limit)
        if error:
            raise DocumentInvalid([error])
        if args.get("content") is not None:
            content = args["content"]
            # Characters first: at least as many bytes, and counting them copies nothing.
            self._check_size("content", len(content), limit)
            data = to_bytes(content)
            self._check_size("content", len(data), limit)
            return data
        if args.get("src"):
            try:
                found = self._find_needle("files", args["src"])
            except AnsibleError:
                raise DocumentInvalid(["src: '%s' is not a readable file on the controller (searched as a role's"
                                       " or playbook's files)" % args["src"]])
            label = "src %s" % os.path.basename(found)
            # A vaulted file is hex text: about twice the bytes it decrypts to.
            self._check_size(label, os.path.getsize(found), 2 * limit + 4096 if _is_vaulted(found) else limit)
            # Through the loader, so a vault-encrypted export or CSV is decrypted like any vars file.
            path = self._loader.get_real_file(found, decrypt=True)
            try:
                self._check_size(label, os.path.getsize(path), limit)
                with open(path, "rb") as handle:
                    data = handle.read(limit + 1)
                self._check_size(label, len(data), limit)
                return data
            finally:
                self._loader.cleanup_tmp_file(path)
        return None

    @staticmethod
    def _check_size(label, size, limit):
        error = input_size_error(label, size, limit)
        if error:
            raise DocumentInvalid([error])

    def _present(self, target, args, family, task_vars):
        doc = self._render(args, family)
        report = self._publish(target, doc.text, args, task_vars)
        out = dict(changed=report["changed"], path=target, xml=doc.masked_text)
        out.update(doc.result)
        if "backup_file" in report:
            out["backup_file"] = report["backup_file"]
        if self._task.diff and out["changed"] and report["state"] != "attributes":
            out["diff"] = self._diff(target, self._before(report, family), doc.summarize())
        return self._with_warnings(out, doc.warnings)

    def _absent(self, target, args, task_vars):
        report = self._publish(target, None, args, task_vars)
        out = dict(changed=report["changed"], path=target)
        if self._task.diff and out["changed"]:
            out["diff"] = self._diff(target, self._before(report, None), {})
        return out

    def _publish(self, target, text, args, task_vars):
        """Write (or, with text None, remove) ``target`` on the host through the publication module:
        symlinks refused, permissions set before the rename, backups only outside the root."""
        if args.get("backup") and not args.get("backup_dir"):
            raise AnsibleActionFail("backup_dir: required with backup=true: a directory outside the provisioning"
                                    " root, so that devices can never fetch an old document (mode 0600)")
        options = self.module_options(args, WRITE_OPTIONS)
        options["mode"] = args.get("mode") if args.get("mode") is not None else DEFAULT_MODE
        options["backup_dir"] = args.get("backup_dir") if args.get("backup") else None
        dest, name = os.path.split(target)
        reports, error, dummy = exchange.publish(self, task_vars, dest or ".", [(name, text)], options)
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
            return self.summarize_current(report["before"].encode("utf-8"), family)
        if "before_size" in report:
            return {"(file)": "%d bytes" % report["before_size"]}
        return None

    @staticmethod
    def _diff(target, before, after):
        return dict(before_header=target, after_header=target,
                    before=_summary_text(before), after=_summary_text(after))

    @staticmethod
    def _with_warnings(out, warnings):
        if warnings:
            out["warnings"] = list(warnings)
        return out


def _is_vaulted(path):
    with open(path, "rb") as handle:
        return is_encrypted_file(handle)


def _summary_text(summary):
    if not summary:
        return ""
    return "".join("%s = %s\n" % (key, summary[key]) for key in sorted(summary))

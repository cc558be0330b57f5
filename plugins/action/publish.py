# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.publish: the site's publication engine.

Why three steps (see docs/publication.md): Ansible reports results per host, and a DECT server's
result (changed, diff, failure) must stay its own, yet one module call per provisioning host is
what makes a 100-server no-op fast. So each server renders on the controller (``render``), the
batch is published once per provisioning host (``write``, run_once + delegate_to), and each
server picks its own outcome from the write results (``report``).
"""

from __future__ import annotations

from importlib import import_module

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dect.provisioning.plugins.module_utils._publication import (
    ARGUMENT_SPEC as PUBLISH_SPEC,
    sha1_text,
)
from ansible_collections.dect.provisioning.plugins.module_utils.firmware import FIRMWARE_KINDS, ver_name
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, model_family
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import XmlError
from ansible_collections.dect.provisioning.plugins.plugin_utils import _exchange as exchange
from ansible_collections.dect.provisioning.plugins.plugin_utils import _spool
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction
from ansible_collections.dect.provisioning.plugins.plugin_utils._site_index import site_index
from ansible_collections.dect.provisioning.plugins.plugin_utils.publish import DocumentInvalid

# Users first: a config naming users that are not there yet is never served.
KINDS = ("users", "config")
WRITE_OPTIONS = ("mode", "owner", "group", "backup_dir", "unsafe_writes", "lock_timeout")


class ActionModule(SpecAction):
    ARGUMENT_SPEC = PUBLISH_SPEC
    TRANSFERS_FILES = False
    # render and report never touch a host; write runs delegated to a provisioning host.
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def perform(self, args, task_vars):
        steps = dict(render=self._render, write=self._write, report=self._report)
        return steps[args["step"]](args, task_vars)

    # -- render: each DECT server, on the controller ---------------------------------------------
    def _render(self, args, task_vars):
        host = task_vars["inventory_hostname"]
        _spool.drop(host)
        if args["server"] is not None:
            # The options at once, as the dect_server lookup resolves them: checked as if given one by one.
            args = self.checked_args(dict(args["server"], step="render"))
        documents, errors, warnings = {}, [], []
        for kind in KINDS:
            options = args.get(kind)
            if options is None:
                continue
            try:
                task_args = dict(options, mac=args["mac"], model=args["model"], state="rendered")
                name, text, summary, doc_warnings = self._document_action(kind).render_for_publication(
                    self._task.diff, task_args)
            except DocumentInvalid as exc:
                errors.extend(exc.errors)
                warnings.extend(exc.warnings)
                continue
            except (AnsibleActionFail, IdentifierError, XmlError) as exc:
                errors.append("%s: %s" % (kind, to_native(exc)))
                continue
            warnings.extend(doc_warnings)
            documents[kind] = dict(name=name, text=text, checksum=sha1_text(text), summary=summary)
        out = dict(changed=False)
        if warnings:
            out["warnings"] = warnings
        if errors:
            out.update(failed=True, errors=errors, msg="%s: validation failed with %d error(s), nothing published: %s"
                       % (host, len(errors), "; ".join(errors)))
            return out
        _spool.put(host, dict(model=args["model"], documents=documents,
                              firmware=_firmware_files((args.get("config") or {}).get("settings"))))
        out["documents"] = dict((kind, dict(name=doc["name"], checksum=doc["checksum"], size=len(doc["text"])))
                                for kind, doc in documents.items())
        return out

    def _document_action(self, kind):
        """The config_xml / users_xml action, bound to this task (their options are passed per call:
        copying the task for each server costs more than rendering its documents)."""
        return self._shared_loader_obj.action_loader.get(
            "dect.provisioning.%s_xml" % kind, task=self._task, connection=self._connection,
            play_context=self._play_context, loader=self._loader, templar=self._templar,
            shared_loader_obj=self._shared_loader_obj)

    # -- write: once per provisioning host -------------------------------------------------------
    def _write(self, args, task_vars):
        if args["backup"] and not args["backup_dir"]:
            raise AnsibleActionFail("backup_dir: required with backup=true (a directory outside the provisioning root)")
        servers = args["servers"] if args["servers"] is not None else list(task_vars.get("ansible_play_batch", []))
        records, owners, files = {}, {}, []
        for host in servers:
            record = _spool.get(host)
            if record is not None:
                records[host] = record
        for kind in KINDS:
            for host, record in records.items():
                doc = record["documents"].get(kind)
                if doc is not None:
                    owners[doc["name"]] = (host, kind)
                    files.append(dict(name=doc["name"]))
        texts = dict((doc["name"], doc["text"]) for record in records.values() for doc in record["documents"].values())
        options = self.module_options(args, WRITE_OPTIONS)
        where = self._task.delegate_to or task_vars.get("inventory_hostname")
        warnings = []
        if args["withdraw_stale"]:
            options["site_macs"] = self._site_macs(task_vars, where, servers, warnings)
        reports, error = exchange.publish(self, task_vars, args["dest"], [(f["name"], texts[f["name"]]) for f in files],
                                          options)
        withdrawn = sorted(name for name, report in (reports or {}).items() if report.get("stale"))
        stale = dict((name, reports.pop(name)) for name in withdrawn)
        if options.get("site_macs") is not None and not error:
            _spool.mark_done("withdrawn", where)
        # Each server's outcome waits in the run's spool for its own report step: passing the whole
        # batch's results to every server's task would cost each of them the whole batch.
        counts = dict(servers=len(records), written=0, failed=0, unchanged=0)
        outcomes = self._outcomes(args["dest"], records, owners, reports or {}, error)
        for host, outcome in outcomes.items():
            _spool.put_outcome(host, where, records[host]["token"], dict(outcome, where=where))
        for report in (reports or {}).values():
            key = "failed" if report["state"] == "failed" else "written" if report["changed"] else "unchanged"
            counts[key] += 1
        out = dict(changed=False, where=where, batch=counts)
        if error:
            out["error"] = error
        if warnings:
            out["warnings"] = warnings
        if withdrawn:
            return self._withdrawn(out, args["dest"], stale)
        return out

    def _site_macs(self, task_vars, where, servers, warnings):
        """Every MAC of the site (once per run and provisioning host; None: nothing to withdraw).
        Only for a batch of the site's own servers: a play publishing other hosts withdraws nothing."""
        if _spool.is_done("withdrawn", where):
            return None
        macs = site_index(task_vars)["macs"]
        unknown = sorted(host for host, mac in macs.items() if mac is None)
        if not macs or unknown or any(host not in macs for host in servers):
            if unknown:
                warnings.append("stale documents not withdrawn on %s: the MAC of %s is not known"
                                % (where, ", ".join(unknown[:10])))
            return None
        return sorted(set(macs.values()))

    def _withdrawn(self, out, dest, stale):
        """The documents of MACs no longer in inventory: removed (listed in check mode), shown as a diff."""
        failed = dict((name, report["msg"]) for name, report in stale.items() if report["state"] == "failed")
        out["withdrawn"] = sorted(name for name, report in stale.items() if report["state"] == "removed")
        out["changed"] = bool(out["withdrawn"])
        if failed:
            out.setdefault("warnings", []).extend("could not withdraw %s: %s" % item for item in sorted(failed.items()))
        if self._task.diff and out["withdrawn"]:
            out["diff"] = [dict(before_header="%s/%s" % (dest.rstrip("/"), name), after_header="(withdrawn)",
                                before="stale document of a MAC no longer in inventory (%d bytes)\n"
                                       % stale[name].get("before_size", 0), after="")
                           for name in out["withdrawn"]]
        return out

    def _outcomes(self, dest, records, owners, reports, error):
        outcomes = dict((host, dict(files={}, diffs=[], error=error)) for host in records)
        for name, report in reports.items():
            host, kind = owners[name]
            entry = dict(state=report["state"], changed=report["changed"])
            for key in ("msg", "backup_file"):
                if key in report:
                    entry[key] = report[key]
            outcomes[host]["files"][name] = entry
            if self._task.diff and report["state"] in ("created", "updated"):
                outcomes[host]["diffs"].append(self._diff(dest, name, kind, records[host], report))
        return outcomes

    def _diff(self, dest, name, kind, record, report):
        path = "%s/%s" % (dest.rstrip("/"), name)
        family = model_family(record["model"])
        if "before" in report:
            helper = self._document_action(kind)
            before = helper.summarize_current(report["before"].encode("utf-8"), family)
        elif "before_size" in report:
            before = {"(file)": "%d bytes" % report["before_size"]}
        else:
            before = {}
        after = record["documents"][kind]["summary"] or {}
        return dict(before_header=path, after_header=path, before=_text(before), after=_text(after))

    # -- report: each DECT server, on the controller ---------------------------------------------
    def _report(self, args, task_vars):
        host = task_vars["inventory_hostname"]
        record = _spool.get(host) or {}
        files, diffs, errors, changed_names = {}, [], [], set()
        outcomes = _spool.outcomes(host, record.get("token"))
        for where, outcome in outcomes.items():
            if outcome.get("error"):
                errors.append("provisioning host %s: %s" % (where, outcome["error"]))
                continue
            files[where] = dict((name, report["state"]) for name, report in outcome["files"].items())
            for name, report in outcome["files"].items():
                if report["state"] == "failed":
                    errors.append("provisioning host %s: %s" % (where, report.get("msg")))
                elif report["changed"]:
                    changed_names.add(name)
            diffs.extend(outcome["diffs"])
        firmware_changed = args["firmware_changed"]
        if firmware_changed is None:
            firmware_changed = _restaged_kinds(task_vars, outcomes)
        restaged = [kind for kind in firmware_changed if kind in record.get("firmware", {})]
        expected = sorted(name for name in changed_names if name.endswith(("-config.xml", "-users.xml")))
        for kind in restaged:
            image = record["firmware"][kind]
            expected.extend([ver_name(image), image])
        out = dict(changed=bool(changed_names or restaged), files=files, expected_fetch=expected,
                   ansible_facts=dict(dect_server_expected_fetch=expected))
        if out["changed"] and args["check_sync"]:
            # Read by site.yml's check-sync and convergence plays (one fan-out for the whole site).
            out["ansible_facts"]["dect_server_check_sync_pending"] = True
        if restaged:
            out["firmware_restaged"] = restaged
        if diffs and self._task.diff:
            out["diff"] = diffs
        if errors:
            out.update(failed=True, msg="%s: publication failed: %s" % (host, "; ".join(errors)))
        _spool.drop(host)
        return out


def warm():
    """Build the argument validators of the engine's steps and documents in this process (the
    controller's main process, before it forks a worker per DECT server and task)."""
    PUBLISH_SPEC.validator()
    for kind in KINDS:
        import_module("ansible_collections.dect.provisioning.plugins.action.%s_xml" % kind).ActionModule.ARGUMENT_SPEC.validator()


def _restaged_kinds(task_vars, wheres):
    """The firmware kinds the firmware role restaged in this run (its fact ``firmware_changed_kinds``)
    on the provisioning hosts that wrote this server's files. Read here rather than templated into
    the task's options: every template costs each DECT server its compilation (measured on a
    1,000-server site)."""
    hostvars = task_vars.get("hostvars") or {}
    kinds = []
    for where in wheres:
        try:
            found = hostvars[where].get("firmware_changed_kinds") or []
        except (KeyError, TypeError):
            continue
        for kind in found:
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def _firmware_files(settings):
    """The firmware image names this server's configuration gives, by kind (files only)."""
    firmware = ((settings or {}).get("provisioning") or {}).get("firmware") or {}
    return dict((kind, str(name)) for kind, name in firmware.items()
                if kind in FIRMWARE_KINDS and FIRMWARE_KINDS[kind].is_file and name not in (None, ""))


def _text(summary):
    return "".join("%s = %s\n" % (key, summary[key]) for key in sorted(summary))

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.publish: the site's publication engine.

Why three steps (see docs/publication.md): Ansible reports results per host, and a DECT server's
result (changed, diff, failure) must stay its own, yet one module call per provisioning host is
what makes a 100-server no-op fast. So each server renders on the controller (``render``, through
the render backends of ``plugin_utils/_render.py``, as config_xml and users_xml render), the
batch is published once per provisioning host (``write``, run_once + delegate_to), and each
server picks its own outcome from the write results (``report``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dect.provisioning.plugins.module_utils._publication import (
    ARGUMENT_SPEC as PUBLISH_SPEC,
    sha1_text,
)
from ansible_collections.dect.provisioning.plugins.module_utils.firmware import ver_name
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    model_family,
    normalize_mac,
)
from ansible_collections.dect.provisioning.plugins.module_utils.server_record import firmware_files
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import recorded
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import XmlError
from ansible_collections.dect.provisioning.plugins.plugin_utils import _spool
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import SpecAction, plain
from ansible_collections.dect.provisioning.plugins.plugin_utils._remote_write import write_documents
from ansible_collections.dect.provisioning.plugins.plugin_utils._render import (
    BACKENDS,
    KINDS,
    DocumentInvalid,
    family_of,
    read_input,
    summary_text,
)
from ansible_collections.dect.provisioning.plugins.plugin_utils._server_inputs import Unresolved
from ansible_collections.dect.provisioning.plugins.plugin_utils._server_inputs import resolve as resolve_server
from ansible_collections.dect.provisioning.plugins.plugin_utils._site_index import site_index

WRITE_OPTIONS = ("mode", "owner", "group", "backup_dir", "unsafe_writes", "lock_timeout")


class ActionModule(SpecAction):
    ARGUMENT_SPEC = PUBLISH_SPEC
    TRANSFERS_FILES = False
    # render and report never touch a host; write runs delegated to a provisioning host.
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    # The render step's server (given, or resolved by task_options) and the warnings of its resolution.
    _server = None
    _server_warnings = ()

    def task_options(self, task_vars):
        """The render step's ``server`` unpacked into the step's options, without its record: checked
        once, as if given one by one. Given neither ``server`` nor the options one by one, the server is
        resolved here from the role variables and the inventory, as the dect_server lookup resolves it."""
        args = self._task.args
        self._server, self._server_warnings = args.get("server"), []
        if args.get("step") != "render":
            return args
        if not any(args.get(name) is not None for name in ("server", "mac", "model", "config", "users")):
            try:
                self._server, self._server_warnings = resolve_server(
                    self._templar, task_vars, self._loader, self._found_or_none)
            except Unresolved as exc:
                raise AnsibleActionFail(str(exc))
        if not isinstance(self._server, Mapping):
            return args
        options = dict((key, value) for key, value in args.items() if key != "server")
        options.update((key, value) for key, value in self._server.items() if key != "record")
        return options

    def _found_or_none(self, path):
        """Where a users ``src`` is, found like a role's file (None when it is not found there)."""
        try:
            return self._find_needle("files", path)
        except AnsibleError:
            return None

    def perform(self, args, task_vars):
        steps = dict(render=self._render, write=self._write, report=self._report, acknowledge=self._acknowledge)
        return steps[args["step"]](args, task_vars)

    # -- render: each DECT server, on the controller ---------------------------------------------
    def _render(self, args, task_vars):
        host = task_vars["inventory_hostname"]
        _spool.drop(host)
        # The server's record (no secrets) becomes the fact every later step reads.
        server = self._server
        record = plain(server.get("record")) if isinstance(server, Mapping) else None
        documents, errors, warnings = {}, [], []
        for kind in KINDS:
            options = args.get(kind)
            if options is None:
                continue
            try:
                name, text, summary, doc_warnings = self._document(kind, options, args)
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
        if record is not None:
            out["ansible_facts"] = dict(dect_server_record=record)
        if warnings or self._server_warnings:
            # Ansible prints a warning without the host it came from: name the DECT server (the
            # inventory warnings of the resolution name it already).
            out["warnings"] = list(self._server_warnings) + ["%s: %s" % (host, warning) for warning in warnings]
        if errors:
            out.update(failed=True, errors=errors, msg="%s: validation failed with %d error(s), nothing published: %s"
                       % (host, len(errors), "; ".join(errors)))
            return out
        firmware = record["firmware"] if record is not None else firmware_files((args.get("config") or {}).get("settings"))
        _spool.put(host, dict(mac=normalize_mac(args["mac"]), model=args["model"], documents=documents,
                              firmware=firmware, check_sync=(record or {}).get("check_sync")))
        out["documents"] = dict((kind, dict(name=doc["name"], checksum=doc["checksum"], size=len(doc["text"])))
                                for kind, doc in documents.items())
        return out

    def _document(self, kind, options, args):
        """(file name, text, summary or None, warnings) of this server's ``kind`` document: its
        options (those of config_xml / users_xml) checked by that module's spec, rendered by its backend."""
        backend = BACKENDS[kind]
        checked = self.checked_args(dict(options, mac=args["mac"], model=args["model"], state="rendered"), backend.SPEC)
        return backend(checked, family_of(checked)).for_publication(
            lambda: read_input(checked, lambda src: self._find_needle("files", src), self._loader), self._task.diff)

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
        # What a NOTIFY covers for each server: its documents and the .ver of each image it is told about.
        track = [dict(mac=record["mac"], files=[doc["name"] for doc in record["documents"].values()]
                      + [ver_name(image) for image in record["firmware"].values()])
                 for record in records.values()]
        reports, error, pending = write_documents(self, task_vars, args["dest"],
                                                  [(f["name"], texts[f["name"]]) for f in files], options, track)
        withdrawn = sorted(name for name, report in (reports or {}).items() if report.get("stale"))
        stale = dict((name, reports.pop(name)) for name in withdrawn)
        if options.get("site_macs") is not None and not error:
            _spool.mark_done("withdrawn", where)
        # Each server's outcome waits in the run's spool for its own report step: passing the whole
        # batch's results to every server's task would cost each of them the whole batch.
        counts = dict(servers=len(records), written=0, failed=0, unchanged=0)
        outcomes = self._outcomes(args["dest"], records, owners, reports or {}, error)
        # What the firmware role restaged on this host, as the task passed it: each server's report step
        # reads it from its outcome, never from another host's facts.
        restaged = dict((str(name), bool(changed)) for name, changed in (args["firmware_changed"] or {}).items())
        for host, outcome in outcomes.items():
            outcome["pending"] = pending.get(records[host]["mac"])
            _spool.put_outcome(host, where, records[host]["token"], dict(outcome, where=where, restaged=restaged))
        for report in (reports or {}).values():
            key = "failed" if report["state"] == "failed" else "written" if report["changed"] else "unchanged"
            counts[key] += 1
        out = dict(changed=False, where=where, batch=counts)
        warning = _reboot_warning(records, restaged)
        if warning:
            warnings.insert(0, warning)
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
            before = BACKENDS[kind].summarize_current(report["before"].encode("utf-8"), family)
        elif "before_size" in report:
            before = {"(file)": "%d bytes" % report["before_size"]}
        else:
            before = {}
        after = record["documents"][kind]["summary"] or {}
        return dict(before_header=path, after_header=path, before=summary_text(before), after=summary_text(after))

    # -- acknowledge: once per provisioning host, after the NOTIFYs were answered ----------------
    def _acknowledge(self, args, task_vars):
        """Record on this provisioning host what each acknowledged server's NOTIFY covered: the
        ``notify`` of the ``dect_server_record`` fact its report step set (given directly as O(notified), or read for
        the DECT servers named in O(servers))."""
        where = self._task.delegate_to or task_vars.get("inventory_hostname")
        notified = args["notified"]
        if notified is None:
            hostvars = task_vars.get("hostvars") or {}
            notified = []
            for server in args["servers"] or []:
                entry = ((recorded(hostvars.get(server) or {}) or {}).get("notify") or {}).get(where)
                if entry:
                    notified.append(dict(mac=entry["mac"], files=entry["files"]))
        if not notified:
            return dict(changed=False, acknowledged=[])
        module_args = dict(step="acknowledge", dest=args["dest"], notified=notified)
        result = self._execute_module(module_name="dect.provisioning.publish", module_args=module_args,
                                      task_vars=task_vars)
        result.pop("invocation", None)
        return result

    # -- report: each DECT server, on the controller ---------------------------------------------
    def _report(self, args, task_vars):
        host = task_vars["inventory_hostname"]
        record = _spool.get(host) or {}
        files, diffs, errors, changed_names, pending_at = {}, [], [], set(), {}
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
            if outcome.get("pending"):
                pending_at[where] = dict(mac=record["mac"], files=outcome["pending"]["files"],
                                         pending=outcome["pending"]["pending"])
        firmware_changed = args["firmware_changed"]
        if firmware_changed is None:
            firmware_changed = _restaged(outcomes.values())
        # The images this server's config names that were restaged: it fetches each one's .ver, and the
        # image only when the version text changed (the device compares it with what it runs).
        restaged = [name for name in record.get("firmware", {}).values() if name in firmware_changed]
        # Not yet notified: what changed now, and what an earlier run changed but never got a NOTIFY for.
        unnotified = set(name for entry in pending_at.values() for name in entry["pending"])
        check = record.get("check_sync") or {}
        # A change an earlier run published and never got an answered NOTIFY for is this run's to send
        # (never for a server that is not to be notified at all).
        to_notify = args["check_sync"] and check.get("reaction") != "disabled"
        earlier = sorted(unnotified - changed_names - set(ver_name(name) for name in restaged)) if to_notify else []
        expected = sorted(name for name in changed_names | set(earlier) if name.endswith(("-config.xml", "-users.xml")))
        for name in sorted(record.get("firmware", {}).values()):
            if name in restaged:
                expected.extend([ver_name(name)] + ([name] if firmware_changed[name] else []))
            elif ver_name(name) in earlier:
                expected.extend([ver_name(name), name])  # its version text changed in an earlier run
        changed = bool(changed_names or restaged or earlier)
        notify, warnings, unsendable = changed and args["check_sync"] and not errors, [], None
        if notify:
            users_only = not restaged and all(name.endswith("-users.xml") for name in changed_names | set(earlier))
            notify, warnings, unsendable = _check_sync_plan(host, check, users_only)
            if not notify:
                expected = []  # nothing tells it to fetch now: nothing to wait for
        out = dict(changed=changed, files=files, expected_fetch=expected)
        if earlier:
            out["pending_from_earlier_run"] = earlier
            warnings.append("%s: an earlier run published %s but its check-sync was never answered: notifying it now"
                            % (host, ", ".join(earlier)))
        record_now = recorded(task_vars)
        if record_now is not None:
            # The one fact later steps read (site.yml's check-sync, acknowledge and wait, the role's handler):
            # the render step's record, plus whether to notify the server (pending), what it must then fetch
            # (expect) and, per provisioning host, what the acknowledge step records once the NOTIFY is
            # answered (notify).
            out["ansible_facts"] = dict(dect_server_record=dict(
                plain(record_now), pending=bool(notify), expect=expected if notify else [],
                notify=dict((where, dict(mac=entry["mac"], files=entry["files"])) for where, entry in pending_at.items())
                if notify else {}))
        if warnings:
            out["warnings"] = warnings
        if unsendable:
            out.update(failed=True, msg="%s; its files were published, but it cannot be told to fetch them" % unsendable)
        if restaged:
            out["firmware_restaged"] = restaged
        if diffs and self._task.diff:
            out["diff"] = diffs
        if errors:
            out.update(failed=True, msg="%s: publication failed: %s" % (host, "; ".join(errors)))
        _spool.drop(host)
        return out


def _check_sync_plan(host, check, users_only):
    """``(notify, warnings, error)`` for a changed server, from its record's check-sync entry (none when
    its options were given without the dect_server lookup: notified as before)."""
    reaction = check.get("reaction")
    if reaction == "disabled":
        return False, ["%s: its check-sync reaction is disabled (provisioning.check.check_sync, dect_check_sync_reaction):"
                       " no NOTIFY is sent and the rollout does not wait for it; it takes the new files at its next"
                       " poll (dect_check_interval, dect_check_time) or restart" % host], None
    if check.get("error"):
        return False, [], check["error"]
    warnings = []
    if reaction == "reboot" and users_only:
        warnings.append("%s: only its users changed, and its check-sync reaction is reboot"
                        " (provisioning.check.check_sync, dect_check_sync_reaction): the NOTIFY restarts the server,"
                        " dropping calls in progress (reaction update imports users without a restart)" % host)
    return True, warnings, None


def _restaged(outcomes):
    """``{file name: version changed}`` the firmware role restaged in this run on the provisioning hosts
    that wrote this server's files, as their write step handed it on in each outcome."""
    restaged = {}
    for outcome in outcomes:
        for name, version_changed in (outcome.get("restaged") or {}).items():
            restaged[name] = bool(restaged.get(name) or version_changed)
    return restaged


def _reboot_warning(records, restaged):
    """The DECT servers of a batch whose server firmware (kws) gets a new version text: each flashes it
    and reboots at once when it fetches it (guide, "Firmware Update")."""
    rebooting = sorted("%s (%s)" % (host, record["firmware"]["kws"]) for host, record in records.items()
                       if restaged.get((record.get("firmware") or {}).get("kws")))
    if not rebooting:
        return None
    return ("server firmware with a new version for %d DECT server(s): each reboots at once when it fetches it"
            " (calls in progress are cut off): %s" % (len(rebooting), ", ".join(rebooting)))

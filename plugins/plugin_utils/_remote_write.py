# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's half of the publish module's write step: documents written into a root on a
provisioning host (one home for it; the document actions and the publication engine call it).

Two module calls at most: the first sends only names and sha1 checksums, and the host answers
which files differ (with their current text when a diff is wanted); only when some differ, and not
in check mode, the second sends those files' content. A no-op therefore moves no document.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._publication import sha1_text

MODULE = "dect.provisioning.publish"
WRITTEN_STATES = ("created", "updated")


def write_documents(action, task_vars, dest, documents, options, track=None):
    """Write ``documents``, a list of (name, text or None to remove), in ``dest`` on the host of
    ``action``'s connection. Returns (reports by name, None, pending) or (None, error message, {}).

    ``track`` (``[{mac, files}]``) asks the host which of those servers are pending, after the
    writes (``_notified``): ``pending`` is the module's answer of the last call."""
    files, texts = [], {}
    for name, text in documents:
        if text is None:
            files.append(dict(name=name, state="absent"))
        else:
            files.append(dict(name=name, checksum=sha1_text(text)))
            texts[name] = text
    module_args = dict((key, value) for key, value in options.items() if value is not None)
    module_args.update(step="write", dest=dest, files=files)
    if track:
        module_args["track"] = track
    first = action._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
    if first.get("failed"):
        return None, first.get("msg", "the publication module failed on the provisioning host"), {}
    reports, pending = first["files"], first.get("pending") or {}
    differing = [entry for entry in files if reports[entry["name"]]["state"] in WRITTEN_STATES]
    if differing and not action._task.check_mode:
        module_args["files"] = [dict(entry, content=texts[entry["name"]]) for entry in differing]
        module_args.pop("site_macs", None)  # stale documents were withdrawn by the first call
        second = action._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
        if second.get("failed"):
            return None, second.get("msg", "the publication module failed on the provisioning host"), {}
        pending = second.get("pending") or {}
        for name, report in second["files"].items():
            kept = dict((key, reports[name][key]) for key in ("before", "before_size") if key in reports[name])
            reports[name] = dict(report, **kept)
    return reports, None, pending

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: publish
short_description: Publish many DECT servers' users and config files to a provisioning host in one step
version_added: 1.0.0
description:
  - The publication engine of C(playbooks/site.yml) and the C(dect.provisioning.dect_server) role.
    It runs in three steps, so that each DECT server keeps its own result while every provisioning
    host receives the files of a whole batch in one module call.
  - O(step=render), on each DECT server (controller only, no connection) validates and renders its
    C(<mac>-users.xml) and C(<mac>-config.xml) exactly as M(dect.provisioning.users_xml) and
    M(dect.provisioning.config_xml) do (O(users) and O(config) take their options), and keeps the
    rendered bytes in the run's private local temp directory. An invalid server fails here, alone,
    naming every error.
  - O(step=write), once per provisioning host (C(run_once) with C(delegate_to)), sends the
    checksums of the rendered documents of O(servers); the host compares them with what it has
    and only the files that differ travel and are written, users before config, each atomically
    with its owner, group and mode set before the rename. A symlink or anything but a regular file
    at a document's name is refused for that file. The task fails only when the whole host refuses
    (missing root, unknown group); a single file's error is reported by that server's report.
  - O(step=report), on each DECT server, turns what the write steps did with its documents into
    that server's own result (C(changed), a diff by parameter and user with secrets masked,
    errors), and completes the server's fact C(dect_server_record) with C(pending) (whether it is to be notified),
    C(expect) (the files it must then fetch) and C(notify) (per provisioning host, what the O(step=acknowledge)
    step records once the NOTIFY is answered), the one fact later steps read. The write steps leave each server's
    outcome in the run's private spool, so a server's report never handles the rest of the batch.
  - Given O(server) from the P(dect.provisioning.dect_server#lookup) lookup, O(step=render) also sets the fact
    C(dect_server_record), the server's resolved record without secrets (MAC, model, file names, firmware by
    kind, what it fetches, its check-sync reaction and target), which every later step of C(site.yml) reads.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  step:
    description: Which step of the publication this task performs.
    type: str
    choices: [render, write, report, acknowledge]
    default: write
  mac:
    description: With O(step=render), the DECT server's MAC address (any common spelling).
    type: str
  model:
    description: With O(step=render), the DECT server's model, V(400), V(6500), V(2500) or V(8000).
    type: str
  config:
    description:
      - With O(step=render), the options of M(dect.provisioning.config_xml) for this server
        (O(ignore:config_xml.settings), O(ignore:config_xml.strict), ...), without C(path), C(dest), C(mac),
        C(model) or C(state).
    type: dict
  users:
    description:
      - With O(step=render), the options of M(dect.provisioning.users_xml) for this server
        (O(ignore:users_xml.users), O(ignore:users_xml.src), ...). Omit it when the server has no users file.
    type: dict
  server:
    description:
      - With O(step=render), O(mac), O(model), O(config) and O(users) in one dictionary, checked exactly as
        those options are; mutually exclusive with them.
      - The P(dect.provisioning.dect_server#lookup) lookup gives it for the current DECT server from the
        C(dect.provisioning.dect_server) role's variables and the inventory.
      - With O(step=render) and none of O(server), O(mac), O(model), O(config) and O(users), the action resolves
        it itself for the current DECT server, exactly as that lookup does (same result, warnings and errors),
        without templating the lookup in every worker; this is what the role does.
    type: dict
  servers:
    description:
      - With O(step=write), the inventory names of the DECT servers whose rendered documents to
        publish. Default is the current batch, C(ansible_play_batch).
      - With O(step=acknowledge) and no O(notified), the DECT servers whose NOTIFY was acknowledged; what
        each one's O(step=report) set in the C(notify) of its fact C(dect_server_record) for this provisioning host
        is recorded.
    type: list
    elements: str
  track:
    description:
      - With O(step=write), set by the action plugin; per DECT server of the batch, its MAC and the files a
        NOTIFY covers for it (its documents and the C(.ver) of each firmware image it is told about). The
        result's RV(pending) lists the servers whose files changed since their last acknowledged NOTIFY.
    type: list
    elements: dict
    suboptions:
      files:
        description: File names in the root.
        type: list
        elements: str
        required: true
      mac:
        description: The server's MAC, 12 lowercase hex digits.
        type: str
        required: true
  notified:
    description:
      - With O(step=acknowledge), the DECT servers whose check-sync NOTIFY was acknowledged, each with the
        file generations the NOTIFY covered (the C(files) of its entry in RV(pending), as the
        C(notify) of the O(step=report) fact C(dect_server_record) carries them). Their records (in C(.<root name>.notified) beside the
        root) are replaced, so they are no longer pending there.
    type: list
    elements: dict
    suboptions:
      files:
        description: "A mapping C(file name: generation)."
        type: dict
        required: true
      mac:
        description: The acknowledged server's MAC, 12 lowercase hex digits.
        type: str
        required: true
  dest:
    description: With O(step=write) and O(step=acknowledge), the provisioning root on the provisioning host.
    type: path
  files:
    description:
      - With O(step=write), set by the action plugin from the rendered documents; not to be set by hand.
    type: list
    elements: dict
    suboptions:
      name:
        description: The document's file name.
        type: str
        required: true
      checksum:
        description: sha1 of the document; required unless O(files[].state=absent).
        type: str
      content:
        description: The document, sent only when the host reported it differs.
        type: str
      state:
        description: V(absent) removes the document.
        type: str
        choices: [present, absent]
        default: present
  mode:
    description:
      - Mode of the published documents, an octal string. They carry passwords, so modes that give
        others any permission are refused.
    type: raw
    default: "0640"
  owner:
    description: Owner of the published documents; default is the connecting (or become) user.
    type: str
  group:
    description:
      - Group of the published documents, the group through which the serving daemons read them
        (the C(dect.provisioning.provisioning_server) role's C(dect_provisioning_group)).
    type: str
  backup:
    description: Keep the previous version of every replaced document in O(backup_dir).
    type: bool
    default: false
  backup_dir:
    description:
      - Where backups go, mode 0600. Must be outside the provisioning root, so that devices can never
        fetch an old document. Required with O(backup=true).
    type: path
  unsafe_writes:
    description:
      - With O(step=write), where a document's name cannot be replaced by a rename (it is a bind mount),
        write the content into the existing file in place instead of failing for that file. Still never
        through a symlink or into anything but a regular file; a reader may see a partly written file.
      - Like Ansible's own option, it defaults to the environment variable C(ANSIBLE_UNSAFE_WRITES) of the
        module on the provisioning host; C(ANSIBLE_UNSAFE_WRITES=1) in the environment of
        C(ansible-playbook) turns it on as well.
    type: bool
    default: false
  firmware_changed:
    description:
      - With O(step=report), the firmware files restaged on the provisioning hosts in this run, file name
        (for example V(IP-DECTserver6500firmware.bin)) to whether its C(.ver) text changed. A server whose
        configuration names one of them counts as changed and is expected to fetch its C(.ver), and the
        image too when the version text changed (the device fetches an image only then).
      - With O(step=write), what the C(firmware) role restaged on that provisioning host (its fact
        C(firmware_restaged)). It is handed on to each server's report step, and yields one warning per batch
        listing the DECT servers whose server firmware (C(kws)) gets a new version, as each reboots at once
        when it fetches it.
      - With O(step=report), when omitted, what the write steps of the provisioning hosts that wrote this
        server's files handed on.
    type: dict
  check_sync:
    description:
      - With O(step=report), a server whose result is changed gets C(pending=true) in its fact C(dect_server_record),
        which C(site.yml) reads to send one concurrent SIP NOTIFY check-sync to the changed servers of each batch.
      - From the server's record (O(step=render) with O(server)) - reaction C(disabled) (C(provisioning.check.check_sync))
        - no pending fact, no expected fetch, and a warning naming the server; reaction C(reboot) with only the users file
        changed - a warning that the NOTIFY restarts the server; no target (no address, no enabled user, a transport the
        server does not accept) - the server fails naming the variable to set, its files published.
    type: bool
    default: false
  lock_timeout:
    description:
      - With O(step=write), how many seconds to wait for another run that holds the provisioning root (publishing
        or staging firmware there) before failing with a message naming it (pid, host, since when, what it does).
        A lock left by a killed run is released by the kernel, so it never has to be waited out.
    type: int
    default: 300
  site_macs:
    description:
      - With O(step=write), every MAC of the site (all DECT servers in inventory, not only this run's or this
        batch's). Given, the C(<mac>-config.xml) and C(<mac>-users.xml) files in O(dest) of any other MAC are
        removed (listed in check mode and in the diff), as the root belongs to one site.
      - The action plugin fills this option itself with O(withdraw_stale).
    type: list
    elements: str
  withdraw_stale:
    description:
      - With O(step=write), on the controller, give O(site_macs) from the MACs of every host in
        C(groups['dect_servers']) (the whole inventory, whatever C(--limit) or batch), once per run and provisioning
        host. Nothing is withdrawn when a server's MAC is not known or a server of O(servers) is not in that group.
      - The C(dect_server) role sets it unless the provisioning host sets C(dect_provisioning_keep_stale=true).
    type: bool
    default: false
extends_documentation_fragment:
  - dect.provisioning.controller_action
  - action_common_attributes
  - action_common_attributes.flow
attributes:
  diff_mode:
    support: full
    details: Each server's report shows its changed parameters and users by path, secrets masked.
notes:
  - Rendering and validation need C(lxml) on the controller; provisioning hosts need only Python 3.
  - The rendered documents wait for the O(step=write) task in Ansible's per-run local temp directory
    (mode 0700, removed when the run ends), as the rendered file of M(ansible.builtin.template) does.
seealso:
  - module: dect.provisioning.config_xml
  - module: dect.provisioning.users_xml
  - module: dect.provisioning.check_sync
"""

EXAMPLES = r"""
# What the dect_server role does, in a play on dect_servers:
- name: Validate and render this server's documents, from the role's variables and the inventory
  dect.provisioning.publish:
    step: render

- name: The same, with the inputs the lookup resolves passed on explicitly
  dect.provisioning.publish:
    step: render
    server: "{{ lookup('dect.provisioning.dect_server') }}"

- name: The same with the options given one by one
  dect.provisioning.publish:
    step: render
    mac: "{{ dect_mac }}"
    model: "{{ dect_model }}"
    config:
      settings: "{{ my_settings }}"
    users:
      users: "{{ dect_users }}"

- name: Publish the batch's documents, one call per provisioning host
  dect.provisioning.publish:
    step: write
    dest: /srv/dect
    group: dect-provisioning
  delegate_to: "{{ item }}"
  run_once: true
  loop: "{{ groups['dect_provisioning_servers'] }}"

- name: Report this server's result
  dect.provisioning.publish:
    step: report

- name: Record that the notified servers were told about their current files
  dect.provisioning.publish:
    step: acknowledge
    dest: /srv/dect
    notified:
      - mac: 0013d1800032
        files: {0013d1800032-config.xml: "1234:1733551200000000000"}
  delegate_to: prov1.example.com
"""

RETURN = r"""
documents:
  description: With O(step=render), the rendered documents (name, sha1, size); never their content.
  returned: step=render
  type: dict
  sample: {config: {name: 0013d1800032-config.xml, checksum: 0f1e..., size: 2048}}
batch:
  description:
    - With O(step=write), how many servers the batch had and how many of their documents the host
      wrote, found unchanged or refused; each server's own outcome is in its O(step=report) result.
  returned: step=write
  type: dict
  sample: {servers: 100, written: 2, unchanged: 198, failed: 0}
files:
  description: With O(step=report), per provisioning host, the state of each of this server's documents.
  returned: step=report
  type: dict
  sample: {prov1: {0013d1800032-config.xml: updated}}
pending:
  description:
    - With O(step=write), per MAC of the batch whose files (documents, firmware C(.ver)) differ from what its
      last acknowledged NOTIFY covered, the current generation of each file and the names that differ. A
      server stays here, run after run, until a NOTIFY for its current files is acknowledged.
  returned: step=write
  type: dict
  sample: {"0013d1800032": {files: {0013d1800032-config.xml: "1234:1733551200000000000"}, pending: [0013d1800032-config.xml]}}
acknowledged:
  description: With O(step=acknowledge), the MACs whose record was replaced.
  returned: step=acknowledge
  type: list
  elements: str
  sample: ["0013d1800032"]
expected_fetch:
  description: With O(step=report), the files this server must now fetch (also the C(expect) of the fact C(dect_server_record) when it is notified).
  returned: step=report
  type: list
  elements: str
  sample: [0013d1800032-config.xml, IP-DECTserver6500firmware.bin.ver, IP-DECTserver6500firmware.bin]
firmware_restaged:
  description: With O(step=report), the firmware files this server's configuration names that were restaged in this run.
  returned: step=report, when one was restaged
  type: list
  elements: str
  sample: [IP-DECTserver6500firmware.bin]
"""

from ansible_collections.dect.provisioning.plugins.module_utils import _notified
from ansible_collections.dect.provisioning.plugins.module_utils._publication import (
    ARGUMENT_SPEC,
    PublicationError,
    write_files,
)


def main():
    module = ARGUMENT_SPEC.create_module(supports_check_mode=True)
    step, params = module.params["step"], module.params
    try:
        if step == "acknowledge":
            done = _notified.acknowledge(params["dest"], params["notified"], module.check_mode)
            module.exit_json(changed=bool(done), acknowledged=done)
        if step != "write":
            module.fail_json(msg="step=%s runs on the controller through the action plugin" % step)
        reports = write_files(params["dest"], params["files"] or [], params["mode"], params["owner"], params["group"],
                              params["backup_dir"], module.check_mode, module._diff, params["unsafe_writes"],
                              params["lock_timeout"], params["site_macs"])
        pending = _notified.pending(params["dest"], params["track"])
        # A withdrawn server's record goes with its documents.
        _notified.forget(params["dest"], sorted(set(name[:12] for name, report in reports.items()
                                                    if report.get("stale") and report["state"] == "removed")),
                         module.check_mode)
    except (PublicationError, _notified.NotifiedError) as exc:
        module.fail_json(msg=str(exc), changed=False)
    module.exit_json(changed=any(r["changed"] for r in reports.values()), files=reports, pending=pending)


if __name__ == "__main__":
    main()

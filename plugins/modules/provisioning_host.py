#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: provisioning_host
short_description: Ensure a provisioning host's group, directories and files in one call, reporting each item
version_added: 1.0.0
description:
  - Reads what the P(dect.provisioning.provisioning_server#role) role owns on a provisioning host - a group and
    the accounts that must be its members, directories with their owner, group and mode, files with their
    content and attributes - compares it with what the task asks for, and writes only what differs, each
    attribute once. One module call instead of one per file, so a converged host costs one round trip.
  - The host is read as data - C(lstat) of each path (a symlink is never followed), the named accounts and
    the group (never a listing of every account), the files' bytes - and every item is checked before
    anything is written. A symlink, or anything but a regular file, where a file belongs, and a symlink or
    a non-directory where a directory belongs, fail the task naming the option and the path, and nothing
    is written.
  - Files are written atomically - a temp file in the same directory, owner, group and mode set on it,
    then renamed over the name - and only when their content or attributes differ.
  - Each item reports whether it changed; the O(files[].notify) labels of the items that changed (and
    O(members_notify) when an account joined the group) are returned in RV(notify), so that a role can
    notify exactly the handlers of what changed.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  group:
    description:
      - A group that must exist, created as a system group (C(groupadd --system)) when missing.
      - Directories and files may name it in their O(directories[].group) / O(files[].group) even when it
        is created by the same call.
    type: str
  members:
    description:
      - Accounts that must be members of O(group) (supplementary; an account whose primary group it is
        counts as a member). Each missing one is added with C(usermod --append --groups).
      - An account that does not exist is skipped and listed in RV(members.absent) (a daemon whose package is
        not installed).
    type: list
    elements: str
    default: []
  members_notify:
    description:
      - Labels added to RV(notify) when an account joined O(group) (its daemons must restart to see it).
    type: list
    elements: str
    default: []
  directories:
    description:
      - Directories that must exist, in order (a parent before its children). A missing one is created (its
        missing parents too, mode C(0755)).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The directory.
        type: path
        required: true
      owner:
        description: Its owner (name or number); omitted keeps the current one.
        type: str
      group:
        description: Its group (name or number); omitted keeps the current one.
        type: str
      mode:
        description: Its mode in octal, such as V(0750); omitted keeps the current one (C(0755) for a new one).
        type: raw
      contents:
        description:
          - Also set everything below it, files and directories (symlinks are skipped, never followed), to
            owner O(directories[].owner) and mode C(u=rwX,g=rX,o-w) - readable by its group, writable by the
            owner only, setuid and setgid cleared; each entry keeps its group.
        type: bool
        default: false
      notify:
        description: Labels added to RV(notify) when this directory (or anything below it) changed.
        type: list
        elements: str
        default: []
  files:
    description:
      - Files that must have a given content and attributes (or be absent), in order.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The file. Its directory must exist (or be created by O(directories)).
        type: path
        required: true
      state:
        description: V(present) to write it, V(absent) to remove it (a symlink is removed itself, never its target).
        type: str
        choices: [present, absent]
        default: present
      content:
        description: The content, as text (written as UTF-8), for example from C(lookup('ansible.builtin.template', ...)).
        type: str
      data:
        description:
          - Data written as JSON instead of O(files[].content) - sorted keys, indented by two spaces, a final
            newline - so the bytes do not depend on how the controller orders a dictionary.
        type: raw
      owner:
        description: Its owner (name or number); omitted keeps the current one (the connecting user for a new file).
        type: str
      group:
        description: Its group (name or number); omitted keeps the current one.
        type: str
      mode:
        description: Its mode in octal, such as V(0644); omitted keeps the current one (C(0644) minus the umask for a new one).
        type: raw
      notify:
        description: Labels added to RV(notify) when this file changed (content, attributes, created or removed).
        type: list
        elements: str
        default: []
  unsafe_writes:
    description:
      - Where a file cannot be replaced by a rename (it is a bind mount), write the content into the existing
        file in place instead of failing. Still never through a symlink or into anything but a regular file;
        a reader may see a partly written file.
      - Like Ansible's own option, it defaults to the environment variable C(ANSIBLE_UNSAFE_WRITES) of the
        module on the host.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads and compares everything, reports what would change, writes nothing.
  diff_mode:
    support: full
    details: The old and new content of every file that changes, and the attributes of every item whose attributes change.
  platform:
    support: full
    platforms: posix
notes:
  - Needs root (or become) to create groups, add members and set owners.
seealso:
  - module: ansible.builtin.file
  - module: ansible.builtin.template
"""

EXAMPLES = r"""
- name: Ensure the provisioning root, the configuration directory and the nginx site in one call
  dect.provisioning.provisioning_host:
    group: "dect-provisioning"
    members: [www-data]
    members_notify: [Reload nginx]
    directories:
      - {path: /srv/dect, owner: root, group: dect-provisioning, mode: "0750", contents: true}
      - {path: /etc/dect-provisioning, mode: "0755"}
    files:
      - path: /etc/dect-provisioning/dect-provisioning.conf
        content: |
          # the nginx site, rendered by the role from its template
        mode: "0644"
        notify: [Reload nginx]
      - path: /etc/dect-provisioning/dect_provisioning.fact
        data:
          root: /srv/dect
          path: ""
          protocols: [http]
          logs: {nginx: /var/log/nginx/dect-provisioning.access.log, ftp: "", tftp: ""}
        mode: "0644"
  register: provisioning_host

- name: Show what changed and what to notify
  ansible.builtin.debug:
    msg: "{{ provisioning_host.files | selectattr('changed') | map(attribute='path') | list }}: {{ provisioning_host.notify }}"
"""

RETURN = r"""
group:
  description: The group and whether it was created.
  returned: always
  type: dict
  sample: {name: dect-provisioning, created: false}
  contains:
    name:
      description: The O(group) (empty when none was given).
      type: str
    created:
      description: Whether it was created (would be, in check mode).
      type: bool
members:
  description: Accounts added to the group (RV(members.added)) and accounts that do not exist (RV(members.absent)).
  returned: always
  type: dict
  sample: {added: [www-data], absent: [ftp]}
  contains:
    added:
      description: The accounts of O(members) that joined O(group) (would join, in check mode).
      type: list
      elements: str
    absent:
      description: The accounts of O(members) that do not exist on the host (skipped).
      type: list
      elements: str
directories:
  description:
    - One entry per O(directories) item, in order - C(path), C(changed), C(created), C(attributes) (the
      names among V(mode), V(owner), V(group) that differed), C(fixed) (how many entries below it were
      set by O(directories[].contents)) and C(fixed_paths) (the first 20 of them).
  returned: always
  type: list
  elements: dict
  sample: [{path: /srv/dect, changed: true, created: false, attributes: [], fixed: 1, fixed_paths: [/srv/dect/kws.bin]}]
files:
  description:
    - One entry per O(files) item, in order - C(path), C(state), C(changed), C(created), C(removed),
      C(content_changed) and C(attributes) (the names among V(mode), V(owner), V(group) that differed).
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/nginx/conf.d/dect-provisioning.conf, state: present, changed: true, created: false,
            removed: false, content_changed: true, attributes: []}]
notify:
  description: The sorted labels of the items that changed (O(files[].notify), O(directories[].notify), O(members_notify)).
  returned: always
  type: list
  elements: str
  sample: [Reload nginx]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import file_options
from ansible_collections.dect.provisioning.plugins.module_utils._host_state import HostState, HostStateError


def labels():
    return dict(type="list", elements="str", default=[])


OWNERSHIP = dict(owner=dict(type="str"), group=dict(type="str"), mode=dict(type="raw"), notify=labels())
ARGUMENT_SPEC = dict(
    group=dict(type="str"),
    members=labels(),
    members_notify=labels(),
    directories=dict(type="list", elements="dict", default=[], options=dict(
        OWNERSHIP, path=dict(type="path", required=True), contents=dict(type="bool", default=False))),
    files=dict(type="list", elements="dict", default=[], options=dict(
        OWNERSHIP, path=dict(type="path", required=True), content=dict(type="str"), data=dict(type="raw"),
        state=dict(type="str", choices=["present", "absent"], default="present")),
        mutually_exclusive=[["content", "data"]],
        required_if=[["state", "present", ["content", "data"], True]]),
    **file_options("unsafe_writes")
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    state = HostState(module.params, module.run_command)
    try:
        result = state.plan().result()
        if result["changed"] and not module.check_mode:
            state.apply(module.params["unsafe_writes"])
    except HostStateError as exc:
        module.fail_json(msg=str(exc))
    if module._diff:
        result["diff"] = state.diff()
    module.exit_json(**result)


if __name__ == "__main__":
    main()

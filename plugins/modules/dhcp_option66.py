#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dhcp_option66
short_description: Hand Spectralink DECT servers their provisioning URL as DHCP option 66
version_added: 1.0.0
description:
  - Configures DHCP option 66 (C(tftp-server-name)), which a Spectralink IP-DECT Server 400/6500 or
    DECT Server 2500/8000 set to provisioning method C(dhcp) reads as its provisioning server URL,
    on ISC dhcpd, Kea or dnsmasq, together with an optional fixed IP address per DECT server.
  - Every value is checked before anything is rendered (URLs against the guide's format
    C([<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]), printable ASCII only, at most 255 bytes,
    no quotes, backslashes, newlines or other control characters; MAC addresses; IPv4 addresses; host names).
  - With O(validate), the candidate is tested by the daemon's own test mode (C(dhcpd -t -cf),
    C(kea-dhcp4 -t), C(dnsmasq --test)) in a private temporary directory outside the DHCP config directory.
    Only a candidate the daemon accepts replaces the live file, through a temporary file next to O(path)
    whose mode and owner are set before an atomic rename. When the daemon rejects it the module fails with
    the daemon's message and the live file is left untouched.
  - A symlink, a directory, a device, a FIFO or any other non-regular file at O(path), O(validate_config) or
    the backup name is refused with an error naming it; nothing is read or written through it.
  - "What the module owns: for O(backend=isc) and O(backend=dnsmasq), the whole file O(path), an include
    file your main config reads (C(include \"PATH\";) in C(dhcpd.conf), C(conf-file=PATH) or a
    C(conf-dir) in C(dnsmasq.conf)). For O(backend=kea), O(path) is Kea's own JSON config, edited in place:
    the module owns exactly the C(reservations) and C(option-data) entries marked with
    C(\"user-context\": {\"managed-by\": \"dect.provisioning.dhcp_option66\"}). A run removes those and inserts
    the new ones; every other byte of the file, comments included, stays as it is."
  - The module does not restart or reload the daemon; it returns in RV(service) what makes the daemon
    use the new file. The P(dect.provisioning.dhcp#role) role does that in a handler.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  backend:
    description:
      - The DHCP server software.
    type: str
    required: true
    choices: [isc, kea, dnsmasq]
  path:
    description:
      - For V(isc) and V(dnsmasq), the include file the module owns and writes as a whole.
      - For V(kea), the daemon's JSON config (for example C(/etc/kea/kea-dhcp4.conf)). It must exist
        and hold a C(Dhcp4) object. C(<?include?>) directives are not supported in this file.
      - An existing file must be a regular UTF-8 file of at most 32 MiB; a symlink here is refused.
    type: path
    required: true
  url:
    description:
      - The provisioning URL sent as option 66, for example V(https://prov.example.com/dect) or
        V(tftp://192.0.2.5). A bare host means TFTP.
      - The default for every host without its own O(hosts[].url). Required with O(scope=subnet).
      - A password in C(proto://user:password@host) is masked in the module's output and diff.
      - Printable ASCII only (space to C(~)) and at most 255 bytes, what one DHCP option carries.
    type: str
  hosts:
    description:
      - The DECT servers.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - A name for the server, unique in the list; the ISC host declaration, the dnsmasq tag
            (C(dect-NAME)) and the Kea C(user-context.name).
          - 1 to 63 characters from C(A-Z a-z 0-9 _ -) and single dots.
        type: str
        required: true
      mac:
        description:
          - The server's MAC address in any common spelling (V(00:13:D1:80:00:32), V(0013.d180.0032), ...).
        type: str
        required: true
      ip:
        description:
          - An IPv4 address reserved for the server. Without it the server gets an address from the pool.
          - For V(kea) it selects the C(subnet4) entry the reservation goes into.
        type: str
      url:
        description:
          - This server's own provisioning URL; defaults to O(url).
        type: str
  scope:
    description:
      - V(host) gives option 66 only to the MAC addresses in O(hosts), each in its own reservation
        (ISC C(host) declaration, Kea C(reservations) entry with C(option-data), dnsmasq C(dhcp-host) with a
        C(set:) tag and a C(dhcp-option) for that tag). Other clients get no option 66 from the module.
      - V(subnet) gives O(url) to every client of a scope. For V(isc) the scope is where your config
        includes O(path) (inside a C(subnet { }) block it is that subnet, at the top level every subnet).
        For V(kea) it is the C(subnet4) entry named by O(subnet), or all subnets (global C(option-data))
        without O(subnet). For V(dnsmasq) it is every client the dnsmasq instance serves.
        O(hosts) then only carry reservations (hosts with an O(hosts[].ip)) and per-host URLs
        that differ from O(url).
    type: str
    choices: [host, subnet]
    default: host
  subnet:
    description:
      - V(kea) only. The prefix of the C(subnet4) entry (also inside C(shared-networks)), for example
        V(192.0.2.0/24), that receives the option with O(scope=subnet) and the reservations of hosts without
        O(hosts[].ip). Not needed when the config has a single subnet.
    type: str
  validate:
    description:
      - Run the daemon's test mode on the candidate before it replaces the live file.
      - For V(kea) the candidate is the whole config. For V(isc) and V(dnsmasq), see O(validate_config).
      - Also runs in check mode. The files the daemon tests are written to a private temporary directory
        (mode 0700, outside the config directory) that is removed afterwards; nothing next to O(path) or
        O(validate_config) is created, even briefly.
    type: bool
    default: true
  validate_config:
    description:
      - V(isc) and V(dnsmasq) only. The daemon's main config (C(/etc/dhcp/dhcpd.conf), C(/etc/dnsmasq.conf)),
        which must reference O(path) with C(include "PATH";) (isc) or C(conf-file=PATH) (dnsmasq). The test
        then runs on a temporary copy of it in which that reference points to the candidate, which proves that
        the real config works with the new file. The test runs in the directory of this file, so its relative
        includes resolve as they do for the daemon. A symlink here is refused.
      - Without it the candidate is tested alone, which proves its syntax but not how it combines with the
        rest of the config (for example a host name used twice).
    type: path
  state:
    description:
      - V(present) writes the file (isc, dnsmasq) or the owned entries (kea); V(absent) removes the file or
        the owned entries.
    type: str
    choices: [present, absent]
    default: present
  backup:
    description:
      - Keep a timestamped copy of the previous file when it changes, with the file's mode and owner.
    type: bool
    default: false
  force:
    description:
      - "V(isc) and V(dnsmasq) own O(path) whole. An existing O(path) without the header line this module
        writes (C(# Managed by dect.provisioning.dhcp_option66: ...)) is not theirs (the daemon's main
        config, a Kea JSON, a file of another tool): it is refused before anything is written, naming the
        file and what was found, unless O(force=true). An empty file counts as the module's."
      - V(kea) edits the daemon's config in place and refuses a file that does not parse as a Kea DHCPv4
        JSON config whatever O(force) says, as there is nothing to edit.
    type: bool
    default: false
    version_added: 1.0.0
extends_documentation_fragment:
  - ansible.builtin.files
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Checks and validation run as in a real run; the daemon tests the candidate in a private temporary
        directory, so nothing in the config directory is created or changed.
      - Check mode cannot prove the write itself (free space, permissions of the directory, O(owner)).
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
notes:
  - Runs on the DHCP server; needs only Python 3. The daemon's binary (C(dhcpd), C(kea-dhcp4), C(dnsmasq))
    must be installed for O(validate).
  - DHCP sends option 66 in clear text; a password in the URL is visible to every host on the network.
  - The daemon's test mode reads the candidate from a private directory under the system temporary directory
    (C(TMPDIR)). Where a security profile confines the daemon to its config directory (some AppArmor profiles
    of C(dhcpd) and C(dnsmasq) do), that test fails with the daemon's C(Permission denied); allow the daemon to
    read C(TMPDIR), point C(TMPDIR) (task C(environment)) at a directory it may read, or set O(validate=false).
  - The diff (before and after) and the daemon's messages show the password of every URL masked, so
    rotating a password shows neither the old nor the new one. The diff of a Kea config shows the whole
    file, with the values of C(password), C(secret) and C(key-password) keys masked as well.
  - "Kea reads a comma inside a string option as a separator: the module writes a literal comma of a URL as
    C(\\,), which Kea sends as C(,)."
  - With O(state=absent) on V(kea), a C(reservations) or C(option-data) list the module had to create stays,
    empty.
seealso:
  - module: dect.provisioning.config_xml
  - name: Provisioning guide, DHCP Server
    description: Option 66 carries the provisioning server URL.
    link: https://support.spectralink.com/
"""

EXAMPLES = r"""
- name: Per-MAC reservations with option 66 in an include file of ISC dhcpd
  dect.provisioning.dhcp_option66:
    backend: isc
    path: /etc/dhcp/dect-option66.conf
    validate_config: /etc/dhcp/dhcpd.conf
    url: https://prov.example.com/dect
    hosts:
      - {name: ward-a, mac: "00:13:d1:80:00:32", ip: 192.0.2.10}
      - {name: ward-b, mac: "00:13:d1:80:00:33", url: "tftp://192.0.2.5/dect"}
  register: option66

- name: Option 66 for every client of the DECT subnet in Kea's own config
  dect.provisioning.dhcp_option66:
    backend: kea
    path: /etc/kea/kea-dhcp4.conf
    scope: subnet
    subnet: 192.0.2.0/24
    url: https://prov.example.com/dect
    hosts:
      - {name: ward-a, mac: "00:13:d1:80:00:32", ip: 192.0.2.10}

- name: Remove the DECT entries from dnsmasq
  dect.provisioning.dhcp_option66:
    backend: dnsmasq
    path: /etc/dnsmasq.d/dect-option66.conf
    state: absent
"""

RETURN = r"""
path:
  description: The file the module owns or edits.
  returned: always
  type: str
  sample: /etc/dhcp/dect-option66.conf
hosts:
  description: The hosts as written, MAC addresses normalised, passwords in URLs masked.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "ward-a", "mac": "00:13:d1:80:00:32", "ip": "192.0.2.10", "url": "https://prov.example.com/dect"}]
validation:
  description: The test command run on the candidate (temporary file names), and the daemon's output.
  returned: when validation ran
  type: dict
  sample: {"command": ["dhcpd", "-t", "-cf", "/tmp/dect-dhcp-validate.x1y2/candidate-dect-option66.conf"], "output": ""}
service:
  description:
    - What makes the running daemon use the changed file, per backend. C(name) is the Debian service name,
      C(state) the M(ansible.builtin.service) state to use, C(signal) a signal that reloads the daemon
      through its pid file, or null when only a restart does (dhcpd, dnsmasq).
  returned: always
  type: dict
  sample: {"name": "kea-dhcp4-server", "state": "reloaded", "signal": "HUP"}
backup_file:
  description: The copy made with O(backup).
  returned: when a backup was made
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import BACKENDS, SCOPES, DhcpError
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.run import run


def main():
    module = AnsibleModule(
        argument_spec=dict(
            backend=dict(type="str", required=True, choices=list(BACKENDS)),
            path=dict(type="path", required=True),
            url=dict(type="str"),
            hosts=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                mac=dict(type="str", required=True),
                ip=dict(type="str"),
                url=dict(type="str"),
            )),
            scope=dict(type="str", default="host", choices=list(SCOPES)),
            subnet=dict(type="str"),
            validate=dict(type="bool", default=True),
            validate_config=dict(type="path"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            backup=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    try:
        result = run(module)
    except DhcpError as exc:
        module.fail_json(msg=str(exc), **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: adopt_export
short_description: Turn a DECT server's exported config and users XML into inventory, secrets vaulted
version_added: 1.0.0
description:
  - Reads the configuration XML and, optionally, the users XML exported from an installed Spectralink
    IP-DECT Server 400/6500 or DECT Server 2500/8000, and writes C(<dir>/host_vars/<host>.yml) with
    C(dect_mac), C(dect_model), C(dect_ip), C(dect_settings_host) and C(dect_users).
  - By default (O(provisioning=site)) the values the site derives the C(provisioning) section from
    (method, URL, check-sync reaction, interval, time, firmware names) are left to the site's inventory;
    the result's RV(overrides) says what the export had. O(provisioning=export) keeps the export's in
    host_vars variables instead.
  - Every secret (each parameter the guide marks as a password, every element or users field the guide
    does not know whose name holds C(pass), C(pw), C(pin), C(secret), C(key), C(token) or C(auth)
    anywhere, the password inside C(provisioning.server.url), the users' C(accesscode) and
    C(authpassword)) is written as an inline
    C(!vault) value, encrypted with the vault secret given on the command line (C(--vault-id)).
    No secret is returned, logged or written in clear.
  - The file is written atomically with mode C(0600), never through a symlink. When it already holds
    the same values (compared decrypted), nothing is written. An existing file's other variables
    (hand-added) are kept; a file that cannot be read back is replaced only with O(force).
  - The exports are validated first (a configuration that would cut the server off from provisioning
    is allowed, since the export describes what the server runs); any error fails the task and
    nothing is written.
  - The C(dect.provisioning.adopt) playbook runs it from extra variables.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  host:
    description: The inventory host name of the DECT server; the file is C(host_vars/<host>.yml).
    type: str
    required: true
  mac:
    description: The server's MAC address, any common spelling.
    type: str
    required: true
  model:
    description: The server model.
    type: str
    required: true
    choices: ["400", "6500", "2500", "8000"]
  config:
    description: The exported configuration XML on the controller (it may be vault-encrypted).
    type: path
    required: true
  users:
    description:
      - The exported users XML on the controller (it may be vault-encrypted).
      - A 2500/8000 exports it inside its service report (C(servicereportfiles.tar.gz)); the guide does not
        name the file inside that archive, so extract the users XML first and give it here.
    type: path
  dir:
    description: The inventory directory; C(host_vars/) is created inside it when missing.
    type: path
    required: true
  vault_id:
    description:
      - The vault identity to encrypt with, one of those given with C(--vault-id). Defaults to the first.
    type: str
  ip:
    description:
      - The server's address, written as C(dect_ip) (where check-sync is sent).
      - Defaults to the export's own address (C(network.ipaddr), else its IPv6 address). Required when the
        export has none and the host_vars file sets neither C(dect_ip) nor C(dect_sip_host).
    type: str
    version_added: 1.0.0
  provisioning:
    description:
      - V(site) leaves the provisioning method, URL, check-sync reaction, interval, time and firmware names
        to the site's inventory (RV(overrides) lists what the export had); V(export) keeps the export's
        values as host_vars variables, which then override the site's.
    type: str
    default: site
    choices: [site, export]
    version_added: 1.0.0
  force:
    description:
      - Replace an existing host_vars file that cannot be read back (not YAML, not a mapping, vault values
        of another identity), losing its variables. Without it such a file fails the task.
    type: bool
    default: false
    version_added: 1.0.0
extends_documentation_fragment:
  - dect.provisioning.controller_action
  - action_common_attributes
  - action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: One line per variable path; secrets show as the mask and a fingerprint.
  vault:
    description: Can read vault-encrypted exports and writes vault-encrypted values.
    support: full
    details: Requires a vault secret (C(--vault-id)); the exports themselves may be vault-encrypted.
notes:
  - Add the host to the C(dect_servers) group of the inventory; this module writes only its host_vars.
  - A server with C(security.passwords_unexportable=true) exports no passwords; adopt what it exports and
    add the passwords from your records.
seealso:
  - module: dect.provisioning.config_xml
  - module: dect.provisioning.users_xml
"""

EXAMPLES = r"""
- name: Adopt ward A's DECT server
  dect.provisioning.adopt_export:
    host: ward-a
    mac: "00:13:d1:80:00:32"
    model: "6500"
    config: exports/0013d1800032-config.xml
    users: exports/users.xml
    dir: inventories/production
    ip: 192.0.2.51
"""

RETURN = r"""
path:
  description: The host_vars file.
  returned: always
  type: str
  sample: inventories/production/host_vars/ward-a.yml
vaulted:
  description: The paths whose values were written vault-encrypted (names only).
  returned: always
  type: list
  elements: str
  sample: ["application.password", "users[0].accesscode"]
users:
  description: The number of users written to C(dect_users).
  returned: always
  type: int
  sample: 24
parameters:
  description: How many configuration parameters were adopted.
  returned: always
  type: int
overrides:
  description: What the site's inventory sets instead of the export (or, with O(provisioning=export), what
    host_vars keeps against it), and firmware names the site does not stage.
  returned: success
  type: list
  elements: str
  sample: ["provisioning.check.check_sync: the export has 'disabled'; the site sets it from
    dect_check_sync_reaction (default update)"]
kept:
  description: Variables of the existing host_vars file that the adoption does not own, kept as they were.
  returned: success
  type: list
  elements: str
  sample: ["dect_sip_user"]
errors:
  description: Every problem of the exports, each naming its path; secret values masked.
  returned: on failure
  type: list
  elements: str
  sample: ["users.xml line 4 (username '1001'): ipei: '00077 00000' is not an IPEI (NNNNN NNNNNNN)"]
"""

from ansible_collections.dect.provisioning.plugins.module_utils._adopt import ARGUMENT_SPEC
from ansible_collections.dect.provisioning.plugins.module_utils.document import action_only_message


def main():
    module = ARGUMENT_SPEC.create_module(supports_check_mode=True)
    module.fail_json(msg=action_only_message("adopt_export"))


if __name__ == "__main__":
    main()

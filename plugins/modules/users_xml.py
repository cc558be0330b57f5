#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: users_xml
short_description: Build, validate and publish the users file C(<mac>-users.xml) a Spectralink DECT server imports
version_added: 1.0.0
description:
  - Builds the users file a Spectralink IP-DECT Server 400/6500 or DECT Server 2500/8000 imports from
    its provisioning server, from a O(users) list, from an exported users XML or a CSV file (O(src),
    O(content)), or from both merged, and places it there.
  - Every record is checked against the users field reference of Appendix C of the Spectralink
    provisioning guide (see C(docs/users_xml.md)), that is the fields each model family supports, mandatory
    fields, lengths, character sets, ranges, the IPEI form and check digit, and duplicates. All problems
    are reported in one failure, each naming the record (its index or source line and its
    username/localno), the field, the value (masked when secret) and the rule; nothing is written
    when validation fails.
  - Output is deterministic, with users in input order (or sorted with O(sort=true)), fields in the
    guide's order, only fields that are set.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  users:
    description:
      - The users, one dict per record, keyed by the Appendix C field names
        C(ipei), C(accesscode), C(standbytext), C(username), C(localno), C(domain), C(displayname),
        C(authuser), C(authpassword), C(disabled), C(lid), C(linetype), C(presentationtext), C(name),
        C(tx_gain), C(rx_gain), C(cucmdevicename).
      - C(username) is mandatory on 400/6500, C(localno) on 2500/8000. C(lid), C(linetype),
        C(presentationtext), C(name), C(localno), C(tx_gain) and C(rx_gain) exist on 2500/8000 only.
      - C(ipei) is written C(NNNNN NNNNNNN); it may be given without the space, with another separator,
        or with its 13th check digit, which is verified and dropped. Quote IPEIs and C(lid) values in
        YAML, which would otherwise read them as numbers and drop leading zeros.
      - Booleans are written V(true)/V(false). A value of V(null) leaves the field out; an empty string
        writes an empty element.
      - C(authpassword) and C(accesscode) are secrets; they are masked in every output, diff and error,
        as are fields outside Appendix C whose name says they hold a secret (C(sippassword), C(pin), ...).
      - With O(src) or O(content), an entry whose username (400/6500) or localno (2500/8000) names an
        imported record updates that record, field by field (V(null) removes a field); other entries are
        appended after the imported records.
      - An entry that is not a dict is an error naming its index (the elements are checked by the module,
        not converted by Ansible).
    type: list
    elements: raw
  src:
    description:
      - A users file on the controller to import, either an exported users XML (as the server's
        Import/Export page or service report gives it) or a CSV file with a header row of field names
        (separated by V(,), V(;) or a tab, UTF-8). The format is told by the content.
      - A relative path is looked up in the role's or playbook's C(files/) directory.
      - With O(state=parsed), the document to parse; its users are returned as RV(users), ready to be kept
        in inventory, secrets masked and listed in RV(masked_fields).
      - Mutually exclusive with O(content).
    type: path
  content:
    description:
      - Like O(src), the users XML or CSV given as a string.
    type: str
  sort:
    description:
      - Write the users in natural order of their username (400/6500) or localno (2500/8000) instead of
        input order.
    type: bool
    default: false
  max_users:
    description:
      - Fail when the document would hold more users than this.
      - There is no default, because the provisioning guide documents no user capacity for any model;
        set it to the capacity of your server and license.
    type: int
attributes:
  diff_mode:
    support: full
    details: >-
      The diff shows one line per user, keyed by username (400/6500) or localno (2500/8000), so users
      added, removed and changed are named; secrets appear as the mask with a fingerprint that changes
      when the secret does and cannot be turned back into it.
  vault:
    support: none
    details: O(src) is read as it is on the controller; keep secrets in vaulted variables given in O(users).
# What every document module shares: the controller action, the document options, Ansible's file options.
extends_documentation_fragment: [dect.provisioning.controller_action, dect.provisioning.document, ansible.builtin.files,
                                 action_common_attributes, action_common_attributes.flow, action_common_attributes.files]
notes:
  - Requires C(lxml) on the controller only, to read XML; CSV import and rendering need nothing extra.
  - The device's element order is kept; C(localno) follows C(username), as in both users examples of the
    guide's Appendix D.
  - Appendix C names the CUCM field C(users.cucmdevicename); it is written inside C(<user>), as Appendix D shows.
  - C(tx_gain) and C(rx_gain) other than 0 are refused for C(linetype=D) users, where the guide says no
    gain can be added.
seealso:
  - module: dect.provisioning.config_xml
  - name: Spectralink IP-DECT Server 400/6500 and DECT Server 2500/8000 Provisioning Guide, Appendix C and D
    description: The users file reference this module validates against.
    link: https://support.spectralink.com/
"""

EXAMPLES = r"""
- name: Publish the users of ward A's IP-DECT server
  dect.provisioning.users_xml:
    dest: /srv/dect
    mac: "00:13:d1:80:00:32"
    model: "6500"
    users:
      - ipei: "00077 0000001"
        username: "9997"
        standbytext: "9997"
      - ipei: "000770000002"          # normalised to 00077 0000002
        username: "9998"
        displayname: Morten Mortensen
        authuser: "9998"
        authpassword: "{{ vault_sip_passwords['9998'] }}"
    max_users: 1000
    mode: "0640"

- name: Import a spreadsheet of 2500/8000 users, overriding one record from inventory
  dect.provisioning.users_xml:
    dest: /srv/dect
    mac: 0013d1800033
    model: 8000
    src: ward-b-users.csv
    users:
      - localno: "2001"
        accesscode: "{{ vault_access_codes['2001'] }}"
    sort: true

- name: Read an installed server's exported users (secrets come back masked, their paths in exported.masked_fields)
  dect.provisioning.users_xml:
    state: parsed
    src: exports/0013d1800032-users.xml
    model: "6500"
  register: exported

- name: Keep them in host_vars with their secrets, vault-encrypted (parsed output would lose them)
  dect.provisioning.adopt_export:
    host: ward-a
    mac: "00:13:d1:80:00:32"
    model: "6500"
    config: exports/0013d1800032-config.xml
    users: exports/0013d1800032-users.xml
    dir: inventories/production
    ip: 192.0.2.51

- name: Validate in CI without touching any host
  dect.provisioning.users_xml:
    model: "400"
    users: "{{ dect_users }}"
    strict: true
    state: rendered
"""

RETURN = r"""
path:
  description: The users file written or removed.
  returned: when O(state) is V(present) or V(absent)
  type: str
  sample: /srv/dect/0013d1800032-users.xml
backup_file:
  description: The replaced users file's copy (mode 0600) in O(backup_dir), when O(backup=true) and it changed.
  returned: changed and O(backup=true)
  type: str
xml:
  description: The users XML, authentication passwords and access codes masked.
  returned: when O(state) is V(present) or V(rendered)
  type: str
users:
  description:
    - The normalised users (booleans, integers, IPEIs as C(NNNNN NNNNNNN)), secrets masked.
    - With O(state=parsed), the records of the document, ready for O(users).
  returned: always, except O(state=absent)
  type: list
  elements: dict
  sample: [{"ipei": "00077 0000001", "username": "9997", "standbytext": "9997", "disabled": false}]
count:
  description: How many users the document holds.
  returned: always, except O(state=absent)
  type: int
  sample: 3
errors:
  description: Every validation problem, each naming the record, the field, the value and what is allowed.
  returned: on validation failure, and with O(state=parsed)
  type: list
  elements: str
  sample: ["users[4] (username '1004'): tx_gain: value '13' is out of range: allowed integer -12..12 (dB)"]
valid:
  description: Whether the users read pass validation (O(strict) and O(max_users) apply).
  returned: when O(state=parsed)
  type: bool
masked_fields:
  description: The secrets masked in RV(users), as C(users[<index>].<field>); supply them from ansible-vault.
  returned: when O(state=parsed)
  type: list
  elements: str
  sample: ["users[2].accesscode", "users[2].authpassword"]
"""

from ansible_collections.dect.provisioning.plugins.module_utils.document import USERS_XML, action_only_message


def main():
    module = USERS_XML.create_module(supports_check_mode=True)
    module.fail_json(msg=action_only_message("users_xml"))


if __name__ == "__main__":
    main()

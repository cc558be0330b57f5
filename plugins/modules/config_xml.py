#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_xml
short_description: Render and validate the C(<mac>-config.xml) of a Spectralink DECT server
version_added: 1.0.0
description:
  - Turns a nested O(settings) dict, mirroring the XML under C(<config>), into the configuration
    file a Spectralink IP-DECT Server 400/6500 or DECT Server 2500/8000 fetches from its
    provisioning server, and places it there.
  - Every value is checked against the parameter schema of Appendix A of the Spectralink
    provisioning guide (see C(docs/parameters.md)), that is types, ranges, exact enum spellings and the
    model family that supports each parameter. All problems are reported in one failure, each
    naming its parameter path; nothing is written when validation fails.
  - The device replaces its whole running configuration with this file, so parameters you do not
    set take the firmware's defaults.
  - "Family and model policy: a parameter that the guide's printed marks place in the other family is an
    error naming the other family's equivalent. Where the family is inferred (the PDF lost which column a
    single mark stood in; C(docs/parameters.md) gives each reason), or the guide narrows a parameter to
    other models of the family (media resources only on the 6500, base station provisioning not on the
    400), it is a warning, an error with O(strict=true). O(family_overrides) accepts listed parameters
    all the same."
  - "Device safety: a configuration that cuts the server off from provisioning for good
    (C(provisioning.server.method: disabled), C(static) without C(provisioning.server.url),
    C(provisioning.config.check: false)), or leaves it unreachable once it imports the file (which replaces
    its whole configuration, so a parameter left out takes the firmware's default): neither polling
    (C(provisioning.check.interval), C(provisioning.check.time)) nor check-sync
    (C(provisioning.check.check_sync)) on, or static IPv4 addressing (C(network.bootproto: static), the
    2500/8000's default when C(network.bootproto) is left out) without C(network.ipaddr) and
    C(network.netmask), fails unless O(allow_unsafe) names that check. Settings only a
    factory reset undoes, and firmware that would be staged but never applied (automatic update off
    for its kind, or no licence in C(dect.license) where the guide requires the Enhanced Provisioning
    Interface License), are warnings."
  - Parameters whose guide default is C(-) may be empty (an empty string or null), written as an empty element
    (C(<gateway/>)) as server exports have them.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  settings:
    description:
      - "Nested dict of parameters mirroring the XML under C(<config>), for example
        C({provisioning: {check: {interval: 60}}}) for C(provisioning.check.interval)."
      - Booleans are written V(true)/V(false) (YAML V(yes)/V(True) included), numbers without decimals,
        lists of a comma separated parameter are joined with commas.
      - "Array elements are written with their number, for example C(bif08: {shelf1: {card2: {port3: {enable: true}}}})."
      - Parameters the guide marks as passwords, parameters it does not list whose name says they hold a
        secret (C(password), C(pwd), C(pin), C(secret), C(key), C(token), C(community), C(accesscode), ...),
        and the password in a URL of the form C(proto://user:password@host), are masked in every output,
        error and diff; the diff shows a changed secret as a changed fingerprint.
      - A value holding a character XML 1.0 does not allow (U+0000, U+001B, U+FFFE, ...) is an error
        naming its path. The rendered document is parsed back before it is written.
    type: raw
  family_overrides:
    description:
      - Parameter paths, or section prefixes, to write on this server although the schema places them in
        the other family or on other models of this family, for example V(snmp) or V(sip.media.codecs)
        (G729A, which the guide marks for the 6500 only).
      - A listed parameter is validated with its type and written without a warning.
      - The role C(dect_server) takes it from the inventory variable C(dect_family_overrides).
    type: list
    elements: str
    default: []
  allow_unsafe:
    description:
      - Device-safety checks to waive, each meaning the configuration is meant to cut the server off
        from provisioning.
      - V(provisioning_disabled) allows C(provisioning.server.method=disabled); V(static_without_url) allows
        C(static) without C(provisioning.server.url); V(config_check_off) allows
        C(provisioning.config.check=false); V(polling_and_check_sync_off) allows a configuration with
        C(provisioning.check.check_sync) disabled, C(provisioning.check.interval) 0 and no
        C(provisioning.check.time) (as given or left to their defaults); V(static_without_address) allows
        C(network.bootproto=static) (given, or the 2500/8000's default) without C(network.ipaddr) or
        C(network.netmask). Each leaves the server unreachable for later files, this module's included,
        until someone changes it on the server itself.
      - The role C(dect_server) takes it from the inventory variable C(dect_allow_unsafe).
    type: list
    elements: str
    choices: [provisioning_disabled, static_without_url, config_check_off, polling_and_check_sync_off, static_without_address]
    default: []
  src:
    description:
      - With O(state=parsed), a config XML file on the controller to read; its parameters are returned as
        RV(settings). A section or parameter that appears twice is an error naming each.
    type: path
  content:
    description:
      - With O(state=parsed), the config XML document as a string.
    type: str
attributes:
  diff_mode:
    support: full
    details: The diff lists changed parameters by path, one C(path = value) line each, secrets masked.
  vault:
    support: full
    details: O(src) may be vault-encrypted; secrets in O(settings) come from vaulted variables.
# What every document module shares: the controller action, the document options, Ansible's file options.
extends_documentation_fragment: [dect.provisioning.controller_action, dect.provisioning.document, ansible.builtin.files,
                                 action_common_attributes, action_common_attributes.flow, action_common_attributes.files]
notes:
  - Requires C(lxml) on the controller only.
  - O(state=parsed) returns secret values masked and lists their paths in RV(masked_paths). To move an
    installed server into inventory with its secrets, use the C(dect.provisioning.adopt) playbook, which
    writes them vault-encrypted.
seealso:
  - module: dect.provisioning.users_xml
  - module: dect.provisioning.provisioning_probe
"""

EXAMPLES = r"""
- name: Publish the configuration of ward A's DECT server
  dect.provisioning.config_xml:
    dest: /srv/dect
    mac: "00:13:d1:80:00:32"
    model: "6500"
    settings:
      network:
        bootproto: dhcp
        hostname: ward-a
      sip:
        defaultdomain: pbx.example.com
        auth:
          password: "{{ vault_sip_password }}"
      provisioning:
        server:
          method: dhcp
        check:
          check_sync: update
          interval: 60
        config:
          check: true
        users:
          check: true
    mode: "0640"            # the documents carry passwords: no permission for others
    backup: true
    backup_dir: /var/backups/dect   # outside the served root: a backup carries the passwords too

- name: A 2500 whose firmware takes SNMP (a placement the guide's marks leave open)
  dect.provisioning.config_xml:
    path: /srv/dect/0013d1800033-config.xml
    model: "2500"
    settings:
      network:
        bootproto: dhcp  # the 2500/8000 default is static: without an address the server is unreachable
      provisioning:
        check:
          check_sync: update
      snmp:
        enable: true
        syslocation: Ward B
    family_overrides: [snmp]

- name: Check a configuration in CI without touching any host
  dect.provisioning.config_xml:
    model: 8000
    settings: "{{ dect_settings }}"
    strict: true
    state: rendered
  register: rendered

- name: Read an installed server's exported configuration (secrets come back masked, listed in parsed.masked_paths)
  dect.provisioning.config_xml:
    model: "6500"
    src: exports/0013d1800032-config.xml
    state: parsed
  register: parsed

# To move it into inventory with its secrets, use dect.provisioning.adopt_export (or the
# dect.provisioning.adopt playbook): it writes host_vars with every secret vault-encrypted.
"""

RETURN = r"""
path:
  description: Where the configuration is (or was, with O(state=absent)) on the provisioning host.
  returned: when O(state) is V(present) or V(absent)
  type: str
  sample: /srv/dect/0013d1800032-config.xml
backup_file:
  description: The copy of the configuration this run replaced, in O(backup_dir), mode 0600.
  returned: changed and O(backup=true)
  type: str
  sample: /var/backups/dect/0013d1800032-config.xml.20260101T120000.3fa9c1
xml:
  description: The configuration as rendered, every secret replaced by C(********).
  returned: when O(state) is V(present) or V(rendered)
  type: str
settings:
  description: The normalised settings (booleans, integers, joined lists), secrets masked.
  returned: always, except O(state=absent)
  type: dict
  sample: {"provisioning": {"check": {"interval": 60}}}
errors:
  description: Every validation problem, each naming the parameter path, the value and what is allowed.
  returned: on validation failure, and with O(state=parsed)
  type: list
  elements: str
  sample: ["provisioning.check.interval: value '-5' is out of range: allowed integer >= 0 (minutes)"]
valid:
  description: Whether the parsed configuration passes validation as O(strict), O(family_overrides) and O(allow_unsafe) set it.
  returned: when O(state=parsed)
  type: bool
masked_paths:
  description: The paths of the parameters masked in RV(settings); give them from vaulted variables.
  type: list
  elements: str
  returned: when O(state=parsed)
  sample: [sip.auth.password, provisioning.server.url]
"""

from ansible_collections.dect.provisioning.plugins.module_utils.document import CONFIG_XML, action_only_message


def main():
    module = CONFIG_XML.create_module(supports_check_mode=True)
    module.fail_json(msg=action_only_message("config_xml"))


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: dect_server
version_added: 1.0.0
author:
  - dect.provisioning contributors (!UNKNOWN)
short_description: What the current DECT server's users and configuration are made from
description:
  - Resolves, for the host the task runs for, the variables of the C(dect.provisioning.dect_server) role
    (see its argument spec). Each C(dect_server_<x>) wins when set; else the inventory variable it defaults to
    (C(dect_mac), C(dect_model), C(dect_settings), C(dect_users), C(dect_provisioning_url), ...), else its default.
  - Returns the options of the render step of M(dect.provisioning.publish) for that server, C(mac), C(model),
    C(config) (M(dect.provisioning.config_xml)'s options, C(settings) with the C(provisioning) section derived
    from the same inventory values as DHCP option 66 and the files' location) and, when the server has users,
    C(users) (M(dect.provisioning.users_xml)'s options).
  - Why a lookup and not role defaults written as templates? It resolves a server's dozen variables in one step.
    On ansible-core 2.19 every templated role default a task references costs each server its own compilation
    in that task, which made most of the render step's time on a 1,000-server site (see docs/benchmarks.md).
  - The result carries the site's secrets (SIP and admin passwords, the URL's password); give it only to
    options and facts marked C(no_log).
options: {}
notes:
  - A missing required value (MAC, model, provisioning URL) or an unusable one fails naming the variable.
seealso:
  - module: dect.provisioning.publish
    description: Its render step takes this lookup's result as O(dect.provisioning.publish#module:server).
"""

EXAMPLES = r"""
- name: Validate and render this server's documents (what the dect_server role does)
  dect.provisioning.publish:
    step: render
    server: "{{ lookup('dect.provisioning.dect_server') }}"

- name: Keep the configuration a server would get, secrets inside, without showing it
  ansible.builtin.set_fact:
    dect_server_config: "{{ lookup('dect.provisioning.dect_server').config.settings }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One element, C({mac, model, config, users}); C(users) only when the server has users or a users file.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.dect.provisioning.plugins.module_utils import site
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("dect.provisioning.dect_server: takes no terms; it reads the current host's variables")
        if variables is None:
            raise AnsibleLookupError("dect.provisioning.dect_server: no host variables available")

        def get(name):
            # KeyError when unset; a set value is templated (inventory values may hold templates).
            return self._templar.template(variables[name])

        try:
            return [site.server_documents(get)]
        except (site.SiteError, IdentifierError) as exc:
            raise AnsibleLookupError("dect.provisioning.dect_server: %s" % exc)

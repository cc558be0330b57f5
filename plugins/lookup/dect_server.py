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
    C(users) (M(dect.provisioning.users_xml)'s options), and C(record), the server's resolved record (no secrets) -
    C(name), C(mac) (12 lowercase hex digits), C(model), C(files) (its config and users file names), C(firmware)
    (image name by kind, as C(provisioning.firmware) tells it), C(fetches) (its documents and firmware version
    files) and C(check_sync) (C(reaction); C(target), the NOTIFY target from its own C(sip.localport),
    C(sip.transport), C(sip.use_sips_uri) and first enabled user, C(dect_sip_*) overriding, or C(error) why there
    is none; C(auth_password), the name of the variable holding the digest password). The render step of
    M(dect.provisioning.publish) sets it as the fact C(dect_server_record); see C(docs/site.md).
  - Why a lookup and not role defaults written as templates? It resolves a server's dozen variables in one step.
    On ansible-core 2.19 every templated role default a task references costs each server its own compilation
    in that task, which made most of the render step's time on a 1,000-server site (see docs/benchmarks.md).
    The render step of M(dect.provisioning.publish) given no O(dect.provisioning.publish#module:server) resolves
    the same in its action plugin, without templating a lookup in every worker (what the role does).
  - The result carries the site's secrets (SIP and admin passwords, the URL's password); give it only to
    options and facts marked C(no_log).
options: {}
notes:
  - A missing required value (MAC, model, provisioning URL) or an unusable one fails naming the variable, and so
    does a setting under C(provisioning) in C(dect_settings*) that the derived section would replace or leave out
    (unless equal to the derived value).
  - Warns, naming the server, about a C(dect_*) variable the collection does not know (with the nearest known
    name) and about a secret (a secret parameter of the settings, a users secret field, C(dect_sip_auth_password),
    the password in the provisioning URL) typed into inventory as plain text rather than vaulted (C(!vault), a
    template such as C({{ vault_x }}), or a vault-encrypted vars file); with C(dect_require_vault=true) that fails.
  - A DECT server sharing its MAC (in any spelling) or its SIP check-sync target (host, port and user) with another
    server of C(groups['dect_servers']) fails naming both servers; the index of the site's identities is resolved
    once per run, whatever the play's C(--limit) or batch.
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
    - One element, C({mac, model, config, users, record}); C(users) only when the server has users or a users file.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.dect.provisioning.plugins.plugin_utils._server_inputs import Unresolved, resolve

display = Display()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("dect.provisioning.dect_server: takes no terms; it reads the current host's variables")
        if variables is None:
            raise AnsibleLookupError("dect.provisioning.dect_server: no host variables available")

        def find_file(path):
            # As the users_xml action finds its src: like a role's file.
            return self.find_file_in_search_path(variables, "files", path, ignore_missing=True)

        try:
            documents, warnings = resolve(self._templar, variables, self._loader, find_file)
        except Unresolved as exc:
            raise AnsibleLookupError(str(exc))
        for warning in warnings:
            display.warning(warning)
        return [documents]

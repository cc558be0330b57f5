# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_policy
version_added: 1.0.0
author:
  - dect.provisioning contributors (!UNKNOWN)
short_description: The rollout batch size and failure threshold of a site, from its inventory
description:
  - Reads C(dect_rollout_serial) and C(dect_rollout_max_fail_percentage) from
    C(group_vars/dect_servers/rollout.yml) beside each inventory source file (or inside each inventory
    directory); a later source overrides an earlier one, other keys of the file are ignored.
  - "C(site.yml) uses it for its C(serial) and C(max_fail_percentage) play keywords: Ansible templates those
    before any host is chosen, so inventory variables cannot reach them the usual way."
  - The file is the same one the inventory loads as group vars; it must not be vault-encrypted.
  - Calling it also loads the collection's rendering engine into the controller's main process, so the
    workers forked for the following tasks inherit it instead of importing it each.
options:
  _terms:
    description:
      - The inventory sources, usually C(ansible_inventory_sources). A list given as one term is
        taken element by element.
    type: list
    elements: path
    required: true
notes:
  - A source without a policy file contributes nothing; no policy file at all gives C({}).
"""

EXAMPLES = r"""
- name: Batches of a site
  ansible.builtin.debug:
    msg: "{{ lookup('dect.provisioning.rollout_policy', ansible_inventory_sources) }}"

- name: Play keywords from the inventory's group_vars/dect_servers/rollout.yml, extra vars first
  hosts: dect_servers
  vars:
    rollout: "{{ lookup('dect.provisioning.rollout_policy', ansible_inventory_sources) }}"
  serial: "{{ dect_rollout_serial | default(rollout.dect_rollout_serial | default('100%')) }}"
  tasks: []
"""

RETURN = r"""
_raw:
  description:
    - "One element, the keys found, for example C({dect_rollout_serial: 10}); C(lookup) gives that
      dictionary itself, C(query) a list holding it."
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.dect.provisioning.plugins.plugin_utils._rollout_policy import (
    RolloutPolicyError,
    read_rollout_policy,
    warm_rendering_engine,
)


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        sources = []
        for term in terms:
            sources.extend(term if isinstance(term, (list, tuple)) else [term])
        warm_rendering_engine()
        try:
            return [read_rollout_policy([str(source) for source in sources])]
        except RolloutPolicyError as exc:
            raise AnsibleLookupError("dect.provisioning.rollout_policy: %s" % exc)

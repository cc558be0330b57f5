# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site's rollout policy (``dect_rollout_serial``, ``dect_rollout_max_fail_percentage``) read from
``group_vars/dect_servers/rollout.yml`` of each inventory source.

Controller side of the ``dect.provisioning.rollout_policy`` lookup (what site.yml calls). site.yml
needs the policy in play keywords, which Ansible templates before any host is chosen, so inventory
variables cannot reach them the usual way; this reads the same file the inventory loads as group vars.
"""

from __future__ import annotations

import os

import yaml

from ansible_collections.dect.provisioning.plugins.module_utils import firmware, server_record, server_variables
# The rendering engine (lxml, the parameter schema, the users rules, the argument specs) and the rest
# of the publication engine's helpers, imported into whichever process reads the policy: the
# controller's main process, for site.yml.
from ansible_collections.dect.provisioning.plugins.plugin_utils import (
    _document_action,
    _remote_write,
    _render,
    _site_index,
    _spool,
)

# Where site.yml finds the rollout policy of a site, relative to each inventory source.
ROLLOUT_POLICY_FILE = ("group_vars", "dect_servers", "rollout.yml")
ROLLOUT_POLICY_KEYS = ("dect_rollout_serial", "dect_rollout_max_fail_percentage")

# What the workers forked after the warm-up inherit instead of importing each.
ENGINE_MODULES = (_render, _document_action, _remote_write, _spool, _site_index, server_record, server_variables, firmware)


class RolloutPolicyError(ValueError):
    """A policy file that is not YAML or not a mapping; the message names the file."""


def rollout_policy_paths(sources):
    """``group_vars/dect_servers/rollout.yml`` beside each inventory source (a file) or inside it (a dir)."""
    paths = []
    for source in sources or []:
        base = source if os.path.isdir(source) else os.path.dirname(os.path.abspath(source))
        paths.append(os.path.join(base, *ROLLOUT_POLICY_FILE))
    return paths


def read_rollout_policy(sources):
    """The policy keys found in the policy files of ``sources`` (later sources win), as a dict."""
    policy = {}
    for path in rollout_policy_paths(sources):
        if not os.path.isfile(path):
            continue
        with open(path) as handle:
            try:
                data = yaml.safe_load(handle) or {}
            except yaml.YAMLError as exc:
                raise RolloutPolicyError("%s is not YAML: %s" % (path, exc))
        if not isinstance(data, dict):
            raise RolloutPolicyError("%s must hold a mapping" % path)
        policy.update((key, data[key]) for key in ROLLOUT_POLICY_KEYS if key in data)
    return policy


def warm_rendering_engine():
    """Build the rendering engine's argument validators in this process (``ENGINE_MODULES`` were
    imported with this module).

    site.yml templates its play keywords through the rollout policy in the main process, which then
    forks one worker per DECT server and task: workers inherit what the main process imported and
    built, so none imports lxml and the schema or builds the validators again (about 50 ms and 15 ms
    per server and task on this machine).
    """
    _render.warm()

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on what the provisioning hosts serve and the provisioning URLs that ask for it."""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.dect.provisioning.plugins.module_utils import _served
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError
from ansible_collections.dect.provisioning.plugins.plugin_utils._filter_errors import filter_errors

display = Display()


@filter_errors("url_served", IdentifierError)
def url_served(url):
    """``{protocol, port, path}`` of a provisioning URL ('' or omitted: TFTP at the root)."""
    return _served.url_served(url)


@filter_errors("provisioning_served", _served.ServedError, IdentifierError)
def provisioning_served(host_vars):
    """What a provisioning host serves, from its variables."""
    return _served.served_by(host_vars)


@filter_errors("provisioning_url_problems", _served.ServedError, IdentifierError)
def provisioning_url_problems(servers, provisioning, warn=True):
    """The DECT servers' URLs (their variables) against the provisioning hosts (their variables)."""
    hosts = [_served.served_by(host_vars) for host_vars in provisioning or []]
    result = _served.url_problems(list(servers or []), hosts)
    if warn:
        for text in result["warnings"]:
            display.warning("dect.provisioning: %s" % text)
    return result


class FilterModule:
    def filters(self):
        return {"url_served": url_served, "provisioning_served": provisioning_served,
                "provisioning_url_problems": provisioning_url_problems}

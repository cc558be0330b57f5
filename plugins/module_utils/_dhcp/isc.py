# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ISC dhcpd: an include file of host declarations (and the scope-wide option), owned as a whole."""

from __future__ import annotations

import re

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import (
    OPTION_NAME,
    IncludeFileBackend,
    Service,
    needs_own_option,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import format_mac


class IscBackend(IncludeFileBackend):
    name = "isc"
    binary = "dhcpd"
    service = Service("isc-dhcp-server", "restarted", None)  # dhcpd has no reload: restart

    def candidate(self, live_text, plan):
        lines = self.header(plan)
        if plan.scope == "subnet":
            lines.append('option %s "%s";' % (OPTION_NAME, plan.url))
        for host in plan.hosts:
            body = ["  hardware ethernet %s;" % format_mac(host.mac)]
            if host.ip:
                body.append("  fixed-address %s;" % host.ip)
            if needs_own_option(plan, host):
                body.append('  option %s "%s";' % (OPTION_NAME, host.url))
            if len(body) > 1:
                lines += ["host %s {" % host.name] + body + ["}"]
        return "\n".join(lines) + "\n"

    def include_pattern(self, path):
        return re.compile(r'(\binclude\s+")%s(")' % re.escape(path))

    def include_hint(self, path):
        return 'include "%s";' % path

    def validate_argv(self, binary, config_path):
        return [binary, "-t", "-cf", config_path]

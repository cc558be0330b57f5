# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dnsmasq: an include file of dhcp-host / dhcp-option lines, owned as a whole."""

from __future__ import annotations

import re

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import (
    IncludeFileBackend,
    Service,
    needs_own_option,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import format_mac


class DnsmasqBackend(IncludeFileBackend):
    name = "dnsmasq"
    binary = "dnsmasq"
    # SIGHUP re-reads hosts files only, not dhcp-host lines of a conf-file: restart.
    service = Service("dnsmasq", "restarted", None)

    def candidate(self, live_text, plan):
        lines = self.header(plan)
        if plan.scope == "subnet":
            lines.append('dhcp-option=66,"%s"' % plan.url)
        for host in plan.hosts:
            fields = [format_mac(host.mac)]
            own_option = needs_own_option(plan, host)
            if own_option:
                fields.append("set:dect-%s" % host.name)
            if host.ip:
                fields.append(host.ip)
            if len(fields) > 1:
                lines.append("dhcp-host=%s" % ",".join(fields))
            if own_option:
                # A tagged option wins over the untagged scope-wide one in dnsmasq.
                lines.append('dhcp-option=tag:dect-%s,66,"%s"' % (host.name, host.url))
        return "\n".join(lines) + "\n"

    def include_pattern(self, path):
        return re.compile(r"^(\s*conf-file\s*=\s*)%s(\s*)$" % re.escape(path), re.M)

    def include_hint(self, path):
        return "conf-file=%s" % path

    def validate_argv(self, binary, config_path):
        return [binary, "--test", "--conf-file=%s" % config_path]

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DHCP option 66 for DECT servers on ISC dhcpd, Kea and dnsmasq (private to dect.provisioning.dhcp_option66).

- ``plan``: checks every input value and turns it into a Plan; what every backend shares.
- ``isc``, ``dnsmasq``: render the include file the module owns.
- ``kea``: edits Kea's JSON config in place, through the position-keeping reader of ``jsonc``.
- ``validate``: the daemon's own test mode on a candidate, in a private temporary directory.
- ``run``: one module run, from the parameters to the result; raises DhcpError, never exits.
- ``masking``: the one place URL credentials are masked for results, diffs and messages.

Runs on the DHCP host: Python 3.8 syntax, standard library only.
"""

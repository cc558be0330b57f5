# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every configuration parameter of Appendix A of the Spectralink provisioning guide, as data.

One ``Param`` per parameter:
- ``path``: the XML path under ``<config>`` joined with '.'; a segment ending in ``[]`` is an
  array whose elements are that name plus a number (``shelf[]`` matches ``shelf1``, ``shelf12``);
- ``families``: ``DECT`` (2500/8000), ``IPDECT`` (400/6500) or ``BOTH``;
- ``type``: a param_types instance (what values are allowed and how they are written);
- ``default``: the guide's default, as the guide writes it (documentation only: nothing is
  rendered that the user did not set);
- ``secret``: masked in every output, diff and log;
- ``description``: the guide's description, shortened;
- ``alias``: the same setting's path on the other family (``dect.auth_call`` <-> ``system_event.auth_call``);
- ``note``: our reading where the guide is ambiguous;
- ``hidden``: marked '*' in the guide (hidden or needs a license).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils.param_types import (
    Bool,
    Enum,
    FileName,
    Int,
    ProvisioningUrl,
    Time,
    TimeOrImmediately,
)

DECT = ("dect",)
IPDECT = ("ipdect",)
BOTH = ("dect", "ipdect")

Param = namedtuple("Param", "path families type default secret description alias note hidden")


def P(path, families, ptype, default=None, description="", secret=False, alias=None, note=None, hidden=False):
    """Build one schema entry; keyword defaults keep the table below readable."""
    return Param(path, families, ptype, default, secret, description, alias, note, hidden)


PARAMETERS = (
    # ---------------------------------------------------------------- provisioning
    P("provisioning.check.check_sync", BOTH, Enum("disabled", "update", "reboot"), "disabled",
      "How the server reacts to SIP NOTIFY check-sync: disabled - ignore; reboot - reboot and check;"
      " update - check for updates and reboot if necessary."),
    P("provisioning.check.interval", BOTH, Int(0, None, unit="minutes"), "0",
      "Minutes between polls of the provisioning server; 0 disables periodic polling."),
    P("provisioning.check.time", BOTH, Time(), None,
      "A time of day (hh:mm) to check the provisioning server each day."),
    P("provisioning.config.check", BOTH, Bool(), "true",
      "Whether the server downloads and imports its configuration from the provisioning server."),
    P("provisioning.firmware.kws", BOTH, FileName(), None,
      "File name of the server firmware image; the server fetches <name>.ver then <name>."),
    P("provisioning.firmware.default_kws", IPDECT, Bool(), "false",
      "Use the server firmware as default for all base stations and media resources."),
    P("provisioning.firmware.rfp", DECT, FileName(), None,
      "File name of the firmware image for IP base stations."),
    P("provisioning.firmware.rfp6", DECT, FileName(), None,
      "File name of the firmware image for RFP6 digital base stations."),
    P("provisioning.firmware.pp14208700", BOTH, FileName(), None,
      "File name of the firmware image for Butterfly handsets."),
    P("provisioning.firmware.pp14225100", BOTH, FileName(), None,
      "File name of the firmware image for 75x2, 76x2 and 77x2 series handsets."),
    P("provisioning.firmware.pp14225110", BOTH, FileName(), None,
      "File name of the firmware image for 72x2 series handsets."),
    P("provisioning.firmware.pp14225190", BOTH, FileName(), None,
      "File name of the firmware image for OEM handsets."),
    P("provisioning.server.method", BOTH, Enum("dhcp", "static", "disabled"), "dhcp",
      "How the server obtains the provisioning server address."),
    P("provisioning.server.url", BOTH, ProvisioningUrl(), None,
      "The static provisioning server URL. A user:password@ part is treated as a secret.",
      note="Not flagged secret as a whole: only the password inside the URL is masked."),
    P("provisioning.users.check", BOTH, Bool(), "false",
      "Whether the server downloads and imports users from the provisioning server."),
    P("network.bootproto", BOTH, Enum("dhcp", "static"), "8000: static, 6500: dhcp",
      "Whether the IP configuration comes from DHCP or is static."),
    P("sip.localport", BOTH, Int(1, 65535), "5060", "The SIP port."),
    P("rfp.auto.start_time", BOTH, TimeOrImmediately(), "immediately",
      "When to update IP base stations: immediately or at a time within 24 h."),
)

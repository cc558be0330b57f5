# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks across parameters, after each value passed on its own: the codec list against the family
and model, and what a device cannot undo or never applies.

A configuration that would cut the server off from provisioning is refused unless its check is named
in ``allow_unsafe`` (policy.UNSAFE_CHECKS); settings only a factory reset undoes and firmware that
would be staged but never applied are warnings.

The server imports its configuration "by replacing the existing data" (guide, Configuration Update):
a parameter the file leaves out takes the firmware's default, not the value the server had. So the
reachability checks read each parameter as given, else as its default on this model.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import is_empty, value_at
from ansible_collections.dect.provisioning.plugins.module_utils._config.policy import OVERRIDE_OPTION, UNSAFE_OPTION
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import default_for

URL_PATH = "provisioning.server.url"
CODECS_PATH = "sip.media.codecs"
G729A = "1024"


def check_codecs(settings, policy, errors, warnings):
    """G729A (1024) is marked '(6500)' in the guide's codec list."""
    codecs = value_at(settings, CODECS_PATH)
    if not isinstance(codecs, str) or G729A not in [part.strip() for part in codecs.split(",")]:
        return
    if policy.overridden(CODECS_PATH):
        return
    message = "%s: value '%s' has 1024 (G729A), which the guide marks for the 6500 only" % (CODECS_PATH, codecs)
    if policy.family == "dect":
        errors.append("%s: not supported on 2500/8000; list %s in %s if your firmware takes it" % (
            message, CODECS_PATH, OVERRIDE_OPTION))
    elif policy.model == "400":
        if policy.strict:
            errors.append("%s: not on the 400 (strict mode)" % message)
        else:
            warnings.append("%s: the 400 may not offer it; list %s in %s to silence this" % (
                message, CODECS_PATH, OVERRIDE_OPTION))


_HANDSET_KINDS = ("pp14208700", "pp14225100", "pp14225110", "pp14225190")
LICENSE_PATH = "dect.license"


def check_device_safety(settings, policy, errors, warnings):
    method = value_at(settings, "provisioning.server.method")
    url = value_at(settings, URL_PATH)
    if method == "disabled" and "provisioning_disabled" not in policy.allow_unsafe:
        errors.append(
            "provisioning.server.method: value 'disabled' cuts the server off from provisioning: it never fetches a"
            " file again, this one included, until someone changes it on the server itself; add"
            " provisioning_disabled to %s if that is meant" % UNSAFE_OPTION)
    if method == "static" and is_empty(url) and "static_without_url" not in policy.allow_unsafe:
        errors.append(
            "%s: empty with provisioning.server.method 'static': the server has no provisioning server to fetch from"
            " and is cut off from provisioning; set the URL, or add static_without_url to %s if that is meant" % (
                URL_PATH, UNSAFE_OPTION))
    if value_at(settings, "provisioning.config.check") is False and "config_check_off" not in policy.allow_unsafe:
        errors.append(
            "provisioning.config.check: value 'false' stops the server importing its configuration file, so no later"
            " file (not even one turning it back on) reaches it; add config_check_off to %s if that is meant"
            % UNSAFE_OPTION)
    if method != "disabled":
        _check_update_trigger(settings, policy, errors)
    _check_address(settings, policy, errors)
    _check_factory_reset(settings, warnings)
    _check_firmware_applied(settings, policy, warnings)


_REPLACES = "the imported file replaces the server's whole configuration"


def _check_update_trigger(settings, policy, errors):
    """Neither polling nor check-sync: nothing makes the server check for a new file again."""
    reaction = value_at(settings, "provisioning.check.check_sync")
    interval = value_at(settings, "provisioning.check.interval")
    if reaction not in (None, "", "disabled") or interval not in (None, "", 0) or not is_empty(
            value_at(settings, "provisioning.check.time")):
        return
    if "polling_and_check_sync_off" in policy.allow_unsafe:
        return
    shown = "value 'disabled'" if reaction == "disabled" else "not set (default 'disabled')"
    errors.append(
        "provisioning.check.check_sync: %s, provisioning.check.interval %s and provisioning.check.time not set:"
        " %s, so nothing tells the server to check for a new file again (neither SIP NOTIFY check-sync nor"
        " polling) and it never fetches one until someone changes it on the server itself; allowed: check_sync"
        " update or reboot (inventory: dect_check_sync_reaction), an interval above 0 minutes (dect_check_interval)"
        " or a daily time hh:mm (dect_check_time); add polling_and_check_sync_off to %s if that is meant" % (
            shown, "value '0'" if interval == 0 else "not set (default '0')", _REPLACES, UNSAFE_OPTION))


def _check_address(settings, policy, errors):
    """Static IPv4 addressing without an address or mask: the server comes up unreachable."""
    bootproto = value_at(settings, "network.bootproto")
    if is_empty(bootproto):
        bootproto = _default_bootproto(policy)
        shown = "not set, so the %s default 'static' applies (%s)" % (
            "8000's" if policy.model == "8000" else "2500/8000 (the guide gives it for the 8000)", _REPLACES)
    else:
        shown = "value '%s'" % bootproto
    if bootproto != "static" or "static_without_address" in policy.allow_unsafe:
        return
    missing = [path for path in ("network.ipaddr", "network.netmask") if is_empty(value_at(settings, path))]
    if not missing:
        return
    errors.append(
        "network.bootproto: %s, with %s not set: the server comes up without an IPv4 address and nothing can reach"
        " it; allowed: bootproto dhcp, or static with network.ipaddr and network.netmask; add"
        " static_without_address to %s if that is meant" % (shown, " and ".join(missing), UNSAFE_OPTION))


def _default_bootproto(policy):
    """network.bootproto when the file leaves it out: the guide gives 'static' for the 8000 and
    'dhcp' for the 6500; the 2500 runs the 8000's firmware and is read as the 8000."""
    if policy.family == "dect":
        return "static"
    return default_for("network.bootproto", policy.model) if policy.model else None


def _check_factory_reset(settings, warnings):
    undo = "only a factory reset (removing all configuration and user data) undoes it"
    if value_at(settings, "security.passwords_unexportable") is True:
        warnings.append("security.passwords_unexportable: true: %s; exports then lack passwords, so no full backup"
                        " and no adoption into inventory are possible" % undo)
    if value_at(settings, "security.strict_password") is True:
        warnings.append("security.strict_password: true: %s" % undo)
    lifetime = value_at(settings, "security.password_lifetime")
    if lifetime not in (None, "", "0"):
        warnings.append("security.password_lifetime: value '%s': %s" % (lifetime, undo))


def _check_firmware_applied(settings, policy, warnings):
    firmware = value_at(settings, "provisioning.firmware")
    if not isinstance(firmware, dict):
        return
    never = "is staged but %s is not true: the server downloads the image and never applies it"
    needs_licence = []
    if firmware.get("rfp"):
        needs_licence.append("rfp")
        if value_at(settings, "rfp.auto.enable") is not True:
            warnings.append("provisioning.firmware.rfp: IP base station firmware " + never % "rfp.auto.enable")
    if firmware.get("rfp6"):
        needs_licence.append("rfp6")
        if value_at(settings, "rfp.auto.enable_digital") is not True:
            warnings.append("provisioning.firmware.rfp6: RFP6 digital base station firmware "
                            + never % "rfp.auto.enable_digital")
    for kind in _HANDSET_KINDS:
        if firmware.get(kind):
            needs_licence.append(kind)
            if value_at(settings, "suota.auto") is not True:
                warnings.append("provisioning.firmware.%s: handset firmware %s" % (kind, never % "suota.auto"))
    if firmware.get("default_kws") is True and policy.model != "400":
        needs_licence.append("default_kws")
        if value_at(settings, "rfp.auto.enable") is not True:
            warnings.append("provisioning.firmware.default_kws: the server firmware is the base stations' default but"
                            " rfp.auto.enable is not true: base stations are never updated with it")
        if policy.family == "ipdect" and value_at(settings, "mr.auto.enable") is not True:
            warnings.append("provisioning.firmware.default_kws: the server firmware is the media resources' default"
                            " but mr.auto.enable is not true: media resources are never updated with it")
    if needs_licence and is_empty(value_at(settings, LICENSE_PATH)):
        warnings.append(
            "provisioning.firmware: %s need the Enhanced Provisioning Interface License (guide: 'Enabling Enhanced"
            " Provisioning (License Required)'), and %s lists no licence: without it the images are never applied"
            % (", ".join(needs_licence), LICENSE_PATH))

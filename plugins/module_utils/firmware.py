# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firmware on a provisioning server: the kinds a DECT server asks for, and the rules of staging them.

A DECT server learns firmware file names from ``provisioning.firmware.<key>`` in its config, then
fetches ``<name>.ver`` (one line of version text) and, when that differs from what it runs,
``<name>``. This module is the one home of:

- the firmware kinds table (config key, what it is for, which model families use it), shared by
  the ``firmware`` module and role, the ``dect_server`` role and the docs;
- validation of file names, version text and checksums, with messages naming the option;
- the publishing order that keeps a polling device from ever seeing a ``.ver`` whose ``.bin``
  is not the matching, complete file.

Runs on targets: Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict, namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    model_family,
)
from ansible_collections.dect.provisioning.plugins.module_utils.param_types import FileName

# ``is_file`` is False for ``default_kws``: a switch in the config, not a file to stage.
FirmwareKind = namedtuple("FirmwareKind", "key families is_file description")

_BOTH = ("ipdect", "dect")
FIRMWARE_KINDS = OrderedDict((kind.key, kind) for kind in (
    FirmwareKind("kws", _BOTH, True,
                 "Server firmware (IP-DECT Server 400/6500, DECT Server 2500/8000). On the 400 it also"
                 " updates the built-in base station."),
    FirmwareKind("default_kws", ("ipdect",), False,
                 "Not a file: true makes the server firmware the default for all IP base stations and"
                 " media resources (400/6500)."),
    FirmwareKind("rfp", ("dect",), True,
                 "IP-DECT base station firmware (2500/8000; on the 6500 base stations take the server"
                 " firmware through default_kws)."),
    FirmwareKind("rfp6", ("dect",), True, "RFP6 digital base station firmware (2500/8000)."),
    FirmwareKind("pp14208700", _BOTH, True, "Butterfly handset firmware (over-the-air image)."),
    FirmwareKind("pp14225100", _BOTH, True, "75x2, 76x2 and 77x2 series handset firmware (over-the-air image)."),
    FirmwareKind("pp14225110", _BOTH, True, "72x2 series handset firmware (over-the-air image)."),
    FirmwareKind("pp14225190", _BOTH, True, "OEM handset firmware."),
))

# Handset and base station firmware beyond the server's own needs the Enhanced Provisioning
# Interface License on the DECT server (guide, "Enabling Enhanced Provisioning").
VER_SUFFIX = ".ver"
VERSION_MAX_LENGTH = 128
_VERSION_TEXT = re.compile(r"[\x20-\x7e]+")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
CHUNK_SIZE = 1024 * 1024
# A .ver file holds one line: anything larger is not one (and is never read whole).
VERSION_SRC_MAX_SIZE = 4096
# Seconds between withdrawing an old .ver and replacing its image (see the module's ver_grace).
VER_GRACE_MAX = 300.0
_RESERVED_SUFFIXES = (VER_SUFFIX, ".upload", ".dect-tmp")


# The firmware module's one argument spec, on top of Ansible's own file options; the module builds its
# AnsibleModule from it and the action plugin validates with it before it transfers anything.
ARGUMENT_SPEC = ArgumentSpec(
    dict(
        src=dict(type="path"),
        remote_src=dict(type="bool", default=False),
        dest=dict(type="path", required=True),
        name=dict(type="str", required=True),
        version=dict(type="str"),
        version_src=dict(type="path"),
        checksum=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        ver_grace=dict(type="float", default=5.0),
        lock_timeout=dict(type="int", default=300),  # _rootlock.DEFAULT_TIMEOUT
    ),
    file_common=True,
    mutually_exclusive=[("version", "version_src")],
    required_if=[("state", "present", ("version", "version_src"), True), ("state", "present", ("src",))],
)


class FirmwareError(ValueError):
    """Bad input; the message names the option, the value and what is allowed."""


def file_kinds():
    """The config keys that name a firmware file (every kind but ``default_kws``)."""
    return tuple(key for key, kind in FIRMWARE_KINDS.items() if kind.is_file)


def kinds_for_model(model):
    """The config keys a given server model understands, in the guide's order."""
    family = model_family(model)
    return tuple(key for key, kind in FIRMWARE_KINDS.items() if family in kind.families)


def file_kinds_for_model(model):
    """The firmware file kinds a server ``model`` fetches, in the guide's order (switches left out)."""
    family = model_family(model)
    return tuple(key for key, kind in FIRMWARE_KINDS.items() if kind.is_file and family in kind.families)


def firmware_section(names, model):
    """Split ``{key: file name}`` into what ``model`` understands and what it does not.

    Returns ``(section, skipped)``: ``section`` is the ``provisioning.firmware`` dict for that
    model's config; ``skipped`` lists the keys left out because the model's family has no such
    setting (a site catalogue serves both families).
    """
    allowed = kinds_for_model(model)
    section = OrderedDict((key, names[key]) for key in FIRMWARE_KINDS if key in names and key in allowed)
    skipped = [key for key in names if key not in section]
    return section, skipped


def catalogue_names(catalogue):
    """A site catalogue ``{key: {name, state, ...}}`` -> ``{key: file name}`` of what is staged.

    The name defaults to ``<key>.bin``; entries with ``state: absent`` are withdrawn, so no config
    may name them.
    """
    names = OrderedDict()
    for key, entry in (catalogue or {}).items():
        entry = entry or {}
        if entry.get("state", "present") == "absent":
            continue
        names[key] = entry.get("name") or "%s.bin" % key
    return names


def check_name(name, option="name"):
    """The firmware file name devices ask for: a plain file name, no directories, no '..'."""
    text = "" if name is None else str(name)
    if not text.strip():
        raise FirmwareError("%s: a file name is required, for example 'kws.bin'" % option)
    try:
        checked = FileName().normalize(text)
    except ValueError as exc:
        raise FirmwareError("%s: '%s' is refused: %s" % (option, text, exc))
    if checked != text:
        raise FirmwareError("%s: '%s' is refused: leading or trailing blanks" % (option, text))
    if checked.startswith("."):
        raise FirmwareError("%s: '%s' is refused: a hidden name is never served to devices; allowed a name"
                            " such as 'kws.bin'" % (option, text))
    if checked.endswith(_RESERVED_SUFFIXES):
        raise FirmwareError("%s: '%s' is refused: names ending in %s are reserved for the version file and the"
                            " staging files; allowed a name such as 'kws.bin'" % (option, text, ", ".join(_RESERVED_SUFFIXES)))
    return checked


def check_ver_grace(value, option="ver_grace"):
    """Seconds of ``ver_grace``: a number from 0 to VER_GRACE_MAX."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise FirmwareError("%s: '%s' is not a number of seconds: allowed 0 to %d" % (option, value, VER_GRACE_MAX))
    if not 0.0 <= seconds <= VER_GRACE_MAX:
        raise FirmwareError("%s: '%s' is out of range: allowed 0 to %d seconds" % (option, value, VER_GRACE_MAX))
    return seconds


def ver_name(name):
    """``kws.bin`` -> ``kws.bin.ver``: the version file a device fetches first."""
    return name + VER_SUFFIX


def staging_name(name, sha256=None):
    """Where the controller's upload waits, next to its final name, until it is published.

    The name is reserved: a ``src`` naming it is an upload of the action plugin, which the module
    moves into place (no second copy) or, when it is needed but missing, asks for. With the image's
    ``sha256`` the name is the image's own (``.kws.bin.<16 hex>.upload``), so two runs staging
    different images under one name never take each other's upload.
    """
    return ".%s.%s.upload" % (name, sha256[:16]) if sha256 else ".%s.upload" % name


def check_version(text, option="version"):
    """The ``.ver`` text: one line of printable ASCII, no path characters.

    A single trailing line ending (as in a vendor's shipped ``.ver``) is dropped, so ``version``
    and an equivalent ``version_src`` produce the same bytes.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise FirmwareError("%s: is not ASCII text: allowed one line of printable ASCII, for example"
                                " 'PCS17Ea 58478'" % option)
    value = "" if text is None else str(text)
    for ending in ("\r\n", "\n"):
        if value.endswith(ending):
            value = value[:-len(ending)]
            break
    shown = value.encode("unicode_escape").decode("ascii")
    if not value.strip():
        raise FirmwareError("%s: is empty: allowed one line of printable ASCII, for example 'PCS17Ea 58478'" % option)
    if len(value) > VERSION_MAX_LENGTH:
        raise FirmwareError("%s: is %d characters long: at most %d allowed" % (option, len(value), VERSION_MAX_LENGTH))
    if not _VERSION_TEXT.fullmatch(value):
        raise FirmwareError("%s: '%s' is refused: allowed one line of printable ASCII (no line breaks,"
                            " tabs or control characters)" % (option, shown))
    if "/" in value or "\\" in value:
        raise FirmwareError("%s: '%s' is refused: no '/' or '\\' allowed in version text (to read the"
                            " version from a shipped .ver file, use version_src)" % (option, value))
    if value != value.strip():
        raise FirmwareError("%s: '%s' is refused: leading or trailing blanks" % (option, value))
    return value


def ver_content(version):
    """The bytes of ``<name>.ver``: the version text exactly, no line ending."""
    return version.encode("ascii")


def parse_checksum(value, option="checksum"):
    """``sha256:<64 hex digits>`` -> the lowercase hex digest; None stays None."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    algorithm, sep, digest = text.partition(":")
    if not sep or algorithm.lower() != "sha256":
        raise FirmwareError("%s: '%s' is refused: allowed 'sha256:' followed by 64 hex digits" % (option, text))
    digest = digest.strip().lower()
    if not _SHA256_HEX.fullmatch(digest):
        raise FirmwareError("%s: '%s' is refused: a sha256 digest is 64 hex digits" % (option, text))
    return digest


def sha256_file(path):
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_mismatch(option, path, expected, actual):
    """The message for a firmware file whose sha256 is not the one promised."""
    return ("%s: sha256 of %s is %s, expected %s: the file is corrupt or not the release you meant;"
            " nothing was staged" % (option, path, actual, expected))

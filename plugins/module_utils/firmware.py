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
import os
import re
from collections import OrderedDict, namedtuple

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dect.provisioning.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    MODELS,
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
        allow_same_version=dict(type="bool", default=False),
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


# The guide's file stems, the recommended catalogue keys: {key: (kind, models)}.
GUIDE_NAMES = OrderedDict((
    ("IP-DECTserver400firmware", ("kws", ("400",))),
    ("IP-DECTserver6500firmware", ("kws", ("6500",))),
    ("DECTserver8000firmware", ("kws", ("2500", "8000"))),
    ("IP-DECTbasestationfirmware", ("rfp", ("2500", "8000"))),
    ("DigitalDECTbasestationfirmware", ("rfp6", ("2500", "8000"))),
))

# The fields of a catalogue entry (the firmware role passes the staging ones to the firmware module).
ENTRY_FIELDS = ("src", "remote_src", "version", "version_src", "checksum", "name", "state", "kind", "models",
                "allow_same_version")

# One checked catalogue entry: its key, kind, the models it is given to, the file name devices fetch.
CatalogueEntry = namedtuple("CatalogueEntry", "key kind models name present")


def _models_of(kind):
    """The models whose family understands ``kind``, in the guide's order."""
    return tuple(model for model in MODELS if model_family(model) in FIRMWARE_KINDS[kind].families)


def _entry_models(key, entry, kind, option):
    """The models an entry is given to: its ``models`` (checked), else every model understanding its kind."""
    if "models" not in entry or entry["models"] is None:
        return _models_of(kind)
    value = entry["models"]
    if not isinstance(value, (list, tuple)) or not value:
        raise FirmwareError("%s.%s.models: %r is refused: allowed a non-empty list of models out of %s"
                            % (option, key, value, ", ".join(MODELS)))
    models = []
    for model in value:
        text = str(model).strip() if isinstance(model, (str, int)) and not isinstance(model, bool) else None
        if text not in MODELS:
            raise FirmwareError("%s.%s.models: %r is not a model: allowed %s" % (option, key, model, ", ".join(MODELS)))
        if text not in _models_of(kind):
            raise FirmwareError("%s.%s.models: the %s does not understand %s firmware: allowed for kind %s: %s"
                                % (option, key, text, kind, kind, ", ".join(_models_of(kind))))
        if text not in models:
            models.append(text)
    return tuple(models)


def catalogue_entries(catalogue, option="dect_firmware"):
    """The checked entries of a site catalogue ``{key: {kind, models, name, state, src, ...}}``.

    ``kind`` defaults to the key, ``models`` to every model whose family understands the kind, the
    file name to ``<key>.bin``. Raises FirmwareError naming ``<option>.<key>.<field>`` for an
    unknown kind or a bad model, and naming both keys when two present entries of one kind are
    given to the same model or stage the same file.
    """
    if catalogue in (None, ""):
        catalogue = {}
    if not isinstance(catalogue, dict):
        raise FirmwareError("%s: a mapping of firmware entries is required, got %s" % (option, type(catalogue).__name__))
    entries = []
    for key, entry in catalogue.items():
        entry = {} if entry is None else entry
        if not isinstance(entry, dict):
            raise FirmwareError("%s.%s: a mapping (src, version, kind, models, ...) is required, got %s"
                                % (option, key, type(entry).__name__))
        unknown = sorted(str(field) for field in entry if field not in ENTRY_FIELDS)
        if unknown:
            raise FirmwareError("%s.%s: unknown field %s: allowed %s" % (option, key, ", ".join(unknown), ", ".join(ENTRY_FIELDS)))
        kind = entry.get("kind") or key
        if kind not in FIRMWARE_KINDS or not FIRMWARE_KINDS[kind].is_file:
            hint = "" if entry.get("kind") else " (no kind given, so the key is the kind)"
            if not entry.get("kind") and key in GUIDE_NAMES:
                hint += "; the guide's %s is kind: %s, models: [%s]" % (
                    key, GUIDE_NAMES[key][0], ", ".join('"%s"' % model for model in GUIDE_NAMES[key][1]))
            raise FirmwareError("%s.%s.kind: '%s' is not a firmware kind%s: allowed %s"
                                % (option, key, kind, hint, ", ".join(file_kinds())))
        models = _entry_models(key, entry, kind, option)
        name = entry.get("name") or "%s.bin" % key
        entries.append(CatalogueEntry(str(key), kind, models, str(name), entry.get("state", "present") != "absent"))
    _check_overlaps([entry for entry in entries if entry.present], option)
    return entries


def _check_overlaps(entries, option):
    for index, first in enumerate(entries):
        for second in entries[index + 1:]:
            if first.name == second.name:
                raise FirmwareError("%s: entries '%s' and '%s' both stage %s: give each entry its own file name"
                                    % (option, first.key, second.key, first.name))
            common = [model for model in first.models if model in second.models]
            if first.kind == second.kind and common:
                raise FirmwareError("%s: entries '%s' and '%s' are both %s firmware for model %s: each model takes"
                                    " one entry per kind (set models so that they do not overlap)"
                                    % (option, first.key, second.key, first.kind, ", ".join(common)))


def catalogue_names(catalogue):
    """A site catalogue -> ``{key: file name}`` of every entry staged (``state: absent`` withdrawn)."""
    return OrderedDict((entry.key, entry.name) for entry in catalogue_entries(catalogue) if entry.present)


def select_firmware(catalogue, model, option="dect_firmware"):
    """``{kind: file name}`` a server ``model`` is told: per kind its family understands, the one
    present entry whose models include ``model``; ``catalogue`` as checked by catalogue_entries."""
    model = str(model).strip()
    model_family(model)
    chosen = dict((entry.kind, entry.name) for entry in catalogue_entries(catalogue, option)
                  if entry.present and model in entry.models)
    return OrderedDict((kind, chosen[kind]) for kind in FIRMWARE_KINDS if kind in chosen)


def unused_warnings(catalogue, models, option="dect_firmware"):
    """One message per present entry no DECT server is given: none of ``models`` (the models of the
    inventory's DECT servers, any iterable) is among its models. ``models`` is read only until every
    entry is given to one of them, so a lazy iterable over 1,000 servers usually stops after a few."""
    entries = [entry for entry in catalogue_entries(catalogue, option) if entry.present]
    present = set()
    for model in models:
        present.add(str(model).strip())
        if all(present & set(entry.models) for entry in entries):
            return []
    have = ", ".join(model for model in MODELS if model in present) or "none"
    message = ("%s.%s: no DECT server in inventory is given %s (%s firmware for model %s; the DECT servers' models:"
               " %s): it is staged but never fetched")
    return [message % (option, entry.key, entry.name, entry.kind, ", ".join(entry.models), have)
            for entry in entries if not present & set(entry.models)]


def source_problems(catalogue, is_file=os.path.isfile, option="dect_firmware"):
    """One message per image or ``.ver`` file of the catalogue that cannot be read on the controller.

    Entries that are withdrawn (``state: absent``) or staged from the provisioning host
    (``remote_src``) are skipped. A relative path is a problem of its own: the firmware role stages
    from the collection's playbook, whose search path (role and playbook ``files/`` directories) is
    not the inventory's, so only an absolute path names the file the admin means.
    """
    problems = []
    for key, entry in sorted((catalogue or {}).items(), key=lambda item: str(item[0])):
        if not isinstance(entry, dict) or entry.get("state", "present") == "absent":
            continue
        if boolean(entry.get("remote_src", False), strict=False):
            continue
        for field in ("src", "version_src"):
            path = entry.get(field)
            if path in (None, ""):
                continue
            where = "%s.%s.%s" % (option, key, field)
            if not os.path.isabs(str(path)):
                problems.append(
                    "%s: '%s' is a relative path, which the firmware role would look up in the collection's role and"
                    " playbook directories: allowed an absolute path on the controller (as"
                    " '{{ inventory_dir }}/firmware/%s')" % (where, path, os.path.basename(str(path))))
            elif not is_file(str(path)):
                problems.append("%s: '%s' is not a file on the controller: allowed an existing file (or remote_src: true"
                                " for a file already on the provisioning hosts)" % (where, path))
    return problems


def check_name(name, option="name"):
    """The firmware file name devices ask for: a plain file name, no directories, no '..'."""
    text = "" if name is None else str(name)
    if not text.strip():
        raise FirmwareError("%s: a file name is required, for example 'kws.bin'" % option)
    try:
        checked = FileName().normalize(text)
    except ValueError as exc:
        raise FirmwareError("%s: '%s' %s" % (option, text, exc))
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


def same_version_message(option, version, ver_path, bin_path):
    """The refusal of a new image under the version text already staged (see allow_same_version)."""
    return ("%s: '%s' is the version already staged in %s, but the image differs from %s: devices fetch an image"
            " only when the .ver text differs from the version they run, so none would ever fetch this one;"
            " give the new image its own version text, or set allow_same_version to stage it anyway;"
            " nothing was staged" % (option, version, ver_path, bin_path))

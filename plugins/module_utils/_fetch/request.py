# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a DECT server asks its provisioning server for, and where: file names, paths, URLs."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils.firmware import file_kinds_for_model
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import MASK
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    ProvisioningUrl,
    bracket_host,
    parse_provisioning_url,
)


def device_firmware(settings, model):
    """``[(kind, file name)]`` a server ``model`` fetches per its applied ``settings`` (nested dict
    under ``<config>``): the non-empty names under ``provisioning.firmware`` of the kinds its
    family has; other keys are ignored, as the device ignores them. Names are not checked here:
    the caller judges each (``firmware.check_name``)."""
    section = ((settings or {}).get("provisioning") or {}).get("firmware") or {}
    if not isinstance(section, dict):
        return []
    names = []
    for kind in file_kinds_for_model(model):
        name = section.get(kind)
        if isinstance(name, str) and name.strip():
            names.append((kind, name.strip()))
    return names


def check_file_name(filename):
    """Refuse (ValueError) a name that is not a plain file name: a device asks for plain names."""
    if not filename or "/" in filename or "\\" in filename or filename in (".", "..") or ".." in filename:
        raise ValueError("file name '%s' is not a plain file name (no '/', '\\' or '..')"
                         % str(filename).encode("unicode_escape").decode("ascii"))


def remote_path(url, filename):
    """The file's path on the server: the URL's path (without its leading '/') plus the name.

    Relative on purpose: tftpd-hpa (``-s``) and vsftpd (anonymous root or a user's home) resolve
    it below their root, as RFC 1738 reads an FTP URL's path; HTTP adds the leading '/' back.
    """
    check_file_name(filename)
    base = url.path.strip("/")
    return "%s/%s" % (base, filename) if base else filename


def location(url, filename):
    """The file's URL as a user reads it, with the password (if any) masked."""
    auth = ""
    if url.user is not None:
        auth = "%s:%s@" % (url.user, MASK if url.password else "")
    return "%s://%s%s:%d/%s" % (url.protocol, auth, bracket_host(url.host), url.port, remote_path(url, filename))


def as_url(url):
    """Accept a ProvisioningUrl or its text form."""
    if isinstance(url, ProvisioningUrl):
        return url
    return parse_provisioning_url(url)

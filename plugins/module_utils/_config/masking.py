# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What results and diffs show of a config's settings: secrets masked (the schema's flag, else the
name; URL passwords), the paths a user must supply from a vault, and the diff summary."""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import flatten, secret_param
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import (
    MASK,
    mask_url,
    masked_with_fingerprint,
    secret_values,
    url_secret,
)


def secrets_of(settings, prefix=()):
    """Every secret value in ``settings`` as given (valid or not), for scrubbing messages: the values
    of secret parameters and secret-looking names, and the passwords of URLs."""
    found = set()
    if not isinstance(settings, dict):
        return found
    for key, value in settings.items():
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            found |= secrets_of(value, path)
            continue
        if secret_param(path):
            found |= secret_values(value)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and url_secret(item.strip()):
                found.add(url_secret(item.strip()))
    return found


def mask_settings(settings, prefix=()):
    """A copy of nested ``settings`` with secret values replaced by the mask (schema secrets,
    secret-looking names the schema does not know, URL passwords)."""
    masked = {}
    for key, value in settings.items():
        path = list(prefix) + [str(key)]
        if isinstance(value, dict):
            masked[key] = mask_settings(value, path)
        elif secret_param(path):
            masked[key] = value if value in (None, "") else MASK
        else:
            masked[key] = mask_url(value)
    return masked


def masked_paths(settings, masked):
    """Paths whose value the mask replaced: what a user must supply (from a vault) after ``parsed``."""
    original, shown = flatten(settings), flatten(masked)
    return sorted(path for path in original if shown.get(path) != original[path])


def summary(settings):
    """One line per parameter (``path = value``), secrets masked: what the diff shows.

    A secret shows as the mask with its fingerprint (``********(1a2b3c4d)``, _secrets.fingerprint),
    so a changed password shows as a changed line and cannot be read back from it.
    """
    rendered = {}
    for path, value in flatten(settings).items():
        text = "true" if value is True else "false" if value is False else str(value)
        if text and secret_param(path.split(".")):
            text = masked_with_fingerprint(path, "", text)
        elif url_secret(text):
            text = mask_url(text, masked_with_fingerprint(path, "password", url_secret(text)))
        rendered[path] = text
    return rendered

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files a user names, read on the controller as Ansible reads them: vault-decrypted, capped."""

from __future__ import annotations


class TooLarge(ValueError):
    """The file holds more than the caller's cap."""


def read_capped(loader, path, max_size):
    """The bytes of ``path`` through Ansible's ``loader`` (a vault-encrypted file decrypted, its
    decrypted temp copy removed after), at most ``max_size`` of them: TooLarge beyond that."""
    real = loader.get_real_file(path, decrypt=True)
    try:
        with open(real, "rb") as handle:
            data = handle.read(max_size + 1)
    finally:
        loader.cleanup_tmp_file(real)
    if len(data) > max_size:
        raise TooLarge("more than %d bytes" % max_size)
    return data

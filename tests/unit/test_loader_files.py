"""A file a user names, read on the controller through Ansible's own DataLoader: vault-decrypted, capped."""

from __future__ import annotations

import os

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.dect.provisioning.plugins.plugin_utils._loader_files import TooLarge, read_capped


def test_a_plain_file_is_read_up_to_the_cap_and_refused_beyond_it(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(b"x" * 10)
    loader = DataLoader()
    assert read_capped(loader, str(path), 10) == b"x" * 10
    with pytest.raises(TooLarge, match="^more than 9 bytes$"):
        read_capped(loader, str(path), 9)


def test_a_vaulted_file_is_decrypted_and_its_temp_copy_removed(tmp_path):
    secret = VaultSecret(b"example-password")
    path = tmp_path / "users.xml"
    path.write_bytes(VaultLib([("default", secret)]).encrypt(b"<users/>", secret))
    loader = DataLoader()
    loader.set_vault_secrets([("default", secret)])
    assert read_capped(loader, str(path), 100) == b"<users/>"
    assert not loader._tempfiles  # the decrypted copy is gone
    with pytest.raises(TooLarge):
        read_capped(loader, str(path), 3)
    assert not loader._tempfiles and os.path.exists(path)

"""What the dect_server lookup says about a server's inventory besides its documents: misspelt
dect_* variables (with the nearest known name) and secrets typed in as plain text. Values are read
by Ansible's own DataLoader, as inventory and vars files are, vault included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings as cs
from ansible_collections.dect.provisioning.plugins.plugin_utils import _inventory_checks as checks

REPO = Path(__file__).resolve().parents[2]
PASSWORD = b"unit-test-vault-password"
ADVICE = ("is a secret typed into inventory as plain text, not vaulted: encrypt it (ansible-vault encrypt_string, or a"
          " vault-encrypted vars file) or reference a vaulted variable ('{{ vault_... }}'); dect_require_vault: true"
          " makes this an error")


def load(tmp_path, name, text, encrypt=False):
    vault = VaultLib([("default", VaultSecret(PASSWORD))])
    path = tmp_path / name
    path.write_bytes(vault.encrypt(text.encode()) if encrypt else text.encode())
    loader = DataLoader()
    loader.set_vault_secrets([("default", VaultSecret(PASSWORD))])
    return loader.load_from_file(str(path))


def inline_vault(value, indent):
    text = VaultLib([("default", VaultSecret(PASSWORD))]).encrypt(value).decode()
    return "!vault |\n" + "".join(" " * indent + line + "\n" for line in text.splitlines())


# ----------------------------------------------------------------------------- misspelt variables
def test_misspelt_variables_warn_with_the_nearest_known_name():
    names = ["dect_check_intervall", "dect_setings_host", "dect_mac", "dect_zzz_qqq", "ansible_host",
             "dect_server_input", "dect_require_vault"]
    assert checks.unknown_variables("ward-a", names) == [
        "ward-a: dect_check_intervall is not a variable of dect.provisioning, so its value is ignored;"
        " did you mean `dect_check_interval`?",
        "ward-a: dect_setings_host is not a variable of dect.provisioning, so its value is ignored;"
        " did you mean `dect_settings_host`?",
        "ward-a: dect_zzz_qqq is not a variable of dect.provisioning, so its value is ignored"
        " (docs/inventory.md lists them)",
    ]


NOT_VARIABLES = {
    # groups, plugins, roles and name fragments the docs write with the prefix
    "dect_servers", "dect_provisioning_servers", "dect_dhcp_servers", "dect_rollout_missing", "dect_server",
    "dect_emulator", "dect_provisioning", "dect_server_", "dect_server_sip_", "dect_detach_action",
    "dect_server_options", "dect_servers_", "dect_check_sync_unacknowledged", "dect_sip_",
    # nginx's capture of a device file name (docs/provisioning_server.md)
    "dect_file",
    # the misspellings docs/site.md and docs/inventory.md quote as examples of the warning
    "dect_check_intervall", "dect_setings_host",
}


def test_the_known_variables_are_every_name_the_collection_documents_or_uses():
    used = set()
    for base in ("docs", "roles", "playbooks", "plugins", "inventories", "README.md"):
        paths = [REPO / base] if (REPO / base).is_file() else (REPO / base).rglob("*")
        for path in paths:
            if path.is_file() and path.suffix in (".md", ".yml", ".yaml", ".py", ".j2", ""):
                used.update(re.findall(r"\bdect_[a-z0-9_]+", path.read_text(errors="replace")))
    missing = sorted(used - checks.KNOWN_VARIABLES - NOT_VARIABLES)
    assert missing == [], "add them to _inventory_checks._OTHER_VARIABLES (or NOT_VARIABLES): %s" % missing
    assert sorted(checks.KNOWN_VARIABLES - used) == []


# ----------------------------------------------------------------------------- secrets in plain text
def test_plain_text_secrets_warn_and_vaulted_or_templated_ones_do_not(tmp_path):
    variables = load(tmp_path, "host_vars.yml", """
dect_settings_host:
  sip:
    auth: {password: Plain-Sip-Pw-1, username: dect}
    admin_pwd: Plain-Admin-2
  security: {password: "{{ vault_admin }}"}
  network: {hostname: ward-a}
dect_users:
  - {username: "1001", ipei: "00077 0000001", authpassword: Plain-User-3, accesscode: "{{ vault_code }}"}
  - username: "1002"
    ipei: "00077 0000002"
    authpassword: %s
dect_sip_auth_password: Plain-Digest-4
dect_provisioning_url: "https://prov:Plain-Url-5@192.0.2.1/dect"
""" % inline_vault("Vaulted-User-6", 6))
    messages = checks.unvaulted_secrets("ward-a", variables)
    assert messages == ["ward-a: %s %s" % (where, ADVICE) for where in (
        "dect_settings_host.sip.auth.password", "dect_settings_host.sip.admin_pwd", "dect_users[0].authpassword",
        "dect_sip_auth_password", "dect_provisioning_url (its password)")]
    assert not any(secret in " ".join(messages) for secret in ("Plain-", "Vaulted-"))


def test_a_secret_in_a_vault_encrypted_vars_file_is_vaulted(tmp_path):
    variables = load(tmp_path, "vault.yml", "dect_sip_auth_password: In-Encrypted-File-7\n", encrypt=True)
    assert variables["dect_sip_auth_password"] == "In-Encrypted-File-7"
    assert checks.unvaulted_secrets("ward-a", variables) == []


# ----------------------------------------------------------------------------- unknown parameters
@pytest.mark.parametrize("settings,warning,strict", [
    ({"sip": {"proxy": {"domian": "pbx.example"}}},
     "sip.proxy.domian: unknown parameter, rendered as given (not in the guide's Appendix A);"
     " did you mean `sip.proxy.domain`?",
     "sip.proxy.domian: unknown parameter (strict mode); see docs/parameters.md; did you mean `sip.proxy.domain`?"),
    ({"netwrk": {"hostname": "ward-a"}},
     "netwrk.hostname: unknown parameter, rendered as given (not in the guide's Appendix A);"
     " did you mean `network.hostname`?",
     "netwrk: unknown section (strict mode); see docs/parameters.md; did you mean `network`?"),
    ({"sip": {"zzz_qqq": 1}}, "sip.zzz_qqq: unknown parameter, rendered as given (not in the guide's Appendix A)",
     "sip.zzz_qqq: unknown parameter (strict mode); see docs/parameters.md"),
])
def test_unknown_parameters_suggest_the_nearest_known_path(settings, warning, strict):
    waived = ("polling_and_check_sync_off",)
    assert cs.validate(settings, "ipdect", allow_unsafe=waived).warnings == [warning]
    assert cs.validate(settings, "ipdect", strict=True, allow_unsafe=waived).errors == [strict]

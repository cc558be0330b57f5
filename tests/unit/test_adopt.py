"""plugin_utils/adopt.py: exports -> host_vars with every secret marked, and the YAML it writes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from ansible_collections.dect.provisioning.plugins.plugin_utils import adopt

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def fake_encrypt(text):
    return "$ANSIBLE_VAULT;1.2;AES256;test\n" + base64.b64encode(text.encode()).decode()


def fake_decrypt(ciphertext):
    return base64.b64decode(ciphertext.split("\n", 1)[1]).decode()


def secrets_of(data):
    if isinstance(data, adopt.Secret):
        return [data.text]
    if isinstance(data, dict):
        return [s for v in data.values() for s in secrets_of(v)]
    if isinstance(data, list):
        return [s for v in data for s in secrets_of(v)]
    return []


def test_the_8000_export_becomes_host_vars_with_every_secret_marked():
    data, paths, warnings = adopt.host_vars((EXPORTS / "config-8000-export.xml").read_bytes(),
                                            (EXPORTS / "users-8000-export.xml").read_bytes(), "8000", "0013.d180.0032")
    assert warnings == []
    assert data["dect_mac"] == "00:13:d1:80:00:32" and data["dect_model"] == "8000"
    assert data["dect_provisioning_method"] == "static"
    assert isinstance(data["dect_provisioning_url"], adopt.Secret)  # it carries user:password@
    assert data["dect_settings_host"]["network"]["ntp"] == {"value": "192.0.2.123", "enable": True}
    assert data["dect_settings_host"]["network"]["gateway"] == ""
    assert "system_event.sio_passwd" in paths and "users[1].authpassword" in paths
    hidden = secrets_of(data)
    assert "Usr-8201-P4ss" in hidden and "4410" in hidden and "Exp-sio_passwd-S3cret" in hidden
    text = adopt.dump(adopt.encrypt_all(data, fake_encrypt))
    for secret in hidden:
        assert secret not in text
    assert text.count("!vault |") == len(hidden)
    assert adopt.load(text, fake_decrypt) == adopt.reveal(data)


def test_template_markers_stay_data_and_are_written_unsafe():
    data, _paths, _warnings = adopt.host_vars((EXPORTS / "config-6500-export.xml").read_bytes(),
                                              (EXPORTS / "users-6500-export.xml").read_bytes(), "6500", "0013d1800032")
    text = adopt.dump(adopt.encrypt_all(data, fake_encrypt))
    assert "displayname: !unsafe 'Nurse {{ station }} 1'" in text
    assert adopt.load(text, fake_decrypt)["dect_users"][0]["displayname"] == "Nurse {{ station }} 1"


def test_disabled_provisioning_and_missing_interval_in_an_export():
    config = (b"<config><provisioning><server><method>disabled</method></server><config><check>false</check>"
              b"</config></provisioning><sip><localport>5060</localport></sip></config>")
    data, _paths, warnings = adopt.host_vars(config, None, "6500", "0013d1800032")
    assert [w.split(":")[0] for w in warnings] == ["provisioning.server.method", "provisioning.config.check"]
    assert "dect_provisioning_method" not in data
    assert data["dect_check_interval"] is None and data["dect_check_sync_reaction"] == "disabled"
    assert data["dect_settings_host"]["provisioning"] == {"server": {}, "config": {}}
    assert "dect_users" not in data


def test_invalid_exports_fail_naming_paths_not_secrets():
    config = b"<config><dect><accesscode>12ab</accesscode></dect><sip><localport>0</localport></sip></config>"
    with pytest.raises(adopt.AdoptError) as caught:
        adopt.host_vars(config, b"<users><user><username>1</username><authpassword>" + b"x" * 40
                        + b"</authpassword></user></users>", "6500", "0013d1800032")
    text = "; ".join(caught.value.errors)
    assert "config: dect.accesscode: value '********'" in text and "12ab" not in text
    assert "config: sip.localport: value '0' is out of range" in text
    assert "x" * 40 not in text
    with pytest.raises(adopt.AdoptError, match="not well-formed XML"):
        adopt.host_vars(b"<config>", None, "6500", "0013d1800032")


def test_the_yaml_is_plain_safe_yaml_apart_from_the_vault_tags():
    data = {"a": adopt.Vaulted("$ANSIBLE_VAULT;1.1;AES256\n6162"), "b": "00:13:11:22:33:44", "c": "0x07"}
    text = adopt.dump(data)
    assert text.startswith(adopt.HEADER)
    assert "a: !vault |-\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n" in text
    # values YAML 1.1 would read as numbers stay strings
    loaded = yaml.safe_load(text.replace("!vault", ""))
    assert loaded["b"] == "00:13:11:22:33:44" and loaded["c"] == "0x07"

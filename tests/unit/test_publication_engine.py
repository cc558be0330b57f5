"""The controller side of the publication engine: its warm-up, plain-data checks and the run's spool."""

from __future__ import annotations

import json
import re

import pytest
from ansible import constants as C

from ansible_collections.dect.provisioning.plugins.action import publish as publish_action
from ansible_collections.dect.provisioning.plugins.module_utils import document
from ansible_collections.dect.provisioning.plugins.module_utils._io import FileIOError
from ansible_collections.dect.provisioning.plugins.module_utils._publication import ARGUMENT_SPEC as PUBLISH_SPEC
from ansible_collections.dect.provisioning.plugins.plugin_utils import _render, _spool
from ansible_collections.dect.provisioning.plugins.plugin_utils._action import plain


class Tagged(str):
    """A str subclass standing in for a templated (tagged or unsafe) string."""


def test_the_warm_up_builds_the_validators_of_every_step_and_document():
    specs = (PUBLISH_SPEC, document.CONFIG_XML, document.USERS_XML)
    for spec in specs:
        spec._validator = None
    _render.warm()
    built = [spec._validator for spec in specs]
    assert all(built)
    _render.warm()
    assert [spec._validator for spec in specs] == built  # built once, kept


def test_options_become_plain_data_before_they_are_checked():
    value = {"a": [1, 2.5, True, None, (Tagged("x"),)], Tagged("k"): {"n": False}}
    assert plain(value) == {"a": [1, 2.5, True, None, ["x"]], "k": {"n": False}}
    key = next(iter(plain({Tagged("k"): 1})))
    item = plain({"k": Tagged("v")})["k"]
    assert not isinstance(key, Tagged) and not isinstance(item, Tagged)
    assert isinstance(key, str) and isinstance(item, str)


@pytest.fixture
def spool(tmp_path, monkeypatch):
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path))
    return tmp_path / "dect-publication"


def test_a_report_takes_only_the_outcomes_of_the_latest_render(spool):
    token = _spool.put("ward-a", {"documents": {}})
    _spool.put_outcome("ward-a", "prov1", token, {"where": "prov1", "files": {"a": 1}})
    assert _spool.outcomes("ward-a", token) == {"prov1": {"where": "prov1", "files": {"a": 1}, "token": token}}
    newer = _spool.put("ward-a", {"documents": {}})
    assert newer != token
    assert _spool.outcomes("ward-a", newer) == {}
    _spool.put_outcome("ward-a", "prov2", newer, {"where": "prov2", "files": {}})
    assert list(_spool.outcomes("ward-a", newer)) == ["prov2"]


def test_drop_removes_the_documents_and_a_host_without_spool_has_nothing(spool):
    token = _spool.put("ward-b", {"documents": {"users": {"text": "secret"}}})
    directory = next(path for path in spool.iterdir() if path.is_dir())
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert json.loads((directory / "documents.json").read_text())["token"] == token
    _spool.drop("ward-b")
    assert _spool.get("ward-b") is None
    assert not (directory / "documents.json").exists()
    _spool.drop("ward-b")
    assert _spool.outcomes("never-rendered", None) == {}
    assert _spool.get("never-rendered") is None


def test_spool_files_are_written_0600_through_io_and_never_through_a_symlink(spool, tmp_path):
    _spool.put("ward-c", {"documents": {"users": {"text": "secret"}}})
    directory = next(path for path in spool.iterdir() if path.is_dir())
    documents = directory / "documents.json"
    assert oct(documents.stat().st_mode & 0o777) == "0o600"
    victim = tmp_path / "victim"
    victim.write_text("keep")
    documents.unlink()
    documents.symlink_to(victim)
    with pytest.raises(FileIOError, match="^%s: is a symlink; refusing to follow it$" % re.escape(str(documents))):
        _spool.put("ward-c", {"documents": {"users": {"text": "other"}}})
    assert victim.read_text() == "keep" and documents.is_symlink()
    assert sorted(path.name for path in directory.iterdir()) == ["documents.json"]  # no temp file left


def test_restaged_firmware_is_read_by_file_name_from_the_writing_hosts_outcomes_only():
    # What each provisioning host's write step handed on with this server's outcome (no other host's facts).
    outcomes = [{"where": "prov1", "restaged": {"IP-DECTserver6500firmware.bin": False}},
                {"where": "prov2", "restaged": {"IP-DECTserver6500firmware.bin": True, "DECTserver8000firmware.bin": False}},
                {"where": "prov3"}]
    # A version change on any writing host counts.
    assert publish_action._restaged(outcomes) == {
        "IP-DECTserver6500firmware.bin": True, "DECTserver8000firmware.bin": False}
    assert publish_action._restaged([]) == {}


def test_the_reboot_warning_lists_the_servers_whose_own_server_firmware_gets_a_new_version():
    records = {
        "ward-b": {"firmware": {"kws": "IP-DECTserver6500firmware.bin", "pp14225100": "pp7x.bin"}},
        "ward-a": {"firmware": {"kws": "IP-DECTserver6500firmware.bin"}},
        "stores": {"firmware": {"kws": "DECTserver8000firmware.bin", "pp14225100": "pp7x.bin"}},
        "cellar": {"firmware": {}},
    }
    restaged = {"IP-DECTserver6500firmware.bin": True, "DECTserver8000firmware.bin": False, "pp7x.bin": True}
    assert publish_action._reboot_warning(records, restaged) == (
        "server firmware with a new version for 2 DECT server(s): each reboots at once when it fetches it (calls in"
        " progress are cut off): ward-a (IP-DECTserver6500firmware.bin), ward-b (IP-DECTserver6500firmware.bin)")
    # Only the same text restaged (allow_same_version), or only handset images: nobody reboots.
    assert publish_action._reboot_warning(records, {"DECTserver8000firmware.bin": False, "pp7x.bin": True}) is None

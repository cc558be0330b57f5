"""The controller side of the publication engine: argument checks and the run's spool."""

from __future__ import annotations

import json

import pytest
from ansible import constants as C
from ansible.errors import AnsibleActionFail

from ansible_collections.dect.provisioning.plugins.plugin_utils import _argcheck, _spool

SPEC = dict(name=dict(type="str", required=True), count=dict(type="int", default=3),
            tags=dict(type="list", elements="str", default=[]))


def build():
    build.calls += 1
    return SPEC, {}


build.calls = 0


class Tagged(str):
    """A str subclass standing in for a templated (tagged or unsafe) string."""


def test_a_validator_is_built_once_per_key_and_process():
    build.calls = 0
    first = _argcheck.validator("test-once", build)
    assert _argcheck.validator("test-once", build) is first
    assert build.calls == 1


def test_options_are_checked_as_plain_data_with_defaults_filled_in():
    args = _argcheck.checked("test-plain", build, {"name": Tagged("ward-a"), "tags": (Tagged("x"),)}, "t")
    assert args == {"name": "ward-a", "count": 3, "tags": ["x"]}
    assert type(args["name"]) is str and type(args["tags"][0]) is str


def test_plain_keeps_numbers_booleans_and_none():
    value = {"a": [1, 2.5, True, None], Tagged("k"): {"n": False}}
    assert _argcheck.plain(value) == {"a": [1, 2.5, True, None], "k": {"n": False}}
    assert type(next(iter(_argcheck.plain({Tagged("k"): 1})))) is str


def test_errors_are_worded_as_ansible_words_them():
    with pytest.raises(AnsibleActionFail) as err:
        _argcheck.checked("test-err", build, {"name": "a", "colour": "red"}, "dect.provisioning.publish")
    assert str(err.value).startswith("Unsupported parameters for (dect.provisioning.publish) module: colour.")
    with pytest.raises(AnsibleActionFail) as err:
        _argcheck.checked("test-err", build, {"count": "many"}, "dect.provisioning.publish")
    assert "missing required arguments: name" in str(err.value)


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
    directory = next(spool.iterdir())
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert json.loads((directory / "documents.json").read_text())["token"] == token
    _spool.drop("ward-b")
    assert _spool.get("ward-b") is None
    assert not (directory / "documents.json").exists()
    _spool.drop("ward-b")
    assert _spool.outcomes("never-rendered", None) == {}
    assert _spool.get("never-rendered") is None

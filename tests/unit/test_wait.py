"""The rollout wait's merge and deadline (plugin_utils/_wait.py) and the action's checks of its options
(plugins/action/provisioning_log.py): provisioning hosts, each in its own thread as each host's action
plugin runs in its own worker, share readings through a real directory; the readings are made up, the
waiting, files and clocks are real."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from ansible.errors import AnsibleActionFail
from ansible.playbook.block import Block
from ansible.playbook.role_include import IncludeRole
from ansible.playbook.task import Task

from ansible_collections.dect.provisioning.plugins.action import provisioning_log as action
from ansible_collections.dect.provisioning.plugins.plugin_utils import _wait

MAC_A, MAC_B = "0013d1800032", "0013d1800033"
SERVERS = [{"name": "ward-a", "mac": MAC_A, "files": [MAC_A + "-config.xml"], "client": None},
           {"name": "ward-b", "mac": MAC_B, "files": [MAC_B + "-config.xml"], "client": None}]


def fetched(mac, epoch=1795732509.0):
    entry = dict(kind="config", path="/%s-config.xml" % mac, time="2026-11-25T22:35:09.000Z", epoch=epoch,
                 protocol="http", client="192.0.2.10", status="GET 200", ok=True, bytes=9, staged_size=9,
                 current=True, complete=None)
    return {mac: {"files": {mac + "-config.xml": entry}, "other_clients": {}, "elsewhere": {}}}


class Host:
    """A provisioning host's readings: nothing until its ``after``-th reading, then ``servers``."""

    def __init__(self, servers, after=1, fail_at=None):
        self.servers, self.after, self.fail_at = servers, after, fail_at
        self.count = 0

    def read(self):
        self.count += 1
        if self.fail_at == self.count:
            return {"failed": True, "msg": "cannot read the nginx log"}
        return {"servers": self.servers if self.count >= self.after else {}, "logs": [], "requests": self.count}


def run_hosts(room, hosts, timeout=10, interval=0.05, grace=None):
    """wait() of every host at once, each in its own thread; {host: (result, late, seconds)}."""
    out = {}

    def one(name, host):
        started = time.monotonic()
        result, late = _wait.wait(room, name, SERVERS, host.read, timeout, interval, grace=grace)
        out[name] = (result, late, time.monotonic() - started)

    threads = [threading.Thread(target=one, args=item) for item in hosts.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return out


def test_a_file_served_by_either_host_counts_and_both_end_with_the_same_result(tmp_path):
    room = _wait.Room("u1", directory=str(tmp_path))
    a, b = Host(fetched(MAC_A)), Host(fetched(MAC_B), after=4)
    out = run_hosts(room, {"prov-a": a, "prov-b": b})
    (res_a, late_a, _s), (res_b, late_b, _t) = out["prov-a"], out["prov-b"]
    assert res_a["missing"] == res_b["missing"] == [] and late_a == late_b == []
    assert res_a["table"] == res_b["table"] and res_a["rows"] == res_b["rows"]
    assert [sorted(row["fetched"]) for row in res_a["rows"]] == [[MAC_A + "-config.xml"], [MAC_B + "-config.xml"]]
    # Each keeps its own reading, and read until the other host's fetch showed up.
    assert sorted(res_a["servers"]) == [MAC_A] and sorted(res_b["servers"]) == [MAC_B]
    assert a.count >= 2 and b.count >= 4
    # Files of the run's private spool: 0600, written whole.
    for name in os.listdir(tmp_path):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o600, name
        json.loads((tmp_path / name).read_text())


def test_the_deadline_is_the_first_hosts_and_a_server_that_never_fetches_is_missing_on_every_host(tmp_path):
    room = _wait.Room("u2", directory=str(tmp_path))
    first = room.deadline(1.0, now=1000.0)
    assert first == 1001.0 and room.deadline(300, now=1000.5) == 1001.0  # a later host gets the same end
    (tmp_path / "x").mkdir()
    room = _wait.Room("u3", directory=str(tmp_path / "x"))
    out = run_hosts(room, {"prov-a": Host(fetched(MAC_A)), "prov-b": Host({})}, timeout=1.5, interval=0.2)
    for name in ("prov-a", "prov-b"):
        result, late, seconds = out[name]
        assert result["missing"] == ["ward-b"] and late == []
        assert 1.4 <= seconds < 5, seconds
    assert out["prov-a"][0]["table"] == out["prov-b"][0]["table"]
    assert "MISSING - never fetched" in out["prov-a"][0]["table"]


def test_a_host_that_arrives_late_reads_once_and_merges(tmp_path):
    room = _wait.Room("u4", directory=str(tmp_path))
    early = run_hosts(room, {"prov-a": Host(fetched(MAC_A))}, timeout=0.5, interval=0.1)["prov-a"][0]
    assert early["missing"] == ["ward-b"]
    late_host = Host(fetched(MAC_B))
    started = time.monotonic()
    result, late = _wait.wait(room, "prov-b", SERVERS, late_host.read, 0.5, 0.1)
    assert time.monotonic() - started < 1 and late_host.count == 1
    assert result["missing"] == [] and late == []


def test_the_final_readings_are_awaited_only_until_the_grace_ends(tmp_path):
    room = _wait.Room("u5", directory=str(tmp_path))
    room.put("prov-hung", {MAC_B: fetched(MAC_B)[MAC_B]})  # arrived, read once, never final
    started = time.monotonic()
    result, late = _wait.wait(room, "prov-a", SERVERS, Host(fetched(MAC_A)).read, 0, 0.1, grace=0.6)
    assert 0.5 <= time.monotonic() - started < 3
    assert late == ["prov-hung"] and result["missing"] == []  # merged with its latest reading


def test_a_failed_reading_is_returned_and_the_other_host_does_not_wait_for_it(tmp_path):
    room = _wait.Room("u6", directory=str(tmp_path))
    out = run_hosts(room, {"prov-a": Host(fetched(MAC_A)), "prov-b": Host({}, fail_at=1)}, timeout=1, interval=0.1,
                    grace=30)
    assert out["prov-b"][0] == {"failed": True, "msg": "cannot read the nginx log"} and out["prov-b"][1] == []
    result, late, seconds = out["prov-a"]
    assert result["missing"] == ["ward-b"] and late == [] and seconds < 5


def test_an_interrupted_reading_leaves_the_host_final(tmp_path):
    room = _wait.Room("u7", directory=str(tmp_path))

    def lost():
        raise ConnectionError("the connection to prov-b was lost")

    with pytest.raises(ConnectionError):
        _wait.wait(room, "prov-b", SERVERS, lost, 10, 0.1)
    assert room.entries()["prov-b"] == {"host": "prov-b", "final": True, "failed": True, "reading": None}


def test_room_files_are_bounded_and_never_followed(tmp_path, monkeypatch):
    with pytest.raises(_wait.WaitError, match="^task uuid '../x' cannot name a directory$"):
        _wait.Room("../x", directory=str(tmp_path))
    room = _wait.Room("u8", directory=str(tmp_path))
    room.put("prov-a", {})
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"host": "prov-x", "final": True, "reading": {}}))
    os.symlink(target, tmp_path / "host-0000.json")
    with pytest.raises(_wait.WaitError, match="cannot read .*host-0000.json"):
        room.entries()
    os.unlink(tmp_path / "host-0000.json")
    monkeypatch.setattr(_wait, "MAX_READING_BYTES", 10)
    with pytest.raises(_wait.WaitError, match=r"host-\w+\.json is not a regular file of at most 10 bytes$"):
        room.entries()


def test_the_action_checks_expect_and_the_bounds():
    servers = action.expected_servers([{"name": "b", "mac": "00-13-D1-80-00-33", "client": "::ffff:192.0.2.11",
                                        "files": ["x"]}, {"name": "a", "mac": "0013.d180.0032", "files": None}])
    assert [(s["name"], s["mac"], s["client"]) for s in servers] == [("a", MAC_A, None), ("b", MAC_B, "192.0.2.11")]
    with pytest.raises(AnsibleActionFail, match=r"^expect\[1\]\.mac \(b\): "):
        action.expected_servers([{"name": "a", "mac": MAC_A}, {"name": "b", "mac": "nope"}])
    with pytest.raises(AnsibleActionFail, match=r"^expect\[0\]\.files \(a\): 65 files given, at most 64 allowed$"):
        action.expected_servers([{"name": "a", "mac": MAC_A, "files": ["f%d" % n for n in range(65)]}])
    with pytest.raises(AnsibleActionFail, match=r"^timeout: 86401 is refused: allowed 0 to 86400 seconds$"):
        action.check_bounds({"timeout": 86401, "interval": 2})
    with pytest.raises(AnsibleActionFail, match=r"^interval: 0 is refused: allowed 1 to 600 seconds$"):
        action.check_bounds({"timeout": 10, "interval": 0})


def test_every_copy_of_an_included_task_shares_one_room():
    include = IncludeRole()
    copies = []
    for _item in range(2):  # a loop item (or host) of one include gets its own copy of the task
        task = Task()
        task._parent = Block(parent_block=include.copy())
        copies.append(task)
    assert copies[0]._uuid != copies[1]._uuid
    assert action.room_key(copies[0]) == action.room_key(copies[1])
    plain = Task()
    plain._parent = Block()
    assert action.room_key(plain) == plain._uuid
    other = Task()
    other._parent = Block(parent_block=IncludeRole())
    assert action.room_key(other) != action.room_key(copies[0])

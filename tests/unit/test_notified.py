"""The durable "to be notified" state of a provisioning root (module_utils/_notified.py), and the
publish module's write and acknowledge steps that carry it, run as on a provisioning host."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import _notified
from ansible_collections.dect.provisioning.plugins.module_utils._publication import sha1_text
from ansible_collections.dect.provisioning.plugins.modules import publish as publish_module
from devtools.module_runner import run_module_main

MAC = "0013d1800032"
CONFIG, USERS, VER = MAC + "-config.xml", MAC + "-users.xml", "kws.bin.ver"


@pytest.fixture(name="root")
def fixture_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir(mode=0o750)
    for name, text in ((CONFIG, "<config/>"), (USERS, "<users/>"), (VER, "PCS 1")):
        (root / name).write_text(text)
    return root


def tracked():
    return [dict(mac=MAC, files=[USERS, CONFIG, VER])]


def test_a_server_never_notified_is_pending_for_every_file_it_has(root):
    found = _notified.pending(str(root), tracked() + [dict(mac="0013d1800099", files=["0013d1800099-config.xml"])])
    assert list(found) == [MAC]  # a server with no file in this root has nothing to fetch here
    assert found[MAC]["pending"] == [USERS, CONFIG, VER]
    assert set(found[MAC]["files"]) == {USERS, CONFIG, VER}


def test_an_acknowledged_server_is_pending_again_only_for_what_was_rewritten(root):
    found = _notified.pending(str(root), tracked())
    assert _notified.acknowledge(str(root), [dict(mac=MAC, files=found[MAC]["files"])]) == [MAC]
    assert _notified.pending(str(root), tracked()) == {}
    # Acknowledging the same generations again writes nothing.
    assert _notified.acknowledge(str(root), [dict(mac=MAC, files=found[MAC]["files"])]) == []
    # A rewrite is a rename of a new file: a new generation, even with the same content.
    (root / "new").write_text("<config/>")
    os.rename(root / "new", root / CONFIG)
    assert _notified.pending(str(root), tracked())[MAC]["pending"] == [CONFIG]


def test_a_record_taken_before_a_concurrent_rewrite_leaves_the_server_pending(root):
    before = _notified.pending(str(root), tracked())[MAC]["files"]
    (root / "new").write_text("PCS 2")
    os.rename(root / "new", root / VER)  # another run restages the image meanwhile
    _notified.acknowledge(str(root), [dict(mac=MAC, files=before)])
    assert _notified.pending(str(root), tracked())[MAC]["pending"] == [VER]


def test_records_live_beside_the_root_never_in_it(root):
    assert _notified.state_dir(str(root) + "/") == str(root.parent / ".root.notified")


def test_records_are_private_and_never_written_through_a_symlink(root, tmp_path):
    files = _notified.pending(str(root), tracked())[MAC]["files"]
    _notified.acknowledge(str(root), [dict(mac=MAC, files=files)])
    state = Path(_notified.state_dir(str(root)))
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    record = state / (MAC + ".json")
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert json.loads(record.read_text()) == {"files": files}
    # A symlink planted at a record's name is never read nor written through: the server stays
    # pending, and acknowledging it is refused naming the link.
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    record.unlink()
    record.symlink_to(target)
    assert _notified.pending(str(root), tracked())[MAC]["pending"] == [USERS, CONFIG, VER]
    with pytest.raises(_notified.NotifiedError) as caught:
        _notified.acknowledge(str(root), [dict(mac=MAC, files=files)])
    assert str(caught.value) == "%s: is a symlink; refusing to follow it" % record
    assert record.is_symlink() and target.read_text() == "keep"
    record.unlink()
    # A symlink at a tracked file's name (refused by the publication for that file) counts as absent.
    _notified.acknowledge(str(root), [dict(mac=MAC, files=files)])
    (root / CONFIG).unlink()
    (root / CONFIG).symlink_to(target)
    assert _notified.pending(str(root), tracked()) == {}


def test_a_damaged_record_makes_the_server_pending_again(root):
    state = Path(_notified.state_dir(str(root)))
    state.mkdir(mode=0o700)
    (state / (MAC + ".json")).write_text("{not json")
    assert _notified.pending(str(root), tracked())[MAC]["pending"] == [USERS, CONFIG, VER]


def test_check_mode_acknowledges_nothing(root):
    files = _notified.pending(str(root), tracked())[MAC]["files"]
    assert _notified.acknowledge(str(root), [dict(mac=MAC, files=files)], check_mode=True) == [MAC]
    assert not Path(_notified.state_dir(str(root))).exists()


@pytest.mark.parametrize("servers, message", [
    ([dict(mac="00:13:d1:80:00:32", files=[CONFIG])], "track[0].mac: '00:13:d1:80:00:32' is not allowed: 12 lowercase hex digits"),
    ([dict(mac=MAC, files=["../etc/passwd"])], "track[0].files: '../etc/passwd' is not allowed: a plain file name in the root"),
    ([dict(mac=MAC, files=[".hidden"])], "track[0].files: '.hidden' is not allowed: a plain file name in the root"),
])
def test_bad_tracking_input_is_refused_naming_it(root, servers, message):
    with pytest.raises(_notified.NotifiedError) as caught:
        _notified.pending(str(root), servers)
    assert str(caught.value) == message


def test_forget_removes_withdrawn_servers_records(root):
    files = _notified.pending(str(root), tracked())[MAC]["files"]
    _notified.acknowledge(str(root), [dict(mac=MAC, files=files)])
    assert _notified.forget(str(root), [MAC, "0013d1800099"]) == [MAC]
    assert not (Path(_notified.state_dir(str(root))) / (MAC + ".json")).exists()


def test_the_module_reports_pending_after_writing_and_acknowledges(root):
    text = "<config>new</config>"
    args = dict(step="write", dest=str(root), mode="0640",
                files=[dict(name=CONFIG, checksum=sha1_text(text), content=text)], track=tracked())
    dummy, result = run_module_main(publish_module, args)
    assert result["files"][CONFIG]["state"] == "updated"
    pending = result["pending"][MAC]
    # The generation reported is the one of the file just written.
    info = os.stat(root / CONFIG)
    assert pending["files"][CONFIG] == "%d:%d" % (info.st_ino, info.st_mtime_ns)
    acknowledge = dict(step="acknowledge", dest=str(root), notified=[dict(mac=MAC, files=pending["files"])])
    dummy, acked = run_module_main(publish_module, acknowledge)
    assert acked["changed"] is True and acked["acknowledged"] == [MAC]
    # Unchanged files and an acknowledged server: nothing pending, and a no-op.
    dummy, again = run_module_main(publish_module, dict(args, files=[dict(name=CONFIG, checksum=sha1_text(text))]))
    assert again["changed"] is False and again["pending"] == {}

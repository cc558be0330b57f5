"""Duplicate identities, the root lock and stale documents, in-process (tests/integration/test_hostile_site.py
drives them through ansible-playbook)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._duplicates import find_duplicates
from ansible_collections.dect.provisioning.plugins.module_utils._publication import stale_documents
from ansible_collections.dect.provisioning.plugins.module_utils._rootlock import RootLock, RootLockError


def test_find_duplicates_names_every_server_sharing_an_identity():
    found = find_duplicates([
        ("a", "00:13:D1:80:00:32", ("192.0.2.1", 5060, "1000")),
        ("b", "0013.d180.0032", ("192.0.2.2", 5060, "1000")),
        ("c", "00-13-d1-80-00-32", ("192.0.2.3", 5060, "1000")),
        ("d", "00:13:d1:80:00:40", ("192.0.2.1", 5060, "1000")),
        ("e", None, ("2001:DB8::1", 5061, None)),
        ("f", "not a mac", ("2001:db8::1", 5061, None)),
        ("g", "00:13:d1:80:00:41", None),
    ])
    assert found["a"] == ("a: MAC 00:13:d1:80:00:32 (dect_mac) is also the MAC of b, c: each DECT server needs its own"
                          " device; SIP check-sync target 1000@192.0.2.1:5060 is also the target of d: a NOTIFY for"
                          " one would reach the other")
    assert found["b"].startswith("b: MAC 00:13:d1:80:00:32 (dect_mac) is also the MAC of a, c:")
    assert found["d"] == ("d: SIP check-sync target 1000@192.0.2.1:5060 is also the target of a: a NOTIFY for one"
                          " would reach the other")
    assert found["e"] == ("e: SIP check-sync target [2001:db8::1]:5061 is also the target of f: a NOTIFY for one"
                          " would reach the other")
    assert sorted(found) == ["a", "b", "c", "d", "e", "f"]


def test_find_duplicates_is_linear_on_a_large_site():
    entries = [("s%d" % i, "%012x" % i, ("192.0.2.1", 5060, str(i))) for i in range(20000)]
    started = time.monotonic()
    assert find_duplicates(entries) == {}
    assert time.monotonic() - started < 2


def test_stale_documents_are_device_documents_of_other_macs_only(tmp_path):
    for name in ("0013d1800001-config.xml", "0013d1800001-users.xml", "0013d1800002-users.xml", "kws.bin",
                 "kws.bin.ver", ".0013d1800003-config.xml.x.dect-tmp", "0013D1800004-config.xml", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert stale_documents(str(tmp_path), ["0013d1800001"]) == ["0013d1800002-users.xml"]


HOLD = """
import sys, time
from ansible_collections.dect.provisioning.plugins.module_utils._rootlock import RootLock
with RootLock(sys.argv[1], "staging firmware kws.bin", 1):
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_lock_waits_then_names_the_holder_and_a_stale_record_says_so(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "held"
        record = json.loads((tmp_path / ".dect-provisioning.lock").read_text())
        started = time.monotonic()
        with pytest.raises(RootLockError) as caught:
            with RootLock(str(tmp_path), "publishing 1 document(s)", 1):
                pass
        assert 1 <= time.monotonic() - started < 3
        assert str(caught.value) == ("%s: another run holds the provisioning root (pid %d on %s since %s, staging"
                                     " firmware kws.bin); waited 1s (lock_timeout)"
                                     % (tmp_path, holder.pid, record["host"], record["started"]))
    finally:
        holder.kill()
        holder.wait()
    # A killed holder: the lock is free at once; its record is replaced, then removed on release.
    with RootLock(str(tmp_path), "publishing 1 document(s)", 0) as lock:
        assert json.loads((tmp_path / ".dect-provisioning.lock").read_text())["pid"] == os.getpid()
        # What a waiting run would say if the holder were gone and its record left.
        (tmp_path / ".dect-provisioning.lock").write_text(json.dumps(dict(record, pid=holder.pid)))
        assert lock.holder().endswith("(stale record: that process no longer runs)")
    assert not (tmp_path / ".dect-provisioning.lock").exists()


def test_a_symlink_at_the_holder_record_is_replaced_never_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(target, root / ".dect-provisioning.lock")
    with RootLock(str(root), "publishing", 0):
        assert not os.path.islink(root / ".dect-provisioning.lock")
    assert target.read_text() == "keep"


def test_the_temp_file_of_a_holder_record_killed_mid_write_is_removed_by_the_next_holder(tmp_path):
    """A run killed between writing the record's temp file and renaming it leaves
    ``..dect-provisioning.lock.<token>.dect-tmp``: the next holder removes it, and nothing else."""
    leftover = tmp_path / "..dect-provisioning.lock.d0663900a9e7.dect-tmp"
    leftover.write_text('{"pid": 1')
    other = tmp_path / ".0013d1000000-config.xml.aa.dect-tmp"
    other.write_text("<a publication's temp file, for publish to judge/>")
    with RootLock(str(tmp_path), "publishing", 0):
        assert not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]

"""What the provisioning root may hold that the collection must not trust: symlinks (to a secret
file of another user, a directory, /dev/zero) at every name it writes or reads, another user racing
to write the image, and a publication killed with SIGKILL at any moment.

The modules run as on a provisioning host: their own file, in a subprocess, with an args file.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.collection import collections_root
from devtools.procs import world_traversable_dir

COLLECTIONS = collections_root()
SECRET = "TOPSECRET-4f1c2e-do-not-leak"
MAC1, MAC2 = "0013d1800001", "0013d1800002"


def run_module(name, args, check=False, diff=False, wait=True):
    """Run plugins/modules/<name>.py like AnsiballZ would; returns its JSON result (or the Popen)."""
    args_file = Path(os.environ.get("TMPDIR", "/tmp")) / ("args-%d-%d.json" % (os.getpid(), random.randrange(1 << 30)))
    module_args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}))
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    argv = [sys.executable, "-m", "ansible_collections.dect.provisioning.plugins.modules.%s" % name, str(args_file)]
    if not wait:
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    args_file.unlink()
    return json.loads(proc.stdout), proc.stdout + proc.stderr


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def doc(mac, kind, body="x"):
    return "%s-%s.xml" % (mac, kind), "<?xml version=\"1.0\"?>\n<%s>%s</%s>\n" % (kind, body, kind)


@pytest.fixture
def outside(tmp_path):
    """Targets a hostile link may point at: another user's secret file, a directory, /dev/zero."""
    nobody = pwd.getpwnam("nobody")
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    os.chown(secret, nobody.pw_uid, nobody.pw_gid)
    os.chmod(secret, 0o600)
    directory = tmp_path / "elsewhere" / "dir"
    directory.mkdir()
    return {"file": secret, "directory": directory, "zero": Path("/dev/zero")}


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root"
    path.mkdir()
    return path


def assert_untouched(outside):
    assert outside["file"].read_text() == SECRET
    assert os.stat(outside["file"]).st_uid == pwd.getpwnam("nobody").pw_uid
    assert list(outside["directory"].iterdir()) == []


@pytest.mark.parametrize("kind", ["config", "users"])
@pytest.mark.parametrize("target", ["file", "directory", "zero"])
def test_symlink_at_a_document_name_is_refused_and_the_others_published(root, outside, kind, target):
    name, text = doc(MAC1, kind)
    other_name, other_text = doc(MAC2, "config", "other")
    os.symlink(outside[target], root / name)
    files = [dict(name=name, checksum=sha1(text), content=text),
             dict(name=other_name, checksum=sha1(other_text), content=other_text)]
    for check in (True, False):
        result, output = run_module("publish", dict(dest=str(root), files=files), check=check, diff=True)
        report = result["files"][name]
        assert report["state"] == "failed" and report["msg"] == "%s: is a symlink; refusing to follow it" % (root / name)
        assert "before" not in report and SECRET not in output
    assert os.path.islink(root / name) and os.readlink(root / name) == str(outside[target])
    assert (root / other_name).read_text() == other_text
    assert oct((root / other_name).stat().st_mode & 0o777) == oct(0o640)
    assert_untouched(outside)


@pytest.mark.parametrize("target", ["file", "directory", "zero"])
def test_symlink_at_the_backup_dir_or_a_left_over_temp_name(root, outside, tmp_path, target):
    name, text = doc(MAC1, "config")
    (root / name).write_text("old")
    backups = tmp_path / "backups"
    os.symlink(outside[target] if target != "file" else outside["file"].parent, backups)
    result, output = run_module("publish", dict(dest=str(root), backup_dir=str(backups),
                                                files=[dict(name=name, checksum=sha1(text), content=text)]))
    assert result["failed"] and result["msg"] == "%s: the backup_dir is a symlink; refusing to follow it" % backups
    assert (root / name).read_text() == "old"
    # A link planted under one of our temp names (left by "an interrupted run") is removed, not followed.
    planted = root / (".%s.0badc0ffee00.dect-tmp" % name)
    os.symlink(outside[target], planted)
    files = [dict(name=name, checksum=sha1(text), content=text)]
    result, output = run_module("publish", dict(dest=str(root), files=files))
    assert result["files"][name]["state"] == "updated" and not os.path.lexists(planted)
    assert (root / name).read_text() == text and SECRET not in output
    assert_untouched(outside)


@pytest.mark.parametrize("which", ["image", "ver", "upload"])
@pytest.mark.parametrize("target", ["file", "directory", "zero"])
def test_symlink_at_a_firmware_name_is_refused_for_present_and_absent(root, outside, tmp_path, which, target):
    image = tmp_path / "kws.download"
    image.write_bytes(os.urandom(4096))
    path = root / {"image": "kws.bin", "ver": "kws.bin.ver", "upload": ".kws.bin.upload"}[which]
    os.symlink(outside[target], path)
    present = dict(src=str(image), remote_src=True, dest=str(root), name="kws.bin", version="PCS24B 71234")
    for args in (present, dict(dest=str(root), name="kws.bin", state="absent")):
        result, output = run_module("firmware", args, diff=True)
        assert result["failed"] and result["msg"] == "%s: is a symlink; refusing to follow it" % path
        assert SECRET not in output
    assert sorted(p.name for p in root.iterdir()) == [path.name] and os.path.islink(path)
    assert_untouched(outside)


@pytest.mark.parametrize("target", ["file", "directory", "zero"])
def test_symlink_at_a_provisioning_host_file_or_directory_is_refused_before_anything_is_written(outside, tmp_path, target):
    """provisioning_host: a link where the role's file (or its configuration directory) belongs is
    refused naming the item, in check mode too; the file before it in the same call is not written."""
    conf = tmp_path / "conf"
    conf.mkdir()
    os.symlink(outside[target], conf / "nginx.conf")
    files = [dict(path=str(conf / "site.conf"), content="listen 80;\n", mode="0644"),
             dict(path=str(conf / "nginx.conf"), content="events {}\n", mode="0644")]
    for check in (True, False):
        result, output = run_module("provisioning_host", dict(files=files), check=check, diff=True)
        assert result["failed"] and result["msg"] == "files[1].path: %s: is a symlink; refusing to follow it" % (
            conf / "nginx.conf")
        assert SECRET not in output
    assert sorted(p.name for p in conf.iterdir()) == ["nginx.conf"] and os.path.islink(conf / "nginx.conf")
    os.symlink(outside["directory"], tmp_path / "conf-link")
    result, _output = run_module("provisioning_host", dict(directories=[dict(path=str(tmp_path / "conf-link"),
                                                                             mode="0755", contents=True)]))
    assert result["failed"] and result["msg"] == ("directories[0].path: %s: is a symlink; refusing to follow it"
                                                  " (a directory belongs there)" % (tmp_path / "conf-link"))
    assert_untouched(outside)


@pytest.fixture
def shared_dir():
    """A directory another user can reach (pytest's own tmp dirs are private to root)."""
    with world_traversable_dir("dect-race-") as path:
        yield path


def test_another_users_file_at_the_image_name_never_changes_what_is_published(shared_dir):
    """The old image is another user's 0666 file, held open for writing by a process of that user,
    and that user keeps trying to open every file of the root for writing while images are
    republished: none of the writes reaches a published image or its temp file."""
    nobody = pwd.getpwnam("nobody")
    tmp_path, root = shared_dir, shared_dir / "root"
    root.mkdir()
    (root / "kws.bin").write_bytes(b"old image")
    os.chown(root / "kws.bin", nobody.pw_uid, nobody.pw_gid)
    os.chmod(root / "kws.bin", 0o666)
    os.chmod(root, 0o755)
    log = tmp_path / "attacker.log"
    log.touch()
    os.chown(log, nobody.pw_uid, nobody.pw_gid)
    attacker = subprocess.Popen(
        ["/usr/bin/python3", "-c", ATTACKER, str(root), str(log)],
        preexec_fn=lambda: (os.setgid(nobody.pw_gid), os.setuid(nobody.pw_uid)))
    try:
        time.sleep(0.3)
        images = []
        for round_ in range(12):
            image = tmp_path / ("image-%d" % round_)
            image.write_bytes(os.urandom(512 * 1024))
            images.append(hashlib.sha256(image.read_bytes()).hexdigest())
            result, output = run_module("firmware", dict(src=str(image), remote_src=True, dest=str(root), name="kws.bin",
                                                         version="V %d" % round_, mode="0644", ver_grace=0))
            assert result["changed"] and result["sha256"] == images[-1], output
            published = root / "kws.bin"
            assert hashlib.sha256(published.read_bytes()).hexdigest() == images[-1]
            assert published.stat().st_uid == 0 and oct(published.stat().st_mode & 0o777) == oct(0o644)
        time.sleep(0.3)
    finally:
        attacker.send_signal(signal.SIGTERM)
        attacker.wait(timeout=10)
    opened = json.loads(log.read_text())
    assert opened["held_writes"] > 0, "the attacker must have written through its old descriptor"
    assert opened["opened_for_write"] == [], opened
    assert hashlib.sha256((root / "kws.bin").read_bytes()).hexdigest() == images[-1]
    assert (root / "kws.bin.ver").read_bytes() == b"V 11"


ATTACKER = r"""
import json, os, signal, sys, time
root, log = sys.argv[1], sys.argv[2]
held = os.open(os.path.join(root, "kws.bin"), os.O_WRONLY)
# Its own old file (until replaced) may be opened: any other inode opened for writing is a breach.
state = {"held_writes": 0, "opened_for_write": [], "tries": 0, "own_inode": os.fstat(held).st_ino}
def stop(*_):
    with open(log, "w") as out:
        json.dump(state, out)
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
deadline = time.time() + 60
while time.time() < deadline:
    os.pwrite(held, b"EVIL" * 1024, 0)
    state["held_writes"] += 1
    for name in os.listdir(root):
        state["tries"] += 1
        try:
            fd = os.open(os.path.join(root, name), os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        inode = os.fstat(fd).st_ino
        os.close(fd)
        if inode != state["own_inode"]:
            state["opened_for_write"].append(name)
stop()
"""


def test_sigkill_at_any_moment_of_a_bulk_publication_leaves_old_or_new_and_the_next_run_converges(root):
    """400 documents replaced in one module call, killed with SIGKILL at 8 different moments:
    every document is always exactly its old or its new text, and a full run afterwards publishes
    everything and leaves no temp file behind."""
    old, new = {}, {}
    for index in range(200):
        mac = "0013d1%06x" % index
        for kind in ("users", "config"):
            name, old_text = doc(mac, kind, "old-%d-" % index + "o" * 2000)
            new[name] = doc(mac, kind, "new-%d-" % index + "n" * 2000)[1]
            old[name] = old_text
            (root / name).write_text(old_text)
            os.chmod(root / name, 0o640)
    files = [dict(name=name, checksum=sha1(text), content=text) for name, text in new.items()]
    kills = 0
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7):
        proc = run_module("publish", dict(dest=str(root), files=files), wait=False)
        time.sleep(delay)
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait(timeout=60)
        for name in new:
            text = (root / name).read_text()
            assert text in (old[name], new[name]), name
        # Start over from the old state for the next moment.
        for name, text in old.items():
            (root / name).write_text(text)
    assert kills >= 4, "the run finished too early to be killed: make the manifest larger"
    # Leave the temp files of one more killed run, then run to the end.
    proc = run_module("publish", dict(dest=str(root), files=files), wait=False)
    time.sleep(0.2)
    proc.kill()
    proc.wait(timeout=60)
    result, output = run_module("publish", dict(dest=str(root), files=files))
    assert not result.get("failed"), output
    for name, text in new.items():
        assert (root / name).read_text() == text
    assert sorted(p.name for p in root.iterdir()) == sorted(new)
    again, output = run_module("publish", dict(dest=str(root), files=[dict(f, content=None) for f in files]))
    assert again["changed"] is False and {r["state"] for r in again["files"].values()} == {"unchanged"}

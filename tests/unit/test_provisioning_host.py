"""dect.provisioning.provisioning_host on real files, in-process as on a target (devtools/module_runner.py):
what it writes, that a second identical call writes nothing, check mode, symlinks refused before
anything is written, the tree fix of u=rwX,g=rX,o-w, the notify labels of what changed."""

from __future__ import annotations

import grp
import json
import os
import pwd
import stat
import subprocess

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import _host_state
from ansible_collections.dect.provisioning.plugins.modules import provisioning_host
from devtools.module_runner import run_module_main

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def call(args, check_mode=False, diff=False):
    return run_module_main(provisioning_host, args, check_mode=check_mode, diff=diff)[1]


def snapshot(top):
    """Every entry below ``top``: (type, mode, uid, gid, mtime_ns, bytes or None)."""
    out = {}
    for base, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(base, name)
            info = os.lstat(path)
            data = open(path, "rb").read() if stat.S_ISREG(info.st_mode) else None
            out[path] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid,
                         info.st_mtime_ns, data)
    return out


def site_args(tmp_path, **extra):
    args = dict(
        directories=[dict(path=str(tmp_path / "root"), owner=ME, group=MY_GROUP, mode="0750", contents=True),
                     dict(path=str(tmp_path / "conf"), mode="0755")],
        files=[dict(path=str(tmp_path / "conf" / "site.conf"), content="listen 80;\n", mode="0644",
                    notify=["Reload nginx"]),
               dict(path=str(tmp_path / "conf" / "dect_provisioning.fact"), mode="0644",
                    data={"root": str(tmp_path / "root"), "path": "", "protocols": ["http"],
                          "logs": {"nginx": "/x/access.log", "ftp": "", "tftp": ""}})])
    args.update(extra)
    return args


def test_first_call_writes_everything_the_second_nothing(tmp_path):
    result = call(site_args(tmp_path), diff=True)
    assert result["changed"] is True and result["notify"] == ["Reload nginx"]
    assert [d["created"] for d in result["directories"]] == [True, True]
    assert (tmp_path / "conf" / "site.conf").read_bytes() == b"listen 80;\n"
    # JSON with sorted keys, indented by two, a final newline: the bytes do not depend on the controller.
    assert (tmp_path / "conf" / "dect_provisioning.fact").read_text() == (
        '{\n  "logs": {\n    "ftp": "",\n    "nginx": "/x/access.log",\n    "tftp": ""\n  },\n  "path": "",\n'
        '  "protocols": [\n    "http"\n  ],\n  "root": "%s"\n}\n' % (tmp_path / "root"))
    assert stat.S_IMODE(os.stat(tmp_path / "root").st_mode) == 0o750
    assert [d["after_header"] for d in result["diff"]] == [str(tmp_path / "root"), str(tmp_path / "conf"),
                                                           str(tmp_path / "conf" / "site.conf"),
                                                           str(tmp_path / "conf" / "dect_provisioning.fact")]
    before = snapshot(tmp_path)
    again = call(site_args(tmp_path), diff=True)
    assert again["changed"] is False and again["notify"] == [] and again["diff"] == []
    assert snapshot(tmp_path) == before  # not even rewritten with the same bytes (mtimes kept)


def test_check_mode_reports_and_writes_nothing(tmp_path):
    result = call(site_args(tmp_path), check_mode=True, diff=True)
    assert result["changed"] is True and result["notify"] == ["Reload nginx"]
    assert result["files"][0] == dict(path=str(tmp_path / "conf" / "site.conf"), state="present", changed=True,
                                      created=True, removed=False, content_changed=True, attributes=[])
    assert sorted(os.listdir(tmp_path)) == []


def test_only_what_differs_is_written_and_notified(tmp_path):
    call(site_args(tmp_path))
    os.chmod(tmp_path / "conf" / "site.conf", 0o666)
    fact_before = os.stat(tmp_path / "conf" / "dect_provisioning.fact").st_mtime_ns
    result = call(site_args(tmp_path), diff=True)
    assert [f["changed"] for f in result["files"]] == [True, False]
    assert result["files"][0]["attributes"] == ["mode"] and result["files"][0]["content_changed"] is False
    assert result["notify"] == ["Reload nginx"]
    assert stat.S_IMODE(os.stat(tmp_path / "conf" / "site.conf").st_mode) == 0o644
    assert os.stat(tmp_path / "conf" / "dect_provisioning.fact").st_mtime_ns == fact_before
    assert result["diff"] == [dict(before_header=str(tmp_path / "conf" / "site.conf") + " (attributes)",
                                   after_header=str(tmp_path / "conf" / "site.conf") + " (attributes)",
                                   before="mode 0666, owner %d, group %d\n" % (os.getuid(), os.getgid()),
                                   after="mode 0644, owner %d, group %d\n" % (os.getuid(), os.getgid()))]


@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_symlink_in_place_of_a_managed_item_is_refused_before_anything_is_written(tmp_path, where):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "target").write_text("not ours\n")
    (tmp_path / "conf").mkdir()
    if where == "file":
        os.symlink(tmp_path / "elsewhere" / "target", tmp_path / "conf" / "dect_provisioning.fact")
        message = "files[1].path: %s: is a symlink; refusing to follow it" % (tmp_path / "conf" / "dect_provisioning.fact")
    else:
        os.symlink(tmp_path / "elsewhere", tmp_path / "root")
        message = ("directories[0].path: %s: is a symlink; refusing to follow it (a directory belongs there)"
                   % (tmp_path / "root"))
    before = snapshot(tmp_path)
    result = call(site_args(tmp_path))
    assert result["failed"] is True and result["msg"] == message
    assert snapshot(tmp_path) == before  # site.conf, the first file, not written either


def test_everything_below_the_root_becomes_group_readable_and_owner_writable_only(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    cases = {"doc.xml": (0o600, 0o640), "kws.bin": (0o666, 0o644), "tool": (0o4711, 0o751), "odd": (0o610, 0o750),
             "sub/deep.xml": (0o1662, 0o1640)}
    for name, (mode, _wanted) in cases.items():
        (root / name).write_bytes(b"x")
        os.chmod(root / name, mode)
    os.chmod(root / "sub", 0o2777)
    os.symlink("/etc/passwd", root / "link")
    result = call(dict(directories=[dict(path=str(root), mode="0750", contents=True)]))
    assert result["directories"][0]["fixed"] == 6
    for name, (_mode, wanted) in cases.items():
        assert stat.S_IMODE(os.stat(root / name).st_mode) == wanted, name
    assert stat.S_IMODE(os.stat(root / "sub").st_mode) == 0o755
    assert os.readlink(root / "link") == "/etc/passwd"  # skipped, never followed
    assert call(dict(directories=[dict(path=str(root), mode="0750", contents=True)]))["changed"] is False


def test_absent_removes_a_symlink_itself(tmp_path):
    (tmp_path / "target").write_text("kept\n")
    os.symlink(tmp_path / "target", tmp_path / "default")
    result = call(dict(files=[dict(path=str(tmp_path / "default"), state="absent", notify=["Reload nginx"])]))
    assert result["files"][0]["removed"] is True and result["notify"] == ["Reload nginx"]
    assert not os.path.lexists(tmp_path / "default") and (tmp_path / "target").read_text() == "kept\n"


def test_members_need_a_group_and_absent_accounts_are_listed(tmp_path):
    result = call(dict(members=["root"]))
    assert result["failed"] is True and result["msg"] == "members: root needs group: the group they are to join"
    # root's primary group counts as membership; an account that does not exist is reported, not created.
    result = call(dict(group=grp.getgrgid(pwd.getpwnam("root").pw_gid).gr_name,
                       members=["root", "no-such-account-dect"]))
    assert result["changed"] is False
    assert result["members"] == dict(added=[], absent=["no-such-account-dect"])


def test_data_is_json_with_sorted_keys():
    assert _host_state.file_bytes(dict(data={"b": [1], "a": ""})) == b'{\n  "a": "",\n  "b": [\n    1\n  ]\n}\n'
    assert json.loads(_host_state.file_bytes(dict(data={"x": "\u00e9"}))) == {"x": "\u00e9"}


def test_a_missing_group_is_created_and_used_by_the_items_of_the_same_call(tmp_path):
    """Check mode reports the group and the directory in it without creating either; the real call
    creates the system group first, then the directory with that group."""
    if os.geteuid() != 0:
        pytest.skip("creates a system group: needs root")
    name = "dect-t%s" % os.urandom(3).hex()
    args = dict(group=name, directories=[dict(path=str(tmp_path / "root"), owner="root", group=name, mode="0750")])
    try:
        checked = call(args, check_mode=True)
        assert checked["changed"] is True and checked["group"] == dict(name=name, created=True)
        assert checked["directories"][0]["created"] is True and not (tmp_path / "root").exists()
        with pytest.raises(KeyError):
            grp.getgrnam(name)
        result = call(args)
        assert result["group"] == dict(name=name, created=True)
        info = os.stat(tmp_path / "root")
        assert (info.st_gid, stat.S_IMODE(info.st_mode)) == (grp.getgrnam(name).gr_gid, 0o750)
        assert call(args)["changed"] is False
    finally:
        subprocess.run(["groupdel", name], capture_output=True, timeout=30, check=False)

"""Ansible's ``unsafe_writes`` for the document modules (config_xml, users_xml) and firmware, through
ansible-playbook and the module runner, on a real bind mount: the classic file that no rename can
replace (rename gives EBUSY).

Without unsafe_writes the task fails naming the path and nothing changes; with ``unsafe_writes: true``
in the task, or ``ANSIBLE_UNSAFE_WRITES=1`` in the environment of ansible-playbook or of the module,
the content is written into the existing file in place (the bind mount's source file receives it),
still never through a symlink."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from devtools.module_runner import run_module_main
from devtools.procs import need_root

MAC = "0013d1800032"
OLD = b"<?xml version=\"1.0\"?>\n<config>old, kept while the name is bind-mounted</config>\n"
DOCUMENTS = {
    "config_xml": ("%s-config.xml" % MAC, "settings:\n          network: {bootproto: dhcp, hostname: ward-a}"
                   "\n          provisioning: {check: {check_sync: update}}",
                   b"<hostname>ward-a</hostname>"),
    "users_xml": ("%s-users.xml" % MAC, "users:\n          - {username: '1001', ipei: '00077 0000001'}",
                  b"<username>1001</username>"),
}
PLAYBOOK = """
- name: Publish one document into a root whose file is a bind mount
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write it
      dect.provisioning.{module}:
        dest: "{{{{ root }}}}"
        mac: "00:13:d1:80:00:32"
        model: "6500"
        {options}
        mode: "0640"
{unsafe}
"""
FIRMWARE = """
- name: Stage an image whose name is a bind mount
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Stage it from the controller
      dect.provisioning.firmware:
        src: "{{ image }}"
        dest: "{{ root }}"
        name: kws.bin
        version: "{{ version }}"
        mode: "0644"
        ver_grace: 0
"""


@contextlib.contextmanager
def bind_mounted(source, target):
    """``source`` bind-mounted onto the existing file ``target``, unmounted on the way out."""
    need_root()
    subprocess.run(["mount", "--bind", str(source), str(target)], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["umount", str(target)], check=True, capture_output=True)


@pytest.fixture
def mounted(tmp_path):
    """A provisioning root with ``name`` a bind mount of a file outside it; yields (root, outside file)."""
    stack = contextlib.ExitStack()

    def mount(name, content):
        root = tmp_path / "root"
        root.mkdir(exist_ok=True)
        outside = tmp_path / "outside" / name
        outside.parent.mkdir(exist_ok=True)
        outside.write_bytes(content)
        (root / name).write_bytes(b"")
        stack.enter_context(bind_mounted(outside, root / name))
        return root, outside

    with stack:
        yield mount


def test_a_bind_mount_really_refuses_the_rename(mounted, tmp_path):
    root, dummy = mounted("kws.bin", b"image")
    temp = root / ".probe"
    temp.write_bytes(b"x")
    with pytest.raises(OSError) as caught:
        os.rename(temp, root / "kws.bin")
    assert caught.value.errno == errno.EBUSY


@pytest.mark.parametrize("module", sorted(DOCUMENTS))
def test_document_without_unsafe_writes_fails_naming_the_path_and_changes_nothing(play, mounted, module):
    name, options, dummy = DOCUMENTS[module]
    root, outside = mounted(name, OLD)
    run = play(PLAYBOOK.format(module=module, options=options, unsafe=""), extra_vars=dict(root=str(root)))
    assert run.rc == 2, run.output
    assert ("%s/%s: could not publish: Device or resource busy: it cannot be replaced atomically (a bind mount?);"
            " nothing was changed; set unsafe_writes=true (or ANSIBLE_UNSAFE_WRITES=1) to write it in place"
            % (root, name)) in run.stdout
    assert outside.read_bytes() == OLD and (root / name).read_bytes() == OLD
    assert sorted(os.listdir(root)) == [name]  # no temp file left behind


@pytest.mark.parametrize("module", sorted(DOCUMENTS))
@pytest.mark.parametrize("how", ["task option", "ansible-playbook environment", "task environment"])
def test_document_with_unsafe_writes_is_written_in_place(play, mounted, module, how):
    name, options, expected = DOCUMENTS[module]
    root, outside = mounted(name, OLD)
    os.chmod(outside, 0o644)
    unsafe, env = "", None
    if how == "task option":
        options += "\n        unsafe_writes: true"
    elif how == "task environment":
        unsafe = "      environment:\n        ANSIBLE_UNSAFE_WRITES: '1'"
    else:
        env = {"ANSIBLE_UNSAFE_WRITES": "1"}
    run = play(PLAYBOOK.format(module=module, options=options, unsafe=unsafe), extra_vars=dict(root=str(root)),
               env=env)
    assert run.rc == 0 and run.recap()["changed"] == 1, run.output
    written = outside.read_bytes()  # the file behind the mount received it: written in place
    assert expected in written and written.startswith(b"<?xml")
    assert (root / name).read_bytes() == written
    assert oct(outside.stat().st_mode & 0o777) == "0o640"  # the mode was set on the file itself
    assert sorted(os.listdir(root)) == [name]
    again = play(PLAYBOOK.format(module=module, options=options, unsafe=unsafe), extra_vars=dict(root=str(root)),
                 env=env)
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output


def test_document_with_an_explicit_false_ignores_the_environment(play, mounted):
    name, options, dummy = DOCUMENTS["config_xml"]
    root, outside = mounted(name, OLD)
    run = play(PLAYBOOK.format(module="config_xml", options=options + "\n        unsafe_writes: false", unsafe=""),
               extra_vars=dict(root=str(root)), env={"ANSIBLE_UNSAFE_WRITES": "1"})
    assert run.rc == 2 and "it cannot be replaced atomically" in run.stdout, run.output
    assert outside.read_bytes() == OLD


def firmware_release(tmp_path, size=200000):
    image = tmp_path / "files" / "kws6500.bin"
    image.parent.mkdir(exist_ok=True)
    image.write_bytes(os.urandom(size))
    return image


def test_firmware_without_unsafe_writes_fails_before_anything_changes(play, mounted, tmp_path):
    root, outside = mounted("kws.bin", b"old image")
    (root / "kws.bin.ver").write_bytes(b"OLD 1")
    image = firmware_release(tmp_path)
    run = play(FIRMWARE, extra_vars=dict(root=str(root), image=str(image), version="NEW 2"), verbosity=3)
    assert run.rc == 2, run.output
    assert ("%s/kws.bin: could not publish: Device or resource busy: it cannot be replaced atomically"
            % root) in run.stdout
    assert "PUT %s" % image not in run.stdout  # refused before the image travelled
    assert outside.read_bytes() == b"old image"
    assert (root / "kws.bin.ver").read_bytes() == b"OLD 1"  # the old .ver was not withdrawn
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]


def test_firmware_from_the_controller_with_ansible_unsafe_writes(play, mounted, tmp_path):
    root, outside = mounted("kws.bin", b"old image")
    os.chmod(outside, 0o600)
    (root / "kws.bin.ver").write_bytes(b"OLD 1")
    image = firmware_release(tmp_path)
    run = play(FIRMWARE, extra_vars=dict(root=str(root), image=str(image), version="NEW 2"),
               env={"ANSIBLE_UNSAFE_WRITES": "1"})
    assert run.rc == 0 and run.recap()["changed"] == 1, run.output
    assert outside.read_bytes() == image.read_bytes()  # the upload was copied in place
    assert (root / "kws.bin.ver").read_bytes() == b"NEW 2"
    assert oct(outside.stat().st_mode & 0o777) == "0o644"  # the mode was set on the file itself
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]  # the upload file is gone
    again = play(FIRMWARE, extra_vars=dict(root=str(root), image=str(image), version="NEW 2"),
                 env={"ANSIBLE_UNSAFE_WRITES": "1"})
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output


@pytest.mark.parametrize("given", ["option", "module environment"])
def test_firmware_module_with_remote_src(monkeypatch, mounted, tmp_path, given):
    from ansible_collections.dect.provisioning.plugins.modules import firmware

    root, outside = mounted("kws.bin", b"old image")
    image = firmware_release(tmp_path, 5000)
    args = dict(src=str(image), remote_src=True, dest=str(root), name="kws.bin", version="NEW 2", ver_grace=0)
    monkeypatch.delenv("ANSIBLE_UNSAFE_WRITES", raising=False)
    dummy, refused = run_module_main(firmware, args)
    assert refused["failed"] and refused["msg"].startswith("%s/kws.bin: could not publish" % root)
    assert outside.read_bytes() == b"old image" and not (root / "kws.bin.ver").exists()
    if given == "option":
        args["unsafe_writes"] = True
    else:
        monkeypatch.setenv("ANSIBLE_UNSAFE_WRITES", "1")
    dummy, result = run_module_main(firmware, args)
    assert result["changed"] and not result.get("failed"), result
    assert hashlib.sha256(outside.read_bytes()).hexdigest() == result["sha256"] == \
        hashlib.sha256(image.read_bytes()).hexdigest()
    assert (root / "kws.bin.ver").read_bytes() == b"NEW 2"


def test_in_place_write_never_follows_a_symlink_or_writes_a_fifo(tmp_path):
    from ansible_collections.dect.provisioning.plugins.module_utils import _io

    secret = tmp_path / "secret"
    secret.write_bytes(b"keep me")
    temp = tmp_path / ".doc.tmp"
    temp.write_bytes(b"new content")
    link = tmp_path / "doc.xml"
    link.symlink_to(secret)
    with pytest.raises(_io.FileIOError, match=r"doc.xml: is a symlink; refusing to follow it$"):
        _io._write_in_place(str(temp), str(link), 0o640, None, None)
    assert secret.read_bytes() == b"keep me"
    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    with pytest.raises(_io.FileIOError, match=r"fifo.xml: could not write in place"):
        _io._write_in_place(str(temp), str(fifo), 0o640, None, None)
    assert Path(temp).read_bytes() == b"new content"

"""A site under hostile conditions, through ansible-playbook (issue 22): duplicate identities, a full
disk, two runs at once, a new root in check mode, stale documents and a killed run's spool."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devtools.ansible_runner import PLAYBOOK_PYTHON, SYSTEM_PYTHON, run_playbook
from devtools.collection import REPO
from devtools.procs import need_root

from ansible_collections.dect.provisioning.plugins.plugin_utils import _spool

PLAYBOOK = """
- name: Publish the DECT servers' documents as site.yml does
  hosts: dect_servers
  gather_facts: false
  serial: "{{ batch | default('100%') }}"
  max_fail_percentage: 100
  tasks:
    - name: Publication steps
      ansible.builtin.import_role:
        name: dect.provisioning.dect_server
        tasks_from: publish
      vars:
        dect_server_check_sync_batch: true
"""
USER_PASSWORD = "Usr-Pw-7d20c3"


def server(index, **extra):
    # Each says its addressing (an 8000's default is static) and where check-sync goes (its address and
    # an extension it handles).
    host = {"dect_mac": "00:13:d1:80:00:%02x" % index, "dect_model": "8000", "dect_ip": "192.0.2.%d" % (10 + index),
            "dect_sip_user": "%d" % (1100 + index),
            "dect_settings_host": {"network": {"hostname": "ward-%d" % index, "bootproto": "dhcp"}}}
    host.update(extra)
    return host


class Site:
    def __init__(self, tmp_path, root):
        self.dir, self.root = tmp_path, root
        self.servers = {"s%d" % i: server(i) for i in range(1, 5)}
        self.prov = {"ansible_python_interpreter": SYSTEM_PYTHON, "dect_provisioning_root": str(root),
                     "dect_provisioning_group": "root"}

    def inventory(self):
        inventory = {"all": {
            "vars": {"dect_provisioning_url": "http://192.0.2.1/dect", "ansible_connection": "local",
                     "ansible_python_interpreter": PLAYBOOK_PYTHON},
            "children": {"dect_provisioning_servers": {"hosts": {"prov": self.prov}},
                         "dect_servers": {"hosts": self.servers}}}}
        path = self.dir / "inventory.json"
        path.write_text(json.dumps(inventory))
        return path

    def play(self, workdir=None, playbook=PLAYBOOK, **kwargs):
        workdir = Path(workdir or self.dir)
        path = workdir / "publish.yml"
        path.write_text(playbook)
        return run_playbook(path, workdir, inventory=self.inventory(), **kwargs)


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    return Site(tmp_path, root)


def names(root):
    return sorted(p.name for p in root.iterdir() if not p.name.startswith("."))


# -- 1. duplicate identities ----------------------------------------------------------------------

# Batches smaller than the site; each batch keeps an innocent server (a batch whose every host failed
# ends the play, as Ansible does for any failure).
@pytest.mark.parametrize("batch", [2, 3, "100%"])
def test_one_mac_in_two_spellings_fails_both_servers_naming_each_other(site, batch):
    site.servers["s3"]["dect_mac"] = "0013.D180.0001"  # s1's MAC, another spelling
    run = site.play(extra_vars={"batch": batch})
    assert run.rc == 2
    assert ("s1: MAC 00:13:d1:80:00:01 (dect_mac) is also the MAC of s3: each DECT server needs its own device"
            in run.stdout), run.stdout
    assert "s3: MAC 00:13:d1:80:00:01 (dect_mac) is also the MAC of s1" in run.stdout, run.stdout
    assert run.recap("s1")["failed"] == 1 and run.recap("s3")["failed"] == 1
    for name in ("s2", "s4"):  # the innocent servers of every batch publish
        assert run.recap(name)["failed"] == 0 and run.recap(name)["changed"] == 1
    assert names(site.root) == ["0013d1800002-config.xml", "0013d1800004-config.xml"]


def test_one_sip_check_sync_target_fails_both_servers(site):
    site.servers["s2"].update(dect_sip_host="192.0.2.20", dect_sip_user="1000")
    site.servers["s4"].update(dect_sip_host="192.0.2.20", dect_sip_user="1000", dect_sip_port=5060)
    site.servers["s3"].update(dect_sip_host="192.0.2.20", dect_sip_user="1001")  # another user: its own
    run = site.play(extra_vars={"batch": 2})
    assert run.rc == 2
    assert ("s2: SIP check-sync target 1000@192.0.2.20:5060 is also the target of s4: a NOTIFY for one would"
            " reach the other") in run.stdout
    assert "s4: SIP check-sync target 1000@192.0.2.20:5060 is also the target of s2" in run.stdout
    assert [name for name in ("s1", "s2", "s3", "s4") if run.recap(name)["failed"]] == ["s2", "s4"]
    assert names(site.root) == ["0013d1800001-config.xml", "0013d1800003-config.xml"]


def test_validate_lists_the_duplicate_mac_naming_both_hosts(site):
    site.servers["s4"]["dect_mac"] = "00-13-D1-80-00-02"
    run = run_playbook(REPO / "playbooks" / "validate.yml", site.dir, inventory=site.inventory())
    assert run.rc == 2, run.output
    report = run.stdout[run.stdout.index("Fail listing every problem"):]
    assert "s2: MAC 00:13:d1:80:00:02 (dect_mac) is also the MAC of s4" in report
    assert "s4: MAC 00:13:d1:80:00:02 (dect_mac) is also the MAC of s2" in report
    assert "'s1'" not in report and "'s3'" not in report
    assert "no problems" not in run.stdout


# -- 3. a full disk fails the document's server only -----------------------------------------------

@pytest.fixture
def small_root(tmp_path):
    need_root()
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "dect-enospc", str(root)], check=True)
    try:
        yield Site(tmp_path, root)
    finally:
        subprocess.run(["umount", str(root)], check=True)


def test_disk_full_on_one_document_fails_that_server_only_and_keeps_its_old_file(small_root):
    site = small_root
    for host in site.servers.values():  # publication only: no check-sync, so an unchanged server stays unchanged
        host["dect_server_check_sync"] = False
    site.servers["s2"]["dect_model"] = "6500"
    site.servers["s2"]["dect_users"] = [{"username": "2001", "ipei": "00077 0000001", "authpassword": USER_PASSWORD}]
    first = site.play()
    assert first.rc == 0, first.output
    old_users = (site.root / "0013d1800002-users.xml").read_bytes()
    # Fill the file system but for about 40 KB: room for the small documents, not for 600 users.
    free = os.statvfs(site.root)
    (site.root / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 40 * 1024))
    site.servers["s2"]["dect_users"] = [{"username": "%d" % (3000 + i), "ipei": "00077 %07d" % i,
                                         "authpassword": USER_PASSWORD} for i in range(600)]
    for name in ("s1", "s3"):
        site.servers[name]["dect_settings_host"]["network"]["hostname"] = "renamed-%s" % name
    run = site.play(verbosity=1)
    assert run.rc == 2
    path = site.root / "0013d1800002-users.xml"
    assert "s2: publication failed: provisioning host prov: %s: could not write: No space left on device" % path \
        in run.stdout, run.stdout
    assert [name for name in ("s1", "s2", "s3", "s4") if run.recap(name)["failed"]] == ["s2"]
    assert run.recap("s1")["changed"] == 1 and run.recap("s3")["changed"] == 1 and run.recap("s4")["changed"] == 0
    assert path.read_bytes() == old_users  # the old file kept, no temp file left
    assert sorted(p.name for p in site.root.iterdir()) == sorted(names(site.root))
    assert b"renamed-s1" in (site.root / "0013d1800001-config.xml").read_bytes()
    assert b"renamed-s3" in (site.root / "0013d1800003-config.xml").read_bytes()
    assert USER_PASSWORD not in run.output


# -- 4. one run at a time per root -----------------------------------------------------------------

HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from ansible_collections.dect.provisioning.plugins.module_utils._rootlock import RootLock
with RootLock(sys.argv[1], "publishing 3 document(s)", 5):
    print("held", flush=True)
    time.sleep(600)
"""


def hold_the_lock(root, tmp_path):
    """Another run in the middle of its publication: the collection's own lock, held by a live process."""
    from devtools.collection import collections_root
    colls = collections_root(tmp_path / "holder-collections")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), str(colls)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_waits_then_fails_naming_the_holder_and_a_killed_holder_is_recovered(site, tmp_path):
    holder = hold_the_lock(site.root, tmp_path)
    try:
        record = json.loads((site.root / ".dect-provisioning.lock").read_text())
        assert record["pid"] == holder.pid and record["doing"] == "publishing 3 document(s)"
        assert stat.S_IMODE((site.root / ".dect-provisioning.lock").stat().st_mode) == 0o600
        site.prov["dect_provisioning_lock_timeout"] = 2
        started = time.monotonic()
        blocked = site.play()
        assert 2 <= time.monotonic() - started
        assert blocked.rc == 2
        assert ("%s: another run holds the provisioning root (pid %d on %s since %s, publishing 3 document(s));"
                " waited 2s (lock_timeout)" % (site.root, holder.pid, record["host"], record["started"])) in blocked.stdout
        assert names(site.root) == []
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # the holder killed: its record stays, the kernel frees the lock
        holder.wait()
    assert (site.root / ".dect-provisioning.lock").exists()
    recovered = site.play()
    assert recovered.rc == 0, recovered.output
    assert names(site.root) == ["0013d1800001-config.xml", "0013d1800002-config.xml", "0013d1800003-config.xml",
                                "0013d1800004-config.xml"]
    assert not (site.root / ".dect-provisioning.lock").exists()  # removed on release


def release(directory, size, version, seed):
    directory.mkdir(parents=True, exist_ok=True)
    image = directory / "kws.bin"
    block = hashlib.sha256(seed.encode()).digest() * 32768  # 1 MiB
    image.write_bytes((block * (size // len(block) + 1))[:size])
    return image, version


def test_two_overlapping_firmware_runs_both_succeed_and_leave_one_consistent_pair(tmp_path):
    root = tmp_path / "srv"
    root.mkdir()
    images = [release(tmp_path / "a", 48 * 1024 * 1024, "PCS24B 71234", "a"),
              release(tmp_path / "b", 40 * 1024 * 1024, "PCS25A 80000", "b")]
    runs = [None, None]

    def stage(index, round_):
        image, version = images[index]
        workdir = tmp_path / ("run%d-%d" % (index, round_))
        workdir.mkdir()
        runs[index] = run_playbook(REPO / "tests" / "integration" / "playbooks" / "firmware_stage.yml", workdir,
                                   extra_vars=dict(fw_src=str(image), fw_root=str(root), fw_version=version))

    for round_ in range(2):
        runs[:] = [None, None]
        threads = [threading.Thread(target=stage, args=(i, round_)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for run in runs:
            assert run is not None and run.rc == 0, run and run.output
            assert "could not publish" not in run.output
        staged = (root / "kws.bin").read_bytes()
        ver = (root / "kws.bin.ver").read_text()
        matching = [version for image, version in images if image.read_bytes() == staged]
        assert matching == [ver], "the staged image and its .ver disagree"
        assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]


# -- 5. check mode previews a new site -------------------------------------------------------------

def test_check_mode_previews_a_root_that_does_not_exist_yet(site):
    site.root.rmdir()
    run = site.play(check=True, diff=True)
    assert run.rc == 0, run.output
    assert all(run.recap(name)["changed"] == 1 for name in ("s1", "s2", "s3", "s4"))
    assert "does not exist" not in run.stdout
    assert "+network.hostname = ward-3" in run.stdout
    assert not site.root.exists()


# -- 9. stale documents --------------------------------------------------------------------------

def test_documents_of_macs_no_longer_in_inventory_are_withdrawn(site):
    site.servers["s1"]["dect_model"] = "6500"
    site.servers["s1"]["dect_users"] = [{"username": "1001", "ipei": "00077 0000001", "authpassword": USER_PASSWORD}]
    assert site.play().rc == 0
    (site.root / "kws.bin").write_bytes(b"firmware")  # the firmware role's business: left alone
    (site.root / "0013d1800099-config.xml").write_text("<config/>")  # another tool's, same pattern: withdrawn
    # Hardware swap for s1 (new MAC), s4 leaves inventory.
    site.servers["s1"]["dect_mac"] = "00:13:d1:80:00:41"
    del site.servers["s4"]
    stale = ["0013d1800001-config.xml", "0013d1800001-users.xml", "0013d1800004-config.xml", "0013d1800099-config.xml"]
    preview = site.play(check=True, diff=True, extra_vars={"batch": 1})
    assert preview.rc == 0, preview.output
    for name in stale:
        # Listed once: once per run and provisioning host, not once per batch (three here).
        assert preview.stdout.count("--- before: %s/%s" % (site.root, name)) == 1, preview.stdout
        assert (site.root / name).exists()
    # A limited run withdraws what no inventory server owns, nothing of the servers outside its limit.
    limited = site.play(args=("-l", "s2"), diff=True)
    assert limited.rc == 0, limited.output
    assert names(site.root) == ["0013d1800002-config.xml", "0013d1800003-config.xml", "kws.bin"]
    assert "changed: [s2 -> prov] => (item=prov)" in limited.stdout
    run = site.play(extra_vars={"batch": 1})
    assert run.rc == 0, run.output
    assert names(site.root) == ["0013d1800002-config.xml", "0013d1800003-config.xml", "0013d1800041-config.xml",
                                "0013d1800041-users.xml", "kws.bin"]
    assert USER_PASSWORD not in limited.output + preview.output


def test_keep_stale_keeps_them(site):
    assert site.play().rc == 0
    del site.servers["s4"]
    site.prov["dect_provisioning_keep_stale"] = True
    run = site.play()
    assert run.rc == 0, run.output
    assert (site.root / "0013d1800004-config.xml").exists()


# -- 10. the controller spool -----------------------------------------------------------------------

def test_a_killed_runs_spool_is_removed_by_the_next_run_and_spools_are_private(site):
    local = site.dir / ".ansible-local"
    killed = local / "ansible-local-999999abcd" / "dect-publication"
    (killed / "0123").mkdir(parents=True)
    (killed / "owner").write_text(json.dumps({"pid": 999999, "start": 1}))
    (killed / "0123" / "documents.json").write_text(json.dumps({"secret": USER_PASSWORD}))
    running = local / "ansible-local-1abcdef" / "dect-publication"  # another run, still going: kept
    running.mkdir(parents=True)
    (running / "owner").write_text(json.dumps({"pid": os.getpid(), "start": _spool._process_start(os.getpid())}))
    playbook = PLAYBOOK + """
    - name: Show the spool while the run lasts
      ansible.builtin.command: find %s -path '*dect-publication*' -printf '%%m %%y %%p\\n'
      delegate_to: localhost
      run_once: true
      changed_when: false
      register: spool_listing

    - name: Print it
      ansible.builtin.debug:
        msg: "{{ spool_listing.stdout_lines }}"
      run_once: true
""" % local
    run = site.play(playbook=playbook, verbosity=1)
    assert run.rc == 0, run.output
    assert not killed.exists() and (running / "owner").exists()
    modes = [(mode, kind) for mode, kind, path in re.findall(r'^\s*"(\d{3}) ([df]) (\S*dect-publication\S*)",?$',
                                                             run.stdout, re.M) if str(running) not in path]
    assert modes and ("700", "d") in modes and ("600", "f") in modes
    assert all(mode == "700" for mode, kind in modes if kind == "d")
    assert all(mode == "600" for mode, kind in modes if kind == "f")

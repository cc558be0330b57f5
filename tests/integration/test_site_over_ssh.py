"""site.yml as real sites run it: the provisioning host reached over SSH as a non-root user with
become, its interpreter Debian's /usr/bin/python3 (no lxml). The first run publishes every DECT
server's files in one module call per batch, a no-op re-run changes nothing and sends no NOTIFY,
and the published documents are 0640 in the daemons' group."""

from __future__ import annotations

import grp
import os
import stat

import pytest

from devtools.ansible_runner import task_results

from devtools.site_lab import SiteLab
from devtools.procs import world_traversable_dir
from devtools.sshd import SshHost


@pytest.fixture(scope="module")
def lab():
    with world_traversable_dir("dect-site-ssh-") as workdir, SshHost(str(workdir)) as host:
        site = SiteLab(workdir / "lab", prov_connection=host.inventory_vars)
        try:
            site.up(4, history=False)
            yield site
        finally:
            site.down()


def test_site_over_ssh_with_become_publishes_once_per_host_and_reruns_as_a_no_op(lab):
    first = lab.playbook("-v")
    assert first.rc == 0, first.output[-4000:]
    assert "ESTABLISH SSH CONNECTION FOR USER: dectadmin" not in first.output  # -v only, not -vvv
    # One write task per batch, delegated to the provisioning host over SSH (the other line delegated
    # there is the record of the answered check-sync).
    delegated = [line for line in first.stdout.splitlines()
                 if line.startswith(("ok: [dect-001 -> prov-local", "changed: [dect-001 -> prov-local"))]
    writes = [line for line in delegated if '"batch": {' in line]
    assert len(delegated) == 2 and sum('"acknowledged": [' in line for line in delegated) == 1, delegated
    assert len(writes) == 1 and "(item=prov-local)" in writes[0], writes
    for server in lab.state["servers"]:
        # Its report; the first server of the batch also carries the batch's check-sync and its record.
        assert first.recap(server["name"])["changed"] == (3 if server["name"] == "dect-001" else 1), first.stdout
        mac = server["mac"].replace(":", "")
        for kind in ("config", "users"):
            info = os.stat(lab.dir / "root" / ("%s-%s.xml" % (mac, kind)))
            assert stat.S_IMODE(info.st_mode) == 0o640 and info.st_uid == 0
            assert grp.getgrgid(info.st_gid).gr_name == "dect-provisioning"
    again = lab.playbook()
    assert again.rc == 0, again.output[-4000:]
    for server in lab.state["servers"]:
        # render + report; the first server of the batch also carries the one write task.
        ok = 3 if server["name"] == "dect-001" else 2
        assert again.recap(server["name"]) == dict(again.recap(server["name"]), ok=ok, changed=0, failed=0)
    # Nothing changed and nothing is pending: no NOTIFY, no record written.
    assert task_results(again.stdout)["dect-001"]["Send SIP NOTIFY check-sync to the batch's changed servers, concurrently"] \
        == "skipping", again.stdout
    assert sorted(p.name for p in (lab.dir / "root").iterdir() if p.name.startswith(".")) == []


def test_site_backup_keeps_old_documents_outside_the_served_root(lab):
    backups = lab.dir / "backups"
    first = lab.playbook()
    assert first.rc == 0, first.output[-4000:]
    served_before = sorted(p.name for p in (lab.dir / "root").iterdir())
    old = {p.name: p.read_bytes() for p in (lab.dir / "root").iterdir() if p.name.endswith("-config.xml")}
    change = lab.playbook("-e", '{"dect_server_backup": true, "dect_server_backup_dir": "%s",'
                                ' "dect_settings_group": {"sip": {"defaultdomain": "changed.example"}}}' % backups)
    assert change.rc == 0, change.output[-4000:]
    # The served root holds the device files only, as before; every replaced config is backed up, 0600.
    assert sorted(p.name for p in (lab.dir / "root").iterdir()) == served_before
    saved = sorted(backups.iterdir())
    assert len(saved) == len(old) and stat.S_IMODE(backups.stat().st_mode) == 0o700
    for path in saved:
        name = path.name.split(".xml.")[0] + ".xml"
        assert path.read_bytes() == old[name] and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(b"<defaultdomain>changed.example</defaultdomain>" in (lab.dir / "root" / name).read_bytes() for name in old)

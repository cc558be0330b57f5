"""site.yml as real sites run it: the provisioning host reached over SSH as a non-root user with
become, its interpreter Debian's /usr/bin/python3 (no lxml). The first run publishes every DECT
server's files in one module call per batch, a no-op re-run changes nothing and sends no NOTIFY,
and the published documents are 0640 in the daemons' group."""

from __future__ import annotations

import grp
import os
import shutil
import stat
import tempfile

import pytest

from tests.lab.site_lab import SiteLab
from tests.support.sshd import SshHost


@pytest.fixture(scope="module")
def lab():
    workdir = tempfile.mkdtemp(prefix="dect-site-ssh-", dir="/tmp")
    os.chmod(workdir, 0o755)
    with SshHost(workdir) as host:
        site = SiteLab(os.path.join(workdir, "lab"), prov_connection=host.inventory_vars)
        try:
            site.up(4, history=False)
            yield site
        finally:
            site.down()
    shutil.rmtree(workdir, ignore_errors=True)


def test_site_over_ssh_with_become_publishes_once_per_host_and_reruns_as_a_no_op(lab):
    first = lab.playbook("-v")
    assert first.rc == 0, first.output[-4000:]
    assert "ESTABLISH SSH CONNECTION FOR USER: dectadmin" not in first.output  # -v only, not -vvv
    # One write task per batch, delegated to the provisioning host over SSH.
    writes = [line for line in first.stdout.splitlines() if line.startswith(("ok: [dect-001 -> prov-local",
                                                                               "changed: [dect-001 -> prov-local"))]
    assert len(writes) == 1 and "(item=prov-local)" in writes[0], writes
    for server in lab.state["servers"]:
        assert first.recap(server["name"])["changed"] == 1
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
    notify_play = again.stdout.split("PLAY [Tell every DECT server")[1].split("PLAY RECAP")[0]
    assert "skipping: [localhost]" in notify_play and "changed: [localhost]" not in notify_play
    assert sorted(p.name for p in (lab.dir / "root").iterdir() if p.name.startswith(".")) == []

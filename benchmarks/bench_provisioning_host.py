"""The provisioning_server role on a converged provisioning host, reached as real sites reach it:
OpenSSH on 127.0.0.1, a non-root user with passwordless sudo (become), Debian's /usr/bin/python3
(devtools/sshd.py), SSH pipelining as in the site benchmark. The host is the site lab's
(devtools/site_lab.py: HTTP on 127.0.0.1, a configuration directory, no service manager).

Timed: the play of ``playbooks/site.yml`` that runs the role (``gather_facts: false``) against the
already converged host, median of ``BENCH_PROVISIONING_HOST_RUNS`` runs (default 3); each run must
change nothing. Compared with the floor of any play against that host: one ``raw: "true"`` task
(ansible-playbook start-up and one SSH connection with become).
"""

from __future__ import annotations

import os
import statistics

import yaml

from benchmarks.common import row, timed
from devtools.site_lab import SITE_PLAYBOOK, SiteLab
from devtools.sshd import SshHost

RUNS = int(os.environ.get("BENCH_PROVISIONING_HOST_RUNS", "3"))
ENV = {"ANSIBLE_PIPELINING": "1"}
# The play of site.yml itself (its first: the provisioning_server role), not a copy of it.
ROLE_PLAY = yaml.safe_dump(yaml.safe_load(SITE_PLAYBOOK.read_text())[:1], sort_keys=False)
FLOOR_PLAY = """\
- name: One raw command
  hosts: dect_provisioning_servers
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.raw: "true"
      changed_when: false
"""


def median_run(lab, playbook):
    times = []
    for _run in range(RUNS):
        seconds, run = timed(lab.playbook, playbook=playbook, env=ENV)
        if run.rc != 0 or run.recap("prov-local").get("changed"):
            raise RuntimeError("%s: not a converged no-op run:\n%s" % (playbook.name, run.output[-4000:]))
        times.append(seconds)
    return statistics.median(times), times


def run(workdir):
    os.chmod(workdir, 0o755)  # nginx's workers would traverse it to the root
    with SshHost(workdir) as host:
        lab = SiteLab(workdir / "lab", prov_connection=host.inventory_vars)
        lab.write(2)
        role_play, floor_play = lab.dir / "role.yml", lab.dir / "floor.yml"
        role_play.write_text(ROLE_PLAY)
        floor_play.write_text(FLOOR_PLAY)
        first = lab.playbook(playbook=role_play, env=ENV)
        if first.rc != 0:
            raise RuntimeError("the role failed on the lab host:\n%s" % first.output[-4000:])
        ours, ours_all = median_run(lab, role_play)
        floor, floor_all = median_run(lab, floor_play)
    return [row("provisioning_server role, converged host over SSH with become (median of %d)" % RUNS, ours,
                "one raw task against the same host (start-up + SSH)", floor,
                "runs: %s; floor runs: %s" % (", ".join("%.2f" % t for t in ours_all),
                                              ", ".join("%.2f" % t for t in floor_all)))]

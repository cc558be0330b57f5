"""playbooks/site.yml for a 100-DECT-server site on this machine: first run, no-op re-run, task results
per server; optionally (``BENCH_SITE_LARGE=1``) the no-op re-run of a 1,000-server site.

The provisioning host is reached as real sites reach it: OpenSSH on 127.0.0.1, a non-root user with
passwordless sudo (become), Debian's /usr/bin/python3 without lxml (devtools/sshd.py). The site is
devtools/site_lab.py without its history: nginx from the provisioning_server role, the dnsmasq option 66
file checked by ``dnsmasq --test``, one DECT server emulator per server answering SIP NOTIFY.

Compared, in the same run and against the same inventory and provisioning host, with the playbook a
user would write without the collection (PLAIN below): ansible.builtin.template of each server's users
and config XML from hand-written templates, delegated to the provisioning host. No validation, no
firmware, no DHCP, no check-sync: the plain playbook does strictly less than site.yml, and site.yml
must still take at most a quarter of its time. Both run with SSH pipelining and the same forks (``BENCH_SITE_FORKS``,
default 5 for 100 servers; the 1,000-server row uses 25 on both sides, see docs/publication.md).
``BENCH_SITE_SERVERS`` overrides the number of servers for quick trials.
"""

from __future__ import annotations

import os
import sys
import time

from benchmarks.common import row, timed, timed_playbook
from devtools.ansible_runner import task_results
from devtools.site_lab import SiteLab
from devtools.sshd import SshHost

SERVERS = int(os.environ.get("BENCH_SITE_SERVERS", "100"))
FORKS = int(os.environ.get("BENCH_SITE_FORKS", "5"))
# SSH pipelining on both sides (docs/publication.md recommends it for any playbook of a large site).
ENV = {"ANSIBLE_PIPELINING": "1"}
LARGE = os.environ.get("BENCH_SITE_LARGE", "0") == "1"
OTHER_HOSTS = ("prov-local", "dhcp-local")
ROLE_PREFIX = "dect.provisioning.dect_server : "

# The hand-written templates produce the same bytes as the collection for this inventory: the plain
# run does the same job, minus validation, derivation and the batched check-sync.
CONFIG_TEMPLATE = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<config>
  <network>
    <hostname>{{ dect_settings_host.network.hostname }}</hostname>
  </network>
  <provisioning>
    <check>
      <check_sync>update</check_sync>
      <interval>{{ dect_check_interval }}</interval>
    </check>
    <config>
      <check>true</check>
    </config>
    <firmware>
{% for kind in dect_firmware %}
      <{{ kind }}>{{ kind }}.bin</{{ kind }}>
{% endfor %}
    </firmware>
    <server>
      <method>{{ dect_provisioning_method }}</method>
      <url>{{ dect_provisioning_url }}</url>
    </server>
    <users>
      <check>true</check>
    </users>
  </provisioning>
  <sip>
    <defaultdomain>{{ dect_settings.sip.defaultdomain }}</defaultdomain>
    <localport>{{ dect_settings.sip.localport }}</localport>
  </sip>
</config>
"""

USERS_TEMPLATE = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<users>
{% for user in dect_users %}
  <user>
{% for field in ['ipei', 'username', 'localno', 'displayname'] if user[field] is defined %}
    <{{ field }}>{{ user[field] | e }}</{{ field }}>
{% endfor %}
  </user>
{% endfor %}
</users>
"""

PLAIN = """
- name: Users and configuration of each DECT server
  hosts: dect_servers
  gather_facts: false
  vars:
    plain_mac: "{{ dect_mac | replace(':', '') | lower }}"
  tasks:
    - name: Render the users file
      ansible.builtin.template:
        src: "{{ plain_templates }}/users.xml.j2"
        dest: "{{ plain_root }}/{{ plain_mac }}-users.xml"
        mode: "0640"
      delegate_to: "{{ groups['dect_provisioning_servers'] | first }}"
    - name: Render the configuration
      ansible.builtin.template:
        src: "{{ plain_templates }}/config.xml.j2"
        dest: "{{ plain_root }}/{{ plain_mac }}-config.xml"
        mode: "0640"
      delegate_to: "{{ groups['dect_provisioning_servers'] | first }}"
"""


def short_task(name):
    return name[len(ROLE_PREFIX):] if name.startswith(ROLE_PREFIX) else name


# The batch's one write task (run_once, one module call per provisioning host): Ansible shows its
# result on the batch's first DECT server. It is the batch's, not a server's, so it is counted apart.
BATCH_TASK = ROLE_PREFIX + "Publish the batch's documents, one module call per provisioning host"


def results_per_server(output, servers):
    """(most, typical text, carriers): task results (ok/changed/failed, not skipped) of each DECT
    server without the batch's write task, and how many servers show that task."""
    results = task_results(output)
    counts, carriers = {}, 0
    for host in servers:
        done = [(name, status) for name, status in results.get(host, {}).items()
                if status != "skipping" and name != BATCH_TASK]
        carriers += BATCH_TASK in results.get(host, {})
        counts[host] = done
    most = max(len(done) for done in counts.values())
    typical = counts[servers[-1]]
    return most, ", ".join("%s (%s)" % (short_task(name), status) for name, status in typical), carriers


def require(condition, message):
    if not condition:
        raise AssertionError(message)


def forks_args(forks):
    return ("-f", str(forks))


def bench_collection(lab, names, forks, extra_args=()):
    """Time site.yml's first run and its no-op re-run; both must succeed, the re-run change nothing."""
    first_s, first = timed(lab.playbook, *(forks_args(forks) + tuple(extra_args)), env=ENV)
    require(first.rc == 0, "site.yml first run failed:\n%s" % first.output[-4000:])
    again_s, again = timed(lab.playbook, *(forks_args(forks) + tuple(extra_args)), env=ENV)
    require(again.rc == 0, "site.yml re-run failed:\n%s" % again.output[-4000:])
    changed = {host: again.recap(host)["changed"] for host in names + list(OTHER_HOSTS)
               if again.recap(host).get("changed")}
    require(not changed, "the no-op re-run changed something: %s" % changed)
    return dict(first_s=first_s, first=first, again_s=again_s, again=again)


def bench_plain(lab, workdir, forks):
    """Time the plain playbook's first run and no-op re-run against the same provisioning host."""
    templates = workdir / "plain-templates"
    templates.mkdir(exist_ok=True)
    (templates / "config.xml.j2").write_text(CONFIG_TEMPLATE)
    (templates / "users.xml.j2").write_text(USERS_TEMPLATE)
    plain_root = workdir / "plain-root"
    plain_root.mkdir(exist_ok=True)
    extra = {"plain_root": str(plain_root), "plain_templates": str(templates)}
    first_s, first = timed_playbook(PLAIN, lab.dir, "plain-site", inventory=lab.inventory, extra_vars=extra,
                                    args=forks_args(forks), env=ENV)
    again_s, again = timed_playbook(PLAIN, lab.dir, "plain-site", inventory=lab.inventory, extra_vars=extra,
                                    args=forks_args(forks), env=ENV)
    return dict(first_s=first_s, first=first, again_s=again_s, again=again)


def rows(servers, ours, plain, forks, label=""):
    n = len(servers)
    dummy, first_tasks, dummy = results_per_server(ours["first"].stdout, servers)
    again_most, again_tasks, carriers = results_per_server(ours["again"].stdout, servers)
    plain_most, dummy, dummy = results_per_server(plain["again"].stdout, servers)
    what = "plain: template users + config per server, delegated to the provisioning host (SSH, become)"
    return [
        row("site.yml first run, %d DECT servers%s" % (n, label), ours["first_s"], what, plain["first_s"],
            "forks %d; everything fresh: firmware, option 66, %d users + %d config files, check-sync; ours also "
            "runs the provisioning_server, firmware and dhcp plays; task results per server: %s"
            % (forks, n, n, first_tasks)),
        row("site.yml no-op re-run, %d DECT servers%s" % (n, label), ours["again_s"], "the plain playbook's no-op re-run",
            plain["again_s"],
            "forks %d; PLAY RECAP changed=0 on every host (checked); at most %d task results per DECT server (%s;"
            " the batch's one write task is shown on %d server(s), its first); plain: %d per server"
            % (forks, again_most, again_tasks, carriers, plain_most)),
    ]


def large_rows(servers, ours, forks, label):
    """The large site is measured against the 60 s budget of its no-op re-run, not against a plain run
    (2,000 template tasks over SSH take longer than the whole benchmark should)."""
    n = len(servers)
    most, tasks, carriers = results_per_server(ours["again"].stdout, servers)
    return [
        row("site.yml first run, %d DECT servers%s" % (n, label), ours["first_s"], "-", None, "forks %d" % forks),
        row("site.yml no-op re-run, %d DECT servers%s" % (n, label), ours["again_s"], "budget: 60 s", 60.0,
            "forks %d; PLAY RECAP changed=0 on every host (checked); at most %d task results per DECT server (%s;"
            " the batch's one write task is shown on %d server(s), its first)" % (forks, most, tasks, carriers)),
    ]


def progress(text, started):
    sys.stderr.write("bench_site: %s after %.0fs\n" % (text, time.monotonic() - started))
    sys.stderr.flush()


def site(workdir, servers, forks, emulators, label, started, plain=True):
    with SshHost(workdir) as host:
        lab = SiteLab(workdir / ("lab-%d" % servers), prov_connection=host.inventory_vars)
        try:
            lab.up(servers, history=False, emulators=emulators)
            progress("%d servers ready" % servers, started)
            names = [server["name"] for server in lab.state["servers"]]
            extra = () if emulators else ("-e", '{"dect_server_check_sync": false}')
            ours = bench_collection(lab, names, forks, extra)
            progress("site.yml first run and no-op re-run done", started)
            if not plain:
                return large_rows(names, ours, forks, label)
            plain = bench_plain(lab, workdir / ("plain-%d" % servers), forks)
            progress("plain playbook done", started)
            return rows(names, ours, plain, forks, label)
        finally:
            lab.down()


def run(workdir):
    started = time.monotonic()
    # nginx's workers must traverse the (0700) temporary directory to the root.
    os.chmod(workdir, 0o755)
    (workdir / ("plain-%d" % SERVERS)).mkdir()
    out = site(workdir, SERVERS, FORKS, True, "", started)
    if LARGE:
        out += site(workdir, 1000, 25, False, " (no emulators, check-sync off)", started, plain=False)
    return out

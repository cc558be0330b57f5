"""playbooks/site.yml for a 100-DECT-server site on this machine: first run, no-op re-run, tasks per server.

The site is tests/lab/site_lab.py without its history (``up(history=False)``): nginx on 127.0.0.1 from
the config the provisioning_server role rendered, the dnsmasq option 66 file checked by
``dnsmasq --test``, and one DECT server emulator per server, booted in factory state with nothing
staged, each answering SIP NOTIFY on its own port. Only 127.0.0.1 is used.

Compared, in the same run and against the same inventory and emulators, with the playbook a user would
write without the collection (PLAIN below): ansible.builtin.copy of the firmware image and its .ver,
ansible.builtin.template of each server's users and config XML from hand-written Jinja templates, and
a handler running one ``python3 -c`` command per server that sends a SIP NOTIFY check-sync datagram and
prints the answer's status line. No validation of any kind. ``BENCH_SITE_SERVERS`` overrides the
number of servers for quick trials; ``BENCH_SITE_PLAIN_RERUN=1`` also times the plain playbook's
no-op re-run (another ~80 s for 100 servers). After the timed runs every emulator is power-cycled
(untimed) and must boot into the firmware, config and users the first run staged.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import OrderedDict

from benchmarks.common import row, timed, timed_playbook
from tests.lab.site_lab import OLD_FIRMWARE, SiteLab

SERVERS = int(os.environ.get("BENCH_SITE_SERVERS", "100"))
# The plain playbook's no-op re-run costs about as much as its first run (80 s for 100 servers here):
# off by default to keep the benchmark near 5 minutes; BENCH_SITE_PLAIN_RERUN=1 measures it too.
PLAIN_RERUN = os.environ.get("BENCH_SITE_PLAIN_RERUN", "0") == "1"
OTHER_HOSTS = ("prov-local", "dhcp-local", "localhost")
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

# What a user would paste into a command task: one UDP datagram, wait up to 2 s, print the status line.
NOTIFY_SCRIPT = """\
import socket, sys, uuid
host, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.bind(("127.0.0.1", 0))
tag = uuid.uuid4().hex
msg = ("NOTIFY sip:%s@%s:%d SIP/2.0\\r\\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\\r\\n"
       "Max-Forwards: 70\\r\\nFrom: <sip:provisioning@127.0.0.1>;tag=%s\\r\\n"
       "To: <sip:%s@%s>\\r\\nCall-ID: %s@127.0.0.1\\r\\nCSeq: 1 NOTIFY\\r\\n"
       "Event: check-sync\\r\\nContent-Length: 0\\r\\n\\r\\n"
       % (user, host, port, s.getsockname()[1], tag, tag[:8], user, host, tag))
s.sendto(msg.encode(), (host, port))
print(s.recv(4096).split(b"\\r\\n")[0].decode())
"""

PLAIN = """
- name: Stage the firmware
  hosts: dect_provisioning_servers
  gather_facts: false
  tasks:
    - name: Create the provisioning root
      ansible.builtin.file:
        path: "{{ plain_root }}"
        state: directory
        mode: "0755"
    - name: Copy each firmware image
      ansible.builtin.copy:
        src: "{{ item.value.src }}"
        dest: "{{ plain_root }}/{{ item.key }}.bin"
        mode: "0644"
      loop: "{{ dect_firmware | dict2items }}"
    - name: Write each firmware version file
      ansible.builtin.copy:
        content: "{{ item.value.version }}"
        dest: "{{ plain_root }}/{{ item.key }}.bin.ver"
        mode: "0644"
      loop: "{{ dect_firmware | dict2items }}"

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
        mode: "0644"
      delegate_to: "{{ groups['dect_provisioning_servers'] | first }}"
      notify: Send check-sync
    - name: Render the configuration
      ansible.builtin.template:
        src: "{{ plain_templates }}/config.xml.j2"
        dest: "{{ plain_root }}/{{ plain_mac }}-config.xml"
        mode: "0644"
      delegate_to: "{{ groups['dect_provisioning_servers'] | first }}"
      notify: Send check-sync
  handlers:
    - name: Send check-sync
      ansible.builtin.command:
        argv: [/usr/bin/python3, -c, "{{ plain_notify }}", "{{ dect_sip_host }}", "{{ dect_sip_port }}",
               "{{ dect_users[0].username }}"]
      delegate_to: localhost
      changed_when: true
"""

TASK_LINE = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$")
RESULT_LINE = re.compile(r"^(ok|changed|skipping|failed|fatal): \[([^\]\s]+)")
STATUS_RANK = {"skipping": 0, "ok": 1, "changed": 2, "failed": 3, "fatal": 3}


def task_results(output):
    """{host: OrderedDict(task name: status)} from ansible-playbook's default output (loop items merged)."""
    results, task = {}, None
    for line in output.splitlines():
        heading = TASK_LINE.match(line)
        if heading:
            task = heading.group(1)
            continue
        result = RESULT_LINE.match(line)
        if result and task:
            status, host = result.groups()
            tasks = results.setdefault(host, OrderedDict())
            if STATUS_RANK[status] >= STATUS_RANK.get(tasks.get(task), -1):
                tasks[task] = status
    return results


def short_task(name):
    name = name[len(ROLE_PREFIX):] if name.startswith(ROLE_PREFIX) else name
    return "argument spec check" if name.startswith("Validating arguments") else name


def describe_tasks(results, hosts):
    """(count, text) of the task results every host in ``hosts`` had; fails if the hosts differ."""
    shapes = {tuple(results.get(host, {}).items()) for host in hosts}
    if len(shapes) != 1:
        raise AssertionError("DECT servers ran different tasks: %s" % sorted(shapes))
    shape = shapes.pop()
    return len(shape), ", ".join("%s (%s)" % (short_task(name), status) for name, status in shape)


def recap_counts(run, hosts):
    return {host: run.recap(host) for host in hosts}


def notifies(lab):
    """Per DECT server: check-sync NOTIFYs its emulator answered 200 so far."""
    return {name: rec.check_syncs(rec.sip()) for name, rec in lab.emulators().items()}


def new_notifies(before, after):
    return {name: after[name] - before.get(name, 0) for name in after}


def require(condition, message):
    if not condition:
        raise AssertionError(message)


def same_files(lab, plain_root):
    """How many of the plain run's files have the bytes the collection staged."""
    names = ["kws.bin", "kws.bin.ver"]
    for server in lab.state["servers"]:
        mac = server["mac"].replace(":", "")
        names += ["%s-config.xml" % mac, "%s-users.xml" % mac]
    same = sum(1 for name in names if (lab.dir / "root" / name).read_bytes() == (plain_root / name).read_bytes())
    return same, len(names)


def bench_collection(lab, names):
    """Time site.yml's first run and its no-op re-run; check both against the recap and the emulators."""
    before = notifies(lab)
    first_s, first = timed(lab.playbook)
    require(first.rc == 0, "site.yml first run failed:\n%s" % first.output[-4000:])
    sent = new_notifies(before, notifies(lab))
    require(set(sent.values()) == {1}, "first run: NOTIFYs answered per server: %s" % sent)
    first_recap = recap_counts(first, names + list(OTHER_HOSTS))

    before = notifies(lab)
    again_s, again = timed(lab.playbook)
    require(again.rc == 0, "site.yml re-run failed:\n%s" % again.output[-4000:])
    again_recap = recap_counts(again, names + list(OTHER_HOSTS))
    changed = {host: counts["changed"] for host, counts in again_recap.items() if counts.get("changed")}
    require(not changed, "the no-op re-run changed something: %s" % changed)
    resent = {name: n for name, n in new_notifies(before, notifies(lab)).items() if n}
    require(not resent, "the no-op re-run sent NOTIFYs: %s" % resent)
    return dict(first_s=first_s, first=first, first_recap=first_recap, again_s=again_s, again=again,
                again_recap=again_recap)


def bench_plain(lab, workdir, names):
    """Time the plain playbook's first run and re-run against the same inventory and emulators."""
    templates = workdir / "plain-templates"
    templates.mkdir()
    (templates / "config.xml.j2").write_text(CONFIG_TEMPLATE)
    (templates / "users.xml.j2").write_text(USERS_TEMPLATE)
    plain_root = workdir / "plain-root"
    extra = {"plain_root": str(plain_root), "plain_templates": str(templates), "plain_notify": NOTIFY_SCRIPT}

    before = notifies(lab)
    first_s, first = timed_playbook(PLAIN, lab.dir, "plain-site", inventory=lab.inventory, extra_vars=extra)
    sent = new_notifies(before, notifies(lab))
    require(set(sent.values()) == {1}, "plain first run: NOTIFYs answered per server: %s" % sent)
    result = dict(first_s=first_s, first=first, again_s=None, same=same_files(lab, plain_root))
    if PLAIN_RERUN:
        before = notifies(lab)
        result["again_s"], again = timed_playbook(PLAIN, lab.dir, "plain-site", inventory=lab.inventory,
                                                  extra_vars=extra)
        changed = {h: c["changed"] for h, c in recap_counts(again, names).items() if c.get("changed")}
        require(not changed, "the plain re-run changed something: %s" % changed)
        require(not any(new_notifies(before, notifies(lab)).values()), "the plain re-run sent NOTIFYs")
    return result


def verify_devices(lab):
    """Power-cycle every emulator (untimed): each must boot into what the first run staged."""
    lab.power_cycle()
    stale = lab.wait_until_provisioned(OLD_FIRMWARE, timeout=30.0)
    require(not stale, "not provisioned from the staged files after a power cycle: %s" % ", ".join(stale))


def rows(servers, ours, plain):
    n = len(servers)
    ours_count, ours_tasks = describe_tasks(task_results(ours["first"].stdout), servers)
    again_count, again_tasks = describe_tasks(task_results(ours["again"].stdout), servers)
    plain_count, plain_tasks = describe_tasks(task_results(plain["first"].stdout), servers)
    recap = ours["first_recap"][servers[0]]
    require(ours_count == recap["ok"] + recap["skipped"],
            "task lines (%d) disagree with the recap %s" % (ours_count, recap))
    same, files = plain["same"]
    plain_what = ("plain playbook: copy firmware .bin/.ver, template users+config XML per server, "
                  "1 python3 -c NOTIFY command per changed server, no validation")
    return [
        row("site.yml first run, %d DECT servers" % n, ours["first_s"], plain_what, plain["first_s"],
            "everything staged fresh on a prepared provisioning host (firmware, option 66 via dnsmasq --test, "
            "%d users + %d config files), check-sync answered 200 by all %d emulators; ours also runs the "
            "provisioning_server and dhcp roles, the plain playbook does not; plain files byte-identical to "
            "ours: %d/%d" % (n, n, n, same, files)),
        row("site.yml no-op re-run, %d DECT servers" % n, ours["again_s"],
            "the plain playbook re-run" if PLAIN_RERUN else "plain re-run not measured (BENCH_SITE_PLAIN_RERUN=1)",
            plain["again_s"],
            "PLAY RECAP changed=0 on all %d hosts and no emulator received another NOTIFY (checked)%s"
            % (n + len(OTHER_HOSTS), "; the plain re-run too" if PLAIN_RERUN else "")),
        row("site.yml task results per DECT server: %d" % ours_count, ours["first_s"] / n,
            "plain: %d per server" % plain_count, plain["first_s"] / n,
            "seconds are first-run seconds per server; recap ok+skipped per dect_servers host (ok already "
            "counts changed): %s; no-op re-run: %d (%s); plus 1 check_sync task on localhost for all %d; "
            "plain: %s" % (ours_tasks, again_count, again_tasks, n, plain_tasks)),
    ]


def progress(text, started):
    sys.stderr.write("bench_site: %s after %.0fs\n" % (text, time.monotonic() - started))
    sys.stderr.flush()


def run(workdir):
    started = time.monotonic()
    # nginx's workers run as www-data: they must traverse the (0700) temporary directory to the root.
    os.chmod(workdir, 0o755)
    lab = SiteLab(workdir / "lab")
    try:
        lab.up(SERVERS, history=False)
        progress("%d emulators booted, nginx serving" % SERVERS, started)
        servers = [server["name"] for server in lab.state["servers"]]
        ours = bench_collection(lab, servers)
        progress("site.yml first run and no-op re-run done", started)
        plain = bench_plain(lab, workdir, servers)
        progress("plain playbook done", started)
        verify_devices(lab)
        progress("power cycle: every emulator booted into the staged files", started)
        return rows(servers, ours, plain)
    finally:
        lab.down()

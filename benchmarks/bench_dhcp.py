"""dhcp_option66: option 66 for 1,000 DECT servers in one config, per backend.

Two measurements per backend, each against its plain alternative in the same run:

- in-process: check + render (module_utils._dhcp) + the daemon's test mode on the result, against the
  daemon's test mode alone on the same file (the part no tool can avoid);
- playbook: one ``dect.provisioning.dhcp_option66`` task against what a user would otherwise write,
  ``ansible.builtin.template`` of the same file with ``validate:`` running the same test mode.

Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking): they are only written into config files;
no packet is sent.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import statistics
import subprocess

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import make_plan
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.run import get_backend
from benchmarks.common import row, timed, timed_playbook

SERVERS = 1000
ROUNDS = 3  # each measurement is the median of this many runs
URL = "https://prov.example.com/dect"
BINARIES = {"isc": "dhcpd", "kea": "kea-dhcp4", "dnsmasq": "dnsmasq"}

KEA_BASE = """// benchmark site
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "*" ] },
    "lease-database": { "type": "memfile", "persist": false },
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/22", // %d DECT servers
        "pools": [ { "pool": "198.18.3.200 - 198.18.3.250" } ],
        "reservations": [
        ]
      }
    ]
  }
}
""" % SERVERS

# The templates a user would write for the same result (same entries, same option).
PLAIN_TEMPLATES = {
    "isc": """{% for h in hosts %}
host {{ h.name }} {
  hardware ethernet {{ h.mac }};
  fixed-address {{ h.ip }};
  option tftp-server-name "{{ h.url | default(url) }}";
}
{% endfor %}
""",
    "dnsmasq": """{% for h in hosts %}
dhcp-host={{ h.mac }},set:dect-{{ h.name }},{{ h.ip }}
dhcp-option=tag:dect-{{ h.name }},66,"{{ h.url | default(url) }}"
{% endfor %}
""",
    "kea": """{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "*" ] },
    "lease-database": { "type": "memfile", "persist": false },
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/22",
        "pools": [ { "pool": "198.18.3.200 - 198.18.3.250" } ],
        "reservations": [
{% for h in hosts %}
          {"hw-address": "{{ h.mac }}", "ip-address": "{{ h.ip }}",
           "option-data": [{"name": "tftp-server-name",
                            "data": "{{ (h.url | default(url)) | replace(',', '\\\\\\\\,') }}"}]}{{ '' if loop.last else ',' }}
{% endfor %}
        ]
      }
    ]
  }
}
""",
}
VALIDATE = {"isc": "dhcpd -t -cf %s", "dnsmasq": "dnsmasq --test --conf-file=%s", "kea": "kea-dhcp4 -t %s"}

OURS = """
- name: dhcp_option66
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Option 66 for every DECT server
      dect.provisioning.dhcp_option66:
        backend: {backend}
        path: "{{{{ out }}}}"
        url: "{{{{ url }}}}"
        hosts: "{{{{ hosts }}}}"
"""

PLAIN = """
- name: template + daemon test mode
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Template the same file, validated by the daemon
      ansible.builtin.template:
        src: "{{{{ template }}}}"
        dest: "{{{{ out }}}}"
        mode: "0644"
        validate: "{validate}"
"""


def servers(count=SERVERS):
    first = ipaddress.IPv4Address("198.18.0.10")
    return [{"name": "dect-%04d" % i, "mac": "00:13:d1:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255),
             "ip": str(first + i)} for i in range(count)]


def median_seconds(func, *args, **kwargs):
    return statistics.median(timed(func, *args, **kwargs)[0] for _round in range(ROUNDS))


def run_daemon_test(backend, path):
    argv = get_backend(backend).validate_argv(shutil.which(BINARIES[backend]), str(path))
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("%s rejected the benchmark config:\n%s%s" % (argv, proc.stdout, proc.stderr))


def in_process(backend, hosts, workdir):
    """Check + render + daemon test of our candidate, and the daemon test alone on the same bytes."""
    path = workdir / ("inproc-%s.conf" % backend)
    live = KEA_BASE if backend == "kea" else None

    def ours():
        plan = make_plan(hosts, URL, "host")
        path.write_text(get_backend(backend).candidate(live, plan))
        run_daemon_test(backend, path)

    render_seconds = median_seconds(lambda: get_backend(backend).candidate(live, make_plan(hosts, URL, "host")))
    seconds = median_seconds(ours)
    baseline = median_seconds(run_daemon_test, backend, path)
    return row("dhcp %s %d servers: render+validate" % (backend, len(hosts)), seconds,
               "the daemon's test mode alone on the same file", baseline,
               "check+render %.0f ms, file %d KiB" % (render_seconds * 1000, path.stat().st_size // 1024))


def playbook(backend, hosts, workdir):
    vars_file = workdir / "vars.json"
    vars_file.write_text(json.dumps({"hosts": hosts, "url": URL}))
    ours_out = workdir / ("ours-%s.conf" % backend)
    template = workdir / ("plain-%s.j2" % backend)
    template.write_text(PLAIN_TEMPLATES[backend])
    args = ("-e", "@%s" % vars_file)

    def ours():
        if backend == "kea":
            ours_out.write_text(KEA_BASE)
        elif ours_out.exists():
            ours_out.unlink()
        return timed_playbook(OURS.format(backend=backend), workdir, "ours-%s" % backend, args=args,
                              extra_vars={"out": str(ours_out)})[0]

    def plain():
        if plain_out.exists():
            plain_out.unlink()
        return timed_playbook(PLAIN.format(validate=VALIDATE[backend]), workdir, "plain-%s" % backend,
                              args=args, extra_vars={"out": str(plain_out), "template": str(template)})[0]

    plain_out = workdir / ("plain-%s.conf" % backend)
    # Alternate the two so that neither profits from a warmer cache; every run writes the file anew.
    pairs = [(ours(), plain()) for _round in range(ROUNDS)]
    seconds = statistics.median(p[0] for p in pairs)
    baseline = statistics.median(p[1] for p in pairs)
    return row("dhcp_option66 %s %d servers: playbook" % (backend, len(hosts)), seconds,
               "ansible.builtin.template, validate: %s" % VALIDATE[backend].replace("%s", "FILE"), baseline,
               "ours also checks every value and keeps the rest of the file" if backend == "kea"
               else "ours also checks every value (URL, MAC, IP, name)")


def run(workdir):
    os.makedirs("/run/kea", exist_ok=True)  # kea-dhcp4 -t needs it
    hosts = servers()
    rows = []
    for backend in ("isc", "kea", "dnsmasq"):
        if shutil.which(BINARIES[backend]) is None:
            rows.append(row("dhcp %s" % backend, None, "", None, "skipped: %s not installed" % BINARIES[backend]))
            continue
        rows.append(in_process(backend, hosts, workdir))
        rows.append(playbook(backend, hosts, workdir))
    return rows

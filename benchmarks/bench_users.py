"""users_xml: a 4,096-user file, validated and rendered.

Compared, in the same run, with what a user would otherwise write: ``ansible.builtin.template`` of
the same document followed by ``xmllint --noout`` (well-formedness only: no field rules, no
duplicates, no IPEI check digit). The template is handed the users already normalised (IPEIs spaced,
booleans spelled true/false), which is generous to it: the module gets them as typed in inventory.
"""

from __future__ import annotations

import json
import subprocess

from jinja2 import Environment

from ansible_collections.dect.provisioning.plugins.module_utils import users as U
from benchmarks.common import row, timed, timed_playbook

USERS = 4096
IN_PROCESS_ROUNDS = 5
PLAYBOOK_ROUNDS = 3

TEMPLATE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<users>
{% for user in site_records %}
  <user>
{% for field in fields if field in user %}
    <{{ field }}>{{ user[field] | string | replace('&', '&amp;') | replace('<', '&lt;') | replace('>', '&gt;') }}</{{ field }}>
{% endfor %}
  </user>
{% endfor %}
</users>
"""

OURS = """
- name: users_xml
  hosts: localhost
  gather_facts: false
  vars_files: ["{{ playbook_dir }}/site.json"]
  tasks:
    - name: Validate and render
      dect.provisioning.users_xml:
        path: "{{ playbook_dir }}/out/ours-users.xml"
        model: "6500"
        users: "{{ site_users }}"
        mode: "0640"
"""

PLAIN = """
- name: template + xmllint
  hosts: localhost
  gather_facts: false
  vars_files: ["{{ playbook_dir }}/site.json"]
  tasks:
    - name: Render
      ansible.builtin.template:
        src: "{{ playbook_dir }}/users.xml.j2"
        dest: "{{ playbook_dir }}/out/plain-users.xml"
        mode: "0640"
    - name: Check well-formedness
      ansible.builtin.command: xmllint --noout {{ playbook_dir }}/out/plain-users.xml
      changed_when: false
"""


def site(count=USERS):
    """Users as typed in inventory: IPEIs without the space, YAML-style booleans."""
    return [{"ipei": "%05d%07d" % (77, n), "username": str(10000 + n), "standbytext": str(10000 + n),
             "displayname": "Ward %d bed %d" % (n // 32, n % 32), "authuser": "dect%d" % n,
             "authpassword": "pw-%06d" % n, "disabled": "no" if n % 50 else "yes"}
            for n in range(count)]


def _in_process(users):
    def ours():
        U.render(U.validate(users, "ipdect", strict=True).records)

    records = U.validate(users, "ipdect").records
    template = Environment(trim_blocks=True, keep_trailing_newline=True).from_string(TEMPLATE)

    def plain(path):
        path.write_text(template.render(site_records=records, fields=[f.name for f in U.FIELDS]))
        subprocess.run(["xmllint", "--noout", str(path)], check=True)

    return ours, plain


def _best(func, rounds, *args):
    return min(timed(func, *args)[0] for _round in range(rounds))


def run(workdir):
    users = site()
    ours_fn, plain_fn = _in_process(users)
    ours_in = _best(ours_fn, IN_PROCESS_ROUNDS)
    plain_in = _best(plain_fn, IN_PROCESS_ROUNDS, workdir / "inproc-plain.xml")

    records = U.validate(users, "ipdect").records
    site_vars = {"site_users": users, "site_records": records, "fields": [f.name for f in U.FIELDS]}
    (workdir / "site.json").write_text(json.dumps(site_vars))
    (workdir / "users.xml.j2").write_text(TEMPLATE)
    out = workdir / "out"
    out.mkdir()
    ours_times, plain_times = [], []
    for _round in range(PLAYBOOK_ROUNDS):   # interleaved, so load from elsewhere hits both alike
        for path in out.iterdir():
            path.unlink()
        ours_times.append(timed_playbook(OURS, workdir, "ours")[0])
        plain_times.append(timed_playbook(PLAIN, workdir, "plain")[0])
    same = (out / "ours-users.xml").read_bytes() == (out / "plain-users.xml").read_bytes()
    size = (out / "ours-users.xml").stat().st_size
    return [
        row("users_xml %d users: validate+render in-process" % USERS, ours_in,
            "Jinja2 render + xmllint --noout", plain_in,
            "best of %d; %.0f us per user" % (IN_PROCESS_ROUNDS, ours_in / USERS * 1e6)),
        row("users_xml %d users via ansible-playbook" % USERS, min(ours_times),
            "template + xmllint --noout", min(plain_times),
            "best of %d playbook runs each, interleaved; %d bytes; same bytes as the template: %s"
            % (PLAYBOOK_ROUNDS, size, same)),
    ]

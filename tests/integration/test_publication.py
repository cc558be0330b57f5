"""The publication engine through ansible-playbook, as site.yml drives it (the dect_server role's
publication steps), against a local provisioning root: each DECT server keeps its own result while
the batch is written in one module call per provisioning host."""

from __future__ import annotations

import json
import os
import stat

import pytest

from devtools.ansible_runner import PLAYBOOK_PYTHON, SYSTEM_PYTHON
from devtools.procs import wait_for

SIP_PASSWORD = "Sip-Pw-8c1d77"
USER_PASSWORD = "Usr-Pw-51aa09"
PLAYBOOK = """
- name: Publish the DECT servers' documents as site.yml does (without its check-sync play)
  hosts: dect_servers
  gather_facts: false
  serial: "{{ batch | default('100%') }}"
  max_fail_percentage: "{{ max_fail | default(100) }}"
  tasks:
    - name: Publication steps
      ansible.builtin.import_role:
        name: dect.provisioning.dect_server
        tasks_from: publish
      vars:
        dect_server_check_sync_batch: true
        # Nothing notifies here: a server published but never notified would stay pending (and
        # changed) run after run, as it should in a site without its check-sync play.
        dect_server_check_sync: false
"""


def server(index, **extra):
    host = {"dect_mac": "00:13:d1:80:00:%02x" % index, "dect_model": "6500" if index % 2 else "8000",
            "dect_settings_host": {"network": {"hostname": "ward-%d" % index, "bootproto": "dhcp"}}}
    host.update(extra)
    return host


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    servers = {"s%d" % i: server(i) for i in range(1, 5)}
    servers["s1"]["dect_users"] = [{"username": "1001", "ipei": "00077 0000001", "authpassword": USER_PASSWORD}]
    servers["s1"]["dect_settings_host"]["sip"] = {"auth": {"username": "dect", "password": SIP_PASSWORD}}

    def write(**changes):
        hosts = json.loads(json.dumps(servers))
        for name, values in changes.items():
            hosts[name].update(values)
        inventory = {"all": {
            "vars": {"dect_provisioning_url": "http://192.0.2.1/dect", "ansible_connection": "local",
                     "ansible_python_interpreter": PLAYBOOK_PYTHON},
            "children": {
                "dect_provisioning_servers": {"hosts": {"prov": {
                    "ansible_python_interpreter": SYSTEM_PYTHON, "dect_provisioning_root": str(root),
                    "dect_provisioning_group": "root"}}},
                "dect_servers": {"hosts": hosts}}}}
        path = tmp_path / "inventory.json"
        path.write_text(json.dumps(inventory))
        return path

    (tmp_path / "site.yml").write_text(PLAYBOOK)
    return tmp_path, root, write


def names(root):
    return sorted(p.name for p in root.iterdir())


BAD = {"dect_settings_host": {"network": {"bootproto": "maybe"}, "sip": {"localport": 70000}}}


def test_an_invalid_server_fails_alone_naming_every_error(play, site):
    tmp_path, root, write = site
    result = play(PLAYBOOK, inventory=write(s3=BAD))
    assert result.rc == 2
    assert result.recap("s3")["failed"] == 1
    assert "network.bootproto: value 'maybe' is not allowed: allowed are dhcp, static" in result.stdout
    assert "sip.localport: value '70000' is out of range" in result.stdout
    for name in ("s1", "s2", "s4"):
        assert result.recap(name)["failed"] == 0 and result.recap(name)["changed"] == 1
    assert names(root) == ["0013d1800001-config.xml", "0013d1800001-users.xml", "0013d1800002-config.xml",
                           "0013d1800004-config.xml"]
    for path in root.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_render_step_warnings_name_the_dect_server(play, site):
    tmp_path, root, write = site
    typo = {"dect_settings_host": {"network": {"hostname": "ward-2", "bootproto": "dhcp"},
                                   "sip": {"proxy": {"domian": "pbx.example"}}}}
    result = play(PLAYBOOK, inventory=write(s2=typo), check=True)
    assert result.rc == 0, result.output
    assert ("[WARNING]: s2: sip.proxy.domian: unknown parameter, rendered as given (not in the guide's Appendix A);"
            " did you mean `sip.proxy.domain`?") in result.output
    # s1's SIP password is typed into this test inventory as plain text
    assert "[WARNING]: s1: dect_settings_host.sip.auth.password is a secret typed into inventory as plain text" \
        in result.output
    assert SIP_PASSWORD not in result.output


RESOLVED_TWO_WAYS = """
- name: The render step resolving the server itself, and given the lookup's result
  hosts: dect_servers
  gather_facts: false
  tasks:
    - name: Render, resolving the server in the action
      dect.provisioning.publish:
        step: render
      register: by_action

    - name: Keep the record the action set
      ansible.builtin.set_fact:
        record_by_action: "{{ ansible_facts.dect_server_record }}"

    - name: Render, given the lookup's result
      dect.provisioning.publish:
        step: render
        server: "{{ lookup('dect.provisioning.dect_server') }}"
      register: by_lookup

    - name: Both ways give the same documents and record
      ansible.builtin.assert:
        that:
          - by_action.documents == by_lookup.documents
          - by_action.documents.config.checksum is string
          - record_by_action == ansible_facts.dect_server_record
          - record_by_action.mac == dect_mac | replace(':', '')
"""


def test_the_render_step_resolves_a_server_as_the_lookup_does(play, site):
    """Given no server, the render step resolves it in its action plugin (what the role does): the same
    documents and record as the lookup's result gives; the same inventory warning and the same error."""
    tmp_path, root, write = site
    result = play(RESOLVED_TWO_WAYS, inventory=write(), check=True)
    assert result.rc == 0, result.output
    # Ansible prints a repeated warning once: the action's and the lookup's are the same text.
    assert ("[WARNING]: s1: dect_settings_host.sip.auth.password is a secret typed into inventory as plain text"
            in result.output)
    assert SIP_PASSWORD not in result.output and USER_PASSWORD not in result.output
    # A missing MAC: the same message both ways, naming the variable.
    result = play(RESOLVED_TWO_WAYS, inventory=write(s2={"dect_mac": ""}), check=True)
    assert result.recap("s2")["failed"] == 1
    assert "dect.provisioning.dect_server: " in result.output and "dect_mac" in result.output


def test_check_mode_and_diff_write_nothing_and_show_parameters_with_secrets_masked(play, site):
    tmp_path, root, write = site
    result = play(PLAYBOOK, inventory=write(), check=True, diff=True, verbosity=3)
    assert result.rc == 0, result.output
    assert all(result.recap(name)["changed"] == 1 for name in ("s1", "s2", "s3", "s4"))
    assert names(root) == []
    assert "+network.hostname = ward-3" in result.stdout and "+sip.auth.password = ********" in result.stdout
    assert SIP_PASSWORD not in result.output and USER_PASSWORD not in result.output


def test_limit_publishes_only_the_selected_servers_and_rerun_is_a_no_op(play, site):
    tmp_path, root, write = site
    inventory = write()
    first = play(PLAYBOOK, inventory=inventory, args=("-l", "s2,s4"))
    assert first.rc == 0, first.output
    assert names(root) == ["0013d1800002-config.xml", "0013d1800004-config.xml"]
    mtimes = {p.name: p.stat().st_mtime_ns for p in root.iterdir()}
    again = play(PLAYBOOK, inventory=inventory, args=("-l", "s2,s4"))
    assert again.rc == 0 and again.recap("s2")["changed"] == 0 and again.recap("s4")["changed"] == 0
    assert {p.name: p.stat().st_mtime_ns for p in root.iterdir()} == mtimes


def test_serial_batches_stop_at_the_failure_threshold(play, site):
    tmp_path, root, write = site
    inventory = write(s2=BAD)
    stopped = play(PLAYBOOK, inventory=inventory, extra_vars={"batch": 2, "max_fail": 0})
    assert stopped.rc == 2
    # Batch 1 (s1, s2) exceeds 0%: the play stops after the render step, before anything of the
    # batch is written (no server half published), and batch 2 (s3, s4) never starts.
    assert names(root) == []
    assert "s3" not in stopped.stdout and "s4" not in stopped.stdout
    tolerated = play(PLAYBOOK, inventory=inventory, extra_vars={"batch": 2, "max_fail": 50})
    assert tolerated.rc == 2 and tolerated.recap("s2")["failed"] == 1
    assert names(root) == ["0013d1800001-config.xml", "0013d1800001-users.xml", "0013d1800003-config.xml",
                           "0013d1800004-config.xml"]


def test_a_symlink_at_one_servers_file_fails_that_server_only(play, site, tmp_path):
    tmp_dir, root, write = site
    secret = tmp_path / "secret.txt"
    secret.write_text("root-only-content-29f3")
    os.chmod(secret, 0o600)
    os.symlink(secret, root / "0013d1800002-config.xml")
    result = play(PLAYBOOK, inventory=write(), diff=True, verbosity=3)
    assert result.rc == 2
    assert result.recap("s2")["failed"] == 1
    assert ("provisioning host prov: %s: is a symlink; refusing to follow it" % (root / "0013d1800002-config.xml")
            in result.stdout)
    assert "root-only-content-29f3" not in result.output and secret.read_text() == "root-only-content-29f3"
    for name in ("s1", "s3", "s4"):
        assert result.recap(name)["failed"] == 0
    assert (root / "0013d1800003-config.xml").is_file() and os.path.islink(root / "0013d1800002-config.xml")


ROLE_ALONE = """
- name: The dect_server role on its own (not batched)
  hosts: dect_servers
  gather_facts: false
  roles:
    - role: dect.provisioning.dect_server
  tasks:
    - name: Show the check-sync mark
      ansible.builtin.debug:
        msg: "mark {{ inventory_hostname }} {{ dect_server_record.pending | ternary(True, 'none') }}"
"""


def test_the_role_alone_notifies_each_changed_server_from_its_handler_once(play, site, peers):
    """Outside site.yml the role sends the NOTIFY itself, one per changed server, and marks it."""
    sipp = peers.sipp("uas_200")
    dummy, dummy, write = site
    sip = {"dect_sip_host": "127.0.0.1", "dect_sip_port": sipp.port}
    inventory = write(s1=sip, s2=dict(sip, dect_users=[{"username": "1002", "localno": "1002", "ipei": "00077 0000002"}]))
    first = play(ROLE_ALONE, inventory=inventory, args=("-l", "s1,s2"))
    assert first.rc == 0, first.output
    assert first.stdout.count("RUNNING HANDLER [dect.provisioning.dect_server : Send check-sync]") == 1
    assert "mark s1 True" in first.stdout and "mark s2 True" in first.stdout
    wait_for(lambda: len(sipp.users()) >= 2, timeout=10, what="two NOTIFYs")
    assert sipp.users() == ["1001", "1002"] and sipp.errors() == ""

    again = play(ROLE_ALONE, inventory=inventory, args=("-l", "s1,s2"))
    assert again.rc == 0 and again.recap("s1")["changed"] == 0 and again.recap("s2")["changed"] == 0
    assert "RUNNING HANDLER" not in again.stdout
    assert "mark s1 none" in again.stdout and "mark s2 none" in again.stdout
    assert sipp.users() == ["1001", "1002"]

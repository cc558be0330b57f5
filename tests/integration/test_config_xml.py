"""config_xml through ansible-playbook against localhost: check, diff, idempotence, backup, mode,
a target interpreter without lxml, and secrets kept out of -vvv output."""

from __future__ import annotations

import json
import stat

import pytest


SIP_PASSWORD = "Sip-S3cret-42"
URL_PASSWORD = "Url-S3cret-77"
SECRETS = {"sip_password": SIP_PASSWORD, "url_password": URL_PASSWORD}
TARGET_NAME = "0013d1800032-config.xml"


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root"
    path.mkdir()
    return path


def run(play, root, inventory=None, **kwargs):
    extra = dict(SECRETS, root=str(root))
    extra.update(kwargs.pop("extra_vars", {}))
    return play("config_xml_present.yml", extra_vars=extra, inventory=inventory, **kwargs)


def test_writes_expected_bytes_on_a_target_without_lxml(play, root, no_lxml_inventory):
    result = run(play, root, inventory=no_lxml_inventory)
    assert result.rc == 0, result.output
    assert result.recap()["changed"] == 1
    written = (root / TARGET_NAME).read_text()
    assert written.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<config>\n')
    assert "    <server>\n      <method>static</method>\n      <url>https://prov:%s@192.0.2.10/dect</url>" % URL_PASSWORD in written
    assert "<check>true</check>" in written and "<interval>60</interval>" in written
    assert "    <users>\n      <check>true</check>\n    </users>" in written  # YAML "yes" -> true
    assert stat.S_IMODE((root / TARGET_NAME).stat().st_mode) == 0o640


def test_second_run_changes_nothing(play, root):
    assert run(play, root).rc == 0
    before = (root / TARGET_NAME).stat().st_mtime_ns
    again = run(play, root)
    assert again.rc == 0, again.output
    assert again.recap()["changed"] == 0
    assert (root / TARGET_NAME).stat().st_mtime_ns == before


def test_check_mode_reports_but_writes_nothing(play, root):
    result = run(play, root, check=True, diff=True)
    assert result.rc == 0, result.output
    assert result.recap()["changed"] == 1
    assert not (root / TARGET_NAME).exists()
    assert "+provisioning.check.interval = 60" in result.stdout


def test_diff_lists_changed_parameters_with_secrets_masked(play, root):
    assert run(play, root).rc == 0
    changed = run(play, root, diff=True, extra_vars={"extra": {"provisioning": {"check": {"interval": 30}}}})
    assert changed.rc == 0, changed.output
    assert "-provisioning.check.interval = 60" in changed.stdout
    assert "+provisioning.check.interval = 30" in changed.stdout
    assert "provisioning.server.url = https://prov:********@192.0.2.10/dect" not in changed.stdout.split("@@")[1]
    assert SIP_PASSWORD not in changed.output and URL_PASSWORD not in changed.output


def test_backup_keeps_the_previous_file_outside_the_root(play, root, tmp_path):
    backup_dir = tmp_path / "backups"
    backup_dir.mkdir()
    assert run(play, root).rc == 0
    original = (root / TARGET_NAME).read_text()
    result = run(play, root, extra_vars={"backup": True, "backup_dir": str(backup_dir),
                                         "extra": {"sip": {"localport": 5070}}})
    assert result.rc == 0, result.output
    backups = list(backup_dir.iterdir())
    assert len(backups) == 1 and backups[0].read_text() == original
    assert backups[0].name.startswith(TARGET_NAME + ".")
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    # The served root holds nothing but the device file.
    assert sorted(p.name for p in root.iterdir()) == [TARGET_NAME]
    assert "<localport>5070</localport>" in (root / TARGET_NAME).read_text()


def test_backup_is_refused_without_a_backup_dir_or_inside_the_root(play, root):
    assert run(play, root).rc == 0
    original = (root / TARGET_NAME).read_bytes()
    missing = run(play, root, extra_vars={"backup": True, "extra": {"sip": {"localport": 5070}}})
    assert missing.rc == 2
    assert "backup_dir: required with backup=true: a directory outside the provisioning root" in missing.stdout
    (root / "old").mkdir()
    inside = run(play, root, extra_vars={"backup": True, "backup_dir": str(root / "old"),
                                         "extra": {"sip": {"localport": 5070}}})
    assert inside.rc == 2
    assert "backup_dir: '%s' is inside the provisioning root" % (root / "old") in inside.stdout
    assert (root / TARGET_NAME).read_bytes() == original
    assert list((root / "old").iterdir()) == []


def test_secrets_absent_from_verbose_output(play, root):
    result = run(play, root, verbosity=3, diff=True)
    assert result.rc == 0, result.output
    assert "********" in result.stdout
    for secret in SECRETS.values():
        assert secret not in result.output


BAD_INPUTS = [
    ({"network": {"bootproto": "maybe"}}, "network.bootproto: value 'maybe' is not allowed: allowed are dhcp, static"),
    ({"provisioning": {"check": {"interval": -5}}},
     "provisioning.check.interval: value '-5' is out of range: allowed integer >= 0 (minutes)"),
    ({"sip": {"localport": 70000}}, "sip.localport: value '70000' is out of range: allowed integer 1..65535"),
    ({"rfp": {"auto": {"start_time": "25:99"}}},
     "rfp.auto.start_time: value '25:99' is not allowed: allowed is 'immediately' or a time hh:mm from 00:00 to 23:59"),
    # a printed family mark (an inferred one, like provisioning.firmware.rfp6, only warns)
    ({"system_event": {"send_date_time": True}},
     "system_event.send_date_time: not supported on 400/6500 (only 2500/8000); use dect.send_date_time there"),
    ({"provisioning": {"server": {"method": "disabled"}}},
     "provisioning.server.method: value 'disabled' cuts the server off from provisioning"),
]


@pytest.mark.parametrize("extra,message", BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_bad_input_fails_and_writes_nothing(play, root, extra, message):
    result = run(play, root, extra_vars={"extra": extra})
    assert result.rc != 0
    assert message in result.stdout, result.output
    assert list(root.iterdir()) == []


def test_every_error_reported_at_once(play, root):
    extra = {"network": {"bootproto": "maybe"}, "sip": {"localport": 70000}}
    result = run(play, root, extra_vars={"extra": extra})
    assert result.rc != 0
    assert "validation failed with 2 error(s), nothing written" in result.stdout
    assert "network.bootproto" in result.stdout and "sip.localport" in result.stdout


NON_DICT = """
- name: Non-dict settings
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Settings given as a list
      dect.provisioning.config_xml:
        path: "{{ root }}/x-config.xml"
        model: "8000"
        settings: [network, bootproto]
"""


def test_non_dict_settings_is_refused(play, root):
    result = play(NON_DICT, extra_vars={"root": str(root)})
    assert result.rc != 0
    assert "settings: must be a dict mirroring the XML under <config>, got list" in result.stdout
    assert list(root.iterdir()) == []


SHORT_MAC = """
- name: Eleven digit MAC
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Config for a mistyped MAC
      dect.provisioning.config_xml:
        dest: "{{ root }}"
        mac: "0013d180003"
        model: "8000"
        settings: {network: {bootproto: static}}
"""


def test_eleven_digit_mac_is_refused(play, root):
    result = play(SHORT_MAC, extra_vars={"root": str(root)})
    assert result.rc != 0
    assert "mac: '0013d180003' is not a MAC address: expected 12 hex digits" in result.stdout
    assert list(root.iterdir()) == []


ROUND_TRIP = """
- name: Parse and render a guide example
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Parse
      dect.provisioning.config_xml:
        model: "{{ model }}"
        src: "{{ src }}"
        state: parsed
      register: parsed
    - name: Render what was parsed
      dect.provisioning.config_xml:
        model: "{{ model }}"
        settings: "{{ parsed.settings }}"
        state: rendered
      register: rendered
    - name: Write the rendered text for the test to compare
      ansible.builtin.copy:
        content: "{{ rendered.xml }}"
        dest: "{{ out }}"
        mode: "0644"
"""


@pytest.mark.parametrize("name,model", [("config-6500-provisioning.xml", "6500"),
                                        ("config-8000-provisioning.xml", "8000")])
def test_guide_examples_round_trip(play, tmp_path, name, model):
    from devtools.collection import REPO
    from devtools.xml_compare import canonical

    src = REPO / "tests" / "data" / "guide" / name
    out = tmp_path / "out.xml"
    result = play(ROUND_TRIP, extra_vars={"model": model, "src": str(src), "out": str(out)})
    assert result.rc == 0, result.output
    assert canonical(out.read_bytes(), "config") == canonical(src.read_bytes(), "config")


PARSED_EXPORT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read a device-style export with empty elements
      dect.provisioning.config_xml:
        model: "{{ model }}"
        src: "{{ src }}"
        state: parsed
        allow_unsafe: "{{ allow_unsafe }}"
      register: parsed
    - name: Show it
      ansible.builtin.debug:
        msg: "valid={{ parsed.valid }} errors={{ parsed.errors | length }} time=[{{ parsed.settings.provisioning.check.time }}]"
"""


@pytest.mark.parametrize("model", ["6500", "8000"])
def test_device_export_with_empty_elements_is_parsed_valid(play, model):
    from devtools.collection import REPO
    src = REPO / "tests" / "data" / "exports" / ("config-%s-export.xml" % model)
    # The export has polling and check-sync off (set by hand): published as it is, the server would
    # never check for a file again, so it is valid only with that check waived.
    result = play(PARSED_EXPORT, extra_vars={"model": model, "src": str(src), "allow_unsafe": ["polling_and_check_sync_off"]})
    assert result.rc == 0, result.output
    assert "valid=True errors=0 time=[]" in result.stdout
    result = play(PARSED_EXPORT, extra_vars={"model": model, "src": str(src), "allow_unsafe": []})
    assert result.rc == 0, result.output
    assert "valid=False errors=1 time=[]" in result.stdout


ALIAS_AND_OPTION = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Render with Ansible's attributes option given twice, as itself and as its alias attr
      dect.provisioning.config_xml:
        model: "6500"
        state: rendered
        settings: {sip: {localport: 5062}}
        allow_unsafe: [provisioning_disabled, static_without_url, config_check_off, polling_and_check_sync_off,
                       static_without_address]
        attributes: "+i"
        attr: "+i"
      register: rendered
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ rendered | to_json }}"
        dest: "{{ playbook_dir }}/rendered.json"
        mode: "0600"
"""


def test_an_option_given_with_its_alias_is_warned_about_as_a_module_warns(play, tmp_path):
    """The action's argument check reports what AnsibleModule would: the warning reaches the run's
    output and the registered result (before, only the check's errors were kept)."""
    result = play(ALIAS_AND_OPTION)
    assert result.rc == 0, result.output
    assert "Both option attributes and its alias attr are set." in result.output
    registered = json.loads((tmp_path / "rendered.json").read_text())
    assert "<localport>5062</localport>" in registered["xml"]

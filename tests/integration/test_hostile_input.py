"""config_xml and users_xml given hostile input, through ansible-playbook: secrets that the schema
does not flag, invalid URLs quoting their password, characters XML 1.0 does not allow, duplicate
sections, deep nesting and 200 MB inputs. Each case checks the exact error, that nothing was
written and that no secret reaches the output (at -vvv, with --diff)."""

from __future__ import annotations

import resource
import time

import pytest

SIP_PASSWORD = "Sip-S3cret-42"
URL_PASSWORD = "Url-S3cret-77"
ADMIN_PWD = "Adm-Pwd-5150"
API_KEY = "Api-Key-8086"
DOOR_PIN = "4711-pin"
SIP_USER_PASSWORD = "User-SipPass-31"
SECRETS = (SIP_PASSWORD, URL_PASSWORD, ADMIN_PWD, API_KEY, DOOR_PIN, SIP_USER_PASSWORD)

WRITE = """
- name: MODULE with hostile input
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the document
      dect.provisioning.MODULE:
        dest: "{{ root }}"
        mac: "00:13:D1:80:00:32"
        model: "6500"
        OPTION: "{{ OPTION }}"
      register: result
    - name: Show the result
      ansible.builtin.debug:
        var: result
"""
CONFIG = WRITE.replace("MODULE", "config_xml").replace("OPTION", "settings")
USERS = WRITE.replace("MODULE", "users_xml").replace("OPTION", "users")

PARSED = """
- name: Parse a document
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Parse
      dect.provisioning.MODULE:
        model: "6500"
        src: "{{ src | default(omit) }}"
        content: "{{ content | default(omit) }}"
        max_input_size: "{{ max_input_size | default(omit) }}"
        state: parsed
      register: result
    - name: Show the result
      ansible.builtin.debug:
        var: result
"""


def parsed(play, module, verbosity=0, **extra_vars):
    return play(PARSED.replace("MODULE", module), extra_vars=extra_vars, verbosity=verbosity)


def settings(**extra):
    base = {"sip": {"defaultdomain": "pbx.example.com", "auth": {"username": "dect", "password": SIP_PASSWORD},
                    "admin_pwd": ADMIN_PWD, "api_key": API_KEY, "door_pin": DOOR_PIN},
            "provisioning": {"server": {"method": "static",
                                        "url": "https://prov:%s@192.0.2.10/dect" % URL_PASSWORD},
                             "check": {"check_sync": "update"}}}
    for section, values in extra.items():
        base.setdefault(section, {}).update(values)
    return base


def assert_no_secret(run):
    for secret in SECRETS:
        assert secret not in run.output, secret


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root"
    path.mkdir()
    return path


def test_secret_looking_config_names_are_masked_in_results_and_diffs(play, root):
    first = play(CONFIG, extra_vars={"root": str(root), "settings": settings()}, verbosity=3, diff=True)
    assert first.rc == 0, first.output
    written = (root / "0013d1800032-config.xml").read_text()
    assert "<admin_pwd>%s</admin_pwd>" % ADMIN_PWD in written and "<api_key>%s</api_key>" % API_KEY in written
    assert '"admin_pwd": "********"' in first.stdout and '"door_pin": "********"' in first.stdout
    assert "+sip.api_key = ********(" in first.stdout
    assert_no_secret(first)

    # A changed SIP password is a changed diff line (a new fingerprint), never an empty diff.
    changed = dict(settings(), sip=dict(settings()["sip"], auth={"username": "dect", "password": SIP_PASSWORD + "x"}))
    second = play(CONFIG, extra_vars={"root": str(root), "settings": changed}, verbosity=3, diff=True)
    assert second.rc == 0, second.output
    assert second.recap()["changed"] == 1
    removed = [line for line in second.stdout.splitlines() if line.startswith("-sip.auth.password = ********(")]
    added = [line for line in second.stdout.splitlines() if line.startswith("+sip.auth.password = ********(")]
    assert len(removed) == 1 and len(added) == 1 and removed[0][1:] != added[0][1:], second.stdout
    assert_no_secret(second)


def test_invalid_url_error_does_not_repeat_its_password(play, root):
    bad = settings(provisioning={"server": {"method": "static",
                                            "url": "https://prov:%s@bad host/dect" % URL_PASSWORD}})
    run = play(CONFIG, extra_vars={"root": str(root), "settings": bad}, verbosity=3)
    assert run.rc != 0
    assert ("provisioning.server.url: value 'https://prov:********@bad host/dect' is invalid:"
            " 'https://prov:********@bad host/dect' is not a provisioning URL:"
            " expected [<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]") in run.stdout
    assert list(root.iterdir()) == []
    assert_no_secret(run)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\ufffe"], ids=["nul", "soh", "esc", "fffe"])
def test_config_value_xml_cannot_carry_is_an_error_naming_its_path(play, root, char):
    bad = settings(network={"hostname": "ward-a", "location": "ward" + char + "a"})
    bad["sip"]["auth"]["password"] = SIP_PASSWORD + char
    run = play(CONFIG, extra_vars={"root": str(root), "settings": bad}, verbosity=3)
    assert run.rc != 0
    code = ord(char)
    assert ("network.location: value 'ward\\\\u%04xa' contains the character U+%04X, which XML 1.0 does not allow"
            " (the device rejects the whole file)" % (code, code)) in run.stdout, run.output
    assert ("sip.auth.password: value '********' contains the character U+%04X, which XML 1.0 does not allow"
            % code) in run.stdout
    assert list(root.iterdir()) == []
    assert_no_secret(run)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\ufffe"], ids=["nul", "esc", "fffe"])
def test_users_value_xml_cannot_carry_is_an_error_naming_its_field(play, root, char):
    users = [{"username": "1001", "displayname": "A" + char, "sippassword": SIP_USER_PASSWORD + char}]
    run = play(USERS, extra_vars={"root": str(root), "users": users}, verbosity=3)
    assert run.rc != 0
    code = ord(char)
    assert ("users[0] (username '1001'): displayname: value 'A\\\\u%04x' contains the control character U+%04X:"
            " not allowed in a users file" % (code, code)) in run.stdout, run.output
    assert ("users[0] (username '1001'): sippassword: value '********' contains the control character U+%04X:"
            " not allowed in a users file" % code) in run.stdout
    assert list(root.iterdir()) == []
    assert_no_secret(run)


def test_users_secret_looking_field_is_masked_in_results_and_diffs(play, root):
    users = [{"username": "1001", "sippassword": SIP_USER_PASSWORD, "authpassword": SIP_PASSWORD}]
    run = play(USERS, extra_vars={"root": str(root), "users": users}, verbosity=3, diff=True)
    assert run.rc == 0, run.output
    assert "<sippassword>%s</sippassword>" % SIP_USER_PASSWORD in (root / "0013d1800032-users.xml").read_text()
    assert '"sippassword": "********"' in run.stdout and "sippassword=********(" in run.stdout
    assert_no_secret(run)


def test_parsed_config_with_two_sip_sections_fails_naming_them(play):
    content = ("<config>\n  <sip>\n    <localport>5060</localport>\n  </sip>\n"
               "  <sip>\n    <auth><password>%s</password></auth>\n  </sip>\n</config>\n" % SIP_PASSWORD)
    run = parsed(play, "config_xml", content=content, verbosity=3)
    assert run.rc != 0
    assert ("1 duplicate element(s): sip appears twice (lines 2 and 5); a section or parameter may appear only"
            " once in a config document") in run.stdout, run.output
    assert '"valid": true' not in run.stdout
    assert SIP_PASSWORD not in run.output


def test_parsed_config_nested_250_deep_fails_cleanly(play):
    content = "<config>" + "<a>" * 250 + "x" + "</a>" * 250 + "</config>"
    run = parsed(play, "config_xml", content=content, verbosity=3)
    assert run.rc == 2, run.output  # a task failure, not a callback crash
    assert ("elements nested more than 16 deep (<a> at line 1): not a DECT server document"
            " (config is at most 6 deep, users 3)") in run.stdout
    assert "Traceback" not in run.output and "RecursionError" not in run.output


@pytest.mark.parametrize("module", ["config_xml", "users_xml"])
def test_content_larger_than_max_input_size_is_refused(play, module):
    root_tag = "config" if module == "config_xml" else "users"
    content = "<%s>%s</%s>" % (root_tag, " " * 100, root_tag)
    run = parsed(play, module, content=content, max_input_size=64)
    assert run.rc != 0
    assert ("content is %d bytes, more than max_input_size allows (64 bytes): nothing was read; raise"
            " max_input_size to read a larger document" % len(content)) in run.stdout, run.output


def write_big(path, root_tag, record, size):
    chunk = (record * (1 << 20 // len(record) + 1)).encode()
    with open(path, "wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<%s>\n' % root_tag.encode())
        while handle.tell() < size:
            handle.write(chunk)
        handle.write(b"</%s>\n" % root_tag.encode())
    return path.stat().st_size


BIG = 200 * 1024 * 1024


@pytest.mark.parametrize("module,root_tag,record", [
    ("config_xml", "config", "<sip><localport>5060</localport></sip>\n"),
    ("users_xml", "users", "<user><username>1001</username><authpassword>x</authpassword></user>\n"),
])
def test_a_200_mb_src_is_refused_fast_in_little_memory(play, tmp_path, module, root_tag, record):
    small = tmp_path / "small.xml"
    small.write_text("<%s>%s</%s>" % (root_tag, " " * 2048, root_tag))
    big = tmp_path / "big.xml"
    try:
        _refused_fast(play, module, small, big, write_big(big, root_tag, record, BIG))
    finally:
        big.unlink()  # 200 MB: not left in pytest's kept temp dirs


def _refused_fast(play, module, small, big, size):
    started = time.monotonic()
    baseline = parsed(play, module, src=str(small), max_input_size=1024)
    baseline_seconds = time.monotonic() - started
    assert baseline.rc != 0 and "more than max_input_size allows (1024 bytes)" in baseline.stdout

    started = time.monotonic()
    run = parsed(play, module, src=str(big))
    seconds = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("%s: 200 MB refused in %.2f s, 2 KB in %.2f s, peak RSS %d MiB"
          % (module, seconds, baseline_seconds, peak_kib // 1024))
    assert run.rc != 0
    assert ("src big.xml is %d bytes, more than max_input_size allows (8388608 bytes): nothing was read;"
            " raise max_input_size to read a larger document" % size) in run.stdout, run.output
    # The same failure on a 2 KB file, give or take: the 200 MB are never read (uncapped, they took
    # 32 s / 2.7 GB as config and 174 s / 5.1 GB as users).
    assert seconds - baseline_seconds < 2, (seconds, baseline_seconds)
    # Every ansible-playbook process this test session ran stayed under 400 MB (ru_maxrss: the largest).
    assert peak_kib < 400 * 1024, peak_kib

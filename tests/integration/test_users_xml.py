"""users_xml through ansible-playbook against localhost: bytes written on a target without lxml,
idempotence, check and diff mode naming users, secrets kept out of -vvv output, every validation rule
failing with its exact message and nothing written, a 500-row CSV with bad rows, a 4,096-user
import, and the guide's Appendix D examples migrated through state=parsed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.collection import REPO, collections_root

GUIDE = Path(__file__).resolve().parents[1] / "data" / "guide"
TARGET_NAME = "0013d1800032-users.xml"
PASSWORD = "Sip-Pa55-for-9998"
NEW_PASSWORD = "Sip-Pa55-rotated"
ACCESS_CODE = "86427531"

WARD = [
    {"ipei": "000770000001", "username": "9997", "standbytext": "9997"},
    {"ipei": "00077 0000002", "username": "9998", "displayname": "Morten Mortensen", "authuser": "9998",
     "authpassword": PASSWORD, "accesscode": ACCESS_CODE},
    {"ipei": "00077-0000003", "username": "9999", "displayname": "Ole Olsen", "disabled": "yes",
     "cucmdevicename": "SEP123456789ABC"},
]

WARD_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<users>
  <user>
    <ipei>00077 0000001</ipei>
    <standbytext>9997</standbytext>
    <username>9997</username>
  </user>
  <user>
    <ipei>00077 0000002</ipei>
    <accesscode>%s</accesscode>
    <username>9998</username>
    <displayname>Morten Mortensen</displayname>
    <authuser>9998</authuser>
    <authpassword>%s</authpassword>
  </user>
  <user>
    <ipei>00077 0000003</ipei>
    <username>9999</username>
    <displayname>Ole Olsen</displayname>
    <disabled>true</disabled>
    <cucmdevicename>SEP123456789ABC</cucmdevicename>
  </user>
</users>
""" % (ACCESS_CODE, PASSWORD)


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root"
    path.mkdir()
    return path


def publish(play, root, site_users=None, inventory=None, **kwargs):
    extra = dict(root=str(root), report=str(root.parent / "report.json"))
    if site_users is not None:
        extra["site_users"] = site_users
    extra.update(kwargs.pop("extra_vars", {}))
    run = play("users_xml_publish.yml", extra_vars=extra, inventory=inventory, **kwargs)
    report = root.parent / "report.json"
    run.result = json.loads(report.read_text()) if report.exists() else None
    return run


def diff_lines(stdout, sign):
    return sorted(line[1:] for line in stdout.splitlines()
                  if line.startswith(sign) and not line.startswith(sign * 3))


# ------------------------------------------------------------------------------ publishing
def test_writes_expected_bytes_on_a_target_without_lxml(play, root, no_lxml_inventory):
    run = publish(play, root, WARD, inventory=no_lxml_inventory)
    assert run.rc == 0, run.output
    assert run.recap()["changed"] == 1
    assert (root / TARGET_NAME).read_text() == WARD_XML
    assert stat.S_IMODE((root / TARGET_NAME).stat().st_mode) == 0o640
    assert run.result["count"] == 3
    assert run.result["users"][1]["authpassword"] == "********" and run.result["users"][1]["accesscode"] == "********"
    assert run.result["users"][2]["disabled"] is True
    assert "<authpassword>********</authpassword>" in run.result["xml"]
    assert PASSWORD not in run.output and ACCESS_CODE not in run.output
    assert subprocess.run(["xmllint", "--noout", str(root / TARGET_NAME)], check=False).returncode == 0


def test_second_run_changes_nothing(play, root):
    assert publish(play, root, WARD).rc == 0
    before = (root / TARGET_NAME).stat().st_mtime_ns
    again = publish(play, root, WARD)
    assert again.rc == 0, again.output
    assert again.recap()["changed"] == 0
    assert (root / TARGET_NAME).stat().st_mtime_ns == before


def test_check_mode_reports_users_but_writes_nothing(play, root):
    run = publish(play, root, WARD, check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.recap()["changed"] == 1
    assert not (root / TARGET_NAME).exists()
    added = diff_lines(run.stdout, "+")
    assert [line.split(" = ")[0] for line in added] == ["username 9997", "username 9998", "username 9999"]
    assert PASSWORD not in run.output and ACCESS_CODE not in run.output


def test_diff_names_users_added_removed_and_changed_with_secrets_masked(play, root, tmp_path):
    backup_dir = tmp_path / "backups"
    backup_dir.mkdir(mode=0o700)
    keep = {"backup": True, "backup_dir": str(backup_dir)}
    assert publish(play, root, WARD, extra_vars=keep).rc == 0
    changed_ward = [
        dict(WARD[1], authpassword=NEW_PASSWORD),                 # 9998: only its secret changes
        dict(WARD[2], displayname="Ole Olsen (nights)"),          # 9999: display name changes
        {"username": "10000", "ipei": "00077 0000004"},         # 10000 added; 9997 removed
    ]
    run = publish(play, root, changed_ward, diff=True, verbosity=3, extra_vars=keep)
    assert run.rc == 0, run.output
    removed, added = diff_lines(run.stdout, "-"), diff_lines(run.stdout, "+")
    assert [line.split(" = ")[0] for line in removed] == ["username 9997", "username 9998", "username 9999"]
    assert [line.split(" = ")[0] for line in added] == ["username 10000", "username 9998", "username 9999"]
    before_9998 = next(line for line in removed if line.startswith("username 9998"))
    after_9998 = next(line for line in added if line.startswith("username 9998"))
    assert before_9998 != after_9998, "a changed secret must show as a changed user"
    assert "authpassword=********(" in after_9998 and "accesscode=********(" in after_9998
    assert "displayname=Ole Olsen (nights)" in next(line for line in added if line.startswith("username 9999"))
    for secret in (PASSWORD, NEW_PASSWORD, ACCESS_CODE):
        assert secret not in run.output, secret
    assert NEW_PASSWORD in (root / TARGET_NAME).read_text()
    assert [p.name for p in root.iterdir()] == [TARGET_NAME]
    backups = list(backup_dir.iterdir())
    assert len(backups) == 1 and backups[0].read_text() == WARD_XML


def test_sort_writes_users_in_natural_order(play, root):
    run = publish(play, root, [{"localno": "10"}, {"localno": "9"}, {"localno": "100", "linetype": "D"}],
                  extra_vars={"model": "8000", "sort_users": True})
    assert run.rc == 0, run.output
    text = (root / TARGET_NAME).read_text()
    assert text.index("<localno>9</localno>") < text.index("<localno>10</localno>") < text.index("<localno>100<")


def test_absent_removes_the_file(play, root):
    (root / TARGET_NAME).write_text(WARD_XML)
    run = play("users_xml_absent.yml", extra_vars={"root": str(root)})
    assert run.rc == 0, run.output
    assert run.recap()["changed"] == 1 and not (root / TARGET_NAME).exists()


# ------------------------------------------------------------------------------ refusing bad input
BAD_IPDECT = [
    {"username": "1001", "name": "Ward A"},                              # 2500/8000-only field
    {"displayname": "nobody"},                                           # username missing
    {"username": "x" * 64},                                              # too long
    {"username": "al ice"},                                              # bad character
    {"username": "1004", "authuser": "a@b"},                             # bad character
    {"username": "1005", "authpassword": "p" * 36},                      # too long (secret)
    {"username": "1006", "accesscode": "975318642"},                     # 9 digits (secret)
    {"username": "1007", "ipei": "00077 0000001"},
    {"username": "1008", "ipei": "000770000001"},                        # duplicate IPEI, other spelling
    {"username": "1009", "ipei": "0007700000010"},                       # wrong check digit (9 is right)
    {"username": "1010", "cucmdevicename": "SEP12345"},
    {"username": "1011", "disabled": "maybe"},
    {"username": "1001"},                                                # duplicate username
]

BAD_IPDECT_ERRORS = [
    "users[1]: username: missing: mandatory on 400/6500 (every record needs one)",
    "users[2] (username '%s'): username: value '%s' is 64 characters long: at most 63 allowed" % ("x" * 64, "x" * 64),
    "users[3] (username 'al ice'): username: value 'al ice' has characters outside A-Z a-z 0-9 -_.!~*'()&=+$,;?/: ' '",
    "users[4] (username '1004'): authuser: value 'a@b' has characters outside A-Z a-z 0-9 -_.!~*'()&=+$,;?/: '@'",
    "users[5] (username '1005'): authpassword: value '********' is too long: at most 35 characters allowed",
    "users[6] (username '1006'): accesscode: value '********' is not allowed: 0 to 8 decimal digits",
    "users[9] (username '1009'): ipei: value '0007700000010' has a wrong IPEI check digit: expected '9'",
    "users[10] (username '1010'): cucmdevicename: value 'SEP12345' is not allowed: SEP followed by 12 hex digits,"
    " e.g. SEP123456789ABC",
    "users[11] (username '1011'): disabled: value 'maybe' is not allowed: allowed are true, false",
    "users[8] (username '1008'): ipei: value '00077 0000001' is also used by users[7] (username '1007'):"
    " ipei, username and localno must be unique in a file",
    "users[12] (username '1001'): username: value '1001' is also used by users[0] (username '1001'):"
    " ipei, username and localno must be unique in a file",
    "users[0] (username '1001'): field 'name' is not supported on 400/6500 (only 2500/8000)",
    "users: 13 users, more than max_users 12 allows",
]

BAD_DECT = [
    {"username": "2000"},                                                # localno missing
    {"localno": "1234567890123"},                                        # 13 characters
    {"localno": "2002", "lid": "09010001"},                              # shelf 09
    {"localno": "2003", "lid": "01010016"},                              # line 16
    {"localno": "2004", "linetype": "X"},
    {"localno": "2005", "tx_gain": 13},
    {"localno": "2006", "rx_gain": "-13"},
    {"localno": "2007", "linetype": "D", "rx_gain": 2},                  # no gain for DECT to DECT
    {"localno": "2008", "presentationtext": "often"},
    {"localno": "2008"},                                                 # duplicate localno
]

BAD_DECT_ERRORS = [
    "users[0] (username '2000'): localno: missing: mandatory on 2500/8000 (every record needs one)",
    "users[1] (localno '1234567890123'): localno: value '1234567890123' is 13 characters long: at most 12 allowed",
    "users[2] (localno '2002'): lid: value '09010001' is not allowed: xxyyzzzz with shelf xx 01-08, card yy 01-08,"
    " line zzzz 0000-0015",
    "users[3] (localno '2003'): lid: value '01010016' is not allowed: xxyyzzzz with shelf xx 01-08, card yy 01-08,"
    " line zzzz 0000-0015",
    "users[4] (localno '2004'): linetype: value 'X' is not allowed: allowed are D, S, A",
    "users[5] (localno '2005'): tx_gain: value '13' is out of range: allowed integer -12..12 (dB)",
    "users[6] (localno '2006'): rx_gain: value '-13' is out of range: allowed integer -12..12 (dB)",
    "users[7] (localno '2007'): rx_gain: value '2' is not possible for linetype D (DECT to DECT): allowed 0",
    "users[8] (localno '2008'): presentationtext: value 'often' is not allowed: allowed are true, false",
    "users[9] (localno '2008'): localno: value '2008' is also used by users[8] (localno '2008'):"
    " ipei, username and localno must be unique in a file",
]


@pytest.mark.parametrize("model, bad, expected, max_users", [
    ("6500", BAD_IPDECT, BAD_IPDECT_ERRORS, 12),
    ("2500", BAD_DECT, BAD_DECT_ERRORS, None),
], ids=["ipdect", "dect"])
def test_every_rule_fails_with_its_message_and_nothing_is_written(play, root, model, bad, expected, max_users):
    extra = {"model": model, "expect_failure": True}
    if max_users:
        extra["max_users"] = max_users
    run = publish(play, root, bad, extra_vars=extra)
    assert run.rc == 0, run.output          # the failure is ignored so the report can be kept
    assert run.result["failed"] is True and run.result["changed"] is False
    assert run.result["errors"] == expected
    assert run.result["msg"] == "users-xml validation failed with %d error(s), nothing written: %s" % (
        len(expected), "; ".join(expected))
    assert "p" * 36 not in run.output and "975318642" not in run.output
    assert list(root.iterdir()) == []


def test_bad_input_does_not_touch_an_existing_file(play, root):
    assert publish(play, root, WARD).rc == 0
    before = (root / TARGET_NAME).read_bytes()
    run = publish(play, root, WARD + [{"username": "9997"}], extra_vars={"expect_failure": True})
    assert run.result["errors"] == [
        "users[3] (username '9997'): username: value '9997' is also used by users[0] (username '9997'):"
        " ipei, username and localno must be unique in a file"]
    assert (root / TARGET_NAME).read_bytes() == before


def test_strict_refuses_fields_outside_appendix_c(play, root):
    run = publish(play, root, [{"username": "1", "nickname": "Bob"}], extra_vars={"strict": True, "expect_failure": True})
    assert run.result["errors"] == [
        "users[0] (username '1'): field 'nickname' is not an Appendix C field (strict mode): allowed ipei,"
        " accesscode, standbytext, username, domain, displayname, authuser, authpassword, disabled, cucmdevicename"]
    assert list(root.iterdir()) == []


# ------------------------------------------------------------------------------ imports
def write_csv(path, count, bad_lines=None):
    rows = ["localno,ipei,name,linetype,tx_gain,rx_gain,accesscode"]
    for n in range(count):
        rows.append("%d,00077 %07d,Bed %d,S,0,0,%04d" % (3000 + n, n, n, n))
    for line, text in (bad_lines or {}).items():
        rows[line - 1] = text
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_of_500_users_with_bad_rows_fails_listing_exactly_those_rows(play, root, tmp_path):
    csv_path = write_csv(tmp_path / "ward-b.csv", 500, {
        12: "3010,00077 0000010,Bed 10,S,14,0,0010",          # gain out of range
        250: "3248,00077 0000248,Bed 248,Q,0,0,0248",         # unknown line type
        251: "3249,00077 0000002,Bed 249,S,0,0,0249",         # IPEI of line 4's user
        501: "3499,00077 0000499,Bed 499,S,0,0,12345678X",    # access code with a letter
    })
    run = publish(play, root, extra_vars={"model": "8000", "users_src": str(csv_path), "expect_failure": True})
    assert run.result["errors"] == [
        "ward-b.csv line 12 (localno '3010'): tx_gain: value '14' is out of range: allowed integer -12..12 (dB)",
        "ward-b.csv line 250 (localno '3248'): linetype: value 'Q' is not allowed: allowed are D, S, A",
        "ward-b.csv line 501 (localno '3499'): accesscode: value '********' is not allowed: 0 to 8 decimal digits",
        "ward-b.csv line 251 (localno '3249'): ipei: value '00077 0000002' is also used by ward-b.csv line 4"
        " (localno '3002'): ipei, username and localno must be unique in a file",
    ]
    assert "12345678X" not in run.output
    assert list(root.iterdir()) == []


def test_4096_users_from_csv_merged_with_inventory(play, root, tmp_path):
    csv_path = write_csv(tmp_path / "site.csv", 4096)
    override = [{"localno": "3007", "name": "Charge nurse", "accesscode": None}, {"localno": "9000", "linetype": "D"}]
    run = publish(play, root, override, extra_vars={"model": "8000", "users_src": str(csv_path), "max_users": 4097})
    assert run.rc == 0, run.output
    text = (root / TARGET_NAME).read_text()
    assert text.count("<user>") == 4097 and run.result["count"] == 4097
    assert ("    <ipei>00077 0000007</ipei>\n    <localno>3007</localno>\n    <linetype>S</linetype>\n"
            "    <name>Charge nurse</name>\n    <tx_gain>0</tx_gain>\n    <rx_gain>0</rx_gain>\n  </user>") in text
    assert text.endswith("  <user>\n    <localno>9000</localno>\n    <linetype>D</linetype>\n  </user>\n</users>\n")
    assert subprocess.run(["xmllint", "--noout", str(root / TARGET_NAME)], check=False).returncode == 0


@pytest.mark.parametrize("name, model, secrets", [
    ("users-6500.xml", "6500", [{}, {}, {"accesscode": "1234"}]),
    ("users-8000.xml", "8000", [{}, {}, {"accesscode": "1234"}]),
])
def test_guide_examples_migrate_through_parsed_and_render_back(play, tmp_path, root, name, model, secrets):
    export = tmp_path / name
    shutil.copy(GUIDE / name, export)
    report = tmp_path / "migrate.json"
    run = play("users_xml_migrate.yml", extra_vars={
        "model": model, "export": str(export), "root": str(root), "report": str(report), "vault_secrets": secrets})
    assert run.rc == 0, run.output
    results = json.loads(report.read_text())
    parsed = results["parsed"]
    assert parsed["valid"] is True and parsed["errors"] == [] and parsed["count"] == 3
    assert parsed["masked_fields"] == ["users[2].accesscode"]
    assert parsed["users"][2]["accesscode"] == "********" and parsed["users"][2]["disabled"] is True
    assert ">1234<" not in json.dumps(results) and '"1234"' not in json.dumps(results)
    guide_lines = [line.strip() for line in export.read_text().splitlines() if line.strip()]
    for written in ("from-inventory-users.xml", "from-export-users.xml"):
        text = (root / written).read_text()
        assert [line.strip() for line in text.splitlines() if line.strip()] == guide_lines, written
    assert results["rendered"]["xml"] == (root / "from-export-users.xml").read_text().replace(
        "<accesscode>1234<", "<accesscode>********<")
    assert not (root / TARGET_NAME).exists()


PARSE_ONLY = """
- name: Parse an export
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Parse
      dect.provisioning.users_xml:
        model: "6500"
        src: "{{ export }}"
        state: parsed
      register: parsed
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ parsed | to_nice_json }}"
        dest: "{{ report }}"
        mode: "0600"
"""


def test_parsed_reports_an_invalid_export_without_failing(play, tmp_path):
    export = tmp_path / "old.xml"
    export.write_text("<users>\n<user><username>1</username><tx_gain>3</tx_gain></user>\n</users>")
    report = tmp_path / "parsed.json"
    run = play(PARSE_ONLY, extra_vars={"export": str(export), "report": str(report)})
    assert run.rc == 0, run.output
    parsed = json.loads(report.read_text())
    assert parsed["valid"] is False and parsed["changed"] is False
    assert parsed["errors"] == [
        "old.xml line 2 (username '1'): field 'tx_gain' is not supported on 400/6500 (only 2500/8000)"]
    assert parsed["users"] == [{"username": "1", "tx_gain": "3"}]


def test_module_run_directly_fails_clearly(tmp_path):
    module = REPO / "plugins" / "modules" / "users_xml.py"
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"model": "6500", "users": []}}))
    env = dict(os.environ, PYTHONPATH=str(collections_root()))
    proc = subprocess.run([sys.executable, str(module), str(args)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    result = json.loads(proc.stdout)
    assert result["failed"] is True
    assert result["msg"] == ("dect.provisioning.users_xml runs through its action plugin on the controller;"
                             " call it as a task, not as a standalone module")

"""plugins/module_utils/users.py: the Appendix C schema, every validation rule with its exact
message, CSV/XML import, merging, rendering, masking and the guide's Appendix D examples."""

from __future__ import annotations

import re

import time
from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import users as U
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import ipei_check_digit
from devtools.xml_compare import canonical

GUIDE = Path(__file__).resolve().parents[1] / "data" / "guide"


def errors_of(entries, family="ipdect", **kwargs):
    return U.validate(entries, family, **kwargs).errors


def only_error(entries, family="ipdect", **kwargs):
    errors = errors_of(entries, family, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


def lines(text):
    """A document's non-blank lines without indentation: the guide's examples are not indented."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------------------ schema
def test_schema_has_every_appendix_c_field_with_its_server_column():
    ipdect_and_dect = {"ipei", "accesscode", "standbytext", "username", "domain", "displayname", "authuser",
                       "authpassword", "disabled", "cucmdevicename"}
    dect_only = {"lid", "linetype", "presentationtext", "name", "localno", "tx_gain", "rx_gain"}
    assert set(U.FIELD_BY_NAME) == ipdect_and_dect | dect_only
    for name in ipdect_and_dect:
        assert set(U.FIELD_BY_NAME[name].families) == {"ipdect", "dect"}, name
    for name in dect_only:
        assert U.FIELD_BY_NAME[name].families == ("dect",), name
    assert U.SECRET_FIELDS == {"authpassword", "accesscode"}
    assert U.FIELD_BY_NAME["username"].mandatory == ("ipdect",)
    assert U.FIELD_BY_NAME["localno"].mandatory == ("dect",)
    assert all(field.description for field in U.FIELDS)


def test_guide_documents_no_capacity_so_max_users_has_no_default():
    many = [{"username": str(n)} for n in range(5000)]
    assert errors_of(many) == []


# ------------------------------------------------------------------------------ Appendix D
@pytest.mark.parametrize("name, family", [("users-6500.xml", "ipdect"), ("users-8000.xml", "dect")])
def test_guide_examples_parse_validate_and_round_trip(name, family):
    data = (GUIDE / name).read_bytes()
    parsed, origins = U.parse(data, family)
    assert [user["username"] for user in parsed] == ["9997", "9998", "9999"]
    assert parsed[2]["disabled"] is True and parsed[2]["accesscode"] == "1234"
    checked = U.validate(parsed, family, strict=True, origins=origins)
    assert checked.errors == [] and checked.warnings == []
    rendered = U.render(checked.records)
    # Same elements, same order, same text: only the indentation differs from the guide's listing.
    assert lines(rendered) == lines(data.decode())
    assert canonical(rendered, "users") == canonical(data, "users")
    again = U.parse(rendered.encode(), family)[0]
    assert again == parsed


def test_guide_example_for_one_family_is_refused_on_the_other():
    dect_example, origins = U.parse((GUIDE / "users-8000.xml").read_bytes(), "ipdect")
    assert errors_of(dect_example, "ipdect", origins=origins) == [
        "src line 3 (username '9997'), src line 10 (username '9998'), src line 18 (username '9999'):"
        " field 'localno' is not supported on 400/6500 (only 2500/8000)"]
    ipdect_example, origins = U.parse((GUIDE / "users-6500.xml").read_bytes(), "dect")
    assert errors_of(ipdect_example, "dect", origins=origins) == [
        "src line %d (username '%s'): localno: missing: mandatory on 2500/8000 (every record needs one)" % (line, name)
        for line, name in ((3, "9997"), (9, "9998"), (16, "9999"))]


# ------------------------------------------------------------------------------ rules, one by one
def test_field_of_the_other_family_is_an_error():
    assert errors_of([{"username": "1001", "name": "Ward A", "tx_gain": 2}, {"username": "1002", "name": "B"}]) == [
        "users[0] (username '1001'), users[1] (username '1002'): field 'name' is not supported on 400/6500"
        " (only 2500/8000)",
        "users[0] (username '1001'): field 'tx_gain' is not supported on 400/6500 (only 2500/8000)"]


def test_unsupported_field_list_is_shortened_after_five_users():
    entries = [{"username": str(n), "lid": "01010001"} for n in range(8)]
    assert only_error(entries) == (
        "users[0] (username '0'), users[1] (username '1'), users[2] (username '2'), users[3] (username '3'),"
        " users[4] (username '4') and 3 more: field 'lid' is not supported on 400/6500 (only 2500/8000)")


def test_username_is_mandatory_on_ipdect():
    assert only_error([{"username": "1"}, {"displayname": "Nobody"}]) == (
        "users[1]: username: missing: mandatory on 400/6500 (every record needs one)")
    assert only_error([{"username": ""}]) == "users[0]: username: missing: mandatory on 400/6500 (every record needs one)"


def test_localno_is_mandatory_on_dect_and_names_the_user_by_username():
    assert only_error([{"username": "9997"}], "dect") == (
        "users[0] (username '9997'): localno: missing: mandatory on 2500/8000 (every record needs one)")


def test_localno_at_most_12_characters():
    assert only_error([{"localno": "1234567890123"}], "dect") == (
        "users[0] (localno '1234567890123'): localno: value '1234567890123' is 13 characters long: at most 12 allowed")
    assert errors_of([{"localno": "123456789012"}], "dect") == []


@pytest.mark.parametrize("field", ["username", "authuser"])
def test_sip_user_names_length_and_characters(field):
    entry = {"username": "ok"}
    entry[field] = "u" * 64
    assert only_error([entry]).endswith(
        "%s: value '%s' is 64 characters long: at most 63 allowed" % (field, "u" * 64))
    entry[field] = "al ice@example"
    assert only_error([entry]).endswith(
        "%s: value 'al ice@example' has characters outside A-Z a-z 0-9 -_.!~*'()&=+$,;?/: ' ', '@'" % field)
    entry[field] = "A-z_0.9!~*'()&=+$,;?/" + "x" * 42
    assert errors_of([entry]) == []


def test_authpassword_at_most_35_characters_and_never_shown():
    secret = "p" * 36
    error = only_error([{"username": "1001", "authpassword": secret}])
    assert error == "users[0] (username '1001'): authpassword: value '********' is too long: at most 35 characters allowed"
    assert errors_of([{"username": "1001", "authpassword": "p" * 35}]) == []


@pytest.mark.parametrize("code", ["123456789", "12a4", "-1", "1.5"])
def test_accesscode_0_to_8_digits_and_never_shown(code):
    assert only_error([{"username": "1001", "accesscode": code}]) == (
        "users[0] (username '1001'): accesscode: value '********' is not allowed: 0 to 8 decimal digits")


@pytest.mark.parametrize("code, rendered", [("", ""), ("0", "0"), ("12345678", "12345678"), (1234, "1234")])
def test_accesscode_accepted(code, rendered):
    checked = U.validate([{"username": "1001", "accesscode": code}], "ipdect")
    assert checked.errors == [] and checked.records[0]["accesscode"] == rendered


@pytest.mark.parametrize("spelling", ["00077 0000001", "000770000001", "00077-0000001", "00077:0000001",
                                      "000770000001" + ipei_check_digit("000770000001")])
def test_ipei_spellings_normalise_to_the_guides_form(spelling):
    checked = U.validate([{"username": "1", "ipei": spelling}], "ipdect")
    assert checked.errors == [] and checked.records[0]["ipei"] == "00077 0000001"


def test_ipei_errors():
    good = ipei_check_digit("000770000001")
    wrong = "0" if good != "0" else "1"
    assert only_error([{"username": "1", "ipei": "000770000001" + wrong}]) == (
        "users[0] (username '1'): ipei: value '000770000001%s' has a wrong IPEI check digit: expected '%s'" % (wrong, good))
    assert only_error([{"username": "1", "ipei": "0077 0000001"}]) == (
        "users[0] (username '1'): ipei: value '0077 0000001' is not an IPEI: expected 5 + 7 decimal digits"
        " written 'NNNNN NNNNNNN' (separator optional, 13th check digit optional)")
    assert only_error([{"username": "1", "ipei": 770000001}]) == (
        "users[0] (username '1'): ipei: value '770000001' is a number: write the IPEI quoted, as"
        " 'NNNNN NNNNNNN' (YAML drops leading zeros)")


@pytest.mark.parametrize("lid", ["01010000", "08080015", "03050009"])
def test_lid_in_range(lid):
    assert errors_of([{"localno": "1", "lid": lid}], "dect") == []


@pytest.mark.parametrize("lid", ["00010000", "09010000", "01000000", "01090000", "01010016", "01010100", "0101001",
                                 "ab010001"])
def test_lid_out_of_range(lid):
    assert only_error([{"localno": "1", "lid": lid}], "dect") == (
        "users[0] (localno '1'): lid: value '%s' is not allowed: xxyyzzzz with shelf xx 01-08, card yy 01-08,"
        " line zzzz 0000-0015" % lid)


def test_lid_as_a_number_asks_for_quotes():
    assert only_error([{"localno": "1", "lid": 1010001}], "dect") == (
        "users[0] (localno '1'): lid: value '1010001' is a number: write the lid quoted, as 'xxyyzzzz'"
        " (YAML drops leading zeros)")


def test_linetype_d_s_a():
    checked = U.validate([{"localno": "1", "linetype": "s"}, {"localno": "2", "linetype": "A"}], "dect")
    assert checked.errors == [] and [r["linetype"] for r in checked.records] == ["S", "A"]
    assert only_error([{"localno": "1", "linetype": "X"}], "dect") == (
        "users[0] (localno '1'): linetype: value 'X' is not allowed: allowed are D, S, A")


@pytest.mark.parametrize("field", ["tx_gain", "rx_gain"])
def test_gain_range(field):
    assert errors_of([{"localno": "1", field: -12}, {"localno": "2", field: "12"}], "dect") == []
    assert errors_of([{"localno": "1", field: 13}, {"localno": "2", field: "-13"}, {"localno": "3", field: "loud"}],
                     "dect") == [
        "users[0] (localno '1'): %s: value '13' is out of range: allowed integer -12..12 (dB)" % field,
        "users[1] (localno '2'): %s: value '-13' is out of range: allowed integer -12..12 (dB)" % field,
        "users[2] (localno '3'): %s: value 'loud' is not a whole number: allowed integer -12..12 (dB)" % field]


def test_no_gain_for_dect_to_dect_users():
    assert only_error([{"localno": "1", "linetype": "D", "tx_gain": 3, "rx_gain": 0}], "dect") == (
        "users[0] (localno '1'): tx_gain: value '3' is not possible for linetype D (DECT to DECT): allowed 0")


def test_cucmdevicename():
    assert errors_of([{"username": "1", "cucmdevicename": "SEP123456789ABC"},
                      {"username": "2", "cucmdevicename": "SEP0013d1800032"}]) == []
    for bad in ("SEP123456789AB", "sep123456789ABC", "ABC123456789ABC", "SEP123456789ABG"):
        assert only_error([{"username": "1", "cucmdevicename": bad}]) == (
            "users[0] (username '1'): cucmdevicename: value '%s' is not allowed: SEP followed by 12 hex digits,"
            " e.g. SEP123456789ABC" % bad)


def test_booleans_written_true_false():
    checked = U.validate([{"localno": "1", "disabled": "yes", "presentationtext": False}], "dect")
    assert checked.records == [{"localno": "1", "disabled": "true", "presentationtext": "false"}]
    assert checked.users == [{"localno": "1", "disabled": True, "presentationtext": False}]
    assert only_error([{"username": "1", "disabled": "maybe"}]) == (
        "users[0] (username '1'): disabled: value 'maybe' is not allowed: allowed are true, false")


def test_duplicates_within_a_file():
    entries = [
        {"username": "1001", "ipei": "00077 0000001"},
        {"username": "1002", "ipei": "000770000001"},
        {"username": "1001"},
    ]
    assert errors_of(entries) == [
        "users[1] (username '1002'): ipei: value '00077 0000001' is also used by users[0] (username '1001'):"
        " ipei, username and localno must be unique in a file",
        "users[2] (username '1001'): username: value '1001' is also used by users[0] (username '1001'):"
        " ipei, username and localno must be unique in a file",
    ]
    assert only_error([{"localno": "7"}, {"localno": "7", "username": "x"}], "dect") == (
        "users[1] (localno '7'): localno: value '7' is also used by users[0] (localno '7'):"
        " ipei, username and localno must be unique in a file")


def test_max_users():
    entries = [{"username": str(n)} for n in range(4)]
    assert errors_of(entries, max_users=4) == []
    assert only_error(entries, max_users=3) == "users: 4 users, more than max_users 3 allows"


def test_every_problem_is_reported_at_once():
    # Records in order; within a record, fields in the order given; field-level problems last.
    errors = errors_of([
        {"username": "bad name", "accesscode": "x"},
        {"displayname": "no user name"},
        {"username": "ok", "disabled": "perhaps", "name": "n"},
    ])
    assert errors == [
        "users[0] (username 'bad name'): username: value 'bad name' has characters outside"
        " A-Z a-z 0-9 -_.!~*'()&=+$,;?/: ' '",
        "users[0] (username 'bad name'): accesscode: value '********' is not allowed: 0 to 8 decimal digits",
        "users[1]: username: missing: mandatory on 400/6500 (every record needs one)",
        "users[2] (username 'ok'): disabled: value 'perhaps' is not allowed: allowed are true, false",
        "users[2] (username 'ok'): field 'name' is not supported on 400/6500 (only 2500/8000)",
    ]


def test_unknown_fields_strict_and_lenient():
    entries = [{"username": "1", "nickname": "Bob"}]
    assert only_error(entries, strict=True) == (
        "users[0] (username '1'): field 'nickname' is not an Appendix C field (strict mode): allowed ipei,"
        " accesscode, standbytext, username, domain, displayname, authuser, authpassword, disabled, cucmdevicename")
    lenient = U.validate(entries, "ipdect")
    assert lenient.errors == []
    assert lenient.warnings == ["users[0] (username '1'): field 'nickname' is not an Appendix C field, rendered as given"]
    assert lenient.records == [{"username": "1", "nickname": "Bob"}]
    assert only_error([{"username": "1", "no good": "x"}]) == (
        "users[0] (username '1'): field 'no good' is not a valid XML element name")


def test_control_characters_are_refused():
    assert only_error([{"username": "1", "displayname": "bell\x07"}]) == (
        "users[0] (username '1'): displayname: value 'bell\\u0007' contains the control character U+0007:"
        " not allowed in a users file")


def test_the_mask_is_not_a_password():
    assert only_error([{"username": "1", "authpassword": "********"}]) == (
        "users[0] (username '1'): authpassword: value is the mask '********' from a masked result:"
        " supply the real secret (ansible-vault)")


def test_entry_that_is_not_a_dict():
    assert only_error([{"username": "1"}, "username=2"]) == (
        "users[1]: must be a dict of Appendix C field names, got str")


def test_null_leaves_a_field_out_and_empty_writes_an_empty_element():
    checked = U.validate([{"username": "1", "displayname": None, "ipei": ""}], "ipdect")
    assert checked.errors == [] and checked.records == [{"ipei": "", "username": "1"}]
    assert "    <ipei/>\n" in U.render(checked.records)


# ------------------------------------------------------------------------------ output
def test_fields_in_document_order_users_in_input_order():
    checked = U.validate([{"cucmdevicename": "SEP123456789ABC", "username": "20", "ipei": "00077 0000002"},
                          {"username": "3"}], "ipdect")
    assert list(checked.records[0]) == ["ipei", "username", "cucmdevicename"]
    assert U.render(checked.records) == (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<users>\n  <user>\n'
        "    <ipei>00077 0000002</ipei>\n    <username>20</username>\n"
        "    <cucmdevicename>SEP123456789ABC</cucmdevicename>\n  </user>\n"
        "  <user>\n    <username>3</username>\n  </user>\n</users>\n")


def test_sort_is_natural_by_identity():
    checked = U.sort_users(U.validate([{"localno": "10"}, {"localno": "9"}, {"localno": "100"}], "dect"), "dect")
    assert [r["localno"] for r in checked.records] == ["9", "10", "100"]
    assert [u["localno"] for u in checked.users] == ["9", "10", "100"]


def test_text_is_escaped():
    checked = U.validate([{"username": "1", "displayname": "A & B <ICU>"}], "ipdect")
    assert "<displayname>A &amp; B &lt;ICU&gt;</displayname>" in U.render(checked.records)


def test_masking_and_summary():
    records = U.validate([{"username": "1", "authpassword": "pw-one", "accesscode": "42"}], "ipdect").records
    assert U.mask_user(records[0]) == {"accesscode": "********", "username": "1", "authpassword": "********"}
    line = U.summary(records, "ipdect")["username 1"]
    # The fingerprints are random hex per process: the secrets must not stand as values ("42" may
    # well occur inside a fingerprint).
    assert "pw-one" not in line and "accesscode=42" not in line
    assert re.fullmatch(r"accesscode=\*{8}\([0-9a-f]{8}\), authpassword=\*{8}\([0-9a-f]{8}\)", line), line
    assert line.startswith("accesscode=********(") and ", authpassword=********(" in line
    changed = U.validate([{"username": "1", "authpassword": "pw-two", "accesscode": "42"}], "ipdect").records
    assert U.summary(changed, "ipdect")["username 1"] != line
    assert U.summary(records, "ipdect") == U.summary([dict(r) for r in records], "ipdect")


def test_fingerprints_do_not_tell_that_users_share_a_secret():
    records = U.validate([{"username": "1", "authpassword": "same"}, {"username": "2", "authpassword": "same"}],
                         "ipdect").records
    lines = U.summary(records, "ipdect")
    assert lines["username 1"] != lines["username 2"]


def test_masked_fields():
    assert U.masked_fields([{"username": "1"}, {"username": "2", "accesscode": "1", "authpassword": ""}]) == [
        "users[1].accesscode"]


# ------------------------------------------------------------------------------ import
def test_csv_with_header_and_500_users_reports_exactly_the_bad_rows():
    rows = ["ipei,username,displayname,accesscode,disabled"]
    for n in range(500):
        psn = "%07d" % n
        rows.append("00077 %s,%d,User %d,%s,false" % (psn, 1000 + n, n, n % 10000))
    bad = {17: "00077 00000X6,1015,User 15,15,false",     # line 17: user 15 - bad IPEI
           101: "00077 0000099,1099,User 99,123456789,false",  # line 101: access code too long
           402: "00077 0000400,1400,User 400,400,sometimes"}   # line 402: not a boolean
    for line, text in bad.items():
        rows[line - 1] = text
    source = U.read_csv("\n".join(rows) + "\n", "ward.csv")
    assert len(source.records) == 500
    errors = errors_of(source.records, origins=source.origins)
    assert errors == [
        "ward.csv line 17 (username '1015'): ipei: value '00077 00000X6' is not an IPEI: expected 5 + 7 decimal"
        " digits written 'NNNNN NNNNNNN' (separator optional, 13th check digit optional)",
        "ward.csv line 101 (username '1099'): accesscode: value '********' is not allowed: 0 to 8 decimal digits",
        "ward.csv line 402 (username '1400'): disabled: value 'sometimes' is not allowed: allowed are true, false",
    ]


def test_csv_dialects_bom_and_empty_cells():
    text = "\ufeffUserName;IPEI;displayname\r\n1001;000770000001;\r\n\r\n1002;;\"Smith; John\"\r\n"
    source = U.read_source(text.encode("utf-8"), "ward.csv")
    assert source.records == [{"username": "1001", "ipei": "000770000001"},
                              {"username": "1002", "displayname": "Smith; John"}]
    assert source.origins == ["ward.csv line 2", "ward.csv line 4"]
    assert U.read_source("\ufeffusername\n1\n", "content").records == [{"username": "1"}]
    tabbed = U.read_source(b"localno\tname\n2001\tWard A\n", "x.tsv")
    assert tabbed.records == [{"localno": "2001", "name": "Ward A"}]


def test_csv_structure_errors():
    with pytest.raises(U.SourceError) as info:
        U.read_csv("username,,username\n1,2,3,4\n1,2,3\n", "bad.csv")
    assert info.value.errors == [
        "bad.csv line 1: column 'username' appears twice in the header",
        "bad.csv line 2: 4 cells, but the header has 3 columns",
        "bad.csv line 3: column 2 holds '2' but has no field name in the header",
    ]
    # Spreadsheets export trailing columns without a name: fine while they are empty.
    assert U.read_csv("username,ipei,,\n1,00077 0000001,,\n", "ok.csv").records == [
        {"username": "1", "ipei": "00077 0000001"}]
    with pytest.raises(U.SourceError) as info:
        U.read_source(b"username\n\xff\xfe\n", "latin.csv")
    assert info.value.errors == ["latin.csv: not UTF-8 text (byte 9): save the CSV or XML as UTF-8"]
    with pytest.raises(U.SourceError) as info:
        U.read_source(b"  \n", "empty.csv")
    assert info.value.errors == [
        "empty.csv: empty: expected a CSV header row of field names or a users XML document"]


def test_xml_structure_errors():
    doc = ("<users>\n<user><username>1</username><username>2</username></user>\n"
           "<group/>\n<user><name><first>A</first></name></user>\n</users>")
    with pytest.raises(U.SourceError) as info:
        U.read_source(doc, "export.xml")
    assert info.value.errors == [
        "export.xml line 2: <username> appears twice in one <user>",
        "export.xml line 3: <group> under <users>: only <user> records are allowed",
        "export.xml line 4: <name> has child elements: a user field holds text only",
    ]
    with pytest.raises(U.SourceError) as info:
        U.read_source("<config/>", "export.xml")
    assert info.value.errors == ["export.xml: root element is <config>, expected <users>"]
    with pytest.raises(U.SourceError) as info:
        U.read_source('<!DOCTYPE x [<!ENTITY e "boom">]><users/>', "evil.xml")
    assert info.value.errors == ["evil.xml: DOCTYPE and ENTITY declarations are not allowed in DECT server files"]


def test_typed_parse_of_a_csv_keeps_bad_values_for_validation():
    parsed, origins = U.parse(b"localno,tx_gain,disabled,linetype\n1,3,TRUE,s\n2,loud,no,\n", "dect")
    assert parsed == [{"localno": "1", "tx_gain": 3, "disabled": True, "linetype": "S"},
                      {"localno": "2", "tx_gain": "loud", "disabled": False}]
    assert origins == ["src line 2", "src line 3"]


def test_typed_puts_fields_in_document_order():
    parsed = U.parse(b"displayname,username,ipei,extra\nA,1,00077 0000001,x\n", "ipdect")[0]
    assert list(parsed[0]) == ["ipei", "username", "displayname", "extra"]


# ------------------------------------------------------------------------------ merge
def test_merge_updates_imported_records_by_identity_and_appends_the_rest():
    source = U.read_csv("username,ipei,displayname\n1001,00077 0000001,Old\n1002,00077 0000002,Keep\n", "s.csv")
    records, origins = U.merge(source, [
        {"username": "1001", "displayname": "New", "ipei": None, "authpassword": "pw"},
        {"username": "1003"},
        {"displayname": "no identity"},
    ], "ipdect")
    assert records == [
        {"username": "1001", "displayname": "New", "authpassword": "pw"},
        {"username": "1002", "ipei": "00077 0000002", "displayname": "Keep"},
        {"username": "1003"},
        {"displayname": "no identity"},
    ]
    assert origins == ["s.csv line 2 + users[0]", "s.csv line 3", "users[1]", "users[2]"]
    assert source.records[0]["displayname"] == "Old", "merge must not change the source"


def test_merge_on_dect_uses_localno():
    source = U.read_csv("localno,username\n2001,a\n", "s.csv")
    records = U.merge(source, [{"localno": 2001, "accesscode": "12"}, {"username": "a"}], "dect")[0]
    assert records == [{"localno": 2001, "username": "a", "accesscode": "12"}, {"username": "a"}]


def test_merge_without_source():
    assert U.merge(None, [{"username": "1"}], "ipdect") == ([{"username": "1"}], ["users[0]"])


# ------------------------------------------------------------------------------ scale
def big_site(count=4096):
    return [{"ipei": "%05d%07d" % (77, n), "username": str(10000 + n), "standbytext": str(10000 + n),
             "displayname": "User %d" % n, "authuser": "u%d" % n, "authpassword": "pw-%d" % n, "disabled": False}
            for n in range(count)]


def test_4096_users_validate_and_render_well_under_a_second():
    entries = big_site()
    started = time.perf_counter()
    checked = U.validate(entries, "ipdect", strict=True)
    text = U.render(checked.records)
    elapsed = time.perf_counter() - started
    assert checked.errors == []
    assert text.count("<user>") == 4096
    assert elapsed < 1.0, elapsed
    assert U.render(U.validate(entries, "ipdect").records) == text, "rendering must be deterministic"
    parsed = U.parse(text.encode(), "ipdect")[0]
    assert U.render(U.validate(parsed, "ipdect").records) == text


# ------------------------------------------------------------------------------ docs
def test_docs_field_table_matches_the_schema():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "users_xml.md").read_text()
    labels = {"ipdect": "400/6500", "dect": "2500/8000"}
    for field in U.FIELDS:
        notes = ["mandatory on " + "/".join(labels[m] for m in field.mandatory)] if field.mandatory else []
        notes += ["secret"] if field.secret else []
        notes += [field.note] if field.note else []
        row = "| `%s` | %s | %s | %s | %s | %s |" % (
            field.name, "yes" if "ipdect" in field.families else "-", "yes" if "dect" in field.families else "-",
            field.type.describe(), field.description, "; ".join(notes))
        assert row in doc, "docs/users_xml.md is stale for %s: expected row\n%s" % (field.name, row)

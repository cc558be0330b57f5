"""The one home for masking secrets (plugins/module_utils/_secrets.py) and its users: config and
users masking, fingerprints in diffs, and messages that never repeat a secret."""

from __future__ import annotations

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import _secrets as sec
from ansible_collections.dect.provisioning.plugins.module_utils import config_settings as cs
from ansible_collections.dect.provisioning.plugins.module_utils import users

SECRET = "Pw-S3cret-91"


# These tests are about other checks: the reachability checks (a config without polling or check-sync,
# static addressing without an address) are waived unless a test names its own allow_unsafe.
REACHABILITY = ("polling_and_check_sync_off", "static_without_address")


def validate(settings, family, strict=False, **policy):
    policy.setdefault("allow_unsafe", REACHABILITY)
    return cs.validate(settings, family, strict, **policy)


def validate_document(data, family, strict=False, **policy):
    policy.setdefault("allow_unsafe", REACHABILITY)
    return cs.validate_document(data, family, strict, **policy)


@pytest.mark.parametrize("name", ["password", "sippassword", "sio_passwd", "admin_pwd", "user_pin", "pin", "sippin",
                                  "api_key", "apikey", "secret", "client_secret", "token", "auth_token", "community",
                                  "trapcommunity", "accesscode", "system_access_code", "credentials", "wpa_psk",
                                  "sip.auth.password",
                                  # marks in any position, any case (issue 22: names the old detector missed)
                                  "adminpass", "pw", "PW", "pincode", "bindpass", "sip_pass", "AdminPass", "bind_pw",
                                  "keyfile", "privatekey", "authkey", "auth_mode", "authuser", "x_token_y",
                                  "spinner", "keypad_pin", "ping_password", "pinging_key"])
def test_secret_looking_names(name):
    assert sec.is_secret_name(name)


@pytest.mark.parametrize("name", ["username", "keypad", "ping", "mapping", "hostname", "interval", "url", "keyboard",
                                  "displayname", "monkeys", "ping_interval", "Keypad", "typing", "language"])
def test_ordinary_names(name):
    assert not sec.is_secret_name(name)


def test_the_schemas_flag_wins_for_names_they_know():
    """Known parameters and fields whose names hold a mark but no secret stay visible; unknown ones are masked."""
    from ansible_collections.dect.provisioning.plugins.module_utils._config.paths import secret_param
    for path in ("dect.auth_call", "security.strict_password", "security.password_lifetime",
                 "security.passwords_unexportable", "system_event.auth_call"):
        assert not secret_param(path.split(".")), path
    assert secret_param(["security", "adminpass"]) and secret_param(["phonebook", "ldap_bindpass"])
    assert not users.is_secret_field("authuser") and users.is_secret_field("sip_pass")
    assert users.mask_user({"username": "2101", "authuser": "a2101", "sip_pass": "Sp-S3cret"}) == {
        "username": "2101", "authuser": "a2101", "sip_pass": sec.MASK}


@pytest.mark.parametrize("url,masked,secret", [
    ("https://prov:%s@192.0.2.10/dect" % SECRET, "https://prov:********@192.0.2.10/dect", SECRET),
    ("ftp://:%s@h" % SECRET, "ftp://:********@h", SECRET),
    # invalid URLs: that is when an error message quotes them
    ("https://prov:Pw S3cret@bad host/dect", "https://prov:********@bad host/dect", "Pw S3cret"),
    ("https://prov:a@b@192.0.2.1/x", "https://prov:********@192.0.2.1/x", "a@b"),
    ("https://192.0.2.10/dect", "https://192.0.2.10/dect", None),
    ("192.0.2.10", "192.0.2.10", None),
])
def test_mask_url_and_url_secret(url, masked, secret):
    assert sec.mask_url(url) == masked
    assert sec.url_secret(url) == secret


def test_fingerprint_changes_with_the_secret_and_hides_it():
    first = sec.fingerprint("sip.auth.password", "", SECRET)
    assert first == sec.fingerprint("sip.auth.password", "", SECRET)
    assert first != sec.fingerprint("sip.auth.password", "", SECRET + "x")
    assert first != sec.fingerprint("application.password", "", SECRET)
    assert len(first) == 8 and SECRET not in first
    assert sec.masked_with_fingerprint("a", "b", SECRET) == "********(%s)" % sec.fingerprint("a", "b", SECRET)


def test_scrub_replaces_known_values_and_url_passwords():
    text = "failed for %s at ftp://u:Other-77@192.0.2.1/x (again %s)" % (SECRET, SECRET)
    assert sec.scrub(text, {SECRET}) == "failed for ******** at ftp://u:********@192.0.2.1/x (again ********)"
    # the longer secret first, so a secret containing another leaves nothing behind
    assert sec.scrub("abcdef", {"abc", "abcdef"}) == "********"
    # a masked URL keeps its fingerprint (diff lines are scrubbed too)
    fingerprinted = "url = http://u:%s@192.0.2.1/x" % sec.masked_with_fingerprint("url", "password", SECRET)
    assert sec.scrub(fingerprinted, {SECRET}) == fingerprinted
    # values too short to hunt in free text are left alone there
    assert sec.scrub("users[1]", {"1"}) == "users[1]"
    # short ones (PINs, access codes) only where they stand alone, not inside a longer number
    assert sec.scrub("ipei '00077 0000002', code '000', pin=4711", {"000", "4711"}) == \
        "ipei '00077 0000002', code '********', pin=********"
    # long ones wherever they are, inside a word too (a displayname holding the password)
    assert sec.scrub("name 'xPw-S3cret-91x'", {SECRET}) == "name 'x********x'"


def test_scrub_result_covers_msg_errors_warnings():
    result = {"msg": "x %s" % SECRET, "errors": ["e %s" % SECRET], "warnings": ["w %s" % SECRET], "changed": False}
    assert sec.scrub_result(result, {SECRET}) == {"msg": "x ********", "errors": ["e ********"],
                                                  "warnings": ["w ********"], "changed": False}


# ------------------------------------------------------------------------------ config
@pytest.mark.parametrize("url,error", [
    ("https://prov:%s@bad host/dect" % SECRET,
     "provisioning.server.url: value 'https://prov:********@bad host/dect' is invalid:"
     " 'https://prov:********@bad host/dect' is not a provisioning URL:"
     " expected [<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]"),
    ("https://prov:%s\"@192.0.2.1/dect" % SECRET,
     "provisioning.server.url: value 'https://prov:********@192.0.2.1/dect' is invalid:"
     " provisioning URL 'https://prov:********@192.0.2.1/dect' contains a quote, backslash or control character"),
    ("gopher://prov:%s@192.0.2.1/x" % SECRET,
     "provisioning.server.url: value 'gopher://prov:********@192.0.2.1/x' is invalid:"
     " provisioning URL protocol 'gopher' is not supported: allowed tftp, ftp, http, https"),
])
def test_invalid_provisioning_url_error_never_repeats_its_password(url, error):
    checked = validate({"provisioning": {"server": {"url": url}}}, "ipdect")
    assert checked.errors == [error]
    # the probe reports a fetched config through the same texts
    document = cs.render({"provisioning": {"server": {"url": url}}})
    errors, _warnings = validate_document(document, "ipdect")
    assert all(SECRET not in e for e in errors) and errors


UNKNOWN_SECRETS = {"sip": {"auth": {"password": SECRET}, "admin_pwd": "Pwd-Value-1", "door_pin": "4711",
                           "api_key": "Key-Value-1"},
                   "security": {"password_lifetime": 30},
                   "provisioning": {"server": {"url": "https://prov:Url-Pass-2@192.0.2.1/dect"}}}


def test_config_masks_schema_secrets_secret_looking_names_and_url_passwords():
    checked = validate(UNKNOWN_SECRETS, "ipdect")
    assert checked.errors == []
    masked = cs.mask_settings(checked.settings)
    assert masked == {"sip": {"auth": {"password": "********"}, "admin_pwd": "********", "door_pin": "********",
                              "api_key": "********"},
                      # the schema says password_lifetime is no secret: the schema wins
                      "security": {"password_lifetime": checked.settings["security"]["password_lifetime"]},
                      "provisioning": {"server": {"url": "https://prov:********@192.0.2.1/dect"}}}
    assert checked.settings["security"]["password_lifetime"] in (30, "30")
    rendered = cs.render(cs.mask_settings(checked.tree))
    for value in ("Pwd-Value-1", "4711", "Key-Value-1", SECRET, "Url-Pass-2"):
        assert value not in rendered
    assert cs.secrets_of(UNKNOWN_SECRETS) == {SECRET, "Pwd-Value-1", "4711", "Key-Value-1", "Url-Pass-2"}


def test_config_diff_summary_fingerprints_secrets():
    before = cs.summary({"sip": {"auth": {"password": SECRET}, "admin_pwd": "a-1"}})
    after = cs.summary({"sip": {"auth": {"password": SECRET + "-new"}, "admin_pwd": "a-1"}})
    assert before["sip.auth.password"] != after["sip.auth.password"]
    assert before["sip.admin_pwd"] == after["sip.admin_pwd"]
    assert after["sip.auth.password"] == "********(%s)" % sec.fingerprint("sip.auth.password", "", SECRET + "-new")
    url = cs.summary({"provisioning": {"server": {"url": "http://u:%s@192.0.2.1/x" % SECRET}}})
    assert url == {"provisioning.server.url": "http://u:********(%s)@192.0.2.1/x"
                   % sec.fingerprint("provisioning.server.url", "password", SECRET)}
    assert SECRET not in repr(before) + repr(after) + repr(url)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\ufffe"])
def test_config_value_with_a_character_xml_does_not_allow_names_its_path(char):
    checked = validate({"network": {"hostname_text": "ward" + char}, "sip": {"auth": {"password": "p" + char}}},
                       "ipdect")
    assert cs.character_errors(checked.tree) == [
        "network.hostname_text: value 'ward\\u%04x' contains the character U+%04X, which XML 1.0 does not allow"
        " (the device rejects the whole file)" % (ord(char), ord(char)),
        "sip.auth.password: value '********' contains the character U+%04X, which XML 1.0 does not allow"
        " (the device rejects the whole file)" % ord(char)]


def test_parsed_config_with_duplicate_sections_and_parameters_is_an_error():
    data = (b"<config>\n<sip>\n<localport>5060</localport>\n<localport>5070</localport>\n</sip>\n"
            b"<network><hostname>a</hostname></network>\n<sip><defaultdomain>x</defaultdomain></sip>\n</config>\n")
    with pytest.raises(cs.XmlError) as caught:
        cs.parse(data, "ipdect")
    assert str(caught.value) == (
        "2 duplicate element(s): sip.localport appears twice (lines 3 and 4); sip appears twice (lines 2 and 7);"
        " a section or parameter may appear only once in a config document")


def test_parsing_refuses_deep_nesting_while_reading():
    data = b"<config>" + b"<a>" * 250 + b"x" + b"</a>" * 250 + b"</config>"
    with pytest.raises(cs.XmlError) as caught:
        cs.parse(data, "ipdect")
    assert str(caught.value) == ("elements nested more than 16 deep (<a> at line 1): not a DECT server document"
                                 " (config is at most 6 deep, users 3)")


# ------------------------------------------------------------------------------ users
def test_users_mask_secret_looking_fields_the_schema_does_not_know():
    user = {"username": "1001", "sippassword": "Sip-Pass-5", "pin": "1234", "authpassword": SECRET,
            "displayname": "Ward A"}
    assert users.mask_user(user) == {"username": "1001", "sippassword": "********", "pin": "********",
                                     "authpassword": "********", "displayname": "Ward A"}
    assert users.masked_fields([user]) == ["users[0].sippassword", "users[0].pin", "users[0].authpassword"]
    assert users.secrets_of([user]) == {"Sip-Pass-5", "1234", SECRET}
    before = users.summary([user], "ipdect")
    after = users.summary([dict(user, sippassword="Sip-Pass-6")], "ipdect")
    assert before != after and "Sip-Pass" not in repr(before) + repr(after)


def test_users_unknown_secret_field_error_masks_its_value():
    checked = users.validate([{"username": "1", "sippassword": "S\x00cret-1"}], "ipdect")
    assert checked.errors == ["users[0] (username '1'): sippassword: value '********' contains the control"
                              " character U+0000: not allowed in a users file"]


def test_users_import_refuses_deep_nesting_while_reading():
    data = "<users><user>" + "<a>" * 40 + "</a>" * 40 + "</user></users>"
    with pytest.raises(users.SourceError) as caught:
        users.read_source(data, "deep.xml")
    assert caught.value.errors == ["deep.xml: elements nested more than 16 deep (<a> at line 1): not a DECT server"
                                   " document (config is at most 6 deep, users 3)"]


def test_a_rendered_document_that_does_not_parse_is_never_handed_to_copy():
    """The last guard of the render backends (plugin_utils/_render.py): whatever the renderer
    produced is parsed back first; here a renderer that lets a NUL through."""
    from ansible_collections.dect.provisioning.plugins.plugin_utils._render import (
        ConfigBackend,
        DocumentInvalid,
        RenderedDocument,
    )

    class Leaky(ConfigBackend):
        def _render(self, read_input):
            return RenderedDocument(text="<config><a>x\x00</a></config>\n", masked_text="", summarize=dict,
                                    result={}, warnings=["w"])

    with pytest.raises(DocumentInvalid) as caught:
        Leaky({"strict": False}, "ipdect").render()
    assert len(caught.value.errors) == 1
    assert caught.value.errors[0].startswith("config-xml: the rendered document does not parse back (not well-formed"
                                             " XML: ")
    assert caught.value.warnings == ["w"]


def test_input_size_messages():
    from ansible_collections.dect.provisioning.plugins.module_utils import document

    assert document.MAX_INPUT_SIZE == 8 * 1024 * 1024
    assert document.input_size_error("content", 100, 100) is None
    assert document.input_size_error("content", 101, 100) == (
        "content is 101 bytes, more than max_input_size allows (100 bytes): nothing was read; raise max_input_size"
        " to read a larger document")
    assert document.max_input_size_error(1) is None
    assert document.max_input_size_error(0) == "max_input_size: value '0' is out of range: allowed integer >= 1 (bytes)"

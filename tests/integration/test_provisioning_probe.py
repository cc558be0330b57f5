"""provisioning_probe and the _fetch package against real tftpd-hpa, nginx (HTTP, HTTPS with a test CA, basic
auth) and vsftpd, started from the configurations the provisioning_server role rendered, over a root
it set up and the config_xml, users_xml and firmware modules staged."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._fetch.client import check_file, fetch_file
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import mask_url
from devtools import probe_daemons
from devtools.ansible_runner import run_playbook
from devtools.procs import need_binary, need_root, world_traversable_dir
from devtools.provisioning_daemons import start_rendered, start_tftp, stop_all
from devtools.provisioning_site import ports

pytestmark = pytest.mark.daemons

HERE = Path(__file__).resolve().parent
MAC_OK = "0013d1800032"          # config, users, kws.bin + .ver: everything a device needs
MAC_NO_USERS = "0013d1800033"    # config only
MAC_BAD_XML = "0013d1800034"     # config not well-formed, users fine
MAC_ORPHAN = "0013d1800035"      # config names orphan.bin: .ver there, image not
MAC_SCHEMA = "0013d1800036"      # well-formed config with a value Appendix A refuses
SECRET = "s3cr3t-Pw"
BAD_XML = b'<?xml version="1.0"?>\n<config>\n  <network>\n    <bootproto>dhcp</bootproto>\n  </network>\n'
PROTOCOLS = ["tftp", "http", "https", "ftp"]


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def role_vars(work, root, conf, protocols, **extra):
    """Extra vars of one provisioning_server render on free ports into ``conf``."""
    values = dict(dect_provisioning_root=str(root), dect_provisioning_protocols=protocols,
                  provisioning_server_config_dir=str(conf), **ports())
    values.update(extra)
    return values


def stage(work, name, extra_vars):
    (work / name).mkdir()
    run = run_playbook(HERE / "playbooks" / "probe_stage.yml", work / name, extra_vars=extra_vars)
    assert run.rc == 0, run.output
    return extra_vars


class Served:
    """The staged root, the running daemons and the provisioning URL of each protocol."""

    def __init__(self, work):
        self.work = work
        self.daemons = {}
        self.urls = {}

    def stop(self):
        stop_all(self.daemons)


@pytest.fixture(scope="module")
def served():
    need_root()
    for binary in ("in.tftpd", "nginx", "vsftpd", "openssl"):
        need_binary(binary)
    # nginx workers and vsftpd drop to unprivileged users: the root's parents must be traversable.
    with world_traversable_dir("dect-probe-") as work:
        state = Served(work)
        try:
            state.root = work / "srv-dect"
            state.firmware = work / "kws6500-PCS24B.bin"
            state.firmware.write_bytes(os.urandom(300 * 1024 + 17))
            pki = work / "pki"
            ca, ca_key = probe_daemons.make_ca(pki)
            cert, key = probe_daemons.issue_server_cert(pki, ca, ca_key)
            wrong_ca, _key = probe_daemons.make_ca(pki, "some-other-ca")
            state.ca, state.wrong_ca = str(ca), str(wrong_ca)

            main = stage(work, "stage", role_vars(work, state.root, work / "etc", PROTOCOLS, probe_firmware_src=str(state.firmware),
                                                  provisioning_server_tls_cert=str(cert), provisioning_server_tls_key=str(key),
                                                  provisioning_server_http_user="prov",
                                                  provisioning_server_http_password=SECRET))
            state.daemons.update(start_rendered(work / "etc", PROTOCOLS, work))
            state.ports = dict((p, main["provisioning_server_%s_port" % p]) for p in PROTOCOLS)
            # HTTP and HTTPS ask for basic auth (the role's http_user): the URL carries it, as a device's would.
            state.urls = {
                "tftp": "127.0.0.1:%d" % state.ports["tftp"],  # a bare host: TFTP, as the guide says
                "http": "http://prov:%s@127.0.0.1:%d" % (SECRET, state.ports["http"]),
                "https": "https://prov:%s@127.0.0.1:%d/" % (SECRET, state.ports["https"]),
                "ftp": "ftp://127.0.0.1:%d" % state.ports["ftp"],
                "http_no_auth": "http://127.0.0.1:%d" % state.ports["http"],
                "http_bad_auth": "http://prov:wrong@127.0.0.1:%d" % state.ports["http"],
            }
            yield state
        finally:
            state.stop()


def run_cases(served, tmp_path, cases):
    """Run probe_cases.yml for ``cases``; return (run, {case name: registered result})."""
    results = tmp_path / "results.json"
    run = run_playbook(HERE / "playbooks" / "probe_cases.yml", tmp_path,
                       extra_vars={"probe_cases": cases, "probe_results": str(results)})
    assert run.rc == 0, run.output
    by_name = {item["item"]["name"]: item for item in json.loads(results.read_text())}
    return run, by_name


# ----------------------------------------------------------------------------- the _fetch package directly


@pytest.mark.parametrize("protocol", ["tftp", "http", "https", "ftp"])
def test_fetch_gets_the_staged_bytes(served, protocol):
    result = fetch_file(served.urls[protocol], "kws.bin", ca_path=served.ca, timeout=2)
    assert (result.status, result.error) == ("ok", None)
    assert result.data == served.firmware.read_bytes()
    assert result.sha256 == sha256(served.firmware)
    size = check_file(served.urls[protocol], "kws.bin", ca_path=served.ca, timeout=2)
    assert (size.status, size.size, size.data) == ("ok", served.firmware.stat().st_size, None)
    missing = fetch_file(served.urls[protocol], "nothing-here.bin", ca_path=served.ca, timeout=2)
    assert missing.status == "missing"


def test_missing_answers_name_the_protocol_code(served):
    tftp = fetch_file(served.urls["tftp"], "nothing-here.bin", timeout=2)
    http = fetch_file(served.urls["http"], "nothing-here.bin", timeout=2)
    ftp = fetch_file(served.urls["ftp"], "nothing-here.bin", timeout=2)
    assert (tftp.code, http.code, ftp.code) == (1, 404, 550)
    port = served.ports["tftp"]
    assert tftp.error == ("tftp://127.0.0.1:%d/nothing-here.bin: TFTP server 127.0.0.1 port %d answered "
                          "error 1: File not found" % (port, port))
    assert http.error.endswith("answered 404 Not Found for /nothing-here.bin")
    assert ftp.error.endswith("answered 550 Failed to open file. for nothing-here.bin")


def test_tftp_server_ignoring_options_still_serves_in_512_byte_blocks(served, tmp_path):
    plain = start_tftp(served.root, workdir=tmp_path, options=("--secure", "--refuse", "blksize", "--refuse", "tsize"))
    try:
        result = fetch_file("127.0.0.1:%d" % plain.port, "kws.bin", timeout=2)
        size = check_file("127.0.0.1:%d" % plain.port, "kws.bin", timeout=2)
    finally:
        plain.stop()
    assert result.sha256 == sha256(served.firmware)
    assert (size.status, size.size) == ("ok", None)  # there, size unknown without tsize


def test_https_with_another_ca_is_a_tls_error(served):
    result = fetch_file(served.urls["https"], "kws.bin.ver", ca_path=served.wrong_ca, timeout=2)
    assert result.status == "error"
    port = served.ports["https"]
    assert result.error == ("https://prov:********@127.0.0.1:%d/kws.bin.ver: TLS certificate verification failed for HTTPS "
                            "server 127.0.0.1 port %d: unable to get local issuer certificate" % (port, port))


def test_basic_auth_from_the_url(served):
    good = fetch_file(served.urls["http"], "kws.bin.ver", timeout=2)
    bad = fetch_file(served.urls["http_bad_auth"], "kws.bin.ver", timeout=2)
    none = fetch_file(served.urls["http_no_auth"], "kws.bin.ver", timeout=2)
    assert (good.status, good.data) == ("ok", b"PCS24B 71234")
    assert (bad.status, bad.code, none.status, none.code) == ("error", 401, "error", 401)
    assert "wrong" not in bad.error and bad.location.startswith("http://prov:********@127.0.0.1:")
    assert SECRET not in good.location


def test_ftp_login_from_the_url_is_used_and_a_refusal_is_an_error(served):
    # The role's vsftpd here is anonymous-only: a URL naming a user must log in as that user and fail.
    url = "ftp://dect:%s@127.0.0.1:%d" % (SECRET, served.ports["ftp"])
    result = fetch_file(url, "kws.bin.ver", timeout=2)
    assert (result.status, result.code) == ("error", 530)
    assert result.error == ("ftp://dect:********@127.0.0.1:%d/kws.bin.ver: FTP server 127.0.0.1 port %d refused the "
                            "login of dect: 530 This FTP server is anonymous only." % ((served.ports["ftp"],) * 2))


# ----------------------------------------------------------------------------- the module


def file_reports(result):
    return [(f["name"], f["kind"], f["status"]) for f in result["files"]]


def test_probe_fetches_and_validates_over_every_protocol(served, tmp_path):
    cases = [
        dict(name="tftp", url=served.urls["tftp"], mac="00:13:D1:80:00:32"),
        dict(name="http", url=served.urls["http"], mac=MAC_OK, fetch_bin=True),
        dict(name="https", url=served.urls["https"], mac=MAC_OK, ca_path=served.ca),
        dict(name="ftp", url=served.urls["ftp"], mac=MAC_OK, fetch_bin=True),
        dict(name="https-check-mode", url=served.urls["https"], mac=MAC_OK, ca_path=served.ca, check_mode=True),
        dict(name="firmware-given", url=served.urls["http"], mac=MAC_OK, firmware={"kws": "kws.bin"},
             fetch_users=False),
    ]
    run, results = run_cases(served, tmp_path, cases)
    config_sha = sha256(served.root / ("%s-config.xml" % MAC_OK))
    users_sha = sha256(served.root / ("%s-users.xml" % MAC_OK))
    for name in ("tftp", "http", "https", "ftp", "https-check-mode"):
        result = results[name]
        assert not result.get("failed"), (name, result.get("msg"))
        assert result["changed"] is False
        assert file_reports(result) == [
            ("%s-config.xml" % MAC_OK, "config", "ok"),
            ("%s-users.xml" % MAC_OK, "users", "ok"),
            ("kws.bin.ver", "version", "ok"),
            ("kws.bin", "firmware", "ok"),
        ]
        config, users, version, image = result["files"]
        assert (config["sha256"], users["sha256"]) == (config_sha, users_sha)
        assert config["errors"] == users["errors"] == [] and config["warnings"] == []
        assert version["version"] == "PCS24B 71234" and result["versions"] == {"kws": "PCS24B 71234"}
        assert image["size"] == served.firmware.stat().st_size
        assert image["firmware_kind"] == "kws"
    assert results["tftp"]["protocol"] == "tftp" and results["ftp"]["protocol"] == "ftp"
    assert results["http"]["files"][3]["sha256"] == sha256(served.firmware)
    assert results["ftp"]["files"][3]["transferred"] is True
    assert results["https"]["files"][3]["transferred"] is False  # fetch_bin false: presence and size only
    assert results["https"]["files"][0]["location"] == "https://prov:********@127.0.0.1:%d/%s-config.xml" % (
        served.ports["https"], MAC_OK)
    given = results["firmware-given"]
    assert not given.get("failed"), given.get("msg")
    assert [f["name"] for f in given["files"]] == ["%s-config.xml" % MAC_OK, "kws.bin.ver", "kws.bin"]
    assert given["url"] == "http://prov:********@127.0.0.1:%d" % served.ports["http"]
    assert SECRET not in run.output


def test_probe_fails_on_what_a_device_would_trip_on(served, tmp_path):
    cases = [
        dict(name="wrong-ca", url=served.urls["https"], mac=MAC_OK, ca_path=served.wrong_ca),
        dict(name="no-users", url=served.urls["http"], mac=MAC_NO_USERS),
        dict(name="bad-xml", url=served.urls["tftp"], mac=MAC_BAD_XML, firmware={}),
        dict(name="orphan-ver", url=served.urls["ftp"], mac=MAC_ORPHAN),
        dict(name="schema", url=served.urls["http"], mac=MAC_SCHEMA, fetch_users=False),
        dict(name="bad-password", url=served.urls["http_bad_auth"], mac=MAC_OK, fetch_users=False),
        dict(name="rfp-on-6500", url=served.urls["http"], mac=MAC_OK, firmware={"rfp": "rfp.bin"}),
    ]
    run, results = run_cases(served, tmp_path, cases)
    https, http = mask_url(served.urls["https"]), mask_url(served.urls["http"])
    https_port, http_port = served.ports["https"], served.ports["http"]

    wrong_ca = results["wrong-ca"]
    assert wrong_ca["failed"] is True
    assert wrong_ca["msg"].splitlines()[1] == (
        "%s-config.xml: error: https://prov:********@127.0.0.1:%d/%s-config.xml: TLS certificate verification failed for "
        "HTTPS server 127.0.0.1 port %d: unable to get local issuer certificate" % (MAC_OK, https_port, MAC_OK, https_port))
    assert {f["status"] for f in wrong_ca["files"]} == {"error"}
    assert wrong_ca["msg"].startswith("2 problem(s) a DECT server at %s would trip on:\n" % https)

    no_users = results["no-users"]
    assert no_users["failed"] is True
    assert no_users["msg"] == (
        "1 problem(s) a DECT server at %s would trip on:\n"
        "%s-users.xml: missing: http://prov:********@127.0.0.1:%d/%s-users.xml: HTTP server 127.0.0.1 port %d answered "
        "404 Not Found for /%s-users.xml" % (http, MAC_NO_USERS, http_port, MAC_NO_USERS, http_port, MAC_NO_USERS))
    assert [f["status"] for f in no_users["files"]] == ["ok", "missing", "ok", "ok"]

    from lxml import etree
    with pytest.raises(etree.XMLSyntaxError) as parser:
        etree.fromstring(BAD_XML)
    bad_xml = results["bad-xml"]
    assert bad_xml["failed"] is True
    assert bad_xml["files"][0]["status"] == "invalid"
    assert bad_xml["files"][0]["errors"] == ["not well-formed XML: %s" % parser.value]
    assert "%s-config.xml: invalid: not well-formed XML: %s" % (MAC_BAD_XML, parser.value) in bad_xml["msg"]
    assert [f["status"] for f in bad_xml["files"]] == ["invalid", "ok"]

    orphan = results["orphan-ver"]
    assert orphan["failed"] is True
    assert file_reports(orphan)[2:] == [("orphan.bin.ver", "version", "ok"), ("orphan.bin", "firmware", "missing")]
    assert orphan["files"][3]["errors"][-1] == (
        "orphan.bin.ver names version 'PCS25A 80001' but orphan.bin is not there: a device running another "
        "version fails to update")
    assert orphan["msg"].count("orphan.bin: missing: ") == 2
    assert orphan["files"][3]["code"] == 550

    schema = results["schema"]
    assert schema["failed"] is True
    assert schema["files"][0]["errors"][0] == (
        "provisioning.check.interval: value 'soon' is not a whole number: allowed integer >= 0 (minutes)")
    # Without a usable interval, and check-sync left at the device's default, nothing would reach it.
    assert len(schema["files"][0]["errors"]) == 2
    assert schema["files"][0]["errors"][1].startswith("provisioning.check.check_sync: not set (default 'disabled')")

    assert results["bad-password"]["failed"] is True
    assert "answered 401 Unauthorized" in results["bad-password"]["msg"]
    assert "wrong" not in results["bad-password"]["msg"]
    # What the module returned - invocation included - never shows a password. (Ansible itself
    # echoes the loop item, the test's own data, for a failed iteration.)
    for result in results.values():
        returned = json.dumps(dict((k, v) for k, v in result.items() if k != "item"))
        assert SECRET not in returned and "prov:wrong@" not in returned
    assert results["no-users"]["invocation"]["module_args"]["url"] == http

    rfp = results["rfp-on-6500"]
    assert rfp["failed"] is True
    assert rfp["msg"] == ("firmware.rfp: 'rfp.bin' is not a firmware kind of model 6500: allowed kws, "
                          "pp14208700, pp14225100, pp14225110, pp14225190")

"""provisioning_probe against hostile provisioning servers built here on 127.0.0.1 (HTTP, HTTPS,
TFTP, FTP) that never end, drip, flood or lie.

Each case runs the probe's work (``_provisioning_probe.probe_device``, what the module's ``main`` calls) in a
fresh child process and asserts the exact per-file error, that the child's resident memory grew
by less than 100 MB at its peak, that the call ended within the file's deadline + 1 s, and that
the report of every other file still came back. One case runs the module through
ansible-playbook to show the task reports instead of dying. The cases are the rows of
docs/hostile-input.md, section provisioning_probe.
"""

from __future__ import annotations

import json

import pytest

from devtools import hostile
from devtools.ansible_runner import run_playbook

MAC = "0013d1800032"
CONFIG = MAC + "-config.xml"
USERS = MAC + "-users.xml"
MB = 1024 * 1024
DEFAULT_MAX_SIZE = 8 * MB
LIMIT_MB = 100


def params(url, **overrides):
    values = dict(url=url, mac=MAC, model="6500", firmware={}, fetch_config=True, fetch_users=False, fetch_bin=False,
                  validate=False, ca_path=None, validate_certs=True, timeout=2.0, retries=1, deadline=3.0,
                  max_size=DEFAULT_MAX_SIZE, max_image_size=512 * MB)
    values.update(overrides)
    return values


def probe(collections, values):
    report = hostile.run_in_child("devtools.hostile", "probe", [values], collections)
    assert hostile.grown_mb(report) < LIMIT_MB, report
    return report, report["value"]


def files(outcome):
    return {entry["name"]: entry for entry in outcome["result"]["files"]}


def assert_bounded(report, deadline):
    assert report["elapsed"] <= deadline + 1.0, report["elapsed"]


# ----------------------------------------------------------------------------- HTTP


@pytest.mark.parametrize("case, route, expected", [
    ("endless body", hostile.http_endless(),
     "the server sent more than the size limit of 8388608 bytes: transfer stopped"),
    ("endless chunked body", hostile.http_endless_chunked,
     "the server sent more than the size limit of 8388608 bytes: transfer stopped"),
    ("huge Content-Length", hostile.http_endless(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"),
     "the server announced 1000000000000 bytes, more than the size limit of 8388608 bytes: not transferred"),
    ("body drip", hostile.drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 0.01),
     "not complete within the deadline of 3s: transfer stopped"),
    ("header drip", hostile.drip(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 1000, 0.5),
     "not complete within the deadline of 3s: transfer stopped"),
    ("endless 100 Continue", hostile.endless_lines(b"", b"HTTP/1.1 100 Continue\r\n\r\n"),
     "not complete within the deadline of 3s: transfer stopped"),
    ("endless header lines", hostile.endless_lines(b"HTTP/1.1 200 OK\r\n", b"X-Junk: y\r\n"),
     "HTTP server 127.0.0.1 port {port}: got more than 100 headers"),
    ("one endless header line", hostile.endless_lines(b"HTTP/1.1 200 OK\r\nX-Junk: ", b"y"),
     "HTTP server 127.0.0.1 port {port}: got more than 65536 bytes when reading header line"),
    ("silent server", hostile.silent,
     "HTTP server 127.0.0.1 port {port}: no answer within 2.0s"),
])
def test_http_config_that_never_ends_drips_or_lies(collections, case, route, expected):
    server = hostile.http_server({CONFIG: route, USERS: hostile.http_ok(b"<users/>")})
    try:
        report, outcome = probe(collections, params("http://127.0.0.1:%d/dect" % server.port, fetch_users=True))
    finally:
        server.stop()
    by_name = files(outcome)
    assert by_name[CONFIG]["status"] == "error", case
    expected = expected.format(port=server.port)
    assert by_name[CONFIG]["errors"] == ["http://127.0.0.1:%d/dect/%s: %s" % (server.port, CONFIG, expected)]
    assert by_name[USERS]["status"] == "ok" and by_name[USERS]["size"] == 8  # the other file still comes back
    assert outcome["failure"].startswith("1 problem(s) a DECT server at http://127.0.0.1:%d/dect" % server.port)
    assert_bounded(report, 3.0)  # the users file takes milliseconds


def test_https_server_that_never_finishes_the_handshake(collections):
    server = hostile.StreamServer(hostile.drip(b"\x16\x03\x01\x00\x40", 0.5))
    try:
        report, outcome = probe(collections, params("https://127.0.0.1:%d" % server.port, timeout=10.0))
    finally:
        server.stop()
    assert files(outcome)[CONFIG]["errors"] == [
        "https://127.0.0.1:%d/%s: not complete within the deadline of 3s: transfer stopped" % (server.port, CONFIG)]
    assert_bounded(report, 3.0)


def test_endless_version_file_and_the_image_still_reported(collections):
    server = hostile.http_server({"kws.bin.ver": hostile.http_endless(), "kws.bin": hostile.http_ok(b"K" * 10)})
    try:
        report, outcome = probe(collections, params("http://127.0.0.1:%d" % server.port, fetch_config=False,
                                                    firmware={"kws": "kws.bin"}, fetch_bin=True))
    finally:
        server.stop()
    by_name = files(outcome)
    assert by_name["kws.bin.ver"]["errors"] == [
        "http://127.0.0.1:%d/kws.bin.ver: the server sent more than the size limit of 1024 bytes: transfer stopped"
        % server.port]
    assert by_name["kws.bin"]["status"] == "ok" and by_name["kws.bin"]["size"] == 10
    assert outcome["result"]["versions"] == {}
    assert_bounded(report, 3.0)


@pytest.mark.parametrize("text, message", [
    (b"\x1b[2J\x1b[31mPCS24B\x1b[0m 71234\n",
     "the version text: '\\x1b[2J\\x1b[31mPCS24B\\x1b[0m 71234' is refused: allowed one line of printable ASCII "
     "(no line breaks, tabs or control characters)"),
    (b"\x1b[31m" * 100,
     "the version text: is 500 characters long: at most 128 allowed"),
    (b"PCS24B\n71234\n",
     "the version text: 'PCS24B\\n71234' is refused: allowed one line of printable ASCII (no line breaks, tabs "
     "or control characters)"),
    (b"\xff\xfe",
     "the version text: is not ASCII text: allowed one line of printable ASCII, for example 'PCS17Ea 58478'"),
])
def test_version_text_the_firmware_rules_refuse_is_invalid(collections, text, message):
    server = hostile.http_server({"kws.bin.ver": hostile.http_ok(text), "kws.bin": hostile.http_ok(b"K")})
    try:
        _report, outcome = probe(collections, params("http://127.0.0.1:%d" % server.port, fetch_config=False,
                                                     firmware={"kws": "kws.bin"}))
    finally:
        server.stop()
    version = files(outcome)["kws.bin.ver"]
    assert (version["status"], version["errors"], version["version"]) == ("invalid", [message], None)
    assert "\x1b" not in json.dumps(outcome)  # no escape sequence reaches the output


def test_config_naming_firmware_outside_the_root_is_invalid_and_nothing_fetched_by_it(collections):
    # otherwise sound (check-sync on), so the path is the one error
    config = (b'<?xml version="1.0" encoding="UTF-8"?>\n<config>\n'
              b'  <provisioning><check><check_sync>update</check_sync></check>'
              b'<firmware><kws>../../../etc/passwd</kws><pp14225100>pp.bin</pp14225100>'
              b'</firmware></provisioning>\n</config>\n')
    server = hostile.http_server({CONFIG: hostile.http_ok(config), "pp.bin.ver": hostile.http_ok(b"P1"),
                                  "pp.bin": hostile.http_ok(b"P")})
    try:
        _report, outcome = probe(collections, params("http://127.0.0.1:%d" % server.port, firmware=None, validate=True))
    finally:
        server.stop()
    by_name = files(outcome)
    assert by_name[CONFIG]["status"] == "invalid"
    assert by_name[CONFIG]["errors"] == [
        "provisioning.firmware.kws: value '../../../etc/passwd' is not allowed: allowed is a file name of letters, digits and "
        "._+- (no path separators or '..')"]
    # Nothing is fetched by the refused name (it once crashed the module); the good name is still probed.
    assert list(by_name) == [CONFIG, "pp.bin.ver", "pp.bin"]
    assert by_name["pp.bin.ver"]["version"] == "P1"


def test_endless_image_stops_at_max_image_size(collections):
    server = hostile.http_server({"kws.bin.ver": hostile.http_ok(b"K1"), "kws.bin": hostile.http_endless()})
    try:
        report, outcome = probe(collections, params("http://127.0.0.1:%d" % server.port, fetch_config=False,
                                                    firmware={"kws": "kws.bin"}, fetch_bin=True,
                                                    max_image_size=4 * MB))
    finally:
        server.stop()
    assert files(outcome)["kws.bin"]["errors"] == [
        "http://127.0.0.1:%d/kws.bin: the server sent more than the size limit of 4194304 bytes: transfer stopped"
        % server.port]
    assert_bounded(report, 3.0)


# ----------------------------------------------------------------------------- TFTP


@pytest.mark.parametrize("case, behaviour, overrides, expected", [
    ("streams blocks forever", hostile.tftp_streaming, dict(deadline=60.0, max_size=2 * MB),
     "the server sent more than the size limit of 2097152 bytes: transfer stopped"),
    ("blasts blocks without waiting", hostile.tftp_blast, dict(deadline=60.0, max_size=2 * MB),
     "the server sent more than the size limit of 2097152 bytes: transfer stopped"),
    ("drips a block per 0.5 s", hostile.tftp_drip(0.5), dict(timeout=2.0),
     "not complete within the deadline of 3s: transfer stopped"),
    ("announces a huge tsize", hostile.tftp_oack([(b"tsize", b"1000000000000")]), {},
     "the server announced 1000000000000 bytes, more than the size limit of 8388608 bytes: not transferred"),
    ("repeats block 1 forever", hostile.tftp_sorcerer, {},
     "not complete within the deadline of 3s: transfer stopped"),
    ("acknowledges options never asked for", hostile.tftp_oack([(b"windowsize", b"64")]), {},
     "TFTP server 127.0.0.1 port {port} acknowledged options it was not asked for: windowsize"),
])
def test_tftp_server_that_never_ends_drips_or_lies(collections, case, behaviour, overrides, expected):
    server = hostile.TftpServer(behaviour)
    try:
        report, outcome = probe(collections, params("tftp://127.0.0.1:%d" % server.port, **overrides))
    finally:
        server.stop()
    config = files(outcome)[CONFIG]
    assert config["status"] == "error", case
    assert config["errors"] == ["tftp://127.0.0.1:%d/%s: %s" % (server.port, CONFIG, expected.format(port=server.port))]
    assert_bounded(report, overrides.get("deadline", 3.0))


def test_silent_tftp_server_is_a_timeout_after_the_retries(collections):
    server = hostile.TftpServer(lambda *args: None)
    try:
        report, outcome = probe(collections, params("tftp://127.0.0.1:%d" % server.port, timeout=0.5, retries=2))
    finally:
        server.stop()
    assert files(outcome)[CONFIG]["errors"] == [
        "tftp://127.0.0.1:%d/%s: TFTP server 127.0.0.1 port %d: no answer after 3 tries of 0.5s each"
        % (server.port, CONFIG, server.port)]
    assert_bounded(report, 3.0)


# ----------------------------------------------------------------------------- FTP


@pytest.mark.parametrize("case, server_args, overrides, expected", [
    ("endless data connection", dict(data=hostile.http_endless(b"")), {},
     "the server sent more than the size limit of 8388608 bytes: transfer stopped"),
    ("data drip", dict(data=hostile.drip(b"<", 0.2)), {},
     "not complete within the deadline of 3s: transfer stopped"),
    ("endless multi-line greeting", dict(greeting=hostile.endless_lines(b"220-hello\r\n", b"220-more\r\n")), {},
     "the server sent a reply of more than 65536 bytes: not an FTP answer"),
    ("greeting drip", dict(greeting=hostile.drip(b"220-" + b"x" * 1000, 0.2)), {},
     "not complete within the deadline of 3s: transfer stopped"),
    ("silent control connection", dict(greeting=hostile.silent), dict(timeout=1.0),
     "no greeting from FTP server 127.0.0.1 port {port}: no answer within 1.0s"),
])
def test_ftp_server_that_never_ends_drips_or_lies(collections, case, server_args, overrides, expected):
    server = hostile.ftp_server(**server_args)
    try:
        report, outcome = probe(collections, params("ftp://127.0.0.1:%d" % server.port, **overrides))
    finally:
        server.stop()
    config = files(outcome)[CONFIG]
    assert config["status"] == "error", case
    assert config["errors"] == ["ftp://127.0.0.1:%d/%s: %s" % (server.port, CONFIG, expected.format(port=server.port))]
    assert_bounded(report, 3.0)


def test_ftp_size_that_lies_is_reported_as_announced(collections):
    server = hostile.ftp_server(size_reply=b"213 999999999999\r\n", data=hostile.http_ok(b""))
    try:
        _report, outcome = probe(collections, params("ftp://127.0.0.1:%d" % server.port, fetch_config=False,
                                                     firmware={"kws": "kws.bin"}))
    finally:
        server.stop()
    by_name = files(outcome)
    assert by_name["kws.bin"]["size"] == 999999999999 and by_name["kws.bin"]["transferred"] is False


# ----------------------------------------------------------------------------- the module, through Ansible


def test_the_task_reports_every_file_when_the_config_never_ends(tmp_path):
    server = hostile.http_server({CONFIG: hostile.http_endless(), USERS: hostile.http_ok(b"<users/>")})
    playbook = tmp_path / "probe.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [{"dect.provisioning.provisioning_probe": {
            "url": "http://127.0.0.1:%d" % server.port, "mac": MAC, "model": "6500", "firmware": {},
            "validate": False, "deadline": 5, "max_size": 1048576},
            "register": "probe", "ignore_errors": True},
            {"ansible.builtin.copy": {"content": "{{ probe | to_json }}", "dest": str(tmp_path / "probe.json"),
                                      "mode": "0600"}}]}]))
    try:
        run = run_playbook(playbook, tmp_path)
    finally:
        server.stop()
    assert run.rc == 0, run.output
    result = json.loads((tmp_path / "probe.json").read_text())
    assert result["failed"] is True
    assert [(f["name"], f["status"]) for f in result["files"]] == [(CONFIG, "error"), (USERS, "ok")]
    assert result["msg"] == ("1 problem(s) a DECT server at http://127.0.0.1:%d would trip on:\n"
                             "%s: error: http://127.0.0.1:%d/%s: the server sent more than the size limit of "
                             "1048576 bytes: transfer stopped" % (server.port, CONFIG, server.port, CONFIG))

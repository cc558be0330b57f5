"""check_sync through ansible-playbook against sipp on 127.0.0.1: UDP, TCP and TLS (socat in front of
a TCP sipp), digest challenges verified by sipp, failure codes, timeouts, a dropped datagram, 500
targets in one call, check mode, and the handler shape roles use."""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest

from devtools.ansible_runner import SYSTEM_PYTHON
from devtools.probe_daemons import issue_server_cert, make_ca
from devtools.procs import need_binary

PASSWORD = "Dect-S3cret-1000"


# The sipp / socat / lossy-relay peers are conftest.py's ``peers`` fixture.

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    need_binary("openssl")
    directory = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key = make_ca(directory)
    cert, key = issue_server_cert(directory, ca_cert, ca_key, name="dect-server")
    return {"ca": str(ca_cert), "cert": str(cert), "key": str(key)}


# --- running the module ------------------------------------------------------------------------

def check_sync(play, tmp_path, check=False, verbosity=0, inventory=None, **options):
    """Run check_sync with ``options``; return (PlaybookRun, the task's registered result)."""
    result_file = tmp_path / "check_sync_result.json"
    if result_file.exists():
        result_file.unlink()
    run = play("check_sync_run.yml", extra_vars={"cs": options, "cs_result_file": str(result_file)}, check=check,
               verbosity=verbosity, inventory=inventory)
    assert result_file.exists(), run.output
    return run, json.loads(result_file.read_text())


def _one(result):
    assert len(result["results"]) == 1, result
    return result["results"][0]


# --- single targets over each transport ---------------------------------------------------------

def test_udp_notify_is_well_formed_and_acknowledged(play, tmp_path, peers):
    sipp = peers.sipp("uas_200")
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=sipp.port, user="1000", timeout=5)
    assert run.rc == 0, run.output
    assert result["changed"] is True and not result.get("failed")
    outcome = _one(result)
    assert (outcome["status"], outcome["reason"], outcome["ok"], outcome["attempts"]) == (200, "OK", True, 1)
    assert outcome["target"] == "1000@127.0.0.1:%d/udp" % sipp.port and outcome["error"] is None
    assert result["failed_targets"] == [] and result["msg"] == "check-sync acknowledged by 1 target(s)"
    # sipp checked every mandatory header (a failed check lands in its error file) and logged them
    assert sipp.errors() == ""
    (line,) = sipp.logs()
    assert line.startswith("NOTIFY user=1000 transport=UDP event= check-sync state= terminated cseq= 1 NOTIFY "
                           "maxfwd= 70 clen= 0 ruri=NOTIFY sip:1000@127.0.0.1:%d SIP/2.0 " % sipp.port)
    assert re.search(r"via= SIP/2\.0/UDP 127\.0\.0\.1:\d+;rport;branch=z9hG4bK[0-9a-f]{20}$", line)


def test_tcp_from_a_python_without_lxml(play, tmp_path, peers, no_lxml_inventory):
    sipp = peers.sipp("uas_200", transport="tcp")
    inventory = no_lxml_inventory
    run, result = check_sync(play, tmp_path, inventory=inventory, host="127.0.0.1", port=sipp.port,
                             transport="tcp", user="2000", timeout=5)
    assert run.rc == 0, run.output
    outcome = _one(result)
    assert (outcome["status"], outcome["transport"], outcome["attempts"]) == (200, "tcp", 1)
    assert outcome["request_uri"] == "sip:2000@127.0.0.1:%d;transport=tcp" % sipp.port
    assert sipp.errors() == "" and sipp.users() == ["2000"]
    assert "transport=TCP" in sipp.logs()[0]


def test_tls_with_the_test_ca(play, tmp_path, peers, certs):
    sipp, tls_port = peers.tls_sipp("uas_200", certs)
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=tls_port, transport="tls", user="3000",
                             ca_path=certs["ca"], timeout=5)
    assert run.rc == 0, run.output
    outcome = _one(result)
    assert (outcome["status"], outcome["reason"], outcome["transport"]) == (200, "OK", "tls")
    assert outcome["request_uri"] == "sips:3000@127.0.0.1:%d" % tls_port
    assert sipp.errors() == "" and sipp.users() == ["3000"]
    assert "transport=TLS" in sipp.logs()[0]  # sipp saw the Via the module wrote, through the TLS hop


def test_tls_untrusted_certificate_fails_unless_validation_is_off(play, tmp_path, peers, certs):
    sipp, tls_port = peers.tls_sipp("uas_200", certs)
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=tls_port, transport="tls", timeout=5,
                             targets=[{"user": "3001"}, {"user": "3002", "validate_certs": False}])
    assert run.rc == 0 and result["failed"] is True  # failed, ignored by the test playbook
    untrusted, unchecked = result["results"]
    assert untrusted["status"] is None and untrusted["reason"] == "TLS error"
    assert untrusted["error"].startswith("TLS certificate of 127.0.0.1:%d not accepted: " % tls_port)
    assert "(set ca_path to the CA that signed it, or validate_certs=false)" in untrusted["error"]
    assert unchecked["status"] == 200
    assert result["failed_targets"] == ["3001@127.0.0.1:%d/tls" % tls_port]
    assert sipp.users() == ["3002"]


# --- digest authentication ----------------------------------------------------------------------

def test_401_challenge_answered_with_a_digest_sipp_verifies(play, tmp_path, peers):
    sipp = peers.sipp("uas_digest", keys={"auth_user": "1000", "auth_pass": PASSWORD})
    run, result = check_sync(play, tmp_path, verbosity=3, host="127.0.0.1", port=sipp.port, user="1000",
                             auth_password=PASSWORD, timeout=5)
    assert run.rc == 0, run.output
    outcome = _one(result)
    assert (outcome["status"], outcome["responses"], outcome["authenticated"]) == (200, [401, 200], True)
    assert outcome["attempts"] == 2
    auth_lines = [line for line in sipp.logs() if line.startswith("AUTH ")]
    assert len(auth_lines) == 1 and auth_lines[0].startswith("AUTH valid=true cseq= 2 NOTIFY ")
    for field in ('username="1000"', 'realm="dect.test"', 'nonce="6a1f3c0e9b2d4c58a7e1"', 'opaque="0p4qu3"',
                  "qop=auth", "nc=00000001", 'uri="sip:1000@127.0.0.1:%d"' % sipp.port):
        assert field in auth_lines[0]
    assert PASSWORD not in run.output


def test_wrong_password_is_reported_not_retried_forever(play, tmp_path, peers):
    sipp = peers.sipp("uas_digest", keys={"auth_user": "1000", "auth_pass": PASSWORD})
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=sipp.port, user="1000",
                             auth_password="not-the-password", timeout=5)
    assert result["failed"] is True
    outcome = _one(result)
    assert (outcome["status"], outcome["responses"], outcome["attempts"]) == (401, [401], 2)
    assert result["msg"] == (
        "check-sync not acknowledged by 1 of 1 target(s): 1000@127.0.0.1:{0}/udp: 401 Unauthorized "
        "(127.0.0.1:{0} rejected the credentials of '1000' (realm 'dect.test'))".format(sipp.port))
    assert [line.split(" cseq")[0] for line in sipp.logs() if line.startswith("AUTH")] == ["AUTH valid=false"]
    assert "not-the-password" not in run.output


def test_407_answered_with_proxy_authorization(play, tmp_path, peers):
    sipp = peers.sipp("uas_proxy_auth")
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=sipp.port, user="1000",
                             auth_username="pbx", auth_password=PASSWORD, timeout=5)
    assert run.rc == 0, run.output
    assert _one(result)["responses"] == [407, 200]
    (line,) = sipp.logs()
    uri = "sip:1000@127.0.0.1:%d" % sipp.port
    # computed here with hashlib, independently of the module: RFC 2617 without qop
    ha1 = hashlib.md5(("pbx:proxy.test:%s" % PASSWORD).encode()).hexdigest()
    ha2 = hashlib.md5(("NOTIFY:%s" % uri).encode()).hexdigest()
    expected = hashlib.md5(("%s:p7c2d9e4:%s" % (ha1, ha2)).encode()).hexdigest()
    assert line == ('PROXY-AUTH start=NOTIFY %s authorization= Digest username="pbx", realm="proxy.test", '
                    'nonce="p7c2d9e4", uri="%s", response="%s", algorithm=MD5' % (uri, uri, expected))


# --- failures -----------------------------------------------------------------------------------

def test_404_and_481_are_failures_named_with_their_codes(play, tmp_path, peers):
    ok, not_found, gone = peers.sipp("uas_200"), peers.sipp("uas_404"), peers.sipp("uas_481")
    targets = [{"port": ok.port}, {"port": not_found.port}, {"port": gone.port}]
    run, result = check_sync(play, tmp_path, host="127.0.0.1", user="1000", timeout=5, targets=targets)
    assert result["failed"] is True
    assert [r["status"] for r in result["results"]] == [200, 404, 481]
    assert result["failed_targets"] == ["1000@127.0.0.1:%d/udp" % not_found.port, "1000@127.0.0.1:%d/udp" % gone.port]
    assert result["msg"] == (
        "check-sync not acknowledged by 2 of 3 target(s): 1000@127.0.0.1:%d/udp: 404 Not Found; "
        "1000@127.0.0.1:%d/udp: 481 Call/Transaction Does Not Exist" % (not_found.port, gone.port))
    assert "fatal: [localhost]: FAILED!" in run.stdout

    # told not to fail: the same outcome, reported, and the play goes on
    run, result = check_sync(play, tmp_path, host="127.0.0.1", user="1000", timeout=5, targets=targets,
                             fail_on_error=False)
    assert run.rc == 0 and not result.get("failed") and len(result["failed_targets"]) == 2
    assert "[WARNING]: check-sync not acknowledged by 2 of 3 target(s)" in run.output


def test_silent_peer_times_out_within_timeout(play, tmp_path, peers):
    sipp = peers.sipp("uas_silent")
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=sipp.port, user="1000", timeout=2)
    assert result["failed"] is True
    outcome = _one(result)
    assert outcome["status"] is None and outcome["reason"] == "timeout"
    assert 2.0 <= outcome["elapsed"] < 2.5
    assert outcome["attempts"] == 3  # sent at 0, 0.5 and 1.5 s (timer E), none at 3.5 s
    assert re.match(r"no response from 127\.0\.0\.1:%d \(3 attempts\); gave up after 2\.\d s$" % sipp.port,
                    outcome["error"])
    assert sipp.users() == ["1000"]  # sipp got it, and absorbed the retransmissions


def test_dropped_udp_request_is_retransmitted_after_t1(play, tmp_path, peers):
    sipp = peers.sipp("uas_200")
    relay = peers.relay(sipp.port, drop=1)
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=relay.port, user="1000", timeout=5)
    assert run.rc == 0, run.output
    outcome = _one(result)
    assert (outcome["status"], outcome["attempts"]) == (200, 2)
    assert len(relay.arrivals) == 2 and relay.forwarded == 1
    assert 0.45 <= relay.arrivals[1] - relay.arrivals[0] < 0.8  # T1 = 500 ms
    assert sipp.users() == ["1000"] and sipp.errors() == ""


def test_provisional_response_is_awaited(play, tmp_path, peers):
    sipp = peers.sipp("uas_provisional")
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=sipp.port, user="1000", timeout=5)
    assert run.rc == 0, run.output
    outcome = _one(result)
    assert (outcome["status"], outcome["responses"]) == (200, [100, 200])
    assert 1.2 <= outcome["elapsed"] < 2.0


def test_bad_target_fails_before_anything_is_sent(play, tmp_path, peers):
    sipp = peers.sipp("uas_200")
    run, result = check_sync(play, tmp_path, host="127.0.0.1", port=sipp.port, timeout=5,
                             targets=[{"user": "1000"}, {"user": "10 00"}])
    assert result["failed"] is True
    assert result["msg"] == ("targets[1].user: '10 00' is not a SIP user part: "
                             "allowed letters, digits, -_.!~*'()&=+$,;?/ and %XX escapes")
    time.sleep(0.3)
    assert sipp.logs() == []


def test_check_mode_sends_nothing_and_shows_the_request(play, tmp_path, peers):
    sipp = peers.sipp("uas_200")
    run, result = check_sync(play, tmp_path, check=True, host="127.0.0.1", port=sipp.port, user="1000",
                             auth_password=PASSWORD)
    assert run.rc == 0, run.output
    assert result["changed"] is True and result["msg"] == "would send check-sync to 1 target(s)"
    outcome = _one(result)
    assert outcome["status"] is None and outcome["attempts"] == 0 and outcome["reason"] == "not sent (check mode)"
    assert outcome["request"].startswith("NOTIFY sip:1000@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
                                         % sipp.port)
    assert "\r\nEvent: check-sync\r\nSubscription-State: terminated\r\n" in outcome["request"]
    assert PASSWORD not in run.output
    time.sleep(0.3)
    assert sipp.logs() == []


# --- fan-out and the handler shape --------------------------------------------------------------

def test_500_targets_in_one_call(play, tmp_path, peers):
    servers = [peers.sipp("uas_200", transport="tcp" if index >= 8 else "udp") for index in range(10)]
    targets = [{"port": server.port, "transport": "tcp" if index >= 8 else "udp", "user": str(10000 + n)}
               for index, server in enumerate(servers) for n in range(index * 50, index * 50 + 50)]
    started = time.monotonic()
    run, result = check_sync(play, tmp_path, host="127.0.0.1", timeout=10, targets=targets)
    wall = time.monotonic() - started
    assert run.rc == 0 and not result.get("failed"), result.get("msg")
    assert len(result["results"]) == 500 and all(r["status"] == 200 for r in result["results"])
    assert [r["user"] for r in result["results"]] == [t["user"] for t in targets]  # input order kept
    for index, server in enumerate(servers):
        assert server.users() == [str(10000 + n) for n in range(index * 50, index * 50 + 50)]
        assert server.errors() == ""
    assert wall < 30, "500 targets took %.1f s" % wall


def test_handler_notifies_only_servers_whose_files_changed(play, tmp_path, peers):
    sipp = peers.sipp("uas_200")
    root = tmp_path / "published"
    root.mkdir()
    for name in ("w1", "w3"):  # already up to date
        (root / ("%s.txt" % name)).write_text("current\n")
    lines = ["[dect_servers]"]
    for number in range(1, 5):
        lines.append("w%d ansible_connection=local ansible_python_interpreter=%s file_content=current "
                     "check_sync_target=\"{'host': '127.0.0.1', 'port': %d, 'user': '100%d'}\""
                     % (number, SYSTEM_PYTHON, sipp.port, number))
    inventory = tmp_path / "dect.ini"
    inventory.write_text("\n".join(lines) + "\n")
    result_file = tmp_path / "handler_result.json"
    run = play("check_sync_handler.yml", inventory=inventory,
               extra_vars={"publish_root": str(root), "result_file": str(result_file)})
    assert run.rc == 0, run.output
    result = json.loads(result_file.read_text())
    assert [r["user"] for r in result["results"]] == ["1002", "1004"]
    assert all(r["status"] == 200 for r in result["results"])
    assert sipp.users() == ["1002", "1004"]

    result_file.unlink()
    again = play("check_sync_handler.yml", inventory=inventory,
                 extra_vars={"publish_root": str(root), "result_file": str(result_file)})
    assert again.rc == 0, again.output
    assert not result_file.exists() and sipp.users() == ["1002", "1004"]  # nothing changed: nothing sent

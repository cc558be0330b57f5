"""The DECT server emulator's decisions without daemons: schedule, SIP answers, what a check fetches.

The provisioning server is an in-memory dict behind ``fetch.fetch`` here; the emulator against
real nginx, tftpd-hpa, dnsmasq and the check_sync module is tests/integration/test_emulator.py.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._sip import message as sip
from devtools.emulator import dect_emulator, device, dhcp, guide, sip_listener, sipmsg, transfer
from devtools.procs import wait_for

MAC = "0013d1800032"


# ----------------------------------------------------------------------------- provisioning settings


def test_factory_provisioning_where_the_config_is_silent():
    assert guide.provisioning_of(None) == guide.FACTORY_PROVISIONING
    assert guide.provisioning_of({"network": {}})["users_check"] is False


def test_config_values_override_and_values_the_device_cannot_use_are_ignored():
    # as the device reads the file: element texts
    settings = {"provisioning": {"check": {"interval": "5", "time": "03:30", "check_sync": "update"},
                                 "users": {"check": "true"}, "config": {"check": "false"},
                                 "server": {"method": "static", "url": "http://192.0.2.5/dect"}}}
    assert guide.provisioning_of(settings) == dict(
        method="static", url="http://192.0.2.5/dect", config_check=False, users_check=True, interval=5,
        time="03:30", check_sync="update")
    odd = {"provisioning": {"check": {"interval": "soon", "check_sync": "maybe"}, "users": {"check": "yes"}}}
    assert guide.provisioning_of(odd) == guide.FACTORY_PROVISIONING


@pytest.mark.parametrize("now, hhmm, seconds", [
    ("10:00:00", "10:30", 1800),
    ("10:00:00", "09:00", 23 * 3600),
    ("10:00:00", "10:00", 24 * 3600),
    ("23:59:30", "00:00", 30),
])
def test_daily_check_time_is_the_next_wall_clock_occurrence(now, hhmm, seconds):
    moment = datetime.datetime.strptime("2026-03-01 " + now, "%Y-%m-%d %H:%M:%S")
    assert device.seconds_until_daily(hhmm, moment) == seconds


@pytest.mark.parametrize("host, safe", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("192.0.2.5", True), ("198.51.100.77", True),
    ("203.0.113.1", True), ("2001:db8::5", True), ("10.0.0.10", False), ("8.8.8.8", False),
    ("prov.example.com", False),
])
def test_the_emulator_only_contacts_loopback_and_documentation_addresses(host, safe):
    assert device.is_safe_host(host) is safe


# ----------------------------------------------------------------------------- SIP answers


def request(method="NOTIFY", event="check-sync", uri="sip:9997@192.0.2.10", drop=(), cseq_method=None):
    headers = [("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc"), ("From", "<sip:p@192.0.2.1>;tag=1"),
               ("To", "<%s>" % uri), ("Call-ID", "c1"), ("CSeq", "1 %s" % (cseq_method or method))]
    if event is not None:
        headers.append(("Event", event))
    text = "%s %s SIP/2.0\r\n" % (method, uri) + "".join(
        "%s: %s\r\n" % (name, value) for name, value in headers if name not in drop) + "Content-Length: 0\r\n\r\n"
    return sip.parse_message(text.encode())


@pytest.mark.parametrize("message, expected", [
    (request(), (200, "OK", [], "check-sync")),
    (request(event="check-sync;reboot=false"), (200, "OK", [], "check-sync")),
    (request(event="dialog"), (489, "Bad Event", [("Allow-Events", "check-sync")], None)),
    (request(event=None), (489, "Bad Event", [("Allow-Events", "check-sync")], None)),
    (request(method="INVITE"), (405, "Method Not Allowed", [("Allow", "ACK, NOTIFY, OPTIONS")], None)),
    (request(method="OPTIONS", event=None), (200, "OK", [("Allow", "ACK, NOTIFY, OPTIONS"),
                                                         ("Allow-Events", "check-sync")], None)),
    (request(drop=("Call-ID",)), (400, "Missing Call-ID", [], None)),
    (request(cseq_method="INVITE"), (400, "Bad CSeq", [], None)),
])
def test_answers_as_a_device_would(message, expected):
    assert sip_listener.answer(message) == expected


def test_compact_event_header_is_understood():
    message = sip.parse_message(request().to_bytes().replace(b"Event: check-sync", b"o: check-sync"))
    assert sip_listener.answer(message)[0] == 200


def test_ack_gets_no_answer():
    assert sip_listener.answer(request(method="ACK", event=None)) is None


def test_check_sync_is_taken_only_for_an_enabled_user_of_the_applied_users_file(server):
    message = request(uri="sip:1234@192.0.2.10;transport=tcp")
    assert sip_listener.request_user(message.request_uri) == "1234"
    dev, _recorder = new_device()
    assert dev.check_sync_refusal("9997") == (404, "Not Found", "no users file applied")  # factory: no users
    server.files[MAC + "-users.xml"] = USERS_6500
    dev.boot()
    assert dev.users["disabled"] == ["9999"]
    assert sip_listener.answer(message, dev.check_sync_refusal) == (404, "Not Found", [], None)
    assert dev.check_sync_refusal("1234") == (404, "Not Found", "no user '1234' in the applied users file")
    assert dev.check_sync_refusal("9999") == (404, "Not Found", "user '9999' is disabled in the applied users file")
    assert sip_listener.answer(request(uri="sip:9998@192.0.2.10"), dev.check_sync_refusal) == (
        200, "OK", [], "check-sync")
    assert dev.check_sync_refusal("9997") is None
    assert sip_listener.answer(message)[0] == 200  # no user check at all: the test peers' answer
    lab, _recorder = new_device(any_sip_user=True)
    assert lab.check_sync_refusal("1234") is None


def test_a_2500_8000_user_is_addressed_by_its_username_or_its_local_number(server):
    server.files[MAC + "-users.xml"] = USERS_8000
    dev, _recorder = new_device(model="8000")
    dev.boot()
    assert [dev.check_sync_refusal(name) for name in ("9997", "2001", "2002")] == [None, None, (
        404, "Not Found", "user '2002' is disabled in the applied users file")]


def test_the_404_and_the_reaction_are_recorded_with_the_request():
    recorder, triggers = MemoryRecorder(), []
    refusal = (404, "Not Found", "user '9999' is disabled in the applied users file")
    responder = sip_listener.Responder(recorder, triggers.append, lambda user: refusal if user == "9999" else None,
                                       lambda: "reboot")
    sent = []
    denied = responder.handle(request(uri="sip:9999@192.0.2.10").to_bytes(), "udp", ("192.0.2.1", 5060), sent.append)
    assert sip.parse_message(denied).status == 404 and sent == [denied] and triggers == []
    assert (recorder.sips[0]["user"], recorder.sips[0]["refused"], recorder.sips[0]["status"]) == (
        "9999", refusal[2], 404)
    taken = responder.handle(request().to_bytes().replace(b"Call-ID: c1", b"Call-ID: c2"), "udp", ("192.0.2.1", 1),
                             lambda response: triggers.append(("sent", sip.parse_message(response).status)))
    # The answer goes out before the check is queued: a check (and a rebind) cannot overtake it.
    assert triggers == [("sent", 200), "check-sync"] and sip.parse_message(taken).status == 200
    assert (recorder.sips[1]["reaction"], recorder.sips[1]["trigger"]) == ("reboot", "check-sync")


class MemoryRecorder:
    def __init__(self):
        self.fetches, self.sips, self.events, self.states = [], [], [], []

    def fetch(self, entry):
        self.fetches.append(entry)

    def sip(self, entry):
        self.sips.append(entry)

    def event(self, entry):
        self.events.append(entry)

    def state(self, state):
        self.states.append(json.loads(json.dumps(state)))


def test_a_retransmission_gets_the_same_response_and_triggers_once():
    recorder, triggers = MemoryRecorder(), []
    responder = sip_listener.Responder(recorder, triggers.append)
    data = request().to_bytes()
    first = responder.handle(data, "udp", ("192.0.2.1", 5060))
    second = responder.handle(data, "udp", ("192.0.2.1", 5060))
    assert first == second and sip.parse_message(first).status == 200
    assert "received=192.0.2.1" in sip.parse_message(first).header("Via")
    assert triggers == ["check-sync"]
    assert [entry.get("retransmission") for entry in recorder.sips] == [None, True]


def test_garbage_is_recorded_and_responses_are_ignored():
    recorder, triggers = MemoryRecorder(), []
    responder = sip_listener.Responder(recorder, triggers.append)
    assert responder.handle(b"hello\r\n\r\n", "tcp", ("127.0.0.1", 1)) is None
    assert responder.handle(b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", "udp", ("127.0.0.1", 1)) is None
    assert "malformed start line" in recorder.sips[0]["error"] and len(recorder.sips) == 1
    assert triggers == []


# ----------------------------------------------------------------------------- a check, against a dict


CONFIG = b"""<?xml version="1.0"?>
<config><provisioning>
  <check><check_sync>update</check_sync></check>
  <users><check>true</check></users>
  <firmware><kws>kws.bin</kws><pp14225100>pp.bin</pp14225100><rfp>rfp.bin</rfp></firmware>
</provisioning></config>
"""
USERS = (b'<?xml version="1.0"?><users><user><username>9997</username></user><user><username>2001</username>'
         b'<localno>2001</localno></user></users>')
USERS_6500 = (b'<users><user><username>9997</username></user><user><username>9998</username></user>'
              b'<user><username>9999</username><disabled>true</disabled></user></users>')
USERS_8000 = (b'<users><user><username>9997</username><localno>2001</localno></user>'
              b'<user><localno>2002</localno><disabled>true</disabled></user></users>')


class MemoryServer:
    """What ``transfer.fetch`` returns for each name; every request is remembered as (host, name)."""

    def __init__(self, files):
        self.files = dict(files)
        self.requests = []

    def __call__(self, url, name, **kwargs):
        url = guide.parse_url(url) if isinstance(url, str) else url
        self.requests.append((url.host, name))
        where = transfer.location(url, name)
        if name not in self.files:
            return transfer.Result("missing", 404, None, "%s: 404" % where, None, None, where)
        data = self.files[name]
        keep = kwargs.get("keep_data", True)
        return transfer.Result("ok", 200, data if keep else None, None, len(data), hashlib.sha256(data).hexdigest(),
                               where)


@pytest.fixture
def server(monkeypatch):
    memory = MemoryServer({MAC + "-config.xml": CONFIG, MAC + "-users.xml": USERS, "kws.bin": b"K" * 10,
                           "kws.bin.ver": b"K2\n", "pp.bin": b"P" * 5, "pp.bin.ver": b"P1", "rfp.bin.ver": b"R1"})
    monkeypatch.setattr(transfer, "fetch", memory)
    return memory


def new_device(model="6500", **kwargs):
    recorder = MemoryRecorder()
    kwargs.setdefault("static_url", "http://192.0.2.5/dect")
    return device.Device(MAC, model, recorder, **kwargs), recorder


def test_boot_installs_kws_reboots_at_once_and_fetches_the_rest_after_the_reboot(server):
    dev, recorder = new_device()
    dev.boot()
    assert [(f["check"], f["file"], f.get("outcome")) for f in recorder.fetches] == [
        (1, MAC + "-config.xml", "applied"),
        (1, MAC + "-users.xml", "applied"),      # users.check true in the config just applied
        (1, "kws.bin.ver", "new version"),
        (1, "kws.bin", "installed, rebooting"),  # the guide: rebooted immediately; nothing more fetched
        (2, MAC + "-config.xml", "unchanged"),
        (2, MAC + "-users.xml", "unchanged"),
        (2, "kws.bin.ver", "same version"),
        (2, "pp.bin.ver", "new version"),        # rfp is a 2500/8000 kind: a 6500 ignores it
        (2, "pp.bin", "staged, not applied: needs the Enhanced Provisioning Interface License: dect.license lists"
                      " none"),
    ]
    assert (dev.running, dev.staged, dev.boots, dev.checks) == ({"kws": "K2"}, {"pp14225100": "P1"}, 2, 2)
    assert [e["event"] for e in recorder.events] == ["boot", "check-start", "check-end", "reboot", "check-start",
                                                     "check-end"]
    assert dev.usernames == ["9997", "2001"]
    assert recorder.states[-1]["config"]["provisioning"]["check_sync"] == "update"


def test_a_ver_without_its_image_leaves_the_running_firmware(server):
    del server.files["kws.bin"]
    dev, recorder = new_device(running={"kws": "K1"})
    dev.boot()
    kws = [f for f in recorder.fetches if f["firmware_kind"] == "kws"]
    assert [(f["file"], f["status"], f["outcome"]) for f in kws] == [
        ("kws.bin.ver", "ok", "new version"), ("kws.bin", "missing", "update failed")]
    assert dev.running == {"kws": "K1"} and dev.boots == 1


def test_a_broken_config_is_rejected_and_the_factory_settings_stay(server):
    server.files[MAC + "-config.xml"] = b"<config><provisioning>"
    dev, recorder = new_device()
    dev.boot()
    assert recorder.fetches[0]["outcome"].startswith("rejected: not well-formed XML: ")
    assert dev.settings is None and len(recorder.fetches) == 1  # factory: no users check, no firmware


def test_a_config_pointing_elsewhere_is_followed_but_never_to_a_real_network(server):
    server.files[MAC + "-config.xml"] = CONFIG.replace(
        b"<check>", b"<server><method>static</method><url>https://prov.example.com/dect</url></server><check>", 1)
    dev, recorder = new_device()
    dev.boot()  # kws K2 is new: reboot, and the second check uses the config's URL
    assert dev.current_url() == ("https://prov.example.com/dect", "config")
    refused = [e for e in recorder.events if e["event"] == "refused-url"]
    assert refused == [dict(refused[0], check=2, url="https://prov.example.com/dect")]
    assert {host for host, _name in server.requests} == {"192.0.2.5"}


def test_url_source_precedence():
    dev, _recorder = new_device(static_url=None, dhcp_url=lambda: "tftp://192.0.2.1")
    assert dev.current_url() == ("tftp://192.0.2.1", "dhcp")
    dev.settings = {"provisioning": {"server": {"method": "disabled"}}}
    assert dev.current_url() == (None, "disabled")


# ----------------------------------------------------------------------------- schedule and CLI


def test_next_check_follows_the_interval_in_scaled_minutes():
    dev, recorder = new_device()
    scheduler = dect_emulator.Scheduler(dev, recorder, minute_seconds=0.5)
    scheduler.last_end = 100.0
    assert scheduler.next_due() == (None, None)  # factory: interval 0, no time
    dev.settings = {"provisioning": {"check": {"interval": "3"}}}
    assert scheduler.next_due() == (101.5, "interval")
    scheduler.daily_due = 100.2
    assert scheduler.next_due() == (100.2, "time")


def test_running_versions_from_the_command_line():
    assert dect_emulator.parse_running(["kws=PCS24B 1", "pp14225100=P1"]) == {"kws": "PCS24B 1", "pp14225100": "P1"}
    with pytest.raises(ValueError, match="is not KIND=VERSION"):
        dect_emulator.parse_running(["kws"])


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        dect_emulator.parse_args(["--mac", MAC, "--model", "6500", "--url", "x", "--state-dir", "/tmp/x",
                                  "--running", "kws"])
    assert exited.value.code == 2
    assert "--running: 'kws' is not KIND=VERSION" in capsys.readouterr().err
    base = ["--mac", MAC, "--model", "6500", "--url", "x", "--state-dir", "/tmp/x"]
    for extra, message in ((["--sip-port", "70000"], "--sip-port: 70000 is not a port (0-65535)"),
                           (["--tls-cert", "/tmp/c.pem"], "--tls-cert and --tls-key go together")):
        with pytest.raises(SystemExit) as exited:
            dect_emulator.parse_args(base + extra)
        assert exited.value.code == 2 and message in capsys.readouterr().err
    assert dect_emulator.parse_args(base).sip_port == 5060  # the guide's default, unless a lab says otherwise


def test_dhclient_script_is_valid_shell_and_its_lease_file_is_read(tmp_path):
    client = dhcp.DhcpClient("veth0", str(tmp_path))
    client._write_files()
    assert subprocess.run(["sh", "-n", client.paths["dhclient-script"]], check=False).returncode == 0
    assert "request subnet-mask, broadcast-address, routers, tftp-server-name;" in open(client.paths["dhclient.conf"]).read()
    lease = tmp_path / "lease"
    lease.write_text("reason=BOUND\nip_address=192.0.2.50\ntftp_server_name=http://192.0.2.1:8080/a=b\n")
    assert dhcp.read_lease(str(lease)) == {"reason": "BOUND", "ip_address": "192.0.2.50",
                                           "tftp_server_name": "http://192.0.2.1:8080/a=b"}
    assert dhcp.read_lease(str(tmp_path / "none")) == {}


def test_dhclient_script_writes_option_66_without_interpreting_it(tmp_path):
    client = dhcp.DhcpClient("lo", str(tmp_path))
    client._write_files()
    script = open(client.paths["dhclient-script"]).read().replace('ip -4 addr replace', 'true')
    path = tmp_path / "script.sh"
    path.write_text(script)
    env = {"reason": "BOUND", "interface": "lo", "new_ip_address": "192.0.2.50", "new_subnet_mask": "255.255.255.0",
           "new_tftp_server_name": "http://192.0.2.1/$(touch %s)`x`" % (tmp_path / "pwned"), "PATH": "/usr/bin:/bin"}
    assert subprocess.run(["sh", str(path)], env=env, check=False).returncode == 0
    assert dhcp.read_lease(client.paths["lease"])["tftp_server_name"] == env["new_tftp_server_name"]
    assert not (tmp_path / "pwned").exists()


# ----------------------------------------------------------------------------- build_response
# The emulator's answers, and the test peers' too: here to requests the collection parsed.

def proxied_request(to_tag=""):
    """``request()`` as relayed by a proxy: two Via values, the second in compact form."""
    return sip.parse_message(request().to_bytes()
                             .replace(b"branch=z9hG4bKabc\r\n", b"branch=z9hG4bKabc\r\nv: SIP/2.0/UDP 198.51.100.7:5060"
                                      b";branch=z9hG4bKproxy\r\n")
                             .replace(b"To: <sip:9997@192.0.2.10>", b"To: <sip:9997@192.0.2.10>" + to_tag.encode()))


def test_build_response_copies_dialog_headers_and_adds_to_tag():
    request_ = proxied_request()
    data = sipmsg.build_response(request_, 200, "OK", extra_headers=[("Server", "emulator")])
    assert data == (
        b"SIP/2.0 200 OK\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc\r\n"
        b"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKproxy\r\n"
        b"From: <sip:p@192.0.2.1>;tag=1\r\n"
        b"To: <sip:9997@192.0.2.10>;tag=" + hashlib.sha1(b"c1\x001\x00z9hG4bKabc").hexdigest()[:16].encode() + b"\r\n"
        b"Call-ID: c1\r\n"
        b"CSeq: 1 NOTIFY\r\n"
        b"Server: emulator\r\n"
        b"Content-Length: 0\r\n"
        b"\r\n"
    )
    response = sip.parse_message(data)
    assert response.status == 200 and response.reason == "OK"
    # the same request (a retransmission) is answered with the same To tag
    assert sipmsg.build_response(request_, 200, "OK", extra_headers=[("Server", "emulator")]) == data


def test_build_response_keeps_existing_to_tag_and_stamps_received():
    response = sip.parse_message(sipmsg.build_response(proxied_request(";tag=t9"), 481, "Call/Transaction Does Not Exist",
                                                       received=("203.0.113.5", 41234)))
    assert response.header("To") == "<sip:9997@192.0.2.10>;tag=t9"
    assert response.header_values("Via") == ["SIP/2.0/UDP 192.0.2.1:5060;received=203.0.113.5;branch=z9hG4bKabc",
                                             "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKproxy"]
    assert response.reason == "Call/Transaction Does Not Exist"
    rport = sip.parse_message(request().to_bytes().replace(b"branch=z9hG4bKabc", b"rport;branch=z9hG4bKabc"))
    assert sip.parse_message(sipmsg.build_response(rport, 200, "OK", received=("203.0.113.5", 41234))).header("Via") \
        == "SIP/2.0/UDP 192.0.2.1:5060;received=203.0.113.5;rport=41234;branch=z9hG4bKabc"


def test_build_response_with_body_sets_content_length():
    response = sip.parse_message(sipmsg.build_response(request(), 200, "OK", body=b"xyz"))
    assert response.header("Content-Length") == "3" and response.body == b"xyz"


def test_build_response_rejects_responses_and_bad_codes():
    with pytest.raises(ValueError, match="needs a parsed request"):
        sipmsg.build_response(sip.parse_message(b"SIP/2.0 200 OK\r\n\r\n"), 200, "OK")
    with pytest.raises(ValueError, match="allowed 100-699"):
        sipmsg.build_response(request(), 99, "Nope")


# ----------------------------------------------------------------------------- independence


def test_the_emulator_imports_nothing_of_the_collection():
    code = ("import sys; sys.path.insert(0, %r); import devtools.emulator.dect_emulator, devtools.emulator.harness;"
            " print(sorted(m for m in sys.modules if m.startswith(('ansible', 'ansible_collections'))))"
            % str(guide.__file__).rsplit("/devtools/", 1)[0])
    result = subprocess.run(["python3", "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    for source in sorted(set(p for p in __import__("pathlib").Path(guide.__file__).parent.glob("*.py"))):
        text = source.read_text()
        assert "import ansible" not in text and "from ansible" not in text, source


def test_the_emulator_reads_the_guides_8000_example_by_itself():
    data = (__import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "guide"
            / "config-8000-provisioning.xml").read_bytes()
    settings = guide.read_config(data)
    assert guide.provisioning_of(settings) == dict(
        method="static", url="example.com", config_check=True, users_check=True, interval=60, time="00:00",
        check_sync="disabled")
    assert [kind for kind, _name in guide.firmware_names(settings, "8000")] == [
        "kws", "rfp", "rfp6", "pp14208700", "pp14225100", "pp14225110", "pp14225190"]
    assert "rfp" not in dict(guide.firmware_names(settings, "6500"))
    assert guide.parse_url("example.com") == guide.Url("tftp", None, None, "example.com", 69, "")


def test_the_emulator_reads_text_beside_children_and_refuses_entities():
    settings = guide.read_config(b"<config><network><ntp>192.0.2.1<enable>true</enable></ntp></network></config>")
    assert settings == {"network": {"ntp": {"#text": "192.0.2.1", "enable": "true"}}}
    with pytest.raises(guide.GuideError, match="DOCTYPE/ENTITY"):
        guide.read_config(b'<!DOCTYPE x [<!ENTITY a "b">]><config>&a;</config>')
    assert guide.mask_url("ftp://u:secret@192.0.2.1/x") == "ftp://u:********@192.0.2.1/x"


# ----------------------------------------------------------------------------- users the guide refuses


@pytest.mark.parametrize("model, users, error", [
    ("6500", b"<users><user><username>9997</username></user><user><localno>2001</localno></user></users>",
     "user 2: no <username>, mandatory on the IP-DECT Server 400/6500 (Appendix C)"),
    ("8000", b"<users><user><localno>2001</localno></user><user><username>9997</username></user></users>",
     "user 2: no <localno>, mandatory on the DECT Server 2500/8000 (Appendix C)"),
    ("6500", b"<users><user><username>99 97</username></user></users>",
     "user 1: <username> '99 97' is not a SIP user name: at most 63 of A-Z a-z 0-9 -_.!~*'()&=+$,;?/ (Appendix C)"),
    ("6500", b"<users><user><username>" + b"u" * 64 + b"</username></user></users>",
     "user 1: <username> '" + "u" * 64 + "' is not a SIP user name: at most 63 of A-Z a-z 0-9 -_.!~*'()&=+$,;?/"
     " (Appendix C)"),
    ("8000", b"<users><user><localno>1234567890123</localno></user></users>",
     "user 1: <localno> '1234567890123' is not at most 12 characters (Appendix C)"),
    ("6500", b"<users><user><username>9997</username><ipei>0007700000001</ipei></user></users>",
     "user 1: <ipei> '0007700000001' is not an IPEI 'XXXXX XXXXXXX' or empty (Appendix C)"),
    ("6500", b"<users><user><username>9997</username><accesscode>123456789</accesscode></user></users>",
     "user 1: <accesscode> '********' is not a number with 0-8 digits (Appendix C)"),
    ("6500", b"<users><user><username>9997</username><disabled>yes</disabled></user></users>",
     "user 1: <disabled> 'yes' is not true or false (Appendix C)"),
])
def test_a_users_file_the_guide_refuses_is_refused_and_the_previous_users_stay(server, model, users, error):
    good = USERS_8000 if model == "8000" else USERS
    server.files[MAC + "-users.xml"] = good
    dev, recorder = new_device(model=model)
    dev.boot()
    before = dict(dev.users)
    server.files[MAC + "-users.xml"] = users
    dev.check("interval")
    users_fetch = [f for f in recorder.fetches if f["file"] == MAC + "-users.xml"][-1]
    assert users_fetch["outcome"] == "rejected: " + error
    assert dev.users == before
    state = recorder.states[-1]
    assert state["users"] == before and state["users_refused"] == dict(
        state["users_refused"], sha256=hashlib.sha256(users).hexdigest(), error=error)
    assert [e for e in recorder.events if e["event"] == "users-refused"] == [{"event": "users-refused", "error": error}]
    # A good file afterwards is applied and the refusal cleared.
    dev.check("interval")  # the same refused file again: refused again, the event not repeated
    assert len([e for e in recorder.events if e["event"] == "users-refused"]) == 1 and dev.users == before
    server.files[MAC + "-users.xml"] = good
    dev.check("interval")
    assert dev.users == before and recorder.states[-1]["users_refused"] is None


def test_the_guides_own_users_examples_are_accepted():
    data = (__import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "guide")
    for path in sorted(data.glob("users-*.xml")):
        records = guide.read_users(path.read_bytes())
        guide.check_users(records, "8000" if "8000" in path.name else "6500")


# ----------------------------------------------------------------------------- firmware distribution

LICENSED = {"dect": {"license": "ENHANCED-PROV-1"}}


@pytest.mark.parametrize("model, settings, kind, expected", [
    ("8000", {}, "rfp", (False, "needs the Enhanced Provisioning Interface License: dect.license lists none")),
    ("8000", LICENSED, "rfp", (False, "automatic update is off: rfp.auto.enable is not true")),
    ("8000", dict(LICENSED, rfp={"auto": {"enable": "true"}}), "rfp", (True, "IP base stations")),
    ("8000", dict(LICENSED, rfp={"auto": {"enable": "true"}}), "rfp6",
     (False, "automatic update is off: rfp.auto.enable_digital is not true")),
    ("2500", dict(LICENSED, rfp={"auto": {"enable_digital": "true"}}), "rfp6", (True, "RFP6 digital base stations")),
    ("6500", dict(LICENSED, rfp={"auto": {"enable": "true"}}), "rfp",
     (False, "rfp is only relevant to the DECT Server 2500/8000")),
    ("6500", LICENSED, "pp14225100", (False, "automatic update is off: suota.auto is not true")),
    ("400", dict(LICENSED, suota={"auto": "true"}), "pp14225100", (True, "handsets")),
    ("6500", {"suota": {"auto": "true"}, "dect": {"license": ""}}, "pp14208700",
     (False, "needs the Enhanced Provisioning Interface License: dect.license lists none")),
])
def test_base_station_and_handset_images_are_applied_only_as_the_guide_says(model, settings, kind, expected):
    assert guide.distribution(settings, model, kind) == expected


def test_default_kws_reaches_base_stations_and_media_resources_each_with_its_own_switch():
    on = {"provisioning": {"firmware": {"default_kws": "true"}}}
    assert guide.default_kws({}, "6500") is None
    assert guide.default_kws(on, "6500") == {"applied": [], "not_applied": {
        "IP base stations": "needs the Enhanced Provisioning Interface License: dect.license lists none",
        "media resources": "needs the Enhanced Provisioning Interface License: dect.license lists none"}}
    assert guide.default_kws(dict(on, rfp={"auto": {"enable": "true"}}, **LICENSED), "6500") == {
        "applied": ["IP base stations"],
        "not_applied": {"media resources": "automatic update is off: mr.auto.enable is not true"}}
    assert guide.default_kws(dict(on, **LICENSED), "400")["not_applied"] == {
        "base stations": "not relevant to the 400 single cell: its base station is updated with the server firmware"}


def test_a_licensed_server_with_auto_update_applies_what_it_stages(server):
    server.files[MAC + "-config.xml"] = CONFIG.replace(
        b"<provisioning>", b"<dect><license>EPI-1</license></dect><suota><auto>true</auto></suota><provisioning>")
    dev, recorder = new_device()
    dev.boot()
    assert recorder.fetches[-1]["outcome"] == "staged, applied to handsets"
    assert recorder.states[-1]["firmware_distribution"] == {
        "pp14225100": {"file": "pp.bin", "version": "P1", "applied": True, "devices": "handsets"},
        "rfp": {"file": "rfp.bin", "version": None, "applied": False,
                "reason": "rfp is only relevant to the DECT Server 2500/8000"}}


def test_without_the_licence_images_are_staged_and_recorded_as_not_applied(server):
    dev, recorder = new_device()
    dev.boot()
    assert recorder.states[-1]["firmware_distribution"]["pp14225100"] == {
        "file": "pp.bin", "version": "P1", "applied": False,
        "reason": "needs the Enhanced Provisioning Interface License: dect.license lists none"}
    assert recorder.states[-1]["staged_firmware"] == {"pp14225100": "P1"}


# ----------------------------------------------------------------------------- SIP settings and listening


def test_sip_settings_take_appendix_a_defaults_where_the_config_is_silent_or_wrong():
    assert guide.sip_of(None) == {"localport": 5060, "transport": "udp", "tls_allow_insecure": False, "set": []}
    assert guide.sip_of({"sip": {"localport": "5070", "transport": "tcp"}}) == {
        "localport": 5070, "transport": "tcp", "tls_allow_insecure": False, "set": ["localport", "transport"]}
    assert guide.sip_of({"sip": {"localport": "70000", "transport": "sctp"}})["set"] == []
    assert guide.listening_transports(guide.sip_of({"sip": {"transport": "udp"}})) == ["udp", "tcp"]
    assert guide.listening_transports(guide.sip_of({"sip": {"transport": "tcp"}})) == ["udp", "tcp"]
    assert guide.listening_transports(guide.sip_of({"sip": {"transport": "tls"}})) == ["tls"]
    assert guide.listening_transports(guide.sip_of({"sip": {"transport": "tls", "tls_allow_insecure": "true"}})) == [
        "udp", "tcp", "tls"]


def free_udp_tcp_port():
    import socket
    for _attempt in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free port")


def notify(port, transport="udp", user="9997", cafile=None):
    from devtools.emulator.harness import send_sip, sip_request
    message, local = sip_request("127.0.0.1", port, transport=transport if transport != "tls" else "tls", user=user)
    return send_sip(message, local, "127.0.0.1", port, transport=transport, timeout=2.0, cafile=cafile)


def test_the_sip_service_moves_to_the_configured_port_and_transports(tmp_path):
    import socket
    import ssl
    recorder, triggers = MemoryRecorder(), []
    service = sip_listener.SipService("127.0.0.1", 0, sip_listener.Responder(recorder, triggers.append), recorder,
                                      tls_dir=str(tmp_path / "tls"))
    try:
        assert service.follow(guide.sip_of(None)) is True
        default = service.info["port"]
        assert service.info == {"host": "127.0.0.1", "port": default, "localport": 5060, "localport_source": "default",
                                "transport": "udp", "transports": ["udp", "tcp"], "tls_allow_insecure": False}
        assert notify(default).status == 200 and notify(default, "tcp").status == 200
        # 5060 set explicitly: the same listener (recorded as set by the config); again: nothing at all.
        listener = service.listener
        assert service.follow(guide.sip_of({"sip": {"localport": "5060"}})) is True
        assert service.listener is listener and service.info["localport_source"] == "config"
        assert service.follow(guide.sip_of({"sip": {"localport": "5060"}})) is False
        port = free_udp_tcp_port()
        assert service.follow(guide.sip_of({"sip": {"localport": str(port), "transport": "tls"}})) is True
        assert service.info["port"] == port and service.info["transports"] == ["tls"]
        cert = service.info["tls_certificate"]
        assert notify(port, "tls", cafile=cert).status == 200
        with pytest.raises(OSError):
            notify(default)  # the old port is closed: UDP gets ICMP port unreachable
        with pytest.raises(OSError):
            notify(port, "tcp")  # plain TCP on a TLS-only port: the connection is closed unanswered
        assert recorder.sips[-1]["error"] == "TCP is not accepted here (listening: tls)"
        with pytest.raises(ssl.SSLCertVerificationError):
            notify(port, "tls")  # the client checks the device's certificate: unknown CA
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # no UDP socket on a TLS-only port
            probe.bind(("127.0.0.1", port))
        assert service.follow(guide.sip_of({"sip": {"localport": str(port), "transport": "tls",
                                                    "tls_allow_insecure": "true"}})) is True
        assert service.info["transports"] == ["udp", "tcp", "tls"]
        assert [notify(port, t, cafile=cert).status for t in ("udp", "tcp", "tls")] == [200, 200, 200]
        assert len(triggers) == 6  # every NOTIFY answered 200 above, none of the refused ones
    finally:
        service.stop()


def test_a_config_naming_the_port_it_already_listens_on_is_recorded_without_a_rebind():
    """The site lab's case: --sip-port N, then a config with sip.localport N."""
    recorder = MemoryRecorder()
    port = free_udp_tcp_port()
    service = sip_listener.SipService("127.0.0.1", port, sip_listener.Responder(recorder, lambda _t: None), recorder)
    try:
        service.follow(guide.sip_of(None))
        listener = service.listener
        assert (service.info["port"], service.info["localport"], service.info["localport_source"]) == (
            port, 5060, "default")
        assert service.follow(guide.sip_of({"sip": {"localport": str(port)}})) is True  # state.json is rewritten
        assert service.listener is listener  # the same sockets: nothing rebound
        assert (service.info["port"], service.info["localport"], service.info["localport_source"]) == (
            port, port, "config")
        assert [e["event"] for e in recorder.events] == ["sip-listening"]
        assert service.follow(guide.sip_of({"sip": {"localport": str(port)}})) is False
    finally:
        service.stop()


def test_a_port_the_device_cannot_bind_is_recorded_and_nothing_listens(tmp_path):
    import socket
    recorder = MemoryRecorder()
    service = sip_listener.SipService("127.0.0.1", 0, sip_listener.Responder(recorder, lambda _t: None), recorder)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        try:
            service.follow(guide.sip_of({"sip": {"localport": str(port)}}))
        finally:
            service.stop()
    assert service.info["port"] is None and service.info["error"].startswith("cannot listen on 127.0.0.1:%d: " % port)
    assert recorder.events[-1]["event"] == "sip-listen-failed"


def test_a_notify_answered_while_a_rebind_is_waiting_is_not_lost(tmp_path):
    """The check the NOTIFY triggers applies a config with another port: the trigger runs the rebind
    at once, yet the client has its 200 (sent before the trigger) and the new port answers."""
    recorder = MemoryRecorder()
    new_port = free_udp_tcp_port()
    holder = {}

    def on_trigger(_what):
        holder["service"].follow(guide.sip_of({"sip": {"localport": str(new_port)}}))

    service = sip_listener.SipService("127.0.0.1", 0, sip_listener.Responder(recorder, on_trigger), recorder)
    holder["service"] = service
    try:
        service.follow(guide.sip_of(None))
        old_port = service.info["port"]
        assert notify(old_port, "udp").status == 200
        wait_for(lambda: service.info["port"] == new_port, timeout=5, what="the rebind the NOTIFY triggered")
        assert notify(new_port, "tcp").status == 200
    finally:
        service.stop()

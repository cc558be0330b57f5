"""The DECT server emulator against real peers: nginx and tftpd-hpa serving the files, dnsmasq
handing out option 66 in a network namespace, the check_sync module sending NOTIFY."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils import users as users_engine
from devtools import probe_daemons
from devtools.ansible_runner import run_playbook
from devtools.emulator import transfer
from devtools.emulator.harness import EmulatorProcess, send_sip, sip_request
from devtools.netns import NetnsPair
from devtools.procs import need_binary, need_root
from devtools.provisioning_daemons import start_tftp
from devtools.site_lab import free_sip_port

pytestmark = pytest.mark.daemons

HERE = Path(__file__).resolve().parent
MINUTE = 0.3  # seconds per check.interval minute in these tests


def config_document(settings=None, family="ipdect", model=None, allow_unsafe=(), **provisioning):
    """A config (6500 by default) rendered and validated by the collection's own engine."""
    settings = dict(settings or {}, provisioning=provisioning)
    checked = config_settings.validate(settings, family, allow_unsafe=allow_unsafe,
                                       **({"model": model} if model else {}))
    assert not checked.errors, checked.errors
    return config_settings.render(checked.tree).encode()


def users_document(*usernames, disabled=()):
    records = [{"username": name, "ipei": "00077 000000%d" % (i + 1)} for i, name in enumerate(usernames)]
    for record in records:
        if record["username"] in disabled:
            record["disabled"] = True
    checked = users_engine.validate(records, "ipdect")
    assert not checked.errors, checked.errors
    return users_engine.render(checked.records).encode()


def publish(root, name, data):
    """Atomically, as the collection's modules publish: the emulator polls while we write."""
    tmp = root / (".%s.tmp" % name)
    tmp.write_bytes(data)
    os.chmod(str(tmp), 0o644)
    os.replace(str(tmp), str(root / name))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def summary(fetches):
    return [(f["file"], f["status"], f.get("outcome")) for f in fetches]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """nginx and tftpd-hpa over one root; tests publish their own files (distinct MACs and names)."""
    need_root()
    for binary in ("nginx", "in.tftpd"):
        need_binary(binary)
    work = tmp_path_factory.mktemp("emulator")
    top = work / "srv"
    root = top / "dect"
    root.mkdir(parents=True)
    probe_daemons.make_world_readable(top)
    nginx = probe_daemons.start_nginx(top, work)
    try:
        tftpd = start_tftp(top, workdir=work)
    except Exception:
        nginx.stop()
        raise
    try:
        yield dict(root=root, top=top, work=work, http="http://127.0.0.1:%d/dect" % nginx.http_port,
                   tftp="127.0.0.1:%d/dect" % tftpd.port)
    finally:
        tftpd.stop()
        nginx.stop()


@pytest.fixture
def emulators():
    """Start emulators with ``emulators(...)``; every one is stopped by pid after the test."""
    started = []

    def start(*args, **kwargs):
        emulator = EmulatorProcess(*args, **kwargs)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def test_polls_per_interval_and_fetches_bin_only_when_the_version_changes(web, tmp_path, emulators):
    root, mac = web["root"], "0013d1800040"
    image_v1, image_v2 = os.urandom(40000), os.urandom(50000)
    publish(root, "kws-poll.bin", image_v1)
    publish(root, "kws-poll.bin.ver", b"PCS24B 1\n")
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    publish(root, "%s-config.xml" % mac, config_document(
        check={"interval": 1, "check_sync": "update"}, users={"check": True}, firmware={"kws": "kws-poll.bin"}))

    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"], minute_seconds=MINUTE)
    emulator.wait_for_checks(2)
    assert summary(emulator.fetches(check=1)) == [
        ("%s-config.xml" % mac, "ok", "applied"),
        ("%s-users.xml" % mac, "ok", "applied"),
        ("kws-poll.bin.ver", "ok", "new version"),
        ("kws-poll.bin", "ok", "installed, rebooting"),
    ]
    assert emulator.fetches(check=1)[3]["sha256"] == sha256(image_v1)
    assert emulator.fetches(check=1)[0]["protocol"] == "http"
    reboot = emulator.events("reboot")[0]
    assert (reboot["running"], reboot["cause"]) == ({"kws": "PCS24B 1"}, "new server firmware")
    assert [e["reason"] for e in emulator.events("check-start")[:2]] == ["boot", "boot"]
    assert summary(emulator.fetches(check=2)) == [  # after the reboot: same version, no .bin
        ("%s-config.xml" % mac, "ok", "unchanged"),
        ("%s-users.xml" % mac, "ok", "unchanged"),
        ("kws-poll.bin.ver", "ok", "same version"),
    ]

    emulator.wait_for_checks(4)
    starts = emulator.events("check-start")
    assert [e["reason"] for e in starts[2:4]] == ["interval", "interval"]
    assert 0.8 * MINUTE < starts[3]["mono"] - starts[2]["mono"] < 3 * MINUTE
    assert [f["file"] for f in emulator.fetches(check=3)][-1] == "kws-poll.bin.ver"

    # A new release, published image first, then its version file.
    publish(root, "kws-poll.bin", image_v2)
    publish(root, "kws-poll.bin.ver", b"PCS24B 2\n")
    emulator.wait(lambda: any(f["file"] == "kws-poll.bin" and f.get("version") == "PCS24B 2"
                              for f in emulator.fetches()), 5, "the new image fetched")
    update = [f for f in emulator.fetches() if f["file"] == "kws-poll.bin"][-1]
    assert (update["sha256"], update["size"], update["outcome"]) == (sha256(image_v2), 50000, "installed, rebooting")
    emulator.wait(lambda: emulator.state().get("running_firmware") == {"kws": "PCS24B 2"}, 5, "running PCS24B 2")
    emulator.wait(lambda: len(emulator.events("reboot")) == 2, 5, "second reboot")
    after = emulator.events("reboot")[1]["mono"]
    emulator.wait(lambda: any(f["mono"] > after and f["file"] == "kws-poll.bin.ver" for f in emulator.fetches()), 5,
                  "check after the reboot")
    assert [f["file"] for f in emulator.fetches() if f["file"] == "kws-poll.bin"].count("kws-poll.bin") == 2

    publish(root, "%s-users.xml" % mac, users_document("9997", "9998"))
    emulator.wait(lambda: (emulator.state().get("users") or {}).get("usernames") == ["9997", "9998"], 5,
                  "the new users applied")


def test_notify_check_sync_gets_200_and_an_immediate_check(web, tmp_path, emulators):
    root, mac = web["root"], "0013d1800041"
    publish(root, "kws-sync.bin", os.urandom(1000))
    publish(root, "kws-sync.bin.ver", b"S1")
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    publish(root, "%s-config.xml" % mac, config_document(check={"interval": 0, "check_sync": "update"},
                                                         users={"check": True}, firmware={"kws": "kws-sync.bin"}))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"], running=["kws=S1"])
    emulator.wait_for_checks(1)
    port = emulator.sip_port
    assert summary(emulator.fetches(check=1)) == [
        ("%s-config.xml" % mac, "ok", "applied"),
        ("%s-users.xml" % mac, "ok", "applied"),
        ("kws-sync.bin.ver", "ok", "same version"),
    ]
    time.sleep(4 * MINUTE)
    assert len(emulator.events("check-end")) == 1  # interval 0: no polling

    request, local = sip_request("127.0.0.1", port)
    sent = time.monotonic()
    response = send_sip(request, local, "127.0.0.1", port)
    assert (response.status, response.reason) == (200, "OK")
    assert response.header("Call-ID") == request.header("Call-ID") and "tag=" in response.header("To")
    check = emulator.wait_for_checks(2, timeout=3)
    assert check["reason"] == "check-sync"
    started = emulator.events("check-start")[1]
    assert started["mono"] - sent < 1.0  # at once, not at some later poll

    # A retransmission of the same request: the same answer again, and no second check.
    again = send_sip(request, local, "127.0.0.1", port)
    assert (again.status, again.header("To")) == (200, response.header("To"))
    time.sleep(0.5)
    assert len(emulator.events("check-end")) == 2
    assert emulator.sip_log()[-1]["retransmission"] is True

    tcp_request, tcp_local = sip_request("127.0.0.1", port, transport="tcp")
    assert send_sip(tcp_request, tcp_local, "127.0.0.1", port, transport="tcp").status == 200
    assert emulator.wait_for_checks(3, timeout=3)["reason"] == "check-sync"

    other_event = send_sip(*sip_request("127.0.0.1", port, event="dialog"), host="127.0.0.1", port=port)
    assert (other_event.status, other_event.reason, other_event.header("Allow-Events")) == (489, "Bad Event", "check-sync")
    invite = send_sip(*sip_request("127.0.0.1", port, method="INVITE"), host="127.0.0.1", port=port)
    assert (invite.status, invite.header("Allow")) == (405, "ACK, NOTIFY, OPTIONS")
    options = send_sip(*sip_request("127.0.0.1", port, method="OPTIONS", event=None), host="127.0.0.1", port=port)
    assert options.status == 200
    ack = send_sip(*sip_request("127.0.0.1", port, method="ACK", event=None), host="127.0.0.1", port=port,
                   timeout=0.5, expect_answer=False)
    assert ack is None
    time.sleep(0.3)
    assert len(emulator.events("check-end")) == 3

    # The collection's own check_sync module, over UDP and TCP, triggers a check each.
    results = tmp_path / "sync.json"
    run = run_playbook(HERE / "playbooks" / "probe_check_sync.yml", tmp_path,
                       extra_vars={"probe_sip_port": port, "probe_results": str(results)})
    assert run.rc == 0, run.output
    sync = json.loads(results.read_text())
    assert [(r["transport"], r["status"], r["ok"]) for r in sync["results"]] == [("udp", 200, True), ("tcp", 200, True)]
    emulator.wait_for_checks(5, timeout=5)
    assert [e["reason"] for e in emulator.events("check-start")[3:5]] == ["check-sync", "check-sync"]


@pytest.mark.parametrize("mode", ["disabled", "reboot"])
def test_check_sync_setting_decides_the_reaction(web, tmp_path, emulators, mode):
    root, mac = web["root"], {"disabled": "0013d1800042", "reboot": "0013d1800043"}[mode]
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    # disabled with no polling is the very case under test: the device ignores NOTIFY and never checks again
    unsafe = ("polling_and_check_sync_off",) if mode == "disabled" else ()
    publish(root, "%s-config.xml" % mac, config_document(check={"check_sync": mode}, users={"check": True},
                                                         allow_unsafe=unsafe))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"])
    emulator.wait_for_checks(1)
    port = emulator.sip_port
    assert emulator.state()["check_sync"] == {"answered": 0, "last": None, "reaction": mode,
                                              "users": "enabled users of the applied file"}
    assert send_sip(*sip_request("127.0.0.1", port), host="127.0.0.1", port=port).status == 200
    emulator.wait(lambda: emulator.events("check-sync"), 3, "check-sync handled")
    assert emulator.sip_log()[-1]["reaction"] == mode
    assert emulator.events("check-sync")[0]["reaction"] == mode
    if mode == "disabled":
        assert emulator.events("check-sync")[0]["action"] == "ignored: provisioning.check.check_sync is disabled"
        time.sleep(0.5)
        assert len(emulator.events("check-end")) == 1
    else:
        assert emulator.wait_for_checks(2, timeout=3)["reason"] == "boot"
        assert emulator.events("reboot")[0]["cause"] == "check-sync"
    emulator.wait(lambda: emulator.state()["check_sync"]["answered"] == 1, 3, "the reaction in state.json")
    assert emulator.state()["check_sync"]["last"]["reaction"] == mode


def test_once_over_tftp_follows_the_url_its_config_names(web, tmp_path, emulators):
    """A bare host is TFTP; users.check left at its default (false) means no users fetch; after the
    reboot the device fetches from the static URL the applied config names (here HTTP)."""
    root, mac = web["root"], "0013d1800044"
    publish(root, "kws-once.bin", b"\x7fimage" * 300)
    publish(root, "kws-once.bin.ver", b"O1")
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    publish(root, "%s-config.xml" % mac, config_document(server={"method": "static", "url": web["http"]},
                                                         firmware={"kws": "kws-once.bin"},
                                                         check={"check_sync": "update"}))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["tftp"], once=True)
    assert emulator.wait_for_exit(30) == 0
    assert [(f["check"], f["protocol"], f["file"], f["outcome"]) for f in emulator.fetches()] == [
        (1, "tftp", "%s-config.xml" % mac, "applied"),
        (1, "tftp", "kws-once.bin.ver", "new version"),
        (1, "tftp", "kws-once.bin", "installed, rebooting"),
        (2, "http", "%s-config.xml" % mac, "unchanged"),
        (2, "http", "kws-once.bin.ver", "same version"),
    ]
    state = emulator.state()
    assert (state["stopped"], state["url_source"], state["users"]) == (True, "config", None)


def test_dhcp_option_66_in_a_namespace(web, tmp_path, emulators):
    for binary in ("dnsmasq", "dhclient", "ip"):
        need_binary(binary)
    root, mac = web["root"], "0013d1800045"
    publish(root, "%s-config.xml" % mac, config_document(users={"check": True}, check={"check_sync": "update"}))
    publish(root, "%s-users.xml" % mac, users_document("9997", "9998", "9999"))
    with NetnsPair("192.0.2.1/24") as pair:
        server = ["ip", "netns", "exec", pair.server]
        nginx = probe_daemons.start_nginx(web["top"], tmp_path / "ns-web", host="192.0.2.1", prefix=server)
        url = "http://192.0.2.1:%d/dect" % nginx.http_port
        try:
            dnsmasq = probe_daemons.start_dnsmasq(tmp_path, pair.server_if, url, prefix=server)
            try:
                emulator = emulators(tmp_path / "dect", mac, "6500", dhcp=pair.client_if, once=True,
                                     prefix=["ip", "netns", "exec", pair.client])
                assert emulator.wait_for_exit(45) == 0, emulator.log()
            finally:
                dnsmasq.stop()
        finally:
            nginx.stop()
    state = emulator.state()
    assert state["mode"] == "dhcp" and state["url_source"] == "dhcp" and state["url"] == url
    assert state["dhcp"]["tftp_server_name"] == url
    assert state["dhcp"]["ip_address"].startswith("192.0.2.")
    assert summary(emulator.fetches()) == [("%s-config.xml" % mac, "ok", "applied"),
                                           ("%s-users.xml" % mac, "ok", "applied")]
    assert state["users"]["usernames"] == ["9997", "9998", "9999"]
    assert emulator.events("dhcp-lease")[0]["tftp_server_name"] == url


def check_sync_module(tmp_path, port, targets, user="9997"):
    """The collection's check_sync module against ``port``: ``[(transport, status, ok)]`` and the results."""
    results = tmp_path / ("sync-%d.json" % len(list(tmp_path.glob("sync-*.json"))))
    run = run_playbook(HERE / "playbooks" / "probe_check_sync_targets.yml", tmp_path, extra_vars={
        "probe_sip_port": port, "probe_results": str(results), "probe_targets": targets, "probe_user": user})
    assert run.rc == 0, run.output
    sync = json.loads(results.read_text())["results"]
    return [(r["transport"], r["status"], r["ok"]) for r in sync], sync


def closed(port, transport):
    """Nothing answers on ``port``: UDP gets ICMP port unreachable, TCP a refused connection."""
    try:
        send_sip(*sip_request("127.0.0.1", port, transport=transport), host="127.0.0.1", port=port,
                 transport=transport, timeout=1.0)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    except OSError:
        return transport == "udp"  # a timeout: no answer either
    return False


def test_listens_on_the_applied_localport_and_answers_only_enabled_users(web, tmp_path, emulators):
    root, mac = web["root"], "0013d1800046"
    port = free_sip_port()
    publish(root, "%s-users.xml" % mac, users_document("9997", "9998", disabled=("9998",)))
    publish(root, "%s-config.xml" % mac, config_document(
        {"sip": {"localport": port, "transport": "tcp"}}, check={"check_sync": "update"}, users={"check": True}))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"], sip_port=0)
    sip = emulator.wait_for_sip(port=port)
    assert sip == {"host": "127.0.0.1", "port": port, "localport": port, "localport_source": "config",
                   "transport": "tcp", "transports": ["udp", "tcp"], "tls_allow_insecure": False}
    listening = emulator.events("sip-listening")
    assert [(e["port"], e["localport"], e["localport_source"]) for e in listening] == [
        (listening[0]["port"], 5060, "default"), (port, port, "config")]
    assert closed(listening[0]["port"], "tcp")  # the factory port (standing in for 5060) is given up

    # The collection's check_sync module over TCP (the configured transport) and UDP, user 9997: taken.
    summary_, _results = check_sync_module(tmp_path, port, [{"transport": "tcp"}, {"transport": "udp"}])
    assert summary_ == [("tcp", 200, True), ("udp", 200, True)]
    emulator.wait_for_checks(3, timeout=5)
    # A disabled user and one the device does not have: 404, recorded with the reason; no check.
    for user, why in (("9998", "user '9998' is disabled in the applied users file"),
                      ("1234", "no user '1234' in the applied users file")):
        response = send_sip(*sip_request("127.0.0.1", port, transport="tcp", user=user), host="127.0.0.1", port=port,
                            transport="tcp")
        assert (response.status, response.reason) == (404, "Not Found")
        entry = emulator.sip_log()[-1]
        assert (entry["user"], entry["status"], entry["refused"], entry["trigger"]) == (user, 404, why, None)
    time.sleep(0.5)
    assert len(emulator.events("check-end")) == 3 and emulator.state()["check_sync"]["answered"] == 2


def test_a_new_config_moves_the_listener_and_the_notify_that_caused_it_is_answered(web, tmp_path, emulators):
    root, mac = web["root"], "0013d1800047"
    first, second = free_sip_port(), free_sip_port()
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    publish(root, "%s-config.xml" % mac, config_document(
        {"sip": {"localport": first}}, check={"check_sync": "update"}, users={"check": True}))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"], sip_port=0)
    emulator.wait_for_sip(port=first, transports=["udp", "tcp"])
    publish(root, "%s-config.xml" % mac, config_document(
        {"sip": {"localport": second}}, check={"check_sync": "update"}, users={"check": True}))
    # The NOTIFY whose check applies the new port still gets its answer on the old one.
    response = send_sip(*sip_request("127.0.0.1", first), host="127.0.0.1", port=first)
    assert (response.status, response.reason) == (200, "OK")
    assert emulator.wait_for_sip(port=second, transports=["udp", "tcp"])["localport"] == second
    assert [f["outcome"] for f in emulator.fetches() if f["kind"] == "config"] == ["applied", "applied"]
    assert send_sip(*sip_request("127.0.0.1", second, transport="tcp"), host="127.0.0.1", port=second,
                    transport="tcp").status == 200
    assert closed(first, "tcp") and closed(first, "udp")


def test_tls_per_the_config_with_the_check_sync_module_checking_the_certificate(web, tmp_path, emulators):
    root, mac = web["root"], "0013d1800048"
    port = free_sip_port()
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    publish(root, "%s-config.xml" % mac, config_document(
        {"sip": {"localport": port, "transport": "tls"}}, check={"check_sync": "update"}, users={"check": True}))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"], sip_port=0)
    sip = emulator.wait_for_sip(port=port, transports=["tls"])
    assert (sip["transport"], sip["tls_allow_insecure"]) == ("tls", False)
    cert = sip["tls_certificate"]
    summary_, results = check_sync_module(tmp_path, port, [
        {"transport": "tls", "ca_path": cert}, {"transport": "tls"}, {"transport": "tcp"}])
    # Verified against the device's certificate: taken. The system CAs do not know it: refused by the
    # client. Plain TCP: UDP and TCP are off while TLS is the transport (tls_allow_insecure false).
    assert summary_[0] == ("tls", 200, True)
    assert summary_[1][1:] == (None, False) and results[1]["error"] == (
        "TLS certificate of 127.0.0.1:%d not accepted: self-signed certificate (set ca_path to the CA that signed it,"
        " or validate_certs=false)" % port)
    assert summary_[2][1:] == (None, False) and results[2]["error"].startswith("connection to 127.0.0.1:%d " % port)
    errors = sorted(entry["error"] for entry in emulator.sip_log() if "error" in entry)  # the targets run at once
    assert errors[0] == "TCP is not accepted here (listening: tls)", errors
    assert errors[1].startswith("TLS handshake failed: [SSL: TLSV1_ALERT_UNKNOWN_CA]"), errors


def test_a_users_file_the_guide_refuses_keeps_the_previous_users(web, tmp_path, emulators):
    root, mac = web["root"], "0013d1800049"
    publish(root, "%s-users.xml" % mac, users_document("9997"))
    publish(root, "%s-config.xml" % mac, config_document(check={"interval": 1, "check_sync": "update"},
                                                         users={"check": True}))
    emulator = emulators(tmp_path / "dect", mac, "6500", url=web["http"], minute_seconds=MINUTE)
    emulator.wait_for_checks(1)
    before = emulator.state()["users"]
    # Hand-written: the collection refuses to render a record without a user name.
    bad = b'<?xml version="1.0"?>\n<users><user><username>9997</username></user><user><ipei>00077 0000002</ipei>' \
          b'<displayname>No Name</displayname></user></users>\n'
    publish(root, "%s-users.xml" % mac, bad)
    emulator.wait(lambda: emulator.state().get("users_refused"), 5, "the users file refused")
    error = "user 2: no <username>, mandatory on the IP-DECT Server 400/6500 (Appendix C)"
    state = emulator.state()
    assert state["users"] == before and state["users_refused"]["error"] == error
    assert state["users_refused"]["sha256"] == sha256(bad)
    refused = [f for f in emulator.fetches() if f["kind"] == "users" and f["sha256"] == sha256(bad)]
    assert refused[0]["outcome"] == "rejected: " + error
    assert emulator.events("users-refused")[0]["error"] == error
    port = emulator.sip_port
    assert send_sip(*sip_request("127.0.0.1", port), host="127.0.0.1", port=port).status == 200


def test_base_station_and_handset_images_are_applied_only_with_the_licence_and_auto_update(web, tmp_path, emulators):
    root = web["root"]
    for name, version in (("rfp-dist.bin", b"R1"), ("rfp6-dist.bin", b"R6"), ("pp-dist.bin", b"P1")):
        publish(root, name, os.urandom(3000))
        publish(root, name + ".ver", version)
    firmware = {"rfp": "rfp-dist.bin", "rfp6": "rfp6-dist.bin", "pp14225100": "pp-dist.bin"}
    licensed = {"dect": {"license": "EPI-0001"}, "rfp": {"auto": {"enable": True}},
                "network": {"bootproto": "dhcp"}}  # the 8000's default is static: it needs an address
    check = {"check_sync": "update"}
    publish(root, "0013d180004a-config.xml", config_document(licensed, "dect", "8000", firmware=firmware,
                                                             check=check))
    publish(root, "0013d180004b-config.xml", config_document(
        {"suota": {"auto": True}}, firmware={"pp14225100": "pp-dist.bin"}, check=check))
    dect = emulators(tmp_path / "8000", "0013d180004a", "8000", url=web["http"], once=True)
    ipdect = emulators(tmp_path / "6500", "0013d180004b", "6500", url=web["http"], once=True)
    assert dect.wait_for_exit(30) == 0 and ipdect.wait_for_exit(30) == 0
    assert [(f["file"], f["outcome"]) for f in dect.fetches() if f["kind"] == "firmware"] == [
        ("rfp-dist.bin", "staged, applied to IP base stations"),
        ("rfp6-dist.bin", "staged, not applied: automatic update is off: rfp.auto.enable_digital is not true"),
        ("pp-dist.bin", "staged, not applied: automatic update is off: suota.auto is not true"),
    ]
    assert dect.state()["firmware_distribution"]["rfp"] == {
        "file": "rfp-dist.bin", "version": "R1", "applied": True, "devices": "IP base stations"}
    no_licence = "needs the Enhanced Provisioning Interface License: dect.license lists none"
    assert [(f["file"], f["outcome"]) for f in ipdect.fetches() if f["kind"] == "firmware"] == [
        ("pp-dist.bin", "staged, not applied: " + no_licence)]
    assert ipdect.state()["firmware_distribution"] == {"pp14225100": {
        "file": "pp-dist.bin", "version": "P1", "applied": False, "reason": no_licence}}


def test_the_emulators_own_tftp_client_against_tftpd(tmp_path):
    need_binary("in.tftpd")
    root = tmp_path / "root"
    root.mkdir()
    payload = bytes(range(256)) * 9  # 2304 bytes: several 512-byte blocks and a short last one
    (root / "kws.bin").write_bytes(payload)
    daemon = start_tftp(root, workdir=str(tmp_path))
    try:
        url = "tftp://127.0.0.1:%d" % daemon.port
        got = transfer.fetch(url, "kws.bin", timeout=2.0, retries=2)
        assert (got.status, got.size, got.data) == ("ok", len(payload), payload)
        assert got.sha256 == hashlib.sha256(payload).hexdigest()
        missing = transfer.fetch(url, "nothing.bin", timeout=2.0, retries=2)
        assert missing.status == "missing" and missing.code == 1
    finally:
        daemon.stop()

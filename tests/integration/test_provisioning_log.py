"""provisioning_log against the provisioning_server role's real nginx (HTTP, HTTPS), vsftpd and tftpd-hpa.

The role renders every daemon's configuration (request logs included; tftpd-hpa's syslog messages
reach a file through the role's launcher). A plain client acting as a DECT server fetches files over
each protocol - completely, interrupted, missing - and the module, run through the role's
``tasks_from: requests``, must report exactly those requests. The logs are then rotated (renamed,
gzipped) and the earlier requests must still be read. The role serves only device files: a backup,
a temp file and a dot file cannot be fetched over any protocol, while 0640 files of the provisioning
group can.
"""

from __future__ import annotations

import ftplib
import grp
import gzip
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devtools.ansible_runner import run_playbook
from devtools.provisioning_site import ALL, fetch_ftp, fetch_http, fetch_tftp, https_site

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
READ = PLAYBOOKS / "provisioning_log_read.yml"
MAC = "0013d1800032"
BIG = 48 * 1024 * 1024  # more than loopback socket buffers hold: an early close interrupts it
FORBIDDEN = ("x-config.xml.1234.2026-01-01@00:00~", ".x-config.xml.tmpab12", ".hidden")


def _publish(root, name, data):
    """As the publication will: 0640, group dect-provisioning, root-owned."""
    path = root / name
    path.write_bytes(data)
    os.chown(path, 0, grp.getgrnam("dect-provisioning").gr_gid)
    path.chmod(0o640)
    return path


@pytest.fixture(scope="module")
def site():
    with https_site(PLAYBOOKS / "provisioning_server_serve.yml",
                    ("in.tftpd", "nginx", "vsftpd", "tftp", "unshare")) as served:
        _publish(served.root, "%s-users.xml" % MAC, b"<users/>\n")
        _publish(served.root, "big.bin", os.urandom(1024 * 1024) * (BIG // (1024 * 1024)))
        _publish(served.root, "big2.bin", os.urandom(1024 * 1024) * (BIG // (1024 * 1024)))
        for name in FORBIDDEN:
            _publish(served.root, name, b"not for devices\n")
        yield served


def read_log(site, **extra):
    out = site.workdir / "requests.json"
    run = run_playbook(READ, site.workdir / "ansible", extra_vars=dict(site.extra_vars, pl_out=str(out), **extra))
    assert run.rc == 0, run.output
    return json.loads(out.read_text())


def interrupted_http(site, name):
    with socket.create_connection(("127.0.0.1", site.port("http")), timeout=10) as sock:
        sock.sendall(("GET /%s HTTP/1.1\r\nHost: dect\r\n\r\n" % name).encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST


def interrupted_ftp(site, name):
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", site.port("ftp"), timeout=10)
        ftp.login()
        ftp.voidcmd("TYPE I")
        data = ftp.transfercmd("RETR " + name)
        data.recv(4096)
        data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        data.close()
        with pytest.raises(ftplib.Error):
            ftp.voidresp()


def tftp_first_reply(site, name):
    """The first packet answering a read request (the tftp client would read 'host:file' into a name)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", ("127.0.0.1", site.port("tftp")))
        return sock.recvfrom(1024)[0]


def timed(func, *args):
    before = time.time()
    func(*args)
    return before, time.time()


def within(entry, window, slack=1.0):
    return window[0] - slack <= entry["epoch"] <= window[1] + slack


def wait_for_line(path, text, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Path(path).exists() and text in Path(path).read_text():
            return
        time.sleep(0.05)
    raise AssertionError("%s never logged %r" % (path, text))


def test_each_request_is_reported_with_time_status_and_completeness(site, tmp_path):
    windows = {
        "%s-config.xml" % MAC: timed(fetch_http, site.url("http", "%s-config.xml" % MAC)),
        "%s-users.xml" % MAC: timed(fetch_http, site.url("https", "%s-users.xml" % MAC), site.ca),
        "kws.bin.ver": timed(fetch_ftp, site, "kws.bin.ver"),
        "kws.bin": timed(fetch_tftp, site, "kws.bin", tmp_path / "kws.bin"),
        "pp7x.bin": timed(fetch_http, site.url("https", "pp7x.bin"), site.ca),
        "pp7x.bin.ver": timed(fetch_tftp, site, "pp7x.bin.ver", tmp_path / "v"),
        "big.bin": timed(interrupted_http, site, "big.bin"),
        "big2.bin": timed(interrupted_ftp, site, "big2.bin"),
    }
    with pytest.raises(urllib.error.HTTPError):
        fetch_http(site.url("http", "missing.bin"))
    windows["missing.bin"] = (time.time() - 1, time.time())
    time.sleep(0.5)  # the FTP and TFTP logs are written when each transfer ends
    result = read_log(site, provisioning_server_requests_macs=["00:13:D1:80:00:32"])
    assert result["changed"] is False
    server = result["servers"][MAC]
    assert server["clients"] == ["127.0.0.1"]
    files = server["files"]
    assert sorted(files) == sorted(windows)
    for name, window in windows.items():
        assert within(files[name], window), (name, files[name], window)
        assert files[name]["client"] == "127.0.0.1"
    size = (site.root / "pp7x.bin").stat().st_size
    expect = {
        "%s-config.xml" % MAC: ("http", "GET 200", True, (site.root / ("%s-config.xml" % MAC)).stat().st_size, None),
        "%s-users.xml" % MAC: ("https", "GET 200", True, 9, None),
        "kws.bin.ver": ("ftp", "complete", True, 12, None),
        "kws.bin": ("tftp", "sent", True, None, None),  # tftpd-hpa does not log a transfer's end
        "pp7x.bin": ("https", "GET 200", True, size, True),
        "pp7x.bin.ver": ("tftp", "sent", True, None, None),
        "missing.bin": ("http", "GET 404", False, None, False),
    }
    for name, (protocol, status, ok, sent, complete) in expect.items():
        got = files[name]
        assert (got["protocol"], got["status"], got["ok"], got["complete"]) == (protocol, status, ok, complete), got
        if sent is not None:
            assert got["bytes"] == sent, got
    for name, protocol in (("big.bin", "http"), ("big2.bin", "ftp")):
        got = files[name]
        assert got["protocol"] == protocol and got["complete"] is False and got["bytes"] < BIG, got
        assert got["staged_size"] == BIG and got["current"] is True
    # a NAK is a failed request
    proc = subprocess.run(["tftp", "127.0.0.1", str(site.port("tftp")), "-m", "binary", "-c", "get", "gone.bin",
                           str(tmp_path / "gone")], capture_output=True, text=True, timeout=30, check=False)
    assert "File not found" in proc.stdout + proc.stderr
    time.sleep(0.3)
    gone = read_log(site, provisioning_server_requests_since="60")["servers"][MAC]["files"]["gone.bin"]
    assert (gone["protocol"], gone["ok"], gone["status"]) == ("tftp", False, "NAK 1 File not found"), gone


def test_rotated_and_gzipped_logs_are_read(site, tmp_path):
    conf = site.conf
    logs = {"nginx": conf / "nginx-access.log", "ftp": conf / "vsftpd-xfer.log", "tftp": conf / "tftpd.log"}
    fetch_http(site.url("http", "%s-config.xml" % MAC))
    fetch_ftp(site, "%s-users.xml" % MAC)
    fetch_tftp(site, "kws.bin.ver", tmp_path / "a")
    wait_for_line(logs["tftp"], "filename kws.bin.ver")
    for path in logs.values():  # as logrotate does: rename, the daemon reopens, the old one is gzipped
        os.rename(path, str(path) + ".1")
    os.kill(site.daemons["nginx"].pid, signal.SIGUSR1)
    time.sleep(0.5)
    for path in logs.values():
        with open(str(path) + ".1", "rb") as src, gzip.open(str(path) + ".2.gz", "wb") as dst:
            dst.write(src.read())
        os.unlink(str(path) + ".1")
    before = time.time()
    fetch_http(site.url("https", "pp7x.bin.ver"), site.ca)
    fetch_ftp(site, "pp7x.bin.ver")
    fetch_tftp(site, "%s-config.xml" % MAC, tmp_path / "c")
    wait_for_line(logs["tftp"], "filename %s-config.xml" % MAC)
    time.sleep(0.3)
    result = read_log(site)
    read = {Path(entry["path"]).name: entry["requests"] for entry in result["logs"]}
    for path in logs.values():
        assert read[path.name + ".2.gz"] > 0 and read[path.name] >= 1, read
    files = result["servers"][MAC]["files"]
    # the last request of each file, whichever log it is in
    assert files["%s-users.xml" % MAC]["protocol"] == "ftp"
    assert files["%s-config.xml" % MAC]["protocol"] == "tftp" and files["%s-config.xml" % MAC]["epoch"] >= before - 1
    assert files["pp7x.bin.ver"]["epoch"] >= before - 1
    assert files["kws.bin.ver"]["protocol"] == "tftp" and files["kws.bin.ver"]["epoch"] < before


@pytest.mark.parametrize("protocol", ALL)
def test_only_device_files_are_served(site, protocol, tmp_path):
    for name in FORBIDDEN + ("%s-users.xml" % MAC,):
        assert (site.root / name).stat().st_mode & 0o777 == 0o640  # readable only through the group

    def fetch(name):
        if protocol == "tftp":
            return fetch_tftp(site, name, tmp_path / "f")
        if protocol == "ftp":
            return fetch_ftp(site, name)
        return fetch_http(site.url(protocol, name), cafile=site.ca if protocol == "https" else None)

    assert fetch("%s-users.xml" % MAC) == b"<users/>\n"
    assert fetch("kws.bin.ver") == b"PCS24B 71234"
    for name in FORBIDDEN:
        if protocol == "tftp":
            assert tftp_first_reply(site, name) == b"\x00\x05\x00\x02Access denied\x00", name  # ERROR 2
        elif protocol == "ftp":
            with pytest.raises(ftplib.error_perm, match="^550 Permission denied"):
                fetch(name)
        else:
            with pytest.raises(urllib.error.HTTPError) as err:
                fetch(name)
            assert err.value.code == 404, name


# ----------------------------------------------------------------------------- paths and addresses


def http_status(url, cafile=None):
    try:
        fetch_http(url, cafile)
        return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_request_under_a_path_that_is_not_served_is_reported_with_its_status(site):
    """The URL says /dect, the root is served at '/': every request 404s, and the log says so."""
    before = time.time()
    assert http_status(site.url("https", "dect/%s-config.xml" % MAC), site.ca) == 404
    assert tftp_first_reply(site, "dect/%s-users.xml" % MAC) == b"\x00\x05\x00\x00File name too long\x00"
    wait_for_line(site.conf / "tftpd.log", "filename dect/%s-users.xml" % MAC)
    time.sleep(0.3)
    server = read_log(site, provisioning_server_requests_since="60")["servers"][MAC]
    for name in ("%s-config.xml" % MAC, "%s-users.xml" % MAC):  # earlier tests' fetches at '/' only
        assert name not in server["files"] or server["files"][name]["epoch"] < before, server["files"][name]
    https = server["elsewhere"]["/dect/%s-config.xml" % MAC]
    assert (https["protocol"], https["status"], https["ok"], https["client"]) == ("https", "GET 404", False, "127.0.0.1")
    tftp = server["elsewhere"]["/dect/%s-users.xml" % MAC]
    assert (tftp["protocol"], tftp["status"], tftp["ok"]) == ("tftp", "NAK 0 File name too long", False)
    assert https["epoch"] >= before - 1 and tftp["epoch"] >= before - 1


def test_a_crafted_404_does_not_hide_a_real_fetch(site):
    """nginx logs /x%20/<mac>-config.xml as '/x /<mac>-config.xml': a request under '/x ', not the fetch."""
    fetch_http(site.url("http", "%s-config.xml" % MAC))
    fetched = time.time()
    assert http_status(site.url("http", "x%%20/%s-config.xml" % MAC)) == 404
    assert http_status(site.url("http", "x%%20%%2F%s-config.xml" % MAC)) == 404
    time.sleep(0.3)
    server = read_log(site, provisioning_server_requests_since="60")["servers"][MAC]
    config = server["files"]["%s-config.xml" % MAC]
    assert (config["status"], config["ok"], config["path"]) == ("GET 200", True, "/%s-config.xml" % MAC)
    assert config["epoch"] <= fetched
    assert server["elsewhere"]["/x /%s-config.xml" % MAC]["status"] == "GET 404"


def test_a_fetch_from_another_address_is_not_the_servers(site):
    fetch_http(site.url("http", "%s-config.xml" % MAC))
    time.sleep(0.3)
    server = read_log(site, provisioning_server_requests_since="60",
                      provisioning_server_requests_clients={"00:13:D1:80:00:32": "192.0.2.10"})["servers"][MAC]
    assert server["files"] == {} and server["last_request"] is None
    other = server["other_clients"]["%s-config.xml" % MAC]
    assert (other["client"], other["status"]) == ("127.0.0.1", "GET 200")
    mine = read_log(site, provisioning_server_requests_since="60",
                    provisioning_server_requests_clients={MAC: "127.0.0.1"})["servers"][MAC]
    assert mine["files"]["%s-config.xml" % MAC]["status"] == "GET 200" and mine["other_clients"] == {}


def test_a_log_compressed_while_it_is_read_is_skipped_with_a_warning(site):
    """logrotate's gzip half written beside the log: the module warns and reads the rest."""
    log = site.conf / "nginx-access.log"
    fetch_http(site.url("http", "%s-users.xml" % MAC))
    time.sleep(0.3)
    half = gzip.compress(log.read_bytes() * 50)
    partial = Path(str(log) + ".7.gz")
    partial.write_bytes(half[:len(half) // 2])
    try:
        out = site.workdir / "requests.json"
        extra = dict(site.extra_vars, pl_out=str(out), provisioning_server_requests_since="60")
        run = run_playbook(READ, site.workdir / "ansible", extra_vars=extra)
        assert run.rc == 0, run.output
        warning = "nginx log: %s changed while it was read (rotated or compressed?) and was skipped" % partial
        assert warning in " ".join(run.output.split()), run.output
        result = json.loads(out.read_text())
        assert result["servers"][MAC]["files"]["%s-users.xml" % MAC]["status"] == "GET 200"
        assert str(partial) not in [entry["path"] for entry in result["logs"]]
    finally:
        partial.unlink()

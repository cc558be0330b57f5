"""The request-log parser behind provisioning_log and the convergence table, on log lines exactly as
the role's nginx, vsftpd and tftpd-hpa (through rsyslog or the role's launcher) write them."""

from __future__ import annotations

import calendar
import gzip
import os
import time

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import _provisioning_log as P
from ansible_collections.dect.provisioning.plugins.plugin_utils.convergence import converge

NOW = calendar.timegm((2026, 11, 25, 23, 0, 0))


def nginx(epoch, client, path, status=200, sent=100, took=0.5, done="OK", method="GET", scheme="http"):
    return "2026-11-25T22:00:00+00:00 %.3f %s %s %s %d %d %.3f %s %s\n" % (
        epoch + took, client, scheme, method, status, sent, took, done, path)


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "kws.bin").write_bytes(b"x" * 1000)
    os.utime(root / "kws.bin", (NOW - 600, NOW - 600))
    (root / "0013d1800032-config.xml").write_bytes(b"<config/>")
    os.utime(root / "0013d1800032-config.xml", (NOW - 600, NOW - 600))
    return root


def read(tmp_path, **logs):
    sources = []
    for kind, lines in logs.items():
        path = tmp_path / ("%s.log" % kind)
        path.write_text("".join(lines))
        sources.append((kind, str(path)))
    return P.read_requests(sources, now=NOW)


@pytest.mark.parametrize("name, kind", [
    ("0013d1800032-config.xml", "config"), ("0013d1800032-users.xml", "users"), ("kws.bin", "image"),
    ("kws.bin.ver", "ver"), ("pp_7x+1.bin", "image"),
    ("0013D1800032-config.xml", None), ("0013d180003-config.xml", None), (".kws.bin.upload", None),
    ("x-config.xml.1234.2026-01-01@00:00~", None), (".x-config.xml.tmpab12", None), ("a..bin", None),
    ("kws.img", None), ("favicon.ico", None)])
def test_device_file_names(name, kind):
    assert P.file_kind(name) == kind


def test_nginx_last_request_per_file_and_firmware_by_client(tmp_path, root):
    found = read(tmp_path, nginx=[
        nginx(NOW - 900, "192.0.2.10", "/0013d1800032-config.xml"),          # before the file changed
        nginx(NOW - 300, "192.0.2.10", "/0013d1800032-config.xml", sent=9),
        nginx(NOW - 299, "192.0.2.10", "/kws.bin.ver", sent=12),
        nginx(NOW - 298, "192.0.2.10", "/kws.bin", sent=400, done="-"),      # interrupted
        nginx(NOW - 200, "192.0.2.11", "/kws.bin", sent=1000),              # another device
        nginx(NOW - 100, "192.0.2.10", "/favicon.ico", status=404, sent=0),  # not a device file
        nginx(NOW - 50, "192.0.2.10", "/kws.bin", method="HEAD", sent=0),
    ])
    assert found.count == 6
    servers = P.summarize(found, root=str(root))
    assert list(servers) == ["0013d1800032"]
    files = servers["0013d1800032"]["files"]
    assert sorted(files) == ["0013d1800032-config.xml", "kws.bin", "kws.bin.ver"]
    config = files["0013d1800032-config.xml"]
    assert (config["time"], config["protocol"], config["client"], config["status"], config["bytes"]) == \
        ("2026-11-25T22:55:00.000Z", "http", "192.0.2.10", "GET 200", 9)
    assert config["current"] is True and config["complete"] is None
    image = files["kws.bin"]  # the HEAD is the last request of this client: not a download
    assert (image["status"], image["ok"], image["complete"]) == ("HEAD 200", False, False)
    assert servers["0013d1800032"]["clients"] == ["192.0.2.10"]


def test_nginx_interrupted_and_complete_images(tmp_path, root):
    servers = P.summarize(read(tmp_path, nginx=[
        nginx(NOW - 300, "192.0.2.10", "/0013d1800032-config.xml"),
        nginx(NOW - 298, "192.0.2.10", "/kws.bin", sent=400, done="-"),
        nginx(NOW - 300, "192.0.2.11", "/0013d1800033-config.xml"),
        nginx(NOW - 298, "192.0.2.11", "/kws.bin", sent=1000),
        nginx(NOW - 290, "192.0.2.12", "/0013d1800034-config.xml"),
        nginx(NOW - 298, "192.0.2.12", "/kws.bin", sent=1000, done="-"),     # all bytes, but not finished
    ]), root=str(root))
    assert servers["0013d1800032"]["files"]["kws.bin"]["complete"] is False
    assert servers["0013d1800033"]["files"]["kws.bin"]["complete"] is True
    assert servers["0013d1800034"]["files"]["kws.bin"]["complete"] is False


def test_xferlog_and_tftp_syslog_in_both_timestamp_styles(tmp_path, root):
    found = read(tmp_path, ftp=[
        "Wed Nov 25 22:50:00 2026 1 192.0.2.10 9 /0013d1800032-config.xml b _ o a <no_password> ftp 0 * c\n",
        "Wed Nov 25 22:50:01 2026 3 ::ffff:192.0.2.10 400 /kws.bin b _ o a <no_password> ftp 0 * i\n",
        "Wed Nov 25 22:50:02 2026 1 192.0.2.10 0 /evil.bin b _ i a <no_password> ftp 0 * c\n",  # an upload
    ], tftp=[
        "2026-11-25T22:55:00.250000+00:00 prov in.tftpd[41]: RRQ from 192.0.2.20 filename 0013d1800099-users.xml\n",
        "2026-11-25T22:55:01.000000+00:00 prov in.tftpd[42]: RRQ from ::ffff:192.0.2.20 filename /kws.bin.ver\n",
        "2026-11-25T22:55:02+00:00 prov in.tftpd[43]: RRQ from 192.0.2.20 filename pp.bin\n",
        "2026-11-25T22:55:02+00:00 prov in.tftpd[43]: sending NAK (1, File not found) to 192.0.2.20\n",
        "2026-11-25T22:55:03+00:00 prov cron[7]: RRQ from 192.0.2.20 filename kws.bin\n",
    ])
    servers = P.summarize(found, root=str(root))
    ftp = servers["0013d1800032"]["files"]
    assert ftp["0013d1800032-config.xml"]["time"] == "2026-11-25T22:50:00.000Z"
    assert (ftp["kws.bin"]["status"], ftp["kws.bin"]["ok"], ftp["kws.bin"]["bytes"], ftp["kws.bin"]["complete"]) == \
        ("incomplete", False, 400, False)
    assert "evil.bin" not in ftp
    tftp = servers["0013d1800099"]["files"]
    assert tftp["0013d1800099-users.xml"]["time"] == "2026-11-25T22:55:00.250Z"
    assert (tftp["kws.bin.ver"]["status"], tftp["kws.bin.ver"]["ok"], tftp["kws.bin.ver"]["client"]) == \
        ("sent", True, "192.0.2.20")
    assert (tftp["pp.bin"]["status"], tftp["pp.bin"]["ok"]) == ("NAK 1 File not found", False)
    assert "kws.bin" not in tftp  # only in.tftpd's own lines


def test_traditional_syslog_time_is_local_and_never_in_the_future():
    epochs = P._Epochs(NOW)
    assert epochs.traditional("Nov", "25", "22:00:00") == time.mktime((2026, 11, 25, 22, 0, 0, 0, 0, -1))
    assert epochs.traditional("Dec", "31", "23:00:00") == time.mktime((2025, 12, 31, 23, 0, 0, 0, 0, -1))


def test_rotated_logs_are_read_oldest_first_gzip_too(tmp_path):
    base = tmp_path / "access.log"
    with gzip.open(str(base) + ".2.gz", "wt") as out:
        out.write(nginx(NOW - 900, "192.0.2.10", "/0013d1800032-config.xml", sent=1))
    (tmp_path / "access.log.1").write_text(nginx(NOW - 600, "192.0.2.10", "/0013d1800032-users.xml"))
    base.write_text(nginx(NOW - 60, "192.0.2.10", "/kws.bin.ver"))
    (tmp_path / "access.log.bak").write_text("not a rotation\n")
    assert P.log_files(str(base)) == [str(base) + ".2.gz", str(base) + ".1", str(base)]
    found = P.read_requests([("nginx", str(base))], now=NOW)
    assert [entry["requests"] for entry in found.logs] == [1, 1, 1]
    assert sorted(P.summarize(found)["0013d1800032"]["files"]) == [
        "0013d1800032-config.xml", "0013d1800032-users.xml", "kws.bin.ver"]


def test_since_drops_earlier_requests_but_keeps_the_mac_of_a_client(tmp_path):
    found = P.read_requests([], now=NOW)
    lines = [nginx(NOW - 900, "192.0.2.10", "/0013d1800032-config.xml"), nginx(NOW - 60, "192.0.2.10", "/kws.bin.ver")]
    (tmp_path / "a.log").write_text("".join(lines))
    found = P.read_requests([("nginx", str(tmp_path / "a.log"))], since=NOW - 120, now=NOW)
    files = P.summarize(found, macs=["0013d1800032", "0013d1800099"])
    assert sorted(files["0013d1800032"]["files"]) == ["kws.bin.ver"]
    assert files["0013d1800099"] == {"files": {}, "clients": [], "last_request": None}


@pytest.mark.parametrize("value, expected", [
    ("2026-11-25T22:00:00Z", NOW - 3600), ("2026-11-25T22:00:00", NOW - 3600),
    ("2026-11-25T23:00:00+01:00", NOW - 3600), ("3600", NOW - 3600), (None, None)])
def test_since(value, expected):
    assert P.parse_since(value, now=NOW) == expected


@pytest.mark.parametrize("value", ["yesterday", "-5"])
def test_since_refused(value):
    with pytest.raises(P.LogError, match="^since: '%s' is refused: allowed an ISO 8601 time" % value):
        P.parse_since(value, now=NOW)


def test_convergence_table_names_what_is_missing():
    entry = dict(kind="config", time="2026-11-25T22:55:00.000Z", epoch=NOW - 300, protocol="http",
                 client="192.0.2.10", status="GET 200", ok=True, bytes=9, staged_size=9, current=True, complete=None)
    stale = dict(entry, current=False, time="2026-11-25T22:40:00.000Z")
    broken = dict(entry, kind="image", complete=False, bytes=400, staged_size=1000)
    results = [{"servers": {"0013d1800032": {"files": {"0013d1800032-config.xml": entry, "kws.bin": broken}}}},
               {"servers": {"0013d1800033": {"files": {"0013d1800033-config.xml": stale}}}}]
    got = converge([{"name": "ward-a", "mac": "0013d1800032", "files": ["0013d1800032-config.xml", "kws.bin"]},
                    {"name": "ward-b", "mac": "0013d1800033", "files": ["0013d1800033-config.xml"]},
                    {"name": "ward-c", "mac": "0013d1800034", "files": ["0013d1800034-config.xml"]}], results)
    assert got["missing"] == ["ward-a", "ward-b", "ward-c"]
    missing = [["kws.bin"], ["0013d1800033-config.xml"], ["0013d1800034-config.xml"]]
    assert [row["missing"] for row in got["rows"]] == missing
    lines = got["table"].splitlines()
    assert lines[0].split()[:4] == ["server", "mac", "file", "fetched"]
    assert lines[1].split() == ["ward-a", "0013d1800032", "0013d1800032-config.xml", "2026-11-25T22:55:00.000Z",
                                "http", "192.0.2.10", "GET", "200"]
    assert lines[2].split()[:2] == ["kws.bin", "MISSING"] and "INCOMPLETE (400 of 1000 bytes)" in lines[2]
    assert "(before the file last changed)" in lines[3] and lines[3].startswith("ward-b")
    assert lines[4].split() == ["ward-c", "0013d1800034", "0013d1800034-config.xml", "MISSING", "-", "never",
                                "fetched"]


def test_a_log_in_whole_seconds_is_current_within_the_second_the_file_changed(tmp_path, root):
    os.utime(root / "kws.bin", (NOW - 0.3, NOW - 0.3))  # changed at .7 of the second the transfer ended in
    servers = P.summarize(read(tmp_path, ftp=[
        "Wed Nov 25 22:59:59 2026 1 192.0.2.10 9 /0013d1800032-config.xml b _ o a <no_password> ftp 0 * c\n",
        "Wed Nov 25 22:59:59 2026 1 192.0.2.10 1000 /kws.bin b _ o a <no_password> ftp 0 * c\n",
        "Wed Nov 25 22:59:58 2026 1 192.0.2.11 9 /0013d1800033-config.xml b _ o a <no_password> ftp 0 * c\n",
        "Wed Nov 25 22:59:58 2026 1 192.0.2.11 1000 /kws.bin b _ o a <no_password> ftp 0 * c\n",
    ]), root=str(root))
    assert servers["0013d1800032"]["files"]["kws.bin"]["current"] is True
    assert servers["0013d1800033"]["files"]["kws.bin"]["current"] is False

"""The request-log parser behind provisioning_log and the convergence table, on log lines exactly as
the role's nginx, vsftpd and tftpd-hpa (through rsyslog or the role's launcher) write them."""

from __future__ import annotations

import calendar
import gzip
import os
import time
from pathlib import Path

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
    assert files["0013d1800099"] == {"files": {}, "other_clients": {}, "elsewhere": {}, "clients": [],
                                     "last_request": None}


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


# ----------------------------------------------------------------------------- paths, addresses, rotation


def test_a_crafted_404_under_another_path_does_not_hide_a_real_fetch(tmp_path, root):
    """nginx logs the decoded path: /x%20/<mac>-config.xml is '/x /<mac>-config.xml', whose last token
    is the real file's name. Keyed on the whole path, it is a request under '/x ', not the fetch."""
    found = read(tmp_path, nginx=[
        nginx(NOW - 300, "192.0.2.10", "/0013d1800032-config.xml", sent=9),
        nginx(NOW - 100, "198.51.100.7", "/x /0013d1800032-config.xml", status=404, sent=0),
    ])
    server = P.summarize(found, root=str(root))["0013d1800032"]
    config = server["files"]["0013d1800032-config.xml"]
    assert (config["status"], config["ok"], config["client"], config["path"]) == \
        ("GET 200", True, "192.0.2.10", "/0013d1800032-config.xml")
    crafted = server["elsewhere"]["/x /0013d1800032-config.xml"]
    assert (crafted["status"], crafted["ok"], crafted["client"]) == ("GET 404", False, "198.51.100.7")
    row = converge([{"name": "ward-a", "mac": "0013d1800032", "files": ["0013d1800032-config.xml"]}],
                   [{"servers": P.summarize(found, root=str(root))}])
    assert row["missing"] == []


def test_requests_under_the_served_path_count_others_are_reported_with_their_status(tmp_path, root):
    found = read(tmp_path, nginx=[
        nginx(NOW - 300, "192.0.2.10", "/dect/0013d1800032-config.xml", sent=9),
        nginx(NOW - 299, "192.0.2.10", "/dect/kws.bin.ver", sent=12),
        nginx(NOW - 200, "192.0.2.11", "/0013d1800033-config.xml", status=404, sent=0),
    ], tftp=[
        "2026-11-25T22:55:00+00:00 prov in.tftpd[41]: RRQ from 192.0.2.12 filename dect/0013d1800034-config.xml"
        " remapped to 0013d1800034-config.xml\n",
        "2026-11-25T22:55:01+00:00 prov in.tftpd[42]: RRQ from 192.0.2.12 filename 0013d1800034-users.xml"
        " remapped to not-served-at-this-path-xxxx\n",
        "2026-11-25T22:55:01+00:00 prov in.tftpd[42]: sending NAK (0, File name too long) to 192.0.2.12\n",
    ])
    servers = P.summarize(found, root=str(root), path="/dect/")
    assert sorted(servers["0013d1800032"]["files"]) == ["0013d1800032-config.xml", "kws.bin.ver"]
    assert servers["0013d1800032"]["files"]["kws.bin.ver"]["path"] == "/dect/kws.bin.ver"
    assert servers["0013d1800033"]["files"] == {}
    assert servers["0013d1800033"]["elsewhere"]["/0013d1800033-config.xml"]["status"] == "GET 404"
    tftp = servers["0013d1800034"]
    assert tftp["files"]["0013d1800034-config.xml"]["path"] == "/dect/0013d1800034-config.xml"
    assert tftp["elsewhere"]["/0013d1800034-users.xml"]["status"] == "NAK 0 File name too long"
    got = converge([{"name": "ward-b", "mac": "0013d1800033", "files": ["0013d1800033-config.xml"]},
                    {"name": "ward-c", "mac": "0013d1800034", "files": ["0013d1800034-config.xml",
                                                                        "0013d1800034-users.xml"]}],
                   [{"servers": servers}])
    assert got["missing"] == ["ward-b", "ward-c"]
    lines = got["table"].splitlines()
    assert lines[1].split(None, 3) == ["ward-b", "0013d1800033", "0013d1800033-config.xml",
                                       "MISSING - requested /0013d1800033-config.xml: 404 (2026-11-25T22:56:40.000Z"
                                       " http 192.0.2.11)"]
    assert lines[3].split(None, 1) == ["0013d1800034-users.xml", "MISSING - requested /0013d1800034-users.xml:"
                                       " NAK 0 File name too long (2026-11-25T22:55:01.000Z tftp 192.0.2.12)"]
    # Only the latest ELSEWHERE_KEPT paths of a MAC are kept.
    many = read(tmp_path, nginx=[nginx(NOW - 100 + n, "192.0.2.10", "/p%d/0013d1800032-users.xml" % n, status=404)
                                 for n in range(40)])
    kept = P.summarize(many)["0013d1800032"]["elsewhere"]
    assert sorted(kept) == sorted("/p%d/0013d1800032-users.xml" % n for n in range(40 - P.ELSEWHERE_KEPT, 40))


def test_a_fetch_counts_only_from_the_servers_own_address(tmp_path, root):
    found = read(tmp_path, nginx=[
        nginx(NOW - 300, "127.0.0.1", "/0013d1800032-config.xml", sent=9),
        nginx(NOW - 299, "127.0.0.1", "/kws.bin", sent=1000),
        nginx(NOW - 200, "192.0.2.11", "/0013d1800033-config.xml", sent=9),
        nginx(NOW - 100, "127.0.0.1", "/0013d1800033-config.xml", status=404, sent=0),
    ])
    servers = P.summarize(found, root=str(root), clients={"0013d1800032": "192.0.2.10",
                                                          "0013d1800033": "192.0.2.11"})
    assert servers["0013d1800032"]["files"] == {}
    assert sorted(servers["0013d1800032"]["other_clients"]) == ["0013d1800032-config.xml", "kws.bin"]
    assert servers["0013d1800033"]["files"]["0013d1800033-config.xml"]["status"] == "GET 200"  # the later 404 is not its
    assert servers["0013d1800033"]["other_clients"]["0013d1800033-config.xml"]["client"] == "127.0.0.1"
    got = converge([{"name": "ward-a", "mac": "0013d1800032", "client": "192.0.2.10",
                     "files": ["0013d1800032-config.xml"]},
                    {"name": "ward-b", "mac": "0013d1800033", "client": "192.0.2.11",
                     "files": ["0013d1800033-config.xml"]}], [{"servers": servers}])
    assert got["missing"] == ["ward-a"]
    line = got["table"].splitlines()[1]
    assert line.split(None, 3)[3] == ("MISSING - never fetched; from another address than 192.0.2.10, not credited:"
                                      " 2026-11-25T22:55:00.000Z http 127.0.0.1 GET 200")
    assert P.client_address("::FFFF:192.0.2.10") == "192.0.2.10" and P.client_address("2001:DB8:0::1") == "2001:db8::1"


def test_a_log_rotated_while_it_is_read_is_read_again(tmp_path, monkeypatch):
    """logrotate renames access.log to access.log.1 between the listing and the reading: the module
    lists again and reads the renamed file; nothing fails and nothing is counted twice."""
    base = tmp_path / "access.log"
    base.write_text(nginx(NOW - 60, "192.0.2.10", "/0013d1800032-config.xml"))
    real_lines = P._lines
    rotated = []

    def rotate_first(path):
        if not rotated:
            rotated.append(path)
            os.rename(str(base), str(base) + ".1")
        return real_lines(path)

    monkeypatch.setattr(P, "_lines", rotate_first)
    found = P.read_requests([("nginx", str(base))], now=NOW)
    assert found.warnings == [] and found.count == 1
    assert [Path(entry["path"]).name for entry in found.logs] == ["access.log.1"]
    assert "0013d1800032-config.xml" in P.summarize(found)["0013d1800032"]["files"]


def test_a_gzip_still_being_written_is_skipped_with_a_warning(tmp_path):
    base = tmp_path / "access.log"
    whole = gzip.compress(("".join(nginx(NOW - 900 + n, "192.0.2.10", "/kws.bin.ver") for n in range(500))).encode())
    (tmp_path / "access.log.1.gz").write_bytes(whole[:len(whole) // 2])  # logrotate's gzip half done
    (tmp_path / "access.log.1").write_text(nginx(NOW - 600, "192.0.2.10", "/0013d1800032-users.xml"))
    base.write_text(nginx(NOW - 60, "192.0.2.10", "/0013d1800032-config.xml"))
    found = P.read_requests([("nginx", str(base))], now=NOW)
    assert len(found.warnings) == 1
    assert found.warnings[0].startswith("nginx log: %s.1.gz changed while it was read (rotated or compressed?) and"
                                        " was skipped: " % base), found.warnings
    assert sorted(P.summarize(found)["0013d1800032"]["files"]) == ["0013d1800032-config.xml", "0013d1800032-users.xml"]


def test_an_unreadable_log_still_fails(tmp_path):
    (tmp_path / "access.log").mkdir()
    (tmp_path / "access.log.1").mkdir()
    with pytest.raises(P.LogError, match="^nginx log: cannot read .*access.log.1: "):
        P.read_requests([("nginx", str(tmp_path / "access.log"))], now=NOW)


def test_xferlog_path_with_blanks_is_one_path(tmp_path):
    found = read(tmp_path, ftp=[
        "Wed Nov 25 22:50:00 2026 1 192.0.2.10 9 /0013d1800032-config.xml b _ o a <no_password> ftp 0 * c\n",
        "Wed Nov 25 22:51:00 2026 1 192.0.2.10 9 /x /0013d1800032-config.xml b _ o a <no_password> ftp 0 * i\n",
    ])
    server = P.summarize(found)["0013d1800032"]
    assert server["files"]["0013d1800032-config.xml"]["status"] == "complete"
    assert server["elsewhere"]["/x /0013d1800032-config.xml"]["status"] == "incomplete"

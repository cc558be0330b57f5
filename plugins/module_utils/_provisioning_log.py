# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What DECT servers fetched, read from the request logs the provisioning_server role configures.

Three log formats, one record shape ``(epoch, protocol, client, name, ok, status, bytes, finished)``:

* nginx, the role's ``dect_provisioning`` log_format:
  ``$time_iso8601 $msec $remote_addr $scheme $request_method $status $body_bytes_sent $request_time
  $request_completion $uri`` (the path last, so a blank in it cannot shift a field);
* vsftpd's standard xferlog (``xferlog_std_format=YES``, times in UTC with ``use_localtime=NO``):
  ``Wed Nov 25 22:35:09 2026 <secs> <client> <bytes> <path> b _ o a <user> ftp 0 * c|i``;
* tftpd-hpa through syslog (``-vv``): ``RRQ from <client> filename <name>`` and, from the same
  process, ``sending NAK (<code>, <text>) to <client>``; lines as rsyslog writes them (RFC 3339
  timestamp, Debian 12's default, or the traditional ``Nov 25 22:35:09``) or as the role's launcher
  writes them (RFC 3339).

A device asks for ``<mac>-config.xml`` and ``<mac>-users.xml`` (the MAC names the device) and for
firmware ``<name>.ver`` / ``<name>``, which carry no MAC: those are attributed to the MACs whose
files were fetched from the same client address. Python 3.8 syntax, stdlib only; reads, never writes.
"""

from __future__ import annotations

import calendar
import datetime
import glob
import gzip
import os
import re
import time

MAC_FILE = re.compile(r"^([0-9a-f]{12})-(config|users)\.xml$")
# Firmware names devices fetch: letters, digits and _+- in dot-separated parts (no leading dot, no '..').
FIRMWARE_FILE = re.compile(r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*\.(bin|ver)$")
PROTOCOLS = ("tftp", "http", "https", "ftp")
_MONTHS = dict((name, index) for index, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1))
_RRQ = re.compile(r"in\.tftpd\[(\d+)\]: RRQ from (\S+) filename (\S+)")
_NAK = re.compile(r"in\.tftpd\[(\d+)\]: sending NAK \((\d+), ([^)]*)\) to (\S+)")
_MAX_LINE = 8192


class LogError(Exception):
    """A log or an option that cannot be used; the text names it."""


def file_kind(name):
    """'config', 'users', 'ver', 'image' or None (not a file a device asks for)."""
    match = MAC_FILE.match(name)
    if match:
        return match.group(2)
    match = FIRMWARE_FILE.match(name)
    if match:
        return "ver" if match.group(1) == "ver" else "image"
    return None


def _client(address):
    return address[7:] if address.startswith("::ffff:") else address


def _basename(path):
    return path[1:] if path.startswith("/") else path


def parse_since(value, now=None):
    """``since`` as an epoch: ISO 8601 (no zone means UTC) or a number of seconds ago. None: no bound."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    now = time.time() if now is None else now
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        if seconds < 0:
            raise LogError("since: '%s' is refused: allowed an ISO 8601 time or a number of seconds ago >= 0" % text)
        return now - seconds
    try:
        stamp = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise LogError("since: '%s' is refused: allowed an ISO 8601 time (2026-11-25T22:00:00Z) or a number "
                       "of seconds ago" % text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp.timestamp()


def iso(epoch):
    """Epoch -> ``2026-11-25T22:35:09.123Z``."""
    stamp = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)


def log_files(path):
    """The current log and its rotations, oldest first: ``path.N[.gz]`` (highest N oldest) and
    dated ``path-YYYYMMDD[.gz]`` (dateext), then ``path`` itself."""
    numbered, dated = [], []
    for candidate in glob.glob(glob.escape(path) + "[.-]*"):
        suffix = candidate[len(path) + 1:]
        bare = suffix[:-3] if suffix.endswith(".gz") else suffix
        if bare.isdigit():
            (numbered if candidate[len(path)] == "." else dated).append((int(bare), candidate))
    ordered = [p for _n, p in sorted(dated)] + [p for _n, p in sorted(numbered, reverse=True)]
    if os.path.isfile(path):
        ordered.append(path)
    return ordered


def _lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            yield line[:_MAX_LINE]


class _Epochs:
    """Cached conversions of the repeating date parts of log timestamps."""

    def __init__(self, now):
        self.days = {}
        self.now = now

    def day(self, year, month, mday):
        key = (year, month, mday)
        value = self.days.get(key)
        if value is None:
            value = self.days[key] = calendar.timegm((year, month, mday, 0, 0, 0))
        return value

    def clock(self, text):
        return int(text[0:2]) * 3600 + int(text[3:5]) * 60 + int(text[6:8])

    def rfc3339(self, text):
        """``2026-11-25T22:35:09.123456+00:00`` (or ``Z``, or ``+0000``)."""
        base = self.day(int(text[0:4]), int(text[5:7]), int(text[8:10])) + self.clock(text[11:19])
        rest = text[19:]
        fraction = 0.0
        if rest.startswith("."):
            end = 1
            while end < len(rest) and rest[end].isdigit():
                end += 1
            fraction = float(rest[:end])
            rest = rest[end:]
        if rest and rest != "Z":
            sign = -1 if rest[0] == "-" else 1
            digits = rest[1:].replace(":", "")
            base -= sign * (int(digits[0:2]) * 3600 + int(digits[2:4]) * 60)
        return base + fraction

    def traditional(self, month, mday, clock):
        """``Nov 25 22:35:09`` in local time; the year is the one that puts it not in the future."""
        year = time.localtime(self.now).tm_year
        local = (year, _MONTHS[month], int(mday), int(clock[0:2]), int(clock[3:5]), int(clock[6:8]), 0, 0, -1)
        epoch = time.mktime(local)
        if epoch > self.now + 86400:
            epoch = time.mktime((year - 1,) + local[1:])
        return epoch


def parse_nginx(lines, epochs):
    for line in lines:
        fields = line.rstrip("\n").split(" ", 9)
        if len(fields) != 10 or fields[3] not in ("http", "https"):
            continue
        try:
            epoch = float(fields[1]) - float(fields[7])  # the log line is written at the end: the request began earlier
            status = int(fields[5])
            sent = int(fields[6])
        except ValueError:
            continue
        name = _basename(fields[9])
        method = fields[4]
        finished = fields[8] == "OK"
        ok = 200 <= status < 300 and method == "GET"
        yield (epoch, fields[3], fields[2], name, ok, "%s %d" % (method, status), sent, finished and ok)


def parse_xferlog(lines, epochs):
    for line in lines:
        fields = line.split()
        if len(fields) < 18 or fields[1] not in _MONTHS or fields[11] != "o":
            continue
        try:
            epoch = epochs.day(int(fields[4]), _MONTHS[fields[1]], int(fields[2])) + epochs.clock(fields[3])
            sent = int(fields[7])
        except ValueError:
            continue
        done = fields[-1] == "c"
        # The xferlog time is the second the transfer ended (its duration is rounded up: not subtracted).
        yield (epoch, "ftp", _client(fields[6]),
               _basename(fields[8]), done, "complete" if done else "incomplete", sent, done)


def _syslog_epoch(line, epochs):
    if line[:1].isdigit():
        return epochs.rfc3339(line.split(" ", 1)[0])
    if line.startswith("<"):
        line = line[line.index(">") + 1:]
    parts = line.split(None, 3)
    return epochs.traditional(parts[0], parts[1], parts[2])


def parse_tftp_syslog(lines, epochs):
    pending = {}
    for line in lines:
        if "in.tftpd[" not in line:
            continue
        match = _RRQ.search(line)
        if match:
            try:
                epoch = _syslog_epoch(line, epochs)
            except (ValueError, KeyError, IndexError):
                continue
            pid = match.group(1)
            if pid in pending:
                yield pending.pop(pid)
            pending[pid] = (epoch, "tftp", _client(match.group(2)), _basename(match.group(3)), True, "sent", None, None)
            continue
        match = _NAK.search(line)
        if match and match.group(1) in pending:
            record = pending.pop(match.group(1))
            yield record[:4] + (False, "NAK %s %s" % (match.group(2), match.group(3)), 0, False)
    for record in pending.values():
        yield record


PARSERS = {"nginx": parse_nginx, "ftp": parse_xferlog, "tftp": parse_tftp_syslog}


def read_records(sources, now=None):
    """Every device-file request in ``sources`` ({'nginx'|'ftp'|'tftp': path}); (records, report of files read)."""
    epochs = _Epochs(time.time() if now is None else now)
    records, read = [], []
    for kind, path in sources:
        for name in log_files(path):
            try:
                before = len(records)
                for record in PARSERS[kind](_lines(name), epochs):
                    if file_kind(record[3]):
                        records.append(record)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise LogError("%s log: cannot read %s: %s" % (kind, name, exc))
            read.append({"log": kind, "path": name, "requests": len(records) - before})
    records.sort(key=lambda record: record[0])
    return records, read


def _staged(root, name, cache):
    if name not in cache:
        try:
            st = os.stat(os.path.join(root, name)) if root else None
        except OSError:
            st = None
        cache[name] = (st.st_size, st.st_mtime) if st else None
    return cache[name]


def summarize(records, macs=None, since=None, root=None):
    """Per MAC: the last request of each file it asked for, with completeness against ``root``.

    ``macs`` limits the result (None: every MAC seen); ``since`` (epoch) drops earlier requests,
    but the client -> MAC mapping uses every record read.
    """
    clients = {}
    last_mac_file, last_client_file = {}, {}
    for record in records:
        match = MAC_FILE.match(record[3])
        if match:
            clients.setdefault(match.group(1), set()).add(record[2])
        if since is not None and record[0] < since:
            continue
        if match:
            last_mac_file[(match.group(1), record[3])] = record
        else:
            last_client_file[(record[2], record[3])] = record
    wanted = sorted(clients) if macs is None else list(macs)
    by_client = {}
    for (client, name), record in last_client_file.items():
        by_client.setdefault(client, []).append(record)
    staged_cache = {}
    result = {}
    for mac in wanted:
        chosen = [r for (m, _n), r in last_mac_file.items() if m == mac]
        for client in sorted(clients.get(mac, ())):
            chosen += by_client.get(client, [])
        files = {}
        for record in chosen:
            current = files.get(record[3])
            if current is None or record[0] >= current["epoch"]:
                files[record[3]] = _entry(record, _staged(root, record[3], staged_cache))
        seen = [entry["epoch"] for entry in files.values()]
        result[mac] = {"files": dict(sorted(files.items())), "clients": sorted(clients.get(mac, ())),
                       "last_request": iso(max(seen)) if seen else None}
    return result


def _entry(record, staged):
    epoch, protocol, client, name, ok, status, sent, finished = record
    kind = file_kind(name)
    entry = {"kind": kind, "time": iso(epoch), "epoch": round(epoch, 3), "protocol": protocol, "client": client,
             "status": status, "ok": ok, "bytes": sent, "staged_size": None, "current": None, "complete": None}
    if staged is not None:
        entry["staged_size"] = staged[0]
        entry["current"] = epoch >= staged[1]
    if kind == "image":
        if not ok:
            entry["complete"] = False
        elif sent is not None and staged is not None:
            entry["complete"] = bool(finished) and sent == staged[0]
        # TFTP: tftpd-hpa logs the request and a refusal, not the end of a transfer (stays None).
    return entry

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What DECT servers fetched, read from the request logs the provisioning_server role configures.

Three log formats, one record (``Request``: epoch, protocol, client, path, ok, status, sent, finished),
keyed on the client and the path asked for (a device file under any path, as the line gives it):

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
files were asked for from the same client address (and to a MAC's own address when it is given).
A request counts as a fetch under the served path only; a log rotated or compressed while it is
read is listed and read again once, then skipped with a warning. Python 3.8 syntax, stdlib only;
reads, never writes.
"""

from __future__ import annotations

import calendar
import collections
import datetime
import glob
import gzip
import ipaddress
import os
import re
import time
import zlib

MAC_FILE = re.compile(r"^([0-9a-f]{12})-(config|users)\.xml$")
# Firmware names devices fetch: letters, digits and _+- in dot-separated parts (no leading dot, no '..').
FIRMWARE_FILE = re.compile(r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*\.(bin|ver)$")
PROTOCOLS = ("tftp", "http", "https", "ftp")
_MONTHS = dict((name, index) for index, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1))
_RRQ = re.compile(r"in\.tftpd\[(\d+)\]: RRQ from (\S+) filename (.*)$")
_NAK = re.compile(r"in\.tftpd\[(\d+)\]: sending NAK \((\d+), ([^)]*)\) to (\S+)")
_MAX_LINE = 8192

# One request of a device file as any of the logs gives it: when it began (epoch), protocol, client address,
# the path asked for (leading '/'), whether it was served (ok), the status text ("GET 200", "complete",
# "NAK 1 File not found"), bytes sent and whether the transfer finished (None: the log does not say).
Request = collections.namedtuple("Request", "epoch protocol client path ok status sent finished")


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
            if len(line) <= _MAX_LINE:
                yield line


class _Epochs:
    """Cached conversions of the repeating date parts of log timestamps."""

    def __init__(self, now):
        self.days, self.now = {}, now

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


# A collector reads every line cheaply, keeping only the last raw line (or record) of each device
# file per client address and requested path: the path as the line gives it (nginx: all of the line
# after the ninth blank, so a blank in a path cannot shift it; TFTP: the name asked for, before any
# "remapped to"), its device file kind taken from its last component. Its converter turns the few
# kept into ``Request`` records.
_MAC_KINDS = ("config", "users")


def _collector(parse):
    def collect(lines, epochs, kinds, latest):
        count = 0
        for path, client, raw in parse(lines, epochs):
            what = kinds.get(path)
            if what is None:  # each path's kind computed once, '' for a file no device asks for
                what = kinds[path] = file_kind(path.rsplit("/", 1)[-1]) or ""
            if what:
                count += 1
                latest[(client, path)] = raw
        return count
    return collect


def _slash(path):
    return path if path.startswith("/") else "/" + path


def parse_nginx(lines, epochs):
    for line in lines:
        fields = line.rstrip("\n").split(" ", 9)
        if len(fields) == 10:  # (path, client address, the raw fields for convert_nginx)
            yield fields[9], fields[2], fields


def convert_nginx(fields, epochs):
    _time, msec, address, scheme, method, status, sent, request_time, completion, path = fields
    if scheme not in ("http", "https"):
        return None
    try:
        # The line is written when the request ends: it began request_time earlier.
        epoch = float(msec) - float(request_time)
        status, sent = int(status), int(sent)
    except ValueError:
        return None
    ok = 200 <= status < 300 and method == "GET"
    return Request(epoch, scheme, _client(address), _slash(path), ok, "%s %d" % (method, status), sent,
                   ok and completion == "OK")


# After the path, xferlog has nine fields: b|a _ o|i a|g|r <user> ftp 0 * c|i.
_XFER_TAIL = 9


def parse_xferlog(lines, epochs):
    for line in lines:
        fields = line.split()
        if len(fields) >= 18 and fields[-7] == "o" and fields[1] in _MONTHS:
            yield " ".join(fields[8:-_XFER_TAIL]), fields[6], fields  # (path, client address, raw fields)


def convert_xferlog(fields, epochs):
    # <weekday> <month> <day> <clock> <year> <secs> <client> <bytes> <path ...> <the nine tail fields>
    month, mday, clock, year, _secs, address, sent = fields[1:8]
    try:
        # The second the transfer ended (its duration is rounded up: not subtracted).
        epoch = epochs.day(int(year), _MONTHS[month], int(mday)) + epochs.clock(clock)
        sent = int(sent)
    except ValueError:
        return None
    done = fields[-1] == "c"
    return Request(epoch, "ftp", _client(address), _slash(" ".join(fields[8:-_XFER_TAIL])), done,
                   "complete" if done else "incomplete", sent, done)


def _syslog_epoch(line, epochs):
    if line[:1].isdigit():
        return epochs.rfc3339(line.split(" ", 1)[0])
    if line.startswith("<"):
        line = line[line.index(">") + 1:]
    parts = line.split(None, 3)
    return epochs.traditional(parts[0], parts[1], parts[2])


def parse_tftp_syslog(lines, epochs):
    """RRQ and NAK lines of one in.tftpd process pair up; records come out already converted. The
    path is the name asked for: what precedes the last " remapped to " (the role's map file rewrites
    only to names without blanks)."""
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
            asked = match.group(3).rstrip("\r\n")
            if " remapped to " in asked:
                asked = asked.rpartition(" remapped to ")[0]
            client = _client(match.group(2))
            pending[pid] = (asked, client, Request(epoch, "tftp", client, _slash(asked), True, "sent", None, None))
            continue
        match = _NAK.search(line)
        if match and match.group(1) in pending:
            asked, client, record = pending.pop(match.group(1))
            yield asked, client, record._replace(ok=False, status="NAK %s %s" % (match.group(2), match.group(3)),
                                                 sent=0, finished=False)
    yield from pending.values()


# kind: (collector, converter); tftp's records come converted.
PARSERS = {
    "nginx": (_collector(parse_nginx), convert_nginx),
    "ftp": (_collector(parse_xferlog), convert_xferlog),
    "tftp": (_collector(parse_tftp_syslog), lambda record, epochs: record),
}
# Read errors of a log rotated or compressed while it is read: listed again once, then skipped.
_ROTATED = (FileNotFoundError, EOFError, zlib.error, gzip.BadGzipFile)


class Requests:
    """The last request of each device file per client address and requested path:
    ``records[(client, path)]``; ``clients[mac]``: addresses that asked for its files (any path)."""

    def __init__(self):
        self.clients, self.records, self.count, self.logs, self.warnings = {}, {}, 0, [], []

    def keep(self, key, record):
        if record is not None and (key not in self.records or record.epoch >= self.records[key].epoch):
            self.records[key] = record


def _read_files(kind, path, epochs, kinds):
    """``[(file, count, latest)]`` of a log and its rotations, and the files skipped: a file that
    vanished or is a gzip still being written is listed and read again once, then skipped."""
    collect, _convert = PARSERS[kind]
    for attempt in (1, 2):
        done, troubled = [], []
        for name in log_files(path):
            latest = {}
            try:
                done.append((name, collect(_lines(name), epochs, kinds, latest), latest))
            except _ROTATED as exc:
                troubled.append((name, exc))
            except (OSError, ValueError) as exc:
                raise LogError("%s log: cannot read %s: %s" % (kind, name, exc))
        if not troubled or attempt == 2:
            return done, troubled
        time.sleep(0.2)
    return done, troubled


def read_requests(sources, since=None, now=None):
    """Every device-file request in ``sources`` ([(kind, path)], kind 'nginx', 'ftp' or 'tftp'),
    current and rotated logs. A MAC's client addresses are those that asked for its config or users
    file (whenever, under any path); other requests before ``since`` (epoch) are dropped."""
    epochs = _Epochs(time.time() if now is None else now)
    found = Requests()
    kinds = {}
    for kind, path in sources:
        _collect, convert = PARSERS[kind]
        done, troubled = _read_files(kind, path, epochs, kinds)
        for name, exc in troubled:
            found.warnings.append("%s log: %s changed while it was read (rotated or compressed?) and was skipped: %s"
                                  % (kind, name, exc))
        for name, count, latest in done:
            found.count += count
            for (client, asked), raw in latest.items():
                record = convert(raw, epochs)
                if record is None:
                    continue
                if kinds[asked] in _MAC_KINDS:
                    mac = record.path.rsplit("/", 1)[-1][:12]
                    found.clients.setdefault(mac, set()).add(record.client)
                if since is None or record.epoch >= since:
                    found.keep((record.client, record.path), record)
            found.logs.append({"log": kind, "path": name, "requests": count})
    return found


# A file as staged in the root: its size and modification time.
Staged = collections.namedtuple("Staged", "size mtime")


def _staged(root, name, cache):
    if name not in cache:
        try:
            st = os.stat(os.path.join(root, name)) if root else None
        except OSError:
            st = None
        cache[name] = Staged(st.st_size, st.st_mtime) if st else None
    return cache[name]


ELSEWHERE_KEPT = 16


def served_path(value):
    """The served path as the role's provisioning_server_path gives it: '' (the root) or ``/a/b``."""
    path = (value or "").rstrip("/")
    return path if not path or path.startswith("/") else "/" + path


def client_address(value):
    """An address as the logs write it: IPv4-mapped IPv6 as IPv4, IPv6 compressed, lowercase."""
    text = _client(str(value).strip().strip("[]").lower())
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def summarize(found, macs=None, root=None, path="", clients=None):
    """Per MAC, what it asked for, with completeness against ``root``: ``files``, the last request of
    each file under the served ``path`` - from the MAC's own address where ``clients`` ({mac: address})
    names it, else from any; ``other_clients``, the last under that path from any other address (not
    its fetch); ``elsewhere``, by requested path, the last requests for its files under any other path
    (at most ELSEWHERE_KEPT, the latest). ``macs`` limits the result (None: every MAC seen)."""
    path, clients = served_path(path), clients or {}
    by_mac, by_client = {}, {}
    for (client, asked), record in found.records.items():
        name = asked.rsplit("/", 1)[-1]
        if file_kind(name) in _MAC_KINDS:
            by_mac.setdefault(name[:12], []).append(record)
        else:
            by_client.setdefault(client, []).append(record)
    staged_cache, result = {}, {}
    for mac in (sorted(found.clients) if macs is None else list(macs)):
        expected = clients.get(mac)
        chosen = list(by_mac.get(mac, []))
        for client in sorted(found.clients.get(mac, set()) | ({expected} if expected else set())):
            chosen += by_client.get(client, [])
        files, others, elsewhere = {}, {}, {}
        for record in chosen:
            directory, name = record.path.rsplit("/", 1)
            if directory != path:
                table, key = elsewhere, record.path
            elif expected is None or record.client == expected:
                table, key = files, name
            else:
                table, key = others, name
            current = table.get(key)
            if current is None or record.epoch >= current["epoch"]:
                table[key] = _entry(record, _staged(root, name, staged_cache))
        latest = sorted(elsewhere.items(), key=lambda item: item[1]["epoch"])[-ELSEWHERE_KEPT:]
        seen = [entry["epoch"] for entry in files.values()]
        result[mac] = {"files": dict(sorted(files.items())), "other_clients": dict(sorted(others.items())),
                       "elsewhere": dict(sorted(latest)), "clients": sorted(found.clients.get(mac, ())),
                       "last_request": iso(max(seen)) if seen else None}
    return result


def _entry(record, staged):
    """The result entry of one ``Request``; ``staged``: the ``Staged`` file it names in the root, or None."""
    epoch = record.epoch
    kind = file_kind(record.path.rsplit("/", 1)[-1])
    entry = {"kind": kind, "path": record.path, "time": iso(epoch), "epoch": round(epoch, 3),
             "protocol": record.protocol, "client": record.client, "status": record.status, "ok": record.ok,
             "bytes": record.sent, "staged_size": None, "current": None, "complete": None}
    if staged is not None:
        entry["staged_size"] = staged.size
        # A log with whole seconds (xferlog, traditional syslog) is compared at that resolution.
        entry["current"] = epoch >= (int(staged.mtime) if epoch == int(epoch) else staged.mtime)
    if kind == "image":
        if not record.ok:
            entry["complete"] = False
        elif record.sent is not None and staged is not None:
            entry["complete"] = bool(record.finished) and record.sent == staged.size
        # TFTP: tftpd-hpa logs the request and a refusal, not the end of a transfer (stays None).
    return entry

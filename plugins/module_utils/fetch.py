# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fetch files from a provisioning server the way a DECT server does.

One entry point, ``fetch(url, filename)``, speaks the protocol named in the provisioning URL
(TFTP, FTP, HTTP, HTTPS) and returns a ``FetchResult`` whose ``status`` is ``ok``, ``missing``
(HTTP 404/410, TFTP error 1, FTP 550: the server answered that the file is not there) or
``error`` (anything else a device would trip on: refused connection, timeout, TLS failure,
permission denied, login refused). ``check(url, filename)`` asks only whether a file is there
and how big it is (TFTP ``tsize``, FTP ``SIZE``, HTTP ``HEAD``) without transferring it.

Standard library only, Python 3.8 syntax: the probe module and the test emulator both use it.
"""

from __future__ import annotations

import base64
import ftplib
import hashlib
import http.client
import socket
import ssl
import struct
import time
from collections import namedtuple
from urllib.parse import quote

from ansible_collections.dect.provisioning.plugins.module_utils.firmware import FIRMWARE_KINDS, kinds_for_model
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    MASK,
    ProvisioningUrl,
    parse_provisioning_url,
)

DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 3
# 1428 bytes of data fill an Ethernet frame (1500) after IP (20), UDP (8) and TFTP (4) headers
# (RFC 2348's own example); servers that ignore the option get the RFC 1350 512.
DEFAULT_BLKSIZE = 1428
TFTP_BASE_BLKSIZE = 512
USER_AGENT = "dect.provisioning-fetch/1.0"
_CHUNK = 65536

FetchResult = namedtuple("FetchResult", "status code data error size sha256 location")
FetchResult.__doc__ = """What one fetch produced.

status: 'ok', 'missing' or 'error'; code: the protocol's own answer (HTTP status, TFTP error
code, FTP reply code) or None; data: the bytes (None for ``check`` or ``keep_data=False``);
error: a message naming what went wrong (None when ok); size and sha256 of what was received
(size only for ``check``); location: the file's URL with any password masked.
"""


class FetchError(Exception):
    """A transfer that failed; ``status`` is 'missing' or 'error', ``code`` the protocol's answer."""

    def __init__(self, message, status="error", code=None):
        super(FetchError, self).__init__(message)
        self.status = status
        self.code = code


class _Sink(object):
    """Collects a transfer: running size and sha256, and the bytes when they are wanted."""

    def __init__(self, keep_data=True, max_size=None):
        self.size = 0
        self.digest = hashlib.sha256()
        self.chunks = [] if keep_data else None
        self.max_size = max_size

    def write(self, chunk):
        self.size += len(chunk)
        if self.max_size is not None and self.size > self.max_size:
            raise FetchError("file is larger than the limit of %d bytes" % self.max_size)
        self.digest.update(chunk)
        if self.chunks is not None:
            self.chunks.append(bytes(chunk))

    def data(self):
        return b"".join(self.chunks) if self.chunks is not None else None


# ----------------------------------------------------------------------------- what a device asks for


def firmware_kinds(model):
    """The firmware kinds (``kws``, ``rfp``, ``pp14225100``, ...) a server ``model`` fetches files
    for, in the guide's order (the firmware module_utils' kinds table, switches left out)."""
    return [key for key in kinds_for_model(model) if FIRMWARE_KINDS[key].is_file]


def device_firmware(settings, model):
    """``[(kind, file name)]`` a server ``model`` fetches per its applied ``settings`` (nested dict
    under ``<config>``): the non-empty names under ``provisioning.firmware`` of the kinds its
    family has; other keys are ignored, as the device ignores them."""
    section = ((settings or {}).get("provisioning") or {}).get("firmware") or {}
    if not isinstance(section, dict):
        return []
    names = []
    for kind in firmware_kinds(model):
        name = section.get(kind)
        if isinstance(name, str) and name.strip():
            names.append((kind, name.strip()))
    return names


def _check_file_name(filename):
    # A device asks for plain names under the URL's path; a slash or '..' here is a caller bug.
    if not filename or "/" in filename or "\\" in filename or filename in (".", "..") or ".." in filename:
        raise ValueError("file name %r is not a plain file name (no '/', '\\' or '..')" % (filename,))


def remote_path(url, filename):
    """The file's path on the server: the URL's path (without its leading '/') plus the name.

    Relative on purpose: tftpd-hpa (``-s``) and vsftpd (anonymous root or a user's home) resolve
    it below their root, as RFC 1738 reads an FTP URL's path; HTTP adds the leading '/' back.
    """
    _check_file_name(filename)
    base = url.path.strip("/")
    return "%s/%s" % (base, filename) if base else filename


def _host_for_url(host):
    return "[%s]" % host if ":" in host else host


def location(url, filename):
    """The file's URL as a user reads it, with the password (if any) masked."""
    auth = ""
    if url.user is not None:
        auth = "%s:%s@" % (url.user, MASK if url.password else "")
    return "%s://%s%s:%d/%s" % (url.protocol, auth, _host_for_url(url.host), url.port, remote_path(url, filename))


def as_url(url):
    """Accept a ProvisioningUrl or its text form."""
    if isinstance(url, ProvisioningUrl):
        return url
    return parse_provisioning_url(url)


# ----------------------------------------------------------------------------- entry points


def fetch(url, filename, ca_path=None, validate_certs=True, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES,
          keep_data=True, max_size=None, blksize=DEFAULT_BLKSIZE):
    """Fetch ``filename`` from the provisioning URL ``url`` as a DECT server would.

    ``ca_path`` is a PEM bundle the HTTPS server's certificate must chain to (the system bundle
    when None, like the CA bundle the device ships with); ``validate_certs=False`` skips that.
    ``timeout`` bounds each network wait in seconds; TFTP retransmits at most ``retries`` times
    per packet. Never raises for network trouble: the result says what happened.
    """
    return _run(url, filename, False, ca_path, validate_certs, timeout, retries, keep_data, max_size, blksize)


def check(url, filename, ca_path=None, validate_certs=True, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES,
          blksize=DEFAULT_BLKSIZE):
    """Whether ``filename`` is there, without transferring it; ``size`` when the server says it.

    TFTP asks with the RFC 2349 ``tsize`` option and aborts after the first answer; FTP sends
    ``SIZE``; HTTP(S) sends ``HEAD``. ``data`` and ``sha256`` are None.
    """
    return _run(url, filename, True, ca_path, validate_certs, timeout, retries, False, None, blksize)


def _run(url, filename, size_only, ca_path, validate_certs, timeout, retries, keep_data, max_size, blksize):
    url = as_url(url)
    where = location(url, filename)
    sink = _Sink(keep_data=keep_data, max_size=max_size)
    try:
        if url.protocol == "tftp":
            code, size = _tftp(url, filename, sink, size_only, timeout, retries, blksize)
        elif url.protocol == "ftp":
            code, size = _ftp(url, filename, sink, size_only, timeout)
        else:
            code, size = _http(url, filename, sink, size_only, ca_path, validate_certs, timeout)
    except FetchError as exc:
        return FetchResult(exc.status, exc.code, None, "%s: %s" % (where, exc), None, None, where)
    if size_only:
        return FetchResult("ok", code, None, None, size, None, where)
    return FetchResult("ok", code, sink.data(), None, sink.size, sink.digest.hexdigest(), where)


def _network_error(what, exc, timeout):
    if isinstance(exc, socket.timeout):
        return FetchError("%s: no answer within %ss" % (what, timeout))
    return FetchError("%s: %s" % (what, getattr(exc, "strerror", None) or exc))


# ----------------------------------------------------------------------------- TFTP

# RFC 1350 opcodes, RFC 2347 option acknowledgement.
RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
TFTP_FILE_NOT_FOUND = 1
TFTP_UNKNOWN_TID = 5
TFTP_OPTION_REFUSED = 8
TFTP_MAX_BLKSIZE = 65464


def tftp_request(filename, options=None):
    """An RRQ in octet mode with RFC 2347 options (ordered pairs of name and value)."""
    parts = [filename.encode("utf-8"), b"octet"]
    for name, value in options or ():
        parts += [name.encode("ascii"), str(value).encode("ascii")]
    return struct.pack("!H", RRQ) + b"\x00".join(parts) + b"\x00"


def tftp_ack(block):
    return struct.pack("!HH", ACK, block & 0xFFFF)


def tftp_error(code, message):
    return struct.pack("!HH", ERROR, code) + message.encode("ascii", "replace") + b"\x00"


def parse_tftp(packet):
    """Decode a packet a server sends: ('data', block, payload), ('error', code, text),
    ('oack', options dict) or ('other', opcode). Raises ValueError when it is too short."""
    if len(packet) < 2:
        raise ValueError("TFTP packet of %d bytes" % len(packet))
    opcode = struct.unpack("!H", packet[:2])[0]
    if opcode == DATA and len(packet) >= 4:
        return ("data", struct.unpack("!H", packet[2:4])[0], packet[4:])
    if opcode == ERROR and len(packet) >= 4:
        text = packet[4:].split(b"\x00", 1)[0].decode("utf-8", "replace")
        return ("error", struct.unpack("!H", packet[2:4])[0], text)
    if opcode == OACK:
        fields = packet[2:].split(b"\x00")
        names, values = fields[0:-1:2], fields[1::2]
        return ("oack", dict((n.decode("ascii", "replace").lower(), v.decode("ascii", "replace"))
                             for n, v in zip(names, values)))
    if opcode in (DATA, ERROR):
        raise ValueError("truncated TFTP packet")
    return ("other", opcode)


class _TftpTransfer(object):
    """One RFC 1350 read with RFC 2347/2348/2349 options, lock-step, bounded retransmissions.

    The server answers from a new port (its transfer ID); packets from any other port get an
    'unknown transfer ID' error and are otherwise ignored (RFC 1350 section 4).
    """

    def __init__(self, url, name, sink, size_only, timeout, retries, blksize):
        self.name, self.sink, self.size_only = name, sink, size_only
        self.timeout, self.retries = timeout, retries
        self.wanted_blksize = blksize
        infos = socket.getaddrinfo(url.host, url.port, 0, socket.SOCK_DGRAM)
        self.family, _type, _proto, _name, self.server = infos[0]
        self.what = "TFTP server %s port %d" % (url.host, url.port)

    def run(self):
        """Return (None, size). With options first; again without when the server refuses them."""
        try:
            return self._attempt(with_options=True)
        except _OptionsRefused:
            return self._attempt(with_options=False)

    def _options(self, with_options):
        if not with_options:
            return []
        options = []
        if self.wanted_blksize and self.wanted_blksize != TFTP_BASE_BLKSIZE:
            options.append(("blksize", self.wanted_blksize))
        # RFC 2349: the announced size tells a short transfer from a complete one.
        options.append(("tsize", 0))
        return options

    def _attempt(self, with_options):
        options = self._options(with_options)
        sock = socket.socket(self.family, socket.SOCK_DGRAM)
        try:
            sock.settimeout(self.timeout)
            return _TftpSession(self, sock, options).run()
        finally:
            sock.close()


class _OptionsRefused(Exception):
    pass


class _TftpSession(object):
    """The lock-step exchange of one attempt (one socket, one server transfer ID)."""

    def __init__(self, transfer, sock, options):
        self.t, self.sock, self.options = transfer, sock, options
        self.peer = None            # the server's transfer ID once it answered
        self.blksize = TFTP_BASE_BLKSIZE
        self.expected = 1           # next DATA block number (before wrapping to 16 bits)
        self.tsize = None
        self.last_sent = tftp_request(transfer.name, options)
        self.dest = transfer.server
        self.deadline = 0.0         # when to retransmit ``last_sent``; noise does not move it
        self.progressed = False

    def run(self):
        self._send(self.last_sent)
        tries = 1
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                if tries > self.t.retries:
                    raise FetchError("%s: no answer after %d tries of %ss each" % (self.t.what, tries, self.t.timeout))
                self._send(self.last_sent)
                tries += 1
                continue
            self.sock.settimeout(remaining)
            try:
                packet, addr = self.sock.recvfrom(TFTP_MAX_BLKSIZE + 4)
            except socket.timeout:
                continue
            except OSError as exc:
                raise _network_error(self.t.what, exc, self.t.timeout)
            if not self._from_server(addr):
                continue
            done = self._handle(packet)
            if done is not None:
                return done
            if self.progressed:
                tries, self.progressed = 1, False  # the retry budget is per packet

    def _from_server(self, addr):
        if self.peer is None:
            if addr[0] != self.t.server[0]:
                return False
            self.peer = addr
            self.dest = addr
            return True
        if addr != self.peer:
            self.sock.sendto(tftp_error(TFTP_UNKNOWN_TID, "Unknown transfer ID"), addr)
            return False
        return True

    def _send(self, packet):
        """Send a packet that moves the transfer on; it is what a timeout retransmits."""
        self.last_sent = packet
        self.deadline = time.monotonic() + self.t.timeout
        self.sock.sendto(packet, self.dest)

    def _handle(self, packet):
        try:
            decoded = parse_tftp(packet)
        except ValueError:
            return None
        kind = decoded[0]
        if kind == "error":
            return self._on_error(decoded[1], decoded[2])
        if kind == "oack":
            return self._on_oack(decoded[1])
        if kind == "data":
            return self._on_data(decoded[1], decoded[2])
        return None

    def _on_error(self, code, text):
        if code == TFTP_OPTION_REFUSED and self.options and self.expected == 1:
            raise _OptionsRefused()
        status = "missing" if code == TFTP_FILE_NOT_FOUND else "error"
        raise FetchError("%s answered error %d: %s" % (self.t.what, code, text or "(no text)"), status, code)

    def _on_oack(self, answered):
        if self.expected != 1:
            return None  # a late duplicate: the transfer already started
        requested = dict((name, value) for name, value in self.options)
        unknown = set(answered) - set(requested)
        if unknown:
            self._abort("options not requested: %s" % ", ".join(sorted(unknown)))
            raise FetchError("%s acknowledged options it was not asked for: %s" % (self.t.what, ", ".join(sorted(unknown))))
        if "blksize" in answered:
            self.blksize = self._valid_blksize(answered["blksize"], requested.get("blksize"))
        if "tsize" in answered and answered["tsize"].isdigit():
            self.tsize = int(answered["tsize"])
        if self.t.size_only:
            self._abort("size check only")
            return (None, self.tsize)
        self._send(tftp_ack(0))
        self.progressed = True
        return None

    def _valid_blksize(self, text, requested):
        if not text.isdigit() or not 8 <= int(text) <= int(requested or TFTP_BASE_BLKSIZE):
            self._abort("bad blksize %s" % text)
            raise FetchError("%s acknowledged blksize %r, requested %s: not RFC 2348" % (self.t.what, text, requested))
        return int(text)

    def _abort(self, reason):
        # RFC 2347: a client ends a transfer whose options it does not accept with error 8.
        self.sock.sendto(tftp_error(TFTP_OPTION_REFUSED, reason), self.dest)

    def _on_data(self, block, payload):
        if block == (self.expected - 1) & 0xFFFF:
            self.sock.sendto(self.last_sent, self.dest)  # our ACK was lost: send it again
            return None
        if block != self.expected & 0xFFFF:
            return None
        if len(payload) > self.blksize:
            self._abort("block larger than blksize")
            raise FetchError("%s sent a %d-byte block, negotiated %d" % (self.t.what, len(payload), self.blksize))
        if self.t.size_only:
            # The server ignored tsize: the file is there; its size is known only if this was all of it.
            size = len(payload) if len(payload) < self.blksize else None
            self.sock.sendto(tftp_error(0, "size check only"), self.dest)
            return (None, size)
        try:
            self.t.sink.write(payload)
        except FetchError:
            self.sock.sendto(tftp_error(0, "file too large"), self.dest)
            raise
        self._send(tftp_ack(block))
        self.expected += 1
        self.progressed = True
        if len(payload) < self.blksize:
            self._check_tsize()
            return (None, self.t.sink.size)
        return None

    def _check_tsize(self):
        if self.tsize is not None and self.tsize != self.t.sink.size:
            raise FetchError("%s announced %d bytes but sent %d" % (self.t.what, self.tsize, self.t.sink.size))


def _tftp(url, filename, sink, size_only, timeout, retries, blksize):
    name = remote_path(url, filename)
    try:
        transfer = _TftpTransfer(url, name, sink, size_only, timeout, retries, blksize)
    except OSError as exc:
        raise FetchError("cannot resolve TFTP server %s: %s" % (url.host, exc))
    return transfer.run()


# ----------------------------------------------------------------------------- FTP


def _ftp_reply_code(exc):
    text = str(exc)
    return int(text[:3]) if text[:3].isdigit() else None


def _ftp(url, filename, sink, size_only, timeout):
    what = "FTP server %s port %d" % (url.host, url.port)
    name = remote_path(url, filename)
    client = ftplib.FTP(timeout=timeout)
    try:
        try:
            client.connect(url.host, url.port)
        except (OSError, EOFError) as exc:
            raise _network_error("cannot connect to %s" % what, exc, timeout)
        try:
            # Anonymous unless the URL names a user, as ftp://user:password@host does.
            client.login(url.user or "anonymous", url.password or ("" if url.user else "anonymous@"))
        except ftplib.error_perm as exc:
            raise FetchError("%s refused the login of %s: %s" % (what, url.user or "anonymous", exc),
                             code=_ftp_reply_code(exc))
        client.set_pasv(True)
        return _ftp_transfer(client, what, name, sink, size_only, timeout)
    except ftplib.error_perm as exc:
        code = _ftp_reply_code(exc)
        status = "missing" if code == 550 else "error"
        raise FetchError("%s answered %s for %s" % (what, exc, name), status, code)
    except (ftplib.error_temp, ftplib.error_proto, ftplib.error_reply) as exc:
        raise FetchError("%s answered %s for %s" % (what, exc, name), code=_ftp_reply_code(exc))
    except (OSError, EOFError) as exc:
        raise _network_error(what, exc, timeout)
    finally:
        _ftp_close(client)


def _ftp_transfer(client, what, name, sink, size_only, timeout):
    client.voidcmd("TYPE I")  # binary: SIZE and RETR count bytes, not lines
    if size_only:
        return 213, client.size(name)
    reply = client.retrbinary("RETR " + name, sink.write, blocksize=_CHUNK)
    return _ftp_reply_code(reply), sink.size


def _ftp_close(client):
    try:
        client.quit()
    except (ftplib.all_errors + (AttributeError,)):
        pass
    client.close()


# ----------------------------------------------------------------------------- HTTP(S)


def tls_context(ca_path=None, validate_certs=True):
    """What the device checks: a chain to a known CA and the host name (or IP) in the certificate."""
    if not validate_certs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=ca_path)
    except (OSError, ssl.SSLError) as exc:
        raise FetchError("cannot load CA bundle %s: %s" % (ca_path, getattr(exc, "strerror", None) or exc))


def _http_headers(url):
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
    if url.user is not None:
        token = base64.b64encode(("%s:%s" % (url.user, url.password or "")).encode("utf-8")).decode("ascii")
        headers["Authorization"] = "Basic " + token
    return headers


def _http_connection(url, ca_path, validate_certs, timeout):
    if url.protocol == "https":
        context = tls_context(ca_path, validate_certs)
        return http.client.HTTPSConnection(url.host, url.port, timeout=timeout, context=context)
    return http.client.HTTPConnection(url.host, url.port, timeout=timeout)


def _tls_failure(what, exc):
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError("TLS certificate verification failed for %s: %s" % (what, exc.verify_message or exc))
    return FetchError("TLS handshake with %s failed: %s" % (what, getattr(exc, "reason", None) or exc))


def _http(url, filename, sink, size_only, ca_path, validate_certs, timeout):
    what = "%s server %s port %d" % (url.protocol.upper(), url.host, url.port)
    path = "/" + quote(remote_path(url, filename))
    connection = _http_connection(url, ca_path, validate_certs, timeout)
    try:
        connection.request("HEAD" if size_only else "GET", path, headers=_http_headers(url))
        response = connection.getresponse()
        return _http_response(what, path, response, sink, size_only)
    except ssl.SSLError as exc:
        raise _tls_failure(what, exc)
    except (http.client.HTTPException, OSError) as exc:
        raise _network_error(what, exc, timeout)
    finally:
        connection.close()


def _http_response(what, path, response, sink, size_only):
    code = response.status
    if code in (404, 410):
        raise FetchError("%s answered %d %s for %s" % (what, code, response.reason, path), "missing", code)
    if code != 200:
        hint = " (redirect to %s, not followed)" % response.getheader("Location") if 300 <= code < 400 else ""
        raise FetchError("%s answered %d %s for %s%s" % (what, code, response.reason, path, hint), code=code)
    declared = response.getheader("Content-Length")
    declared = int(declared) if declared and declared.isdigit() else None
    if size_only:
        return code, declared
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            break
        sink.write(chunk)
    if declared is not None and declared != sink.size:
        raise FetchError("%s announced %d bytes for %s but sent %d" % (what, declared, path, sink.size), code=code)
    return code, sink.size


__all__ = ["FetchResult", "FetchError", "fetch", "check", "location", "remote_path", "firmware_kinds",
           "device_firmware", "as_url", "tls_context"]

"""How the emulated DECT server downloads a file: TFTP, FTP, HTTP or HTTPS, stdlib only.

Independent of the collection's fetch module on purpose (see guide.py). Every transfer has a size
cap and an overall deadline. ``fetch`` returns a ``Result`` whose ``status`` is ``ok``, ``missing``
(the server says the file does not exist) or ``error``.
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

from devtools.emulator.guide import parse_url

Result = namedtuple("Result", "status code data error size sha256 location")
MAX_BYTES = 256 * 1024 * 1024
CHUNK = 64 * 1024
TFTP_BLOCK = 512
USER_AGENT = "dect-emulator"


class TransferError(Exception):
    def __init__(self, message, status="error", code=None):
        super().__init__(message)
        self.status, self.code = status, code


class _Sink:
    def __init__(self, keep_data, deadline):
        self.size = 0
        self.digest = hashlib.sha256()
        self.chunks = [] if keep_data else None
        self.deadline = deadline

    def write(self, chunk):
        self.size += len(chunk)
        if self.size > MAX_BYTES:
            raise TransferError("larger than %d bytes" % MAX_BYTES)
        if time.monotonic() > self.deadline:
            raise TransferError("transfer deadline passed")
        self.digest.update(chunk)
        if self.chunks is not None:
            self.chunks.append(bytes(chunk))


def remote_path(url, name):
    if not name or "/" in name or "\\" in name or ".." in name:
        raise ValueError("file name %r is not a plain file name" % (name,))
    return "%s/%s" % (url.path, name) if url.path else name


def location(url, name):
    host = "[%s]" % url.host if ":" in url.host else url.host
    return "%s://%s:%d/%s" % (url.protocol, host, url.port, remote_path(url, name))


def fetch(url, name, ca_path=None, timeout=3.0, retries=3, keep_data=True):
    """Download ``name`` below ``url`` (text or guide.Url) within ``timeout`` * (``retries`` + 1) seconds."""
    if isinstance(url, str):
        url = parse_url(url)
    where = location(url, name)
    sink = _Sink(keep_data, time.monotonic() + timeout * (retries + 1))
    try:
        if url.protocol == "tftp":
            code = _tftp(url, remote_path(url, name), sink, timeout, retries)
        elif url.protocol == "ftp":
            code = _ftp(url, remote_path(url, name), sink, timeout)
        else:
            code = _http(url, "/" + quote(remote_path(url, name)), sink, ca_path, timeout)
    except TransferError as exc:
        return Result(exc.status, exc.code, None, "%s: %s" % (where, exc), None, None, where)
    except (OSError, EOFError, http.client.HTTPException, ftplib.Error) as exc:
        return Result("error", None, None, "%s: %s" % (where, exc), None, None, where)
    data = b"".join(sink.chunks) if sink.chunks is not None else None
    return Result("ok", code, data, None, sink.size, sink.digest.hexdigest(), where)


# ----------------------------------------------------------------------------- TFTP (RFC 1350, octet, 512)
def _tftp(url, path, sink, timeout, retries):
    infos = socket.getaddrinfo(url.host, url.port, 0, socket.SOCK_DGRAM)
    family, server = infos[0][0], infos[0][4]
    request = struct.pack("!H", 1) + path.encode("utf-8") + b"\x00octet\x00"
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout)
        peer, expected, last, dest, tries, send = None, 1, request, server, 0, True
        while True:
            if time.monotonic() > sink.deadline:
                raise TransferError("TFTP server %s: transfer deadline passed" % url.host)
            if send:
                sock.sendto(last, dest)
            send = True
            try:
                packet, source = sock.recvfrom(TFTP_BLOCK + 4)
            except socket.timeout:
                tries += 1
                if tries > retries:
                    raise TransferError("TFTP server %s: no answer within %ss" % (url.host, timeout))
                continue
            if peer is None:
                peer = source
            elif source != peer:
                send = False  # another transfer ID: not ours, and no reason to retransmit
                continue
            opcode = struct.unpack("!H", packet[:2])[0] if len(packet) >= 2 else 0
            if opcode == 5:
                code = struct.unpack("!H", packet[2:4])[0] if len(packet) >= 4 else None
                text = packet[4:].split(b"\x00", 1)[0].decode("utf-8", "replace")
                raise TransferError("TFTP error %s: %s" % (code, text), "missing" if code == 1 else "error", code)
            if opcode != 3 or len(packet) < 4:
                raise TransferError("TFTP server sent opcode %d" % opcode)
            block = struct.unpack("!H", packet[2:4])[0]
            ack = struct.pack("!HH", 4, block)
            if block == expected & 0xFFFF:
                sink.write(packet[4:])
                expected += 1
                tries = 0
                if len(packet) - 4 < TFTP_BLOCK:
                    sock.sendto(ack, peer)
                    return None
            last, dest = ack, peer
    finally:
        sock.close()


# ----------------------------------------------------------------------------- FTP
def _ftp(url, path, sink, timeout):
    client = ftplib.FTP(timeout=timeout)
    try:
        client.connect(url.host, url.port)
        client.login(url.user or "anonymous", url.password or ("" if url.user else "anonymous@"))
        client.set_pasv(True)
        client.voidcmd("TYPE I")
        try:
            reply = client.retrbinary("RETR " + path, sink.write, blocksize=CHUNK)
        except ftplib.error_perm as exc:
            code = int(str(exc)[:3]) if str(exc)[:3].isdigit() else None
            raise TransferError("FTP: %s" % exc, "missing" if code == 550 else "error", code)
        return int(reply[:3]) if reply[:3].isdigit() else None
    finally:
        try:
            client.quit()
        except (ftplib.all_errors + (AttributeError,)):
            pass
        client.close()


# ----------------------------------------------------------------------------- HTTP(S)
def _http(url, path, sink, ca_path, timeout):
    if url.protocol == "https":
        context = ssl.create_default_context(cafile=ca_path)
        connection = http.client.HTTPSConnection(url.host, url.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(url.host, url.port, timeout=timeout)
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
    if url.user is not None:
        token = base64.b64encode(("%s:%s" % (url.user, url.password or "")).encode("utf-8")).decode("ascii")
        headers["Authorization"] = "Basic " + token
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        if response.status in (404, 410):
            raise TransferError("HTTP %d" % response.status, "missing", response.status)
        if response.status != 200:
            raise TransferError("HTTP %d %s" % (response.status, response.reason), code=response.status)
        declared = response.getheader("Content-Length")
        while True:
            chunk = response.read(CHUNK)
            if not chunk:
                break
            sink.write(chunk)
        if declared and declared.isdigit() and int(declared) != sink.size:
            raise TransferError("announced %s bytes, sent %d" % (declared, sink.size), code=response.status)
        return response.status
    finally:
        connection.close()

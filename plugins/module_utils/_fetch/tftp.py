# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TFTP reads as a DECT server does them: RFC 1350 with RFC 2347/2348/2349 options.

Bounded: each wait by ``timeout`` (then the packet is sent again, at most ``retries`` times),
the whole file by its ``Deadline``, its bytes by the ``Sink``'s size limit (a ``tsize`` over the
limit is refused before the first block).
"""

from __future__ import annotations

import socket
import struct
import time

from ansible_collections.dect.provisioning.plugins.module_utils._fetch.request import remote_path
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.transfer import FetchError, network_error

# 1428 bytes of data fill an Ethernet frame (1500) after IP (20), UDP (8) and TFTP (4) headers
# (RFC 2348's own example); servers that ignore the option get the RFC 1350 512.
DEFAULT_BLKSIZE = 1428
TFTP_BASE_BLKSIZE = 512

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


class _TftpTransfer:
    """One RFC 1350 read with RFC 2347/2348/2349 options, lock-step, bounded retransmissions.

    The server answers from a new port (its transfer ID); packets from any other port get an
    'unknown transfer ID' error and are otherwise ignored (RFC 1350 section 4).
    """

    def __init__(self, url, name, sink, size_only, timeout, retries, blksize, deadline):
        self.name, self.sink, self.size_only = name, sink, size_only
        self.overall = deadline
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


class _TftpSession:
    """The lock-step transfer of one attempt (one socket, one server transfer ID)."""

    def __init__(self, transfer, sock, options):
        self.t, self.sock, self.options = transfer, sock, options
        self.peer = None            # the server's transfer ID once it answered
        self.blksize = TFTP_BASE_BLKSIZE
        self.expected = 1           # next DATA block number (before wrapping to 16 bits)
        self.tsize = None
        self.last_sent = tftp_request(transfer.name, options)
        self.dest = transfer.server
        self.resend_at = 0.0        # when to retransmit ``last_sent``; noise does not move it
        self.progressed = False

    def run(self):
        self._send(self.last_sent)
        tries = 1
        while True:
            # Noise, duplicates and a server streaming blocks all come back here: the file's
            # deadline is checked before every wait, whatever the peer sends.
            try:
                wait = self.t.overall.wait(self.t.timeout)
            except FetchError:
                self.sock.sendto(tftp_error(0, "transfer took too long"), self.dest)
                raise
            remaining = self.resend_at - time.monotonic()
            if remaining <= 0:
                if tries > self.t.retries:
                    raise FetchError("%s: no answer after %d tries of %ss each" % (self.t.what, tries, self.t.timeout))
                self._send(self.last_sent)
                tries += 1
                continue
            self.sock.settimeout(min(remaining, wait))
            try:
                packet, addr = self.sock.recvfrom(TFTP_MAX_BLKSIZE + 4)
            except socket.timeout:
                continue
            except OSError as exc:
                raise network_error(self.t.what, exc, self.t.timeout)
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
        self.resend_at = time.monotonic() + self.t.timeout
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
            if not self.t.size_only:
                try:
                    self.t.sink.check_announced(self.tsize)
                except FetchError:
                    self.sock.sendto(tftp_error(TFTP_OPTION_REFUSED, "file too large"), self.dest)
                    raise
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


def tftp_get(url, filename, sink, size_only, timeout, retries, blksize, deadline):
    """Read ``filename`` into ``sink`` (or only ask its size); ``(None, size)``. Raises FetchError."""
    name = remote_path(url, filename)
    try:
        transfer = _TftpTransfer(url, name, sink, size_only, timeout, retries, blksize, deadline)
    except OSError as exc:
        raise FetchError("cannot resolve TFTP server %s: %s" % (url.host, exc))
    return transfer.run()

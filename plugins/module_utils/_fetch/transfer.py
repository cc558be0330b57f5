# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every fetch shares: its result, its error, and its two bounds (size and deadline).

A transfer stops, with its own message, when it has received more than ``max_size`` bytes
(``Sink``) or when its ``deadline`` (seconds for the whole file: connecting, login, every wait,
every byte) has passed (``Deadline``). ``timeout`` alone bounds each single wait, which a
server dripping one byte per second never exceeds: the deadline is what ends it.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import namedtuple

DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 3
DEFAULT_MAX_SIZE = 8 * 1024 * 1024
DEFAULT_DEADLINE = 120.0
CHUNK = 65536

FetchResult = namedtuple("FetchResult", "status code data error size sha256 location")
FetchResult.__doc__ = """What one fetch produced.

status: 'ok', 'missing' or 'error'; code: the protocol's own answer (HTTP status, TFTP error
code, FTP reply code) or None; data: the bytes (None for ``check_file`` or ``keep_data=False``);
error: a message naming what went wrong (None when ok); size and sha256 of what was received
(size only for ``check_file``); location: the file's URL with any password masked.
"""


class FetchError(Exception):
    """A transfer that failed; ``status`` is 'missing' or 'error', ``code`` the protocol's answer."""

    def __init__(self, message, status="error", code=None):
        super().__init__(message)
        self.status = status
        self.code = code


def size_error(max_size, announced=None):
    """The error of a file over the size limit (``announced``: the size the server declared)."""
    if announced is not None:
        return FetchError("the server announced %d bytes, more than the size limit of %d bytes: not transferred"
                          % (announced, max_size))
    return FetchError("the server sent more than the size limit of %d bytes: transfer stopped" % max_size)


class Sink:
    """Collects a transfer: running size and sha256, and the bytes when they are wanted.

    Refuses (FetchError) the chunk that takes the total over ``max_size``: the bytes held in
    memory never exceed it.
    """

    def __init__(self, keep_data=True, max_size=DEFAULT_MAX_SIZE):
        self.size = 0
        self.digest = hashlib.sha256()
        self.chunks = [] if keep_data else None
        self.max_size = max_size

    def write(self, chunk):
        self.size += len(chunk)
        if self.max_size is not None and self.size > self.max_size:
            raise size_error(self.max_size)
        self.digest.update(chunk)
        if self.chunks is not None:
            self.chunks.append(bytes(chunk))

    def drain(self, read):
        """Write what ``read(CHUNK)`` returns until it returns nothing (the end of the stream)."""
        for chunk in iter(lambda: read(CHUNK), b""):
            self.write(chunk)

    def check_announced(self, announced):
        """Refuse before the transfer a size the server announces (Content-Length, tsize) over the limit."""
        if announced is not None and self.max_size is not None and announced > self.max_size:
            raise size_error(self.max_size, announced)

    def data(self):
        return b"".join(self.chunks) if self.chunks is not None else None


class Deadline:
    """The overall deadline of one file.

    ``wait(timeout)`` is the time one blocking call may take (the smaller of ``timeout`` and
    what is left), raising the deadline error when nothing is left. ``watch(sock)`` arms a
    timer that shuts the socket down when the deadline passes, so a call blocked inside a
    library (http.client, ftplib, an SSL handshake) returns at the deadline, not later.
    """

    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.ends = clock() + seconds
        self.fired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = None

    def remaining(self):
        return self.ends - self.clock()

    @property
    def passed(self):
        return self.fired or self.remaining() <= 0

    def error(self):
        return FetchError("not complete within the deadline of %gs: transfer stopped" % self.seconds)

    def wait(self, timeout):
        left = self.remaining()
        if left <= 0:
            raise self.error()
        return min(timeout, left)

    def watch(self, sock):
        """Shut ``sock`` down when the deadline passes (until ``stop``)."""
        with self._lock:
            self._sockets.append(sock)
            if self._timer is None:
                self._timer = threading.Timer(max(self.remaining(), 0), self._fire)
                self._timer.daemon = True
                self._timer.start()

    def _fire(self):
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                try:
                    # The plain socket's shutdown, also for an SSLSocket: wakes any blocked read
                    # without touching the TLS state another thread is using.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except (OSError, ValueError, TypeError):
                    pass

    def stop(self):
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._sockets = []


def network_error(what, exc, timeout):
    """A FetchError for a socket-level failure, naming ``what`` was being talked to."""
    if isinstance(exc, socket.timeout):
        return FetchError("%s: no answer within %ss" % (what, timeout))
    return FetchError("%s: %s" % (what, getattr(exc, "strerror", None) or exc))

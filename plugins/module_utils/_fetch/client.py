# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fetch files from a provisioning server the way a DECT server does.

``fetch_file(url, filename)`` speaks the protocol named in the provisioning URL (TFTP, FTP,
HTTP, HTTPS) and returns a ``FetchResult`` whose ``status`` is ``ok``, ``missing`` (HTTP
404/410, TFTP error 1, FTP 550: the server answered that the file is not there) or ``error``
(anything else a device would trip on: refused connection, timeout, TLS failure, permission
denied, login refused, more than ``max_size`` bytes, the ``deadline`` passed).
``check_file(url, filename)`` asks only whether a file is there and how big it is (TFTP
``tsize``, FTP ``SIZE``, HTTP ``HEAD``) without transferring it.

Standard library only, Python 3.8 syntax.
"""

from __future__ import annotations

from ansible_collections.dect.provisioning.plugins.module_utils._fetch.ftp import ftp_get
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.http import http_get
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.request import as_url, location
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.tftp import DEFAULT_BLKSIZE, tftp_get
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.transfer import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_SIZE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    Deadline,
    FetchError,
    FetchResult,
    Sink,
)


def fetch_file(url, filename, ca_path=None, validate_certs=True, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES,
               keep_data=True, max_size=DEFAULT_MAX_SIZE, deadline=DEFAULT_DEADLINE, blksize=DEFAULT_BLKSIZE):
    """Fetch ``filename`` from the provisioning URL ``url`` as a DECT server would.

    ``ca_path`` is a PEM bundle (or hashed directory) the HTTPS server's certificate must chain
    to (the system's CAs when None); ``validate_certs=False`` skips that. ``timeout`` bounds
    each network wait in seconds; TFTP retransmits at most ``retries`` times per packet;
    ``max_size`` bounds the bytes received, ``deadline`` the seconds the whole file may take.
    Never raises for network trouble: the result says what happened.
    """
    return _run(url, filename, False, dict(ca_path=ca_path, validate_certs=validate_certs, timeout=timeout,
                                           retries=retries, blksize=blksize), keep_data, max_size, deadline)


def check_file(url, filename, ca_path=None, validate_certs=True, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES,
               deadline=DEFAULT_DEADLINE, blksize=DEFAULT_BLKSIZE):
    """Whether ``filename`` is there, without transferring it; ``size`` when the server says it.

    TFTP asks with the RFC 2349 ``tsize`` option and aborts after the first answer; FTP sends
    ``SIZE``; HTTP(S) sends ``HEAD``. ``data`` and ``sha256`` are None.
    """
    return _run(url, filename, True, dict(ca_path=ca_path, validate_certs=validate_certs, timeout=timeout,
                                          retries=retries, blksize=blksize), False, None, deadline)


def _run(url, filename, size_only, transport, keep_data, max_size, seconds):
    url = as_url(url)
    try:
        where = location(url, filename)
    except ValueError as exc:
        return FetchResult("error", None, None, str(exc), None, None, None)
    sink = Sink(keep_data=keep_data, max_size=max_size)
    deadline = Deadline(seconds)
    try:
        code, size = _transfer(url, filename, sink, size_only, transport, deadline)
        if deadline.fired:
            raise deadline.error()  # the watchdog cut the connection: what arrived is not the file
    except FetchError as exc:
        error = deadline.error() if deadline.passed else exc
        return FetchResult(exc.status if error is exc else "error", exc.code, None, "%s: %s" % (where, error),
                           None, None, where)
    finally:
        deadline.stop()
    if size_only:
        return FetchResult("ok", code, None, None, size, None, where)
    return FetchResult("ok", code, sink.data(), None, sink.size, sink.digest.hexdigest(), where)


def _transfer(url, filename, sink, size_only, transport, deadline):
    timeout = transport["timeout"]
    if url.protocol == "tftp":
        return tftp_get(url, filename, sink, size_only, timeout, transport["retries"], transport["blksize"], deadline)
    if url.protocol == "ftp":
        return ftp_get(url, filename, sink, size_only, timeout, deadline)
    return http_get(url, filename, sink, size_only, transport["ca_path"], transport["validate_certs"], timeout,
                    deadline)

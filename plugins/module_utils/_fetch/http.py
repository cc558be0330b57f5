# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP and HTTPS reads as a DECT server does them: GET (HEAD for a size check), basic auth from
the URL, no redirects followed, the collection's TLS policy (``_tls``).

Bounded: each wait by ``timeout``; the whole file (connect, TLS handshake, headers, body) by its
``Deadline``, which shuts the socket down when it passes; the body by the ``Sink``'s size limit
(a Content-Length over the limit is refused before the body is read); headers by http.client's
own limits (100 header lines of at most 64 KiB).
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
from urllib.parse import quote

from ansible_collections.dect.provisioning.plugins.module_utils._fetch.request import remote_path
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.transfer import FetchError, network_error
from ansible_collections.dect.provisioning.plugins.module_utils._tls import TlsConfigError, client_context

USER_AGENT = "dect.provisioning-fetch/1.0"


def request_headers(url):
    """The request headers: basic authentication when the URL names a user."""
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
    if url.user is not None:
        token = base64.b64encode(("%s:%s" % (url.user, url.password or "")).encode("utf-8")).decode("ascii")
        headers["Authorization"] = "Basic " + token
    return headers


def _tls_failure(what, exc):
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError("TLS certificate verification failed for %s: %s" % (what, exc.verify_message or exc))
    return FetchError("TLS handshake with %s failed: %s" % (what, getattr(exc, "reason", None) or exc))


def _connect(url, what, ca_path, validate_certs, timeout, deadline):
    """A connection whose socket the deadline watches from before the TLS handshake."""
    if url.protocol == "https":
        try:
            context = client_context(ca_path, validate_certs)
        except TlsConfigError as exc:
            raise FetchError(str(exc))
        connection = http.client.HTTPSConnection(url.host, url.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(url.host, url.port, timeout=timeout)
    try:
        sock = socket.create_connection((url.host, url.port), timeout=deadline.wait(timeout))
    except OSError as exc:
        raise network_error(what, exc, timeout)
    sock.settimeout(timeout)
    deadline.watch(sock)
    if url.protocol == "https":
        sock = context.wrap_socket(sock, server_hostname=url.host, do_handshake_on_connect=False)
        deadline.watch(sock)
        sock.do_handshake()
    connection.sock = sock
    return connection


def http_get(url, filename, sink, size_only, ca_path, validate_certs, timeout, deadline):
    """GET ``filename`` into ``sink`` (HEAD when ``size_only``); ``(status, size)``. Raises FetchError."""
    what = "%s server %s port %d" % (url.protocol.upper(), url.host, url.port)
    path = "/" + quote(remote_path(url, filename))
    connection = None
    try:
        connection = _connect(url, what, ca_path, validate_certs, timeout, deadline)
        connection.request("HEAD" if size_only else "GET", path, headers=request_headers(url))
        response = connection.getresponse()
        return _read_response(what, path, response, sink, size_only)
    except FetchError:
        raise
    except ssl.SSLError as exc:
        raise _tls_failure(what, exc)
    except (http.client.HTTPException, OSError) as exc:
        raise network_error(what, exc, timeout)
    finally:
        if connection is not None:
            connection.close()


def _read_response(what, path, response, sink, size_only):
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
    sink.check_announced(declared)
    sink.drain(response.read)
    if declared is not None and declared != sink.size:
        raise FetchError("%s announced %d bytes for %s but sent %d" % (what, declared, path, sink.size), code=code)
    return code, sink.size

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FTP reads as a DECT server does them: login from the URL (else anonymous), binary, passive.

Bounded: each wait by ``timeout``; the whole file (control and data connection) by its
``Deadline``, which shuts both down when it passes; the bytes by the ``Sink``'s size limit; a
server reply by ``MAX_REPLY`` bytes (ftplib would join an endless multi-line reply in memory).
"""

from __future__ import annotations

import ftplib
import socket

from ansible_collections.dect.provisioning.plugins.module_utils._fetch.request import remote_path
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.transfer import FetchError, network_error

MAX_REPLY = 64 * 1024


class _BoundedFTP(ftplib.FTP):
    """ftplib's client with a bound on the size of one (multi-line) reply, whose control
    connection the deadline watches from before the server's greeting."""

    def open_control(self, host, port, timeout, deadline):
        """``connect`` without reading the greeting, the socket handed to ``deadline`` first."""
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection((host, port), deadline.wait(timeout))
        self.sock.settimeout(timeout)
        deadline.watch(self.sock)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)

    def getmultiline(self):
        line = self.getline()
        if line[3:4] != "-":
            return line
        code, total = line[:3], len(line)
        while True:
            nextline = self.getline()
            total += len(nextline) + 1
            if total > MAX_REPLY:
                raise FetchError("the server sent a reply of more than %d bytes: not an FTP answer" % MAX_REPLY)
            line = line + "\n" + nextline
            if nextline[:3] == code and nextline[3:4] != "-":
                return line


def reply_code(exc):
    text = str(exc)
    return int(text[:3]) if text[:3].isdigit() else None


def ftp_get(url, filename, sink, size_only, timeout, deadline):
    """Read ``filename`` into ``sink`` (or only ask its ``SIZE``); ``(reply code, size)``. Raises FetchError."""
    what = "FTP server %s port %d" % (url.host, url.port)
    name = remote_path(url, filename)
    client = _BoundedFTP(timeout=timeout)
    done = False
    try:
        try:
            client.open_control(url.host, url.port, timeout, deadline)
        except OSError as exc:
            raise network_error("cannot connect to %s" % what, exc, timeout)
        try:
            client.welcome = client.getresp()
        except (OSError, EOFError) as exc:
            raise network_error("no greeting from %s" % what, exc, timeout)
        try:
            # Anonymous unless the URL names a user, as ftp://user:password@host does.
            client.login(url.user or "anonymous", url.password or ("" if url.user else "anonymous@"))
        except ftplib.error_perm as exc:
            raise FetchError("%s refused the login of %s: %s" % (what, url.user or "anonymous", exc),
                             code=reply_code(exc))
        client.set_pasv(True)
        outcome = _transfer(client, name, sink, size_only, deadline)
        done = True
        return outcome
    except FetchError:
        raise
    except ftplib.error_perm as exc:
        code = reply_code(exc)
        status = "missing" if code == 550 else "error"
        raise FetchError("%s answered %s for %s" % (what, exc, name), status, code)
    except (ftplib.error_temp, ftplib.error_proto, ftplib.error_reply) as exc:
        raise FetchError("%s answered %s for %s" % (what, exc, name), code=reply_code(exc))
    except (ftplib.Error, OSError, EOFError) as exc:
        raise network_error(what, exc, timeout)
    finally:
        _close(client, polite=done)


def _transfer(client, name, sink, size_only, deadline):
    client.voidcmd("TYPE I")  # binary: SIZE and RETR count bytes, not lines
    if size_only:
        return 213, client.size(name)
    data = client.transfercmd("RETR " + name)
    try:
        deadline.watch(data)
        sink.drain(data.recv)
    finally:
        data.close()
    reply = client.voidresp()
    return reply_code(reply), sink.size


def _close(client, polite):
    if polite:
        try:
            client.quit()
        except (ftplib.all_errors + (AttributeError,)):
            pass
    client.close()

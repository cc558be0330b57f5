# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One target's check-sync exchange: connect, send the NOTIFY, retransmit, answer a challenge, record.

Non-blocking throughout, driven by the selector loop of ``_sip.fanout``. Bounded: the target's
``timeout`` is the deadline of the whole exchange (connect, TLS handshake, retransmissions,
authentication round); a peer may send at most ``max_message_size`` bytes without completing a
message (a longer datagram is cut, so not parsed, and ignored), and at most ``MAX_RESPONSES``
different response codes are recorded.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import ssl

from ansible_collections.dect.provisioning.plugins.module_utils._sip.digest import digest_authorization, select_challenge
from ansible_collections.dect.provisioning.plugins.module_utils._sip.message import SipParseError, find_message_end, parse_message
from ansible_collections.dect.provisioning.plugins.module_utils._sip.target import build_notify, new_branch, random_hex
from ansible_collections.dect.provisioning.plugins.module_utils._sip.transaction import NonInviteClientTransaction
from ansible_collections.dect.provisioning.plugins.module_utils._tls import TlsConfigError, tls_error_text
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import bracket_host

READ = selectors.EVENT_READ
WRITE = selectors.EVENT_WRITE
DEFAULT_MAX_MESSAGE_SIZE = 65536
MAX_RESPONSES = 32
READS_PER_WAKEUP = 64
# socket() errors that mean "no descriptor free now": the target waits for one, it is not failed.
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE)


def resolve(target):
    """``(family, sockaddr)`` of the target; the first address getaddrinfo gives."""
    kind = socket.SOCK_DGRAM if target.transport == "udp" else socket.SOCK_STREAM
    infos = socket.getaddrinfo(target.host, target.port, 0, kind)
    family, _kind, _proto, _name, sockaddr = infos[0]
    return family, sockaddr


def result_for(target, **fields):
    result = {
        "target": target.label,
        "name": target.name,
        "host": target.host,
        "port": target.port,
        "transport": target.transport,
        "user": target.user,
        "request_uri": target.request_uri(),
        "status": None,
        "reason": None,
        "ok": False,
        "elapsed": 0.0,
        "attempts": 0,
        "responses": [],
        "authenticated": False,
        "error": None,
    }
    result.update(fields)
    return result


class NotifyExchange(object):
    """One target's check-sync: connect, send the NOTIFY, retransmit, answer a challenge, record.

    Non-blocking throughout; the loop in ``_sip.fanout.send_check_sync`` calls ``open``, ``on_ready`` and
    ``on_timer`` and reads ``wakeup_at``/``done``/``result``.
    """

    def __init__(self, target, tls_contexts, t1, t2, max_message_size=DEFAULT_MAX_MESSAGE_SIZE):
        self.target = target
        self.tls_contexts = tls_contexts
        self.t1, self.t2 = t1, t2
        self.max_message_size = max_message_size
        self.selector = None
        self.sock = None
        self.address = None
        self.events = 0
        self.state = "new"
        self.local = None
        self.call_id = None
        self.from_tag = random_hex(8)
        self.branch = None
        self.cseq = 0
        self.request = b""
        self.transaction = None
        self.outbox = b""
        self.inbox = b""
        self.attempts = 0
        self.responses = []
        self.auth_rounds = 0
        self.auth_problem = None
        self.started = None
        self.deadline = None
        self.result = None

    @property
    def done(self):
        return self.result is not None

    # -- life cycle --------------------------------------------------------------------------

    def open(self, selector, now):
        """Open the socket and start; False (and nothing held) when no file descriptor is free."""
        self.selector = selector
        self.started = now
        self.deadline = now + self.target.timeout
        target = self.target
        try:
            family, address = resolve(target)
        except (socket.gaierror, UnicodeError) as exc:
            self._fail(now, "unresolvable", "cannot resolve host '%s': %s" % (target.host, exc))
            return True
        self.address = address
        try:
            kind = socket.SOCK_DGRAM if target.transport == "udp" else socket.SOCK_STREAM
            self.sock = socket.socket(family, kind)
            self.sock.setblocking(False)
            if target.local_address:
                self.sock.bind((target.local_address, 0))
            if target.transport == "udp":
                # connect() sends nothing; it fixes the peer so the kernel drops stray datagrams
                # and reports ICMP port-unreachable as ECONNREFUSED.
                self.sock.connect(address)
                self._opened(now)
                return True
            code = self.sock.connect_ex(address)
        except OSError as exc:
            if exc.errno in OUT_OF_DESCRIPTORS:
                self.close()
                self.state = "new"
                return False  # no descriptor free: the fan-out queues this target again
            self._fail(now, "transport error", "cannot open a %s socket to %s: %s"
                       % (target.transport.upper(), self._where(), tls_error_text(exc)))
            return True
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            self._fail(now, "connection failed", "TCP connection to %s failed: %s"
                       % (self._where(), os.strerror(code)))
            return True
        self.state = "connecting"
        self._want(WRITE)
        return True

    def close(self):
        if self.sock is None:
            return
        if self.events:
            try:
                self.selector.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.events = 0
        try:
            self.sock.close()
        except OSError:
            pass
        self.sock = None

    def wakeup_at(self):
        if self.transaction is not None and self.state == "open":
            return min(self.deadline, self.transaction.next_event())
        return self.deadline

    def _where(self):
        return "%s:%d" % (bracket_host(self.target.host), self.target.port)

    def _want(self, events):
        """Keep the selector registration in step with what this exchange waits for."""
        if events == self.events:
            return
        if not self.events:
            self.selector.register(self.sock, events, self)
        elif not events:
            self.selector.unregister(self.sock)
        else:
            self.selector.modify(self.sock, events, self)
        self.events = events

    # -- events ------------------------------------------------------------------------------

    def on_ready(self, mask, now):
        if self.done:
            return
        if self.state == "connecting":
            self._on_connected(now)
        elif self.state == "handshaking":
            self._handshake(now)
        else:
            if mask & WRITE:
                self._flush(now)
            if mask & READ and not self.done:
                self._receive(now)

    def on_timer(self, now):
        if self.done:
            return
        if now >= self.deadline:
            self._timeout(now)
            return
        if self.transaction is None or self.state != "open":
            return
        action = self.transaction.poll(now)
        if action == "retransmit":
            self._transmit(now)
        elif action == "timeout":
            self._timeout(now)

    def _on_connected(self, now):
        code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            self._fail(now, "connection failed", "TCP connection to %s failed: %s" % (self._where(), os.strerror(code)))
            return
        if self.target.transport != "tls":
            self._opened(now)
            return
        # Wrapping detaches the plain socket object: register the wrapped one instead.
        self._want(0)
        try:
            context = self.tls_contexts.get(self.target.validate_certs, self.target.ca_path)
        except TlsConfigError as exc:
            self._fail(now, "TLS error", str(exc))
            return
        try:
            self.sock = context.wrap_socket(self.sock, server_hostname=self.target.host,
                                            do_handshake_on_connect=False)
        except (ssl.SSLError, OSError, ValueError) as exc:
            self._fail(now, "TLS error", "TLS setup for %s failed: %s" % (self._where(), exc))
            return
        self.state = "handshaking"
        self._handshake(now)

    def _handshake(self, now):
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._want(READ)
            return
        except ssl.SSLWantWriteError:
            self._want(WRITE)
            return
        except ssl.SSLCertVerificationError as exc:
            self._fail(now, "TLS error", "TLS certificate of %s not accepted: %s (set ca_path to the CA that"
                       " signed it, or validate_certs=false)" % (self._where(), exc.verify_message or exc))
            return
        except (ssl.SSLError, OSError) as exc:
            self._fail(now, "TLS error", "TLS handshake with %s failed: %s" % (self._where(), tls_error_text(exc)))
            return
        self._opened(now)

    def _opened(self, now):
        self.state = "open"
        self.local = self.sock.getsockname()[:2]
        self.call_id = "%s@%s" % (random_hex(12), bracket_host(self.local[0]))
        self._want(READ)
        self._send_request(now)

    # -- requests ----------------------------------------------------------------------------

    def _send_request(self, now, authorization=None):
        """Start a new transaction: next CSeq, new branch, same Call-ID and From tag."""
        self.cseq += 1
        self.branch = new_branch()
        message = build_notify(self.target, self.local, self.call_id, self.from_tag, self.branch, self.cseq,
                               authorization)
        self.request = message.to_bytes()
        self.transaction = NonInviteClientTransaction(now, self.target.transport != "udp", self.t1, self.t2,
                                                      self.deadline)
        self._transmit(now)

    def _transmit(self, now):
        self.attempts += 1
        if self.target.transport != "udp":
            self.outbox += self.request
            self._flush(now)
            return
        try:
            self.sock.send(self.request)
        except (BlockingIOError, InterruptedError):
            pass  # a datagram lost before the wire; timer E sends it again
        except ConnectionRefusedError:
            self._port_unreachable(now)
        except OSError as exc:
            self._fail(now, "transport error", "sending to %s failed: %s" % (self._where(), tls_error_text(exc)))

    def _flush(self, now):
        while self.outbox:
            try:
                sent = self.sock.send(self.outbox)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except OSError as exc:
                self._fail(now, "transport error", "sending to %s failed: %s" % (self._where(), tls_error_text(exc)))
                return
            self.outbox = self.outbox[sent:]
        self._want(READ | (WRITE if self.outbox else 0))

    # -- responses ---------------------------------------------------------------------------

    def _receive(self, now):
        if self.target.transport == "udp":
            self._receive_datagrams(now)
        else:
            self._receive_stream(now)

    def _receive_datagrams(self, now):
        for _count in range(READS_PER_WAKEUP):
            try:
                data = self.sock.recv(self.max_message_size)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                self._port_unreachable(now)
                return
            except OSError as exc:
                self._fail(now, "transport error", "receiving from %s failed: %s" % (self._where(), tls_error_text(exc)))
                return
            try:
                message = parse_message(data)
            except SipParseError:
                continue  # not SIP (or garbled): keep waiting for the real answer
            self._on_message(message, now)
            if self.done:
                return

    def _receive_stream(self, now):
        # A bounded number of reads per wakeup: a peer that never stops sending cannot keep the
        # loop from the timers (the deadline) of this and every other target.
        for _count in range(READS_PER_WAKEUP):
            if self.done:
                return
            try:
                chunk = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return
            except OSError as exc:
                self._fail(now, "transport error", "connection to %s broke: %s" % (self._where(), tls_error_text(exc)))
                return
            if not chunk:
                self._fail(now, "connection closed", "%s closed the connection before a final response" % self._where())
                return
            self.inbox += chunk
            self._take_messages(now)
            if not self.done and len(self.inbox) > self.max_message_size:
                self._fail(now, "transport error", "%s sent more than %d bytes without a complete SIP message"
                           % (self._where(), self.max_message_size))

    def _take_messages(self, now):
        """Handle every complete message at the start of the stream buffer."""
        while not self.done:
            try:
                end = find_message_end(self.inbox)
                if end is None:
                    return
                message = parse_message(self.inbox[:end])
            except SipParseError as exc:
                self._fail(now, "protocol error", "%s sent a malformed SIP message: %s" % (self._where(), exc))
                return
            self.inbox = self.inbox[end:]
            self._on_message(message, now)

    def _on_message(self, message, now):
        if message.is_request:
            return  # the peer's own requests (keep-alive OPTIONS, ...) are not ours to answer here
        number, method = message.cseq()
        if message.top_via_params().get("branch") != self.branch or method != "NOTIFY" or number != self.cseq:
            return  # a late answer to an earlier transaction
        if (not self.responses or self.responses[-1] != message.status) and len(self.responses) < MAX_RESPONSES:
            self.responses.append(message.status)
        if message.status < 200:
            self.transaction.on_provisional()
            return
        if message.status in (401, 407) and self._answer_challenge(message, now):
            return
        self._finish(now, message.status, message.reason)

    def _answer_challenge(self, response, now):
        """Send the request again with credentials; False when that is not possible or already failed."""
        credentials = self.target.credentials()
        challenge, why = select_challenge(response)
        if credentials is None:
            realm = " (realm '%s')" % challenge.realm if challenge is not None else ""
            self.auth_problem = "%s asks for digest authentication%s and auth_password is not set" \
                % (self._where(), realm)
            return False
        if challenge is None:
            self.auth_problem = "cannot answer the challenge of %s: %s" % (self._where(), why)
            return False
        if self.auth_rounds and not (challenge.stale and self.auth_rounds < 2):
            self.auth_problem = "%s rejected the credentials of '%s' (realm '%s')" \
                % (self._where(), credentials[0], challenge.realm)
            return False
        self.auth_rounds += 1
        value = digest_authorization(challenge, "NOTIFY", self.target.request_uri(), credentials[0], credentials[1])
        self._send_request(now, (challenge.authorization_header, value))
        return True

    # -- outcomes ----------------------------------------------------------------------------

    def _port_unreachable(self, now):
        self._fail(now, "port unreachable", "%s answered with ICMP port unreachable: nothing listens for SIP/UDP there"
                   % self._where())

    def _timeout(self, now):
        seconds = "%g s" % self.target.timeout
        if self.state == "connecting":
            error = "no TCP connection to %s within %s" % (self._where(), seconds)
        elif self.state == "handshaking":
            error = "TLS handshake with %s not finished within %s" % (self._where(), seconds)
        elif self.responses:
            error = "only provisional responses (%s) from %s, no final response (%d attempts)" \
                % (", ".join(str(code) for code in self.responses), self._where(), self.attempts)
        else:
            error = "no response from %s (%d attempts)" % (self._where(), self.attempts)
        self._fail(now, "timeout", "%s; gave up after %.1f s" % (error, now - self.started))

    def give_up(self, now, error):
        """End a target that could not get a file descriptor."""
        self.started = now
        self._fail(now, "transport error", "cannot open a %s socket to %s: %s"
                   % (self.target.transport.upper(), self._where(), error))

    def _fail(self, now, reason, error):
        self._record(now, None, reason, error)

    def _finish(self, now, status, reason):
        error = None
        if not 200 <= status < 300:
            error = self.auth_problem or "%s answered %d %s" % (self._where(), status, reason)
        self._record(now, status, reason, error)

    def _record(self, now, status, reason, error):
        self.result = result_for(
            self.target, status=status, reason=reason, ok=status is not None and 200 <= status < 300,
            elapsed=round(now - (self.started if self.started is not None else now), 3), attempts=self.attempts,
            responses=list(self.responses), authenticated=self.auth_rounds > 0, error=error)
        self.close()

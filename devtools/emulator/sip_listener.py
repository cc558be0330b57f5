"""The DECT server's SIP side, as much as provisioning needs: NOTIFY ``Event: check-sync``.

A check-sync NOTIFY is answered ``200 OK`` and queues an immediate provisioning check; a NOTIFY for
another event gets ``489 Bad Event``, OPTIONS ``200 OK``, other methods ``405 Method Not Allowed``
(with ``Allow``), ACK nothing. A retransmitted request (same branch, Call-ID and CSeq) gets the
same response again and triggers nothing new. UDP and TCP listen on the same port.
"""

from __future__ import annotations

import socket
import threading
import time

from devtools.emulator import sipmsg as sip

ALLOW = "ACK, NOTIFY, OPTIONS"
REQUIRED_HEADERS = ("Via", "From", "To", "Call-ID", "CSeq")
TRANSACTION_SECONDS = 32.0   # RFC 3261 timer J: how long a server transaction remembers its response
MAX_STREAM_BUFFER = 65536
STREAM_IDLE_SECONDS = 60.0


def request_user(request_uri):
    """``sip:9997@192.0.2.10;transport=tcp`` -> ``9997`` (None without a user part)."""
    rest = request_uri.split(":", 1)[1] if ":" in request_uri else request_uri
    return rest.split("@", 1)[0] if "@" in rest else None


def answer(request, usernames=None):
    """``(status, reason, extra headers, trigger)`` for a request, or None when nothing is sent (ACK).

    ``usernames``: when given, a check-sync for a user the device does not handle gets 404.
    """
    if request.method == "ACK":
        return None
    missing = [name for name in REQUIRED_HEADERS if request.header(name) is None]
    if missing:
        return 400, "Missing %s" % ", ".join(missing), [], None
    number, method = request.cseq()
    if number is None or method != request.method:
        return 400, "Bad CSeq", [], None
    if request.method == "NOTIFY":
        event = (request.header("Event") or "").split(";", 1)[0].strip().lower()
        if event != "check-sync":
            return 489, "Bad Event", [("Allow-Events", "check-sync")], None
        if usernames is not None and request_user(request.request_uri) not in usernames:
            return 404, "Not Found", [], None
        return 200, "OK", [], "check-sync"
    if request.method == "OPTIONS":
        return 200, "OK", [("Allow", ALLOW), ("Allow-Events", "check-sync")], None
    return 405, "Method Not Allowed", [("Allow", ALLOW)], None


class Responder:
    """Turns request bytes into response bytes, remembers transactions, records and triggers."""

    def __init__(self, recorder, on_trigger, usernames=None):
        self.recorder = recorder
        self.on_trigger = on_trigger
        self.usernames = usernames        # callable -> list, or None for no user check
        self.transactions = {}
        self.lock = threading.Lock()

    def _transaction_key(self, request):
        return (request.top_via_params().get("branch"), request.header("Call-ID"), request.header("CSeq"))

    def _remembered(self, key):
        now = time.monotonic()
        with self.lock:
            for old in [k for k, (when, _r) in self.transactions.items() if now - when > TRANSACTION_SECONDS]:
                del self.transactions[old]
            entry = self.transactions.get(key)
        return entry[1] if entry else None

    def handle(self, data, transport, source):
        try:
            request = sip.parse_message(data)
        except sip.SipParseError as exc:
            self.recorder.sip({"transport": transport, "source": list(source), "error": str(exc)})
            return None
        if not request.is_request:
            return None  # a stray response: nothing to answer
        key = self._transaction_key(request)
        again = self._remembered(key)
        if again is not None:
            self.recorder.sip({"transport": transport, "source": list(source), "method": request.method,
                               "retransmission": True})
            return again
        verdict = answer(request, self.usernames() if self.usernames else None)
        entry = {"transport": transport, "source": list(source), "method": request.method,
                 "request_uri": request.request_uri, "event": request.header("Event"),
                 "call_id": request.header("Call-ID")}
        if verdict is None:
            self.recorder.sip(dict(entry, status=None))
            return None
        status, reason, headers, trigger = verdict
        response = sip.build_response(request, status, reason, headers, received=source)
        with self.lock:
            self.transactions[key] = (time.monotonic(), response)
        self.recorder.sip(dict(entry, status=status, reason=reason, trigger=trigger))
        if trigger:
            self.on_trigger(trigger)
        return response


class SipListener:
    """UDP and TCP on one port; each request handled by ``Responder.handle`` in the listener threads."""

    def __init__(self, host, port, responder):
        self.host, self.responder = host, responder
        self.stopping = threading.Event()
        self.udp, self.tcp = self._bind(host, port)
        self.port = self.udp.getsockname()[1]
        self.threads = []

    @staticmethod
    def _bind(host, port, attempts=20):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _attempt in range(attempts):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            tcp = socket.socket(family, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                udp.bind((host, port))
                tcp.bind((host, udp.getsockname()[1]))
            except OSError:
                udp.close()
                tcp.close()
                if port:
                    raise
                continue  # port 0: the UDP port the kernel chose is taken for TCP; try another
            tcp.listen(16)
            udp.settimeout(0.5)
            tcp.settimeout(0.5)
            return udp, tcp
        raise OSError("no port free for both UDP and TCP on %s" % host)

    def start(self):
        for target in (self._serve_udp, self._serve_tcp):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(2.0)
        self.udp.close()
        self.tcp.close()

    def _serve_udp(self):
        while not self.stopping.is_set():
            try:
                data, source = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            response = self.responder.handle(data, "udp", source[:2])
            if response is not None:
                self.udp.sendto(response, source)

    def _serve_tcp(self):
        while not self.stopping.is_set():
            try:
                connection, source = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve_stream, args=(connection, source[:2]), daemon=True)
            thread.start()

    def _serve_stream(self, connection, source):
        """Frame messages by Content-Length; answer on the same connection; bounded idle time and buffer."""
        connection.settimeout(0.5)
        buffer, idle_since = b"", time.monotonic()
        with connection:
            while not self.stopping.is_set() and time.monotonic() - idle_since < STREAM_IDLE_SECONDS:
                try:
                    chunk = connection.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer, idle_since = buffer + chunk, time.monotonic()
                if len(buffer) > MAX_STREAM_BUFFER:
                    return
                buffer = self._answer_complete(connection, buffer, source)
                if buffer is None:
                    return

    def _answer_complete(self, connection, buffer, source):
        while True:
            try:
                end = sip.find_message_end(buffer)
            except sip.SipParseError:
                return None
            if end is None:
                return buffer
            response = self.responder.handle(buffer[:end], "tcp", source)
            buffer = buffer[end:]
            if response is not None:
                try:
                    connection.sendall(response)
                except OSError:
                    return None

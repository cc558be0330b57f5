"""The DECT server's SIP side, as much as provisioning needs: NOTIFY ``Event: check-sync``.

A check-sync NOTIFY for an enabled user of the applied users file is answered ``200 OK`` and queues
a check-sync (the device's reaction decides what follows); for any other user ``404 Not Found``. A
NOTIFY for another event gets ``489 Bad Event``, OPTIONS ``200 OK``, other methods ``405 Method Not
Allowed`` (with ``Allow``), ACK nothing. A retransmitted request (same branch, Call-ID and CSeq) gets
the same response again and triggers nothing new. The response is sent before the trigger is queued,
so a check the request causes (and a rebind to a port its config names) cannot overtake the answer.

``SipListener`` listens on one port with the transports it is given (UDP; TCP and TLS share the TCP
socket, told apart by the first byte a client sends); ``SipService`` moves it where the applied
configuration says (``sip.localport``, ``sip.transport``, ``sip.tls_allow_insecure``).
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading
import time

from devtools.emulator import sipmsg as sip
from devtools.emulator.guide import SIP_DEFAULT_PORT, listening_transports

ALLOW = "ACK, NOTIFY, OPTIONS"
REQUIRED_HEADERS = ("Via", "From", "To", "Call-ID", "CSeq")
TRANSACTION_SECONDS = 32.0   # RFC 3261 timer J: how long a server transaction remembers its response
MAX_STREAM_BUFFER = 65536
STREAM_IDLE_SECONDS = 60.0
FIRST_BYTE_SECONDS = 5.0     # a TCP client that sends nothing this long is dropped
TLS_HANDSHAKE_RECORD = 0x16  # a TLS connection starts with a handshake record
JOIN_SECONDS = 2.0


def request_user(request_uri):
    """``sip:9997@192.0.2.10;transport=tcp`` -> ``9997`` (None without a user part)."""
    rest = request_uri.split(":", 1)[1] if ":" in request_uri else request_uri
    return rest.split("@", 1)[0] if "@" in rest else None


def answer(request, check_user=None):
    """``(status, reason, extra headers, trigger)`` for a request, or None when nothing is sent (ACK).

    ``check_user(user)``: None when the device takes a check-sync for that user, else the
    ``(status, reason, why)`` it answers instead. Without it any user is taken.
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
        refusal = check_user(request_user(request.request_uri)) if check_user else None
        if refusal is not None:
            return refusal[0], refusal[1], [], None
        return 200, "OK", [], "check-sync"
    if request.method == "OPTIONS":
        return 200, "OK", [("Allow", ALLOW), ("Allow-Events", "check-sync")], None
    return 405, "Method Not Allowed", [("Allow", ALLOW)], None


class Responder:
    """Turns request bytes into response bytes, remembers transactions, records and triggers.

    ``check_user(user)``: see ``answer``; ``reaction()``: the check-sync reaction in effect, recorded
    with each answered check-sync.
    """

    def __init__(self, recorder, on_trigger, check_user=None, reaction=None):
        self.recorder = recorder
        self.on_trigger = on_trigger
        self.check_user = check_user
        self.reaction = reaction
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

    def handle(self, data, transport, source, send=None):
        """The response bytes (None: nothing to send). With ``send``, the response is sent through it
        before a trigger is queued."""
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
            if send is not None:
                send(again)
            return again
        refusals = []

        def check_user(user):
            refusal = self.check_user(user) if self.check_user else None
            refusals.append(refusal)
            return refusal

        verdict = answer(request, check_user)
        entry = {"transport": transport, "source": list(source), "method": request.method,
                 "request_uri": request.request_uri, "user": request_user(request.request_uri or ""),
                 "event": request.header("Event"), "call_id": request.header("Call-ID")}
        if verdict is None:
            self.recorder.sip(dict(entry, status=None))
            return None
        status, reason, headers, trigger = verdict
        response = sip.build_response(request, status, reason, headers, received=source)
        with self.lock:
            self.transactions[key] = (time.monotonic(), response)
        if refusals and refusals[0] is not None:
            entry["refused"] = refusals[0][2]
        if trigger and self.reaction is not None:
            entry["reaction"] = self.reaction()
        self.recorder.sip(dict(entry, status=status, reason=reason, trigger=trigger))
        if send is not None:
            send(response)
        if trigger:
            self.on_trigger(trigger)
        return response


class SipListener:
    """One port: UDP when ``transports`` has udp; one TCP socket when it has tcp or tls, a connection
    being TLS when its first byte starts a TLS handshake. Requests are handled by ``Responder.handle``
    in the listener's threads."""

    def __init__(self, host, port, responder, transports=("udp", "tcp"), tls_context=None):
        self.host, self.responder = host, responder
        self.transports = tuple(transports)
        if "tls" in self.transports and tls_context is None:
            raise ValueError("TLS needs a certificate")
        self.tls_context = tls_context
        self.stopping = threading.Event()
        self.udp, self.tcp = self._bind(host, port, "udp" in self.transports,
                                        bool({"tcp", "tls"} & set(self.transports)))
        self.port = (self.udp or self.tcp).getsockname()[1]
        self.threads, self.streams = [], []

    @staticmethod
    def _bind(host, port, want_udp, want_tcp, attempts=20):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _attempt in range(attempts):
            udp = socket.socket(family, socket.SOCK_DGRAM) if want_udp else None
            tcp = socket.socket(family, socket.SOCK_STREAM) if want_tcp else None
            if tcp is not None:
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                if udp is not None:
                    udp.bind((host, port))
                if tcp is not None:
                    tcp.bind((host, udp.getsockname()[1] if udp is not None else port))
            except OSError:
                for sock in (udp, tcp):
                    if sock is not None:
                        sock.close()
                if port:
                    raise
                continue  # port 0: the UDP port the kernel chose is taken for TCP; try another
            for sock in (udp, tcp):
                if sock is not None:
                    sock.settimeout(0.5)
            if tcp is not None:
                tcp.listen(16)
            return udp, tcp
        raise OSError("no port free for both UDP and TCP on %s" % host)

    def start(self):
        for sock, target in ((self.udp, self._serve_udp), (self.tcp, self._serve_tcp)):
            if sock is not None:
                thread = threading.Thread(target=target, daemon=True)
                thread.start()
                self.threads.append(thread)

    def stop(self):
        """Stop taking requests; a request being handled still gets its answer (bounded wait)."""
        self.stopping.set()
        for thread in self.threads + self.streams:
            if thread is not threading.current_thread():  # stopped from a trigger of its own request
                thread.join(JOIN_SECONDS)
        for sock in (self.udp, self.tcp):
            if sock is not None:
                sock.close()

    def _serve_udp(self):
        while not self.stopping.is_set():
            try:
                data, source = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.responder.handle(data, "udp", source[:2], send=lambda response: self._send_udp(response, source))

    def _send_udp(self, response, destination):
        try:
            self.udp.sendto(response, destination)
        except OSError:
            pass  # the peer is gone: nothing more a UDP server can do

    def _serve_tcp(self):
        while not self.stopping.is_set():
            try:
                connection, source = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve_connection, args=(connection, source[:2]), daemon=True)
            thread.start()
            self.streams = [t for t in self.streams if t.is_alive()] + [thread]

    def _serve_connection(self, connection, source):
        """Tell TLS from plain TCP by the first byte; refuse what this listener does not take."""
        connection.settimeout(FIRST_BYTE_SECONDS)
        try:
            first = connection.recv(1, socket.MSG_PEEK)
        except OSError:
            connection.close()
            return
        transport = "tls" if first and first[0] == TLS_HANDSHAKE_RECORD else "tcp"
        if not first or transport not in self.transports:
            if first:
                self.responder.recorder.sip({"transport": transport, "source": list(source),
                                             "error": "%s is not accepted here (listening: %s)"
                                             % (transport.upper(), ", ".join(self.transports))})
            connection.close()
            return
        if transport == "tls":
            try:
                connection = self.tls_context.wrap_socket(connection, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                self.responder.recorder.sip({"transport": "tls", "source": list(source),
                                             "error": "TLS handshake failed: %s" % exc})
                connection.close()
                return
        self._serve_stream(connection, source, transport)

    def _serve_stream(self, connection, source, transport):
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
                buffer = self._answer_complete(connection, buffer, source, transport)
                if buffer is None:
                    return

    def _answer_complete(self, connection, buffer, source, transport):
        while True:
            try:
                end = sip.find_message_end(buffer)
            except sip.SipParseError:
                return None
            if end is None:
                return buffer
            failed = []

            def send(response):
                try:
                    connection.sendall(response)
                except OSError:
                    failed.append(True)

            self.responder.handle(buffer[:end], transport, source, send=send)
            buffer = buffer[end:]
            if failed:
                return None


# ----------------------------------------------------------------------------- following the config


def make_certificate(directory, host, timeout=30.0):
    """A self-signed certificate for the device's TLS listener (a factory device has its own), made
    once with openssl in ``directory`` (0700; the key 0600). Returns ``(cert path, key path)``."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    cert, key = os.path.join(directory, "sip-tls.crt"), os.path.join(directory, "sip-tls.key")
    if os.path.exists(cert) and os.path.exists(key):
        return cert, key
    san = "IP:%s" % host if host.replace(".", "").isdigit() or ":" in host else "DNS:%s" % host
    old = os.umask(0o077)
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "30", "-subj", "/CN=dect-emulator", "-addext", "subjectAltName=%s" % san,
                        "-keyout", key + ".tmp", "-out", cert + ".tmp"],
                       check=True, capture_output=True, timeout=timeout)
    finally:
        os.umask(old)
    os.replace(key + ".tmp", key)
    os.replace(cert + ".tmp", cert)
    return cert, key


class SipService:
    """Where the device listens: the applied configuration's ``sip.localport`` and transports.

    ``default_port`` stands in for the guide's default 5060: used before a configuration is applied,
    and whenever the applied one leaves ``sip.localport`` unset or at 5060 (a lab that cannot bind
    5060 passes another port, or 0 for any free one). Any other ``localport`` is bound as it is.
    """

    def __init__(self, host, default_port, responder, recorder, tls_files=None, tls_dir=None):
        self.host, self.default_port = host, default_port
        self.responder, self.recorder = responder, recorder
        self.tls_files, self.tls_dir = tls_files, tls_dir
        self.listener = None
        self.wanted = None   # (requested port, transports) the listener was made for
        self.info = {"host": host, "port": None}

    def _tls_context(self):
        if self.tls_files is None:
            self.tls_files = make_certificate(self.tls_dir, self.host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self.tls_files)
        return context

    def follow(self, settings_sip):
        """Listen where ``settings_sip`` (guide.sip_of) says; a no-op when nothing changed. The new
        socket is bound before the old one closes (a different port), and the old listener finishes
        the request it is answering."""
        localport = settings_sip["localport"]
        requested = self.default_port if localport == SIP_DEFAULT_PORT else localport
        transports = tuple(listening_transports(settings_sip))
        if self.wanted == (requested, transports) and self.listener is not None:
            # Where it listens stays (e.g. the stand-in port is the configured one); what says so may not.
            info = self._info(self.listener, settings_sip, transports)
            changed, self.info = info != self.info, info
            return changed
        old = self.listener
        port = requested
        if old is not None and requested == self.wanted[0]:
            port = old.port  # same port (or the same "any free port"): rebind exactly there
        try:
            context = self._tls_context() if "tls" in transports else None
            if old is not None and port == old.port:
                old.stop()
                old = None
            listener = SipListener(self.host, port, self.responder, transports, context)
        except (OSError, ValueError, subprocess.SubprocessError, ssl.SSLError) as exc:
            if old is not None:
                old.stop()
            self.listener, self.wanted = None, (requested, transports)
            self.info = {"host": self.host, "port": None, "localport": localport,
                         "transport": settings_sip["transport"], "transports": list(transports),
                         "error": "cannot listen on %s:%s: %s" % (self.host, port, exc)}
            self.recorder.event(dict(self.info, event="sip-listen-failed"))
            return True
        listener.start()
        if old is not None:
            old.stop()
        self.listener, self.wanted = listener, (requested, transports)
        self.info = self._info(listener, settings_sip, transports)
        self.recorder.event(dict(self.info, event="sip-listening"))
        return True

    def _info(self, listener, settings_sip, transports):
        info = {"host": self.host, "port": listener.port, "localport": settings_sip["localport"],
                "localport_source": "config" if "localport" in settings_sip.get("set", ()) else "default",
                "transport": settings_sip["transport"], "transports": list(transports),
                "tls_allow_insecure": settings_sip["tls_allow_insecure"]}
        if "tls" in transports:
            info["tls_certificate"] = self.tls_files[0]
        return info

    def stop(self):
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

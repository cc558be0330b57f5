"""Peers for the probe and emulator tests that the role-based helpers do not cover, and a test CA.

- ``start_nginx``: a minimal static nginx over a directory, on 127.0.0.1 or inside a network
  namespace (``prefix``). Daemons configured by the provisioning_server role are started with
  ``devtools.provisioning_daemons`` instead; that needs a role run and listens in this namespace.
- ``start_dnsmasq``: DHCP only, handing out option 66, in a namespace.
- ``make_ca`` / ``issue_server_cert``: a throw-away PKI made with openssl.

Each starter returns a running ``procs.Daemon`` (foreground process, stopped by pid); callers stop
it in a ``finally`` or fixture teardown.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from devtools.procs import Daemon, free_port, wait_for, wait_for_tcp


def make_world_readable(root):
    """Daemons drop privileges (vsftpd's anonymous user): let them read the staged tree."""
    for dirpath, _dirs, files in os.walk(str(root)):
        os.chmod(dirpath, 0o755)
        for name in files:
            os.chmod(os.path.join(dirpath, name), 0o644)


NGINX_CONF = """\
worker_processes 1;
user root;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {work}/nginx-access.log;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    default_type application/octet-stream;
    server {{
        listen {host}:{port};
        root {root};
        location / {{ try_files $uri =404; }}
    }}
}}
"""


def start_nginx(root, workdir, host="127.0.0.1", port=None, prefix=()):
    """nginx serving ``root`` read-only over HTTP on ``host:port``; ``daemon.http_port`` says where.

    ``prefix`` wraps the command (``["ip", "netns", "exec", NS]``); nginx then listens inside that
    namespace, so readiness is read from its log instead of by connecting from here.
    """
    work = Path(workdir) / "nginx"
    work.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    conf = work / "nginx.conf"
    error_log = work / "nginx-error.log"
    conf.write_text(NGINX_CONF.format(work=work, host=host, port=port, root=root))
    daemon = Daemon(list(prefix) + ["nginx", "-e", str(error_log), "-p", str(work), "-c", str(conf),
                                    "-g", "daemon off;"], work / "nginx.out")
    daemon.host, daemon.http_port = host, port
    try:
        if prefix:
            wait_for(lambda: error_log.exists() and "start worker process" in error_log.read_text(),
                     what="nginx worker in %s" % " ".join(prefix))
        else:
            wait_for_tcp(port, host)
    except TimeoutError:
        daemon.stop()
        written = error_log.read_text() if error_log.exists() else ""
        raise RuntimeError("nginx did not start:\n%s%s" % (written, daemon.log()))
    return daemon


DNSMASQ_CONF = """\
port=0
user=root
interface={interface}
bind-interfaces
dhcp-authoritative
dhcp-range={first},{last},255.255.255.0,10m
dhcp-option=66,"{option66}"
dhcp-leasefile={work}/dnsmasq.leases
log-dhcp
log-facility=-
"""


def start_dnsmasq(workdir, interface, option66, first="192.0.2.50", last="192.0.2.99", prefix=()):
    """dnsmasq as a DHCP server only (no DNS) handing out ``option66`` on ``interface``.

    Run it in the server namespace of a NetnsPair (``prefix``); ready once it logs its DHCP range.
    """
    work = Path(workdir) / "dnsmasq"
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "dnsmasq.conf"
    conf.write_text(DNSMASQ_CONF.format(interface=interface, first=first, last=last, option66=option66, work=work))
    daemon = Daemon(list(prefix) + ["dnsmasq", "--keep-in-foreground", "--conf-file=%s" % conf,
                                    "--pid-file=%s" % (work / "dnsmasq.pid")], work / "dnsmasq.log")
    try:
        wait_for(lambda: "DHCP, IP range" in daemon.log() or not daemon.alive(), what="dnsmasq DHCP range")
    except TimeoutError:
        pass
    if not daemon.alive() or "DHCP, IP range" not in daemon.log():
        daemon.stop()
        raise RuntimeError("dnsmasq did not start:\n%s" % daemon.log())
    return daemon


# ----------------------------------------------------------------------------- test PKI


def _openssl(*args, cwd=None):
    subprocess.run(("openssl",) + args, check=True, capture_output=True, cwd=cwd)


def make_ca(directory, name="dect-test-ca"):
    """A self-signed CA (key, cert) under ``directory``; returns the cert path and key path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key, cert = directory / (name + ".key"), directory / (name + ".pem")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
             "-days", "2", "-subj", "/CN=%s" % name, "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


def issue_server_cert(directory, ca_cert, ca_key, name="provisioning", ips=("127.0.0.1",), dns=("localhost",)):
    """A server certificate for ``ips``/``dns`` signed by the CA; returns (cert, key) paths."""
    directory = Path(directory)
    key, csr, cert = directory / (name + ".key"), directory / (name + ".csr"), directory / (name + ".pem")
    ext = directory / (name + ".ext")
    sans = ["IP:%s" % ip for ip in ips] + ["DNS:%s" % host for host in dns]
    ext.write_text("subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % ",".join(sans))
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=%s" % name)
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return cert, key

"""A provisioning root served by the provisioning_server role's own daemons on 127.0.0.1, and plain
clients that fetch from it as a DECT server would (tftp-hpa's ``tftp``, urllib, ftplib).

The role renders every daemon's configuration into a directory (no service manager here); the
daemons are started from exactly those files (``devtools.provisioning_daemons``). The playbook that
runs the role is the caller's (tests/integration/playbooks/provisioning_server_serve.yml):

    with https_site(PLAYBOOK, ("in.tftpd", "nginx", "vsftpd", "tftp")) as site:
        data = fetch_http(site.url("https", "kws.bin"), cafile=site.ca)
"""

from __future__ import annotations

import base64
import contextlib
import ftplib
import os
import socket
import ssl
import subprocess
import urllib.request
from pathlib import Path

from devtools.ansible_runner import run_playbook
from devtools.probe_daemons import issue_server_cert, make_ca
from devtools.procs import free_port, need_binary, need_root, world_traversable_dir
from devtools.provisioning_daemons import start_rendered, stop_all

ALL = ["tftp", "http", "https", "ftp"]


def ports():
    """The role's port variables, each a port the kernel just handed out (UDP for TFTP), the FTP
    passive range the ten ports after one of them."""
    pasv = free_port()
    return dict(provisioning_server_tftp_port=free_port(socket.SOCK_DGRAM), provisioning_server_http_port=free_port(),
                provisioning_server_https_port=free_port(), provisioning_server_ftp_port=free_port(),
                provisioning_server_ftp_pasv_min_port=pasv, provisioning_server_ftp_pasv_max_port=min(pasv + 10, 65535))


def _release(directory):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kws6500.bin").write_bytes(os.urandom(300 * 1024 + 17))
    (directory / "pp7x.bin").write_bytes(os.urandom(64 * 1024))
    (directory / "pp7x.bin.ver").write_bytes(b"PP7X 4.5.6\n")
    return {"kws": {"src": str(directory / "kws6500.bin"), "version": "PCS24B 71234"},
            "pp14225100": {"src": str(directory / "pp7x.bin"), "version_src": str(directory / "pp7x.bin.ver"),
                           "name": "pp7x.bin"}}


class Site:
    """A served root: where things are, the extra vars of the role run, the running daemons."""

    def __init__(self, playbook, workdir, extra_vars):
        self.playbook = playbook
        self.workdir = workdir
        self.root = Path(extra_vars["dect_provisioning_root"])
        self.conf = Path(extra_vars["provisioning_server_config_dir"])
        self.extra_vars = extra_vars
        self.daemons = {}
        self.first_run = None
        self.ca = None

    def play(self, **overrides):
        return run_playbook(self.playbook, self.workdir / "ansible", extra_vars=dict(self.extra_vars, **overrides))

    def port(self, protocol):
        return self.extra_vars["provisioning_server_%s_port" % protocol]

    def url(self, protocol, name=""):
        return "%s://127.0.0.1:%d/%s" % (protocol, self.port(protocol), name)


def serve(playbook, workdir, protocols, **extra):
    """Run ``playbook`` (the role) over a fresh root in ``workdir`` and start the daemons it rendered."""
    (workdir / "ansible").mkdir()
    extra_vars = dict(dect_provisioning_root=str(workdir / "srv-dect"), dect_provisioning_protocols=protocols,
                      provisioning_server_config_dir=str(workdir / "etc"), dect_firmware=_release(workdir / "files"),
                      ps_config_xml=True, **ports())
    extra_vars.update(extra)
    site = Site(playbook, workdir, extra_vars)
    run = site.play()
    if run.rc != 0:
        raise AssertionError(run.output)
    site.first_run = run
    site.daemons = start_rendered(site.conf, protocols, workdir)
    return site


@contextlib.contextmanager
def served_site(playbook, protocols, test_ca=False, **extra):
    """``serve`` in a world-traversable scratch directory (nginx's workers run as www-data); with
    ``test_ca``, HTTPS gets a certificate from a test CA (``site.ca``). Afterwards the daemons are
    stopped by pid and the directory removed."""
    with world_traversable_dir("dect-ps-") as workdir:
        site = None
        try:
            ca_cert = None
            if test_ca:
                ca_cert, ca_key = make_ca(workdir / "pki")
                cert, key = issue_server_cert(workdir / "pki", ca_cert, ca_key)
                extra.update(provisioning_server_tls_cert=str(cert), provisioning_server_tls_key=str(key))
            site = serve(playbook, workdir, protocols, **extra)
            site.ca = ca_cert
            yield site
        finally:
            if site is not None:
                stop_all(site.daemons)


@contextlib.contextmanager
def https_site(playbook, binaries):
    """All four protocols, anonymous, HTTPS with a certificate from a test CA (made with openssl,
    which is checked here: ``binaries`` need not name it). Skips unless root."""
    need_root()
    for binary in ("openssl",) + tuple(binaries):
        need_binary(binary)
    with served_site(playbook, ALL, test_ca=True) as site:
        yield site


def fetch_tftp(site, name, dest):
    proc = subprocess.run(["tftp", "127.0.0.1", str(site.port("tftp")), "-m", "binary", "-c", "get", name, str(dest)],
                          capture_output=True, text=True, timeout=30, check=False)
    if proc.returncode != 0 or proc.stdout.strip():
        raise AssertionError("tftp get %s failed: %r" % (name, proc))
    return Path(dest).read_bytes()


def fetch_http(url, cafile=None, auth=None):
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return response.read()


def fetch_ftp(site, name, user="anonymous", password=""):
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", site.port("ftp"), timeout=10)
        ftp.login(user, password)
        chunks = []
        ftp.retrbinary("RETR " + name, chunks.append)
        return b"".join(chunks)

"""Start tftpd-hpa, nginx and vsftpd from the configurations the provisioning_server role rendered.

Run the role with ``provisioning_server_config_dir: <dir>`` and ``provisioning_server_manage_services:
false``; it writes everything self-contained into ``<dir>``. These helpers start each daemon in the
foreground from those files, wait until it answers, and return ``procs.Daemon`` objects (stop them by
pid in a fixture teardown, ``stop_all`` does all of them)::

    daemons = start_rendered(config_dir, ["tftp", "https", "ftp"], workdir)
    try:
        ...  # daemons["tftp"].port, daemons["nginx"].ports, daemons["ftp"].port
    finally:
        stop_all(daemons)

``start_tftp(root, port, workdir)`` also serves a directory without any rendered file. The test CA
helpers live in ``devtools.probe_daemons`` (``make_ca``, ``issue_server_cert``).
"""

from __future__ import annotations

import re
import shlex
import socket
from pathlib import Path

from devtools.procs import Daemon, free_port, wait_for, wait_for_tcp

RENDERED = {
    "tftp": "tftpd-hpa",
    "nginx": "nginx.conf",
    "ftp": "vsftpd.conf",
}


def _started(daemon, wait, what):
    """Wait for a fresh daemon; on timeout stop it and raise with its log."""
    try:
        wait()
    except TimeoutError:
        daemon.stop()
        raise RuntimeError("%s did not start:\n%s" % (what, daemon.log()))
    return daemon


def tftp_answers(port, host="127.0.0.1"):
    """Whether a TFTP server answers a read request (any reply: an error for a missing file will do)."""
    request = b"\x00\x01" + b"dect-provisioning-readiness-probe\x00octet\x00"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        sock.sendto(request, (host, port))
        try:
            sock.recvfrom(516)
        except OSError:
            return False
        return True


def wait_for_tftp(port, host="127.0.0.1", timeout=10.0):
    wait_for(lambda: tftp_answers(port, host), timeout=timeout, what="tftpd on %s:%s" % (host, port))


def start_tftp(root, port=None, workdir=".", address="127.0.0.1", user="root", options=("--secure",)):
    """in.tftpd in the foreground serving ``root`` read-only on ``address:port`` (UDP)."""
    port = port or free_port(socket.SOCK_DGRAM, address)
    argv = ["in.tftpd", "--foreground", "--user", user, "--address", "%s:%d" % (address, port)]
    argv += list(options) + [str(root)]
    daemon = Daemon(argv, Path(workdir) / ("tftpd-%d.log" % port))
    daemon.host, daemon.port = address, port
    return _started(daemon, lambda: wait_for_tftp(port, address), "in.tftpd")


def read_tftp_defaults(path):
    """The KEY="value" pairs of a tftpd-hpa defaults file (what Debian's init script reads)."""
    values = {}
    for line in Path(path).read_text().splitlines():
        match = re.match(r'^\s*(TFTP_[A-Z]+)=(.*)$', line)
        if match:
            values[match.group(1)] = " ".join(shlex.split(match.group(2)))
    return values


def start_tftp_from_config(path, workdir, default_address="127.0.0.1"):
    """Start in.tftpd exactly as the rendered defaults file says (user, address, options, root).

    When the role also wrote its launcher (``tftpd-run`` next to the file), that is started instead:
    the same in.tftpd, its syslog messages captured in the role's TFTP log (no syslog daemon here).
    """
    conf = read_tftp_defaults(path)
    host, _sep, port = conf["TFTP_ADDRESS"].rpartition(":")
    launcher = Path(path).parent / "tftpd-run"
    if launcher.exists():
        daemon = Daemon([str(launcher)], Path(workdir) / ("tftpd-%s.log" % port))
        daemon.host, daemon.port = host or default_address, int(port)
        return _started(daemon, lambda: wait_for_tftp(daemon.port, daemon.host), "tftpd-run")
    return start_tftp(conf["TFTP_DIRECTORY"], int(port), workdir, address=host or default_address,
                      user=conf["TFTP_USERNAME"], options=shlex.split(conf.get("TFTP_OPTIONS", "")))


def nginx_ports(conf_dir):
    """The ports of the ``listen`` lines in the rendered server file(s), in order."""
    ports = []
    for path in sorted(Path(conf_dir).glob("*.conf")):
        ports += [int(p) for p in re.findall(r"^\s*listen\s+(?:[\d.]+:)?(\d+)", path.read_text(), re.M)]
    return ports


def start_nginx(conf_dir, workdir=None):
    """nginx in the foreground from ``<conf_dir>/nginx.conf``; ``daemon.ports`` lists where it listens."""
    conf_dir = Path(conf_dir)
    log = Path(workdir or conf_dir) / "nginx.out"
    argv = ["nginx", "-p", str(conf_dir), "-e", str(conf_dir / "nginx-error.log"), "-c", str(conf_dir / "nginx.conf"),
            "-g", "daemon off;"]
    daemon = Daemon(argv, log)
    daemon.host, daemon.ports = "127.0.0.1", nginx_ports(conf_dir)

    def wait():
        for port in daemon.ports:
            wait_for_tcp(port, daemon.host)

    try:
        return _started(daemon, wait, "nginx")
    except RuntimeError as exc:
        error_log = conf_dir / "nginx-error.log"
        raise RuntimeError("%s\n%s" % (exc, error_log.read_text() if error_log.exists() else ""))


def vsftpd_setting(conf_path, key, default=None):
    match = re.search(r"^%s=(.*)$" % re.escape(key), Path(conf_path).read_text(), re.M)
    return match.group(1).strip() if match else default


def start_vsftpd(conf_path, workdir=None):
    """vsftpd in the foreground from a rendered ``vsftpd.conf`` (listen=YES, background=NO)."""
    conf_path = Path(conf_path)
    daemon = Daemon(["vsftpd", str(conf_path)], Path(workdir or conf_path.parent) / "vsftpd.out")
    daemon.host = vsftpd_setting(conf_path, "listen_address", "127.0.0.1")
    daemon.port = int(vsftpd_setting(conf_path, "listen_port", "21"))
    return _started(daemon, lambda: wait_for_tcp(daemon.port, daemon.host), "vsftpd")


def start_rendered(conf_dir, protocols, workdir):
    """Start the daemons of ``protocols`` from the role's rendered ``conf_dir``: {'tftp'|'nginx'|'ftp': Daemon}."""
    conf_dir = Path(conf_dir)
    daemons = {}
    try:
        if "tftp" in protocols:
            daemons["tftp"] = start_tftp_from_config(conf_dir / RENDERED["tftp"], workdir)
        if set(protocols) & {"http", "https"}:
            daemons["nginx"] = start_nginx(conf_dir, workdir)
        if "ftp" in protocols:
            daemons["ftp"] = start_vsftpd(conf_dir / RENDERED["ftp"], workdir)
    except BaseException:
        stop_all(daemons)
        raise
    return daemons


def stop_all(daemons):
    """Stop every daemon by pid, the last started first."""
    for daemon in reversed(list(daemons.values())):
        daemon.stop()

"""Start real daemons for tests and stop them by pid (no systemd here)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def need_root():
    """Skip the calling test unless it runs as root (daemons, namespaces)."""
    if os.geteuid() != 0:
        import pytest  # pylint: disable=import-outside-toplevel  # only tests call this

        pytest.skip("needs root to start daemons and network namespaces")


def need_binary(name):
    if shutil.which(name) is None:
        raise RuntimeError("%s is not installed: run `make deps` (bindep.txt lists the packages)" % name)


@contextlib.contextmanager
def world_traversable_dir(prefix):
    """A scratch directory under /tmp (0755), removed afterwards: daemons that drop to an
    unprivileged user (nginx's www-data workers, vsftpd's ftp) must traverse to what they serve,
    which pytest's 0700 tmp dirs do not allow."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(str(path), ignore_errors=True)


def free_port(kind=socket.SOCK_STREAM, host="127.0.0.1"):
    """A port the kernel just handed out on ``host`` (TCP by default, SOCK_DGRAM for UDP)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_tcp(port, host="127.0.0.1", timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError("nothing listens on %s:%s after %ss" % (host, port, timeout))


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError("%s not met after %ss" % (what, timeout))


class Daemon:
    """A foreground process with its output in a log file; ``stop()`` kills it by pid."""

    def __init__(self, argv, log_path, cwd=None, env=None):
        self.argv = argv
        self.log_path = str(log_path)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                     start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout)
        self._log.close()


def stop_pidfile(path, timeout=5.0):
    """Stop a daemon that wrote its pid to ``path`` (dhcpd, nginx, vsftpd background mode)."""
    try:
        with open(path) as handle:
            pid = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)

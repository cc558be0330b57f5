"""A provisioning host reached as real sites reach it: OpenSSH on 127.0.0.1 (a high port), a
non-root user with passwordless sudo, a key made for the test, and Debian's /usr/bin/python3 (no
lxml) as the interpreter. ``with SshHost(workdir) as host: host.inventory_vars`` gives the
connection variables of an inventory host.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from devtools.procs import Daemon, free_port, wait_for_tcp

USER = "dectadmin"
SUDOERS = Path("/etc/sudoers.d/dect-provisioning-tests")


def _ensure_user():
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
    if not SUDOERS.exists():
        SUDOERS.write_text("%s ALL=(ALL) NOPASSWD: ALL\n" % USER)
        os.chmod(SUDOERS, 0o440)
    return pwd.getpwnam(USER)


class SshHost:
    def __init__(self, workdir):
        self.dir = Path(workdir) / "sshd"
        self.port = None
        self.daemon = None

    def __enter__(self):
        for binary in ("sshd", "sudo"):
            if shutil.which(binary) is None and not Path("/usr/sbin/%s" % binary).exists():
                raise RuntimeError("%s is not installed: run `make deps` (bindep.txt lists openssh-server, sudo)"
                                   % binary)
        account = _ensure_user()
        self.dir.mkdir(parents=True, exist_ok=True)
        key = self.dir / "id_ed25519"
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        ssh_dir = Path(account.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        authorized = ssh_dir / "authorized_keys"
        public = (self.dir / "id_ed25519.pub").read_text()
        existing = authorized.read_text() if authorized.exists() else ""
        if public not in existing:
            authorized.write_text(existing + public)
        for path in (ssh_dir, authorized):
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chmod(authorized, 0o600)
        subprocess.run(["ssh-keygen", "-A"], check=True, capture_output=True)
        Path("/run/sshd").mkdir(exist_ok=True)
        self.port = free_port()
        argv = ["/usr/sbin/sshd", "-D", "-e", "-p", str(self.port), "-o", "ListenAddress=127.0.0.1",
                "-o", "PidFile=%s" % (self.dir / "sshd.pid"), "-o", "PasswordAuthentication=no",
                "-o", "MaxStartups=100:30:200", "-o", "MaxSessions=100"]
        self.daemon = Daemon(argv, self.dir / "sshd.log")
        wait_for_tcp(self.port)
        return self

    def __exit__(self, *exc):
        if self.daemon is not None:
            self.daemon.stop()

    @property
    def inventory_vars(self):
        return {
            "ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": self.port,
            "ansible_user": USER, "ansible_ssh_private_key_file": str(self.dir / "id_ed25519"),
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            "ansible_become": True, "ansible_python_interpreter": "/usr/bin/python3",
            # The login user's own temp dir: the test runner points ANSIBLE_REMOTE_TEMP at a root-only one.
            "ansible_remote_tmp": "~/.ansible/tmp",
        }

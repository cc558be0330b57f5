"""DHCP for the emulator: ISC dhclient asks for option 66 (``tftp-server-name``) on one interface.

dhclient runs in the network namespace the emulator runs in, with a script of ours that puts the
leased address on the interface (as a device's IP stack would) and writes the option 66 text to a
file. After the first lease dhclient keeps running to renew it; ``stop()`` ends it by pid.
"""

from __future__ import annotations

import os
import subprocess

from devtools.procs import stop_pidfile

CONF = """\
timeout {timeout};
retry 5;
request subnet-mask, broadcast-address, routers, tftp-server-name;
"""

# reason values: dhclient-script(8). Values are written with printf '%s', never interpreted.
SCRIPT = """\
#!/bin/sh
out='{out}'
case "$reason" in
  PREINIT)
    ip link set dev "$interface" up
    ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr del "$old_ip_address/$old_subnet_mask" dev "$interface" 2>/dev/null
    fi
    ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
    {{
      printf 'reason=%s\\n' "$reason"
      printf 'ip_address=%s\\n' "$new_ip_address"
      printf 'subnet_mask=%s\\n' "$new_subnet_mask"
      printf 'tftp_server_name=%s\\n' "$new_tftp_server_name"
    }} > "$out.tmp" && mv "$out.tmp" "$out"
    ;;
  EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface"
    ;;
esac
exit 0
"""


class DhcpError(RuntimeError):
    pass


def read_lease(path):
    """The key=value lines our script wrote, as a dict (empty when there is no lease yet)."""
    lease = {}
    try:
        with open(path) as handle:
            for line in handle:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    lease[key] = value
    except OSError:
        pass
    return lease


class DhcpClient:
    """``dhclient -1`` on ``interface``; ``lease`` holds ip_address and tftp_server_name once bound."""

    def __init__(self, interface, state_dir, timeout=20):
        self.interface = interface
        self.dir = os.path.join(state_dir, "dhcp")
        os.makedirs(self.dir, exist_ok=True)
        self.timeout = timeout
        self.paths = dict((name, os.path.join(self.dir, name))
                          for name in ("dhclient.conf", "dhclient-script", "dhclient.leases", "dhclient.pid",
                                       "lease", "dhclient.log"))
        self.lease = {}

    def _write_files(self):
        with open(self.paths["dhclient.conf"], "w") as handle:
            handle.write(CONF.format(timeout=self.timeout))
        with open(self.paths["dhclient-script"], "w") as handle:
            handle.write(SCRIPT.format(out=self.paths["lease"]))
        os.chmod(self.paths["dhclient-script"], 0o755)

    def obtain(self):
        """Run dhclient until it has a lease (it then forks to renew it); return the lease dict."""
        self._write_files()
        argv = ["dhclient", "-1", "-v", "-cf", self.paths["dhclient.conf"], "-sf", self.paths["dhclient-script"],
                "-lf", self.paths["dhclient.leases"], "-pf", self.paths["dhclient.pid"], self.interface]
        with open(self.paths["dhclient.log"], "ab") as log:
            try:
                code = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False,
                                      timeout=self.timeout + 15).returncode
            except subprocess.TimeoutExpired:
                self.stop()
                raise DhcpError("dhclient got no lease on %s within %ss" % (self.interface, self.timeout + 15))
        self.lease = read_lease(self.paths["lease"])
        if code != 0 or not self.lease.get("ip_address"):
            self.stop()
            raise DhcpError("dhclient got no lease on %s (exit %s); see %s" % (self.interface, code,
                                                                               self.paths["dhclient.log"]))
        return self.lease

    def refresh(self):
        """The lease as of the last renewal our script recorded."""
        self.lease = read_lease(self.paths["lease"]) or self.lease
        return self.lease

    def stop(self, timeout=5.0):
        """End the renewing dhclient by the pid it wrote (only that process)."""
        stop_pidfile(self.paths["dhclient.pid"], timeout)

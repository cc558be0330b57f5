"""Option 66 proven by real DHCP exchanges: the dhcp role / dhcp_option66 module writes the config,
the real daemon serves it in one network namespace, a real dhclient asks from another.

Every daemon is started by the test itself (the role runs with dhcp_manage_service: false) and
stopped by pid; NetnsPair kills whatever is left in its namespaces.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from devtools.ansible_runner import SYSTEM_PYTHON
from devtools.netns import NetnsPair
from devtools.procs import Daemon, need_binary, need_root, stop_pidfile, wait_for

pytestmark = pytest.mark.daemons

URL = "https://prov.example.com/dect"
# A comma and a semicolon in the path: Kea needs the comma escaped, ISC and dnsmasq a quoted string.
URL_B = "tftp://192.0.2.1/dect/ward-b,x;y"
MAC_A, IP_A = "00:13:d1:80:00:32", "192.0.2.10"
MAC_B, IP_B = "00:13:d1:80:00:33", "192.0.2.11"
MAC_STRANGER = "02:00:00:00:00:99"  # not a DECT server of the inventory
POOL = ("192.0.2.100", "192.0.2.150")
BINARIES = {"isc": "dhcpd", "kea": "kea-dhcp4", "dnsmasq": "dnsmasq"}
OWNED_FILE = {"isc": "dect-option66.conf", "kea": "kea-dhcp4.conf", "dnsmasq": "dect-option66.conf"}

DHCLIENT_SCRIPT = """#!/bin/sh
# Records what the server offered; configures nothing.
case "$reason" in BOUND|RENEW|REBOOT)
  printf '{"ip": "%s", "tftp": "%s"}\\n' "$new_ip_address" "$new_tftp_server_name" > "$(dirname "$0")/lease.json";;
esac
"""


def base_config(backend, tmp_path, pair, owned):
    """The daemon's main config as a site would have it, reading the file the role owns (isc, dnsmasq)."""
    if backend == "isc":
        return (
            "# main dhcpd.conf of the test site\nauthoritative;\nping-check false;\ndefault-lease-time 600;\n"
            "subnet 192.0.2.0 netmask 255.255.255.0 {\n  range %s %s;\n}\ninclude \"%s\";\n" % (POOL + (owned,)))
    if backend == "dnsmasq":
        return (
            "# main dnsmasq.conf of the test site\nport=0\nuser=root\nno-ping\ninterface=%s\nbind-interfaces\n"
            "dhcp-range=%s,%s,255.255.255.0,10m\ndhcp-leasefile=%s\nconf-file=%s\n"
            % ((pair.server_if,) + POOL + (tmp_path / "dnsmasq.leases", owned)))
    return """// Kea config of the test site: comments must survive the role
{
  # the DHCPv4 server
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "*" ] },  // "*": kea-dhcp4 -t runs outside the namespace
    "lease-database": { "type": "memfile", "persist": false },
    /* the DECT VLAN */
    "subnet4": [
      {
        "id": 1,
        "subnet": "192.0.2.0/24",
        "pools": [ { "pool": "%s - %s" } ],
        "reservations": [
          { "hw-address": "02:00:00:00:00:01", "ip-address": "192.0.2.50" }  // the printer
        ]
      }
    ]
  }
}
""" % POOL


class Site:
    """One backend's files in tmp_path: the main config, the owned file, the inventory."""

    def __init__(self, backend, tmp_path, pair, config_dir=None):
        need_root()
        need_binary(BINARIES[backend])
        need_binary("dhclient")
        self.backend, self.tmp, self.pair = backend, tmp_path, pair
        config_dir = config_dir or tmp_path
        config_dir.mkdir(exist_ok=True)
        self.owned = config_dir / OWNED_FILE[backend]
        self.main = self.owned if backend == "kea" else config_dir / ("%s-main.conf" % backend)
        self.main.write_text(base_config(backend, tmp_path, pair, self.owned))
        self.original_main = self.main.read_text()

    def inventory(self, url_b=URL_B, extra=None):
        host_vars = {
            "ansible_connection": "local",
            # Debian's interpreter: the module needs nothing beyond the standard library on the DHCP host.
            "ansible_python_interpreter": SYSTEM_PYTHON,
            "dect_dhcp_backend": self.backend,
            "dect_dhcp_path": str(self.owned),
            "dhcp_manage_service": False,
        }
        if self.backend != "kea":
            host_vars["dect_dhcp_validate_config"] = str(self.main)
        host_vars.update(extra or {})
        inventory = {"all": {
            "vars": {"dect_provisioning_url": URL},
            "children": {
                "dect_dhcp_servers": {"hosts": {"localhost": host_vars}},
                "dect_servers": {"hosts": {
                    "ward-a": {"dect_mac": MAC_A.upper(), "dect_ip": IP_A},
                    "ward-b": {"dect_mac": MAC_B.replace(":", ""), "dect_ip": IP_B, "dect_provisioning_url": url_b},
                }},
            }}}
        path = self.tmp / "inventory.json"
        path.write_text(json.dumps(inventory))
        return path

    def start(self):
        """Start the real daemon inside the server namespace with the config the role wrote."""
        argv = {
            "isc": ["dhcpd", "-f", "-4", "-cf", str(self.main), "-lf", str(self.tmp / "dhcpd.leases"),
                    "-pf", str(self.tmp / "dhcpd.pid"), self.pair.server_if],
            "kea": ["kea-dhcp4", "-c", str(self.main)],
            "dnsmasq": ["dnsmasq", "-k", "-C", str(self.main), "--pid-file=%s" % (self.tmp / "dnsmasq.pid")],
        }[self.backend]
        (self.tmp / "dhcpd.leases").touch()
        env = dict(os.environ, KEA_PIDFILE_DIR=str(self.tmp), KEA_LOCKFILE_DIR=str(self.tmp))
        os.makedirs("/run/kea", exist_ok=True)
        daemon = Daemon(self.pair.exec_argv("server", argv), self.tmp / ("%s.log" % self.backend), env=env)
        self.pid_file = self.tmp / "test-daemon.pid"
        self.pid_file.write_text("%d\n" % daemon.pid)
        wait_for(lambda: self._listening(daemon), timeout=10, what="%s listening on udp/67" % self.backend)
        return daemon

    def _listening(self, daemon):
        if not daemon.alive():
            raise AssertionError("%s exited:\n%s" % (self.backend, daemon.log()))
        out = subprocess.run(self.pair.exec_argv("server", ["ss", "-Hlun", "sport", "= :67"]),
                             capture_output=True, text=True, check=False).stdout
        return ":67" in out

    def exchange(self, mac):
        """One DHCP exchange from the client namespace with ``mac``; returns {"ip", "tftp"}."""
        return dhcp_exchange(self.pair, self.tmp / ("client-%s" % mac.replace(":", "")), mac)


def dhcp_exchange(pair, workdir, mac):
    workdir.mkdir()
    (workdir / "dhclient.conf").write_text("timeout 15;\nrequest subnet-mask, tftp-server-name;\n")
    script = workdir / "script.sh"
    script.write_text(DHCLIENT_SCRIPT)
    script.chmod(0o755)
    iface = pair.client_if
    for args in (["down"], ["address", mac], ["up"]):
        subprocess.run(["ip", "-n", pair.client, "link", "set", "dev", iface] + args, check=True)
    argv = pair.exec_argv("client", [
        "dhclient", "-1", "-cf", str(workdir / "dhclient.conf"), "-sf", str(script),
        "-lf", str(workdir / "leases"), "-pf", str(workdir / "dhclient.pid"), iface])
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    finally:
        stop_pidfile(str(workdir / "dhclient.pid"))  # dhclient stays in the background once bound
    result = workdir / "lease.json"
    assert proc.returncode == 0 and result.exists(), "no lease for %s: %s%s" % (mac, proc.stdout, proc.stderr)
    return json.loads(result.read_text())


@pytest.fixture
def pair():
    with NetnsPair("192.0.2.1/24") as netns:
        yield netns


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_role_gives_option66_and_reserved_ip_to_dect_servers_only(backend, pair, tmp_path, play):
    site = Site(backend, tmp_path, pair)
    daemon = None
    try:
        if backend == "kea":
            # Kea runs before the role: the role's handler reloads it through its pid file (SIGHUP).
            daemon = site.start()
        extra = {"dhcp_reload_pid_file": str(site.tmp / "test-daemon.pid")} if backend == "kea" else {}
        inventory = site.inventory(extra=extra)
        first = play("dhcp_role.yml", inventory=inventory)
        assert first.rc == 0, first.output
        assert first.recap()["changed"] == (2 if backend == "kea" else 1), first.output
        second = play("dhcp_role.yml", inventory=inventory)
        assert second.rc == 0 and second.recap()["changed"] == 0, second.output

        if backend == "kea":
            # Everything that was in the file before survives byte for byte, comments included.
            text = site.owned.read_text()
            assert "// the printer" in text and "/* the DECT VLAN */" in text and "# the DHCPv4 server" in text
            # The handler sent SIGHUP once; a second run changed nothing and sent nothing.
            wait_for(lambda: "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS" in daemon.log(),
                     timeout=10, what="kea reloading its config after SIGHUP")
            assert daemon.log().count("DHCP4_DYNAMIC_RECONFIGURATION initiate") == 1
        else:
            daemon = site.start()

        assert site.exchange(MAC_A) == {"ip": IP_A, "tftp": URL}
        assert site.exchange(MAC_B) == {"ip": IP_B, "tftp": URL_B}
        stranger = site.exchange(MAC_STRANGER)
        assert stranger["tftp"] == ""  # host scope: option 66 for the DECT servers' MACs only
        assert POOL[0] <= stranger["ip"] <= POOL[1] and len(stranger["ip"]) == len(POOL[0])
    finally:
        if daemon is not None:
            daemon.stop()


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_subnet_scope_reaches_every_client(backend, pair, tmp_path, play):
    site = Site(backend, tmp_path, pair)
    marker = tmp_path / "reload-command-ran"
    extra = {"dhcp_scope": "subnet", "dhcp_reload_command": ["touch", str(marker)]}
    run = play("dhcp_role.yml", inventory=site.inventory(extra=extra))
    assert run.rc == 0 and run.recap()["changed"] == 2, run.output  # the file, and the handler's command
    assert marker.exists()
    daemon = site.start()
    try:
        assert site.exchange(MAC_STRANGER)["tftp"] == URL
        assert site.exchange(MAC_B) == {"ip": IP_B, "tftp": URL_B}  # its own URL wins over the scope's
    finally:
        daemon.stop()


REJECTED_BY_DAEMON = {
    # Input the module accepts, in a main config the daemon then rejects: a name, MAC or IP used twice.
    "isc": ("host ward-a { hardware ethernet 02:00:00:00:00:07; }\n", "host ward-a: already exists"),
    "dnsmasq": ("dhcp-host=02:00:00:00:00:07,%s\n" % IP_A, "duplicate dhcp-host IP address %s" % IP_A),
    "kea": ('"hw-address": "02:00:00:00:00:01"', "failed to add new host using the HW address '00:13:d1:80:00:32'"),
}


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_config_the_daemon_rejects_is_not_installed(backend, pair, tmp_path, play):
    site = Site(backend, tmp_path, pair)
    inventory = site.inventory()
    assert play("dhcp_role.yml", inventory=inventory).rc == 0
    installed = site.owned.read_bytes()
    clash, message = REJECTED_BY_DAEMON[backend]
    if backend == "kea":
        site.main.write_text(site.main.read_text().replace(clash, '"hw-address": "%s"' % MAC_A))
        installed = site.main.read_bytes()
    else:
        site.main.write_text(site.main.read_text() + clash)
    run = play("dhcp_role.yml", inventory=site.inventory(url_b="tftp://192.0.2.1/changed"))
    assert run.rc != 0 and run.recap()["failed"] == 1, run.output
    assert message in run.output and "live file left untouched" in run.output, run.output
    assert site.owned.read_bytes() == installed
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


BROKEN_URLS = [
    'https://prov.example.com/x"; option routers 192.0.2.66; "',
    "https://prov.example.com/x\ndhcp-option=3,192.0.2.66",
]


@pytest.mark.parametrize("backend,url", [("isc", BROKEN_URLS[0]), ("kea", BROKEN_URLS[1]), ("dnsmasq", BROKEN_URLS[1])],
                         ids=["isc-quote", "kea-newline", "dnsmasq-newline"])
def test_broken_url_is_refused_before_the_daemon_sees_it(backend, url, pair, tmp_path, play):
    site = Site(backend, tmp_path, pair)
    before = site.main.read_bytes()
    run = play("dhcp_role.yml", inventory=site.inventory(url_b=url))
    assert run.rc != 0, run.output
    # Refused by the role's check before the module runs, naming the server and its variable.
    assert "ward-b: dect_provisioning_url: provisioning URL" in run.output, run.output
    assert "contains a quote, backslash or control character" in run.output, run.output
    assert "validation" not in run.output  # refused before the daemon's own test
    assert site.main.read_bytes() == before
    if backend != "kea":
        assert not site.owned.exists()


def config_dir_state(directory):
    """Everything that shows a file was created (even briefly), changed or removed in ``directory``."""
    st = os.stat(directory)
    return st.st_mtime_ns, sorted((e.name, e.inode(), e.stat(follow_symlinks=False).st_mtime_ns)
                                  for e in os.scandir(directory))


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_password_rotation_in_check_and_diff_mode(backend, pair, tmp_path, play):
    """A password in ward-b's URL changes: check mode validates with the real daemon, touches nothing in the
    config directory, and neither the old nor the new password shows anywhere in the output."""
    site = Site(backend, tmp_path, pair, config_dir=tmp_path / "etc")
    old, new = "ftp://dect:OldPw-51ab@192.0.2.1/dect", "ftp://dect:NewPw-62cd@192.0.2.1/dect"
    first = play("dhcp_role.yml", inventory=site.inventory(url_b=old))
    assert first.rc == 0 and "OldPw-51ab" in site.owned.read_text(), first.output
    installed, before = site.owned.read_bytes(), config_dir_state(site.owned.parent)

    check = play("dhcp_role.yml", inventory=site.inventory(url_b=new), check=True, diff=True, verbosity=2)
    assert check.rc == 0 and check.recap()["changed"] == 1, check.output
    assert "ftp://dect:********@192.0.2.1/dect" in check.output, check.output
    assert '"validation": {' in check.output, check.output  # the daemon's test mode ran
    assert "OldPw" not in check.output and "NewPw" not in check.output, check.output
    assert config_dir_state(site.owned.parent) == before and site.owned.read_bytes() == installed

    real = play("dhcp_role.yml", inventory=site.inventory(url_b=new), diff=True, verbosity=2)
    assert real.rc == 0 and real.recap()["changed"] == 1, real.output
    assert "OldPw" not in real.output and "NewPw" not in real.output, real.output
    assert "NewPw-62cd" in site.owned.read_text() and "OldPw" not in site.owned.read_text()
    if backend == "kea":
        assert site.owned.read_text().count("// the printer") == 1  # still an in-place edit


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_symlink_at_the_config_path_is_refused_through_the_role(backend, pair, tmp_path, play):
    """The file the role would write is a symlink to another user's file: refused, nothing written through it."""
    site = Site(backend, tmp_path, pair, config_dir=tmp_path / "etc")
    victim = tmp_path / "victim" / "shadow"
    victim.parent.mkdir()
    victim.write_bytes(b"VICTIM-BYTES " + site.owned.read_bytes() if backend == "kea" else b"VICTIM-BYTES\n")
    os.chown(str(victim), 65534, 65534)
    victim.chmod(0o600)
    content = victim.read_bytes()
    if site.owned.exists():
        site.owned.unlink()
    site.owned.symlink_to(victim)
    before = config_dir_state(site.owned.parent)
    run = play("dhcp_role.yml", inventory=site.inventory(), diff=True, verbosity=2)
    assert run.rc != 0 and run.recap()["failed"] == 1, run.output
    assert "path: %s: is a symlink; refusing to follow it" % site.owned in run.output, run.output
    assert "VICTIM" not in run.output
    assert victim.read_bytes() == content and config_dir_state(site.owned.parent) == before


def test_absent_restores_the_kea_config_byte_for_byte(pair, tmp_path, play):
    site = Site("kea", tmp_path, pair)
    before = site.main.read_text()
    assert play("dhcp_role.yml", inventory=site.inventory()).rc == 0
    assert site.main.read_text() != before
    run = play("dhcp_role.yml", inventory=site.inventory(extra={"dhcp_state": "absent"}))
    assert run.rc == 0 and run.recap()["changed"] == 1, run.output
    assert site.main.read_text() == before


MODULE_PLAY = """
- name: dhcp_option66 directly
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the include file
      dect.provisioning.dhcp_option66:
        backend: isc
        path: "{{ path }}"
        validate_config: "{{ main | default(omit) }}"
        url: "{{ url }}"
        hosts: [{name: ward-a, mac: "%s", ip: "%s"}]
        backup: true
        mode: "0640"
      register: result
    - name: Show the result
      ansible.builtin.debug:
        var: result
""" % (MAC_A, IP_A)


def test_module_backup_mode_masking_and_main_config_check(tmp_path, play):
    need_binary("dhcpd")
    path = tmp_path / "dect.conf"
    secret_url = "ftp://dect:Secr3tPw@prov.example.com/dect"
    first = play(MODULE_PLAY, extra_vars={"path": str(path), "url": URL})
    assert first.rc == 0 and first.recap()["changed"] == 1, first.output
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    second = play(MODULE_PLAY, extra_vars={"path": str(path), "url": secret_url}, diff=True)
    assert second.rc == 0 and second.recap()["changed"] == 1, second.output
    assert 'option tftp-server-name "%s";' % secret_url in path.read_text()
    assert "Secr3tPw" not in second.output and "ftp://dect:********@prov.example.com/dect" in second.output
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("dect.conf.") and p.name.endswith("~")]
    assert len(backups) == 1 and URL in backups[0].read_text()

    main = tmp_path / "dhcpd.conf"
    main.write_text("authoritative;\n")  # does not include the owned file
    third = play(MODULE_PLAY, extra_vars={"path": str(path), "url": URL, "main": str(main)})
    assert third.rc != 0, third.output
    assert ('validate_config: the file does not include path %s: add `include \\"%s\\";`' % (path, path)
            in third.output), third.output
    assert secret_url in path.read_text()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# Issue 23: no silent default, no file of another owner replaced. These need only the daemons' test
# modes (dhcpd -t, kea-dhcp4 -t, dnsmasq --test), no network namespace.
class _Loopback:
    server_if = "lo"


def daemon_accepts(backend, path):
    """(rc, output) of the real daemon's test mode on ``path``."""
    argv = {"isc": ["dhcpd", "-t", "-cf", str(path)], "kea": ["kea-dhcp4", "-t", str(path)],
            "dnsmasq": ["dnsmasq", "--test", "-C", str(path)]}[backend]
    need_binary(argv[0])
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def foreign_site(tmp_path, owner, backend, force=None, unset_backend=False):
    """The main config of ``owner`` (isc, kea, dnsmasq) given to the role as the ``backend``'s dhcp_path."""
    owned = tmp_path / "dect-option66.conf"
    main = tmp_path / ("%s-main.conf" % owner)
    main.write_text(base_config(owner, tmp_path, _Loopback, owned))
    if owner != "kea":
        owned.write_text("")  # the daemon's include must exist for its test mode
    host_vars = {"ansible_connection": "local", "ansible_python_interpreter": SYSTEM_PYTHON,
                 "dect_dhcp_backend": backend, "dect_dhcp_path": str(main), "dhcp_manage_service": False}
    if unset_backend:
        del host_vars["dect_dhcp_backend"]
    if force is not None:
        host_vars["dect_dhcp_force"] = force
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"vars": {"dect_provisioning_url": URL}, "children": {
        "dect_dhcp_servers": {"hosts": {"localhost": host_vars}},
        "dect_servers": {"hosts": {"ward-a": {"dect_mac": MAC_A, "dect_ip": IP_A}}}}}}))
    return main, inventory


def test_a_dhcp_host_without_a_backend_is_refused_naming_the_variable(tmp_path, play):
    main, inventory = foreign_site(tmp_path, "kea", "kea", unset_backend=True)
    before = main.read_bytes()
    run = play("dhcp_role.yml", inventory=inventory)
    assert run.rc != 0 and run.recap()["failed"] == 1, run.output
    assert ("dect_dhcp_backend: not set for localhost: set it to isc, kea or dnsmasq, the DHCP server software"
            " of this host (nothing is guessed: the isc and dnsmasq backends own dhcp_path whole)") in run.output
    assert main.read_bytes() == before and daemon_accepts("kea", main)[0] == 0


@pytest.mark.parametrize("owner,backend,found", [
    ("kea", "isc", 'a Kea DHCPv4 config ("Dhcp4")'),
    ("kea", "dnsmasq", 'a Kea DHCPv4 config ("Dhcp4")'),
    ("dnsmasq", "isc", "9 lines of another configuration"),
    ("isc", "dnsmasq", "8 lines of another configuration"),
])
def test_an_include_backend_never_replaces_a_file_it_did_not_write(owner, backend, found, tmp_path, play):
    """The issue's case: backend isc pointed at kea-dhcp4.conf replaced the whole JSON with host blocks."""
    main, inventory = foreign_site(tmp_path, owner, backend)
    before = main.read_bytes()
    assert daemon_accepts(owner, main)[0] == 0
    for check in (True, False):
        run = play("dhcp_role.yml", inventory=inventory, check=check, diff=True)
        assert run.rc != 0 and run.recap()["failed"] == 1, run.output
        assert ("path: %s exists without the header this module writes ('# Managed by"
                " dect.provisioning.dhcp_option66: ...'); found %s. The %s backend owns its file whole and would"
                " replace it: nothing written. Point path at a file of its own (one the daemon's config includes),"
                " or set force: true to replace it" % (main, found, backend)) in run.output, run.output
        assert main.read_bytes() == before
    assert daemon_accepts(owner, main)[0] == 0


def test_force_replaces_a_foreign_include_file_and_the_daemon_accepts_it(tmp_path, play):
    main, inventory = foreign_site(tmp_path, "kea", "isc", force=True)
    run = play("dhcp_role.yml", inventory=inventory, extra_vars={"dhcp_validate": False})
    assert run.rc == 0 and run.recap()["changed"] == 1, run.output
    text = main.read_text()
    assert text.startswith("# Managed by dect.provisioning.dhcp_option66: changes made here are overwritten.\n")
    assert ('host ward-a {\n  hardware ethernet %s;\n  fixed-address %s;\n  option tftp-server-name "%s";\n}'
            % (MAC_A, IP_A, URL)) in text
    isc_main = tmp_path / "dhcpd.conf"
    isc_main.write_text(base_config("isc", tmp_path, _Loopback, main))
    assert daemon_accepts("isc", isc_main) == (0, daemon_accepts("isc", isc_main)[1])
    # the file is the module's now: without force the role keeps managing it
    (tmp_path / "again").mkdir()
    unforced = foreign_site(tmp_path / "again", "kea", "isc")[1]
    inventory_data = json.loads(unforced.read_text())
    inventory_data["all"]["children"]["dect_dhcp_servers"]["hosts"]["localhost"]["dect_dhcp_path"] = str(main)
    unforced.write_text(json.dumps(inventory_data))
    owned = play("dhcp_role.yml", inventory=unforced, extra_vars={"dhcp_validate": False})
    assert owned.rc == 0 and owned.recap()["changed"] == 0, owned.output


def test_kea_refuses_a_file_that_is_not_a_kea_config_even_with_force(tmp_path, play):
    main, inventory = foreign_site(tmp_path, "isc", "kea", force=True)
    before = main.read_bytes()
    assert daemon_accepts("isc", main)[0] == 0
    run = play("dhcp_role.yml", inventory=inventory)
    assert run.rc != 0 and run.recap()["failed"] == 1, run.output
    assert ("path: %s: not a Kea JSON config: unexpected character 'a' at line 2; nothing written (the kea backend"
            " edits the daemon's config in place, it never replaces a file, force or not)" % main) in run.output
    assert main.read_bytes() == before

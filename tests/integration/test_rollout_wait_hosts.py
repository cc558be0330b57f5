"""The rollout wait with two provisioning hosts, each serving its own root with the provisioning_server
role's real nginx: one DECT server fetches its config from the first, the other from the second (a plain
HTTP client acting as each device). The wait task runs on both hosts at once; each host's action plugin
reads only its own host's log, so the wait converges only through the readings the two share on the
controller, and both hosts end with the same table. A server that never fetches is missing on both once
the one shared deadline has passed."""

from __future__ import annotations

import glob
import grp
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from devtools.ansible_runner import PLAYBOOK_PYTHON, playbook_command
from devtools.procs import need_binary, need_root
from devtools.provisioning_site import fetch_http, served_site

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
SERVE = PLAYBOOKS / "provisioning_server_serve.yml"
WAIT = PLAYBOOKS / "rollout_wait_hosts.yml"
MAC_A, MAC_B, MAC_C = "0013d1800032", "0013d1800033", "0013d1800034"
HOSTS = ("prov-a", "prov-b")


def _publish(root, name, data):
    """As the publication does: 0640, group dect-provisioning, an mtime before any fetch."""
    path = root / name
    path.write_bytes(data)
    os.chown(path, 0, grp.getgrnam("dect-provisioning").gr_gid)
    path.chmod(0o640)
    past = time.time() - 60
    os.utime(path, (past, past))


@pytest.fixture(scope="module")
def sites():
    need_root()
    need_binary("nginx")
    with served_site(SERVE, ["http"]) as first, served_site(SERVE, ["http"]) as second:
        _publish(first.root, "%s-config.xml" % MAC_A, b"<config a/>\n")
        _publish(second.root, "%s-config.xml" % MAC_B, b"<config b/>\n")
        yield dict(zip(HOSTS, (first, second)))


def inventory(sites, workdir):
    hosts = {}
    for name, site in sites.items():
        hosts[name] = dict(ansible_connection="local", ansible_python_interpreter=PLAYBOOK_PYTHON,
                           dect_provisioning_root=str(site.root), dect_provisioning_protocols=["http"],
                           provisioning_server_config_dir=str(site.conf),
                           provisioning_server_http_port=site.port("http"))
    path = workdir / "inventory.json"
    path.write_text(json.dumps({"all": {"children": {"dect_provisioning_servers": {"hosts": hosts}}}}))
    return path


def start_wait(sites, workdir, expect, timeout):
    out = workdir / "out"
    out.mkdir()
    argv, env = playbook_command(WAIT, workdir, inventory(sites, workdir),
                                 extra_vars=dict(tw_expect=expect, tw_timeout=timeout, tw_out=str(out)))
    proc = subprocess.Popen(argv, cwd=str(workdir), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, out


def wait_for_readings(workdir, proc, count, timeout=120):
    """The room of the wait task once ``count`` hosts have written a reading (both are waiting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        rooms = glob.glob(str(workdir / ".ansible-local" / "*" / "dect-publication" / "wait-*"))
        if rooms and len(glob.glob(os.path.join(rooms[0], "host-*.json"))) >= count:
            return Path(rooms[0])
        time.sleep(0.1)
    raise AssertionError("the wait did not start: %s" % (proc.communicate(timeout=60)[0] if proc.poll() is not None else "still running"))


def results(out):
    return {name: json.loads((out / ("%s.json" % name)).read_text()) for name in HOSTS}


def test_one_server_fetches_from_each_host_and_the_wait_converges_on_both(sites, tmp_path):
    expect = [{"name": "ward-a", "mac": MAC_A, "files": ["%s-config.xml" % MAC_A], "client": "127.0.0.1"},
              {"name": "ward-b", "mac": MAC_B, "files": ["%s-config.xml" % MAC_B], "client": "127.0.0.1"}]
    proc, out = start_wait(sites, tmp_path, expect, 120)
    try:
        room = wait_for_readings(tmp_path, proc, 2)
        assert room.stat().st_mode & 0o777 == 0o700 and room.parent.stat().st_mode & 0o777 == 0o700
        assert all(os.stat(path).st_mode & 0o777 == 0o600 for path in room.glob("host-*.json"))
        started = time.monotonic()
        assert fetch_http(sites["prov-a"].url("http", "%s-config.xml" % MAC_A)) == b"<config a/>\n"
        time.sleep(3)  # prov-a has read its fetch by now, and waits for ward-b
        assert proc.poll() is None
        assert fetch_http(sites["prov-b"].url("http", "%s-config.xml" % MAC_B)) == b"<config b/>\n"
        output = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert time.monotonic() - started < 60, output  # converged, long before the timeout
    got = results(out)
    a, b = got["prov-a"], got["prov-b"]
    assert a["missing"] == b["missing"] == [] and a["table"] == b["table"] and a["rows"] == b["rows"], output
    # Each host's own reading holds its own fetch only: the other came from the other host's log.
    assert a["servers"][MAC_B]["files"] == {} and list(a["servers"][MAC_A]["files"]) == ["%s-config.xml" % MAC_A]
    assert b["servers"][MAC_A]["files"] == {} and list(b["servers"][MAC_B]["files"]) == ["%s-config.xml" % MAC_B]
    lines = a["table"].splitlines()
    assert lines[1].split()[:7] == ["ward-a", MAC_A, "%s-config.xml" % MAC_A, lines[1].split()[3], "http", "127.0.0.1",
                                    "GET"] and lines[1].endswith("GET 200"), a["table"]
    assert lines[2].split()[:3] == ["ward-b", MAC_B, "%s-config.xml" % MAC_B] and lines[2].endswith("GET 200")
    # The run's spool, the wait's room in it, went with the run.
    assert not glob.glob(str(tmp_path / ".ansible-local" / "*" / "dect-publication")), output


def test_a_server_that_never_fetches_is_missing_on_both_hosts_at_the_shared_deadline(sites, tmp_path):
    expect = [{"name": "ward-a", "mac": MAC_A, "files": ["%s-config.xml" % MAC_A]},
              {"name": "ward-c", "mac": MAC_C, "files": ["%s-config.xml" % MAC_C]}]
    assert fetch_http(sites["prov-a"].url("http", "%s-config.xml" % MAC_A)) == b"<config a/>\n"
    started = time.monotonic()
    proc, out = start_wait(sites, tmp_path, expect, 4)
    output = proc.communicate(timeout=180)[0]
    assert proc.returncode == 0, output
    assert time.monotonic() - started >= 4
    got = results(out)
    assert got["prov-a"]["missing"] == got["prov-b"]["missing"] == ["ward-c"], output
    assert got["prov-a"]["table"] == got["prov-b"]["table"]
    table = got["prov-a"]["table"]
    assert re.search(r"^ward-c\s+%s\s+%s-config\.xml\s+MISSING - never fetched$" % (MAC_C, MAC_C), table, re.M), table
    assert re.search(r"^ward-a\s+%s\s+%s-config\.xml\s+\S+Z http 127\.0\.0\.1 GET 200$" % (MAC_A, MAC_A), table, re.M), table

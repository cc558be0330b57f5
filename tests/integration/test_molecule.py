"""The molecule scenario (molecule/default) run for real: the example site rolled out on this machine.

``molecule test`` brings up the site lab (nginx rendered by the provisioning_server role, three DECT
server emulators running firmware DEMO-KWS 1), converges with playbooks/site.yml (DEMO-KWS 2 staged,
check-sync sent), runs molecule's idempotence step and verifies with the emulators' records. The lab
is kept (``--destroy never``) so that the same run also shows that verify fails after a second
check-sync and that ``molecule destroy`` stops every daemon and removes the lab.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from devtools.ansible_runner import BIN, run_playbook
from devtools.collection import REPO
from devtools.procs import need_binary, need_root, world_traversable_dir
from devtools.site_lab import SiteLab

pytestmark = pytest.mark.daemons

SERVERS = ("dect-001", "dect-002", "dect-003")
MOLECULE_TIMEOUT = 600  # `molecule test` takes about a minute here, three on a loaded 2-core machine


def _molecule(env, *args, timeout=MOLECULE_TIMEOUT):
    """Run the venv's molecule from the repository root, as CI does: no terminal, no stdin.

    Its log (stderr) and the playbooks' output (stdout) share one pipe, so that each step's output
    sits between its "Executing" and "Executed" lines.
    """
    # Its own process group: on timeout, ansible-playbook and site_lab go too, not molecule alone.
    with subprocess.Popen([str(BIN / "molecule"), *args], cwd=str(REPO), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as proc:
        try:
            output = proc.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate(timeout=30)[0]
            pytest.fail("molecule %s did not finish in %d s:\n%s" % (" ".join(args), timeout, output[-4000:]))
    return subprocess.CompletedProcess(proc.args, proc.returncode, output)


def _output(proc):
    return proc.stdout


def _step(output, step):
    """The part of molecule's output that one step of the sequence printed (the first run of it)."""
    start = re.search(r"^.*default\W+%s\W+Executing\s*$" % step, output, re.M)
    assert start, "no %s step in:\n%s" % (step, output[-3000:])
    end = re.compile(r"^.*default\W+%s\W+Executed:.*$" % step, re.M).search(output, start.end())
    assert end, "the %s step did not finish:\n%s" % (step, output[start.start():][-3000:])
    return output[start.end():end.end()]


def _recaps(text):
    """Host -> changed count of every PLAY RECAP line in ``text``."""
    return {host: int(changed) for host, changed in re.findall(r"^\s*(\S+)\s+: ok=\d+\s+changed=(\d+)", text, re.M)}


def _alive(pid):
    """Whether process ``pid`` runs (a zombie waiting for its reaper does not count)."""
    try:
        stat = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _accepts(port):
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def scenario():
    """``molecule test --destroy never`` in a lab directory of its own; everything stopped afterwards."""
    need_root()
    for name in ("nginx", "dnsmasq"):
        need_binary(name)
    # nginx's workers (www-data) must traverse the lab directory: pytest's tmp (0700) will not do.
    with world_traversable_dir("dect-molecule-") as base:
        lab = base / "lab"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("MOLECULE_", "ANSIBLE_"))}
        env.update({
            "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "")),
            "CI": "true",
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",  # keeps the log and the playbooks' output in order in the shared pipe
            "DECT_MOLECULE_LAB": str(lab),
            # molecule's own state (created/converged) kept apart from any run by hand
            "MOLECULE_EPHEMERAL_DIRECTORY": str(base / "molecule"),
        })
        try:
            yield dict(env=env, lab=lab, base=base, run=_molecule(env, "test", "--destroy", "never"))
        finally:
            if (lab / "lab.json").exists():
                SiteLab(lab).down()


def test_molecule_test_converges_idempotently_and_verifies(scenario):
    run = scenario["run"]
    output = _output(run)
    assert run.returncode == 0, output[-6000:]
    for step in ("dependency", "syntax", "create", "prepare", "converge", "idempotence", "verify"):
        assert re.search(r"default\W+%s\W+Executed: Successful" % step, output), "%s did not succeed" % step
    assert "Idempotence test failed" not in output

    # converge: DEMO-KWS 2 staged once per provisioning host, every DECT server told to check
    converge = _step(output, "converge")
    assert re.search(r"changed: \[prov-local\] => \(item=kws: kws\.bin DEMO-KWS 2\)", converge)
    # check-sync runs in the DECT servers' play, once per batch, delegated to localhost: reported under a
    # server of the batch; localhost (converge.yml's inventory check) changes nothing
    notified = re.findall(r"TASK \[Send SIP NOTIFY check-sync[^\n]*\n(?:[^\n]*\n)??changed: \[(\S+) -> localhost\]",
                          converge)
    assert notified and set(notified) <= set(SERVERS), converge[-4000:]
    assert _recaps(converge)["localhost"] == 0

    # idempotence: the second site.yml run changes nothing on any host and sends no NOTIFY
    idempotence = _step(output, "idempotence")
    recaps = _recaps(idempotence)
    assert set(recaps) == {"prov-local", "dhcp-local", "localhost", *SERVERS}
    assert set(recaps.values()) == {0}
    skipped = re.findall(r"TASK \[Send SIP NOTIFY check-sync[^\n]*\n(?:[^\n]*\n)??"
                         r"skipping: \[(\S+?)(?: -> localhost)?\]", idempotence)
    assert skipped and set(skipped) <= set(SERVERS), idempotence[-4000:]

    # verify: each server runs DEMO-KWS 2 after exactly one check-sync, having fetched its own files
    verify = _step(output, "verify")
    for index, name in enumerate(SERVERS, start=1):
        mac = "0013d18000%02x" % index
        row = (r'"%s\s+\d+\s+%s\s+\S+ :\d+\s+1\s+DEMO-KWS 2\s+%s-config\.xml, %s-users\.xml, kws\.bin, kws\.bin\.ver"'
               % (name, mac, mac, mac))
        assert re.search(row, verify), verify


def test_verify_fails_after_another_check_sync_and_destroy_stops_everything(scenario):
    assert scenario["run"].returncode == 0, "molecule test failed: see the test above"
    env, lab = scenario["env"], scenario["lab"]

    # One more NOTIFY to every server, as a non-idempotent converge would send: verify must notice.
    extra = run_playbook(REPO / "playbooks" / "check_sync.yml", scenario["base"] / "extra-notify",
                         inventory=lab / "inventory.yml")
    assert extra.rc == 0, extra.output[-3000:]
    verify = _molecule(env, "verify")
    assert verify.returncode != 0
    assert "NOT as expected: %s" % ", ".join(SERVERS) in _output(verify), _output(verify)[-4000:]

    state = json.loads((lab / "lab.json").read_text())
    pids = list(state["pids"].values())
    assert len(pids) == len(SERVERS) + 1 and all(_alive(pid) for pid in pids)
    assert _accepts(state["http_port"])

    destroy = _molecule(env, "destroy")
    assert destroy.returncode == 0, _output(destroy)[-4000:]
    assert not lab.exists()
    assert [pid for pid in pids if _alive(pid)] == []
    assert not _accepts(state["http_port"])

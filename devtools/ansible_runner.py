"""Run ansible-playbook against this checkout of the collection, as a user would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

from devtools.collection import REPO, collections_root

BIN = Path(sys.executable).parent
PLAYBOOK_PYTHON = sys.executable
# Debian's interpreter has no lxml: the "target without lxml" of the integration tests.
SYSTEM_PYTHON = "/usr/bin/python3"
# ansible-playbook's default output: a task or handler heading, and one result line per host (or loop item).
TASK_LINE = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$")
RESULT_LINE = re.compile(r"^(ok|changed|skipping|failed|fatal): \[([^\]\s]+)")
STATUS_RANK = {"skipping": 0, "ok": 1, "changed": 2, "failed": 3, "fatal": 3}


class PlaybookRun:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def recap(self, host="localhost"):
        """The PLAY RECAP counters of ``host`` as a dict (ok, changed, failed, ...)."""
        match = re.search(r"^%s\s*:\s*(.*)$" % re.escape(host), self.stdout, re.M)
        if not match:
            raise AssertionError("no recap for %s in:\n%s" % (host, self.output))
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def run_playbook(playbook, workdir, inventory=None, extra_vars=None, args=(), env=None, check=False, diff=False,
                 verbosity=0, timeout=900):
    """Run ``playbook`` with the collection from this checkout; return a PlaybookRun."""
    argv, full_env = playbook_command(playbook, workdir, inventory, extra_vars, args, env, check, diff, verbosity)
    proc = subprocess.run(argv, cwd=str(workdir), env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    return PlaybookRun(proc)


def playbook_command(playbook, workdir, inventory=None, extra_vars=None, args=(), env=None, check=False, diff=False,
                     verbosity=0):
    """``(argv, environment)`` of the ansible-playbook run that :func:`run_playbook` makes (to start
    it in the background, e.g. to kill it half-way)."""
    workdir = Path(workdir)
    colls = collections_root(workdir / "collections")
    if inventory is None:
        inventory = workdir / "inventory.ini"
        if not inventory.exists():
            inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PLAYBOOK_PYTHON)
    argv = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook)]
    for key, value in (extra_vars or {}).items():
        argv += ["-e", json.dumps({key: value})]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    if verbosity:
        argv.append("-" + "v" * verbosity)
    argv += list(args)
    full_env = dict(os.environ)
    full_env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(colls),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_LOCAL_TEMP": str(workdir / ".ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(workdir / ".ansible-remote"),
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "PATH": "%s:%s" % (BIN, os.environ.get("PATH", "")),
    })
    full_env.update(env or {})
    return argv, full_env


def task_results(output):
    """{host: OrderedDict(task name: status)} from ansible-playbook's default output (loop items merged:
    a task's status on a host is the highest of its lines, skipping < ok < changed < failed/fatal). Task
    names are as the headings show them, a role's prefixed ("dect.provisioning.dect_server : ...")."""
    results, task = {}, None
    for line in output.splitlines():
        heading = TASK_LINE.match(line)
        if heading:
            task = heading.group(1)
            continue
        result = RESULT_LINE.match(line)
        if result and task:
            status, host = result.groups()
            tasks = results.setdefault(host, OrderedDict())
            if STATUS_RANK[status] >= STATUS_RANK.get(tasks.get(task), -1):
                tasks[task] = status
    return results

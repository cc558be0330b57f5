"""Shared fixtures of the integration tests: a scratch dir and a playbook runner."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devtools.ansible_runner import SYSTEM_PYTHON, run_playbook

HERE = Path(__file__).resolve().parent


@pytest.fixture
def play(tmp_path):
    """``play(playbook_name_or_text, **kw)`` runs a playbook from tests/integration/playbooks
    (or the YAML text given) in a scratch dir and returns the PlaybookRun."""

    def _run(playbook, **kwargs):
        path = HERE / "playbooks" / playbook
        if "\n" in playbook:
            path = tmp_path / "playbook.yml"
            path.write_text(playbook)
        return run_playbook(path, tmp_path, **kwargs)

    return _run


@pytest.fixture
def no_lxml_inventory(tmp_path):
    """An inventory whose localhost runs modules with Debian's python3, which has no lxml:
    the proof that provisioning and DHCP hosts need nothing but Python 3."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import lxml"], capture_output=True, text=True, check=False)
    assert "No module named" in probe.stderr, "%s must lack lxml for this test to mean anything" % SYSTEM_PYTHON
    inventory = tmp_path / "system-python.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % SYSTEM_PYTHON)
    return inventory

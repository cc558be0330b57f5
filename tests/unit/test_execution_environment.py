"""The execution environment definition builds a context, and its dependency files stay in sync."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["requirements.txt", "bindep.txt"])
def test_meta_copies_match_the_root_files(name):
    assert (REPO / "meta" / name).read_text() == (REPO / name).read_text()


def test_ansible_builder_create_succeeds(tmp_path):
    builder = shutil.which("ansible-builder") or str(Path(sys.executable).parent / "ansible-builder")
    result = subprocess.run([builder, "create", "-f", str(REPO / "meta" / "execution-environment.yml"),
                             "-c", str(tmp_path / "context")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    build = tmp_path / "context" / "_build"
    assert "lxml" in (build / "requirements.txt").read_text()
    assert "libxml2-utils" in (build / "bindep.txt").read_text()
    containerfile = next((tmp_path / "context").glob("*file"))  # Containerfile or Dockerfile
    assert "ansible-core>=2.16" in containerfile.read_text()

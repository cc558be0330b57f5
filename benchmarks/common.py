"""Helpers shared by the benchmarks: timing and running playbooks against this checkout."""

from __future__ import annotations

import time
from pathlib import Path

from devtools.ansible_runner import run_playbook


def timed(func, *args, **kwargs):
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - started, result


def timed_playbook(text, workdir, name, **kwargs):
    """Write ``text`` as a playbook in ``workdir`` and time one ansible-playbook run of it."""
    workdir = Path(workdir)
    path = workdir / ("%s.yml" % name)
    path.write_text(text)
    seconds, run = timed(run_playbook, path, workdir, **kwargs)
    if run.rc != 0:
        raise RuntimeError("benchmark playbook %s failed:\n%s" % (name, run.output[-3000:]))
    return seconds, run


def row(name, seconds, baseline, baseline_seconds, notes=""):
    ratio = seconds / baseline_seconds if baseline_seconds else None
    return dict(name=name, seconds=seconds, baseline=baseline, baseline_seconds=baseline_seconds,
                ratio=ratio, notes=notes)

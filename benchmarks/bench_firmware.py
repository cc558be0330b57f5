"""Staging a 200 MB firmware image: dect.provisioning.firmware against ansible.builtin.copy.

Both run as a one-task ansible-playbook on localhost (local connection), so the times include the
same ansible-playbook start-up, reported on its own row. The firmware module additionally hashes
the image with sha256 on both sides and writes the .ver file; copy hashes with sha1 and writes one
file. The no-op re-run is what a site pays on every rollout once its firmware is in place.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from devtools.ansible_runner import run_playbook

SIZE_MB = 200
NOOP_REPEATS = 3

FIRMWARE_PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - dect.provisioning.firmware:
        src: {src}
        dest: {dest}
        name: kws.bin
        version: PCS24B 71234
        mode: "0644"
"""

COPY_PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        src: {src}
        dest: {dest}/kws.bin
        mode: "0644"
"""

EMPTY_PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: start-up only
"""


def _image(path):
    chunk = os.urandom(1024 * 1024)
    with open(path, "wb") as handle:
        for index in range(SIZE_MB):
            # Vary every MiB so no layer can deduplicate or compress the file away.
            handle.write(index.to_bytes(4, "big") + chunk[4:])
    return path


def _timed(workdir, name, text, expect_changed):
    playbook = workdir / (name + ".yml")
    playbook.write_text(text)
    started = time.monotonic()
    run = run_playbook(playbook, workdir)
    seconds = time.monotonic() - started
    if run.rc != 0 or run.recap()["changed"] != expect_changed:
        raise RuntimeError("%s: unexpected result\n%s" % (name, run.output))
    return seconds


def _median_noop(workdir, name, text):
    return statistics.median([_timed(workdir, name, text, 0) for _repeat in range(NOOP_REPEATS)])


def run(workdir):
    workdir = Path(workdir)
    src = _image(workdir / "kws6500.bin")
    ours_root, copy_root = workdir / "root-firmware", workdir / "root-copy"
    ours_root.mkdir()
    copy_root.mkdir()
    ours = FIRMWARE_PLAY.format(src=src, dest=ours_root)
    plain = COPY_PLAY.format(src=src, dest=copy_root)

    startup = _median_noop(workdir, "empty", EMPTY_PLAY)
    ours_first = _timed(workdir, "firmware", ours, 1)
    plain_first = _timed(workdir, "copy", plain, 1)
    ours_noop = _median_noop(workdir, "firmware", ours)
    plain_noop = _median_noop(workdir, "copy", plain)
    same = (ours_root / "kws.bin").read_bytes() == src.read_bytes() == (copy_root / "kws.bin").read_bytes()
    if not same:
        raise RuntimeError("staged bytes differ from the source")

    def row(name, seconds, baseline, baseline_seconds, notes):
        return dict(name=name, seconds=seconds, baseline=baseline, baseline_seconds=baseline_seconds,
                    ratio=seconds / baseline_seconds if baseline_seconds else None, notes=notes)

    return [
        row("firmware %d MB: first stage" % SIZE_MB, ours_first, "ansible.builtin.copy, first copy", plain_first,
            "sha256 both sides + .ver; wall time of ansible-playbook"),
        row("firmware %d MB: no-op re-run" % SIZE_MB, ours_noop, "ansible.builtin.copy, no-op re-run", plain_noop,
            "median of %d; nothing transferred, changed=0" % NOOP_REPEATS),
        row("ansible-playbook start-up (empty play)", startup, "", None,
            "included in every row above; median of %d" % NOOP_REPEATS),
    ]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_firmware-") as tmp:
        for result in run(Path(tmp)):
            print(result)

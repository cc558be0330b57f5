# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run galaxy-importer on a built collection tarball and fail on anything it reports.

``make galaxy-import`` runs it with the docs venv's Python (``python -m tools.galaxy_import TARBALL``,
``GALAXY_IMPORTER_CONFIG=tools/galaxy-importer.cfg``). The importer's own exit status is not
enough: it logs some failures, ansible-lint's timeout for one, as ``ERROR:`` lines and still ends
with "Importer processing completed successfully", and it reports ansible-lint's findings and its
own remarks as ``WARNING:`` lines without failing. Here an ``ERROR:``/``CRITICAL:`` line fails the
run, and so does every ``WARNING:`` line not listed in ``KNOWN_WARNINGS``, each with why it stays
(docs/development.md, "Publishing", lists them too). Standard library only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

# (regular expression matched against the warning's text, why it stays). Empty: the importer
# currently warns about nothing.
KNOWN_WARNINGS: list[tuple[str, str]] = []

DONE = "Importer processing completed successfully"
LINT_TIMEOUT = "ERROR: Timeout on call to ansible-lint"
# The importer's own bound on ansible-lint is 180 s; this bounds the whole import.
TIMEOUT = 900


def problems(output):
    """The lines of the importer's output that fail the run."""
    found = []
    lines = output.splitlines()
    for line in lines:
        level, text = line.split(": ", 1) if ": " in line else (line, "")
        if level in ("ERROR", "CRITICAL"):
            found.append(line)
        elif level == "WARNING" and not any(re.search(known[0], text) for known in KNOWN_WARNINGS):
            found.append(line)
    if DONE not in lines:
        found.append("the importer did not report %r" % DONE)
    return found


def main(argv):
    """Import argv[1]; on failure print the importer's output and what failed it, with exit status 1."""
    if len(argv) != 2 or not os.path.isfile(argv[1]):
        sys.stderr.write("usage: python -m tools.galaxy_import COLLECTION_TARBALL\n")
        return 2
    for attempt in (1, 2):
        with tempfile.TemporaryDirectory(prefix="galaxy-import-") as workdir:
            proc = subprocess.run([sys.executable, "-m", "galaxy_importer.main", os.path.abspath(argv[1])], cwd=workdir,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT,
                                  check=False)
        found = problems(proc.stdout)
        # The importer gives ansible-lint 180 s, which a loaded machine can exceed (docs/development.md):
        # once more then, and a second timeout fails.
        if attempt == 1 and found == [LINT_TIMEOUT]:
            sys.stdout.write("galaxy-importer: ansible-lint timed out (a loaded machine?); importing once more\n")
            continue
        break
    if proc.returncode:
        found.append("the importer exited with status %d" % proc.returncode)
    if found:
        sys.stdout.write(proc.stdout)
        sys.stderr.write("galaxy-importer: the import of %s fails:\n  %s\n" % (argv[1], "\n  ".join(found)))
        return 1
    sys.stdout.write("galaxy-importer: %s imports cleanly (no error, no unlisted warning)\n" % argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

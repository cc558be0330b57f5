# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prove that ``antsibull-changelog release`` would cut galaxy.yml's version cleanly, in a copy.

``make release-check`` (``python -m tools.release_check``) copies the checkout's files (tracked and
untracked, not ignored) to a temporary directory, runs ``antsibull-changelog release --version
<galaxy.yml version>`` there and fails unless:

- the release ran without an error or a warning (the DSA deprecation that ansible-core's import of
  ``cryptography`` prints is not the changelog's and is left out);
- ``changelogs/changelog.yaml`` holds exactly that release, with a release summary, and every
  fragment went into it (none is left over);
- the release lists as new every module, lookup, filter and role of the collection, which holds
  only when all of them say ``version_added: <version>`` (a plugin saying 1.1.0 would be missing);
- the result passes ``antsibull-changelog lint-changelog-yaml`` and CHANGELOG.rst has the release.

The checkout itself is never changed. The release is cut for real by running the same command in
the checkout (docs/development.md, "Publishing").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from devtools.collection import REPO, importable

NOISE = re.compile(r"CryptographyDeprecationWarning|^\s*from cryptography\.hazmat\.primitives\.asymmetric\.dsa import")
TIMEOUT = 600


def _run(args, cwd):
    env = dict(os.environ, PATH="%s:%s" % (Path(sys.executable).parent, os.environ.get("PATH", "")),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    return subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT, check=False)


def _copy(dest):
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           stdout=subprocess.PIPE, check=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def expected_objects():
    """{kind: names} the first release must list as new."""
    importable()
    plugins = REPO / "plugins"
    filters = []
    for path in sorted((plugins / "filter").glob("*.py")):
        module = __import__("ansible_collections.dect.provisioning.plugins.filter.%s" % path.stem, fromlist=["FilterModule"])
        filters += list(module.FilterModule().filters())
    return {
        "module": sorted(p.stem for p in (plugins / "modules").glob("*.py") if p.stem != "__init__"),
        "lookup": sorted(p.stem for p in (plugins / "lookup").glob("*.py") if p.stem != "__init__"),
        "filter": sorted(filters),
        "role": sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file()),
    }


def check(workdir, version):
    """The problems of a release cut in workdir (an empty list when it is clean)."""
    problems = []
    release = _run(["antsibull-changelog", "release", "--version", version], workdir)
    output = [line for line in release.stdout.splitlines() if line.strip() and not NOISE.search(line)]
    if release.returncode or output:
        problems.append("antsibull-changelog release --version %s (exit status %d):\n    %s"
                        % (version, release.returncode, "\n    ".join(output)))
        if release.returncode:
            return problems
    changelog = yaml.safe_load((workdir / "changelogs" / "changelog.yaml").read_text())
    releases = changelog.get("releases") or {}
    if list(releases) != [version]:
        return problems + ["changelog.yaml releases: %s, expected only %s" % (sorted(releases), version)]
    entry = releases[version]
    if not (entry.get("changes") or {}).get("release_summary"):
        problems.append("release %s has no release_summary (a fragment with release_summary)" % version)
    left = [p.name for p in (workdir / "changelogs" / "fragments").glob("*") if p.name != ".keep"]
    if left:
        problems.append("fragments not taken into the release: %s" % ", ".join(sorted(left)))
    listed = {
        "module": [m["name"] for m in entry.get("modules", [])],
        "lookup": [p["name"] for p in entry.get("plugins", {}).get("lookup", [])],
        "filter": [p["name"] for p in entry.get("plugins", {}).get("filter", [])],
        "role": [o["name"] for o in entry.get("objects", {}).get("role", [])],
    }
    for kind, names in expected_objects().items():
        missing = sorted(set(names) - set(listed[kind]))
        if missing:
            problems.append("not listed as new %ss of %s (their version_added is not %s?): %s"
                            % (kind, version, version, ", ".join(missing)))
    lint = _run(["antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml"], workdir)
    lint_output = [line for line in lint.stdout.splitlines() if line.strip() and not NOISE.search(line)]
    if lint.returncode or lint_output:
        problems.append("lint-changelog-yaml on the result:\n    %s" % "\n    ".join(lint_output))
    rst = workdir / "CHANGELOG.rst"
    if not rst.is_file() or "\nv%s\n" % version not in rst.read_text():
        problems.append("CHANGELOG.rst does not have the release v%s" % version)
    return problems


def main():
    """Cut the release in a temporary copy; exit status 1 with the problems when it is not clean."""
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        workdir = Path(tmp)
        _copy(workdir)
        problems = check(workdir, str(version))
    if problems:
        sys.stderr.write("release check of %s failed:\n- %s\n" % (version, "\n- ".join(problems)))
        return 1
    print("release check: antsibull-changelog release --version %s is clean (in a temporary copy)" % version)
    return 0


if __name__ == "__main__":
    sys.exit(main())

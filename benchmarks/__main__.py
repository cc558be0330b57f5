"""Run every benchmarks/bench_*.py and print one table; results also go to benchmarks/results/.

Each bench module exposes ``run(workdir) -> list of rows`` with keys name, seconds, baseline,
baseline_seconds, ratio (ours / baseline, lower is better) and notes. ``python -m benchmarks users``
runs only the modules whose name contains ``users``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

from devtools.collection import REPO

HERE = Path(__file__).resolve().parent


def _modules(selected):
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def _fmt(value, pattern):
    return "-" if value is None else pattern % value


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.partition("\n\n")[0])
    parser.add_argument("select", nargs="*", metavar="NAME",
                        help="run only the bench modules whose name contains NAME (default: all of %s)"
                        % ", ".join(_modules(())))
    args = parser.parse_args(argv)
    rows = []
    for name in _modules(args.select):
        module = importlib.import_module("benchmarks.%s" % name)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=name + "-") as workdir:
            for row in module.run(Path(workdir)):
                rows.append(dict(row, module=name))
        print("%s finished in %.1fs" % (name, time.monotonic() - started), file=sys.stderr)
    header = "%-44s %10s %10s %8s  %s" % ("benchmark", "ours [s]", "plain [s]", "ratio", "plain alternative / notes")
    print(header)
    print("-" * len(header))
    for row in rows:
        print("%-44s %10s %10s %8s  %s%s" % (
            row["name"][:44], _fmt(row["seconds"], "%.3f"), _fmt(row.get("baseline_seconds"), "%.3f"),
            _fmt(row.get("ratio"), "%.2f"), row.get("baseline") or "", (" | " + row["notes"]) if row.get("notes") else ""))
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

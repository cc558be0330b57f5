"""Benchmarks of dect.provisioning: ``python -m benchmarks`` (from the repository root) runs every ``bench_*.py``.

Importing the package makes the collection importable (``devtools.collection``, the one helper), so
a single bench module imports on its own too: ``python -c 'import benchmarks.bench_site'``.
"""

from devtools.collection import importable

importable()

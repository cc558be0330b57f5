"""pytest's root conftest: the collection from this checkout is importable in every test
(``devtools.collection``, the one helper that does it; pytest puts this directory on ``sys.path``)."""

from __future__ import annotations

from devtools.collection import importable

importable()

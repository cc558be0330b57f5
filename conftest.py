"""Make ``ansible_collections.dect.provisioning`` importable from this checkout for pytest."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent
_ROOT = REPO / ".build" / "collections"
_LINK = _ROOT / "ansible_collections" / "dect" / "provisioning"
if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(REPO)
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

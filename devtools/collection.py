"""The one place that makes this checkout the collection ``dect.provisioning``, for Python and Ansible.

Python (pytest's root ``conftest.py``, the benchmarks, ``tools/``) calls ``importable()``: then
``import ansible_collections.dect.provisioning...`` and ``import devtools...`` work. An
``ansible-playbook`` run gets ``collections_root(workdir / "collections")`` as its
``ANSIBLE_COLLECTIONS_PATH`` (``devtools.ansible_runner``); molecule's dependency step runs
``python3 -m devtools.collection``, which prints the root it made (``.build/collections``).

Standard library only, Python 3.8 syntax: molecule may call it with any ``python3``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO / ".build" / "collections"


def collections_root(base=None):
    """A directory holding ``ansible_collections/dect/provisioning`` that is this checkout.

    A checkout already laid out that way (the sanity copy under ``.build``) is its own root when no
    ``base`` is given. Otherwise ``base`` (default ``.build/collections``) gets a symlink to the
    checkout; a dangling one, left by a moved checkout, is replaced.
    """
    if base is None and REPO.parent.name == "dect" and REPO.parents[1].name == "ansible_collections":
        return REPO.parents[2]
    root = Path(base) if base is not None else DEFAULT_ROOT
    link = root / "ansible_collections" / "dect" / "provisioning"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        try:
            link.symlink_to(REPO)
        except FileExistsError:  # another process made it meanwhile
            pass
    return root


def importable():
    """Put the checkout and its collections root on ``sys.path``; return the root."""
    root = collections_root()
    for path in (str(root), str(REPO)):
        if path not in sys.path:
            sys.path.insert(0, path)
    return root


if __name__ == "__main__":
    print(collections_root(sys.argv[1] if len(sys.argv) > 1 else None))

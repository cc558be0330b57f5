"""Run a module's main() in-process as on a target, on real files, and return what it printed.

Works on every ansible-core the collection supports: 2.19 added ``patch_module_args`` and the
``_internal.is_controller`` switch; before it, the arguments go through ``basic._ANSIBLE_ARGS``.
"""

from __future__ import annotations

import io
import json
from contextlib import contextmanager, nullcontext, redirect_stdout
from unittest import mock

import pytest

try:  # ansible-core >= 2.19
    from ansible.module_utils import _internal as module_utils_internal
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # 2.16 - 2.18
    module_utils_internal = None

    @contextmanager
    def patch_module_args(args):
        from ansible.module_utils import basic
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


def run_module_main(module, args, check_mode=False, diff=False):
    """Run ``module.main()`` with ``args``; return (the JSON text it printed, the decoded result)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    out = io.StringIO()
    # As on a target: once another test has imported controller code, ansible-core would route the
    # module's warnings to the controller's display instead of the result.
    as_target = nullcontext() if module_utils_internal is None else \
        mock.patch.object(module_utils_internal, "is_controller", False)
    with patch_module_args(args), redirect_stdout(out), pytest.raises(SystemExit), as_target:
        module.main()
    return out.getvalue(), json.loads(out.getvalue())

"""Run a module's main() in-process as on a target, on real files, and return what it printed."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from unittest import mock

import pytest
from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.testing import patch_module_args


def run_module_main(module, args, check_mode=False, diff=False):
    """Run ``module.main()`` with ``args``; return (the JSON text it printed, the decoded result)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    out = io.StringIO()
    # As on a target: once another test has imported controller code, ansible-core would route the
    # module's warnings to the controller's display instead of the result.
    with patch_module_args(args), redirect_stdout(out), pytest.raises(SystemExit), \
            mock.patch.object(module_utils_internal, "is_controller", False):
        module.main()
    return out.getvalue(), json.loads(out.getvalue())

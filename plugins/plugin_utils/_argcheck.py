# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checking an action's options against its argument spec, cheaply enough to do it per DECT server.

The publication engine checks the options of every DECT server of a batch, each in its own forked
worker. Two costs dominated that (measured on a 100-server site, ansible-core 2.19):

- building an ``ArgumentSpecValidator`` deep-copies the whole spec: a validator is built once per
  spec and kept here; the controller's main process builds them before it forks the workers
  (``warm``), so no worker builds one again;
- validating deep-copies the options, and templated values carry data tags whose copies go
  through ``__reduce_ex__``: the options are first turned into plain ``dict``/``list``/``str``
  (the checks never template a value, so nothing depends on the tags).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

# {key: ArgumentSpecValidator}, filled per process (inherited by forked workers).
_VALIDATORS = {}


def validator(key, build):
    """The validator kept under ``key``; ``build()`` returns (argument_spec, validator keywords)."""
    found = _VALIDATORS.get(key)
    if found is None:
        spec, keywords = build()
        found = _VALIDATORS[key] = ArgumentSpecValidator(spec, **keywords)
    return found


def plain(value):
    """``value`` as plain JSON-like Python data (data tags and unsafe markers dropped)."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dict):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def checked(key, build, args, name):
    """``args`` checked against the spec kept under ``key``: the validated options (defaults
    filled in, types converted). Raises AnsibleActionFail naming every problem, worded as
    ``ActionBase.validate_argument_spec`` words it for module ``name``."""
    args = plain(args)
    result = validator(key, build).validate(args)
    if result.error_messages:
        msg = result.errors.msg
        if isinstance(result.errors[0], UnsupportedError):
            msg = "Unsupported parameters for (%s) module: %s" % (name, msg)
        raise AnsibleActionFail(msg)
    args.update(result.validated_parameters)
    return args

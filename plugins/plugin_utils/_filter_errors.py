# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the collection's filters report bad input: one ``AnsibleFilterError`` naming the filter."""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError


def filter_errors(name, *errors):
    """Decorator: ``errors`` raised by the filter become ``dect.provisioning.<name>: <message>``."""

    def decorate(function):
        @functools.wraps(function)
        def checked(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except errors as exc:
                raise AnsibleFilterError("dect.provisioning.%s: %s" % (name, exc))

        return checked

    return decorate

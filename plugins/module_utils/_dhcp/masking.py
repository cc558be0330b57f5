# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place the DHCP code masks URL credentials (what it shows of a password: the mask).

Everything shown to the user (result, diff, messages, the daemon's output) goes through ``masked``.
"""

from __future__ import annotations

import re

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import MASK, mask_url, url_secret

# A URL anywhere in a text (a config line, a daemon message): scheme:// up to a blank or a quote.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"']+")

__all__ = ["MASK", "masked", "url_secret"]


def masked(text):
    """``text`` with the password of every ``scheme://user:password@`` in it replaced by the mask."""
    if not isinstance(text, str) or "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: mask_url(match.group()), text)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules that talk to DECT servers or their provisioning server over the
    network from wherever the task runs (check_sync, provisioning_probe)."""

    DOCUMENTATION = r"""
attributes:
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
"""

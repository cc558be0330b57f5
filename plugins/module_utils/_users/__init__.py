# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users file of a DECT server (private to dect.provisioning; the public entry point is ``users``).

- ``fields``: the Appendix C schema as data, its field types, and the names every part shares.
- ``source``: reading an exported users XML or a CSV file, merging it with inventory.
- ``validate``: checking every record at once, grouping field-level problems.
- ``masking``: what results and diffs show (secrets masked, fingerprints in the summary).
"""

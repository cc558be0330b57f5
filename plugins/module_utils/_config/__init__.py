# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A DECT server configuration (private to dect.provisioning; the public entry point is ``config_settings``).

- ``paths``: the schema looked up by concrete paths (``shelf[]`` matches ``shelf1``), values read from
  nested settings.
- ``policy``: what one validation run allows (family, model, strictness, family_overrides, allow_unsafe).
- ``validate``: the walk over the settings against the Appendix A schema, one message per problem.
- ``safety``: the checks across parameters (codecs, settings that cut a server off from provisioning,
  settings only a factory reset undoes, firmware staged but never applied).
- ``render``: the XML text of validated settings, and parsing a document back into typed settings.
- ``masking``: what results and diffs show (secrets masked, fingerprints in the summary).
"""

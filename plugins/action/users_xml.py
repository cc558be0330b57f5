# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of dect.provisioning.users_xml: import, validate and render on the controller."""

from __future__ import annotations

import os

from ansible_collections.dect.provisioning.plugins.module_utils import users
from ansible_collections.dect.provisioning.plugins.module_utils.document import USERS_XML
from ansible_collections.dect.provisioning.plugins.plugin_utils.publish import (
    DocumentAction,
    DocumentInvalid,
    RenderedDocument,
)


class ActionModule(DocumentAction):
    KIND = "users"
    ROOT_TAG = users.ROOT_TAG
    ARGUMENT_SPEC = USERS_XML

    def render_document(self, args, family, strict):
        source = self._read_source(args)
        if source is None and args.get("users") is None:
            raise DocumentInvalid(["users, src or content: give the users list, a CSV/XML file to import, or both"])
        max_users = self._max_users(args)
        entries, origins = users.merge(source, args.get("users"), family)
        self._known_secrets.update(users.secrets_of(entries))
        checked = users.validate(entries, family, strict, max_users, origins)
        if checked.errors:
            raise DocumentInvalid(checked.errors, checked.warnings)
        if args["sort"]:
            checked = users.sort_users(checked, family)
        warnings = list(checked.warnings)
        if not checked.records:
            warnings.append("users: the document has no users; a DECT server importing it keeps none")
        return RenderedDocument(
            text=users.render(checked.records),
            masked_text=users.render([users.mask_user(record) for record in checked.records]),
            summarize=lambda: users.summary(checked.records, family),
            result=dict(users=[users.mask_user(user) for user in checked.users], count=len(checked.users)),
            warnings=warnings,
        )

    def summarize_existing(self, data, family):
        return users.summary(users.read_xml(data.decode("utf-8-sig"), "current file").records, family)

    def parse_source(self, data, family, args):
        source = self._source(data, args)
        parsed = users.typed(source.records, family)
        self._known_secrets.update(users.secrets_of(parsed))
        checked = users.validate(parsed, family, args["strict"], self._max_users(args), source.origins)
        out = dict(users=[users.mask_user(user) for user in parsed], count=len(parsed), errors=checked.errors,
                   valid=not checked.errors, masked_fields=users.masked_fields(parsed))
        if checked.warnings:
            out["warnings"] = checked.warnings
        return out

    def _read_source(self, args):
        data = self._source_bytes(args)
        return None if data is None else self._source(data, args)

    @staticmethod
    def _source(data, args):
        label = os.path.basename(args["src"]) if args.get("src") else "content"
        try:
            return users.read_source(data, label)
        except users.SourceError as exc:
            raise DocumentInvalid(exc.errors)

    @staticmethod
    def _max_users(args):
        limit = args.get("max_users")
        if limit is not None and limit < 0:
            raise DocumentInvalid(["max_users: value '%d' is out of range: allowed integer >= 0" % limit])
        return limit

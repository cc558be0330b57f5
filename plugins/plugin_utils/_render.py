# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendering, parsing and summarising one DECT server's document: one backend per document kind.

A backend is a plain object built from a document module's checked options (``config_xml`` or
``users_xml``, their one spec in ``SPEC``) and the model's family. The document actions, the
publication engine (the ``publish`` action's render step and its diffs) and adopt all use these
classes directly; none of them loads another action plugin to get at the rendering.

Each backend collects the secret values it meets while rendering or parsing in ``secrets``, for
its caller to scrub from every message, warning and diff (like Ansible's ``no_log`` values).
Controller side only (lxml).
"""

from __future__ import annotations

import os
from collections import namedtuple

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes
from ansible.parsing.vault import is_encrypted_file

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings, users
from ansible_collections.dect.provisioning.plugins.module_utils._publication import ARGUMENT_SPEC as PUBLISH_SPEC
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import scrub
from ansible_collections.dect.provisioning.plugins.module_utils.document import (
    CONFIG_XML,
    USERS_XML,
    input_size_error,
    max_input_size_error,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    MODELS,
    device_file_name,
    model_family,
)
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import XmlError, check_well_formed

# ``summarize`` is called only when a diff is shown: a users summary fingerprints every secret.
RenderedDocument = namedtuple("RenderedDocument", "text masked_text summarize result warnings")


class DocumentInvalid(Exception):
    """Validation failed: ``errors`` lists every problem, each naming its path."""

    def __init__(self, errors, warnings=()):
        super().__init__("; ".join(errors))
        self.errors = list(errors)
        self.warnings = list(warnings)


def family_of(args):
    """The model family of a document module's checked options (None for state=absent without a model)."""
    # The argument check has refused any model outside its choices.
    if args.get("model") is None:
        if args["state"] == "absent":
            return None
        raise AnsibleActionFail("model: required for state=%s; allowed %s" % (args["state"], ", ".join(MODELS)))
    return model_family(args["model"])


class DocumentBackend(object):
    """One kind of document: ``render`` (validated, parsed back), ``parse`` (state=parsed) and
    ``summarize_current`` (a file found on a host, for a diff)."""

    KIND = None
    ROOT_TAG = None
    SPEC = None  # the document module's one ArgumentSpec

    def __init__(self, args, family):
        self.args = args
        self.family = family
        self.secrets = set()

    # -- what a kind provides -----------------------------------------------------------
    def _render(self, read_input):
        raise NotImplementedError

    def read(self, data, label):
        """(the document's content with its secrets, its validation) of exported ``data``."""
        raise NotImplementedError

    def _parsed(self, content, checked):
        raise NotImplementedError

    @classmethod
    def _summary_of(cls, data, family):
        raise NotImplementedError

    # -- the shared part ----------------------------------------------------------------
    def render(self, read_input=lambda: None):
        """The validated document; ``read_input()`` gives the src/content bytes (or None) when the
        kind imports them. What the device will parse is parsed here first: a document it would
        reject is never written."""
        doc = self._render(read_input)
        try:
            check_well_formed(doc.text, self.ROOT_TAG)
        except XmlError as exc:
            raise DocumentInvalid(["%s-xml: the rendered document does not parse back (%s)" % (self.KIND, exc)],
                                  doc.warnings)
        return doc

    def parse(self, data):
        """The result of state=parsed for src/content ``data``: masked content, errors, warnings."""
        label = os.path.basename(self.args["src"]) if self.args.get("src") else "content"
        content, checked = self.read(data, label)
        out = self._parsed(content, checked)
        if checked.warnings:
            out["warnings"] = checked.warnings
        return out

    def for_publication(self, read_input, want_summary):
        """(file name, text, summary or None, warnings) for the publication engine, every message
        scrubbed of the secrets met; raises DocumentInvalid, AnsibleActionFail, IdentifierError or
        XmlError, scrubbed the same way."""
        name = device_file_name(self.args["mac"], self.KIND)
        secrets = self.secrets
        try:
            doc = self.render(read_input)
        except DocumentInvalid as exc:
            raise DocumentInvalid([scrub(e, secrets) for e in exc.errors], [scrub(w, secrets) for w in exc.warnings])
        except (AnsibleActionFail, IdentifierError, XmlError) as exc:
            raise type(exc)(scrub(str(exc), secrets))
        summary = None
        if want_summary:
            summary = dict((key, scrub(value, secrets)) for key, value in doc.summarize().items())
        return name, doc.text, summary, [scrub(w, secrets) for w in doc.warnings]

    @classmethod
    def summarize_current(cls, data, family):
        """A summary of a document found on a provisioning host, for a diff (never raises)."""
        try:
            return cls._summary_of(data, family)
        except (XmlError, ValueError):
            return {"(file)": "not a valid %s document (%d bytes)" % (cls.KIND, len(data))}

    def failure_message(self, errors):
        return "%s-xml validation failed with %d error(s), nothing written: %s" % (
            self.KIND, len(errors), "; ".join(errors))


class ConfigBackend(DocumentBackend):
    """``<mac>-config.xml``: the settings of config_xml's options."""

    KIND = "config"
    ROOT_TAG = config_settings.ROOT_TAG
    SPEC = CONFIG_XML

    def _policy(self):
        args = self.args
        return dict(model=args.get("model"), family_overrides=args.get("family_overrides") or (),
                    allow_unsafe=args.get("allow_unsafe") or ())

    def _render(self, read_input):
        del read_input  # a configuration is made from its settings alone (src/content is for state=parsed)
        settings = self.args.get("settings")
        if settings is None:
            settings = {}
        self.secrets.update(config_settings.secrets_of(settings))
        checked = config_settings.validate(settings, self.family, self.args["strict"], **self._policy())
        errors = checked.errors + config_settings.character_errors(checked.tree)
        if errors:
            raise DocumentInvalid(errors, checked.warnings)
        return RenderedDocument(
            text=config_settings.render(checked.tree),
            masked_text=config_settings.render(config_settings.mask_settings(checked.tree)),
            summarize=lambda: config_settings.summary(checked.settings),
            result=dict(settings=config_settings.mask_settings(checked.settings)),
            warnings=checked.warnings,
        )

    def read(self, data, label):
        settings = config_settings.parse(data, self.family)
        self.secrets.update(config_settings.secrets_of(settings))
        return settings, config_settings.validate(settings, self.family, self.args["strict"], **self._policy())

    def _parsed(self, content, checked):
        masked = config_settings.mask_settings(content)
        return dict(settings=masked, errors=checked.errors, valid=not checked.errors,
                    masked_paths=config_settings.masked_paths(content, masked))

    @classmethod
    def _summary_of(cls, data, family):
        return config_settings.summary(config_settings.parse(data, family))


class UsersBackend(DocumentBackend):
    """``<mac>-users.xml``: the users of users_xml's options, merged with an imported src/content."""

    KIND = "users"
    ROOT_TAG = users.ROOT_TAG
    SPEC = USERS_XML

    def _render(self, read_input):
        data = read_input()
        source = None if data is None else self._source(data, self._label())
        if source is None and self.args.get("users") is None:
            raise DocumentInvalid(["users, src or content: give the users list, a CSV/XML file to import, or both"])
        family, max_users = self.family, self._max_users()
        entries, origins = users.merge(source, self.args.get("users"), family)
        self.secrets.update(users.secrets_of(entries))
        checked = users.validate(entries, family, self.args["strict"], max_users, origins)
        if checked.errors:
            raise DocumentInvalid(checked.errors, checked.warnings)
        if self.args["sort"]:
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

    def read(self, data, label):
        source = self._source(data, label)
        records = users.typed(source.records, self.family)
        self.secrets.update(users.secrets_of(records))
        return records, users.validate(records, self.family, self.args["strict"], self._max_users(), source.origins)

    def _parsed(self, content, checked):
        return dict(users=[users.mask_user(user) for user in content], count=len(content), errors=checked.errors,
                    valid=not checked.errors, masked_fields=users.masked_fields(content))

    @classmethod
    def _summary_of(cls, data, family):
        return users.summary(users.read_xml(data.decode("utf-8-sig"), "current file").records, family)

    def _label(self):
        return os.path.basename(self.args["src"]) if self.args.get("src") else "content"

    @staticmethod
    def _source(data, label):
        try:
            return users.read_source(data, label)
        except users.SourceError as exc:
            raise DocumentInvalid(exc.errors)

    def _max_users(self):
        limit = self.args.get("max_users")
        if limit is not None and limit < 0:
            raise DocumentInvalid(["max_users: value '%d' is out of range: allowed integer >= 0" % limit])
        return limit


# By kind, in publication order: users first, so a config naming users that are not there yet is never served.
BACKENDS = dict((backend.KIND, backend) for backend in (UsersBackend, ConfigBackend))
KINDS = tuple(BACKENDS)


def read_input(args, find_file, loader):
    """The src or content of a document module's checked ``args`` as bytes, or None when neither is
    given; refused before it is read when larger than max_input_size. ``find_file(src)`` finds src
    as an action finds its files; ``loader`` (Ansible's DataLoader) decrypts a vaulted file."""
    limit = args["max_input_size"]
    error = max_input_size_error(limit)
    if error:
        raise DocumentInvalid([error])
    if args.get("content") is not None:
        content = args["content"]
        # Characters first: at least as many bytes, and counting them copies nothing.
        _check_size("content", len(content), limit)
        data = to_bytes(content)
        _check_size("content", len(data), limit)
        return data
    if not args.get("src"):
        return None
    try:
        found = find_file(args["src"])
    except AnsibleError:
        raise DocumentInvalid(["src: '%s' is not a readable file on the controller (searched as a role's"
                               " or playbook's files)" % args["src"]])
    label = "src %s" % os.path.basename(found)
    # A vaulted file is hex text: about twice the bytes it decrypts to.
    _check_size(label, os.path.getsize(found), 2 * limit + 4096 if _is_vaulted(found) else limit)
    # Through the loader, so a vault-encrypted export or CSV is decrypted like any vars file.
    path = loader.get_real_file(found, decrypt=True)
    try:
        _check_size(label, os.path.getsize(path), limit)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
        _check_size(label, len(data), limit)
        return data
    finally:
        loader.cleanup_tmp_file(path)


def _check_size(label, size, limit):
    error = input_size_error(label, size, limit)
    if error:
        raise DocumentInvalid([error])


def _is_vaulted(path):
    with open(path, "rb") as handle:
        return is_encrypted_file(handle)


def summary_text(summary):
    """A diff side: ``key = value`` lines of a document summary, sorted (empty for none)."""
    if not summary:
        return ""
    return "".join("%s = %s\n" % (key, summary[key]) for key in sorted(summary))


def warm():
    """Build the argument validators of the publication engine and of every document kind in this
    process (the controller's main process, before it forks a worker per DECT server and task)."""
    PUBLISH_SPEC.validator()
    for backend in BACKENDS.values():
        backend.SPEC.validator()

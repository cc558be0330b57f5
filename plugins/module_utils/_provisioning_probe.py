# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provisioning probe: fetch one DECT server's files in the device's order, judge each as the
device would, and report every file, whatever happened to the others.

Each fetch is bounded (``max_size`` for the XML documents, ``VER_MAX_SIZE`` for a ``.ver``,
``max_image_size`` for an image, ``deadline`` seconds per file); going over a bound is that
file's error. Names and version texts from the fetched configuration are judged with the
firmware module's own rules before anything is fetched by them.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils import firmware as firmware_rules
from ansible_collections.dect.provisioning.plugins.module_utils import users as users_engine
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.client import check_file, fetch_file
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.request import device_firmware
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.transfer import DEFAULT_DEADLINE, DEFAULT_MAX_SIZE
from ansible_collections.dect.provisioning.plugins.module_utils._secrets import mask_url
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    IdentifierError,
    device_file_name,
    model_family,
    normalize_mac,
    parse_provisioning_url,
)
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import HAS_LXML, XmlError

# A version text is at most firmware.VERSION_MAX_LENGTH (128) characters: 1 KiB is plenty.
VER_MAX_SIZE = 1024
DEFAULT_MAX_IMAGE_SIZE = 512 * 1024 * 1024
__all__ = ["DEFAULT_DEADLINE", "DEFAULT_MAX_IMAGE_SIZE", "DEFAULT_MAX_SIZE", "Probe", "ProbeError", "probe_device"]
MAX_DEADLINE = 86400.0

ProbeOutcome = namedtuple("ProbeOutcome", "result warnings failure")
ProbeOutcome.__doc__ = """result: the module's return values; warnings: lines to warn; failure: the
failure message (None when every file is ok)."""


class ProbeError(ValueError):
    """An option that cannot be used; the message names it, its value and what is allowed."""


def check_config_document(data, family):
    """(settings, errors, warnings) of a fetched config: the parser's message when it is not XML."""
    try:
        settings = config_settings.parse(data, family)
    except XmlError as exc:
        return None, [str(exc)], []
    checked = config_settings.validate(settings, family)
    return settings, checked.errors, checked.warnings


class FileReport:
    """What the probe learned about one file; ``as_dict`` is the returned form."""

    def __init__(self, name, kind, firmware_kind=None):
        self.name, self.kind, self.firmware_kind = name, kind, firmware_kind
        self.location = None
        self.status = "ok"
        self.code = None
        self.size = None
        self.sha256 = None
        self.transferred = False
        self.version = None
        self.data = None
        self.errors = []
        self.warnings = []

    def take(self, result, transferred):
        self.location, self.status, self.code = result.location, result.status, result.code
        self.size, self.sha256, self.data = result.size, result.sha256, result.data
        self.transferred = transferred and result.status == "ok"
        if result.error:
            self.errors.append(result.error)

    def reject(self, message):
        """The file arrived (or was named) but the device would not accept it."""
        self.status = "invalid"
        self.errors.append(message)

    def as_dict(self):
        return dict(name=self.name, kind=self.kind, firmware_kind=self.firmware_kind, location=self.location,
                    status=self.status, code=self.code, size=self.size, sha256=self.sha256,
                    transferred=self.transferred, version=self.version, errors=self.errors,
                    warnings=self.warnings)


class Probe:
    """Fetches one DECT server's files in the device's order and judges each as the device would."""

    def __init__(self, url, mac, model, options):
        self.url, self.mac, self.model = url, mac, model
        self.family = model_family(model)
        self.options = options
        self.reports = []
        self.settings = None  # the fetched configuration, parsed, when it could be read

    def _get(self, report, max_size, transfer=True, keep_data=True):
        opts = self.options
        transport = dict(ca_path=opts["ca_path"], validate_certs=opts["validate_certs"], timeout=opts["timeout"],
                         retries=opts["retries"], deadline=opts["deadline"])
        if transfer:
            result = fetch_file(self.url, report.name, keep_data=keep_data, max_size=max_size, **transport)
        else:
            result = check_file(self.url, report.name, **transport)
        report.take(result, transfer)
        self.reports.append(report)
        return report

    def run(self, firmware):
        config = self._config() if self.options["fetch_config"] else None
        if self.options["fetch_users"]:
            self._users()
        if firmware is None:
            firmware = self._named_firmware(config)
        for kind, name in firmware:
            self._firmware(kind, name)
        return self.reports

    # -- XML files

    def _config(self):
        report = self._get(FileReport(device_file_name(self.mac, "config"), "config"), self.options["max_size"])
        if report.status != "ok" or not self.options["validate"]:
            return report
        self.settings, errors, warnings = check_config_document(report.data, self.family)
        for error in errors:
            report.reject(error)
        report.warnings.extend(warnings)
        report.warnings.extend(self._provisioning_warnings())
        return report

    def _named_firmware(self, config):
        """The firmware the fetched configuration names; a name the device could not fetch by is
        the configuration's error, and nothing is fetched by it."""
        names = []
        for kind, name in device_firmware(self.settings, self.model) if self.settings else []:
            try:
                names.append((kind, firmware_rules.check_name(name, "provisioning.firmware.%s" % kind)))
            except firmware_rules.FirmwareError as exc:
                option = "provisioning.firmware.%s:" % kind
                if not any(error.startswith(option) for error in config.errors):  # validation said it already
                    config.reject(_printable(str(exc)))
        return names

    def _provisioning_warnings(self):
        """Settings that make the device ignore what this probe checks."""
        section = (self.settings or {}).get("provisioning") or {}
        warnings = []
        if self.options["fetch_users"] and (section.get("users") or {}).get("check") is not True:
            warnings.append("provisioning.users.check is not true: the device does not import %s"
                            % device_file_name(self.mac, "users"))
        if (section.get("config") or {}).get("check") is False:
            warnings.append("provisioning.config.check is false: the device stops importing this file after applying it")
        server = section.get("server") or {}
        if server.get("method") == "static" and server.get("url") and not self._same_url(server["url"]):
            warnings.append("provisioning.server.url '%s' differs from the probed URL '%s': the device "
                            "fetches from the former after applying this file" % (mask_url(server["url"]), self.masked_url))
        if server.get("method") == "disabled":
            warnings.append("provisioning.server.method is disabled: the device stops provisioning after applying this file")
        return warnings

    @property
    def masked_url(self):
        return mask_url(self.options["url"])

    def _same_url(self, text):
        try:
            return parse_provisioning_url(str(text)) == self.url
        except IdentifierError:
            return False

    def _users(self):
        report = self._get(FileReport(device_file_name(self.mac, "users"), "users"), self.options["max_size"])
        if report.status != "ok" or not self.options["validate"]:
            return
        errors, warnings = users_engine.validate_document(report.data, self.family, report.name)
        for error in errors:
            report.reject(error)
        report.warnings.extend(warnings)

    # -- firmware

    def _firmware(self, kind, name):
        version = self._get(FileReport(firmware_rules.ver_name(name), "version", kind), VER_MAX_SIZE)
        if version.status == "ok":
            self._judge_version(version)
        # Images are hashed as they stream in, never held in memory.
        image = self._get(FileReport(name, "firmware", kind), self.options["max_image_size"],
                          transfer=self.options["fetch_bin"], keep_data=False)
        if image.status == "ok" and image.size == 0:
            image.reject("the firmware image is empty")
        if version.version and image.status == "missing":
            image.errors.append("%s names version '%s' but %s is not there: a device running another version "
                                "fails to update" % (version.name, version.version, name))
        if version.status == "missing" and image.status == "ok":
            version.errors.append("%s is there but %s is not: the device never fetches the image" % (name, version.name))

    @staticmethod
    def _judge_version(report):
        """The firmware module's rules for version text (one line of printable ASCII, at most 128)."""
        if not report.data.strip():
            report.reject("the version file is empty: the device has no version to compare with its own")
            return
        try:
            report.version = firmware_rules.check_version(report.data.strip(), "the version text")
        except firmware_rules.FirmwareError as exc:
            report.reject(_printable(str(exc)))


def _printable(text):
    """``text`` with control characters escaped, so a hostile value cannot drive a terminal."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def requested_firmware(params):
    """The ``firmware`` option as ``[(kind, name)]`` in the guide's order, or None to read the config."""
    firmware = params["firmware"]
    if firmware is None:
        return None
    kinds = firmware_rules.file_kinds_for_model(params["model"])
    for kind in firmware:
        if kind not in kinds:
            raise ProbeError("firmware.%s: '%s' is not a firmware kind of model %s: allowed %s"
                             % (kind, firmware[kind], params["model"], ", ".join(kinds)))
    names = []
    for kind in kinds:
        if firmware.get(kind) in (None, ""):
            continue
        try:
            names.append((kind, firmware_rules.check_name(firmware[kind], "firmware.%s" % kind)))
        except firmware_rules.FirmwareError as exc:
            raise ProbeError(str(exc))
    return names


def _check_bounds(params):
    checks = (
        ("timeout", params["timeout"] > 0, "more than 0 seconds"),
        ("retries", params["retries"] >= 0, "0 or more"),
        ("deadline", 0 < params["deadline"] <= MAX_DEADLINE, "more than 0 and at most %d seconds" % MAX_DEADLINE),
        ("max_size", params["max_size"] >= 1024, "at least 1024 bytes"),
        ("max_image_size", params["max_image_size"] >= 1, "at least 1 byte"),
    )
    for name, ok, allowed in checks:
        if not ok:
            raise ProbeError("%s: value '%s' is not allowed: %s" % (name, params[name], allowed))


def probe_device(params, secrets):
    """Run the probe the module's ``params`` describe; return a ProbeOutcome. Raises ProbeError
    for unusable options. The URL's password is added to ``secrets`` (the module's no_log set)
    before anything can show it."""
    masked = mask_url(params["url"])
    try:
        url = parse_provisioning_url(params["url"])
    except IdentifierError as exc:
        raise ProbeError("url: %s" % str(exc).replace(params["url"], masked))
    if url.password:
        secrets.add(url.password)
    try:
        mac = normalize_mac(params["mac"])
    except IdentifierError as exc:
        raise ProbeError("mac: %s" % exc)
    _check_bounds(params)
    if params["validate"] and not HAS_LXML:
        raise ProbeError("validate: the lxml Python library is needed to validate the XML files where this "
                         "module runs; run it on the controller (delegate_to: localhost) or set validate: false")
    firmware = requested_firmware(params)
    warnings = []
    if firmware is None and not (params["fetch_config"] and params["validate"]):
        warnings.append("firmware: not given, and the configuration is not read (fetch_config/validate is false): "
                        "no firmware is probed")
    reports = Probe(url, mac, params["model"], params).run(firmware)
    result = dict(
        changed=False,
        url=masked,
        protocol=url.protocol,
        files=[report.as_dict() for report in reports],
        versions=dict((r.firmware_kind, r.version) for r in reports if r.kind == "version" and r.version),
    )
    warnings.extend("%s: %s" % (report.name, warning) for report in reports for warning in report.warnings)
    problems = ["%s: %s: %s" % (report.name, report.status, error) for report in reports for error in report.errors]
    failure = None
    if problems:
        failure = "%d problem(s) a DECT server at %s would trip on:\n%s" % (len(problems), masked, "\n".join(problems))
    return ProbeOutcome(result, warnings, failure)

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: provisioning_probe
short_description: Fetch and check what a Spectralink DECT server would fetch from its provisioning server
version_added: 1.0.0
description:
  - Fetches, over the protocol named in the provisioning URL (TFTP, FTP, HTTP or HTTPS), the files a
    Spectralink IP-DECT Server 400/6500 or DECT Server 2500/8000 with the given O(mac) asks for, in the
    device's order - C(<mac>-config.xml), C(<mac>-users.xml), then for each firmware image its version
    file C(<name>.ver) and the image C(<name>) itself - and reports for each one its status, size,
    SHA-256 and, for version files, the version text.
  - The XML files are validated with the collection's schemas (Appendix A for the configuration,
    Appendix C for users), so a rollout can prove that every server will find, and accept, its files.
  - Fails with one line per problem a device would trip on - a missing file (TFTP error 1, HTTP 404,
    FTP 550), a refused login, a TLS certificate the O(ca_path) does not vouch for, XML that is not
    well-formed or not valid for the O(model), an empty version file, or a version file whose image
    is not there. The result carries every file's report even when the task fails.
  - Reads only; it changes nothing anywhere, so it runs the same in check mode.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  url:
    description:
      - The provisioning server URL exactly as the DECT server gets it (DHCP option 66 or
        C(provisioning.server.url)) - C([<protocol>://[<user>:<password>@]]<host>[:<port>][/<path>]).
      - A bare host means TFTP. The protocol is one of V(tftp), V(ftp), V(http), V(https).
      - The password of a C(user:password@) part is used for the FTP login or HTTP basic
        authentication and masked in every output.
    type: str
    required: true
  mac:
    description:
      - The DECT server's MAC address, in any common spelling (V(00:13:D1:80:00:32), V(0013.d180.0032), ...).
        Its normalised form names the files (C(0013d1800032-config.xml)).
    type: str
    required: true
  model:
    description:
      - The server model; it selects the schema the files are validated against and the firmware kinds
        the server fetches. Integers are accepted.
    type: str
    required: true
    choices: ["400", "6500", "2500", "8000"]
  firmware:
    description:
      - "Firmware file names by kind, as in C(provisioning.firmware) of the configuration, for example
        C({kws: kws.bin, pp14225100: pp14225100.bin}). Kinds V(rfp) and V(rfp6) exist on 2500/8000 only."
      - When omitted, the names come from the fetched configuration's C(provisioning.firmware), as the
        device reads them (this needs O(fetch_config) and the C(lxml) Python library).
    type: dict
  fetch_config:
    description:
      - Whether to fetch C(<mac>-config.xml), as a server with C(provisioning.config.check=true) does.
    type: bool
    default: true
  fetch_users:
    description:
      - Whether to fetch C(<mac>-users.xml), as a server with C(provisioning.users.check=true) does.
      - A warning is returned when the fetched configuration does not set C(provisioning.users.check)
        to true, since the device then never imports the file.
    type: bool
    default: true
  fetch_bin:
    description:
      - Whether to download each firmware image to report its size and SHA-256.
      - When V(false), each image is only checked for presence (TFTP C(tsize), FTP C(SIZE), HTTP C(HEAD)),
        which is what matters for a device whose version file names a newer version.
    type: bool
    default: false
  validate:
    description:
      - Whether to validate the XML files against the schemas. Needs the C(lxml) Python library where the
        module runs; with V(false) only their presence is checked.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of CA certificates the HTTPS server's certificate must chain to; use the bundle
        imported into the DECT server (Configuration > Certificates).
      - The certificate must also name the URL's host (DNS name or IP address).
      - When omitted, the system's CA bundle is used, standing in for the bundle the device firmware ships with.
    type: path
  validate_certs:
    description:
      - Whether to verify the HTTPS server's certificate. A DECT server always does; V(false) is for
        diagnosing other problems only.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each answer (a connection, a response, a TFTP packet).
    type: float
    default: 5
  retries:
    description:
      - How often a TFTP packet is sent again when no answer comes within O(timeout).
    type: int
    default: 3
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so check mode fetches and reports the same.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
notes:
  - "Run it where the DECT servers' view of the network is - usually the controller with
    C(delegate_to: localhost), as in the examples, or a host in the DECT servers' network. It needs
    Python 3 and, to validate the XML, the C(lxml) library there (the controller has it, as for
    M(dect.provisioning.config_xml))."
  - TFTP reads ask for a 1428-byte block size (RFC 2348) and the transfer size (RFC 2349) and fall back
    to plain RFC 1350 when the server ignores options. The file path is the URL's path plus the file
    name, relative to the server's root (tftpd-hpa C(-s), the FTP login directory).
  - HTTP redirects are not followed; a redirect is reported as a problem.
seealso:
  - module: dect.provisioning.config_xml
  - module: dect.provisioning.users_xml
  - module: dect.provisioning.firmware
  - module: dect.provisioning.check_sync
"""

EXAMPLES = r"""
- name: Prove that ward A's DECT server finds valid files on the HTTPS provisioning server
  dect.provisioning.provisioning_probe:
    url: https://prov.example.com/dect
    mac: "00:13:d1:80:00:32"
    model: "6500"
    ca_path: /etc/dect/provisioning-ca.pem
  delegate_to: localhost

- name: Probe every DECT server in inventory over the URL option 66 hands out, images downloaded
  dect.provisioning.provisioning_probe:
    url: "{{ dect_provisioning_url }}"
    mac: "{{ dect_mac }}"
    model: "{{ dect_model }}"
    fetch_bin: true
  delegate_to: localhost
  register: probe

- name: Show the server firmware version each server will run
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ probe.versions.kws | default('no kws firmware') }}"

- name: Check firmware staged on a TFTP server (bare host) before the configurations exist
  dect.provisioning.provisioning_probe:
    url: 192.0.2.5
    mac: 0013d1800032
    model: 8000
    fetch_config: false
    fetch_users: false
    firmware:
      kws: kws8000.bin
      rfp: rfp.bin
  delegate_to: localhost
"""

RETURN = r"""
url:
  description: The probed URL, password masked.
  returned: always
  type: str
  sample: ftp://prov:********@192.0.2.5/dect
protocol:
  description: The protocol the URL names (a bare host means V(tftp)).
  returned: always
  type: str
  sample: https
files:
  description: One report per file, in the order the device fetches them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The file name the device asks for.
      type: str
      sample: 0013d1800032-config.xml
    kind:
      description: V(config), V(users), V(version) (a C(.ver) file) or V(firmware) (an image).
      type: str
      sample: config
    firmware_kind:
      description: For V(version) and V(firmware) files, the firmware kind (V(kws), V(rfp), ...); else null.
      type: str
      sample: kws
    location:
      description: The file's URL, password masked.
      type: str
      sample: https://prov.example.com:443/dect/0013d1800032-config.xml
    status:
      description:
        - V(ok); V(missing) when the server answered that the file is not there; V(error) when the
          transfer failed; V(invalid) when the file arrived but the device would reject it.
      type: str
      sample: ok
    code:
      description: The server's answer code (HTTP status, TFTP error code, FTP reply code), when there is one.
      type: int
      sample: 200
    size:
      description: Bytes received (or announced, for an image not downloaded); null when unknown.
      type: int
      sample: 2211
    sha256:
      description: SHA-256 of the bytes received; null when the file was not transferred.
      type: str
      sample: 9f2c0d4b6e3a1f7c8d9e0a1b2c3d4e5f60718293a4b5c6d7e8f9011223344556
    transferred:
      description: Whether the file's content was downloaded (V(false) for images with O(fetch_bin=false)).
      type: bool
      sample: true
    version:
      description: For V(version) files, the version text with surrounding white space removed.
      type: str
      sample: PCS24B 71234
    errors:
      description: Why the file is not V(ok), one message each (fetch error, parser message, schema errors).
      type: list
      elements: str
      sample: ["sip.proxy.port: value '99999' is out of range: allowed integer 1..65535"]
    warnings:
      description: What the device accepts but you may not intend (unknown parameters, a users file it never imports).
      type: list
      elements: str
      sample: []
versions:
  description: The version text of each firmware kind whose version file was found.
  returned: always
  type: dict
  sample: {kws: PCS24B 71234}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils import fetch as fetching
from ansible_collections.dect.provisioning.plugins.module_utils import firmware as firmware_rules
from ansible_collections.dect.provisioning.plugins.module_utils import users as users_engine
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    MODELS,
    IdentifierError,
    device_file_name,
    mask_url,
    model_family,
    normalize_mac,
    parse_provisioning_url,
)
from ansible_collections.dect.provisioning.plugins.module_utils.xmlio import HAS_LXML, XmlError


def check_config_document(data, family):
    """(settings, errors, warnings) of a fetched config: the parser's message when it is not XML."""
    try:
        settings = config_settings.parse(data, family)
    except XmlError as exc:
        return None, [str(exc)], []
    checked = config_settings.validate(settings, family)
    return settings, checked.errors, checked.warnings


class FileReport(object):
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
        """The file arrived but the device would not accept it."""
        self.status = "invalid"
        self.errors.append(message)

    def as_dict(self):
        return dict(name=self.name, kind=self.kind, firmware_kind=self.firmware_kind, location=self.location,
                    status=self.status, code=self.code, size=self.size, sha256=self.sha256,
                    transferred=self.transferred, version=self.version, errors=self.errors,
                    warnings=self.warnings)


class Probe(object):
    """Fetches one DECT server's files in the device's order and judges each as the device would."""

    def __init__(self, url, mac, model, options):
        self.url, self.mac, self.model = url, mac, model
        self.family = model_family(model)
        self.options = options
        self.reports = []
        self.settings = None  # the fetched configuration, parsed, when it could be read

    def _transport(self):
        opts = self.options
        return dict(ca_path=opts["ca_path"], validate_certs=opts["validate_certs"], timeout=opts["timeout"],
                    retries=opts["retries"])

    def _get(self, report, transfer=True, keep_data=True):
        if transfer:
            result = fetching.fetch(self.url, report.name, keep_data=keep_data, **self._transport())
        else:
            result = fetching.check(self.url, report.name, **self._transport())
        report.take(result, transfer)
        self.reports.append(report)
        return report

    def run(self, firmware):
        if self.options["fetch_config"]:
            self._config()
        if self.options["fetch_users"]:
            self._users()
        if firmware is None:
            firmware = fetching.device_firmware(self.settings, self.model) if self.settings else []
        for kind, name in firmware:
            self._firmware(kind, name)
        return self.reports

    # -- XML files

    def _config(self):
        report = self._get(FileReport(device_file_name(self.mac, "config"), "config"))
        if report.status != "ok" or not self.options["validate"]:
            return
        self.settings, errors, warnings = check_config_document(report.data, self.family)
        for error in errors:
            report.reject(error)
        report.warnings.extend(warnings)
        report.warnings.extend(self._provisioning_warnings())

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
        report = self._get(FileReport(device_file_name(self.mac, "users"), "users"))
        if report.status != "ok" or not self.options["validate"]:
            return
        errors, warnings = users_engine.validate_document(report.data, self.family, report.name)
        for error in errors:
            report.reject(error)
        report.warnings.extend(warnings)

    # -- firmware

    def _firmware(self, kind, name):
        version = self._get(FileReport(firmware_rules.ver_name(name), "version", kind))
        if version.status == "ok":
            version.version = version.data.decode("utf-8", "replace").strip()
            if not version.version:
                version.reject("the version file is empty: the device has no version to compare with its own")
        # Images are hashed as they stream in, never held in memory.
        image = self._get(FileReport(name, "firmware", kind), transfer=self.options["fetch_bin"], keep_data=False)
        if image.status == "ok" and image.size == 0:
            image.reject("the firmware image is empty")
        if version.status == "ok" and image.status == "missing":
            image.errors.append("%s names version '%s' but %s is not there: a device running another version "
                                "fails to update" % (version.name, version.version, name))
        if version.status == "missing" and image.status == "ok":
            version.errors.append("%s is there but %s is not: the device never fetches the image" % (name, version.name))


def requested_firmware(module):
    """The O(firmware) option as ``[(kind, name)]`` in the guide's order, or None to read the config."""
    firmware = module.params["firmware"]
    if firmware is None:
        return None
    kinds = fetching.firmware_kinds(module.params["model"])
    for kind in firmware:
        if kind not in kinds:
            module.fail_json(msg="firmware.%s: '%s' is not a firmware kind of model %s: allowed %s"
                             % (kind, firmware[kind], module.params["model"], ", ".join(kinds)))
    names = []
    for kind in kinds:
        if firmware.get(kind) in (None, ""):
            continue
        try:
            names.append((kind, firmware_rules.check_name(firmware[kind], "firmware.%s" % kind)))
        except firmware_rules.FirmwareError as exc:
            module.fail_json(msg=str(exc))
    return names


def _problems(reports):
    lines = []
    for report in reports:
        if report.errors:
            lines.extend("%s: %s: %s" % (report.name, report.status, error) for error in report.errors)
    return lines


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            mac=dict(type="str", required=True),
            model=dict(type="str", required=True, choices=list(MODELS)),
            firmware=dict(type="dict"),
            fetch_config=dict(type="bool", default=True),
            fetch_users=dict(type="bool", default=True),
            fetch_bin=dict(type="bool", default=False),
            validate=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            validate_certs=dict(type="bool", default=True),
            timeout=dict(type="float", default=5.0),
            retries=dict(type="int", default=3),
        ),
        supports_check_mode=True,
    )
    params = module.params
    masked = mask_url(params["url"])
    try:
        url = parse_provisioning_url(params["url"])
    except IdentifierError as exc:
        module.fail_json(msg="url: %s" % str(exc).replace(params["url"], masked))
    if url.password:
        module.no_log_values.add(url.password)  # the URL is shown; its password never is
    try:
        mac = normalize_mac(params["mac"])
    except IdentifierError as exc:
        module.fail_json(msg="mac: %s" % exc)
    if params["timeout"] <= 0 or params["retries"] < 0:
        module.fail_json(msg="timeout: value '%s' / retries: value '%s': allowed timeout > 0 and retries >= 0"
                         % (params["timeout"], params["retries"]))
    if params["validate"] and not HAS_LXML:
        module.fail_json(msg="validate: the lxml Python library is needed to validate the XML files where this "
                             "module runs; run it on the controller (delegate_to: localhost) or set validate: false")
    firmware = requested_firmware(module)
    if firmware is None and not (params["fetch_config"] and params["validate"]):
        module.warn("firmware: not given, and the configuration is not read (fetch_config/validate is false): "
                    "no firmware is probed")

    probe = Probe(url, mac, params["model"], params)
    reports = probe.run(firmware)
    result = dict(
        changed=False,
        url=masked,
        protocol=url.protocol,
        files=[report.as_dict() for report in reports],
        versions=dict((r.firmware_kind, r.version) for r in reports if r.kind == "version" and r.version),
    )
    for report in reports:
        for warning in report.warnings:
            module.warn("%s: %s" % (report.name, warning))
    problems = _problems(reports)
    if problems:
        module.fail_json(msg="%d problem(s) a DECT server at %s would trip on:\n%s"
                         % (len(problems), masked, "\n".join(problems)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

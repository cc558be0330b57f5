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
  deadline:
    description:
      - Seconds one file may take in all - connecting, logging in, every wait and every byte. O(timeout)
        bounds each single wait, which a server sending one byte per second never exceeds; the deadline
        ends such a transfer.
      - A file over its deadline gets status V(error) and a message saying it was not complete within the
        deadline; the other files are still fetched and reported.
      - At most 86400.
    type: float
    default: 120
  max_size:
    description:
      - The most bytes accepted for C(<mac>-config.xml) and C(<mac>-users.xml), which are held in memory to
        be validated. A file announced larger (HTTP C(Content-Length), TFTP C(tsize)) is not transferred; one
        that turns out larger is stopped at the limit. Either way its status is V(error) with a message naming
        the limit.
      - Version files (C(.ver)) have a fixed limit of 1024 bytes, as a version text is at most 128 characters.
      - At least 1024.
    type: int
    default: 8388608
  max_image_size:
    description:
      - The most bytes accepted for a firmware image (with O(fetch_bin=true); images are hashed as they
        arrive, never held in memory). Over it, the image's status is V(error) as for O(max_size).
    type: int
    default: 536870912
extends_documentation_fragment:
  - dect.provisioning.network_client
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so check mode fetches and reports the same.
notes:
  - "Run it where the DECT servers' view of the network is - usually the controller with
    C(delegate_to: localhost), as in the examples, or a host in the DECT servers' network. It needs
    Python 3 and, to validate the XML, the C(lxml) library there (the controller has it, as for
    M(dect.provisioning.config_xml))."
  - TFTP reads ask for a 1428-byte block size (RFC 2348) and the transfer size (RFC 2349) and fall back
    to plain RFC 1350 when the server ignores options. The file path is the URL's path plus the file
    name, relative to the server's root (tftpd-hpa C(-s), the FTP login directory).
  - HTTP redirects are not followed; a redirect is reported as a problem.
  - Every fetch is bounded by O(deadline) and by O(max_size), O(max_image_size) or the 1024 bytes of a
    version file; how the module meets hostile or broken servers is listed in C(docs/hostile-input.md).
  - A firmware name in the fetched configuration that is not a plain file name (C(../../etc/passwd)), and a
    version file that is not one line of printable ASCII of at most 128 characters, are reported as
    V(invalid) with the firmware module's own message; nothing is fetched by such a name.
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

from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_probe import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_IMAGE_SIZE,
    DEFAULT_MAX_SIZE,
    ProbeError,
    probe_device,
)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import MODELS


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
            deadline=dict(type="float", default=DEFAULT_DEADLINE),
            max_size=dict(type="int", default=DEFAULT_MAX_SIZE),
            max_image_size=dict(type="int", default=DEFAULT_MAX_IMAGE_SIZE),
        ),
        supports_check_mode=True,
    )
    try:
        outcome = probe_device(module.params, module.no_log_values)
    except ProbeError as exc:
        module.fail_json(msg=str(exc))
    for warning in outcome.warnings:
        module.warn(warning)
    if outcome.failure:
        module.fail_json(msg=outcome.failure, **outcome.result)
    module.exit_json(**outcome.result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: provisioning_log
short_description: Report what each DECT server fetched, from a provisioning host's request logs
version_added: 1.0.0
description:
  - Reads the request logs that the P(dect.provisioning.provisioning_server#role) role makes nginx (HTTP and HTTPS),
    vsftpd (FTP) and tftpd-hpa (TFTP) write, the current file and its rotations (C(<log>.1),
    C(<log>.2.gz), C(<log>-20261125.gz), ...), and reports per DECT server MAC, for every file it
    asked for, the last request - its time, protocol, client address, status and bytes sent.
  - A device asks for C(<mac>-config.xml), C(<mac>-users.xml), then each firmware C(<name>.ver) and
    image C(<name>). Version files and images carry no MAC; they are attributed to every MAC whose
    files were fetched from the same client address.
  - A request counts as a fetch of a file only under the served O(path); requests for device files under any
    other path (a misconfigured URL, a crafted request) are reported apart, in RV(servers.elsewhere) (per MAC), with
    their status (C(GET 404), a TFTP refusal), so a report can say what was asked for instead of "never fetched".
    Records are keyed on the client address and the path asked for, as the log line gives it.
  - With O(clients), a MAC's fetches count only from its own address; requests from any other address are
    reported apart, in RV(servers.other_clients) (per MAC).
  - A log rotated or compressed while it is read (a file gone, a gzip still being written) is listed and read
    again once, then skipped with a warning; it never fails the module.
  - For an image, RV(servers.files.complete) (per MAC and file name) says whether the request was a complete
    download of the file now staged in O(root) (all its bytes, transfer finished). tftpd-hpa logs
    the request and any refusal but not the end of a transfer, so over TFTP it is null.
  - With O(expect), the rollout wait of C(playbooks/site.yml) - run on every provisioning host at once, it reads
    the logs again every O(interval) seconds until every expected DECT server has fetched each of its files
    from any of these hosts, or O(timeout) seconds, then returns RV(rows), RV(missing) and RV(table), the same on
    every host. The hosts' action plugins share their readings on the controller, in a private directory of the
    run (mode 0700, removed when the run ends). With O(timeout=0), one reading of each host, merged
    (C(playbooks/report.yml)).
  - Reads only; C(changed) is always false.
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  macs:
    description:
      - The DECT servers to report, as MAC addresses in any common spelling (V(00:13:D1:80:00:32),
        V(0013.d180.0032), ...). A MAC that fetched nothing is reported with no files.
      - Omitted or empty, every MAC found in the logs.
    type: list
    elements: str
  since:
    description:
      - Only requests from this time on - an ISO 8601 time (V(2026-11-25T22:00:00Z); without a zone,
        UTC) or a number of seconds ago (V(3600)).
      - Omitted, every request in the logs.
    type: str
  path:
    description:
      - The path the root is served under (the role's C(provisioning_server_path), the path of the provisioning
        URL), V(/dect) for C(https://prov1.example/dect); empty for the root itself.
      - Not given, from O(fact), else empty.
    type: str
  clients:
    description:
      - Per MAC (any common spelling), the client address its requests must come from to count as its fetches
        (its C(dect_ip)). Requests from other addresses go to RV(servers.other_clients).
      - A MAC not listed counts from any address.
    type: dict
  root:
    description:
      - The provisioning root, to compare image downloads with the staged files and tell whether a
        request came after the file was last changed (RV(servers.files.current)).
      - Not given, from O(fact), else V(/srv/dect).
    type: path
  nginx_log:
    description:
      - nginx's access log in the role's C(dect_provisioning) format. Empty, not read.
      - The role's variable C(provisioning_server_nginx_access_log) holds the host's path.
      - Not given, from O(fact), else V(/var/log/nginx/dect-provisioning.access.log).
    type: path
  ftp_log:
    description:
      - vsftpd's transfer log in the standard xferlog format (C(xferlog_std_format=YES)). Empty, not read.
      - The role's variable C(provisioning_server_ftp_log) holds the host's path (Debian
        C(/var/log/vsftpd.log), RHEL C(/var/log/xferlog)).
      - Not given, from O(fact), else V(/var/log/vsftpd.log).
    type: path
  tftp_log:
    description:
      - A syslog file with tftpd-hpa's C(-vv) messages (Debian C(/var/log/syslog), RHEL
        C(/var/log/messages), or the file of the role's launcher). Empty, not read.
      - The role's variable C(provisioning_server_tftp_log) holds the host's path.
      - Not given, from O(fact), else V(/var/log/syslog).
    type: path
  fact:
    description:
      - A JSON file the P(dect.provisioning.provisioning_server#role) role writes on the host (a local fact,
        C(/etc/ansible/facts.d/dect_provisioning.fact)) holding C(root), C(path), C(protocols) and C(logs) (by C(nginx),
        C(ftp) and C(tftp)). Where the task gives no O(root), O(path), O(nginx_log), O(ftp_log) or O(tftp_log), the fact's value is used
        (a log of a protocol it does not serve is not read). A fact that is missing, not a regular file, larger than
        64 KiB or not of that shape fails the task naming it.
      - Not given, the defaults of those options.
    type: path
    version_added: 1.0.0
  expect:
    description:
      - The DECT servers to wait for, as the P(dect.provisioning.rollout_expectations#filter) filter makes them.
        Given, the logs are read until each has fetched its O(expect[].files) or O(timeout) seconds have passed.
      - Their MACs and addresses replace O(macs) and O(clients) (not allowed together).
      - A file counts as fetched when any of the provisioning hosts running the task at once served it after it
        last changed there and, for an image, the download was not incomplete (over TFTP, whose log does not
        say, it is accepted); only under the served O(path), and only from the server's O(expect[].client)
        when given.
      - At most 20000 servers.
    type: list
    elements: dict
    version_added: 1.0.0
    suboptions:
      name:
        description: The DECT server's inventory name (the table's first column, the names in RV(missing)).
        type: str
        required: true
      mac:
        description: Its MAC, in any common spelling.
        type: str
        required: true
      files:
        description:
          - The file names it must fetch (at most 64).
          - Null for a report - then O(expect[].staged) and any image it began to fetch.
        type: list
        elements: str
      client:
        description: The address its fetches must come from (its C(dect_ip)); unset, any address counts.
        type: str
      staged:
        description: With O(expect[].files) null, the files it should have fetched (config, users, version files).
        type: list
        elements: str
  timeout:
    description:
      - With O(expect), seconds to wait, counted from when the first host began the task (0 to 86400). V(0)
        reads once and merges.
    type: int
    default: 300
    version_added: 1.0.0
  interval:
    description: With O(expect), seconds between two readings of the logs (1 to 600).
    type: int
    default: 2
    version_added: 1.0.0
extends_documentation_fragment:
  - dect.provisioning.controller_action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: With O(expect), the action plugin on the controller repeats the reading and merges the hosts' readings.
  check_mode:
    support: full
    details: The module only reads, so check mode reports the same.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
notes:
  - Runs on the provisioning host (Python 3, standard library only). A log that does not exist is
    skipped; one that cannot be read fails the task naming it.
  - Times are UTC. vsftpd must log in UTC (C(use_localtime=NO), as the role sets it); syslog lines
    without a zone are read in the host's local time.
seealso:
  - module: dect.provisioning.provisioning_probe
"""

EXAMPLES = r"""
- name: What did every DECT server fetch in the last hour?
  dect.provisioning.provisioning_log:
    since: "3600"
  register: fetched

- name: Did ward-a take its new firmware?
  dect.provisioning.provisioning_log:
    macs: ["00:13:d1:80:00:32"]
    since: "2026-11-25T22:00:00Z"
    root: /srv/dect
  register: ward_a

- name: Show its image download
  ansible.builtin.debug:
    msg: "{{ ward_a.servers['0013d1800032'].files['kws.bin'] | default('never fetched') }}"

- name: Wait up to 5 minutes until ward-a fetched its new config and firmware from any provisioning host
  dect.provisioning.provisioning_log:
    expect:
      - name: ward-a
        mac: "00:13:d1:80:00:32"
        files: [0013d1800032-config.xml, kws.bin.ver, kws.bin]
        client: 192.0.2.10
    timeout: 300
    interval: 5
  register: wait

- name: Show what each server fetched
  ansible.builtin.debug:
    msg: "{{ wait.table.splitlines() }}"
"""

RETURN = r"""
servers:
  description: Per MAC (12 lowercase hex digits), what it fetched (with O(expect), as this host read it last).
  returned: always
  type: dict
  contains:
    files:
      description:
        - Per file name, the last request for it under the served O(path) (from the MAC's own address when
          O(clients) names it).
      type: dict
      contains:
        kind:
          description: V(config), V(users), V(ver) or V(image).
          type: str
          sample: image
        path:
          description: The path asked for, with a leading C(/).
          type: str
          sample: /dect/kws.bin
        time:
          description: When the request began, ISO 8601 UTC with milliseconds; over FTP the second the
            transfer ended (vsftpd's transfer log has no finer time).
          type: str
          sample: "2026-11-25T22:35:09.120Z"
        epoch:
          description: The same time in seconds since 1970.
          type: float
          sample: 1795732509.12
        protocol:
          description: V(tftp), V(http), V(https) or V(ftp).
          type: str
          sample: https
        client:
          description: The client address (IPv4-mapped IPv6 addresses are shown as IPv4).
          type: str
          sample: 192.0.2.10
        status:
          description: HTTP method and status (V(GET 200)), FTP V(complete) or V(incomplete), TFTP V(sent) or
            V(NAK <code> <text>).
          type: str
          sample: GET 200
        ok:
          description: Whether the server answered with the file (HTTP 2xx to a GET, FTP complete, TFTP no NAK).
          type: bool
        bytes:
          description: Bytes of the file sent (null over TFTP, whose log does not say).
          type: int
          sample: 524288
        staged_size:
          description: Size of the file now in O(root); null when it is not there.
          type: int
        current:
          description: Whether the request came after the file in O(root) was last changed (it fetched the
            file now staged); null when the file is not there.
          type: bool
        complete:
          description: For images, whether the request downloaded the staged image completely; null over
            TFTP and for other kinds.
          type: bool
    other_clients:
      description:
        - Per file name, the last request under the served path from an address other than the one O(clients)
          gives for this MAC (not its fetch); the same fields as RV(servers.files).
      type: dict
    elsewhere:
      description:
        - Per path asked for, the last request for this MAC's files under a path that is not served, any
          address; the same fields as RV(servers.files). At most the 16 latest paths.
      type: dict
      sample: {"/dect/0013d1800032-config.xml": {status: GET 404, ok: false, client: 192.0.2.10}}
    clients:
      description: Client addresses this MAC's files were asked for from.
      type: list
      elements: str
      sample: [192.0.2.10]
    last_request:
      description: Time of its last request; null when it fetched nothing.
      type: str
logs:
  description: Each log file read, oldest first, with how many device-file requests it held.
  returned: always
  type: list
  elements: dict
  sample: [{log: nginx, path: /var/log/nginx/dect-provisioning.access.log.2.gz, requests: 12}]
requests:
  description: Device-file requests read (all MACs, any time).
  returned: always
  type: int
rows:
  description:
    - Per expected DECT server (by name), merged from every provisioning host - C(name), C(mac), C(client),
      C(fetched) (per file name, the request that proves it best, the fields of RV(servers.files)),
      C(other_clients), C(elsewhere), C(wanted) (the files it must fetch) and C(missing) (those not fetched).
  returned: when O(expect) is given
  type: list
  elements: dict
missing:
  description: The names of the expected DECT servers with a missing file.
  returned: when O(expect) is given
  type: list
  elements: str
  sample: [ward-b]
table:
  description: The text table, one line per server and file - what it fetched and when, and what is missing.
  returned: when O(expect) is given
  type: str
"""

from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_log import (
    LogError, client_address, parse_since, read_requests, summarize)
from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_log_spec import (
    ARGUMENT_SPEC, FactError, reading_options)
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError, normalize_mac


def main():
    module = ARGUMENT_SPEC.create_module(supports_check_mode=True)
    try:
        params = reading_options(module.params)
        macs = sorted(set(normalize_mac(mac) for mac in params["macs"])) if params["macs"] else None
        clients = dict((normalize_mac(mac), client_address(ip)) for mac, ip in (params["clients"] or {}).items() if ip)
    except IdentifierError as exc:
        module.fail_json(msg="macs / clients: %s" % exc)
    except FactError as exc:
        module.fail_json(msg=str(exc))
    logs = (("nginx", "nginx_log"), ("ftp", "ftp_log"), ("tftp", "tftp_log"))
    sources = [(kind, params[option]) for kind, option in logs if params[option]]
    try:
        found = read_requests(sources, parse_since(params["since"]))
    except LogError as exc:
        module.fail_json(msg=str(exc))
    for warning in found.warnings:
        module.warn(warning)
    module.exit_json(changed=False, servers=summarize(found, macs, params["root"], params["path"], clients),
                     logs=found.logs, requests=found.count)


if __name__ == "__main__":
    main()

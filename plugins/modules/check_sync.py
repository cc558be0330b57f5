#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: check_sync
short_description: Tell Spectralink DECT servers to re-read their provisioning files (SIP NOTIFY check-sync)
version_added: 1.0.0
description:
  - Sends an out-of-dialog SIP C(NOTIFY) with the event C(check-sync) (RFC 3261, RFC 6665) to one extension
    handled by a Spectralink IP-DECT Server 400/6500 or DECT Server 2500/8000. A server whose
    C(provisioning.check.check_sync) is C(update) or C(reboot) then checks its provisioning server for new
    firmware, configuration and users.
  - One server from the top-level options, or many from O(targets), all sent concurrently in one call from
    one thread; the top-level options are the defaults of every target.
  - UDP requests are retransmitted with the RFC 3261 timers (T1 = 500 ms, doubling up to 4 s, every 4 s
    after a provisional response) until a final response arrives, 64*T1 (32 s) pass or O(timeout) expires.
    Over TCP and TLS the request is sent once.
  - A V(401) or V(407) digest challenge (MD5, MD5-sess, SHA-256, SHA-512-256, with or without qop)
    is answered once with O(auth_username)/O(auth_password), in the same Call-ID with the next CSeq and a new branch.
  - The task fails when any target did not answer with a 2xx final response, and the message names each of
    them with its status or error, unless O(fail_on_error=false).
  - The module runs wherever the task runs and needs only the Python standard library; delegate it to the
    host that can reach the servers' SIP port, usually C(localhost).
author:
  - dect.provisioning contributors (!UNKNOWN)
options:
  host:
    description:
      - The DECT server's address (IP or DNS name), where the NOTIFY is sent.
      - Required unless every entry of O(targets) has its own.
    type: str
  port:
    description:
      - The server's SIP port (its C(sip.localport)).
      - Defaults to V(5060), or V(5061) when O(transport=tls).
    type: int
  transport:
    description:
      - The transport. V(tls) validates the server's certificate unless O(validate_certs=false).
    type: str
    choices: [udp, tcp, tls]
    default: udp
  user:
    description:
      - An extension (user name) the server handles; it becomes the user part of the Request-URI and To.
      - The guide's rule is that check-sync is sent to one of the server's users.
      - Required unless every entry of O(targets) has its own.
    type: str
  domain:
    description:
      - The host part of the Request-URI and To, for example the SIP domain (C(sip.defaultdomain)).
      - Defaults to O(host), with O(port) when it is not the transport's default.
    type: str
  from_user:
    description:
      - The user part of From and Contact.
    type: str
    default: provisioning
  from_domain:
    description:
      - The host part of From. Defaults to the local address the request is sent from.
    type: str
  auth_username:
    description:
      - The user name answering a digest challenge. Defaults to O(user), whose password the server knows.
    type: str
  auth_password:
    description:
      - The password answering a digest challenge (V(401) WWW-Authenticate or V(407) Proxy-Authenticate).
      - Without it a challenge is reported as a failure that says so.
    type: str
  timeout:
    description:
      - Seconds after which a target that gave no final response counts as failed; it covers connecting,
        the TLS handshake, retransmissions and an authentication round.
      - Timer F of RFC 3261 (32 s) ends an unanswered transaction earlier when O(timeout) is longer.
    type: float
    default: 32
  validate_certs:
    description:
      - With O(transport=tls), whether the server's certificate must chain to a trusted CA and match O(host).
    type: bool
    default: true
  ca_path:
    description:
      - With O(transport=tls), a PEM CA bundle file or a hashed CA directory to trust instead of the system's.
    type: path
  local_address:
    description:
      - The local IP address to send from (the source of the request, Via and Contact).
      - Defaults to the address the routing table picks.
    type: str
  use_sips_uri:
    description:
      - With O(transport=tls), use C(sips:) URIs (V(true), as the server's C(sip.use_sips_uri) default) or
        C(sip:) URIs with C(;transport=tls) (V(false)).
    type: bool
    default: true
  name:
    description:
      - Who the target is, for example its inventory host name; never sent. It is returned as RV(results[].name)
        and names the target in messages, so a check-mode preview or a failure names the server, not only its address.
      - The P(dect.provisioning.check_sync_targets#filter) filter sets it to each server's inventory host name.
    type: str
  targets:
    description:
      - Several servers to notify concurrently. Each entry takes the options above; options it leaves out come
        from the top level.
      - An empty list sends nothing and reports C(changed=false), so a handler can pass only the servers
        whose files changed.
      - When O(targets) is not given the top-level options describe the single target.
    type: list
    elements: dict
    suboptions:
      host:
        description: As the top-level O(host).
        type: str
      port:
        description: As the top-level O(port).
        type: int
      transport:
        description: As the top-level O(transport).
        type: str
        choices: [udp, tcp, tls]
      user:
        description: As the top-level O(user).
        type: str
      domain:
        description: As the top-level O(domain).
        type: str
      from_user:
        description: As the top-level O(from_user).
        type: str
      from_domain:
        description: As the top-level O(from_domain).
        type: str
      auth_username:
        description: As the top-level O(auth_username).
        type: str
      auth_password:
        description: As the top-level O(auth_password).
        type: str
      timeout:
        description: As the top-level O(timeout).
        type: float
      validate_certs:
        description: As the top-level O(validate_certs).
        type: bool
      ca_path:
        description: As the top-level O(ca_path).
        type: path
      local_address:
        description: As the top-level O(local_address).
        type: str
      use_sips_uri:
        description: As the top-level O(use_sips_uri).
        type: bool
      name:
        description: As the top-level O(name).
        type: str
  fail_on_error:
    description:
      - Whether the task fails when a target did not answer 2xx. With V(false) it succeeds, warns, and
        RV(failed_targets) lists them.
    type: bool
    default: true
  max_concurrent:
    description:
      - How many targets are in flight at once (each holds one socket); the others wait for a free slot.
      - Never more than the file descriptors the process may still open (its C(RLIMIT_NOFILE) less those
        open and a reserve of 16); with a low limit the targets queue, none fails with C(Too many open files).
    type: int
    default: 256
  max_message_size:
    description:
      - The most bytes a target may send without completing one SIP message (over TCP or TLS), and the
        largest datagram read (over UDP; a longer one is cut, cannot be parsed, and is ignored).
      - Over TCP or TLS, exceeding it ends the target with reason V(transport error) and an error saying the
        peer sent more than O(max_message_size) bytes without a complete SIP message.
      - Together with O(timeout), the deadline of each target's whole exchange, it bounds what a hostile or
        broken peer can cost; C(docs/hostile-input.md) lists the cases.
      - 1024 to 16777216.
    type: int
    default: 65536
attributes:
  check_mode:
    support: full
    details: Nothing is sent. Each result carries the C(request) that would be sent.
extends_documentation_fragment:
  - dect.provisioning.network_client
  - ansible.builtin.action_common_attributes
notes:
  - The module reports C(changed=true) whenever a NOTIFY was sent (or would be, in check mode), because it triggers
    an action on the server, like a handler. Call it from a handler so only servers whose files changed are
    notified; see C(docs/check_sync.md) for a per-host handler and a one-task fan-out handler.
  - The server reacts only when its C(provisioning.check.check_sync) setting is C(update) or C(reboot); with
    C(disabled) it still answers V(200) but does nothing.
  - Over UDP, an ICMP port unreachable answer ends a target at once with an error rather than waiting for
    O(timeout).
  - O(auth_password) is never logged nor returned; the digest response is sent only to the server that
    challenged.
seealso:
  - module: dect.provisioning.config_xml
  - module: dect.provisioning.users_xml
  - name: RFC 3261 (SIP), 17.1.2 non-INVITE client transaction
    description: Timers E and F used for UDP retransmission.
    link: https://www.rfc-editor.org/rfc/rfc3261#section-17.1.2
"""

EXAMPLES = r"""
- name: Ask ward A's DECT server to check for new files
  dect.provisioning.check_sync:
    host: 192.0.2.10
    user: "1000"
  delegate_to: localhost

- name: Notify over TLS, answering a digest challenge
  dect.provisioning.check_sync:
    host: dect-ward-a.example.com
    transport: tls
    ca_path: /etc/pki/dect-ca.pem
    user: "1000"
    domain: pbx.example.com
    auth_password: "{{ vault_dect_1000_password }}"
  delegate_to: localhost

- name: Notify every DECT server of the play in one task, concurrently
  # each host defines dect_check_sync, e.g. {host: "{{ dect_ip }}", user: "{{ dect_users[0].username }}"}
  dect.provisioning.check_sync:
    targets: "{{ ansible_play_hosts | map('extract', hostvars, 'dect_check_sync') | list }}"
    timeout: 10
  delegate_to: localhost
  run_once: true

- name: Notify two extensions on servers that share defaults, and report instead of failing
  dect.provisioning.check_sync:
    transport: tcp
    timeout: 5
    fail_on_error: false
    targets:
      - {host: 192.0.2.10, user: "1000"}
      - {host: 192.0.2.11, user: "2000", port: 5070}
  delegate_to: localhost
  register: sync

- name: Show what would be sent, sending nothing
  dect.provisioning.check_sync:
    host: 192.0.2.10
    user: "1000"
  check_mode: true
  delegate_to: localhost
"""

RETURN = r"""
results:
  description: One entry per target, in the order of O(targets).
  returned: always
  type: list
  elements: dict
  contains:
    target:
      description: The target as C(user@host:port/transport).
      type: str
      sample: 1000@192.0.2.10:5060/udp
    name:
      description: The target's O(name), V(null) when it has none.
      type: str
      sample: ward-a
    host:
      description: The address the request went to.
      type: str
    port:
      description: The port the request went to.
      type: int
    transport:
      description: V(udp), V(tcp) or V(tls).
      type: str
    user:
      description: The Request-URI user.
      type: str
    request_uri:
      description: The Request-URI of the NOTIFY.
      type: str
      sample: sip:1000@192.0.2.10
    status:
      description: The final SIP status code, or V(null) when none arrived (timeout, transport error, check mode).
      type: int
      sample: 200
    reason:
      description: The reason phrase of the final response, or a short label (V(timeout), V(connection failed),
        V(port unreachable), V(TLS error), V(not sent (check mode)), ...) when there is none.
      type: str
      sample: OK
    ok:
      description: Whether the target answered 2xx.
      type: bool
    elapsed:
      description: Seconds from opening the socket to the outcome.
      type: float
      sample: 0.004
    attempts:
      description: NOTIFY transmissions, counting UDP retransmissions and the authenticated request.
      type: int
      sample: 1
    responses:
      description: The status codes received in order (repeats of the same code collapsed), provisional included.
      type: list
      elements: int
      sample: [100, 401, 200]
    authenticated:
      description: Whether a digest challenge was answered.
      type: bool
    error:
      description: Why the target failed, naming it; V(null) when it answered 2xx.
      type: str
      sample: "192.0.2.10:5060 answered 404 Not Found"
    request:
      description: The NOTIFY that would be sent. Branch, tags, Call-ID and local port are chosen afresh when
        it is really sent.
      returned: in check mode
      type: str
failed_targets:
  description: The RV(results[].target) of every target that did not answer 2xx.
  returned: always
  type: list
  elements: str
  sample: ["1001@192.0.2.11:5060/udp"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dect.provisioning.plugins.module_utils._sip.exchange import DEFAULT_MAX_MESSAGE_SIZE
from ansible_collections.dect.provisioning.plugins.module_utils._sip.fanout import DEFAULT_MAX_CONCURRENT, run_check_sync
from ansible_collections.dect.provisioning.plugins.module_utils._sip.target import (
    DEFAULT_FROM_USER,
    DEFAULT_TIMEOUT,
    SipConfigError,
    TRANSPORTS,
)


def main():
    # A target's option left out is None, so it inherits the top level's value (and default).
    target = dict(host=dict(type="str"), port=dict(type="int"), transport=dict(type="str", choices=list(TRANSPORTS)),
                  user=dict(type="str"), domain=dict(type="str"), from_user=dict(type="str"),
                  from_domain=dict(type="str"), auth_username=dict(type="str"),
                  auth_password=dict(type="str", no_log=True), timeout=dict(type="float"),
                  validate_certs=dict(type="bool"), ca_path=dict(type="path"), local_address=dict(type="str"),
                  use_sips_uri=dict(type="bool"), name=dict(type="str"))
    spec = dict(target, transport=dict(type="str", choices=list(TRANSPORTS), default="udp"),
                from_user=dict(type="str", default=DEFAULT_FROM_USER), timeout=dict(type="float", default=DEFAULT_TIMEOUT),
                validate_certs=dict(type="bool", default=True), use_sips_uri=dict(type="bool", default=True),
                targets=dict(type="list", elements="dict", options=target), fail_on_error=dict(type="bool", default=True),
                max_concurrent=dict(type="int", default=DEFAULT_MAX_CONCURRENT),
                max_message_size=dict(type="int", default=DEFAULT_MAX_MESSAGE_SIZE))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    try:
        outcome = run_check_sync(module.params, module.check_mode)
    except SipConfigError as exc:
        module.fail_json(msg=str(exc))
    if outcome.failure:
        module.fail_json(**outcome.result)
    if outcome.warning:
        module.warn(outcome.warning)
    module.exit_json(**outcome.result)


if __name__ == "__main__":
    main()

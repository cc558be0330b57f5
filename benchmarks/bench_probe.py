"""The _fetch package and provisioning_probe against the plain tools a user would reach for, in the same run.

- an 8 MiB firmware image over TFTP: the _fetch package (RFC 2348 blksize 1428 + tsize) vs tftp-hpa's ``tftp``
  client (RFC 1350 512-byte blocks), both from tftpd-hpa on 127.0.0.1;
- the same image over HTTP from nginx: the _fetch package vs ``curl``;
- proving five DECT servers' files over TFTP: provisioning_probe (config + users fetched and
  schema-validated, .ver read, image presence checked) vs a playbook of ``tftp`` gets and
  ``xmllint --noout`` (well-formedness only, no image check).
"""

from __future__ import annotations

import os
import subprocess

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils._fetch.client import fetch_file
from ansible_collections.dect.provisioning.plugins.module_utils import users as users_engine
from benchmarks.common import row, timed, timed_playbook
from devtools.probe_daemons import start_nginx
from devtools.provisioning_daemons import start_tftp

IMAGE_BYTES = 8 * 1024 * 1024
ROUNDS = 3
SERVERS = ["0013d18000%02x" % n for n in range(0x50, 0x55)]

OURS = """
- name: provisioning_probe
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Probe each server
      dect.provisioning.provisioning_probe:
        url: "{{ url }}"
        mac: "{{ item }}"
        model: "6500"
      loop: "{{ macs }}"
"""

PLAIN = """
- name: tftp + xmllint
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Fetch the files of each server
      ansible.builtin.command: tftp {{ host }} {{ port }} -m binary -c get {{ item }} {{ out }}/{{ item }}
      args:
        creates: "{{ out }}/{{ item }}"
      loop: "{{ macs | product(['-config.xml', '-users.xml']) | map('join') | list }}"
    - name: Fetch the version file
      ansible.builtin.command: tftp {{ host }} {{ port }} -m binary -c get kws.bin.ver {{ out }}/kws.bin.ver
      args:
        creates: "{{ out }}/kws.bin.ver"
    - name: Check well-formedness
      ansible.builtin.command: xmllint --noout {{ out }}/{{ item }}
      changed_when: false
      loop: "{{ macs | product(['-config.xml', '-users.xml']) | map('join') | list }}"
"""


def _stage(root):
    settings = {"provisioning": {"check": {"check_sync": "update", "interval": 60}, "users": {"check": True},
                                 "firmware": {"kws": "kws.bin"}}, "sip": {"defaultdomain": "pbx.example.com"}}
    config = config_settings.render(config_settings.validate(settings, "ipdect").tree)
    users = users_engine.validate([{"username": str(9000 + n), "ipei": "00077 %07d" % n} for n in range(50)], "ipdect")
    for mac in SERVERS:
        (root / ("%s-config.xml" % mac)).write_text(config)
        (root / ("%s-users.xml" % mac)).write_text(users_engine.render(users.records))
    (root / "kws.bin").write_bytes(os.urandom(IMAGE_BYTES))
    (root / "kws.bin.ver").write_text("PCS24B 71234")


def _best(func):
    return min(timed(func)[0] for _round in range(ROUNDS))


def _image_rows(workdir, tftpd, nginx):
    tftp_url = "127.0.0.1:%d" % tftpd.port
    http_url = "http://127.0.0.1:%d" % nginx.http_port
    out = workdir / "image.out"

    def ours_tftp():
        assert fetch_file(tftp_url, "kws.bin", keep_data=False, max_size=IMAGE_BYTES).size == IMAGE_BYTES

    def plain_tftp():
        subprocess.run(["tftp", "127.0.0.1", str(tftpd.port), "-m", "binary", "-c", "get", "kws.bin", str(out)],
                       check=True, capture_output=True, timeout=300)
        assert out.stat().st_size == IMAGE_BYTES

    def ours_http():
        assert fetch_file(http_url, "kws.bin", keep_data=False, max_size=IMAGE_BYTES).size == IMAGE_BYTES

    def plain_http():
        subprocess.run(["curl", "-sSf", "-o", str(out), "%s/kws.bin" % http_url], check=True, timeout=300)
        assert out.stat().st_size == IMAGE_BYTES

    mib = IMAGE_BYTES / 1048576.0
    rows = []
    for name, ours, plain, baseline in (("TFTP", ours_tftp, plain_tftp, "tftp-hpa client (512-byte blocks)"),
                                        ("HTTP", ours_http, plain_http, "curl")):
        ours_s, plain_s = _best(ours), _best(plain)
        rows.append(row("fetch: 8 MiB image over %s" % name, ours_s, baseline, plain_s,
                        "best of %d; %.1f MiB/s, sha256 computed while streaming" % (ROUNDS, mib / ours_s)))
    return rows


def _probe_rows(workdir, tftpd):
    out = workdir / "plain-out"
    out.mkdir()
    extra = {"url": "127.0.0.1:%d" % tftpd.port, "macs": SERVERS, "host": "127.0.0.1", "port": tftpd.port,
             "out": str(out)}
    ours_s = timed_playbook(OURS, workdir, "probe-ours", extra_vars=extra)[0]
    plain_s = timed_playbook(PLAIN, workdir, "probe-plain", extra_vars=extra)[0]
    return [row("provisioning_probe: %d servers over TFTP" % len(SERVERS), ours_s,
                "tftp gets + xmllint --noout playbook", plain_s,
                "ours also validates Appendix A/C and checks the image; plain checks well-formedness only")]


def run(workdir):
    root = workdir / "root"
    root.mkdir()
    _stage(root)
    tftpd = start_tftp(root, workdir=workdir)
    try:
        nginx = start_nginx(root, workdir)
        try:
            return _image_rows(workdir, tftpd, nginx) + _probe_rows(workdir, tftpd)
        finally:
            nginx.stop()
    finally:
        tftpd.stop()

"""`make demo`: roll out a small DECT site on this machine and show what each DECT server fetched.

The site (devtools/site_lab.py): a provisioning host on 127.0.0.1 whose nginx config comes from
the provisioning_server role, dnsmasq's option 66 include written and checked by ``dnsmasq --test``,
and three DECT servers played by the emulator: a mixed site, two DECT 8000s and an IP-DECT 6500, each
model with its own server image under the guide's file name (DECTserver8000firmware.bin,
IP-DECTserver6500firmware.bin: the per-model firmware catalogue). They were provisioned once with
firmware DEMO-KWS 1; the demo rolls out DEMO-KWS 2 of both images with ``playbooks/site.yml``, which
stages them and sends SIP NOTIFY check-sync; each server fetches its own model's image and reboots
into it. A second run changes nothing.
"""

from __future__ import annotations

import shutil
import sys
import time

from devtools.collection import REPO
from devtools.site_lab import SiteLab, convergence_table, print_report

WORKDIR = REPO / "demo-output"
SERVERS = 3


def step(text):
    print("==> %s" % text, flush=True)


def recap_line(run, host):
    recap = run.recap(host)
    return "%-10s changed=%d failed=%d" % (host, recap.get("changed", 0), recap.get("failed", 0))


def main():
    if (WORKDIR / "lab.json").exists():
        SiteLab(WORKDIR).down()
    shutil.rmtree(WORKDIR, ignore_errors=True)
    lab = SiteLab(WORKDIR)
    try:
        step("preparing the site in %s: nginx on 127.0.0.1, %d DECT servers (8000 and 6500, one server image per"
             " model) on firmware DEMO-KWS 1" % (WORKDIR, SERVERS))
        lab.up(SERVERS, per_model=True)
        step("rolling out firmware DEMO-KWS 2 of each model's image: ansible-playbook -i %s playbooks/site.yml"
             " -e dect_rollout_wait=true" % lab.inventory)
        started = time.monotonic()
        run = lab.playbook("-e", "dect_rollout_wait=true", "-e", "dect_rollout_wait_timeout=60")
        if run.rc != 0:
            print(run.output[-4000:])
            return 1
        print("    site.yml finished in %.1fs" % (time.monotonic() - started))
        step("convergence, from the provisioning server's request log (site.yml waited until every server fetched;"
             " the emulators all fetch from 127.0.0.1 and images carry no MAC, so the log credits each image to"
             " every server: which image each took is in the emulators' records below):")
        print("".join("    %s\n" % line for line in convergence_table(run.stdout)), end="")
        missing = lab.wait_until_updated()
        step("what each DECT server did after the check-sync (the emulators' own records)")
        print_report(lab.report())
        step("running site.yml again: nothing may change and no NOTIFY may be sent")
        again = lab.playbook()
        hosts = ["prov-local", "dhcp-local"] + [s["name"] for s in lab.state["servers"]]
        for host in hosts:
            print("    " + recap_line(again, host))
        rows = lab.report()
        unchanged = all(again.recap(h).get("changed", 0) == 0 for h in hosts)
        one_notify = all(r["check_syncs"] == 1 for r in rows)
        # Each server fetched its own model's image (a mixed site: no server took the other model's).
        own_image = all(r["image"] in r["fetched"] and r["own_files_only"] for r in rows)
        mixed = {r["image"] for r in rows} == {"DECTserver8000firmware.bin", "IP-DECTserver6500firmware.bin"}
        fine = again.rc == 0 and unchanged and one_notify and not missing and own_image and mixed
        dnsmasq = WORKDIR / "dnsmasq" / "dect.conf"
        step("DHCP option 66 for the DECT servers, checked by dnsmasq --test before it was installed (%s):" % dnsmasq)
        print("".join("    " + line for line in dnsmasq.read_text().splitlines(True) if "66" in line))
        step("files served from %s, inventory %s, emulator logs in %s" % (WORKDIR / "root", lab.inventory,
                                                                          WORKDIR / "emulators"))
        ok = ("OK: every DECT server runs DEMO-KWS 2 of its own model's image after one check-sync;"
              " the re-run changed nothing")
        print("DEMO %s" % (ok if fine else "FAILED: see above and %s" % (WORKDIR / "last-run.log")))
        return 0 if fine else 1
    finally:
        lab.down()


if __name__ == "__main__":
    sys.exit(main())

"""provisioning_log: a 1,000,000-line nginx access log (the role's format) read and summarised per MAC.

2,000 DECT servers, each fetching config, users, a version file and an image over and over, among
requests for other paths (scanners, a favicon). Ours: every line parsed, device files kept, the last
request of each file per MAC with completeness against the staged image. Compared, in the same run,
with the plain alternative an admin would type: ``grep`` for device files piped to ``awk`` keeping
the last line per client and path (no MAC attribution of firmware, no completeness, no rotation).
The goal: at most 5 s for the million lines on this machine.
"""

from __future__ import annotations

import random
import subprocess
import time

from ansible_collections.dect.provisioning.plugins.module_utils._provisioning_log import read_requests, summarize
from benchmarks.common import row, timed

LINES = 1000000
SERVERS = 2000
IMAGE = 524288
GOAL_SECONDS = 5.0
PLAIN = ("grep -E ' /([0-9a-f]{12}-(config|users)\\.xml|[A-Za-z0-9_.+-]+\\.(bin|ver))$' %s "
         "| awk '{last[$3 \" \" $10] = $0} END {for (k in last) print last[k]}' > %s")


def write_log(path, lines=LINES):
    rng = random.Random(13)
    start = time.time() - 86400
    with open(path, "w") as out:
        for n in range(lines):
            index = rng.randrange(SERVERS)
            mac = "0013d18%05x" % index
            client = "192.0.2.%d" % (index % 250 + 1) if index < 1000 else "198.51.100.%d" % (index % 250 + 1)
            pick = n % 10
            if pick < 3:
                uri, sent = "/%s-config.xml" % mac, 4200
            elif pick < 5:
                uri, sent = "/%s-users.xml" % mac, 9000
            elif pick < 7:
                uri, sent = "/kws.bin.ver", 12
            elif pick < 9:
                uri, sent = "/kws.bin", IMAGE if rng.random() > 0.05 else rng.randrange(IMAGE)
            else:
                uri, sent = "/favicon.ico", 0
            stamp = start + n * 0.08
            status = 404 if uri == "/favicon.ico" else 200
            done = "OK" if sent in (IMAGE, 4200, 9000, 12) else "-"
            out.write("%s %.3f %s %s GET %d %d 0.004 %s %s\n" % (
                time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(stamp)), stamp, client,
                "https" if n % 2 else "http", status, sent, done, uri))


def run(workdir):
    log = workdir / "access.log"
    write_log(log)
    root = workdir / "root"
    root.mkdir()
    (root / "kws.bin").write_bytes(b"\0" * IMAGE)

    def ours():
        return summarize(read_requests([("nginx", str(log))]), None, str(root))

    def plain():
        subprocess.run(PLAIN % (log, workdir / "plain.txt"), shell=True, check=True)

    ours_seconds, servers = min((timed(ours) for _round in range(3)), key=lambda pair: pair[0])
    plain_seconds = min(timed(plain)[0] for _round in range(3))
    complete = sum(1 for s in servers.values() if (s["files"].get("kws.bin") or {}).get("complete"))
    return [row("provisioning_log %d-line nginx log" % LINES, ours_seconds, "grep -E | awk (last line per client+path)",
                plain_seconds, "best of 3; %d MACs, %d with a complete image; goal <= %.0f s: %s"
                % (len(servers), complete, GOAL_SECONDS, "met" if ours_seconds <= GOAL_SECONDS else "MISSED"))]

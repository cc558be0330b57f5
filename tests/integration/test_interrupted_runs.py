"""A published change is never lost: whatever stops site.yml between publishing a DECT server's files
and its answered check-sync (a NOTIFY nobody answers, kill -9, a failed later batch), the next run
notifies exactly the servers still pending, and says so. Real nginx, real emulators answering SIP."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from devtools.ansible_runner import playbook_command, run_playbook
from devtools.site_lab import NEW_FIRMWARE, SITE_PLAYBOOK, temporary_lab

pytestmark = pytest.mark.daemons


def notified(lab):
    return {row["name"]: row["check_syncs"] for row in lab.report()}


def stop_emulator(lab, name):
    pid = lab.state["pids"].pop(name)
    os.kill(pid, signal.SIGKILL)
    lab.save()


def test_an_unanswered_check_sync_stays_pending_until_a_later_run_is_answered():
    with temporary_lab("dect-interrupted-unanswered-") as lab:
        lab.up(2)
        stop_emulator(lab, "dect-002")
        first = lab.playbook()
        assert first.rc == 2, first.output
        assert "dect-002 did not acknowledge check-sync: " in first.stdout, first.stdout
        assert "its change stays pending on the provisioning hosts and the next run notifies it again" in first.stdout
        assert notified(lab) == {"dect-001": 1, "dect-002": 0}

        lab.power_cycle()  # dect-002 is back (and boots from what is staged)
        second = lab.playbook()
        assert second.rc == 0, second.output
        assert "dect-002: an earlier run published" in second.output and "dect-001: an earlier run" not in second.output
        # Exactly the server still pending got a NOTIFY; the other one was acknowledged in the first run.
        assert notified(lab) == {"dect-001": 0, "dect-002": 1}

        third = lab.playbook()
        assert third.rc == 0, third.output
        assert notified(lab) == {"dect-001": 0, "dect-002": 1}
        assert "an earlier run published" not in third.output


def test_a_run_killed_after_publishing_is_notified_by_the_next_run():
    with temporary_lab("dect-interrupted-killed-") as lab:
        lab.up(2)
        root = lab.dir / "root"
        argv, env = playbook_command(SITE_PLAYBOOK, lab.dir, inventory=lab.inventory)
        proc = subprocess.Popen(argv, cwd=str(lab.dir), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        seen = []
        try:
            for line in proc.stdout:
                seen.append(line)
                # The batch's documents are written; the check-sync play has not started.
                if line.startswith("TASK [dect.provisioning.dect_server : Report this server's result]"):
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
        finally:
            proc.wait(timeout=60)
            proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL, "".join(seen)
        # The change of this run (the new firmware) is staged and published; nobody was told.
        assert (root / "kws.bin.ver").read_text() == NEW_FIRMWARE, "".join(seen)
        time.sleep(1.0)
        assert notified(lab) == {"dect-001": 0, "dect-002": 0}

        rerun = lab.playbook()
        assert rerun.rc == 0, rerun.output
        for name in ("dect-001", "dect-002"):
            assert "%s: an earlier run published" % name in rerun.output, rerun.output
        assert notified(lab) == {"dect-001": 1, "dect-002": 1}
        assert lab.wait_until_updated() == []


def test_a_failed_later_batch_does_not_lose_the_first_batchs_check_sync():
    with temporary_lab("dect-interrupted-batch-") as lab:
        lab.up(2)
        # Batches of one; dect-002's inventory is refused, so the run stops after its batch. Check-sync is
        # sent per batch in the DECT server play: the first batch's was sent and answered before the later
        # batch failed, and recorded, so it is not lost.
        lab.state["host_vars"] = {"dect-002": {"dect_provisioning_method": "bogus"}}
        lab.set_firmware(lab.state["firmware"])
        broken = run_playbook(SITE_PLAYBOOK, lab.dir, inventory=lab.inventory,
                              extra_vars={"dect_rollout_serial": 1, "dect_rollout_max_fail_percentage": 0})
        assert broken.rc == 2, broken.output
        assert "dect_provisioning_method: 'bogus' is not allowed" in broken.stdout, broken.stdout
        assert "TASK [Send SIP NOTIFY check-sync to the batch's changed servers" in broken.stdout, broken.stdout
        assert notified(lab) == {"dect-001": 1, "dect-002": 0}

        lab.state.pop("host_vars")
        lab.set_firmware(lab.state["firmware"])
        fixed = run_playbook(SITE_PLAYBOOK, lab.dir, inventory=lab.inventory, extra_vars={"dect_rollout_serial": 1})
        assert fixed.rc == 0, fixed.output
        # The first batch's answered NOTIFY was recorded: the re-run does not notify it again.
        assert "dect-001: an earlier run published" not in fixed.output, fixed.output
        assert notified(lab) == {"dect-001": 1, "dect-002": 1}

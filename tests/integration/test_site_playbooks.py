"""The site playbooks as users run them: `ansible-playbook dect.provisioning.site`, then
`playbooks/check_sync.yml -l <server>` on demand, against a whole site on this machine
(devtools/site_lab.py: nginx from the provisioning_server role, DECT server emulators)."""

from __future__ import annotations

import pytest

from devtools.ansible_runner import run_playbook
from devtools.collection import REPO
from devtools.site_lab import NEW_FIRMWARE, temporary_lab


@pytest.fixture(scope="module")
def lab():
    with temporary_lab("dect-site-playbooks-") as site:
        site.up(3)
        yield site


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_site_by_its_collection_name_rolls_out_and_check_sync_on_demand(lab):
    # The site's rollout policy, in the inventory: batches of two DECT servers.
    policy = lab.dir / "group_vars" / "dect_servers" / "rollout.yml"
    policy.parent.mkdir(parents=True)
    policy.write_text("dect_rollout_serial: 2\ndect_rollout_max_fail_percentage: 0\n")
    rollout = run_playbook("dect.provisioning.site", lab.dir, inventory=lab.inventory)
    assert rollout.rc == 0, rollout.output
    # 3 servers in batches of 2: the DECT server play runs its tasks twice.
    assert rollout.stdout.count("TASK [dect.provisioning.dect_server : Publish the batch's documents, one module call per provisioning host") == 2
    assert lab.wait_until_updated() == []
    rows = by_name(lab.report())
    for name, row in rows.items():
        assert row["firmware"] == NEW_FIRMWARE and row["check_syncs"] == 1 and row["own_files_only"], row
        assert "%s-config.xml" % row["mac"] in row["fetched"] and "kws.bin" in row["fetched"], row

    on_demand = run_playbook(REPO / "playbooks" / "check_sync.yml", lab.dir, inventory=lab.inventory,
                             args=("-l", "dect-002"))
    assert on_demand.rc == 0, on_demand.output
    rows = by_name(lab.report())
    assert {name: row["check_syncs"] for name, row in rows.items()} == {"dect-001": 1, "dect-002": 2, "dect-003": 1}

"""Every YAML snippet of docs/*.md and README.md runs (issue 23: copied examples failed).

Each snippet is listed in SNIPPETS, by its file and its position among that file's ```yaml blocks,
with how it is run:
- ``tasks``: run as one play, as the modules' EXAMPLES are (tests/integration/test_examples.py: the
  same scratch directory, inventory and path substitutions; ``check_sync`` in check mode);
- ``inventory``: inventory variables, laid over the examples' inventory (the images they name put
  beside it, under ``{{ inventory_dir }}``), then ``validate.yml`` must pass;
- ``playbook`` / ``play_fragment`` (handlers or tasks of a play, wrapped into one): the playbook is
  loaded by ``ansible-playbook --syntax-check``, which resolves every role, module and import;
- ``role_variables``: each name is an option of the role's ``meta/argument_specs.yml``;
- ``requirements``: a collections requirements file the collection's own galaxy.yml satisfies.
What cannot run here is in NOT_RUN with the reason. The test fails on a snippet in neither list, so
a new snippet is never left unchecked.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from devtools.ansible_runner import run_playbook
from devtools.collection import REPO
from tests.integration.test_examples import (
    CHECK_MODE_ONLY,
    SUBSTITUTIONS,
    inventory as examples_inventory,
    scratch,
)

DOCS = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
SNIPPETS = {
    ("awx.md", 0): "requirements",
    ("awx.md", 1): "playbook",
    ("check_sync.md", 0): "tasks",
    ("check_sync.md", 1): "tasks",
    ("check_sync.md", 2): "play_fragment",
    ("check_sync.md", 3): "play_fragment",
    ("dhcp.md", 0): "playbook",
    ("firmware.md", 0): "tasks",
    ("firmware.md", 1): "inventory",
    ("firmware.md", 2): "playbook",
    ("inventory.md", 0): "inventory",
    ("provisioning_log.md", 0): "tasks",
    ("provisioning_server.md", 0): ("role_variables", "provisioning_server"),
    ("users_xml.md", 0): "tasks",
    ("users_xml.md", 1): "tasks",
}
NOT_RUN = {
    ("adopt.md", 0): "what adopt.yml writes (its vault ciphertext shortened); test_adopt.py checks the real file",
    ("provisioning_log.md", 1): "a result of the module (RETURN), not an input",
    ("provisioning_probe.md", 0): "fetches from a provisioning server over the network (prov.example.com), in check "
                                  "mode too; tests/integration/test_provisioning_probe.py runs the same options",
}
FIRMWARE_FILES = ("IP-DECTserver6500firmware.bin", "IP-DECTserver6500firmware.bin.ver", "DECTserver8000firmware.bin",
                  "DECTserver8000firmware.bin.ver", "pp7x.bin", "pp7x.bin.ver")


def yaml_blocks(path):
    return re.findall(r"^```yaml\n(.*?)^```", path.read_text(), re.S | re.M)


def all_snippets():
    return [(path.name, index) for path in DOCS for index, dummy in enumerate(yaml_blocks(path))]


def text_of(key):
    name, index = key
    path = REPO / "README.md" if name == "README.md" else REPO / "docs" / name
    return yaml_blocks(path)[index]


def substituted(text, tmp):
    for old in sorted(SUBSTITUTIONS, key=len, reverse=True):
        text = text.replace(old, SUBSTITUTIONS[old].replace("{tmp}", str(tmp)))
    return text


def test_every_snippet_is_run_or_listed():
    snippets = set(all_snippets())
    assert sorted(snippets - set(SNIPPETS) - set(NOT_RUN)) == []
    assert sorted((set(SNIPPETS) | set(NOT_RUN)) - snippets) == []  # a stale entry: a snippet moved


def syntax_check(playbook, tmp):
    run = run_playbook(playbook, tmp, inventory=examples_inventory(tmp), args=("--syntax-check",))
    assert run.rc == 0, run.output[-4000:]


@pytest.mark.parametrize("key", sorted(SNIPPETS), ids=lambda key: "%s-%d" % key)
def test_snippet_runs(key, tmp_path):
    how = SNIPPETS[key]
    text = text_of(key)
    data = yaml.safe_load(text)
    if how == "tasks":
        scratch(tmp_path)
        tasks = yaml.safe_load(substituted(text, tmp_path))
        if any(module in task for task in tasks for module in ("dect.provisioning.%s" % m for m in CHECK_MODE_ONLY)):
            tasks = [dict(task, check_mode=True) for task in tasks]
        playbook = tmp_path / "snippet.yml"
        playbook.write_text(yaml.safe_dump([{"name": "snippet", "hosts": "localhost", "gather_facts": False,
                                             "tasks": tasks}], sort_keys=False))
        run = run_playbook(playbook, tmp_path, inventory=examples_inventory(tmp_path),
                           args=("--vault-id", "site@%s" % (tmp_path / "vault-pass")))
        assert run.rc == 0, run.output[-6000:]
        assert run.recap("localhost")["failed"] == 0 and run.recap("localhost")["ok"] >= len(tasks)
    elif how == "inventory":
        scratch(tmp_path)
        for name in FIRMWARE_FILES:
            (tmp_path / "firmware" / name).write_bytes(b"PCS24B 71234\n" if name.endswith(".ver") else b"IMAGE" * 64)
        hosts = json.loads(examples_inventory(tmp_path).read_text())
        hosts["all"]["vars"].update(data)
        path = tmp_path / "hosts.json"
        path.write_text(json.dumps(hosts))
        run = run_playbook(REPO / "playbooks" / "validate.yml", tmp_path, inventory=path)
        assert run.rc == 0, run.output[-6000:]
        assert "1 DECT server(s) validated, no problems" in run.stdout
    elif how in ("playbook", "play_fragment"):
        plays = data if how == "playbook" else [dict({"name": "fragment", "hosts": "dect_servers",
                                                      "gather_facts": False}, **data)]
        playbook = tmp_path / "snippet.yml"
        playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
        syntax_check(playbook, tmp_path)
    elif how == "requirements":
        galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
        (entry,) = data["collections"]
        assert entry["name"] == "%s.%s" % (galaxy["namespace"], galaxy["name"])
        minimum = re.fullmatch(r">=(\d+)\.(\d+)\.(\d+)", entry["version"])
        assert minimum and tuple(map(int, galaxy["version"].split("."))) >= tuple(map(int, minimum.groups()))
    else:
        kind, role = how
        assert kind == "role_variables"
        spec = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
        options = spec["argument_specs"]["main"]["options"]
        assert sorted(set(data) - set(options)) == [], "not options of the %s role" % role

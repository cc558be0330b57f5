"""provisioning_log's ``fact`` option: the module's main() on this host, on real files - a request log, a
staged root and the JSON local fact the provisioning_server role writes - reads where the fact says when
the task does not say, and refuses a fact it cannot use, naming it."""

from __future__ import annotations

import json
import os
import time

import pytest

from ansible_collections.dect.provisioning.plugins.modules import provisioning_log
from devtools.module_runner import run_module_main

MAC = "0013d1800032"


@pytest.fixture
def served(tmp_path):
    """A root with a config staged a minute ago, an nginx log with one fetch of it under /dect, and the fact."""
    root = tmp_path / "root"
    root.mkdir()
    (root / ("%s-config.xml" % MAC)).write_bytes(b"<config/>")
    past = time.time() - 60
    os.utime(root / ("%s-config.xml" % MAC), (past, past))
    log = tmp_path / "nginx-access.log"
    log.write_text("2026-11-25T22:00:00+00:00 %.3f 192.0.2.10 http GET 200 9 0.001 OK /dect/%s-config.xml\n"
                   % (time.time(), MAC))
    fact = tmp_path / "dect_provisioning.fact"
    fact.write_text(json.dumps({"root": str(root), "path": "/dect", "protocols": ["http", "tftp"],
                                "logs": {"nginx": str(log), "ftp": str(tmp_path / "none"), "tftp": ""}}))
    return tmp_path


def read(args):
    return run_module_main(provisioning_log, dict(args, macs=[MAC]))[1]


def test_the_fact_says_where_to_read_when_the_task_does_not(served):
    result = read({"fact": str(served / "dect_provisioning.fact")})
    assert not result.get("failed"), result
    entry = result["servers"][MAC]["files"]["%s-config.xml" % MAC]
    assert (entry["path"], entry["status"], entry["current"], entry["staged_size"]) == (
        "/dect/%s-config.xml" % MAC, "GET 200", True, 9)
    # Only the log of a protocol the fact says is served (ftp is not), and only logs that exist.
    assert [log["path"] for log in result["logs"]] == [str(served / "nginx-access.log")]
    # What the task gives wins over the fact: under another path the same request is not a fetch.
    other = read({"fact": str(served / "dect_provisioning.fact"), "path": "/other"})
    assert other["servers"][MAC]["files"] == {} and list(other["servers"][MAC]["elsewhere"]) == ["/dect/%s-config.xml" % MAC]


@pytest.mark.parametrize("content, message", [
    (None, "fact: {fact} does not exist (the provisioning_server role writes it)"),
    ("{", "fact: {fact} is not JSON: "),
    (json.dumps({"root": "/srv/dect", "protocols": "http", "logs": {}}),
     "fact: {fact} does not hold {{root, path, protocols, logs: {{nginx, ftp, tftp}}}} as the provisioning_server role writes it"),
    (json.dumps({"root": "/srv/dect", "protocols": ["http"], "logs": {"nginx": 5}}),
     "fact: {fact} does not hold {{root, path, protocols, logs: {{nginx, ftp, tftp}}}}"),
])
def test_a_fact_that_cannot_be_used_fails_naming_it(tmp_path, content, message):
    fact = tmp_path / "dect_provisioning.fact"
    if content is not None:
        fact.write_text(content)
    result = read({"fact": str(fact)})
    assert result["failed"] and result["msg"].startswith(message.format(fact=fact)), result


def test_a_fact_that_is_a_symlink_or_too_large_is_refused(tmp_path, served):
    link = tmp_path / "link.fact"
    os.symlink(served / "dect_provisioning.fact", link)
    assert read({"fact": str(link)})["msg"] == "fact: %s: is a symlink; refusing to follow it" % link
    big = tmp_path / "big.fact"
    big.write_text(" " * (64 * 1024 + 1))
    assert read({"fact": str(big)})["msg"] == "fact: %s: larger than 65536 bytes; refusing to read it" % big

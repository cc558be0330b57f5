"""Publishing tools: the generator of the roles' READMEs (tools/gen_role_readmes.py), the example plays
the READMEs show, and what fails a galaxy-importer run (tools/galaxy_import.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.collection import REPO, collections_root
from tools import gen_role_readmes as gen

ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta").is_dir())


@pytest.fixture
def roles_copy(tmp_path, monkeypatch):
    """A copy of roles/ the generator works on instead of the checkout's."""
    shutil.copytree(REPO / "roles", tmp_path / "roles")
    monkeypatch.setattr(gen, "ROLES", tmp_path / "roles")
    monkeypatch.setattr(gen, "REPO", tmp_path)
    return tmp_path / "roles"


def test_short_descriptions_are_plain_text():
    """ansible-core prints an entry point's short_description as is in the task header of its argument
    check ("Validating arguments against arg spec 'derive' - ..."), on every run and above every
    argument error: markup such as C(...) would show raw there. Descriptions keep their markup (only
    ansible-doc and the docs site show them, rendered)."""
    import yaml
    markup = re.compile(r"\b[A-Z]\(")
    for role in ROLES:
        specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
        for entry, spec in specs["argument_specs"].items():
            short = spec.get("short_description", "")
            assert short and not markup.search(short), "roles/%s: %s: %r" % (role, entry, short)


def test_every_role_has_a_current_readme():
    assert gen.roles() == ROLES
    for role in ROLES:
        old, new = gen.render(role)[1:]
        assert old == new, "roles/%s/README.md is stale: run make docs" % role


def test_check_reports_a_stale_readme_and_a_rewrite_fixes_it(roles_copy, capsys):
    spec = roles_copy / "dhcp" / "meta" / "argument_specs.yml"
    spec.write_text(spec.read_text().replace(
        "description: The inventory group of the DECT servers.",
        "description: The inventory group of the DECT servers, see C(dect_servers) and O(dhcp_scope=subnet)."))
    assert gen.main(["gen", "--check"]) == 1
    out, err = capsys.readouterr()
    assert "+| `dhcp_servers_group` | str | `dect_servers` | The inventory group of the DECT servers, see " \
           "`dect_servers` and `dhcp_scope=subnet`. |" in out
    assert err == "roles/dhcp/README.md is stale: run make docs\n"
    assert gen.main(["gen"]) == 0
    assert gen.main(["gen", "--check"]) == 0
    assert "see `dect_servers` and `dhcp_scope=subnet`." in (roles_copy / "dhcp" / "README.md").read_text()


def test_a_role_without_readme_or_markers_fails_the_check(roles_copy, capsys):
    (roles_copy / "firmware" / "README.md").unlink()
    readme = roles_copy / "dhcp" / "README.md"
    readme.write_text(readme.read_text().replace(gen.END, ""))
    assert gen.main(["gen", "--check"]) == 1
    err = capsys.readouterr().err
    assert "roles/firmware/README.md: missing (every role needs a README.md with the generated block)" in err
    assert "roles/dhcp/README.md: needs exactly one block from the line" in err
    assert gen.main(["gen"]) == 1  # nothing to rewrite into
    assert not (roles_copy / "firmware" / "README.md").exists()


def test_ansible_markup_becomes_plain_markdown():
    text = ["C(a|b) and V(0640), O(x=y), O(dect.provisioning.config_xml#module:strict), RV(results[].ok),",
            "P(dect.provisioning.mac#filter), M(dect.provisioning.firmware), I(it), B(bold), U(https://e.example/),",
            "L(the guide, https://g.example/p), E(ANSIBLE_UNSAFE_WRITES), <mac>-config.xml, *not* _markup_."]
    assert gen.markdown(text, "dhcp", "main").split("\n\n") == [
        r"`a\|b` and `0640`, `x=y`, `strict` of `dect.provisioning.config_xml`, `results[].ok`,",
        "`dect.provisioning.mac`, `dect.provisioning.firmware`, *it*, **bold**, <https://e.example/>,",
        r"[the guide](https://g.example/p), `ANSIBLE_UNSAFE_WRITES`, &lt;mac&gt;-config.xml, \*not\* \_markup\_.",
    ]


def test_bad_markup_in_a_spec_is_an_error():
    with pytest.raises(Exception, match="O"):
        gen.markdown("O(unclosed", "dhcp", "main")


def _example_plays(role):
    text = (REPO / "roles" / role / "README.md").read_text()
    section = text.split("## Example play", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


@pytest.mark.parametrize("role", ROLES)
def test_the_example_plays_pass_ansible_s_syntax_check(role, tmp_path):
    plays = _example_plays(role)
    assert plays, "roles/%s/README.md has no example play" % role
    for number, play in enumerate(plays):
        assert "dect.provisioning.%s" % role in play
        path = tmp_path / ("example%d.yml" % number)
        path.write_text("---\n" + play)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root()), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
        proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "--syntax-check", "-i", "localhost,",
                               str(path)], env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_galaxy_import_fails_on_errors_unlisted_warnings_and_an_unfinished_import():
    from tools import galaxy_import  # pylint: disable=import-outside-toplevel

    done = galaxy_import.DONE
    assert galaxy_import.problems("Loading role dhcp\n%s" % done) == []
    # The importer logs these and still says it completed successfully.
    assert galaxy_import.problems("ERROR: Timeout on call to ansible-lint\n%s" % done) == [galaxy_import.LINT_TIMEOUT]
    assert galaxy_import.problems("WARNING: roles/dhcp/tasks/main.yml:3: name[missing]\n%s" % done) == [
        "WARNING: roles/dhcp/tasks/main.yml:3: name[missing]"]
    assert galaxy_import.problems("ERROR: The import failed for the following reason: No role readme found.") == [
        "ERROR: The import failed for the following reason: No role readme found.",
        "the importer did not report %r" % done]

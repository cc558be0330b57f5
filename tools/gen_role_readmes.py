# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the generated part of every ``roles/<role>/README.md`` true to ``meta/argument_specs.yml``.

A role README is hand-written (how the role fits a site, an example play) around one block between
``<!-- BEGIN GENERATED ... -->`` and ``<!-- END GENERATED ... -->``: the role's entry points and
every variable of each (type, default, choices, description), rendered from the argument specs that
Ansible checks the variables against. ``make docs`` (``python -m tools.gen_role_readmes``) rewrites
the blocks; ``make docs-check`` (``--check``) prints a diff and fails when one is stale, when a role
has no README or when a README lacks the markers.

Ansible's markup (``C()``, ``O()``, ``V()``, ``P()``, ...) is parsed with antsibull-docs-parser,
which the venv has through antsibull-changelog (requirements-dev.txt), and written as plain Markdown.
"""

from __future__ import annotations

import difflib
import re
import sys

import yaml
from antsibull_docs_parser import dom
from antsibull_docs_parser.format import Formatter, format_paragraphs
from antsibull_docs_parser.parser import Context, parse

from devtools.collection import REPO

COLLECTION = "dect.provisioning"
ROLES = REPO / "roles"
BEGIN = "<!-- BEGIN GENERATED from meta/argument_specs.yml by `make docs`: edit the spec, not this block -->"
END = "<!-- END GENERATED -->"
_BLOCK = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.S)


def _text(text):
    """Literal text in Markdown: characters that would become markup (or break a table) escaped."""
    text = re.sub(r"([\\`*\[\]|])", r"\\\1", text)
    text = re.sub(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])", r"\\_", text)  # inside a word '_' is no markup
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _code(text):
    text = str(text).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, padding, text, padding, fence)


def _fqcn(plugin):
    return _code(plugin.fqcn)


class _Markdown(Formatter):
    """Ansible markup as plain Markdown: code spans for names and values, no HTML."""

    # pylint: disable=missing-function-docstring,unused-argument
    def format_error(self, part):
        raise ValueError("bad markup: %s" % part.message)

    def format_bold(self, part):
        return "**%s**" % _text(part.text)

    def format_code(self, part):
        return _code(part.text)

    def format_horizontal_line(self, part):
        return "\n\n---\n\n"

    def format_italic(self, part):
        return "*%s*" % _text(part.text)

    def format_link(self, part):
        return "[%s](%s)" % (_text(part.text), part.url)

    def format_module(self, part, url):
        return _code(part.fqcn)

    def format_rst_ref(self, part):
        return _text(part.text)

    def format_url(self, part):
        return "<%s>" % part.url

    def format_text(self, part):
        return _text(part.text)

    def format_env_variable(self, part):
        return _code(part.name)

    def _option_like(self, part):
        name = part.name if part.value is None else "%s=%s" % (part.name, part.value)
        own = part.plugin is None or (part.plugin.fqcn == self.fqcn and part.plugin.type == "role")
        return _code(name) if own else "%s of %s" % (_code(name), _fqcn(part.plugin))

    def format_option_name(self, part, url):
        return self._option_like(part)

    def format_option_value(self, part):
        return _code(part.value)

    def format_plugin(self, part, url):
        return _fqcn(part.plugin)

    def format_return_value(self, part, url):
        return self._option_like(part)

    def __init__(self, fqcn):
        self.fqcn = fqcn


def markdown(text, role, entry_point):
    """One description (a string or a list of paragraphs) as Markdown paragraphs."""
    if text is None:
        return ""
    fqcn = "%s.%s" % (COLLECTION, role)
    context = Context(current_plugin=dom.PluginIdentifier(fqcn=fqcn, type="role"), role_entrypoint=entry_point)
    paragraphs = parse(text, context, errors="exception", strict=True)
    return format_paragraphs(
        paragraphs, formatter=_Markdown(fqcn), par_start="", par_end="", par_sep="\n\n", par_empty="",
        postprocess_paragraph=lambda par: " ".join(par.split()))


def _type(spec):
    kind = spec.get("type", "str")
    return "list of %s" % spec["elements"] if kind == "list" and "elements" in spec else kind


def _default(spec):
    if spec.get("required"):
        return "**required**"
    if "default" not in spec:
        return ""
    return _code(yaml.safe_dump(spec["default"], default_flow_style=True, width=10 ** 6).strip().removesuffix("\n..."))


def _rows(options, role, entry_point, prefix=""):
    """Table rows for options and their suboptions (dotted names). An option whose spec equals an
    earlier sibling's (a YAML alias, like the firmware catalogue's keys) gets a row saying so."""
    seen = {}
    for name in options:
        spec = options[name]
        full = prefix + name
        same = next((other for other, other_spec in seen.items() if other_spec == spec), None)
        seen[name] = spec
        if same is not None:
            yield "| %s | %s | %s | Same fields as %s. |" % (_code(full), _type(spec), _default(spec), _code(prefix + same))
            continue
        text = markdown(spec.get("description"), role, entry_point).replace("\n\n", "<br><br>")
        if spec.get("choices"):
            text += "%sChoices: %s." % ("<br><br>" if text else "", ", ".join(_code(c) for c in spec["choices"]))
        if spec.get("no_log"):
            text += " Not logged (`no_log`)."
        yield "| %s | %s | %s | %s |" % (_code(full), _type(spec), _default(spec), text)
        if spec.get("options"):
            yield from _rows(spec["options"], role, entry_point, full + ".")


def generated_block(role):
    """The generated Markdown of one role, markers included."""
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    out = [BEGIN, "", "## Entry points", "", "| entry point | what it does |", "| --- | --- |"]
    for entry, spec in specs.items():
        out.append("| %s | %s |" % (_code(entry), markdown(spec.get("short_description"), role, entry)))
    first = None
    for entry, spec in specs.items():
        out += ["", "### Entry point `%s`" % entry, ""]
        description = markdown(spec.get("description"), role, entry)
        if description:
            out += [description, ""]
        options = spec.get("options") or {}
        if first is not None and options == first[1]:
            out.append("Variables: the same as entry point `%s`." % first[0])
            continue
        first = first or (entry, options)
        if not options:
            out.append("No variables.")
            continue
        out += ["Variables (%d; checked by Ansible when the entry point runs):" % len(options), "",
                "| variable | type | default | description |", "| --- | --- | --- | --- |"]
        out += list(_rows(options, role, entry))
    out += ["", END]
    return "\n".join(out)


def roles():
    """The collection's roles: every directory under roles/ with argument specs."""
    return sorted(path.name for path in ROLES.iterdir() if (path / "meta" / "argument_specs.yml").is_file())


def render(role):
    """(path, current text, text with a fresh generated block); raises ValueError without a README
    or its markers."""
    path = ROLES / role / "README.md"
    if not path.is_file():
        raise ValueError("%s: missing (every role needs a README.md with the generated block)" % path.relative_to(REPO))
    text = path.read_text()
    if len(_BLOCK.findall(text)) != 1:
        raise ValueError("%s: needs exactly one block from the line\n  %s\nto the line\n  %s"
                         % (path.relative_to(REPO), BEGIN, END))
    return path, text, _BLOCK.sub(lambda _: generated_block(role), text)


def main(argv):
    """Rewrite the generated blocks, or with --check report the stale ones; exit status 1 on any problem."""
    check = argv[1:] == ["--check"]
    if argv[1:] not in ([], ["--check"]):
        sys.stderr.write("usage: python -m tools.gen_role_readmes [--check]\n")
        return 2
    status = 0
    for role in roles():
        try:
            path, old, new = render(role)
        except ValueError as exc:
            sys.stderr.write("%s\n" % exc)
            status = 1
            continue
        if old == new:
            continue
        if check:
            rel = str(path.relative_to(REPO))
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), rel, rel + " (generated)"))
            sys.stderr.write("%s is stale: run make docs\n" % rel)
            status = 1
        else:
            path.write_text(new)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

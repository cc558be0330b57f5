"""config_xml: render + validate a config holding every parameter of a family.

Compared, in the same run, with what a user would otherwise write: ansible.builtin.template of the
same document followed by ``xmllint --noout`` (a well-formedness check only: no schema).
"""

from __future__ import annotations

import json
import re

from ansible_collections.dect.provisioning.plugins.module_utils import config_settings
from ansible_collections.dect.provisioning.plugins.module_utils import param_types as types
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS
from benchmarks.common import row, timed, timed_playbook

DOCUMENTS = 20           # documents per playbook run (one task, a loop)
IN_PROCESS_ROUNDS = 200  # validate+render rounds timed in-process


# A fixed valid value per type, for the types that do not derive it from their own settings.
_FIXED_SAMPLES = (
    (types.TimeOrImmediately, "06:30"),
    (types.Time, "06:30"),
    (types.Netmask, "255.255.255.0"),
    (types.IPv4, "192.0.2.10"),
    (types.IPv6, "2001:db8::10"),
    (types.Host, "host.example.com"),
    (types.ProvisioningUrl, "http://192.0.2.1/dect"),
    (types.FileName, "firmware.bin"),
    (types.Bool, True),
)


def sample(param_type):
    """A valid value of ``param_type``, to build a document holding every parameter."""
    for kind, value in _FIXED_SAMPLES:
        if isinstance(param_type, kind):
            return value
    if isinstance(param_type, types.HexInt):
        return param_type.render(min(param_type.allowed) if param_type.allowed else param_type.minimum)
    if isinstance(param_type, types.Fields):
        return param_type.separator.join(t.render(t.normalize(sample(t))) for dummy, t in param_type.fields)
    if isinstance(param_type, types.List):
        item = param_type.item
        return param_type.separator.join(item.render(item.normalize(sample(item)))
                                         for dummy in range(param_type.length or 2))
    if isinstance(param_type, types.Int):
        if param_type.also:
            return param_type.also[0]
        return param_type.minimum if param_type.minimum is not None else 0
    if isinstance(param_type, types.Decimal):
        return param_type.minimum
    if isinstance(param_type, types.Enum):
        return param_type.choices[0]
    if isinstance(param_type, types.LimitedText):
        return _limited_text_sample(param_type)
    return "text"


def _limited_text_sample(param_type):
    if not param_type.pattern:
        return "x" * max(1, param_type.min_length)
    for candidate in ("a", "1", ""):  # the first one the pattern accepts (access codes are digits)
        try:
            return param_type.normalize(candidate)
        except ValueError:
            pass
    return "a"


def full_settings(family):
    """Settings with a valid value for every parameter of ``family`` (arrays: element 1)."""
    settings = {}
    for param in PARAMETERS:
        if family not in param.families:
            continue
        segments = [s[:-2] + "1" if s.endswith("[]") else s for s in param.path.split(".")]
        node = settings
        for segment in segments[:-1]:
            child = node.setdefault(segment, {})
            if not isinstance(child, dict):  # a leaf that is also a parent (network.ntp): keep the leaf
                break
            node = child
        else:
            if not isinstance(node.get(segments[-1]), dict):
                node[segments[-1]] = sample(param.type)
    return settings


def jinja_template(tree, prefix="settings"):
    """The rendered document with every leaf replaced by a lookup: the template a user would write."""
    lines = config_settings.render(tree).split("\n")
    out, stack = [], []
    for line in lines:
        opening = re.match(r"^(\s*)<([^/?!][^>/]*)>$", line)
        closing = re.match(r"^\s*</([^>]+)>$", line)
        leaf = re.match(r"^(\s*)<([^>/]+)>(.*)</\2>$", line)
        if leaf:
            path = stack[1:] + [leaf.group(2)]
            lookup = prefix + "".join("[%s]" % json.dumps(p) for p in path)
            out.append("%s<%s>{{ %s | string | replace('&', '&amp;') | replace('<', '&lt;') }}</%s>"
                       % (leaf.group(1), leaf.group(2), lookup, leaf.group(2)))
        elif opening:
            stack.append(opening.group(2))
            out.append(line)
        elif closing:
            stack.pop()
            out.append(line)
        else:
            out.append(line)
    return "\n".join(out)


OURS = """
- name: config_xml
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Render and validate
      dect.provisioning.config_xml:
        path: "{{{{ out }}}}/ours-{{{{ item }}}}-config.xml"
        model: "{model}"
        settings: "{{{{ settings }}}}"
      loop: "{{{{ range({n}) | list }}}}"
"""

PLAIN = """
- name: template + xmllint
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Render
      ansible.builtin.template:
        src: "{{{{ tpl }}}}"
        dest: "{{{{ out }}}}/plain-{{{{ item }}}}-config.xml"
        mode: "0644"
      loop: "{{{{ range({n}) | list }}}}"
    - name: Check well-formedness
      ansible.builtin.command: xmllint --noout {{{{ out }}}}/plain-{{{{ item }}}}-config.xml
      changed_when: false
      loop: "{{{{ range({n}) | list }}}}"
"""


def _bench_family(workdir, model, family):
    settings = full_settings(family)
    checked = config_settings.validate(settings, family)
    assert not checked.errors, checked.errors
    count = len(config_settings.flatten(settings))

    def round_trip():
        for dummy in range(IN_PROCESS_ROUNDS):
            result = config_settings.validate(settings, family)
            config_settings.render(result.tree)
    seconds = timed(round_trip)[0]
    per_doc = seconds / IN_PROCESS_ROUNDS

    out = workdir / ("out-%s" % model)
    out.mkdir()
    tpl = workdir / ("config-%s.xml.j2" % model)
    tpl.write_text(jinja_template(checked.tree, "tree"))
    extra = {"settings": checked.settings, "tree": checked.tree, "out": str(out), "tpl": str(tpl)}
    ours_s = timed_playbook(OURS.format(model=model, n=DOCUMENTS), workdir, "ours-%s" % model, extra_vars=extra)[0]
    plain_s = timed_playbook(PLAIN.format(n=DOCUMENTS), workdir, "plain-%s" % model, extra_vars=extra)[0]
    same = (out / "ours-0-config.xml").read_bytes() == (out / "plain-0-config.xml").read_bytes()
    return [
        row("config_xml %s: validate+render in-process" % model, per_doc, None, None,
            "%d parameters, %.2f ms per document" % (count, per_doc * 1000)),
        row("config_xml %s: %d docs via ansible-playbook" % (model, DOCUMENTS), ours_s,
            "template + xmllint --noout", plain_s,
            "%d parameters; same bytes as the template: %s" % (count, same)),
    ]


def run(workdir):
    return _bench_family(workdir, "6500", "ipdect") + _bench_family(workdir, "8000", "dect")

# Sphinx configuration of the docs site (`make docs-site`), kept in the repository: started from
# `antsibull-docs sphinx-init --use-current` (antsibull-docs 2.28.0), then changed where noted.
# SPDX-License-Identifier: GPL-3.0-or-later

project = "dect.provisioning"
copyright = "dect.provisioning contributors"
title = "dect.provisioning"
html_short_title = "dect.provisioning"

# Changed: myst_parser for the Markdown topic pages of docs/.
extensions = ["sphinx.ext.autodoc", "sphinx_antsibull_ext", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# The topic pages link to each other's sections as `page.md#heading-slug` and `#heading-slug`.
myst_heading_anchors = 3

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
display_version = False

default_role = "any"

# Every reference must resolve: with `sphinx-build -W` an unresolved one fails the build.
nitpicky = True

# Changed: no intersphinx. The generated pages refer to labels of the Ansible documentation on
# docs.ansible.com, which sphinx-init resolves through intersphinx inventories downloaded from there;
# this build runs offline (CI reaches PyPI and Debian only), so those references cannot resolve and
# are rendered as plain text. Exactly these are exempt, so every other unresolved reference (a broken
# link between the collection's own pages, a new reference into the Ansible docs) still fails the
# build; a new one here needs a reason. docs/development.md ("Publishing") lists them.
nitpick_ignore = [
    # antsibull-docs' fixed texts: "Common return values are documented here" (every module's
    # Return Values), "an action plugin" (modules with one), "Ansible configuration settings".
    ("ref", "common_return_values"),
    ("ref", "action_plugins"),
    ("ref", "ansible_configuration_settings"),
    # M(ansible.builtin.<name>) in the plugins' descriptions: pages of ansible-core's own modules.
    ("ref", "ansible_collections.ansible.builtin.copy_module"),
    ("ref", "ansible_collections.ansible.builtin.file_module"),
    ("ref", "ansible_collections.ansible.builtin.service_module"),
    ("ref", "ansible_collections.ansible.builtin.template_module"),
]


def setup(app):
    """Markdown code blocks tagged `csv` (docs/users_xml.md) are shown as plain text: Pygments has no
    CSV lexer, and an unknown lexer name is a warning."""
    from pygments.lexers.special import TextLexer  # pylint: disable=import-outside-toplevel

    app.add_lexer("csv", TextLexer)


def _galaxy():
    import pathlib  # pylint: disable=import-outside-toplevel

    import yaml  # pylint: disable=import-outside-toplevel

    return yaml.safe_load((pathlib.Path(__file__).resolve().parents[1] / "galaxy.yml").read_text())


# Changed: the top bar and the logo point at this project (galaxy.yml), not at the Ansible project's
# pages; no advertising slot.
_GALAXY = _galaxy()
html_theme_options = {
    "topbar_links": {"Repository": _GALAXY["repository"], "Issues": _GALAXY["issues"]},
    "documentation_home_url": _GALAXY["documentation"],
    "show_extranav": False,
    "show_rtd_ethical_ads": False,
}

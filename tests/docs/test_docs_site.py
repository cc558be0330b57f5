"""The built docs site, read as a reader would: a page for every plugin and role of the checkout,
the index linking every topic page of docs/, every link between the site's pages resolving, and
the same version_added as ansible-doc.

Runs on the output of `make docs-site`, which runs it (the environment variable DOCSITE names the
built HTML directory).
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from devtools.collection import REPO, collections_root

PAGES = "collections/dect/provisioning"


@pytest.fixture(scope="module")
def site():
    path = Path(os.environ.get("DOCSITE", REPO / ".build" / "docsite" / "html")).resolve()
    assert (path / "index.html").is_file(), "no docs site in %s: run make docs-site" % path
    return path


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.text = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_data(self, data):
        self.text.append(data)


def _read(path):
    page = _Page()
    page.feed(path.read_text())
    return page


def _filters():
    """Every filter the filter plugins define, by importing them as Ansible does."""
    names = []
    for path in sorted((REPO / "plugins" / "filter").glob("*.py")):
        module = __import__("ansible_collections.dect.provisioning.plugins.filter.%s" % path.stem, fromlist=["FilterModule"])
        names += list(module.FilterModule().filters())
    return sorted(names)


def _expected_pages():
    plugins = REPO / "plugins"
    pages = {"%s_module" % p.stem for p in (plugins / "modules").glob("*.py") if p.stem != "__init__"}
    pages |= {"%s_lookup" % p.stem for p in (plugins / "lookup").glob("*.py") if p.stem != "__init__"}
    pages |= {"%s_filter" % name for name in _filters()}
    pages |= {"%s_role" % p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file()}
    return pages


def test_every_plugin_and_role_has_a_page_linked_from_the_collection_index(site):
    expected = _expected_pages()
    for kind in ("module", "lookup", "filter", "role"):  # the globs found something of each kind
        assert any(page.endswith("_" + kind) for page in expected), kind
    built = {p.stem for p in (site / PAGES).glob("*.html")} - {"index"}
    assert built == expected
    linked = {posixpath.splitext(urlsplit(href).path)[0] for href in _read(site / PAGES / "index.html").links}
    assert expected <= linked, expected - linked


def test_the_index_links_every_topic_page(site):
    topics = {"docs/%s.html" % p.stem for p in (REPO / "docs").glob("*.md")}
    assert topics, "no topic pages in docs/"
    links = {urlsplit(href).path for href in _read(site / "index.html").links}
    assert topics <= links, sorted(topics - links)
    for topic in topics:
        assert (site / topic).is_file(), topic


def test_every_link_inside_the_site_resolves(site):
    pages = {path: _read(path) for path in site.rglob("*.html")}
    broken = []
    for path, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "/")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append("%s: %s" % (path.relative_to(site), href))
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in pages[target].ids:
                broken.append("%s: %s (no such anchor)" % (path.relative_to(site), href))
    assert not broken, "\n".join(broken)


def _ansible_doc(kind, names):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root()), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    out = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-t", kind, "--json"] + names,
                         env=env, check=True, capture_output=True, text=True, timeout=300).stdout
    return json.loads(out)


@pytest.mark.parametrize("kind", ["module", "lookup", "filter"])
def test_the_site_shows_the_version_added_that_ansible_doc_shows(site, kind):
    names = sorted(page[: -len(kind) - 1] for page in _expected_pages() if page.endswith("_" + kind))
    docs = _ansible_doc(kind, ["dect.provisioning.%s" % name for name in names])
    assert len(docs) == len(names)
    for name in names:
        version = docs["dect.provisioning.%s" % name]["doc"]["version_added"]
        text = " ".join("".join(_read(site / PAGES / ("%s_%s.html" % (name, kind))).text).split())
        assert "New in dect.provisioning %s" % version in text, (name, version)

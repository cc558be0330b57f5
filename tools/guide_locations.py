# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locate every Appendix A parameter in the text of the provisioning guide; write tools/guide_pages.json.

Run from the repository root with the guide's text:
``.venv/bin/python -m tools.guide_locations /path/to/spectralink-provisioning-guide.txt``.

Appendix A is an embedded document of 32 pages ("Page of pages: N of 32"). Its text shows:
- a table header ("Configuration parameter 2500/8000 400/6500 ...") at the top of most pages;
- the page footer ("18 of 32", "22 of 32") of only two pages.
Pages 3-18 each start with a header (one page between the 4th and 5th header has none, which the
"18 of 32" footer after the 16th header proves); page 19 starts with a header and the "22 of 32"
footer closes page 22; from page 23 a header starts each page except two (the last header is page
32 of 32). A row in a stretch of pages that lost their headers gets that stretch as a range
("19-22"). The result is committed, so docs/parameters.md is generated from the repository alone.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "tools" / "guide_pages.json"
APPENDIX_START = "2. Configurations"
APPENDIX_END = "Appendix B"
HEADER = re.compile(r"^\s*Configuration parameter 2500/\s*$")
# Embedded page of each table header, in order (see the module docstring for the reading).
HEADER_PAGES = (3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 23, 26, 27, 28, 29, 30, 31, 32)
# Stretches whose later pages lost their header: the page a header starts runs on to this page.
STRETCH_END = {4: 5, 19: 22, 23: 25}


def _pages(lines, start):
    """[(line index, page label)] at each table header from ``start``."""
    headers = [i for i in range(start, len(lines)) if HEADER.match(lines[i])]
    if len(headers) < len(HEADER_PAGES):
        raise SystemExit("found %d table headers, expected %d: not the guide this reading was made for"
                         % (len(headers), len(HEADER_PAGES)))
    marks = []
    for index, page in zip(headers, HEADER_PAGES):
        end = STRETCH_END.get(page)
        marks.append((index, "%d-%d" % (page, end) if end else str(page)))
    return marks


def _keys(param):
    segments = param.path.split(".")
    rest = segments[1:]
    keys = []
    if rest:
        keys.append(" → ".join(rest))
        keys.append(rest[-1])
    else:
        keys.append(segments[0])
    return keys


def locate(text, parameters):
    """``{path: {"line": n, "page": "18"}}`` for each parameter, found in order through Appendix A."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == APPENDIX_START)
    end = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(APPENDIX_END))
    marks = _pages(lines, start)
    found, position = {}, start
    for param in parameters:
        hit = None
        for key in _keys(param):
            pattern = re.compile(r"(^|[\s(])%s($|[\s)])" % re.escape(key).replace("\\ →\\ ", r"\s*→\s*"))
            for index in range(position, end):
                if pattern.search(lines[index]):
                    hit = index
                    break
            if hit is not None:
                break
        if hit is None:
            raise SystemExit("%s: not found in Appendix A after line %d" % (param.path, position + 1))
        page = [label for index, label in marks if index <= hit][-1]
        found[param.path] = {"line": hit + 1, "page": page}
        position = hit
    return found


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m tools.guide_locations <spectralink-provisioning-guide.txt>")
    from tools.gen_parameters_doc import _load_schema  # pylint: disable=import-outside-toplevel
    schema = _load_schema()
    text = Path(argv[0]).read_text(encoding="utf-8")
    found = locate(text, schema.PARAMETERS)
    OUTPUT.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

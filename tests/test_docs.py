"""The documentation: every public name documented, every statement on the explanation page."""

from __future__ import annotations

import html
import pathlib
import re
import subprocess
import sys

import pytest

import baricitinib_guideline as bg

DOCS = pathlib.Path(__file__).parent.parent / "docs"


def test_every_public_name_is_in_the_api_reference() -> None:
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    missing = [
        n
        for n in bg.__all__
        if not n.startswith("__") and f"baricitinib_guideline.{n}" not in text
    ]
    assert missing == []


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The docs built as HTML, once for this module."""
    out = tmp_path_factory.mktemp("docs")
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", str(DOCS), str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out


def test_every_statement_appears_on_the_explanation_page(built: pathlib.Path) -> None:
    page = (built / "knowledge.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'<span class="pre">([^<]+)</span>', page))
    assert [entry.id for entry in bg.statements() if entry.id not in shown] == []


def test_the_cli_page_is_the_parsers_help(built: pathlib.Path) -> None:
    page = html.unescape(re.sub(r"<[^>]+>", "", (built / "cli.html").read_text(encoding="utf-8")))
    for command in ("dose", "screening", "monitoring", "evidence", "explain", "statements"):
        assert f"usage: baricitinib-guideline {command}" in page
    # The extras' commands with their own options (issue 19, item 12).
    assert "usage: baricitinib-guideline serve" in page
    assert "--trusted-issuers" in page
    assert "usage: baricitinib-guideline audit" in page

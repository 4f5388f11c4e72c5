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
    for command in (
        "dose",
        "screening",
        "monitoring",
        "evidence",
        "explain",
        "statements",
        "fhir",
    ):
        assert f"usage: baricitinib-guideline {command}" in page
    # The extras' commands with their own options (issue 19, item 12).
    assert "usage: baricitinib-guideline serve" in page
    assert "--trusted-issuers" in page
    assert "usage: baricitinib-guideline audit" in page


def test_every_page_shows_the_imports_its_examples_use() -> None:
    """No hidden setup: what a reader copies from a page runs as it is (issue 19, item 7)."""
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "doctest_global_setup" not in conf
    for page in sorted(DOCS.glob("*.rst")):
        text = page.read_text(encoding="utf-8")
        assert "testsetup" not in text, page.name
        prompts = [line.strip()[4:] for line in text.splitlines() if line.strip()[:4] == ">>> "]
        for name, statement in (
            ("bg", "import baricitinib_guideline as bg"),
            ("dt", "import datetime as dt"),
        ):
            uses = [i for i, line in enumerate(prompts) if re.search(rf"\b{name}\.", line)]
            if uses:
                assert statement in prompts, (page.name, statement)
                assert prompts.index(statement) < uses[0], (page.name, statement)


def test_the_examples_run_as_doctests_without_setup(tmp_path: pathlib.Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "doctest", str(DOCS), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = (tmp_path / "output.txt").read_text(encoding="utf-8")
    assert done.returncode == 0, report
    assert "0 failures in tests" in report
    assert re.search(r"\n\s*[1-9]\d* tests", report)


def test_a_copy_button_and_a_quick_start(built: pathlib.Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    assert "copybutton" in index
    assert "Quick start" in index
    assert "pip install -e ." in html.unescape(re.sub(r"<[^>]+>", "", index))

"""What a newcomer meets before the first answer: install advice, versions, policies."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import subprocess
import sys
import tomllib

import pytest

import baricitinib_guideline as bg

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_version_has_one_source_the_package_metadata() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert bg.__version__ == importlib.metadata.version("baricitinib-guideline")
    assert bg.__version__ == project["version"]
    init = (ROOT / "baricitinib_guideline" / "__init__.py").read_text(encoding="utf-8")
    assert not re.search(r"__version__\s*=", init)
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f"\nversion: {project['version']}\n" in citation


def test_project_urls_name_only_sources_the_library_cites() -> None:
    """Installers show [project.urls]; each must be an https address the library itself cites."""
    urls = importlib.metadata.metadata("baricitinib-guideline").get_all("Project-URL") or []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(project["urls"].values()) == {url.rsplit(", ", 1)[1] for url in urls}
    package = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "baricitinib_guideline").rglob("*.py")
    )
    for url in project["urls"].values():
        assert url.startswith("https://")
        assert url in package, f"{url} is not an address the library cites"


def test_every_release_in_the_changelog_is_dated() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    releases = headings[1:]
    assert releases
    for heading in releases:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", heading), heading


def test_a_security_policy_says_how_to_report_and_what_the_service_checks() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert "## Reporting a vulnerability" in text
    assert "not in a public" in text
    for words in ("JWT", "jti", "fails", "allow_unauthenticated"):
        assert words in text


def test_the_stability_policy_is_in_the_docs() -> None:
    page = (ROOT / "docs" / "stability.rst").read_text(encoding="utf-8")
    for words in ("What is public", "DeprecationWarning", "KNOWLEDGE_VERSION", "schema_version"):
        assert words in page
    assert "\n   stability\n" in (ROOT / "docs" / "index.rst").read_text(encoding="utf-8")


def texts() -> list[pathlib.Path]:
    found = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    found += sorted((ROOT / "docs").glob("*.rst"))
    found += sorted((ROOT / "baricitinib_guideline").rglob("*.py"))
    return found


def test_no_advice_installs_from_the_package_index() -> None:
    """The name is not on the index (and may be someone else's there): advice installs
    from a checkout."""
    pattern = re.compile(r"pip install\s+['\"]?baricitinib[-_]guideline")
    offending = [str(p.relative_to(ROOT)) for p in texts() if pattern.search(p.read_text("utf-8"))]
    assert offending == []


@pytest.mark.parametrize(
    ("blocked", "code", "extra"),
    [
        ("pandas", "bg.as_frame(bg.nma_results())", "frame"),
        ("matplotlib", "import baricitinib_guideline.plot as p; p.forest()", "plot"),
        (
            "fhir.resources",
            "from baricitinib_guideline import fhir; fhir.validate(fhir.plan_definition())",
            "fhir",
        ),
    ],
    ids=["frame", "plot", "fhir"],
)
def test_a_missing_extra_names_the_extra(blocked: str, code: str, extra: str) -> None:
    program = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "import baricitinib_guideline as bg\n"
        f"try:\n    {code}\nexcept ImportError as e:\n    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert f"needs the '{extra}' extra" in done.stdout
    assert f"pip install -e '.[{extra}]' in a checkout" in done.stdout


def test_a_command_of_a_missing_extra_names_the_extra() -> None:
    program = (
        "import sys; sys.modules['starlette'] = None\n"
        "from baricitinib_guideline.cli import main\n"
        "sys.exit(main(['serve']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "serve needs the 'service' extra" in done.stderr
    assert "pip install -e '.[service]'" in done.stderr
    assert "Traceback" not in done.stderr

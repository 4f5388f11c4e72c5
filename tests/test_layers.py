"""The layers of design-notes: adapters use the public API and the model, never the rules' insides.

The import graph is read from the source text, so a new adapter module is checked
without being listed here.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

import baricitinib_guideline

PACKAGE = pathlib.Path(baricitinib_guideline.__file__).parent

# Modules that turn the library's answers into other shapes, or other shapes into its inputs.
ADAPTERS = sorted(
    [
        *(PACKAGE / "fhir").rglob("*.py"),
        *(PACKAGE / "service").rglob("*.py"),
        PACKAGE / "plot.py",
        PACKAGE / "cli.py",
        PACKAGE / "cohort.py",
        PACKAGE / "omop.py",
        PACKAGE / "tables.py",
    ]
)


def imported_modules(source: str, module: str) -> set[str]:
    """Every module that ``source`` (the text of ``module``) imports, relative imports resolved."""
    package = module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            names.add(target)
            # ``from .. import rules`` names the module in the alias, not in ``module``.
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def imports_of(path: pathlib.Path) -> set[str]:
    dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return imported_modules(path.read_text(encoding="utf-8"), dotted)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..rules.monitoring import add_months", "baricitinib_guideline.rules.monitoring"),
        ("from .. import rules", "baricitinib_guideline.rules"),
        ("def f():\n    from ..rules import dosing", "baricitinib_guideline.rules.dosing"),
        ("import baricitinib_guideline.rules._base", "baricitinib_guideline.rules._base"),
        ("from . import _read", "baricitinib_guideline.fhir._read"),
    ],
)
def test_the_import_reader_resolves_every_form(source: str, expected: str) -> None:
    """The checker itself must see each way of writing an import of the rules."""
    assert expected in imported_modules(source, "baricitinib_guideline.fhir._write")


@pytest.mark.parametrize("module", ADAPTERS, ids=[str(p.relative_to(PACKAGE)) for p in ADAPTERS])
def test_adapters_never_import_from_the_rules(module: pathlib.Path) -> None:
    """An adapter reaching into ``rules/`` would bypass the API's assembly of an answer."""
    reaching = sorted(
        name
        for name in imports_of(module)
        if name == "baricitinib_guideline.rules" or name.startswith("baricitinib_guideline.rules.")
    )
    assert reaching == [], f"{module.name} imports {reaching}"


def test_the_adapter_list_covers_the_fhir_and_service_packages() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in ADAPTERS}
    assert {
        "fhir/_write.py",
        "fhir/_read.py",
        "service/__init__.py",
        "plot.py",
        "omop.py",
    } <= names


def private_api_names(source: str, module: str) -> set[str]:
    """The private names of ``api`` that ``source`` imports or reads as ``api._name``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            package = module.split(".")[:-1]
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            if target == "baricitinib_guideline.api":
                found.update(a.name for a in node.names if a.name.startswith("_"))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and isinstance(node.value, ast.Name | ast.Attribute)
            and (node.value.id if isinstance(node.value, ast.Name) else node.value.attr) == "api"
        ):
            found.add(node.attr)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..api import _combine", {"_combine"}),
        ("from . import api\napi._chapter(p)", {"_chapter"}),
        ("import baricitinib_guideline as bg\nbg.api._decide(p)", {"_decide"}),
        ("from . import api\napi.recommend(p)", set()),
    ],
)
def test_the_private_name_reader_sees_every_form(source: str, expected: set[str]) -> None:
    assert private_api_names(source, "baricitinib_guideline.fhir._write") == expected


@pytest.mark.parametrize("module", ADAPTERS, ids=[str(p.relative_to(PACKAGE)) for p in ADAPTERS])
def test_adapters_never_use_the_api_modules_private_names(module: pathlib.Path) -> None:
    """The pieces of the decision an adapter needs are public in ``decision``; the API's
    private names may change with its memo and checks."""
    dotted = ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts)
    assert private_api_names(module.read_text(encoding="utf-8"), dotted) == set()

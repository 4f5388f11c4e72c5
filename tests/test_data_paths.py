"""Hardened data paths outside the cohort: explain() on deep input, citation numbers, and the
subject of a FHIR proposal written for a bundle whose Patient has no id."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, fhir
from baricitinib_guideline.cli import main
from baricitinib_guideline.model.evidence import Citation

ON = dt.date(2026, 11, 1)


def _nested(inner: object, depth: int) -> object:
    for _ in range(depth):
        inner = [inner]
    return inner


def test_explain_reads_input_nested_deeper_than_the_recursion_limit() -> None:
    result = bg.recommend(bg.Patient(age=Q_(40, "year")))
    depth = sys.getrecursionlimit() * 3
    assert bg.explain(_nested((result,), depth)) == bg.explain(result)
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.explain(_nested(42, depth))
    assert caught.value.field == "obj"


def test_explain_ends_on_a_cycle() -> None:
    result = bg.recommend(bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")))
    loop: list[Any] = [result]
    loop.append(loop)
    assert bg.explain(loop) == bg.explain(result)


CITATION: dict[str, Any] = {
    "authors": "Someone A",
    "title": "A title",
    "journal": "J",
    "year": 2020,
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": 1.5}, "number"),
        ({"number": 2.0}, "number"),
        ({"number": True}, "number"),
        ({"number": 0}, "number"),
        ({"number": -3}, "number"),
        ({"number": "1"}, "number"),
        ({"year": 2020.5}, "year"),
        ({"year": False}, "year"),
    ],
    ids=["fraction", "float", "bool", "zero", "negative", "text", "year-fraction", "year-bool"],
)
def test_a_citation_number_is_a_whole_number_from_one(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        Citation(**{"number": 1, **CITATION, **changes})
    assert caught.value.field == field


def test_a_citation_with_a_whole_number_is_kept() -> None:
    assert str(Citation(number=7, **CITATION)).startswith("7. Someone A. A title. J 2020.")


def _bundle_file(tmp_path: Any, patient_id: str | None, full_url: str | None) -> str:
    adult = bg.Patient(age=Q_(40, "year"))  # needs nothing but the Patient resource
    bundle = fhir.patient_bundle(adult, on=ON, patient_id="x")
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Patient":
            continue
        entry.pop("fullUrl", None)
        if full_url is not None:
            entry["fullUrl"] = full_url
        if patient_id is None:
            resource.pop("id", None)
        else:
            resource["id"] = patient_id
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("patient_id", "full_url", "reference"),
    [
        ("c1", None, "Patient/c1"),
        ("c1", "urn:uuid:4a1c1f3e-8f7e-4b8e-9a4e-2d2b0c6f5e11", "Patient/c1"),
        (
            None,
            "urn:uuid:4a1c1f3e-8f7e-4b8e-9a4e-2d2b0c6f5e11",
            "urn:uuid:4a1c1f3e-8f7e-4b8e-9a4e-2d2b0c6f5e11",
        ),
    ],
    ids=["id", "id-and-full-url", "full-url-only"],
)
def test_a_proposal_refers_to_the_bundles_patient(
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    patient_id: str | None,
    full_url: str | None,
    reference: str,
) -> None:
    path = _bundle_file(tmp_path, patient_id, full_url)
    assert main(["--fhir", path, "--on", ON.isoformat(), "--fhir-out"]) == 0
    proposal = json.loads(capsys.readouterr().out)
    assert proposal["subject"] == {"reference": reference}


def test_a_patient_without_id_or_full_url_needs_a_subject(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _bundle_file(tmp_path, None, None)
    assert main(["--fhir", path, "--on", ON.isoformat(), "--fhir-out"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--fhir-out:" in captured.err
    assert "--subject" in captured.err
    assert "(no id)" not in captured.err
    given = ["--fhir", path, "--on", ON.isoformat(), "--fhir-out", "--subject", "Patient/p9"]
    assert main(given) == 0
    assert json.loads(capsys.readouterr().out)["subject"] == {"reference": "Patient/p9"}

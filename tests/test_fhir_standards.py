"""What the FHIR writer emits, checked against the published code systems and FHIR's rules.

The code systems' contents are a hand-made extract of the published sources
(tests/data/hl7_codes.json, each system with the IG or THO release it comes
from), so a code the writer invents fails here whatever the writer says.
"""

from __future__ import annotations

import json
import pathlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import fhir
from baricitinib_guideline.fhir import _write
from baricitinib_guideline.knowledge import codes

Q_ = bg.Q_
ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTRACT = json.loads((ROOT / "tests" / "data" / "hl7_codes.json").read_text(encoding="utf-8"))
SYSTEMS: dict[str, dict[str, Any]] = EXTRACT["systems"]
# Systems outside HL7 whose codes the knowledge layer documents and other tests check.
EXTERNAL = {codes.LOINC, codes.SNOMED, codes.ATC, codes.RXNORM, codes.UCUM, codes.ICD10}
OWN = {fhir.ARROW_SYSTEM, _write.KNOWLEDGE_VERSION_TAG}
XHTML = "{http://www.w3.org/1999/xhtml}"
# FHIR's narrative rules (txt-1, txt-2): basic HTML, no scripts, forms or event attributes.
ALLOWED_ELEMENTS = {"div", "p", "b", "i", "ul", "ol", "li", "table", "tr", "td", "th", "br"}


def written() -> list[dict[str, Any]]:
    child = bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg"))
    proposal = fhir.medication_request(bg.recommend(child), subject="Patient/p1")
    assert proposal is not None
    return [
        proposal,
        *fhir.evidence(),
        *fhir.citations(),
        fhir.plan_definition(),
        fhir.arrow_code_system(),
    ]


def codings(node: object) -> Iterator[dict[str, Any]]:
    """Every Coding (an object with ``system`` and ``code``) anywhere in ``node``."""
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and "code" in node:
            yield node
        for value in node.values():
            yield from codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from codings(value)


def test_the_extract_names_its_source_for_every_system() -> None:
    for url, system in SYSTEMS.items():
        assert system["source"].startswith(("CPG IG 2.0.0", "THO")), url
        assert system["codes"], url


def test_every_code_written_exists_in_the_code_system_it_names() -> None:
    seen = set()
    for resource in written():
        for coding in codings(resource):
            system, code = coding["system"], coding["code"]
            if system in SYSTEMS:
                known = SYSTEMS[system]["codes"]
                assert code in known, f"{code} is not in {system}"
                if coding.get("display") and known[code]:
                    assert coding["display"] == known[code], (system, code)
                seen.add(system)
            else:
                assert system in EXTERNAL | OWN, f"{system} is neither checked nor known"
    # Every HL7 system of the extract is used, so none of its rows is dead weight.
    assert seen == set(SYSTEMS)


def test_direction_uses_the_cpg_2_code_system() -> None:
    """Item 1: CPG 2.0.0 names the code system ``cpg-recommendation-direction-cs``."""
    action = fhir.plan_definition()["action"][0]
    (direction,) = [
        ext["valueCodeableConcept"]["coding"][0]
        for ext in action["extension"]
        if ext["url"].endswith("cpg-directionOfRecommendation")
    ]
    assert direction == {
        "system": "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-recommendation-direction-cs",
        "code": "for",
    }


def test_synthesis_type_is_a_combined_network_meta_analysis() -> None:
    """Item 2: there is no ``NMA`` code; the chapter's NMA mixes direct and indirect evidence."""
    for resource in fhir.evidence():
        (coding,) = resource["synthesisType"]["coding"]
        assert coding["system"] == "http://terminology.hl7.org/CodeSystem/synthesis-type"
        assert coding["code"] == "combined-NMA"


def test_every_certainty_says_what_it_rates() -> None:
    """Item 3: the certainty is the overall GRADE rating."""
    for resource in fhir.evidence():
        for certainty in resource["certainty"]:
            assert certainty["type"]["coding"] == [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/certainty-type",
                    "code": "Overall",
                }
            ]


def check_narrative(resource: dict[str, Any]) -> ET.Element:
    text = resource["text"]
    assert text["status"] == "generated"
    div = ET.fromstring(text["div"])  # well-formed XML, or this raises
    assert div.tag == f"{XHTML}div"
    for element in div.iter():
        assert element.tag.startswith(XHTML), element.tag
        assert element.tag.removeprefix(XHTML) in ALLOWED_ELEMENTS, element.tag
        assert not element.attrib, element.attrib
    assert "".join(div.itertext()).strip()
    return div


def test_every_resource_written_has_a_valid_generated_narrative() -> None:
    """Item 4 (dom-6, txt-1, txt-2)."""
    for resource in written():
        div = check_narrative(resource)
        fhir.validate(resource)
        if resource["resourceType"] == "Evidence":
            assert "95 % CI" in "".join(div.itertext())


def test_the_narrative_escapes_what_it_shows() -> None:
    div = _write._xhtml("a < b & c", ["<script>alert(1)</script>", 'say "hi"'])
    root = ET.fromstring(div)
    assert [element.tag.removeprefix(XHTML) for element in root.iter()] == [
        "div",
        "p",
        "b",
        "ul",
        "li",
        "li",
    ]
    assert "<script>alert(1)</script>" in "".join(root.itertext())


def test_the_proposal_narrative_shows_the_dose_and_the_reasons() -> None:
    result = bg.recommend(bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")))
    proposal = fhir.medication_request(result, subject="Patient/p1")
    assert proposal is not None
    text = "".join(check_narrative(proposal).itertext())
    assert "2 mg once daily" in text
    for reason in result.reasons:
        assert reason.text in text


def test_every_resource_written_carries_the_knowledge_version() -> None:
    """Item 5: as a meta.tag, which every resource (a Bundle too) can carry."""
    for resource in written():
        assert resource["meta"]["tag"] == [
            {"system": "urn:baricitinib-guideline:knowledge-version", "code": bg.KNOWLEDGE_VERSION}
        ]


@pytest.mark.parametrize(
    "answer",
    [
        bg.recommend(bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg"))),
        bg.recommend(bg.Patient(age=Q_(8, "year"))),
        bg.screening_plan(bg.Patient(age=Q_(30, "year"))),
        bg.nma_results(),
        bg.nma_results()[0],
    ],
    ids=["dose", "insufficient", "screening", "evidence", "one-result"],
)
def test_every_serialised_answer_carries_the_knowledge_version(answer: object) -> None:
    data = json.loads(bg.to_json(answer))
    assert data["knowledge_version"] == bg.KNOWLEDGE_VERSION
    kind: Any = type(answer) if not isinstance(answer, tuple) else tuple[type(answer[0]), ...]  # type: ignore[misc]
    assert bg.from_json(bg.to_json(answer), kind) == answer


def test_an_answer_of_another_revision_is_read_but_a_bad_version_is_named() -> None:
    data = json.loads(bg.to_json(bg.Regimen(dose=Q_(2, "mg"))))
    data["knowledge_version"] = "an older revision"
    assert bg.from_json(json.dumps(data), bg.Regimen) == bg.Regimen(dose=Q_(2, "mg"))
    data["knowledge_version"] = 2
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(json.dumps(data), bg.Regimen)
    assert caught.value.field == "$.knowledge_version"


def test_the_docs_say_which_resources_an_r4_server_rejects() -> None:
    """Item 6: Evidence and Citation are R4B; the page says what to send an R4 server."""
    page = (ROOT / "docs" / "fhir.rst").read_text(encoding="utf-8")
    section = page.split("FHIR versions", 1)[1].split("Units: a table", 1)[0]
    for words in ("Evidence", "Citation", "R4B", "R4 server", "PlanDefinition", "CPG IG 2.0.0"):
        assert words in section

"""FHIR in and out: EHR-shaped bundles, the round trip, and resources that validate."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
import sys
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Status, fhir
from baricitinib_guideline.knowledge import codes

ON = dt.date(2026, 11, 1)
LOINC, SNOMED, ICD10, UCUM = codes.LOINC, codes.SNOMED, codes.ICD10, codes.UCUM


def patient(birth: str = "2018-05-20", ident: str = "p1") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": ident, "birthDate": birth}


def observation(
    ident: str,
    loinc: str,
    value: float | None = None,
    code: str | None = None,
    *,
    when: str = "2026-10-01",
    status: str = "final",
    subject: str = "Patient/p1",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ident,
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": subject},
        "effectiveDateTime": when,
    }
    if value is not None:
        resource["valueQuantity"] = {"value": value, "unit": code, "system": UCUM, "code": code}
    resource.update(extra)
    return resource


def bundle(*resources: dict[str, Any], urls: list[str] | None = None) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [{"resource": r} for r in resources]
    for entry, url in zip(entries, urls or [], strict=False):
        entry["fullUrl"] = url
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def read(*resources: dict[str, Any], on: dt.date = ON) -> fhir.PatientReading:
    return fhir.read_patient(bundle(*resources), on=on)


def why(reading: fhir.PatientReading, reference: str) -> str:
    return next(item.why for item in reading.ignored if item.reference == reference)


# Reading: the patient and its age.
def test_age_from_birth_date_on_the_decision_date() -> None:
    reading = read(patient("2008-11-02"))
    assert reading.patient.age_months == 12 * 17 + 11
    assert read(patient("2008-11-01")).patient.age_months == 12 * 18
    assert reading.used == ("Patient/p1",)


@pytest.mark.parametrize(
    ("birth", "words"),
    [
        (None, "full birth date"),
        ("2008", "full birth date"),
        ("2008-02", "full birth date"),
        ("2008-02-30", "not a date"),
        (19, "full birth date"),
    ],
    ids=["missing", "year-only", "year-month", "impossible-day", "number"],
)
def test_a_birth_date_that_cannot_be_read_is_named(birth: object, words: str) -> None:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": "p1"}
    if birth is not None:
        resource["birthDate"] = birth
    with pytest.raises(bg.InvalidInputError, match=words) as caught:
        fhir.read_patient(bundle(resource), on=ON)
    assert caught.value.field == "Patient.birthDate"


def test_exactly_one_patient() -> None:
    with pytest.raises(bg.InvalidInputError, match="no Patient"):
        fhir.read_patient(bundle(observation("w1", "29463-7", 25, "kg")), on=ON)
    with pytest.raises(bg.InvalidInputError, match="more than one different Patient"):
        fhir.read_patient(bundle(patient(), patient("2010-01-01", "p2")), on=ON)
    same = fhir.read_patient(bundle(patient(), patient()), on=ON)
    assert same.patient.age_months == 101


# Weights in kg, g and pounds at several dates: the latest usable one counts.
def test_the_latest_weight_counts_in_any_unit() -> None:
    reading = read(
        patient(),
        observation("w1", "29463-7", 21500, "g", when="2026-08-15"),
        observation("w2", "3141-9", 66.14, "[lb_av]", when="2026-09-30T23:30:00-05:00"),
        observation("w3", "29463-7", 24, "kg", when="2026-09-01"),
    )
    assert reading.patient.weight_kg == pytest.approx(30.0, abs=0.01)
    assert "Observation/w2" in reading.used
    assert why(reading, "Observation/w1").startswith("a later weight")
    assert why(reading, "Observation/w3").startswith("a later weight")
    assert bg.recommend(reading.patient).regimen.dose_mg == 4  # type: ignore[union-attr]


def test_the_unit_is_read_from_the_ucum_code_never_the_display() -> None:
    weight = observation("w1", "29463-7", 25, "kg")
    weight["valueQuantity"]["unit"] = "Kilogramm"
    assert read(patient(), weight).patient.weight_kg == 25


def test_a_date_time_counts_by_the_date_written_in_its_own_time_zone() -> None:
    # 1 November 23:30 in New York is 2 November in UTC, but the date written is 1 November.
    late = observation("w1", "29463-7", 25, "kg", when="2026-11-01T23:30:00-04:00")
    assert read(patient(), late).patient.weight_kg == 25
    early = observation("w2", "29463-7", 25, "kg", when="2026-11-02T01:00:00+09:00")
    assert "dated after" in why(read(patient(), early), "Observation/w2")


def test_same_day_observations_are_ordered_by_their_instants() -> None:
    reading = read(
        patient(),
        observation("w1", "29463-7", 26, "kg", when="2026-10-01T09:00:00+02:00"),
        observation("w2", "29463-7", 25, "kg", when="2026-10-01T08:00:00Z"),
    )
    assert reading.patient.weight_kg == 25


def test_effective_period_end_then_issued() -> None:
    period = observation("w1", "29463-7", 31, "kg", when="2026-01-01")
    del period["effectiveDateTime"]
    period["effectivePeriod"] = {"start": "2026-10-01", "end": "2026-10-05"}
    issued = observation("w2", "29463-7", 29, "kg")
    del issued["effectiveDateTime"]
    issued["issued"] = "2026-10-03T10:00:00Z"
    assert read(patient(), period, issued).patient.weight_kg == 31


# US lab units and the other concepts.
@pytest.mark.parametrize(
    ("code", "value", "status"),
    [
        ("10*3/uL", 0.9, Status.NOT_RECOMMENDED),
        ("10*3/uL", 1.0, Status.RECOMMENDED),
        ("/uL", 999, Status.NOT_RECOMMENDED),
        ("{cells}/uL", 1000, Status.RECOMMENDED),
        ("/mm3", 1000, Status.RECOMMENDED),
        ("10*9/L", 0.99, Status.NOT_RECOMMENDED),
        ("10*3/mm3", 1, Status.RECOMMENDED),
    ],
)
def test_neutrophils_in_the_units_labs_send(code: str, value: float, status: Status) -> None:
    adult = patient("1980-01-01")
    reading = read(adult, observation("n1", "751-8", value, code))
    assert bg.recommend(reading.patient).status is status


def test_every_concept_feeds_its_field() -> None:
    reading = read(
        patient("1960-01-01"),
        observation("c1", "35591-7", 0.75, "mL/s"),
        observation("l1", "26474-7", 1.2, "10*9/L"),
        observation("h1", "718-7", 125, "g/L"),
        observation(
            "s1",
            "72166-2",
            valueCodeableConcept={"coding": [{"system": SNOMED, "code": "77176002"}]},
        ),
    )
    p = reading.patient
    assert p.creatinine_clearance_ml_min == 45
    assert p.labs is not None
    assert p.labs.lymphocytes_per_l == 1.2e9
    assert p.labs.haemoglobin_g_dl == 12.5
    assert bg.RiskFactor.SMOKING in p.risk_factors
    assert set(reading.used) == {
        "Patient/p1",
        "Observation/c1",
        "Observation/l1",
        "Observation/h1",
        "Observation/s1",
    }


def test_a_childs_egfr_per_body_surface() -> None:
    reading = read(
        patient(),
        observation("w", "29463-7", 25, "kg"),
        observation("e", "98979-8", 50, "mL/min/{1.73_m2}"),
    )
    assert reading.patient.egfr_ml_min == 50
    assert bg.recommend(reading.patient).regimen.dose_mg == 1  # type: ignore[union-attr]


def test_body_surface_annotation_is_refused_for_creatinine_clearance() -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        read(patient(), observation("c1", "2164-2", 50, "mL/min/{1.73_m2}"))
    assert caught.value.field == "Observation/c1.valueQuantity.code"


# What is left out, and why.
@pytest.mark.parametrize(
    ("resource", "words"),
    [
        (
            observation("w1", "29463-7", 25, "kg", status="entered-in-error"),
            "status 'entered-in-error'",
        ),
        (observation("w1", "29463-7", 25, "kg", status="preliminary"), "status 'preliminary'"),
        (observation("w1", "29463-7", 25, "kg", when="2026-11-02"), "dated after 2026-11-01"),
        (
            observation("w1", "29463-7", 25, "kg", subject="Patient/other"),
            "not about this patient",
        ),
        (observation("w1", "29463-7", 25, "kg", when="2026-10"), "no full effective date"),
        (observation("w1", "8302-2", 120, "cm"), "code is not one the library reads"),
        (observation("w1", "29463-7"), "no quantity value"),
    ],
    ids=[
        "entered-in-error",
        "preliminary",
        "in-the-future",
        "another-patient",
        "partial-date",
        "unknown-code",
        "no-value",
    ],
)
def test_observations_left_out_with_their_reason(resource: dict[str, Any], words: str) -> None:
    reading = read(patient(), resource)
    assert reading.patient.weight is None
    assert words in why(reading, "Observation/w1")
    assert "Observation/w1" not in reading.used


def test_a_value_with_a_comparator_is_not_an_exact_value() -> None:
    weight = observation("w1", "29463-7", 30, "kg")
    weight["valueQuantity"]["comparator"] = ">"
    reading = read(patient(), weight)
    assert reading.patient.weight is None
    assert "comparator" in why(reading, "Observation/w1")


def test_a_child_without_a_usable_weight_gets_insufficient_information_downstream() -> None:
    reading = read(patient(), observation("w1", "29463-7", 25, "kg", status="entered-in-error"))
    result = bg.recommend(reading.patient)
    assert result.status is Status.INSUFFICIENT_INFORMATION
    assert result.missing == ("weight",)


@pytest.mark.parametrize(
    ("value", "pregnant", "listed"),
    [("77386006", True, False), ("60001007", False, False), ("261665006", False, True)],
    ids=["pregnant", "not-pregnant", "unknown-is-listed"],
)
def test_pregnancy_status(value: str, pregnant: bool, listed: bool) -> None:
    status = observation(
        "g1", "82810-3", valueCodeableConcept={"coding": [{"system": SNOMED, "code": value}]}
    )
    reading = read(patient("1990-01-01"), status)
    assert reading.patient.pregnant is pregnant
    assert any(i.reference == "Observation/g1" for i in reading.ignored) is listed


def condition(
    ident: str, system: str, code: str, verification: str | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {"coding": [{"code": "resolved"}]},
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p1"},
    }
    if verification:
        resource["verificationStatus"] = {"coding": [{"code": verification}]}
    return resource


@pytest.mark.parametrize(
    ("system", "code", "risk"),
    [
        (SNOMED, "128053003", bg.RiskFactor.VTE),
        (ICD10, "I26.9", bg.RiskFactor.VTE),
        (ICD10, "I80.2", bg.RiskFactor.VTE),
        (ICD10, "I21.4", bg.RiskFactor.MACE),
        (ICD10, "I639", bg.RiskFactor.MACE),
        (SNOMED, "363346000", bg.RiskFactor.MALIGNANCY),
        (ICD10, "C50.9", bg.RiskFactor.MALIGNANCY),
        (ICD10, "C97", bg.RiskFactor.MALIGNANCY),
    ],
)
def test_a_resolved_condition_is_history_and_sets_its_risk(
    system: str, code: str, risk: bg.RiskFactor
) -> None:
    reading = read(patient("1980-01-01"), condition("c1", system, code))
    assert reading.patient.risk_factors == {risk}
    assert "Condition/c1" in reading.used
    assert bg.recommend(reading.patient).regimen.dose_mg == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("system", "code", "verification", "words"),
    [
        (SNOMED, "128053003", "refuted", "refuted or entered in error"),
        (SNOMED, "128053003", "entered-in-error", "refuted or entered in error"),
        (ICD10, "I80.0", None, "code is not one the library reads"),
        (ICD10, "D00.1", None, "code is not one the library reads"),
        (SNOMED, "24079001", None, "code is not one the library reads"),
    ],
    ids=[
        "refuted",
        "entered-in-error",
        "superficial-phlebitis",
        "in-situ-not-malignant",
        "the-eczema-itself",
    ],
)
def test_conditions_left_out(system: str, code: str, verification: str | None, words: str) -> None:
    reading = read(patient("1980-01-01"), condition("c1", system, code, verification))
    assert reading.patient.risk_factors == frozenset()
    assert words in why(reading, "Condition/c1")


def probenecid_order(
    status: str, kind: str = "MedicationRequest", **medication: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": kind,
        "id": "m1",
        "status": status,
        "subject": {"reference": "Patient/p1"},
    }
    if kind == "MedicationRequest":
        resource["intent"] = "order"
    resource.update(
        medication
        or {"medicationCodeableConcept": {"coding": [{"system": codes.RXNORM, "code": "8698"}]}}
    )
    return resource


@pytest.mark.parametrize("status", ["active", "on-hold"])
@pytest.mark.parametrize("kind", ["MedicationRequest", "MedicationStatement"])
def test_an_active_probenecid_order_or_statement_sets_oat3(status: str, kind: str) -> None:
    reading = read(patient("1980-01-01"), probenecid_order(status, kind))
    assert reading.patient.strong_oat3_inhibitor
    assert bg.recommend(reading.patient).regimen.dose_mg == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("status", ["stopped", "completed", "entered-in-error", "cancelled"])
def test_a_stopped_probenecid_order_is_left_out(status: str) -> None:
    reading = read(patient("1980-01-01"), probenecid_order(status))
    assert not reading.patient.strong_oat3_inhibitor
    assert f"status {status!r}" in why(reading, "MedicationRequest/m1")


def test_probenecid_as_a_contained_or_bundled_medication() -> None:
    medication = {
        "resourceType": "Medication",
        "id": "med",
        "code": {"coding": [{"system": codes.ATC, "code": "M04AB01"}]},
    }
    contained = probenecid_order(
        "active", medicationReference={"reference": "#med"}, contained=[medication]
    )
    assert read(patient("1980-01-01"), contained).patient.strong_oat3_inhibitor
    bundled = probenecid_order("active", medicationReference={"reference": "Medication/med"})
    assert read(patient("1980-01-01"), medication, bundled).patient.strong_oat3_inhibitor


def test_probenecid_as_the_active_ingredient_of_a_medication() -> None:
    # A Medication coded by its clinical drug (or a combination product) names its
    # ingredients, as the specification's Medication examples do.
    def medication(ident: str, **ingredient: Any) -> dict[str, Any]:
        return {
            "resourceType": "Medication",
            "id": ident,
            "code": {"coding": [{"system": codes.RXNORM, "code": "900000"}]},
            "ingredient": [
                {"itemCodeableConcept": {"coding": [{"system": codes.RXNORM, "code": "7000"}]}},
                {
                    "itemCodeableConcept": {"coding": [{"system": codes.RXNORM, "code": "8698"}]},
                    **ingredient,
                },
            ],
        }

    contained = probenecid_order(
        "active", medicationReference={"reference": "#combo"}, contained=[medication("combo")]
    )
    reading = read(patient("1980-01-01"), contained)
    assert reading.patient.strong_oat3_inhibitor
    assert "MedicationRequest/m1" in reading.used
    bundled = probenecid_order("active", medicationReference={"reference": "Medication/tab"})
    assert read(patient("1980-01-01"), medication("tab"), bundled).patient.strong_oat3_inhibitor
    # An ingredient marked inactive (an excipient) is not the medicine.
    inert = probenecid_order("active", medicationReference={"reference": "Medication/x"})
    reading = read(patient("1980-01-01"), medication("x", isActive=False), inert)
    assert not reading.patient.strong_oat3_inhibitor
    assert "not a medication the library reads" in why(reading, "MedicationRequest/m1")


# References as EHRs write them.
def test_urn_uuid_full_urls_as_synthea_writes_them() -> None:
    url = "urn:uuid:6f1c6b0e-5a4d-4c8e-9a51-1f0b2f7b7c11"
    weight = observation("w1", "29463-7", 25, "kg", subject=url)
    reading = fhir.read_patient(bundle(patient(), weight, urls=[url, "urn:uuid:x"]), on=ON)
    assert reading.patient.weight_kg == 25


def test_an_absolute_url_ending_in_the_patient() -> None:
    weight = observation("w1", "29463-7", 25, "kg", subject="https://ehr.example/fhir/Patient/p1")
    assert read(patient(), weight).patient.weight_kg == 25


def test_json_text_and_a_list_of_resources_are_read_alike() -> None:
    resources = [patient(), observation("w1", "29463-7", 25, "kg")]
    expected = fhir.patient_from_fhir(bundle(*resources), on=ON)
    assert fhir.patient_from_fhir(json.dumps(bundle(*resources)), on=ON) == expected
    assert fhir.patient_from_fhir(resources, on=ON) == expected
    assert fhir.patient_from_fhir(json.dumps(resources).encode(), on=ON) == expected


def test_other_resource_types_are_listed_as_not_read() -> None:
    reading = read(patient(), {"resourceType": "Encounter", "id": "e1"})
    assert why(reading, "Encounter/e1") == "Encounter resources are not read"


# Every malformed element is named.
def _with(path: list[Any], value: Any) -> dict[str, Any]:
    weight = observation("w1", "29463-7", 25, "kg")
    target: Any = weight
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return weight


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["valueQuantity", "code"], "stone", "Observation/w1.valueQuantity.code"),
        (["valueQuantity", "code"], None, "Observation/w1.valueQuantity.code"),
        (["valueQuantity", "value"], "25", "Observation/w1.valueQuantity.value"),
        (["valueQuantity", "value"], True, "Observation/w1.valueQuantity.value"),
        (["valueQuantity", "value"], 10**400, "Observation/w1.valueQuantity.value"),
        (["valueQuantity", "value"], -3, "Observation/w1.valueQuantity.value"),
        (["valueQuantity", "value"], 900, "Observation/w1.valueQuantity.value"),
        (
            ["valueQuantity", "system"],
            "http://example.org/units",
            "Observation/w1.valueQuantity.system",
        ),
        (["valueQuantity"], [25], "Observation/w1.valueQuantity"),
        (["effectiveDateTime"], "yesterday", "Observation/w1.effectiveDateTime"),
        (["effectiveDateTime"], "2026-02-30", "Observation/w1.effectiveDateTime"),
        (["effectiveDateTime"], 20261001, "Observation/w1.effectiveDateTime"),
        (["code"], "29463-7", "Observation/w1.code"),
        (["code", "coding"], {"code": "x"}, "Observation/w1.code.coding"),
        (["code", "coding", 0], "29463-7", "Observation/w1.code.coding[0]"),
        (["subject"], "Patient/p1", "Observation/w1.subject"),
        (["status"], 3, "Observation/w1.status"),
    ],
)
def test_malformed_elements_are_named(path: list[Any], value: Any, field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        read(patient(), _with(path, value))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("resources", "field"),
    [
        ("{", "resources"),
        ("[" * 100_000 + "]" * 100_000, "resources"),
        (
            '{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "birthDate": NaN}}]}',
            "resources",
        ),
        (" " * 1000, "resources"),
        (42, "resources"),
        ({"resourceType": "Bundle", "entry": {"resource": {}}}, "Bundle.entry"),
        ({"resourceType": "Bundle", "entry": ["x"]}, "Bundle.entry[0]"),
        (
            {"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]},
            "Bundle.entry[0].resource.resourceType",
        ),
        (
            {"resourceType": "Bundle", "entry": [{"fullUrl": 3, "resource": patient()}]},
            "Bundle.entry[0].fullUrl",
        ),
        ([patient(), "Observation"], "resources[1]"),
        (b"\xff\xfe", "resources"),
    ],
    ids=[
        "truncated",
        "deeply-nested",
        "nan",
        "huge",
        "number",
        "entry-object",
        "entry-string",
        "no-type",
        "full-url-number",
        "item-string",
        "not-utf8",
    ],
)
def test_hostile_input_fails_closed(resources: Any, field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        fhir.read_patient(resources, on=ON)
    assert caught.value.field == field


@settings(max_examples=300, deadline=dt.timedelta(seconds=2))
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=20,
    ),
    st.sampled_from(
        [
            "valueQuantity",
            "code",
            "subject",
            "effectiveDateTime",
            "status",
            "effectivePeriod",
            "issued",
        ]
    ),
)
def test_any_value_in_an_element_fails_closed(value: Any, element: str) -> None:
    weight = observation("w1", "29463-7", 25, "kg")
    weight[element] = value
    try:
        fhir.read_patient(bundle(patient(), weight), on=ON)
    except bg.InvalidInputError as error:
        named = error.field
    else:
        return
    assert named.startswith("Observation/w1")


# Writing.
def test_every_emitted_resource_validates_with_the_r4b_models() -> None:
    child = bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg"))
    emitted = [
        fhir.medication_request(bg.recommend(child), subject="Patient/p1"),
        *fhir.evidence(),
        *fhir.citations(),
        fhir.plan_definition(),
        fhir.arrow_code_system(),
        fhir.patient_bundle(child, on=ON, patient_id="p1"),
    ]
    for resource in emitted:
        assert resource is not None
        fhir.validate(resource)


def test_the_proposal() -> None:
    result = bg.recommend(bg.Patient(age=Q_(70, "year")))
    request = fhir.medication_request(result, subject="Patient/p1")
    assert request is not None
    assert (request["status"], request["intent"]) == ("draft", "proposal")
    assert request["medicationCodeableConcept"]["coding"][0] == {
        "system": "http://www.whocc.no/atc",
        "code": "L04AF02",
        "display": "baricitinib",
    }
    dosage = request["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {
        "value": 2,
        "unit": "mg",
        "system": UCUM,
        "code": "mg",
    }
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d"}
    assert len(request["note"]) == len(result.reasons)
    assert all(
        reason.source.statement in note["text"]
        for reason, note in zip(result.reasons, request["note"], strict=True)
    )
    assert (
        fhir.medication_request(
            bg.recommend(bg.Patient(age=Q_(30, "year"), pregnant=True)), subject="Patient/p1"
        )
        is None
    )


def test_evidence_follows_the_nma_results() -> None:
    emitted = fhir.evidence()
    assert len(emitted) == len(bg.nma_results())
    for resource, result in zip(emitted, bg.nma_results(), strict=True):
        statistic = resource["statistic"][0]
        assert statistic["statisticType"]["coding"][0]["code"] == "0000457"
        assert statistic["quantity"]["value"] == result.estimate
        estimate = statistic["attributeEstimate"][0]
        assert estimate["type"]["coding"][0]["code"] == "C53324"
        assert estimate["level"] == 0.95
        assert (estimate["range"]["low"]["value"], estimate["range"]["high"]["value"]) == (
            result.ci.lower,
            result.ci.upper,
        )
        assert resource["certainty"][0]["rating"]["coding"][0][
            "code"
        ] == result.certainty.name.lower().replace("_", "-")
        assert resource["synthesisType"]["coding"][0]["code"] == "combined-NMA"
        roles = [v["variableRole"]["coding"][0]["code"] for v in resource["variableDefinition"]]
        assert roles == ["population", "exposure", "referenceExposure", "measuredVariable"]


def test_one_citation_per_reference_in_order() -> None:
    emitted = fhir.citations()
    assert [c["citedArtifact"]["title"][0]["text"] for c in emitted] == [
        r.title for r in bg.REFERENCES
    ]
    first = emitted[0]["citedArtifact"]["publicationForm"][0]
    assert first["periodicRelease"]["volume"] == "160"
    assert first["periodicRelease"]["issue"] == "9"
    assert emitted[1]["citedArtifact"]["webLocation"][0]["url"] == bg.REFERENCES[1].url


# The CPG-on-FHIR rules the PlanDefinition relies on (fhir.resources checks structure only).
def test_plan_definition_follows_the_cpg_recommendation_rules() -> None:
    plan = fhir.plan_definition()
    assert plan["type"]["coding"][0]["code"] == "eca-rule"
    assert plan["action"]
    headline = plan["action"][0]
    extensions = {e["url"]: e["valueCodeableConcept"]["coding"] for e in headline["extension"]}
    strength = extensions["http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"]
    assert {
        "system": "http://terminology.hl7.org/CodeSystem/recommendation-strength",
        "code": "strong",
    } in strength
    assert {"system": fhir.ARROW_SYSTEM, "code": "STRONG_FOR", "display": "↑↑"} in strength
    direction = extensions[
        "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-directionOfRecommendation"
    ]
    assert direction[0]["code"] == "for"
    quality = extensions["http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"]
    assert quality[0]["code"] == "moderate"  # the lowest GRADE rating among the NMA rows
    for action in (headline, *headline["action"]):
        assert action["title"]
        for condition in action.get("condition", []):
            assert condition["kind"] == "applicability"
            assert condition["expression"]["expression"]
            assert condition["expression"]["description"]
    assert len(plan["relatedArtifact"]) == len(bg.REFERENCES) + 1
    assert all(a["type"] == "citation" for a in plan["relatedArtifact"])


def test_plan_definition_numbers_come_from_the_knowledge_base() -> None:
    from baricitinib_guideline.knowledge import chapter

    doses = {a["id"]: a for a in fhir.plan_definition()["action"][0]["action"]}
    assert (
        doses["dose-child-low"]["title"] == f"Baricitinib {chapter.CHILD_LOW_MG:g} mg once daily"
    )
    # The bands' numbers are the CQL library's, which the actions name.
    low = _cql_definition(doses["dose-child-low"]["condition"][0]["expression"]["expression"])
    assert f'"Weight kg" >= {chapter.CHILD_MIN_WEIGHT_KG:g}' in low
    assert f'"Weight kg" < {chapter.CHILD_HIGH_WEIGHT_KG:g}' in low
    risk = _cql_definition(doses["dose-risk-reduced"]["condition"][0]["expression"]["expression"])
    assert '"Aged 65 or over"' in risk
    assert f">= {chapter.OLDER_ADULT_AGE_MONTHS // 12:g} * 12" in _cql_definition(
        "Aged 65 or over"
    )
    monitoring = fhir.plan_definition()["action"][2]
    assert {a["code"][0]["coding"][0]["code"] for a in monitoring["action"] if "code" in a} >= {
        "58410-2",
        "24325-3",
        "24331-1",
    }


def test_the_arrow_code_system_documents_its_mapping() -> None:
    system = fhir.arrow_code_system()
    assert system["url"] == fhir.ARROW_SYSTEM
    concepts = {c["code"]: c for c in system["concept"]}
    assert set(concepts) == {s.name for s in bg.Strength}
    assert "strong" in concepts["STRONG_FOR"]["definition"]
    assert "against" in concepts["WEAK_AGAINST"]["definition"]


# The round trip.
round_trip_patients = st.builds(
    # A pregnancy under 10 years is refused as a contradiction: not generated.
    lambda age, weight, extra: bg.Patient(
        age=age,
        weight=weight,
        **{**extra, "pregnant": extra.get("pregnant", False) and age >= Q_(10, "year")},
    ),
    st.one_of(
        st.integers(0, 120).map(lambda y: Q_(y, "year")),
        st.integers(0, 1440).map(lambda m: Q_(m, "month")),
    ),
    st.one_of(
        st.none(),
        st.floats(0.5, 300).map(lambda v: Q_(round(v, 2), "kg")),
        st.integers(500, 200_000).map(lambda v: Q_(v, "g")),
        st.floats(2, 600).map(lambda v: Q_(round(v, 1), "lb")),
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "creatinine_clearance": st.floats(5, 200).map(lambda v: Q_(round(v, 1), "mL/min")),
            "egfr": st.floats(5, 150).map(lambda v: Q_(round(v, 1), "mL/min")),
            "pregnant": st.booleans(),
            "strong_oat3_inhibitor": st.booleans(),
            "labs": st.builds(
                bg.Labs,
                neutrophils=st.floats(0, 20).map(lambda v: Q_(round(v, 2), "1/nL")),
                haemoglobin=st.floats(3, 20).map(lambda v: Q_(round(v, 1), "g/dL")),
            ),
        },
    ),
)


@settings(max_examples=300, deadline=None)
@given(round_trip_patients, st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_round_trip_gives_the_same_patient_and_answer(p: bg.Patient, on: dt.date) -> None:
    again = fhir.patient_from_fhir(fhir.patient_bundle(p, on=on, patient_id="rt-1"), on=on)
    assert again.age_months == p.age_months
    assert bg.recommend(again) == bg.recommend(p)
    assert again == p


# UCUM: the table against an independent UCUM parser.
@pytest.mark.parametrize(
    ("dimension", "code"),
    [(d, code) for d, table in codes.UCUM_UNITS.items() for code in table]
    + [("egfr", code) for code in codes.EGFR_ANNOTATED],
)
def test_the_ucum_table_agrees_with_a_ucum_parser(dimension: str, code: str) -> None:
    from ucumvert import PintUcumRegistry  # type: ignore[import-untyped]

    ucum = _ucum_registry(PintUcumRegistry)
    ours = bg.ureg.Quantity(1, bg.units.parse_unit(codes.EGFR_ANNOTATED.get(code, code), "unit"))
    reference = {
        "[mass]": "kilogram",
        "1 / [volume]": "1 / liter",
        "[mass] / [volume]": "gram / liter",
        "[substance] / [volume]": "micromole / liter",
    }
    target = reference.get(dimension, "milliliter / minute")
    theirs = ucum.from_ucum(code)
    assert Fraction(ours.m_as(target)).limit_denominator(10**6) == Fraction(
        float(theirs.m_as(target))
    ).limit_denominator(10**6)


_UCUM: dict[str, Any] = {}


def _ucum_registry(factory: Any) -> Any:
    if "registry" not in _UCUM:
        _UCUM["registry"] = factory()
    return _UCUM["registry"]


# Staying light.
def test_import_does_not_load_the_fhir_module_or_its_extras() -> None:
    code = (
        "import sys, baricitinib_guideline; "
        "print(any(m.startswith(('baricitinib_guideline.fhir', 'fhir', 'pydantic', 'ucumvert')) for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_reading_does_not_change_its_input() -> None:
    given_bundle = bundle(patient(), observation("w1", "29463-7", 25, "kg"))
    before = copy.deepcopy(given_bundle)
    fhir.read_patient(given_bundle, on=ON)
    assert given_bundle == before


# The command line.
def test_cli_reads_a_bundle_file_and_prints_the_proposal(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from baricitinib_guideline.cli import main

    child = bg.Patient(age=Q_(12, "year"), weight=Q_(40, "kg"), strong_oat3_inhibitor=True)
    path = tmp_path / "bundle.json"
    path.write_text(
        json.dumps(fhir.patient_bundle(child, on=ON, patient_id="c1")), encoding="utf-8"
    )
    assert main(["--fhir", str(path), "--on", ON.isoformat()]) == 0
    text = capsys.readouterr().out
    assert "Read from FHIR as of 2026-11-01: Patient/c1" in text
    assert "Regimen: 2 mg once daily (recommended)" in text
    assert main(["--fhir", str(path), "--on", ON.isoformat(), "--fhir-out"]) == 0
    proposal = json.loads(capsys.readouterr().out)
    assert proposal["subject"] == {"reference": "Patient/c1"}
    assert proposal["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 2
    fhir.validate(proposal)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fhir", "BUNDLE", "--age", "8y"], "--fhir: the bundle gives the patient"),
        (["--fhir", "MISSING"], "--fhir: cannot read"),
        (["--fhir", "BUNDLE", "--on", "2026-13-01"], "--on: '2026-13-01' is not a date"),
        (["--age", "8y", "--weight", "25kg", "--fhir-out"], "--fhir-out: needs --subject"),
    ],
    ids=["with-patient-options", "missing-file", "bad-date", "no-subject"],
)
def test_cli_fhir_errors(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    from baricitinib_guideline.cli import main

    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(patient())), encoding="utf-8")
    args = [
        str(path) if a == "BUNDLE" else str(tmp_path / "none.json") if a == "MISSING" else a
        for a in args
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1


def test_cli_proposal_without_a_regimen_is_null(capsys: pytest.CaptureFixture[str]) -> None:
    from baricitinib_guideline.cli import main

    assert main(["--age", "30y", "--pregnant", "--fhir-out", "--subject", "Patient/x"]) == 0
    assert capsys.readouterr().out.strip() == "null"


def _cql_definition(name: str) -> str:
    """The body of a definition of the shipped CQL library."""
    source = fhir.cql_files()["BaricitinibDosing.cql"].decode("utf-8")
    found = re.search(rf'^define "{re.escape(name)}":\n?(.*?)(?=^define |\Z)', source, re.M | re.S)
    assert found is not None, name
    return found.group(1)

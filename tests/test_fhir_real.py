"""Reading records shaped as EHRs really send them: Synthea R4 exports, C-CDA
conversions, transaction and batch responses, the specification's examples."""

from __future__ import annotations

import copy
import datetime as dt
import http.server
import json
import random
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Status, fhir
from baricitinib_guideline.knowledge import codes
from baricitinib_guideline.knowledge.freshness import MAX_AGE, MAX_AGE_LIMIT

ON = dt.date(2026, 11, 1)
LOINC, SNOMED, ICD10, UCUM = codes.LOINC, codes.SNOMED, codes.ICD10, codes.UCUM
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COLON_CANCER = "363406005"
LUNG_CANCER = "254637007"
PATIENT_UUID = "urn:uuid:" + str(uuid.UUID(int=1))


def person(birth: str = "1980-05-20", **extra: Any) -> dict[str, Any]:
    """A Patient as Synthea writes one (profile in meta, names, gender)."""
    return {
        "resourceType": "Patient",
        "id": "p1",
        "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]},
        "name": [{"use": "official", "family": "Doe", "given": ["Jane"]}],
        "gender": "female",
        "birthDate": birth,
        **extra,
    }


def synthea_observation(
    ident: str,
    loinc: str,
    value: float | None,
    unit: str | None,
    *,
    when: str = "2026-10-01T10:20:30-05:00",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": "x"}], "text": "x"},
        "subject": {"reference": PATIENT_UUID},
        "effectiveDateTime": when,
        "issued": when.replace("30-", "30.123-") if "T" in when else when,
    }
    if value is not None:
        resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    resource.update(extra)
    return resource


def synthea_condition(
    ident: str,
    code: str,
    *,
    system: str = SNOMED,
    onset: str | None = "2019-03-04T10:20:30-05:00",
    abated: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {
            "coding": [
                {"system": CLINICAL, "code": status or ("resolved" if abated else "active")}
            ]
        },
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "code": {"coding": [{"system": system, "code": code, "display": "x"}], "text": "x"},
        "subject": {"reference": PATIENT_UUID},
        "recordedDate": "2019-03-04T10:20:30-05:00",
    }
    if onset is not None:
        resource["onsetDateTime"] = onset
    if abated is not None:
        resource["abatementDateTime"] = abated
    return resource


def smoking(ident: str, answer: str, when: str = "2026-10-01T10:20:30-05:00") -> dict[str, Any]:
    resource = synthea_observation(ident, "72166-2", None, None, when=when)
    resource["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": answer}]}
    return resource


def synthea(*resources: dict[str, Any], patient: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Synthea R4 transaction Bundle: urn:uuid fullUrls and request elements."""
    entries = [
        {
            "fullUrl": PATIENT_UUID,
            "resource": patient or person(),
            "request": {"method": "POST", "url": "Patient"},
        }
    ]
    for index, resource in enumerate(resources):
        entries.append(
            {
                "fullUrl": "urn:uuid:" + str(uuid.UUID(int=1000 + index)),
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def read(*resources: dict[str, Any], on: dt.date = ON, **options: Any) -> fhir.PatientReading:
    return fhir.read_patient(synthea(*resources), on=on, **options)


def why(reading: fhir.PatientReading, reference: str) -> str:
    return " | ".join(item.why for item in reading.ignored if item.reference == reference)


ADULT_LABS = (
    synthea_observation("n1", "751-8", 4.2, "10*3/uL"),
    synthea_observation("l1", "731-0", 1.8, "10*3/uL"),
    synthea_observation("h1", "718-7", 13.1, "g/dL"),
)


# Pregnancy on the problem list.
def test_an_active_pregnancy_condition_is_a_pregnancy() -> None:
    reading = read(synthea_condition("preg", "72892002", onset="2026-08-01T09:00:00-05:00"))
    assert reading.patient.pregnant is True
    assert "Condition/preg" in reading.used
    assert bg.recommend(reading.patient).status is Status.CONTRAINDICATED


def test_a_pregnancy_delivered_before_the_date_is_over_and_listed() -> None:
    delivered = synthea_condition(
        "preg", "77386006", onset="2025-09-01T09:00:00Z", abated="2026-05-30T09:00:00Z"
    )
    reading = read(delivered)
    assert reading.patient.pregnant is False
    assert "abated" in why(reading, "Condition/preg")


def test_an_audit_of_a_past_date_sees_the_pregnancy_the_record_later_resolves() -> None:
    delivered = synthea_condition(
        "preg", "72892002", onset="2025-09-01T09:00:00Z", abated="2026-05-30T09:00:00Z"
    )
    assert read(delivered, on=dt.date(2026, 1, 15)).patient.pregnant is True
    # Before conception it is not yet a pregnancy.
    before = read(delivered, on=dt.date(2025, 8, 1))
    assert before.patient.pregnant is False
    assert "onset is after" in why(before, "Condition/preg")


def test_a_resolved_pregnancy_without_an_abatement_date_does_not_count() -> None:
    reading = read(synthea_condition("preg", "72892002", status="resolved"))
    assert reading.patient.pregnant is False
    assert "clinical status (resolved) is not active" in why(reading, "Condition/preg")


def test_a_not_pregnant_result_does_not_hide_an_active_pregnancy_condition() -> None:
    test = smoking("ps", "60001007")
    test["code"] = {"coding": [{"system": LOINC, "code": "82810-3"}]}
    reading = read(test, synthea_condition("preg", "72892002", onset="2026-09-01"))
    assert reading.patient.pregnant is True
    assert "pregnancy Condition" in why(reading, "Observation/ps")


def pregnancy_status(ident: str, *answers: tuple[str, str], when: str) -> dict[str, Any]:
    resource = synthea_observation(ident, "82810-3", None, None, when=when)
    resource["valueCodeableConcept"] = {
        "coding": [{"system": system, "code": code} for system, code in answers]
    }
    return resource


@pytest.mark.parametrize(
    "later",
    [
        [(SNOMED, "261665006")],
        [(LOINC, "LA4489-6")],
        [(SNOMED, "146799005")],
    ],
    ids=["unknown", "loinc-answer", "possible-pregnancy"],
)
def test_a_later_status_that_says_neither_does_not_hide_a_pregnancy(
    later: list[tuple[str, str]],
) -> None:
    # Pregnant at a visit in September; three weeks later the status is asked again and
    # recorded as unknown, or coded in a way the library does not read.
    pregnant = pregnancy_status("ps-1", (SNOMED, "77386006"), when="2026-09-28T09:00:00Z")
    unsure = pregnancy_status("ps-2", *later, when="2026-10-19T09:00:00Z")
    reading = read(unsure, pregnant)
    assert reading == read(pregnant, unsure)
    assert reading.patient.pregnant is True
    assert "Observation/ps-1" in reading.used
    assert "not an answer the library reads" in why(reading, "Observation/ps-2")
    assert bg.recommend(reading.patient).status is Status.CONTRAINDICATED


def test_a_later_not_pregnant_still_ends_a_pregnancy_status() -> None:
    pregnant = pregnancy_status("ps-1", (SNOMED, "77386006"), when="2026-03-02T09:00:00Z")
    after = pregnancy_status("ps-2", (SNOMED, "60001007"), when="2026-10-19T09:00:00Z")
    reading = read(after, pregnant)
    assert reading.patient.pregnant is False
    assert "a later pregnancy observation is used" in why(reading, "Observation/ps-1")


def test_a_status_coded_both_ways_is_listed_and_keeps_an_older_one_out() -> None:
    pregnant = pregnancy_status("ps-1", (SNOMED, "77386006"), when="2026-09-28T09:00:00Z")
    both = pregnancy_status(
        "ps-2", (SNOMED, "77386006"), (SNOMED, "60001007"), when="2026-10-19T09:00:00Z"
    )
    reading = read(both, pregnant)
    assert reading.patient.pregnant is False
    assert "contradict each other" in why(reading, "Observation/ps-2")
    assert "Observation/ps-1" not in reading.used


# Malignancy below SNOMED 363346000, through a terminology.
def test_without_a_terminology_a_finer_cancer_code_is_listed_never_guessed() -> None:
    reading = read(synthea_condition("ca", COLON_CANCER))
    assert reading.patient.risk_factors == frozenset()
    assert "not one the library reads" in why(reading, "Condition/ca")


def test_an_in_memory_expansion_places_real_cancer_codes() -> None:
    terminology = fhir.ValueSetTerminology(
        {f"{SNOMED}|363346000": [f"{SNOMED}|{COLON_CANCER}", f"{SNOMED}|{LUNG_CANCER}"]}
    )
    reading = read(
        synthea_condition("ca", LUNG_CANCER, abated="2024-01-01T00:00:00Z"),
        *ADULT_LABS,
        terminology=terminology,
    )
    assert reading.patient.risk_factors == {bg.RiskFactor.MALIGNANCY}
    assert bg.recommend(reading.patient).regimen.dose_mg == 2  # type: ignore[union-attr]
    # A code outside the expansion is not below it; for the ancestors the expansion
    # does not cover, the terminology cannot say, and the reading says so.
    other = read(synthea_condition("x", "44054006"), terminology=terminology)
    assert other.patient.risk_factors == frozenset()
    assert "could not say whether its code is below" in why(other, "Condition/x")
    assert "Malignant" not in why(other, "Condition/x")
    assert "Pulmonary embolism (59282003)" in why(other, "Condition/x")


def test_value_set_terminology_refuses_what_is_not_system_bar_code() -> None:
    with pytest.raises(bg.InvalidInputError, match="system\\|code"):
        fhir.ValueSetTerminology({"363346000": []})
    with pytest.raises(bg.InvalidInputError):
        fhir.ValueSetTerminology({f"{SNOMED}|363346000": f"{SNOMED}|1"})
    with pytest.raises(bg.InvalidInputError, match="terminology"):
        read(synthea_condition("ca", COLON_CANCER), terminology=object())


class _Subsumes(http.server.BaseHTTPRequestHandler):
    """A terminology server's CodeSystem/$subsumes, with ways to misbehave."""

    below: ClassVar[set[tuple[str, str]]] = {
        ("363346000", COLON_CANCER),
        ("363346000", LUNG_CANCER),
    }
    mode = "normal"
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        type(self).asked.append(self.path)
        mode = type(self).mode
        if url.path != "/fhir/CodeSystem/$subsumes":
            self.send_error(404)
            return
        if mode == "slow":
            time.sleep(1.5)
        if mode == "error":
            self.send_error(500)
            return
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()
            return
        outcome = (
            "subsumes"
            if (query.get("codeA"), query.get("codeB")) in self.below
            else "not-subsumed"
        )
        body: bytes = json.dumps(
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "outcome", "valueCode": outcome}],
            }
        ).encode()
        if mode == "huge":
            body = b'{"resourceType": "Parameters", "pad": "' + b"x" * 200_000 + b'"}'
        if mode == "duplicate":
            body = (
                b'{"resourceType": "Parameters", "parameter": [{"name": "outcome", '
                b'"valueCode": "subsumes", "valueCode": "not-subsumed"}]}'
            )
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def terminology_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Subsumes)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Subsumes.mode = "normal"
    _Subsumes.asked = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_terminology_server_places_a_colon_cancer(terminology_server: str) -> None:
    server = fhir.ServerTerminology(terminology_server, timeout=5)
    reading = read(synthea_condition("ca", COLON_CANCER), terminology=server)
    assert reading.patient.risk_factors == {bg.RiskFactor.MALIGNANCY}
    assert "Condition/ca" in reading.used
    asked = [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query) for p in _Subsumes.asked]
    assert {"system": [SNOMED], "codeA": ["363346000"], "codeB": [COLON_CANCER]} in asked
    # Answers are remembered: reading again asks nothing new.
    count = len(_Subsumes.asked)
    read(synthea_condition("ca", COLON_CANCER), terminology=server)
    assert len(_Subsumes.asked) == count
    # ICD-10 codes are never sent to a SNOMED question.
    assert all("icd" not in p for p in _Subsumes.asked)


def test_a_code_the_server_says_is_not_below_is_listed(terminology_server: str) -> None:
    server = fhir.ServerTerminology(terminology_server)
    reading = read(synthea_condition("x", "44054006"), terminology=server)
    assert reading.patient.risk_factors == frozenset()
    assert "not one the library reads" in why(reading, "Condition/x")


@pytest.mark.parametrize("mode", ["slow", "error", "redirect", "huge", "duplicate"])
def test_a_server_that_cannot_answer_leaves_the_condition_listed(
    terminology_server: str, mode: str
) -> None:
    _Subsumes.mode = mode
    server = fhir.ServerTerminology(terminology_server, timeout=0.3, max_bytes=10_000)
    reading = read(synthea_condition("ca", COLON_CANCER), terminology=server)
    assert reading.patient.risk_factors == frozenset()
    assert "terminology could not say" in why(reading, "Condition/ca")
    assert "Malignant neoplastic disease (363346000)" in why(reading, "Condition/ca")


def test_a_server_terminology_needs_an_http_url() -> None:
    for url in ("file:///etc/passwd", "ftp://example.org", "http://", 3):
        with pytest.raises(bg.InvalidInputError, match="base_url"):
            fhir.ServerTerminology(url)  # type: ignore[arg-type]
    with pytest.raises(bg.InvalidInputError, match="timeout"):
        fhir.ServerTerminology("http://127.0.0.1:1", timeout=0)


# Stale and dead.
def test_a_childs_weight_from_2020_does_not_decide_a_2026_dose() -> None:
    child = person("2016-03-01")
    old = synthea_observation("w2020", "29463-7", 22.0, "kg", when="2020-06-01T10:00:00+02:00")
    reading = fhir.read_patient(synthea(old, patient=child), on=dt.date(2026, 10, 1))
    assert reading.patient.weight is None
    assert "2313 days old" in why(reading, "Observation/w2020")
    assert "(dated 2020-06-01)" in why(reading, "Observation/w2020")
    assert bg.recommend(reading.patient).status is Status.INSUFFICIENT_INFORMATION


def test_a_recent_weight_and_freshness_per_concept() -> None:
    child = person("2016-03-01")
    weights = (
        synthea_observation("w-old", "29463-7", 22.0, "kg", when="2026-05-01T10:00:00Z"),
        synthea_observation("w-new", "29463-7", 31.0, "kg", when="2026-09-01T10:00:00Z"),
    )
    reading = fhir.read_patient(synthea(*weights, patient=child), on=ON)
    assert reading.patient.weight_kg == 31
    # A caller's longer limit lets the older one count where the newer is missing.
    only_old = synthea(weights[0], patient=child)
    assert fhir.patient_from_fhir(only_old, on=ON).weight is None
    longer = {"child_weight": dt.timedelta(days=200)}
    assert fhir.patient_from_fhir(only_old, on=ON, max_age=longer).weight_kg == 22
    assert fhir.patient_from_fhir(only_old, on=ON, max_age={"child_weight": None}).weight_kg == 22


def test_the_default_limits_are_within_a_year_and_shorter_for_children() -> None:
    assert all(limit <= MAX_AGE_LIMIT for limit in MAX_AGE.values())
    assert MAX_AGE["child_weight"] <= MAX_AGE["weight"] / 3
    read_concepts = set(codes.OBSERVATIONS) | {"child_weight"}
    assert set(MAX_AGE) == read_concepts


@pytest.mark.parametrize(
    "max_age", [{"height": dt.timedelta(days=1)}, {"weight": 30}, {"weight": dt.timedelta(-1)}, 3]
)
def test_a_wrong_max_age_is_refused(max_age: Any) -> None:
    with pytest.raises(bg.InvalidInputError, match="max_age"):
        read(max_age=max_age)


@pytest.mark.parametrize(
    ("extra", "element"),
    [
        ({"deceasedBoolean": True}, "Patient.deceasedBoolean"),
        ({"deceasedDateTime": "2024-02-03T04:05:06-05:00"}, "Patient.deceasedDateTime"),
        ({"deceasedDateTime": "2026-11-01"}, "Patient.deceasedDateTime"),
        ({"deceasedDateTime": "2025"}, "Patient.deceasedDateTime"),
    ],
)
def test_a_deceased_patient_is_refused(extra: dict[str, Any], element: str) -> None:
    with pytest.raises(bg.InvalidInputError, match="died") as caught:
        fhir.read_patient(synthea(patient=person(**extra)), on=ON)
    assert caught.value.field == element


def test_a_death_after_the_date_of_an_audit_is_a_living_patient() -> None:
    later = person(deceasedDateTime="2026-11-02T08:00:00Z")
    assert fhir.read_patient(synthea(patient=later), on=ON).patient.age_months == 46 * 12 + 5
    alive = person(deceasedBoolean=False)
    assert fhir.read_patient(synthea(patient=alive), on=ON).patient.age_years > 46


def test_the_specifications_dog_is_not_a_person() -> None:
    dog = {
        "resourceType": "Patient",
        "id": "animal",
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-animal",
                "extension": [
                    {
                        "url": "species",
                        "valueCodeableConcept": {
                            "coding": [{"system": SNOMED, "code": "125097000", "display": "Dog"}]
                        },
                    }
                ],
            }
        ],
        "gender": "female",
        "birthDate": "2010-03-23",
    }
    with pytest.raises(bg.InvalidInputError, match="animal") as caught:
        fhir.read_patient(dog, on=ON)
    assert caught.value.field == "Patient.extension[0]"


# Risk factors survive a round trip.
@pytest.mark.parametrize("risk", list(bg.RiskFactor))
def test_each_risk_factor_reads_back_and_keeps_the_2_mg_answer(risk: bg.RiskFactor) -> None:
    adult = bg.Patient(age=Q_(40, "year"), risk_factors={risk})
    bundle = fhir.patient_bundle(adult, on=ON, patient_id="rf")
    again = fhir.patient_from_fhir(bundle, on=ON)
    assert again.risk_factors == {risk}
    assert bg.recommend(again) == bg.recommend(adult)
    if risk is not bg.RiskFactor.SMOKING:  # smoking alone is a caution, not the 2 mg group
        assert bg.recommend(again).regimen.dose_mg == 2  # type: ignore[union-attr]


def test_the_bundle_never_invents_a_standard_code() -> None:
    everything = bg.Patient(
        age=Q_(40, "year"),
        risk_factors=set(bg.RiskFactor),
        comorbidities=set(bg.Comorbidity),
        systemic_candidate=False,
        suspected_hepatitis_b=True,
        breastfeeding=True,
        can_become_pregnant=True,
        hypersensitivity=True,
        severe_hepatic_impairment=True,
        suspected_drug_induced_liver_injury=True,
    )
    bundle = fhir.patient_bundle(everything, on=ON, patient_id="all")
    known = {
        (code.system, code.code)
        for name in dir(codes)
        for value in [getattr(codes, name)]
        for code in _codes_in(value)
    }
    written = [
        (coding["system"], coding["code"])
        for entry in bundle["entry"]
        for coding in _codings_in(entry["resource"])
    ]
    standard = [pair for pair in written if pair[0] in (SNOMED, ICD10, LOINC)]
    assert standard
    assert all(pair in known for pair in standard)
    assert all(
        pair[0] in (SNOMED, ICD10, LOINC, codes.LIBRARY, codes.RXNORM, codes.ATC)
        or pair[0].startswith("http://terminology.hl7.org/CodeSystem/")
        for pair in written
    )
    assert codes.LIBRARY.startswith(fhir.CANONICAL_BASE)
    again = fhir.patient_from_fhir(bundle, on=ON)
    assert again == everything


def _codes_in(value: object) -> list[codes.Code]:
    if isinstance(value, codes.Code):
        return [value]
    if isinstance(value, dict):
        return [c for item in value.values() for c in _codes_in(item)]
    if isinstance(value, tuple) and not isinstance(value, str):
        return [c for item in value for c in _codes_in(item)]
    return []


def _codings_in(value: object) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if "system" in value and "code" in value and "unit" not in value else []
        return found + [c for item in value.values() for c in _codings_in(item)]
    if isinstance(value, list):
        return [c for item in value for c in _codings_in(item)]
    return []


# Order never decides.
def test_two_haemoglobins_at_the_same_instant_that_disagree_are_neither_used() -> None:
    low = synthea_observation("h-low", "718-7", 7.5, "g/dL", when="2026-10-01T08:00:00Z")
    high = synthea_observation("h-high", "718-7", 12.0, "g/dL", when="2026-10-01T10:00:00+02:00")
    older = synthea_observation("h-old", "718-7", 13.0, "g/dL", when="2026-09-01T08:00:00Z")
    readings = [read(*order) for order in ([low, high, older], [older, high, low])]
    assert readings[0] == readings[1]
    reading = readings[0]
    assert reading.patient.labs is None
    for ref in ("Observation/h-low", "Observation/h-high"):
        assert "at the same time disagree (Observation/h-high, Observation/h-low)" in why(
            reading, ref
        )
        assert ref not in reading.used
    assert "disagree; an older one is not used" in why(reading, "Observation/h-old")
    assert "a later" not in why(reading, "Observation/h-low")


def test_two_weights_at_the_same_instant_that_agree_give_that_weight() -> None:
    kg = synthea_observation("w-kg", "29463-7", 70, "kg")
    grams = synthea_observation("w-g", "29463-7", 70000, "g")
    reading = read(grams, kg)
    assert reading.patient.weight_kg == 70
    assert reading == read(kg, grams)
    assert "same weight at the same time as Observation/w-g" in why(reading, "Observation/w-kg")


def test_latest_compares_instants_across_time_zones() -> None:
    # 00:30 on 2 October in Kiribati is 10:30 UTC on 1 October: earlier than 20:00 UTC.
    east = synthea_observation("w-east", "29463-7", 80, "kg", when="2026-10-02T00:30:00+14:00")
    west = synthea_observation("w-west", "29463-7", 81, "kg", when="2026-10-01T20:00:00Z")
    assert read(east, west).patient.weight_kg == 81
    assert read(west, east).patient.weight_kg == 81


def test_a_date_without_a_time_orders_as_noon_utc_of_its_day() -> None:
    day = synthea_observation("w-day", "29463-7", 80, "kg", when="2026-10-01")
    # Any time written on the day before, in any zone to UTC-12, is older ...
    west = synthea_observation("w-west", "29463-7", 79, "kg", when="2026-09-30T23:30:00-12:00")
    assert read(day, west).patient.weight_kg == 80
    # ... and any time written on the day after, in any zone to UTC+12, is newer.
    east = synthea_observation("w-east", "29463-7", 81, "kg", when="2026-10-02T00:30:00+12:00")
    assert read(day, east).patient.weight_kg == 81
    # On the same day, a time orders by its instant against noon UTC.
    morning = synthea_observation("w-am", "29463-7", 78, "kg", when="2026-10-01T09:00:00+02:00")
    evening = synthea_observation("w-pm", "29463-7", 77, "kg", when="2026-10-01T18:00:00+02:00")
    assert read(day, morning).patient.weight_kg == 80
    assert read(day, evening).patient.weight_kg == 77
    # Two dates without a time on the same day are the same time: disagreeing, neither counts.
    same = synthea_observation("w-day2", "29463-7", 82, "kg", when="2026-10-01")
    assert read(day, same).patient.weight is None


# One bad old value does not sink a record.
def test_a_unit_text_without_a_code_is_read_when_it_is_exactly_a_ucum_code() -> None:
    converted = synthea_observation("w1", "29463-7", None, None)
    converted["valueQuantity"] = {"value": 70, "unit": "kg"}
    assert read(converted).patient.weight_kg == 70
    pounds = synthea_observation("w2", "29463-7", None, None)
    pounds["valueQuantity"] = {"value": 154, "unit": "lbs"}
    with pytest.raises(bg.InvalidInputError) as caught:
        read(pounds)
    assert caught.value.field == "Observation/w2.valueQuantity.code"


def test_an_unreadable_old_value_is_listed_when_a_newer_one_is_readable() -> None:
    old = synthea_observation("w-old", "29463-7", None, None, when="2026-09-01T08:00:00Z")
    old["valueQuantity"] = {"value": 70, "unit": "kilos"}
    new = synthea_observation("w-new", "29463-7", 71, "kg")
    reading = read(old, new)
    assert reading.patient.weight_kg == 71
    assert "cannot be read" in why(reading, "Observation/w-old")
    assert "valueQuantity.code" in why(reading, "Observation/w-old")
    # The newest one unreadable still stops the reading, naming it.
    with pytest.raises(bg.InvalidInputError) as caught:
        read(new, {**old, "effectiveDateTime": "2026-10-15T08:00:00Z"})
    assert caught.value.field == "Observation/w-old.valueQuantity.code"


# A bound, a range or a text at the latest: no value, never an older one in its place.
def test_a_later_bound_keeps_an_older_count_from_deciding() -> None:
    # A lab reports "<0.5" lymphocytes; the count of a month before was 1.8.
    older = synthea_observation("l-old", "731-0", 1.8, "10*9/L", when="2026-09-01T08:00:00Z")
    bound = synthea_observation("l-new", "731-0", None, None, when="2026-10-20T08:00:00Z")
    bound["valueQuantity"] = {"value": 0.5, "comparator": "<", "system": UCUM, "code": "10*9/L"}
    readings = [read(older, bound), read(bound, older)]
    assert readings[0] == readings[1]
    reading = readings[0]
    assert reading.patient.labs is None
    assert "comparator (< 0.5 10*9/L)" in why(reading, "Observation/l-new")
    assert "a later lymphocytes result is not an exact value" in why(reading, "Observation/l-old")
    assert "Observation/l-old" not in reading.used


@pytest.mark.parametrize(
    ("value", "element"),
    [
        ({"valueString": ">60"}, "valueString"),
        (
            {"valueRange": {"low": {"value": 60, "system": UCUM, "code": "mL/min/{1.73_m2}"}}},
            "valueRange",
        ),
    ],
    ids=["text", "range"],
)
def test_a_later_egfr_written_as_text_or_range_is_no_value(
    value: dict[str, Any], element: str
) -> None:
    # C-CDA converters carry a lab's ">60" as text; an older 45 is not the current value.
    older = synthea_observation("e-old", "33914-3", 45, "mL/min/{1.73_m2}", when="2026-09-01")
    later = synthea_observation("e-new", "33914-3", None, None, when="2026-10-20", **value)
    reading = read(later, older)
    assert reading.patient.egfr is None
    assert f"not a quantity ({element})" in why(reading, "Observation/e-new")
    assert "not used in its place" in why(reading, "Observation/e-old")


def test_a_value_given_as_null_is_no_value() -> None:
    older = synthea_observation("e-old", "33914-3", 45, "mL/min/{1.73_m2}", when="2026-09-01")
    empty = synthea_observation("e-new", "33914-3", None, None, when="2026-10-20")
    empty["valueQuantity"] = None
    reading = read(empty, older)
    assert reading.patient.egfr_ml_min == 45
    assert "no quantity value" in why(reading, "Observation/e-new")


def test_a_bound_beside_an_exact_value_at_the_same_time_leaves_both_out() -> None:
    exact = synthea_observation("n-exact", "751-8", 2.4, "10*9/L", when="2026-10-20T08:00:00Z")
    bound = synthea_observation("n-bound", "751-8", None, None, when="2026-10-20T08:00:00Z")
    bound["valueQuantity"] = {"value": 1, "comparator": "<", "system": UCUM, "code": "10*9/L"}
    reading = read(exact, bound)
    assert reading.patient.labs is None
    assert "at the same time is not an exact value (Observation/n-bound)" in why(
        reading, "Observation/n-exact"
    )


def test_a_later_result_without_a_value_lets_the_older_one_count() -> None:
    # "Not performed" or "error" says nothing about the count: the older one stands.
    older = synthea_observation("n-old", "751-8", 2.4, "10*9/L", when="2026-09-01T08:00:00Z")
    absent = synthea_observation(
        "n-new",
        "751-8",
        None,
        None,
        when="2026-10-20T08:00:00Z",
        dataAbsentReason={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "error",
                }
            ]
        },
    )
    reading = read(absent, older)
    assert reading.patient.labs is not None
    assert reading.patient.labs.neutrophils_per_l == pytest.approx(2.4e9)
    assert "no quantity value (data absent: error)" in why(reading, "Observation/n-new")


def test_an_observation_focused_on_someone_else_is_not_the_patients() -> None:
    # A child's record holding the mother's weight, as the specification's example of
    # Observation.focus writes it (subject the infant, focus the mother).
    own = synthea_observation("w-child", "29463-7", 25, "kg", when="2026-09-15T09:00:00Z")
    mothers = synthea_observation(
        "w-mother",
        "29463-7",
        68,
        "kg",
        when="2026-10-20T09:00:00Z",
        focus=[{"reference": "Patient/mother"}],
    )
    record = synthea(own, mothers, patient=person("2018-02-03"))
    reading = fhir.read_patient(record, on=ON)
    assert reading.patient.weight_kg == 25
    assert "its focus is Patient/mother, not this patient" in why(reading, "Observation/w-mother")
    assert str(bg.recommend(reading.patient).regimen) == "2 mg once daily"
    # A focus on the patient themselves is the patient's.
    mothers["focus"] = [{"reference": PATIENT_UUID}]
    assert fhir.read_patient(record, on=ON).patient.weight_kg == 68


# Shapes the standard allows.
def test_entries_without_a_resource_are_passed_over() -> None:
    response = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [
            {"response": {"status": "201 Created", "location": "Patient/p1/_history/1"}},
            {"fullUrl": PATIENT_UUID, "resource": person()},
            {"response": {"status": "200 OK"}, "resource": None},
        ],
    }
    assert fhir.read_patient(response, on=ON).used == ("Patient/p1",)


def test_nested_bundles_of_a_batch_response_are_read() -> None:
    searchset = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "fullUrl": "https://ehr.example.org/fhir/Observation/w1",
                "resource": synthea_observation(
                    "w1",
                    "29463-7",
                    70,
                    "kg",
                    subject={"reference": "https://ehr.example.org/fhir/Patient/p1/_history/3"},
                ),
                "search": {"mode": "match"},
            }
        ],
    }
    batch = {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [
            {"resource": person(), "response": {"status": "200 OK"}},
            {"resource": searchset, "response": {"status": "200 OK"}},
        ],
    }
    reading = fhir.read_patient(batch, on=ON)
    assert reading.patient.weight_kg == 70
    assert reading.used == ("Patient/p1", "Observation/w1")


@pytest.mark.parametrize(
    "reference",
    ["Patient/p1/_history/3", "https://ehr.example.org/fhir/Patient/p1/_history/12", PATIENT_UUID],
)
def test_subject_references_as_ehrs_write_them(reference: str) -> None:
    weight = synthea_observation("w1", "29463-7", 70, "kg", subject={"reference": reference})
    assert read(weight).patient.weight_kg == 70


def test_effective_instant_is_read() -> None:
    weight = synthea_observation("w1", "29463-7", 70, "kg")
    del weight["effectiveDateTime"]
    weight["effectiveInstant"] = "2026-10-01T10:20:30.123456789+02:00"
    assert read(weight).patient.weight_kg == 70


def test_one_patient_twice_with_different_meta_is_one_patient() -> None:
    again = person()
    again["meta"] = {"versionId": "7", "lastUpdated": "2026-10-01T00:00:00Z"}
    bundle = synthea(synthea_observation("w1", "29463-7", 70, "kg"))
    bundle["entry"].append({"fullUrl": "Patient/p1", "resource": again})
    assert fhir.read_patient(bundle, on=ON).patient.weight_kg == 70
    again["gender"] = "male"
    with pytest.raises(bg.InvalidInputError, match="more than one different Patient"):
        fhir.read_patient(bundle, on=ON)


def test_json_text_larger_than_the_old_cap_is_read() -> None:
    padding = synthea_observation("pad", "8302-2", 170, "cm")
    padding["note"] = [{"text": "x" * 21_000_000}]
    text = json.dumps(synthea(padding, synthea_observation("w1", "29463-7", 70, "kg")))
    assert len(text) > 21_000_000
    assert fhir.read_patient(text, on=ON).patient.weight_kg == 70


@pytest.mark.parametrize(
    ("answer", "smoker", "listed"),
    [
        ("449868002", True, None),
        ("428041000124106", True, None),
        ("428071000124103", True, None),
        ("428061000124105", True, None),
        ("77176002", True, None),
        ("266919005", False, None),
        ("8517006", False, "a question for the prescriber"),
        ("266927001", False, "unknown"),
        ("230063004", False, "not an answer the library reads"),
    ],
    ids=[
        "every-day",
        "some-days",
        "heavy",
        "light",
        "smoker",
        "never",
        "former",
        "unknown",
        "other",
    ],
)
def test_every_smoking_answer_is_used_or_listed(
    answer: str, smoker: bool, listed: str | None
) -> None:
    reading = read(smoking("s1", answer))
    assert (bg.RiskFactor.SMOKING in reading.patient.risk_factors) is smoker
    if listed is None:
        assert "Observation/s1" in reading.used
    else:
        assert listed in why(reading, "Observation/s1")
        assert "Observation/s1" not in reading.used
    assert bool(reading.questions) is (answer == "8517006")


def test_a_later_unknown_smoking_status_does_not_hide_a_smoker() -> None:
    smoker = smoking("s1", "449868002", when="2026-03-02T09:00:00Z")
    unknown = smoking("s2", "266927001", when="2026-10-19T09:00:00Z")
    reading = read(unknown, smoker)
    assert bg.RiskFactor.SMOKING in reading.patient.risk_factors
    assert "Observation/s1" in reading.used
    assert "smoking status unknown" in why(reading, "Observation/s2")


def test_a_former_smoker_is_a_question_never_counted() -> None:
    reading = read(smoking("s1", "8517006"))
    assert reading.questions == (fhir._read.FORMER_SMOKER_QUESTION,)
    assert "long-time past smoker" in reading.questions[0]
    assert bg.recommend(reading.patient).regimen.dose_mg == 4  # type: ignore[union-attr]


# Sex and creatinine.
@pytest.mark.parametrize(
    ("gender", "sex"),
    [("female", bg.Sex.FEMALE), ("male", bg.Sex.MALE), ("other", None), ("unknown", None)],
)
def test_gender_gives_sex(gender: str, sex: bg.Sex | None) -> None:
    patient = person(gender=gender)
    assert fhir.patient_from_fhir(synthea(patient=patient), on=ON).sex is sex


@pytest.mark.parametrize(("gender", "sex"), [("unknown", None), ("male", bg.Sex.MALE)])
def test_the_birth_sex_extension_is_not_read_as_sex(gender: str, sex: bg.Sex | None) -> None:
    birth_sex = {
        "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
        "valueCode": "F",
    }
    record = synthea(
        synthea_observation("w1", "29463-7", 60, "kg"),
        synthea_observation("c1", "2160-0", 2.0, "mg/dL"),
        patient=person("1950-05-20", gender=gender, extension=[birth_sex]),
    )
    reading = fhir.read_patient(record, on=ON)
    assert reading.patient.sex is sex
    if sex is None:
        # No sex, no Cockcroft-Gault estimate: the answer asks for renal function.
        texts = " ".join(reason.text for reason in bg.recommend(reading.patient).reasons)
        assert "also needs sex" in texts


@pytest.mark.parametrize("gender", ["F", 1, "woman"])
def test_an_unknown_gender_is_named(gender: object) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        fhir.read_patient(synthea(patient=person(gender=gender)), on=ON)
    assert caught.value.field == "Patient.gender"


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "mg_dl"),
    [
        ("2160-0", 1.1, "mg/dL", 1.1),
        ("38483-4", 0.9, "mg/dL", 0.9),
        ("14682-9", 88.4, "umol/L", 1.0),
    ],
)
def test_creatinine_codes(loinc: str, value: float, unit: str, mg_dl: float) -> None:
    reading = read(synthea_observation("cr", loinc, value, unit))
    assert reading.patient.serum_creatinine_mg_dl == pytest.approx(mg_dl, rel=1e-3)
    assert "Observation/cr" in reading.used


def test_a_creatinine_amount_code_with_a_mass_unit_is_refused() -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        read(synthea_observation("cr", "14682-9", 1.1, "mg/dL"))
    assert caught.value.field == "Observation/cr.valueQuantity.code"


# Hardening.
def test_deeply_nested_python_input_is_refused_not_a_recursion_error() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    patient = person(extension=[deep])
    for resources in (synthea(patient=patient), [patient], patient):
        with pytest.raises(bg.InvalidInputError, match="nested deeper") as caught:
            fhir.read_patient(resources, on=ON)
        assert caught.value.field == "resources"


def test_a_python_bundle_that_contains_itself_is_refused() -> None:
    bundle = synthea()
    bundle["entry"].append({"resource": bundle})
    with pytest.raises(bg.InvalidInputError, match="nested deeper"):
        fhir.read_patient(bundle, on=ON)


def test_duplicate_json_keys_are_refused_never_last_wins() -> None:
    text = json.dumps(synthea(synthea_observation("w1", "29463-7", 70, "kg")))
    twice = text.replace('"value": 70', '"value": 70, "value": 7')
    assert twice != text
    with pytest.raises(bg.InvalidInputError, match="appears twice") as caught:
        fhir.read_patient(twice, on=ON)
    assert caught.value.field == "resources"


@pytest.mark.parametrize(
    "when",
    ["2026-10-01T23:59:60Z", "2016-12-31T23:59:60Z", "2026-10-02T01:59:60+02:00"],
)
def test_a_leap_second_is_a_valid_time(when: str) -> None:
    on = dt.date.fromisoformat(when[:10]) + dt.timedelta(days=1)
    weight = synthea_observation("w1", "29463-7", 70, "kg", when=when)
    assert read(weight, on=on).patient.weight_kg == 70


def test_a_leap_second_orders_after_the_second_before_it() -> None:
    leap = synthea_observation("w-leap", "29463-7", 70, "kg", when="2026-10-01T23:59:60Z")
    before = synthea_observation("w-before", "29463-7", 71, "kg", when="2026-10-01T23:59:59.9Z")
    assert read(before, leap).patient.weight_kg == 70


@pytest.mark.parametrize(
    "when",
    [
        "2026-10-01T23:58:60Z",
        "٢٠٢٦-10-01",
        "2026-10-01T10:00:00Z trailing",
        "2026-10-01junk",
        "2026-10-01T10:00:00",
        "2026-10-01T10:00:00+15:00",
        "2026-10-01T24:00:00Z",
        "2026-10-01\n",
    ],
    ids=[
        "not-a-leap-minute",
        "arabic-digits",
        "trailing-words",
        "trailing-junk",
        "no-zone",
        "zone-out-of-range",
        "hour-24",
        "newline",
    ],
)
def test_dates_that_are_not_fhir_dates_are_refused(when: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        read(synthea_observation("w1", "29463-7", 70, "kg", when=when, issued=None))
    assert caught.value.field == "Observation/w1.effectiveDateTime"


@pytest.mark.parametrize("birth", ["١٩٨٠-05-20", "1980-05-20x", "1980-05-20T00:00:00Z"])
def test_birth_dates_with_foreign_digits_or_more_are_refused(birth: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        fhir.read_patient(synthea(patient=person(birth)), on=ON)
    assert caught.value.field == "Patient.birthDate"


@pytest.mark.parametrize("ident", [7, 1.5, True, ["p1"]])
def test_a_patient_id_that_is_not_a_string_is_refused(ident: object) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        fhir.read_patient(synthea(patient={**person(), "id": ident}), on=ON)
    assert caught.value.field == "Patient.id"


# Properties.
def _longitudinal(rng: random.Random) -> dict[str, Any]:
    """A record with repeated, same-time, stale, unread and unreadable-but-old entries."""
    resources: list[dict[str, Any]] = []
    for index in range(rng.randint(0, 6)):
        day = ON - dt.timedelta(days=rng.choice([1, 10, 10, 40, 200, 800]))
        hour = rng.choice(["08:00:00Z", "10:00:00+02:00", "23:00:00-05:00"])
        when = rng.choice([day.isoformat(), f"{day.isoformat()}T{hour}"])
        loinc, unit, low, high = rng.choice(
            [
                ("29463-7", "kg", 50, 90),
                ("718-7", "g/dL", 7, 15),
                ("751-8", "10*3/uL", 0.5, 6),
                ("2160-0", "mg/dL", 0.6, 2.0),
                ("8302-2", "cm", 150, 190),
            ]
        )
        value = round(rng.uniform(low, high), rng.choice([0, 1]))
        resource = synthea_observation(f"o{index}", loinc, value, unit, when=when)
        draw = rng.random()
        if draw < 0.15:  # as C-CDA converters write it: a unit text, no code
            resource["valueQuantity"] = {"value": value, "unit": rng.choice([unit, "kilos"])}
        elif draw < 0.25:  # a bound, as labs report what lies beyond their range
            resource["valueQuantity"]["comparator"] = rng.choice(["<", ">="])
        elif draw < 0.3:  # a text in place of a number
            del resource["valueQuantity"]
            resource["valueString"] = f"<{value}"
        elif draw < 0.35:  # no value, and why
            del resource["valueQuantity"]
            resource["dataAbsentReason"] = {"coding": [{"code": "not-performed"}]}
        resources.append(resource)
    for index in range(rng.choice([0, 0, 1, 2])):
        day = ON - dt.timedelta(days=rng.choice([1, 10, 10, 40]))
        answer = rng.choice(["77386006", "60001007", "261665006", "146799005"])
        resources.append(pregnancy_status(f"ps{index}", (SNOMED, answer), when=day.isoformat()))
    for index in range(rng.randint(0, 3)):
        code, system = rng.choice(
            [
                ("72892002", SNOMED),
                ("128053003", SNOMED),
                ("C18.9", ICD10),
                (COLON_CANCER, SNOMED),
                ("44054006", SNOMED),
            ]
        )
        abated = rng.choice([None, "2026-01-01T00:00:00Z", "2027-01-01"])
        resources.append(synthea_condition(f"c{index}", code, system=system, abated=abated))
    if rng.random() < 0.5:
        resources.append(smoking("s1", rng.choice(["8517006", "449868002", "266919005"])))
    return synthea(*resources, patient=person(rng.choice(["1980-05-20", "2016-03-01"])))


def _outcome(bundle: dict[str, Any]) -> fhir.PatientReading | tuple[str, str]:
    """The reading, or the field and rule of the error that stopped it."""
    try:
        return fhir.read_patient(bundle, on=ON)
    except bg.InvalidInputError as error:
        return error.field, error.rule


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_shuffling_entries_never_changes_the_reading_or_the_answer(rng: random.Random) -> None:
    bundle = _longitudinal(rng)
    shuffled = copy.deepcopy(bundle)
    rng.shuffle(shuffled["entry"])
    reading, again = _outcome(bundle), _outcome(shuffled)
    # Either both stop on the same unreadable latest value, or both read alike.
    assert again == reading
    if not isinstance(reading, fhir.PatientReading) or not isinstance(again, fhir.PatientReading):
        return
    assert bg.recommend(again.patient) == bg.recommend(reading.patient)


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_every_observation_and_condition_is_used_or_listed(rng: random.Random) -> None:
    bundle = _longitudinal(rng)
    reading = _outcome(bundle)
    if isinstance(reading, tuple):  # only an unreadable latest value may stop the reading
        assert reading[0].startswith("Observation/o")
        return
    listed = {item.reference for item in reading.ignored}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in ("Observation", "Condition"):
            ref = f"{resource['resourceType']}/{resource['id']}"
            assert (ref in reading.used) != (ref in listed), ref


def _patient_or_reject(**fields: Any) -> bg.Patient | None:
    try:
        return bg.Patient(**fields)
    except bg.InvalidInputError:  # contradictory inputs (pregnant and male, ...)
        return None


every_field = st.builds(
    _patient_or_reject,
    pregnant=st.booleans(),
    age=st.one_of(
        st.integers(0, 110).map(lambda v: Q_(v, "year")),
        st.integers(0, 1300).map(lambda v: Q_(v, "month")),
    ),
    weight=st.one_of(st.none(), st.floats(0.5, 300).map(lambda v: Q_(round(v, 2), "kg"))),
    risk_factors=st.frozensets(st.sampled_from(list(bg.RiskFactor))),
    comorbidities=st.frozensets(st.sampled_from(list(bg.Comorbidity))),
    systemic_candidate=st.booleans(),
    suspected_hepatitis_b=st.booleans(),
    creatinine_clearance=st.one_of(
        st.none(), st.floats(5, 200).map(lambda v: Q_(round(v, 1), "mL/min"))
    ),
    severe_hepatic_impairment=st.booleans(),
    breastfeeding=st.booleans(),
    strong_oat3_inhibitor=st.booleans(),
    labs=st.one_of(
        st.none(),
        st.builds(
            bg.Labs,
            lymphocytes=st.one_of(
                st.none(), st.floats(0, 5).map(lambda v: Q_(round(v, 2) * 1e9, "1/L"))
            ),
            neutrophils=st.floats(0, 20).map(lambda v: Q_(round(v, 2), "1/nL")),
            haemoglobin=st.floats(3, 20).map(lambda v: Q_(round(v, 1), "g/dL")),
        ),
    ),
    egfr=st.one_of(st.none(), st.floats(5, 150).map(lambda v: Q_(round(v, 1), "mL/min"))),
    can_become_pregnant=st.one_of(st.none(), st.booleans()),
    hypersensitivity=st.booleans(),
    suspected_drug_induced_liver_injury=st.booleans(),
    sex=st.one_of(st.none(), st.sampled_from(list(bg.Sex))),
    serum_creatinine=st.one_of(
        st.none(),
        st.floats(0.2, 15).map(lambda v: Q_(round(v, 2), "mg/dL")),
        st.floats(20, 1300).map(lambda v: Q_(round(v, 1), "umol/L")),
    ),
).filter(lambda p: p is not None)


@settings(max_examples=300, deadline=None)
@given(every_field, st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_round_trip_with_every_field(p: bg.Patient, on: dt.date) -> None:
    assert p.rule_key() is not None
    bundle = fhir.patient_bundle(p, on=on, patient_id="rt-all")
    again = fhir.patient_from_fhir(bundle, on=on)
    assert again == p
    assert bg.recommend(again) == bg.recommend(p)
    # The same through JSON text, shuffled.
    random.Random(on.toordinal()).shuffle(bundle["entry"])
    assert fhir.patient_from_fhir(json.dumps(bundle), on=on) == p


def test_the_card_counts_the_conditions_it_could_not_place() -> None:
    from baricitinib_guideline.service._cards import _detail

    many = [synthea_condition(f"c{i}", str(40_000_000 + i)) for i in range(40)]
    reading = read(*many, synthea_condition("dvt", "128053003"), smoking("s1", "8517006"))
    assert len(reading.unplaced_conditions()) == 40
    detail = _detail(bg.recommend(reading.patient), reading)
    assert "40 Condition(s) with codes the library does not read were left out." in detail
    assert "Condition/c1" not in detail
    assert "Observation/s1 (former smoker" in detail
    assert len(detail) < 2000


def test_errors_from_the_patient_name_the_fhir_elements() -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        read(synthea_observation("w1", "29463-7", 900, "kg"))
    assert caught.value.field == "Observation/w1.valueQuantity.value"
    with pytest.raises(bg.InvalidInputError) as caught:
        read(synthea_observation("h1", "718-7", -1, "g/dL"))
    assert caught.value.field == "Observation/h1.valueQuantity.value"


def test_a_terminology_must_answer_true_false_or_none() -> None:
    class Sloppy:
        def subsumes(self, ancestor: tuple[str, str], code: tuple[str, str]) -> object:
            return "yes"

    with pytest.raises(bg.InvalidInputError, match="True, False or None") as caught:
        read(synthea_condition("ca", COLON_CANCER), terminology=Sloppy())
    assert caught.value.field == "terminology"
    expansion = fhir.ValueSetTerminology({f"{SNOMED}|363346000": [f"{SNOMED}|{COLON_CANCER}"]})
    assert expansion.expansion((SNOMED, "363346000")) == frozenset({(SNOMED, COLON_CANCER)})
    assert expansion.expansion((SNOMED, "22298006")) is None
    assert isinstance(expansion, fhir.Terminology)


@pytest.mark.parametrize(
    ("patient", "other"),
    [
        (person(gender="male"), "Patient.gender"),
        (person("2020-01-01"), "Patient.birthDate"),
    ],
    ids=["male", "six-years-old"],
)
def test_a_contradictory_pregnancy_names_both_fhir_elements(
    patient: dict[str, Any], other: str
) -> None:
    pregnancy = synthea_condition("preg", "72892002", onset="2026-08-01")
    with pytest.raises(bg.InvalidInputError, match="contradict") as caught:
        fhir.read_patient(synthea(pregnancy, patient=patient), on=ON)
    assert caught.value.field == f"Condition/preg.code, {other}"

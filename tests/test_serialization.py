"""JSON round-trips and hostile input."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

PATIENTS = [
    bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")),
    bg.Patient(age=Q_(30, "month"), weight=Q_(12500, "g"), risk_factors={"VTE", "MACE"}),
    bg.Patient(
        age=Q_(70.5, "year"),
        weight=Q_(154.3, "lb"),
        comorbidities=set(bg.Comorbidity),
        systemic_candidate=False,
        suspected_hepatitis_b=True,
        creatinine_clearance=Q_(2.7, "L/h"),
        severe_hepatic_impairment=True,
        pregnant=True,
        breastfeeding=True,
        strong_oat3_inhibitor=True,
        can_become_pregnant=True,
        labs=bg.Labs(
            lymphocytes=Q_(0.4e9, "1/L"), neutrophils=Q_(2e9, "1/L"), haemoglobin=Q_(75, "g/L")
        ),
    ),
    bg.Patient(age=Q_(4000, "day"), weight=Q_(20, "kg"), egfr=Q_(50, "mL/min")),
    bg.Patient(age=Q_(52, "year"), sex=bg.Sex.FEMALE, serum_creatinine=Q_(97, "umol/L")),
    bg.Patient(age=Q_(52, "year"), sex="male", serum_creatinine=Q_(1.1, "mg/dL")),
]


def all_public_objects() -> list[object]:
    objects: list[object] = [*PATIENTS, PATIENTS[2].labs]
    for patient in PATIENTS:
        result = bg.recommend(patient)
        objects += [result, *result.reasons, *result.alternatives]
        plan = bg.screening_plan(patient)
        objects += [plan, *plan.items, *plan.referrals]
    objects += [bg.recommend(PATIENTS[0]).regimen]
    objects += list(bg.monitoring_schedule(dt.date(2024, 1, 31), until=dt.date(2024, 12, 31)))
    objects += list(bg.nma_results()) + [r.ci for r in bg.nma_results()]
    objects += list(bg.safety_figures()) + list(bg.REFERENCES) + list(bg.statements())
    objects += [bg.RECOMMENDATION, bg.RECOMMENDATION.source, *bg.combinations()]
    return objects


OBJECTS = all_public_objects()


@pytest.mark.parametrize(
    "obj", OBJECTS, ids=[f"{type(obj).__name__}-{index}" for index, obj in enumerate(OBJECTS)]
)
def test_round_trip_is_lossless(obj: Any) -> None:
    text = bg.to_json(obj)
    back = bg.from_json(text, type(obj))
    assert back == obj
    assert bg.to_json(back) == text


def test_every_public_class_is_covered_by_the_round_trip() -> None:
    from baricitinib_guideline.serialization import PUBLIC_CLASSES

    covered = {type(obj) for obj in all_public_objects()}
    assert set(PUBLIC_CLASSES) <= covered


def test_output_is_deterministic_and_uses_ucum_units() -> None:
    patient = bg.Patient(
        age=Q_(8, "year"),
        weight=Q_(55, "lb"),
        risk_factors={bg.RiskFactor.VTE, bg.RiskFactor.MACE, bg.RiskFactor.MALIGNANCY},
    )
    data = json.loads(bg.to_json(patient))
    assert data["schema_version"] == 1
    assert data["age"] == {"value": 8, "unit": "a"}
    assert data["weight"] == {"value": 55, "unit": "[lb_av]"}
    assert data["risk_factors"] == ["MACE", "MALIGNANCY", "VTE"]


def test_reads_pint_unit_names_too() -> None:
    text = '{"age": {"value": 30, "unit": "month"}, "weight": {"value": 12, "unit": "kilogram"}}'
    patient = bg.from_json(text, bg.Patient)
    assert patient.age_months == 30
    assert patient.weight_kg == 12


HOSTILE = [
    ("not-json", "{", "$"),
    ("empty", "", "$"),
    ("array", "[1, 2]", "$"),
    ("string", '"x"', "$"),
    ("nan-literal", '{"age": {"value": NaN, "unit": "a"}}', "$"),
    ("infinity-literal", '{"age": {"value": Infinity, "unit": "a"}}', "$"),
    ("overflow-1e999", '{"age": {"value": 1e999, "unit": "a"}}', "$.age.value"),
    ("unit-power-expression", '{"age": {"value": 3, "unit": "2**99999999"}}', "$.age.unit"),
    ("unit-with-number", '{"age": {"value": 3, "unit": "1e999 year"}}', "$.age.unit"),
    ("unit-long", '{"age": {"value": 3, "unit": "' + "a" * 5000 + '"}}', "$.age.unit"),
    ("unit-unknown", '{"age": {"value": 3, "unit": "parsec_of_joy"}}', "$.age.unit"),
    ("unit-number", '{"age": {"value": 3, "unit": 5}}', "$.age.unit"),
    ("value-string", '{"age": {"value": "3", "unit": "a"}}', "$.age.value"),
    ("value-bool", '{"age": {"value": true, "unit": "a"}}', "$.age.value"),
    ("value-null", '{"age": {"value": null, "unit": "a"}}', "$.age.value"),
    ("quantity-as-number", '{"age": 8}', "$.age"),
    ("quantity-extra-key", '{"age": {"value": 8, "unit": "a", "x": 1}}', "$.age"),
    ("missing-age", '{"weight": {"value": 8, "unit": "kg"}}', "$.age"),
    ("extra-key", '{"age": {"value": 8, "unit": "a"}, "height": 3}', "$"),
    ("negative-age", '{"age": {"value": -8, "unit": "a"}}', "$.age"),
    ("wrong-dimension", '{"age": {"value": 8, "unit": "kg"}}', "$.age"),
    (
        "bad-enum",
        '{"age": {"value": 8, "unit": "a"}, "risk_factors": ["OBESITY"]}',
        "$.risk_factors",
    ),
    ("bool-as-string", '{"age": {"value": 8, "unit": "a"}, "pregnant": "yes"}', "$.pregnant"),
    ("bool-as-number", '{"age": {"value": 8, "unit": "a"}, "pregnant": 1}', "$.pregnant"),
    ("huge-int", '{"age": {"value": ' + "9" * 5000 + ', "unit": "a"}}', "$"),
    ("deep-nesting", "[" * 100000 + "]" * 100000, "$"),
    (
        "schema-version",
        '{"schema_version": 99, "age": {"value": 8, "unit": "a"}}',
        "$.schema_version",
    ),
    (
        "labs-molar-hb",
        '{"age": {"value": 8, "unit": "a"}, "labs": {"haemoglobin": {"value": 5, "unit": "mmol/L"}}}',
        "$.labs.haemoglobin",
    ),
]


@pytest.mark.parametrize(
    ("text", "path"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
def test_hostile_json_raises_invalid_input_naming_the_path(text: str, path: str) -> None:
    started = time.perf_counter()
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(text, bg.Patient)
    assert time.perf_counter() - started < 5, "hostile input must not hang"
    assert caught.value.field.startswith(path), caught.value.field


def test_scalars_are_not_coerced() -> None:
    good = json.loads(bg.to_json(bg.REFERENCES[0]))
    good["year"] = "2024"
    with pytest.raises(bg.InvalidInputError, match=r"\$\.year"):
        bg.from_json(json.dumps(good), bg.Citation)
    good["year"] = 2024
    good["title"] = 5
    with pytest.raises(bg.InvalidInputError, match=r"\$\.title"):
        bg.from_json(json.dumps(good), bg.Citation)


def test_hostile_nested_dose_recommendation() -> None:
    good = json.loads(bg.to_json(bg.recommend(PATIENTS[0])))
    good["regimen"]["dose"]["unit"] = "mL"
    with pytest.raises(bg.InvalidInputError, match="regimen"):
        bg.from_json(json.dumps(good), bg.DoseRecommendation)
    good["regimen"] = None
    with pytest.raises(bg.InvalidInputError):
        bg.from_json(json.dumps(good), bg.DoseRecommendation)


@pytest.mark.parametrize("text", [b"\xff\xfe", 42, None], ids=["bad-utf8", "int", "none"])
def test_non_text_input(text: Any) -> None:
    with pytest.raises(bg.InvalidInputError):
        bg.from_json(text, bg.Patient)


def test_bytes_are_read_as_utf8() -> None:
    text = bg.to_json(PATIENTS[0]).encode()
    assert bg.from_json(text, bg.Patient) == PATIENTS[0]


def test_only_public_classes_are_read() -> None:
    with pytest.raises(bg.InvalidInputError, match="cls"):
        bg.from_json("{}", dict)


def test_converter_is_shared() -> None:
    assert bg.converter.unstructure(bg.Regimen(dose=Q_(2, "mg"))) == {
        "dose": {"value": 2, "unit": "mg"},
        "frequency": "ONCE_DAILY",
    }


EXACT_PATHS = [
    (
        '{"age": {"value": 8, "unit": "a"}, "weight": {"value": -1, "unit": "kg"}}',
        "$.weight.value",
    ),
    ('{"age": {"value": 131, "unit": "a"}}', "$.age.value"),
    ('{"age": {"value": 8, "unit": "kg"}}', "$.age.unit"),
    ('{"age": {"value": 8, "unit": "x**99"}}', "$.age.unit"),
    ('{"age": {"value": "8", "unit": "a"}}', "$.age.value"),
    (
        '{"age": {"value": 8, "unit": "a"}, "labs": {"haemoglobin": {"value": 5, "unit": "mmol/L"}}}',
        "$.labs.haemoglobin.unit",
    ),
    ('{"age": {"value": 8, "unit": "a"}, "pregnant": 1}', "$.pregnant"),
    ('{"age": {"value": 8, "unit": "a"}, "risk_factors": ["VTE", 3]}', "$.risk_factors[1]"),
]


@pytest.mark.parametrize(
    ("text", "path"), EXACT_PATHS, ids=[f"{i}-{p}" for i, (_, p) in enumerate(EXACT_PATHS)]
)
def test_error_names_the_exact_json_path(text: str, path: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(text, bg.Patient)
    assert caught.value.field == path
    assert str(caught.value) == f"{path}: {caught.value.rule}"


def test_error_survives_pickling() -> None:
    import pickle

    error = bg.InvalidInputError("weight", "must not be negative", part="value")
    again = pickle.loads(pickle.dumps(error))
    assert (again.field, again.rule, again.part) == ("weight", "must not be negative", "value")


def test_blood_counts_in_ucum_giga_per_litre() -> None:
    text = '{"lymphocytes": {"value": 0.49, "unit": "10*9/L"}, "neutrophils": null, "haemoglobin": null}'
    labs = bg.from_json(text, bg.Labs)
    assert labs.lymphocytes_per_l == 0.49e9
    assert json.loads(bg.to_json(labs))["lymphocytes"] == {"value": 0.49, "unit": "10*9/L"}
    patient = bg.Patient(age=Q_(40, "year"), labs=labs)
    assert bg.recommend(patient).status is bg.Status.NOT_RECOMMENDED


@pytest.mark.parametrize(
    "quantity",
    [Q_(500, "microgram"), Q_(0.002, "g"), Q_(0.000002, "kg"), Q_(2000, "mg") / 1000],
    ids=["microgram", "gram", "kilogram", "computed"],
)
def test_units_outside_the_ucum_table_round_trip(quantity: Any) -> None:
    regimen = bg.Regimen(dose=quantity)
    data = json.loads(bg.to_json(regimen))
    assert isinstance(data["dose"]["unit"], str)
    assert bg.from_json(bg.to_json(regimen), bg.Regimen) == regimen

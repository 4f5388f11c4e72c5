"""Invalid input raises InvalidInputError naming the field and the rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

from .conftest import FOREIGN

# (id, fields, field named, words of the rule)
PATIENT_CASES = [
    ("age-bare-number-shows-the-quantity-to-write", {"age": 8}, "age", '"8 year"'),
    ("age-bare-number-text-shows-the-quantity-to-write", {"age": "8"}, "age", '"8 year"'),
    ("age-not-a-quantity", {"age": [8]}, "age", "pint Quantity"),
    ("age-text-not-a-quantity", {"age": "eight years"}, "age", "number followed by a unit"),
    ("age-wrong-dimension", {"age": Q_(8, "kg")}, "age", "[time] dimension"),
    ("age-negative", {"age": Q_(-1, "year")}, "age", "negative"),
    ("age-nan", {"age": Q_(float("nan"), "year")}, "age", "finite"),
    ("age-infinite", {"age": Q_(float("inf"), "year")}, "age", "finite"),
    ("age-over-130-years", {"age": Q_(130.01, "year")}, "age", "implausible"),
    ("age-over-130-years-in-months", {"age": Q_(1561, "month")}, "age", "implausible"),
    ("age-complex-magnitude", {"age": Q_(1j, "year")}, "age", "real number"),
    ("weight-wrong-dimension", {"age": Q_(8, "year"), "weight": Q_(25, "m")}, "weight", "[mass]"),
    ("weight-zero", {"age": Q_(8, "year"), "weight": Q_(0, "kg")}, "weight", "greater than zero"),
    ("weight-negative", {"age": Q_(8, "year"), "weight": Q_(-2, "kg")}, "weight", "negative"),
    ("weight-nan", {"age": Q_(8, "year"), "weight": Q_(float("nan"), "kg")}, "weight", "finite"),
    (
        "weight-over-700kg",
        {"age": Q_(8, "year"), "weight": Q_(700.5, "kg")},
        "weight",
        "implausible",
    ),
    (
        "weight-over-700kg-in-pounds",
        {"age": Q_(40, "year"), "weight": Q_(1544, "lb")},
        "weight",
        "implausible",
    ),
    ("weight-float", {"age": Q_(8, "year"), "weight": 25.0}, "weight", '"25 kg"'),
    ("risk-unknown", {"age": Q_(8, "year"), "risk_factors": {"OBESITY"}}, "risk_factors", "VTE"),
    (
        "risk-not-a-set",
        {"age": Q_(8, "year"), "risk_factors": "VTE"},
        "risk_factors",
        "collection",
    ),
    (
        "comorbidity-wrong-enum",
        {"age": Q_(8, "year"), "comorbidities": {bg.RiskFactor.VTE}},
        "comorbidities",
        "not one of",
    ),
    (
        "candidate-not-bool",
        {"age": Q_(8, "year"), "systemic_candidate": "yes"},
        "systemic_candidate",
        "true or false",
    ),
    (
        "hbv-not-bool",
        {"age": Q_(8, "year"), "suspected_hepatitis_b": 1},
        "suspected_hepatitis_b",
        "true or false",
    ),
    ("pregnant-not-bool", {"age": Q_(30, "year"), "pregnant": None}, "pregnant", "true or false"),
    (
        "clearance-wrong-dimension",
        {"age": Q_(30, "year"), "creatinine_clearance": Q_(45, "mL")},
        "creatinine_clearance",
        "[volume] / [time]",
    ),
    (
        "clearance-negative",
        {"age": Q_(30, "year"), "creatinine_clearance": Q_(-1, "mL/min")},
        "creatinine_clearance",
        "negative",
    ),
    ("labs-not-labs", {"age": Q_(30, "year"), "labs": {"haemoglobin": 8}}, "labs", "Labs"),
]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [case[1:] for case in PATIENT_CASES],
    ids=[case[0] for case in PATIENT_CASES],
)
def test_patient_rejects(fields: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient(**fields)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert words in str(caught.value)


def test_error_is_a_value_error() -> None:
    assert issubclass(bg.InvalidInputError, ValueError)


@pytest.mark.parametrize(
    ("labs", "field", "words"),
    [
        ({"haemoglobin": Q_(5, "mmol/L")}, "haemoglobin", "molar mass"),
        ({"haemoglobin": Q_(-1, "g/dL")}, "haemoglobin", "negative"),
        ({"haemoglobin": Q_(40, "g/dL")}, "haemoglobin", "implausible"),
        ({"lymphocytes": Q_(1, "g/L")}, "lymphocytes", "1 / [volume]"),
        ({"neutrophils": Q_(float("inf"), "1/L")}, "neutrophils", "finite"),
    ],
    ids=["hb-molar", "hb-negative", "hb-implausible", "lymphocytes-mass", "neutrophils-inf"],
)
def test_labs_reject(labs: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Labs(**labs)
    assert caught.value.field == field
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "magnitude",
    [Fraction(25, 1), Decimal("25"), 25, 25.0],
    ids=["fraction", "decimal", "int", "float"],
)
def test_real_magnitudes_are_accepted(magnitude: Any) -> None:
    patient = bg.Patient(age=Q_(8, "year"), weight=Q_(magnitude, "kg"))
    assert patient.weight_kg == 25


def test_boundary_ages_of_130_years_are_accepted() -> None:
    assert bg.Patient(age=Q_(130, "year")).age_years == 130
    assert bg.Patient(age=Q_(1560, "month")).age_years == 130


def test_700kg_is_accepted() -> None:
    assert bg.Patient(age=Q_(40, "year"), weight=Q_(700, "kg")).weight_kg == 700


def test_values_keep_the_callers_unit() -> None:
    patient = bg.Patient(age=FOREIGN.Quantity(30, "month"), weight=FOREIGN.Quantity(12500, "g"))
    assert str(patient.age.units) == "month"
    assert patient.age.magnitude == 30
    assert patient.weight_kg == 12.5
    assert patient.age._REGISTRY is bg.ureg


def test_a_unit_only_the_host_defines_is_converted_by_the_host() -> None:
    import pint

    host: pint.UnitRegistry[Any] = pint.UnitRegistry()
    host.define("fortnight_of_mine = 14 * day")
    patient = bg.Patient(age=host.Quantity(3, "fortnight_of_mine"))
    assert patient.age_months * 365.25 / 12 == pytest.approx(42)


def test_a_host_unit_of_the_wrong_kind_is_rejected() -> None:
    import pint

    host: pint.UnitRegistry[Any] = pint.UnitRegistry()
    host.define("sack_of_mine = 50 * kilogram")
    with pytest.raises(bg.InvalidInputError, match=r"age: must have \[time\] dimension"):
        bg.Patient(age=host.Quantity(3, "sack_of_mine"))


def test_recommend_rejects_non_patient() -> None:
    with pytest.raises(bg.InvalidInputError, match="patient: must be a Patient"):
        bg.recommend({"age": 8})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"current_dose": Q_(4, "mL"), "response": bg.Response.SUSTAINED_CONTROL}, "current_dose"),
        ({"current_dose": Q_(0, "mg"), "response": bg.Response.SUSTAINED_CONTROL}, "current_dose"),
        ({"current_dose": 4, "response": bg.Response.SUSTAINED_CONTROL}, "current_dose"),
        ({"current_dose": Q_(4, "mg"), "response": "SUSTAINED"}, "response"),
    ],
    ids=["dose-volume", "dose-zero", "dose-number", "response-string"],
)
def test_recommend_rejects_bad_follow_up(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.recommend(bg.Patient(age=Q_(40, "year")), **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("cls", "fields", "field"),
    [
        (bg.Regimen, {"dose": Q_(0, "mg")}, "dose"),
        (bg.Regimen, {"dose": Q_(500, "mg")}, "dose"),
        (bg.Regimen, {"dose": Q_(4, "mg"), "frequency": "daily"}, "frequency"),
        (bg.Source, {"document": bg.Document.GUIDELINE, "section": ""}, "section"),
        (bg.Source, {"document": "GUIDELINE", "section": "x"}, "document"),
        (
            bg.Source,
            {"document": bg.Document.GUIDELINE, "section": "x", "references": (0,)},
            "references",
        ),
        (bg.DoseRecommendation, {"status": bg.Status.RECOMMENDED}, "regimen"),
        (bg.DoseRecommendation, {"status": bg.Status.INSUFFICIENT_INFORMATION}, "missing"),
        (bg.ConfidenceInterval, {"lower": 1.0, "upper": 0.0}, "lower"),
    ],
    ids=[
        "regimen-zero",
        "regimen-implausible",
        "regimen-frequency",
        "source-empty-section",
        "source-document-string",
        "source-reference-zero",
        "recommended-without-regimen",
        "insufficient-without-missing",
        "ci-reversed",
    ],
)
def test_model_classes_reject(cls: type, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        cls(**fields)
    assert caught.value.field == field


# Birth dates: completed calendar months.
BIRTH_CASES = [
    ("same-day", dt.date(2020, 5, 10), dt.date(2020, 5, 10), 0),
    ("day-before-first-month", dt.date(2020, 5, 10), dt.date(2020, 6, 9), 0),
    ("first-month", dt.date(2020, 5, 10), dt.date(2020, 6, 10), 1),
    ("day-before-2nd-birthday", dt.date(2020, 5, 10), dt.date(2022, 5, 9), 23),
    ("2nd-birthday", dt.date(2020, 5, 10), dt.date(2022, 5, 10), 24),
    ("leap-born-day-before-18-in-common-year", dt.date(2008, 2, 29), dt.date(2026, 2, 28), 215),
    ("leap-born-18-on-1-march", dt.date(2008, 2, 29), dt.date(2026, 3, 1), 216),
    ("leap-born-birthday-in-leap-year", dt.date(2008, 2, 29), dt.date(2012, 2, 29), 48),
    ("31st-born-short-month", dt.date(2021, 1, 31), dt.date(2021, 2, 28), 0),
    ("31st-born-next-month-start", dt.date(2021, 1, 31), dt.date(2021, 3, 1), 1),
    ("year-end", dt.date(2007, 12, 31), dt.date(2025, 12, 31), 216),
]


@pytest.mark.parametrize(
    ("born", "on", "months"),
    [case[1:] for case in BIRTH_CASES],
    ids=[case[0] for case in BIRTH_CASES],
)
def test_from_birth_date_counts_completed_months(born: dt.date, on: dt.date, months: int) -> None:
    patient = bg.Patient.from_birth_date(born, on=on, weight=Q_(40, "kg"))
    assert patient.age_months == months


def test_birth_date_decides_the_18_year_boundary() -> None:
    born = dt.date(2008, 2, 29)
    child = bg.Patient.from_birth_date(born, on=dt.date(2026, 2, 28), weight=Q_(25, "kg"))
    adult = bg.Patient.from_birth_date(born, on=dt.date(2026, 3, 1), weight=Q_(25, "kg"))
    assert bg.recommend(child).regimen == bg.Regimen(dose=Q_(2, "mg"))
    assert bg.recommend(adult).regimen == bg.Regimen(dose=Q_(4, "mg"))


def test_from_birth_date_passes_other_fields() -> None:
    patient = bg.Patient.from_birth_date(
        dt.date(1950, 1, 1), on=dt.date(2026, 1, 1), risk_factors={bg.RiskFactor.VTE}
    )
    assert patient.risk_factors == {bg.RiskFactor.VTE}


@pytest.mark.parametrize(
    ("born", "on", "field", "words"),
    [
        (dt.date(2026, 1, 2), dt.date(2026, 1, 1), "birth_date", "after"),
        ("2020-01-01", dt.date(2026, 1, 1), "birth_date", "date"),
        (dt.date(2020, 1, 1), None, "on", "date"),
        (dt.date(1800, 1, 1), dt.date(2026, 1, 1), "age", "implausible"),
    ],
    ids=["born-after-on", "birth-date-string", "on-missing", "older-than-130"],
)
def test_from_birth_date_rejects(born: Any, on: Any, field: str, words: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient.from_birth_date(born, on=on)
    assert caught.value.field == field
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: bg.Patient(age=Q_(131, "year")), "age: is implausible (more than 130 years)"),
        (
            lambda: bg.Patient(age=Q_(30, "year"), weight=Q_(701, "kg")),
            "weight: is implausible (more than 700 kg)",
        ),
        (
            lambda: bg.Patient(age=Q_(30, "year"), creatinine_clearance=Q_(1001, "mL/min")),
            "creatinine_clearance: is implausible (more than 1000 mL/min)",
        ),
        (
            lambda: bg.Patient(age=Q_(30, "year"), egfr=Q_(1001, "mL/min")),
            "egfr: is implausible (more than 1000 mL/min)",
        ),
        (
            lambda: bg.Labs(haemoglobin=Q_(31, "g/dL")),
            "haemoglobin: is implausible (more than 30 g/dL)",
        ),
        (lambda: bg.Labs(haemoglobin=Q_(0, "g/dL")), "haemoglobin: must be greater than zero"),
        (
            lambda: bg.Labs(lymphocytes=Q_(2e12, "1/L")),
            "lymphocytes: is implausible (more than 10^12 per litre)",
        ),
        (lambda: bg.Labs(neutrophils=Q_(-1, "1/L")), "neutrophils: must not be negative"),
        (
            lambda: bg.Patient(age=Q_(30, "year"), weight=Q_(0, "kg")),
            "weight: must be greater than zero",
        ),
        (
            lambda: bg.Patient(age=Q_(float("nan"), "year")),
            "age: magnitude must be finite (not NaN, infinity or too large)",
        ),
        (
            lambda: bg.Patient(age=8),  # type: ignore[arg-type]
            'age: a bare number (8) has no unit; write the quantity, e.g. "8 year" or '
            'bg.Q_(8, "year")',
        ),
        (
            lambda: bg.Patient(age=Q_(8, "year"), pregnant="no"),  # type: ignore[arg-type]
            "pregnant: must be true or false, got 'no'",
        ),
        (
            lambda: bg.Source(document=bg.Document.SMPC, section="  "),
            "section: must not be empty",
        ),
        (
            lambda: bg.Reason(code="c", text=5, source=bg.RECOMMENDATION.source),  # type: ignore[arg-type]
            "text: must be a string, got int",
        ),
        (
            lambda: bg.DoseRecommendation(status=bg.Status.NOT_RECOMMENDED, reasons=("x",)),  # type: ignore[arg-type]
            "reasons: items must be Reason, got 'x'",
        ),
        (
            lambda: bg.Patient(age=Q_(8, "year"), labs="high"),  # type: ignore[arg-type]
            "labs: must be a Labs, got 'high'",
        ),
        (
            lambda: bg.Patient(age=Q_(8, "year"), risk_factors=[5]),  # type: ignore[list-item]
            "risk_factors: 5 is not one of VTE, MACE, MALIGNANCY, CHRONIC_OR_RECURRENT_INFECTION, SMOKING",
        ),
        (
            lambda: bg.Patient.from_birth_date(dt.date(2020, 1, 1), on="today"),  # type: ignore[arg-type]
            "on: must be a date, got str",
        ),
    ],
    ids=[
        "age",
        "weight",
        "clearance",
        "egfr",
        "haemoglobin-high",
        "haemoglobin-zero",
        "lymphocytes",
        "neutrophils",
        "weight-zero",
        "nan",
        "not-quantity",
        "flag",
        "empty-text",
        "text-type",
        "tuple-items",
        "labs-type",
        "enum-set",
        "on-date",
    ],
)
def test_each_rule_has_its_message(build: Any, message: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        build()
    assert str(caught.value) == message


def test_zero_counts_and_clearance_are_possible_values() -> None:
    labs = bg.Labs(lymphocytes=Q_(0, "1/L"), neutrophils=Q_(0, "1/L"))
    assert labs.lymphocytes_per_l == 0
    patient = bg.Patient(age=Q_(40, "year"), creatinine_clearance=Q_(0, "mL/min"), labs=labs)
    assert bg.recommend(patient).status is bg.Status.NOT_RECOMMENDED


def test_unit_and_quantity_text_limits() -> None:
    from baricitinib_guideline.units import parse_quantity, parse_unit

    name = "a" * 65
    with pytest.raises(bg.InvalidInputError, match="is not a plain unit name") as caught:
        parse_unit(name, "unit")
    assert caught.value.field == "unit"
    with pytest.raises(bg.InvalidInputError, match="not a short text") as caught:
        parse_quantity("1" * 76 + " year", "--age", "[time]")
    assert caught.value.field == "--age"
    assert parse_quantity("1" * 70 + " d", "--age", "[time]").magnitude == int("1" * 70)
    with pytest.raises(bg.InvalidInputError) as caught:
        parse_quantity("1e999 year", "--age", "[time]")
    assert (caught.value.field, caught.value.part) == ("--age", "value")
    with pytest.raises(bg.InvalidInputError) as caught:
        parse_quantity("8 furlongs_of_time", "--age", "[time]")
    assert caught.value.field == "--age"
    with pytest.raises(bg.InvalidInputError, match=r'write the quantity, e\.g\. "8 year"'):
        parse_quantity("8", "--age", "[time]")
    with pytest.raises(bg.InvalidInputError, match="not a number followed by a unit"):
        parse_quantity("year 8", "--age", "[time]")


def test_integers_stay_integers_from_text() -> None:
    from baricitinib_guideline.units import parse_quantity

    assert type(parse_quantity("8 y", "--age", "[time]").magnitude) is int
    assert type(parse_quantity("8.5 y", "--age", "[time]").magnitude) is float

"""Hardening: one value gives one answer in every unit, no caller can change another's
answer, JSON is strict, odd numbers are refused cleanly, pickles cross processes, foreign
registries keep their own definitions, and hostile unit texts cannot grow memory."""

from __future__ import annotations

import concurrent.futures
import copy
import datetime as dt
import itertools
import json
import multiprocessing
import pickle
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Response, Status

ADULT = {"age": Q_(40, "year")}


# 1. One value, one answer, in every unit of its kind.
# (unit, how many of the family's first unit one of it is, exactly)
COUNTS = [("1/L", 1), ("1/mL", 10**3), ("1/uL", 10**6), ("1/nL", 10**9), ("1/mm**3", 10**6)]
MASS_CONCENTRATION = [
    ("g/dL", Fraction(1)),
    ("g/L", Fraction(1, 10)),
    ("mg/dL", Fraction(1, 1000)),
    ("g/mL", Fraction(100)),
]
CLEARANCE = [("mL/min", Fraction(1)), ("mL/s", Fraction(60)), ("L/h", Fraction(1000, 60))]
MASS = [("kg", Fraction(1)), ("g", Fraction(1, 1000)), ("mg", Fraction(1, 10**6))]
MASS += [("lb", Fraction(45359237, 10**8))]
TIME = [("year", Fraction(1)), ("month", Fraction(1, 12)), ("day", Fraction(4, 1461))]
TIME += [("week", Fraction(7 * 4, 1461))]


def _in(unit_factor: Fraction | int, value: Fraction) -> float:
    return float(value / unit_factor)


def _patients(value: Fraction, family: list[tuple[str, Any]], build: Any) -> list[bg.Patient]:
    return [build(Q_(_in(factor, value), unit)) for unit, factor in family]


# (threshold id, family, build a patient from the quantity, threshold in the first unit)
THRESHOLDS: list[tuple[str, list[tuple[str, Any]], Any, Fraction]] = [
    (
        "neutrophils-1e9-per-l",
        COUNTS,
        lambda q: bg.Patient(**ADULT, labs=bg.Labs(neutrophils=q)),
        Fraction(10**9),
    ),
    (
        "lymphocytes-0.5e9-per-l",
        COUNTS,
        lambda q: bg.Patient(**ADULT, labs=bg.Labs(lymphocytes=q)),
        Fraction(5 * 10**8),
    ),
    (
        "haemoglobin-8-g-dl",
        MASS_CONCENTRATION,
        lambda q: bg.Patient(**ADULT, labs=bg.Labs(haemoglobin=q)),
        Fraction(8),
    ),
    (
        "clearance-30-ml-min",
        CLEARANCE,
        lambda q: bg.Patient(**ADULT, creatinine_clearance=q),
        Fraction(30),
    ),
    (
        "clearance-60-ml-min",
        CLEARANCE,
        lambda q: bg.Patient(**ADULT, creatinine_clearance=q),
        Fraction(60),
    ),
    (
        "child-egfr-40",
        CLEARANCE,
        lambda q: bg.Patient(age=Q_(9, "year"), weight=Q_(20, "kg"), egfr=q),
        Fraction(40),
    ),
    (
        "child-egfr-60",
        CLEARANCE,
        lambda q: bg.Patient(age=Q_(9, "year"), weight=Q_(20, "kg"), egfr=q),
        Fraction(60),
    ),
    ("weight-10-kg", MASS, lambda q: bg.Patient(age=Q_(9, "year"), weight=q), Fraction(10)),
    ("weight-30-kg", MASS, lambda q: bg.Patient(age=Q_(9, "year"), weight=q), Fraction(30)),
    ("age-2-years", TIME, lambda q: bg.Patient(age=q, weight=Q_(12, "kg")), Fraction(2)),
    ("age-18-years", TIME, lambda q: bg.Patient(age=q, weight=Q_(50, "kg")), Fraction(18)),
    ("age-65-years", TIME, lambda q: bg.Patient(age=q), Fraction(65)),
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(THRESHOLDS),
    st.sampled_from([Fraction(999, 1000), Fraction(1), Fraction(1001, 1000)]),
)
def test_one_value_gives_one_answer_in_every_unit_of_its_kind(
    threshold: tuple[str, list[tuple[str, Any]], Any, Fraction], around: Fraction
) -> None:
    name, family, build, value = threshold
    answers = [bg.recommend(p) for p in _patients(value * around, family, build)]
    assert all(answer == answers[0] for answer in answers), name


@pytest.mark.parametrize(
    "quantity",
    [Q_(1, "1/nL"), Q_(1000, "1/uL"), Q_(10**6, "1/mL"), Q_(1000, "1/mm**3"), Q_(1e9, "1/L")],
    ids=["per-nl", "per-ul", "per-ml", "per-mm3", "per-l"],
)
def test_neutrophils_exactly_at_the_threshold_are_not_below_it(quantity: Any) -> None:
    """Licence: do not start when neutrophils are *below* 1 x 10^9/L."""
    result = bg.recommend(bg.Patient(**ADULT, labs=bg.Labs(neutrophils=quantity)))
    assert result.status is Status.RECOMMENDED
    assert bg.Labs(neutrophils=quantity).neutrophils_per_l == 1e9


def test_billions_per_litre_read_from_json_equal_per_nanolitre() -> None:
    labs = bg.from_json('{"neutrophils": {"value": 1, "unit": "10*9/L"}}', bg.Labs)
    assert labs.neutrophils_per_l == bg.Labs(neutrophils=Q_(1, "1/nL")).neutrophils_per_l


# 2. Answers no caller can change.
def test_a_caller_cannot_change_a_shared_answer_in_place() -> None:
    adult = bg.recommend(bg.Patient(**ADULT))
    with pytest.raises(AttributeError, match="read-only"):
        adult.alternatives[0].regimen.dose.ito("microgram")
    with pytest.raises(AttributeError, match="read-only"):
        adult.regimen.dose.ito("gram")  # type: ignore[union-attr]
    child = bg.recommend(bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")))
    assert str(child.regimen.dose) == "2 milligram"  # type: ignore[union-attr]
    assert child.regimen.dose.to("mg").magnitude == 2  # type: ignore[union-attr]
    assert bg.from_json(bg.to_json(adult), bg.DoseRecommendation) == adult


def test_conversions_and_copies_of_a_shared_quantity_are_the_callers_own() -> None:
    dose = bg.recommend(bg.Patient(**ADULT)).regimen.dose  # type: ignore[union-attr]
    mine = copy.copy(dose)
    mine.ito("microgram")
    converted = dose.to("gram")
    converted.ito("milligram")
    summed = dose + Q_(1, "mg")
    summed.ito("gram")
    assert str(bg.recommend(bg.Patient(**ADULT)).regimen) == "4 mg once daily"


def test_a_patient_does_not_keep_the_callers_quantity() -> None:
    age, weight = Q_(8, "year"), Q_(25, "kg")
    patient = bg.Patient(age=age, weight=weight)
    assert patient.age is not age
    age.ito("month")
    weight.ito("gram")
    assert str(patient.age) == "8 year"
    assert str(patient.weight) == "25 kilogram"
    assert patient == bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg"))


# 3. Strict JSON.
@pytest.mark.parametrize(
    ("text", "cls", "path"),
    [
        (
            '{"age": {"value": 40, "unit": "a"}, "risk_factors": {"VTE": false}}',
            bg.Patient,
            "$.risk_factors",
        ),
        (
            '{"age": {"value": 40, "unit": "a"}, "comorbidities": {"ALOPECIA_AREATA": 0}}',
            bg.Patient,
            "$.comorbidities",
        ),
        (
            '{"date": "2026-01-01", "tests": {"HIV": true}, "purpose": "p", "sources": []}',
            bg.Visit,
            "$.tests",
        ),
        (
            '{"age": {"value": 40, "unit": "a"}, "risk_factors": ["VTE", "VTE"]}',
            bg.Patient,
            "$.risk_factors",
        ),
        ('{"age": {"value": 40, "unit": "a"}, "age": {"value": 4, "unit": "a"}}', bg.Patient, "$"),
        ('{"age": {"value": 40, "unit": "a", "unit": "mo"}}', bg.Patient, "$"),
        (
            '{"schema_version": 1.0, "age": {"value": 40, "unit": "a"}}',
            bg.Patient,
            "$.schema_version",
        ),
        (
            '{"schema_version": true, "age": {"value": 40, "unit": "a"}}',
            bg.Patient,
            "$.schema_version",
        ),
        (
            '{"schema_version": "1", "age": {"value": 40, "unit": "a"}}',
            bg.Patient,
            "$.schema_version",
        ),
        ('{"schema_version": 2, "items": []}', tuple[bg.Visit, ...], "$.schema_version"),
        ('{"items": [], "extra": 1}', tuple[bg.Visit, ...], "$"),
        ('{"items": [3]}', tuple[bg.Visit, ...], "$.items[0]"),
    ],
    ids=[
        "object-as-risk-factor-set",
        "object-as-comorbidity-set",
        "object-as-visit-tests",
        "member-twice",
        "duplicate-key",
        "duplicate-key-nested",
        "schema-version-float",
        "schema-version-bool",
        "schema-version-string",
        "schedule-schema-version-2",
        "schedule-extra-key",
        "schedule-item-not-an-object",
    ],
)
def test_strict_json_refuses(text: str, cls: Any, path: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(text, cls)
    assert caught.value.field == path


def test_a_monitoring_schedule_round_trips_with_a_schema_version() -> None:
    visits = bg.monitoring_schedule(dt.date(2026, 1, 31), until=dt.date(2027, 1, 31))
    text = bg.to_json(visits)
    assert text.startswith('{"schema_version": 1, "knowledge_version": ')
    assert json.loads(text)["knowledge_version"] == bg.KNOWLEDGE_VERSION
    assert bg.from_json(text, tuple[bg.Visit, ...]) == visits
    legacy = bg.converter.unstructure(visits)
    assert bg.from_json(json.dumps(legacy), tuple[bg.Visit, ...]) == visits


def test_from_json_takes_an_already_parsed_object() -> None:
    patient = bg.Patient(**ADULT, risk_factors={"VTE"})
    data = json.loads(bg.to_json(patient))
    assert bg.from_json(data, bg.Patient) == patient


@pytest.mark.parametrize(
    "obj",
    [float("nan"), object(), [1, 2], {"a": 1}, Q_(3, "meter"), (bg.Patient(**ADULT), 3)],
    ids=["nan", "object", "list", "dict", "length", "tuple-with-a-number"],
)
def test_to_json_refuses_what_it_cannot_write_with_invalid_input(obj: object) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.to_json(obj)
    assert caught.value.field == "obj"


def test_to_json_writes_a_bare_quantity_as_value_and_ucum_unit() -> None:
    assert bg.to_json(Q_(4, "mg")) == '{"value": 4, "unit": "mg"}'
    assert bg.to_json(Q_(1.5, "g/dL")) == '{"value": 1.5, "unit": "g/dL"}'


# 4. Odd numbers are refused as InvalidInputError, nothing else.
ODD = [10**309, Fraction(10**400), Decimal("sNaN"), Decimal("NaN"), Decimal("Infinity")]
ODD_IDS = ["int-1e309", "fraction-1e400", "decimal-snan", "decimal-nan", "decimal-infinity"]
PLACES: list[tuple[str, Any]] = [
    ("age", lambda v: bg.Patient(age=Q_(v, "year"))),
    ("weight", lambda v: bg.Patient(**ADULT, weight=Q_(v, "kg"))),
    ("creatinine_clearance", lambda v: bg.Patient(**ADULT, creatinine_clearance=Q_(v, "mL/min"))),
    ("egfr", lambda v: bg.Patient(**ADULT, egfr=Q_(v, "mL/min"))),
    ("neutrophils", lambda v: bg.Labs(neutrophils=Q_(v, "1/L"))),
    ("haemoglobin", lambda v: bg.Labs(haemoglobin=Q_(v, "g/dL"))),
    (
        "current_dose",
        lambda v: bg.recommend(
            bg.Patient(**ADULT), current_dose=Q_(v, "mg"), response=Response.SUSTAINED_CONTROL
        ),
    ),
    ("dose", lambda v: bg.nma_result(Q_(v, "mg"), bg.Outcome.EASI)),
    ("dose", lambda v: bg.Regimen(dose=Q_(v, "mg"))),
    ("lower", lambda v: bg.ConfidenceInterval(lower=v, upper=1.0)),
]


@pytest.mark.parametrize("value", ODD, ids=ODD_IDS)
@pytest.mark.parametrize(
    ("field", "build"), PLACES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PLACES)]
)
def test_odd_numbers_are_refused_naming_the_field(field: str, build: Any, value: object) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        build(value)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: bg.Patient(age=Q_(-1e-11, "year")), "age"),
        (
            lambda: bg.Patient(**ADULT, creatinine_clearance=Q_(-1e-10, "mL/min")),
            "creatinine_clearance",
        ),
        (lambda: bg.Labs(lymphocytes=Q_(-1e-300, "1/L")), "lymphocytes"),
    ],
    ids=["age-minus-1e-11-year", "clearance-minus-1e-10", "lymphocytes-minus-1e-300"],
)
def test_tiny_negatives_are_negative(build: Any, field: str) -> None:
    with pytest.raises(bg.InvalidInputError, match="must not be negative") as caught:
        build()
    assert caught.value.field == field


@pytest.mark.parametrize("mg", [100.001, 1e300], ids=["just-over-100-mg", "1e300-mg"])
def test_current_dose_has_an_upper_bound(mg: float) -> None:
    with pytest.raises(bg.InvalidInputError, match="current_dose: must not exceed 100 mg"):
        bg.recommend(
            bg.Patient(**ADULT), current_dose=Q_(mg, "mg"), response=Response.SUSTAINED_CONTROL
        )


def test_explain_follows_a_self_containing_list_once() -> None:
    items: list[object] = [bg.recommend(bg.Patient(**ADULT))]
    items.append(items)
    assert bg.explain(items) == bg.explain(items[:1])


# 5. Pickles cross processes into the library's registry.
def _fresh_process_answer(payload: bytes) -> str:
    code = (
        "import pickle, sys, pint; import baricitinib_guideline as bg; "
        "p = pickle.loads(sys.stdin.buffer.read()); "
        "assert pint.get_application_registry().get() is not bg.ureg; "
        "print(p.labs.neutrophils_per_l, bg.recommend(p).status.name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, timeout=120, check=True
    )
    return done.stdout.decode().strip()


def test_a_patient_with_billions_per_litre_unpickles_in_a_fresh_process() -> None:
    labs = bg.from_json('{"neutrophils": {"value": 2, "unit": "10*9/L"}}', bg.Labs)
    patient = bg.Patient(**ADULT, labs=labs)
    assert _fresh_process_answer(pickle.dumps(patient)) == "2000000000.0 RECOMMENDED"


def test_answers_and_patients_round_trip_through_pickle() -> None:
    patient = bg.Patient(age=Q_(9, "year"), weight=Q_(20, "kg"), egfr=Q_(50, "mL/min"))
    answer = bg.recommend(patient)
    assert pickle.loads(pickle.dumps(patient)) == patient
    again = pickle.loads(pickle.dumps(answer))
    assert again == answer
    with pytest.raises(AttributeError, match="read-only"):
        again.regimen.dose.ito("gram")


def test_recommend_runs_in_a_spawned_process_pool() -> None:
    patients = [bg.Patient(**ADULT), bg.Patient(age=Q_(9, "year"), weight=Q_(20, "kg"))]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        answers = list(pool.map(bg.recommend, patients, timeout=120))
    assert answers == [bg.recommend(p) for p in patients]


# 6. Foreign registries keep their own definitions and formats.
def test_a_host_redefinition_holds() -> None:
    host: pint.UnitRegistry[Any] = pint.UnitRegistry()
    host.define("stone = 1 * kilogram")
    child = bg.Patient(age=Q_(12, "year"), weight=host.Quantity(20, "stone"))
    assert child.weight_kg == 20
    assert bg.recommend(child).regimen.dose_mg == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", ["~P", "P", "L", "H", "~C", "D", "~D"])
def test_a_host_default_format_changes_nothing(fmt: str) -> None:
    host: pint.UnitRegistry[Any] = pint.UnitRegistry()
    host.formatter.default_format = fmt

    def patient(reg: Any) -> bg.Patient:
        return bg.Patient(
            age=reg.Quantity(70, "year"),
            weight=reg.Quantity(80, "kg"),
            creatinine_clearance=reg.Quantity(0.75, "mL/s"),
            labs=bg.Labs(
                neutrophils=reg.Quantity(2, "1/nL"), haemoglobin=reg.Quantity(120, "g/L")
            ),
        )

    theirs, ours = patient(host), patient(bg.ureg)
    assert theirs == ours
    assert bg.recommend(theirs) == bg.recommend(ours)
    assert bg.to_json(theirs) == bg.to_json(ours)


# 7. Distinct hostile unit texts cannot grow memory without bound.
def test_pint_caches_stay_bounded_under_distinct_unit_texts() -> None:
    prefixes = ["", "kilo", "milli", "micro", "mega", "nano", "centi", "deci"]
    names = ["meter", "gram", "liter", "second", "hour", "day", "mole", "kelvin"]
    combos = itertools.product(prefixes, names, prefixes, names, prefixes, names)
    for a, b, c, d, e, f in itertools.islice(combos, 6000):
        text = f'{{"age": {{"value": 3, "unit": "{a}{b} / {c}{d} ** 2 * {e}{f}"}}}}'
        with pytest.raises(bg.InvalidInputError):
            bg.from_json(text, bg.Patient)
    caches = vars(bg.ureg._cache)
    sizes = {name: len(cache) for name, cache in caches.items() if isinstance(cache, dict)}
    assert max(sizes.values()) <= 2048, sizes


# The registry is built on first use, once, whatever the threads.
def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=120, check=True, text=True
    )
    return done.stdout.strip()


def test_import_builds_no_registry() -> None:
    code = (
        "import baricitinib_guideline as bg, baricitinib_guideline.units as u; "
        "print(sorted(u._STATE)); bg.Q_(1, 'mg'); print(sorted(u._STATE))"
    )
    assert _fresh(code).splitlines() == ["[]", "['read_only', 'registry']"]


def test_threads_racing_to_first_use_share_one_registry() -> None:
    code = (
        "import threading, baricitinib_guideline as bg\n"
        "start = threading.Barrier(8); found = []\n"
        "def work():\n"
        "    start.wait(); found.append(bg.Patient(age=bg.Q_(8, 'year'), weight=bg.Q_(25, 'kg')))\n"
        "threads = [threading.Thread(target=work) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len({id(p.age._REGISTRY) for p in found}), len(found))"
    )
    assert _fresh(code) == "1 8"

"""Malformed input at every edge: only InvalidInputError (or exit code 2) comes out.

Each fuzz test runs 10 000 cases with a per-case deadline, so a hang fails
the test instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import pickle
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline.cli import main
from baricitinib_guideline.serialization import PUBLIC_CLASSES
from baricitinib_guideline.units import parse_quantity, parse_unit

from .strategies import patients

FUZZ = settings(
    max_examples=10_000,
    deadline=dt.timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

VALID_PATIENT = json.loads(
    bg.to_json(
        bg.Patient(
            age=bg.Q_(8, "year"),
            weight=bg.Q_(25, "kg"),
            risk_factors={bg.RiskFactor.VTE},
            labs=bg.Labs(haemoglobin=bg.Q_(12, "g/dL")),
        )
    )
)
KEYS = sorted(VALID_PATIENT)

pytestmark = pytest.mark.slow


def _mutated(base: dict[str, Any], key: str, value: Any, path: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(base))
    target = data
    for step in path:
        if isinstance(target.get(step), dict):
            target = target[step]
    target[key] = value
    return data


mutated_patients = st.builds(
    _mutated,
    st.just(VALID_PATIENT),
    st.sampled_from([*KEYS, "value", "unit", "extra", "lymphocytes"]),
    json_values,
    st.lists(st.sampled_from(["age", "weight", "labs", "haemoglobin"]), max_size=2),
)


def _texts(data: Any) -> str:
    return json.dumps(data, allow_nan=True)


@FUZZ
@given(
    st.one_of(
        st.text(max_size=200),
        st.builds(_texts, json_values),
        st.builds(_texts, mutated_patients),
    ),
    st.sampled_from(PUBLIC_CLASSES),
)
def test_from_json_fails_closed(text: str, cls: type) -> None:
    try:
        result: object = bg.from_json(text, cls)
    except bg.InvalidInputError:
        return
    # What was accepted is a whole, valid object that writes back the same.
    assert isinstance(result, cls)
    assert bg.from_json(bg.to_json(result), cls) == result


unit_texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789*^/eE.+- ()yearkgmolL", max_size=40),
    st.sampled_from(["2**99999999", "10**10**10", "1e999", "year**9999", "kg*" * 20, "(" * 50]),
)


@FUZZ
@given(unit_texts)
def test_unit_strings_fail_closed(text: str) -> None:
    try:
        unit = parse_unit(text, "unit")
    except bg.InvalidInputError:
        return
    assert str(unit)


@FUZZ
@given(unit_texts, st.sampled_from(["[time]", "[mass]", "[volume] / [time]"]))
def test_quantity_strings_fail_closed(text: str, dimension: str) -> None:
    try:
        quantity = parse_quantity(text, "value", dimension)
    except bg.InvalidInputError:
        return
    assert quantity.check(dimension)


OPTIONS = [
    "--age",
    "--weight",
    "--risk",
    "--comorbidity",
    "--current-dose",
    "--response",
    "--creatinine-clearance",
    "--egfr",
    "--haemoglobin",
    "--lymphocytes",
    "--birth-date",
    "--on",
    "--json",
    "--pregnant",
    "--not-candidate",
]
cli_args = st.lists(
    st.one_of(
        st.sampled_from(OPTIONS),
        st.sampled_from(["8y", "25kg", "vte", "4mg", "sustained-control", "2020-02-29", "-1y"]),
        unit_texts,
    ),
    max_size=8,
)


@FUZZ
@given(cli_args)
def test_cli_arguments_fail_closed(args: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    code: object
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exit_:
            code = exit_.code  # argparse's own usage errors
    assert code in (0, 2)
    if code == 2:
        assert len(err.getvalue().strip().splitlines()) == 1
        assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize(
    "text",
    ["2**99999999 year", "9" * 10000 + " year", "1e999 year", "1" * 5000],
    ids=["power", "long-number", "overflow", "digits-only"],
)
def test_hostile_quantity_strings_are_rejected(text: str) -> None:
    with pytest.raises(bg.InvalidInputError):
        parse_quantity(text, "--age", "[time]")


def test_control_characters_stay_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["\r0"])
    assert (
        capsys.readouterr().err == "baricitinib-guideline: error: unrecognized arguments: \\r0\n"
    )
    assert main(["--age", "x\ny"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# Odd numbers, foreign registries with other formats or definitions, pickling.
def _host(fmt: str, redefine: bool) -> Any:
    import pint

    host: Any = pint.UnitRegistry()
    host.formatter.default_format = fmt
    if redefine:
        host.define("stone = 1 * kilogram")
    return host


HOSTS = [_host(fmt, redefine) for fmt in ("D", "~P", "L", "H") for redefine in (False, True)]
odd_numbers = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(max_denominator=10**6),
    st.builds(Fraction, st.integers(-(10**400), 10**400), st.integers(1, 10**6)),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("sNaN"), Decimal("-sNaN"), Decimal("1e-400"), -1e-300, -0.0]),
)
FIELDS = [
    ("age", ["year", "month", "week", "day"]),
    ("weight", ["kg", "g", "lb", "stone"]),
    ("creatinine_clearance", ["mL/min", "mL/s", "L/h"]),
    ("egfr", ["mL/min", "L/h"]),
    ("neutrophils", ["1/L", "1/uL", "1/nL", "1/mm**3"]),
    ("haemoglobin", ["g/dL", "g/L", "mg/dL"]),
    ("current_dose", ["mg", "g", "microgram"]),
]


def _build(field: str, quantity: Any) -> object:
    adult = {"age": bg.Q_(40, "year"), "weight": bg.Q_(70, "kg")}
    if field in ("neutrophils", "haemoglobin"):
        return bg.Patient(**adult, labs=bg.Labs(**{field: quantity}))
    if field == "current_dose":
        return bg.recommend(
            bg.Patient(**adult), current_dose=quantity, response=bg.Response.SUSTAINED_CONTROL
        )
    return bg.Patient(**{**adult, field: quantity})


@settings(
    max_examples=3000,
    deadline=dt.timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.sampled_from(FIELDS).flatmap(lambda f: st.tuples(st.just(f[0]), st.sampled_from(f[1]))),
    odd_numbers,
    st.sampled_from([None, *HOSTS]),
)
def test_odd_numbers_from_any_registry_fail_closed(
    field_unit: tuple[str, str], number: Any, host: Any
) -> None:
    field, unit = field_unit
    registry = bg.ureg if host is None else host
    try:
        quantity = registry.Quantity(number, unit)
    except Exception:  # pint itself refuses it: nothing reaches the library
        return
    try:
        built = _build(field, quantity)
    except bg.InvalidInputError as error:
        refused = error.field
    else:
        if isinstance(built, bg.Patient):
            assert bg.recommend(built) == bg.recommend(pickle.loads(pickle.dumps(built)))
        return
    assert refused == field


@settings(max_examples=2000, deadline=dt.timedelta(seconds=2))
@given(
    st.builds(_texts, json_values),
    st.sampled_from([bg.Patient, bg.Visit, bg.ScreeningPlan, tuple[bg.Visit, ...]]),
)
def test_objects_as_sets_and_other_shapes_fail_closed(text: str, cls: Any) -> None:
    try:
        result = bg.from_json(text, cls)
    except bg.InvalidInputError:
        return
    assert bg.from_json(bg.to_json(result), cls) == result


@settings(max_examples=3, deadline=None)
@given(st.lists(patients, min_size=30, max_size=30))
def test_a_batch_of_random_patients_pickles_into_a_fresh_process(batch: list[bg.Patient]) -> None:
    answers = [bg.to_json(bg.recommend(p)) for p in batch]
    code = (
        "import pickle, sys; import baricitinib_guideline as bg; "
        "batch = pickle.loads(sys.stdin.buffer.read()); "
        "print('\\n'.join(bg.to_json(bg.recommend(p)) for p in batch))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(batch),
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.decode().splitlines() == answers

"""Malformed input at every edge: only InvalidInputError (or exit code 2) comes out.

Each fuzz test runs 10 000 cases with a per-case deadline, so a hang fails
the test instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline.cli import main
from baricitinib_guideline.serialization import PUBLIC_CLASSES
from baricitinib_guideline.units import parse_quantity, parse_unit

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

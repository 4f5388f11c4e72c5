"""Snapping to a threshold: only the float noise of one unit conversion, in every unit family.

The canonical values the rules compare (months, kg, mL/min, per litre, g/dL)
lose the noise a conversion leaves (216 months are exactly 18 years), but a
value that truly lies below a threshold stays below it, however close.
Each unit's factor to the canonical unit is written here from its definition
(a year is 365.25 days, a pound 0.45359237 kg), and the value at, below and
above each threshold is computed exactly with fractions, not by the library.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

import baricitinib_guideline as bg

YEAR_DAYS = Fraction(36525, 100)
LB_KG = Fraction(45359237, 10**8)

# family: (canonical attribute reader, thresholds in the canonical unit, {unit: factor to it})
Reader = Callable[[Any], float | None]


def _age(value: Any) -> float | None:
    return float(bg.Patient(age=value).age_months)


def _weight(value: Any) -> float | None:
    return bg.Patient(age=bg.Q_(40, "year"), weight=value).weight_kg


def _clearance(value: Any) -> float | None:
    return bg.Patient(
        age=bg.Q_(40, "year"), creatinine_clearance=value
    ).creatinine_clearance_ml_min


def _egfr(value: Any) -> float | None:
    return bg.Patient(age=bg.Q_(8, "year"), egfr=value).egfr_ml_min


def _lymphocytes(value: Any) -> float | None:
    return bg.Labs(lymphocytes=value).lymphocytes_per_l


def _neutrophils(value: Any) -> float | None:
    return bg.Labs(neutrophils=value).neutrophils_per_l


def _haemoglobin(value: Any) -> float | None:
    return bg.Labs(haemoglobin=value).haemoglobin_g_dl


AGE_UNITS = {
    "month": Fraction(1),
    "year": Fraction(12),
    "week": 7 * 12 / YEAR_DAYS,
    "day": 12 / YEAR_DAYS,
}
WEIGHT_UNITS = {
    "kg": Fraction(1),
    "g": Fraction(1, 1000),
    "mg": Fraction(1, 10**6),
    "[lb_av]": LB_KG,
    "[oz_av]": LB_KG / 16,
}
RENAL_UNITS = {
    "mL/min": Fraction(1),
    "L/h": Fraction(1000, 60),
    "mL/h": Fraction(1, 60),
    "mL/s": Fraction(60),
}
COUNT_UNITS = {
    "/L": Fraction(1),
    "10*9/L": Fraction(10**9),
    "10*3/uL": Fraction(10**9),
    "/uL": Fraction(10**6),
    "/mm3": Fraction(10**6),
}
HAEMOGLOBIN_UNITS = {
    "g/dL": Fraction(1),
    "g/L": Fraction(1, 10),
    "mg/dL": Fraction(1, 1000),
}

FAMILIES: list[tuple[str, Reader, list[float], dict[str, Fraction]]] = [
    ("age", _age, [24, 216, 780], AGE_UNITS),  # 2, 18 and 65 years
    ("weight", _weight, [10, 30], WEIGHT_UNITS),
    ("clearance", _clearance, [30, 60], RENAL_UNITS),
    ("egfr", _egfr, [40, 60], RENAL_UNITS),
    ("lymphocytes", _lymphocytes, [0.5e9], COUNT_UNITS),
    ("neutrophils", _neutrophils, [1e9], COUNT_UNITS),
    ("haemoglobin", _haemoglobin, [8], HAEMOGLOBIN_UNITS),
]
CASES = [
    pytest.param(read, threshold, unit, factor, id=f"{name}-{threshold:g}-{unit}")
    for name, read, thresholds, units in FAMILIES
    for threshold in thresholds
    for unit, factor in units.items()
]


def _value(magnitude: Fraction, unit: str) -> Any:
    return bg.quantity(float(magnitude), unit)


@pytest.mark.parametrize(("read", "threshold", "unit", "factor"), CASES)
def test_the_threshold_written_in_any_unit_is_the_threshold(
    read: Reader, threshold: float, unit: str, factor: Fraction
) -> None:
    exact = Fraction(threshold) / factor  # the threshold in `unit`, exactly
    assert read(_value(exact, unit)) == threshold


@pytest.mark.parametrize(
    "relative", [Fraction(1, 10**14), Fraction(1, 10**13), Fraction(5, 10**12), Fraction(1, 10**9)]
)
@pytest.mark.parametrize(("read", "threshold", "unit", "factor"), CASES)
def test_a_value_just_off_the_threshold_stays_on_its_side(
    read: Reader, threshold: float, unit: str, factor: Fraction, relative: Fraction
) -> None:
    exact = Fraction(threshold) / factor
    below = read(_value(exact * (1 - relative), unit))
    above = read(_value(exact * (1 + relative), unit))
    assert below is not None
    assert above is not None
    assert below < threshold < above


def test_a_value_converted_once_lands_on_the_threshold() -> None:
    # What pint itself gives for 18 years in other units, read back.
    for unit in ("month", "week", "day", "hour"):
        magnitude = bg.Q_(18, "year").to(unit).magnitude
        assert bg.Patient(age=bg.Q_(magnitude, unit)).age_months == 216
    for unit in ("g", "lb", "oz"):
        magnitude = bg.Q_(30, "kg").to(unit).magnitude
        assert _weight(bg.Q_(magnitude, unit)) == 30


def test_an_age_just_under_18_is_a_child_and_18_is_an_adult() -> None:
    def dose(age: Any) -> float | None:
        result = bg.recommend(bg.Patient(age=age, weight=bg.Q_(20, "kg")))
        return None if result.regimen is None else result.regimen.dose_mg

    assert dose(bg.Q_(17.99999999999, "year")) == dose(bg.Q_(17, "year"))
    assert dose(bg.Q_(17.9999999999999, "year")) == dose(bg.Q_(17, "year"))
    assert dose(bg.Q_(18 * 365.25 - 1e-9, "day")) == dose(bg.Q_(17, "year"))
    assert dose(bg.Q_(18, "year")) == dose(bg.Q_(40, "year"))
    assert dose(bg.Q_(17.99999999999, "year")) != dose(bg.Q_(18, "year"))

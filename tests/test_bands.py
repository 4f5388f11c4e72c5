"""recommend()'s memo is keyed on the bands the rules compare: patients in the same bands
share an answer, and the answer is the one the rules give each of them."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, api
from baricitinib_guideline.rules import bands

from .strategies import follow_ups, patients

PROPERTY = settings(max_examples=300, deadline=None)


def test_every_patient_field_is_declared_banded_or_exact() -> None:
    fields = tuple(a.name for a in attrs.fields(bg.Patient) if a.init)
    assert fields == bands.FIELDS
    bands.check_declared(fields)
    with pytest.raises(RuntimeError, match="undeclared \\['new_field'\\]"):
        bands.check_declared((*fields, "new_field"))
    with pytest.raises(RuntimeError, match="not fields \\['weight'\\]"):
        bands.check_declared(tuple(name for name in fields if name != "weight"))


def test_the_cut_points_are_the_knowledge_layers() -> None:
    from baricitinib_guideline.knowledge import chapter as k

    assert k.ADULT_AGE_MONTHS in bands.BANDS["age"][1]
    assert k.CHILD_HIGH_WEIGHT_KG in bands.BANDS["weight"][1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (9.9, 0), (10.0, 1), (10.1, 2), (29.9, 2), (30.0, 3), (31.0, 4)],
)
def test_a_band_tells_below_at_and_above_each_cut(value: float | None, expected: int) -> None:
    assert bands.band(value, (10.0, 30.0)) == expected


def test_patients_in_the_same_bands_share_the_memo() -> None:
    first = bg.recommend(bg.Patient(age=Q_(40, "year"), weight=Q_(70.1, "kg")))
    assert bg.recommend(bg.Patient(age=Q_(41, "year"), weight=Q_(70.2, "kg"))) is first
    # Across a cut point they do not.
    older = bg.recommend(bg.Patient(age=Q_(65, "year"), weight=Q_(70.2, "kg")))
    assert older is not first
    assert older.regimen is not None
    assert older.regimen.dose_mg == 2


def test_an_estimate_prints_its_own_age_and_weight() -> None:
    def estimate_text(weight: float) -> str:
        patient = bg.Patient(
            age=Q_(40, "year"),
            weight=Q_(weight, "kg"),
            sex="FEMALE",
            serum_creatinine=Q_(1.0, "mg/dL"),
        )
        return " ".join(reason.text for reason in bg.recommend(patient).reasons)

    assert "weight 70.1 kg" in estimate_text(70.1)
    assert "weight 70.2 kg" in estimate_text(70.2)


def _same_band(value: float, cuts: tuple[float, ...], upper: float) -> st.SearchStrategy[float]:
    """Another value in ``value``'s band: itself at a cut, else anywhere between its cuts."""
    if value in cuts:
        return st.just(value)
    low = max((c for c in cuts if c < value), default=0.0)
    high = min((c for c in cuts if c > value), default=upper)
    return st.floats(low, high, exclude_min=low in cuts or low == 0, exclude_max=high in cuts)


def _evolve(patient: bg.Patient, **changes: Any) -> bg.Patient:
    """The patient with ``changes``, or no example when they contradict a field (pregnancy)."""
    try:
        return attrs.evolve(patient, **changes)
    except bg.InvalidInputError:
        reject()
        raise


@st.composite
def pairs(draw: Any) -> tuple[bg.Patient, bg.Patient]:
    """A patient (ages and weights at the cut points included) and another in its bands."""
    patient = draw(patients)
    age_cuts = bands.BANDS["age"][1]
    weight_cuts = bands.BANDS["weight"][1]
    if draw(st.booleans()):  # exactly at a cut point, or a hair on either side
        months = draw(st.sampled_from(age_cuts)) + draw(st.sampled_from([0.0, -1e-6, 1e-6]))
        patient = _evolve(patient, age=Q_(months, "month"))
    if patient.weight is not None and draw(st.booleans()):
        kg = draw(st.sampled_from(weight_cuts)) + draw(st.sampled_from([0.0, -1e-6, 1e-6]))
        patient = _evolve(patient, weight=Q_(kg, "kg"))
    months = draw(_same_band(patient.age_months, age_cuts, 130 * 12))
    other = _evolve(patient, age=Q_(months, "month"))
    if patient.weight_kg is not None:
        kg = draw(_same_band(patient.weight_kg, weight_cuts, 700.0))
        other = _evolve(other, weight=Q_(kg, "kg"))
    return patient, other


@PROPERTY
@given(pairs(), follow_ups)
def test_patients_with_one_band_key_get_the_rules_same_answer(
    pair: tuple[bg.Patient, bg.Patient], follow_up: tuple[Any, Any]
) -> None:
    patient, other = pair
    dose, response = follow_up
    # A value a hair from a cut may be rounded onto it by the unit door: then not a pair.
    assume(bands.band_key(patient) == bands.band_key(other))
    current = None if dose is None else dose.m_as("mg")
    # The rules themselves, without the memo, on each patient.
    assert api._decide(patient, current, response) == api._decide(other, current, response)
    # And the memo hands each the answer the rules give it.
    bg.api._ANSWERS.clear()
    bg.api._BANDED.clear()
    bg.recommend(patient, current_dose=dose, response=response)
    assert bg.recommend(other, current_dose=dose, response=response) == api._decide(
        other, current, response
    )

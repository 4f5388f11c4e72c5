"""What must hold everywhere in the input space (hypothesis)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Status

from .strategies import follow_ups, patients

PROPERTY = settings(max_examples=300, deadline=None)

pytestmark = pytest.mark.slow


def dose_mg(result: bg.DoseRecommendation) -> float:
    return 0.0 if result.regimen is None else result.regimen.dose_mg


def licensed_maximum(patient: bg.Patient) -> float:
    """The highest dose the chapter names for this patient, from its own figures."""
    months, kg = patient.age_months, patient.weight_kg
    if months < 24:
        return 0.0
    if months >= 216:
        return 4.0
    if kg is None or kg < 10:
        return 0.0
    return 4.0 if kg >= 30 else 2.0


@PROPERTY
@given(patients, follow_ups)
def test_valid_input_never_raises_and_stays_within_the_licence(
    patient: bg.Patient, follow_up: tuple[Any, Any]
) -> None:
    current, response = follow_up
    result = bg.recommend(patient, current_dose=current, response=response)
    assert dose_mg(result) <= licensed_maximum(patient)
    assert (result.status is Status.RECOMMENDED) == (result.regimen is not None)
    assert (result.status is Status.RECOMMENDED) == (result.modality is not None)
    assert (result.status is Status.INSUFFICIENT_INFORMATION) == bool(result.missing)
    assert result.reasons, "every answer explains itself"
    if patient.pregnant:
        assert result.status is Status.CONTRAINDICATED
    for option in result.alternatives:
        assert option.regimen.dose_mg <= licensed_maximum(patient)
        assert option.regimen.dose_mg != dose_mg(result)


@PROPERTY
@given(patients, follow_ups)
def test_every_reason_and_option_has_a_source_that_resolves(
    patient: bg.Patient, follow_up: tuple[Any, Any]
) -> None:
    result = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    for source in [r.source for r in result.reasons] + [o.source for o in result.alternatives]:
        assert bg.statement(source.statement).source == source
        assert len(bg.citations(source)) == len(source.references)


@PROPERTY
@given(patients, st.floats(min_value=0.01, max_value=0.99))
def test_dose_never_increases_when_only_the_weight_decreases(
    patient: bg.Patient, fraction: float
) -> None:
    if patient.weight is None:
        return
    lighter = attrs.evolve(patient, weight=patient.weight * fraction)
    assert dose_mg(bg.recommend(lighter)) <= dose_mg(bg.recommend(patient))


@PROPERTY
@given(patients, st.sampled_from(list(bg.RiskFactor)), follow_ups)
def test_dose_never_increases_when_a_risk_factor_is_added(
    patient: bg.Patient, risk: bg.RiskFactor, follow_up: tuple[Any, Any]
) -> None:
    riskier = attrs.evolve(patient, risk_factors=patient.risk_factors | {risk})
    before = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    after = bg.recommend(riskier, current_dose=follow_up[0], response=follow_up[1])
    assert dose_mg(after) <= dose_mg(before)


RESTRICTIONS: list[dict[str, Any]] = [
    {"pregnant": True},
    {"breastfeeding": True},
    {"severe_hepatic_impairment": True},
    {"strong_oat3_inhibitor": True},
    {"creatinine_clearance": bg.Q_(45, "mL/min")},
    {"creatinine_clearance": bg.Q_(20, "mL/min")},
    {"egfr": bg.Q_(50, "mL/min")},
    {"egfr": bg.Q_(30, "mL/min")},
    {"labs": bg.Labs(lymphocytes=bg.Q_(0.3e9, "1/L"))},
    {"labs": bg.Labs(neutrophils=bg.Q_(0.5e9, "1/L"))},
    {"labs": bg.Labs(haemoglobin=bg.Q_(7, "g/dL"))},
    {"can_become_pregnant": True},
]


@PROPERTY
@given(patients, st.sampled_from(RESTRICTIONS), follow_ups)
def test_adding_a_licence_restriction_never_raises_the_dose(
    patient: bg.Patient, restriction: dict[str, Any], follow_up: tuple[Any, Any]
) -> None:
    if restriction.get("pregnant"):
        assume(patient.age_months >= 120 and patient.sex is not bg.Sex.MALE)
        assume(patient.can_become_pregnant is not False)
    restricted = attrs.evolve(patient, **restriction)
    before = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    after = bg.recommend(restricted, current_dose=follow_up[0], response=follow_up[1])
    assert dose_mg(after) <= dose_mg(before)


@PROPERTY
@given(patients, follow_ups)
def test_json_round_trip_is_the_identity(patient: bg.Patient, follow_up: tuple[Any, Any]) -> None:
    result = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    plan = bg.screening_plan(patient)
    for obj in (patient, result, plan):
        text = bg.to_json(obj)
        back = bg.from_json(text, type(obj))
        assert back == obj
        assert bg.to_json(back) == text


@PROPERTY
@given(patients)
def test_equal_patients_get_equal_answers_whatever_the_unit(patient: bg.Patient) -> None:
    # Every other field is carried over as it is, whatever fields the class gains.
    again = attrs.evolve(
        patient,
        age=bg.Q_(patient.age_months, "month"),
        weight=None if patient.weight_kg is None else bg.Q_(patient.weight_kg, "kg"),
    )
    first = bg.recommend(patient)
    bg.api._ANSWERS.clear()  # the memo would otherwise hand back the same object
    assert bg.recommend(again) == first

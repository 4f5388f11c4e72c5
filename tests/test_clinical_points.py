"""Issue 16: the clinical points real records expose.

Each test names the chapter's or the licence's words, or the library's
documented choice (docs/silent.rst), that it checks.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from typing import Any

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

from .conftest import FOREIGN
from .strategies import follow_ups, patients

# --- New core inputs: sex and serum creatinine -------------------------------------------


def test_sex_is_exported_with_female_and_male_and_none_means_unknown() -> None:
    assert [member.name for member in bg.Sex] == ["FEMALE", "MALE"]
    assert bg.Patient(age=Q_(40, "year")).sex is None


@pytest.mark.parametrize("name", ["FEMALE", "female", "Female", " female "])
def test_sex_is_taken_by_name_in_any_case(name: str) -> None:
    assert bg.Patient(age=Q_(40, "year"), sex=name).sex is bg.Sex.FEMALE


@pytest.mark.parametrize("value", ["woman", "F", 1, True])
def test_an_unknown_sex_is_refused_naming_the_field_and_the_members(value: object) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient(age=Q_(40, "year"), sex=value)  # type: ignore[arg-type]
    assert caught.value.field == "sex"
    assert "FEMALE, MALE" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "mg_dl"),
    [
        (Q_(1.1, "mg/dL"), 1.1),
        (Q_(11, "mg/L"), 1.1),
        (Q_(88.4, "umol/L"), 1.0),  # clinical facts: 1 mg/dL = 88.4 umol/L
        (Q_(0.0884, "mmol/L"), 1.0),
        ("97 umol/L", 97 * 113.12 / 10_000),  # molar mass 113.12 g/mol
        ("1.1 mg/dL", 1.1),
        (FOREIGN.Quantity(97, "micromole / liter"), 97 * 113.12 / 10_000),
        (FOREIGN.Quantity(1.1, "mg/dL"), 1.1),
    ],
)
def test_serum_creatinine_in_mass_or_amount_per_volume_converted_once(
    given: object, mg_dl: float
) -> None:
    """Clinical facts: creatinine 1 mg/dL = 88.4 umol/L (molar mass 113.12 g/mol)."""
    patient = bg.Patient(age=Q_(40, "year"), serum_creatinine=given)  # type: ignore[arg-type]
    assert patient.serum_creatinine_mg_dl == pytest.approx(mg_dl, abs=1e-3)


def test_serum_creatinine_keeps_its_unit_and_round_trips_through_json() -> None:
    for value in (Q_(97, "umol/L"), Q_(1.1, "mg/dL")):
        patient = bg.Patient(age=Q_(40, "year"), sex=bg.Sex.MALE, serum_creatinine=value)
        again = bg.from_json(bg.to_json(patient), bg.Patient)
        assert again == patient
        assert again.serum_creatinine_mg_dl == patient.serum_creatinine_mg_dl
        assert again.sex is bg.Sex.MALE


def test_creatinine_in_either_unit_gives_one_rule_key() -> None:
    in_mass = bg.Patient(age=Q_(40, "year"), serum_creatinine=Q_(1, "mg/dL"))
    in_amount = bg.Patient(age=Q_(40, "year"), serum_creatinine=Q_(10_000 / 113.12, "umol/L"))
    assert in_mass.rule_key() == in_amount.rule_key()


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (Q_(1.1, "g"), "mg/dL) or amount per volume"),
        (Q_(1.1, "mL/min"), "mg/dL) or amount per volume"),
        (Q_(-1, "mg/dL"), "negative"),
        (Q_(0, "umol/L"), "greater than zero"),
        (Q_(41, "mg/dL"), "implausible"),
        (Q_(float("nan"), "mg/dL"), "finite"),
        (1.1, 'write the quantity, e.g. "1.1 mg/dL"'),
        ("1.1", 'write the quantity, e.g. "1.1'),
    ],
)
def test_an_implausible_or_unitless_creatinine_is_refused(given: object, words: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient(age=Q_(40, "year"), serum_creatinine=given)  # type: ignore[arg-type]
    assert caught.value.field == "serum_creatinine"
    assert words in str(caught.value)


# --- Shared helpers ----------------------------------------------------------------------

ADULT: dict[str, Any] = {"age": Q_(40, "year")}
CHILD_25KG: dict[str, Any] = {"age": Q_(8, "year"), "weight": Q_(25, "kg")}
SC, IC, NB = (
    bg.Response.SUSTAINED_CONTROL,
    bg.Response.INADEQUATE_CONTROL,
    bg.Response.NO_BENEFIT_AFTER_8_WEEKS,
)


def answer(
    current: float | None = None, response: bg.Response | None = None, **fields: Any
) -> bg.DoseRecommendation:
    return bg.recommend(
        bg.Patient(**fields),
        current_dose=None if current is None else Q_(current, "mg"),
        response=response,
    )


def mg(result: bg.DoseRecommendation) -> float | None:
    return None if result.regimen is None else result.regimen.dose_mg


def codes(result: bg.DoseRecommendation) -> list[str]:
    return [reason.code for reason in result.reasons]


def reason(result: bg.DoseRecommendation, code: str) -> bg.Reason:
    found = [r for r in result.reasons if r.code == code]
    assert found, (code, codes(result))
    return found[0]


# --- Item 1: a current dose above the licence's limit is named as such --------------------

ABOVE_LIMIT = [
    ({**ADULT, "creatinine_clearance": Q_(45, "mL/min")}, 4, IC, 2, "smpc.renal.adult_moderate"),
    ({**ADULT, "strong_oat3_inhibitor": True}, 4, IC, 2, "smpc.oat3.adult"),
    ({**ADULT, "creatinine_clearance": Q_(45, "mL/min")}, 3, IC, 2, "smpc.renal.adult_moderate"),
    ({**CHILD_25KG, "egfr": Q_(50, "mL/min")}, 2, IC, 1, "leaflet.renal.child"),
    ({**CHILD_25KG, "strong_oat3_inhibitor": True}, 2, IC, 1, "leaflet.oat3.child"),
    ({**ADULT, "creatinine_clearance": Q_(45, "mL/min")}, 4, SC, 2, "smpc.renal.adult_moderate"),
    ({**ADULT, "strong_oat3_inhibitor": True}, 4, SC, 2, "smpc.oat3.adult"),
]


@pytest.mark.parametrize(
    ("fields", "current", "response", "limit", "statement_id"),
    ABOVE_LIMIT,
    ids=[
        "clearance-45-on-4mg-not-controlled",
        "probenecid-on-4mg-not-controlled",
        "clearance-45-on-3mg-not-controlled",
        "child-egfr-40-to-60-on-band-dose",
        "child-oat3-inhibitor-on-band-dose",
        "clearance-45-controlled-on-4mg-not-an-optional-taper",
        "probenecid-controlled-on-4mg-not-an-optional-taper",
    ],
)
def test_a_current_dose_above_the_licence_is_named_above_its_limit(
    fields: dict[str, Any],
    current: float,
    response: bg.Response,
    limit: float,
    statement_id: str,
) -> None:
    """Licence: 2 mg once daily at clearance 30-60 or with probenecid; children half the dose.

    A current dose above that is never "the most the licence allows".
    """
    result = answer(current, response, **fields)
    assert mg(result) == limit
    assert result.modality is bg.Modality.RECOMMENDED
    assert "most-the-licence-allows" not in codes(result)
    above = reason(result, "current-dose-above-licence")
    assert f"current dose of {current:g} mg is above the licence's limit" in above.text
    assert f"{limit:g} mg once daily" in above.text
    assert above.source.statement == statement_id
    assert not [r for r in result.reasons if "the most the licence allows" in r.text]


def test_at_the_licence_limit_the_dose_is_the_most_the_licence_allows() -> None:
    result = answer(2, IC, **ADULT, creatinine_clearance=Q_(45, "mL/min"))
    assert mg(result) == 2
    assert "most-the-licence-allows" in codes(result)
    assert "current-dose-above-licence" not in codes(result)


def test_consider_stopping_on_a_dose_above_the_limit_names_the_limit() -> None:
    result = answer(4, NB, **ADULT, strong_oat3_inhibitor=True)
    assert result.status is bg.Status.CONSIDER_STOPPING
    text = reason(result, "current-dose-above-licence-stop").text
    assert "4 mg is above the licence's limit for this patient, 2 mg once daily" in text


# --- Item 2: an eGFR never blocks more than no result ------------------------------------


@pytest.mark.parametrize("egfr", [60, 61.5, 95, 140])
def test_an_adults_egfr_of_60_or_more_answers_like_no_renal_result(egfr: float) -> None:
    """api-contract v1.4: an adult's eGFR >= 60 without a clearance answers like no result."""
    for current, response in ((None, None), (4, SC), (2, IC)):
        plain = answer(current, response, **ADULT)
        with_egfr = answer(current, response, **ADULT, egfr=Q_(egfr, "mL/min"))
        assert (with_egfr.status, mg(with_egfr)) == (plain.status, mg(plain))
        assert with_egfr.modality is plain.modality
        text = reason(with_egfr, "adult-egfr-60-or-more").text
        assert f"eGFR {egfr:g} mL/min/1.73 m2 (60 or more)" in text
        assert reason(with_egfr, "adult-egfr-60-or-more").source.statement == "smpc.renal.measure"


@pytest.mark.parametrize("egfr", [59.9, 45, 20])
def test_an_adults_egfr_below_60_asks_for_the_licences_measure(egfr: float) -> None:
    """Licence: adults are dosed by creatinine clearance; an eGFR is not converted into one."""
    result = answer(**ADULT, egfr=Q_(egfr, "mL/min"))
    assert result.status is bg.Status.INSUFFICIENT_INFORMATION
    assert result.missing == ("creatinine_clearance",)
    assert "Give the creatinine clearance" in reason(result, "adult-clearance-needed").text


@pytest.mark.parametrize("clearance", [60, 80, 150])
def test_a_childs_clearance_of_60_or_more_answers_like_no_renal_result(clearance: float) -> None:
    """The mirror for children: their bands are eGFR per 1.73 m2 (trial practice)."""
    plain = answer(**CHILD_25KG)
    with_clearance = answer(**CHILD_25KG, creatinine_clearance=Q_(clearance, "mL/min"))
    assert (with_clearance.status, mg(with_clearance)) == (plain.status, mg(plain))
    assert "child-clearance-60-or-more" in codes(with_clearance)


def test_a_childs_clearance_below_60_asks_for_the_egfr() -> None:
    result = answer(**CHILD_25KG, creatinine_clearance=Q_(59, "mL/min"))
    assert result.status is bg.Status.INSUFFICIENT_INFORMATION
    assert result.missing == ("egfr",)


# --- Item 3: Cockcroft-Gault ---------------------------------------------------------------

WOMAN_60: dict[str, Any] = {"age": Q_(60, "year"), "weight": Q_(70, "kg"), "sex": bg.Sex.FEMALE}


@pytest.mark.parametrize(
    ("fields", "creatinine", "estimate", "dose", "status"),
    [
        # (140 - 60) x 70 / (72 x 1.4) x 0.85 = 47.2: the licence's 30-60 band, 2 mg.
        (WOMAN_60, Q_(1.4, "mg/dL"), 47.2, 2, bg.Status.RECOMMENDED),
        # The same in umol/L (1.4 x 88.4 = 123.76).
        (WOMAN_60, Q_(123.76, "umol/L"), 47.2, 2, bg.Status.RECOMMENDED),
        # A man: no 0.85 factor, 55.6.
        ({**WOMAN_60, "sex": bg.Sex.MALE}, Q_(1.4, "mg/dL"), 55.6, 2, bg.Status.RECOMMENDED),
        # (140 - 30) x 80 / (72 x 0.9) = 135.8: no renal limit, 4 mg.
        (
            {"age": Q_(30, "year"), "weight": Q_(80, "kg"), "sex": "male"},
            Q_(0.9, "mg/dL"),
            135.8,
            4,
            bg.Status.RECOMMENDED,
        ),
        # (140 - 85) x 50 / (72 x 3) x 0.85 = 10.8: below 30, not recommended.
        (
            {"age": Q_(85, "year"), "weight": Q_(50, "kg"), "sex": "FEMALE"},
            Q_(3, "mg/dL"),
            10.8,
            None,
            bg.Status.NOT_RECOMMENDED,
        ),
    ],
    ids=["woman-47", "woman-47-in-umol", "man-56", "young-man-136", "old-woman-11-stops"],
)
def test_a_missing_clearance_is_estimated_by_cockcroft_gault_and_says_so(
    fields: dict[str, Any],
    creatinine: Any,
    estimate: float,
    dose: float | None,
    status: bg.Status,
) -> None:
    """Clinical facts: (140 - age) x weight / (72 x creatinine mg/dL), x 0.85 for women."""
    result = answer(**fields, serum_creatinine=creatinine)
    assert (result.status, mg(result)) == (status, dose)
    said = reason(result, "creatinine-clearance-estimated")
    assert f"estimated at {estimate:g} mL/min by Cockcroft-Gault" in said.text
    assert "from age" in said.text
    assert "serum creatinine" in said.text
    assert said.source.document is bg.Document.PUBLISHED_METHOD
    assert said.source.statement == "method.cockcroft_gault"
    assert "Cockcroft & Gault" in said.source.cite()
    assert "1976" in said.source.cite()
    assert "SmPC" not in said.source.cite()


def test_a_measured_clearance_always_wins_over_the_estimate() -> None:
    measured = answer(
        **WOMAN_60, serum_creatinine=Q_(1.4, "mg/dL"), creatinine_clearance=Q_(80, "mL/min")
    )
    assert mg(measured) == 4
    assert "creatinine-clearance-estimated" not in codes(measured)
    low = answer(
        **WOMAN_60, serum_creatinine=Q_(0.6, "mg/dL"), creatinine_clearance=Q_(45, "mL/min")
    )
    assert mg(low) == 2


def test_an_estimate_replaces_the_egfr_question_for_adults() -> None:
    result = answer(**WOMAN_60, serum_creatinine=Q_(1.4, "mg/dL"), egfr=Q_(50, "mL/min"))
    assert result.status is bg.Status.RECOMMENDED
    assert "creatinine-clearance-estimated" in codes(result)


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"age": Q_(60, "year"), "weight": Q_(70, "kg")}, "sex"),
        ({"age": Q_(60, "year"), "sex": bg.Sex.MALE}, "weight"),
    ],
)
def test_no_estimate_without_weight_or_sex_and_the_answer_says_which(
    fields: dict[str, Any], missing: str
) -> None:
    result = answer(**fields, serum_creatinine=Q_(1.4, "mg/dL"))
    assert mg(result) == 4
    text = reason(result, "creatinine-clearance-not-estimated").text
    assert f"also needs {missing}" in text


def test_no_estimate_for_children_the_formula_is_for_adults() -> None:
    child = {"age": Q_(17, "year"), "weight": Q_(60, "kg"), "sex": bg.Sex.FEMALE}
    result = answer(**child, serum_creatinine=Q_(3, "mg/dL"))
    assert "creatinine-clearance-estimated" not in codes(result)
    assert mg(result) == 4


# --- Item 4: the first line names the strength of the dose it shows -------------------------


def test_the_first_line_is_the_regimen_with_its_own_strength() -> None:
    """Documented choice: the regimen is the chapter's step for the situation ("4 mg may be
    considered if 2 mg does not control the disease"); the alternative keeps the general
    dose statement for the group ("2 mg is recommended"), each with its own strength."""
    result = answer(2, IC, age=Q_(70, "year"))
    lines = str(result).splitlines()
    assert lines[0] == "Regimen: 4 mg once daily (may be considered)"
    assert lines[1] == "Status: RECOMMENDED"
    assert "  - 2 mg once daily (recommended) 2 mg once daily, the recommended dose" in str(result)


def test_without_a_regimen_the_first_line_is_the_status() -> None:
    result = answer(**ADULT, pregnant=True)
    assert str(result).splitlines()[0] == "Status: CONTRAINDICATED"


# --- Item 5: current doses the chapter does not name ------------------------------------


def test_controlled_on_1mg_an_adult_is_told_the_step_is_an_increase() -> None:
    """Chapter: 2 mg is the lowest adult dose it names; moving to it from 1 mg is an increase."""
    result = answer(1, SC, **ADULT)
    assert mg(result) == 2
    assert (
        "below the lowest adult dose the chapter names"
        in reason(result, "below-lowest-dose-adult").text
    )
    assert reason(result, "current-dose-change").text == (
        "From the current 1 mg to 2 mg once daily is an increase."
    )
    assert not [r for r in result.reasons if r.text.startswith("Sustained control on 2 mg")]


@pytest.mark.parametrize(("response", "dose"), [(SC, 2), (IC, 2)])
def test_a_child_of_25kg_on_4mg_is_above_the_bands_dose_and_steps_to_it(
    response: bg.Response, dose: float
) -> None:
    """Chapter: 10 to under 30 kg, 2 mg once daily; never cut by three quarters in one step."""
    result = answer(4, response, **CHILD_25KG)
    assert mg(result) == dose
    assert "4 mg is above this weight band's dose, 2 mg once daily" in str(result)
    assert dose * 4 > 4  # not cut by three quarters in one step


@pytest.mark.parametrize(("current", "change"), [(3, "a reduction"), (1.5, "an increase")])
def test_a_change_from_an_unnamed_dose_says_its_direction(current: float, change: str) -> None:
    result = answer(current, IC if current < 2 else SC, **ADULT)
    assert change in reason(result, "current-dose-change").text


# --- Item 6: "no benefit after 8 weeks" and "inadequate control" agree --------------------


@pytest.mark.parametrize(
    ("fields", "modality"),
    [(ADULT, bg.Modality.RECOMMENDED), ({"age": Q_(70, "year")}, bg.Modality.MAY_BE_CONSIDERED)],
    ids=["adult", "2mg-group"],
)
def test_no_benefit_on_the_reduced_dose_agrees_with_inadequate_control(
    fields: dict[str, Any], modality: bg.Modality
) -> None:
    """Licence: consider stopping without benefit after 8 weeks; chapter: 4 mg when 2 mg does
    not control the disease. The stop lists the same 4 mg, as firmly, and says why."""
    inadequate = answer(2, IC, **fields)
    no_benefit = answer(2, NB, **fields)
    assert (mg(inadequate), inadequate.modality) == (4, modality)
    assert no_benefit.status is bg.Status.CONSIDER_STOPPING
    assert [(o.regimen.dose_mg, o.modality) for o in no_benefit.alternatives] == [(4, modality)]
    why = reason(no_benefit, "instead-of-stopping").text
    assert "no benefit on 2 mg is at least inadequate control" in why
    assert f"4 mg once daily ({modality.label})" in why


# --- Items 7 and 8: who is asked about pregnancy; contradictions refused --------------------

PREGNANCY_ITEMS = {"pregnancy", "pregnancy-potential"}


def plan_codes(**fields: Any) -> set[str]:
    return {item.code for item in bg.screening_plan(bg.Patient(**fields)).items}


@pytest.mark.parametrize(
    "fields",
    [
        {"age": Q_(8, "year"), "weight": Q_(25, "kg")},
        {"age": Q_(9, "year"), "weight": Q_(25, "kg"), "sex": bg.Sex.FEMALE},
        {"age": Q_(40, "year"), "sex": bg.Sex.MALE},
    ],
    ids=["child-under-10", "girl-under-10", "man"],
)
def test_no_pregnancy_question_for_children_under_10_or_men(fields: dict[str, Any]) -> None:
    assert not plan_codes(**fields) & PREGNANCY_ITEMS
    assert "ask-pregnancy" not in codes(answer(**fields))


def test_an_adult_woman_with_pregnancy_unknown_is_asked_in_plan_and_answer() -> None:
    """Licence: pregnancy contraindicates baricitinib; contraception during and 1 week after."""
    woman = {"age": Q_(30, "year"), "sex": bg.Sex.FEMALE}
    assert "pregnancy-potential" in plan_codes(**woman)
    said = reason(answer(**woman), "ask-pregnancy")
    assert said.source.statement == "smpc.contraindications"
    assert "contraception" in said.text


@pytest.mark.parametrize(
    ("fields", "item"),
    [
        ({"age": Q_(12, "year"), "weight": Q_(40, "kg"), "sex": "female"}, "pregnancy-potential"),
        ({"age": Q_(40, "year")}, "pregnancy-potential"),
        ({"age": Q_(40, "year"), "sex": "male", "can_become_pregnant": True}, "pregnancy"),
    ],
    ids=["girl-of-12", "adult-sex-unknown", "known-able-to-become-pregnant"],
)
def test_pregnancy_questions_where_they_apply(fields: dict[str, Any], item: str) -> None:
    assert item in plan_codes(**fields)


@pytest.mark.parametrize(
    ("fields", "other"),
    [
        ({"age": Q_(30, "year"), "sex": bg.Sex.MALE}, "sex"),
        ({"age": Q_(30, "year"), "can_become_pregnant": False}, "can_become_pregnant"),
        ({"age": Q_(9, "year"), "weight": Q_(30, "kg")}, "age"),
    ],
    ids=["male", "cannot-become-pregnant", "under-10"],
)
def test_a_contradictory_pregnancy_is_refused_naming_both_fields(
    fields: dict[str, Any], other: str
) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient(**fields, pregnant=True)
    assert caught.value.field == "pregnant"
    assert str(caught.value).startswith("pregnant: ")
    assert other in caught.value.rule
    text = bg.to_json(bg.Patient(**fields))
    data = {**json.loads(text), "pregnant": True}
    with pytest.raises(bg.InvalidInputError) as from_json:
        bg.from_json(json.dumps(data), bg.Patient)
    assert "pregnant" in str(from_json.value)
    assert other in str(from_json.value)


# --- Item 9: strings with units; enum members by name in any case -------------------------


def test_strings_with_units_are_taken_wherever_a_quantity_is() -> None:
    texts = bg.Patient(
        age="8 year",
        weight="25 kg",
        egfr="50 mL/min",
        labs=bg.Labs(haemoglobin="12 g/dL", lymphocytes="1.2 10*9/L"),
    )
    quantities = bg.Patient(
        age=Q_(8, "year"),
        weight=Q_(25, "kg"),
        egfr=Q_(50, "mL/min"),
        labs=bg.Labs(haemoglobin=Q_(12, "g/dL"), lymphocytes=bg.quantity(1.2, "10*9/L")),
    )
    assert texts == quantities
    assert bg.recommend(texts, current_dose="2 mg", response="sustained_control") == bg.recommend(
        quantities, current_dose=Q_(2, "mg"), response=SC
    )
    assert bg.nma_result("4 mg", "easi") == bg.nma_result(Q_(4, "mg"), bg.Outcome.EASI)


@pytest.mark.parametrize(
    ("call", "field", "written"),
    [
        (lambda: bg.Patient(age=8), "age", '"8 year"'),  # type: ignore[arg-type]
        (lambda: bg.Patient(age="8 year", weight=25), "weight", '"25 kg"'),  # type: ignore[arg-type]
        (
            lambda: bg.Patient(age="40 year", creatinine_clearance=45),  # type: ignore[arg-type]
            "creatinine_clearance",
            '"45 mL/min"',
        ),
        (lambda: bg.Patient(age="8 year", egfr="50"), "egfr", '"50 mL/min"'),
        (lambda: bg.Labs(haemoglobin=12), "haemoglobin", '"12 g/dL"'),  # type: ignore[arg-type]
        (lambda: bg.Labs(neutrophils=2.5), "neutrophils", '"2.5 10*9/L"'),  # type: ignore[arg-type]
        (
            lambda: bg.recommend(
                bg.Patient(age="40 year"),
                current_dose=4,  # type: ignore[arg-type]
                response="SUSTAINED_CONTROL",
            ),
            "current_dose",
            '"4 mg"',
        ),
    ],
    ids=["age", "weight", "clearance", "egfr-text", "haemoglobin", "neutrophils", "current-dose"],
)
def test_a_bare_number_is_refused_showing_the_quantity_to_write(
    call: Any, field: str, written: str
) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        call()
    assert caught.value.field == field
    assert "bare number" in str(caught.value)
    assert written in str(caught.value)


@pytest.mark.parametrize(
    "text", ["2**99999999 year", "8 year; import os", "1e999999 kg", "eight kg"]
)
def test_quantity_texts_go_through_the_safe_parser_never_an_expression(text: str) -> None:
    with pytest.raises(bg.InvalidInputError):
        bg.Patient(age=Q_(40, "year"), weight=text)


def test_enum_members_by_name_in_any_case_in_the_api() -> None:
    patient = bg.Patient(
        age="70 year",
        risk_factors={"vte", "Smoking"},
        comorbidities={"alopecia_areata"},
        sex="Female",
    )
    assert patient.risk_factors == {bg.RiskFactor.VTE, bg.RiskFactor.SMOKING}
    assert patient.comorbidities == {bg.Comorbidity.ALOPECIA_AREATA}
    assert patient.sex is bg.Sex.FEMALE
    assert bg.recommend(
        patient, current_dose="2 mg", response="Inadequate_Control"
    ) == bg.recommend(patient, current_dose="2 mg", response=IC)
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.recommend(patient, current_dose="2 mg", response="better")
    assert caught.value.field == "response"


def test_enum_members_by_name_in_any_case_in_the_cli() -> None:
    from baricitinib_guideline.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "--age", "70y", "--risk", "VTE", "--sex", "Female", "--creatinine", "1.4mg/dL",
                "--weight", "70kg", "--current-dose", "2mg", "--response", "INADEQUATE_CONTROL",
            ]
        )  # fmt: skip
    assert code == 0
    text = out.getvalue()
    assert "estimated at" in text
    assert "Cockcroft-Gault" in text


# --- Properties (hypothesis) ---------------------------------------------------------------

NORMAL_RESULTS: list[dict[str, Any]] = [
    {"egfr": Q_(60, "mL/min")},
    {"egfr": Q_(95, "mL/min")},
    {"creatinine_clearance": Q_(61, "mL/min")},
    {"creatinine_clearance": Q_(120, "mL/min")},
    {
        "labs": bg.Labs(
            lymphocytes=Q_(1.5e9, "1/L"), neutrophils=Q_(3e9, "1/L"), haemoglobin=Q_(13, "g/dL")
        )
    },
]
_MISSING_NAME = {"egfr": "egfr", "creatinine_clearance": "creatinine_clearance", "labs": "labs"}


@settings(max_examples=300, deadline=None)
@given(patients, st.sampled_from(NORMAL_RESULTS), follow_ups)
def test_adding_a_normal_result_never_changes_status_or_dose(
    patient: bg.Patient, normal: dict[str, Any], follow_up: tuple[Any, Any]
) -> None:
    """api-contract v1.4: information never makes an answer worse unless it is itself a reason.

    Added where the field was not given; not where the answer asked for that very result, and
    not a measured clearance where the answer rested on an estimate (a measure wins).
    """
    (name,) = normal
    assume(getattr(patient, name) is None)
    before = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    assume(_MISSING_NAME[name] not in before.missing)
    if name == "creatinine_clearance":
        assume("creatinine-clearance-estimated" not in codes(before))
    after = bg.recommend(
        attrs.evolve(patient, **normal), current_dose=follow_up[0], response=follow_up[1]
    )
    assert (after.status, mg(after), after.modality) == (
        before.status,
        mg(before),
        before.modality,
    )


DOSE_ONCE_DAILY = re.compile(r"(\d+(?:\.\d+)?) mg once daily")
# Reasons that name the chapter's step the licence replaced, or the licence's limit above a
# current dose: each says that the dose it names is not the one given, or is the answer's.
NAMES_ANOTHER_STEP = {"licence-sets-dose", "licence-confirms-dose"}


@settings(max_examples=400, deadline=None)
@given(patients, follow_ups)
def test_no_reason_names_a_dose_not_given_or_calls_a_dose_above_the_licence_its_limit(
    patient: bg.Patient, follow_up: tuple[Any, Any]
) -> None:
    result = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    given_doses = {f"{o.regimen.dose_mg:g}" for o in result.alternatives}
    if result.regimen is not None:
        given_doses.add(f"{result.regimen.dose_mg:g}")
    for said in result.reasons:
        if said.code in NAMES_ANOTHER_STEP:
            continue
        named = set(DOSE_ONCE_DAILY.findall(said.text))
        assert named <= given_doses, (said.code, said.text, given_doses)
    current = None if follow_up[0] is None else round(follow_up[0].m_as("mg"), 9)
    for said in result.reasons:
        if "the most the licence allows" in said.text:
            assert result.regimen is not None
            assert current == result.regimen.dose_mg, said.text
        if said.code.startswith("current-dose-above-licence"):
            assert current is not None
            assert result.regimen is None or current > result.regimen.dose_mg


_STRENGTHS = [m.label for m in bg.Modality]  # strongest first


@settings(max_examples=300, deadline=None)
@given(patients, follow_ups)
def test_the_first_line_never_says_a_stronger_strength_than_the_answers(
    patient: bg.Patient, follow_up: tuple[Any, Any]
) -> None:
    result = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    first = str(result).splitlines()[0]
    if result.regimen is None:
        assert first == f"Status: {result.status.name}"
        assert not [word for word in _STRENGTHS if f"({word})" in first]
        return
    assert result.modality is not None
    assert first == f"Regimen: {result.regimen} ({result.modality.label})"
    stronger = _STRENGTHS[: _STRENGTHS.index(result.modality.label)]
    assert not [word for word in stronger if word in first]


@settings(max_examples=300, deadline=None)
@given(patients, follow_ups)
def test_no_consider_stopping_answer_lists_an_escalation_without_saying_why(
    patient: bg.Patient, follow_up: tuple[Any, Any]
) -> None:
    result = bg.recommend(patient, current_dose=follow_up[0], response=follow_up[1])
    if result.status is not bg.Status.CONSIDER_STOPPING:
        return
    current = round(follow_up[0].m_as("mg"), 9)
    why = [r.text for r in result.reasons if r.code == "instead-of-stopping"]
    for listed in result.alternatives:
        if listed.regimen.dose_mg > current:
            assert [t for t in why if f"{listed.regimen.dose_mg:g} mg once daily" in t], why


LIMITED = st.fixed_dictionaries(
    {
        "age": st.sampled_from([Q_(8, "year"), Q_(14, "year"), Q_(40, "year"), Q_(70, "year")]),
        "weight": st.sampled_from([Q_(15, "kg"), Q_(25, "kg"), Q_(45, "kg")]),
        "creatinine_clearance": st.sampled_from([None, Q_(45, "mL/min"), Q_(75, "mL/min")]),
        "egfr": st.sampled_from([None, Q_(50, "mL/min"), Q_(80, "mL/min")]),
        "strong_oat3_inhibitor": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    LIMITED,
    st.one_of(st.sampled_from([0.5, 1.0, 2.0, 3.0, 4.0, 8.0]), st.floats(0.1, 10)),
    st.sampled_from(list(bg.Response)),
)
def test_where_the_licence_limits_the_dose_no_reason_calls_a_higher_dose_its_limit(
    fields: dict[str, Any], current: float, response: bg.Response
) -> None:
    """Licence: 2 mg at clearance 30-60 or with probenecid; half the dose for children."""
    result = answer(current, response, **fields)
    current = round(current, 9)
    for said in result.reasons:
        if "the most the licence allows" in said.text:
            assert result.regimen is not None
            assert current == result.regimen.dose_mg, said.text
    if result.regimen is not None and current > result.regimen.dose_mg:
        limited = "licence-sets-dose" in codes(result) or "licence-confirms-dose" in codes(result)
        if limited and response is not bg.Response.SUSTAINED_CONTROL:
            assert "current-dose-above-licence" in codes(result), codes(result)


def test_json_keeps_the_exact_member_names_it_writes_and_names_the_members() -> None:
    """Documented choice: JSON, a machine format, reads the names it writes."""
    text = '{"age": {"value": 40, "unit": "a"}, "sex": "female"}'
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(text, bg.Patient)
    assert str(caught.value) == "$.sex: 'female' is not one of FEMALE, MALE"
    assert bg.from_json(text.replace("female", "FEMALE"), bg.Patient).sex is bg.Sex.FEMALE


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--age", "30y", "--sex", "male", "--pregnant"], "pregnant: is true but sex is MALE"),
        (["--age", "8y", "--weight", "25kg", "--pregnant"], "age is under 10 years"),
        (["--age", "60y", "--creatinine", "1.4"], "--creatinine: a bare number (1.4)"),
        (["--age", "60y", "--creatinine", "1.4kg"], "--creatinine: must be mass per volume"),
        (["--age", "60y", "--sex", "woman"], "invalid choice"),
    ],
    ids=["pregnant-man", "pregnant-child-under-10", "bare-creatinine", "creatinine-in-kg", "sex"],
)
def test_the_cli_refuses_contradictions_and_unitless_creatinine_in_one_line(
    args: list[str], words: str
) -> None:
    from .test_cli import assert_fails_in_one_line

    assert_fails_in_one_line(args, words)


def test_a_molar_haemoglobin_as_text_is_refused_as_a_quantity_is() -> None:
    """The library assumes no molar mass for haemoglobin, whichever way the value comes."""
    for value in ("7.5 mmol/L", Q_(7.5, "mmol/L")):
        with pytest.raises(bg.InvalidInputError, match="molar units"):
            bg.Labs(haemoglobin=value)
    assert bg.Labs(haemoglobin="120 g/L").haemoglobin_g_dl == 12

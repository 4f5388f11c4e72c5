"""The chapter's dosing statements, table-driven, both sides of every boundary."""

from __future__ import annotations

from typing import Any

import pint
import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Modality, Response, RiskFactor, Status

from .conftest import FOREIGN

LB_PER_KG = 2.2046226218


def start(**fields: Any) -> bg.DoseRecommendation:
    return bg.recommend(bg.Patient(**fields))


def dose_mg(result: bg.DoseRecommendation) -> float | None:
    return None if result.regimen is None else result.regimen.dose.to("mg").magnitude


# (id, age, weight, expected status, expected dose in mg)
AGE_WEIGHT_CASES = [
    # licence from 2 years
    ("just-under-2-years-in-months", Q_(23, "month"), Q_(12, "kg"), Status.OUTSIDE_LICENCE, None),
    ("2-years-in-months", Q_(24, "month"), Q_(12, "kg"), Status.RECOMMENDED, 2),
    ("just-under-2-years-in-years", Q_(1.99, "year"), Q_(12, "kg"), Status.OUTSIDE_LICENCE, None),
    ("2-years-in-years", Q_(2, "year"), Q_(12, "kg"), Status.RECOMMENDED, 2),
    ("730-days-is-under-2-years", Q_(730, "day"), Q_(12, "kg"), Status.OUTSIDE_LICENCE, None),
    ("731-days-is-2-years", Q_(731, "day"), Q_(12, "kg"), Status.RECOMMENDED, 2),
    ("newborn", Q_(0, "day"), Q_(3.5, "kg"), Status.OUTSIDE_LICENCE, None),
    # 10 kg
    ("child-under-10kg", Q_(5, "year"), Q_(9.99, "kg"), Status.OUTSIDE_LICENCE, None),
    ("child-10kg", Q_(5, "year"), Q_(10, "kg"), Status.RECOMMENDED, 2),
    ("child-under-10kg-in-grams", Q_(5, "year"), Q_(9999, "g"), Status.OUTSIDE_LICENCE, None),
    ("child-10kg-in-grams", Q_(5, "year"), Q_(10000, "g"), Status.RECOMMENDED, 2),
    ("child-under-10kg-in-pounds", Q_(5, "year"), Q_(22.04, "lb"), Status.OUTSIDE_LICENCE, None),
    ("child-10kg-in-pounds", Q_(5, "year"), Q_(22.05, "lb"), Status.RECOMMENDED, 2),
    # 30 kg
    ("child-under-30kg", Q_(12, "year"), Q_(29.99, "kg"), Status.RECOMMENDED, 2),
    ("child-30kg", Q_(12, "year"), Q_(30, "kg"), Status.RECOMMENDED, 4),
    ("child-under-30kg-in-grams", Q_(12, "year"), Q_(29999, "g"), Status.RECOMMENDED, 2),
    ("child-30kg-in-grams", Q_(12, "year"), Q_(30000, "g"), Status.RECOMMENDED, 4),
    ("child-under-30kg-in-pounds", Q_(12, "year"), Q_(66.13, "lb"), Status.RECOMMENDED, 2),
    ("child-30kg-in-pounds", Q_(12, "year"), Q_(66.14, "lb"), Status.RECOMMENDED, 4),
    # 18 years: weight decides below, age above
    ("17-years-11-months-light", Q_(215, "month"), Q_(25, "kg"), Status.RECOMMENDED, 2),
    ("18-years-in-months-light", Q_(216, "month"), Q_(25, "kg"), Status.RECOMMENDED, 4),
    ("just-under-18-years-light", Q_(17.99, "year"), Q_(25, "kg"), Status.RECOMMENDED, 2),
    ("18-years-light", Q_(18, "year"), Q_(25, "kg"), Status.RECOMMENDED, 4),
    ("adult-without-weight", Q_(40, "year"), None, Status.RECOMMENDED, 4),
    # 65 years
    ("64-years-11-months", Q_(779, "month"), Q_(70, "kg"), Status.RECOMMENDED, 4),
    ("65-years-in-months", Q_(780, "month"), Q_(70, "kg"), Status.RECOMMENDED, 2),
    ("just-under-65-years", Q_(64.99, "year"), None, Status.RECOMMENDED, 4),
    ("65-years", Q_(65, "year"), None, Status.RECOMMENDED, 2),
    ("very-old", Q_(130, "year"), None, Status.RECOMMENDED, 2),
]


@pytest.mark.parametrize(
    ("age", "weight", "status", "dose"),
    [case[1:] for case in AGE_WEIGHT_CASES],
    ids=[case[0] for case in AGE_WEIGHT_CASES],
)
def test_starting_dose_by_age_and_weight(
    age: pint.Quantity[Any], weight: pint.Quantity[Any] | None, status: Status, dose: float | None
) -> None:
    result = start(age=age, weight=weight)
    assert result.status is status
    assert dose_mg(result) == dose
    if dose is not None:
        assert result.modality is Modality.RECOMMENDED


def test_pound_cases_straddle_the_boundaries() -> None:
    # The pound cases above sit on either side of 10 kg and 30 kg.
    assert 22.04 / LB_PER_KG < 10 < 22.05 / LB_PER_KG
    assert 66.13 / LB_PER_KG < 30 < 66.14 / LB_PER_KG


@pytest.mark.parametrize(
    ("age", "weight"),
    [(Q_(8, "year"), None), (Q_(17, "year"), None), (Q_(2, "year"), None)],
    ids=["child-8y", "adolescent-17y", "child-2y"],
)
def test_child_without_weight_is_insufficient_information(
    age: pint.Quantity[Any], weight: None
) -> None:
    result = start(age=age, weight=weight)
    assert result.status is Status.INSUFFICIENT_INFORMATION
    assert result.missing == ("weight",)
    assert result.regimen is None


def test_child_under_10kg_says_why() -> None:
    result = start(age=Q_(3, "year"), weight=Q_(9, "kg"))
    assert result.regimen is None
    assert any("10 kg" in reason.text for reason in result.reasons)
    assert result.reasons[0].source.statement == "dose.child.low"


@pytest.mark.parametrize("risk", sorted(set(RiskFactor) - {RiskFactor.SMOKING}, key=str))
def test_each_risk_factor_gives_adults_2mg_with_4mg_may_be_considered(risk: RiskFactor) -> None:
    result = start(age=Q_(40, "year"), risk_factors={risk})
    assert dose_mg(result) == 2
    assert result.modality is Modality.RECOMMENDED
    assert [(dose_mg_of(o), o.modality) for o in result.alternatives] == [
        (4, Modality.MAY_BE_CONSIDERED)
    ]
    risk_reasons = [r for r in result.reasons if r.source.statement == "dose.risk.reduced"]
    assert len(risk_reasons) == 1
    assert risk_reasons[0].source.references == (7,)


def dose_mg_of(option: bg.DoseOption) -> float:
    return float(option.regimen.dose.to("mg").magnitude)


def test_several_risks_give_one_reason_each() -> None:
    result = start(age=Q_(70, "year"), risk_factors={RiskFactor.VTE, RiskFactor.MACE})
    codes = [r.code for r in result.reasons if r.source.statement == "dose.risk.reduced"]
    assert codes == ["aged-65-or-over", "risk-mace", "risk-vte"]


def test_smoking_alone_keeps_the_chapter_dose_and_adds_the_ema_caution() -> None:
    result = start(age=Q_(40, "year"), risk_factors={RiskFactor.SMOKING})
    assert dose_mg(result) == 4
    assert any(r.source.statement == "ema.jak.no_alternative" for r in result.reasons)


def test_adult_standard_dose_offers_tapering_and_says_start_high() -> None:
    result = start(age=Q_(30, "year"))
    assert dose_mg(result) == 4
    assert [(dose_mg_of(o), o.modality) for o in result.alternatives] == [
        (2, Modality.SHOULD_BE_CONSIDERED)
    ]
    assert {r.source.statement for r in result.reasons} >= {
        "dose.adult.standard",
        "dose.start_high",
    }


def test_child_risk_factor_keeps_weight_dose_and_asks_to_check_licence() -> None:
    result = start(age=Q_(12, "year"), weight=Q_(40, "kg"), risk_factors={RiskFactor.VTE})
    assert dose_mg(result) == 4
    assert any(r.code == "child-risk-factor-check-licence" for r in result.reasons)


@pytest.mark.parametrize(
    ("age", "weight", "half"),
    [(Q_(12, "year"), Q_(40, "kg"), 2), (Q_(6, "year"), Q_(20, "kg"), 1)],
    ids=["child-4mg-halves-to-2mg", "child-2mg-halves-to-1mg"],
)
def test_child_taper_option_is_half_the_dose(
    age: pint.Quantity[Any], weight: pint.Quantity[Any], half: float
) -> None:
    result = start(age=age, weight=weight)
    assert [(dose_mg_of(o), o.modality) for o in result.alternatives] == [
        (half, Modality.SHOULD_BE_CONSIDERED)
    ]


def test_not_a_systemic_candidate_is_not_recommended() -> None:
    result = start(age=Q_(30, "year"), systemic_candidate=False)
    assert result.status is Status.NOT_RECOMMENDED
    assert result.regimen is None
    assert result.reasons[0].source.statement == "rec.headline"


# Follow-up: (id, patient fields, current dose, response, status, dose, modality)
ADULT: dict[str, Any] = {"age": Q_(40, "year")}
OLDER: dict[str, Any] = {"age": Q_(70, "year")}
CHILD_40KG: dict[str, Any] = {"age": Q_(12, "year"), "weight": Q_(40, "kg")}
CHILD_20KG: dict[str, Any] = {"age": Q_(6, "year"), "weight": Q_(20, "kg")}
SC, IC = Response.SUSTAINED_CONTROL, Response.INADEQUATE_CONTROL
R, SBC, MBC = Modality.RECOMMENDED, Modality.SHOULD_BE_CONSIDERED, Modality.MAY_BE_CONSIDERED

NB = Response.NO_BENEFIT_AFTER_8_WEEKS
SMOKER: dict[str, Any] = {"age": Q_(40, "year"), "risk_factors": {bg.RiskFactor.SMOKING}}
VTE_ADULT: dict[str, Any] = {"age": Q_(50, "year"), "risk_factors": {bg.RiskFactor.VTE}}

# (id naming the chapter's words, patient, current mg, response, dose, modality,
#  [(option mg, modality)]): every row of the follow-up table.
FOLLOW_UP = [
    # "2 mg once daily should be considered for patients who have achieved sustained
    # control of disease activity with 4 mg once daily and are eligible for dose tapering"
    ("adult-4mg-sustained-2mg-should-be-considered", ADULT, 4, SC, 2, SBC, [(4, R)]),
    ("adult-2mg-sustained-stays", ADULT, 2, SC, 2, R, []),
    # "The recommended dose of baricitinib for adult patients is 4 mg once daily"
    ("adult-2mg-inadequate-4mg-is-the-recommended-dose", ADULT, 2, IC, 4, R, []),
    ("adult-4mg-inadequate-stays-no-higher-dose", ADULT, 4, IC, 4, R, []),
    ("smoker-4mg-sustained-is-not-in-the-2mg-group", SMOKER, 4, SC, 2, SBC, [(4, R)]),
    # "2 mg once daily is recommended for patients ... aged >= 65 years" and "4 mg once
    # daily may be considered for these patients who do not achieve adequate control"
    ("older-2mg-inadequate-4mg-may-be-considered", OLDER, 2, IC, 4, MBC, [(2, R)]),
    ("older-4mg-sustained-2mg-is-recommended", OLDER, 4, SC, 2, R, [(4, MBC)]),
    ("older-4mg-inadequate-4mg-only-may-be-considered", OLDER, 4, IC, 4, MBC, [(2, R)]),
    ("older-2mg-sustained-stays", OLDER, 2, SC, 2, R, []),
    ("vte-risk-4mg-sustained-2mg-is-recommended", VTE_ADULT, 4, SC, 2, R, [(4, MBC)]),
    ("vte-risk-2mg-inadequate-4mg-may-be-considered", VTE_ADULT, 2, IC, 4, MBC, [(2, R)]),
    # "A reduction to half the dose should be considered for patients who have achieved
    # sustained control of disease activity with the standard recommended dose"
    ("child-4mg-sustained-half-should-be-considered", CHILD_40KG, 4, SC, 2, SBC, [(4, R)]),
    ("child-2mg-sustained-half-should-be-considered", CHILD_20KG, 2, SC, 1, SBC, [(2, R)]),
    ("child-half-dose-sustained-stays", CHILD_20KG, 1, SC, 1, R, []),
    ("child-half-dose-inadequate-returns-to-band-dose", CHILD_20KG, 1, IC, 2, R, []),
    ("child-standard-inadequate-stays", CHILD_40KG, 4, IC, 4, R, []),
]


@pytest.mark.parametrize(
    ("fields", "current", "response", "dose", "modality", "options"),
    [case[1:] for case in FOLLOW_UP],
    ids=[case[0] for case in FOLLOW_UP],
)
def test_follow_up_step(
    fields: dict[str, Any],
    current: float,
    response: Response,
    dose: float,
    modality: Modality,
    options: list[tuple[float, Modality]],
) -> None:
    result = bg.recommend(bg.Patient(**fields), current_dose=Q_(current, "mg"), response=response)
    assert result.status is Status.RECOMMENDED
    assert dose_mg(result) == dose
    assert result.modality is modality
    assert [(dose_mg_of(o), o.modality) for o in result.alternatives] == options


@pytest.mark.parametrize(
    ("fields", "current"),
    [(OLDER, 4), (OLDER, 2), (VTE_ADULT, 4), (VTE_ADULT, 2)],
    ids=["older-on-4", "older-on-2", "vte-on-4", "vte-on-2"],
)
@pytest.mark.parametrize("response", [SC, IC, NB], ids=["sustained", "inadequate", "no-benefit"])
def test_2mg_group_never_gets_4mg_stronger_than_may_be_considered(
    fields: dict[str, Any], current: float, response: Response
) -> None:
    """The chapter: for this group 4 mg "may be considered" only."""
    result = bg.recommend(bg.Patient(**fields), current_dose=Q_(current, "mg"), response=response)
    offered: list[tuple[float, Modality | None]] = [
        (dose_mg_of(o), o.modality) for o in result.alternatives
    ]
    if result.regimen is not None:
        offered.append((result.regimen.dose_mg, result.modality))
    assert all(modality is MBC for mg, modality in offered if mg == 4), offered


def test_2mg_group_controlled_on_4mg_keeps_the_group_reason() -> None:
    """Controlled on 4 mg, a patient aged 65 or more is told why 2 mg is their dose."""
    result = bg.recommend(bg.Patient(**OLDER), current_dose=Q_(4, "mg"), response=SC)
    codes = [r.code for r in result.reasons]
    assert codes[:2] == ["back-to-group-dose", "aged-65-or-over"]


# "No evidence of benefit after 8 weeks": the licence says consider stopping.
NO_BENEFIT = [
    ("adult-on-4mg-nothing-else-named", ADULT, 4, []),
    ("adult-on-2mg-4mg-is-the-recommended-adult-dose", ADULT, 2, [(4, R)]),
    ("older-on-2mg-4mg-may-still-be-considered", OLDER, 2, [(4, MBC)]),
    ("older-on-4mg-nothing-higher", OLDER, 4, []),
    ("child-on-half-dose-band-dose-remains", CHILD_20KG, 1, [(2, R)]),
    ("child-on-band-dose-nothing-higher", CHILD_40KG, 4, []),
]


@pytest.mark.parametrize(
    ("fields", "current", "options"),
    [row[1:] for row in NO_BENEFIT],
    ids=[row[0] for row in NO_BENEFIT],
)
def test_no_benefit_after_8_weeks_is_consider_stopping(
    fields: dict[str, Any], current: float, options: list[tuple[float, Modality]]
) -> None:
    result = bg.recommend(bg.Patient(**fields), current_dose=Q_(current, "mg"), response=NB)
    assert result.status is Status.CONSIDER_STOPPING
    assert result.regimen is None
    assert result.reasons[0].source.statement == "smpc.no_benefit"
    assert "consider" in result.reasons[0].text
    assert [(dose_mg_of(o), o.modality) for o in result.alternatives] == options


def test_follow_up_accepts_micrograms_and_foreign_registry() -> None:
    for current in (Q_(4000, "microgram"), FOREIGN.Quantity(4, "mg")):
        result = bg.recommend(bg.Patient(**ADULT), current_dose=current, response=SC)
        assert dose_mg(result) == 2


def test_a_current_dose_above_the_highest_named_steps_down_to_it_and_says_so() -> None:
    """An 8 mg adult, not controlled: the chapter names no dose above 4 mg."""
    result = bg.recommend(bg.Patient(**ADULT), current_dose=Q_(8, "mg"), response=IC)
    assert dose_mg(result) == 4
    assert result.reasons[0].code == "above-named-dose-adult"
    assert "8 mg is above the highest adult dose the chapter names" in result.reasons[0].text


@pytest.mark.parametrize(
    ("fields", "current", "response", "nearest", "dose"),
    [
        (ADULT, 3, SC, 2, 2),
        (ADULT, 1, SC, 2, 2),
        (CHILD_20KG, 1.5, SC, 1, 1),
    ],
    ids=[
        "adult-3mg-read-as-2mg-the-lower-on-a-tie",
        "turning-18-on-1mg-read-as-2mg-not-multiplied-silently",
        "child-1.5mg-read-as-half-dose",
    ],
)
def test_unnamed_current_dose_is_read_as_the_nearest_named_dose_and_says_so(
    fields: dict[str, Any], current: float, response: Response, nearest: float, dose: float
) -> None:
    result = bg.recommend(bg.Patient(**fields), current_dose=Q_(current, "mg"), response=response)
    assert dose_mg(result) == dose
    assert result.reasons[0].code.startswith("current-dose-not-in-chapter")
    assert f"{current:g} mg" in result.reasons[0].text
    assert f"nearest dose it names, {nearest:g} mg" in result.reasons[0].text
    assert all(r.code != "start-high" for r in result.reasons)


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [({"current_dose": Q_(4, "mg")}, ("response",)), ({"response": SC}, ("current_dose",))],
    ids=["dose-without-response", "response-without-dose"],
)
def test_follow_up_needs_both(kwargs: dict[str, Any], missing: tuple[str, ...]) -> None:
    result = bg.recommend(bg.Patient(**ADULT), **kwargs)
    assert result.status is Status.INSUFFICIENT_INFORMATION
    assert result.missing == missing


def test_comorbidity_is_mentioned_among_reasons() -> None:
    result = start(age=Q_(30, "year"), comorbidities={bg.Comorbidity.ALOPECIA_AREATA})
    matching = [r for r in result.reasons if r.source.statement == "special.comorbidities"]
    assert len(matching) == 1
    assert "alopecia areata" in matching[0].text


def test_every_reason_and_option_is_sourced() -> None:
    for case in AGE_WEIGHT_CASES:
        result = start(age=case[1], weight=case[2])
        sources = [r.source for r in result.reasons] + [o.source for o in result.alternatives]
        for source in sources:
            assert source.statement
            assert bg.statement(source.statement).source == source


def test_foreign_registry_quantities_are_accepted() -> None:
    result = start(age=FOREIGN.Quantity(12, "year"), weight=FOREIGN.Quantity(66.14, "lb"))
    assert dose_mg(result) == 4
    assert pint.get_application_registry() is not bg.ureg  # type: ignore[no-untyped-call]


# (id, patient fields, follow-up, statement the answer must cite)
CITED = [
    (
        "under-2-cites-licence-age",
        {"age": Q_(1, "year"), "weight": Q_(9, "kg")},
        None,
        "licence.min_age",
    ),
    (
        "child-30kg-cites-high-band",
        {"age": Q_(9, "year"), "weight": Q_(30, "kg")},
        None,
        "dose.child.high",
    ),
    (
        "child-20kg-cites-low-band",
        {"age": Q_(9, "year"), "weight": Q_(20, "kg")},
        None,
        "dose.child.low",
    ),
    ("adult-cites-taper-option", {"age": Q_(30, "year")}, None, "dose.adult.taper"),
    ("risk-cites-escalation-option", {"age": Q_(66, "year")}, None, "dose.risk.escalate"),
    (
        "child-cites-taper-option",
        {"age": Q_(9, "year"), "weight": Q_(20, "kg")},
        None,
        "dose.child.taper",
    ),
    (
        "escalation-cites-may-be-considered",
        {"age": Q_(70, "year")},
        (2, IC),
        "dose.risk.escalate",
    ),
    ("adult-taper-step-cites-taper", {"age": Q_(30, "year")}, (4, SC), "dose.adult.taper"),
    (
        "child-taper-step-cites-half",
        {"age": Q_(9, "year"), "weight": Q_(40, "kg")},
        (4, SC),
        "dose.child.taper",
    ),
]


@pytest.mark.parametrize(
    ("fields", "follow_up", "statement"),
    [row[1:] for row in CITED],
    ids=[row[0] for row in CITED],
)
def test_answer_cites_the_statement(
    fields: dict[str, Any], follow_up: tuple[float, Response] | None, statement: str
) -> None:
    patient = bg.Patient(**fields)
    if follow_up is None:
        result = bg.recommend(patient)
    else:
        result = bg.recommend(patient, current_dose=Q_(follow_up[0], "mg"), response=follow_up[1])
    cited = {r.source.statement for r in result.reasons} | {
        o.source.statement for o in result.alternatives
    }
    assert statement in cited


def test_child_without_risk_factor_gets_no_licence_check_note() -> None:
    codes = {r.code for r in start(age=Q_(9, "year"), weight=Q_(20, "kg")).reasons}
    assert "child-risk-factor-check-licence" not in codes


def test_escalation_keeps_the_reasons_for_the_2mg_group() -> None:
    result = bg.recommend(bg.Patient(**OLDER), current_dose=Q_(2, "mg"), response=IC)
    codes = [r.code for r in result.reasons]
    assert codes[:2] == ["escalate-after-inadequate-control", "aged-65-or-over"]
    assert [(dose_mg_of(o), o.modality) for o in result.alternatives] == [(2, R)]

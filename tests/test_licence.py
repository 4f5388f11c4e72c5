"""The product licence (SmPC) on top of the chapter: every rule on both sides."""

from __future__ import annotations

from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Response, RiskFactor, Status

ADULT: dict[str, Any] = {"age": Q_(40, "year")}
CHILD_20KG: dict[str, Any] = {"age": Q_(6, "year"), "weight": Q_(20, "kg")}
CHILD_40KG: dict[str, Any] = {"age": Q_(12, "year"), "weight": Q_(40, "kg")}
GOOD_LABS = bg.Labs(
    lymphocytes=Q_(1.5e9, "1/L"), neutrophils=Q_(3e9, "1/L"), haemoglobin=Q_(13, "g/dL")
)


def answer(**fields: Any) -> bg.DoseRecommendation:
    return bg.recommend(bg.Patient(**fields))


def dose(result: bg.DoseRecommendation) -> float | None:
    return None if result.regimen is None else float(result.regimen.dose.to("mg").magnitude)


def cited(result: bg.DoseRecommendation) -> set[str]:
    return {reason.source.statement for reason in result.reasons}


# Adults by creatinine clearance, in mL/min and L/h (1 L/h = 16.67 mL/min).
RENAL_ADULT = [
    ("crcl-61-ml-min", Q_(61, "mL/min"), Status.RECOMMENDED, 4.0, None),
    ("crcl-60-ml-min", Q_(60, "mL/min"), Status.RECOMMENDED, 2.0, "smpc.renal.adult_moderate"),
    ("crcl-30-ml-min", Q_(30, "mL/min"), Status.RECOMMENDED, 2.0, "smpc.renal.adult_moderate"),
    (
        "crcl-29.9-ml-min",
        Q_(29.9, "mL/min"),
        Status.NOT_RECOMMENDED,
        None,
        "smpc.renal.adult_severe",
    ),
    ("crcl-3.66-l-h-is-over-60", Q_(3.66, "L/h"), Status.RECOMMENDED, 4.0, None),
    ("crcl-3.6-l-h-is-60", Q_(3.6, "L/h"), Status.RECOMMENDED, 2.0, "smpc.renal.adult_moderate"),
    ("crcl-1.8-l-h-is-30", Q_(1.8, "L/h"), Status.RECOMMENDED, 2.0, "smpc.renal.adult_moderate"),
    (
        "crcl-1.79-l-h-is-under-30",
        Q_(1.79, "L/h"),
        Status.NOT_RECOMMENDED,
        None,
        "smpc.renal.adult_severe",
    ),
]


@pytest.mark.parametrize(
    ("clearance", "status", "mg", "statement"),
    [row[1:] for row in RENAL_ADULT],
    ids=[row[0] for row in RENAL_ADULT],
)
def test_adult_renal_function(
    clearance: Any, status: Status, mg: float | None, statement: str | None
) -> None:
    result = answer(**ADULT, creatinine_clearance=clearance)
    assert result.status is status
    assert dose(result) == mg
    if statement:
        assert statement in cited(result)
    else:
        assert not cited(result) & {"smpc.renal.adult_moderate", "smpc.renal.adult_severe"}


def test_unknown_renal_function_adds_a_check_but_keeps_the_dose() -> None:
    result = answer(**ADULT)
    assert dose(result) == 4.0
    assert any(r.code == "check-renal-function-adult" for r in result.reasons)


RENAL_CHILD = [
    ("egfr-60-normal", Q_(60, "mL/min"), Status.RECOMMENDED, 2.0),
    ("egfr-59.9-half", Q_(59.9, "mL/min"), Status.RECOMMENDED, 1.0),
    ("egfr-40-half", Q_(40, "mL/min"), Status.RECOMMENDED, 1.0),
    ("egfr-39.9-no-data", Q_(39.9, "mL/min"), Status.NOT_RECOMMENDED, None),
    ("egfr-in-l-h-half", Q_(3, "L/h"), Status.RECOMMENDED, 1.0),
    ("egfr-in-l-h-normal", Q_(3.6, "L/h"), Status.RECOMMENDED, 2.0),
]


@pytest.mark.parametrize(
    ("egfr", "status", "mg"), [row[1:] for row in RENAL_CHILD], ids=[row[0] for row in RENAL_CHILD]
)
def test_child_renal_function(egfr: Any, status: Status, mg: float | None) -> None:
    result = answer(**CHILD_20KG, egfr=egfr)
    assert result.status is status
    assert dose(result) == mg
    if mg == 1.0:
        assert "leaflet.renal.child" in cited(result)
    if status is Status.NOT_RECOMMENDED:
        assert "mfi.renal.child_bands" in cited(result)


def test_child_with_creatinine_clearance_only_needs_egfr() -> None:
    result = answer(**CHILD_20KG, creatinine_clearance=Q_(50, "mL/min"))
    assert result.status is Status.INSUFFICIENT_INFORMATION
    assert result.missing == ("egfr",)


def test_severe_hepatic_impairment() -> None:
    assert answer(**ADULT, severe_hepatic_impairment=False).status is Status.RECOMMENDED
    result = answer(**ADULT, severe_hepatic_impairment=True)
    assert result.status is Status.NOT_RECOMMENDED
    assert "smpc.hepatic" in cited(result)


@pytest.mark.parametrize(
    ("fields", "mg", "statement"),
    [
        (ADULT, 2.0, "smpc.oat3.adult"),
        (CHILD_40KG, 2.0, "leaflet.oat3.child"),
        (CHILD_20KG, 1.0, "leaflet.oat3.child"),
    ],
    ids=["adult-probenecid-2mg", "child-40kg-probenecid-half", "child-20kg-probenecid-half"],
)
def test_strong_oat3_inhibitor(fields: dict[str, Any], mg: float, statement: str) -> None:
    assert dose(answer(**fields, strong_oat3_inhibitor=False)) == mg * 2
    result = answer(**fields, strong_oat3_inhibitor=True)
    assert dose(result) == mg
    assert statement in cited(result)


# (id, labs, starts)
LABS = [
    ("all-normal", GOOD_LABS, True),
    ("lymphocytes-0.5", bg.Labs(lymphocytes=Q_(0.5e9, "1/L")), True),
    ("lymphocytes-0.49", bg.Labs(lymphocytes=Q_(0.49e9, "1/L")), False),
    ("lymphocytes-per-microlitre", bg.Labs(lymphocytes=Q_(490, "1/microliter")), False),
    ("neutrophils-1.0", bg.Labs(neutrophils=Q_(1e9, "1/L")), True),
    ("neutrophils-0.99", bg.Labs(neutrophils=Q_(0.99e9, "1/L")), False),
    ("haemoglobin-8-g-dl", bg.Labs(haemoglobin=Q_(8, "g/dL")), True),
    ("haemoglobin-7.9-g-dl", bg.Labs(haemoglobin=Q_(7.9, "g/dL")), False),
    ("haemoglobin-80-g-l", bg.Labs(haemoglobin=Q_(80, "g/L")), True),
    ("haemoglobin-79-g-l", bg.Labs(haemoglobin=Q_(79, "g/L")), False),
]


@pytest.mark.parametrize(
    ("labs", "starts"), [row[1:] for row in LABS], ids=[row[0] for row in LABS]
)
def test_blood_counts_before_starting(labs: bg.Labs, starts: bool) -> None:
    result = answer(**ADULT, labs=labs)
    assert (result.status is Status.RECOMMENDED) is starts
    if not starts:
        assert "smpc.labs.start" in cited(result)
        assert result.regimen is None


@pytest.mark.parametrize(
    ("labs", "starts"), [row[1:] for row in LABS], ids=[row[0] for row in LABS]
)
def test_blood_counts_on_treatment_interrupt(labs: bg.Labs, starts: bool) -> None:
    patient = bg.Patient(**ADULT, labs=labs)
    result = bg.recommend(patient, current_dose=Q_(4, "mg"), response=Response.SUSTAINED_CONTROL)
    assert (result.status is Status.RECOMMENDED) is starts
    if not starts:
        assert "smpc.labs.interrupt" in cited(result)
        assert any("interrupt" in r.text for r in result.reasons)


def test_no_blood_count_check_when_all_are_given_or_on_treatment() -> None:
    assert "check-blood-counts" not in {r.code for r in answer(**ADULT, labs=GOOD_LABS).reasons}
    on_treatment = bg.recommend(
        bg.Patient(**ADULT), current_dose=Q_(4, "mg"), response=Response.SUSTAINED_CONTROL
    )
    assert "check-blood-counts" not in {r.code for r in on_treatment.reasons}


def test_missing_blood_counts_are_named() -> None:
    result = answer(**ADULT, labs=bg.Labs(haemoglobin=Q_(13, "g/dL")))
    check = next(r for r in result.reasons if r.code == "check-blood-counts")
    assert "lymphocytes" in check.text
    assert "neutrophils" in check.text
    assert "haemoglobin" not in check.text


def test_pregnancy_is_contraindicated_with_no_regimen() -> None:
    result = answer(**ADULT, pregnant=True)
    assert result.status is Status.CONTRAINDICATED
    assert result.regimen is None
    assert result.alternatives == ()
    assert "smpc.contraindications" in cited(result)


def test_contraindication_outranks_other_stops() -> None:
    result = answer(**ADULT, pregnant=True, breastfeeding=True, severe_hepatic_impairment=True)
    assert result.status is Status.CONTRAINDICATED
    assert {"smpc.contraindications", "smpc.breastfeeding", "smpc.hepatic"} <= cited(result)


def test_breastfeeding_is_not_recommended() -> None:
    result = answer(**ADULT, breastfeeding=True)
    assert result.status is Status.NOT_RECOMMENDED
    assert "smpc.breastfeeding" in cited(result)


@pytest.mark.parametrize(
    ("value", "advised"),
    [(True, True), (False, False), (None, False)],
    ids=["yes", "no", "unknown"],
)
def test_contraception_advice(value: bool | None, advised: bool) -> None:
    result = answer(**ADULT, can_become_pregnant=value)
    assert ("smpc.contraception" in cited(result)) is advised


@pytest.mark.parametrize(
    ("fields", "advised"),
    [
        ({"age": Q_(65, "year")}, True),
        ({"age": Q_(64.9, "year")}, False),
        ({"age": Q_(40, "year"), "risk_factors": {RiskFactor.SMOKING}}, True),
        ({"age": Q_(40, "year"), "risk_factors": {RiskFactor.MACE}}, True),
        ({"age": Q_(40, "year"), "risk_factors": {RiskFactor.MALIGNANCY}}, True),
        (
            {"age": Q_(40, "year"), "risk_factors": {RiskFactor.CHRONIC_OR_RECURRENT_INFECTION}},
            False,
        ),
    ],
    ids=["65", "under-65", "smoker", "mace", "malignancy", "infection-only"],
)
def test_ema_no_suitable_alternative(fields: dict[str, Any], advised: bool) -> None:
    result = answer(**fields)
    assert ("ema.jak.no_alternative" in cited(result)) is advised


def test_ema_vte_caution() -> None:
    assert "ema.jak.vte_caution" in cited(answer(age=Q_(40, "year"), risk_factors={"VTE"}))
    assert "ema.jak.vte_caution" not in cited(answer(age=Q_(40, "year")))


def test_vaccination_reason_on_every_start_but_not_on_follow_up() -> None:
    assert "smpc.live_vaccines" in cited(answer(**ADULT))
    assert "smpc.live_vaccines" in cited(answer(**CHILD_20KG))
    follow = bg.recommend(
        bg.Patient(**ADULT), current_dose=Q_(4, "mg"), response=Response.SUSTAINED_CONTROL
    )
    assert "smpc.live_vaccines" not in cited(follow)


def test_older_adult_renal_probenecid_gives_2mg_with_three_reasons() -> None:
    result = answer(
        age=Q_(70, "year"), creatinine_clearance=Q_(45, "mL/min"), strong_oat3_inhibitor=True
    )
    assert dose(result) == 2.0
    assert {"dose.risk.reduced", "smpc.renal.adult_moderate", "smpc.oat3.adult"} <= cited(result)
    assert result.alternatives == ()


def test_child_20kg_with_renal_impairment_gets_1mg() -> None:
    result = answer(**CHILD_20KG, egfr=Q_(50, "mL/min"))
    assert dose(result) == 1.0
    assert result.alternatives == ()


def test_halving_rules_do_not_compound() -> None:
    result = answer(**CHILD_20KG, egfr=Q_(50, "mL/min"), strong_oat3_inhibitor=True)
    assert dose(result) == 1.0
    assert {"leaflet.renal.child", "leaflet.oat3.child"} <= cited(result)


def test_licence_cap_removes_higher_options_and_escalation() -> None:
    patient = bg.Patient(age=Q_(70, "year"), creatinine_clearance=Q_(45, "mL/min"))
    step = bg.recommend(patient, current_dose=Q_(2, "mg"), response=Response.INADEQUATE_CONTROL)
    assert dose(step) == 2.0
    assert step.modality is bg.Modality.RECOMMENDED
    assert all(dose_of(o) <= 2 for o in step.alternatives)


def dose_of(option: bg.DoseOption) -> float:
    return float(option.regimen.dose.to("mg").magnitude)


def test_low_count_reason_names_each_count_with_its_units() -> None:
    labs = bg.Labs(lymphocytes=Q_(0.3e9, "1/L"), haemoglobin=Q_(7, "g/dL"))
    reason = next(r for r in answer(**ADULT, labs=labs).reasons if r.code == "low-blood-count")
    assert reason.text == (
        "Lymphocytes below 0.5 x 10^9/L; haemoglobin below 8 g/dL: do not start treatment."
    )


def test_check_blood_counts_lists_the_missing_ones() -> None:
    reason = next(r for r in answer(**ADULT).reasons if r.code == "check-blood-counts")
    assert reason.text.startswith("Not given: lymphocytes, neutrophils, haemoglobin.")


def test_ema_reasons_name_every_group_and_keep_both_notes() -> None:
    result = answer(age=Q_(70, "year"), risk_factors={RiskFactor.SMOKING, RiskFactor.VTE})
    codes = [r.code for r in result.reasons]
    assert "ema-no-suitable-alternative" in codes
    assert "ema-vte-caution" in codes
    note = next(r for r in result.reasons if r.code == "ema-no-suitable-alternative")
    assert note.text.startswith("Aged 65 or over; current or long-time past smoker:")


def test_tapered_child_with_renal_impairment_keeps_half_the_standard_dose() -> None:
    patient = bg.Patient(**CHILD_20KG, egfr=Q_(50, "mL/min"))
    step = bg.recommend(patient, current_dose=Q_(2, "mg"), response=Response.SUSTAINED_CONTROL)
    assert dose(step) == 1.0

"""The wording catalogue: every text rests on a statement, and every code is reached."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Response
from baricitinib_guideline.knowledge.wording import CONDITIONS, REASONS

# (code, facts its text carries) for the texts that give a dose or a threshold.
FACTS = [
    ("adult-standard-dose", ["4 mg once daily"]),
    ("aged-65-or-over", ["65", "2 mg once daily"]),
    ("risk-vte", ["venous thromboembolism", "2 mg"]),
    ("risk-mace", ["cardiovascular", "2 mg"]),
    ("risk-malignancy", ["malignancy", "2 mg"]),
    ("risk-chronic-or-recurrent-infection", ["infections", "2 mg"]),
    ("child-30kg-or-more", ["30 kg or more", "4 mg"]),
    ("child-10-to-under-30kg", ["10 kg to under 30 kg", "2 mg"]),
    ("under-licensed-age", ["2 years"]),
    ("child-under-10kg", ["10 kg"]),
    ("taper-after-sustained-control-adult", ["4 mg", "2 mg", "should be considered"]),
    ("taper-after-sustained-control-child", ["half the dose", "should be considered"]),
    ("escalate-after-inadequate-control", ["2 mg", "4 mg", "may be considered"]),
    ("no-benefit-after-8-weeks", ["8 weeks"]),
    ("creatinine-clearance-under-30", ["below 30", "not recommended"]),
    ("creatinine-clearance-30-to-60", ["30 to 60", "2 mg"]),
    ("child-egfr-under-40", ["below 40"]),
    ("child-egfr-40-to-60", ["40 to under 60", "paediatric trials"]),
    ("child-reduced-renal-function", ["half"]),
    ("strong-oat3-inhibitor", ["probenecid", "2 mg"]),
    ("strong-oat3-inhibitor-child", ["half"]),
    ("pregnancy", ["contraindicated"]),
    ("contraception", ["1 week"]),
    ("vaccinations", ["live attenuated"]),
]


@pytest.mark.parametrize(("code", "facts"), FACTS, ids=[code for code, _ in FACTS])
def test_reason_text_carries_its_facts(code: str, facts: list[str]) -> None:
    text = REASONS[code][1]
    for fact in facts:
        assert fact in text, fact


# Reasons about another rule's step cite that step's statement, given where they are used.
CITE_THE_STEP = {
    "licence-sets-dose",
    "licence-confirms-dose",
    "current-dose-above-licence",
    "current-dose-above-licence-stop",
    "instead-of-stopping",
    "current-dose-change",
}


def test_every_text_rests_on_a_known_statement() -> None:
    for code, (statement_id, _) in [*REASONS.items(), *CONDITIONS.items()]:
        if code in CITE_THE_STEP:
            assert statement_id == ""
        else:
            bg.statement(statement_id)


def _grid() -> list[bg.DoseRecommendation]:
    ages = [Q_(1, "year"), Q_(8, "year"), Q_(40, "year"), Q_(70, "year")]
    weights = [None, Q_(9, "kg"), Q_(20, "kg"), Q_(40, "kg")]
    extras: list[dict[str, Any]] = [
        {},
        {"systemic_candidate": False},
        {"risk_factors": set(bg.RiskFactor), "comorbidities": {bg.Comorbidity.ALOPECIA_AREATA}},
        {"creatinine_clearance": Q_(45, "mL/min")},
        {"creatinine_clearance": Q_(20, "mL/min")},
        {"egfr": Q_(50, "mL/min")},
        {"egfr": Q_(30, "mL/min")},
        {"creatinine_clearance": Q_(90, "mL/min"), "egfr": Q_(90, "mL/min")},
        {"strong_oat3_inhibitor": True},
        {"pregnant": True},
        {"can_become_pregnant": True},
        {"breastfeeding": True},
        {"severe_hepatic_impairment": True},
        {"labs": bg.Labs(haemoglobin=bg.Q_(7, "g/dL"))},
        {"hypersensitivity": True},
        {"suspected_drug_induced_liver_injury": True},
        {"risk_factors": {bg.RiskFactor.VTE}, "creatinine_clearance": Q_(45, "mL/min")},
        {"egfr": Q_(90, "mL/min")},
        {"creatinine_clearance": Q_(90, "mL/min")},
        {"sex": bg.Sex.FEMALE, "serum_creatinine": Q_(1.4, "mg/dL")},
        {"serum_creatinine": Q_(124, "umol/L")},
    ]
    follow: list[tuple[Any, Any]] = [
        (None, None),
        (Q_(4, "mg"), None),
        (None, Response.SUSTAINED_CONTROL),
    ]
    follow += [(Q_(mg, "mg"), r) for mg in (0.5, 1, 2, 3, 4, 8) for r in Response]
    results = []
    for age, weight, extra, (dose, response) in itertools.product(ages, weights, extras, follow):
        if extra.get("pregnant") and age < Q_(10, "year"):
            continue  # a contradiction, refused (tested in test_clinical_points)
        patient = bg.Patient(age=age, weight=weight, **extra)
        results.append(bg.recommend(patient, current_dose=dose, response=response))
    results.append(bg.screening_plan(bg.Patient(age=Q_(30, "year"))))  # type: ignore[arg-type]
    return results


def test_every_reason_and_condition_is_reached() -> None:
    reasons: set[str] = set()
    conditions: set[str] = set()
    for result in _grid():
        found = getattr(result, "reasons", ()) + getattr(result, "notes", ())
        reasons |= {reason.code for reason in found}
        conditions |= {o.condition for o in getattr(result, "alternatives", ())}
    assert set(REASONS) - reasons == set()
    assert {text for _, text in CONDITIONS.values()} - conditions == set()

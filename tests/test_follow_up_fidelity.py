"""Follow-up answers a prescriber can trust: the chapter's strength of each step, the
licence's reductions as the dose, reasons that agree with the answer, stops that lead
with what stops, and every fact labelled with the document it came from."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Modality, Response, Status
from baricitinib_guideline.knowledge.wording import CONDITIONS, REASONS

from .strategies import follow_ups, patients

SC, IC, NB = Response
R, SBC, MBC = Modality.RECOMMENDED, Modality.SHOULD_BE_CONSIDERED, Modality.MAY_BE_CONSIDERED
ADULT: dict[str, Any] = {"age": Q_(40, "year")}
OLDER: dict[str, Any] = {"age": Q_(70, "year")}
CHILD_40KG: dict[str, Any] = {"age": Q_(12, "year"), "weight": Q_(40, "kg")}
CHILD_20KG: dict[str, Any] = {"age": Q_(6, "year"), "weight": Q_(20, "kg")}
CHAPTER_RISKS = {
    bg.RiskFactor.VTE,
    bg.RiskFactor.MACE,
    bg.RiskFactor.MALIGNANCY,
    bg.RiskFactor.CHRONIC_OR_RECURRENT_INFECTION,
}
# The reasons that stop treatment, one per source sentence that stops it.
STOPPING_CODES = {
    "not-systemic-candidate",
    "under-licensed-age",
    "child-weight-missing",
    "child-under-10kg",
    "follow-up-needs-dose-and-response",
    "no-benefit-after-8-weeks",
    "hypersensitivity",
    "pregnancy",
    "breastfeeding",
    "severe-hepatic-impairment",
    "liver-injury",
    "interrupt-liver-injury",
    "creatinine-clearance-under-30",
    "adult-clearance-needed",
    "child-egfr-needed",
    "child-egfr-under-40",
    "low-blood-count",
    "interrupt-low-blood-count",
}
# The reasons that choose a dose; none of them may explain a stop.
DOSE_SELECTION_CODES = {
    "adult-standard-dose",
    "start-high",
    "aged-65-or-over",
    "risk-vte",
    "risk-mace",
    "risk-malignancy",
    "risk-chronic-or-recurrent-infection",
    "child-30kg-or-more",
    "child-10-to-under-30kg",
    "creatinine-clearance-30-to-60",
    "strong-oat3-inhibitor",
    "strong-oat3-inhibitor-child",
    "child-reduced-renal-function",
}
MG = re.compile(r"(\d+(?:\.\d+)?) mg\b(?!/)")  # a dose, not a concentration (mg/dL)


def answer(current: float | None = None, response: Response | None = None, **fields: Any) -> Any:
    dose = None if current is None else Q_(current, "mg")
    return bg.recommend(bg.Patient(**fields), current_dose=dose, response=response)


def mg(result: bg.DoseRecommendation) -> float | None:
    return None if result.regimen is None else result.regimen.dose_mg


def codes(result: bg.DoseRecommendation) -> list[str]:
    return [reason.code for reason in result.reasons]


# 2. "Reductions the licence requires": the licence sets the dose; it is not optional.
CAPPED = [
    ("clearance-30-to-60-2mg-once-daily", ADULT, {"creatinine_clearance": Q_(45, "mL/min")}, 2),
    ("strong-oat3-inhibitor-2mg-once-daily", ADULT, {"strong_oat3_inhibitor": True}, 2),
    ("child-egfr-40-to-60-half-the-dose", CHILD_40KG, {"egfr": Q_(50, "mL/min")}, 2),
    ("child-oat3-half-the-dose", CHILD_40KG, {"strong_oat3_inhibitor": True}, 2),
    ("child-20kg-oat3-half-the-dose", CHILD_20KG, {"strong_oat3_inhibitor": True}, 1),
]


@pytest.mark.parametrize(
    ("fields", "extra", "dose"), [row[1:] for row in CAPPED], ids=[row[0] for row in CAPPED]
)
@pytest.mark.parametrize("response", [SC, IC], ids=["sustained", "inadequate"])
def test_a_dose_the_licence_sets_is_recommended_at_follow_up(
    fields: dict[str, Any], extra: dict[str, Any], dose: float, response: Response
) -> None:
    standard = 4 if fields is not CHILD_20KG else 2
    result = answer(standard, response, **fields, **extra)
    assert result.status is Status.RECOMMENDED
    assert mg(result) == dose
    assert result.modality is R
    assert result.reasons[0].code in {"licence-sets-dose", "licence-confirms-dose"}
    assert all(mg_of(option) < standard for option in result.alternatives)


def mg_of(option: bg.DoseOption) -> float:
    return option.regimen.dose_mg


# 3. "Reasons contradict the dose": on 2 mg with clearance 45, not controlled.
@pytest.mark.parametrize(
    ("fields", "current", "dose"),
    [
        ({**ADULT, "creatinine_clearance": Q_(45, "mL/min")}, 2, 2),
        ({**ADULT, "strong_oat3_inhibitor": True}, 2, 2),
        ({**CHILD_40KG, "egfr": Q_(50, "mL/min")}, 2, 2),
        ({**CHILD_40KG, "strong_oat3_inhibitor": True}, 2, 2),
    ],
    ids=["clearance-45", "oat3", "child-egfr-50", "child-oat3"],
)
def test_capped_and_not_controlled_says_reassess_and_names_no_other_dose(
    fields: dict[str, Any], current: float, dose: float
) -> None:
    result = answer(current, IC, **fields)
    assert mg(result) == dose
    texts = " ".join(reason.text for reason in result.reasons)
    assert "return to the standard dose" not in texts
    assert "most-the-licence-allows" in codes(result)
    allowed = next(r for r in result.reasons if r.code == "most-the-licence-allows")
    assert "reassess" in allowed.text
    assert "8 weeks" in allowed.text
    assert "tapered" not in texts


# 4. "Follow-up reasons say 'check ... before starting'".
@pytest.mark.parametrize(
    "fields",
    [ADULT, OLDER, CHILD_20KG, {**CHILD_40KG, "risk_factors": {bg.RiskFactor.VTE}}],
    ids=["adult", "older", "child", "child-with-risk-factor"],
)
@pytest.mark.parametrize("response", [SC, IC])
def test_follow_up_never_says_before_starting(fields: dict[str, Any], response: Response) -> None:
    result = answer(2, response, **fields)
    assert [r.text for r in result.reasons if "before starting" in r.text] == []
    assert "check-blood-counts" not in codes(result)
    assert "vaccinations" not in codes(result)


def test_starting_answers_still_ask_to_check_before_starting() -> None:
    result = answer(**ADULT)
    assert {"check-renal-function-adult", "check-blood-counts", "vaccinations"} <= set(
        codes(result)
    )


# 5. "Stop answers lead with dose advice".
STOPS = [
    ("pregnant-contraindicated", {"pregnant": True}, Status.CONTRAINDICATED, "pregnancy"),
    (
        "hypersensitivity-contraindicated",
        {"hypersensitivity": True},
        Status.CONTRAINDICATED,
        "hypersensitivity",
    ),
    (
        "severe-hepatic-impairment-not-recommended",
        {"severe_hepatic_impairment": True},
        Status.NOT_RECOMMENDED,
        "severe-hepatic-impairment",
    ),
    (
        "clearance-under-30-not-recommended",
        {"creatinine_clearance": Q_(20, "mL/min")},
        Status.NOT_RECOMMENDED,
        "creatinine-clearance-under-30",
    ),
    (
        "low-counts-do-not-start",
        {"labs": bg.Labs(neutrophils=Q_(0.5e9, "1/L"))},
        Status.NOT_RECOMMENDED,
        "low-blood-count",
    ),
    (
        "suspected-liver-injury",
        {"suspected_drug_induced_liver_injury": True},
        Status.NOT_RECOMMENDED,
        "liver-injury",
    ),
]


@pytest.mark.parametrize(
    ("extra", "status", "first"), [row[1:] for row in STOPS], ids=[row[0] for row in STOPS]
)
@pytest.mark.parametrize("fields", [ADULT, OLDER], ids=["adult", "older"])
def test_a_stop_leads_with_what_stops_and_gives_no_dose_advice(
    fields: dict[str, Any], extra: dict[str, Any], status: Status, first: str
) -> None:
    result = answer(**fields, **extra)
    assert result.status is status
    assert codes(result)[0] == first
    assert set(codes(result)) & DOSE_SELECTION_CODES == set()
    assert result.alternatives == ()


def test_several_stops_list_the_most_severe_first() -> None:
    result = answer(**ADULT, pregnant=True, severe_hepatic_impairment=True)
    assert result.status is Status.CONTRAINDICATED
    assert codes(result) == ["pregnancy", "severe-hepatic-impairment"]


def test_suspected_liver_injury_on_treatment_interrupts() -> None:
    """SmPC 4.4: interrupt when drug-induced liver injury is suspected."""
    result = answer(4, SC, **ADULT, suspected_drug_induced_liver_injury=True)
    assert result.status is Status.NOT_RECOMMENDED
    assert codes(result) == ["interrupt-liver-injury"]
    assert result.reasons[0].source.statement == "smpc.liver_injury"


def test_hypersensitivity_cites_the_contraindications() -> None:
    result = answer(**CHILD_20KG, hypersensitivity=True)
    assert result.reasons[0].source.statement == "smpc.contraindications"
    assert result.reasons[0].source.section == "4.3"


# 6. "Sources mislabelled".
def test_childrens_egfr_bands_cite_the_manufacturers_trial_practice() -> None:
    result = answer(**CHILD_20KG, egfr=Q_(50, "mL/min"))
    band = next(r for r in result.reasons if "40 to under 60" in r.text)
    assert band.source.document is bg.Document.MANUFACTURER_INFORMATION
    assert "trial" in band.source.note
    half = next(r for r in result.reasons if r.code == "child-reduced-renal-function")
    assert half.source.document is bg.Document.PACKAGE_LEAFLET
    assert "leaflet" in half.source.note


def test_jak_inhibitor_measures_cite_the_ema_referral() -> None:
    result = answer(**OLDER, risk_factors={bg.RiskFactor.VTE})
    ema = [r for r in result.reasons if r.code.startswith("ema-")]
    assert {r.code for r in ema} == {
        "ema-no-suitable-alternative",
        "ema-lower-dose",
        "ema-vte-caution",
    }
    for reason in ema:
        assert reason.source.document is bg.Document.EMA_REFERRAL
        assert reason.source.cite().startswith("EMA referral")


def test_no_fact_is_labelled_smpc_unless_the_smpc_says_it() -> None:
    for entry in bg.statements():
        prefix = entry.id.split(".")[0]
        if entry.source.document is bg.Document.SMPC:
            assert prefix == "smpc", entry.id
            assert not entry.source.note, entry.id


def test_only_wording_a_source_supports() -> None:
    texts = [text for _, text in [*REASONS.values(), *CONDITIONS.values()]]
    assert not [t for t in texts if "lowest effective dose" in t]
    assert not [t for t in texts if "risk outweighs" in t]


# Settled choices (docs/silent.rst).
START_HIGH = [
    ("healthy-adult-gets-it", ADULT, True),
    ("smoker-does-not", {**ADULT, "risk_factors": {bg.RiskFactor.SMOKING}}, False),
    (
        "adult-with-comorbidity-does-not",
        {**ADULT, "comorbidities": {"RHEUMATOID_ARTHRITIS"}},
        False,
    ),
    ("older-adult-does-not", OLDER, False),
    ("licence-lowered-to-2mg-does-not", {**ADULT, "strong_oat3_inhibitor": True}, False),
    ("child-does-not", CHILD_40KG, False),
]


@pytest.mark.parametrize(
    ("fields", "shown"), [row[1:] for row in START_HIGH], ids=[row[0] for row in START_HIGH]
)
def test_start_high_only_for_younger_otherwise_healthy_patients_starting_on_4mg(
    fields: dict[str, Any], shown: bool
) -> None:
    """Chapter: starting high "may therefore be advisable in younger, otherwise healthy patients"."""
    result = answer(**fields)
    assert ("start-high" in codes(result)) is shown
    if shown:
        assert mg(result) == 4


def test_adult_egfr_without_clearance_asks_for_clearance() -> None:
    """SmPC 4.2 places adults by creatinine clearance; an eGFR is not silently ignored."""
    result = answer(**ADULT, egfr=Q_(25, "mL/min"))
    assert result.status is Status.INSUFFICIENT_INFORMATION
    assert result.missing == ("creatinine_clearance",)
    assert codes(result) == ["adult-clearance-needed"]


def test_adult_with_both_uses_clearance() -> None:
    result = answer(**ADULT, egfr=Q_(25, "mL/min"), creatinine_clearance=Q_(90, "mL/min"))
    assert mg(result) == 4


def test_children_are_told_tablets_may_be_dispersed() -> None:
    """SmPC 4.2: tablets may be dispersed in water for children who cannot swallow them."""
    assert "tablets-dispersible" in codes(answer(**CHILD_20KG))
    assert "tablets-dispersible" not in codes(answer(**ADULT))


# Screening plan, patient-aware.
def test_screening_plan_validates_its_argument() -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.screening_plan(None)  # type: ignore[arg-type]
    assert caught.value.field == "patient"


def test_known_pregnancy_is_flagged_not_asked_again() -> None:
    plan = bg.screening_plan(bg.Patient(**ADULT, pregnant=True))
    assert [alert.code for alert in plan.alerts] == ["pregnancy"]
    assert not {"pregnancy", "pregnancy-potential"} & {item.code for item in plan.items}


def test_patient_outside_the_licence_gets_a_plan_that_says_so_first() -> None:
    plan = bg.screening_plan(bg.Patient(age=Q_(18, "month"), weight=Q_(11, "kg")))
    assert plan.alerts[0].code == "under-licensed-age"


def test_plan_without_a_stop_has_no_alerts() -> None:
    assert bg.screening_plan(bg.Patient(**ADULT)).alerts == ()


def test_reference_2_prints_its_address_and_access_date() -> None:
    """Chapter: "Available at: <https://eczematherapies.com/research/> (last accessed 12 May 2025)"."""
    text = str(bg.REFERENCES[1])
    assert "eczematherapies.com/research/" in text
    assert "last accessed 12 May 2025" in text
    assert "  " not in text


# Properties over patients and follow-ups.
def _named_doses(text: str) -> set[str]:
    return set(MG.findall(text))


def _printed(doses: set[float | None]) -> set[str]:
    """Doses as the reasons print them (``{:g}``: six significant digits)."""
    return {f"{dose:g}" for dose in doses if dose is not None}


# A stop on a dose above the licence's limit (found once by a random search): always tried.
@example(
    bg.Patient(age=bg.Q_(18, "year"), strong_oat3_inhibitor=True),
    (bg.Q_(4, "mg"), bg.Response.NO_BENEFIT_AFTER_8_WEEKS),
)
@settings(max_examples=400, deadline=None)
@given(patients, follow_ups)
def test_properties_of_every_answer(patient: bg.Patient, follow: tuple[Any, Any]) -> None:
    current, response = follow
    result = bg.recommend(patient, current_dose=current, response=response)
    final = mg(result)
    current_mg = None if current is None else round(current.m_as("mg"), 9)
    options = {mg_of(option) for option in result.alternatives}
    adult = patient.age_months >= 216
    # The 2 mg group never gets 4 mg stronger than "may be considered".
    if adult and (patient.age_months >= 780 or patient.risk_factors & CHAPTER_RISKS):
        offered: list[tuple[float, Modality | None]] = [
            (mg_of(o), o.modality) for o in result.alternatives
        ]
        if final is not None:
            offered.append((final, result.modality))
        assert all(m is MBC for dose, m in offered if dose == 4), offered
    # A dose the licence caps is recommended, not optional.
    capped = patient.strong_oat3_inhibitor or (
        adult
        and patient.creatinine_clearance_ml_min is not None
        and 30 <= patient.creatinine_clearance_ml_min <= 60
    )
    if capped and final is not None and adult:
        assert final == 2
        assert result.modality is R
    # Every dose a reason names is the answer's, the current one or an option's,
    # or the reason also names the answer's dose (it says why the other is not given).
    for reason in result.reasons:
        named = _named_doses(reason.text)
        known = _printed({final, current_mg, *options})
        if reason.code.startswith("current-dose-not-in-chapter"):
            # It says which named dose an unnamed current dose was read as.
            known |= set(re.findall(r"nearest dose it names, (\S+) mg", reason.text))
        assert named <= known or _printed({final}) & named, (reason.code, reason.text, final)
    # A stop's first reason is a stopping reason; none chooses a dose.
    if result.status is not Status.RECOMMENDED:
        assert result.reasons[0].code in STOPPING_CODES, codes(result)
        assert not set(codes(result)) & DOSE_SELECTION_CODES
    # No follow-up reason says "before starting".
    if current is not None and response is not None:
        assert not [r.text for r in result.reasons if "before starting" in r.text]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([ADULT, OLDER, CHILD_20KG, CHILD_40KG]),
    st.sampled_from([1.0, 2.0, 3.0, 4.0, 8.0]),
    st.sampled_from(list(Response)),
)
def test_no_answer_gives_a_dose_above_the_chapters_for_the_patient(
    fields: dict[str, Any], current: float, response: Response
) -> None:
    result = answer(current, response, **fields)
    highest = 2.0 if fields is CHILD_20KG else 4.0
    assert all(mg_of(o) <= highest for o in result.alternatives)
    assert mg(result) is None or mg(result) <= highest  # type: ignore[operator]


# Wording that names exactly what applies (found by mutation testing).
@pytest.mark.parametrize(
    ("risks", "lower", "alternative"),
    [
        ({bg.RiskFactor.VTE}, "Increased risk of venous thromboembolism", None),
        (
            {bg.RiskFactor.MACE},
            "Increased risk of major cardiovascular problems",
            "Increased risk of major cardiovascular problems",
        ),
        ({bg.RiskFactor.SMOKING}, None, "Current or long-time past smoker"),
        (
            {bg.RiskFactor.MALIGNANCY, bg.RiskFactor.VTE},
            "Increased risk of venous thromboembolism; increased risk of cancer",
            "Increased risk of cancer",
        ),
    ],
    ids=["vte", "mace", "smoker", "malignancy-and-vte"],
)
def test_ema_measures_name_exactly_the_groups_present(
    risks: set[bg.RiskFactor], lower: str | None, alternative: str | None
) -> None:
    texts = {r.code: r.text for r in answer(**ADULT, risk_factors=risks).reasons}
    assert texts.get("ema-lower-dose") == (
        None if lower is None else f"{lower}: use lower doses where possible."
    )
    assert texts.get("ema-no-suitable-alternative") == (
        None
        if alternative is None
        else f"{alternative}: use only if no suitable alternative exists."
    )


def test_a_child_who_smokes_gets_no_licence_check_for_the_adult_risk_dose() -> None:
    """Smoking is not among the chapter's 2 mg group, so the children's note does not apply."""
    assert "child-risk-factor-check-licence" not in codes(
        answer(**CHILD_40KG, risk_factors={"SMOKING"})
    )
    found = codes(answer(**CHILD_40KG, risk_factors={"VTE"}))
    assert found.index("child-risk-factor-check-licence") < found.index("tablets-dispersible")


@pytest.mark.parametrize(
    ("fields", "current", "code"),
    [
        (ADULT, 3, "current-dose-not-in-chapter-adult"),
        (CHILD_20KG, 1.5, "current-dose-not-in-chapter-child"),
    ],
    ids=["adult", "child"],
)
def test_an_unnamed_dose_is_explained_for_adults_and_children_in_their_words(
    fields: dict[str, Any], current: float, code: str
) -> None:
    assert codes(answer(current, SC, **fields))[0] == code


def test_the_blood_counts_not_given_are_listed_by_name() -> None:
    labs = bg.Labs(neutrophils=Q_(2e9, "1/L"))
    texts = {r.code: r.text for r in answer(**ADULT, labs=labs).reasons}
    assert texts["check-blood-counts"].startswith(
        "Not given: lymphocytes, haemoglobin. Check them"
    )


# The doses the chapter names, by patient, as the chapter's dosing sentences give them.
CHAPTER_DOSES = {
    "adult": (2.0, 4.0),
    "older": (2.0, 4.0),
    "child-40kg": (2.0, 4.0),
    "child-20kg": (1.0, 2.0),
}
GRID_PATIENTS = {
    "adult": ADULT,
    "older": OLDER,
    "child-40kg": CHILD_40KG,
    "child-20kg": CHILD_20KG,
}


@pytest.mark.parametrize("who", sorted(GRID_PATIENTS))
@pytest.mark.parametrize("response", list(Response), ids=lambda r: r.name.lower())
def test_every_reason_agrees_with_the_answer_over_a_grid_of_current_doses(
    who: str, response: Response
) -> None:
    """Current doses 0.5 to 8 mg in half-milligram steps: a reason names only the answer's
    dose, the current one, an option's, or (first, for a dose the chapter does not name) the
    named dose the step is taken from; and an unnamed dose below the highest says which."""
    named_doses = CHAPTER_DOSES[who]
    for half_mg in range(1, 17):
        current = half_mg / 2
        result = answer(current, response, **GRID_PATIENTS[who])
        final = mg(result)
        assert final is None or final in named_doses, (current, final)
        options = {mg_of(option) for option in result.alternatives}
        allowed = _printed({final, current, *options})
        unnamed = current not in named_doses and current < max(named_doses)
        if unnamed and result.status is Status.RECOMMENDED:  # a stop leads with the stop
            # The nearest dose the chapter names, the lower one on a tie.
            nearest = min(named_doses, key=lambda dose: (abs(dose - current), dose))
            first = result.reasons[0].text
            assert f"current dose of {current:g} mg" in first, (current, first)
            assert f"the next step is taken from the nearest dose it names, {nearest:g} mg" in (
                first
            ), (current, first)
            allowed |= _printed({nearest})
        for reason in result.reasons:
            said = _named_doses(reason.text)
            assert said <= allowed or _printed({final}) & said, (current, reason.text, final)

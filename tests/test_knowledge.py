"""Every statement of the chapter, checked against the chapter's own values.

The tables below are typed from the chapter text, not from the library: each
row gives the statement's sub-heading, the reference numbers the chapter
attaches to it and the facts its paraphrase must carry.
"""

from __future__ import annotations

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, Certainty, FigureKind, Outcome

REC = "Recommendation"
CERT = "Certainty of evidence"
MOA = "Mechanisms of action and efficacy"
DOSE = "Dosage: acute flare, short term, long term"
SAFE = "Safety"
SCREEN = "Screening and monitoring"
COMBO = "Combination with other treatments"
SPECIAL = "Special considerations"

# (statement ID, section, references, facts the paraphrase carries)
CHAPTER = [
    ("rec.headline", REC, (), ["candidates for systemic treatment", "↑↑", "75 %"]),
    ("licence.min_age", REC, (), ["2 years"]),
    ("dose.child.low", REC, (), ["10 kg", "30 kg", "2 mg"]),
    ("dose.child.high", REC, (), ["30 kg or more", "4 mg"]),
    ("dose.adult.box", REC, (), ["Adults", "4 mg"]),
    ("dose.half.box", REC, (), ["halved"]),
    ("dose.older_adult", REC, (), ["65", "2 mg"]),
    ("nma.scope", CERT, (1, 2), ["2024", "16 weeks", "placebo"]),
    ("nma.2mg.easi", CERT, (1, 2), ["-5.1", "-6.9", "-3.4", "moderate"]),
    ("nma.2mg.poem", CERT, (1, 2), ["-3.8", "-4.9", "-2.7", "moderate"]),
    ("nma.2mg.pp_nrs", CERT, (1, 2), ["-1.2", "-1.6", "-0.9", "moderate"]),
    ("nma.2mg.dlqi", CERT, (1, 2), ["-2.3", "-3.1", "-1.4", "moderate"]),
    ("nma.4mg.poem", CERT, (1, 2), ["-5.4", "-6.6", "-4.2", "high"]),
    ("nma.4mg.pp_nrs", CERT, (1, 2), ["-1.6", "-2", "-1.3", "high"]),
    ("nma.4mg.easi", CERT, (1, 2), ["-7.5", "-9.4", "-5.6", "moderate"]),
    ("nma.4mg.dlqi", CERT, (1, 2), ["-3.5", "-4.4", "-2.6", "moderate"]),
    ("nma.other_drugs", CERT, (), ["Evidence Report"]),
    ("moa.jak", MOA, (), ["JAK1", "JAK2", "mouth"]),
    ("eff.adult_trials", MOA, (1,), ["phase 2", "phase 3", "1, 2 and 4 mg", "week 16"]),
    ("eff.iga_itch", MOA, (), ["IGA", "itch"]),
    ("eff.tcs_trial", MOA, (3,), ["topical corticosteroids"]),
    ("eff.paediatric_approval", MOA, (), ["October 2023", "2 years"]),
    ("eff.paediatric_trial", MOA, (4,), ["483", "0.5, 1, 2 or 4 mg", "16 weeks", "IGA 0/1"]),
    ("eff.long_term", DOSE, (5, 6), ["68 weeks"]),
    ("dose.adult.standard", DOSE, (), ["4 mg once daily"]),
    ("dose.adult.taper", DOSE, (), ["sustained control", "4 mg", "2 mg", "should be considered"]),
    (
        "dose.risk.reduced",
        DOSE,
        (7,),
        ["2 mg", "venous thromboembolism", "cardiovascular", "malignancy", "65", "infections"],
    ),
    ("dose.risk.escalate", DOSE, (), ["4 mg", "may be considered", "2 mg"]),
    ("dose.child.dosage", DOSE, (), ["30 kg or more: 4 mg", "10 kg to under 30 kg", "2 mg"]),
    ("dose.child.taper", DOSE, (), ["sustained control", "half the dose", "should be considered"]),
    ("dose.start_high", DOSE, (), ["faster response", "drug survival", "adherence", "younger"]),
    ("safety.common", SAFE, (), ["LDL", "upper respiratory", "headache"]),
    ("safety.acne", SAFE, (), ["Acne", "less common"]),
    ("safety.herpes_simplex", SAFE, (), ["Herpes simplex"]),
    (
        "safety.pooled",
        SAFE,
        (8,),
        [
            "8 randomised",
            "2531",
            "2247 patient-years",
            "310 days",
            "11",
            "6",
            "3",
            "4 opportunistic",
        ],
    ),
    ("safety.cpk", SAFE, (), ["phosphokinase", "transiently", "exercise"]),
    (
        "safety.placebo_period",
        SAFE,
        (),
        ["malignancy", "perforation", "cardiovascular", "tuberculosis"],
    ),
    ("safety.hsv_by_dose", SAFE, (8,), ["6.1 %", "3.6 %", "2.7 %"]),
    ("safety.long_term_pending", SAFE, (), ["pending"]),
    (
        "safety.ra.database",
        SAFE,
        (9,),
        ["9 phase III/II/Ib", "1 long-term", "3770", "9.3 years", "14744"],
    ),
    ("safety.ra.serious_infection", SAFE, (9,), ["2.6 per 100 patient-years"]),
    ("safety.ra.herpes_zoster", SAFE, (9,), ["3 per 100 patient-years"]),
    ("safety.ra.mace", SAFE, (9,), ["0.5 per 100 patient-years", "0.77", "over 50"]),
    ("safety.ra.dvt_pe", SAFE, (9,), ["0.5 per 100 patient-years", "pulmonary embolism"]),
    ("safety.paediatric.common", SAFE, (4,), ["abdominal pain", "acne", "headache"]),
    ("safety.paediatric.discontinuation", SAFE, (4,), ["1.6 %", "0.6 %"]),
    ("screen.hbv_referral", SCREEN, (), ["hepatitis B", "liver specialist", "before"]),
    ("screen.lipid_liver", SCREEN, (), ["Lipid", "liver"]),
    ("screen.haematology", SCREEN, (), ["haematological"]),
    ("screen.jak_class", SCREEN, (), ["all JAK inhibitors"]),
    (
        "screen.baseline",
        SCREEN,
        (),
        ["full blood count", "renal", "liver", "lipid", "hepatitis B", "HIV", "tuberculosis"],
    ),
    ("monitor.schedule", SCREEN, (), ["four weeks", "every three months"]),
    ("monitor.cpk", SCREEN, (), ["phosphokinase", "without symptoms"]),
    ("combo.topicals", COMBO, (), ["emollients", "topical anti-inflammatory"]),
    ("combo.no_systemic_data", COMBO, (), ["No published study", "systemic"]),
    ("combo.mtx_ra", COMBO, (10,), ["methotrexate", "rheumatoid arthritis"]),
    (
        "special.comorbidities",
        SPECIAL,
        (),
        ["alopecia areata", "juvenile idiopathic", "ankylosing", "psoriatic", "bowel"],
    ),
    ("special.licensed_other", SPECIAL, (), ["licensed"]),
    ("special.jak_intro", SPECIAL, (), ["JAK-inhibitor introduction"]),
]
CHAPTER_IDS = [row[0] for row in CHAPTER]

# (statement ID, document it was seen in, its section, note present, facts): clinical-facts
# marks the leaflet and trial-practice facts partial, and the JAK measures as the EMA's.
SMPC, PACKAGE_LEAFLET = bg.Document.SMPC, bg.Document.PACKAGE_LEAFLET
MANUFACTURER_INFORMATION, EMA_REFERRAL = (
    bg.Document.MANUFACTURER_INFORMATION,
    bg.Document.EMA_REFERRAL,
)
LICENCE = [
    ("smpc.indication", SMPC, "4.1", False, ["2 years", "systemic"]),
    ("smpc.no_benefit", SMPC, "4.2", False, ["8 weeks"]),
    ("smpc.tablets", SMPC, "4.2", False, ["1, 2 and 4 mg", "dispersed"]),
    ("smpc.topicals", SMPC, "4.2", False, ["corticosteroids", "calcineurin", "face"]),
    ("smpc.renal.adult_moderate", SMPC, "4.2", False, ["30 to 60 mL/min", "2 mg"]),
    ("smpc.renal.adult_severe", SMPC, "4.2", False, ["below 30 mL/min", "not recommended"]),
    ("smpc.renal.measure", SMPC, "4.2", False, ["creatinine clearance", "not converted"]),
    ("leaflet.renal.child", PACKAGE_LEAFLET, "how to take it", True, ["half"]),
    (
        "mfi.renal.child_bands",
        MANUFACTURER_INFORMATION,
        "renal impairment in atopic dermatitis",
        True,
        ["40 to under 60", "below 40"],
    ),
    ("smpc.hepatic", SMPC, "4.2", False, ["severe hepatic impairment", "not recommended"]),
    ("smpc.oat3.adult", SMPC, "4.5", False, ["probenecid", "2 mg"]),
    ("leaflet.oat3.child", PACKAGE_LEAFLET, "how to take it", True, ["half"]),
    ("smpc.live_vaccines", SMPC, "4.4", False, ["live attenuated", "up to date"]),
    ("smpc.labs.start", SMPC, "4.2", False, ["0.5 x 10^9/L", "1 x 10^9/L", "8 g/dL"]),
    ("smpc.labs.interrupt", SMPC, "4.4", False, ["interrupt", "restart"]),
    ("smpc.lipids", SMPC, "4.4", False, ["12 weeks"]),
    ("smpc.liver_injury", SMPC, "4.4", False, ["liver injury"]),
    ("smpc.contraindications", SMPC, "4.3", False, ["hypersensitivity", "pregnancy"]),
    ("smpc.contraception", SMPC, "4.6", False, ["contraception", "1 week"]),
    ("smpc.breastfeeding", SMPC, "4.6", False, ["breastfeeding"]),
    (
        "ema.jak.no_alternative",
        EMA_REFERRAL,
        "EMA/838958/2022, CHMP 23 January 2023",
        False,
        ["65", "smokers", "no suitable alternative"],
    ),
    (
        "ema.jak.vte_caution",
        EMA_REFERRAL,
        "EMA/838958/2022, CHMP 23 January 2023",
        False,
        ["caution", "venous thromboembolism"],
    ),
    (
        "ema.jak.lower_dose",
        EMA_REFERRAL,
        "EMA/838958/2022, CHMP 23 January 2023",
        False,
        ["lower doses"],
    ),
    (
        "method.cockcroft_gault",
        bg.Document.PUBLISHED_METHOD,
        "Cockcroft & Gault, Nephron 1976;16:31-41",
        True,
        ["140 - age", "72 x serum creatinine", "0.85 for women", "adults only"],
    ),
]


@pytest.mark.parametrize(
    ("section", "references", "facts"), [row[1:] for row in CHAPTER], ids=CHAPTER_IDS
)
def test_chapter_statement(
    request: pytest.FixtureRequest, section: str, references: tuple[int, ...], facts: list[str]
) -> None:
    entry = bg.statement(request.node.callspec.id)
    assert entry.source.document is bg.Document.GUIDELINE
    assert entry.source.section == section
    assert entry.source.references == references
    for fact in facts:
        assert fact in entry.text, fact


@pytest.mark.parametrize(
    ("document", "section", "noted", "facts"),
    [row[1:] for row in LICENCE],
    ids=[row[0] for row in LICENCE],
)
def test_licence_statement(
    request: pytest.FixtureRequest,
    document: bg.Document,
    section: str,
    noted: bool,
    facts: list[str],
) -> None:
    entry = bg.statement(request.node.callspec.id)
    assert entry.source.document is document
    assert entry.source.section == section
    assert bool(entry.source.note) is noted
    assert entry.source.references == ()
    for fact in facts:
        assert fact in entry.text, fact


def test_knowledge_holds_exactly_these_statements() -> None:
    ids = [entry.id for entry in bg.statements()]
    assert ids == CHAPTER_IDS + [row[0] for row in LICENCE]


def test_unknown_statement_is_invalid_input() -> None:
    with pytest.raises(bg.InvalidInputError, match="statement"):
        bg.statement("dose.adult.giant")


def test_headline_recommendation() -> None:
    rec = bg.RECOMMENDATION
    assert rec.strength is bg.Strength.STRONG_FOR
    assert rec.strength.arrow == "↑↑"
    assert rec.strength.wording == "We recommend"
    assert rec.text.startswith("We recommend")
    assert rec.consensus == ">75%"
    assert "Evidence" in rec.basis
    assert "consensus" in rec.basis
    assert rec.source.statement == "rec.headline"


@pytest.mark.parametrize(
    ("strength", "arrow", "wording"),
    [
        (bg.Strength.STRONG_FOR, "↑↑", "We recommend"),
        (bg.Strength.WEAK_FOR, "↑", "We suggest"),
        (bg.Strength.OPEN, "0", "We cannot make a recommendation for or against"),
        (bg.Strength.WEAK_AGAINST, "↓", "We suggest against"),
        (bg.Strength.STRONG_AGAINST, "↓↓", "We recommend against"),
    ],
    ids=lambda value: getattr(value, "name", None),
)
def test_strength_arrows(strength: bg.Strength, arrow: str, wording: str) -> None:
    assert (strength.arrow, strength.wording) == (arrow, wording)


def test_knowledge_version_names_edition_and_revision() -> None:
    assert "EuroGuiDerm" in bg.KNOWLEDGE_VERSION
    assert "revision" in bg.KNOWLEDGE_VERSION


# The chapter's eight network meta-analysis results.
NMA = [
    (2, Outcome.EASI, -5.1, -6.9, -3.4, Certainty.MODERATE),
    (2, Outcome.POEM, -3.8, -4.9, -2.7, Certainty.MODERATE),
    (2, Outcome.PEAK_PRURITUS_NRS, -1.2, -1.6, -0.9, Certainty.MODERATE),
    (2, Outcome.DLQI, -2.3, -3.1, -1.4, Certainty.MODERATE),
    (4, Outcome.POEM, -5.4, -6.6, -4.2, Certainty.HIGH),
    (4, Outcome.PEAK_PRURITUS_NRS, -1.6, -2.0, -1.3, Certainty.HIGH),
    (4, Outcome.EASI, -7.5, -9.4, -5.6, Certainty.MODERATE),
    (4, Outcome.DLQI, -3.5, -4.4, -2.6, Certainty.MODERATE),
]


@pytest.mark.parametrize(
    ("dose", "outcome", "estimate", "lower", "upper", "certainty"),
    NMA,
    ids=[f"{row[0]}mg-{row[1].name}" for row in NMA],
)
def test_nma_result(
    dose: int, outcome: Outcome, estimate: float, lower: float, upper: float, certainty: Certainty
) -> None:
    for quantity in (Q_(dose, "mg"), Q_(dose * 1000, "microgram")):
        result = bg.nma_result(quantity, outcome)
        assert result.estimate == estimate
        assert (result.ci.lower, result.ci.upper) == (lower, upper)
        assert result.certainty is certainty
        assert result.comparator == "placebo"
        assert result.time_frame_weeks == 16
        assert result.source.references == (1, 2)
        assert result.source.statement.startswith(f"nma.{dose}mg.")
    assert bg.nma_result(Q_(dose, "mg"), outcome.name) == result


def test_nma_results_are_the_eight_of_the_chapter() -> None:
    rows = [
        (r.dose_mg, r.outcome, r.estimate, r.ci.lower, r.ci.upper, r.certainty)
        for r in bg.nma_results()
    ]
    assert rows == [(float(d), o, e, lo, up, c) for d, o, e, lo, up, c in NMA]


@pytest.mark.parametrize(
    ("dose", "outcome", "field"),
    [
        (Q_(1, "mg"), Outcome.EASI, "dose"),
        (Q_(4, "mL"), Outcome.EASI, "dose"),
        (4, Outcome.EASI, "dose"),
        (Q_(4, "mg"), "SCORAD", "outcome"),
    ],
    ids=["dose-without-result", "dose-volume", "dose-number", "unknown-outcome"],
)
def test_nma_result_rejects(dose: object, outcome: object, field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.nma_result(dose, outcome)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_certainty_symbols() -> None:
    assert Certainty.MODERATE.symbols == "⊕⊕⊕○"
    assert Certainty.HIGH.symbols == "⊕⊕⊕⊕"


# (figure ID, value, kind, statement)
SAFETY = [
    ("hsv.4mg", 6.1, FigureKind.PERCENT, "safety.hsv_by_dose"),
    ("hsv.2mg", 3.6, FigureKind.PERCENT, "safety.hsv_by_dose"),
    ("hsv.placebo", 2.7, FigureKind.PERCENT, "safety.hsv_by_dose"),
    ("pooled.patients", 2531, FigureKind.PATIENTS, "safety.pooled"),
    ("pooled.trials", 8, FigureKind.TRIALS, "safety.pooled"),
    ("pooled.exposure", 2247, FigureKind.PATIENT_YEARS, "safety.pooled"),
    ("pooled.median_duration", 310, FigureKind.DAYS, "safety.pooled"),
    ("pooled.eczema_herpeticum", 11, FigureKind.EVENTS, "safety.pooled"),
    ("pooled.cellulitis", 6, FigureKind.EVENTS, "safety.pooled"),
    ("pooled.pneumonia", 3, FigureKind.EVENTS, "safety.pooled"),
    ("pooled.opportunistic", 4, FigureKind.EVENTS, "safety.pooled"),
    ("ra.trials", 9, FigureKind.TRIALS, "safety.ra.database"),
    ("ra.extensions", 1, FigureKind.TRIALS, "safety.ra.database"),
    ("ra.patients", 3770, FigureKind.PATIENTS, "safety.ra.database"),
    ("ra.max_duration", 9.3, FigureKind.YEARS, "safety.ra.database"),
    ("ra.exposure", 14744, FigureKind.PATIENT_YEARS, "safety.ra.database"),
    ("ra.serious_infection", 2.6, FigureKind.PER_100_PATIENT_YEARS, "safety.ra.serious_infection"),
    ("ra.herpes_zoster", 3, FigureKind.PER_100_PATIENT_YEARS, "safety.ra.herpes_zoster"),
    ("ra.mace", 0.5, FigureKind.PER_100_PATIENT_YEARS, "safety.ra.mace"),
    ("ra.mace.over50_cv_risk", 0.77, FigureKind.PER_100_PATIENT_YEARS, "safety.ra.mace"),
    ("ra.dvt_pe", 0.5, FigureKind.PER_100_PATIENT_YEARS, "safety.ra.dvt_pe"),
    ("peds.patients", 483, FigureKind.PATIENTS, "eff.paediatric_trial"),
    ("peds.discontinuation.placebo", 1.6, FigureKind.PERCENT, "safety.paediatric.discontinuation"),
    (
        "peds.discontinuation.baricitinib",
        0.6,
        FigureKind.PERCENT,
        "safety.paediatric.discontinuation",
    ),
]


@pytest.mark.parametrize(
    ("figure_id", "value", "kind", "statement"), SAFETY, ids=[row[0] for row in SAFETY]
)
def test_safety_figure(figure_id: str, value: float, kind: FigureKind, statement: str) -> None:
    figure = bg.safety_figure(figure_id)
    assert (figure.value, figure.kind, figure.source.statement) == (value, kind, statement)
    assert figure.kind.unit in str(figure)


def test_safety_figures_are_exactly_these() -> None:
    assert [f.id for f in bg.safety_figures()] == [row[0] for row in SAFETY]
    with pytest.raises(bg.InvalidInputError):
        bg.safety_figure("nope")


def test_mace_subgroup_names_its_population() -> None:
    assert "over 50" in bg.safety_figure("ra.mace.over50_cv_risk").population


# (number, first author, journal, year, volume, pages)
REFERENCES = [
    (1, "Drucker AM", "JAMA Dermatol", 2024, "160(9)", "936-44"),
    (2, "Drucker AM", "", 2022, "", ""),
    (3, "Reich K", "JAMA Dermatol", 2020, "156(12)", "1333-43"),
    (4, "Torrelo A", "Br J Dermatol", 2023, "189(1)", "23-32"),
    (5, "Silverberg JI", "JAMA Dermatol", 2021, "157(6)", "691-9"),
    (6, "Silverberg JI", "J Eur Acad Dermatol Venereol", 2023, "37(5)", "1036-45"),
    (7, "Taylor PC", "Adv Ther", 2023, "40(4)", "1867-83"),
    (8, "Bieber T", "J Eur Acad Dermatol Venereol", 2021, "35(2)", "476-85"),
    (9, "Taylor PC", "Ann Rheum Dis", 2022, "81(3)", "335-43"),
    (10, "Fleischmann R", "Arthritis Rheumatol", 2017, "69(3)", "506-17"),
]


@pytest.mark.parametrize("row", REFERENCES, ids=[f"ref-{row[0]}" for row in REFERENCES])
def test_reference(row: tuple[int, str, str, int, str, str]) -> None:
    number, author, journal, year, volume, pages = row
    citation = bg.REFERENCES[number - 1]
    assert citation.number == number
    assert citation.authors.startswith(author)
    assert (citation.journal, citation.year, citation.volume, citation.pages) == (
        journal,
        year,
        volume,
        pages,
    )


def test_reference_2_is_the_living_review_website() -> None:
    assert bg.REFERENCES[1].url == "https://eczematherapies.com/research/"


def test_every_cited_reference_exists_and_resolves() -> None:
    for entry in bg.statements():
        cited = bg.citations(entry.source)
        assert [c.number for c in cited] == list(entry.source.references)


def test_citations_reject_a_missing_reference() -> None:
    source = bg.Source(document=bg.Document.GUIDELINE, section="x", references=(11,))
    with pytest.raises(bg.InvalidInputError, match="reference 11"):
        bg.citations(source)


def test_explain_lists_statements_and_citations() -> None:
    result = bg.recommend(bg.Patient(age=Q_(70, "year")))
    text = bg.explain(result)
    assert "[dose.risk.reduced]" in text
    assert bg.statement("dose.risk.reduced").text in text
    assert "7. Taylor PC" in text
    assert "[smpc.live_vaccines] SmPC 4.4" in text


def test_explain_a_figure_and_a_plan() -> None:
    assert "8. Bieber T" in bg.explain(bg.safety_figure("hsv.4mg"))
    assert "[screen.baseline]" in bg.explain(bg.screening_plan(bg.Patient(age=Q_(30, "year"))))


def test_explain_rejects_objects_without_source() -> None:
    with pytest.raises(bg.InvalidInputError):
        bg.explain(42)


COMBINATIONS = [
    ("emollients", bg.CombinationVerdict.RECOMMENDED, "combo.topicals"),
    ("topical anti-inflammatory treatment", bg.CombinationVerdict.RECOMMENDED, "combo.topicals"),
    ("other systemic treatments", bg.CombinationVerdict.NO_DATA, "combo.no_systemic_data"),
    ("methotrexate", bg.CombinationVerdict.ESTABLISHED_IN_OTHER_DISEASE, "combo.mtx_ra"),
    ("topical corticosteroids", bg.CombinationVerdict.PERMITTED, "smpc.topicals"),
    ("topical calcineurin inhibitors", bg.CombinationVerdict.PERMITTED, "smpc.topicals"),
]


def test_combinations() -> None:
    found = [(c.therapy, c.verdict, c.source.statement) for c in bg.combinations()]
    assert found == COMBINATIONS
    methotrexate = bg.combinations()[3]
    assert [c.number for c in bg.citations(methotrexate.source)] == [10]


def test_every_named_comorbidity_is_likely_to_benefit() -> None:
    assert set(bg.Comorbidity) == bg.COMORBIDITIES_WITH_BENEFIT

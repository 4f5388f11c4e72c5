"""The baricitinib chapter of the EuroGuiDerm atopic eczema guideline, as data.

Every fact is one entry: a stable ID, the chapter's sub-heading, the numbers
of the chapter's references it cites, and a paraphrase in the library's own
words. Rules and the API read these entries; they hold no figure of their own.
"""

from __future__ import annotations

from typing import Final

from ..model.core import Source
from ..model.enums import Comorbidity, Document
from ..model.evidence import (
    Certainty,
    Combination,
    CombinationVerdict,
    ConfidenceInterval,
    FigureKind,
    MeanDifference,
    Outcome,
    Recommendation,
    SafetyFigure,
    Statement,
    Strength,
)

GUIDELINE_EDITION: Final = "EuroGuiDerm guideline on atopic eczema, baricitinib chapter (2025)"

# The chapter's sub-headings.
RECOMMENDATION_BOX: Final = "Recommendation"
CERTAINTY: Final = "Certainty of evidence"
MECHANISM: Final = "Mechanisms of action and efficacy"
DOSAGE: Final = "Dosage: acute flare, short term, long term"
SAFETY: Final = "Safety"
SCREENING: Final = "Screening and monitoring"
COMBINATION: Final = "Combination with other treatments"
SPECIAL: Final = "Special considerations"

_S = tuple[str, str, tuple[int, ...], str]

# (id, section, references, paraphrase)
_STATEMENTS: Final[tuple[_S, ...]] = (
    # Recommendation box
    (
        "rec.headline",
        RECOMMENDATION_BOX,
        (),
        "Baricitinib is recommended (strong recommendation for, ↑↑) for patients with atopic "
        "eczema who are candidates for systemic treatment; agreement above 75 %; evidence- and "
        "consensus-based.",
    ),
    ("licence.min_age", RECOMMENDATION_BOX, (), "Baricitinib is licensed from 2 years of age."),
    (
        "dose.child.low",
        RECOMMENDATION_BOX,
        (),
        "From 2 to 18 years, children weighing 10 kg to under 30 kg take 2 mg daily.",
    ),
    (
        "dose.child.high",
        RECOMMENDATION_BOX,
        (),
        "From 2 to 18 years, children weighing 30 kg or more take 4 mg daily.",
    ),
    ("dose.adult.box", RECOMMENDATION_BOX, (), "Adults take 4 mg daily."),
    (
        "dose.half.box",
        RECOMMENDATION_BOX,
        (),
        "Depending on how the disease responds, the daily dose may be halved.",
    ),
    ("dose.older_adult", RECOMMENDATION_BOX, (), "Adults aged 65 years or more take 2 mg daily."),
    # Certainty of evidence
    (
        "nma.scope",
        CERTAINTY,
        (1, 2),
        "Certainty comes from a 2024 network meta-analysis of medicines used in practice, short "
        "term (up to 16 weeks), against placebo.",
    ),
    (
        "nma.2mg.easi",
        CERTAINTY,
        (1, 2),
        "2 mg: EASI mean difference -5.1 (-6.9 to -3.4), moderate certainty.",
    ),
    (
        "nma.2mg.poem",
        CERTAINTY,
        (1, 2),
        "2 mg: POEM mean difference -3.8 (-4.9 to -2.7), moderate certainty.",
    ),
    (
        "nma.2mg.pp_nrs",
        CERTAINTY,
        (1, 2),
        "2 mg: peak pruritus NRS mean difference -1.2 (-1.6 to -0.9), moderate certainty.",
    ),
    (
        "nma.2mg.dlqi",
        CERTAINTY,
        (1, 2),
        "2 mg: DLQI mean difference -2.3 (-3.1 to -1.4), moderate certainty.",
    ),
    (
        "nma.4mg.poem",
        CERTAINTY,
        (1, 2),
        "4 mg: POEM mean difference -5.4 (-6.6 to -4.2), high certainty.",
    ),
    (
        "nma.4mg.pp_nrs",
        CERTAINTY,
        (1, 2),
        "4 mg: peak pruritus NRS mean difference -1.6 (-2 to -1.3), high certainty.",
    ),
    (
        "nma.4mg.easi",
        CERTAINTY,
        (1, 2),
        "4 mg: EASI mean difference -7.5 (-9.4 to -5.6), moderate certainty.",
    ),
    (
        "nma.4mg.dlqi",
        CERTAINTY,
        (1, 2),
        "4 mg: DLQI mean difference -3.5 (-4.4 to -2.6), moderate certainty.",
    ),
    (
        "nma.other_drugs",
        CERTAINTY,
        (),
        "Comparisons with other medicines are in the guideline's Evidence Report, not the chapter.",
    ),
    # Mechanisms of action and efficacy
    (
        "moa.jak",
        MECHANISM,
        (),
        "Baricitinib is taken by mouth and selectively inhibits JAK1 and JAK2.",
    ),
    (
        "eff.adult_trials",
        MECHANISM,
        (1,),
        "One phase 2 and several phase 3 placebo-controlled trials in adults with moderate-to-severe "
        "eczema tested 1, 2 and 4 mg once daily; EASI improved significantly by week 16, above all "
        "with 2 and 4 mg.",
    ),
    (
        "eff.iga_itch",
        MECHANISM,
        (),
        "The same trials showed similar efficacy on IGA and itch scores.",
    ),
    ("eff.tcs_trial", MECHANISM, (3,), "One trial allowed topical corticosteroids alongside."),
    (
        "eff.paediatric_approval",
        MECHANISM,
        (),
        "The EMA approved baricitinib for children from 2 years and adolescents with atopic eczema "
        "in October 2023.",
    ),
    (
        "eff.paediatric_trial",
        MECHANISM,
        (4,),
        "In the phase 3 BREEZE-AD PEDS trial, 483 children and adolescents received 0.5, 1, 2 or "
        "4 mg or placebo for 16 weeks; the primary endpoint (IGA 0/1 with at least 2 points of "
        "improvement at week 16) and secondary endpoints (EASI-75, EASI-90, EASI change, SCORAD 75, "
        "4-point itch NRS improvement) were met.",
    ),
    # Dosage
    (
        "eff.long_term",
        DOSAGE,
        (5, 6),
        "Data reach 68 weeks of follow-up and show lasting efficacy.",
    ),
    ("dose.adult.standard", DOSAGE, (), "The recommended adult dose is 4 mg once daily."),
    (
        "dose.adult.taper",
        DOSAGE,
        (),
        "Adults with sustained control on 4 mg once daily who are eligible for tapering should be "
        "considered for 2 mg once daily.",
    ),
    (
        "dose.risk.reduced",
        DOSAGE,
        (7,),
        "2 mg once daily is recommended for patients at higher risk of venous thromboembolism, major "
        "adverse cardiovascular events or malignancy, for patients aged 65 or more, and for patients "
        "with a history of chronic or recurrent infections.",
    ),
    (
        "dose.risk.escalate",
        DOSAGE,
        (),
        "For these patients, 4 mg once daily may be considered when 2 mg once daily does not control "
        "the disease adequately.",
    ),
    (
        "dose.child.dosage",
        DOSAGE,
        (),
        "Children and adolescents weighing 30 kg or more: 4 mg once daily; 10 kg to under 30 kg: "
        "2 mg once daily.",
    ),
    (
        "dose.child.taper",
        DOSAGE,
        (),
        "Children and adolescents with sustained control on the standard dose who are eligible for "
        "tapering should be considered for half the dose.",
    ),
    (
        "dose.start_high",
        DOSAGE,
        (),
        "Starting on the higher dose usually brings a faster response, better drug survival and "
        "adherence, and may suit younger, otherwise healthy patients.",
    ),
    # Safety
    (
        "safety.common",
        SAFETY,
        (),
        "Most common adverse effects in trials: raised LDL cholesterol, upper respiratory tract "
        "infections and headache.",
    ),
    ("safety.acne", SAFETY, (), "Acne is less common than with other JAK inhibitors."),
    ("safety.herpes_simplex", SAFETY, (), "Herpes simplex is among the infections reported."),
    (
        "safety.pooled",
        SAFETY,
        (8,),
        "A pooled analysis of 8 randomised trials (2531 adults, 2247 patient-years, median 310 days) "
        "found few such events: eczema herpeticum 11, cellulitis 6, pneumonia 3, and 4 opportunistic "
        "infections.",
    ),
    (
        "safety.cpk",
        SAFETY,
        (),
        "Creatine phosphokinase may rise transiently, above all after heavy physical exercise.",
    ),
    (
        "safety.placebo_period",
        SAFETY,
        (),
        "In the placebo-controlled period no malignancy, gastrointestinal perforation, positively "
        "adjudicated cardiovascular event or tuberculosis occurred on baricitinib.",
    ),
    (
        "safety.hsv_by_dose",
        SAFETY,
        (8,),
        "Herpes simplex was more frequent with 4 mg (6.1 %) than with 2 mg (3.6 %) or placebo (2.7 %).",
    ),
    (
        "safety.long_term_pending",
        SAFETY,
        (),
        "Long-term safety analyses in atopic eczema are still pending.",
    ),
    (
        "safety.ra.database",
        SAFETY,
        (9,),
        "In rheumatoid arthritis, an integrated database of 9 phase III/II/Ib trials and 1 long-term "
        "extension covers 3770 patients treated for up to 9.3 years (14744 patient-years); everyone "
        "with at least one dose is in the uncontrolled analysis set.",
    ),
    (
        "safety.ra.serious_infection",
        SAFETY,
        (9,),
        "Serious infections: 2.6 per 100 patient-years (RA).",
    ),
    ("safety.ra.herpes_zoster", SAFETY, (9,), "Herpes zoster: 3 per 100 patient-years (RA)."),
    (
        "safety.ra.mace",
        SAFETY,
        (9,),
        "Major adverse cardiovascular events: 0.5 per 100 patient-years, 0.77 in patients over 50 "
        "with at least one cardiovascular risk factor (RA).",
    ),
    (
        "safety.ra.dvt_pe",
        SAFETY,
        (9,),
        "Deep vein thrombosis or pulmonary embolism: 0.5 per 100 patient-years (RA).",
    ),
    (
        "safety.paediatric.common",
        SAFETY,
        (4,),
        "In BREEZE-AD PEDS the most frequent adverse events were abdominal pain, acne and headache.",
    ),
    (
        "safety.paediatric.discontinuation",
        SAFETY,
        (4,),
        "Few stopped for adverse events: 1.6 % on placebo, 0.6 % on baricitinib.",
    ),
    # Screening and monitoring
    (
        "screen.hbv_referral",
        SCREENING,
        (),
        "The manufacturer advises that patients with suspected hepatitis B see a liver specialist "
        "before treatment starts.",
    ),
    (
        "screen.lipid_liver",
        SCREENING,
        (),
        "Lipid and liver profiles need regular checks after treatment starts.",
    ),
    (
        "screen.haematology",
        SCREENING,
        (),
        "Screening for haematological abnormalities is advised.",
    ),
    (
        "screen.jak_class",
        SCREENING,
        (),
        "The guideline group applies the same baseline screening and monitoring to all JAK inhibitors.",
    ),
    (
        "screen.baseline",
        SCREENING,
        (),
        "Baseline: full blood count, renal, liver and lipid profiles, and screening for hepatitis B "
        "and C, HIV and tuberculosis.",
    ),
    (
        "monitor.schedule",
        SCREENING,
        (),
        "Follow-up: full blood count, renal, liver and lipid profiles four weeks into treatment, then "
        "every three months while on therapy.",
    ),
    (
        "monitor.cpk",
        SCREENING,
        (),
        "Routine creatine phosphokinase checks are not required in patients without symptoms.",
    ),
    # Combination
    (
        "combo.topicals",
        COMBINATION,
        (),
        "Combine baricitinib, like any systemic treatment, with emollients and, when needed, topical "
        "anti-inflammatory treatment (recommended).",
    ),
    (
        "combo.no_systemic_data",
        COMBINATION,
        (),
        "No published study has tested baricitinib with other systemic treatments in atopic eczema.",
    ),
    (
        "combo.mtx_ra",
        COMBINATION,
        (10,),
        "In rheumatoid arthritis, baricitinib with methotrexate is an established combination.",
    ),
    # Special considerations
    (
        "special.comorbidities",
        SPECIAL,
        (),
        "Patients with concomitant inflammatory diseases (alopecia areata, rheumatoid and juvenile "
        "idiopathic arthritis, ankylosing spondylitis, psoriatic arthritis, inflammatory bowel "
        "disease) are likely to benefit for those diseases too, as JAK inhibitors work there.",
    ),
    (
        "special.licensed_other",
        SPECIAL,
        (),
        "Baricitinib is already licensed for most of these other indications.",
    ),
    (
        "special.jak_intro",
        SPECIAL,
        (),
        "See also the special considerations of the guideline's JAK-inhibitor introduction.",
    ),
)

STATEMENTS: Final[tuple[Statement, ...]] = tuple(
    Statement(
        id=sid,
        source=Source(
            document=Document.GUIDELINE, section=section, references=refs, statement=sid
        ),
        text=paraphrase,
    )
    for sid, section, refs, paraphrase in _STATEMENTS
)

RECOMMENDATION: Final = Recommendation(
    text="We recommend baricitinib in atopic eczema patients who are candidates for systemic treatment.",
    strength=Strength.STRONG_FOR,
    consensus=">75%",
    basis="Evidence- and consensus-based (see the guideline's Evidence Report)",
    source=STATEMENTS[0].source,
)

# Dose bands: the rule is a lookup over this table.
LICENCE_MIN_AGE_MONTHS: Final = 24.0
ADULT_AGE_MONTHS: Final = 18 * 12.0
OLDER_ADULT_AGE_MONTHS: Final = 65 * 12.0
CHILD_MIN_WEIGHT_KG: Final = 10.0
CHILD_HIGH_WEIGHT_KG: Final = 30.0
ADULT_STANDARD_MG: Final = 4.0
ADULT_REDUCED_MG: Final = 2.0
CHILD_LOW_MG: Final = 2.0
CHILD_HIGH_MG: Final = 4.0
TAPER_FACTOR: Final = 0.5

# (statement, dose in mg, certainty, outcome, estimate, lower, upper)
_NMA: Final = (
    ("nma.2mg.easi", 2.0, Outcome.EASI, -5.1, -6.9, -3.4, Certainty.MODERATE),
    ("nma.2mg.poem", 2.0, Outcome.POEM, -3.8, -4.9, -2.7, Certainty.MODERATE),
    ("nma.2mg.pp_nrs", 2.0, Outcome.PEAK_PRURITUS_NRS, -1.2, -1.6, -0.9, Certainty.MODERATE),
    ("nma.2mg.dlqi", 2.0, Outcome.DLQI, -2.3, -3.1, -1.4, Certainty.MODERATE),
    ("nma.4mg.poem", 4.0, Outcome.POEM, -5.4, -6.6, -4.2, Certainty.HIGH),
    ("nma.4mg.pp_nrs", 4.0, Outcome.PEAK_PRURITUS_NRS, -1.6, -2.0, -1.3, Certainty.HIGH),
    ("nma.4mg.easi", 4.0, Outcome.EASI, -7.5, -9.4, -5.6, Certainty.MODERATE),
    ("nma.4mg.dlqi", 4.0, Outcome.DLQI, -3.5, -4.4, -2.6, Certainty.MODERATE),
)

_BY_ID: Final = {statement.id: statement for statement in STATEMENTS}

NMA_RESULTS: Final[tuple[MeanDifference, ...]] = tuple(
    MeanDifference(
        dose_mg=dose,
        outcome=outcome,
        estimate=estimate,
        ci=ConfidenceInterval(lower=lower, upper=upper),
        certainty=certainty,
        source=_BY_ID[sid].source,
    )
    for sid, dose, outcome, estimate, lower, upper, certainty in _NMA
)

_AD_ADULTS_POOLED = "adults with atopic eczema, 8 pooled randomised trials"
_AD_PC = "adults with atopic eczema, placebo-controlled period"
_RA = "rheumatoid arthritis, integrated database (uncontrolled analysis set)"
_PEDS = "children and adolescents, BREEZE-AD PEDS"

# (figure id, statement, measure, value, kind, population)
_FIGURES: Final = (
    (
        "hsv.4mg",
        "safety.hsv_by_dose",
        "herpes simplex, baricitinib 4 mg",
        6.1,
        FigureKind.PERCENT,
        _AD_PC,
    ),
    (
        "hsv.2mg",
        "safety.hsv_by_dose",
        "herpes simplex, baricitinib 2 mg",
        3.6,
        FigureKind.PERCENT,
        _AD_PC,
    ),
    (
        "hsv.placebo",
        "safety.hsv_by_dose",
        "herpes simplex, placebo",
        2.7,
        FigureKind.PERCENT,
        _AD_PC,
    ),
    ("pooled.patients", "safety.pooled", "patients", 2531, FigureKind.PATIENTS, _AD_ADULTS_POOLED),
    (
        "pooled.trials",
        "safety.pooled",
        "randomised trials",
        8,
        FigureKind.TRIALS,
        _AD_ADULTS_POOLED,
    ),
    (
        "pooled.exposure",
        "safety.pooled",
        "exposure",
        2247,
        FigureKind.PATIENT_YEARS,
        _AD_ADULTS_POOLED,
    ),
    (
        "pooled.median_duration",
        "safety.pooled",
        "median duration of treatment",
        310,
        FigureKind.DAYS,
        _AD_ADULTS_POOLED,
    ),
    (
        "pooled.eczema_herpeticum",
        "safety.pooled",
        "eczema herpeticum",
        11,
        FigureKind.EVENTS,
        _AD_ADULTS_POOLED,
    ),
    ("pooled.cellulitis", "safety.pooled", "cellulitis", 6, FigureKind.EVENTS, _AD_ADULTS_POOLED),
    ("pooled.pneumonia", "safety.pooled", "pneumonia", 3, FigureKind.EVENTS, _AD_ADULTS_POOLED),
    (
        "pooled.opportunistic",
        "safety.pooled",
        "opportunistic infections",
        4,
        FigureKind.EVENTS,
        _AD_ADULTS_POOLED,
    ),
    ("ra.trials", "safety.ra.database", "phase III/II/Ib trials", 9, FigureKind.TRIALS, _RA),
    (
        "ra.extensions",
        "safety.ra.database",
        "long-term extension studies",
        1,
        FigureKind.TRIALS,
        _RA,
    ),
    ("ra.patients", "safety.ra.database", "patients", 3770, FigureKind.PATIENTS, _RA),
    ("ra.max_duration", "safety.ra.database", "longest treatment", 9.3, FigureKind.YEARS, _RA),
    ("ra.exposure", "safety.ra.database", "exposure", 14744, FigureKind.PATIENT_YEARS, _RA),
    (
        "ra.serious_infection",
        "safety.ra.serious_infection",
        "serious infections",
        2.6,
        FigureKind.PER_100_PATIENT_YEARS,
        _RA,
    ),
    (
        "ra.herpes_zoster",
        "safety.ra.herpes_zoster",
        "herpes zoster",
        3,
        FigureKind.PER_100_PATIENT_YEARS,
        _RA,
    ),
    (
        "ra.mace",
        "safety.ra.mace",
        "major adverse cardiovascular events",
        0.5,
        FigureKind.PER_100_PATIENT_YEARS,
        _RA,
    ),
    (
        "ra.mace.over50_cv_risk",
        "safety.ra.mace",
        "major adverse cardiovascular events",
        0.77,
        FigureKind.PER_100_PATIENT_YEARS,
        _RA + ", over 50 with at least one cardiovascular risk factor",
    ),
    (
        "ra.dvt_pe",
        "safety.ra.dvt_pe",
        "deep vein thrombosis or pulmonary embolism",
        0.5,
        FigureKind.PER_100_PATIENT_YEARS,
        _RA,
    ),
    (
        "peds.patients",
        "eff.paediatric_trial",
        "children and adolescents randomised",
        483,
        FigureKind.PATIENTS,
        _PEDS,
    ),
    (
        "peds.discontinuation.placebo",
        "safety.paediatric.discontinuation",
        "stopped for adverse events, placebo",
        1.6,
        FigureKind.PERCENT,
        _PEDS,
    ),
    (
        "peds.discontinuation.baricitinib",
        "safety.paediatric.discontinuation",
        "stopped for adverse events, baricitinib",
        0.6,
        FigureKind.PERCENT,
        _PEDS,
    ),
)

SAFETY_FIGURES: Final[tuple[SafetyFigure, ...]] = tuple(
    SafetyFigure(
        id=fid,
        measure=measure,
        value=float(value),
        kind=kind,
        population=population,
        source=_BY_ID[sid].source,
    )
    for fid, sid, measure, value, kind, population in _FIGURES
)

_V = CombinationVerdict

# (therapy, verdict, statement, paraphrase)
_COMBINATIONS: Final = (
    (
        "emollients",
        _V.RECOMMENDED,
        "combo.topicals",
        "Combine with emollients, as with any systemic treatment of atopic eczema.",
    ),
    (
        "topical anti-inflammatory treatment",
        _V.RECOMMENDED,
        "combo.topicals",
        "Combine with topical anti-inflammatory treatment whenever it is needed.",
    ),
    (
        "other systemic treatments",
        _V.NO_DATA,
        "combo.no_systemic_data",
        "No published study of baricitinib with another systemic treatment in atopic eczema.",
    ),
    (
        "methotrexate",
        _V.ESTABLISHED_IN_OTHER_DISEASE,
        "combo.mtx_ra",
        "Established with baricitinib in rheumatoid arthritis; not studied in atopic eczema.",
    ),
)

COMBINATIONS: Final[tuple[Combination, ...]] = tuple(
    Combination(therapy=therapy, verdict=verdict, text=text, source=_BY_ID[sid].source)
    for therapy, verdict, sid, text in _COMBINATIONS
)

COMORBIDITIES_WITH_BENEFIT: Final[frozenset[Comorbidity]] = frozenset(Comorbidity)
"""Every concomitant disease the chapter names as likely to benefit (special.comorbidities)."""

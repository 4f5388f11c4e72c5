"""Rules of the EU product licence (SmPC) of Olumiant that a prescribing system applies
on top of the chapter, with the related EMA and manufacturer's sources.

Each entry names the document it was seen in and its section: the SmPC, the
EMA's JAK-inhibitor referral, the manufacturer's medical information or the
package leaflet. Facts seen only in a secondary source say so in the note, and
their IDs start with that document's prefix (``ema.``, ``mfi.``, ``leaflet.``)."""

from __future__ import annotations

from typing import Final

from ..model.core import Source
from ..model.enums import Document
from ..model.evidence import Combination, CombinationVerdict, Statement
from ..model.patient import MIN_PREGNANCY_AGE_YEARS

_L = tuple[str, str, str, str]

LEAFLET: Final = "partial: leaflet wording, not seen in the SmPC text"
TRIAL_PRACTICE: Final = "partial: practice in the paediatric trials"
EMA_SECTION: Final = "EMA/838958/2022, CHMP 23 January 2023"
LEAFLET_DOSING: Final = "how to take it"
MFI_RENAL: Final = "renal impairment in atopic dermatitis"

# The document each ID prefix stands for.
_DOCUMENTS: Final = {
    "smpc": Document.SMPC,
    "ema": Document.EMA_REFERRAL,
    "mfi": Document.MANUFACTURER_INFORMATION,
    "leaflet": Document.PACKAGE_LEAFLET,
    "method": Document.PUBLISHED_METHOD,
}
COCKCROFT_GAULT_SECTION: Final = "Cockcroft & Gault, Nephron 1976;16:31-41"
COCKCROFT_GAULT_NOTE: Final = (
    "Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine"
)

# (id, section of its document, note, paraphrase)
_ENTRIES: Final[tuple[_L, ...]] = (
    (
        "smpc.indication",
        "4.1",
        "",
        "Moderate-to-severe atopic dermatitis in adults and children from 2 years who are candidates "
        "for systemic therapy.",
    ),
    (
        "smpc.no_benefit",
        "4.2",
        "",
        "Consider stopping treatment when there is no evidence of benefit after 8 weeks.",
    ),
    (
        "smpc.tablets",
        "4.2",
        "",
        "Tablets of 1, 2 and 4 mg exist; they may be dispersed in water for children who cannot "
        "swallow them.",
    ),
    (
        "smpc.topicals",
        "4.2",
        "",
        "May be used with or without topical corticosteroids; topical calcineurin inhibitors only on "
        "sensitive areas such as face, neck, skin folds and genital area.",
    ),
    (
        "smpc.renal.adult_moderate",
        "4.2",
        "",
        "Adults with creatinine clearance 30 to 60 mL/min take 2 mg once daily.",
    ),
    (
        "smpc.renal.adult_severe",
        "4.2",
        "",
        "Creatinine clearance below 30 mL/min: not recommended.",
    ),
    (
        "smpc.renal.measure",
        "4.2",
        "",
        "The licence doses adults by creatinine clearance; an eGFR per 1.73 m2 is a different "
        "measure and is not converted into a clearance.",
    ),
    (
        "leaflet.renal.child",
        LEAFLET_DOSING,
        LEAFLET,
        "Children with reduced kidney function take half the recommended dose.",
    ),
    (
        "mfi.renal.child_bands",
        MFI_RENAL,
        TRIAL_PRACTICE,
        "In the paediatric trials an eGFR of 40 to under 60 mL/min/1.73 m2 received the reduced dose "
        "and below 40 was excluded, so there are no data below 40.",
    ),
    (
        "smpc.hepatic",
        "4.2",
        "",
        "No adjustment for mild or moderate hepatic impairment; severe hepatic impairment: not "
        "recommended.",
    ),
    (
        "smpc.oat3.adult",
        "4.5",
        "",
        "With strong OAT3 inhibitors such as probenecid, adults take 2 mg once daily.",
    ),
    (
        "leaflet.oat3.child",
        LEAFLET_DOSING,
        LEAFLET,
        "With strong OAT3 inhibitors, children take half the dose.",
    ),
    (
        "smpc.live_vaccines",
        "4.4",
        "",
        "No live attenuated vaccines during or immediately before treatment; bring vaccinations up "
        "to date before starting.",
    ),
    (
        "smpc.labs.start",
        "4.2",
        "",
        "Do not start with lymphocytes below 0.5 x 10^9/L, neutrophils below 1 x 10^9/L or "
        "haemoglobin below 8 g/dL.",
    ),
    (
        "smpc.labs.interrupt",
        "4.4",
        "",
        "On treatment, interrupt below the same thresholds and restart once values are above them "
        "again.",
    ),
    (
        "smpc.lipids",
        "4.4",
        "",
        "Check lipids 12 weeks after starting, then follow hyperlipidaemia guidelines.",
    ),
    ("smpc.liver_injury", "4.4", "", "Interrupt when drug-induced liver injury is suspected."),
    (
        "smpc.contraindications",
        "4.3",
        "",
        "Contraindicated in hypersensitivity to the substance or excipients, and in pregnancy.",
    ),
    (
        "smpc.contraception",
        "4.6",
        "",
        "Women who can become pregnant use effective contraception during treatment and for at least "
        "1 week after.",
    ),
    ("smpc.breastfeeding", "4.6", "", "Not to be used while breastfeeding."),
    (
        "ema.jak.no_alternative",
        EMA_SECTION,
        "",
        "Aged 65 or more, current or long-time past smokers, or at increased risk of major "
        "cardiovascular problems or cancer: use only when no suitable alternative exists.",
    ),
    (
        "ema.jak.vte_caution",
        EMA_SECTION,
        "",
        "Use with caution when other risk factors for venous thromboembolism are present.",
    ),
    (
        "ema.jak.lower_dose",
        EMA_SECTION,
        "",
        "Use lower doses where possible in people at risk of VTE, cancer or major cardiovascular "
        "problems.",
    ),
)

# Published methods the library applies to reach the licence's measures.
_METHODS: Final[tuple[_L, ...]] = (
    (
        "method.cockcroft_gault",
        COCKCROFT_GAULT_SECTION,
        COCKCROFT_GAULT_NOTE,
        "Creatinine clearance in mL/min is estimated as (140 - age in years) x actual body weight "
        "in kg / (72 x serum creatinine in mg/dL), x 0.85 for women; adults only.",
    ),
)

LICENCE_STATEMENTS: Final[tuple[Statement, ...]] = tuple(
    Statement(
        id=sid,
        source=Source(
            document=_DOCUMENTS[sid.split(".", 1)[0]], section=section, statement=sid, note=note
        ),
        text=paraphrase,
    )
    for sid, section, note, paraphrase in _ENTRIES + _METHODS
)

ADULT_RENAL_REDUCED_UP_TO_ML_MIN: Final = 60.0
ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN: Final = 30.0
CHILD_EGFR_REDUCED_BELOW: Final = 60.0
CHILD_EGFR_NO_DATA_BELOW: Final = 40.0
RESTRICTED_ADULT_MG: Final = 2.0
CHILD_RESTRICTION_FACTOR: Final = 0.5
# Cockcroft-Gault (clinical facts): (140 - age) x weight / (72 x creatinine), x 0.85 for women.
COCKCROFT_GAULT_AGE_FROM: Final = 140.0
COCKCROFT_GAULT_DIVISOR: Final = 72.0
COCKCROFT_GAULT_FEMALE_FACTOR: Final = 0.85
ESTIMATE_DECIMALS: Final = 1
"""An estimated clearance is rounded to one decimal, and placed in the bands as rounded."""
# Without the licence's measure, a result of the other measure at or above this is
# read like no renal result (api-contract v1.4); below it, the licence's measure is asked for.
OTHER_MEASURE_NORMAL_FROM: Final = 60.0
# The library's choice (docs/silent.rst): pregnancy questions from 10 years of age, and a
# pregnancy under 10 years is refused as a contradiction (api-contract v1.4).
PREGNANCY_QUESTIONS_FROM_MONTHS: Final = MIN_PREGNANCY_AGE_YEARS * 12.0
LYMPHOCYTES_MIN_PER_L: Final = 0.5e9
NEUTROPHILS_MIN_PER_L: Final = 1.0e9
HAEMOGLOBIN_MIN_G_DL: Final = 8.0
NO_BENEFIT_WEEKS: Final = 8
LIPID_CHECK_WEEKS: Final = 12


_BY_ID: Final = {entry.id: entry for entry in LICENCE_STATEMENTS}

LICENCE_COMBINATIONS: Final[tuple[Combination, ...]] = (
    Combination(
        therapy="topical corticosteroids",
        verdict=CombinationVerdict.PERMITTED,
        text="Baricitinib may be used with or without topical corticosteroids.",
        source=_BY_ID["smpc.topicals"].source,
    ),
    Combination(
        therapy="topical calcineurin inhibitors",
        verdict=CombinationVerdict.PERMITTED,
        text="Only on sensitive areas such as face, neck, skin folds and genital area.",
        source=_BY_ID["smpc.topicals"].source,
    ),
)

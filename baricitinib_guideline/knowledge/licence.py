"""Rules of the EU product licence (SmPC) of Olumiant that a prescribing system applies
on top of the chapter. Each entry names its SmPC section; facts seen only in a
secondary source say so in the source's note."""

from __future__ import annotations

from typing import Final

from ..model.core import Source
from ..model.enums import Document
from ..model.evidence import Combination, CombinationVerdict, Statement

_L = tuple[str, str, str, str]

LEAFLET: Final = "leaflet wording"
TRIAL_PRACTICE: Final = "trial practice, manufacturer's medical information"
EMA_REFERRAL: Final = "EMA JAK-inhibitor referral, CHMP 23 January 2023"

# (id, SmPC section, note, paraphrase)
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
        "smpc.renal.child",
        "4.2",
        LEAFLET,
        "Children with reduced kidney function take half the recommended dose.",
    ),
    (
        "smpc.renal.child_bands",
        "4.2",
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
        "smpc.oat3.child",
        "4.5",
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
        "smpc.jak.no_alternative",
        "4.4",
        EMA_REFERRAL,
        "Aged 65 or more, current or long-time past smokers, or at increased risk of major "
        "cardiovascular problems or cancer: use only when no suitable alternative exists.",
    ),
    (
        "smpc.jak.vte_caution",
        "4.4",
        EMA_REFERRAL,
        "Use with caution when other risk factors for venous thromboembolism are present.",
    ),
    (
        "smpc.jak.lower_dose",
        "4.4",
        EMA_REFERRAL,
        "Use lower doses where possible in people at risk of VTE, cancer or major cardiovascular "
        "problems.",
    ),
)

LICENCE_STATEMENTS: Final[tuple[Statement, ...]] = tuple(
    Statement(
        id=sid,
        source=Source(document=Document.SMPC, section=section, statement=sid, note=note),
        text=paraphrase,
    )
    for sid, section, note, paraphrase in _ENTRIES
)

ADULT_RENAL_REDUCED_UP_TO_ML_MIN: Final = 60.0
ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN: Final = 30.0
CHILD_EGFR_REDUCED_BELOW: Final = 60.0
CHILD_EGFR_NO_DATA_BELOW: Final = 40.0
RESTRICTED_ADULT_MG: Final = 2.0
CHILD_RESTRICTION_FACTOR: Final = 0.5
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

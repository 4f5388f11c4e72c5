"""The texts of the screening plan and the monitoring visits, each with its statements."""

from __future__ import annotations

from typing import Final

from ..model.plans import LabTest

T = LabTest

# (code, test, text, statement IDs): the chapter's baseline first, then the licence's.
SCREENING_ITEMS: tuple[tuple[str, LabTest | None, str, tuple[str, ...]], ...] = (
    (
        "full-blood-count",
        T.FULL_BLOOD_COUNT,
        "Full blood count (licence: do not start with lymphocytes below 0.5 x 10^9/L, neutrophils "
        "below 1 x 10^9/L or haemoglobin below 8 g/dL).",
        ("screen.baseline", "screen.haematology", "smpc.labs.start"),
    ),
    (
        "renal-profile",
        T.RENAL_PROFILE,
        "Renal profile (licence: the dose depends on renal function).",
        ("screen.baseline", "smpc.renal.adult_moderate"),
    ),
    ("liver-profile", T.LIVER_PROFILE, "Liver profile.", ("screen.baseline", "smpc.hepatic")),
    (
        "lipid-profile",
        T.LIPID_PROFILE,
        "Lipid profile (checked again at 4 weeks and three-monthly by the chapter, and at 12 "
        "weeks by the licence; the monitoring schedule keeps both).",
        ("screen.baseline", "screen.lipid_liver", "smpc.lipids"),
    ),
    ("hepatitis-b", T.HEPATITIS_B, "Hepatitis B screen.", ("screen.baseline",)),
    ("hepatitis-c", T.HEPATITIS_C, "Hepatitis C screen.", ("screen.baseline",)),
    ("hiv", T.HIV, "HIV screen.", ("screen.baseline",)),
    ("tuberculosis", T.TUBERCULOSIS, "Tuberculosis screen.", ("screen.baseline",)),
    (
        "vaccinations",
        None,
        "Vaccination status: bring vaccinations up to date; no live attenuated vaccines during or "
        "immediately before treatment.",
        ("smpc.live_vaccines",),
    ),
)


PREGNANCY_ITEMS: Final[tuple[tuple[str, LabTest | None, str, tuple[str, ...]], ...]] = (
    (
        "pregnancy",
        None,
        "Exclude pregnancy before starting (contraindicated) and agree effective contraception "
        "during treatment and for at least 1 week after.",
        ("smpc.contraindications", "smpc.contraception"),
    ),
    (
        "pregnancy-potential",
        None,
        "Ask whether the patient can become pregnant: pregnancy contraindicates baricitinib and "
        "needs effective contraception.",
        ("smpc.contraindications", "smpc.contraception"),
    ),
)

HBV_REFERRAL: Final = (
    "hepatology (liver specialist)",
    "before starting, because hepatitis B is suspected",
)

# The chapter's follow-up (monitor.schedule): these tests at four weeks, then three-monthly.
MONITORING_TESTS: Final = frozenset(
    {LabTest.FULL_BLOOD_COUNT, LabTest.RENAL_PROFILE, LabTest.LIVER_PROFILE, LabTest.LIPID_PROFILE}
)
FIRST_VISIT_WEEKS: Final = 4
INTERVAL_MONTHS: Final = 3

# The library's choice where the sources meet: visits closer than this are held as one,
# on the earlier date, so no patient gives blood twice in a fortnight (the licence's
# 12-week lipid check falls 5 to 8 days before the chapter's first three-monthly panel).
MERGE_WITHIN_DAYS: Final = 14

VISIT_PURPOSES: Final[dict[str, str]] = {
    "four-weeks": "Four weeks into treatment (chapter).",
    "licence-lipids": "Lipids 12 weeks after starting (licence).",
    "three-monthly": "Three-monthly while on therapy (chapter).",
}

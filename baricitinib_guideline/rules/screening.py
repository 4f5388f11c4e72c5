"""Baseline screening: the chapter's plan merged with the licence's, each item sourced."""

from __future__ import annotations

from ..model.core import Source
from ..model.patient import Patient
from ..model.plans import LabTest, Referral, ScreeningItem, ScreeningPlan
from ._base import reason, source

T = LabTest

# (code, test, text, statement IDs): the chapter's baseline first, then the licence's.
_ITEMS: tuple[tuple[str, LabTest | None, str, tuple[str, ...]], ...] = (
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
    ("lipid-profile", T.LIPID_PROFILE, "Lipid profile.", ("screen.baseline",)),
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


def _sources(ids: tuple[str, ...]) -> tuple[Source, ...]:
    return tuple(source(statement_id) for statement_id in ids)


_BASE_ITEMS = tuple(
    ScreeningItem(code=code, test=test, text=text, sources=_sources(ids))
    for code, test, text, ids in _ITEMS
)

_PREGNANCY_ITEM = ScreeningItem(
    code="pregnancy",
    text="Exclude pregnancy before starting (contraindicated) and agree effective contraception "
    "during treatment and for at least 1 week after.",
    sources=_sources(("smpc.contraindications", "smpc.contraception")),
)
_ASK_PREGNANCY_ITEM = ScreeningItem(
    code="pregnancy-potential",
    text="Ask whether the patient can become pregnant: pregnancy contraindicates baricitinib and "
    "needs effective contraception.",
    sources=_sources(("smpc.contraindications", "smpc.contraception")),
)

_HBV_REFERRAL = Referral(
    specialty="hepatology (liver specialist)",
    when="before starting, because hepatitis B is suspected",
    source=source("screen.hbv_referral"),
)

_NOTES = (
    reason(
        "no-routine-cpk",
        "Creatine phosphokinase need not be measured in patients without symptoms; a transient "
        "rise may follow heavy exercise.",
        "monitor.cpk",
    ),
    reason(
        "same-as-other-jak-inhibitors",
        "The guideline group uses the same baseline screening for all JAK inhibitors.",
        "screen.jak_class",
    ),
)


def screening_plan(patient: Patient) -> ScreeningPlan:
    """What to check before the first tablet for this patient."""
    items = list(_BASE_ITEMS)
    if patient.can_become_pregnant is None:
        items.append(_ASK_PREGNANCY_ITEM)
    elif patient.can_become_pregnant:
        items.append(_PREGNANCY_ITEM)
    referrals = (_HBV_REFERRAL,) if patient.suspected_hepatitis_b else ()
    return ScreeningPlan(
        baseline=frozenset(item.test for item in items if item.test is not None),
        items=tuple(items),
        referrals=referrals,
        notes=_NOTES,
    )

"""Baseline screening: the chapter's plan merged with the licence's, each item sourced."""

from __future__ import annotations

from ..knowledge.plans import HBV_REFERRAL, PREGNANCY_ITEMS, SCREENING_ITEMS
from ..model.core import Reason, Source
from ..model.patient import Patient
from ..model.plans import Referral, ScreeningItem, ScreeningPlan
from ._base import because, source
from .licence import pregnancy_questions_apply


def _sources(ids: tuple[str, ...]) -> tuple[Source, ...]:
    return tuple(source(statement_id) for statement_id in ids)


_BASE_ITEMS = tuple(
    ScreeningItem(code=code, test=test, text=text, sources=_sources(ids))
    for code, test, text, ids in SCREENING_ITEMS
)

_PREGNANCY_ITEM, _ASK_PREGNANCY_ITEM = (
    ScreeningItem(code=code, test=test, text=text, sources=_sources(ids))
    for code, test, text, ids in PREGNANCY_ITEMS
)

_HBV_REFERRAL = Referral(
    specialty=HBV_REFERRAL[0], when=HBV_REFERRAL[1], source=source("screen.hbv_referral")
)

_NOTES = (because("no-routine-cpk"), because("same-as-other-jak-inhibitors"))


def screening_plan(patient: Patient, alerts: tuple[Reason, ...] = ()) -> ScreeningPlan:
    """What to check before the first tablet for this patient.

    ``alerts`` are the reasons that already stop treatment; they lead the plan.
    A known pregnancy is not asked about again: it is among the alerts. No
    pregnancy question is asked of a male patient or a child under 10 years
    (unless the patient is known to be able to become pregnant).
    """
    items = list(_BASE_ITEMS)
    if pregnancy_questions_apply(patient):
        asked = patient.can_become_pregnant is None
        items.append(_ASK_PREGNANCY_ITEM if asked else _PREGNANCY_ITEM)
    referrals = (_HBV_REFERRAL,) if patient.suspected_hepatitis_b else ()
    return ScreeningPlan(
        baseline=frozenset(item.test for item in items if item.test is not None),
        items=tuple(items),
        referrals=referrals,
        notes=_NOTES,
        alerts=alerts,
    )

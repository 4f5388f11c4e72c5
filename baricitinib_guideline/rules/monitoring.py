"""Monitoring visits after the first tablet, by calendar dates."""

from __future__ import annotations

import datetime as dt
from typing import Final

from ..errors import InvalidInputError
from ..knowledge import licence as lic
from ..knowledge.plans import (
    FIRST_VISIT_WEEKS,
    INTERVAL_MONTHS,
    MERGE_WITHIN_DAYS,
    MONITORING_TESTS,
    VISIT_PURPOSES,
)
from ..model._checks import as_date
from ..model._dates import add_months
from ..model.plans import LabTest, Visit
from ._base import source

FIRST_VISIT: Final = dt.timedelta(weeks=FIRST_VISIT_WEEKS)
MAX_SPAN_YEARS: Final = 130


def _candidates(first: dt.date, horizon: dt.date) -> list[Visit]:
    """Every visit the chapter and the licence set from ``first`` up to ``horizon``."""
    chapter = (source("monitor.schedule"),)
    due = [
        (FIRST_VISIT, MONITORING_TESTS, "four-weeks", chapter),
        (
            dt.timedelta(weeks=lic.LIPID_CHECK_WEEKS),
            frozenset({LabTest.LIPID_PROFILE}),
            "licence-lipids",
            (source("smpc.lipids"),),
        ),
    ]
    visits = [
        Visit(date=first + delay, tests=tests, purpose=VISIT_PURPOSES[why], sources=sources)
        for delay, tests, why, sources in due
        if horizon - first >= delay
    ]
    months = (horizon.year - first.year) * 12 + horizon.month - first.month
    for step in range(1, months // INTERVAL_MONTHS + 1):
        day = add_months(first, INTERVAL_MONTHS * step)
        if day <= horizon:
            purpose = VISIT_PURPOSES["three-monthly"]
            visits.append(
                Visit(date=day, tests=MONITORING_TESTS, purpose=purpose, sources=chapter)
            )
    return sorted(visits, key=lambda visit: visit.date)


def _merge(visits: list[Visit]) -> list[Visit]:
    """Visits closer than the merge window held as one, on the earlier date, with both sources."""
    merged: list[Visit] = []
    for visit in visits:
        if merged and (visit.date - merged[-1].date).days < MERGE_WITHIN_DAYS:
            held = merged[-1]
            merged[-1] = Visit(
                date=held.date,
                tests=held.tests | visit.tests,
                purpose=f"{held.purpose} {visit.purpose}",
                sources=held.sources + tuple(s for s in visit.sources if s not in held.sources),
            )
        else:
            merged.append(visit)
    return merged


def monitoring_schedule(start: dt.date, *, until: dt.date) -> tuple[Visit, ...]:
    """Visits from the first tablet on ``start`` up to and including ``until``.

    The chapter's tests at four weeks, then every three calendar months from
    ``start``; and the licence's lipid check at 12 weeks. Visits closer than
    two weeks are held as one visit on the earlier date, carrying every test
    and both sources. ``start`` and ``until`` may be dates or date-times
    (pandas ``Timestamp`` included); a date-time counts by its calendar date.
    """
    first = as_date(start, "start", from_datetime=True)
    last = as_date(until, "until", from_datetime=True)
    if last < first:
        raise InvalidInputError("until", "must not be before start")
    if last.year - first.year > MAX_SPAN_YEARS:
        raise InvalidInputError("until", f"must lie within {MAX_SPAN_YEARS} years of start")
    # Look past ``until`` by the merge window, so a visit on the last day is complete.
    window = dt.timedelta(days=MERGE_WITHIN_DAYS)
    horizon = last + window if dt.date.max - last >= window else dt.date.max
    visits = _merge(_candidates(first, horizon))
    return tuple(visit for visit in visits if visit.date <= last)

"""Monitoring visits after the first tablet, by calendar dates."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Final

from ..errors import InvalidInputError
from ..knowledge import licence as lic
from ..knowledge.plans import (
    FIRST_VISIT_WEEKS,
    INTERVAL_MONTHS,
    MONITORING_TESTS,
    VISIT_PURPOSES,
)
from ..model._checks import as_date
from ..model.plans import LabTest, Visit
from ._base import source

FIRST_VISIT: Final = dt.timedelta(weeks=FIRST_VISIT_WEEKS)
MAX_SPAN_YEARS: Final = 130


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, or the month's last day if it is shorter."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def monitoring_schedule(start: dt.date, *, until: dt.date) -> tuple[Visit, ...]:
    """Visits from the first tablet on ``start`` up to and including ``until``.

    The chapter's tests at four weeks, then every three calendar months from
    ``start``; and the licence's lipid check at 12 weeks, kept beside the
    chapter's stricter plan.
    """
    first = as_date(start, "start")
    last = as_date(until, "until")
    if last < first:
        raise InvalidInputError("until", "must not be before start")
    if last.year - first.year > MAX_SPAN_YEARS:
        raise InvalidInputError("until", f"must lie within {MAX_SPAN_YEARS} years of start")
    chapter = (source("monitor.schedule"),)
    visits = []
    if first + FIRST_VISIT <= last:
        visits.append(
            Visit(
                date=first + FIRST_VISIT,
                tests=MONITORING_TESTS,
                purpose=VISIT_PURPOSES["four-weeks"],
                sources=chapter,
            )
        )
    lipid_day = first + dt.timedelta(weeks=lic.LIPID_CHECK_WEEKS)
    if lipid_day <= last:
        visits.append(
            Visit(
                date=lipid_day,
                tests=frozenset({LabTest.LIPID_PROFILE}),
                purpose=VISIT_PURPOSES["licence-lipids"],
                sources=(source("smpc.lipids"),),
            )
        )
    months = (last.year - first.year) * 12 + last.month - first.month
    for step in range(1, months // INTERVAL_MONTHS + 1):
        day = add_months(first, INTERVAL_MONTHS * step)
        if day <= last:
            visits.append(
                Visit(
                    date=day,
                    tests=MONITORING_TESTS,
                    purpose=VISIT_PURPOSES["three-monthly"],
                    sources=chapter,
                )
            )
    return tuple(sorted(visits, key=lambda visit: visit.date))

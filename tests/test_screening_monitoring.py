"""Screening before the first tablet and the monitoring calendar."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, LabTest

CHAPTER_BASELINE = {
    LabTest.FULL_BLOOD_COUNT,
    LabTest.RENAL_PROFILE,
    LabTest.LIVER_PROFILE,
    LabTest.LIPID_PROFILE,
    LabTest.HEPATITIS_B,
    LabTest.HEPATITIS_C,
    LabTest.HIV,
    LabTest.TUBERCULOSIS,
}
ADULT = bg.Patient(age=Q_(30, "year"))


def statements_of(item: bg.ScreeningItem) -> set[str]:
    return {source.statement for source in item.sources}


def test_baseline_is_the_chapters_list_without_cpk() -> None:
    plan = bg.screening_plan(ADULT)
    assert plan.baseline == CHAPTER_BASELINE
    assert LabTest.CREATINE_PHOSPHOKINASE not in plan.baseline
    cpk = [note for note in plan.notes if note.source.statement == "monitor.cpk"]
    assert len(cpk) == 1
    for item in plan.items:
        if item.test is not None:
            assert "screen.baseline" in statements_of(item)


def test_blood_count_item_merges_chapter_and_licence_without_duplicates() -> None:
    plan = bg.screening_plan(ADULT)
    tests = [item.test for item in plan.items if item.test is not None]
    assert len(tests) == len(set(tests))
    blood = next(item for item in plan.items if item.test is LabTest.FULL_BLOOD_COUNT)
    assert statements_of(blood) == {"screen.baseline", "screen.haematology", "smpc.labs.start"}
    documents = {source.document for source in blood.sources}
    assert documents == {bg.Document.GUIDELINE, bg.Document.SMPC}


def test_vaccination_status_is_checked_before_starting() -> None:
    plan = bg.screening_plan(ADULT)
    vaccination = [item for item in plan.items if "smpc.live_vaccines" in statements_of(item)]
    assert len(vaccination) == 1
    assert vaccination[0].test is None


@pytest.mark.parametrize(
    ("can_become_pregnant", "code"),
    [(True, "pregnancy"), (None, "pregnancy-potential"), (False, None)],
    ids=["can-become-pregnant", "unknown", "cannot"],
)
def test_pregnancy_items(can_become_pregnant: bool | None, code: str | None) -> None:
    patient = bg.Patient(age=Q_(30, "year"), can_become_pregnant=can_become_pregnant)
    codes = {item.code for item in bg.screening_plan(patient).items}
    pregnancy_codes = codes & {"pregnancy", "pregnancy-potential"}
    assert pregnancy_codes == ({code} if code else set())
    if code == "pregnancy":
        item = next(i for i in bg.screening_plan(patient).items if i.code == code)
        assert statements_of(item) == {"smpc.contraindications", "smpc.contraception"}


@pytest.mark.parametrize("suspected", [True, False], ids=["suspected-hbv", "no-hbv"])
def test_hepatitis_b_referral_before_starting(suspected: bool) -> None:
    plan = bg.screening_plan(bg.Patient(age=Q_(30, "year"), suspected_hepatitis_b=suspected))
    if suspected:
        assert len(plan.referrals) == 1
        assert plan.referrals[0].source.statement == "screen.hbv_referral"
        assert "before" in plan.referrals[0].when
    else:
        assert plan.referrals == ()


CHAPTER_TESTS = {
    LabTest.FULL_BLOOD_COUNT,
    LabTest.RENAL_PROFILE,
    LabTest.LIVER_PROFILE,
    LabTest.LIPID_PROFILE,
}

# (id, start, until, expected chapter visit dates after the 4-week visit)
CALENDAR = [
    (
        "start-on-31-january-common-year",
        dt.date(2026, 1, 31),
        dt.date(2027, 2, 1),
        ["2026-04-30", "2026-07-31", "2026-10-31", "2027-01-31"],
    ),
    (
        "start-on-30-november-into-leap-february",
        dt.date(2023, 11, 30),
        dt.date(2024, 9, 1),
        ["2024-02-29", "2024-05-30", "2024-08-30"],
    ),
    (
        "start-on-29-february",
        dt.date(2024, 2, 29),
        dt.date(2025, 3, 1),
        ["2024-05-29", "2024-08-29", "2024-11-29", "2025-02-28"],
    ),
    (
        "start-on-31-august",
        dt.date(2025, 8, 31),
        dt.date(2026, 6, 1),
        ["2025-11-30", "2026-02-28", "2026-05-31"],
    ),
]


@pytest.mark.parametrize(
    ("start", "until", "quarterly"),
    [row[1:] for row in CALENDAR],
    ids=[row[0] for row in CALENDAR],
)
def test_monitoring_calendar(start: dt.date, until: dt.date, quarterly: list[str]) -> None:
    """Chapter: four weeks, then three-monthly; licence: lipids at 12 weeks, held with the
    first three-monthly panel (5 to 8 days later) as one visit on the earlier date."""
    visits = bg.monitoring_schedule(start, until=until)
    twelve_weeks = start + dt.timedelta(weeks=12)
    assert visits[0].date == start + dt.timedelta(days=28)
    assert [v.date for v in visits[1:]] == [
        twelve_weeks,
        *(dt.date.fromisoformat(day) for day in quarterly[1:]),
    ]
    assert 5 <= (dt.date.fromisoformat(quarterly[0]) - twelve_weeks).days <= 8
    assert all(v.tests == CHAPTER_TESTS for v in visits)
    assert all(v.sources[-1].statement == "monitor.schedule" for v in visits)
    assert [s.statement for s in visits[1].sources] == ["smpc.lipids", "monitor.schedule"]
    assert "12 weeks" in visits[1].purpose
    assert "Three-monthly" in visits[1].purpose


def test_no_two_blood_draws_within_a_fortnight() -> None:
    for offset in range(0, 400, 7):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        days = [
            v.date for v in bg.monitoring_schedule(start, until=start + dt.timedelta(days=800))
        ]
        gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
        assert min(gaps) >= 14, (start, gaps)


class _Timestamp(dt.datetime):
    """Stands in for pandas.Timestamp, a datetime subclass."""


@pytest.mark.parametrize(
    "start",
    [dt.datetime(2026, 1, 1, 8), _Timestamp(2026, 1, 1, 23, 59)],
    ids=["datetime", "timestamp-like"],
)
def test_monitoring_accepts_date_times_by_their_calendar_date(start: dt.datetime) -> None:
    expected = bg.monitoring_schedule(dt.date(2026, 1, 1), until=dt.date(2026, 12, 31))
    assert bg.monitoring_schedule(start, until=dt.datetime(2026, 12, 31, 23, 0)) == expected


def test_four_week_visit_across_leap_day() -> None:
    visits = bg.monitoring_schedule(dt.date(2024, 2, 10), until=dt.date(2024, 3, 9))
    assert [v.date for v in visits] == [dt.date(2024, 3, 9)]
    common = bg.monitoring_schedule(dt.date(2023, 2, 10), until=dt.date(2023, 3, 10))
    assert [v.date for v in common] == [dt.date(2023, 3, 10)]


def test_until_is_inclusive_and_short_spans_are_empty() -> None:
    start = dt.date(2026, 3, 1)
    assert bg.monitoring_schedule(start, until=start) == ()
    assert len(bg.monitoring_schedule(start, until=start + dt.timedelta(days=27))) == 0
    assert len(bg.monitoring_schedule(start, until=start + dt.timedelta(days=28))) == 1


def test_long_schedule_is_three_monthly() -> None:
    visits = bg.monitoring_schedule(dt.date(2026, 1, 15), until=dt.date(2036, 1, 15))
    # Four weeks, then 40 quarters; the first quarter's panel holds the 12-week lipids.
    assert len(visits) == 1 + 40


@pytest.mark.parametrize(
    ("start", "until", "field", "words"),
    [
        (dt.date(2026, 2, 1), dt.date(2026, 1, 1), "until", "must not be before start"),
        ("2026-01-01", dt.date(2026, 2, 1), "start", "must be a date, got str"),
        (dt.date(2026, 1, 1), None, "until", "must be a date, got NoneType"),
        (dt.date(1895, 1, 1), dt.date(2026, 1, 1), "until", "must lie within 130 years"),
    ],
    ids=["until-before-start", "start-string", "until-none", "too-long"],
)
def test_monitoring_rejects(start: object, until: object, field: str, words: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.monitoring_schedule(start, until=until)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.rule.startswith(words)


def test_a_span_of_130_calendar_years_is_accepted() -> None:
    visits = bg.monitoring_schedule(dt.date(1896, 1, 1), until=dt.date(2026, 1, 1))
    assert visits[-1].date == dt.date(2026, 1, 1)


def test_lipid_visit_on_the_last_day_is_included_with_the_panel_it_holds() -> None:
    start = dt.date(2026, 3, 1)
    last = start + dt.timedelta(weeks=12)
    visits = bg.monitoring_schedule(start, until=last)
    assert visits[-1].date == last
    assert visits[-1].sources[0].statement == "smpc.lipids"
    assert visits[-1].tests == CHAPTER_TESTS
    before = bg.monitoring_schedule(start, until=last - dt.timedelta(days=1))
    assert all(v.sources[0].statement != "smpc.lipids" for v in before)


def test_schedule_near_the_last_calendar_date_is_not_an_error() -> None:
    assert bg.monitoring_schedule(dt.date(9999, 12, 20), until=dt.date(9999, 12, 31)) == ()
    visits = bg.monitoring_schedule(dt.date(9999, 1, 1), until=dt.date(9999, 12, 31))
    assert [v.date for v in visits][:2] == [dt.date(9999, 1, 29), dt.date(9999, 3, 26)]


def test_monitoring_accepts_a_real_pandas_timestamp() -> None:
    import pandas as pd

    expected = bg.monitoring_schedule(dt.date(2026, 1, 1), until=dt.date(2026, 12, 31))
    start = pd.Timestamp("2026-01-01 08:30", tz="Europe/Berlin")
    assert bg.monitoring_schedule(start, until=pd.Timestamp("2026-12-31")) == expected

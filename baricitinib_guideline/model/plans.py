"""Screening before the first tablet and monitoring visits after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum

from attrs import field, frozen

from ..errors import InvalidInputError
from ._checks import Readable, as_enum_set, as_tuple, instance_of, is_date, is_text
from .core import Reason, Source

__all__ = ["LabTest", "Referral", "ScreeningItem", "ScreeningPlan", "Visit"]


class LabTest(Enum):
    """Investigations named by the chapter or the licence."""

    FULL_BLOOD_COUNT = "FULL_BLOOD_COUNT"
    RENAL_PROFILE = "RENAL_PROFILE"
    LIVER_PROFILE = "LIVER_PROFILE"
    LIPID_PROFILE = "LIPID_PROFILE"
    HEPATITIS_B = "HEPATITIS_B"
    HEPATITIS_C = "HEPATITIS_C"
    HIV = "HIV"
    TUBERCULOSIS = "TUBERCULOSIS"
    CREATINE_PHOSPHOKINASE = "CREATINE_PHOSPHOKINASE"

    @property
    def label(self) -> str:
        """The test in words, e.g. ``full blood count``."""
        return _LAB_LABELS.get(self.name, self.name.lower().replace("_", " "))


_LAB_LABELS = {"HEPATITIS_B": "hepatitis B", "HEPATITIS_C": "hepatitis C", "HIV": "HIV"}


def _sources(value: Iterable[Source]) -> tuple[Source, ...]:
    return as_tuple(value, "sources", Source)


def _baseline(value: Iterable[LabTest | str]) -> frozenset[LabTest]:
    return as_enum_set(value, "baseline", LabTest)


def _items(value: Iterable[ScreeningItem]) -> tuple[ScreeningItem, ...]:
    return as_tuple(value, "items", ScreeningItem)


def _referrals(value: Iterable[Referral]) -> tuple[Referral, ...]:
    return as_tuple(value, "referrals", Referral)


def _notes(value: Iterable[Reason]) -> tuple[Reason, ...]:
    return as_tuple(value, "notes", Reason)


def _alerts(value: Iterable[Reason]) -> tuple[Reason, ...]:
    return as_tuple(value, "alerts", Reason)


def _tests(value: Iterable[LabTest | str]) -> frozenset[LabTest]:
    return as_enum_set(value, "tests", LabTest)


@frozen
class Referral:
    """A specialist to consult, why, and on whose word."""

    specialty: str = field(validator=is_text("specialty", empty=False))
    when: str = field(validator=is_text("when", empty=False))
    source: Source = field(validator=instance_of("source", Source))


@frozen
class ScreeningItem:
    """One thing to do before the first tablet: a test (``test``) or another check."""

    code: str = field(validator=is_text("code", empty=False))
    text: str = field(validator=is_text("text", empty=False))
    sources: tuple[Source, ...] = field(converter=_sources)
    test: LabTest | None = field(
        default=None, validator=instance_of("test", LabTest, optional=True)
    )

    def __attrs_post_init__(self) -> None:
        if not self.sources:
            raise InvalidInputError("sources", "an item needs at least one source")


@frozen
class ScreeningPlan(Readable):
    """What to check before starting.

    ``baseline`` is the set of tests; ``items`` lists every test and check with
    its sources (chapter and licence merged, never twice); ``referrals`` the
    specialists to see first; ``notes`` what the sources advise against or
    explain, such as creatine phosphokinase not being mandatory; ``alerts``
    what already stops treatment for this patient.
    """

    baseline: frozenset[LabTest] = field(converter=_baseline)
    items: tuple[ScreeningItem, ...] = field(converter=_items)
    referrals: tuple[Referral, ...] = field(default=(), converter=_referrals)
    notes: tuple[Reason, ...] = field(default=(), converter=_notes)
    alerts: tuple[Reason, ...] = field(default=(), converter=_alerts)
    """What stops treatment for this patient whatever the screening shows (a known
    pregnancy, an age outside the licence), most severe first; empty when nothing does."""

    def __repr__(self) -> str:
        """Concise; ``str()`` reads in full, ``attrs.asdict()`` or ``to_json()`` show every
        field."""
        tests = ", ".join(sorted(test.name for test in self.baseline))
        return (
            f"ScreeningPlan(baseline={{{tests}}}, items=<{len(self.items)}>, "
            f"referrals=<{len(self.referrals)}>, notes=<{len(self.notes)}>, "
            f"alerts=<{len(self.alerts)}>)"
        )

    def _html_(self) -> str:
        from . import _html as h

        rows = [("Stops treatment", h.esc(r.text), h.source(r.source)) for r in self.alerts]
        rows += [
            (
                "Before the first tablet",
                h.esc(item.text),
                "; ".join(h.source(s) for s in item.sources),
            )
            for item in self.items
        ]
        rows += [
            ("Referral", h.esc(f"{r.specialty}, {r.when}"), h.source(r.source))
            for r in self.referrals
        ]
        rows += [("Note", h.esc(n.text), h.source(n.source)) for n in self.notes]
        return h.table("Screening plan", (), ("", "What", "Source"), rows)

    def __str__(self) -> str:
        lines = []
        if self.alerts:
            lines.append("Stops treatment:")
            lines += [
                f"  - {r.text} [{r.source.cite()}; {r.source.statement}]" for r in self.alerts
            ]
        lines.append("Before the first tablet:")
        lines += [
            f"  - {item.text} [{'; '.join(dict.fromkeys(s.cite() for s in item.sources))}]"
            for item in self.items
        ]
        lines += [f"Referral: {r.specialty}, {r.when} [{r.source.cite()}]" for r in self.referrals]
        lines += [f"Note: {n.text} [{n.source.cite()}]" for n in self.notes]
        return "\n".join(lines)


@frozen
class Visit(Readable):
    """A monitoring visit: its date, the tests due, why and on whose word."""

    date: dt.date = field(validator=is_date("date"))
    tests: frozenset[LabTest] = field(converter=_tests)
    purpose: str = field(validator=is_text("purpose", empty=False))
    sources: tuple[Source, ...] = field(converter=_sources)

    def _html_(self) -> str:
        from . import _html as h

        fields = [
            ("Date", h.esc(self.date.isoformat())),
            ("Tests", h.esc(", ".join(sorted(test.label for test in self.tests)))),
            ("Why", h.esc(self.purpose)),
            ("Sources", "; ".join(h.source(source) for source in self.sources)),
        ]
        return h.table("Monitoring visit", fields)

    def __str__(self) -> str:
        tests = ", ".join(sorted(test.label for test in self.tests))
        cited = "; ".join(dict.fromkeys(source.cite() for source in self.sources))
        return f"{self.date.isoformat()}  {tests}  ({self.purpose}) [{cited}]"

"""The chapter's statements by ID: each has a knowledge entry and a test."""

from __future__ import annotations

import pathlib

import baricitinib_guideline as bg

from .test_knowledge import CHAPTER_IDS, LICENCE

TESTS = pathlib.Path(__file__).parent


def _test_sources_other_than_the_tables() -> str:
    skip = {"test_coverage.py", "test_knowledge.py"}
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in TESTS.glob("test_*.py")
        if path.name not in skip
    )


def test_every_chapter_statement_has_an_entry() -> None:
    known = {entry.id for entry in bg.statements()}
    assert [sid for sid in CHAPTER_IDS if sid not in known] == []


def test_every_entry_is_a_chapter_or_licence_statement() -> None:
    listed = set(CHAPTER_IDS) | {row[0] for row in LICENCE}
    assert [entry.id for entry in bg.statements() if entry.id not in listed] == []


def test_every_cited_reference_number_exists() -> None:
    numbers = {citation.number for citation in bg.REFERENCES}
    assert numbers == set(range(1, 11))
    bad = [(e.id, n) for e in bg.statements() for n in e.source.references if n not in numbers]
    assert bad == []


def test_every_rule_statement_is_exercised_by_a_behaviour_test() -> None:
    # The knowledge tables check every entry's text; the statements that drive
    # a decision must also be named by a test of that decision.
    decisive = [
        "rec.headline",
        "licence.min_age",
        "dose.child.low",
        "dose.child.high",
        "dose.adult.standard",
        "dose.adult.taper",
        "dose.risk.reduced",
        "dose.risk.escalate",
        "dose.child.taper",
        "dose.start_high",
        "screen.hbv_referral",
        "screen.baseline",
        "monitor.schedule",
        "monitor.cpk",
        "special.comorbidities",
        "smpc.no_benefit",
        "smpc.renal.adult_moderate",
        "smpc.renal.adult_severe",
        "leaflet.renal.child",
        "mfi.renal.child_bands",
        "smpc.hepatic",
        "smpc.oat3.adult",
        "leaflet.oat3.child",
        "smpc.live_vaccines",
        "smpc.labs.start",
        "smpc.labs.interrupt",
        "smpc.lipids",
        "smpc.contraindications",
        "smpc.contraception",
        "smpc.breastfeeding",
        "ema.jak.no_alternative",
        "ema.jak.vte_caution",
    ]
    text = _test_sources_other_than_the_tables()
    untested = [sid for sid in decisive if f'"{sid}"' not in text]
    assert untested == []

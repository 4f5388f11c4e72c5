"""Readable results: the CLI's layout from str(), escaped HTML for notebooks, labels, tables."""

from __future__ import annotations

import datetime as dt

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

OLDER = bg.Patient(age=Q_(70, "year"))


def test_a_decision_prints_in_the_cli_layout_not_as_a_repr() -> None:
    text = str(bg.recommend(OLDER))
    assert text.splitlines()[:3] == [
        "Regimen: 2 mg once daily (recommended)",
        "Status: RECOMMENDED",
        "Reasons:",
    ]
    assert "Alternatives:\n  - 4 mg once daily (may be considered)" in text
    assert "DoseRecommendation(" not in text
    assert len(text) < 1500


def test_plans_visits_and_evidence_print_readably() -> None:
    plan = str(bg.screening_plan(bg.Patient(age=Q_(30, "year"), pregnant=True)))
    assert plan.startswith("Stops treatment:\n  - Pregnancy: baricitinib is contraindicated.")
    visit = bg.monitoring_schedule(dt.date(2026, 1, 1), until=dt.date(2026, 2, 1))[0]
    assert str(visit) == (
        "2026-01-29  full blood count, lipid profile, liver profile, renal profile  "
        "(Four weeks into treatment (chapter).) [guideline Screening and monitoring]"
    )
    result = bg.nma_result(Q_(4, "mg"), bg.Outcome.PEAK_PRURITUS_NRS)
    assert str(result) == (
        "4 mg vs placebo, peak pruritus NRS: mean difference -1.6 (-2 to -1.3), ⊕⊕⊕⊕ high "
        "[guideline Certainty of evidence [1, 2]]"
    )


def test_html_is_escaped() -> None:
    plan = bg.screening_plan(bg.Patient(age=Q_(30, "year")))
    html = plan._repr_html_()
    assert html.startswith('<pre class="baricitinib-guideline">')
    assert "<" not in html[len('<pre class="baricitinib-guideline">') : -len("</pre>")]
    reason = bg.Reason(code="x", text="<script>alert(1)</script>", source=bg.RECOMMENDATION.source)
    decision = bg.DoseRecommendation(status=bg.Status.NOT_RECOMMENDED, reasons=(reason,))
    assert "<script>" not in decision._repr_html_()
    assert "&lt;script&gt;" in decision._repr_html_()


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (bg.Modality.SHOULD_BE_CONSIDERED, "should be considered"),
        (bg.Status.CONSIDER_STOPPING, "consider stopping"),
        (bg.LabTest.FULL_BLOOD_COUNT, "full blood count"),
        (bg.LabTest.HEPATITIS_B, "hepatitis B"),
        (bg.Outcome.PEAK_PRURITUS_NRS, "peak pruritus NRS"),
        (bg.Outcome.EASI, "EASI"),
    ],
)
def test_enums_have_human_labels(member: object, label: str) -> None:
    assert member.label == label  # type: ignore[attr-defined]


def test_an_unknown_outcome_lists_the_valid_ones() -> None:
    with pytest.raises(
        bg.InvalidInputError, match="'SCORAD' is not one of EASI, POEM, PEAK_PRURITUS_NRS, DLQI"
    ):
        bg.nma_result(Q_(2, "mg"), "SCORAD")


def test_records_and_frames() -> None:
    records = bg.as_records(bg.nma_results())
    assert len(records) == len(bg.nma_results())
    assert records[0] == {
        "dose_mg": 2.0,
        "outcome": "EASI",
        "estimate": -5.1,
        "ci_lower": -6.9,
        "ci_upper": -3.4,
        "certainty": "MODERATE",
        "statement": "nma.2mg.easi",
        "source": "guideline Certainty of evidence [1, 2]",
    }
    assert [r["id"] for r in bg.as_records(bg.statements())] == [s.id for s in bg.statements()]
    assert bg.as_records(bg.safety_figures())[0]["unit"]
    visits = bg.monitoring_schedule(dt.date(2026, 1, 1), until=dt.date(2026, 6, 1))
    assert bg.as_records(visits)[1]["statements"] == "smpc.lipids;monitor.schedule"
    frame = bg.as_frame(bg.nma_results())
    assert list(frame.columns) == list(records[0])
    assert frame["estimate"].tolist() == [r.estimate for r in bg.nma_results()]
    with pytest.raises(bg.InvalidInputError, match=r"items\[0\]: must be one of"):
        bg.as_records([OLDER])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("10*9/L", 0.4, "billion_per_liter"),
        ("G/L", 0.4, "billion_per_liter"),
        ("10*3/uL", 0.4, "thousand_per_microliter"),
        ("/mm3", 400, "1 / millimeter ** 3"),
        ("g/dL", 12, "gram / deciliter"),
        ("g/L", 120, "gram / liter"),
    ],
)
def test_lab_values_in_the_units_reports_print(text: str, value: float, unit: str) -> None:
    quantity = bg.quantity(value, text)
    assert str(quantity.units) == unit


@pytest.mark.parametrize("text", ["1e9/L", "gauss", "2**99", "", "10^12/L"])
def test_a_lab_unit_that_cannot_be_read_is_invalid_input_not_a_pint_error(text: str) -> None:
    with pytest.raises(bg.InvalidInputError):
        bg.Labs(neutrophils=bg.quantity(0.4, text))

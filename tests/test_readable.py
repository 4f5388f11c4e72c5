"""Readable results: the CLI's layout from str(), escaped HTML for notebooks, labels, tables."""

from __future__ import annotations

import datetime as dt
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

OLDER = bg.Patient(age=Q_(70, "year"))
ROOT = pathlib.Path(__file__).resolve().parent.parent


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
        "4 mg vs placebo, peak pruritus NRS: mean difference -1.6 (95 % CI -2 to -1.3), ⊕⊕⊕⊕ high "
        "[guideline Certainty of evidence [1, 2]]"
    )


def test_html_is_escaped() -> None:
    plan = bg.screening_plan(bg.Patient(age=Q_(30, "year")))
    html = plan._repr_html_()
    assert html.startswith('<table class="baricitinib-guideline">')
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


def parse_table(html: str) -> ET.Element:
    """The HTML as XML: well formed, one table."""
    root = ET.fromstring(html)
    assert root.tag == "table"
    return root


def test_a_dose_shows_in_notebooks_as_a_table_with_linked_sources() -> None:
    result = bg.recommend(bg.Patient(age=Q_(70, "year"), risk_factors={"VTE"}))
    table = parse_table(result._repr_html_())
    cells = {
        row.findtext("th"): "".join(row.find("td").itertext())  # type: ignore[union-attr]
        for row in table.iter("tr")
        if row.find("th") is not None and row.find("td") is not None
    }
    assert cells["Status"] == "RECOMMENDED"
    assert cells["Dose"] == "2 mg once daily (recommended)"
    reasons = [list(row.findall("td")) for row in table.iter("tr") if len(row.findall("td")) == 2]
    texts = ["".join(r[0].itertext()) for r in reasons]
    assert texts[: len(result.reasons)] == [r.text for r in result.reasons]
    assert texts[len(result.reasons) :] == [
        f"Alternative: {o.regimen} ({o.modality.label}) {o.condition}" for o in result.alternatives
    ]
    reasons = reasons[: len(result.reasons)]
    links = [a.get("href") for row in reasons for a in row[1].iter("a")]
    assert links
    assert all(str(href).startswith("https://") for href in links)
    statements = [code.text for row in reasons for code in row[1].iter("code")]
    assert statements == [r.source.statement for r in result.reasons]


def test_a_mean_difference_says_its_range_is_the_95_ci() -> None:
    """Issue 23 item 1, in text and in the notebook table."""
    result = bg.nma_result(Q_(2, "mg"), bg.Outcome.EASI)
    assert "mean difference -5.1 (95 % CI -6.9 to -3.4)" in str(result)
    table = parse_table(result._repr_html_())
    assert "-5.1 (95 % CI -6.9 to -3.4)" in "".join(table.itertext())


def test_repr_is_concise() -> None:
    result = bg.recommend(bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")))
    plan = bg.screening_plan(bg.Patient(age=Q_(30, "year"), suspected_hepatitis_b=True))
    assert len(repr(result)) < 400
    assert len(repr(plan)) < 400
    assert repr(result).startswith("DoseRecommendation(status=Status.RECOMMENDED, regimen='2 mg")
    assert all(reason.code in repr(result) for reason in result.reasons)
    assert repr(plan).startswith("ScreeningPlan(baseline={FULL_BLOOD_COUNT, HEPATITIS_B")


def test_a_dose_as_records_and_frame_one_row_per_reason() -> None:
    result = bg.recommend(bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg")))
    records = bg.as_records(result)
    assert [r["reason_code"] for r in records] == [r.code for r in result.reasons]
    assert {r["status"] for r in records} == {"RECOMMENDED"}
    assert {r["dose_mg"] for r in records} == {2.0}
    assert records[0]["statement"] == result.reasons[0].source.statement
    frame = bg.as_frame(result)
    assert len(frame) == len(result.reasons)
    missing = bg.recommend(bg.Patient(age=Q_(8, "year")))
    assert {r["missing"] for r in bg.as_records([missing])} == {"weight"}


def test_as_frame_needs_pandas_only() -> None:
    """The frame extra names pandas alone; the message names the extra and a checkout."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert [d.split(">")[0] for d in project["optional-dependencies"]["frame"]] == ["pandas"]
    code = (
        "import sys; sys.modules['pandas'] = None; import baricitinib_guideline as bg\n"
        "try:\n    bg.as_frame(bg.nma_results())\nexcept ImportError as e:\n    print(e)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "'frame' extra" in done.stdout
    assert "pip install -e '.[frame]'" in done.stdout


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


def test_visits_and_safety_figures_show_as_tables_with_linked_sources() -> None:
    visit = bg.monitoring_schedule(dt.date(2026, 1, 31), until=dt.date(2026, 6, 1))[1]
    table = parse_table(visit._repr_html_())
    text = "".join(table.itertext())
    assert visit.date.isoformat() in text
    assert [code.text for code in table.iter("code")] == [s.statement for s in visit.sources]
    assert any(a.get("href", "").startswith("https://") for a in table.iter("a"))
    figure = bg.safety_figures()[0]
    table = parse_table(figure._repr_html_())
    assert figure.population in "".join(table.itertext())

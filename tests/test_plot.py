"""Figures: drawn without pyplot, and drawn for real (pixels are painted)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import plot


def painted(axes: Any) -> float:
    """The share of the figure's pixels that are not white, after a real render to PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(axes.figure)
    buffer = io.BytesIO()
    canvas.print_png(buffer)  # type: ignore[no-untyped-call]
    assert buffer.getvalue().startswith(b"\x89PNG")
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]  # type: ignore[no-untyped-call]
    return float((pixels < 250).any(axis=-1).mean())


def test_forest_draws_every_result_with_its_certainty() -> None:
    axes = plot.forest()
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert len(labels) == len(bg.nma_results())
    assert "peak pruritus NRS, 4 mg  ⊕⊕⊕⊕ high" in labels
    assert "EASI, 2 mg  ⊕⊕⊕○ moderate" in labels
    assert painted(axes) > 0.02


def test_forest_marks_only_confirmed_minimal_important_differences() -> None:
    axes = plot.forest()
    dashed = [line for line in axes.get_lines() if line.get_linestyle() == "--"]
    # DLQI and peak pruritus NRS are confirmed (two doses each); POEM and EASI are not.
    assert len(dashed) == 4
    assert {tuple(np.asarray(line.get_xdata()).tolist()) for line in dashed} == {(-4.0, -4.0)}


def test_visits_timeline() -> None:
    schedule = bg.monitoring_schedule(dt.date(2026, 1, 31), until=dt.date(2026, 12, 31))
    axes = plot.visits(schedule)
    assert len(axes.texts) == len(schedule)
    assert axes.texts[1].get_text().startswith("2026-04-25\nfull blood count\nlipid profile")
    assert painted(axes) > 0.01


@pytest.mark.parametrize(
    ("function", "argument"), [(plot.forest, [1]), (plot.visits, []), (plot.visits, ["x"])]
)
def test_figures_refuse_what_they_cannot_draw(function: Any, argument: Any) -> None:
    with pytest.raises(bg.InvalidInputError):
        function(argument)


def test_drawing_touches_no_global_matplotlib_state() -> None:
    """No pyplot: the figures hold no global figure, backend or interactive state."""
    code = (
        "import sys; import baricitinib_guideline.plot as p; import datetime as dt; "
        "import baricitinib_guideline as bg; p.forest(); "
        "p.visits(bg.monitoring_schedule(dt.date(2026, 1, 1), until=dt.date(2026, 6, 1))); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"

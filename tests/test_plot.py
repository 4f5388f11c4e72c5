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


def painted(figure: Any) -> float:
    """The share of the figure's pixels that are not white, after a real render to PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    canvas.print_png(buffer)  # type: ignore[no-untyped-call]
    assert buffer.getvalue().startswith(b"\x89PNG")
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]  # type: ignore[no-untyped-call]
    return float((pixels < 250).any(axis=-1).mean())


def test_forest_draws_every_result_with_its_certainty() -> None:
    figure = plot.forest()
    labels = [t.get_text() for axes in figure.axes for t in axes.get_yticklabels()]
    assert len(labels) == len(bg.nma_results())
    assert "peak pruritus NRS, 4 mg  ⊕⊕⊕⊕ high" in labels
    assert "EASI, 2 mg  ⊕⊕⊕○ moderate" in labels
    assert painted(figure) > 0.02


def test_forest_returns_a_figure_a_notebook_shows() -> None:
    from matplotlib.figure import Figure

    assert isinstance(plot.forest(), Figure)
    schedule = bg.monitoring_schedule(dt.date(2026, 1, 31), until=dt.date(2026, 12, 31))
    assert isinstance(plot.visits(schedule), Figure)


def test_forest_has_one_axis_per_outcome_scale() -> None:
    figure = plot.forest()
    assert len(figure.axes) == len(bg.Outcome)
    for axes, outcome in zip(figure.axes, bg.Outcome, strict=True):
        labels = {t.get_text().split(",")[0] for t in axes.get_yticklabels()}
        assert labels == {outcome.label}
        assert axes.get_xlabel().startswith(outcome.label)


def test_forest_labels_are_inside_the_image() -> None:
    """No x-label or tick label is clipped at the figure's edge when saved."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plot.forest()
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    width, height = canvas.get_width_height()
    texts = [axes.xaxis.label for axes in figure.axes]
    texts += [t for axes in figure.axes for t in axes.get_yticklabels()]
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0, text.get_text()
        assert box.y0 >= 0, text.get_text()
        assert box.x1 <= width, text.get_text()
        assert box.y1 <= height, text.get_text()


def test_forest_legend_says_the_range_is_the_95_ci() -> None:
    (legend,) = plot.forest().legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert "2 mg: mean difference (95 % CI)" in texts
    assert "4 mg: mean difference (95 % CI)" in texts
    assert "minimal important difference" in texts


def test_forest_marks_only_confirmed_minimal_important_differences() -> None:
    figure = plot.forest()
    dashed = [
        line for axes in figure.axes for line in axes.get_lines() if line.get_linestyle() == "--"
    ]
    # DLQI and peak pruritus NRS are confirmed (two doses each); POEM and EASI are not.
    assert len(dashed) == 4
    assert {tuple(np.asarray(line.get_xdata()).tolist()) for line in dashed} == {(-4.0, -4.0)}


def test_visits_timeline() -> None:
    schedule = bg.monitoring_schedule(dt.date(2026, 1, 31), until=dt.date(2026, 12, 31))
    figure = plot.visits(schedule)
    (axes,) = figure.axes
    assert len(axes.texts) == len(schedule)
    assert axes.texts[1].get_text().startswith("2026-04-25\nfull blood count\nlipid profile")
    assert painted(figure) > 0.01


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


def test_the_executed_notebook_shows_its_figures_as_images() -> None:
    """The shipped notebook draws with plot.forest() alone, and its output is a real PNG."""
    import base64
    import pathlib

    import nbclient
    import nbformat

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "tutorial.ipynb"
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    sources = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "BytesIO" not in sources
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute(
        cwd=str(path.parent)
    )
    images = [
        base64.b64decode(output["data"]["image/png"])
        for cell in notebook.cells
        if cell.cell_type == "code" and "plot." in cell.source
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) == 2  # the forest plot and the visits
    for image in images:
        assert image.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(image) > 10_000

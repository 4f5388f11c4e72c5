"""Figures (optional extra ``plot``, matplotlib): the evidence as a forest plot, visits on a
timeline. Each returns its matplotlib ``Figure``, which a notebook shows as an image; the
figure is made without pyplot, so no global matplotlib state is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .api import nma_results
from .errors import InvalidInputError
from .knowledge.mids import MIDS
from .model.evidence import MeanDifference, Outcome
from .model.plans import Visit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["bars", "forest", "visits"]

_DOSE_COLOURS = {2.0: "#1f77b4", 4.0: "#d62728"}
_OTHER_COLOUR = "#444444"


_FIGURE_CLASS: list[type[Figure]] = []


def _figure_class() -> type[Figure]:
    """A matplotlib ``Figure`` that shows itself in a notebook as a PNG (``_repr_png_``),
    with or without pyplot's inline backend; made on first use."""
    if not _FIGURE_CLASS:
        try:
            from matplotlib.figure import Figure
        except ImportError:
            from ._install import missing_extra

            raise missing_extra("plotting", "plot", "matplotlib") from None

        class ShownFigure(Figure):
            def _repr_png_(self) -> bytes:
                import io

                from matplotlib.backends.backend_agg import FigureCanvasAgg

                buffer = io.BytesIO()
                FigureCanvasAgg(self).print_png(buffer)  # type: ignore[no-untyped-call]
                return buffer.getvalue()

        _FIGURE_CLASS.append(ShownFigure)
    return _FIGURE_CLASS[0]


def _figure(size: tuple[float, float]) -> Figure:
    return _figure_class()(figsize=size, layout="constrained")


def forest(results: Sequence[MeanDifference] | None = None) -> Figure:
    """Mean differences versus placebo with 95 % confidence intervals, one axis per outcome
    (each outcome has its own scale), by dose.

    The GRADE certainty is in each row's label; a dotted line marks no effect,
    and a dashed one the minimal important difference where it is confirmed.
    The legend says what the marks are.
    """
    rows = list(nma_results() if results is None else results)
    if not rows or not all(isinstance(r, MeanDifference) for r in rows):
        raise InvalidInputError("results", "must be network meta-analysis results")
    outcomes = [outcome for outcome in Outcome if any(r.outcome is outcome for r in rows)]
    groups = [
        sorted((r for r in rows if r.outcome is o), key=lambda r: r.dose_mg) for o in outcomes
    ]
    figure = _figure((8, 0.5 * len(rows) + 1.2 * len(outcomes) + 1.0))
    axes_list: list[Axes] = list(
        figure.subplots(len(outcomes), 1, squeeze=False, height_ratios=[len(g) for g in groups])[
            :, 0
        ]
    )
    for axes, outcome, group in zip(axes_list, outcomes, groups, strict=True):
        _forest_axis(axes, outcome, group)
    from matplotlib.lines import Line2D

    interval = rows[0].ci.label
    doses = sorted({r.dose_mg for r in rows})
    handles: list[Any] = [
        Line2D(
            [],
            [],
            color=_DOSE_COLOURS.get(dose, _OTHER_COLOUR),
            marker="s",
            linewidth=2,
            label=f"{dose:g} mg: mean difference ({interval})",
        )
        for dose in doses
    ]
    handles.append(Line2D([], [], color="#888888", linestyle=":", label="no effect"))
    if any(line.get_linestyle() == "--" for axes in axes_list for line in axes.get_lines()):
        handles.append(
            Line2D([], [], color="#555555", linestyle="--", label="minimal important difference")
        )
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8)
    figure.suptitle("Baricitinib versus placebo, network meta-analysis, up to 16 weeks")
    return figure


def _forest_axis(axes: Axes, outcome: Outcome, group: list[MeanDifference]) -> None:
    labels = []
    for y, result in enumerate(reversed(group)):
        colour = _DOSE_COLOURS.get(result.dose_mg, _OTHER_COLOUR)
        axes.plot([result.ci.lower, result.ci.upper], [y, y], color=colour, linewidth=2)
        axes.plot([result.estimate], [y], marker="s", color=colour, markersize=7)
        labels.append(
            f"{result.outcome.label}, {result.dose_mg:g} mg  {result.certainty.symbols} "
            f"{result.certainty.name.lower().replace('_', ' ')}"
        )
        mid = MIDS.get(result.outcome)
        if mid is not None and mid.status == "confirmed" and mid.points is not None:
            axes.plot(
                [-mid.points] * 2, [y - 0.4, y + 0.4], color="#555555", linestyle="--", linewidth=1
            )
    axes.axvline(0, color="#888888", linestyle=":", linewidth=1)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_ylim(-0.6, len(labels) - 0.4)
    axes.set_xlabel(f"{outcome.label}: mean difference versus placebo, points", fontsize=8)


def visits(schedule: Sequence[Visit]) -> Figure:
    """The monitoring visits on a timeline, each labelled with its tests."""
    items = list(schedule)
    if not items or not all(isinstance(v, Visit) for v in items):
        raise InvalidInputError("schedule", "must be monitoring visits (monitoring_schedule())")
    figure = _figure((9, 4))
    axes = figure.add_subplot()
    dates: Any = [visit.date for visit in items]  # matplotlib plots dates; its stubs say floats
    axes.plot(dates, [0] * len(dates), color="#888888", linewidth=1, zorder=1)
    axes.scatter(dates, [0] * len(dates), s=60, color="#1f77b4", zorder=2)
    for index, visit in enumerate(items):
        tests = "\n".join(sorted(test.label for test in visit.tests))
        axes.annotate(
            f"{visit.date.isoformat()}\n{tests}",
            (visit.date, 0),
            xytext=(0, 12 if index % 2 == 0 else -14),
            va="bottom" if index % 2 == 0 else "top",
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    axes.set_yticks([])
    axes.set_ylim(-1, 1)
    axes.margins(x=0.12)
    axes.set_title("Monitoring visits")
    return figure


def bars(
    panels: Sequence[tuple[str, Any]], *, xlabel: str, size: tuple[float, float] = (9, 4)
) -> Figure:
    """Counts as horizontal bars, one panel per ``(title, series)``: an audit's summary.

    Each series is a pandas ``Series`` (or anything with ``index`` and ``to_numpy()``)
    of counts indexed by what was counted.
    """
    figure = _figure(size)
    for axes, (title, series) in zip(figure.subplots(1, len(panels)), panels, strict=True):
        axes.barh([str(i) for i in series.index], series.to_numpy())
        axes.set_title(title)
        axes.set_xlabel(xlabel)
    return figure

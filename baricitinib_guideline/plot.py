"""Figures (optional extra ``plot``, matplotlib): the evidence as a forest plot, visits on a
timeline. Each returns its matplotlib ``Axes``; without ``ax`` a new figure is made without
pyplot, so no global matplotlib state is touched.
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

__all__ = ["forest", "visits"]

_DOSE_COLOURS = {2.0: "#1f77b4", 4.0: "#d62728"}


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    return figure.add_subplot()


def forest(results: Sequence[MeanDifference] | None = None, *, ax: Axes | None = None) -> Axes:
    """Mean differences versus placebo with 95 % confidence intervals, by outcome and dose.

    The GRADE certainty is in each row's label; a dotted line marks no effect,
    and a dashed one the minimal important difference where it is confirmed.
    """
    rows = list(nma_results() if results is None else results)
    if not rows or not all(isinstance(r, MeanDifference) for r in rows):
        raise InvalidInputError("results", "must be network meta-analysis results")
    axes = _axes(ax, (8, 0.45 * len(rows) + 1.5))
    order = sorted(rows, key=lambda r: (list(Outcome).index(r.outcome), r.dose_mg))
    labels = []
    for y, result in enumerate(reversed(order)):
        colour = _DOSE_COLOURS.get(result.dose_mg, "#444444")
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
    axes.set_xlabel(
        "Mean difference versus placebo (95 % CI); dashed: minimal important difference"
    )
    axes.set_title("Baricitinib, network meta-analysis, up to 16 weeks")
    return axes


def visits(schedule: Sequence[Visit], *, ax: Axes | None = None) -> Axes:
    """The monitoring visits on a timeline, each labelled with its tests."""
    items = list(schedule)
    if not items or not all(isinstance(v, Visit) for v in items):
        raise InvalidInputError("schedule", "must be monitoring visits (monitoring_schedule())")
    axes = _axes(ax, (9, 4))
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
    return axes

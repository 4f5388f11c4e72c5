"""Results as rows: plain dicts for any code, and a pandas DataFrame when pandas is installed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError
from .model.core import DoseRecommendation
from .model.evidence import MeanDifference, SafetyFigure, Statement
from .model.plans import Visit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["as_frame", "as_records"]


def _mean_difference(item: MeanDifference) -> dict[str, Any]:
    return {
        "dose_mg": item.dose_mg,
        "outcome": item.outcome.name,
        "estimate": item.estimate,
        "ci_lower": item.ci.lower,
        "ci_upper": item.ci.upper,
        "certainty": item.certainty.name,
        "statement": item.source.statement,
        "source": item.source.cite(),
    }


def _safety_figure(item: SafetyFigure) -> dict[str, Any]:
    return {
        "id": item.id,
        "measure": item.measure,
        "value": item.value,
        "unit": item.kind.unit,
        "population": item.population,
        "statement": item.source.statement,
        "source": item.source.cite(),
    }


def _statement(item: Statement) -> dict[str, Any]:
    return {
        "id": item.id,
        "document": item.source.document.name,
        "section": item.source.section,
        "references": ";".join(str(n) for n in item.source.references),
        "note": item.source.note,
        "text": item.text,
    }


def _visit(item: Visit) -> dict[str, Any]:
    return {
        "date": item.date,
        "tests": ";".join(sorted(test.name for test in item.tests)),
        "purpose": item.purpose,
        "statements": ";".join(source.statement for source in item.sources),
    }


def _dose_recommendation(item: DoseRecommendation) -> list[dict[str, Any]]:
    """One row per reason (one row without a reason when there is none), the answer on each."""
    answer = {
        "status": item.status.name,
        "dose_mg": item.regimen.dose_mg if item.regimen is not None else None,
        "modality": item.modality.name if item.modality is not None else None,
        "missing": ";".join(item.missing),
    }
    rows = [
        {
            **answer,
            "reason_code": reason.code,
            "reason": reason.text,
            "statement": reason.source.statement,
            "source": reason.source.cite(),
        }
        for reason in item.reasons
    ]
    empty = {"reason_code": None, "reason": None, "statement": None, "source": None}
    return rows or [{**answer, **empty}]


_ROWS: dict[type, Callable[[Any], dict[str, Any]]] = {
    MeanDifference: _mean_difference,
    SafetyFigure: _safety_figure,
    Statement: _statement,
    Visit: _visit,
}


Items = (
    Iterable[MeanDifference | SafetyFigure | Statement | Visit | DoseRecommendation]
    | DoseRecommendation
)


def as_records(items: Items) -> list[dict[str, Any]]:
    """One plain dict per item (network meta-analysis results, safety figures, statements or
    visits), in order; no pandas needed. Values are numbers, strings and dates.

    A :class:`DoseRecommendation` (alone or among the items) gives one row per reason,
    each with the answer's status, dose and modality."""
    if isinstance(items, DoseRecommendation):
        return _dose_recommendation(items)
    rows = []
    for index, item in enumerate(items):
        if isinstance(item, DoseRecommendation):
            rows += _dose_recommendation(item)
            continue
        row = _ROWS.get(type(item))
        if row is None:
            kinds = ", ".join([*(kind.__name__ for kind in _ROWS), "DoseRecommendation"])
            raise InvalidInputError(
                f"items[{index}]", f"must be one of {kinds}, got {type(item).__name__}"
            )
        rows.append(row(item))
    return rows


def as_frame(items: Items) -> pd.DataFrame:
    """:func:`as_records` as a pandas DataFrame; needs pandas only (the ``frame`` extra)."""
    try:
        import pandas as pd
    except ImportError:
        from ._install import missing_extra

        raise missing_extra("as_frame", "frame", "pandas") from None
    return pd.DataFrame.from_records(as_records(items))

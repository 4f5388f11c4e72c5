"""The public functions: thin, they pick rules and assemble results."""

from __future__ import annotations

from numbers import Real
from typing import Final

import attrs

from . import decision
from .errors import InvalidInputError
from .knowledge import ALL_STATEMENTS, statement
from .knowledge.chapter import COMBINATIONS, NMA_RESULTS, SAFETY_FIGURES
from .knowledge.licence import LICENCE_COMBINATIONS
from .knowledge.references import REFERENCES
from .model._checks import member
from .model.core import MAX_DOSE_MG, DoseRecommendation, Source
from .model.enums import Response, Status
from .model.evidence import (
    Citation,
    Combination,
    MeanDifference,
    Outcome,
    SafetyFigure,
    Statement,
)
from .model.patient import Patient
from .model.plans import ScreeningPlan
from .rules import screening
from .rules.bands import band_key
from .rules.monitoring import monitoring_schedule
from .units import QuantityT, bare_number_error, canonical, quantity_from

__all__ = [
    "citations",
    "combinations",
    "explain",
    "monitoring_schedule",
    "nma_result",
    "nma_results",
    "recommend",
    "safety_figure",
    "safety_figures",
    "screening_plan",
    "statements",
]


def recommend(
    patient: Patient,
    *,
    current_dose: QuantityT | str | None = None,
    response: Response | str | None = None,
) -> DoseRecommendation:
    """The regimen for ``patient``, with its reasons, sources and alternatives.

    Without ``current_dose`` and ``response`` this is the starting regimen;
    with both, the next step for a patient on ``current_dose`` whose disease
    shows ``response``. ``current_dose`` may be a text such as ``"4 mg"`` and
    ``response`` a member's name in any case. The chapter decides first; the licence's rules then
    lower the dose (the lowest wins) or stop treatment.
    """
    if not isinstance(patient, Patient):
        raise InvalidInputError("patient", f"must be a Patient, got {type(patient).__name__}")
    current_mg = None
    if current_dose is not None:
        current_mg = canonical(_dose(current_dose, "current_dose"), "milligram")
        if current_mg <= 0:
            raise InvalidInputError("current_dose", "must be greater than zero")
        if current_mg > MAX_DOSE_MG:
            raise InvalidInputError(
                "current_dose", f"must not exceed {MAX_DOSE_MG:g} mg (implausible)"
            )
    if response is not None:
        response = member(response, "response", Response)
    key = (patient.rule_key(), current_mg, response)
    cached = _ANSWERS.get(key)
    if cached is None:
        # A patient not seen before: keyed on the bands the rules compare (rules/bands.py).
        banded = (band_key(patient), current_mg, response)
        cached = _BANDED.get(banded)
        if cached is None:
            cached = decision.decide(patient, current_mg, response)
            _remember(_BANDED, banded, cached)
        _remember(_ANSWERS, key, cached)
    return cached


def _remember(
    memo: dict[tuple[object, ...], DoseRecommendation],
    key: tuple[object, ...],
    answer: DoseRecommendation,
) -> None:
    if len(memo) >= _MAX_ANSWERS:
        memo.clear()
    memo[key] = answer


def _dose(value: object, field: str) -> QuantityT:
    """A dose: a mass quantity or its text (``"4 mg"``); a bare number shows ``"4 mg"``."""
    if isinstance(value, Real) and not isinstance(value, bool):
        raise bare_number_error(value, field, "mg")
    return quantity_from(value, field, "[mass]")


# Answers are immutable and depend only on the band key, so they are shared: by exact rule
# key (one hash on a patient seen before), then by band key.
_ANSWERS: dict[tuple[object, ...], DoseRecommendation] = {}
_BANDED: dict[tuple[object, ...], DoseRecommendation] = {}
_MAX_ANSWERS: Final = 4096


# The decision itself lives in decision.py, shared with the cohort audit.
_decide: Final = decision.decide


# Statuses that stop treatment whatever the screening shows.
_STOPS: Final = frozenset({Status.CONTRAINDICATED, Status.NOT_RECOMMENDED, Status.OUTSIDE_LICENCE})


def screening_plan(patient: Patient) -> ScreeningPlan:
    """What to check before the first tablet for ``patient``.

    When the dose decision already stops treatment (a known pregnancy, an age
    outside the licence, a contraindication), its reasons lead the plan as
    ``alerts``.
    """
    if not isinstance(patient, Patient):
        raise InvalidInputError("patient", f"must be a Patient, got {type(patient).__name__}")
    decision = recommend(patient)
    alerts = decision.reasons if decision.status in _STOPS else ()
    return screening.screening_plan(patient, alerts)


def nma_results() -> tuple[MeanDifference, ...]:
    """Every network meta-analysis result of the chapter, in its order."""
    return NMA_RESULTS


def nma_result(dose: QuantityT | str, outcome: Outcome | str) -> MeanDifference:
    """The mean difference versus placebo for ``dose`` and ``outcome``."""
    mg = canonical(_dose(dose, "dose"), "milligram")
    outcome = member(outcome, "outcome", Outcome)
    for result in NMA_RESULTS:
        if result.dose_mg == mg and result.outcome is outcome:
            return result
    doses = sorted({f"{r.dose_mg:g} mg" for r in NMA_RESULTS})
    raise InvalidInputError(
        "dose", f"the chapter has no result for {mg:g} mg (only {', '.join(doses)})"
    )


def safety_figures() -> tuple[SafetyFigure, ...]:
    """Every figure of the chapter's safety section (and the paediatric trial size)."""
    return SAFETY_FIGURES


def safety_figure(figure_id: str) -> SafetyFigure:
    for figure in SAFETY_FIGURES:
        if figure.id == figure_id:
            return figure
    raise InvalidInputError("figure_id", f"no safety figure {figure_id!r:.60}")


def combinations() -> tuple[Combination, ...]:
    """What the chapter, then the licence, say about other treatments alongside baricitinib."""
    return COMBINATIONS + LICENCE_COMBINATIONS


def statements() -> tuple[Statement, ...]:
    """Every knowledge entry: the chapter's statements, then the licence's."""
    return ALL_STATEMENTS


def citations(source: Source) -> tuple[Citation, ...]:
    """The chapter's references that ``source`` cites, resolved to citations."""
    if not isinstance(source, Source):
        raise InvalidInputError("source", f"must be a Source, got {type(source).__name__}")
    found = []
    for number in source.references:
        if not 1 <= number <= len(REFERENCES):
            raise InvalidInputError("references", f"reference {number} does not exist")
        found.append(REFERENCES[number - 1])
    return tuple(found)


def _sources_in(obj: object, found: dict[Source, None]) -> None:
    """Every source within ``obj``, in the order a depth-first walk meets them.

    The walk keeps its own stack, so input nested however deeply cannot exhaust
    Python's recursion limit; each container is visited once, so cycles end.
    """
    seen: set[int] = set()
    stack: list[object] = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Source):
            found.setdefault(item, None)
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        if attrs.has(type(item)):
            fields = attrs.fields(type(item))  # type: ignore[arg-type]
            inner = [getattr(item, field.name) for field in fields if field.init]
        elif isinstance(item, tuple | list):
            inner = list(item)
        else:
            continue
        stack.extend(reversed(inner))


def explain(obj: object) -> str:
    """The statements and citations behind any result, as readable text."""
    found: dict[Source, None] = {}
    _sources_in(obj, found)
    if not found:
        raise InvalidInputError("obj", f"{type(obj).__name__} carries no source to explain")
    lines: list[str] = []
    numbers: dict[int, None] = {}
    for src in found:
        entry = statement(src.statement) if src.statement else None
        lines.append(f"- [{src.statement or 'unnamed'}] {src.cite()}")
        if entry is not None:
            lines.append(f"  {entry.text}")
        for number in src.references:
            numbers.setdefault(number, None)
    if numbers:
        lines.append("References:")
        for number in sorted(numbers):
            lines.append(f"  {REFERENCES[number - 1]}")
    return "\n".join(lines)

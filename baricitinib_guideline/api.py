"""The public functions: thin, they pick rules and assemble results."""

from __future__ import annotations

from numbers import Real
from typing import Final

import attrs

from .errors import InvalidInputError
from .knowledge import ALL_STATEMENTS, statement
from .knowledge.chapter import COMBINATIONS, NMA_RESULTS, SAFETY_FIGURES
from .knowledge.licence import LICENCE_COMBINATIONS
from .knowledge.references import REFERENCES
from .knowledge.wording import MODALITY_WORDS
from .model._checks import member
from .model.core import MAX_DOSE_MG, DoseOption, DoseRecommendation, Reason, Source
from .model.enums import Modality, Response, Status
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
from .rules import dosing, licence, screening
from .rules._base import Constraint, Decision, because, because_citing, regimen
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

_Stop = tuple[Status, tuple[Reason, ...], tuple[str, ...]]

# When several rules stop treatment, the most severe status is reported and
# its reasons come first.
_SEVERITY: Final = (
    Status.CONTRAINDICATED,
    Status.NOT_RECOMMENDED,
    Status.OUTSIDE_LICENCE,
    Status.CONSIDER_STOPPING,
    Status.INSUFFICIENT_INFORMATION,
)


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
            cached = _decide(patient, current_mg, response)
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


# The rules' own Cockcroft-Gault formula, for the cohort audit to place each row's estimate
# in the licence's clearance bands as recommend() does (adapters do not import the rules).
_cockcroft_gault: Final = licence.cockcroft_gault
_cockcroft_gault_unrounded: Final = licence.cockcroft_gault_unrounded


# Answers are immutable and depend only on the band key, so they are shared: by exact rule
# key (one hash on a patient seen before), then by band key.
_ANSWERS: dict[tuple[object, ...], DoseRecommendation] = {}
_BANDED: dict[tuple[object, ...], DoseRecommendation] = {}
_MAX_ANSWERS: Final = 4096


def _decide(
    patient: Patient, current_mg: float | None, response: Response | None
) -> DoseRecommendation:
    missing = _missing_follow_up(current_mg, response)
    if missing:
        return missing
    decision = _chapter(patient, current_mg, response)
    constraints = licence.constraints(patient, current_mg is not None)
    return _combine(decision, constraints, current_mg, response)


# The answer in three parts, which the cohort audit computes apart, each once per
# combination of the inputs it reads (and _missing_follow_up before them).
def _chapter(patient: Patient, current_mg: float | None, response: Response | None) -> Decision:
    """The chapter's step: reads age, weight, risk factors, comorbidities, candidacy."""
    decision = dosing.eligibility(patient)
    if decision is None:
        if current_mg is not None and response is not None:
            decision = dosing.follow_up(patient, current_mg, response)
        else:
            decision = dosing.starting(patient)
    return decision


_licence_rules: Final = licence.RULES
"""The licence's rules, in order; each gives constraints of ``(patient, on_treatment)``."""


def _combine(
    decision: Decision,
    constraints: tuple[Constraint, ...],
    current_mg: float | None,
    response: Response | None,
) -> DoseRecommendation:
    """The answer from the chapter's step and the licence's constraints."""
    stops: list[_Stop] = [
        (c.status, (c.reason,), c.missing) for c in constraints if c.status is not None
    ]
    if decision.dose_mg is None:
        stops.append((decision.status, decision.reasons, decision.missing))
    if stops:
        return _stop(decision, stops, constraints, current_mg)
    return _assemble(decision, constraints, current_mg, response)


def _missing_follow_up(
    current_mg: float | None, response: Response | None
) -> DoseRecommendation | None:
    if (current_mg is None) == (response is None):
        return None
    name = "response" if response is None else "current_dose"
    return DoseRecommendation(
        status=Status.INSUFFICIENT_INFORMATION,
        missing=(name,),
        reasons=(because("follow-up-needs-dose-and-response", missing=name),),
    )


def _stop(
    decision: Decision,
    stops: list[_Stop],
    constraints: tuple[Constraint, ...],
    current_mg: float | None,
) -> DoseRecommendation:
    """No regimen: the stopping reasons alone, the most severe first.

    "Consider stopping" keeps the chapter's options beside the stop, each
    with a reason saying why it is listed; a current dose above the licence's
    limit is named as such.
    """
    stops.sort(key=lambda stop: _SEVERITY.index(stop[0]))
    status = stops[0][0]
    ceiling, limit_statement = _ceiling(decision, constraints)
    reasons = tuple(reason for _, reasons, _ in stops for reason in reasons)
    options: tuple[DoseOption, ...] = ()
    if status is Status.CONSIDER_STOPPING:
        options = tuple(o for o in decision.alternatives if o.regimen.dose_mg <= ceiling)
        if current_mg is not None:
            reasons += tuple(
                because_citing(
                    "instead-of-stopping",
                    option.source.statement,
                    current=current_mg,
                    dose=option.regimen.dose_mg,
                    modality=MODALITY_WORDS[option.modality.name],
                )
                for option in options
                if option.regimen.dose_mg > current_mg
            )
            if current_mg > ceiling:
                reasons += (
                    because_citing(
                        "current-dose-above-licence-stop", limit_statement, current=current_mg
                    ),
                )
    return DoseRecommendation(
        status=status,
        alternatives=options,
        reasons=reasons,
        missing=tuple(name for _, _, names in stops for name in names)
        if status is Status.INSUFFICIENT_INFORMATION
        else (),
    )


def _assemble(
    decision: Decision,
    constraints: tuple[Constraint, ...],
    current_mg: float | None,
    response: Response | None,
) -> DoseRecommendation:
    """The chapter's regimen under the licence's ceiling, with every reason in order.

    Where the licence sets the dose (lower than the chapter's, or the same
    dose more firmly), the chapter's reasons give way to one reason naming
    both, and the answer is ``RECOMMENDED``: the licence's dose is not optional.
    A current dose above the licence's limit is named as such, whatever the
    response; only a current dose at the limit is "the most the licence allows".
    """
    assert decision.dose_mg is not None
    assert decision.modality is not None
    ceiling, limit_statement = _ceiling(decision, constraints)
    dose = min(decision.dose_mg, ceiling)
    reasons = decision.reasons
    modality = decision.modality
    basis = decision.reasons[0].source.statement
    above = current_mg is not None and current_mg > ceiling
    if dose == ceiling and (dose < decision.dose_mg or modality is not Modality.RECOMMENDED):
        words = MODALITY_WORDS[modality.name]
        if dose < decision.dose_mg:
            reasons = (
                because_citing(
                    "licence-sets-dose",
                    basis,
                    chapter=decision.dose_mg,
                    dose=dose,
                    modality=words,
                ),
            )
        else:
            reasons = (because_citing("licence-confirms-dose", basis, dose=dose, modality=words),)
        modality = Modality.RECOMMENDED
        stuck = response is Response.INADEQUATE_CONTROL and current_mg == ceiling
        if stuck and not above:
            reasons += (because("most-the-licence-allows", current=current_mg),)
    if above:
        reasons += (
            because_citing(
                "current-dose-above-licence",
                limit_statement,
                current=current_mg,
                limit=ceiling,
            ),
        )
    elif (
        current_mg is not None
        and not decision.current_named
        and dose != current_mg
        # above the highest named dose, the first reason already calls the step a reduction
        and (decision.standard_mg is None or current_mg < decision.standard_mg)
    ):
        change = "an increase" if dose > current_mg else "a reduction"
        reasons += (
            because_citing(
                "current-dose-change", basis, current=current_mg, dose=dose, change=change
            ),
        )
    return DoseRecommendation(
        status=Status.RECOMMENDED,
        regimen=regimen(dose),
        modality=modality,
        alternatives=tuple(
            item
            for item in decision.alternatives
            if item.regimen.dose_mg != dose and item.regimen.dose_mg <= ceiling
        ),
        reasons=decision.preface + reasons + tuple(c.reason for c in constraints) + decision.notes,
    )


def _ceiling(decision: Decision, constraints: tuple[Constraint, ...]) -> tuple[float, str]:
    """The highest dose the licence allows (the lowest of every cap and scaled standard
    dose), and the statement of the rule that sets it (empty when none does)."""
    standard = decision.standard_mg if decision.standard_mg is not None else decision.dose_mg
    ceiling = float("inf")
    statement_id = ""
    for constraint in constraints:
        found = constraint.limit_mg
        if constraint.factor is not None and standard is not None:
            found = standard * constraint.factor
        if found is not None and found < ceiling:
            ceiling, statement_id = found, constraint.reason.source.statement
    return ceiling, statement_id


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

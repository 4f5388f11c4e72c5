"""The dose decision in its parts: the chapter's step, the licence's constraints, and their
combination into the answer.

:func:`baricitinib_guideline.recommend` checks its input and keeps a memo; it asks
:func:`decide` for an answer it has not seen. The cohort audit computes the same parts
apart, each once per combination of the inputs it reads, and combines them with
:func:`combine`, so both give one answer by one code. Pure functions on a checked
:class:`~baricitinib_guideline.Patient` and plain magnitudes.
"""

from __future__ import annotations

from typing import Final

from .knowledge.wording import MODALITY_WORDS
from .model.core import DoseOption, DoseRecommendation, Reason
from .model.enums import Modality, Response, Status
from .model.patient import Patient
from .rules import dosing, licence
from .rules._base import Constraint, Decision, because, because_citing, regimen

__all__ = [
    "LICENCE_RULES",
    "SEVERITY",
    "chapter_step",
    "cockcroft_gault",
    "cockcroft_gault_unrounded",
    "combine",
    "decide",
    "missing_follow_up",
]

_Stop = tuple[Status, tuple[Reason, ...], tuple[str, ...]]

# When several rules stop treatment, the most severe status is reported and
# its reasons come first.
SEVERITY: Final = (
    Status.CONTRAINDICATED,
    Status.NOT_RECOMMENDED,
    Status.OUTSIDE_LICENCE,
    Status.CONSIDER_STOPPING,
    Status.INSUFFICIENT_INFORMATION,
)


# The rules' own Cockcroft-Gault formula, for the cohort audit to place each row's estimate
# in the licence's clearance bands as recommend() does (adapters do not import the rules):
# the rounded value, and the arithmetic alone, which also runs on numpy columns.
cockcroft_gault: Final = licence.cockcroft_gault
cockcroft_gault_unrounded: Final = licence.cockcroft_gault_unrounded


def decide(
    patient: Patient, current_mg: float | None, response: Response | None
) -> DoseRecommendation:
    missing = missing_follow_up(current_mg, response)
    if missing:
        return missing
    decision = chapter_step(patient, current_mg, response)
    constraints = licence.constraints(patient, current_mg is not None)
    return combine(decision, constraints, current_mg, response)


# The answer in three parts, which the cohort audit computes apart, each once per
# combination of the inputs it reads (and _missing_follow_up before them).
def chapter_step(
    patient: Patient, current_mg: float | None, response: Response | None
) -> Decision:
    """The chapter's step: reads age, weight, risk factors, comorbidities, candidacy."""
    decision = dosing.eligibility(patient)
    if decision is None:
        if current_mg is not None and response is not None:
            decision = dosing.follow_up(patient, current_mg, response)
        else:
            decision = dosing.starting(patient)
    return decision


LICENCE_RULES: Final = licence.RULES
"""The licence's rules, in order; each gives constraints of ``(patient, on_treatment)``."""


def combine(
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


def missing_follow_up(
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
    stops.sort(key=lambda stop: SEVERITY.index(stop[0]))
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

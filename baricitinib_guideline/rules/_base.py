"""Building blocks the rules share: regimens, reasons and the internal decision."""

from __future__ import annotations

from functools import lru_cache

from attrs import frozen

from ..knowledge import statement
from ..knowledge.wording import CONDITIONS, REASONS
from ..model.core import DoseOption, Reason, Regimen, Source
from ..model.enums import Modality, Status
from ..units import frozen_quantity, parse_unit


@lru_cache(maxsize=64)
def regimen(dose_mg: float) -> Regimen:
    """The once-daily regimen of ``dose_mg`` (built once per dose)."""
    whole = int(dose_mg)
    dose = frozen_quantity(whole if whole == dose_mg else dose_mg, parse_unit("mg", "dose"))
    return Regimen(dose=dose)


def source(statement_id: str) -> Source:
    return statement(statement_id).source


def because(code: str, **values: object) -> Reason:
    """The reason ``code`` of the wording catalogue, with ``values`` filled in."""
    if not values:
        return _reason(code, "", ())
    return _reason(code, "", tuple(sorted(values.items())))


def because_citing(code: str, statement_id: str, **values: object) -> Reason:
    """The reason ``code``, resting on ``statement_id`` (a reason about another rule's step)."""
    return _reason(code, statement_id, tuple(sorted(values.items())))


@lru_cache(maxsize=1024)
def _reason(code: str, on: str, values: tuple[tuple[str, object], ...]) -> Reason:
    statement_id, text = REASONS[code]
    return Reason(code=code, text=text.format(**dict(values)), source=source(statement_id or on))


@lru_cache(maxsize=256)
def option(code: str, dose_mg: float, modality: Modality) -> DoseOption:
    """The regimen of ``dose_mg`` under the catalogue's condition ``code``."""
    statement_id, condition = CONDITIONS[code]
    return DoseOption(
        regimen=regimen(dose_mg),
        modality=modality,
        condition=condition,
        source=source(statement_id),
    )


@frozen
class Decision:
    """What the chapter's rules decide before the licence layer is applied."""

    status: Status
    dose_mg: float | None = None
    modality: Modality | None = None
    standard_mg: float | None = None
    """The standard dose for this patient, the base of 'half the dose' rules."""
    reasons: tuple[Reason, ...] = ()
    """Why this dose: replaced by one reason when the licence sets another dose."""
    alternatives: tuple[DoseOption, ...] = ()
    missing: tuple[str, ...] = ()
    preface: tuple[Reason, ...] = ()
    """Reasons that come first whatever the licence does (an unnamed current dose)."""
    notes: tuple[Reason, ...] = ()
    """Reasons that follow the licence's, whatever it does (comorbidities, tablets)."""
    current_named: bool = True
    """Whether the current dose (on treatment) is one the chapter names for this patient."""


@frozen
class Constraint:
    """What one licence rule does to a decision.

    ``limit_mg`` caps the dose, ``factor`` scales the standard dose (children),
    ``status`` stops treatment (no regimen), and ``reason`` always explains.
    """

    reason: Reason
    limit_mg: float | None = None
    factor: float | None = None
    status: Status | None = None
    missing: tuple[str, ...] = ()

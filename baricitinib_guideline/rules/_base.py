"""Building blocks the rules share: regimens, reasons and the internal decision."""

from __future__ import annotations

from functools import lru_cache

from attrs import frozen

from ..knowledge import statement
from ..model.core import DoseOption, Reason, Regimen, Source
from ..model.enums import Modality, Status
from ..units import ureg

_MG = ureg.Unit("milligram")


@lru_cache(maxsize=64)
def regimen(dose_mg: float) -> Regimen:
    """The once-daily regimen of ``dose_mg`` (built once per dose)."""
    whole = int(dose_mg)
    return Regimen(dose=ureg.Quantity(whole if whole == dose_mg else dose_mg, _MG))


def source(statement_id: str) -> Source:
    return statement(statement_id).source


@lru_cache(maxsize=1024)
def reason(code: str, text: str, statement_id: str) -> Reason:
    """A reason citing the knowledge entry ``statement_id``."""
    return Reason(code=code, text=text, source=source(statement_id))


@lru_cache(maxsize=256)
def option(dose_mg: float, modality: Modality, condition: str, statement_id: str) -> DoseOption:
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
    alternatives: tuple[DoseOption, ...] = ()
    missing: tuple[str, ...] = ()


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

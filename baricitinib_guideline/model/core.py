"""Sources, reasons, regimens and dose decisions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from attrs import field, frozen

from ..errors import InvalidInputError
from ..units import QuantityT, canonical, quantity_from
from ._checks import Readable, as_tuple, instance_of, is_text
from .enums import Document, Frequency, Modality, Status

__all__ = ["DoseOption", "DoseRecommendation", "Reason", "Regimen", "Source"]

MAX_DOSE_MG: Final = 100.0
"""Implausible above this: no baricitinib tablet or regimen comes near it."""


def _references(value: Iterable[int]) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise InvalidInputError("references", "must be a sequence of reference numbers")
    numbers = tuple(value)
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InvalidInputError("references", f"{number!r} is not a reference number")
    return numbers


def _alternatives(value: Iterable[DoseOption]) -> tuple[DoseOption, ...]:
    return as_tuple(value, "alternatives", DoseOption)


def _reasons(value: Iterable[Reason]) -> tuple[Reason, ...]:
    return as_tuple(value, "reasons", Reason)


def _missing(value: Iterable[str]) -> tuple[str, ...]:
    return as_tuple(value, "missing", str)


@frozen
class Source:
    """Where a statement comes from.

    ``document`` tells the chapter from the licence and the other documents
    the library cites; ``section`` is the chapter's sub-heading, the SmPC
    section (``"4.2"``) or the part of another document; ``references`` are
    the numbers of the chapter's reference list; ``statement`` is the stable
    ID of the knowledge entry; ``note`` qualifies the source (for example
    ``"leaflet wording"`` for a fact seen only in the package leaflet).
    """

    document: Document = field(validator=instance_of("document", Document))
    section: str = field(validator=is_text("section", empty=False))
    references: tuple[int, ...] = field(default=(), converter=_references)
    statement: str = field(default="", validator=is_text("statement"))
    note: str = field(default="", validator=is_text("note"))

    def cite(self) -> str:
        """A short human-readable citation, e.g. ``guideline, Dosage [7]``."""
        text = f"{self.document.label} {self.section}"
        if self.references:
            text += " [" + ", ".join(str(n) for n in self.references) + "]"
        if self.note:
            text += f" ({self.note})"
        return text


@frozen
class Reason:
    """One reason behind a decision: a sentence, a stable code and its source."""

    code: str = field(validator=is_text("code", empty=False))
    text: str = field(validator=is_text("text", empty=False))
    source: Source = field(validator=instance_of("source", Source))


def _dose(value: QuantityT) -> QuantityT:
    return quantity_from(value, "dose", "[mass]")


@frozen
class Regimen:
    """A dose of baricitinib and how often it is taken."""

    dose: QuantityT = field(converter=_dose)
    frequency: Frequency = field(
        default=Frequency.ONCE_DAILY,
        validator=instance_of("frequency", Frequency),
    )
    dose_mg: float = field(init=False, eq=False, repr=False)
    """The dose in milligrams, derived at construction."""

    def __attrs_post_init__(self) -> None:
        mg = canonical(self.dose, "milligram")
        if mg <= 0:
            raise InvalidInputError("dose", "must be greater than zero", part="value")
        if mg > MAX_DOSE_MG:
            raise InvalidInputError(
                "dose", f"must not exceed {MAX_DOSE_MG:g} mg (implausible)", part="value"
            )
        object.__setattr__(self, "dose_mg", mg)

    def __str__(self) -> str:
        return f"{self.dose_mg:g} mg once daily"


@frozen
class DoseOption:
    """A regimen the source names, how firmly, and when it applies."""

    regimen: Regimen = field(validator=instance_of("regimen", Regimen))
    modality: Modality = field(validator=instance_of("modality", Modality))
    condition: str = field(validator=is_text("condition", empty=False))
    source: Source = field(validator=instance_of("source", Source))


@frozen
class DoseRecommendation(Readable):
    """The answer of :func:`recommend`.

    ``regimen`` is set exactly when ``status`` is ``RECOMMENDED``; then
    ``modality`` says how firmly the source words it. ``alternatives`` are the
    other regimens the sources name for this patient, each with its
    condition. ``reasons`` explain the answer, each with its source.
    ``missing`` names the inputs needed when the status is
    ``INSUFFICIENT_INFORMATION``.

    As text, the first line is the regimen with its own strength (``Regimen:
    4 mg once daily (may be considered)``), then the status; without a
    regimen the status comes first. Each alternative shows the strength its
    own statement gives, which may be firmer than the regimen's (the chapter's
    general dose for a group beside its step for this situation).
    """

    status: Status = field(validator=instance_of("status", Status))
    regimen: Regimen | None = None
    modality: Modality | None = None
    alternatives: tuple[DoseOption, ...] = field(
        default=(),
        converter=_alternatives,
    )
    reasons: tuple[Reason, ...] = field(
        default=(),
        converter=_reasons,
    )
    missing: tuple[str, ...] = field(
        default=(),
        converter=_missing,
    )

    def __attrs_post_init__(self) -> None:
        recommended = self.status is Status.RECOMMENDED
        if recommended != (self.regimen is not None):
            raise InvalidInputError("regimen", "is required exactly when status is RECOMMENDED")
        if self.regimen is not None and not isinstance(self.regimen, Regimen):
            raise InvalidInputError("regimen", f"must be a Regimen, got {self.regimen!r}")
        if recommended != (self.modality is not None):
            raise InvalidInputError("modality", "is required exactly when status is RECOMMENDED")
        if self.modality is not None and not isinstance(self.modality, Modality):
            raise InvalidInputError("modality", f"must be a Modality, got {self.modality!r}")
        if (self.status is Status.INSUFFICIENT_INFORMATION) != bool(self.missing):
            raise InvalidInputError(
                "missing", "must name the inputs exactly when status is INSUFFICIENT_INFORMATION"
            )

    def __repr__(self) -> str:
        """Concise; ``str()`` reads in full, ``attrs.asdict()`` or ``to_json()`` show every
        field."""
        parts = [f"status=Status.{self.status.name}"]
        if self.regimen is not None and self.modality is not None:
            parts.append(f"regimen='{self.regimen}'")
            parts.append(f"modality=Modality.{self.modality.name}")
        if self.missing:
            parts.append(f"missing={self.missing!r}")
        parts.append(f"reasons=<{len(self.reasons)}: {', '.join(r.code for r in self.reasons)}>")
        if self.alternatives:
            parts.append(f"alternatives=<{len(self.alternatives)}>")
        return f"DoseRecommendation({', '.join(parts)})"

    def _html_(self) -> str:
        from . import _html as h

        fields = [("Status", h.esc(self.status.name))]
        if self.regimen is not None and self.modality is not None:
            fields.append(("Dose", f"<b>{h.esc(self.regimen)}</b> ({h.esc(self.modality.label)})"))
        if self.missing:
            fields.append(("Missing", h.esc(", ".join(self.missing))))
        rows = [(h.esc(r.text), h.source(r.source)) for r in self.reasons]
        rows += [
            (
                f"Alternative: {h.esc(o.regimen)} ({h.esc(o.modality.label)}) {h.esc(o.condition)}",
                h.source(o.source),
            )
            for o in self.alternatives
        ]
        return h.table("Dose recommendation", fields, ("Reason", "Source"), rows)

    def __str__(self) -> str:
        # The first line names the dose shown and its own strength; the status follows.
        lines = [f"Status: {self.status.name}"]
        if self.regimen is not None and self.modality is not None:
            lines.insert(0, f"Regimen: {self.regimen} ({self.modality.label})")
        if self.missing:
            lines.append(f"Missing: {', '.join(self.missing)}")
        lines.append("Reasons:")
        lines += [f"  - {r.text} [{r.source.cite()}; {r.source.statement}]" for r in self.reasons]
        if self.alternatives:
            lines.append("Alternatives:")
            lines += [
                f"  - {o.regimen} ({o.modality.label}) {o.condition} [{o.source.cite()}]"
                for o in self.alternatives
            ]
        return "\n".join(lines)

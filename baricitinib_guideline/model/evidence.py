"""Knowledge records: statements, evidence grades, safety figures, references."""

from __future__ import annotations

import math
from enum import Enum

from attrs import field, frozen

from ..errors import InvalidInputError
from ._checks import Readable, Validator, instance_of, is_text
from .core import Source

__all__ = [
    "Certainty",
    "Citation",
    "Combination",
    "CombinationVerdict",
    "ConfidenceInterval",
    "FigureKind",
    "MeanDifference",
    "Outcome",
    "Recommendation",
    "SafetyFigure",
    "Statement",
    "Strength",
]


class Outcome(Enum):
    """Outcomes of the network meta-analysis."""

    EASI = "EASI"
    """Eczema Area and Severity Index."""
    POEM = "POEM"
    """Patient-Oriented Eczema Measure."""
    PEAK_PRURITUS_NRS = "PEAK_PRURITUS_NRS"
    """Peak pruritus numerical rating scale."""
    DLQI = "DLQI"
    """Dermatology Life Quality Index."""

    @property
    def label(self) -> str:
        """The outcome as it is usually written, e.g. ``peak pruritus NRS``."""
        return "peak pruritus NRS" if self is Outcome.PEAK_PRURITUS_NRS else self.name


class Certainty(Enum):
    """GRADE certainty of evidence."""

    HIGH = "HIGH"
    MODERATE = "MODERATE"
    LOW = "LOW"
    VERY_LOW = "VERY_LOW"

    @property
    def symbols(self) -> str:
        """The GRADE circles, e.g. ``⊕⊕⊕○`` for moderate."""
        filled = {"HIGH": 4, "MODERATE": 3, "LOW": 2, "VERY_LOW": 1}[self.name]
        return "⊕" * filled + "○" * (4 - filled)


class Strength(Enum):
    """Strength and direction of a EuroGuiDerm recommendation (the arrows)."""

    STRONG_FOR = "STRONG_FOR"
    WEAK_FOR = "WEAK_FOR"
    OPEN = "OPEN"
    WEAK_AGAINST = "WEAK_AGAINST"
    STRONG_AGAINST = "STRONG_AGAINST"

    @property
    def arrow(self) -> str:
        return _ARROWS[self.name]

    @property
    def wording(self) -> str:
        """The standard wording that goes with the arrow."""
        return _WORDING[self.name]


_ARROWS = {
    "STRONG_FOR": "↑↑",
    "WEAK_FOR": "↑",
    "OPEN": "0",
    "WEAK_AGAINST": "↓",
    "STRONG_AGAINST": "↓↓",
}
_WORDING = {
    "STRONG_FOR": "We recommend",
    "WEAK_FOR": "We suggest",
    "OPEN": "We cannot make a recommendation for or against",
    "WEAK_AGAINST": "We suggest against",
    "STRONG_AGAINST": "We recommend against",
}


@frozen
class Statement:
    """One fact of a source, with a stable ID and a short paraphrase."""

    id: str = field(validator=is_text("id", empty=False))
    source: Source = field(validator=instance_of("source", Source))
    text: str = field(validator=is_text("text", empty=False))


@frozen
class Recommendation:
    """The chapter's headline recommendation."""

    text: str = field(validator=is_text("text", empty=False))
    strength: Strength = field(validator=instance_of("strength", Strength))
    consensus: str = field(validator=is_text("consensus", empty=False))
    basis: str = field(validator=is_text("basis", empty=False))
    source: Source = field(validator=instance_of("source", Source))


def _finite(name: str) -> Validator:
    def check(_: object, __: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(name, f"must be a number, got {value!r:.40}")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            raise InvalidInputError(name, "must be finite (and within a float's range)")

    return check


def _whole(name: str) -> Validator:
    """A whole number of at least 1 (a reference number, a year); ``1.5`` and ``True`` are not."""

    def check(_: object, __: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInputError(name, f"must be a whole number, got {value!r:.40}")
        if value < 1:
            raise InvalidInputError(name, f"must be at least 1, got {value}")

    return check


@frozen
class ConfidenceInterval:
    """A 95 % confidence interval."""

    lower: float = field(validator=_finite("lower"))
    upper: float = field(validator=_finite("upper"))
    level: float = field(default=0.95, validator=_finite("level"))

    def __attrs_post_init__(self) -> None:
        if self.lower > self.upper:
            raise InvalidInputError("lower", "must not exceed upper")
        if not 0 < self.level < 1:
            raise InvalidInputError("level", "must lie between 0 and 1")

    def __contains__(self, value: float) -> bool:
        return self.lower <= value <= self.upper

    @property
    def label(self) -> str:
        """What the range is, e.g. ``95 % CI``."""
        return f"{self.level * 100:g} % CI"


@frozen
class MeanDifference(Readable):
    """A network meta-analysis result: baricitinib at ``dose_mg`` versus placebo."""

    dose_mg: float = field(validator=_finite("dose_mg"))
    outcome: Outcome = field(validator=instance_of("outcome", Outcome))
    estimate: float = field(validator=_finite("estimate"))
    ci: ConfidenceInterval = field(validator=instance_of("ci", ConfidenceInterval))
    certainty: Certainty = field(validator=instance_of("certainty", Certainty))
    source: Source = field(validator=instance_of("source", Source))
    comparator: str = "placebo"
    time_frame_weeks: int = 16
    """Results are short term: up to this many weeks."""

    def __attrs_post_init__(self) -> None:
        if self.estimate not in self.ci:
            raise InvalidInputError("estimate", "must lie inside its confidence interval")

    def _html_(self) -> str:
        from . import _html as h

        fields = [
            ("Comparison", h.esc(f"baricitinib {self.dose_mg:g} mg vs {self.comparator}")),
            ("Outcome", h.esc(f"{self.outcome.label}, up to {self.time_frame_weeks} weeks")),
            (
                "Mean difference",
                h.esc(
                    f"{self.estimate:g} ({self.ci.label} {self.ci.lower:g} to {self.ci.upper:g})"
                ),
            ),
            (
                "Certainty",
                h.esc(f"{self.certainty.symbols} {self.certainty.name.lower().replace('_', ' ')}"),
            ),
            ("Source", h.source(self.source)),
        ]
        return h.table("Network meta-analysis result", fields)

    def __str__(self) -> str:
        return (
            f"{self.dose_mg:g} mg vs placebo, {self.outcome.label}: mean difference "
            f"{self.estimate:g} ({self.ci.label} {self.ci.lower:g} to {self.ci.upper:g}), "
            f"{self.certainty.symbols} {self.certainty.name.lower().replace('_', ' ')} "
            f"[{self.source.cite()}]"
        )


class FigureKind(Enum):
    """What a safety figure counts, so its unit is explicit."""

    PERCENT = "PERCENT"
    PER_100_PATIENT_YEARS = "PER_100_PATIENT_YEARS"
    PATIENTS = "PATIENTS"
    TRIALS = "TRIALS"
    PATIENT_YEARS = "PATIENT_YEARS"
    DAYS = "DAYS"
    YEARS = "YEARS"
    EVENTS = "EVENTS"

    @property
    def unit(self) -> str:
        return _FIGURE_UNITS[self.name]


_FIGURE_UNITS = {
    "PERCENT": "%",
    "PER_100_PATIENT_YEARS": "per 100 patient-years",
    "PATIENTS": "patients",
    "TRIALS": "trials",
    "PATIENT_YEARS": "patient-years",
    "DAYS": "days",
    "YEARS": "years",
    "EVENTS": "events",
}


@frozen
class SafetyFigure(Readable):
    """A number from the chapter's safety section, with what it counts and in whom."""

    id: str = field(validator=is_text("id", empty=False))
    measure: str = field(validator=is_text("measure", empty=False))
    value: float = field(validator=_finite("value"))
    kind: FigureKind = field(validator=instance_of("kind", FigureKind))
    population: str = field(validator=is_text("population", empty=False))
    source: Source = field(validator=instance_of("source", Source))

    def _html_(self) -> str:
        from . import _html as h

        unit = self.kind.unit
        value = f"{self.value:g}{'' if unit == '%' else ' '}{unit}"
        fields = [
            ("Measure", h.esc(self.measure)),
            ("Value", h.esc(value)),
            ("Population", h.esc(self.population)),
            ("Source", h.source(self.source)),
        ]
        return h.table("Safety figure", fields)

    def __str__(self) -> str:
        unit = self.kind.unit
        sep = "" if unit == "%" else " "
        return f"{self.measure}: {self.value:g}{sep}{unit} ({self.population})"


@frozen
class Citation(Readable):
    """A numbered reference of the chapter."""

    number: int = field(validator=_whole("number"))
    authors: str = field(validator=is_text("authors", empty=False))
    title: str = field(validator=is_text("title", empty=False))
    journal: str = field(validator=is_text("journal"))
    year: int = field(validator=_whole("year"))
    volume: str = field(default="", validator=is_text("volume"))
    pages: str = field(default="", validator=is_text("pages"))
    doi: str = field(default="", validator=is_text("doi"))
    url: str = field(default="", validator=is_text("url"))
    accessed: str = field(default="", validator=is_text("accessed"))
    """When the chapter last accessed ``url``, as it writes it (e.g. ``12 May 2025``)."""

    def __str__(self) -> str:
        where = f"{self.journal} {self.year}".strip()
        if self.volume:
            where += f";{self.volume}"
        if self.pages:
            where += f":{self.pages}"
        text = f"{self.number}. {self.authors.rstrip('.')}. {self.title}. {where}."
        if self.url:
            text += f" Available at: {self.url}"
            text += f" (last accessed {self.accessed})." if self.accessed else "."
        return text


class CombinationVerdict(Enum):
    """What a source says about combining baricitinib with another treatment."""

    RECOMMENDED = "RECOMMENDED"
    """The guideline recommends the combination."""
    PERMITTED = "PERMITTED"
    """The licence allows it (with any restriction in the text)."""
    NO_DATA = "NO_DATA"
    """No published study in atopic eczema."""
    ESTABLISHED_IN_OTHER_DISEASE = "ESTABLISHED_IN_OTHER_DISEASE"
    """An established regimen in another disease, not studied in atopic eczema."""


@frozen
class Combination:
    """A statement about baricitinib together with another treatment."""

    therapy: str = field(validator=is_text("therapy", empty=False))
    verdict: CombinationVerdict = field(validator=instance_of("verdict", CombinationVerdict))
    text: str = field(validator=is_text("text", empty=False))
    source: Source = field(validator=instance_of("source", Source))

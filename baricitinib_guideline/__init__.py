"""The baricitinib chapter of the EuroGuiDerm atopic eczema guideline as typed,
traceable, computable rules.

>>> import baricitinib_guideline as bg
>>> patient = bg.Patient(age=bg.Q_(8, "year"), weight=bg.Q_(25, "kg"))
>>> str(bg.recommend(patient).regimen)
'2 mg once daily'
"""

from typing import TYPE_CHECKING, Any

from .api import (
    citations,
    combinations,
    explain,
    monitoring_schedule,
    nma_result,
    nma_results,
    recommend,
    safety_figure,
    safety_figures,
    screening_plan,
    statements,
)
from .errors import InvalidInputError
from .knowledge import KNOWLEDGE_VERSION, statement
from .knowledge.chapter import COMORBIDITIES_WITH_BENEFIT, RECOMMENDATION
from .knowledge.references import REFERENCES
from .model.core import DoseOption, DoseRecommendation, Reason, Regimen, Source
from .model.enums import (
    Comorbidity,
    Document,
    Frequency,
    Modality,
    Response,
    RiskFactor,
    Sex,
    Status,
)
from .model.evidence import (
    Certainty,
    Citation,
    Combination,
    CombinationVerdict,
    ConfidenceInterval,
    FigureKind,
    MeanDifference,
    Outcome,
    Recommendation,
    SafetyFigure,
    Statement,
    Strength,
)
from .model.patient import Labs, Patient
from .model.plans import LabTest, Referral, ScreeningItem, ScreeningPlan, Visit
from .serialization import converter, from_json, to_json
from .tables import as_frame, as_records
from .units import QuantityT, quantity

if TYPE_CHECKING:
    import pint

    __version__: str
    """The installed version, read from the package metadata (pyproject.toml is its one
    source)."""

    ureg: pint.UnitRegistry[Any]
    """The pint registry the library uses (built on first use)."""
    Q_: Any
    """``ureg.Quantity``."""


def __getattr__(name: str) -> Any:
    # ``ureg`` and ``Q_`` build pint's registry on first use, keeping the import light.
    if name in ("ureg", "Q_"):
        from . import units

        return getattr(units, name)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("baricitinib-guideline")
        except PackageNotFoundError:  # run from a checkout that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COMORBIDITIES_WITH_BENEFIT",
    "KNOWLEDGE_VERSION",
    "Q_",
    "RECOMMENDATION",
    "REFERENCES",
    "Certainty",
    "Citation",
    "Combination",
    "CombinationVerdict",
    "Comorbidity",
    "ConfidenceInterval",
    "Document",
    "DoseOption",
    "DoseRecommendation",
    "FigureKind",
    "Frequency",
    "InvalidInputError",
    "LabTest",
    "Labs",
    "MeanDifference",
    "Modality",
    "Outcome",
    "Patient",
    "QuantityT",
    "Reason",
    "Recommendation",
    "Referral",
    "Regimen",
    "Response",
    "RiskFactor",
    "SafetyFigure",
    "ScreeningItem",
    "ScreeningPlan",
    "Sex",
    "Source",
    "Statement",
    "Status",
    "Strength",
    "Visit",
    "__version__",
    "as_frame",
    "as_records",
    "citations",
    "combinations",
    "converter",
    "explain",
    "from_json",
    "monitoring_schedule",
    "nma_result",
    "nma_results",
    "quantity",
    "recommend",
    "safety_figure",
    "safety_figures",
    "screening_plan",
    "statement",
    "statements",
    "to_json",
    "ureg",
]

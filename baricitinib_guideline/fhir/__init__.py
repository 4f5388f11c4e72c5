"""FHIR in and out (optional extra ``fhir``): patients from EHR bundles, the answer as a
proposal, and the chapter's evidence, references and recommendation as FHIR R4B resources.

Reading takes FHIR R4 and R4B JSON as EHRs export it; writing gives R4B JSON as plain
dicts. The module needs nothing beyond the library; the ``fhir`` extra installs
``fhir.resources`` so that :func:`validate` can check a resource against the R4B models.
"""

from __future__ import annotations

from typing import Any

from ._library import LIBRARY_NAME, LIBRARY_URL, cql_files, libraries, value_sets
from ._read import Ignored, PatientReading, patient_from_fhir, read_patient
from ._terminology import ServerTerminology, Terminology, ValueSetTerminology
from ._write import (
    ARROW_SYSTEM,
    CANONICAL_BASE,
    arrow_code_system,
    citations,
    evidence,
    medication_request,
    patient_bundle,
    plan_definition,
)

__all__ = [
    "ARROW_SYSTEM",
    "CANONICAL_BASE",
    "LIBRARY_NAME",
    "LIBRARY_URL",
    "Ignored",
    "PatientReading",
    "ServerTerminology",
    "Terminology",
    "ValueSetTerminology",
    "arrow_code_system",
    "citations",
    "cql_files",
    "evidence",
    "libraries",
    "medication_request",
    "patient_bundle",
    "patient_from_fhir",
    "plan_definition",
    "read_patient",
    "validate",
    "value_sets",
]


def validate(resource: dict[str, Any]) -> None:
    """Check ``resource`` against the ``fhir.resources`` R4B model of its type.

    Needs the ``fhir`` extra; raises pydantic's ``ValidationError`` when the
    resource does not conform.
    """
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError:
        from .._install import missing_extra

        raise missing_extra("fhir.validate", "fhir", "fhir.resources") from None

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)

"""How old a recorded value may be and still describe the patient on the decision date.

One mapping, concept -> the longest age of a value that is still used, for
every reader of records (FHIR, OMOP). The reasons for each figure are in the
documentation's page on what the library decides where its sources are
silent; none is longer than a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["MAX_AGE", "MAX_AGE_LIMIT"]

MAX_AGE_LIMIT: Final = dt.timedelta(days=365)
"""No default is longer than this."""

_THREE_MONTHS: Final = dt.timedelta(days=92)
"""Three calendar months at most: the chapter's monitoring interval on treatment."""

MAX_AGE: Final[Mapping[str, dt.timedelta]] = MappingProxyType(
    {
        # A child's weight decides the dose band (10 and 30 kg); children grow.
        "child_weight": dt.timedelta(days=90),
        # An adult's weight only feeds an estimated creatinine clearance.
        "weight": dt.timedelta(days=365),
        "creatinine_clearance": _THREE_MONTHS,
        "egfr": _THREE_MONTHS,
        "serum_creatinine": _THREE_MONTHS,
        "neutrophils": _THREE_MONTHS,
        "lymphocytes": _THREE_MONTHS,
        "haemoglobin": _THREE_MONTHS,
        # A result of "pregnant" can describe the patient for as long as a pregnancy lasts.
        "pregnancy": dt.timedelta(weeks=40),
        "smoking": dt.timedelta(days=365),
    }
)
"""The default longest age per concept (``child_weight``: a weight under 18 years)."""

"""The memo key of :func:`recommend`: each input as the rules see it, and no finer.

Two patients of 70.1 and 70.2 kg share every rule's outcome, so they should
share the memo. The key is built from :meth:`Patient.rule_key` (all fields,
exact, in canonical units), with the fields in :data:`BANDS` replaced by their
band: the position of the value among the cut points the rules compare it
with, taken from the knowledge layer (below, at or above each cut, so ``<``
and ``<=`` are both honoured). A field is banded only where no reason prints
its value; every field has to be declared in :data:`BANDS` or :data:`EXACT`,
and the module refuses to load otherwise, so a new field cannot be forgotten
(and one left exact only costs memo hits, never a wrong answer).
"""

from __future__ import annotations

from typing import Final

import attrs

from ..knowledge import chapter as k
from ..knowledge import licence as lic
from ..model.patient import Patient

BANDS: Final[dict[str, tuple[str, tuple[float, ...]]]] = {
    # field: (the derived float the rules compare, the cut points they compare it with)
    "age": (
        "age_months",
        (
            k.LICENCE_MIN_AGE_MONTHS,
            lic.PREGNANCY_QUESTIONS_FROM_MONTHS,
            k.ADULT_AGE_MONTHS,
            k.OLDER_ADULT_AGE_MONTHS,
        ),
    ),
    "weight": ("weight_kg", (k.CHILD_MIN_WEIGHT_KG, k.CHILD_HIGH_WEIGHT_KG)),
}
"""Fields the rules only compare with cut points (unless an estimate prints them, below)."""

EXACT: Final[dict[str, str]] = {
    "risk_factors": "a set of members",
    "comorbidities": "a set of members",
    "systemic_candidate": "a flag",
    "suspected_hepatitis_b": "a flag",
    "creatinine_clearance": "printed in its reason",
    "severe_hepatic_impairment": "a flag",
    "pregnant": "a flag",
    "breastfeeding": "a flag",
    "strong_oat3_inhibitor": "a flag",
    "labs": "low counts are printed",
    "egfr": "printed in its reason",
    "can_become_pregnant": "a flag or unknown",
    "hypersensitivity": "a flag",
    "suspected_drug_induced_liver_injury": "a flag",
    "sex": "a member or unknown",
    "serum_creatinine": "printed with the estimate, as are age and weight then",
}
"""Fields kept exact, with why."""

PRINTED_WITH: Final = "serum_creatinine"
"""When this field is given, a Cockcroft-Gault estimate may print age and weight: exact."""

FIELDS: Final = tuple(a.name for a in attrs.fields(Patient) if a.init)


def check_declared(fields: tuple[str, ...]) -> None:
    """Every field in exactly one of :data:`BANDS` and :data:`EXACT`, or ``RuntimeError``."""
    declared = [*BANDS, *EXACT]
    undeclared = [name for name in fields if name not in declared]
    unknown = [name for name in declared if name not in fields]
    if undeclared or unknown or len(set(declared)) != len(declared):
        raise RuntimeError(
            "rules/bands.py: every Patient field must be in BANDS or EXACT once; "
            f"undeclared {undeclared}, not fields {unknown}"
        )


check_declared(FIELDS)
_POSITIONS: Final = tuple(
    (FIELDS.index(name), derived, cuts) for name, (derived, cuts) in BANDS.items()
)
_EXACT_WHEN: Final = FIELDS.index(PRINTED_WITH)


def band(value: float | None, cuts: tuple[float, ...]) -> int | None:
    """0 below the first cut, 1 at it, 2 above it and below the next, and so on."""
    if value is None:
        return None
    return sum((value >= cut) + (value > cut) for cut in cuts)


def band_key(patient: Patient) -> tuple[object, ...]:
    """The patient's rule key with the banded fields replaced by their bands."""
    key = patient.rule_key()
    if key[_EXACT_WHEN] is not None:
        return key
    banded = list(key)
    for position, derived, cuts in _POSITIONS:
        banded[position] = band(getattr(patient, derived), cuts)
    return tuple(banded)

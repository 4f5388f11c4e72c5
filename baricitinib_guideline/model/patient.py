"""The patient: the input of every rule, validated once at construction."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from numbers import Real
from typing import Any, Final, NamedTuple

import attrs
import pint
from attrs import field, frozen

from ..errors import InvalidInputError
from ..units import (
    QuantityT,
    bare_number_error,
    canonical,
    parse_quantity,
    quantity_from,
    registry,
)
from ._checks import as_date, as_enum_set, flag, instance_of, member
from .enums import Comorbidity, RiskFactor, Sex

__all__ = [
    "CREATININE_MOLAR_MASS_G_MOL",
    "MAX_AGE_YEARS",
    "MAX_SERUM_CREATININE_MG_DL",
    "MAX_WEIGHT_KG",
    "MIN_PREGNANCY_AGE_YEARS",
    "Labs",
    "Patient",
    "completed_months",
    "creatinine_quantity",
]

MAX_AGE_YEARS: Final = 130
MAX_WEIGHT_KG: Final = 700
MAX_CLEARANCE_ML_MIN: Final = 1000
MAX_CELLS_PER_L: Final = 1e12
MAX_HAEMOGLOBIN_G_DL: Final = 30
MAX_SERUM_CREATININE_MG_DL: Final = 40
"""Implausible above this (about 3540 umol/L), a bound for typing errors only."""
MIN_PREGNANCY_AGE_YEARS: Final = 10
"""A pregnancy below this age is refused as a contradiction, and no pregnancy question is
asked below it (the library's choice, docs/silent.rst)."""
CREATININE_MOLAR_MASS_G_MOL: Final = 113.12
"""Creatinine's molar mass: 1 mg/dL is 88.4 umol/L (clinical facts, confirmed)."""


class _Limit(NamedTuple):
    """How one quantity field is derived and checked: the float it becomes and its bounds."""

    derived: str
    unit: str
    upper: float
    words: str
    zero_allowed: bool


_CLEARANCE = _Limit(
    "", "milliliter / minute", MAX_CLEARANCE_ML_MIN, f"{MAX_CLEARANCE_ML_MIN} mL/min", True
)
_PATIENT_LIMITS: Final = {
    "age": _Limit("age_months", "month", MAX_AGE_YEARS * 12, f"{MAX_AGE_YEARS} years", True),
    "weight": _Limit("weight_kg", "kilogram", MAX_WEIGHT_KG, f"{MAX_WEIGHT_KG} kg", False),
    "creatinine_clearance": _CLEARANCE._replace(derived="creatinine_clearance_ml_min"),
    "egfr": _CLEARANCE._replace(derived="egfr_ml_min"),
}
_CELLS = _Limit("", "1 / liter", MAX_CELLS_PER_L, "10^12 per litre", True)
_LABS_LIMITS: Final = {
    "lymphocytes": _CELLS._replace(derived="lymphocytes_per_l"),
    "neutrophils": _CELLS._replace(derived="neutrophils_per_l"),
    "haemoglobin": _Limit(
        "haemoglobin_g_dl",
        "gram / deciliter",
        MAX_HAEMOGLOBIN_G_DL,
        f"{MAX_HAEMOGLOBIN_G_DL} g/dL",
        False,
    ),
}


def _derive(obj: object, limits: dict[str, _Limit]) -> None:
    """Set each limit's derived float on ``obj`` (``None`` for a missing value), checking bounds."""
    for name, limit in limits.items():
        value = getattr(obj, name)
        number = None if value is None else _bounded(value, name, limit)
        object.__setattr__(obj, limit.derived, number)


def _bounded(value: QuantityT, name: str, limit: _Limit) -> float:
    """``value`` in the limit's unit, checked against zero and the upper bound."""
    number = canonical(value, limit.unit)
    if number < 0 or value.magnitude < 0:
        raise InvalidInputError(name, "must not be negative", part="value")
    if number == 0 and not limit.zero_allowed:
        raise InvalidInputError(name, "must be greater than zero", part="value")
    if number > limit.upper:
        raise InvalidInputError(name, f"is implausible (more than {limit.words})", part="value")
    return number


def _age(value: QuantityT | str) -> QuantityT:
    return quantity_from(value, "age", "[time]")


def _optional(value: object, name: str, dimension: str) -> QuantityT | None:
    return None if value is None else quantity_from(value, name, dimension)


def _serum_creatinine(value: QuantityT | str | None) -> QuantityT | None:
    return None if value is None else creatinine_quantity(value, "serum_creatinine")


def creatinine_quantity(value: object, field: str) -> QuantityT:
    """Mass per volume (``mg/dL``) or amount per volume (``umol/L``); anything else refused."""
    bare = value.strip() if isinstance(value, str) else value
    if isinstance(bare, str):
        with contextlib.suppress(ValueError):
            bare = float(bare)
    if isinstance(bare, Real) and not isinstance(bare, bool):
        raise bare_number_error(value.strip() if isinstance(value, str) else value, field, "mg/dL")
    try:
        return quantity_from(value, field, "[mass] / [volume]")
    except InvalidInputError as exc:
        if "dimension" not in exc.rule:
            raise
    try:
        return quantity_from(value, field, "[substance] / [volume]")
    except InvalidInputError as exc:
        if "dimension" not in exc.rule:
            raise
        raise InvalidInputError(
            field, "must be mass per volume (mg/dL) or amount per volume (umol/L)", part="unit"
        ) from None


def _creatinine_mg_dl(value: QuantityT) -> float:
    """A serum creatinine in mg/dL; amounts through the molar mass, converted once."""
    if "[substance]" in value.dimensionality:
        micromolar = canonical(value, "micromole / liter")
        number = micromolar * CREATININE_MOLAR_MASS_G_MOL / 10_000
    else:
        number = canonical(value, "milligram / deciliter")
    if number < 0 or value.magnitude < 0:
        raise InvalidInputError("serum_creatinine", "must not be negative", part="value")
    if number == 0:
        raise InvalidInputError("serum_creatinine", "must be greater than zero", part="value")
    if number > MAX_SERUM_CREATININE_MG_DL:
        raise InvalidInputError(
            "serum_creatinine",
            f"is implausible (more than {MAX_SERUM_CREATININE_MG_DL} mg/dL)",
            part="value",
        )
    return round(number, 9)


def _haemoglobin(value: QuantityT | str | None) -> QuantityT | None:
    if value is None:
        return None
    if isinstance(value, str):
        with contextlib.suppress(InvalidInputError):
            value = parse_quantity(value, "haemoglobin", "[substance] / [volume]")
    if isinstance(value, pint.Quantity) and "[substance]" in value.dimensionality:
        raise InvalidInputError(
            "haemoglobin",
            "molar units (mmol/L) need a molar mass the library does not assume; give g/dL or g/L",
            part="unit",
        )
    return quantity_from(value, "haemoglobin", "[mass] / [volume]")


def _risk_factors(value: Iterable[RiskFactor | str]) -> frozenset[RiskFactor]:
    return as_enum_set(value, "risk_factors", RiskFactor)


def _comorbidities(value: Iterable[Comorbidity | str]) -> frozenset[Comorbidity]:
    return as_enum_set(value, "comorbidities", Comorbidity)


def _sex(value: Sex | str | None) -> Sex | None:
    return None if value is None else member(value, "sex", Sex)


def _lymphocytes(value: QuantityT | str | None) -> QuantityT | None:
    return _optional(value, "lymphocytes", "1 / [volume]")


def _neutrophils(value: QuantityT | str | None) -> QuantityT | None:
    return _optional(value, "neutrophils", "1 / [volume]")


def _weight(value: QuantityT | str | None) -> QuantityT | None:
    return _optional(value, "weight", "[mass]")


def _creatinine_clearance(value: QuantityT | str | None) -> QuantityT | None:
    return _optional(value, "creatinine_clearance", "[volume] / [time]")


def _egfr(value: QuantityT | str | None) -> QuantityT | None:
    return _optional(value, "egfr", "[volume] / [time]")


@frozen
class Labs:
    """The latest blood counts (licence layer); each value optional."""

    lymphocytes: QuantityT | None = field(default=None, converter=_lymphocytes)
    """Absolute lymphocyte count, count per volume (``bg.quantity(1.2, "10*9/L")``)."""
    neutrophils: QuantityT | None = field(default=None, converter=_neutrophils)
    """Absolute neutrophil count, count per volume (``bg.quantity(2.5, "10*9/L")``)."""
    haemoglobin: QuantityT | None = field(default=None, converter=_haemoglobin)
    """Haemoglobin, mass per volume (``Q_(12, "g/dL")``, ``Q_(120, "g/L")``)."""
    lymphocytes_per_l: float | None = field(init=False, eq=False, repr=False)
    neutrophils_per_l: float | None = field(init=False, eq=False, repr=False)
    haemoglobin_g_dl: float | None = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _derive(self, _LABS_LIMITS)


@frozen
class Patient:
    """A patient as the rules see them.

    ``age`` is a time quantity and ``weight`` a mass quantity (needed under
    18 years), from this library's registry or the caller's own. Each value
    keeps the unit it was given in; the rules read ``age_months`` and
    ``weight_kg``, derived once here.
    """

    age: QuantityT = field(converter=_age)
    """Age, a time quantity (``Q_(8, "year")``, ``Q_(30, "month")``); required."""
    weight: QuantityT | None = field(default=None, converter=_weight)
    """Body weight, a mass quantity (kg, g, lb); needed under 18 years."""
    risk_factors: frozenset[RiskFactor] = field(factory=frozenset, converter=_risk_factors)
    """VTE, MACE, malignancy, chronic or recurrent infections, smoking (members or names)."""
    comorbidities: frozenset[Comorbidity] = field(factory=frozenset, converter=_comorbidities)
    """Concomitant inflammatory diseases (members or names)."""
    systemic_candidate: bool = field(default=True, validator=flag("systemic_candidate"))
    """A candidate for systemic treatment of atopic eczema."""
    suspected_hepatitis_b: bool = field(default=False, validator=flag("suspected_hepatitis_b"))
    """Hepatitis B suspected: see a liver specialist before starting."""
    creatinine_clearance: QuantityT | None = field(default=None, converter=_creatinine_clearance)
    """Creatinine clearance, volume per time (``Q_(45, "mL/min")``); adults' renal bands."""
    severe_hepatic_impairment: bool = field(
        default=False, validator=flag("severe_hepatic_impairment")
    )
    """Severe hepatic impairment (not recommended)."""
    pregnant: bool = field(default=False, validator=flag("pregnant"))
    """Pregnant (a contraindication)."""
    breastfeeding: bool = field(default=False, validator=flag("breastfeeding"))
    """Breastfeeding (not to be used)."""
    strong_oat3_inhibitor: bool = field(default=False, validator=flag("strong_oat3_inhibitor"))
    """Taking a strong OAT3 inhibitor such as probenecid."""
    labs: Labs | None = field(default=None, validator=instance_of("labs", Labs, optional=True))
    """The latest blood counts (:class:`Labs`), or ``None`` when not given."""
    egfr: QuantityT | None = field(default=None, converter=_egfr)
    """Estimated GFR normalised to 1.73 m2 body surface, given in mL/min (children's renal bands)."""
    can_become_pregnant: bool | None = field(
        default=None, validator=instance_of("can_become_pregnant", bool, optional=True)
    )
    """Whether the patient can become pregnant; ``None`` when not known."""
    hypersensitivity: bool = field(default=False, validator=flag("hypersensitivity"))
    """Hypersensitivity to baricitinib or an excipient (a contraindication, SmPC 4.3)."""
    suspected_drug_induced_liver_injury: bool = field(
        default=False, validator=flag("suspected_drug_induced_liver_injury")
    )
    """Drug-induced liver injury is suspected (interrupt treatment, SmPC 4.4)."""
    sex: Sex | None = field(default=None, converter=_sex)
    """:class:`Sex` (a member or its name in any case), or ``None`` when unknown: the
    Cockcroft-Gault factor and whether pregnancy questions apply."""
    serum_creatinine: QuantityT | None = field(default=None, converter=_serum_creatinine)
    """Serum creatinine, mass or amount per volume (``Q_(1.1, "mg/dL")``, ``Q_(97, "umol/L")``);
    with age, weight and sex it gives an estimated creatinine clearance for adults."""
    age_months: float = field(init=False, eq=False, repr=False)
    """Age in months (a month is a twelfth of a year), derived."""
    weight_kg: float | None = field(init=False, eq=False, repr=False)
    """Weight in kilograms, derived; ``None`` when the weight is unknown."""
    creatinine_clearance_ml_min: float | None = field(init=False, eq=False, repr=False)
    """Creatinine clearance in mL/min, derived; ``None`` when unknown."""
    egfr_ml_min: float | None = field(init=False, eq=False, repr=False)
    """eGFR in mL/min/1.73 m2, derived; ``None`` when unknown."""
    serum_creatinine_mg_dl: float | None = field(init=False, eq=False, repr=False)
    """Serum creatinine in mg/dL (amounts through 113.12 g/mol), derived; ``None`` when unknown."""
    _key: tuple[object, ...] | None = field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _derive(self, _PATIENT_LIMITS)
        if self.pregnant:
            _check_pregnancy(self)
        creatinine = self.serum_creatinine
        object.__setattr__(
            self,
            "serum_creatinine_mg_dl",
            None if creatinine is None else _creatinine_mg_dl(creatinine),
        )

    def rule_key(self) -> tuple[object, ...]:
        """Every input the rules can read, in canonical units: equal keys, equal answers.

        Built from all fields, so a new field is part of it without further
        work; computed on first use.
        """
        key = self._key
        if key is None:
            key = tuple(_canonical_field(self, name) for name in _FIELD_NAMES)
            object.__setattr__(self, "_key", key)
        return key

    @property
    def age_years(self) -> float:
        """Age in years, derived."""
        return self.age_months / 12

    @classmethod
    def from_birth_date(
        cls,
        birth_date: dt.date,
        *,
        on: dt.date,
        weight: QuantityT | str | None = None,
        **rest: Any,
    ) -> Patient:
        """A patient whose age is the completed calendar months from ``birth_date`` to ``on``.

        A month is completed on the same day of a later month; where that
        day does not exist (31st, 29 February) it is completed on the day
        after the month's last day, so someone born on 29 February turns
        18 on 1 March in a common year.
        """
        months = completed_months(birth_date, on)
        return cls(age=registry().Quantity(months, "month"), weight=weight, **rest)


def _check_pregnancy(patient: Patient) -> None:
    """A pregnancy the other fields rule out is refused, naming both fields."""
    if patient.sex is Sex.MALE:
        other = "sex is MALE"
    elif patient.can_become_pregnant is False:
        other = "can_become_pregnant is false"
    elif patient.age_months < MIN_PREGNANCY_AGE_YEARS * 12:
        other = f"age is under {MIN_PREGNANCY_AGE_YEARS} years"
    else:
        return
    raise InvalidInputError("pregnant", f"is true but {other}: the two contradict each other")


_FIELD_NAMES = tuple(a.name for a in attrs.fields(Patient) if a.init)


def _canonical_field(patient: Patient, name: str) -> object:
    if name in _PATIENT_LIMITS:
        return getattr(patient, _PATIENT_LIMITS[name].derived)
    if name == "serum_creatinine":
        return patient.serum_creatinine_mg_dl
    value = getattr(patient, name)
    if isinstance(value, Labs):
        return tuple(getattr(value, limit.derived) for limit in _LABS_LIMITS.values())
    return value


def completed_months(birth_date: object, on: object) -> int:
    """Completed calendar months between two dates (see :meth:`Patient.from_birth_date`)."""
    born = as_date(birth_date, "birth_date", from_datetime=True)
    today = as_date(on, "on", from_datetime=True)
    if born > today:
        raise InvalidInputError("birth_date", f"{born.isoformat()} is after {today.isoformat()}")
    months = (today.year - born.year) * 12 + (today.month - born.month)
    if today.day < born.day:
        months -= 1
    return months

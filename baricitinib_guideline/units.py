"""The library's pint registry and the one door every quantity comes through.

Quantities are accepted from any pint registry (the caller's own included).
They are converted by magnitude and unit name into this library's registry,
never by ``ureg.Quantity(q)`` (pint issue 1914), and pint's application
registry is never touched.

Inside the rules only plain floats in fixed units are compared; the cost of
pint is paid once per value, through a cache of conversion factors keyed by
the unit.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from numbers import Real
from typing import Any, Final, TypeAlias

import pint

from .errors import InvalidInputError

__all__ = [
    "Q_",
    "QuantityT",
    "canonical",
    "parse_quantity",
    "parse_unit",
    "quantity_from",
    "to_json_unit",
    "ureg",
]

ureg: Final[pint.UnitRegistry[Any]] = pint.UnitRegistry()
# Counts per litre: pint cannot put a factor in a unit, so the library's own
# registry (never the application registry) gets a unit for 10^9 per litre.
ureg.define("billion_per_liter = 1e9 / liter")
Q_: Final = ureg.Quantity
QuantityT: TypeAlias = pint.Quantity[Any]
"""The type of a quantity in annotations (pint's Quantity over any magnitude)."""

# UCUM codes for the units the library writes and that clinical systems send.
# Reading accepts these codes and pint's own unit names.
_UCUM_TO_PINT: Final[dict[str, str]] = {
    "mg": "milligram",
    "g": "gram",
    "kg": "kilogram",
    "[lb_av]": "pound",
    "a": "year",
    "mo": "month",
    "wk": "week",
    "d": "day",
    "mL/min": "milliliter / minute",
    "L/h": "liter / hour",
    "g/dL": "gram / deciliter",
    "g/L": "gram / liter",
    "/L": "1 / liter",
    "10*9/L": "billion_per_liter",
}
_PINT_TO_UCUM: Final[dict[str, str]] = {name: code for code, name in _UCUM_TO_PINT.items()}

# A unit text is names joined by '*' or '/', each with at most a one-digit
# power; nothing else reaches pint's parser, so '2**99999999' never does.
_NAME = r"[A-Za-z_µμ][A-Za-z_µμ0-9]{0,30}"
_POWER = r"(?:\s*(?:\*\*|\^)\s*-?[1-3])?"
_UNIT_RE: Final = re.compile(
    rf"^(?:1\s*/\s*)?{_NAME}{_POWER}(?:\s*[*/]\s*{_NAME}{_POWER}){{0,4}}$"
)
_MAX_UNIT_TEXT: Final = 64

_unit_cache: dict[str, pint.Unit] = {}
_factor_cache: dict[tuple[object, str], float] = {}


def parse_unit(text: object, field: str) -> pint.Unit:
    """A unit from untrusted text: a UCUM code of the table or a plain pint name."""
    if not isinstance(text, str):
        raise InvalidInputError(field, f"unit must be a string, got {type(text).__name__}")
    cached = _unit_cache.get(text)
    if cached is not None:
        return cached
    name = _UCUM_TO_PINT.get(text)
    if name is None:
        if len(text) > _MAX_UNIT_TEXT or not _UNIT_RE.match(text.strip()):
            raise InvalidInputError(field, f"unit {text[:40]!r} is not a plain unit name")
        name = text.strip()
    try:
        unit = ureg.Unit(name)
    except Exception as exc:  # pint raises several types for unknown names
        raise InvalidInputError(field, f"unit {text!r} is not known") from exc
    if len(_unit_cache) < 256:
        _unit_cache[text] = unit
    return unit


def _real(value: object, field: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise InvalidInputError(
            field, f"magnitude must be a real number, got {type(value).__name__}", part="value"
        )
    number = int(value) if isinstance(value, int) else float(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidInputError(
            field, "magnitude must be finite (not NaN or infinity)", part="value"
        )
    return number


def _dimension_error(units: Any, dimension: str) -> str | None:
    """``None`` when ``units`` (a pint units container) have ``dimension``, else the broken rule.

    Cached by the container, which hashes cheaply and equals across registries.
    """
    key = (units, dimension)
    found = _dimension_cache.get(key, "")
    if found == "":
        unit = ureg.Unit(units)
        ok = unit.dimensionality == ureg.get_dimensionality(dimension)
        found = (
            None if ok else f"must have {dimension} dimension, got {unit} ({unit.dimensionality})"
        )
        if len(_dimension_cache) < 1024:
            _dimension_cache[key] = found
    return found


_dimension_cache: dict[tuple[Any, str], str | None] = {}


def quantity_from(value: object, field: str, dimension: str) -> QuantityT:
    """``value`` as a quantity of this registry with the dimension ``dimension``.

    Accepts a pint quantity of any registry. The magnitude and the unit the
    caller chose are kept, so nothing is lost. A quantity of this registry
    with a plain int or float magnitude is returned as it is (pint builds a
    new object on arithmetic with such magnitudes, so it cannot change later).
    """
    if not isinstance(value, pint.Quantity):
        raise InvalidInputError(
            field,
            f"must be a pint Quantity with {dimension} dimension, got {type(value).__name__}",
        )
    magnitude = value.magnitude
    plain = type(magnitude) is int or (type(magnitude) is float and math.isfinite(magnitude))
    if not plain:
        magnitude = _real(magnitude, field)
    ours = value._REGISTRY is ureg
    unit = None if ours else parse_unit(str(value.units), field)
    units = value._units if unit is None else unit._units
    problem = _dimension_error(units, dimension)
    if problem is not None:
        raise InvalidInputError(field, problem, part="unit")
    if plain and ours:
        return value
    return ureg.Quantity(magnitude, ureg.Unit(units))


def canonical(quantity: QuantityT, target: str) -> float:
    """The magnitude of a quantity of this registry in ``target``, as a float.

    Rounded to nine decimals so that 30000 g is exactly 30 kg and 216 months
    exactly 18 years when compared in the rules.
    """
    key = (quantity._units, target)
    factor = _factor_cache.get(key)
    if factor is None:
        factor = float(ureg.Quantity(1.0, quantity.units).m_as(target))
        if len(_factor_cache) < 1024:
            _factor_cache[key] = factor
    return round(float(quantity.magnitude) * factor, 9)


_NUMBER_RE: Final = re.compile(
    r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*(.*?)\s*$"
)


def parse_quantity(text: str, field: str, dimension: str) -> QuantityT:
    """A quantity from untrusted text such as ``"8y"``, ``"25 kg"`` or ``"55 lb"``.

    The number and the unit are parsed apart; no expression is evaluated.
    """
    if not isinstance(text, str) or len(text) > _MAX_QUANTITY_TEXT:
        raise InvalidInputError(field, "is not a short text of a number followed by a unit")
    match = _NUMBER_RE.match(text)
    if match is None or not match.group(2):
        raise InvalidInputError(field, f"{text[:40]!r} is not a number followed by a unit")
    number_text, unit_text = match.groups()
    number: float | int = (
        int(number_text) if re.fullmatch(r"[+-]?\d+", number_text) else float(number_text)
    )
    unit_text = _SHORT_UNITS.get(unit_text, unit_text)
    # quantity_from checks the number (finite) and the dimension.
    return quantity_from(ureg.Quantity(number, parse_unit(unit_text, field)), field, dimension)


_MAX_QUANTITY_TEXT: Final = 80
# Short forms for the command line, beside the UCUM codes ("a", "mo") parse_unit reads.
_SHORT_UNITS: Final[dict[str, str]] = {"y": "year", "yr": "year", "m": "month"}


def to_json_unit(unit: object) -> str:
    """The unit as written in JSON: its UCUM code where the table has one."""
    name = str(unit)
    return _PINT_TO_UCUM.get(name, name)

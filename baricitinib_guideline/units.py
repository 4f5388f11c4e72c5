"""The library's pint registry and the one door every quantity comes through.

Quantities are accepted from any pint registry (the caller's own included).
A quantity of another registry is converted *by that registry*, so the
caller's own definitions hold (a host that defines ``stone = 1 kg`` gets 20
kg for 20 stone); unit names are read from the units container, never from
the printed form, which a host may format in any way. pint's application
registry is never touched.

Everything the library keeps or hands out holds read-only quantities of its
own registry: ``ito()`` and the other in-place conversions raise, so no
caller can change what another caller receives. Read-only quantities pickle
into the library's registry in any process.

The registry is built on first use, not at import (pint's default registry
costs about 0.2 s). Inside the rules only plain floats in fixed units are
compared; the cost of pint is paid once per value, through caches keyed by
the units container.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from decimal import Decimal
from numbers import Real
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import pint
from pint.util import UnitsContainer

from .errors import InvalidInputError

__all__ = [
    "Q_",
    "QuantityT",
    "canonical",
    "dimension_problem",
    "frozen_quantity",
    "parse_quantity",
    "parse_unit",
    "quantity",
    "quantity_from",
    "registry",
    "snap_conversion_noise",
    "to_json_unit",
    "ureg",
]

QuantityT: TypeAlias = pint.Quantity[Any]
"""The type of a quantity in annotations (pint's Quantity over any magnitude)."""

if TYPE_CHECKING:
    ureg: pint.UnitRegistry[Any]
    Q_: Any

_LOCK: Final = threading.Lock()
_STATE: dict[str, Any] = {}
"""The registry and its read-only quantity class, once built."""
_READ_ONLY: Final = "_bg_read_only"
_VALUE_ATTRIBUTES: Final = frozenset({"_magnitude", "_units"})


def registry() -> pint.UnitRegistry[Any]:
    """The library's own registry, built once on first use (thread-safe)."""
    found = _STATE.get("registry")
    if found is None:
        with _LOCK:
            found = _STATE.get("registry")
            if found is None:
                found = _build()
    return found


def _build() -> pint.UnitRegistry[Any]:
    reg: pint.UnitRegistry[Any] = pint.UnitRegistry()
    # Counts per litre: pint cannot put a factor in a unit, so the library's own
    # registry (never the application registry) gets a unit for 10^9 per litre.
    reg.define("billion_per_liter = 1e9 / liter")
    reg.define("thousand_per_microliter = 1e3 / microliter")

    class ReadOnlyQuantity(reg.Quantity):  # type: ignore[misc,name-defined]
        """A quantity of the library whose value cannot change in place.

        Arithmetic and ``to()`` give new, ordinary quantities; ``ito()`` and
        the other in-place conversions raise ``AttributeError``.
        """

        def __setattr__(self, name: str, value: Any) -> None:
            if name in _VALUE_ATTRIBUTES and self.__dict__.get(_READ_ONLY):
                raise AttributeError(
                    "this quantity is read-only (the library shares it); use .to() for a "
                    "converted copy"
                )
            object.__setattr__(self, name, value)

        def __reduce__(self) -> tuple[Any, ...]:
            return _unpickle, (self._magnitude, tuple(self._units.items()))

    _STATE["read_only"] = ReadOnlyQuantity
    _STATE["registry"] = reg
    return reg


def _unpickle(magnitude: Any, units: tuple[tuple[str, float], ...]) -> QuantityT:
    """A read-only quantity of the library's registry, from pickled parts."""
    return frozen_quantity(magnitude, registry().Unit(UnitsContainer(dict(units))))


def frozen_quantity(magnitude: int | float, unit: Any) -> QuantityT:
    """A read-only quantity of the library's registry, ``unit`` a Unit or units container.

    Built directly from its two parts, as pint's own constructor does for a
    plain number and a unit, without its parsing and checks (the door has
    done them).
    """
    kind = _STATE.get("read_only")
    if kind is None:
        registry()
        kind = _STATE["read_only"]
    quantity: QuantityT = object.__new__(kind)
    values = quantity.__dict__
    values["_magnitude"] = magnitude
    values["_units"] = getattr(unit, "_units", unit)
    values[_READ_ONLY] = True
    return quantity


def _is_read_only(value: QuantityT) -> bool:
    return bool(value.__dict__.get(_READ_ONLY)) and value._REGISTRY is registry()


def __getattr__(name: str) -> Any:
    """``ureg`` and ``Q_`` build the registry when first asked for."""
    if name == "ureg":
        return registry()
    if name == "Q_":
        return registry().Quantity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# UCUM codes for the units the library writes and that clinical systems send.
# Reading accepts these codes and pint's own unit names.
_UCUM_TO_PINT: Final[dict[str, str]] = {
    "mg": "milligram",
    "g": "gram",
    "kg": "kilogram",
    "[lb_av]": "pound",
    "[oz_av]": "ounce",
    "a": "year",
    "mo": "month",
    "wk": "week",
    "d": "day",
    "mL/min": "milliliter / minute",
    "L/h": "liter / hour",
    "g/dL": "gram / deciliter",
    "g/L": "gram / liter",
    "mg/dL": "milligram / deciliter",
    "umol/L": "micromole / liter",
    "µmol/L": "micromole / liter",
    "/L": "1 / liter",
    "10*9/L": "billion_per_liter",
    # Counts as lab reports print them (written back as the UCUM codes above).
    "/uL": "1 / microliter",
    "/µL": "1 / microliter",
    "/mm3": "1 / millimeter ** 3",
    "{cells}/uL": "1 / microliter",
    "10*3/uL": "thousand_per_microliter",
    "10^3/uL": "thousand_per_microliter",
    "10*3/µL": "thousand_per_microliter",
    "10*3/mm3": "thousand_per_microliter",
    "10^9/L": "billion_per_liter",
    "G/L": "billion_per_liter",
}
# Writing uses the first code listed for each unit.
_PINT_TO_UCUM: Final[dict[str, str]] = {
    name: code for code, name in reversed(list(_UCUM_TO_PINT.items()))
}

# A unit text is names joined by '*' or '/', each with at most a one-digit
# power; nothing else reaches pint's parser, so '2**99999999' never does.
_NAME = r"[A-Za-z_µμ][A-Za-z_µμ0-9]{0,30}"
_POWER = r"(?:\s*(?:\*\*|\^)\s*-?[1-3])?"
_UNIT_RE: Final = re.compile(
    rf"^(?:1\s*/\s*)?{_NAME}{_POWER}(?:\s*[*/]\s*{_NAME}{_POWER}){{0,4}}$"
)
_MAX_UNIT_TEXT: Final = 64
# pint caches every unit text it parses; hostile input must not grow it without bound.
# (A new registry holds about 420 entries per cache.)
_MAX_PINT_CACHE: Final = 2048
_MAX_CACHE: Final = 1024

_unit_cache: dict[str, pint.Unit] = {}
_factor_cache: dict[tuple[object, str], float] = {}
_dimension_cache: dict[tuple[Any, str], str | None] = {}
_foreign_cache: dict[tuple[Any, Any, str], tuple[Any, float]] = {}


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _MAX_CACHE:
        cache.clear()
    cache[key] = value


def _bound_pint_caches(reg: pint.UnitRegistry[Any]) -> None:
    """Keep pint's caches of the library's registry within a fixed size.

    pint remembers each unit text it parses and each new unit's dimension;
    distinct hostile unit texts would otherwise grow them without end. A full
    cache is emptied and refills from use.
    """
    caches = vars(getattr(reg, "_cache", None) or object())
    for cache in caches.values():
        if isinstance(cache, dict) and len(cache) > _MAX_PINT_CACHE:
            cache.clear()


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
    reg = registry()
    try:
        unit = reg.Unit(name)
    except Exception as exc:  # pint raises several types for unknown names
        raise InvalidInputError(field, f"unit {text!r} is not known") from exc
    finally:
        _bound_pint_caches(reg)
    if len(_unit_cache) < 256:
        _unit_cache[text] = unit
    return unit


def _real(value: object, field: str) -> int | float:
    """A finite real magnitude: an int that a float can hold stays an int."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise InvalidInputError(
            field, f"magnitude must be a real number, got {type(value).__name__}", part="value"
        )
    try:
        number = float(value)
    except (OverflowError, ValueError, ArithmeticError):
        number = math.nan if not isinstance(value, int) else math.inf
    if not math.isfinite(number):
        raise InvalidInputError(
            field, "magnitude must be finite (not NaN, infinity or too large)", part="value"
        )
    return int(value) if isinstance(value, int) else number


def _unit_text(units: Any) -> str:
    """A units container as plain text (``milliliter / minute``, ``1 / liter``), from its
    names and powers: never from the printed form, which a host may format in any way."""

    def term(name: str, power: float) -> str:
        return name if power == 1 else f"{name} ** {power:g}"

    above = [term(name, power) for name, power in units.items() if power > 0]
    below = [term(name, -power) for name, power in units.items() if power < 0]
    text = " * ".join(above) or ("1" if below else "dimensionless")
    return text + "".join(f" / {item}" for item in below)


def dimension_problem(units: Any, dimension: str) -> str | None:
    """``None`` when ``units`` (a units container) have ``dimension``, else the broken rule."""
    key = (units, dimension)
    found = _dimension_cache.get(key, "")
    if found == "":
        reg = registry()
        unit = reg.Unit(units)
        ok = unit.dimensionality == reg.get_dimensionality(dimension)
        found = (
            None
            if ok
            else f"must have {dimension} dimension, got {_unit_text(units)} "
            f"({unit.dimensionality})"
        )
        _remember(_dimension_cache, key, found)
        _bound_pint_caches(reg)
    return found


# The unit a foreign quantity is converted into, by its own registry, when its
# unit is not defined the same way in the library's registry.
_REFERENCE_UNITS: Final[dict[str, str]] = {
    "[time]": "year",
    "[mass]": "kilogram",
    "1 / [volume]": "1 / liter",
    "[mass] / [volume]": "gram / deciliter",
    "[volume] / [time]": "milliliter / minute",
    "[substance] / [volume]": "micromole / liter",
}

# How the message for a bare number shows the quantity to write, by dimension.
_EXAMPLE_UNITS: Final[dict[str, str]] = {
    "[time]": "year",
    "[mass]": "kg",
    "1 / [volume]": "10*9/L",
    "[mass] / [volume]": "g/dL",
    "[volume] / [time]": "mL/min",
    "[substance] / [volume]": "umol/L",
}


def bare_number_error(value: object, field: str, unit: str) -> InvalidInputError:
    """The error for a number given without its unit, showing the quantity to write."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return InvalidInputError(
        field,
        f"a bare number ({shown}) has no unit; write the quantity, e.g. "
        f'"{shown} {unit}" or bg.Q_({shown}, "{unit}")',
        part="unit",
    )


def _foreign(value: QuantityT, field: str, dimension: str) -> tuple[Any, float]:
    """The library's unit for a foreign quantity and the factor its magnitude takes.

    The caller's unit is kept when the library's registry defines the same
    names with the same value; otherwise the caller's registry converts the
    quantity into the reference unit of its kind.
    """
    host = value._REGISTRY
    key = (host, value._units, dimension)
    found = _foreign_cache.get(key)
    if found is not None:
        return found
    reference = _REFERENCE_UNITS[dimension]
    try:
        host_factor = float(host.Quantity(1.0, value._units).m_as(reference))
    except pint.DimensionalityError:
        raise InvalidInputError(
            field,
            f"must have {dimension} dimension, got {_unit_text(value._units)}",
            part="unit",
        ) from None
    except Exception as exc:
        raise InvalidInputError(
            field, f"unit {_unit_text(value._units)} cannot be converted", part="unit"
        ) from exc
    reg = registry()
    try:
        ours = reg.Unit(value._units)
        same = math.isclose(
            float(reg.Quantity(1.0, ours).m_as(reference)), host_factor, rel_tol=1e-9
        )
    except Exception:  # a name only the host defines
        same = False
    found = (ours, 1.0) if same else (reg.Unit(reference), host_factor)
    _remember(_foreign_cache, key, found)
    return found


def quantity_from(value: object, field: str, dimension: str) -> QuantityT:
    """``value`` as a read-only quantity of this registry with the dimension ``dimension``.

    Accepts a pint quantity of any registry, or a text of a number and a unit
    (``"25 kg"``, read by :func:`parse_quantity`, never by pint's expression
    parser); a bare number is refused with a message showing the quantity to
    write. The caller's object is never kept. A quantity of this registry keeps its magnitude and unit; a
    foreign one is converted as :func:`_foreign` says.
    """
    if isinstance(value, str):
        return parse_quantity(value, field, dimension)
    if not isinstance(value, pint.Quantity):
        if isinstance(value, Real | Decimal) and not isinstance(value, bool):
            raise bare_number_error(value, field, _EXAMPLE_UNITS.get(dimension, "unit"))
        raise InvalidInputError(
            field,
            f"must be a pint Quantity with {dimension} dimension or a text such as "
            f'"8 year", got {type(value).__name__}',
        )
    magnitude = value.magnitude
    if not (type(magnitude) is float and math.isfinite(magnitude)):
        magnitude = _real(magnitude, field)
    ours = value._REGISTRY is registry()
    if ours:
        units = value._units
    else:
        unit, factor = _foreign(value, field, dimension)
        units = unit._units
        if factor != 1.0:
            magnitude = snap_conversion_noise(magnitude * factor)
    problem = dimension_problem(units, dimension)
    if problem is not None:
        raise InvalidInputError(field, problem, part="unit")
    if ours and _is_read_only(value):
        return value
    return frozen_quantity(magnitude, units)


_SIGNIFICANT_DIGITS: Final = 12
_CONVERSION_NOISE: Final = 8 * sys.float_info.epsilon
"""How far (relative, about 1.8e-15) a unit conversion's product may lie from the exact
value: a few roundings of a float, each at most half an epsilon. Measured, a value converted
by pint into another unit and back lies within 2 epsilons; 8 leaves room for a chain of
conversions."""


def snap_conversion_noise(number: float) -> float:
    """``number``, snapped to 12 significant digits only when it lies within float noise of them.

    A unit conversion leaves float noise (0.5/nL = 499999999.99999994 per litre,
    216 months = 17.999999999999996 years); that noise vanishes at any scale.
    A value farther from a 12-digit number than one conversion can put it is
    kept as it is: 17.99999999999 years stays below 18.
    """
    if number == 0 or not math.isfinite(number):
        return number
    rounded = round(number, _SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(number))))
    return rounded if abs(rounded - number) <= _CONVERSION_NOISE * abs(rounded) else number


def canonical(quantity: QuantityT, target: str) -> float:
    """The magnitude of a quantity of this registry in ``target``, as a float.

    The float noise of the conversion is removed (see :func:`snap_conversion_noise`), so
    one value gives one number whatever unit it is written in: 30000 g is
    exactly 30 kg, 216 months exactly 18 years and 1/nL exactly 10^9 per litre
    when the rules compare them; a value farther from a threshold than that
    noise stays on its own side.
    """
    key = (quantity._units, target)
    factor = _factor_cache.get(key)
    if factor is None:
        factor = float(registry().Quantity(1.0, quantity.units).m_as(target))
        _remember(_factor_cache, key, factor)
    return snap_conversion_noise(float(quantity.magnitude) * factor)


_NUMBER_RE: Final = re.compile(
    r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*(.*?)\s*$"
)


def quantity(value: float | int, unit: str) -> QuantityT:
    """A read-only quantity of the library from a number and a unit as reports print it.

    ``unit`` is a UCUM code (``"10*9/L"``, ``"10*3/uL"``, ``"/mm3"``, ``"g/dL"``,
    ``"[lb_av]"``) or a plain pint name (``"kg"``, ``"mL/min"``); ``"G/L"`` is giga
    per litre. Anything else raises InvalidInputError, never a bare pint error.
    """
    unit_object = parse_unit(unit, "unit")
    magnitude = _real(value, "value")
    return frozen_quantity(magnitude, unit_object)


def parse_quantity(text: str, field: str, dimension: str) -> QuantityT:
    """A quantity from untrusted text such as ``"8y"``, ``"25 kg"`` or ``"55 lb"``.

    The number and the unit are parsed apart; no expression is evaluated.
    """
    if not isinstance(text, str) or len(text) > _MAX_QUANTITY_TEXT:
        raise InvalidInputError(field, "is not a short text of a number followed by a unit")
    match = _NUMBER_RE.match(text)
    if match is not None and not match.group(2):
        raise bare_number_error(match.group(1), field, _EXAMPLE_UNITS.get(dimension, "unit"))
    if match is None:
        raise InvalidInputError(field, f"{text[:40]!r} is not a number followed by a unit")
    number_text, unit_text = match.groups()
    number: float | int = (
        int(number_text) if re.fullmatch(r"[+-]?\d+", number_text) else float(number_text)
    )
    unit_text = _SHORT_UNITS.get(unit_text, unit_text)
    # quantity_from checks the number (finite) and the dimension.
    return quantity_from(
        registry().Quantity(number, parse_unit(unit_text, field)), field, dimension
    )


_MAX_QUANTITY_TEXT: Final = 80
# Short forms for the command line, beside the UCUM codes ("a", "mo") parse_unit reads.
_SHORT_UNITS: Final[dict[str, str]] = {"y": "year", "yr": "year", "m": "month"}


def to_json_unit(unit: Any) -> str:
    """The unit as written in JSON: its UCUM code where the table has one.

    Read from the units container, so a host's default format cannot change it.
    """
    units = getattr(unit, "_units", unit)
    code = _json_unit_cache.get(units)
    if code is None:
        name = _unit_text(units)
        code = _PINT_TO_UCUM.get(name, name)
        _remember(_json_unit_cache, units, code)
    return code


_json_unit_cache: dict[Any, str] = {}

"""JSON in and out through one cattrs converter.

Quantities are written as ``{"value": 4, "unit": "mg"}`` (UCUM codes where
the library has one), enums by name, dates in ISO 8601 and sets as sorted
lists, so output is deterministic. Reading forbids extra keys, takes units
through the safe unit parser and turns every failure into
:class:`InvalidInputError` naming the JSON path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
import pint
from cattrs.preconf.json import make_converter

from .errors import InvalidInputError
from .model.core import DoseOption, DoseRecommendation, Reason, Regimen, Source
from .model.evidence import (
    Citation,
    Combination,
    ConfidenceInterval,
    MeanDifference,
    Recommendation,
    SafetyFigure,
    Statement,
)
from .model.patient import Labs, Patient
from .model.plans import Referral, ScreeningItem, ScreeningPlan, Visit
from .units import QuantityT, parse_unit, to_json_unit, ureg

__all__ = ["PUBLIC_CLASSES", "SCHEMA_VERSION", "converter", "from_json", "to_json"]

T = TypeVar("T")

SCHEMA_VERSION: Final = 1
MAX_JSON_CHARS: Final = 1_000_000

PUBLIC_CLASSES: Final[tuple[type, ...]] = (
    Patient,
    Labs,
    Regimen,
    DoseOption,
    DoseRecommendation,
    Reason,
    Source,
    Statement,
    Recommendation,
    ConfidenceInterval,
    MeanDifference,
    SafetyFigure,
    Citation,
    Combination,
    ScreeningPlan,
    ScreeningItem,
    Referral,
    Visit,
)

converter: Final = make_converter(forbid_extra_keys=True)


def _unstructure_quantity(quantity: QuantityT) -> dict[str, Any]:
    magnitude = quantity.magnitude
    value = magnitude if isinstance(magnitude, int) else float(magnitude)
    return {"value": value, "unit": to_json_unit(quantity.units)}


def _structure_quantity(data: object, _: object) -> QuantityT:
    if not isinstance(data, Mapping):
        raise InvalidInputError("$", f"a quantity must be an object, got {type(data).__name__}")
    if set(data) != {"value", "unit"}:
        raise InvalidInputError("$", "a quantity has exactly the keys 'value' and 'unit'")
    return ureg.Quantity(_number(data["value"], "value"), parse_unit(data["unit"], "unit"))


def _is_enum_set(kind: Any) -> bool:
    if get_origin(kind) not in (frozenset, set):
        return False
    args = get_args(kind)
    return len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], Enum)


def _unstructure_enum_set(members: frozenset[Enum]) -> list[Any]:
    return sorted(member.value for member in members)


def _is_quantity(kind: Any) -> bool:
    return kind is pint.Quantity or get_origin(kind) is pint.Quantity


def _strict_bool(data: object, _: object) -> bool:
    if not isinstance(data, bool):
        raise InvalidInputError("$", f"must be true or false, got {type(data).__name__}")
    return data


def _strict_str(data: object, _: object) -> str:
    if not isinstance(data, str):
        raise InvalidInputError("$", f"must be a string, got {type(data).__name__}")
    return data


def _strict_int(data: object, _: object) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise InvalidInputError("$", f"must be an integer, got {type(data).__name__}")
    return data


def _number(data: object, field: str) -> int | float:
    """A JSON number as it came (an int stays an int), finite; booleans are not numbers."""
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise InvalidInputError(field, f"must be a number, got {type(data).__name__}")
    if not math.isfinite(data):
        raise InvalidInputError(field, "must be finite")
    return data


def _strict_float(data: object, _: object) -> float:
    return float(_number(data, "$"))


# JSON scalars are taken as they are: no "yes" read as true, no 5 read as "5".
converter.register_structure_hook(bool, _strict_bool)
converter.register_structure_hook(str, _strict_str)
converter.register_structure_hook(int, _strict_int)
converter.register_structure_hook(float, _strict_float)
converter.register_unstructure_hook_func(_is_quantity, _unstructure_quantity)
converter.register_structure_hook_func(_is_quantity, _structure_quantity)
converter.register_unstructure_hook_func(_is_enum_set, _unstructure_enum_set)


def to_json(obj: object) -> str:
    """``obj`` (a public class, or a tuple of them) as deterministic JSON text."""
    data = converter.unstructure(obj)
    if isinstance(data, dict) and attrs.has(type(obj)):
        data = {"schema_version": SCHEMA_VERSION, **data}
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def _reject_constant(name: str) -> object:
    raise InvalidInputError("$", f"{name} is not allowed in JSON")


def _describe(exc: BaseException, kind: object) -> str:
    if isinstance(exc, InvalidInputError):
        return exc.rule
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"extra fields found ({', '.join(sorted(exc.extra_fields))})"
    name = getattr(kind, "__name__", str(kind))
    return f"invalid value for type, expected {name}"


def _path_error(exc: cattrs.BaseValidationError) -> InvalidInputError:
    messages = cattrs.transform_error(exc, format_exception=_describe)
    message = messages[0] if messages else str(exc)
    rule, _, path = message.rpartition(" @ ")
    inner = _first_invalid(exc)
    if inner is not None:
        # A field name (from a constructor or a quantity hook) extends the path.
        return inner.at(path or "$")
    return InvalidInputError(path or "$", rule or message)


def _first_invalid(exc: BaseException) -> InvalidInputError | None:
    if isinstance(exc, InvalidInputError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _first_invalid(inner)
        if found is not None:
            return found
    return None


def from_json(text: str | bytes, cls: type[T]) -> T:
    """An instance of ``cls`` from JSON text; any fault raises :class:`InvalidInputError`."""
    if cls not in PUBLIC_CLASSES:
        raise InvalidInputError("cls", f"{cls!r:.60} is not a public class of the library")
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError("$", "JSON text must be UTF-8") from None
    if not isinstance(text, str):
        raise InvalidInputError("$", f"JSON text must be a string, got {type(text).__name__}")
    if len(text) > MAX_JSON_CHARS:
        raise InvalidInputError("$", f"JSON text longer than {MAX_JSON_CHARS} characters")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except InvalidInputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidInputError("$", f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise InvalidInputError("$", f"{cls.__name__} must be a JSON object")
    if data.pop("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InvalidInputError("$.schema_version", f"only version {SCHEMA_VERSION} is read")
    try:
        return converter.structure(data, cls)
    except InvalidInputError as exc:
        raise exc.at("$") from None
    except cattrs.BaseValidationError as exc:
        raise _path_error(exc) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
        raise InvalidInputError(
            "$", f"cannot be read as {cls.__name__} ({type(exc).__name__})"
        ) from None

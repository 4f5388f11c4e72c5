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

import cattrs
import pint
from cattrs.preconf.json import make_converter

from ._json import load_text, unique_keys
from .errors import InvalidInputError
from .knowledge import KNOWLEDGE_VERSION
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
from .units import QuantityT, frozen_quantity, parse_unit, quantity_from, to_json_unit

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
    return frozen_quantity(_number(data["value"], "value"), parse_unit(data["unit"], "unit"))


def _is_enum_set(kind: Any) -> bool:
    if get_origin(kind) not in (frozenset, set):
        return False
    args = get_args(kind)
    return len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], Enum)


def _unstructure_enum_set(members: frozenset[Enum]) -> list[Any]:
    return sorted(member.value for member in members)


def _structure_enum_set(data: object, kind: Any) -> frozenset[Enum]:
    """A JSON array of member names, each once; an object is not a set."""
    if not isinstance(data, list):
        raise InvalidInputError("$", f"a set must be a JSON array, got {type(data).__name__}")
    member_type = get_args(kind)[0]
    members = []
    for index, name in enumerate(data):
        if not isinstance(name, str) or name not in member_type.__members__:
            allowed = ", ".join(member_type.__members__)
            raise InvalidInputError(f"[{index}]", f"{name!r:.60} is not one of {allowed}")
        members.append(member_type[name])
    if len(set(members)) != len(members):
        raise InvalidInputError("$", "a set must not name a member twice")
    return frozenset(members)


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Enum)


def _structure_enum(data: object, kind: type[Enum]) -> Enum:
    """A member by its exact name, as JSON writes it; anything else names the members."""
    if isinstance(data, str) and data in kind.__members__:
        return kind[data]
    allowed = ", ".join(kind.__members__)
    raise InvalidInputError("$", f"{data!r:.60} is not one of {allowed}")


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
converter.register_structure_hook_func(_is_enum, _structure_enum)
converter.register_structure_hook_func(_is_enum_set, _structure_enum_set)


def _is_public(obj: object) -> bool:
    return type(obj) in PUBLIC_CLASSES


def to_json(obj: object) -> str:
    """``obj`` as deterministic JSON text: a public class, a quantity, or a tuple of public
    objects (such as a monitoring schedule, written as ``{"schema_version",
    "knowledge_version", "items"}``). Every object and tuple carries
    ``knowledge_version``: the :data:`KNOWLEDGE_VERSION` it was answered from.

    Anything else raises :class:`InvalidInputError`.
    """
    if isinstance(obj, tuple) and all(_is_public(item) for item in obj):
        data: Any = {
            "schema_version": SCHEMA_VERSION,
            "knowledge_version": KNOWLEDGE_VERSION,
            "items": [converter.unstructure(item) for item in obj],
        }
    elif _is_public(obj):
        data = {
            "schema_version": SCHEMA_VERSION,
            "knowledge_version": KNOWLEDGE_VERSION,
            **converter.unstructure(obj),
        }
    elif isinstance(obj, pint.Quantity):
        data = _unstructure_quantity(quantity_from(obj, "obj", _dimension_of(obj)))
    else:
        raise InvalidInputError(
            "obj", f"{type(obj).__name__} is not a public class, a quantity or a tuple of them"
        )
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidInputError("obj", f"cannot be written as JSON ({exc})") from None


def _dimension_of(quantity: QuantityT) -> str:
    """A quantity's own dimension, as the unit door checks it."""
    for dimension in (
        "[time]",
        "[mass]",
        "1 / [volume]",
        "[mass] / [volume]",
        "[volume] / [time]",
    ):
        if quantity.check(dimension):
            return dimension
    raise InvalidInputError("obj", "a quantity of this kind is not one the library writes")


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
    """The first fault cattrs found, at its JSON path, with its own rule."""
    raised: list[InvalidInputError] = []

    def describe(error: BaseException, kind: object) -> str:
        if isinstance(error, InvalidInputError):
            raised.append(error)
            return f"#{len(raised) - 1}"
        return _describe(error, kind)

    messages = cattrs.transform_error(exc, format_exception=describe)
    message = messages[0] if messages else str(exc)
    rule, _, path = message.rpartition(" @ ")
    if rule.startswith("#") and rule[1:].isdigit():
        # A field name (from a constructor or a quantity hook) extends the path.
        return raised[int(rule[1:])].at(path or "$")
    return InvalidInputError(path or "$", rule or message)


def _item_class(cls: object) -> type | None:
    """``C`` for ``tuple[C, ...]`` with a public ``C``; ``None`` otherwise."""
    args = get_args(cls)
    if get_origin(cls) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0] if args[0] in PUBLIC_CLASSES else None
    return None


def _parse(text: object) -> object:
    if isinstance(text, Mapping):
        return dict(text)
    if not isinstance(text, str | bytes | bytearray):
        raise InvalidInputError("$", f"JSON text must be a string, got {type(text).__name__}")
    return load_text(text, "$", MAX_JSON_CHARS, unique_keys)


def _version(data: dict[str, Any]) -> None:
    """Take ``schema_version`` off a root object: absent, or exactly the integer 1; and
    ``knowledge_version``: absent, or a string (an answer of any revision is read back)."""
    version = data.pop("schema_version", SCHEMA_VERSION)
    if type(version) is not int or version != SCHEMA_VERSION:
        raise InvalidInputError("$.schema_version", f"only version {SCHEMA_VERSION} is read")
    knowledge = data.pop("knowledge_version", "")
    if not isinstance(knowledge, str):
        raise InvalidInputError("$.knowledge_version", "must be a string")


def from_json(text: str | bytes | Mapping[str, Any], cls: type[T]) -> T:
    """An instance of ``cls`` from JSON text (or its already-parsed object).

    ``cls`` is a public class, or ``tuple[C, ...]`` of one for what
    :func:`to_json` wrote from a tuple (a bare JSON array is read too). Any
    fault raises :class:`InvalidInputError` naming the JSON path.
    """
    item_class = _item_class(cls)
    if cls not in PUBLIC_CLASSES and item_class is None:
        raise InvalidInputError("cls", f"{cls!r:.60} is not a public class of the library")
    data = _parse(text)
    if item_class is not None:
        if isinstance(data, dict):
            _version(data)
            if set(data) != {"items"}:
                raise InvalidInputError("$", "a list of objects has exactly the key 'items'")
            data = data["items"]
        if not isinstance(data, list):
            raise InvalidInputError("$", "must be a JSON array of objects")
        return tuple(_structure(item, item_class, f"$.items[{i}]") for i, item in enumerate(data))  # type: ignore[return-value]
    if not isinstance(data, dict):
        raise InvalidInputError("$", f"{cls.__name__} must be a JSON object")
    _version(data)
    return _structure(data, cls, "$")


def _structure(data: object, cls: type[T], root: str) -> T:
    if not isinstance(data, dict):
        raise InvalidInputError(root, f"{cls.__name__} must be a JSON object")
    try:
        return converter.structure(data, cls)
    except InvalidInputError as exc:
        raise exc.at(root) from None
    except cattrs.BaseValidationError as exc:
        error = _path_error(exc)
        raise (
            error if root == "$" else InvalidInputError(root + error.field[1:], error.rule)
        ) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
        raise InvalidInputError(
            root, f"cannot be read as {cls.__name__} ({type(exc).__name__})"
        ) from None

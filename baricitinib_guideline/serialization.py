"""JSON in and out through one cattrs converter.

Quantities are written as ``{"value": 4, "unit": "mg"}`` (UCUM codes where
the library has one), enums by name, dates in ISO 8601 and sets as sorted
lists, so output is deterministic. Reading forbids extra keys, takes units
through the safe unit parser and turns every failure into
:class:`InvalidInputError` naming the JSON path.

A Patient, the commonest object, has a quick path beside the converter (at the
end of this module) that gives the same results.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
import pint
from cattrs.preconf.json import make_converter

from ._json import load_text, unique_keys
from .errors import InvalidInputError
from .knowledge import KNOWLEDGE_VERSION
from .model._checks import checked_builder
from .model.core import DoseOption, DoseRecommendation, Reason, Regimen, Source
from .model.enums import Comorbidity, RiskFactor, Sex
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
from .units import (
    QuantityT,
    dimension_problem,
    frozen_quantity,
    parse_unit,
    quantity_from,
    to_json_unit,
)

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
    return {"value": value, "unit": to_json_unit(quantity._units)}


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


_encode: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
"""``json.dumps`` with the same settings, without building an encoder per call."""


def to_json(obj: object) -> str:
    """``obj`` as deterministic JSON text: a public class, a quantity, or a tuple of public
    objects (such as a monitoring schedule, written as ``{"schema_version",
    "knowledge_version", "items"}``). Every object and tuple carries
    ``knowledge_version``: the :data:`KNOWLEDGE_VERSION` it was answered from.

    Anything else raises :class:`InvalidInputError`.
    """
    if type(obj) is Patient:
        text = _patient_text(obj)
        if text is not None:
            return text
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
        return _encode(data)
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
    if cls is Patient and type(text) is str:
        patient = _quick_patient_text(text)
        if patient is not None:
            return patient  # type: ignore[return-value]
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


# A quick path for the commonest object, the Patient: JSON whose every value has
# exactly the type and form the cattrs path accepts (JSON numbers, strings, known
# member names, units of the field's dimension) is read and written directly;
# anything else, valid or not, takes the cattrs path, so every error and its path
# is the one that path gives. The Patient is built by a constructor that skips
# only the converters and validators this reading has done: the bounds and the
# checks across fields run as in the public constructor.

_build_patient: Final = checked_builder(Patient)
_build_labs: Final = checked_builder(Labs)
_LARGEST_EXACT_INT: Final = 2**53
_MAX_UNITS: Final = 256
_quick_units: dict[tuple[str, ...], dict[str, Any]] = {}
"""For each field's dimensions, the unit texts read for them, each to its units container."""


def _quick_unit(text: str, dimensions: tuple[str, ...]) -> Any:
    """The units container of a unit text of the first of ``dimensions`` it has, or
    ``None`` for the slow path; remembered for the next reading."""
    for dimension in dimensions:
        try:
            found = parse_unit(text, "unit")._units
        except InvalidInputError:
            return None
        if dimension_problem(found, dimension) is None:
            known = _quick_units.setdefault(dimensions, {})
            if len(known) < _MAX_UNITS:
                known[text] = found
            return found
    return None


def _quick_quantities(values: dict[str, Any], fields: tuple[tuple[str, Any], ...]) -> bool:
    """Read each quantity field of ``values`` in place (``None`` stays), each JSON object
    ``{"value": number, "unit": text}`` (as its key-value pairs) as a read-only quantity
    of one of the field's dimensions; false if one cannot be read so."""
    for name, dimensions in fields:
        data = values[name]
        if data is None:
            continue
        if type(data) is not tuple or len(data) != 2:
            return False
        (first, number), (second, text) = data
        if first != "value" or second != "unit":
            if first != "unit" or second != "value":
                return False
            number, text = text, number
        kind = type(number)
        if kind is float:
            if not math.isfinite(number):
                return False
        elif kind is not int or not -_LARGEST_EXACT_INT < number < _LARGEST_EXACT_INT:
            return False
        if type(text) is not str:
            return False
        units = _quick_units.get(dimensions, _NO_UNITS).get(text)
        if units is None:
            units = _quick_unit(text, dimensions)
            if units is None:
                return False
        values[name] = frozen_quantity(number, units)
    return True


def _quick_members(data: object, kind: type[Enum]) -> frozenset[Any] | None:
    """A JSON array of distinct member names as a frozenset of members."""
    if type(data) is not list:
        return None
    if not data:
        return _NO_MEMBERS
    names = kind.__members__
    members = []
    for name in data:
        if type(name) is not str or name not in names:
            return None
        members.append(names[name])
    found = frozenset(members)
    return found if len(found) == len(members) else None


def _defaults(cls: type) -> dict[str, Any]:
    """Each init field's default, as the constructor fills it in (none for required ones)."""
    found = {}
    for a in attrs.fields(cls):
        if a.init and a.default is not attrs.NOTHING:
            default = a.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            found[a.name] = default
    return found


_LABS_DEFAULTS: Final = _defaults(Labs)
_PATIENT_DEFAULTS: Final = _defaults(Patient)
_LABS_QUANTITIES: Final = (
    ("lymphocytes", ("1 / [volume]",)),
    ("neutrophils", ("1 / [volume]",)),
    ("haemoglobin", ("[mass] / [volume]",)),
)
_PATIENT_QUANTITIES: Final = (
    ("age", ("[time]",)),
    ("weight", ("[mass]",)),
    ("creatinine_clearance", ("[volume] / [time]",)),
    ("egfr", ("[volume] / [time]",)),
    ("serum_creatinine", ("[mass] / [volume]", "[substance] / [volume]")),
)
_PATIENT_FLAGS: Final = tuple(
    name for name, default in _PATIENT_DEFAULTS.items() if type(default) is bool
)


def _pairs_object(pairs: object) -> dict[str, Any] | None:
    """A JSON object given as its key-value pairs as a dict; ``None`` for anything else and
    for a key given twice (which the full path refuses)."""
    if type(pairs) is not tuple:
        return None
    data = dict(pairs)
    return data if len(data) == len(pairs) else None


def _quick_labs(pairs: object) -> Labs | None:
    """The Labs of a JSON object's pairs, or ``None`` when the cattrs path must read it."""
    data = _pairs_object(pairs)
    if data is None:
        return None
    values = {**_LABS_DEFAULTS, **data}
    if len(values) != len(_LABS_DEFAULTS) or not _quick_quantities(values, _LABS_QUANTITIES):
        return None
    try:
        return _build_labs(values)
    except InvalidInputError:  # the cattrs path raises it with its JSON path
        return None


def _read_patient(data: dict[str, Any]) -> Patient | None:
    """The Patient of a JSON object whose nested objects are still key-value pairs, or
    ``None`` when the cattrs path must read it.

    ``None`` for anything the cattrs path would read differently or refuse: a key it
    does not know, a missing age, a value of another type or form, a Patient or Labs
    the constructor's checks refuse.
    """
    values = {**_PATIENT_DEFAULTS, **data}
    # Every key a field's (or there would be more) and the age given.
    if len(values) != len(_PATIENT_FIELDS) or values.get("age") is None:
        return None
    if not _quick_quantities(values, _PATIENT_QUANTITIES):
        return None
    for name in _PATIENT_FLAGS:
        if type(values[name]) is not bool:
            return None
    can_become_pregnant = values["can_become_pregnant"]
    if can_become_pregnant is not None and type(can_become_pregnant) is not bool:
        return None
    for name, kind in (("risk_factors", RiskFactor), ("comorbidities", Comorbidity)):
        members = _quick_members(values[name], kind)
        if members is None:
            return None
        values[name] = members
    sex = values["sex"]
    if sex is not None:
        sex = Sex.__members__.get(sex) if type(sex) is str else None
        if sex is None:
            return None
        values["sex"] = sex
    labs = values["labs"]
    if labs is not None:
        labs = _quick_labs(labs)
        if labs is None:
            return None
        values["labs"] = labs
    try:
        return _build_patient(values)
    except InvalidInputError:  # the cattrs path raises it with its JSON path
        return None


_PATIENT_FIELDS: Final = frozenset(a.name for a in attrs.fields(Patient) if a.init)
_NO_MEMBERS: Final[frozenset[Any]] = frozenset()
_NO_UNITS: Final[dict[str, Any]] = {}


def _refuse_constant(name: str) -> object:
    raise InvalidInputError("$", f"{name} is not allowed in JSON")


_decode_pairs: Final = json.JSONDecoder(
    object_pairs_hook=tuple, parse_constant=_refuse_constant
).decode
"""JSON with every object as its tuple of key-value pairs, built in C: a key given twice
is still there to see, without a Python call per object. Built once (``json.loads``
builds a decoder a call)."""


def _quick_patient_text(text: str) -> Patient | None:
    """The Patient of JSON text, or ``None`` when the full path must read it (or refuse it)."""
    if len(text) > MAX_JSON_CHARS:
        return None
    try:
        data = _pairs_object(_decode_pairs(text))
        if data is None:
            return None
        _version(data)
    except (ValueError, RecursionError):  # InvalidInputError among them
        return None
    return _read_patient(data)


# Writing a Patient: its JSON text is put together from the text of each value, in the
# order and layout ``json.dumps`` gives the cattrs converter's dict (the tests compare
# the two). A magnitude of another type than int or float is written by that path.

_LITERALS: Final = {None: "null", True: "true", False: "false"}
_unit_texts: dict[Any, str] = {}
"""Units containers, each to its code as a JSON string."""
_set_texts: dict[frozenset[Any], str] = {}
"""Sets of members (at most 2^6 of each kind), each to its JSON array."""


def _quantity_text(quantity: QuantityT | None) -> str | None:
    """A quantity as its JSON object, ``null`` for none, ``None`` for a magnitude of
    another kind (or not finite), which the cattrs path writes or refuses."""
    if quantity is None:
        return "null"
    magnitude = quantity._magnitude
    kind = type(magnitude)
    if kind is int:
        number = int.__repr__(magnitude)
    elif kind is float and math.isfinite(magnitude):
        number = float.__repr__(magnitude)
    else:
        return None
    units = quantity._units
    unit = _unit_texts.get(units)
    if unit is None:
        unit = _encode(to_json_unit(units))
        if len(_unit_texts) < _MAX_UNITS:
            _unit_texts[units] = unit
    return f'{{"value": {number}, "unit": {unit}}}'


def _set_text(members: frozenset[Enum]) -> str:
    found = _set_texts.get(members)
    if found is None:
        found = _encode(_unstructure_enum_set(members))
        _set_texts[members] = found
    return found


def _labs_text(labs: Labs | None) -> str | None:
    if labs is None:
        return "null"
    parts = [_quantity_text(labs.lymphocytes), _quantity_text(labs.neutrophils)]
    parts.append(_quantity_text(labs.haemoglobin))
    if None in parts:
        return None
    return _LABS_TEMPLATE % tuple(parts)


def _template(names: tuple[str, ...], head: str = "") -> str:
    """``{head"name": %s, ...}``: the layout of ``json.dumps`` for these keys."""
    return "{" + head + ", ".join(f"{_encode(name)}: %s" for name in names) + "}"


_LABS_TEMPLATE: Final = _template(tuple(a.name for a in attrs.fields(Labs) if a.init))
_PATIENT_NAMES: Final = tuple(a.name for a in attrs.fields(Patient) if a.init)
_PATIENT_TEMPLATE: Final = _template(
    _PATIENT_NAMES,
    f'"schema_version": {SCHEMA_VERSION}, "knowledge_version": {_encode(KNOWLEDGE_VERSION)}, ',
)
_SEX_TEXTS: Final[dict[Sex | None, str]] = {None: "null"}
_SEX_TEXTS.update((sex, _encode(sex.value)) for sex in Sex)
_PATIENT_WRITERS: Final[dict[str, Any]] = {
    **dict.fromkeys(_PATIENT_FLAGS, _LITERALS.__getitem__),
    "can_become_pregnant": _LITERALS.__getitem__,
    "risk_factors": _set_text,
    "comorbidities": _set_text,
    "labs": _labs_text,
    "sex": _SEX_TEXTS.__getitem__,
    **{name: _quantity_text for name, _ in _PATIENT_QUANTITIES},
}
_PATIENT_VALUES: Final = operator.attrgetter(*_PATIENT_NAMES)
_PATIENT_PARTS: Final = tuple(_PATIENT_WRITERS[name] for name in _PATIENT_NAMES)


def _patient_text(patient: Patient) -> str | None:
    """The JSON text of a Patient, or ``None`` when the cattrs path must write it."""
    parts = [
        write(value) for write, value in zip(_PATIENT_PARTS, _PATIENT_VALUES(patient), strict=True)
    ]
    if None in parts:
        return None
    return _PATIENT_TEMPLATE % tuple(parts)

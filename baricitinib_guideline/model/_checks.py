"""Validators and converters shared by the model classes.

Each raises :class:`InvalidInputError` naming the field and the rule, so the
message is the same whether the value came from code, JSON or the CLI.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import attrs

from ..errors import InvalidInputError

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

Validator = Callable[[Any, Any, Any], None]


def is_text(name: str, *, empty: bool = True) -> Validator:
    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, str):
            raise InvalidInputError(name, f"must be a string, got {type(value).__name__}")
        if not empty and not value.strip():
            raise InvalidInputError(name, "must not be empty")

    return check


def instance_of(name: str, kind: type, *, optional: bool = False) -> Validator:
    def check(_: object, __: object, value: object) -> None:
        if optional and value is None:
            return
        if not isinstance(value, kind):
            raise InvalidInputError(name, f"must be a {kind.__name__}, got {value!r:.60}")

    return check


def flag(name: str) -> Validator:
    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidInputError(name, f"must be true or false, got {value!r:.60}")

    return check


def _iterable(name: str, value: object) -> tuple[object, ...]:
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        raise InvalidInputError(name, f"must be a collection, got {type(value).__name__}")
    return tuple(value)


def as_tuple(value: object, name: str, kind: type[T]) -> tuple[T, ...]:
    """``value`` as a tuple whose items are all ``kind``."""
    items = value if type(value) is tuple else _iterable(name, value)
    for item in items:
        if not isinstance(item, kind):
            raise InvalidInputError(name, f"items must be {kind.__name__}, got {item!r:.60}")
    return items  # type: ignore[return-value]


def member(value: object, name: str, kind: type[E]) -> E:
    """A member of ``kind``, or its name in any case (``"female"``, ``"Female"``)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        found = kind.__members__.get(value.strip().upper())
        if found is not None:
            return found
    allowed = ", ".join(kind.__members__)
    raise InvalidInputError(name, f"{value!r:.60} is not one of {allowed}")


def as_enum_set(value: object, name: str, kind: type[E]) -> frozenset[E]:
    """Members of ``kind``, or their names in any case, as a frozenset."""
    if type(value) is frozenset and all(isinstance(item, kind) for item in value):
        return value
    return frozenset(member(item, name, kind) for item in _iterable(name, value))


def as_date(value: object, name: str, *, from_datetime: bool = False) -> dt.date:
    """``value`` as a calendar date; a datetime is taken by its date only when ``from_datetime``."""
    if isinstance(value, dt.datetime):
        if from_datetime:
            return value.date()
    elif isinstance(value, dt.date):
        return value
    raise InvalidInputError(name, f"must be a date, got {type(value).__name__}")


def is_date(name: str) -> Validator:
    def check(_: object, __: object, value: object) -> None:
        as_date(value, name)

    return check


def checked_builder(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """A private constructor of the frozen attrs class ``cls`` for values already converted.

    It takes a dict of every ``init`` field, each value exactly as the class keeps it
    (the caller has done what the converters and validators do), sets the fields
    without them, and runs the class's ``__attrs_post_init__``: the checks across
    fields and the derived values are the public constructor's. Fields outside
    ``init`` start from their default.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    given = tuple(a.name for a in fields if a.init)
    preset = tuple(
        (a.name, a.default) for a in fields if not a.init and a.default is not attrs.NOTHING
    )
    if any(isinstance(default, attrs.Factory) for _, default in preset):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__}: a field outside init has a factory default")
    post_init = getattr(cls, "__attrs_post_init__", None)
    new = object.__new__
    setters = tuple((name, _setter(cls, name)) for name in given)
    put = object.__setattr__

    def build(values: dict[str, Any]) -> T:
        if len(values) != len(given):
            raise TypeError(f"{cls.__name__} takes exactly the fields {', '.join(given)}")
        obj = new(cls)
        try:
            for name, setter in setters:
                setter(obj, values[name])
        except KeyError:
            raise TypeError(
                f"{cls.__name__} takes exactly the fields {', '.join(given)}"
            ) from None
        for name, default in preset:
            put(obj, name, default)
        if post_init is not None:
            post_init(obj)
        return obj

    return build


def _setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """What sets field ``name`` on an instance of ``cls`` past a frozen ``__setattr__``: the
    slot's own descriptor in a class with slots (a call cheaper than ``object.__setattr__``)."""
    found = inspect.getattr_static(cls, name, None)
    if isinstance(found, types.MemberDescriptorType):
        return found.__set__

    def put(obj: Any, value: Any) -> None:
        object.__setattr__(obj, name, value)

    return put


class Readable:
    """Results that print in the CLI's layout and show in notebooks as an escaped table."""

    __slots__ = ()

    def _html_(self) -> str | None:
        """The notebook table; ``None`` shows the text as preformatted."""
        return None

    def _repr_html_(self) -> str:
        import html

        table = self._html_()
        if table is not None:
            return table
        return f'<pre class="baricitinib-guideline">{html.escape(str(self))}</pre>'

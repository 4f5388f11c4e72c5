"""Reading JSON text from outside: one door for the JSON reader and the FHIR reader."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import InvalidInputError


def load_text(
    text: str | bytes | bytearray,
    field: str,
    limit: int | None,
    pairs: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> object:
    """JSON text (UTF-8 bytes or str) as Python data, refusing NaN and Infinity and text
    longer than ``limit`` characters (``None``: any length that fits in memory); every
    fault is an InvalidInputError naming ``field``.

    ``pairs`` builds each JSON object from its key-value pairs (to refuse duplicate keys).
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(field, "JSON text must be UTF-8") from None
    if limit is not None and len(text) > limit:
        raise InvalidInputError(field, f"JSON text longer than {limit} characters")

    def constant(name: str) -> object:
        raise InvalidInputError(field, f"{name} is not allowed in JSON")

    try:
        return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    except InvalidInputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidInputError(field, f"not valid JSON ({type(exc).__name__})") from None


def load_file(path: str | Path, field: str, limit: int) -> object:
    """JSON from a file of at most ``limit`` bytes (a larger one, or a device that never
    ends, is refused after reading ``limit + 1`` bytes), as :func:`load_text` reads it."""
    with Path(path).open("rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise InvalidInputError(field, f"larger than {limit} bytes")
    return load_text(raw, field, limit)


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once (JSON would silently keep the last)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidInputError("$", f"key {key!r:.40} appears twice")
            seen.add(key)
    return data


def check_depth(data: object, field: str, limit: int) -> None:
    """Refuse data nested deeper than ``limit`` lists and objects, without recursion.

    Python data can be nested beyond what recursive code (equality, copying)
    survives; this walk uses its own stack, so any depth is refused cleanly.
    """
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            children: Any = value.values() if isinstance(value, dict) else value
        elif isinstance(value, Mapping):
            children = value.values()
        elif isinstance(value, tuple):
            children = value
        else:
            continue
        if depth >= limit:
            raise InvalidInputError(field, f"nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children if not isinstance(child, _SCALARS))


_SCALARS = (str, int, float, type(None))

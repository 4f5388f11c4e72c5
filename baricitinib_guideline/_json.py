"""Reading JSON text from outside: one door for the JSON reader and the FHIR reader."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import InvalidInputError


def load_text(
    text: str | bytes | bytearray,
    field: str,
    limit: int,
    pairs: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> object:
    """JSON text (UTF-8 bytes or str) as Python data, refusing NaN and Infinity and text
    longer than ``limit`` characters; every fault is an InvalidInputError naming ``field``.

    ``pairs`` builds each JSON object from its key-value pairs (to refuse duplicate keys).
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(field, "JSON text must be UTF-8") from None
    if len(text) > limit:
        raise InvalidInputError(field, f"JSON text longer than {limit} characters")

    def constant(name: str) -> object:
        raise InvalidInputError(field, f"{name} is not allowed in JSON")

    try:
        return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    except InvalidInputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidInputError(field, f"not valid JSON ({type(exc).__name__})") from None

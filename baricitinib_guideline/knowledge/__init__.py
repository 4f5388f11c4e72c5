"""The chapter and the licence as data, each fact with a stable ID."""

from __future__ import annotations

from typing import Final

from ..errors import InvalidInputError
from ..model.evidence import Statement
from .chapter import GUIDELINE_EDITION, STATEMENTS
from .licence import LICENCE_STATEMENTS

__all__ = ["ALL_STATEMENTS", "KNOWLEDGE_VERSION", "statement"]

LIBRARY_REVISION: Final = "3"
KNOWLEDGE_VERSION: Final = f"{GUIDELINE_EDITION}; EU SmPC of Olumiant; revision {LIBRARY_REVISION}"

ALL_STATEMENTS: Final[tuple[Statement, ...]] = STATEMENTS + LICENCE_STATEMENTS
_INDEX: Final[dict[str, Statement]] = {entry.id: entry for entry in ALL_STATEMENTS}


def statement(statement_id: str) -> Statement:
    """The knowledge entry with this ID."""
    try:
        return _INDEX[statement_id]
    except (KeyError, TypeError):
        raise InvalidInputError("statement", f"no knowledge entry {statement_id!r:.60}") from None

"""Shared helpers: a foreign pint registry, as a host application would have."""

from __future__ import annotations

import os
from typing import Any

import pint
import pytest
from hypothesis import settings

# CI runs the same examples every time; locally hypothesis explores new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

FOREIGN: pint.UnitRegistry[Any] = pint.UnitRegistry()


@pytest.fixture(scope="session")
def foreign() -> pint.UnitRegistry[Any]:
    return FOREIGN


@pytest.fixture(autouse=True)
def fresh_memo() -> None:
    """Each test computes its answers: no memoised result from an earlier test hides a fault."""
    from baricitinib_guideline import api, serialization, units
    from baricitinib_guideline.rules import _base

    api._ANSWERS.clear()
    api._BANDED.clear()
    for cached in (_base._reason, _base.option, _base.regimen):
        cached.cache_clear()
    for table in (
        units._unit_cache,
        units._factor_cache,
        units._dimension_cache,
        units._json_unit_cache,
        serialization._quick_units,
        serialization._unit_texts,
        serialization._set_texts,
    ):
        table.clear()

"""Shared helpers: a foreign pint registry, as a host application would have."""

from __future__ import annotations

from typing import Any

import pint
import pytest

FOREIGN: pint.UnitRegistry[Any] = pint.UnitRegistry()


@pytest.fixture(scope="session")
def foreign() -> pint.UnitRegistry[Any]:
    return FOREIGN

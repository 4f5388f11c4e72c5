"""How to install an optional extra, said the same way everywhere.

The project is not on the package index yet (and the name there may belong to
someone else), so the advice installs from a checkout of the source.
"""

from __future__ import annotations

from typing import Final

FROM_CHECKOUT: Final = "pip install -e '.[{extra}]' in a checkout of the project"


def advice(extra: str) -> str:
    """The install command for ``extra``, e.g. ``pip install -e '.[fhir]' in a checkout ...``."""
    return FROM_CHECKOUT.format(extra=extra)


def missing_extra(what: str, extra: str, module: str | None) -> ImportError:
    """The error for ``what`` needing ``extra`` when ``module`` cannot be imported."""
    missing = f"; {module} is missing" if module else ""
    return ImportError(f"{what} needs the '{extra}' extra ({advice(extra)}{missing})", name=module)

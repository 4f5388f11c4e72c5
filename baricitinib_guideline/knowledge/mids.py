"""Minimal important differences of the outcomes, for figures and explanations only.

From the project's checked clinical facts, each with its status; the rules never read
them. Only confirmed values are drawn.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from ..model.evidence import Outcome


class Mid(NamedTuple):
    points: float | None
    status: str
    note: str


MIDS: Final[dict[Outcome, Mid]] = {
    Outcome.DLQI: Mid(4.0, "confirmed", "4 points"),
    Outcome.PEAK_PRURITUS_NRS: Mid(
        4.0, "confirmed", "2 to 4 points; 4 or more used as responder definition"
    ),
    Outcome.POEM: Mid(4.0, "partial", "4 points as responder threshold, secondary source"),
    Outcome.EASI: Mid(None, "not confirmed", "6.6 points not confirmed; not drawn"),
}

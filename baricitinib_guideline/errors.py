"""The one exception the library raises for bad input."""

from __future__ import annotations

__all__ = ["InvalidInputError"]


class InvalidInputError(ValueError):
    """Input that breaks a rule of the model.

    ``field`` is the path of the offending value (``"weight"``,
    ``"$.weight.value"``, ``"--age"``) and ``rule`` a short statement of what
    was violated. The message always names both.
    """

    field: str
    rule: str
    part: str
    """For a quantity, which part broke the rule: ``"value"`` or ``"unit"`` (else empty)."""

    def __init__(self, field: str, rule: str, *, part: str = "") -> None:
        self.field = field
        self.rule = rule
        self.part = part
        super().__init__(f"{field}: {rule}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.field, self.rule, self.part))

    def at(self, prefix: str) -> InvalidInputError:
        """The same error with its field (and part) placed under ``prefix``, a JSON path."""
        field = self.field
        if field.startswith("$"):
            field = field[1:].lstrip(".")
        path = prefix
        for step in (field, self.part):
            if step:
                path += step if step.startswith("[") or not path else f".{step}"
        return InvalidInputError(path, self.rule)


def _rebuild(field: str, rule: str, part: str) -> InvalidInputError:
    return InvalidInputError(field, rule, part=part)

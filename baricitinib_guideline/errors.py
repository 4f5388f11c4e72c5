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

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")

    def __reduce__(self) -> tuple[type[InvalidInputError], tuple[str, str]]:
        return (type(self), (self.field, self.rule))

    def at(self, prefix: str) -> InvalidInputError:
        """The same error with its field placed under ``prefix`` (a JSON path)."""
        field = self.field
        if field.startswith("$"):
            field = field[1:].lstrip(".")
        path = f"{prefix}.{field}" if field else prefix
        return InvalidInputError(path, self.rule)

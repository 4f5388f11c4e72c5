"""Reading a draft baricitinib order: which drug, how much a day, and in what regimen.

Orders come as EHRs and the CDS Hooks sandbox write them: the medication as a
code (ATC, or a site's codes from ``--medication-codes``), as text, or as a
``medicationReference`` to a contained or bundled ``Medication``; the dose in
mg (with or without a UCUM code) or in tablets (``{pill}``, ``{tbl}``,
``TAB``) times the Medication's ingredient strength; R4 ``doseAndRate`` or
the STU3 ``doseQuantity``; and the frequency in ``timing.repeat``. What
cannot be read is said precisely, never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .._json import load_file
from ..errors import InvalidInputError
from ..knowledge import codes as c
from ..units import canonical, frozen_quantity, parse_unit, quantity_from

BARICITINIB_CODES: Final = frozenset(
    (c.BARICITINIB.system, code.code) for code in (c.BARICITINIB, c.BARICITINIB_BEFORE_2024)
)
TABLET_CODES: Final = frozenset({"{pill}", "{tbl}", "{tablet}", "{tablets}", "TAB"})
"""Dose units that count tablets: UCUM annotations and the HL7 orderable drug form ``TAB``."""
TABLET_WORDS: Final = frozenset({"tablet", "tablets", "tab", "tabs", "pill", "pills"})
"""Unit texts read as tablets when a dose quantity has no code."""
PERIOD_DAYS: Final = {"h": 1 / 24, "d": 1.0, "wk": 7.0}
"""``timing.repeat.periodUnit`` codes an oral daily dose can be counted in, in days."""
MAX_CODES_FILE_BYTES: Final = 1024 * 1024
_ATC_SUBSTANCE: Final = re.compile(r"[A-Z]\d\d[A-Z][A-Z]\d\d")
"""A complete ATC code (a chemical substance): an order coded so is for that substance."""
_NEGATED: Final = re.compile(r"\b(not|no|non|without|instead\s+of|except|other\s+than)\W+$")


class UnreadableDose(Exception):
    """The order's dose cannot be compared; the message says precisely why."""


@dataclass(frozen=True)
class MedicationCode:
    """A site's code that means a baricitinib product, and its strength when it names one."""

    system: str
    code: str
    strength_mg: float | None = None


@dataclass(frozen=True)
class OrderedDose:
    """What the order asks for: the single dose, how many a day, and the daily amount."""

    dose_mg: float
    per_day: float
    daily_mg: float
    described: str
    """How it was read, e.g. ``"1 tablet of 2 mg"`` or ``"2 mg"``."""

    @property
    def once_daily(self) -> bool:
        return self.per_day == 1


def load_medication_codes(source: str | Path | Mapping[str, Any]) -> tuple[MedicationCode, ...]:
    """``{"codes": [{"code": "system|code", "strength_mg": 2}, ...]}`` from a file or mapping."""
    data: Any = source
    if not isinstance(source, Mapping):
        try:
            data = load_file(source, "medication codes", MAX_CODES_FILE_BYTES)
        except InvalidInputError as error:
            raise ValueError(f"{Path(source).name}: {error.rule}") from None
    listed = data.get("codes") if isinstance(data, Mapping) else None
    if not isinstance(listed, list):
        raise ValueError('the medication-codes file needs {"codes": [{"code": "system|code"}]}')
    found = []
    for index, item in enumerate(listed):
        where = f"codes[{index}]"
        text = item.get("code") if isinstance(item, Mapping) else None
        if not isinstance(text, str) or text.count("|") != 1 or "" in text.split("|"):
            raise ValueError(f'{where}.code must be "system|code"')
        strength = item.get("strength_mg")
        if strength is not None and (
            isinstance(strength, bool)
            or not isinstance(strength, int | float)
            or not math.isfinite(strength)
            or strength <= 0
        ):
            raise ValueError(f"{where}.strength_mg must be a positive number of mg")
        system, code = text.split("|")
        found.append(MedicationCode(system, code, None if strength is None else float(strength)))
    return tuple(found)


def _codings(concept: object) -> list[tuple[str, str, str]]:
    """(system, code, display) of a CodeableConcept's codings; odd entries passed over."""
    if not isinstance(concept, Mapping) or not isinstance(concept.get("coding"), list):
        return []
    return [
        (str(coding.get("system")), str(coding.get("code")), str(coding.get("display") or ""))
        for coding in concept["coding"]
        if isinstance(coding, Mapping)
    ]


def _names_baricitinib(text: object) -> bool:
    """A text that names baricitinib, not as what the order is not ("not baricitinib")."""
    if not isinstance(text, str):
        return False
    lower = text.lower()
    found = False
    for match in re.finditer(r"baricitinib", lower):
        if _NEGATED.search(lower[: match.start()]):
            return False
        found = True
    return found


class OrderReader:
    """Reads the orders of one request; ``bundled`` are the draft orders' other resources."""

    def __init__(
        self, site_codes: tuple[MedicationCode, ...], bundled: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self._site = {(m.system, m.code): m for m in site_codes}
        self._bundled = bundled

    def medication(self, order: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The Medication resource the order refers to (contained or bundled), if any."""
        reference = order.get("medicationReference")
        if reference is None and isinstance(order.get("medication"), Mapping):
            reference = order["medication"].get("reference")  # R5 CodeableReference
        target = reference.get("reference") if isinstance(reference, Mapping) else None
        if not isinstance(target, str) or not target:
            return None
        found: object = None
        if target.startswith("#"):
            contained = order.get("contained")
            if isinstance(contained, list):
                found = next(
                    (r for r in contained if isinstance(r, Mapping) and r.get("id") == target[1:]),
                    None,
                )
        else:
            found = self._bundled.get(target)
        if isinstance(found, Mapping) and found.get("resourceType") == "Medication":
            return found
        return None

    def concepts(self, order: Mapping[str, Any]) -> list[object]:
        """The order's medication concept and its Medication's code."""
        found: list[object] = [order.get("medicationCodeableConcept")]
        if isinstance(order.get("medication"), Mapping):
            found.append(order["medication"].get("concept"))  # R5
        medication = self.medication(order)
        if medication is not None:
            found.append(medication.get("code"))
        return [concept for concept in found if isinstance(concept, Mapping)]

    def is_baricitinib(self, order: object) -> bool:
        """Coded as baricitinib (ATC or a site code); or, with no ATC code for another drug,
        a text that names it."""
        if not isinstance(order, Mapping) or order.get("resourceType") != "MedicationRequest":
            return False
        concepts = self.concepts(order)
        codings = [coding for concept in concepts for coding in _codings(concept)]
        if any(
            (system, code) in BARICITINIB_CODES or (system, code) in self._site
            for system, code, _ in codings
        ):
            return True
        if any(system == c.ATC and _ATC_SUBSTANCE.fullmatch(code) for system, code, _ in codings):
            return False  # coded as another drug: its text does not make it baricitinib
        texts = [concept.get("text") for concept in concepts if isinstance(concept, Mapping)]
        texts += [display for _, _, display in codings]
        return any(_names_baricitinib(text) for text in texts)

    def strength_mg(self, order: Mapping[str, Any], where: str) -> float:
        """The mg in one tablet: the Medication's ingredient strength, or a site code's."""
        medication = self.medication(order)
        if medication is not None:
            strength = _ingredient_strength(medication, where)
            if strength is not None:
                return strength
        for concept in self.concepts(order):
            for system, code, _ in _codings(concept):
                known = self._site.get((system, code))
                if known is not None and known.strength_mg is not None:
                    return known.strength_mg
        raise UnreadableDose(
            f"the dose is counted in tablets but no strength is given: {where} needs a "
            "medicationReference to a Medication with ingredient.strength in mg, or a code "
            "with its strength in the service's medication codes"
        )

    def dose(self, order: Mapping[str, Any], where: str) -> OrderedDose | None:
        """The ordered dose; ``None`` when the order gives no dose at all."""
        instructions = order.get("dosageInstruction")
        if instructions is None or instructions == []:
            return None
        if not isinstance(instructions, list) or not isinstance(instructions[0], Mapping):
            raise UnreadableDose(f"{where}.dosageInstruction is not a list of Dosage")
        if len(instructions) > 1:
            raise UnreadableDose(
                f"{where}.dosageInstruction has {len(instructions)} instructions; "
                "only a single once-a-day instruction can be compared"
            )
        dosage = instructions[0]
        here = f"{where}.dosageInstruction[0]"
        quantity, at = _dose_quantity(dosage, here)
        if quantity is None:
            return None
        value, code = quantity.get("value"), quantity.get("code")
        unit = quantity.get("unit")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UnreadableDose(f"{at}.value is not a number")
        if not math.isfinite(value) or value <= 0:
            raise UnreadableDose(f"{at}.value must be a positive number")
        if code is None and isinstance(unit, str):
            # A unit written only as text: a UCUM code ("mg") or a plain word for tablets.
            code = unit.strip()
            code = "{tbl}" if code.lower() in TABLET_WORDS else code
        if code in TABLET_CODES:
            strength = self.strength_mg(order, where)
            dose_mg = value * strength
            described = f"{value:g} tablet{'s' if value != 1 else ''} of {strength:g} mg"
        elif isinstance(code, str) and code in c.UCUM_UNITS["[mass]"]:
            mass = quantity_from(
                frozen_quantity(value, parse_unit(code, "dose")), "dose", "[mass]"
            )
            dose_mg = canonical(mass, "milligram")
            described = f"{dose_mg:g} mg"
        else:
            shown = code if isinstance(code, str) else unit
            raise UnreadableDose(
                f"{at} has the unit {str(shown)[:20]!r}; a mass (mg) or tablets "
                "({pill}, {tbl}, TAB) are needed"
            )
        per_day = _per_day(dosage, here)
        return OrderedDose(dose_mg, per_day, round(dose_mg * per_day, 9), described)


def _dose_quantity(dosage: Mapping[str, Any], here: str) -> tuple[Mapping[str, Any] | None, str]:
    """The dose quantity: R4 ``doseAndRate[0].doseQuantity`` or STU3 ``doseQuantity``."""
    rates = dosage.get("doseAndRate")
    if rates is not None:
        if not isinstance(rates, list) or not rates or not isinstance(rates[0], Mapping):
            raise UnreadableDose(f"{here}.doseAndRate is not a list of dose entries")
        if len(rates) > 1:
            raise UnreadableDose(f"{here}.doseAndRate has {len(rates)} doses; give one")
        entry, at = rates[0], f"{here}.doseAndRate[0]"
    else:
        entry, at = dosage, here
    if "doseRange" in entry:
        raise UnreadableDose(f"{at}.doseRange gives a range; a single dose is needed")
    quantity = entry.get("doseQuantity")
    if quantity is None:
        return None, at
    if not isinstance(quantity, Mapping):
        raise UnreadableDose(f"{at}.doseQuantity is not a Quantity")
    return quantity, f"{at}.doseQuantity"


def _number(repeat: Mapping[str, Any], name: str, where: str, default: float) -> float:
    value = repeat.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UnreadableDose(f"{where}.{name} is not a number")
    if value <= 0:
        raise UnreadableDose(f"{where}.{name} must be greater than zero")
    return float(value)


def _per_day(dosage: Mapping[str, Any], here: str) -> float:
    """Doses a day from ``timing.repeat`` (frequency per period)."""
    timing = dosage.get("timing")
    repeat = timing.get("repeat") if isinstance(timing, Mapping) else None
    where = f"{here}.timing.repeat"
    if not isinstance(repeat, Mapping) or ("frequency" not in repeat and "period" not in repeat):
        raise UnreadableDose(
            f"{where} gives no frequency and period, so the daily amount is unknown"
        )
    for ranged in ("frequencyMax", "periodMax"):
        if ranged in repeat:
            raise UnreadableDose(f"{where}.{ranged} gives a range; a fixed frequency is needed")
    frequency = _number(repeat, "frequency", where, 1)
    period = _number(repeat, "period", where, 1)
    unit = repeat.get("periodUnit", repeat.get("periodUnits"))  # STU3 and DSTU2 spellings
    if unit not in PERIOD_DAYS:
        raise UnreadableDose(
            f"{where}.periodUnit {str(unit)[:10]!r} cannot be counted per day (h, d or wk)"
        )
    return round(frequency / (period * PERIOD_DAYS[unit]), 9)


def _ingredient_strength(medication: Mapping[str, Any], where: str) -> float | None:
    """mg per tablet from the Medication's single active ingredient's strength Ratio."""
    ingredients = medication.get("ingredient")
    if not isinstance(ingredients, list) or not ingredients:
        return None
    if len(ingredients) > 1:
        raise UnreadableDose(
            f"the Medication of {where} lists {len(ingredients)} ingredients; one is needed"
        )
    ingredient = ingredients[0]
    if not isinstance(ingredient, Mapping):
        return None
    ratio = ingredient.get("strength", ingredient.get("strengthRatio"))  # R4, R5
    if not isinstance(ratio, Mapping):
        return None
    numerator, denominator = ratio.get("numerator"), ratio.get("denominator", {"value": 1})
    if not isinstance(numerator, Mapping) or not isinstance(denominator, Mapping):
        raise UnreadableDose(f"the Medication of {where} has a strength that is not a Ratio")
    amount, code = numerator.get("value"), numerator.get("code", numerator.get("unit"))
    per = denominator.get("value", 1)
    per_code = denominator.get("code", denominator.get("unit"))
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int | float)
        or not math.isfinite(amount)
        or amount <= 0
        or code not in c.UCUM_UNITS["[mass]"]
    ):
        raise UnreadableDose(
            f"the Medication of {where} has a strength numerator that is not a mass"
        )
    if per != 1 or (per_code is not None and per_code not in TABLET_CODES | {"1"}):
        raise UnreadableDose(
            f"the Medication of {where} gives its strength per {per!s:.10} "
            f"{per_code!s:.10}, not per tablet"
        )
    mass = quantity_from(
        frozen_quantity(amount, parse_unit(code, "strength")), "strength", "[mass]"
    )
    return canonical(mass, "milligram")

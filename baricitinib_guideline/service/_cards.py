"""CDS Hooks cards from a draft baricitinib order and the library's answer."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any, Final

from ..errors import InvalidInputError
from ..fhir import CANONICAL_BASE, PatientReading
from ..knowledge import codes as c
from ..model.core import DoseRecommendation
from ..model.enums import Status
from ..units import canonical, frozen_quantity, parse_unit, quantity_from

BARICITINIB_CODES: Final = {
    (c.BARICITINIB.system, code.code) for code in (c.BARICITINIB, c.BARICITINIB_BEFORE_2024)
}
SUMMARY_LIMIT: Final = 140
TOPIC_SYSTEM: Final = f"{CANONICAL_BASE}:statement"
_NAMESPACE: Final = uuid.UUID("5a0d5b1e-0c7e-4d52-9a4f-3f5c1f3d2b7a")
_STOP_WORDS: Final = {
    Status.CONTRAINDICATED: "contraindicated",
    Status.NOT_RECOMMENDED: "not recommended",
    Status.OUTSIDE_LICENCE: "outside the licence",
    Status.CONSIDER_STOPPING: "consider stopping",
}


def _concept(order: Mapping[str, Any]) -> Mapping[str, Any]:
    """The order's medication concept: R4/R4B ``medicationCodeableConcept``, or R5 ``medication.concept``."""
    concept = order.get("medicationCodeableConcept")
    if concept is None and isinstance(order.get("medication"), Mapping):
        concept = order["medication"].get("concept")
    return concept if isinstance(concept, Mapping) else {}


def is_baricitinib(order: object) -> bool:
    """An order for baricitinib: ATC L04AF02 (or L04AA37), or a text that names it."""
    if not isinstance(order, Mapping) or order.get("resourceType") != "MedicationRequest":
        return False
    concept = _concept(order)
    found = concept.get("coding")
    codings: list[Any] = found if isinstance(found, list) else []
    texts = [concept.get("text")]
    for coding in codings:
        if isinstance(coding, Mapping):
            if (coding.get("system"), coding.get("code")) in BARICITINIB_CODES:
                return True
            texts.append(coding.get("display"))
    return any(isinstance(text, str) and "baricitinib" in text.lower() for text in texts)


def ordered_dose_mg(order: Mapping[str, Any], where: str) -> float | None:
    """The order's daily dose in mg from its first dose quantity; ``None`` when it has none."""
    try:
        quantity = order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(quantity, Mapping):
        return None
    value, code = quantity.get("value"), quantity.get("code")
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or code not in c.UCUM_UNITS["[mass]"]
    ):
        raise InvalidInputError(
            f"{where}.dosageInstruction[0].doseAndRate[0].doseQuantity",
            "needs a number and a UCUM mass unit",
        )
    dose = quantity_from(frozen_quantity(value, parse_unit(code, "dose")), "dose", "[mass]")
    return canonical(dose, "milligram")


def _mg(value: float) -> str:
    return f"{value:g} mg"


def _clip(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def card_uuid(hook_instance: str, service: str, key: str) -> str:
    """The same card for the same request and order, every time."""
    return str(uuid.uuid5(_NAMESPACE, f"{service}/{hook_instance}/{key}"))


def _detail(result: DoseRecommendation, reading: PatientReading | None) -> str:
    lines = [f"**Status:** {result.status.name.replace('_', ' ').lower()}"]
    if result.regimen is not None and result.modality is not None:
        lines.append(
            f"**Regimen:** {result.regimen} ({result.modality.name.replace('_', ' ').lower()})"
        )
    if result.missing:
        lines.append(f"**Missing:** {', '.join(result.missing)}")
    lines.append("")
    lines += [f"- {r.text} *({r.source.cite()}; `{r.source.statement}`)*" for r in result.reasons]
    if result.alternatives:
        lines += ["", "**Other regimens:**"]
        lines += [
            f"- {o.regimen} ({o.modality.name.replace('_', ' ').lower()}): {o.condition} *({o.source.cite()})*"
            for o in result.alternatives
        ]
    if reading is not None:
        lines += ["", f"Read from: {', '.join(reading.used)}."]
        unplaced = reading.unplaced_conditions()
        left_out = [item for item in reading.ignored if item not in unplaced]
        if left_out:
            lines.append(
                "Left out: " + "; ".join(f"{i.reference} ({i.why})" for i in left_out) + "."
            )
        if unplaced:
            lines.append(
                f"{len(unplaced)} Condition(s) with codes the library does not read were left out."
            )
    return "\n".join(lines)


def _indicator(result: DoseRecommendation, ordered: float | None) -> str:
    if result.status is Status.CONTRAINDICATED:
        return "critical"
    if result.regimen is None:
        return "warning"
    recommended = result.regimen.dose_mg
    if ordered is not None and ordered > recommended:
        return "critical"
    return "info" if ordered == recommended else "warning"


def _summary(result: DoseRecommendation, ordered: float | None) -> str:
    if result.regimen is not None:
        if ordered == result.regimen.dose_mg:
            return _clip(f"Baricitinib {result.regimen} matches the guideline")
        given = "no dose" if ordered is None else _mg(ordered)
        return _clip(f"Recommended: baricitinib {result.regimen}, not {given}")
    if result.status is Status.INSUFFICIENT_INFORMATION:
        return _clip(f"Cannot check baricitinib: {', '.join(result.missing)} not given")
    return _clip(f"Baricitinib {_STOP_WORDS[result.status]}: {result.reasons[0].text}")


def _updated(order: Mapping[str, Any], dose_mg: float, regimen_text: str) -> dict[str, Any]:
    """The draft order with the recommended dose, once daily."""
    updated = copy.deepcopy(dict(order))
    whole = int(dose_mg) if dose_mg == int(dose_mg) else dose_mg
    updated["dosageInstruction"] = [
        {
            "text": regimen_text,
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [
                {"doseQuantity": {"value": whole, "unit": "mg", "system": c.UCUM, "code": "mg"}}
            ],
        }
    ]
    return updated


def dose_card(
    order: Mapping[str, Any],
    key: str,
    result: DoseRecommendation,
    reading: PatientReading | None,
    *,
    service: str,
    hook_instance: str,
) -> dict[str, Any]:
    """The card for one baricitinib order."""
    ordered = ordered_dose_mg(order, key)
    decided = result.reasons[0].source
    card: dict[str, Any] = {
        "uuid": card_uuid(hook_instance, service, key),
        "summary": _summary(result, ordered),
        "indicator": _indicator(result, ordered),
        "detail": _detail(result, reading),
        "source": {
            "label": f"EuroGuiDerm atopic eczema guideline, baricitinib ({decided.cite()})",
            "topic": {
                "system": TOPIC_SYSTEM,
                "code": decided.statement,
                "display": decided.cite(),
            },
        },
    }
    if result.regimen is not None and ordered != result.regimen.dose_mg:
        text = str(result.regimen)
        card["selectionBehavior"] = "at-most-one"
        card["suggestions"] = [
            {
                "label": f"Change to baricitinib {text}",
                "uuid": card_uuid(hook_instance, service, key + "/suggestion"),
                "isRecommended": True,
                "actions": [
                    {
                        "type": "update",
                        "description": f"Set the dose to {text}",
                        "resource": _updated(order, result.regimen.dose_mg, text),
                    }
                ],
            }
        ]
    return card


def missing_card(
    what: str, why: str, *, service: str, hook_instance: str, key: str
) -> dict[str, Any]:
    """A warning that the order cannot be checked, naming what is missing; never a dose."""
    return {
        "uuid": card_uuid(hook_instance, service, key + "/missing"),
        "summary": _clip(f"Cannot check baricitinib: {what}"),
        "indicator": "warning",
        "detail": why,
        "source": {"label": "baricitinib_guideline CDS service"},
    }

"""CDS Hooks cards from a draft baricitinib order and the library's answer."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..fhir import CANONICAL_BASE, PatientReading
from ..knowledge import codes as c
from ..model.core import DoseRecommendation
from ..model.enums import Status
from ._orders import TABLET_CODES, MedicationCode, OrderedDose, OrderReader, UnreadableDose

SUMMARY_LIMIT: Final = 140
LISTED_LEFT_OUT: Final = 10
"""At most this many left-out resources are named in a card; the rest are counted."""
TOPIC_SYSTEM: Final = f"{CANONICAL_BASE}:statement"
ACTIVE_CONDITION: Final = frozenset({"active", "recurrence", "relapse"})
_NAMESPACE: Final = uuid.UUID("5a0d5b1e-0c7e-4d52-9a4f-3f5c1f3d2b7a")
_STOP_WORDS: Final = {
    Status.CONTRAINDICATED: "contraindicated",
    Status.NOT_RECOMMENDED: "not recommended",
    Status.OUTSIDE_LICENCE: "outside the licence",
    Status.CONSIDER_STOPPING: "consider stopping",
}
_STRENGTH: Final = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(\s*)(mg)\b", re.IGNORECASE)
SOURCE_LABEL: Final = "baricitinib_guideline CDS service"


def _mg(value: float) -> str:
    return f"{value:g} mg"


def _clip(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def _times(per_day: float) -> str:
    words: dict[float, str] = {
        1: "once daily",
        2: "twice daily",
        3: "three times daily",
        4: "four times daily",
    }
    if per_day in words:
        return words[per_day]
    if per_day < 1:
        return f"every {1 / per_day:g} days"
    return f"{per_day:g} times a day"


def ordered_words(dose: OrderedDose) -> str:
    """``"4 mg"`` for once daily; ``"2 mg twice daily (4 mg a day)"`` otherwise."""
    if dose.once_daily:
        return _mg(dose.dose_mg)
    return f"{_mg(dose.dose_mg)} {_times(dose.per_day)} ({_mg(dose.daily_mg)} a day)"


def card_uuid(hook_instance: str, service: str, key: str) -> str:
    """The same card for the same request and order, every time."""
    return str(uuid.uuid5(_NAMESPACE, f"{service}/{hook_instance}/{key}"))


def unplaced_conditions(resources: Sequence[object], reading: PatientReading) -> tuple[int, int]:
    """How many Conditions the reader could not place (their codes are none it reads), and
    how many of those are active (clinical status active, recurrence or relapse)."""
    unplaced = {item.reference for item in reading.unplaced_conditions()}
    active = 0
    for resource in resources:
        if not isinstance(resource, Mapping) or resource.get("resourceType") != "Condition":
            continue
        if f"Condition/{resource.get('id')}" not in unplaced:
            continue
        status = resource.get("clinicalStatus")
        codings = status.get("coding") if isinstance(status, Mapping) else None
        if isinstance(codings, list) and any(
            isinstance(coding, Mapping) and coding.get("code") in ACTIVE_CONDITION
            for coding in codings
        ):
            active += 1
    return len(unplaced), active


def _detail(
    result: DoseRecommendation,
    reading: PatientReading,
    unplaced: tuple[int, int | None] | None = None,
    dose_note: str | None = None,
    not_sent: Sequence[str] = (),
    not_read: Sequence[str] = (),
) -> str:
    lines = [f"**Status:** {result.status.name.replace('_', ' ').lower()}"]
    if result.regimen is not None and result.modality is not None:
        lines.append(
            f"**Regimen:** {result.regimen} ({result.modality.name.replace('_', ' ').lower()})"
        )
    if dose_note:
        lines.append(f"**Ordered:** {dose_note}")
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
    lines += ["", f"Read from: {', '.join(reading.used)}."]
    if not_sent:
        lines.append(f"Not sent by the EHR, read as no data: {', '.join(not_sent)}.")
    if not_read:
        keys = ", ".join(f"`{key}`" for key in not_read)
        lines.append(
            f"Not read: the pages after the first page of {keys}, which the EHR sent without "
            "a fhirServer to fetch the rest from. Review what they hold."
        )
    placed_not = set(reading.unplaced_conditions())
    others = [i for i in reading.ignored if i not in placed_not]
    if others:
        named = "; ".join(f"{i.reference} ({i.why})" for i in others[:LISTED_LEFT_OUT])
        more = len(others) - LISTED_LEFT_OUT
        lines.append(f"Left out: {named}" + (f"; and {more} more." if more > 0 else "."))
    total, active = unplaced or (len(reading.unplaced_conditions()), None)
    if total:
        lines.append(f"{total} Condition(s) with codes the library does not read were left out.")
        if active:
            lines.append(
                f"{active} of them {'is' if active == 1 else 'are'} active: not checked as "
                "reasons against baricitinib. Review the problem list."
            )
    return "\n".join(lines)


def _indicator(result: DoseRecommendation, ordered: OrderedDose | None) -> str:
    if result.status is Status.CONTRAINDICATED:
        return "critical"
    if result.regimen is None or ordered is None:
        return "warning"
    recommended = result.regimen.dose_mg
    if ordered.daily_mg > recommended:
        return "critical"
    return "info" if ordered.daily_mg == recommended and ordered.once_daily else "warning"


def _summary(
    result: DoseRecommendation, ordered: OrderedDose | None, unreadable: str | None
) -> str:
    if result.regimen is not None:
        if unreadable is not None:
            return _clip(
                f"Recommended: baricitinib {result.regimen}; the ordered dose cannot be read"
            )
        if ordered is None:
            return _clip(f"Recommended: baricitinib {result.regimen}; the order gives no dose")
        if ordered.daily_mg == result.regimen.dose_mg and ordered.once_daily:
            return _clip(f"Baricitinib {result.regimen} matches the guideline")
        return _clip(f"Recommended: baricitinib {result.regimen}, not {ordered_words(ordered)}")
    if result.status is Status.INSUFFICIENT_INFORMATION:
        return _clip(f"Cannot check baricitinib: {', '.join(result.missing)} not given")
    return _clip(f"Baricitinib {_STOP_WORDS[result.status]}: {result.reasons[0].text}")


def _restrength(text: object, dose_mg: float) -> object:
    """A product text naming one strength, with the new strength; other text unchanged."""
    if not isinstance(text, str) or len(_STRENGTH.findall(text)) != 1:
        return text
    return _STRENGTH.sub(lambda m: f"{dose_mg:g}{m.group(2)}{m.group(3)}", text)


def _named_strength(text: object) -> float | None:
    """The one strength in mg a product text names, if it names exactly one."""
    found = _STRENGTH.findall(text) if isinstance(text, str) else []
    return float(found[0][0]) if len(found) == 1 else None


def _restrength_concept(
    concept: Mapping[str, Any], dose_mg: float, site: Sequence[MedicationCode]
) -> dict[str, Any]:
    """The medication concept for the new strength: ingredient codes kept, product codes of
    another strength swapped for the site's code of this strength or dropped."""
    updated = dict(concept)
    if "text" in updated:
        updated["text"] = _restrength(updated["text"], dose_mg)
    codings = concept.get("coding")
    if isinstance(codings, list):
        strengths = {(m.system, m.code): m.strength_mg for m in site}
        kept: list[Any] = []
        for coding in codings:
            if not isinstance(coding, Mapping):
                continue
            pair = (coding.get("system"), coding.get("code"))
            strength = strengths.get(pair)  # type: ignore[arg-type]
            if strength is None:
                strength = _named_strength(coding.get("display"))
            if strength is None or strength == dose_mg:
                kept.append(coding)
                continue
            swap = next(
                (m for m in site if m.system == pair[0] and m.strength_mg == dose_mg), None
            )
            swapped = None if swap is None else {"system": swap.system, "code": swap.code}
            if swapped is not None and swapped not in kept:
                kept.append(swapped)
        updated["coding"] = kept
    return updated


def updated_order(
    order: Mapping[str, Any],
    reader: OrderReader,
    ordered: OrderedDose | None,
    dose_mg: float,
    regimen_text: str,
    site: Sequence[MedicationCode],
) -> dict[str, Any]:
    """The draft order changed only where it must: the dose and frequency, and the product or
    its strength text where they name another strength. Route, bounds, instructions stay."""
    updated = copy.deepcopy(dict(order))
    instructions = updated.get("dosageInstruction")
    dosage: dict[str, Any] = (
        dict(instructions[0])
        if isinstance(instructions, list) and instructions and isinstance(instructions[0], Mapping)
        else {}
    )
    whole = int(dose_mg) if dose_mg == int(dose_mg) else dose_mg
    # Tablets stay tablets only where the order's own Medication carries the strength (it is
    # changed below); otherwise the new dose is written in mg, never as tablets of unknown size.
    medication = reader.medication(order)
    in_tablets = (
        ordered is not None
        and "tablet" in ordered.described
        and medication is not None
        and isinstance(medication.get("ingredient"), list)
    )
    quantity: dict[str, Any] = (
        {"value": 1, "unit": "tablet", "system": c.UCUM, "code": "{tbl}"}
        if in_tablets
        else {"value": whole, "unit": "mg", "system": c.UCUM, "code": "mg"}
    )
    if in_tablets and ordered is not None:
        old = _old_quantity(dosage)
        if old is not None and old.get("code") in TABLET_CODES:
            quantity = {**old, "value": 1}
    if "doseAndRate" in dosage or "doseQuantity" not in dosage:
        rates = dosage.get("doseAndRate")
        first = dict(rates[0]) if isinstance(rates, list) and rates else {}
        first.pop("doseRange", None)
        first["doseQuantity"] = quantity
        dosage["doseAndRate"] = [first]
    else:
        dosage["doseQuantity"] = quantity  # STU3 shape kept
    timing = dict(dosage.get("timing") or {})
    repeat = dict(timing.get("repeat") or {})
    for ranged in ("frequencyMax", "periodMax", "periodUnits"):
        repeat.pop(ranged, None)
    if isinstance(repeat.get("timeOfDay"), list) and len(repeat["timeOfDay"]) > 1:
        del repeat["timeOfDay"]
    repeat.update(frequency=1, period=1, periodUnit="d")
    timing["repeat"] = repeat
    timing.pop("code", None)  # a BID code would contradict once daily
    dosage["timing"] = timing
    if "text" in dosage:
        dosage["text"] = regimen_text
    updated["dosageInstruction"] = [dosage]
    _new_strength(updated, reader, dose_mg, site)
    return updated


def _old_quantity(dosage: Mapping[str, Any]) -> Mapping[str, Any] | None:
    rates = dosage.get("doseAndRate")
    entry = rates[0] if isinstance(rates, list) and rates else dosage
    found = entry.get("doseQuantity") if isinstance(entry, Mapping) else None
    return found if isinstance(found, Mapping) else None


def _new_strength(
    updated: dict[str, Any], reader: OrderReader, dose_mg: float, site: Sequence[MedicationCode]
) -> None:
    """Where the product names a strength, name the new one."""
    concept = updated.get("medicationCodeableConcept")
    if isinstance(concept, Mapping):
        updated["medicationCodeableConcept"] = _restrength_concept(concept, dose_mg, site)
    medication = reader.medication(updated)
    if medication is None or not isinstance(medication.get("ingredient"), list):
        return
    try:
        if reader.strength_mg(updated, "the order") == dose_mg:
            return  # already the right product: nothing to change
    except UnreadableDose:
        pass
    changed = copy.deepcopy(dict(medication))
    if isinstance(changed.get("code"), Mapping):
        changed["code"] = _restrength_concept(changed["code"], dose_mg, site)
    for ingredient in changed["ingredient"]:
        if not isinstance(ingredient, dict):
            continue
        for name in ("strength", "strengthRatio"):
            ratio = ingredient.get(name)
            if isinstance(ratio, dict) and isinstance(ratio.get("numerator"), dict):
                ratio["numerator"] = {
                    "value": int(dose_mg) if dose_mg == int(dose_mg) else dose_mg,
                    "unit": "mg",
                    "system": c.UCUM,
                    "code": "mg",
                }
    reference = updated.get("medicationReference")
    ident = f"baricitinib-{dose_mg:g}mg".replace(".", "-")
    changed["id"] = ident
    contained = [
        r
        for r in updated.get("contained", [])
        if not (isinstance(r, Mapping) and r.get("id") in (ident, medication.get("id")))
    ]
    updated["contained"] = [*contained, changed]
    if isinstance(reference, Mapping):
        updated["medicationReference"] = {**reference, "reference": f"#{ident}"}
    elif isinstance(updated.get("medication"), Mapping):  # R5
        updated["medication"] = {**updated["medication"], "reference": {"reference": f"#{ident}"}}


def dose_card(
    order: Mapping[str, Any],
    key: str,
    result: DoseRecommendation,
    reading: PatientReading,
    *,
    reader: OrderReader,
    ordered: OrderedDose | None,
    unreadable: str | None,
    unplaced: tuple[int, int],
    site: Sequence[MedicationCode],
    not_sent: Sequence[str] = (),
    not_read: Sequence[str] = (),
    service: str,
    hook_instance: str,
) -> dict[str, Any]:
    """The card for one baricitinib order; at least a warning when part of the record was not
    read (``not_read``)."""
    decided = result.reasons[0].source
    note = unreadable if unreadable is not None else None
    if ordered is not None:
        note = f"{ordered.described} {_times(ordered.per_day)} = {_mg(ordered.daily_mg)} a day"
    indicator = _indicator(result, ordered)
    if indicator == "info" and (unreadable is not None or not_read):
        indicator = "warning"  # what is unread or not read could change the answer
    card: dict[str, Any] = {
        "uuid": card_uuid(hook_instance, service, key),
        "summary": _summary(result, ordered, unreadable),
        "indicator": indicator,
        "detail": _detail(result, reading, unplaced, note, not_sent, not_read),
        "source": {
            "label": f"EuroGuiDerm atopic eczema guideline, baricitinib ({decided.cite()})",
            "topic": {
                "system": TOPIC_SYSTEM,
                "code": decided.statement,
                "display": decided.cite(),
            },
        },
    }
    matches = (
        ordered is not None
        and result.regimen is not None
        and ordered.once_daily
        and ordered.daily_mg == result.regimen.dose_mg
    )
    if result.regimen is not None and unreadable is None and not matches:
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
                        "resource": updated_order(
                            order, reader, ordered, result.regimen.dose_mg, text, site
                        ),
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
        "source": {"label": SOURCE_LABEL},
    }

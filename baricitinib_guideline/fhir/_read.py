"""A patient from the FHIR R4 or R4B resources an EHR exports.

Every resource is either used (it fed a field of the patient) or ignored
with the reason why; malformed input raises InvalidInputError naming the
resource and the element. Nothing is guessed: codes are matched exactly
(ICD-10 by prefix), units are read from the UCUM code, never the display.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from attrs import field, frozen

from .._json import load_text
from ..errors import InvalidInputError
from ..knowledge import codes as c
from ..model._checks import as_date, as_tuple, is_text
from ..model.enums import RiskFactor
from ..model.patient import Labs, Patient, completed_months
from ..units import frozen_quantity, parse_unit, quantity_from, registry

__all__ = ["Ignored", "PatientReading", "patient_from_fhir", "read_patient"]

MAX_TEXT: Final = 20_000_000
"""The largest JSON text read (characters); an EHR export of one patient is far smaller."""
USABLE_STATUS: Final = frozenset({"final", "amended", "corrected"})
ACTIVE_MEDICATION: Final = frozenset({"active", "on-hold"})
NOT_A_CONDITION: Final = frozenset({"refuted", "entered-in-error"})
_DATE: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_FULL_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIMENSIONS: Final = {
    "weight": "[mass]",
    "creatinine_clearance": "[volume] / [time]",
    "egfr": "[volume] / [time]",
    "neutrophils": "1 / [volume]",
    "lymphocytes": "1 / [volume]",
    "haemoglobin": "[mass] / [volume]",
}
_LABS: Final = ("neutrophils", "lymphocytes", "haemoglobin")


@frozen
class Ignored:
    """A resource left out of the reading, and why."""

    reference: str = field(validator=is_text("reference", empty=False))
    why: str = field(validator=is_text("why", empty=False))


def _ignored(value: object) -> tuple[Ignored, ...]:
    return as_tuple(value, "ignored", Ignored)


def _used(value: object) -> tuple[str, ...]:
    return as_tuple(value, "used", str)


@frozen
class PatientReading:
    """The patient read from FHIR, what the reading rests on and what it left out."""

    patient: Patient
    used: tuple[str, ...] = field(default=(), converter=_used)
    """``Type/id`` of every resource that fed a field of the patient."""
    ignored: tuple[Ignored, ...] = field(default=(), converter=_ignored)


def patient_from_fhir(resources: object, *, on: dt.date) -> Patient:
    """The patient only; see :func:`read_patient`."""
    return read_patient(resources, on=on).patient


def read_patient(resources: object, *, on: dt.date) -> PatientReading:
    """Read one patient from a Bundle (dict or JSON text) or an iterable of resources.

    ``on`` is the date of the decision: the age is counted to it, and
    observations dated after it are left out.
    """
    day = as_date(on, "on", from_datetime=True)
    entries = _entries(resources)
    return _Reader(entries, day).read()


# Parsing the input ----------------------------------------------------------


def _entries(resources: object) -> list[tuple[str, dict[str, Any]]]:
    """(where, resource) pairs; ``where`` is the entry's fullUrl or ''."""
    data = _parse(resources)
    if isinstance(data, Mapping):
        if data.get("resourceType") != "Bundle":
            return [("", _resource(data, "resources"))]
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            raise InvalidInputError("Bundle.entry", "must be a list")
        found = []
        for index, entry in enumerate(entries):
            where = f"Bundle.entry[{index}]"
            if not isinstance(entry, Mapping):
                raise InvalidInputError(where, "must be an object")
            full_url = entry.get("fullUrl", "")
            if not isinstance(full_url, str):
                raise InvalidInputError(f"{where}.fullUrl", "must be a string")
            found.append((full_url, _resource(entry.get("resource"), f"{where}.resource")))
        return found
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise InvalidInputError("resources", "must be a Bundle or a list of resources")
    return [("", _resource(item, f"resources[{i}]")) for i, item in enumerate(data)]


def _parse(resources: object) -> object:
    if isinstance(resources, str | bytes | bytearray):
        return load_text(resources, "resources", MAX_TEXT)
    return resources


def _resource(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(where, "must be a FHIR resource (a JSON object)")
    kind = value.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise InvalidInputError(f"{where}.resourceType", "must be a resource type")
    return dict(value)


def _text(resource: Mapping[str, Any], name: str, where: str) -> str | None:
    value = resource.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{where}.{name}", "must be a string")
    return value


def _list(resource: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = resource.get(name, [])
    if not isinstance(value, list):
        raise InvalidInputError(f"{where}.{name}", "must be a list")
    return value


def _codings(concept: object, where: str, *, any_system: bool = False) -> list[tuple[str, str]]:
    """(system, code) pairs of a CodeableConcept.

    ``any_system`` keeps codes without a system too (as ``("", code)``), for
    elements bound to one required value set, where the code alone is clear.
    """
    if concept is None:
        return []
    if not isinstance(concept, Mapping):
        raise InvalidInputError(where, "must be a CodeableConcept")
    pairs = []
    for index, coding in enumerate(_list(concept, "coding", where)):
        at = f"{where}.coding[{index}]"
        if not isinstance(coding, Mapping):
            raise InvalidInputError(at, "must be a Coding")
        system, code = _text(coding, "system", at), _text(coding, "code", at)
        if code and (system or any_system):
            pairs.append((system or "", code))
    return pairs


def _matches(pairs: list[tuple[str, str]], known: Iterable[c.Code]) -> bool:
    wanted = {(code.system, code.code) for code in known}
    return any(pair in wanted for pair in pairs)


def _date_of(text: object, where: str) -> tuple[dt.date, float] | None:
    """The calendar date as written, and an instant to order by; ``None`` if partial.

    A date-time counts by the date written in its own time zone; two on the
    same date are ordered by their instants.
    """
    if not isinstance(text, str):
        raise InvalidInputError(where, "must be a date or date-time string")
    match = _DATE.match(text)
    if match is None:
        if re.fullmatch(r"\d{4}(-\d{2})?", text):
            return None
        raise InvalidInputError(where, f"{text[:40]!r} is not a FHIR date or date-time")
    try:
        day = dt.date(*(int(part) for part in match.groups()))
        if len(text) == 10:
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise InvalidInputError(where, f"{text[:40]!r} is not a valid date") from None
    return day, moment.timestamp()


# Reading --------------------------------------------------------------------


class _Reader:
    def __init__(self, entries: list[tuple[str, dict[str, Any]]], on: dt.date) -> None:
        self.entries = entries
        self.on = on
        self.used: dict[str, None] = {}
        self.ignored: list[Ignored] = []
        self.latest: dict[str, tuple[tuple[dt.date, float], str, Any]] = {}
        self.risks: set[RiskFactor] = set()
        self.oat3 = False
        self.by_reference = self._index()

    def _index(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for full_url, resource in self.entries:
            ident = resource.get("id")
            if isinstance(ident, str):
                found[f"{resource['resourceType']}/{ident}"] = resource
            if full_url:
                found[full_url] = resource
        return found

    def read(self) -> PatientReading:
        patient_url, patient = self._the_patient()
        self.subject_refs = self._subject_refs(patient_url, patient)
        self.patient_ref = self._ref(patient)
        self.used[self.patient_ref] = None
        handlers = {
            "Observation": self._observation,
            "Condition": self._condition,
            "MedicationRequest": self._medication,
            "MedicationStatement": self._medication,
        }
        for _, resource in self.entries:
            kind = resource["resourceType"]
            if kind in ("Patient", "Medication"):
                continue
            handler = handlers.get(kind)
            if handler is None:
                self._ignore(resource, f"{kind} resources are not read")
            else:
                handler(resource)
        return PatientReading(
            patient=self._patient(patient),
            used=tuple(self.used),
            ignored=tuple(self.ignored),
        )

    # The Patient resource

    def _the_patient(self) -> tuple[str, dict[str, Any]]:
        patients = [(url, r) for url, r in self.entries if r["resourceType"] == "Patient"]
        if not patients:
            raise InvalidInputError("Patient", "no Patient resource is given")
        first = patients[0]
        if any(resource != first[1] for _, resource in patients[1:]):
            raise InvalidInputError("Patient", "more than one different Patient resource")
        return first

    @staticmethod
    def _ref(resource: Mapping[str, Any]) -> str:
        ident = resource.get("id")
        kind = resource["resourceType"]
        return f"{kind}/{ident}" if isinstance(ident, str) and ident else f"{kind}/(no id)"

    def _subject_refs(self, full_url: str, patient: Mapping[str, Any]) -> set[str]:
        refs = {full_url} if full_url else set()
        ident = patient.get("id")
        if isinstance(ident, str) and ident:
            refs.add(f"Patient/{ident}")
        return refs

    def _about_patient(self, resource: Mapping[str, Any], where: str) -> bool:
        subject = resource.get("subject", resource.get("patient"))
        if subject is None:
            return False
        if not isinstance(subject, Mapping):
            raise InvalidInputError(f"{where}.subject", "must be a Reference")
        reference = _text(subject, "reference", f"{where}.subject")
        if not reference:
            return False
        if reference in self.subject_refs:
            return True
        # An absolute URL ending in Patient/id.
        return any(
            ref.startswith("Patient/") and reference.endswith("/" + ref)
            for ref in self.subject_refs
        )

    def _age(self, patient: Mapping[str, Any]) -> Any:
        birth = patient.get("birthDate")
        if not isinstance(birth, str) or not _FULL_DATE.match(birth):
            raise InvalidInputError(
                "Patient.birthDate", "a full birth date (year-month-day) is needed"
            )
        try:
            born = dt.date.fromisoformat(birth)
        except ValueError:
            raise InvalidInputError("Patient.birthDate", f"{birth!r} is not a date") from None
        months = completed_months(born, self.on)
        reg = registry()
        if months % 12 == 0:
            return reg.Quantity(months // 12, "year")
        return reg.Quantity(months, "month")

    # Observations

    def _ignore(self, resource: Mapping[str, Any], why: str) -> None:
        self.ignored.append(Ignored(reference=self._ref(resource), why=why))

    def _observation(self, resource: dict[str, Any]) -> None:
        ref = self._ref(resource)
        pairs = _codings(resource.get("code"), f"{ref}.code")
        concept = next(
            (name for name, known in c.OBSERVATIONS.items() if _matches(pairs, known)), None
        )
        if concept is None:
            return self._ignore(resource, "its code is not one the library reads")
        status = _text(resource, "status", ref)
        if status not in USABLE_STATUS:
            return self._ignore(resource, f"status {status!r} is not final, amended or corrected")
        if not self._about_patient(resource, ref):
            return self._ignore(resource, "it is not about this patient")
        when = self._effective(resource, ref)
        if when is None:
            return self._ignore(resource, "it has no full effective date")
        if when[0] > self.on:
            return self._ignore(resource, f"it is dated after {self.on.isoformat()}")
        value = self._value(concept, resource, ref)
        if value is None:
            return None
        held = self.latest.get(concept)
        if held is not None and held[0] >= when:
            return self._ignore(resource, f"a later {concept} observation is used")
        if held is not None:
            self.ignored.append(Ignored(held[1], f"a later {concept} observation is used"))
        self.latest[concept] = (when, ref, value)
        return None

    def _effective(self, resource: Mapping[str, Any], ref: str) -> tuple[dt.date, float] | None:
        if "effectiveDateTime" in resource:
            return _date_of(resource["effectiveDateTime"], f"{ref}.effectiveDateTime")
        period = resource.get("effectivePeriod")
        if period is not None:
            if not isinstance(period, Mapping):
                raise InvalidInputError(f"{ref}.effectivePeriod", "must be a Period")
            if "end" in period:
                return _date_of(period["end"], f"{ref}.effectivePeriod.end")
        if "issued" in resource:
            return _date_of(resource["issued"], f"{ref}.issued")
        return None

    def _value(self, concept: str, resource: Mapping[str, Any], ref: str) -> object | None:
        if concept in ("pregnancy", "smoking"):
            pairs = _codings(resource.get("valueCodeableConcept"), f"{ref}.valueCodeableConcept")
            if not pairs:
                self._ignore(resource, "it has no coded value")
                return None
            return pairs
        quantity = resource.get("valueQuantity")
        if quantity is None:
            self._ignore(resource, "it has no quantity value")
            return None
        where = f"{ref}.valueQuantity"
        if not isinstance(quantity, Mapping):
            raise InvalidInputError(where, "must be a Quantity")
        if quantity.get("comparator") is not None:
            self._ignore(resource, f"its value has a comparator ({quantity['comparator']!s:.10})")
            return None
        return _quantity(concept, quantity, where)

    # Conditions and medications

    def _condition(self, resource: dict[str, Any]) -> None:
        ref = self._ref(resource)
        verification = _codings(
            resource.get("verificationStatus"), f"{ref}.verificationStatus", any_system=True
        )
        if any(code in NOT_A_CONDITION for _, code in verification):
            return self._ignore(resource, "its verification status is refuted or entered in error")
        if not self._about_patient(resource, ref):
            return self._ignore(resource, "it is not about this patient")
        pairs = _codings(resource.get("code"), f"{ref}.code")
        found = [risk for risk, known in c.CONDITIONS.items() if _condition_matches(pairs, known)]
        if not found:
            return self._ignore(resource, "its code is not one the library reads")
        self.risks.update(found)
        self.used[ref] = None
        return None

    def _medication(self, resource: dict[str, Any]) -> None:
        ref = self._ref(resource)
        status = _text(resource, "status", ref)
        if not self._is_probenecid(resource, ref):
            return self._ignore(resource, "it is not a medication the library reads")
        if status not in ACTIVE_MEDICATION:
            return self._ignore(resource, f"status {status!r} is not active or on-hold")
        if not self._about_patient(resource, ref):
            return self._ignore(resource, "it is not about this patient")
        self.oat3 = True
        self.used[ref] = None
        return None

    def _is_probenecid(self, resource: Mapping[str, Any], ref: str) -> bool:
        if "medicationCodeableConcept" in resource:
            where = f"{ref}.medicationCodeableConcept"
            return _matches(_codings(resource["medicationCodeableConcept"], where), c.PROBENECID)
        reference = resource.get("medicationReference")
        if reference is None:
            return False
        where = f"{ref}.medicationReference"
        if not isinstance(reference, Mapping):
            raise InvalidInputError(where, "must be a Reference")
        target = _text(reference, "reference", where) or ""
        medication = None
        if target.startswith("#"):
            contained = _list(resource, "contained", ref)
            medication = next(
                (m for m in contained if isinstance(m, Mapping) and m.get("id") == target[1:]),
                None,
            )
        else:
            medication = self.by_reference.get(target)
        if not isinstance(medication, Mapping) or medication.get("resourceType") != "Medication":
            return False
        return _matches(_codings(medication.get("code"), f"{where}.code"), c.PROBENECID)

    # The patient

    def _patient(self, resource: Mapping[str, Any]) -> Patient:
        values: dict[str, Any] = {}
        labs: dict[str, Any] = {}
        sources: dict[str, str] = {}
        pregnant = False
        for concept, (_, ref, value) in self.latest.items():
            if concept == "pregnancy":
                pregnant = self._pregnancy(value, ref)
                continue
            if concept == "smoking":
                if _matches(value, c.SMOKER_VALUES):
                    self.risks.add(RiskFactor.SMOKING)
                    self.used[ref] = None
                continue
            (labs if concept in _LABS else values)[concept] = value
            sources[concept] = ref
            self.used[ref] = None
        try:
            return Patient(
                age=self._age(resource),
                risk_factors=frozenset(self.risks),
                labs=Labs(**labs) if labs else None,
                pregnant=pregnant,
                strong_oat3_inhibitor=self.oat3,
                **values,
            )
        except InvalidInputError as error:
            source = sources.get(error.field)
            if source is None:
                raise
            raise InvalidInputError(f"{source}.valueQuantity.value", error.rule) from None

    def _pregnancy(self, pairs: list[tuple[str, str]], ref: str) -> bool:
        if (c.PREGNANT.system, c.PREGNANT.code) in pairs:
            self.used[ref] = None
            return True
        if (c.NOT_PREGNANT.system, c.NOT_PREGNANT.code) in pairs:
            self.used[ref] = None
        else:
            why = "pregnancy status is unknown or not coded as the library reads it"
            self.ignored.append(Ignored(ref, why))
        return False


def _condition_matches(pairs: list[tuple[str, str]], known: c.ConditionCodes) -> bool:
    if _matches(pairs, known.snomed):
        return True
    for system, code in pairs:
        if system != c.ICD10:
            continue
        plain = code.replace(".", "").upper()
        if any(plain.startswith(prefix.replace(".", "")) for prefix in known.icd10_prefixes):
            return True
        if known.icd10_range is not None and re.fullmatch(r"[A-Z]\d\d.*", plain):
            low, high = known.icd10_range
            if low <= plain[:3] <= high:
                return True
    return False


def _quantity(concept: str, quantity: Mapping[str, Any], where: str) -> object:
    """The quantity as the library's registry holds it, from its value and UCUM code."""
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{where}.value", "must be a number")
    system = quantity.get("system")
    if system is not None and system != c.UCUM:
        raise InvalidInputError(f"{where}.system", f"must be UCUM ({c.UCUM})")
    code = quantity.get("code")
    if not isinstance(code, str):
        raise InvalidInputError(f"{where}.code", "a UCUM unit code is needed")
    dimension = _DIMENSIONS[concept]
    accepted = c.UCUM_UNITS[dimension]
    if concept == "egfr":
        accepted += tuple(c.EGFR_ANNOTATED)
    if code not in accepted:
        raise InvalidInputError(
            f"{where}.code", f"{code[:40]!r} is not one of {', '.join(accepted)} for {concept}"
        )
    unit = parse_unit(c.EGFR_ANNOTATED.get(code, code), f"{where}.code")
    return quantity_from(frozen_quantity(value, unit), f"{where}.value", dimension)

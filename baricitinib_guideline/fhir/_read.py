"""A patient from the FHIR R4 or R4B resources an EHR exports.

Every Observation and Condition is either used (it fed a field of the
patient) or ignored with the reason why; malformed input raises
InvalidInputError naming the resource and the element. Nothing is guessed:
codes are matched exactly (ICD-10 by prefix) or through a terminology the
caller gives, units are read from the UCUM code (or a unit text that is
exactly one), values older than their concept's ``max_age`` are not used,
and results that disagree at the same time are neither used; nor is an older
value in place of a latest one that is only a bound (``<0.5``), a range or a
text. The reading does not depend on the order of the entries.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple

from attrs import field, frozen

from .._json import check_depth, load_text, unique_keys
from ..errors import InvalidInputError
from ..knowledge import codes as c
from ..knowledge.freshness import MAX_AGE
from ..model._checks import as_date, as_tuple, is_text
from ..model.enums import Comorbidity, RiskFactor, Sex
from ..model.patient import Labs, Patient, completed_months
from ..units import frozen_quantity, parse_unit, quantity_from, registry
from ._terminology import Terminology

__all__ = ["Ignored", "PatientReading", "patient_from_fhir", "read_patient"]

MAX_DEPTH: Final = 64
"""The deepest nesting of lists and objects read. FHIR resources nest about a dozen
levels; each Bundle inside a Bundle adds three. Deeper input is refused, whatever
its size, so no input can exhaust the stack."""
USABLE_STATUS: Final = frozenset({"final", "amended", "corrected"})
ACTIVE_MEDICATION: Final = frozenset({"active", "on-hold"})
NOT_A_CONDITION: Final = frozenset({"refuted", "entered-in-error"})
ACTIVE_CONDITION: Final = frozenset({"active", "recurrence", "relapse"})
ANIMAL_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/patient-animal"
_DATE_TIME: Final = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?",
    re.ASCII,
)
_DIMENSIONS: Final = {
    "weight": "[mass]",
    "creatinine_clearance": "[volume] / [time]",
    "egfr": "[volume] / [time]",
    "neutrophils": "1 / [volume]",
    "lymphocytes": "1 / [volume]",
    "haemoglobin": "[mass] / [volume]",
    "serum_creatinine": "[mass] / [volume]",
}
_GENDER: Final[dict[str, Sex | None]] = {
    "female": Sex.FEMALE,
    "male": Sex.MALE,
    "other": None,
    "unknown": None,
}
_LABS: Final = ("neutrophils", "lymphocytes", "haemoglobin")
_CODED: Final = ("pregnancy", "smoking")
_OBSERVATION_CODES: Final[dict[tuple[str, str], str]] = {
    **{(code.system, code.code): name for name, known in c.OBSERVATIONS.items() for code in known},
    **{(c.LIBRARY, name): name for name in c.LIBRARY_FLAGS},
}
_SMOKING: Final[dict[tuple[str, str], str]] = {
    **{(code.system, code.code): "current" for code in c.SMOKER_VALUES},
    (c.FORMER_SMOKER.system, c.FORMER_SMOKER.code): "former",
    (c.NEVER_SMOKED.system, c.NEVER_SMOKED.code): "never",
    (c.SMOKING_UNKNOWN.system, c.SMOKING_UNKNOWN.code): "unknown",
}
_PREGNANCY: Final[dict[tuple[str, str], str]] = {
    (c.PREGNANT.system, c.PREGNANT.code): "pregnant",
    (c.NOT_PREGNANT.system, c.NOT_PREGNANT.code): "not pregnant",
    (c.PREGNANCY_UNKNOWN.system, c.PREGNANCY_UNKNOWN.code): "unknown",
}


def _no_answer(concept: str, answer: str) -> str:
    """Why a coded status is left out: ``unknown``, ``contradictory`` or another answer."""
    if answer == "contradictory":
        return f"its {concept} status answers contradict each other"
    if answer == "unknown":
        return f"{concept} status unknown is not an answer the library reads"
    return f"its {concept} status is not an answer the library reads"


FORMER_SMOKER_QUESTION: Final = (
    "Former smoker: is this a long-time past smoker? The EMA measures for JAK inhibitors "
    "name current or long-time past smokers; the record does not say how long ago."
)
NOT_READ: Final = "its code is not one the library reads"
NOT_PLACED: Final = "the terminology could not say whether its code is below"
_VALUE_X: Final = re.compile(r"value[A-Z][A-Za-z]*")
"""The names of an Observation's ``value[x]`` element."""
_ADULT_MONTHS: Final = 18 * 12
_DATE_ONLY_SHIFT: Final = 12 * 3600 * 10**9
"""A date without a time orders as noon UTC of that day. Noon UTC lies after every time
written on the day before and before every time written on the day after, in every time
zone from UTC-12:00 to UTC+12:00; a time written on the same day orders by its instant
against noon UTC."""


@frozen
class Ignored:
    """A resource left out of the reading, and why."""

    reference: str = field(validator=is_text("reference", empty=False))
    why: str = field(validator=is_text("why", empty=False))


def _ignored(value: object) -> tuple[Ignored, ...]:
    return as_tuple(value, "ignored", Ignored)


def _used(value: object) -> tuple[str, ...]:
    return as_tuple(value, "used", str)


def _questions(value: object) -> tuple[str, ...]:
    return as_tuple(value, "questions", str)


@frozen
class PatientReading:
    """The patient read from FHIR, what the reading rests on and what it left out.

    :meth:`unplaced_conditions` counts the Conditions whose codes could not be
    placed under one the library reads, for summaries (a real adult record
    holds dozens of them).
    """

    patient: Patient
    used: tuple[str, ...] = field(default=(), converter=_used)
    """``Type/id`` of every resource that fed a field of the patient (the Patient first)."""
    ignored: tuple[Ignored, ...] = field(default=(), converter=_ignored)
    """Every resource left out, with why; sorted by reference."""
    questions: tuple[str, ...] = field(default=(), converter=_questions)
    """Questions for the prescriber the record raises but cannot answer (a former smoker)."""

    def unplaced_conditions(self) -> tuple[Ignored, ...]:
        """The Conditions left out because their code is not one the library reads."""
        return tuple(
            item
            for item in self.ignored
            if item.reference.startswith("Condition/")
            and (item.why == NOT_READ or item.why.startswith(NOT_PLACED))
        )


def patient_from_fhir(
    resources: object,
    *,
    on: dt.date,
    terminology: Terminology | None = None,
    max_age: Mapping[str, dt.timedelta | None] | None = None,
) -> Patient:
    """The patient only; see :func:`read_patient`."""
    return read_patient(resources, on=on, terminology=terminology, max_age=max_age).patient


def read_patient(
    resources: object,
    *,
    on: dt.date,
    terminology: Terminology | None = None,
    max_age: Mapping[str, dt.timedelta | None] | None = None,
) -> PatientReading:
    """Read one patient from a Bundle (dict or JSON text) or an iterable of resources.

    ``on`` is the date of the decision: the age is counted to it, observations
    dated after it are left out, and conditions are judged as they stood on it.
    ``terminology`` (anything with ``subsumes(ancestor, code)``, such as
    :class:`ValueSetTerminology` or :class:`ServerTerminology`) places condition
    codes below the ones the library lists; without it only those codes match.
    ``max_age`` changes the longest age of a value per concept (``None``: no
    limit) from the defaults in ``knowledge.freshness.MAX_AGE``.
    """
    day = as_date(on, "on", from_datetime=True)
    if terminology is not None and not callable(getattr(terminology, "subsumes", None)):
        raise InvalidInputError("terminology", "must have a subsumes(ancestor, code) method")
    limits = _max_age(max_age)
    entries = _entries(resources)
    return _Reader(entries, day, terminology, limits).read()


def _max_age(given: object) -> dict[str, dt.timedelta | None]:
    limits: dict[str, dt.timedelta | None] = dict(MAX_AGE)
    if given is None:
        return limits
    if not isinstance(given, Mapping):
        raise InvalidInputError("max_age", "must map a concept to a datetime.timedelta")
    for concept, limit in given.items():
        if concept not in MAX_AGE:
            known = ", ".join(sorted(MAX_AGE))
            raise InvalidInputError("max_age", f"{concept!r:.40} is not one of {known}")
        if limit is not None and (not isinstance(limit, dt.timedelta) or limit < dt.timedelta(0)):
            raise InvalidInputError(
                f"max_age[{concept!r}]", "must be a datetime.timedelta of zero or more, or None"
            )
        limits[concept] = limit
    return limits


# Parsing the input ----------------------------------------------------------


def _entries(resources: object) -> list[tuple[str, dict[str, Any]]]:
    """(where, resource) pairs; ``where`` is the entry's fullUrl or ''.

    Entries without a resource (transaction responses) are passed over;
    Bundles inside Bundles (batch responses, search sets) are read.
    """
    data = _parse(resources)
    if isinstance(data, Mapping):
        check_depth(data, "resources", MAX_DEPTH)
        if data.get("resourceType") != "Bundle":
            return [("", _resource(data, "resources"))]
        found: list[tuple[str, dict[str, Any]]] = []
        _walk(data, "Bundle", found)
        return found
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise InvalidInputError("resources", "must be a Bundle or a list of resources")
    items = list(data)
    check_depth(items, "resources", MAX_DEPTH)
    found = []
    for index, item in enumerate(items):
        resource = _resource(item, f"resources[{index}]")
        if resource["resourceType"] == "Bundle":
            _walk(resource, f"resources[{index}]", found)
        else:
            found.append(("", resource))
    return found


def _walk(bundle: Mapping[str, Any], where: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    stack = [(bundle, where)]
    while stack:
        current, at = stack.pop()
        entries = current.get("entry", [])
        if not isinstance(entries, list):
            raise InvalidInputError(f"{at}.entry", "must be a list")
        for index, entry in enumerate(entries):
            place = f"{at}.entry[{index}]"
            if not isinstance(entry, Mapping):
                raise InvalidInputError(place, "must be an object")
            full_url = entry.get("fullUrl", "")
            if not isinstance(full_url, str):
                raise InvalidInputError(f"{place}.fullUrl", "must be a string")
            if entry.get("resource") is None:
                continue
            resource = _resource(entry["resource"], f"{place}.resource")
            if resource["resourceType"] == "Bundle":
                stack.append((resource, f"{place}.resource"))
            else:
                found.append((full_url, resource))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    try:
        return unique_keys(pairs)
    except InvalidInputError as error:
        raise InvalidInputError("resources", error.rule) from None


def _parse(resources: object) -> object:
    if isinstance(resources, str | bytes | bytearray):
        data = load_text(resources, "resources", None, _unique_keys)
        check_depth(data, "resources", MAX_DEPTH)
        return data
    return resources


def _resource(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(where, "must be a FHIR resource (a JSON object)")
    kind = value.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise InvalidInputError(f"{where}.resourceType", "must be a resource type")
    ident = value.get("id")
    if ident is not None and not isinstance(ident, str):
        raise InvalidInputError(f"{kind}.id", "must be a string (a FHIR id), not a number")
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


def _without_history(reference: str) -> str:
    """``.../Patient/p/_history/3`` -> ``.../Patient/p``: a version is the same patient."""
    head, marker, _ = reference.partition("/_history/")
    return head if marker else reference


# Dates ----------------------------------------------------------------------


class _When(NamedTuple):
    """The calendar date as written, and an exact key to order instants by."""

    day: dt.date
    key: int


def _date_parts(text: object, where: str) -> re.Match[str]:
    if not isinstance(text, str):
        raise InvalidInputError(where, "must be a date or date-time string")
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise InvalidInputError(where, f"{text[:40]!r} is not a FHIR date or date-time")
    return match


def _date_of(text: object, where: str) -> _When | None:
    """The date written and an order key; ``None`` when only a year or month is given.

    Date-times order by their instants across time zones (a valid leap
    second, ``23:59:60``, is the instant after ``23:59:59``); a date without
    a time orders as noon UTC of its day (see ``_DATE_ONLY_SHIFT``).
    """
    match = _date_parts(text, where)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if day is None:
        return None
    try:
        date = dt.date(int(year), int(month), int(day))
        if hour is None:
            epoch = calendar.timegm(date.timetuple())
            return _When(date, epoch * 10**9 + _DATE_ONLY_SHIFT)
        leap = second == "60"
        if leap and minute != "59":
            raise ValueError("a leap second ends a minute")
        offset = dt.timedelta()
        if zone != "Z":
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 14 or minutes > 59 or (hours == 14 and minutes):
                raise ValueError("offset out of range")
            offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
        moment = dt.datetime(
            date.year,
            date.month,
            date.day,
            int(hour),
            int(minute),
            59 if leap else int(second),
            tzinfo=dt.timezone(offset),
        )
    except ValueError:
        raise InvalidInputError(where, f"{text!s:.40} is not a valid date or time") from None
    seconds = calendar.timegm(moment.utctimetuple()) + (1 if leap else 0)
    nanos = int((fraction or ".0")[1:].ljust(9, "0"))
    return _When(date, seconds * 10**9 + nanos)


def _day_bounds(text: object, where: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date, partial date or date-time written can mean."""
    match = _date_parts(text, where)
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:
        if day is not None:
            exact = _date_of(text, where)
            assert exact is not None
            return exact.day, exact.day
        if month is not None:
            first = dt.date(int(year), int(month), 1)
            return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    except ValueError:
        raise InvalidInputError(where, f"{text!s:.40} is not a valid date") from None


# Reading --------------------------------------------------------------------


class _Candidate(NamedTuple):
    when: _When
    ref: str
    value: object
    error: InvalidInputError | None


class _Inexact(NamedTuple):
    """A result that says something about the value but not the value itself: a
    bound (``<0.5``), a range or a text. It is no value, and no older value takes
    its place: the older one may be what it reports as changed."""

    why: str


class _Reader:
    def __init__(
        self,
        entries: list[tuple[str, dict[str, Any]]],
        on: dt.date,
        terminology: Terminology | None,
        max_age: Mapping[str, dt.timedelta | None],
    ) -> None:
        self.all_entries = entries
        self.entries = _distinct(entries)
        self.on = on
        self.terminology = terminology
        self.max_age = max_age
        self.used: set[str] = set()
        self.ignored: list[Ignored] = []
        self.questions: list[str] = []
        self.candidates: dict[str, list[_Candidate]] = {}
        self.risks: set[RiskFactor] = set()
        self.comorbidities: set[Comorbidity] = set()
        self.pregnant_sources: list[str] = []
        self.oat3 = False
        self.by_reference = self._index()

    def _index(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for full_url, resource in self.all_entries:
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
        self.age_months = self._age_months(patient)
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
        result = self._patient(patient)
        others = sorted(self.used - {self.patient_ref})
        return PatientReading(
            patient=result,
            used=(self.patient_ref, *others),
            ignored=tuple(sorted(self.ignored, key=lambda item: (item.reference, item.why))),
            questions=tuple(sorted(set(self.questions))),
        )

    # The Patient resource

    def _the_patient(self) -> tuple[str, dict[str, Any]]:
        patients = [(url, r) for url, r in self.entries if r["resourceType"] == "Patient"]
        if not patients:
            raise InvalidInputError("Patient", "no Patient resource is given")
        first = _without_meta(patients[0][1])
        if any(_without_meta(resource) != first for _, resource in patients[1:]):
            raise InvalidInputError("Patient", "more than one different Patient resource")
        resource = patients[0][1]
        self._check_living_person(resource)
        return "", resource

    def _check_living_person(self, patient: Mapping[str, Any]) -> None:
        for index, extension in enumerate(_list(patient, "extension", "Patient")):
            if isinstance(extension, Mapping) and extension.get("url") == ANIMAL_EXTENSION:
                raise InvalidInputError(
                    f"Patient.extension[{index}]", "the patient is an animal (patient-animal)"
                )
        deceased = patient.get("deceasedBoolean")
        if deceased is not None and not isinstance(deceased, bool):
            raise InvalidInputError("Patient.deceasedBoolean", "must be true or false")
        if deceased:
            raise InvalidInputError("Patient.deceasedBoolean", "the patient has died")
        if "deceasedDateTime" in patient:
            first, _ = _day_bounds(patient["deceasedDateTime"], "Patient.deceasedDateTime")
            if first <= self.on:
                raise InvalidInputError(
                    "Patient.deceasedDateTime",
                    f"the patient died on or before {self.on.isoformat()}",
                )

    @staticmethod
    def _ref(resource: Mapping[str, Any]) -> str:
        ident = resource.get("id")
        kind = resource["resourceType"]
        return f"{kind}/{ident}" if isinstance(ident, str) and ident else f"{kind}/(no id)"

    def _subject_refs(self, full_url: str, patient: Mapping[str, Any]) -> set[str]:
        refs = {url for url, r in self.all_entries if url and r["resourceType"] == "Patient"}
        if full_url:
            refs.add(full_url)
        ident = patient.get("id")
        if isinstance(ident, str) and ident:
            refs.add(f"Patient/{ident}")
        return refs

    def _about_patient(self, resource: Mapping[str, Any], where: str) -> bool:
        subject = resource.get("subject", resource.get("patient"))
        if subject is None:
            return False
        return self._names_patient(subject, f"{where}.subject")

    def _about_someone_else(self, resource: Mapping[str, Any], where: str) -> str | None:
        """The first ``focus`` that is not this patient (a mother, a fetus, a donor)."""
        for index, focus in enumerate(_list(resource, "focus", where)):
            at = f"{where}.focus[{index}]"
            if not self._names_patient(focus, at):
                named = focus.get("reference") or focus.get("display") or "no reference"
                return f"{named!s:.60}"
        return None

    def _names_patient(self, subject: object, where: str) -> bool:
        if not isinstance(subject, Mapping):
            raise InvalidInputError(where, "must be a Reference")
        reference = _text(subject, "reference", where)
        if not reference:
            return False
        reference = _without_history(reference)
        if reference in self.subject_refs:
            return True
        # An absolute URL ending in Patient/id.
        return any(
            ref.startswith("Patient/") and reference.endswith("/" + ref)
            for ref in self.subject_refs
        )

    def _age_months(self, patient: Mapping[str, Any]) -> int:
        birth = patient.get("birthDate")
        where = "Patient.birthDate"
        if not isinstance(birth, str):
            raise InvalidInputError(where, "a full birth date (year-month-day) is needed")
        match = _DATE_TIME.fullmatch(birth)
        if match is None or match.group(4) is not None:
            raise InvalidInputError(where, f"{birth[:40]!r} is not a FHIR date")
        if match.group(3) is None:
            raise InvalidInputError(where, "a full birth date (year-month-day) is needed")
        try:
            born = dt.date.fromisoformat(birth)
        except ValueError:
            raise InvalidInputError(where, f"{birth!r} is not a date") from None
        if born > self.on:
            raise InvalidInputError(where, f"{birth} is after {self.on.isoformat()}")
        return completed_months(born, self.on)

    def _age(self) -> Any:
        reg = registry()
        if self.age_months % 12 == 0:
            return reg.Quantity(self.age_months // 12, "year")
        return reg.Quantity(self.age_months, "month")

    # Observations

    def _ignore(self, resource: Mapping[str, Any], why: str) -> None:
        self.ignored.append(Ignored(reference=self._ref(resource), why=why))

    def _observation(self, resource: dict[str, Any]) -> None:
        ref = self._ref(resource)
        pairs = _codings(resource.get("code"), f"{ref}.code")
        pair = next((p for p in pairs if p in _OBSERVATION_CODES), None)
        concept = None if pair is None else _OBSERVATION_CODES[pair]
        if concept is None or pair is None:
            return self._ignore(resource, "its code is not one the library reads")
        status = _text(resource, "status", ref)
        if status not in USABLE_STATUS:
            return self._ignore(resource, f"status {status!r} is not final, amended or corrected")
        if not self._about_patient(resource, ref):
            return self._ignore(resource, "it is not about this patient")
        if (other := self._about_someone_else(resource, ref)) is not None:
            return self._ignore(resource, f"its focus is {other}, not this patient")
        when = self._effective(resource, ref)
        if when is None:
            return self._ignore(resource, "it has no full effective date")
        if when.day > self.on:
            return self._ignore(resource, f"it is dated after {self.on.isoformat()}")
        value: object = None
        error = None
        try:
            value = self._value(concept, resource, ref, pair[1])
        except InvalidInputError as caught:
            error = caught
        if value is None and error is None:
            return None
        self.candidates.setdefault(concept, []).append(_Candidate(when, ref, value, error))
        return None

    def _effective(self, resource: Mapping[str, Any], ref: str) -> _When | None:
        for name in ("effectiveDateTime", "effectiveInstant"):
            if name in resource:
                return _date_of(resource[name], f"{ref}.{name}")
        period = resource.get("effectivePeriod")
        if period is not None:
            if not isinstance(period, Mapping):
                raise InvalidInputError(f"{ref}.effectivePeriod", "must be a Period")
            if "end" in period:
                return _date_of(period["end"], f"{ref}.effectivePeriod.end")
        if "issued" in resource:
            return _date_of(resource["issued"], f"{ref}.issued")
        return None

    def _value(
        self, concept: str, resource: Mapping[str, Any], ref: str, code: str
    ) -> object | None:
        """The value, ``None`` when left out (and listed); raises when it cannot be read."""
        if concept in _CODED:
            where = f"{ref}.valueCodeableConcept"
            pairs = _codings(resource.get("valueCodeableConcept"), where)
            if not pairs:
                self._ignore(resource, "it has no coded value")
                return None
            answers = _SMOKING if concept == "smoking" else _PREGNANCY
            given = {answers[p] for p in pairs if p in answers}
            found = sorted(given - {"unknown"})
            if not found:
                # "Unknown" or an answer the library does not read says nothing: like a
                # result without a value, it is listed and an older answer counts.
                self._ignore(resource, _no_answer(concept, "unknown" if given else "other"))
                return None
            return found[0] if len(found) == 1 else "contradictory"
        if concept in c.LIBRARY_FLAGS:
            if "valueBoolean" not in resource:
                self._ignore(resource, "it has no true or false value")
                return None
            flag = resource["valueBoolean"]
            if not isinstance(flag, bool):
                raise InvalidInputError(f"{ref}.valueBoolean", "must be true or false")
            return flag
        quantity = resource.get("valueQuantity")
        if quantity is None:
            other = sorted(
                key
                for key, given in resource.items()
                if _VALUE_X.fullmatch(key) and given is not None
            )
            if other:
                return _Inexact(f"its value is not a quantity ({other[0]})")
            self._ignore(resource, f"it has no quantity value{_absent(resource, ref)}")
            return None
        where = f"{ref}.valueQuantity"
        if not isinstance(quantity, Mapping):
            raise InvalidInputError(where, "must be a Quantity")
        if quantity.get("comparator") is not None:
            written = " ".join(
                f"{quantity[name]!s:.20}"
                for name in ("comparator", "value", "code" if "code" in quantity else "unit")
                if quantity.get(name) is not None
            )
            return _Inexact(f"its value has a comparator ({written}), so it is not an exact value")
        dimension = _DIMENSIONS[concept]
        if concept == "serum_creatinine" and code in c.CREATININE_AMOUNT:
            dimension = "[substance] / [volume]"
        return _quantity(concept, quantity, where, dimension)

    def _limit(self, concept: str) -> tuple[str, dt.timedelta | None]:
        if concept == "weight" and self.age_months < _ADULT_MONTHS:
            return "child_weight", self.max_age["child_weight"]
        return concept, self.max_age.get(concept)

    def _decide(self, concept: str) -> _Candidate | None:
        """The value of ``concept`` on ``on``: the latest fresh one; ``None`` when there is
        none or the latest ones disagree. Raises when the latest cannot be read."""
        name, limit = self._limit(concept)
        fresh = []
        for candidate in self.candidates.get(concept, []):
            age = self.on - candidate.when.day
            if limit is not None and age > limit:
                self.ignored.append(
                    Ignored(
                        candidate.ref,
                        f"it is {age.days} days old on {self.on.isoformat()} (dated "
                        f"{candidate.when.day.isoformat()}); {name.replace('_', ' ')} values "
                        f"older than {limit.days} days are not used",
                    )
                )
            else:
                fresh.append(candidate)
        if not fresh:
            return None
        fresh.sort(key=lambda item: (-item.when.key, item.ref))
        top = [item for item in fresh if item.when.key == fresh[0].when.key]
        older = fresh[len(top) :]
        unreadable = [item for item in top if item.error is not None]
        if unreadable:
            raise unreadable[0].error  # type: ignore[misc]
        if any(isinstance(item.value, _Inexact) for item in top):
            self._not_exact(concept, top, older)
            return None
        first = top[0]
        agree = all(_same(first.value, item.value) for item in top[1:])
        for item in older:
            why = f"a later {concept} observation is used"
            if not agree:
                why = f"later {concept} results disagree; an older one is not used in their place"
            if item.error is not None:
                why = f"its value cannot be read ({item.error.field}: {item.error.rule}); {why}"
            self.ignored.append(Ignored(item.ref, why))
        if not agree:
            names = ", ".join(item.ref for item in top)
            for item in top:
                self.ignored.append(
                    Ignored(item.ref, f"{concept} results at the same time disagree ({names})")
                )
            return None
        for item in top[1:]:
            self.ignored.append(
                Ignored(item.ref, f"the same {concept} at the same time as {first.ref}, used")
            )
        self.used.add(first.ref)
        return first

    def _not_exact(self, concept: str, top: list[_Candidate], older: list[_Candidate]) -> None:
        """The latest results hold one that is not an exact value: none is used."""
        bounds = ", ".join(item.ref for item in top if isinstance(item.value, _Inexact))
        for item in top:
            if isinstance(item.value, _Inexact):
                self.ignored.append(Ignored(item.ref, item.value.why))
            else:
                why = f"a {concept} result at the same time is not an exact value ({bounds})"
                self.ignored.append(Ignored(item.ref, why))
        for item in older:
            why = f"a later {concept} result is not an exact value; an older one is not used in its place"
            if item.error is not None:
                why = f"its value cannot be read ({item.error.field}: {item.error.rule}); {why}"
            self.ignored.append(Ignored(item.ref, why))

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
        unknown: set[str] = set()
        risks = [
            risk for risk, known in _RISK_CODES.items() if self._placed(pairs, known, unknown)
        ]
        if risk_by_icd := [r for r, k in c.CONDITIONS.items() if _icd10_matches(pairs, k)]:
            risks = sorted(set(risks) | set(risk_by_icd), key=lambda r: r.name)
        diseases = [d for d, code in c.LIBRARY_COMORBIDITIES.items() if _matches(pairs, (code,))]
        pregnancy = self._placed(pairs, c.PREGNANCY_CONDITIONS, unknown)
        if not (risks or diseases or pregnancy):
            if unknown:
                names = ", ".join(sorted(unknown))
                return self._ignore(resource, f"{NOT_PLACED} {names}")
            return self._ignore(resource, NOT_READ)
        onset = self._onset(resource, ref)
        if onset is not None and onset > self.on:
            return self._ignore(resource, f"its onset is after {self.on.isoformat()}")
        if risks:
            # A risk factor is a history: a resolved DVT still counts.
            self.risks.update(risks)
            self.used.add(ref)
        if diseases or pregnancy:
            now, why = self._active_on(resource, ref)
            if now:
                self.comorbidities.update(diseases)
                if pregnancy:
                    self.pregnant_sources.append(f"{ref}.code")
                self.used.add(ref)
            elif not risks:
                self._ignore(resource, why)
        return None

    def _placed(
        self,
        pairs: list[tuple[str, str]],
        known: Iterable[c.Code],
        unknown: set[str],
    ) -> bool:
        known = tuple(known)
        if _matches(pairs, known):
            return True
        if self.terminology is None:
            return False
        for code in known:
            if code.system == c.LIBRARY:
                continue
            for pair in pairs:
                if pair[0] != code.system:
                    continue
                answer = self.terminology.subsumes((code.system, code.code), pair)
                if answer is True:
                    return True
                if answer is None:
                    unknown.add(f"{code.display} ({code.code})")
                elif answer is not False:
                    raise InvalidInputError(
                        "terminology", "subsumes must answer True, False or None"
                    )
        return False

    def _onset(self, resource: Mapping[str, Any], ref: str) -> dt.date | None:
        if "onsetDateTime" in resource:
            return _day_bounds(resource["onsetDateTime"], f"{ref}.onsetDateTime")[0]
        period = resource.get("onsetPeriod")
        if isinstance(period, Mapping) and "start" in period:
            return _day_bounds(period["start"], f"{ref}.onsetPeriod.start")[0]
        return None

    def _active_on(self, resource: Mapping[str, Any], ref: str) -> tuple[bool, str]:
        """Whether a condition is not abated on ``on``, and if it is, why."""
        abated = None
        if "abatementDateTime" in resource:
            abated = _day_bounds(resource["abatementDateTime"], f"{ref}.abatementDateTime")[1]
        elif isinstance(resource.get("abatementPeriod"), Mapping):
            period = resource["abatementPeriod"]
            for name in ("end", "start"):
                if name in period:
                    abated = _day_bounds(period[name], f"{ref}.abatementPeriod.{name}")[1]
                    break
        if abated is not None:
            if abated > self.on:
                return True, ""
            return False, f"it was abated by {abated.isoformat()}, on or before {self.on}"
        status = _codings(resource.get("clinicalStatus"), f"{ref}.clinicalStatus", any_system=True)
        codes = {code for _, code in status}
        if codes & ACTIVE_CONDITION:
            return True, ""
        named = ", ".join(sorted(codes)) or "none"
        return False, f"it has no abatement date and its clinical status ({named}) is not active"

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
        self.used.add(ref)
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
            medication = self.by_reference.get(_without_history(target))
        if not isinstance(medication, Mapping) or medication.get("resourceType") != "Medication":
            return False
        return _names_probenecid(medication, where)

    # The patient

    def _patient(self, resource: Mapping[str, Any]) -> Patient:
        values: dict[str, Any] = {}
        labs: dict[str, Any] = {}
        sources: dict[str, str] = {"age": "Patient.birthDate"}
        for concept in sorted(self.candidates):
            chosen = self._decide(concept)
            if chosen is None:
                continue
            if concept in _CODED:
                self._coded(concept, chosen)
                continue
            if concept in c.LIBRARY_FLAGS:
                values[concept] = chosen.value
                sources[concept] = f"{chosen.ref}.valueBoolean"
                continue
            (labs if concept in _LABS else values)[concept] = chosen.value
            sources[concept] = f"{chosen.ref}.valueQuantity.value"
        pregnant = bool(self.pregnant_sources)
        if self.pregnant_sources:
            sources["pregnant"] = sorted(self.pregnant_sources)[0]
        values["sex"] = self._sex(resource)
        sources["sex"] = "Patient.gender"
        try:
            return Patient(
                age=self._age(),
                risk_factors=frozenset(self.risks),
                comorbidities=frozenset(self.comorbidities),
                labs=Labs(**labs) if labs else None,
                pregnant=pregnant,
                strong_oat3_inhibitor=self.oat3,
                **values,
            )
        except InvalidInputError as error:
            raise _named(error, sources) from None

    @staticmethod
    def _sex(patient: Mapping[str, Any]) -> Sex | None:
        gender = patient.get("gender")
        if gender is None:
            return None
        if not isinstance(gender, str) or gender not in _GENDER:
            raise InvalidInputError("Patient.gender", "must be female, male, other or unknown")
        return _GENDER[gender]

    def _coded(self, concept: str, chosen: _Candidate) -> None:
        answer = chosen.value
        if concept == "pregnancy":
            if answer == "pregnant":
                self.pregnant_sources.append(f"{chosen.ref}.valueCodeableConcept")
            elif answer == "not pregnant" and self.pregnant_sources:
                self.used.discard(chosen.ref)
                self.ignored.append(
                    Ignored(chosen.ref, "a pregnancy Condition says pregnant on the date")
                )
            elif answer != "not pregnant":
                self.used.discard(chosen.ref)
                why = _no_answer(concept, str(answer))
                self.ignored.append(Ignored(chosen.ref, why))
            return
        if answer == "current":
            self.risks.add(RiskFactor.SMOKING)
        elif answer == "former":
            self.used.discard(chosen.ref)
            self.questions.append(FORMER_SMOKER_QUESTION)
            self.ignored.append(
                Ignored(
                    chosen.ref,
                    "former smoker, not counted: a question for the prescriber "
                    "(is this a long-time past smoker?)",
                )
            )
        elif answer != "never":
            self.used.discard(chosen.ref)
            why = _no_answer(concept, str(answer))
            self.ignored.append(Ignored(chosen.ref, why))


_RISK_CODES: Final[dict[RiskFactor, tuple[c.Code, ...]]] = {
    risk: (*(c.CONDITIONS[risk].snomed if risk in c.CONDITIONS else ()), c.LIBRARY_RISKS[risk])
    for risk in RiskFactor
}


def _named(error: InvalidInputError, sources: Mapping[str, str]) -> InvalidInputError:
    """The error with each of the library's field names replaced by the FHIR element read."""
    parts = re.split(r"(\W+)", error.field)
    if not any(part in sources for part in parts):
        return error
    named = "".join(sources.get(part, part) for part in parts)
    # A contradiction names the other field in its rule ("is true but sex is MALE").
    others = [sources[word] for word in re.findall(r"\w+", error.rule) if word in sources]
    return InvalidInputError(", ".join(dict.fromkeys([named, *others])), error.rule)


def _distinct(entries: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The entries, each resource once: copies that differ only in ``meta`` are one."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    kept = []
    for full_url, resource in entries:
        ident = resource.get("id")
        if isinstance(ident, str) and ident:
            key = (resource["resourceType"], ident)
            bare = _without_meta(resource)
            if key in seen and seen[key] == bare:
                continue
            seen.setdefault(key, bare)
        kept.append((full_url, resource))
    return kept


def _without_meta(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if key != "meta"}


def _names_probenecid(medication: Mapping[str, Any], where: str) -> bool:
    """Whether a Medication is coded as probenecid or lists it as an active ingredient
    (a product coded by its clinical drug, or a combination, names its ingredients)."""
    if _matches(_codings(medication.get("code"), f"{where}.code"), c.PROBENECID):
        return True
    for index, ingredient in enumerate(_list(medication, "ingredient", where)):
        at = f"{where}.ingredient[{index}]"
        if not isinstance(ingredient, Mapping):
            raise InvalidInputError(at, "must be an object")
        if ingredient.get("isActive") is False:
            continue
        item = _codings(ingredient.get("itemCodeableConcept"), f"{at}.itemCodeableConcept")
        if _matches(item, c.PROBENECID):
            return True
    return False


def _absent(resource: Mapping[str, Any], ref: str) -> str:
    """`` (data absent: error)`` when the resource says why it has no value."""
    codes = _codings(resource.get("dataAbsentReason"), f"{ref}.dataAbsentReason", any_system=True)
    return f" (data absent: {', '.join(sorted({code for _, code in codes}))})" if codes else ""


def _same(one: object, other: object) -> bool:
    if one == other:
        return True
    try:
        a = one.to_base_units().magnitude  # type: ignore[attr-defined]
        b = other.to_base_units().magnitude  # type: ignore[attr-defined]
    except AttributeError:
        return False
    return math.isclose(float(a), float(b), rel_tol=1e-9)


def _icd10_matches(pairs: list[tuple[str, str]], known: c.ConditionCodes) -> bool:
    for system, code in pairs:
        if system != c.ICD10:
            continue
        plain = code.replace(".", "").upper()
        if any(plain.startswith(prefix.replace(".", "")) for prefix in known.icd10_prefixes):
            return True
        if known.icd10_range is not None and re.fullmatch(r"[A-Z][0-9][0-9].*", plain):
            low, high = known.icd10_range
            if low <= plain[:3] <= high:
                return True
    return False


def _quantity(concept: str, quantity: Mapping[str, Any], where: str, dimension: str) -> object:
    """The quantity as the library's registry holds it, from its value and UCUM code.

    Without a code, a unit text that is exactly one of the concept's UCUM codes
    is read as that code (as converters from C-CDA write ``"unit": "kg"``).
    """
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{where}.value", "must be a number")
    system = quantity.get("system")
    if system is not None and system != c.UCUM:
        raise InvalidInputError(f"{where}.system", f"must be UCUM ({c.UCUM})")
    accepted = c.UCUM_UNITS[dimension]
    if concept == "egfr":
        accepted += tuple(c.EGFR_ANNOTATED)
    code = quantity.get("code")
    at = f"{where}.code"
    if code is None and system is None:
        text = quantity.get("unit")
        if isinstance(text, str) and text in accepted:
            code, at = text, f"{where}.unit"
    if not isinstance(code, str):
        raise InvalidInputError(f"{where}.code", "a UCUM unit code is needed")
    if code not in accepted:
        raise InvalidInputError(
            at, f"{code[:40]!r} is not one of {', '.join(accepted)} for {concept}"
        )
    unit = parse_unit(c.EGFR_ANNOTATED.get(code, code), at)
    return quantity_from(frozen_quantity(value, unit), f"{where}.value", dimension)

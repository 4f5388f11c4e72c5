"""Generated FHIR records for the CQL proof: boundary values, missing data, other units,
several dated values (old, at the same instant, after the decision date), conditions and
medications as EHRs write them. Deterministic: the same seed gives the same records."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from baricitinib_guideline.knowledge import codes as c
from baricitinib_guideline.model._dates import add_months

ON = dt.date(2026, 11, 1)
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

# Value (in the concept's plain unit) and how to write it in other units.
_UNITS: dict[str, list[tuple[str, float]]] = {
    "weight": [("kg", 1), ("g", 1000), ("[lb_av]", 1 / 0.45359237), ("mg", 1e6)],
    "creatinine_clearance": [("mL/min", 1), ("mL/s", 1 / 60), ("L/h", 0.06)],
    "egfr": [("mL/min", 1), ("mL/min/{1.73_m2}", 1)],
    "lymphocytes": [("10*9/L", 1), ("/uL", 1000), ("10*3/uL", 1), ("{cells}/uL", 1000)],
    "neutrophils": [("10*9/L", 1), ("/mm3", 1000), ("10*3/mm3", 1)],
    "haemoglobin": [("g/dL", 1), ("g/L", 10)],
}
_VALUES: dict[str, list[float]] = {
    "weight": [8, 9.99, 10, 10.01, 20, 29.99, 30, 30.01, 45, 70, 95],
    "creatinine_clearance": [15, 29.9, 30, 30.1, 45, 59.9, 60, 60.1, 90],
    "egfr": [20, 39.9, 40, 40.1, 50, 59.9, 60, 60.1, 95],
    "lymphocytes": [0.3, 0.49, 0.5, 0.51, 1.2, 2.5],
    "neutrophils": [0.5, 0.99, 1.0, 1.01, 2.5, 4],
    "haemoglobin": [6.5, 7.9, 8.0, 8.1, 12, 14.5],
}
_CREATININE: list[tuple[str, str, float]] = [
    ("2160-0", "mg/dL", 0.7),
    ("2160-0", "mg/dL", 1.1),
    ("2160-0", "mg/dL", 2.5),
    ("2160-0", "mg/dL", 4.0),
    ("38483-4", "mg/dL", 1.3),
    ("2160-0", "g/L", 0.011),
    ("14682-9", "umol/L", 88.4),
    ("14682-9", "umol/L", 97),
    ("14682-9", "umol/L", 250),
    ("14682-9", "mmol/L", 0.12),
]
_FLAGS = (
    "systemic_candidate",
    "hypersensitivity",
    "breastfeeding",
    "severe_hepatic_impairment",
    "suspected_drug_induced_liver_injury",
)
_RISK_CODINGS: list[tuple[str, str]] = [
    (c.SNOMED, "128053003"),
    (c.SNOMED, "59282003"),
    (c.SNOMED, "22298006"),
    (c.SNOMED, "230690007"),
    (c.SNOMED, "363346000"),
    (c.ICD10, "I26.9"),
    (c.ICD10, "I80.2"),
    (c.ICD10, "I82.40"),
    (c.ICD10, "I21.4"),
    (c.ICD10, "I63.9"),
    (c.ICD10, "C50.9"),
    (c.ICD10, "C97"),
    (c.ICD10, "D05.1"),
    (c.ICD10, "I80.0"),
    (c.LIBRARY, "CHRONIC_OR_RECURRENT_INFECTION"),
    (c.LIBRARY, "VTE"),
    (c.LIBRARY, "SMOKING"),
    (c.SNOMED, "44054006"),
]


def _when(rng: random.Random, on: dt.date) -> str:
    """A date or date-time near a freshness limit, sometimes after ``on``."""
    days = rng.choice([0, 0, 1, 10, 30, 89, 90, 91, 92, 93, 200, 279, 280, 281, 364, 365, 366, -1])
    day = on - dt.timedelta(days=days)
    shape = rng.randrange(4)
    if shape == 0:
        return day.isoformat()
    zone = rng.choice(["Z", "+02:00", "-05:00", "+11:00"])
    hour = rng.choice([0, 8, 12, 13, 23])
    return f"{day.isoformat()}T{hour:02d}:{rng.choice([0, 30]):02d}:00{zone}"


def _number(value: float) -> float | int:
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


class _Record:
    def __init__(self, rng: random.Random, ident: str, on: dt.date) -> None:
        self.rng, self.ident, self.on = rng, ident, on
        self.resources: list[dict[str, Any]] = []
        self.count = 0

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.count += 1
        resource = {"id": f"{self.ident}-{self.count}", **resource}
        self.resources.append(resource)
        return resource

    def subject(self) -> dict[str, str]:
        draw = self.rng.random()
        if draw < 0.05:
            return {"reference": "Patient/someone-else"}
        if draw < 0.1:
            return {"reference": f"https://ehr.example/fhir/Patient/{self.ident}/_history/2"}
        return {"reference": f"Patient/{self.ident}"}

    def observation(self, code: c.Code, value: dict[str, Any], when: str | None = None) -> None:
        rng = self.rng
        status = "final" if rng.random() < 0.9 else rng.choice(["amended", "preliminary"])
        self.add(
            {
                "resourceType": "Observation",
                "status": status,
                "code": {"coding": [{"system": code.system, "code": code.code}]},
                "subject": self.subject(),
                **self.effective(when or _when(rng, self.on)),
                **value,
            }
        )

    def effective(self, when: str) -> dict[str, Any]:
        """When, as EHRs write it: a date-time, an instant, a period's end, or only issued."""
        draw = self.rng.random()
        if draw < 0.8:
            return {"effectiveDateTime": when}
        if draw < 0.85 and "T" in when:
            return {"effectiveInstant": when}
        if draw < 0.9:
            return {"effectivePeriod": {"start": "2020-01-01", "end": when}}
        if draw < 0.95:
            return {"effectivePeriod": {"start": "2020-01-01"}, "issued": when}
        return {"issued": when} if "T" in when else {"effectiveDateTime": when[:7]}


def _quantities(record: _Record, concept: str) -> None:
    rng = record.rng
    count = rng.choice([1, 1, 1, 2, 2, 3])
    shared = _when(rng, record.on)
    for _ in range(count):
        value = rng.choice(_VALUES[concept])
        unit, factor = rng.choice(_UNITS[concept])
        quantity: dict[str, Any] = {"value": _number(value * factor), "code": unit}
        if rng.random() < 0.9:
            quantity["system"] = c.UCUM
        if rng.random() < 0.03:
            quantity["comparator"] = "<"
        when = shared if rng.random() < 0.4 else None
        code = rng.choice(c.OBSERVATIONS[concept])
        record.observation(code, {"valueQuantity": quantity}, when)


def _creatinine(record: _Record) -> None:
    rng = record.rng
    for _ in range(rng.choice([1, 1, 2])):
        loinc, unit, value = rng.choice(_CREATININE)
        code = next(known for known in c.OBSERVATIONS["serum_creatinine"] if known.code == loinc)
        quantity = {"value": value, "system": c.UCUM, "code": unit}
        record.observation(code, {"valueQuantity": quantity})


def _pregnancy(record: _Record) -> None:
    rng = record.rng
    if rng.random() < 0.5:
        answer = rng.choice([c.PREGNANT, c.PREGNANT, c.NOT_PREGNANT, c.PREGNANCY_UNKNOWN])
        codings = [{"system": answer.system, "code": answer.code}]
        if rng.random() < 0.1:
            codings.append({"system": c.SNOMED, "code": c.NOT_PREGNANT.code})
        record.observation(
            c.OBSERVATIONS["pregnancy"][0], {"valueCodeableConcept": {"coding": codings}}
        )
    else:
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "clinicalStatus": {
                "coding": [{"system": CLINICAL, "code": rng.choice(["active", "resolved"])}]
            },
            "code": {
                "coding": [{"system": c.SNOMED, "code": rng.choice(["77386006", "72892002"])}]
            },
            "subject": record.subject(),
            "onsetDateTime": (
                record.on - dt.timedelta(days=rng.choice([-10, 0, 100]))
            ).isoformat(),
        }
        if rng.random() < 0.5:
            end = record.on + dt.timedelta(days=rng.choice([-40, -1, 0, 1, 30]))
            condition["abatementDateTime"] = rng.choice(
                [end.isoformat(), end.isoformat()[:7], end.isoformat()[:4]]
            )
        record.add(condition)


def _condition(record: _Record) -> None:
    rng = record.rng
    system, code = rng.choice(_RISK_CODINGS)
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [{"system": CLINICAL, "code": rng.choice(["active", "resolved"])}]
        },
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": record.subject(),
    }
    if rng.random() < 0.15:
        resource["verificationStatus"] = {
            "coding": [{"system": VERIFICATION, "code": rng.choice(["refuted", "confirmed"])}]
        }
    onset = rng.random()
    if onset < 0.6:
        day = record.on + dt.timedelta(days=rng.choice([-4000, -30, 0, 1, 40]))
        resource["onsetDateTime"] = rng.choice([day.isoformat(), day.isoformat()[:7]])
    elif onset < 0.7:
        resource["onsetPeriod"] = {"start": (record.on - dt.timedelta(days=100)).isoformat()}
    record.add(resource)


def _medication(record: _Record) -> None:
    rng = record.rng
    kind = rng.choice(["MedicationStatement", "MedicationRequest"])
    status = rng.choice(["active", "active", "on-hold", "completed", "stopped"])
    code = rng.choice([*c.PROBENECID, c.Code(c.ATC, "M01AE01", "ibuprofen")])
    concept = {"coding": [{"system": code.system, "code": code.code}]}
    resource: dict[str, Any] = {
        "resourceType": kind,
        "status": status,
        "subject": record.subject(),
    }
    if kind == "MedicationRequest":
        resource["intent"] = "order"
    if rng.random() < 0.3:
        medication = record.add({"resourceType": "Medication", "code": concept})
        resource["medicationReference"] = {"reference": f"Medication/{medication['id']}"}
    else:
        resource["medicationCodeableConcept"] = concept
    record.add(resource)


def record(rng: random.Random, ident: str, on: dt.date = ON) -> dict[str, Any]:
    """One patient's record as a collection Bundle."""
    months = rng.choice(
        [12, 23, 24, 25, 60, 120, 215, 216, 217, 400, 779, 780, 781, rng.randrange(24, 1000)]
    )
    born = add_months(on, -months) + dt.timedelta(days=rng.choice([0, 0, 0, 1, -1]))
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ident,
        "birthDate": born.isoformat(),
    }
    gender = rng.choice(["female", "male", "female", "male", "other", "unknown", None])
    if gender is not None:
        patient["gender"] = gender
    rec = _Record(rng, ident, on)
    for concept in _VALUES:
        if rng.random() < (0.8 if concept == "weight" else 0.35):
            _quantities(rec, concept)
    if rng.random() < 0.35:
        _creatinine(rec)
    for flag in _FLAGS:
        if rng.random() < 0.05:
            default = flag == "systemic_candidate"
            code = c.Code(c.LIBRARY, flag, flag)
            value = not default if rng.random() < 0.8 else default
            rec.observation(code, {"valueBoolean": value})
    if gender != "male" and months >= 120 and rng.random() < 0.3:
        _pregnancy(rec)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        _condition(rec)
    if rng.random() < 0.15:
        _medication(rec)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in (patient, *rec.resources)],
    }


def records(count: int, seed: int = 25) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [record(rng, f"g{index}") for index in range(count)]

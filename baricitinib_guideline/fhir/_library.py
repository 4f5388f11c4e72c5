"""The starting decision as CQL: the FHIR ``Library`` resources and the ``ValueSet``\\ s it names.

The CQL source and its ELM (translated by the HL7 reference translator, see
``tools/cql``) ship in the package's ``cql`` folder. Every code the CQL
matches is named by a value set; the value sets are written here from the
same lists in ``knowledge.codes`` the FHIR reader matches, so the engine and
the reader see the same codes.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from functools import cache
from importlib import resources
from typing import Any, Final, NamedTuple

from ..errors import InvalidInputError
from ..knowledge import KNOWLEDGE_VERSION
from ..knowledge import codes as c
from ..model.enums import RiskFactor
from ._write import CANONICAL_BASE, LIBRARY_NAME, LIBRARY_URL, _finish

__all__ = [
    "ICD10_RULES",
    "LIBRARY_NAME",
    "LIBRARY_URL",
    "VALUE_SETS",
    "cql_files",
    "libraries",
    "value_sets",
]

FHIR_HELPERS: Final = ("FHIRHelpers", "4.0.1")
FHIR_HELPERS_URL: Final = "http://hl7.org/fhir/Library/FHIRHelpers"


class ValueSetSpec(NamedTuple):
    """A value set the logic library names: its id, its name in the CQL, its codes."""

    id: str
    name: str
    codes: tuple[c.Code, ...]
    placed: bool = False
    """Condition codes the reader also places through a terminology (descendants count)."""

    @property
    def url(self) -> str:
        return f"{CANONICAL_BASE}:ValueSet:{self.id}"


def _ucum(*codes: str) -> tuple[c.Code, ...]:
    return tuple(c.Code(c.UCUM, code, code) for code in codes)


def _flag(name: str) -> c.Code:
    return c.Code(c.LIBRARY, name, name.replace("_", " ").capitalize())


def _risk(risk: RiskFactor) -> tuple[c.Code, ...]:
    standard = c.CONDITIONS[risk].snomed if risk in c.CONDITIONS else ()
    return (*standard, c.LIBRARY_RISKS[risk])


_CREATININE: Final = c.OBSERVATIONS["serum_creatinine"]
# The answers that say pregnant or not; "unknown" says nothing, and an older answer
# counts in its place, as the reader does.
_ANSWERS: Final = (c.PREGNANT, c.NOT_PREGNANT)

VALUE_SETS: Final[tuple[ValueSetSpec, ...]] = (
    ValueSetSpec("weight", "Body weight", c.OBSERVATIONS["weight"]),
    ValueSetSpec(
        "creatinine-clearance", "Creatinine clearance", c.OBSERVATIONS["creatinine_clearance"]
    ),
    ValueSetSpec("egfr", "eGFR", c.OBSERVATIONS["egfr"]),
    ValueSetSpec("neutrophils", "Neutrophils", c.OBSERVATIONS["neutrophils"]),
    ValueSetSpec("lymphocytes", "Lymphocytes", c.OBSERVATIONS["lymphocytes"]),
    ValueSetSpec("haemoglobin", "Haemoglobin", c.OBSERVATIONS["haemoglobin"]),
    ValueSetSpec(
        "serum-creatinine-mass",
        "Serum creatinine by mass",
        tuple(code for code in _CREATININE if code.code not in c.CREATININE_AMOUNT),
    ),
    ValueSetSpec(
        "serum-creatinine-amount",
        "Serum creatinine by amount",
        tuple(code for code in _CREATININE if code.code in c.CREATININE_AMOUNT),
    ),
    ValueSetSpec("pregnancy-status", "Pregnancy status", c.OBSERVATIONS["pregnancy"]),
    ValueSetSpec("pregnancy-status-answers", "Pregnancy status answers", _ANSWERS),
    ValueSetSpec("pregnant", "Pregnant answer", (c.PREGNANT,)),
    ValueSetSpec(
        "pregnancy-conditions", "Pregnancy conditions", c.PREGNANCY_CONDITIONS, placed=True
    ),
    ValueSetSpec("systemic-candidate", "Systemic candidate", (_flag("systemic_candidate"),)),
    ValueSetSpec("hypersensitivity", "Hypersensitivity", (_flag("hypersensitivity"),)),
    ValueSetSpec("breastfeeding", "Breastfeeding", (_flag("breastfeeding"),)),
    ValueSetSpec(
        "severe-hepatic-impairment",
        "Severe hepatic impairment",
        (_flag("severe_hepatic_impairment"),),
    ),
    ValueSetSpec(
        "suspected-drug-induced-liver-injury",
        "Suspected drug-induced liver injury",
        (_flag("suspected_drug_induced_liver_injury"),),
    ),
    ValueSetSpec("risk-vte", "VTE conditions", _risk(RiskFactor.VTE), placed=True),
    ValueSetSpec("risk-mace", "MACE conditions", _risk(RiskFactor.MACE), placed=True),
    ValueSetSpec(
        "risk-malignancy", "Malignancy conditions", _risk(RiskFactor.MALIGNANCY), placed=True
    ),
    ValueSetSpec(
        "risk-chronic-or-recurrent-infection",
        "Chronic or recurrent infection conditions",
        _risk(RiskFactor.CHRONIC_OR_RECURRENT_INFECTION),
        placed=True,
    ),
    ValueSetSpec("probenecid", "Probenecid", c.PROBENECID),
    ValueSetSpec("units-mass", "Mass units", _ucum(*c.UCUM_UNITS["[mass]"])),
    ValueSetSpec(
        "units-volume-per-time", "Volume per time units", _ucum(*c.UCUM_UNITS["[volume] / [time]"])
    ),
    ValueSetSpec(
        "units-egfr",
        "eGFR units",
        _ucum(*c.UCUM_UNITS["[volume] / [time]"], *c.EGFR_ANNOTATED),
    ),
    ValueSetSpec(
        "units-count-per-volume", "Count per volume units", _ucum(*c.UCUM_UNITS["1 / [volume]"])
    ),
    ValueSetSpec(
        "units-mass-per-volume", "Mass per volume units", _ucum(*c.UCUM_UNITS["[mass] / [volume]"])
    ),
    ValueSetSpec(
        "units-amount-per-volume",
        "Amount per volume units",
        _ucum(*c.UCUM_UNITS["[substance] / [volume]"]),
    ),
)
"""Every value set the logic library names, built from ``knowledge.codes``."""

ICD10_RULES: Final[dict[RiskFactor, c.ConditionCodes]] = {
    risk: codes
    for risk, codes in c.CONDITIONS.items()
    if codes.icd10_prefixes or codes.icd10_range
}
"""The ICD-10 prefixes and ranges the CQL states as rules (a value set cannot hold a prefix)."""


def cql_files() -> dict[str, bytes]:
    """The CQL sources and their ELM JSON, by file name, as shipped in the package."""
    folder = resources.files("baricitinib_guideline.fhir") / "cql"
    return {
        item.name: item.read_bytes()
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith((".cql", ".json"))
    }


@cache
def _files() -> dict[str, bytes]:
    return cql_files()


def _attachments(stem: str) -> list[dict[str, Any]]:
    files = _files()
    return [
        {
            "contentType": "text/cql",
            "data": base64.b64encode(files[f"{stem}.cql"]).decode("ascii"),
        },
        {
            "contentType": "application/elm+json",
            "data": base64.b64encode(files[f"{stem}.json"]).decode("ascii"),
        },
    ]


_LOGIC_LIBRARY: Final = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/library-type",
            "code": "logic-library",
            "display": "Logic Library",
        }
    ]
}
# What the library reads, by resource type and the value set its codes must be in.
_READ_BY: Final[dict[str, tuple[str, str]]] = {
    "weight": ("Observation", "code"),
    "creatinine-clearance": ("Observation", "code"),
    "egfr": ("Observation", "code"),
    "neutrophils": ("Observation", "code"),
    "lymphocytes": ("Observation", "code"),
    "haemoglobin": ("Observation", "code"),
    "serum-creatinine-mass": ("Observation", "code"),
    "serum-creatinine-amount": ("Observation", "code"),
    "pregnancy-status": ("Observation", "code"),
    "systemic-candidate": ("Observation", "code"),
    "hypersensitivity": ("Observation", "code"),
    "breastfeeding": ("Observation", "code"),
    "severe-hepatic-impairment": ("Observation", "code"),
    "suspected-drug-induced-liver-injury": ("Observation", "code"),
    "pregnancy-conditions": ("Condition", "code"),
    "risk-vte": ("Condition", "code"),
    "risk-mace": ("Condition", "code"),
    "risk-malignancy": ("Condition", "code"),
    "risk-chronic-or-recurrent-infection": ("Condition", "code"),
}


def _data_requirements() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"type": "Patient"}]
    for spec in VALUE_SETS:
        if spec.id in _READ_BY:
            kind, path = _READ_BY[spec.id]
            found.append({"type": kind, "codeFilter": [{"path": path, "valueSet": spec.url}]})
    # Conditions coded in ICD-10 are read by prefix, so every Condition is read.
    found.append({"type": "Condition"})
    probenecid = next(spec.url for spec in VALUE_SETS if spec.id == "probenecid")
    for kind in ("MedicationRequest", "MedicationStatement"):
        found.append(
            {"type": kind, "codeFilter": [{"path": "medication", "valueSet": probenecid}]}
        )
    found.append({"type": "Medication", "codeFilter": [{"path": "code", "valueSet": probenecid}]})
    return found


def _cql_version(text: str) -> str:
    found = re.search(r"^library\s+\w+\s+version\s+'([^']+)'", text, re.MULTILINE)
    if found is None:  # pragma: no cover - the shipped source declares it
        raise RuntimeError("the CQL library declares no version")
    return found.group(1)


def libraries() -> list[dict[str, Any]]:
    """FHIR R4 ``Library`` resources: the chapter's logic library first, then FHIRHelpers.

    Each carries its CQL and ELM JSON as base64 attachments; the logic
    library lists its parameter, its results, the data it reads and what it
    depends on.
    """
    files = _files()
    source = files[f"{LIBRARY_NAME}.cql"].decode("utf-8")
    helpers, helpers_version = FHIR_HELPERS
    logic: dict[str, Any] = {
        "resourceType": "Library",
        "id": "baricitinib-dosing",
        "url": LIBRARY_URL,
        "identifier": [{"system": f"{CANONICAL_BASE}:cql", "value": _cql_version(source)}],
        "version": KNOWLEDGE_VERSION,
        "name": LIBRARY_NAME,
        "title": "Baricitinib in atopic eczema: the starting decision",
        "status": "active",
        "type": _LOGIC_LIBRARY,
        "description": "For one patient's FHIR R4 record and the decision date On: Status "
        "(the name of a status) and DoseMg (the once-daily dose in mg, null without a "
        "regimen), as the library's read_patient then recommend give them for a new start.",
        "relatedArtifact": [
            {
                "type": "depends-on",
                "display": f"{helpers} {helpers_version}",
                "resource": f"{FHIR_HELPERS_URL}|{helpers_version}",
            },
            *(
                {"type": "depends-on", "display": spec.name, "resource": spec.url}
                for spec in VALUE_SETS
            ),
        ],
        "parameter": [
            {"name": "On", "use": "in", "min": 0, "max": "1", "type": "date"},
            {"name": "Status", "use": "out", "min": 0, "max": "1", "type": "string"},
            {"name": "DoseMg", "use": "out", "min": 0, "max": "1", "type": "decimal"},
        ],
        "dataRequirement": _data_requirements(),
        "content": _attachments(LIBRARY_NAME),
    }
    helper: dict[str, Any] = {
        "resourceType": "Library",
        "id": "fhirhelpers-4-0-1",
        "url": FHIR_HELPERS_URL,
        "version": helpers_version,
        "name": helpers,
        "title": "FHIRHelpers (HL7 CQL reference implementation, Apache License 2.0)",
        "status": "active",
        "type": _LOGIC_LIBRARY,
        "description": "Conversions between FHIR data types and CQL system types, as "
        "published by the HL7 CQL reference implementation, with its licence notice.",
        "content": _attachments(f"{helpers}-{helpers_version}"),
    }
    return [
        _finish(logic, f"{logic['title']} (CQL library {LIBRARY_NAME})", [logic["description"]]),
        _finish(helper, f"{helpers} {helpers_version}", [helper["description"]]),
    ]


def _contains(code: c.Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def value_sets(terminology: object = None) -> list[dict[str, Any]]:
    """A ``ValueSet`` with an ``expansion`` for every code set the logic library names.

    The codes are the ones the FHIR reader matches. With ``terminology`` (a
    :class:`ValueSetTerminology`, or anything with ``expansion(ancestor)``),
    the condition value sets also hold the codes it lists below theirs, so
    that a CQL engine places finer codes as the reader does.
    """
    expand = None
    if terminology is not None:
        expand = getattr(terminology, "expansion", None)
        if not callable(expand):
            raise InvalidInputError(
                "terminology", "must give expansions (expansion(ancestor)), as ValueSetTerminology"
            )
    found = []
    for spec in VALUE_SETS:
        codes: dict[tuple[str, str], dict[str, str]] = {
            (code.system, code.code): _contains(code) for code in spec.codes
        }
        if expand is not None and spec.placed:
            for code in spec.codes:
                if code.system == c.LIBRARY:
                    continue
                below = expand((code.system, code.code))
                for system, value in sorted(below or ()):
                    codes.setdefault((system, value), {"system": system, "code": value})
        includes: dict[str, list[dict[str, str]]] = {}
        for item in codes.values():
            includes.setdefault(item["system"], []).append({"code": item["code"]})
        resource = {
            "resourceType": "ValueSet",
            "id": spec.id,
            "url": spec.url,
            "version": KNOWLEDGE_VERSION,
            "name": re.sub(r"\W", "", spec.name.title()),
            "title": spec.name,
            "status": "active",
            "compose": {
                "include": [
                    {"system": system, "concept": concepts}
                    for system, concepts in includes.items()
                ]
            },
            "expansion": {
                "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "total": len(codes),
                "contains": list(codes.values()),
            },
        }
        lines = [f"{item['system']} {item['code']}" for item in codes.values()]
        found.append(_finish(resource, spec.name, lines))
    return found

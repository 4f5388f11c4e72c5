"""FHIR R4B resources from the library's answers and knowledge, as plain dicts.

Every number and text comes from the knowledge layer or the answer passed in;
every unit is a UCUM code. Each resource carries a short generated XHTML
narrative (``text``) and the knowledge version it was written from
(``meta.tag``, system :data:`KNOWLEDGE_VERSION_TAG`). Codes follow the CPG IG
2.0.0 (STU2) and HL7 Terminology as tabled in the docs; the tests validate
each resource with the ``fhir.resources`` R4B models and check every code
against an extract of the code system it names.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Sequence
from typing import Any, Final

import attrs

from ..errors import InvalidInputError
from ..knowledge import KNOWLEDGE_VERSION, statement
from ..knowledge import chapter as k
from ..knowledge import codes as c
from ..knowledge.chapter import GUIDELINE_EDITION, NMA_RESULTS, RECOMMENDATION
from ..knowledge.plans import FIRST_VISIT_WEEKS, INTERVAL_MONTHS, MONITORING_TESTS, SCREENING_ITEMS
from ..knowledge.references import REFERENCES
from ..model._checks import as_date
from ..model._dates import add_months
from ..model.core import DoseRecommendation, Source
from ..model.enums import RiskFactor
from ..model.evidence import Certainty, Citation, MeanDifference, Outcome, Strength
from ..model.patient import Patient
from ..model.plans import LabTest
from ..units import QuantityT, canonical, to_json_unit

__all__ = [
    "ARROW_SYSTEM",
    "CANONICAL_BASE",
    "KNOWLEDGE_VERSION_TAG",
    "arrow_code_system",
    "citations",
    "evidence",
    "medication_request",
    "patient_bundle",
    "plan_definition",
]

CANONICAL_BASE: Final = "urn:baricitinib-guideline"
"""The base of the canonical URLs of what the library publishes (a URN: it is not served)."""
ARROW_SYSTEM: Final = f"{CANONICAL_BASE}:CodeSystem:euroguiderm-arrows"
PLAN_URL: Final = f"{CANONICAL_BASE}:PlanDefinition:baricitinib-atopic-eczema"
LIBRARY_NAME: Final = "BaricitinibDosing"
"""The CQL logic library of the starting decision (``fhir.libraries()``)."""
LIBRARY_URL: Final = f"{CANONICAL_BASE}:Library:{LIBRARY_NAME}"

_TERMINOLOGY: Final = "http://terminology.hl7.org/CodeSystem"
STRENGTH_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
QUALITY_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
DIRECTION_EXTENSION: Final = (
    "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-directionOfRecommendation"
)
# CPG IG 2.0.0 (STU2) names the code system with a "-cs" suffix (1.0.0 had none); the
# direction extension binds it (through cpg-recommendation-direction-vs) as required.
DIRECTION_SYSTEM: Final = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-recommendation-direction-cs"
KNOWLEDGE_VERSION_TAG: Final = f"{CANONICAL_BASE}:knowledge-version"
"""The ``meta.tag`` system whose code is the knowledge version a resource was written from."""
XHTML: Final = "http://www.w3.org/1999/xhtml"

# The guideline's arrows, mapped to the CPG strength and direction codes.
_ARROWS: Final[dict[Strength, tuple[str | None, str | None]]] = {
    Strength.STRONG_FOR: ("strong", "for"),
    Strength.WEAK_FOR: ("weak", "for"),
    Strength.OPEN: (None, None),
    Strength.WEAK_AGAINST: ("weak", "against"),
    Strength.STRONG_AGAINST: ("strong", "against"),
}
_QUALITY: Final = {
    Certainty.HIGH: "high",
    Certainty.MODERATE: "moderate",
    Certainty.LOW: "low",
    Certainty.VERY_LOW: "very-low",
}
_OUTCOME_WORDS: Final = {
    Outcome.EASI: "Eczema Area and Severity Index (EASI)",
    Outcome.POEM: "Patient-Oriented Eczema Measure (POEM)",
    Outcome.PEAK_PRURITUS_NRS: "Peak pruritus numerical rating scale",
    Outcome.DLQI: "Dermatology Life Quality Index (DLQI)",
}
_LAB_WORDS: Final = {
    LabTest.FULL_BLOOD_COUNT: "Full blood count",
    LabTest.RENAL_PROFILE: "Renal profile",
    LabTest.LIVER_PROFILE: "Liver profile",
    LabTest.LIPID_PROFILE: "Lipid profile",
    LabTest.HEPATITIS_B: "Hepatitis B screen",
    LabTest.HEPATITIS_C: "Hepatitis C screen",
    LabTest.HIV: "HIV screen",
    LabTest.TUBERCULOSIS: "Tuberculosis screen",
    LabTest.CREATINE_PHOSPHOKINASE: "Creatine phosphokinase",
}


def _coding(code: c.Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def _concept(*codes: c.Code, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(code) for code in codes]}
    if text:
        concept["text"] = text
    return concept


def _ucum(value: float | int, code: str) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": c.UCUM, "code": code}


def _number(value: float) -> float | int:
    """A whole float as an int, so JSON shows 2 rather than 2.0."""
    return int(value) if value == int(value) else value


def _cite(source: Source) -> str:
    where = f"{source.cite()}; {source.statement}" if source.statement else source.cite()
    return f"[{where}]"


def _xhtml(heading: str, lines: Sequence[str] = ()) -> str:
    """A narrative ``div``: a bold heading, then the lines as a list; all text escaped."""
    body = f"<p><b>{html.escape(heading, quote=False)}</b></p>"
    if lines:
        items = "".join(f"<li>{html.escape(line, quote=False)}</li>" for line in lines)
        body += f"<ul>{items}</ul>"
    return f'<div xmlns="{XHTML}">{body}</div>'


def _finish(resource: dict[str, Any], heading: str, lines: Sequence[str] = ()) -> dict[str, Any]:
    """``resource`` with its knowledge-version tag and a generated narrative, keys in the
    order FHIR writes them (type, id, meta, text, then the rest)."""
    head = {"resourceType": resource["resourceType"]}
    if "id" in resource:
        head["id"] = resource["id"]
    tag = {"system": KNOWLEDGE_VERSION_TAG, "code": KNOWLEDGE_VERSION}
    rest = {key: value for key, value in resource.items() if key not in head}
    return {
        **head,
        "meta": {"tag": [tag]},
        "text": {"status": "generated", "div": _xhtml(heading, lines)},
        **rest,
    }


# The proposal ----------------------------------------------------------------


def medication_request(
    recommendation: DoseRecommendation, *, subject: str
) -> dict[str, Any] | None:
    """A draft proposal for the recommended regimen; ``None`` when there is none."""
    if not isinstance(recommendation, DoseRecommendation):
        raise InvalidInputError(
            "recommendation", f"must be a DoseRecommendation, got {type(recommendation).__name__}"
        )
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidInputError("subject", "must be a reference such as 'Patient/123'")
    regimen = recommendation.regimen
    if regimen is None:
        return None
    dose = _number(regimen.dose_mg)
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": _concept(c.BARICITINIB, text="baricitinib"),
        "subject": {"reference": subject},
        "instantiatesCanonical": [PLAN_URL],
        "dosageInstruction": [
            {
                "text": str(regimen),
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": _ucum(dose, "mg")}],
            }
        ],
        "note": [
            {"text": f"{reason.text} {_cite(reason.source)}"} for reason in recommendation.reasons
        ],
    }
    return _finish(
        request,
        f"Proposal (draft): baricitinib {regimen} for {subject}",
        [note["text"] for note in request["note"]],
    )


# Evidence and citations ------------------------------------------------------


def _role(code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{_TERMINOLOGY}/variable-role", "code": code}]}


def _evidence(result: MeanDifference) -> dict[str, Any]:
    dose = _number(result.dose_mg)
    resource: dict[str, Any] = {
        "resourceType": "Evidence",
        "id": result.source.statement.replace(".", "-").replace("_", "-"),
        "status": "active",
        "title": f"Baricitinib {dose} mg versus placebo: {_OUTCOME_WORDS[result.outcome]}",
        "description": f"{result.source.cite()}. {_statement_text(result.source)}",
        "variableDefinition": [
            {
                "description": "Patients with atopic eczema who are candidates for systemic "
                "treatment, short term (up to 16 weeks)",
                "variableRole": _role("population"),
            },
            {
                "description": f"Baricitinib {dose} mg once daily",
                "variableRole": _role("exposure"),
            },
            {"description": "Placebo", "variableRole": _role("referenceExposure")},
            {
                "description": f"{_OUTCOME_WORDS[result.outcome]}, mean difference up to 16 weeks",
                "variableRole": _role("measuredVariable"),
            },
        ],
        "synthesisType": {
            "coding": [
                {
                    # The chapter's NMA pools the placebo-controlled trials (direct) with the
                    # rest of the network (indirect): "combined-NMA", not "indirect-NMA".
                    "system": f"{_TERMINOLOGY}/synthesis-type",
                    "code": "combined-NMA",
                    "display": "combined direct plus indirect network meta-analysis",
                }
            ]
        },
        "statistic": [
            {
                "statisticType": {
                    "coding": [
                        {
                            "system": f"{_TERMINOLOGY}/statistic-type",
                            "code": "0000457",
                            "display": "Mean Difference",
                        }
                    ]
                },
                "quantity": {"value": result.estimate},
                "attributeEstimate": [
                    {
                        "type": {
                            "coding": [
                                {
                                    "system": f"{_TERMINOLOGY}/attribute-estimate-type",
                                    "code": "C53324",
                                    "display": "Confidence interval",
                                }
                            ]
                        },
                        "level": 0.95,
                        "range": {
                            "low": {"value": result.ci.lower},
                            "high": {"value": result.ci.upper},
                        },
                    }
                ],
            }
        ],
        "certainty": [
            {
                "description": f"GRADE {result.certainty.symbols}",
                "type": {
                    "coding": [{"system": f"{_TERMINOLOGY}/certainty-type", "code": "Overall"}],
                    "text": "Overall certainty of the evidence (GRADE)",
                },
                "rating": {
                    "coding": [
                        {
                            "system": f"{_TERMINOLOGY}/certainty-rating",
                            "code": _QUALITY[result.certainty],
                        }
                    ]
                },
            }
        ],
        "relatedArtifact": [
            _citation_artifact(REFERENCES[n - 1]) for n in result.source.references
        ],
    }
    return _finish(resource, resource["title"], [str(result), resource["description"]])


def _statement_text(source: Source) -> str:
    return statement(source.statement).text if source.statement else ""


def evidence() -> list[dict[str, Any]]:
    """One EBM-on-FHIR ``Evidence`` per network meta-analysis result, in the chapter's order."""
    return [_evidence(result) for result in NMA_RESULTS]


def _citation_artifact(citation: Citation) -> dict[str, Any]:
    artifact: dict[str, Any] = {"type": "citation", "citation": str(citation)}
    if citation.url:
        artifact["url"] = citation.url
    return artifact


def _citation(citation: Citation) -> dict[str, Any]:
    form: dict[str, Any] = {}
    if citation.journal:
        form["publishedIn"] = {"title": citation.journal}
    release: dict[str, Any] = {"dateOfPublication": {"year": str(citation.year)}}
    match = re.fullmatch(r"(\d+)\((\d+)\)", citation.volume)
    if match:
        release["volume"], release["issue"] = match.groups()
    elif citation.volume:
        release["volume"] = citation.volume
    form["periodicRelease"] = release
    if citation.pages:
        form["pageString"] = citation.pages
    artifact: dict[str, Any] = {
        "title": [{"text": citation.title}],
        "publicationForm": [form],
        "contributorship": {"summary": [{"value": citation.authors}]},
    }
    if citation.url:
        artifact["webLocation"] = [{"url": citation.url}]
    resource: dict[str, Any] = {
        "resourceType": "Citation",
        "id": f"reference-{citation.number}",
        "status": "active",
        "title": citation.title,
        "summary": [{"text": str(citation)}],
        "citedArtifact": artifact,
    }
    return _finish(resource, f"Reference {citation.number} of the chapter", [str(citation)])


def citations() -> list[dict[str, Any]]:
    """One ``Citation`` per reference of the chapter, in order."""
    return [_citation(citation) for citation in REFERENCES]


# The guideline as a CPG recommendation --------------------------------------


def arrow_code_system() -> dict[str, Any]:
    """The guideline's arrow scale as a code system, each code mapped in its definition."""
    concepts = []
    for strength in Strength:
        grade, direction = _ARROWS[strength]
        mapped = f"CPG strength {grade}, direction {direction}" if grade else "no CPG mapping"
        concepts.append(
            {
                "code": strength.name,
                "display": f"{strength.arrow} {strength.wording}",
                "definition": f"EuroGuiDerm {strength.arrow}: '{strength.wording}' ({mapped}).",
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": "euroguiderm-arrows",
        "url": ARROW_SYSTEM,
        "name": "EuroGuiDermArrows",
        "title": "EuroGuiDerm strength and direction of recommendation",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "concept": concepts,
    }
    return _finish(
        resource,
        resource["title"],
        [f"{concept['code']}: {concept['definition']}" for concept in concepts],
    )


def _strength_extensions(strength: Strength, certainty: Certainty) -> list[dict[str, Any]]:
    grade, direction = _ARROWS[strength]
    arrow = {"system": ARROW_SYSTEM, "code": strength.name, "display": strength.arrow}
    codings: list[dict[str, Any]] = [arrow]
    if grade:
        codings.insert(0, {"system": f"{_TERMINOLOGY}/recommendation-strength", "code": grade})
    found: list[dict[str, Any]] = [
        {"url": STRENGTH_EXTENSION, "valueCodeableConcept": {"coding": codings}}
    ]
    if direction:
        found.append(
            {
                "url": DIRECTION_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [{"system": DIRECTION_SYSTEM, "code": direction}]
                },
            }
        )
    found.append(
        {
            "url": QUALITY_EXTENSION,
            "valueCodeableConcept": {
                "coding": [
                    {"system": f"{_TERMINOLOGY}/evidence-quality", "code": _QUALITY[certainty]}
                ]
            },
        }
    )
    return found


def _applicability(description: str, definition: str) -> dict[str, Any]:
    """A condition naming a definition of the logic library (``text/cql-identifier``)."""
    return {
        "kind": "applicability",
        "expression": {
            "description": description,
            "language": "text/cql-identifier",
            "expression": definition,
            "reference": LIBRARY_URL,
        },
    }


_DOSE_PATH: Final = "dosage[0].doseAndRate[0].doseQuantity.value"


def _documentation(source: Source) -> list[dict[str, Any]]:
    return [{"type": "documentation", "display": f"{source.cite()} ({source.statement})"}]


def _dose_actions() -> list[dict[str, Any]]:
    """One action per dosing band of the chapter, numbers read from the knowledge base."""
    adult, older = int(k.ADULT_AGE_MONTHS // 12), int(k.OLDER_ADULT_AGE_MONTHS // 12)
    youngest = int(k.LICENCE_MIN_AGE_MONTHS // 12)
    bands = [
        (
            "dose.child.low",
            k.CHILD_LOW_MG,
            f"Children {youngest} to under {adult} years weighing {k.CHILD_MIN_WEIGHT_KG:g} kg "
            f"to under {k.CHILD_HIGH_WEIGHT_KG:g} kg",
            "Child 10 to under 30 kg",
        ),
        (
            "dose.child.high",
            k.CHILD_HIGH_MG,
            f"Children {youngest} to under {adult} years weighing {k.CHILD_HIGH_WEIGHT_KG:g} kg "
            "or more",
            "Child 30 kg or more",
        ),
        (
            "dose.adult.standard",
            k.ADULT_STANDARD_MG,
            f"Adults under {older} years without a higher risk of VTE, MACE or malignancy and "
            "without chronic or recurrent infections",
            "Adult without a higher risk",
        ),
        (
            "dose.risk.reduced",
            k.ADULT_REDUCED_MG,
            f"Adults aged {older} or more, at higher risk of VTE, MACE or malignancy, or with "
            "chronic or recurrent infections",
            "Adult aged 65 or more or at higher risk",
        ),
    ]
    actions = []
    for statement_id, mg, who, cql in bands:
        source = statement(statement_id).source
        actions.append(
            {
                "id": statement_id.replace(".", "-").replace("_", "-"),
                "title": f"Baricitinib {_number(mg)} mg once daily",
                "description": f"{who}: {_number(mg)} mg once daily.",
                "documentation": _documentation(source),
                "condition": [
                    _applicability(who, cql),
                    _applicability("The licence allows a regimen", "Recommended"),
                ],
                # The dose for this patient: the band's, or lower where the licence caps it.
                "dynamicValue": [
                    {
                        "path": _DOSE_PATH,
                        "expression": {
                            "description": "The once-daily dose in mg",
                            "language": "text/cql-identifier",
                            "expression": "DoseMg",
                            "reference": LIBRARY_URL,
                        },
                    }
                ],
            }
        )
    return actions


def _lab_action(test: LabTest, timing: dict[str, Any] | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"title": _LAB_WORDS[test]}
    panel = c.PANELS.get(test.name)
    if panel is not None:
        action["code"] = [_concept(panel)]
    if timing is not None:
        action.update(timing)
    return action


def plan_definition() -> dict[str, Any]:
    """The chapter as a CPG-on-FHIR recommendation ``PlanDefinition``."""
    headline = RECOMMENDATION
    # The quality of the evidence behind the recommendation: the lowest GRADE rating
    # among the chapter's network meta-analysis results.
    lowest = max((result.certainty for result in NMA_RESULTS), key=list(Certainty).index)
    baseline = [test for _, test, _, _ in SCREENING_ITEMS if test is not None]
    monitor = statement("monitor.schedule").source
    screening = statement("screen.baseline").source
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": "baricitinib-atopic-eczema",
        "url": PLAN_URL,
        "version": KNOWLEDGE_VERSION,
        "name": "BaricitinibAtopicEczema",
        "title": "Baricitinib in atopic eczema (EuroGuiDerm guideline)",
        "type": {
            "coding": [
                {
                    "system": f"{_TERMINOLOGY}/plan-definition-type",
                    "code": "eca-rule",
                    "display": "ECA Rule",
                }
            ]
        },
        "status": "active",
        "description": headline.text,
        "library": [LIBRARY_URL],
        "topic": [_concept(c.ATOPIC_DERMATITIS)],
        "relatedArtifact": [
            {"type": "citation", "display": GUIDELINE_EDITION, "citation": GUIDELINE_EDITION},
            *(_citation_artifact(citation) for citation in REFERENCES),
        ],
        "action": [
            {
                "id": "recommendation",
                "extension": _strength_extensions(headline.strength, lowest),
                "title": f"{headline.strength.wording} baricitinib",
                "description": f"{headline.text} Consensus {headline.consensus}; "
                f"{headline.basis}.",
                "documentation": _documentation(headline.source),
                "condition": [
                    _applicability(
                        "Atopic eczema in a candidate for systemic treatment",
                        "Is systemic candidate",
                    )
                ],
                "action": _dose_actions(),
            },
            {
                "id": "baseline-screening",
                "title": "Baseline screening before the first tablet",
                "documentation": _documentation(screening),
                "action": [_lab_action(test) for test in baseline],
            },
            {
                "id": "monitoring",
                "title": f"Monitoring at {FIRST_VISIT_WEEKS} weeks, then every {INTERVAL_MONTHS} "
                "months while on therapy",
                "documentation": _documentation(monitor),
                "action": [
                    _lab_action(
                        test,
                        {
                            "timingTiming": {
                                "repeat": {
                                    "frequency": 1,
                                    "period": INTERVAL_MONTHS,
                                    "periodUnit": "mo",
                                }
                            }
                        },
                    )
                    for test in sorted(MONITORING_TESTS, key=list(LabTest).index)
                ],
            },
        ],
    }
    doses = resource["action"][0]["action"]
    return _finish(
        resource,
        f"{resource['title']}: {headline.strength.arrow} {headline.strength.wording} baricitinib",
        [headline.text, *(action["description"] for action in doses)],
    )


# The patient as a bundle -----------------------------------------------------

_DEFAULT_CODES: Final = {
    "[mass]": ("kilogram", "kg"),
    "1 / [volume]": ("billion_per_liter", "10*9/L"),
    "[mass] / [volume]": ("gram / deciliter", "g/dL"),
    "[volume] / [time]": ("milliliter / minute", "mL/min"),
    "[substance] / [volume]": ("micromole / liter", "umol/L"),
}


def _quantity_in_ucum(quantity: QuantityT, dimension: str) -> dict[str, Any]:
    """The quantity with a UCUM code the reader takes: its own unit where it has one."""
    code = to_json_unit(quantity.units)
    if code in c.UCUM_UNITS[dimension]:
        return _ucum(quantity.magnitude, code)
    unit, code = _DEFAULT_CODES[dimension]
    return _ucum(canonical(quantity, unit), code)


def patient_bundle(patient: Patient, *, on: dt.date, patient_id: str) -> dict[str, Any]:
    """A ``collection`` Bundle that :func:`read_patient` reads back as ``patient`` on ``on``.

    The birth date gives the patient's age in completed months on ``on``, the
    sex ``Patient.gender``; each quantity becomes an Observation dated ``on``,
    pregnancy and smoking Observations with their LOINC codes, a strong OAT3
    inhibitor a probenecid MedicationStatement, each risk factor and
    comorbidity an active Condition. A risk factor is coded with the checked
    standard code of a condition that sets it (deep vein thrombosis for VTE,
    myocardial infarction for MACE, malignant neoplastic disease) and with the
    library's own code; where no standard code is checked (chronic or
    recurrent infections, the comorbidities), the library's own code only.
    Flags without a standard code are Observations of the library's code
    system with a boolean value, written when they differ from the default.
    """
    if not isinstance(patient, Patient):
        raise InvalidInputError("patient", f"must be a Patient, got {type(patient).__name__}")
    day = as_date(on, "on", from_datetime=True)
    if not isinstance(patient_id, str) or not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", patient_id):
        raise InvalidInputError("patient_id", "must be a FHIR id (letters, digits, '-', '.')")
    months = math.floor(round(patient.age_months, 6))
    try:
        born = add_months(day, -months)
    except (ValueError, OverflowError):
        raise InvalidInputError("on", "the birth date would fall before year 1") from None
    subject = {"reference": f"Patient/{patient_id}"}
    person: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if patient.sex is not None:
        person["gender"] = patient.sex.name.lower()
    person["birthDate"] = born.isoformat()
    resources: list[dict[str, Any]] = [person]

    def observation(name: str, code: c.Code, value: dict[str, Any]) -> None:
        resources.append(
            {
                "resourceType": "Observation",
                "id": f"{patient_id}-{name.replace('_', '-').lower()}",
                "status": "final",
                "code": _concept(code),
                "subject": subject,
                "effectiveDateTime": day.isoformat(),
                **value,
            }
        )

    def condition(name: str, *codes: c.Code) -> None:
        resources.append(
            {
                "resourceType": "Condition",
                "id": f"{patient_id}-{name.replace('_', '-').lower()}",
                "clinicalStatus": _concept(_CLINICAL_ACTIVE),
                "verificationStatus": _concept(_CONFIRMED),
                "code": _concept(*codes, text=codes[-1].display),
                "subject": subject,
                "onsetDateTime": day.isoformat(),
            }
        )

    quantities = {
        "weight": (patient.weight, "[mass]"),
        "creatinine_clearance": (patient.creatinine_clearance, "[volume] / [time]"),
        "egfr": (patient.egfr, "[volume] / [time]"),
    }
    if patient.labs is not None:
        quantities["lymphocytes"] = (patient.labs.lymphocytes, "1 / [volume]")
        quantities["neutrophils"] = (patient.labs.neutrophils, "1 / [volume]")
        quantities["haemoglobin"] = (patient.labs.haemoglobin, "[mass] / [volume]")
    for name, (quantity, dimension) in quantities.items():
        if quantity is not None:
            value = {"valueQuantity": _quantity_in_ucum(quantity, dimension)}
            observation(name, c.OBSERVATIONS[name][0], value)
    creatinine = patient.serum_creatinine
    if creatinine is not None:
        by_amount = "[substance]" in creatinine.dimensionality
        dimension = "[substance] / [volume]" if by_amount else "[mass] / [volume]"
        code = next(
            known
            for known in c.OBSERVATIONS["serum_creatinine"]
            if (known.code in c.CREATININE_AMOUNT) == by_amount
        )
        value = {"valueQuantity": _quantity_in_ucum(creatinine, dimension)}
        observation("serum_creatinine", code, value)
    if patient.pregnant:
        observation(
            "pregnancy",
            c.OBSERVATIONS["pregnancy"][0],
            {"valueCodeableConcept": _concept(c.PREGNANT)},
        )
    for risk in sorted(patient.risk_factors, key=lambda member: member.name):
        own = c.LIBRARY_RISKS[risk]
        if risk is RiskFactor.SMOKING:
            answer = _concept(c.SMOKER_VALUES[0], own)
            observation("smoking", c.OBSERVATIONS["smoking"][0], {"valueCodeableConcept": answer})
        elif risk in c.CONDITIONS:
            condition(risk.name, c.CONDITIONS[risk].snomed[0], own)
        else:
            condition(risk.name, own)
    for disease in sorted(patient.comorbidities, key=lambda member: member.name):
        condition(disease.name, c.LIBRARY_COMORBIDITIES[disease])
    defaults = {a.name: a.default for a in attrs.fields(Patient) if a.name in c.LIBRARY_FLAGS}
    for flag in c.LIBRARY_FLAGS:
        setting = getattr(patient, flag)
        if setting is not None and setting != defaults[flag]:
            words = flag.replace("_", " ").capitalize()
            observation(flag, c.Code(c.LIBRARY, flag, words), {"valueBoolean": setting})
    if patient.strong_oat3_inhibitor:
        resources.append(
            {
                "resourceType": "MedicationStatement",
                "id": f"{patient_id}-probenecid",
                "status": "active",
                "medicationCodeableConcept": _concept(*c.PROBENECID, text="probenecid"),
                "subject": subject,
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in resources],
    }


_CLINICAL_ACTIVE: Final = c.Code(
    "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"
)
_CONFIRMED: Final = c.Code(
    "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"
)

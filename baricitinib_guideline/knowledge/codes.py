"""Codes for interoperability, each with how sure the project is of it.

Every code here is listed in the project's checked clinical facts, with the
same status: ``confirmed`` (seen with the same meaning in several independent
sources, or in the code system's own publication) or ``partial`` (seen in one
secondary source; used, and said so). Codes not confirmed there (an RxNorm
or SNOMED code for baricitinib) are left out rather than guessed. Without a
terminology service the FHIR reader matches these codes exactly, and ICD-10
by prefix.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from ..model.enums import Comorbidity, RiskFactor

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC: Final = "http://www.whocc.no/atc"
UCUM: Final = "http://unitsofmeasure.org"
LIBRARY: Final = "urn:baricitinib-guideline:CodeSystem:patient-facts"
"""The library's own code system (under its canonical base) for what the checked facts
give no standard code: each code is the name of a risk factor, a comorbidity or a
patient field. Never a stand-in for a SNOMED CT or ICD-10 code."""

CONFIRMED: Final = "confirmed"
PARTIAL: Final = "partial"


class Code(NamedTuple):
    system: str
    code: str
    display: str
    status: str = CONFIRMED


# The medicine: ATC since 2024, with the code it had before as an alias.
BARICITINIB: Final = Code(ATC, "L04AF02", "baricitinib")
BARICITINIB_BEFORE_2024: Final = Code(ATC, "L04AA37", "baricitinib (ATC code until 2024)")
ATOPIC_DERMATITIS: Final = Code(SNOMED, "24079001", "Atopic dermatitis")

# Observations the reader takes, by the patient field (or flag) they feed.
OBSERVATIONS: Final[dict[str, tuple[Code, ...]]] = {
    "weight": (
        Code(LOINC, "29463-7", "Body weight"),
        Code(LOINC, "3141-9", "Body weight Measured"),
    ),
    "creatinine_clearance": (
        Code(LOINC, "2164-2", "Creatinine renal clearance in 24 hour urine"),
        Code(LOINC, "35591-7", "Creatinine renal clearance, Cockcroft-Gault"),
    ),
    "egfr": (
        Code(LOINC, "98979-8", "eGFR, CKD-EPI 2021 per 1.73 m2"),
        Code(LOINC, "62238-1", "eGFR, CKD-EPI 2009 per 1.73 m2"),
        Code(LOINC, "33914-3", "eGFR, MDRD per 1.73 m2"),
    ),
    "neutrophils": (
        Code(LOINC, "751-8", "Neutrophils [#/volume] in Blood, automated count"),
        Code(LOINC, "26499-4", "Neutrophils [#/volume] in Blood"),
    ),
    "lymphocytes": (
        Code(LOINC, "731-0", "Lymphocytes [#/volume] in Blood, automated count"),
        Code(LOINC, "26474-7", "Lymphocytes [#/volume] in Blood"),
    ),
    "haemoglobin": (Code(LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"),),
    "serum_creatinine": (
        Code(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
        Code(LOINC, "38483-4", "Creatinine [Mass/volume] in Blood", PARTIAL),
        Code(LOINC, "14682-9", "Creatinine [Moles/volume] in Serum or Plasma"),
    ),
    "pregnancy": (Code(LOINC, "82810-3", "Pregnancy status"),),
    "smoking": (Code(LOINC, "72166-2", "Tobacco smoking status", PARTIAL),),
}

PREGNANT: Final = Code(SNOMED, "77386006", "Pregnant")
NOT_PREGNANT: Final = Code(SNOMED, "60001007", "Not pregnant")
PREGNANCY_UNKNOWN: Final = Code(SNOMED, "261665006", "Unknown")
# Pregnancy recorded as a Condition on the problem list (onset at conception, abated at
# delivery).
PREGNANCY_CONDITIONS: Final = (
    Code(SNOMED, "77386006", "Pregnancy"),
    Code(SNOMED, "72892002", "Normal pregnancy", PARTIAL),
)
# Answers to tobacco smoking status (LOINC 72166-2, answer list LL2201-3).
SMOKER_VALUES: Final = (
    Code(SNOMED, "77176002", "Smoker", PARTIAL),
    Code(SNOMED, "449868002", "Smokes tobacco daily", PARTIAL),
    Code(SNOMED, "428041000124106", "Occasional tobacco smoker", PARTIAL),
    Code(SNOMED, "428071000124103", "Heavy tobacco smoker", PARTIAL),
    Code(SNOMED, "428061000124105", "Light tobacco smoker", PARTIAL),
)
FORMER_SMOKER: Final = Code(SNOMED, "8517006", "Ex-smoker", PARTIAL)
NEVER_SMOKED: Final = Code(SNOMED, "266919005", "Never smoked tobacco", PARTIAL)
SMOKING_UNKNOWN: Final = Code(SNOMED, "266927001", "Unknown if ever smoked", PARTIAL)


class ConditionCodes(NamedTuple):
    """The codes of a condition that sets a risk factor: SNOMED exact, ICD-10 by prefix."""

    snomed: tuple[Code, ...]
    icd10_prefixes: tuple[str, ...]
    icd10_status: str
    icd10_range: tuple[str, str] | None = None
    """An inclusive range of three-character ICD-10 categories (C00 to C97)."""


CONDITIONS: Final[dict[RiskFactor, ConditionCodes]] = {
    RiskFactor.VTE: ConditionCodes(
        (
            Code(SNOMED, "128053003", "Deep venous thrombosis"),
            Code(SNOMED, "59282003", "Pulmonary embolism"),
        ),
        ("I26", "I80.1", "I80.2", "I82.4"),
        PARTIAL,
    ),
    RiskFactor.MACE: ConditionCodes(
        (
            Code(SNOMED, "22298006", "Myocardial infarction"),
            Code(SNOMED, "230690007", "Cerebrovascular accident"),
        ),
        ("I21", "I22", "I63"),
        PARTIAL,
    ),
    RiskFactor.MALIGNANCY: ConditionCodes(
        (Code(SNOMED, "363346000", "Malignant neoplastic disease"),),
        (),
        CONFIRMED,
        ("C00", "C97"),
    ),
}

# Risk factors and comorbidities the checked facts give no standard code for: the
# library's own code system, so that its own bundles read back whole.
LIBRARY_RISKS: Final[dict[RiskFactor, Code]] = {
    risk: Code(LIBRARY, risk.name, risk.label.capitalize()) for risk in RiskFactor
}
LIBRARY_COMORBIDITIES: Final[dict[Comorbidity, Code]] = {
    disease: Code(LIBRARY, disease.name, disease.label.capitalize()) for disease in Comorbidity
}
# Patient fields without a standard code, written as Observations with a boolean value.
LIBRARY_FLAGS: Final[tuple[str, ...]] = (
    "systemic_candidate",
    "suspected_hepatitis_b",
    "severe_hepatic_impairment",
    "breastfeeding",
    "can_become_pregnant",
    "hypersensitivity",
    "suspected_drug_induced_liver_injury",
)

PROBENECID: Final = (
    Code(RXNORM, "8698", "probenecid", PARTIAL),
    Code(ATC, "M04AB01", "probenecid", PARTIAL),
)

# Panels for the screening and monitoring actions.
PANELS: Final[dict[str, Code]] = {
    "FULL_BLOOD_COUNT": Code(LOINC, "58410-2", "CBC panel - Blood by Automated count"),
    "LIVER_PROFILE": Code(LOINC, "24325-3", "Hepatic function panel"),
    "LIPID_PROFILE": Code(LOINC, "24331-1", "Lipid panel"),
    "RENAL_PROFILE": Code(LOINC, "24362-6", "Renal function panel", PARTIAL),
}

# UCUM codes the FHIR reader accepts for each kind of value. What each code means
# is the unit door's (``units.parse_unit``); the codes are tested against a UCUM parser.
UCUM_UNITS: Final[dict[str, tuple[str, ...]]] = {
    "[mass]": ("kg", "g", "mg", "[lb_av]", "[oz_av]"),
    "1 / [volume]": ("10*9/L", "10*3/uL", "10*3/mm3", "/uL", "{cells}/uL", "/mm3", "/L"),
    "[mass] / [volume]": ("g/dL", "g/L", "mg/dL"),
    "[volume] / [time]": ("mL/min", "mL/s", "L/h"),
    "[substance] / [volume]": ("umol/L", "mmol/L"),
}
# Creatinine results whose code names an amount (moles) per volume, not a mass.
CREATININE_AMOUNT: Final = frozenset({"14682-9"})
# eGFR is normalised to 1.73 m2 of body surface; only it may carry that annotation,
# and it is read as the plain unit.
EGFR_ANNOTATED: Final[dict[str, str]] = {"mL/min/{1.73_m2}": "mL/min"}

"""The product licence (EU SmPC) applied on top of the chapter.

Each rule is a pure function of the patient that returns the constraints it
imposes, each with its reason and SmPC section. Absent optional inputs never
change the chapter's answer; they add a reason saying what to check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import attrs

from ..knowledge import licence as lic
from ..knowledge.wording import LOW_COUNT_WORDS, RISK_WORDS
from ..model.core import Reason
from ..model.enums import RiskFactor, Sex, Status
from ..model.patient import Labs, Patient
from ._base import Constraint, because
from .dosing import is_adult, is_older_adult

Rule = Callable[[Patient, bool], tuple[Constraint, ...]]

NO_LABS = Labs()

# The EMA measures' "no suitable alternative" group, beside age 65 and over.
EMA_RISKS = (RiskFactor.SMOKING, RiskFactor.MACE, RiskFactor.MALIGNANCY)
# The EMA measures' "lower doses where possible" group.
EMA_LOWER_DOSE_RISKS = (RiskFactor.VTE, RiskFactor.MACE, RiskFactor.MALIGNANCY)


def sentence_start(text: str) -> str:
    """``text`` with its first letter in upper case and the rest as written (mL, g/dL)."""
    return text[:1].upper() + text[1:]


def _stop(status: Status, code: str, **values: object) -> tuple[Constraint, ...]:
    return _constraint(code, status, tuple(sorted(values.items())))


def _note(code: str, **values: object) -> tuple[Constraint, ...]:
    return _constraint(code, None, tuple(sorted(values.items())))


@lru_cache(maxsize=512)
def _constraint(
    code: str, status: Status | None, values: tuple[tuple[str, object], ...]
) -> tuple[Constraint, ...]:
    """One constraint, built once per reason and values (constraints are immutable)."""
    return (Constraint(reason=because(code, **dict(values)), status=status),)


def hypersensitivity(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    return _stop(Status.CONTRAINDICATED, "hypersensitivity") if patient.hypersensitivity else ()


def liver_injury(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Interrupt when drug-induced liver injury is suspected; do not start meanwhile."""
    if not patient.suspected_drug_induced_liver_injury:
        return ()
    code = "interrupt-liver-injury" if on_treatment else "liver-injury"
    return _stop(Status.NOT_RECOMMENDED, code)


def pregnancy_questions_apply(patient: Patient) -> bool:
    """Whether to ask about pregnancy: not when excluded by the record, by sex or by age.

    Asked when the patient can become pregnant, or when that is not known
    and the patient is not male and is 10 years or older.
    """
    if patient.pregnant or patient.can_become_pregnant is False:
        return False
    if patient.can_become_pregnant:
        return True
    return (
        patient.sex is not Sex.MALE and patient.age_months >= lic.PREGNANCY_QUESTIONS_FROM_MONTHS
    )


def pregnancy(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Pregnancy contraindicates baricitinib; contraception advice where pregnancy is possible.

    A woman of 10 or more whose pregnancy potential is not given is asked.
    """
    if patient.pregnant:
        return _stop(Status.CONTRAINDICATED, "pregnancy")
    if patient.can_become_pregnant:
        return _note("contraception")
    if patient.sex is Sex.FEMALE and pregnancy_questions_apply(patient):
        return _note("ask-pregnancy")
    return ()


def breastfeeding(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    return _stop(Status.NOT_RECOMMENDED, "breastfeeding") if patient.breastfeeding else ()


def hepatic(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    if not patient.severe_hepatic_impairment:
        return ()
    return _stop(Status.NOT_RECOMMENDED, "severe-hepatic-impairment")


def renal(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Adults by creatinine clearance; children by eGFR per 1.73 m2 (trial bands)."""
    if is_adult(patient):
        return _adult_renal(patient, on_treatment)
    return _child_renal(patient, on_treatment)


def _suffix(on_treatment: bool) -> str:
    return "-on-treatment" if on_treatment else ""


def estimated_clearance(patient: Patient) -> float | None:
    """Creatinine clearance in mL/min by Cockcroft-Gault, or ``None`` when it cannot be estimated.

    Adults only, from age, actual body weight, sex and serum creatinine
    (x 0.85 for women); rounded to one decimal, the value the bands compare.
    """
    creatinine = patient.serum_creatinine_mg_dl
    weight = patient.weight_kg
    if creatinine is None or weight is None or patient.sex is None or not is_adult(patient):
        return None
    return cockcroft_gault(patient.age_months / 12, weight, patient.sex, creatinine)


def cockcroft_gault(
    age_years: float, weight_kg: float, sex: Sex, creatinine_mg_dl: float
) -> float:
    """The Cockcroft-Gault formula on plain numbers, rounded as the bands compare it."""
    value: float = cockcroft_gault_unrounded(age_years, weight_kg, sex, creatinine_mg_dl)
    return round(value, lic.ESTIMATE_DECIMALS)


def cockcroft_gault_unrounded(
    age_years: Any, weight_kg: Any, sex: Sex, creatinine_mg_dl: Any
) -> Any:
    """The formula before rounding, in the order of its operations; on plain numbers, or
    on numpy columns of patients of one sex (the cohort audit), giving the same floats."""
    value = (lic.COCKCROFT_GAULT_AGE_FROM - age_years) * weight_kg
    value /= lic.COCKCROFT_GAULT_DIVISOR * creatinine_mg_dl
    if sex is Sex.FEMALE:
        value *= lic.COCKCROFT_GAULT_FEMALE_FACTOR
    return value


def _estimate_reason(patient: Patient, clearance: float) -> Reason:
    assert patient.weight_kg is not None
    assert patient.serum_creatinine_mg_dl is not None
    female = patient.sex is Sex.FEMALE
    return because(
        "creatinine-clearance-estimated",
        clearance=clearance,
        age=round(patient.age_months / 12, 1),
        weight=round(patient.weight_kg, 1),
        creatinine=round(patient.serum_creatinine_mg_dl, 2),
        sex="female" if female else "male",
        factor=", x 0.85 for women" if female else "",
    )


def _not_estimated(patient: Patient) -> tuple[Constraint, ...]:
    """Why a given serum creatinine gave no estimate (an adult without weight or sex)."""
    if patient.serum_creatinine_mg_dl is None:
        return ()
    missing = [
        name
        for name, value in (("weight", patient.weight_kg), ("sex", patient.sex))
        if value is None
    ]
    return _note("creatinine-clearance-not-estimated", missing=" and ".join(missing))


def _adult_renal(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    clearance = patient.creatinine_clearance_ml_min
    notes: tuple[Constraint, ...] = ()
    if clearance is None:
        clearance = estimated_clearance(patient)
        if clearance is not None:
            notes = (Constraint(reason=_estimate_reason(patient, clearance)),)
        else:
            notes = _not_estimated(patient)
    if clearance is None:
        return notes + _adult_without_clearance(patient, on_treatment)
    if clearance < lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN:
        # The estimate's reason follows the stop (it stops too), so a stop on an estimate says so.
        stop = Status.NOT_RECOMMENDED
        notes = tuple(attrs.evolve(note, status=stop) for note in notes)
        return _stop(stop, "creatinine-clearance-under-30", clearance=clearance) + notes
    if clearance <= lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN:
        reason = because("creatinine-clearance-30-to-60", clearance=clearance)
        return (*notes, Constraint(reason=reason, limit_mg=lic.RESTRICTED_ADULT_MG))
    return notes


def _adult_without_clearance(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """An eGFR of 60 or more reads like no result; below 60 the licence's measure is asked for."""
    egfr = patient.egfr_ml_min
    if egfr is None:
        return _note("check-renal-function-adult" + _suffix(on_treatment))
    if egfr >= lic.OTHER_MEASURE_NORMAL_FROM:
        return _note("adult-egfr-60-or-more", egfr=egfr)
    reason = because("adult-clearance-needed", egfr=egfr)
    return (
        Constraint(
            reason=reason,
            status=Status.INSUFFICIENT_INFORMATION,
            missing=("creatinine_clearance",),
        ),
    )


def _child_renal(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    egfr = patient.egfr_ml_min
    if egfr is None:
        clearance = patient.creatinine_clearance_ml_min
        if clearance is None:
            return _note("check-renal-function-child" + _suffix(on_treatment))
        if clearance >= lic.OTHER_MEASURE_NORMAL_FROM:
            return _note("child-clearance-60-or-more", clearance=clearance)
        reason = because("child-egfr-needed", clearance=clearance)
        return (
            Constraint(reason=reason, status=Status.INSUFFICIENT_INFORMATION, missing=("egfr",)),
        )
    if egfr < lic.CHILD_EGFR_NO_DATA_BELOW:
        return _stop(Status.NOT_RECOMMENDED, "child-egfr-under-40", egfr=egfr)
    if egfr < lic.CHILD_EGFR_REDUCED_BELOW:
        reason = because("child-reduced-renal-function")
        return (
            *_note("child-egfr-40-to-60", egfr=egfr),
            Constraint(reason=reason, factor=lic.CHILD_RESTRICTION_FACTOR),
        )
    return ()


def oat3_inhibitor(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    if not patient.strong_oat3_inhibitor:
        return ()
    if is_adult(patient):
        reason = because("strong-oat3-inhibitor")
        return (Constraint(reason=reason, limit_mg=lic.RESTRICTED_ADULT_MG),)
    reason = because("strong-oat3-inhibitor-child")
    return (Constraint(reason=reason, factor=lic.CHILD_RESTRICTION_FACTOR),)


def blood_counts(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Do not start, or interrupt, below the licence's blood-count thresholds."""
    labs = patient.labs or NO_LABS
    values = {
        "lymphocytes": (labs.lymphocytes_per_l, lic.LYMPHOCYTES_MIN_PER_L),
        "neutrophils": (labs.neutrophils_per_l, lic.NEUTROPHILS_MIN_PER_L),
        "haemoglobin": (labs.haemoglobin_g_dl, lic.HAEMOGLOBIN_MIN_G_DL),
    }
    low = [name for name, (value, limit) in values.items() if value is not None and value < limit]
    if low:
        words = sentence_start("; ".join(LOW_COUNT_WORDS[name] for name in low))
        code = "interrupt-low-blood-count" if on_treatment else "low-blood-count"
        return _stop(Status.NOT_RECOMMENDED, code, low=words)
    unknown = [name for name, (value, _) in values.items() if value is None]
    if unknown and not on_treatment:
        return _note("check-blood-counts", unknown=", ".join(unknown))
    return ()


def _groups(names: list[str]) -> str:
    return sentence_start("; ".join(RISK_WORDS[name] for name in names))


def jak_safety_measures(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """EMA measures for JAK inhibitors: no suitable alternative, lower doses, VTE caution."""
    alternative = ["AGED_65"] if is_older_adult(patient) else []
    risks = patient.risk_factors
    alternative += [risk.name for risk in EMA_RISKS if risk in risks]
    lower = [risk.name for risk in EMA_LOWER_DOSE_RISKS if risk in risks]
    found: tuple[Constraint, ...] = ()
    if alternative:
        found += _note("ema-no-suitable-alternative", groups=_groups(alternative))
    if lower:
        found += _note("ema-lower-dose", groups=_groups(lower))
    if RiskFactor.VTE in risks:
        found += _note("ema-vte-caution")
    return found


def live_vaccines(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    return () if on_treatment else _note("vaccinations")


RULES: tuple[Rule, ...] = (
    hypersensitivity,
    pregnancy,
    breastfeeding,
    hepatic,
    liver_injury,
    renal,
    oat3_inhibitor,
    blood_counts,
    jak_safety_measures,
    live_vaccines,
)


def constraints(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Every constraint the licence puts on this patient, in rule order."""
    return tuple(found for rule in RULES for found in rule(patient, on_treatment))

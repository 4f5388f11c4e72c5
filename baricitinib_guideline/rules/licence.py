"""The product licence (EU SmPC) applied on top of the chapter.

Each rule is a pure function of the patient that returns the constraints it
imposes, each with its reason and SmPC section. Absent optional inputs never
change the chapter's answer; they add a reason saying what to check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ..knowledge import licence as lic
from ..knowledge.wording import LOW_COUNT_WORDS, RISK_WORDS
from ..model.enums import RiskFactor, Status
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


def pregnancy(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Pregnancy contraindicates baricitinib; contraception advice where pregnancy is possible."""
    if patient.pregnant:
        return _stop(Status.CONTRAINDICATED, "pregnancy")
    if patient.can_become_pregnant:
        return _note("contraception")
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


def _adult_renal(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    clearance = patient.creatinine_clearance_ml_min
    if clearance is None and patient.egfr_ml_min is not None:
        reason = because("adult-clearance-needed")
        return (
            Constraint(
                reason=reason,
                status=Status.INSUFFICIENT_INFORMATION,
                missing=("creatinine_clearance",),
            ),
        )
    if clearance is None:
        return _note("check-renal-function-adult" + _suffix(on_treatment))
    if clearance < lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN:
        return _stop(Status.NOT_RECOMMENDED, "creatinine-clearance-under-30", clearance=clearance)
    if clearance <= lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN:
        reason = because("creatinine-clearance-30-to-60", clearance=clearance)
        return (Constraint(reason=reason, limit_mg=lic.RESTRICTED_ADULT_MG),)
    return ()


def _child_renal(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    egfr = patient.egfr_ml_min
    if egfr is None:
        if patient.creatinine_clearance_ml_min is None:
            return _note("check-renal-function-child" + _suffix(on_treatment))
        reason = because("child-egfr-needed")
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

"""The product licence (EU SmPC) applied on top of the chapter.

Each rule is a pure function of the patient that returns the constraints it
imposes, each with its reason and SmPC section. Absent optional inputs never
change the chapter's answer; they add a reason saying what to check.
"""

from __future__ import annotations

from collections.abc import Callable

from ..knowledge import licence as lic
from ..model.enums import RiskFactor, Status
from ..model.patient import Patient
from ._base import Constraint, reason
from .dosing import is_adult, is_older_adult

Rule = Callable[[Patient, bool], tuple[Constraint, ...]]


def _stop(status: Status, code: str, text: str, statement_id: str) -> Constraint:
    return Constraint(reason=reason(code, text, statement_id), status=status)


def _note(code: str, text: str, statement_id: str) -> Constraint:
    return Constraint(reason=reason(code, text, statement_id))


def pregnancy(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Pregnancy contraindicates baricitinib; contraception advice where pregnancy is possible."""
    if patient.pregnant:
        return (
            _stop(
                Status.CONTRAINDICATED,
                "pregnancy",
                "Pregnancy: baricitinib is contraindicated.",
                "smpc.contraindications",
            ),
        )
    if patient.can_become_pregnant:
        return (
            _note(
                "contraception",
                "Use effective contraception during treatment and for at least 1 week after it.",
                "smpc.contraception",
            ),
        )
    return ()


def breastfeeding(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    if not patient.breastfeeding:
        return ()
    return (
        _stop(
            Status.NOT_RECOMMENDED,
            "breastfeeding",
            "Breastfeeding: baricitinib is not to be used.",
            "smpc.breastfeeding",
        ),
    )


def hepatic(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    if not patient.severe_hepatic_impairment:
        return ()
    return (
        _stop(
            Status.NOT_RECOMMENDED,
            "severe-hepatic-impairment",
            "Severe hepatic impairment: baricitinib is not recommended.",
            "smpc.hepatic",
        ),
    )


def renal(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Adults by creatinine clearance; children by eGFR per 1.73 m2 (trial bands)."""
    if is_adult(patient):
        return _adult_renal(patient.creatinine_clearance_ml_min)
    return _child_renal(patient)


def _adult_renal(clearance: float | None) -> tuple[Constraint, ...]:
    if clearance is None:
        return (
            _note(
                "check-renal-function",
                "Creatinine clearance is not given: check renal function before starting "
                "(2 mg at 30 to 60 mL/min; not recommended below 30 mL/min).",
                "smpc.renal.adult_moderate",
            ),
        )
    if clearance < lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN:
        return (
            _stop(
                Status.NOT_RECOMMENDED,
                "creatinine-clearance-under-30",
                f"Creatinine clearance {clearance:g} mL/min (below 30): not recommended.",
                "smpc.renal.adult_severe",
            ),
        )
    if clearance <= lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN:
        return (
            Constraint(
                reason=reason(
                    "creatinine-clearance-30-to-60",
                    f"Creatinine clearance {clearance:g} mL/min (30 to 60): 2 mg once daily.",
                    "smpc.renal.adult_moderate",
                ),
                limit_mg=lic.RESTRICTED_ADULT_MG,
            ),
        )
    return ()


def _child_renal(patient: Patient) -> tuple[Constraint, ...]:
    egfr = patient.egfr_ml_min
    if egfr is None:
        if patient.creatinine_clearance_ml_min is not None:
            return (
                Constraint(
                    reason=reason(
                        "child-egfr-needed",
                        "For children the licence's reduced-dose bands are eGFR per 1.73 m2; an "
                        "absolute creatinine clearance cannot be placed in them. Give the eGFR.",
                        "smpc.renal.child_bands",
                    ),
                    status=Status.INSUFFICIENT_INFORMATION,
                    missing=("egfr",),
                ),
            )
        return (
            _note(
                "check-renal-function",
                "Renal function is not given: check it before starting (children with reduced "
                "function take half the dose).",
                "smpc.renal.child",
            ),
        )
    if egfr < lic.CHILD_EGFR_NO_DATA_BELOW:
        return (
            _stop(
                Status.NOT_RECOMMENDED,
                "child-egfr-under-40",
                f"eGFR {egfr:g} mL/min/1.73 m2 (below 40): no data in children; not recommended.",
                "smpc.renal.child_bands",
            ),
        )
    if egfr < lic.CHILD_EGFR_REDUCED_BELOW:
        return (
            Constraint(
                reason=reason(
                    "child-reduced-renal-function",
                    f"eGFR {egfr:g} mL/min/1.73 m2 (40 to under 60): half the recommended dose.",
                    "smpc.renal.child",
                ),
                factor=lic.CHILD_RESTRICTION_FACTOR,
            ),
        )
    return ()


def oat3_inhibitor(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    if not patient.strong_oat3_inhibitor:
        return ()
    if is_adult(patient):
        return (
            Constraint(
                reason=reason(
                    "strong-oat3-inhibitor",
                    "Strong OAT3 inhibitor such as probenecid: 2 mg once daily.",
                    "smpc.oat3.adult",
                ),
                limit_mg=lic.RESTRICTED_ADULT_MG,
            ),
        )
    return (
        Constraint(
            reason=reason(
                "strong-oat3-inhibitor-child",
                "Strong OAT3 inhibitor such as probenecid: half the dose.",
                "smpc.oat3.child",
            ),
            factor=lic.CHILD_RESTRICTION_FACTOR,
        ),
    )


def blood_counts(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Do not start, or interrupt, below the licence's blood-count thresholds."""
    labs = patient.labs
    values = {
        "lymphocytes": (
            None if labs is None else labs.lymphocytes_per_l,
            lic.LYMPHOCYTES_MIN_PER_L,
            "lymphocytes below 0.5 x 10^9/L",
        ),
        "neutrophils": (
            None if labs is None else labs.neutrophils_per_l,
            lic.NEUTROPHILS_MIN_PER_L,
            "neutrophils below 1 x 10^9/L",
        ),
        "haemoglobin": (
            None if labs is None else labs.haemoglobin_g_dl,
            lic.HAEMOGLOBIN_MIN_G_DL,
            "haemoglobin below 8 g/dL",
        ),
    }
    low = [text for value, limit, text in values.values() if value is not None and value < limit]
    if low:
        if on_treatment:
            return (
                _stop(
                    Status.NOT_RECOMMENDED,
                    "interrupt-low-blood-count",
                    f"{'; '.join(low).capitalize()}: interrupt treatment until the values are "
                    "above the threshold again.",
                    "smpc.labs.interrupt",
                ),
            )
        return (
            _stop(
                Status.NOT_RECOMMENDED,
                "low-blood-count",
                f"{'; '.join(low).capitalize()}: do not start treatment.",
                "smpc.labs.start",
            ),
        )
    unknown = [name for name, (value, _, _) in values.items() if value is None]
    if unknown and not on_treatment:
        return (
            _note(
                "check-blood-counts",
                f"Not given: {', '.join(unknown)}. Check them before starting (do not start "
                "below the licence's thresholds).",
                "smpc.labs.start",
            ),
        )
    return ()


_EMA_RISKS = {
    RiskFactor.SMOKING: "current or long-time past smoker",
    RiskFactor.MACE: "increased risk of major cardiovascular problems",
    RiskFactor.MALIGNANCY: "increased risk of cancer",
    RiskFactor.VTE: "increased risk of venous thromboembolism",
}


def jak_safety_measures(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """EMA measures for JAK inhibitors: no suitable alternative, lowest effective dose."""
    found: list[Constraint] = []
    groups = [
        text
        for risk, text in sorted(_EMA_RISKS.items(), key=lambda item: item[0].name)
        if risk in patient.risk_factors and risk is not RiskFactor.VTE
    ]
    if is_older_adult(patient):
        groups.insert(0, "aged 65 or over")
    if groups:
        found.append(
            _note(
                "ema-no-suitable-alternative",
                f"{'; '.join(groups).capitalize()}: use only if no suitable alternative exists, "
                "at the lowest effective dose.",
                "smpc.jak.no_alternative",
            )
        )
    if RiskFactor.VTE in patient.risk_factors:
        found.append(
            _note(
                "ema-vte-caution",
                "Increased risk of venous thromboembolism: use with caution and at a lower "
                "dose where possible.",
                "smpc.jak.vte_caution",
            )
        )
    return tuple(found)


def live_vaccines(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    if on_treatment:
        return ()
    return (
        _note(
            "vaccinations",
            "Bring vaccinations up to date before starting; no live attenuated vaccines during "
            "or immediately before treatment.",
            "smpc.live_vaccines",
        ),
    )


RULES: tuple[Rule, ...] = (
    pregnancy,
    breastfeeding,
    hepatic,
    renal,
    oat3_inhibitor,
    blood_counts,
    jak_safety_measures,
    live_vaccines,
)


def constraints(patient: Patient, on_treatment: bool) -> tuple[Constraint, ...]:
    """Every constraint the licence puts on this patient, in rule order."""
    return tuple(found for rule in RULES for found in rule(patient, on_treatment))

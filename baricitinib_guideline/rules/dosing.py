"""The chapter's dosing statements as small pure functions.

Each function decides one thing and cites the entry it reads. Ages are
compared in months and weights in kilograms, as plain floats.
"""

from __future__ import annotations

from ..knowledge import chapter as k
from ..model.core import DoseOption, Reason
from ..model.enums import Comorbidity, Modality, Response, RiskFactor, Status
from ..model.patient import Patient
from ._base import Decision, option, reason

R, SBC, MBC = Modality.RECOMMENDED, Modality.SHOULD_BE_CONSIDERED, Modality.MAY_BE_CONSIDERED

_RISK_TEXT = {
    RiskFactor.VTE: "higher risk of venous thromboembolism",
    RiskFactor.MACE: "higher risk of major adverse cardiovascular events",
    RiskFactor.MALIGNANCY: "higher risk of malignancy",
    RiskFactor.CHRONIC_OR_RECURRENT_INFECTION: "history of chronic or recurrent infections",
}

_COMORBIDITY_TEXT = {
    Comorbidity.ALOPECIA_AREATA: "alopecia areata",
    Comorbidity.RHEUMATOID_ARTHRITIS: "rheumatoid arthritis",
    Comorbidity.JUVENILE_IDIOPATHIC_ARTHRITIS: "juvenile idiopathic arthritis",
    Comorbidity.ANKYLOSING_SPONDYLITIS: "ankylosing spondylitis",
    Comorbidity.PSORIATIC_ARTHRITIS: "psoriatic arthritis",
    Comorbidity.INFLAMMATORY_BOWEL_DISEASE: "inflammatory bowel disease",
}


def is_adult(patient: Patient) -> bool:
    return patient.age_months >= k.ADULT_AGE_MONTHS


def is_older_adult(patient: Patient) -> bool:
    return patient.age_months >= k.OLDER_ADULT_AGE_MONTHS


def eligibility(patient: Patient) -> Decision | None:
    """A decision without a dose when the chapter gives none; ``None`` when it does."""
    if not patient.systemic_candidate:
        return Decision(
            status=Status.NOT_RECOMMENDED,
            reasons=(
                reason(
                    "not-systemic-candidate",
                    "The chapter recommends baricitinib for patients who are candidates for "
                    "systemic treatment; this patient is not.",
                    "rec.headline",
                ),
            ),
        )
    if patient.age_months < k.LICENCE_MIN_AGE_MONTHS:
        return Decision(
            status=Status.OUTSIDE_LICENCE,
            reasons=(
                reason(
                    "under-licensed-age",
                    "Baricitinib is licensed from 2 years of age; this patient is younger.",
                    "licence.min_age",
                ),
            ),
        )
    if is_adult(patient):
        return None
    if patient.weight_kg is None:
        return Decision(
            status=Status.INSUFFICIENT_INFORMATION,
            missing=("weight",),
            reasons=(
                reason(
                    "child-weight-missing",
                    "Under 18 years the dose depends on body weight, which is not given.",
                    "dose.child.dosage",
                ),
            ),
        )
    if patient.weight_kg < k.CHILD_MIN_WEIGHT_KG:
        return Decision(
            status=Status.OUTSIDE_LICENCE,
            reasons=(
                reason(
                    "child-under-10kg",
                    "The chapter gives doses for children from 10 kg; for a child under 10 kg "
                    "it names no dose.",
                    "dose.child.low",
                ),
            ),
        )
    return None


def risk_reasons(patient: Patient) -> tuple[Reason, ...]:
    """Why an adult belongs to the 2 mg group, one reason per characteristic."""
    found: list[Reason] = []
    if is_older_adult(patient):
        found.append(
            reason(
                "aged-65-or-over",
                "Adults aged 65 or more: 2 mg once daily is recommended.",
                "dose.risk.reduced",
            )
        )
    for factor in sorted(patient.risk_factors & _RISK_TEXT.keys(), key=lambda f: f.name):
        found.append(
            reason(
                f"risk-{factor.name.lower().replace('_', '-')}",
                f"{_RISK_TEXT[factor].capitalize()}: 2 mg once daily is recommended.",
                "dose.risk.reduced",
            )
        )
    return tuple(found)


def comorbidity_reasons(patient: Patient) -> tuple[Reason, ...]:
    """The concomitant diseases for which baricitinib is likely to help too."""
    return tuple(
        reason(
            f"comorbidity-{disease.name.lower().replace('_', '-')}",
            f"Concomitant {_COMORBIDITY_TEXT[disease]}: JAK inhibitors are likely to bring extra "
            "benefit for it.",
            "special.comorbidities",
        )
        for disease in sorted(patient.comorbidities, key=lambda d: d.name)
    )


def child_standard_mg(patient: Patient) -> float:
    """The weight band's dose for a child of 10 kg or more."""
    assert patient.weight_kg is not None
    if patient.weight_kg >= k.CHILD_HIGH_WEIGHT_KG:
        return k.CHILD_HIGH_MG
    return k.CHILD_LOW_MG


def _child_band_reason(standard: float) -> Reason:
    if standard == k.CHILD_HIGH_MG:
        return reason(
            "child-30kg-or-more",
            "Children and adolescents weighing 30 kg or more: 4 mg once daily.",
            "dose.child.high",
        )
    return reason(
        "child-10-to-under-30kg",
        "Children and adolescents weighing 10 kg to under 30 kg: 2 mg once daily.",
        "dose.child.low",
    )


def _child_taper_option(standard: float) -> DoseOption:
    return option(
        standard * k.TAPER_FACTOR,
        SBC,
        "after sustained control on the standard dose, when eligible for tapering",
        "dose.child.taper",
    )


def _adult_escalate_option() -> DoseOption:
    return option(
        k.ADULT_STANDARD_MG,
        MBC,
        "when 2 mg once daily does not control the disease adequately",
        "dose.risk.escalate",
    )


def _adult_taper_option() -> DoseOption:
    return option(
        k.ADULT_REDUCED_MG,
        SBC,
        "after sustained control on 4 mg once daily, when eligible for tapering",
        "dose.adult.taper",
    )


def starting(patient: Patient) -> Decision:
    """The starting regimen for a patient the chapter gives a dose for."""
    if not is_adult(patient):
        standard = child_standard_mg(patient)
        return Decision(
            status=Status.RECOMMENDED,
            dose_mg=standard,
            modality=R,
            standard_mg=standard,
            reasons=(_child_band_reason(standard), *_child_risk_note(patient)),
            alternatives=(_child_taper_option(standard),),
        )
    risks = risk_reasons(patient)
    if risks:
        return Decision(
            status=Status.RECOMMENDED,
            dose_mg=k.ADULT_REDUCED_MG,
            modality=R,
            standard_mg=k.ADULT_REDUCED_MG,
            reasons=risks,
            alternatives=(_adult_escalate_option(),),
        )
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=k.ADULT_STANDARD_MG,
        modality=R,
        standard_mg=k.ADULT_STANDARD_MG,
        reasons=(
            reason(
                "adult-standard-dose",
                "Adults: 4 mg once daily is the recommended dose.",
                "dose.adult.standard",
            ),
            reason(
                "start-high",
                "Starting on the higher dose usually gives a faster response and better drug "
                "survival, and may suit younger, otherwise healthy patients.",
                "dose.start_high",
            ),
        ),
        alternatives=(_adult_taper_option(),),
    )


def _child_risk_note(patient: Patient) -> tuple[Reason, ...]:
    if not patient.risk_factors & _RISK_TEXT.keys():
        return ()
    return (
        reason(
            "child-risk-factor-check-licence",
            "The chapter's 2 mg dose for higher risk of VTE, MACE, malignancy or infections is "
            "stated for adults; for children it gives the weight-band dose only. Check the "
            "licence before starting.",
            "dose.risk.reduced",
        ),
    )


def follow_up(patient: Patient, current_mg: float, response: Response) -> Decision:
    """The next step for a patient on ``current_mg`` whose disease shows ``response``."""
    start = starting(patient)
    assert start.standard_mg is not None
    adult = is_adult(patient)
    standard = start.standard_mg
    reduced = k.ADULT_REDUCED_MG if adult else standard * k.TAPER_FACTOR
    higher = k.ADULT_STANDARD_MG if adult else standard
    if current_mg not in (reduced, higher):
        return _unknown_current_dose(start, current_mg, adult)
    if response is Response.NO_BENEFIT_AFTER_8_WEEKS:
        return Decision(
            status=Status.NOT_RECOMMENDED,
            reasons=(
                reason(
                    "no-benefit-after-8-weeks",
                    "No evidence of benefit after 8 weeks: consider stopping treatment.",
                    "smpc.no_benefit",
                ),
            ),
        )
    if response is Response.SUSTAINED_CONTROL:
        return _after_sustained_control(start, adult, current_mg, reduced, higher)
    return _after_inadequate_control(start, adult, current_mg, reduced, higher)


def _after_sustained_control(
    start: Decision, adult: bool, current_mg: float, reduced: float, higher: float
) -> Decision:
    if current_mg == higher and reduced < higher:
        taper = _adult_taper_option() if adult else _child_taper_option(higher)
        return Decision(
            status=Status.RECOMMENDED,
            dose_mg=reduced,
            modality=SBC,
            standard_mg=start.standard_mg,
            reasons=(
                reason(
                    "taper-after-sustained-control",
                    f"Sustained control on {higher:g} mg: {reduced:g} mg once daily should be "
                    "considered for patients eligible for tapering.",
                    taper.source.statement,
                ),
            ),
            alternatives=(
                option(
                    higher, R, "continue when tapering is not suitable", taper.source.statement
                ),
            ),
        )
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=current_mg,
        modality=R,
        standard_mg=start.standard_mg,
        reasons=(
            reason(
                "continue-lowest-dose",
                f"Sustained control on {current_mg:g} mg: continue; the chapter names no lower "
                "dose for this patient.",
                "dose.adult.taper" if adult else "dose.child.taper",
            ),
        ),
    )


def _after_inadequate_control(
    start: Decision, adult: bool, current_mg: float, reduced: float, higher: float
) -> Decision:
    if current_mg < higher:
        if adult and start.dose_mg == k.ADULT_REDUCED_MG:
            return Decision(
                status=Status.RECOMMENDED,
                dose_mg=higher,
                modality=MBC,
                standard_mg=start.standard_mg,
                reasons=(
                    *start.reasons,
                    reason(
                        "escalate-after-inadequate-control",
                        "Not adequately controlled on 2 mg: 4 mg once daily may be considered.",
                        "dose.risk.escalate",
                    ),
                ),
                alternatives=(
                    option(
                        current_mg,
                        R,
                        "continue 2 mg when the risk outweighs the expected gain",
                        "dose.risk.reduced",
                    ),
                ),
            )
        return Decision(
            status=Status.RECOMMENDED,
            dose_mg=higher,
            modality=R,
            standard_mg=start.standard_mg,
            reasons=(
                reason(
                    "return-to-standard-dose",
                    f"Not adequately controlled on the tapered dose of {current_mg:g} mg: return "
                    f"to the standard dose of {higher:g} mg once daily.",
                    "dose.adult.standard" if adult else "dose.child.dosage",
                ),
            ),
        )
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=higher,
        modality=R,
        standard_mg=start.standard_mg,
        reasons=(
            reason(
                "no-higher-dose",
                f"Not adequately controlled on {higher:g} mg: the chapter names no higher dose "
                "for this patient. Reassess the treatment; without benefit after 8 weeks, "
                "consider stopping.",
                "dose.adult.standard" if adult else "dose.child.dosage",
            ),
        ),
    )


def _unknown_current_dose(start: Decision, current_mg: float, adult: bool) -> Decision:
    return Decision(
        status=start.status,
        dose_mg=start.dose_mg,
        modality=start.modality,
        standard_mg=start.standard_mg,
        reasons=(
            reason(
                "current-dose-not-in-chapter",
                f"The current dose of {current_mg:g} mg is not one the chapter names for this "
                "patient; the starting regimen is given instead.",
                "dose.adult.standard" if adult else "dose.child.dosage",
            ),
            *start.reasons,
        ),
        alternatives=start.alternatives,
    )

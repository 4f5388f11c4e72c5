"""The chapter's dosing statements as small pure functions.

Each function decides one thing; the words and sources come from the
wording catalogue. Ages are compared in months and weights in kilograms, as
plain floats.
"""

from __future__ import annotations

from ..knowledge import chapter as k
from ..knowledge.wording import COMORBIDITY_WORDS
from ..model.core import DoseOption, Reason
from ..model.enums import Modality, Response, RiskFactor, Status
from ..model.patient import Patient
from ._base import Decision, because, option

R, SBC, MBC = Modality.RECOMMENDED, Modality.SHOULD_BE_CONSIDERED, Modality.MAY_BE_CONSIDERED

# The chapter's 2 mg group, in the order its reasons are listed.
CHAPTER_RISKS = (
    RiskFactor.CHRONIC_OR_RECURRENT_INFECTION,
    RiskFactor.MACE,
    RiskFactor.MALIGNANCY,
    RiskFactor.VTE,
)


def is_adult(patient: Patient) -> bool:
    return patient.age_months >= k.ADULT_AGE_MONTHS


def is_older_adult(patient: Patient) -> bool:
    return patient.age_months >= k.OLDER_ADULT_AGE_MONTHS


def _no_dose(status: Status, code: str, missing: tuple[str, ...] = ()) -> Decision:
    return Decision(status=status, reasons=(because(code),), missing=missing)


def eligibility(patient: Patient) -> Decision | None:
    """A decision without a dose when the chapter gives none; ``None`` when it does."""
    if not patient.systemic_candidate:
        return _no_dose(Status.NOT_RECOMMENDED, "not-systemic-candidate")
    if patient.age_months < k.LICENCE_MIN_AGE_MONTHS:
        return _no_dose(Status.OUTSIDE_LICENCE, "under-licensed-age")
    if is_adult(patient):
        return None
    if patient.weight_kg is None:
        return _no_dose(Status.INSUFFICIENT_INFORMATION, "child-weight-missing", ("weight",))
    if patient.weight_kg < k.CHILD_MIN_WEIGHT_KG:
        return _no_dose(Status.OUTSIDE_LICENCE, "child-under-10kg")
    return None


def risk_reasons(patient: Patient) -> tuple[Reason, ...]:
    """Why an adult belongs to the 2 mg group, one reason per characteristic."""
    found = [because("aged-65-or-over")] if is_older_adult(patient) else []
    found += [
        because(f"risk-{risk.name.lower().replace('_', '-')}")
        for risk in CHAPTER_RISKS
        if risk in patient.risk_factors
    ]
    return tuple(found)


def comorbidity_reasons(patient: Patient) -> tuple[Reason, ...]:
    """The concomitant diseases for which baricitinib is likely to help too."""
    return tuple(
        because("comorbidity", disease=COMORBIDITY_WORDS[disease.name])
        for disease in sorted(patient.comorbidities, key=lambda d: d.name)
    )


def child_standard_mg(patient: Patient) -> float:
    """The weight band's dose for a child of 10 kg or more."""
    assert patient.weight_kg is not None
    if patient.weight_kg >= k.CHILD_HIGH_WEIGHT_KG:
        return k.CHILD_HIGH_MG
    return k.CHILD_LOW_MG


def _child_start(patient: Patient) -> Decision:
    standard = child_standard_mg(patient)
    band = "child-30kg-or-more" if standard == k.CHILD_HIGH_MG else "child-10-to-under-30kg"
    note = any(risk in patient.risk_factors for risk in CHAPTER_RISKS)
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=standard,
        modality=R,
        standard_mg=standard,
        reasons=(because(band),) + ((because("child-risk-factor-check-licence"),) if note else ()),
        alternatives=(option("child-taper", standard * k.TAPER_FACTOR, SBC),),
    )


def starting(patient: Patient) -> Decision:
    """The starting regimen for a patient the chapter gives a dose for."""
    if not is_adult(patient):
        return _child_start(patient)
    risks = risk_reasons(patient)
    if risks:
        return Decision(
            status=Status.RECOMMENDED,
            dose_mg=k.ADULT_REDUCED_MG,
            modality=R,
            standard_mg=k.ADULT_REDUCED_MG,
            reasons=risks,
            alternatives=(option("adult-escalate", k.ADULT_STANDARD_MG, MBC),),
        )
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=k.ADULT_STANDARD_MG,
        modality=R,
        standard_mg=k.ADULT_STANDARD_MG,
        reasons=(because("adult-standard-dose"), because("start-high")),
        alternatives=(option("adult-taper", k.ADULT_REDUCED_MG, SBC),),
    )


def follow_up(patient: Patient, current_mg: float, response: Response) -> Decision:
    """The next step for a patient on ``current_mg`` whose disease shows ``response``."""
    start = starting(patient)
    assert start.standard_mg is not None
    who = "adult" if is_adult(patient) else "child"
    higher = k.ADULT_STANDARD_MG if who == "adult" else start.standard_mg
    reduced = higher * k.TAPER_FACTOR
    if current_mg not in (reduced, higher):
        return Decision(
            status=start.status,
            dose_mg=start.dose_mg,
            modality=start.modality,
            standard_mg=start.standard_mg,
            reasons=(
                because(f"current-dose-not-in-chapter-{who}", current=current_mg),
                *start.reasons,
            ),
            alternatives=start.alternatives,
        )
    if response is Response.NO_BENEFIT_AFTER_8_WEEKS:
        return _no_dose(Status.NOT_RECOMMENDED, "no-benefit-after-8-weeks")
    values = {"current": current_mg, "higher": higher, "reduced": reduced}
    if response is Response.SUSTAINED_CONTROL:
        if current_mg == higher:
            return _step(
                start,
                reduced,
                SBC,
                because(f"taper-after-sustained-control-{who}", **values),
                option(f"continue-instead-of-taper-{who}", higher, R),
            )
        return _step(start, current_mg, R, because(f"continue-lowest-dose-{who}", **values))
    if current_mg == higher:
        return _step(start, higher, R, because(f"no-higher-dose-{who}", **values))
    if start.dose_mg == k.ADULT_REDUCED_MG and who == "adult":
        escalate = because("escalate-after-inadequate-control")
        return _step(
            start, higher, MBC, *start.reasons, escalate, option("continue-2mg", current_mg, R)
        )
    return _step(start, higher, R, because(f"return-to-standard-dose-{who}", **values))


def _step(
    start: Decision, dose_mg: float, modality: Modality, *items: Reason | DoseOption
) -> Decision:
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=dose_mg,
        modality=modality,
        standard_mg=start.standard_mg,
        reasons=tuple(item for item in items if isinstance(item, Reason)),
        alternatives=tuple(item for item in items if isinstance(item, DoseOption)),
    )

"""The chapter's dosing statements as small pure functions.

Each function decides one thing; the words and sources come from the
wording catalogue. Ages are compared in months and weights in kilograms, as
plain floats.
"""

from __future__ import annotations

from ..knowledge import chapter as k
from ..knowledge.follow_up import FOLLOW_UP, HIGHER, REDUCED, Step
from ..knowledge.wording import COMORBIDITY_WORDS
from ..model.core import Reason
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
    if not patient.risk_factors:
        return tuple(found)
    found += [
        because(f"risk-{risk.name.lower().replace('_', '-')}")
        for risk in CHAPTER_RISKS
        if risk in patient.risk_factors
    ]
    return tuple(found)


def comorbidity_reasons(patient: Patient) -> tuple[Reason, ...]:
    """The concomitant diseases for which baricitinib is likely to help too."""
    if not patient.comorbidities:
        return ()
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


def in_2mg_group(patient: Patient) -> bool:
    """Aged 65 or more, or with one of the chapter's risk factors (adults only)."""
    return is_older_adult(patient) or not patient.risk_factors.isdisjoint(CHAPTER_RISKS)


def dose_group(patient: Patient) -> str:
    """The follow-up table's group: ``adult``, ``risk`` (the 2 mg group) or ``child``."""
    if not is_adult(patient):
        return "child"
    return "risk" if in_2mg_group(patient) else "adult"


def dose_levels(patient: Patient) -> dict[str, float]:
    """The doses the chapter names for this patient, by the table's level."""
    if is_adult(patient):
        return {HIGHER: k.ADULT_STANDARD_MG, REDUCED: k.ADULT_REDUCED_MG}
    higher = child_standard_mg(patient)
    return {HIGHER: higher, REDUCED: higher * k.TAPER_FACTOR}


def _child_notes(patient: Patient, on_treatment: bool) -> tuple[Reason, ...]:
    notes = [because("tablets-dispersible")]
    if not patient.risk_factors.isdisjoint(CHAPTER_RISKS):
        suffix = "-on-treatment" if on_treatment else ""
        notes.insert(0, because(f"child-risk-factor-check-licence{suffix}"))
    return tuple(notes)


def _notes(patient: Patient, on_treatment: bool) -> tuple[Reason, ...]:
    child = () if is_adult(patient) else _child_notes(patient, on_treatment)
    return child + comorbidity_reasons(patient)


def _otherwise_healthy(patient: Patient) -> bool:
    """No risk factor of any kind (smoking included) and no concomitant disease."""
    return not patient.risk_factors and not patient.comorbidities


def starting(patient: Patient) -> Decision:
    """The starting regimen for a patient the chapter gives a dose for."""
    levels = dose_levels(patient)
    group = dose_group(patient)
    if group == "child":
        band = (
            "child-30kg-or-more" if levels[HIGHER] == k.CHILD_HIGH_MG else "child-10-to-under-30kg"
        )
        reasons: tuple[Reason, ...] = (because(band),)
        dose, alternative = levels[HIGHER], option("child-taper", levels[REDUCED], SBC)
    elif group == "risk":
        reasons = risk_reasons(patient)
        dose, alternative = levels[REDUCED], option("adult-escalate", levels[HIGHER], MBC)
    else:
        reasons = (because("adult-standard-dose"),)
        if _otherwise_healthy(patient):
            reasons += (because("start-high"),)
        dose, alternative = levels[HIGHER], option("adult-taper", levels[REDUCED], SBC)
    return Decision(
        status=Status.RECOMMENDED,
        dose_mg=dose,
        modality=R,
        standard_mg=levels[HIGHER],
        reasons=reasons,
        alternatives=(alternative,),
        notes=_notes(patient, on_treatment=False),
    )


def _level_of(current_mg: float, levels: dict[str, float]) -> str:
    """The level whose dose is nearest ``current_mg`` (the lower one on a tie)."""
    return min(levels, key=lambda level: (abs(levels[level] - current_mg), levels[level]))


def follow_up(patient: Patient, current_mg: float, response: Response) -> Decision:
    """The next step for a patient on ``current_mg`` whose disease shows ``response``.

    Read from the follow-up table; a current dose the chapter does not name
    is read as the nearest dose it does name, and a first reason says so. A
    dose above the highest it names steps down to that dose, never past it
    to a taper in the same step; sustained control below the lowest it names
    is named as such.
    """
    group = dose_group(patient)
    levels = dose_levels(patient)
    level = _level_of(current_mg, levels)
    who = "child" if group == "child" else "adult"
    values = {"current": levels[level], "higher": levels[HIGHER], "reduced": levels[REDUCED]}
    named = levels[level] == current_mg
    step = FOLLOW_UP[(group, level, response)]
    reason = because(step.reason, **values)
    preface: tuple[Reason, ...] = ()
    if current_mg > levels[HIGHER]:
        preface = (because(f"above-named-dose-{who}", **{**values, "current": current_mg}),)
        if step.modality is SBC:  # a taper: first down to the highest named dose
            step = Step(HIGHER, R, step.reason)
            reason = preface[0]
            preface = ()
    elif not named:
        preface = (
            because(
                f"current-dose-not-in-chapter-{who}", current=current_mg, nearest=levels[level]
            ),
        )
        if current_mg < levels[REDUCED] and response is Response.SUSTAINED_CONTROL:
            reason = because(f"below-lowest-dose-{who}", **{**values, "current": current_mg})
    reasons: tuple[Reason, ...] = (reason,)
    if step.group_reasons:
        reasons += risk_reasons(patient)
    alternatives = tuple(
        option(item.condition, levels[item.level], item.modality) for item in step.options
    )
    dose = None if step.level is None else levels[step.level]
    return Decision(
        status=Status.CONSIDER_STOPPING if dose is None else Status.RECOMMENDED,
        dose_mg=dose,
        modality=step.modality,
        standard_mg=levels[HIGHER],
        reasons=reasons,
        alternatives=alternatives,
        preface=preface,
        notes=_notes(patient, on_treatment=True),
        current_named=named,
    )

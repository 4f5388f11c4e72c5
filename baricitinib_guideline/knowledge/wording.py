"""What the rules say: every reason, option condition and plan text, by code.

Each entry names the knowledge statement it rests on. Rules pick an entry by
its code and fill in the values in braces; they hold no sentence of their own.
"""

from __future__ import annotations

from typing import Final

# code: (statement ID, text)
REASONS: Final[dict[str, tuple[str, str]]] = {
    # Chapter: who gets no dose
    "not-systemic-candidate": (
        "rec.headline",
        "The chapter recommends baricitinib for patients who are candidates for systemic "
        "treatment; this patient is not.",
    ),
    "under-licensed-age": (
        "licence.min_age",
        "Baricitinib is licensed from 2 years of age; this patient is younger.",
    ),
    "child-weight-missing": (
        "dose.child.dosage",
        "Under 18 years the dose depends on body weight, which is not given.",
    ),
    "child-under-10kg": (
        "dose.child.low",
        "The chapter gives doses for children from 10 kg; for a child under 10 kg it names "
        "no dose.",
    ),
    # Chapter: starting doses
    "adult-standard-dose": (
        "dose.adult.standard",
        "Adults: 4 mg once daily is the recommended dose.",
    ),
    "start-high": (
        "dose.start_high",
        "Starting on the higher dose usually gives a faster response and better drug survival, "
        "and may suit younger, otherwise healthy patients.",
    ),
    "aged-65-or-over": (
        "dose.risk.reduced",
        "Adults aged 65 or more: 2 mg once daily is recommended.",
    ),
    "risk-vte": (
        "dose.risk.reduced",
        "Higher risk of venous thromboembolism: 2 mg once daily is recommended.",
    ),
    "risk-mace": (
        "dose.risk.reduced",
        "Higher risk of major adverse cardiovascular events: 2 mg once daily is recommended.",
    ),
    "risk-malignancy": (
        "dose.risk.reduced",
        "Higher risk of malignancy: 2 mg once daily is recommended.",
    ),
    "risk-chronic-or-recurrent-infection": (
        "dose.risk.reduced",
        "History of chronic or recurrent infections: 2 mg once daily is recommended.",
    ),
    "child-30kg-or-more": (
        "dose.child.high",
        "Children and adolescents weighing 30 kg or more: 4 mg once daily.",
    ),
    "child-10-to-under-30kg": (
        "dose.child.low",
        "Children and adolescents weighing 10 kg to under 30 kg: 2 mg once daily.",
    ),
    "child-risk-factor-check-licence": (
        "dose.risk.reduced",
        "The chapter's lower dose for higher risk of VTE, MACE, malignancy or infections is "
        "stated for adults; for children it gives the weight-band dose only. Check the licence "
        "before starting.",
    ),
    "child-risk-factor-check-licence-on-treatment": (
        "dose.risk.reduced",
        "The chapter's lower dose for higher risk of VTE, MACE, malignancy or infections is "
        "stated for adults; for children it gives the weight-band dose only. Check the licence "
        "for this child.",
    ),
    "tablets-dispersible": (
        "smpc.tablets",
        "Tablets may be dispersed in water for children who cannot swallow them.",
    ),
    "comorbidity": (
        "special.comorbidities",
        "Concomitant {disease}: JAK inhibitors are likely to bring extra benefit for it.",
    ),
    # Chapter: next steps
    "follow-up-needs-dose-and-response": (
        "dose.half.box",
        "The next step needs both the current dose and the response to it; {missing} is not "
        "given.",
    ),
    "taper-after-sustained-control-adult": (
        "dose.adult.taper",
        "Sustained control on 4 mg: 2 mg once daily should be considered for patients eligible "
        "for tapering.",
    ),
    "taper-after-sustained-control-child": (
        "dose.child.taper",
        "Sustained control on the standard dose of {higher:g} mg: half the dose, {reduced:g} mg "
        "once daily, should be considered for patients eligible for tapering.",
    ),
    "continue-lowest-dose-adult": (
        "dose.adult.taper",
        "Sustained control on 2 mg: continue; the chapter names no lower adult dose.",
    ),
    "continue-lowest-dose-child": (
        "dose.child.taper",
        "Sustained control on the half dose of {current:g} mg: continue; the chapter names no "
        "lower dose.",
    ),
    "escalate-after-inadequate-control": (
        "dose.risk.escalate",
        "Not adequately controlled on 2 mg: 4 mg once daily may be considered.",
    ),
    "back-to-group-dose": (
        "dose.risk.reduced",
        "Sustained control on 4 mg: for this patient's group 2 mg once daily is the recommended "
        "dose.",
    ),
    "no-higher-dose-risk": (
        "dose.risk.escalate",
        "Not adequately controlled on 4 mg, a dose that for this patient's group may only be "
        "considered after 2 mg: the chapter names no higher dose. Reassess the treatment; "
        "without benefit after 8 weeks, consider stopping.",
    ),
    "return-to-standard-dose-adult": (
        "dose.adult.standard",
        "Not adequately controlled on 2 mg: 4 mg once daily is the recommended adult dose.",
    ),
    "return-to-standard-dose-child": (
        "dose.child.dosage",
        "Not adequately controlled on the half dose of {current:g} mg: return to the standard "
        "dose of {higher:g} mg once daily.",
    ),
    "no-higher-dose-adult": (
        "dose.adult.standard",
        "Not adequately controlled on 4 mg: the chapter names no higher dose. Reassess the "
        "treatment; without benefit after 8 weeks, consider stopping.",
    ),
    "no-higher-dose-child": (
        "dose.child.dosage",
        "Not adequately controlled on {higher:g} mg: the chapter names no higher dose for this "
        "weight. Reassess the treatment; without benefit after 8 weeks, consider stopping.",
    ),
    "current-dose-not-in-chapter-adult": (
        "dose.adult.standard",
        "The current dose of {current:g} mg is not one the chapter names for this patient; the "
        "next step is taken from the nearest dose it names, {nearest:g} mg. Review the regimen.",
    ),
    "current-dose-not-in-chapter-child": (
        "dose.child.dosage",
        "The current dose of {current:g} mg is not one the chapter names for this child's "
        "weight; the next step is taken from the nearest dose it names, {nearest:g} mg. Review "
        "the regimen.",
    ),
    "no-benefit-after-8-weeks": (
        "smpc.no_benefit",
        "No evidence of benefit after 8 weeks: the licence advises considering stopping "
        "treatment.",
    ),
    "licence-sets-dose": (
        "",
        "The chapter's step for this patient is {chapter:g} mg once daily ({modality}); the "
        "licence rule below sets {dose:g} mg once daily instead.",
    ),
    "licence-confirms-dose": (
        "",
        "The chapter's step for this patient is {dose:g} mg once daily ({modality}); the "
        "licence rule below makes it the dose.",
    ),
    "most-the-licence-allows": (
        "smpc.no_benefit",
        "Not adequately controlled on {current:g} mg, the most the licence allows this patient: "
        "reassess the treatment; without benefit after 8 weeks, consider stopping.",
    ),
    # Licence
    "pregnancy": ("smpc.contraindications", "Pregnancy: baricitinib is contraindicated."),
    "hypersensitivity": (
        "smpc.contraindications",
        "Hypersensitivity to baricitinib or an excipient: baricitinib is contraindicated.",
    ),
    "liver-injury": (
        "smpc.liver_injury",
        "Drug-induced liver injury is suspected: the licence interrupts treatment in this case, "
        "so do not start until it has been assessed.",
    ),
    "interrupt-liver-injury": (
        "smpc.liver_injury",
        "Drug-induced liver injury is suspected: interrupt treatment.",
    ),
    "contraception": (
        "smpc.contraception",
        "Use effective contraception during treatment and for at least 1 week after it.",
    ),
    "breastfeeding": ("smpc.breastfeeding", "Breastfeeding: baricitinib is not to be used."),
    "severe-hepatic-impairment": (
        "smpc.hepatic",
        "Severe hepatic impairment: baricitinib is not recommended.",
    ),
    "check-renal-function-adult": (
        "smpc.renal.adult_moderate",
        "Creatinine clearance is not given: check renal function before starting (the licence "
        "lowers the dose at 30 to 60 mL/min and does not recommend use below 30 mL/min).",
    ),
    "check-renal-function-adult-on-treatment": (
        "smpc.renal.adult_moderate",
        "Creatinine clearance is not given: check renal function, as the monitoring plan does "
        "(the licence lowers the dose at 30 to 60 mL/min and does not recommend use below 30 "
        "mL/min).",
    ),
    "adult-clearance-needed": (
        "smpc.renal.measure",
        "eGFR {egfr:g} mL/min/1.73 m2 (below 60) without a creatinine clearance: for adults the "
        "licence's renal bands are creatinine clearance, and an eGFR is not converted into one. "
        "Give the creatinine clearance (or serum creatinine, weight and sex for an estimate).",
    ),
    "adult-egfr-60-or-more": (
        "smpc.renal.measure",
        "eGFR {egfr:g} mL/min/1.73 m2 (60 or more) without a creatinine clearance: an eGFR is not "
        "the licence's measure for adults, and at 60 or more it is read like no renal result "
        "(the licence lowers the dose at creatinine clearance 30 to 60 mL/min and does not "
        "recommend use below 30 mL/min).",
    ),
    "creatinine-clearance-estimated": (
        "method.cockcroft_gault",
        "Creatinine clearance not measured: estimated at {clearance:g} mL/min by Cockcroft-Gault "
        "from age {age:g} years, weight {weight:g} kg, serum creatinine {creatinine:g} mg/dL and "
        "{sex} sex{factor}. A measured clearance replaces the estimate.",
    ),
    "creatinine-clearance-not-estimated": (
        "method.cockcroft_gault",
        "Serum creatinine is given, but the Cockcroft-Gault estimate of creatinine clearance "
        "also needs {missing}: no clearance is estimated.",
    ),
    "current-dose-above-licence": (
        "",
        "The current dose of {current:g} mg is above the licence's limit for this patient, "
        "{limit:g} mg once daily (rule below): the dose goes down to {limit:g} mg whatever the "
        "response.",
    ),
    "current-dose-above-licence-stop": (
        "",
        "The current dose of {current:g} mg is above the licence's limit for this patient, "
        "{limit:g} mg once daily.",
    ),
    "instead-of-stopping": (
        "",
        "Listed instead of stopping: no benefit on {current:g} mg is at least inadequate "
        "control, for which the chapter's step is {dose:g} mg once daily ({modality}).",
    ),
    "current-dose-change": (
        "",
        "From the current {current:g} mg to {dose:g} mg once daily is {change}.",
    ),
    "below-lowest-dose-adult": (
        "dose.adult.taper",
        "Sustained control on {current:g} mg, below the lowest adult dose the chapter names, "
        "{reduced:g} mg once daily: it names no lower dose. Review the regimen.",
    ),
    "below-lowest-dose-child": (
        "dose.child.taper",
        "Sustained control on {current:g} mg, below the half dose the chapter names for this "
        "weight, {reduced:g} mg once daily: it names no lower dose. Review the regimen.",
    ),
    "above-named-dose-adult": (
        "dose.adult.standard",
        "The current dose of {current:g} mg is above the highest adult dose the chapter names, "
        "{higher:g} mg once daily: its step is a reduction to {higher:g} mg, not a taper below "
        "it in the same step.",
    ),
    "above-named-dose-child": (
        "dose.child.dosage",
        "The current dose of {current:g} mg is above this weight band's dose, {higher:g} mg once "
        "daily: the step is a reduction to the band's dose, not to the half dose in one step.",
    ),
    "ask-pregnancy": (
        "smpc.contraindications",
        "Whether this patient is pregnant or can become pregnant is not given: ask, as pregnancy "
        "contraindicates baricitinib; where pregnancy is possible, agree effective contraception "
        "during treatment and for at least 1 week after.",
    ),
    "creatinine-clearance-under-30": (
        "smpc.renal.adult_severe",
        "Creatinine clearance {clearance:g} mL/min (below 30): not recommended.",
    ),
    "creatinine-clearance-30-to-60": (
        "smpc.renal.adult_moderate",
        "Creatinine clearance {clearance:g} mL/min (30 to 60): 2 mg once daily.",
    ),
    "check-renal-function-child": (
        "leaflet.renal.child",
        "Renal function is not given: check it before starting (children with reduced function "
        "take half the dose).",
    ),
    "check-renal-function-child-on-treatment": (
        "leaflet.renal.child",
        "Renal function is not given: check it, as the monitoring plan does (children with "
        "reduced function take half the dose).",
    ),
    "child-egfr-needed": (
        "mfi.renal.child_bands",
        "Creatinine clearance {clearance:g} mL/min (below 60) without an eGFR: for children the "
        "licence's reduced-dose bands are eGFR per 1.73 m2, and an absolute creatinine "
        "clearance cannot be placed in them. Give the eGFR.",
    ),
    "child-clearance-60-or-more": (
        "mfi.renal.child_bands",
        "Creatinine clearance {clearance:g} mL/min (60 or more) without an eGFR: for children the "
        "bands are eGFR per 1.73 m2, and a clearance of 60 or more is read like no renal result "
        "(children with reduced function take half the dose).",
    ),
    "child-egfr-under-40": (
        "mfi.renal.child_bands",
        "eGFR {egfr:g} mL/min/1.73 m2 (below 40): no data in children; not recommended.",
    ),
    "child-egfr-40-to-60": (
        "mfi.renal.child_bands",
        "eGFR {egfr:g} mL/min/1.73 m2 (40 to under 60): reduced kidney function, the band that "
        "took the reduced dose in the paediatric trials.",
    ),
    "child-reduced-renal-function": (
        "leaflet.renal.child",
        "Children with reduced kidney function take half the recommended dose.",
    ),
    "strong-oat3-inhibitor": (
        "smpc.oat3.adult",
        "Strong OAT3 inhibitor such as probenecid: 2 mg once daily.",
    ),
    "strong-oat3-inhibitor-child": (
        "leaflet.oat3.child",
        "Strong OAT3 inhibitor such as probenecid: half the dose.",
    ),
    "low-blood-count": ("smpc.labs.start", "{low}: do not start treatment."),
    "interrupt-low-blood-count": (
        "smpc.labs.interrupt",
        "{low}: interrupt treatment until the values are above the threshold again.",
    ),
    "check-blood-counts": (
        "smpc.labs.start",
        "Not given: {unknown}. Check them before starting (do not start below the licence's "
        "thresholds).",
    ),
    "ema-no-suitable-alternative": (
        "ema.jak.no_alternative",
        "{groups}: use only if no suitable alternative exists.",
    ),
    "ema-lower-dose": (
        "ema.jak.lower_dose",
        "{groups}: use lower doses where possible.",
    ),
    "ema-vte-caution": (
        "ema.jak.vte_caution",
        "Risk factors for venous thromboembolism: use with caution.",
    ),
    "vaccinations": (
        "smpc.live_vaccines",
        "Bring vaccinations up to date before starting; no live attenuated vaccines during or "
        "immediately before treatment.",
    ),
    # Screening notes
    "no-routine-cpk": (
        "monitor.cpk",
        "Creatine phosphokinase need not be measured in patients without symptoms; a transient "
        "rise may follow heavy exercise.",
    ),
    "same-as-other-jak-inhibitors": (
        "screen.jak_class",
        "The guideline group uses the same baseline screening for all JAK inhibitors.",
    ),
}

# code: (statement ID, condition under which an option applies)
CONDITIONS: Final[dict[str, tuple[str, str]]] = {
    "adult-taper": (
        "dose.adult.taper",
        "after sustained control on 4 mg once daily, when eligible for tapering",
    ),
    "child-taper": (
        "dose.child.taper",
        "after sustained control on the standard dose, when eligible for tapering",
    ),
    "adult-escalate": (
        "dose.risk.escalate",
        "when 2 mg once daily does not control the disease adequately",
    ),
    "continue-instead-of-taper-adult": (
        "dose.adult.taper",
        "continue 4 mg when tapering is not suitable",
    ),
    "continue-instead-of-taper-child": (
        "dose.child.taper",
        "continue the standard dose when tapering is not suitable",
    ),
    "continue-group-dose": (
        "dose.risk.reduced",
        "2 mg once daily, the recommended dose for this patient's group",
    ),
    "adult-standard-after-no-benefit": (
        "dose.adult.standard",
        "instead of stopping: 4 mg once daily, the recommended adult dose, when 2 mg brought no "
        "benefit",
    ),
    "child-standard-after-no-benefit": (
        "dose.child.dosage",
        "instead of stopping: the weight band's standard dose, when the half dose brought no "
        "benefit",
    ),
}

# Words for values that reasons name.
RISK_WORDS: Final[dict[str, str]] = {
    "SMOKING": "current or long-time past smoker",
    "MACE": "increased risk of major cardiovascular problems",
    "MALIGNANCY": "increased risk of cancer",
    "VTE": "increased risk of venous thromboembolism",
    "AGED_65": "aged 65 or over",
}
# How the answer names a modality in the licence's reasons ("should be considered").
MODALITY_WORDS: Final[dict[str, str]] = {
    "RECOMMENDED": "recommended",
    "SHOULD_BE_CONSIDERED": "should be considered",
    "MAY_BE_CONSIDERED": "may be considered",
}
LOW_COUNT_WORDS: Final[dict[str, str]] = {
    "lymphocytes": "lymphocytes below 0.5 x 10^9/L",
    "neutrophils": "neutrophils below 1 x 10^9/L",
    "haemoglobin": "haemoglobin below 8 g/dL",
}
COMORBIDITY_WORDS: Final[dict[str, str]] = {
    "ALOPECIA_AREATA": "alopecia areata",
    "RHEUMATOID_ARTHRITIS": "rheumatoid arthritis",
    "JUVENILE_IDIOPATHIC_ARTHRITIS": "juvenile idiopathic arthritis",
    "ANKYLOSING_SPONDYLITIS": "ankylosing spondylitis",
    "PSORIATIC_ARTHRITIS": "psoriatic arthritis",
    "INFLAMMATORY_BOWEL_DISEASE": "inflammatory bowel disease",
}

"""The starting dose for three patients, with reasons and sources."""

from __future__ import annotations

import baricitinib_guideline as bg

patients = {
    "child, 8 years, 55 lb": bg.Patient(age=bg.Q_(8, "year"), weight=bg.Q_(55, "lb")),
    "adult, 34 years": bg.Patient(age=bg.Q_(34, "year"), weight=bg.Q_(70, "kg")),
    "adult, 70 years, raised VTE risk, creatinine clearance 45 mL/min": bg.Patient(
        age=bg.Q_(70, "year"),
        risk_factors={bg.RiskFactor.VTE},
        creatinine_clearance=bg.Q_(45, "mL/min"),
    ),
}

for label, patient in patients.items():
    result = bg.recommend(patient)
    print(f"{label}: {result.status.name} {result.regimen or ''}")
    for reason in result.reasons:
        print(f"  - {reason.text} [{reason.source.cite()}]")
    for option in result.alternatives:
        print(f"  option: {option.regimen}, {option.modality.name.lower()}: {option.condition}")

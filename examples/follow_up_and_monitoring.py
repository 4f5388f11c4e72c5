"""A year on treatment: the visits, and the step after sustained control."""

from __future__ import annotations

import datetime as dt

import baricitinib_guideline as bg

start = dt.date(2026, 1, 31)
patient = bg.Patient.from_birth_date(dt.date(2014, 6, 2), on=start, weight=bg.Q_(42, "kg"))

print("Before the first tablet:")
for item in bg.screening_plan(patient).items:
    print(f"  - {item.text}")

print("Visits:")
for visit in bg.monitoring_schedule(start, until=dt.date(2026, 12, 31)):
    tests = ", ".join(sorted(test.name for test in visit.tests))
    print(f"  {visit.date.isoformat()}: {tests}")

step = bg.recommend(patient, current_dose=bg.Q_(4, "mg"), response=bg.Response.SUSTAINED_CONTROL)
modality = step.modality.name.lower() if step.modality else "-"
print(f"After sustained control on 4 mg: {step.regimen} ({modality})")
print(bg.explain(step))

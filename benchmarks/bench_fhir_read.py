"""Reading one large longitudinal FHIR record: time and peak memory.

Generates a Synthea-shaped collection Bundle of one patient with about 50 MB of
JSON text: years of encounters, vital signs and laboratory results (most with
codes the reader does not read, as in real exports), conditions with onset and
abatement, a few C-CDA-style quantities with a unit text and no code. Then
prints, from one run:

- the time of ``json.loads`` alone on the text (the floor) and of
  ``fhir.read_patient(text)``, and their ratio;
- ``fhir.read_patient`` on the already parsed dict;
- the peak memory (``tracemalloc``) of each, against the size of the text.

Nothing is asserted: timings belong here, not in tests.
Run: python benchmarks/bench_fhir_read.py [--quick]  (--quick: about 5 MB)
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

from baricitinib_guideline import fhir

ON = dt.date(2026, 11, 1)
LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
PATIENT = "urn:uuid:" + str(uuid.UUID(int=1))
# (LOINC, unit, low, high): what a year of primary care records, most of it unread.
PANEL = [
    ("29463-7", "kg", 60, 90),
    ("8302-2", "cm", 160, 190),
    ("39156-5", "kg/m2", 20, 32),
    ("8462-4", "mm[Hg]", 60, 90),
    ("8480-6", "mm[Hg]", 100, 150),
    ("8867-4", "/min", 55, 95),
    ("9279-1", "/min", 12, 20),
    ("718-7", "g/dL", 11, 16),
    ("751-8", "10*3/uL", 2, 7),
    ("731-0", "10*3/uL", 1, 3),
    ("2160-0", "mg/dL", 0.6, 1.3),
    ("33914-3", "mL/min/{1.73_m2}", 60, 110),
    ("2093-3", "mg/dL", 150, 250),
    ("2571-8", "mg/dL", 50, 200),
    ("6690-2", "10*3/uL", 4, 10),
    ("789-8", "10*6/uL", 4, 6),
]


def _observation(rng: random.Random, index: int, when: str) -> dict[str, Any]:
    loinc, unit, low, high = rng.choice(PANEL)
    quantity: dict[str, Any] = {"value": round(rng.uniform(low, high), 1), "unit": unit}
    if rng.random() > 0.02:  # a few written as C-CDA converters do: unit text, no code
        quantity.update(system=UCUM, code=unit)
    return {
        "fullUrl": f"urn:uuid:{uuid.UUID(int=10_000 + index)}",
        "resource": {
            "resourceType": "Observation",
            "id": str(uuid.UUID(int=10_000 + index)),
            "meta": {
                "profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs"]
            },
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "laboratory",
                            "display": "Laboratory",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [{"system": LOINC, "code": loinc, "display": loinc}],
                "text": loinc,
            },
            "subject": {"reference": PATIENT},
            "encounter": {"reference": f"urn:uuid:{uuid.UUID(int=index // 20)}"},
            "effectiveDateTime": when,
            "issued": when.replace("-05:00", ".000-05:00"),
            "valueQuantity": quantity,
        },
    }


def _condition(rng: random.Random, index: int, when: str) -> dict[str, Any]:
    code = rng.choice(["44054006", "38341003", "162864005", "72892002", "128053003"])
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"c{index}",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "resolved",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": code, "display": code}], "text": code},
        "subject": {"reference": PATIENT},
        "onsetDateTime": when,
        "abatementDateTime": when.replace(when[:4], str(int(when[:4]) + 1)),
    }
    return {"fullUrl": f"urn:uuid:{uuid.UUID(int=900_000 + index)}", "resource": resource}


def bundle(target_bytes: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": PATIENT,
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "male",
                "birthDate": "1950-03-04",
                "name": [{"family": "Doe", "given": ["John"]}],
            },
        }
    ]
    size, index = 0, 0
    start = dt.datetime(1990, 1, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    span = (dt.datetime(2026, 10, 31, tzinfo=dt.UTC) - start).total_seconds()
    while size < target_bytes:
        moment = start + dt.timedelta(seconds=rng.uniform(0, span))
        when = moment.replace(microsecond=0).isoformat()
        maker = _condition if rng.random() < 0.01 else _observation
        entry = maker(rng, index, when)
        size += len(json.dumps(entry)) + 2
        entries.append(entry)
        index += 1
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def measure(run: Callable[[], object]) -> tuple[float, int, object]:
    """The best of three untraced runs, then the peak memory of one traced run."""
    times = []
    for _ in range(3):
        gc.collect()
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
        del result
    gc.collect()
    tracemalloc.start()
    result = run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak, result


def main() -> None:
    quick = "--quick" in sys.argv
    text = bundle(5_000_000 if quick else 50_000_000)
    mb = len(text.encode()) / 1e6
    print(f"bundle: {mb:.1f} MB of JSON text, {text.count('resourceType') - 1} resources")
    floor, floor_peak, data = measure(lambda: json.loads(text))
    read_text, text_peak, reading = measure(lambda: fhir.read_patient(text, on=ON))
    read_dict, dict_peak, _ = measure(lambda: fhir.read_patient(data, on=ON))
    print(f"json.loads alone            {floor:7.2f} s   peak {floor_peak / 1e6:7.0f} MB")
    print(f"read_patient(text)          {read_text:7.2f} s   peak {text_peak / 1e6:7.0f} MB")
    print(f"read_patient(parsed dict)   {read_dict:7.2f} s   peak {dict_peak / 1e6:7.0f} MB")
    print(f"read_patient(text) / json.loads: {read_text / floor:.1f}x")
    print(f"peak memory / text size: {text_peak / len(text.encode()):.1f}x")
    assert isinstance(reading, fhir.PatientReading)
    print(f"used {len(reading.used)}, ignored {len(reading.ignored)}")


if __name__ == "__main__":
    main()

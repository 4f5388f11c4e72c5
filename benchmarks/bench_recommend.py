"""Cost of recommend() and of building a Patient, as ratios measured side by side.

Prints, from one run on one machine:

- recommend() against a bare-float reference of the same chapter rules
  (the floor) -- target at most 10x;
- recommend() with its memo of answers cleared before each call (uncached),
  which is what the rules themselves cost, licence layer included;
- a naive implementation that compares pint quantities inside the rules
  against recommend() -- target at least 10x slower than recommend();
- recommend() on 500 distinct patients (no two share an age and weight)
  against the naive version on the same -- target at least 10x -- and
  against a memo hit -- target within 20x;
- building a Patient from quantities against building the quantities alone
  -- target at most 3x;
- ``import baricitinib_guideline`` against ``import pint`` plus one
  ``UnitRegistry()``, each in a fresh interpreter, interleaved -- target at
  most 1.2x in every pair; and, for honesty, the import plus the first answer
  (which builds the library's registry) against the same.

Targets are printed beside the ratios, never asserted: timings belong here,
not in tests. Run: python benchmarks/bench_recommend.py [--quick]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable
from typing import Any

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, ureg

YEAR, KG, MG = ureg.Unit("year"), ureg.Unit("kilogram"), ureg.Unit("milligram")
RISKS = frozenset({bg.RiskFactor.VTE})

CASES: list[dict[str, Any]] = [
    {"age": Q_(8, YEAR), "weight": Q_(25, KG)},
    {"age": Q_(12, YEAR), "weight": Q_(66.2, "lb")},
    {"age": Q_(40, YEAR), "weight": Q_(70, KG)},
    {"age": Q_(70, YEAR), "weight": Q_(80, KG), "risk_factors": RISKS},
    {"age": Q_(30, "month"), "weight": Q_(12000, "g")},
]
PATIENTS = [bg.Patient(**case) for case in CASES]
# Distinct patients: no two share an age and weight, as in a clinic's day.
DISTINCT_CASES: list[dict[str, Any]] = [
    {"age": Q_(2.5 + i * 0.137, YEAR), "weight": Q_(11.3 + i * 0.211, KG)} for i in range(500)
]
DISTINCT = [bg.Patient(**case) for case in DISTINCT_CASES]
FLOATS = [
    (p.age_months, p.weight_kg, bool(p.risk_factors), p.systemic_candidate) for p in PATIENTS
]


def floor(age_months: float, weight_kg: float | None, risk: bool, candidate: bool) -> float | None:
    """The chapter's starting dose over plain floats: the cheapest possible form."""
    if not candidate or age_months < 24:
        return None
    if age_months < 216:
        if weight_kg is None or weight_kg < 10:
            return None
        return 4.0 if weight_kg >= 30 else 2.0
    return 2.0 if risk or age_months >= 780 else 4.0


def naive(patient: dict[str, Any]) -> Any:
    """The same rules comparing pint quantities, building each threshold in the rule."""
    age, weight = patient["age"], patient.get("weight")
    if age < ureg.Quantity(2, "year"):
        return None
    if age < ureg.Quantity(18, "year"):
        if weight is None or weight < ureg.Quantity(10, "kg"):
            return None
        if weight >= ureg.Quantity(30, "kg"):
            return ureg.Quantity(4, "mg")
        return ureg.Quantity(2, "mg")
    if patient.get("risk_factors") or age >= ureg.Quantity(65, "year"):
        return ureg.Quantity(2, "mg")
    return ureg.Quantity(4, "mg")


def per_call(func: Callable[[], object], number: int, repeat: int) -> float:
    """Seconds per call of func, the best of `repeat` runs of `number` calls."""
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def main() -> None:
    quick = "--quick" in sys.argv
    number, repeat = (200, 3) if quick else (2000, 7)

    def run_floor() -> None:
        for args in FLOATS:
            floor(*args)

    def run_recommend() -> None:
        for patient in PATIENTS:
            bg.recommend(patient)

    answers = bg.api._ANSWERS

    def run_recommend_cold() -> None:
        for patient in PATIENTS:
            answers.clear()
            bg.api._BANDED.clear()
            bg.recommend(patient)

    def run_naive() -> None:
        for case in CASES:
            naive(case)

    def run_distinct() -> None:
        answers.clear()  # none of them seen before; their bands have been
        for patient in DISTINCT:
            object.__setattr__(patient, "_key", None)  # as new: its rule key not yet computed
            bg.recommend(patient)

    def run_naive_distinct() -> None:
        for case in DISTINCT_CASES:
            naive(case)

    def build_quantities() -> None:
        ureg.Quantity(8, YEAR)
        ureg.Quantity(25, KG)

    def build_patient() -> None:
        bg.Patient(age=ureg.Quantity(8, YEAR), weight=ureg.Quantity(25, KG))

    def build_quantities_from_strings() -> None:
        ureg.Quantity(8, "year")
        ureg.Quantity(25, "kg")

    def build_patient_from_strings() -> None:
        bg.Patient(age=ureg.Quantity(8, "year"), weight=ureg.Quantity(25, "kg"))

    timings: dict[str, float] = {}
    # Interleave the contenders so that drift in machine load hits all alike.
    for _ in range(3):
        for name, func in (
            ("floor", run_floor),
            ("recommend", run_recommend),
            ("recommend_cold", run_recommend_cold),
            ("naive", run_naive),
            ("distinct", run_distinct),
            ("naive_distinct", run_naive_distinct),
            ("quantities", build_quantities),
            ("patient", build_patient),
            ("quantities_str", build_quantities_from_strings),
            ("patient_str", build_patient_from_strings),
        ):
            calls = number if name not in ("distinct", "naive_distinct") else max(1, number // 100)
            seconds = per_call(func, calls, repeat)
            timings[name] = min(timings.get(name, seconds), seconds)

    n = len(PATIENTS)
    print(
        f"per patient: floor {timings['floor'] / n * 1e6:.2f} us, "
        f"recommend {timings['recommend'] / n * 1e6:.2f} us "
        f"(uncached {timings['recommend_cold'] / n * 1e6:.2f} us), "
        f"naive pint {timings['naive'] / n * 1e6:.2f} us"
    )
    print(
        f"recommend / floor            = {timings['recommend'] / timings['floor']:6.1f}x  (target <= 10x)"
    )
    print(
        f"naive pint / recommend       = {timings['naive'] / timings['recommend']:6.1f}x  (target >= 10x)"
    )
    hit = timings["recommend"] / n
    distinct = timings["distinct"] / len(DISTINCT)
    print(
        f"distinct patients: recommend {distinct * 1e6:.2f} us, "
        f"naive pint {timings['naive_distinct'] / len(DISTINCT) * 1e6:.2f} us"
    )
    print(
        f"naive pint / recommend, distinct patients = "
        f"{timings['naive_distinct'] / timings['distinct']:6.1f}x  (target >= 10x)"
    )
    print(f"distinct / memo hit          = {distinct / hit:6.1f}x  (target <= 20x)")
    print(
        f"uncached recommend / floor   = {timings['recommend_cold'] / timings['floor']:6.1f}x  (no target; answers are memoised by rule key)"
    )
    print(f"naive pint / uncached        = {timings['naive'] / timings['recommend_cold']:6.1f}x")
    print(
        f"Patient / quantities (Unit)  = {timings['patient'] / timings['quantities']:6.1f}x  (target <= 3x)"
    )
    print(
        f"Patient / quantities (str)   = {timings['patient_str'] / timings['quantities_str']:6.1f}x  (target <= 3x)"
    )


_IMPORTS = {
    "pint": "import pint; pint.UnitRegistry()",
    "library": "import baricitinib_guideline",
    "first_answer": (
        "import baricitinib_guideline as bg; "
        "bg.recommend(bg.Patient(age=bg.Q_(8, 'year'), weight=bg.Q_(25, 'kg')))"
    ),
}


def fresh_interpreter_seconds(code: str) -> float:
    """Wall time of ``code`` in a new interpreter, measured inside it."""
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    done = subprocess.run(
        [sys.executable, "-c", timed], capture_output=True, check=True, text=True
    )
    return float(done.stdout)


def imports(pairs: int) -> None:
    runs: dict[str, list[float]] = {name: [] for name in _IMPORTS}
    for _ in range(pairs):  # interleaved, so load drift hits each alike
        for name, code in _IMPORTS.items():
            runs[name].append(fresh_interpreter_seconds(code))
    ratios = [lib / ref for lib, ref in zip(runs["library"], runs["pint"], strict=True)]
    first = [lib / ref for lib, ref in zip(runs["first_answer"], runs["pint"], strict=True)]
    print(
        f"import / (import pint + UnitRegistry) = median {statistics.median(ratios):.2f}x, "
        f"worst {max(ratios):.2f}x of {pairs} pairs  (target <= 1.2x in every pair)"
    )
    print(
        f"import + first answer / same         = median {statistics.median(first):.2f}x, "
        f"worst {max(first):.2f}x  (no target; the registry is built on first use)"
    )


if __name__ == "__main__":
    main()
    imports(3 if "--quick" in sys.argv else 9)

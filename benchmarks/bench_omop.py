"""The OMOP CDM audit in the database against exporting to pandas, side by side in one run.

Prints, from one run on one machine (nothing is asserted):

- ``omop.audit`` on a generated OMOP CDM v5.4 in DuckDB (10^6 persons, each on
  baricitinib, with weights, clearances, blood counts, conditions, smoking and
  probenecid), against the way it is done without it: export the tables to
  pandas, reshape them into the cohort's columns and run ``cohort.audit``. The
  export path does less (no blood counts, no freshness, no conflicts, no unit
  conversion, no daily dose), so its time is a floor for doing it by hand;
- the time and the peak memory (resident set size) of each, each in a fresh
  process, as ratios.

Run: python benchmarks/bench_omop.py [--quick]  (quick: 10^4 persons)
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ON = dt.date(2025, 6, 1)


def generate(path: str, n: int) -> None:
    """A CDM of ``n`` persons on baricitinib, made by SQL inside DuckDB."""
    import duckdb

    sys.path.insert(0, str(ROOT))
    from baricitinib_guideline.model.patient import MIN_PREGNANCY_AGE_YEARS
    from tests.omop_cdm import Cdm, concept_id, create

    with duckdb.connect(path) as con:
        create(con.execute)
        vocabulary = Cdm()  # the tiny vocabulary: concepts, ancestry, strengths
        for table in ("concept", "concept_ancestor", "drug_strength"):
            rows = vocabulary.rows[table]
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        ids = {
            name: concept_id(name)
            for name in (
                "female",
                "male",
                "bari_2mg",
                "bari_4mg",
                "weight",
                "clearance",
                "neutrophils",
                "creatinine",
                "mg_dl",
                "kg",
                "ml_min",
                "giga_l",
                "dvt_leg",
                "melanoma",
                "pregnancy",
                "smoking_status",
                "daily_smoker",
                "probenecid_500",
            )
        }

        def r(salt: int) -> str:  # a number 0..999 per person, fixed by the salt
            return f"(hash(i * 7919 + {salt}) % 1000)"

        con.execute(
            f"""INSERT INTO person (person_id, gender_concept_id, year_of_birth, month_of_birth,
                day_of_birth, race_concept_id, ethnicity_concept_id)
            SELECT i, CASE WHEN {r(1)} < 500 THEN {ids["female"]} ELSE {ids["male"]} END,
                1935 + {r(2)} % 88, 1 + {r(3)} % 12, 1 + {r(4)} % 28, 0, 0
            FROM range(1, {n + 1}) t(i)"""
        )
        con.execute(
            f"""INSERT INTO drug_exposure (drug_exposure_id, person_id, drug_concept_id,
                drug_exposure_start_date, drug_exposure_end_date, drug_type_concept_id,
                quantity, days_supply)
            SELECT i, i, CASE WHEN {r(5)} < 400 THEN {ids["bari_2mg"]} ELSE {ids["bari_4mg"]} END,
                DATE '2025-05-01', DATE '2025-07-30', 0,
                CASE WHEN {r(6)} < 800 THEN 90 ELSE 180 END, 90
            FROM range(1, {n + 1}) t(i)"""
        )
        measures = [
            ("weight", "kg", "12 + {v} % 100", 1000, 0),
            ("weight", "kg", "10 + {v} % 110", 1000, 200),  # an older one
            ("clearance", "ml_min", "15 + {v} % 110", 500, 0),
            ("neutrophils", "giga_l", "0.5 + ({v} % 60) / 10.0", 300, 0),
            ("creatinine", "mg_dl", "0.5 + ({v} % 300) / 100.0", 600, 0),
        ]
        for salt, (concept, unit, value, share, older) in enumerate(measures, start=10):
            con.execute(
                f"""INSERT INTO measurement (measurement_id, person_id, measurement_concept_id,
                    measurement_date, measurement_type_concept_id, value_as_number,
                    unit_concept_id)
                SELECT {salt} * {n} + i, i, {ids[concept]},
                    DATE '2025-05-20' - INTERVAL ({older} + {r(salt)} % 60) DAY, 0,
                    {value.format(v=r(salt + 50))}, {ids[unit]}
                FROM range(1, {n + 1}) t(i) WHERE {r(salt + 100)} < {share}"""
            )
        # A pregnancy only for a woman old enough for the library to read one (a younger
        # person or a man with a pregnancy is a contradiction it refuses, not a patient).
        youngest = ON.year - MIN_PREGNANCY_AGE_YEARS - 1  # born in that year or before
        can_be_pregnant = f"gender_concept_id = {ids['female']} AND year_of_birth <= {youngest}"
        conditions = [
            ("dvt_leg", 50, "TRUE"),
            ("melanoma", 30, "TRUE"),
            ("pregnancy", 20, can_be_pregnant),
        ]
        for salt, (concept, share, who) in enumerate(conditions, start=30):
            con.execute(
                f"""INSERT INTO condition_occurrence (condition_occurrence_id, person_id,
                    condition_concept_id, condition_start_date, condition_type_concept_id)
                SELECT {salt} * {n} + i, i, {ids[concept]}, DATE '2025-01-15', 0
                FROM range(1, {n + 1}) t(i) WHERE {r(salt)} < {share}
                    AND i IN (SELECT person_id FROM person WHERE {who})"""
            )
        con.execute(
            f"""INSERT INTO observation (observation_id, person_id, observation_concept_id,
                observation_date, observation_type_concept_id, value_as_concept_id)
            SELECT i, i, {ids["smoking_status"]}, DATE '2025-03-01', 0, {ids["daily_smoker"]}
            FROM range(1, {n + 1}) t(i) WHERE {r(40)} < 200"""
        )
        con.execute(
            f"""INSERT INTO drug_exposure (drug_exposure_id, person_id, drug_concept_id,
                drug_exposure_start_date, drug_exposure_end_date, drug_type_concept_id)
            SELECT {n} + i, i, {ids["probenecid_500"]}, DATE '2025-05-01', DATE '2025-07-01', 0
            FROM range(1, {n + 1}) t(i) WHERE {r(41)} < 20"""
        )


def in_database(path: str) -> int:
    from baricitinib_guideline import omop

    return len(omop.audit(path, on=ON))


def exported(path: str) -> int:
    """Export the tables to pandas, reshape them into the cohort's columns, audit."""
    import duckdb
    import pandas as pd

    from baricitinib_guideline import cohort

    with duckdb.connect(path, read_only=True) as con:
        table = {
            name: con.execute(f"SELECT * FROM {name}").df()
            for name in (
                "person",
                "drug_exposure",
                "measurement",
                "condition_occurrence",
                "observation",
                "concept",
                "concept_ancestor",
            )
        }
    concept, ancestor = table["concept"], table["concept_ancestor"]

    def ids(vocabulary: str, *codes: str) -> set[int]:
        found = concept[(concept.vocabulary_id == vocabulary) & concept.concept_code.isin(codes)]
        return set(found.concept_id)

    def below(top: set[int]) -> set[int]:
        return top | set(ancestor[ancestor.ancestor_concept_id.isin(top)].descendant_concept_id)

    on = pd.Timestamp(ON)
    drugs = table["drug_exposure"]
    active = (drugs.drug_exposure_start_date <= on) & (drugs.drug_exposure_end_date >= on)
    bari = drugs[active & drugs.drug_concept_id.isin(below(ids("ATC", "L04AF02", "L04AA37")))]
    rows = bari.merge(table["person"], on="person_id")
    months = (
        (ON.year - rows.year_of_birth) * 12
        + (ON.month - rows.month_of_birth)
        - (rows.day_of_birth > ON.day)
    )
    frame = pd.DataFrame({"person_id": rows.person_id, "age_years": months / 12})
    genders = concept[concept.vocabulary_id == "Gender"].set_index("concept_id").concept_code
    frame["sex"] = rows.gender_concept_id.map(genders).map({"F": "FEMALE", "M": "MALE"})
    m = table["measurement"]
    for code, column in (
        ("29463-7", "weight_kg"),
        ("2164-2", "creatinine_clearance_ml_min"),
        ("2160-0", "serum_creatinine_mg_dl"),
    ):
        picked = m[m.measurement_concept_id.isin(ids("LOINC", code)) & (m.measurement_date <= on)]
        latest = picked.sort_values("measurement_date").groupby("person_id").tail(1)
        values = latest.set_index("person_id").value_as_number.astype(float)
        frame[column] = frame.person_id.map(values)
    conditions = table["condition_occurrence"]
    for code, column in (("128053003", "risk_vte"), ("363346000", "risk_malignancy")):
        having = conditions[conditions.condition_concept_id.isin(below(ids("SNOMED", code)))]
        frame[column] = frame.person_id.isin(having.person_id)
    pregnant = conditions[conditions.condition_concept_id.isin(below(ids("SNOMED", "77386006")))]
    frame["pregnant"] = frame.person_id.isin(pregnant.person_id)
    o = table["observation"]
    smokers = o[o.value_as_concept_id.isin(ids("SNOMED", "449868002"))]
    frame["risk_smoking"] = frame.person_id.isin(smokers.person_id)
    probenecid = drugs[active & drugs.drug_concept_id.isin(below(ids("ATC", "M04AB01")))]
    frame["strong_oat3_inhibitor"] = frame.person_id.isin(probenecid.person_id)
    return len(cohort.audit(frame.drop(columns="person_id")))


def measure(kind: str, path: str) -> dict[str, Any]:
    """One contender in this process: its time and the peak resident memory it added."""
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows = in_database(path) if kind == "omop" else exported(path)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": rows,
        "seconds": seconds,
        "peak_mib": peak / 1024,
        "start_mib": start_rss / 1024,
    }


def child(kind: str, path: str) -> dict[str, Any]:
    """Run one contender in a fresh process (after importing what it needs)."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import duckdb, ibis, pandas, baricitinib_guideline.omop, baricitinib_guideline.cohort;"
        "from benchmarks.bench_omop import measure;"
        "print(json.dumps(measure(sys.argv[2], sys.argv[3])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), kind, path],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    quick = "--quick" in sys.argv
    n = 10_000 if quick else 1_000_000
    print("OMOP CDM audit" + (" (quick)" if quick else "") + f": {n} persons in DuckDB")
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "cdm.duckdb")
        start = time.perf_counter()
        generate(path, n)
        size = Path(path).stat().st_size / 2**20
        print(f"  generated in {time.perf_counter() - start:.1f} s ({size:.0f} MiB on disk)")
        ours = child("omop", path)
        theirs = child("export", path)
    for name, result in (
        ("in the database (omop.audit)", ours),
        ("export + cohort.audit", theirs),
    ):
        added = result["peak_mib"] - result["start_mib"]
        print(
            f"  {name}: {result['rows']} rows, {result['seconds']:.2f} s, "
            f"peak {result['peak_mib']:.0f} MiB ({added:.0f} MiB over the imports)"
        )
    print(
        f"  time export / in database: {theirs['seconds'] / ours['seconds']:.2f}x; "
        f"peak memory export / in database: {theirs['peak_mib'] / ours['peak_mib']:.2f}x"
    )


if __name__ == "__main__":
    main()

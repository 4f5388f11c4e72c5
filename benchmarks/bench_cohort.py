"""The cohort audit against its alternatives, measured side by side in one run.

Prints, from one run on one machine (nothing is asserted):

- ``cohort.audit`` against looping ``Patient()`` + ``recommend()`` over the rows,
  at 10^4, 10^5 and 10^6 rows -- target at least 100x at 10^6 -- on a uniform
  cohort (a few hundred combinations of bands) and on a varied one (every
  input column, about one distinct combination of inputs in one to six rows:
  risk and licence flags, missing weights and renal values, doses,
  responses, sex and serum creatinine). The loop is
  timed on 10^4 rows, in the two ways a user writes it (unit strings, or
  units parsed once), and scaled linearly: looping 10^6 rows takes minutes.
  The loop is timed again beside each size, and the audit is the best of 3
  runs;
- the audit's cost per row at each size (linear when it stays flat) and its
  peak memory against the input frame's -- target at most 3x;
- the audit on a 2-worker Dask LocalCluster (loopback) against one process,
  reading the same partitioned Parquet, at 10^7 rows;
- ``to_json``/``from_json`` of a patient against pydantic v2 on the same JSON
  shape, given the library's checks (bounds, units, members, consistency) --
  target at most 3x; beside it a plain pydantic model that checks types only.

Run: python benchmarks/bench_cohort.py [--quick]  (quick: small sizes, no Dask)
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
import timeit
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd

import baricitinib_guideline as bg
from baricitinib_guideline import cohort


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ages = rng.uniform(0, 100, n)
    return pd.DataFrame(
        {
            "age_years": ages,
            "weight_kg": rng.uniform(5, 120, n),
            "risk_vte": rng.random(n) < 0.1,
            "risk_smoking": rng.random(n) < 0.2,
            # A pregnancy under 10 years is refused as a contradiction: none is generated.
            "pregnant": (rng.random(n) < 0.02) & (ages >= 10),
            "creatinine_clearance_ml_min": np.where(
                rng.random(n) < 0.5, rng.uniform(10, 120, n), np.nan
            ),
            "current_dose_mg": rng.choice(np.array([2.0, 4.0, np.nan]), n),
            "response": pd.Series(
                rng.choice(
                    np.array(["SUSTAINED_CONTROL", "INADEQUATE_CONTROL", None], dtype=object), n
                )
            ),
        }
    )


def varied(n: int, seed: int = 1) -> pd.DataFrame:
    """Every input column, values rounded as records hold them, flags at plausible rates."""
    rng = np.random.default_rng(seed)

    def flag(p: float) -> np.ndarray[Any, Any]:
        return rng.random(n) < p

    def maybe(values: np.ndarray[Any, Any], missing: float) -> np.ndarray[Any, Any]:
        return np.where(rng.random(n) < missing, np.nan, values)

    def choice(values: list[Any], p: list[float]) -> pd.Series:
        return pd.Series(rng.choice(np.array(values, dtype=object), n, p=p))

    age = rng.integers(2, 90, n).astype(float)
    return pd.DataFrame(
        {
            "age_years": age,
            "weight_kg": maybe(np.round(rng.uniform(10, 120, n) / 5) * 5, 0.1),
            "risk_vte": flag(0.05),
            "risk_mace": flag(0.05),
            "risk_malignancy": flag(0.03),
            "risk_infection": flag(0.05),
            "risk_smoking": flag(0.15),
            "systemic_candidate": ~flag(0.03),
            "creatinine_clearance_ml_min": maybe(np.round(rng.uniform(20, 130, n) / 10) * 10, 0.7),
            "egfr_ml_min": maybe(np.round(rng.uniform(30, 120, n) / 10) * 10, 0.85),
            "severe_hepatic_impairment": flag(0.01),
            "pregnant": flag(0.01) & (age >= 12) & (age < 50),
            "breastfeeding": flag(0.01),
            "strong_oat3_inhibitor": flag(0.02),
            "current_dose_mg": rng.choice(
                np.array([1.0, 2.0, 4.0, np.nan]), n, p=[0.03, 0.3, 0.3, 0.37]
            ),
            "response": choice(
                ["SUSTAINED_CONTROL", "INADEQUATE_CONTROL", "NO_BENEFIT_AFTER_8_WEEKS", None],
                [0.3, 0.2, 0.1, 0.4],
            ),
            "sex": choice(["FEMALE", "MALE", None], [0.48, 0.48, 0.04]),
            "serum_creatinine_mg_dl": maybe(np.round(rng.uniform(0.6, 1.6, n), 1), 0.6),
        }
    )


def loop_varied(df: pd.DataFrame) -> None:
    """The plain loop over every input column, units parsed once."""
    year, kg, ml_min, mg, mg_dl = (
        bg.ureg.Unit(u) for u in ("year", "kilogram", "mL/min", "mg", "mg/dL")
    )
    risks = {"risk_vte": "VTE", "risk_mace": "MACE", "risk_malignancy": "MALIGNANCY"}
    risks |= {"risk_infection": "CHRONIC_OR_RECURRENT_INFECTION", "risk_smoking": "SMOKING"}

    def q(value: float, unit: Any) -> Any:
        return None if math.isnan(value) else bg.Q_(value, unit)

    for row in df.to_dict("records"):
        try:
            patient = bg.Patient(
                age=bg.Q_(row["age_years"], year),
                weight=q(row["weight_kg"], kg),
                risk_factors={name for column, name in risks.items() if row[column]},
                systemic_candidate=bool(row["systemic_candidate"]),
                creatinine_clearance=q(row["creatinine_clearance_ml_min"], ml_min),
                egfr=q(row["egfr_ml_min"], ml_min),
                severe_hepatic_impairment=bool(row["severe_hepatic_impairment"]),
                pregnant=bool(row["pregnant"]),
                breastfeeding=bool(row["breastfeeding"]),
                strong_oat3_inhibitor=bool(row["strong_oat3_inhibitor"]),
                sex=row["sex"],
                serum_creatinine=q(row["serum_creatinine_mg_dl"], mg_dl),
            )
            bg.recommend(
                patient,
                current_dose=q(row["current_dose_mg"], mg),
                response=row["response"],
            )
        except bg.InvalidInputError:
            pass


def loop(df: pd.DataFrame, prebuilt: bool) -> None:
    year, kg, ml_min, mg = (
        (bg.ureg.Unit(u) for u in ("year", "kilogram", "mL/min", "mg"))
        if prebuilt
        else ("year", "kg", "mL/min", "mg")
    )
    row: Any
    for row in df.itertuples():
        clearance = float(row.creatinine_clearance_ml_min)
        patient = bg.Patient(
            age=bg.Q_(row.age_years, year),
            weight=bg.Q_(row.weight_kg, kg),
            risk_factors={"VTE"} if row.risk_vte else (),
            pregnant=bool(row.pregnant),
            creatinine_clearance=None if math.isnan(clearance) else bg.Q_(clearance, ml_min),
        )
        dose = float(row.current_dose_mg)
        response = row.response
        bg.recommend(
            patient,
            current_dose=None if math.isnan(dose) else bg.Q_(dose, mg),
            response=bg.Response[response] if isinstance(response, str) else None,
        )


def best(func: Any, repeat: int = 3) -> float:
    return min(timeit.repeat(func, number=1, repeat=repeat))


def audit_time_and_memory(df: pd.DataFrame) -> tuple[float, float]:
    """The audit's best time of 3 (after a warm-up on a slice), and its peak traced memory
    as a multiple of the input frame's size."""
    cohort.audit(df.iloc[:1000])
    seconds = best(lambda: cohort.audit(df))
    tracemalloc.start()
    cohort.audit(df)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / df.memory_usage(deep=True).sum()


def audit_vs_loop(sizes: list[int]) -> None:
    """The loop (both ways) is timed again beside each size's audit."""
    sample = synthetic(10_000, 99)
    print("loop over rows timed on 10^4 rows beside each size")
    for n in sizes:
        df = synthetic(n)
        bg.api._ANSWERS.clear()
        bg.api._BANDED.clear()
        per_row = {p: best(lambda p=p: loop(sample, p), 1) / len(sample) for p in (False, True)}
        seconds, memory = audit_time_and_memory(df)
        print(
            f"  {n:>9,} rows: audit {seconds:7.3f} s ({seconds / n * 1e6:.2f} us/row, best of 3); "
            f"loop {per_row[False] * 1e6:.0f} us/row with unit strings, "
            f"{per_row[True] * 1e6:.0f} with units parsed once; "
            f"loop (scaled) / audit = {per_row[False] * n / seconds:6.0f}x with unit strings, "
            f"{per_row[True] * n / seconds:5.0f}x with parsed units (target >= 100x at 10^6); "
            f"peak memory {memory:.1f}x the input (target <= 3x)"
        )


def varied_audit_vs_loop(sizes: list[int]) -> None:
    """The loop is timed again beside each size's audit (the machine is shared: a ratio of
    two times taken far apart would measure the load as much as the code)."""
    sample = varied(10_000, 99)
    print("varied cohort; loop over rows (units parsed once) timed on 10^4 rows beside each size")
    for n in sizes:
        df = varied(n)
        distinct = len(df.astype(str).drop_duplicates())
        bg.api._ANSWERS.clear()
        bg.api._BANDED.clear()
        per_row = best(lambda: loop_varied(sample), 1) / len(sample)
        seconds, memory = audit_time_and_memory(df)
        print(
            f"  {n:>9,} rows ({n / distinct:.1f} rows per distinct combination of inputs): "
            f"audit {seconds:7.3f} s ({seconds / n * 1e6:.2f} us/row, best of 3); "
            f"loop {per_row * 1e6:.0f} us/row; "
            f"loop (scaled) / audit = {per_row * n / seconds:5.0f}x (target >= 100x at 10^6); "
            f"peak memory {memory:.1f}x the input (target <= 3x)"
        )


def dask_vs_single(n: int) -> None:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as folder:
        source = f"{folder}/cohort"
        dd.from_pandas(synthetic(n), npartitions=max(2, n // 500_000)).to_parquet(source)
        single = best(lambda: cohort.audit(pd.read_parquet(source)), 1)
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            started = time.perf_counter()
            client.compute(cohort.audit_dask(dd.read_parquet(source)).shape[0]).result()
            distributed_seconds = time.perf_counter() - started
    print(
        f"  {n:,} rows from Parquet: one process {single:.1f} s, Dask 2 workers {distributed_seconds:.1f} s "
        f"(single / Dask = {single / distributed_seconds:.2f}x)"
    )


# Factors from each unit code the strict pydantic twin reads to the library's canonical
# unit of the field (pint's definitions: a year of 365.25 days, a month a twelfth of it).
_MONTHS = {"a": 12, "year": 12, "mo": 1, "month": 1, "wk": 12 * 7 / 365.25, "d": 12 / 365.25}
_KG = {"kg": 1, "kilogram": 1, "g": 1e-3, "gram": 1e-3, "[lb_av]": 0.45359237}
_ML_MIN = {"mL/min": 1, "L/h": 1000 / 60}
_PER_L = {"/L": 1, "10*9/L": 1e9, "/uL": 1e6, "10*3/uL": 1e9, "/mm3": 1e6, "G/L": 1e9}
_G_DL = {"g/dL": 1, "g/L": 0.1}
_MG_DL = {"mg/dL": 1, "umol/L": 113.12 / 10_000}


def pydantic_twins() -> tuple[Any, Any]:
    """Two pydantic v2 models of the Patient's JSON shape: a plain one (types only) and a
    strict twin that checks what the library checks: exact JSON types, finite numbers,
    known units of the field's kind, the same bounds in the same canonical units, member
    names, no member twice, and the pregnancy contradiction."""
    from typing import Annotated, Literal

    from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

    class Quantity(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        value: float
        unit: str

    class PatientModel(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        schema_version: int
        knowledge_version: str
        age: Quantity
        weight: Quantity | None
        risk_factors: list[str]
        comorbidities: list[str]
        systemic_candidate: bool
        suspected_hepatitis_b: bool
        creatinine_clearance: Quantity | None
        severe_hepatic_impairment: bool
        pregnant: bool
        breastfeeding: bool
        strong_oat3_inhibitor: bool
        labs: None
        egfr: Quantity | None
        can_become_pregnant: bool | None
        hypersensitivity: bool
        suspected_drug_induced_liver_injury: bool
        sex: str | None
        serum_creatinine: Quantity | None

    strict = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    class StrictQuantity(BaseModel):
        model_config = strict
        value: int | float
        unit: str

    def bounded(factors: dict[str, float], upper: float, zero: bool) -> Any:
        def check(quantity: StrictQuantity) -> StrictQuantity:
            factor = factors.get(quantity.unit)
            if factor is None:
                raise ValueError(f"unit {quantity.unit!r} is not one of {', '.join(factors)}")
            number = quantity.value * factor
            if number < 0 or (number == 0 and not zero) or number > upper:
                raise ValueError(f"{number} is out of bounds")
            return quantity

        return AfterValidator(check)

    def distinct(names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError("a set must not name a member twice")
        return names

    Risk = Literal["VTE", "MACE", "MALIGNANCY", "CHRONIC_OR_RECURRENT_INFECTION", "SMOKING"]
    Comorbid = Literal[
        "ALOPECIA_AREATA",
        "RHEUMATOID_ARTHRITIS",
        "JUVENILE_IDIOPATHIC_ARTHRITIS",
        "ANKYLOSING_SPONDYLITIS",
        "PSORIATIC_ARTHRITIS",
        "INFLAMMATORY_BOWEL_DISEASE",
    ]
    Cells = Annotated[StrictQuantity, bounded(_PER_L, 1e12, True)]
    Clearance = Annotated[StrictQuantity, bounded(_ML_MIN, 1000, True)]

    class StrictLabs(BaseModel):
        model_config = strict
        lymphocytes: Cells | None = None
        neutrophils: Cells | None = None
        haemoglobin: Annotated[StrictQuantity, bounded(_G_DL, 30, False)] | None = None

    class StrictPatient(BaseModel):
        model_config = strict
        schema_version: Literal[1] = 1
        knowledge_version: str = ""
        age: Annotated[StrictQuantity, bounded(_MONTHS, 130 * 12, True)]
        weight: Annotated[StrictQuantity, bounded(_KG, 700, False)] | None = None
        risk_factors: Annotated[list[Risk], AfterValidator(distinct)] = []
        comorbidities: Annotated[list[Comorbid], AfterValidator(distinct)] = []
        systemic_candidate: bool = True
        suspected_hepatitis_b: bool = False
        creatinine_clearance: Clearance | None = None
        severe_hepatic_impairment: bool = False
        pregnant: bool = False
        breastfeeding: bool = False
        strong_oat3_inhibitor: bool = False
        labs: StrictLabs | None = None
        egfr: Clearance | None = None
        can_become_pregnant: bool | None = None
        hypersensitivity: bool = False
        suspected_drug_induced_liver_injury: bool = False
        sex: Literal["FEMALE", "MALE"] | None = None
        serum_creatinine: Annotated[StrictQuantity, bounded(_MG_DL, 40, False)] | None = None

        @model_validator(mode="after")
        def consistent(self) -> StrictPatient:
            if self.pregnant and (
                self.sex == "MALE"
                or self.can_become_pregnant is False
                or self.age.value * _MONTHS[self.age.unit] < 120
            ):
                raise ValueError("pregnant contradicts another field")
            return self

    return PatientModel, StrictPatient


def json_vs_pydantic(number: int, rounds: int) -> None:
    """The round trip of one patient's JSON, the library and the two pydantic models timed
    in turn, ``number`` round trips a batch, the best of ``rounds`` batches each."""
    plain, strict = pydantic_twins()
    patient = bg.Patient(
        age=bg.Q_(8, "year"),
        weight=bg.Q_(25, "kg"),
        risk_factors={"VTE"},
        creatinine_clearance=bg.Q_(80, "mL/min"),
    )
    text = bg.to_json(patient)
    for model in (plain, strict):
        assert model.model_validate_json(text).model_dump_json(), model
    bad = text.replace('"value": 25', '"value": 701')
    try:
        strict.model_validate_json(bad)
    except ValueError:
        pass
    else:
        raise AssertionError("the strict twin must refuse a weight the library refuses")
    contenders = {
        "library": lambda: bg.to_json(bg.from_json(text, bg.Patient)),
        "pydantic strict twin": lambda: strict.model_validate_json(text).model_dump_json(),
        "pydantic plain": lambda: plain.model_validate_json(text).model_dump_json(),
    }
    best_times = dict.fromkeys(contenders, math.inf)
    for _ in range(rounds):
        for name, run in contenders.items():
            seconds = timeit.timeit(run, number=number) / number
            best_times[name] = min(best_times[name], seconds)
    ours = best_times["library"]
    twin = best_times["pydantic strict twin"]
    loose = best_times["pydantic plain"]
    print(
        f"  JSON round trip of a patient (best of {rounds} alternating batches of {number}): "
        f"library {ours * 1e6:.1f} us, pydantic v2 strict twin {twin * 1e6:.1f} us, "
        f"plain {loose * 1e6:.1f} us (library / strict twin = {ours / twin:.1f}x, target <= 3x; "
        f"library / plain = {ours / loose:.1f}x)"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    print("Cohort audit" + (" (quick)" if quick else "") + ":")
    audit_vs_loop([1_000, 10_000] if quick else [10_000, 100_000, 1_000_000])
    varied_audit_vs_loop([1_000, 10_000] if quick else [10_000, 100_000, 1_000_000])
    if not quick:
        dask_vs_single(10_000_000)
    json_vs_pydantic(200 if quick else 1000, 10 if quick else 40)


if __name__ == "__main__":
    main()

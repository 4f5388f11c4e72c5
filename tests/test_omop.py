"""The OMOP CDM audit: every row against recommend() for the same person built by hand."""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import cohort, omop
from baricitinib_guideline.cli import main
from baricitinib_guideline.errors import InvalidInputError
from baricitinib_guideline.model.enums import Sex
from baricitinib_guideline.model.patient import Labs, Patient, completed_months

from .omop_cdm import COLUMNS, Cdm, create, demo, duckdb_database, sqlite_database

ON = dt.date(2025, 6, 1)
D = dt.date

# Values around every threshold the rules compare, in the units records carry them in.
WEIGHTS = [
    (9.999, "kg"),
    (10, "kg"),
    (29.99, "kg"),
    (30, "kg"),
    (30000, "g"),
    (66.1, "lb"),
    (75, "kg"),
    (0, "kg"),
    (701, "kg"),
]
CLEARANCES = [(29.9, "ml_min"), (30, "ml_min"), (60, "ml_min"), (60.1, "ml_min"), (95, "ml_min")]
EGFRS = [(39.9, "ml_min_173"), (40, "ml_min_173"), (59.9, "ml_min_173"), (60, "ml_min_173")]
NEUTROPHILS = [(0.99, "giga_l"), (1.0, "giga_l"), (990, "per_ul"), (2500, "per_ul")]
LYMPHOCYTES = [(0.49, "giga_l"), (0.5, "giga_l"), (1.5, "giga_l")]
HAEMOGLOBIN = [(7.9, "g_dl"), (8, "g_dl"), (80, "g_l"), (13, "g_dl")]
# For a 40-year-old man of 70 kg, Cockcroft-Gault gives 97.22 / creatinine (mg/dL): about
# 60 mL/min at 1.62 and 30 at 3.241, rounded by the rules to one decimal; values on both sides
# of each rounding, and in umol/L. (The CDM's NUMERIC keeps three decimals in DuckDB.)
CREATININE = [
    (0.9, "mg_dl"),
    (1.619, "mg_dl"),
    (1.62, "mg_dl"),
    (1.621, "mg_dl"),
    (3.241, "mg_dl"),
    (3.245, "mg_dl"),
    (3.25, "mg_dl"),
    (286.5, "umol_l"),
    (97, "umol_l"),
    (0, "mg_dl"),
    (41, "mg_dl"),
]
UCUM = {
    "kg": "kg",
    "g": "g",
    "lb": "[lb_av]",
    "ml_min": "mL/min",
    "ml_min_173": "mL/min",
    "giga_l": "10*9/L",
    "per_ul": "/uL",
    "g_dl": "g/dL",
    "g_l": "g/L",
    "mg_dl": "mg/dL",
    "umol_l": "umol/L",
}
CONCEPT_OF = {
    "weight": "weight",
    "creatinine_clearance": "clearance",
    "egfr": "egfr",
    "neutrophils": "neutrophils",
    "lymphocytes": "lymphocytes",
    "haemoglobin": "haemoglobin",
    "serum_creatinine": "creatinine",
}


def _birthdays() -> list[D]:
    """Birth dates that put ``ON`` on, just before and just after 2, 18 and 65 years."""
    days = []
    for years in (2, 10, 18, 65):
        exact = D(ON.year - years, ON.month, ON.day)
        days += [exact, exact + dt.timedelta(days=1), exact - dt.timedelta(days=1)]
    return [*days, D(2016, 2, 29), D(1990, 7, 15)]


def random_people(seed: int, count: int) -> list[dict[str, Any]]:
    """People described as a test writes them down, before any database."""
    rng = random.Random(seed)
    people = []
    for person_id in range(1, count + 1):
        spec: dict[str, Any] = {
            "person_id": person_id,
            "born": rng.choice(_birthdays()),
            "sex": rng.choice(["female", "male"]),
            "drug": rng.choice(["bari_2mg", "bari_4mg", "bari_1mg_local"]),
            "tablets": rng.choice([1, 2, 4]),
            "risks": {r for r in ("dvt_leg", "mi", "melanoma") if rng.random() < 0.15},
            "smoker": rng.random() < 0.15,
            "probenecid": rng.random() < 0.15,
            "pregnant": False,
            "values": {},
        }
        if spec["sex"] == "female" and rng.random() < 0.1:
            spec["pregnant"] = True
        for name, choices in (
            ("weight", WEIGHTS),
            ("creatinine_clearance", CLEARANCES),
            ("egfr", EGFRS),
            ("neutrophils", NEUTROPHILS),
            ("lymphocytes", LYMPHOCYTES),
            ("haemoglobin", HAEMOGLOBIN),
            ("serum_creatinine", CREATININE),
        ):
            if rng.random() < 0.6:
                spec["values"][name] = rng.choice(choices)
        people.append(spec)
    return people


def write(cdm: Cdm, spec: dict[str, Any]) -> None:
    pid = spec["person_id"]
    cdm.person(pid, born=spec["born"], sex=spec["sex"], as_datetime=pid % 3 == 0)
    cdm.exposure(
        pid,
        spec["drug"],
        D(2025, 1, 1),
        D(2025, 12, 31),
        quantity=30 * spec["tablets"],
        days_supply=30,
    )
    for name, (value, unit) in spec["values"].items():
        # An older value of another size first: the latest one is read.
        cdm.measurement(pid, CONCEPT_OF[name], ON - dt.timedelta(days=40), value * 3 + 1, unit)
        cdm.measurement(pid, CONCEPT_OF[name], ON - dt.timedelta(days=5), value, unit)
    for risk in spec["risks"]:
        cdm.condition(pid, risk, D(2019, 5, 1))
    if spec["smoker"]:
        cdm.observation(pid, "smoking_status", D(2025, 3, 1), "daily_smoker")
    if spec["probenecid"]:
        cdm.exposure(pid, "probenecid_500", D(2025, 5, 1), D(2025, 7, 1))
    if spec["pregnant"]:
        cdm.condition(pid, "twin_pregnancy", D(2025, 2, 1))


def by_hand(spec: dict[str, Any]) -> Patient:
    """The person as a prescriber would type them into the scalar API."""
    values = {
        name: bg.quantity(value, UCUM[unit]) for name, (value, unit) in spec["values"].items()
    }
    counts = {
        n: values.pop(n) for n in ("neutrophils", "lymphocytes", "haemoglobin") if n in values
    }
    risks = {"dvt_leg": "VTE", "mi": "MACE", "melanoma": "MALIGNANCY"}
    creatinine = values.pop("serum_creatinine", None)
    return Patient.from_birth_date(
        spec["born"],
        on=ON,
        sex=Sex[spec["sex"].upper()],
        serum_creatinine=creatinine,
        risk_factors={risks[r] for r in spec["risks"]}
        | ({"SMOKING"} if spec["smoker"] else set()),
        pregnant=spec["pregnant"],
        strong_oat3_inhibitor=spec["probenecid"],
        labs=Labs(**counts) if counts else None,
        **values,
    )


def expected(spec: dict[str, Any]) -> tuple[str, float, str | None, str | None]:
    try:
        result = bg.recommend(by_hand(spec))
    except InvalidInputError:
        return ("INVALID", math.nan, None, None)
    codes = ";".join(dict.fromkeys(r.source.statement for r in result.reasons))
    dose = math.nan if result.regimen is None else result.regimen.dose_mg
    modality = None if result.modality is None else result.modality.name
    return (result.status.name, dose, modality, codes)


def grid_people(first_id: int) -> list[dict[str, Any]]:
    """People alike but for one value: a wrong band puts two of them under one answer."""
    people: list[dict[str, Any]] = []
    # 9 years 11 months, 10, 40 and 75 years
    ages = (D(2015, 6, 2), D(2015, 1, 1), D(1985, 6, 1), D(1950, 1, 1))
    for name, choices in (
        ("weight", WEIGHTS),
        ("creatinine_clearance", CLEARANCES),
        ("egfr", EGFRS),
        ("neutrophils", NEUTROPHILS),
        ("lymphocytes", LYMPHOCYTES),
        ("haemoglobin", HAEMOGLOBIN),
        ("serum_creatinine", CREATININE),
    ):
        for value in choices:
            for born in ages:
                values = {name: value}
                if name != "weight":
                    values["weight"] = (25, "kg") if born.year > 2007 else (70, "kg")
                people.append(
                    {
                        "person_id": first_id + len(people),
                        "born": born,
                        "sex": "male" if len(people) // len(ages) % 2 else "female",
                        "drug": "bari_2mg",
                        "tablets": 1,
                        "risks": set(),
                        "smoker": False,
                        "probenecid": False,
                        "pregnant": False,
                        "values": values,
                    }
                )
    return people


@pytest.fixture(scope="module")
def people() -> list[dict[str, Any]]:
    drawn = random_people(22, 160)
    return drawn + grid_people(len(drawn) + 1)


@pytest.fixture(scope="module")
def cohort_db(people: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> str:
    cdm = Cdm()
    for spec in people:
        write(cdm, spec)
    path = str(tmp_path_factory.mktemp("omop") / "cdm.duckdb")
    duckdb_database(cdm, path)
    return path


@pytest.fixture(scope="module")
def audited(cohort_db: str) -> pd.DataFrame:
    return omop.audit(cohort_db, on=ON)


def test_every_row_is_recommend_for_the_person_built_by_hand(
    people: list[dict[str, Any]], audited: pd.DataFrame
) -> None:
    assert list(audited["person_id"]) == [p["person_id"] for p in people]
    statuses = set()
    for spec, row in zip(people, audited.to_dict("records"), strict=True):
        status, dose, modality, codes = expected(spec)
        statuses.add(status)
        assert row["status"] == status, spec
        assert (math.isnan(dose) and math.isnan(row["recommended_dose_mg"])) or row[
            "recommended_dose_mg"
        ] == dose, spec
        assert row["modality"] == modality, spec
        assert row["reason_codes"] == codes, spec
        if status != "INVALID":
            assert row["problem"] is None
    # The cohort reaches every kind of answer, so the comparison means something.
    assert {"RECOMMENDED", "NOT_RECOMMENDED", "CONTRAINDICATED", "INVALID"} <= statuses


def test_the_inputs_read_are_the_latest_values_in_canonical_units(
    people: list[dict[str, Any]], audited: pd.DataFrame
) -> None:
    for spec, row in zip(people, audited.to_dict("records"), strict=True):
        patient = by_hand_or_none(spec)
        months = completed_months(spec["born"], ON)
        assert row["age_months"] == months
        assert row["sex"] == spec["sex"].upper()
        for name, column in (
            ("weight", "weight_kg"),
            ("creatinine_clearance", "creatinine_clearance_ml_min"),
            ("egfr", "egfr_ml_min"),
        ):
            if name not in spec["values"]:
                assert math.isnan(row[column])
            elif patient is not None:
                assert row[column] == pytest.approx(getattr(patient, column), rel=1e-12)
        assert row["risk_vte"] == ("dvt_leg" in spec["risks"])
        assert row["risk_malignancy"] == ("melanoma" in spec["risks"])
        assert row["risk_smoking"] == spec["smoker"]
        assert row["pregnant"] == spec["pregnant"]
        assert row["strong_oat3_inhibitor"] == spec["probenecid"]
        assert row["daily_dose_mg"] == spec["tablets"] * {"bari_2mg": 2, "bari_4mg": 4}.get(
            spec["drug"], 1
        )
        assert row["dose_matches"] == (row["daily_dose_mg"] == row["recommended_dose_mg"])


def by_hand_or_none(spec: dict[str, Any]) -> Patient | None:
    try:
        return by_hand(spec)
    except InvalidInputError:
        return None


def test_only_the_distinct_combinations_reach_the_rules(
    people: list[dict[str, Any]], audited: pd.DataFrame
) -> None:
    combinations = audited.attrs["combinations"]
    assert 1 < combinations <= len(people)
    # Many people alike: still one question per combination.
    cdm = Cdm()
    for pid in range(1, 301):
        cdm.person(pid, born=D(1970 + pid % 2, 1, 1))
        cdm.exposure(pid, "bari_4mg", D(2025, 1, 1), D(2025, 12, 31), quantity=30, days_supply=30)
        cdm.measurement(pid, "clearance", ON, 40 + pid % 3 * 10, "ml_min")
    con = duckdb.connect()
    _fill(con, cdm)
    result = omop.audit(con, on=ON)
    assert len(result) == 300
    # Clearance 40 and 50 share a band (30 to 60), 54 and 55 years one age band; 60 lies on
    # a cut, so it is asked with its exact value.
    assert result.attrs["combinations"] == 2


def _fill(con: duckdb.DuckDBPyConnection, cdm: Cdm) -> None:
    from .omop_cdm import create

    create(con.execute)
    cdm.write(con.executemany)


def test_the_same_audit_through_ibis_on_sqlite(
    people: list[dict[str, Any]], audited: pd.DataFrame, tmp_path: Path
) -> None:
    cdm = Cdm()
    for spec in people:
        write(cdm, spec)
    path = tmp_path / "cdm.sqlite"
    sqlite_database(cdm, str(path))
    backend = ibis.sqlite.connect(str(path))
    try:
        on_sqlite = omop.audit(backend, on=ON)
    finally:
        backend.disconnect()
    pd.testing.assert_frame_equal(on_sqlite, audited, check_dtype=False)


def at(frame: pd.DataFrame, row: int, column: str) -> Any:
    """One cell, as the tests read it."""
    return frame[column].iloc[row]


def single(cdm: Cdm, on: dt.date = ON, **options: Any) -> pd.DataFrame:
    con = duckdb.connect()
    _fill(con, cdm)
    return omop.audit(con, on=on, **options)


def adult(cdm: Cdm, pid: int = 1, drug: str = "bari_4mg", **exposure: Any) -> None:
    cdm.person(pid, born=D(1980, 4, 2))
    exposure = {"quantity": 30, "days_supply": 30, **exposure}
    cdm.exposure(pid, drug, D(2025, 1, 1), D(2025, 12, 31), **exposure)


def test_concepts_are_found_through_the_vocabulary_whatever_their_ids() -> None:
    cdm = Cdm()
    adult(cdm, 1)
    cdm.condition(1, "dvt_leg", D(2020, 1, 1))
    cdm.measurement(1, "clearance", ON, 45, "ml_min")
    first = single(cdm)
    con = duckdb.connect()
    _fill(con, cdm)
    # Every concept id moves; the codes stay.
    for table, columns in COLUMNS.items():
        for column in columns:
            if column.endswith("concept_id") and column != "person_id":
                con.execute(f"UPDATE {table} SET {column} = {column} + 1000000")
    moved = omop.audit(con, on=ON)
    assert at(moved, 0, "risk_vte")
    assert at(first, 0, "risk_vte")
    assert at(moved, 0, "creatinine_clearance_ml_min") == 45.0
    assert at(moved, 0, "daily_dose_mg") == 4.0
    assert at(moved, 0, "drug_concept_id") == at(first, 0, "drug_concept_id") + 1000000
    same = [name for name in first.columns if name != "drug_concept_id"]
    pd.testing.assert_frame_equal(moved.loc[:, same], first.loc[:, same])


def test_exposures_by_either_atc_code_and_by_the_callers_concepts() -> None:
    cdm = Cdm()
    adult(cdm, 1, "bari_1mg_local")  # only under the ATC code before 2024
    adult(cdm, 2, "other_drug")
    adult(cdm, 3, "bari_2mg")
    cdm.exposure(3, "bari_2mg", D(2024, 1, 1), D(2024, 12, 31))  # ended before ON
    cdm.exposure(3, "bari_2mg", D(2025, 7, 1), D(2025, 12, 31))  # starts after ON
    result = single(cdm)
    assert list(result["person_id"]) == [1, 3]
    assert list(result["daily_dose_mg"]) == [1.0, 2.0]
    other = cdm_id("other_drug")
    assert list(single(cdm, concept_ids=[other])["person_id"]) == [1, 2, 3]


def cdm_id(name: str) -> int:
    from .omop_cdm import concept_id

    return concept_id(name)


def test_a_dead_person_is_invalid_naming_the_death() -> None:
    cdm = Cdm()
    adult(cdm, 1)
    cdm.death(1, D(2025, 3, 1))
    adult(cdm, 2)
    cdm.death(2, D(2025, 8, 1))  # after the audit date: alive on ON
    result = single(cdm)
    assert list(result["status"]) == ["INVALID", "RECOMMENDED"]
    assert (
        at(result, 0, "problem") == "death: the person died on 2025-03-01, on or before 2025-06-01"
    )
    assert math.isnan(at(result, 0, "recommended_dose_mg"))
    assert not at(result, 0, "dose_matches")


def test_age_from_birth_fields_in_completed_months() -> None:
    cdm = Cdm()
    cdm.person(1, born=D(2007, 6, 2))  # 18 years tomorrow
    cdm.person(2, born=D(2007, 6, 1), as_datetime=True)  # 18 today
    cdm.person(3, year=1980)  # only the year
    cdm.person(4, born=D(2025, 6, 2))  # born after ON
    for pid in range(1, 5):
        cdm.exposure(pid, "bari_4mg", D(2025, 1, 1), D(2025, 12, 31), quantity=30, days_supply=30)
        cdm.measurement(pid, "weight", ON, 50, "kg")
    result = single(cdm)
    assert list(result["age_months"].fillna(-1)) == [215, 216, -1, -1]
    assert list(result["status"]) == [
        "RECOMMENDED",
        "RECOMMENDED",
        "INSUFFICIENT_INFORMATION",
        "INVALID",
    ]
    assert "dose.child" in at(result, 0, "reason_codes")
    assert "dose.child" not in at(result, 1, "reason_codes")
    assert at(result, 2, "cannot_tell").startswith("age: no full birth date")
    assert at(result, 3, "problem") == "person.birth_date: after 2025-06-01"


def test_stale_and_conflicting_measurements_are_left_out_and_listed() -> None:
    cdm = Cdm()
    cdm.person(1, born=D(2015, 1, 1))  # a child: weight must be 90 days fresh
    cdm.exposure(1, "bari_2mg", D(2025, 1, 1), D(2025, 12, 31), quantity=30, days_supply=30)
    cdm.measurement(1, "weight", D(2025, 2, 1), 25, "kg")
    adult(cdm, 2)
    cdm.measurement(2, "weight", D(2024, 9, 1), 80, "kg")  # an adult's: 365 days
    cdm.measurement(2, "clearance", ON, 45, "ml_min")
    cdm.measurement(2, "clearance", ON, 75, "ml_min")  # the same day, another value
    cdm.measurement(2, "haemoglobin", D(2025, 5, 1), 7.0, "mmol_l")  # a unit not read
    result = single(cdm)
    assert math.isnan(at(result, 0, "weight_kg"))
    assert at(result, 0, "status") == "INSUFFICIENT_INFORMATION"
    assert at(result, 0, "left_out") == "weight: the latest (2025-02-01) is older than 90 days"
    assert at(result, 1, "weight_kg") == 80.0
    assert math.isnan(at(result, 1, "creatinine_clearance_ml_min"))
    assert at(result, 1, "left_out") == (
        "creatinine_clearance: results of 2025-06-01 disagree; "
        "haemoglobin: 1 result without a value or in a unit the library does not read"
    )
    assert math.isnan(at(result, 1, "haemoglobin_g_dl"))
    # A longer limit passed in uses the child's weight.
    longer = single(cdm, max_age={"child_weight": dt.timedelta(days=150)})
    assert at(longer, 0, "weight_kg") == 25.0
    assert at(longer, 0, "status") == "RECOMMENDED"
    with pytest.raises(InvalidInputError, match="max_age"):
        single(cdm, max_age={"shoe_size": dt.timedelta(days=1)})


def test_values_after_the_audit_date_are_not_read() -> None:
    cdm = Cdm()
    adult(cdm, 1)
    cdm.measurement(1, "clearance", D(2025, 5, 1), 80, "ml_min")
    cdm.measurement(1, "clearance", D(2025, 7, 1), 20, "ml_min")
    cdm.condition(1, "mi", D(2025, 7, 1))
    result = single(cdm)
    assert at(result, 0, "creatinine_clearance_ml_min") == 80.0
    assert not at(result, 0, "risk_mace")


def test_pregnancy_counts_while_it_lasts_on_the_audit_date() -> None:
    cdm = Cdm()
    for pid in range(1, 6):
        adult(cdm, pid)
    cdm.condition(1, "pregnancy", D(2025, 1, 1), D(2025, 9, 1))  # ends after ON
    cdm.condition(2, "pregnancy", D(2024, 1, 1), D(2024, 9, 1))  # ended before ON
    cdm.condition(3, "twin_pregnancy", D(2025, 3, 1))  # open, recent: a descendant
    cdm.condition(4, "pregnancy", D(2023, 3, 1))  # open, older than 40 weeks
    cdm.observation(5, "pregnancy_status", D(2025, 5, 20), "pregnancy")
    result = single(cdm)
    assert list(result["pregnant"]) == [True, False, True, False, True]
    assert list(result["status"]) == [
        "CONTRAINDICATED",
        "RECOMMENDED",
        "CONTRAINDICATED",
        "RECOMMENDED",
        "CONTRAINDICATED",
    ]


def test_smoking_is_the_latest_fresh_status() -> None:
    cdm = Cdm()
    for pid in range(1, 5):
        adult(cdm, pid)
    cdm.observation(1, "smoking_status", D(2025, 1, 1), "daily_smoker")
    cdm.observation(2, "smoking_status", D(2025, 1, 1), "smoker")
    cdm.observation(2, "smoking_status", D(2025, 4, 1), "never_smoked")
    cdm.observation(3, "smoker", D(2025, 2, 1))  # the finding itself
    cdm.observation(4, "smoking_status", D(2023, 1, 1), "smoker")  # older than a year
    result = single(cdm)
    assert list(result["risk_smoking"]) == [True, False, True, False]
    assert "ema.jak.no_alternative" in at(result, 0, "reason_codes")
    assert "ema.jak.no_alternative" not in at(result, 1, "reason_codes")


def test_probenecid_taken_on_the_audit_date() -> None:
    cdm = Cdm()
    adult(cdm, 1)
    cdm.exposure(1, "probenecid_500", D(2025, 5, 1), D(2025, 6, 30))
    adult(cdm, 2)
    cdm.exposure(2, "probenecid_500", D(2025, 1, 1), D(2025, 2, 1))
    result = single(cdm)
    assert list(result["strong_oat3_inhibitor"]) == [True, False]
    assert list(result["recommended_dose_mg"]) == [2.0, 4.0]


def test_daily_dose_from_quantity_strength_and_days_or_the_sig() -> None:
    cdm = Cdm()
    adult(cdm, 1, "bari_2mg", quantity=56, days_supply=28)
    adult(cdm, 2, "bari_4mg", quantity=None, days_supply=None, sig="Take 1 tablet once daily")
    adult(cdm, 3, "bari_4mg", quantity=None, days_supply=None, sig="2 mg daily")
    adult(cdm, 4, "bari_4mg", quantity=30, days_supply=None, sig="as directed")
    adult(cdm, 5, "bari_unknown_strength")
    adult(cdm, 6, "bari_4mg", quantity=28, days_supply=30)
    result = single(cdm)
    daily = list(result["daily_dose_mg"])
    assert daily[:3] == [4.0, 4.0, 2.0]
    assert math.isnan(daily[3])
    assert math.isnan(daily[4])
    assert daily[5] == pytest.approx(28 * 4 / 30)
    assert list(result["dose_matches"]) == [True, True, False, False, False, False]
    assert (
        at(result, 3, "cannot_tell") == "daily dose: no days_supply, and no sig the library reads"
    )
    assert at(result, 4, "cannot_tell") == (
        f"daily dose: drug_strength gives no amount for drug_concept_id {cdm_id('bari_unknown_strength')}"
    )
    assert at(result, 0, "cannot_tell") is None


def test_an_implausible_value_makes_the_row_invalid_naming_it() -> None:
    cdm = Cdm()
    adult(cdm, 1)
    cdm.measurement(1, "weight", ON, 800, "kg")
    adult(cdm, 2)
    cdm.measurement(2, "haemoglobin", ON, 0, "g_dl")
    result = single(cdm)
    assert at(result, 0, "status") == "INVALID"
    assert at(result, 0, "problem").startswith("weight")
    assert "implausible" in at(result, 0, "problem")
    assert at(result, 1, "status") == "INVALID"
    assert at(result, 1, "problem") == "haemoglobin: must be greater than zero"


def test_the_cdm_in_its_own_schema() -> None:
    cdm = Cdm()
    adult(cdm, 1)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA cdm54")
    create(lambda sql: con.execute(sql.replace("CREATE TABLE ", "CREATE TABLE cdm54.")))
    cdm.write(lambda sql, rows: con.executemany(sql.replace("INTO ", "INTO cdm54."), rows))
    result = omop.audit(con, on=ON, schema="cdm54")
    assert list(result["person_id"]) == [1]
    # The rows' temporary table is gone with the audit.
    assert con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
    assert list(result["daily_dose_mg"]) == [4.0]
    with pytest.raises(InvalidInputError, match="has no OMOP CDM table 'concept_ancestor'"):
        omop.audit(con, on=ON)
    with pytest.raises(InvalidInputError, match="in schema 'elsewhere'"):
        omop.audit(con, on=ON, schema="elsewhere")


def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="on"):
        omop.audit(":memory:", on=dt.datetime(2025, 6, 1))
    with pytest.raises(InvalidInputError, match="source"):
        omop.audit("/nonexistent/cdm.duckdb", on=ON)
    with pytest.raises(InvalidInputError, match="source"):
        omop.audit(42, on=ON)


def test_the_command_line_writes_parquet(
    cohort_db: str, audited: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "audited.parquet"
    assert main(["omop-audit", cohort_db, "--on", "2025-06-01", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{len(audited)} exposures to baricitinib active on 2025-06-01")
    written = pd.read_parquet(out)
    assert list(written["status"]) == list(audited["status"])
    assert list(written["person_id"]) == list(audited["person_id"])
    assert main(["omop-audit", cohort_db, "--on", "June"]) == 2
    assert "--on" in capsys.readouterr().err
    assert main(["omop-audit", str(tmp_path / "missing.duckdb"), "--on", "2025-06-01"]) == 2
    assert "is not a database file" in capsys.readouterr().err


def test_summary_and_its_figure() -> None:
    audited = single(demo())
    counts = omop.summary(audited)
    assert counts["by_status"].sum() == len(audited)
    assert counts["by_status"]["INVALID"] == (audited["status"] == "INVALID").sum()
    assert set(counts["by_dose"].index) == {
        "matches",
        "differs",
        "no dose is the answer",
        "daily dose unknown",
    }
    assert counts["by_dose"].sum() == len(audited)
    assert counts["by_dose"]["matches"] == audited["dose_matches"].sum()
    no_dose = audited["recommended_dose_mg"].isna() & audited["daily_dose_mg"].notna()
    assert counts["by_dose"]["no dose is the answer"] == no_dose.sum()
    figure = omop.plot_summary(audited)
    assert len(figure.axes) == 2
    assert figure._repr_png_().startswith(b"\x89PNG")  # a notebook shows it
    with pytest.raises(InvalidInputError, match="status"):
        omop.summary(pd.DataFrame({"x": [1]}))


def test_a_value_within_a_hair_of_a_limit_falls_where_the_scalar_api_puts_it(
    tmp_path: Path,
) -> None:
    # SQLite keeps the double as written (DuckDB's NUMERIC would round it to 3 decimals).
    hair = 29999.999999999996  # grams: 30 kg after the library's conversion
    cdm = Cdm()
    for pid, weight in ((1, 25000.0), (2, hair)):
        cdm.person(pid, born=D(2015, 1, 1))
        cdm.exposure(pid, "bari_4mg", D(2025, 1, 1), D(2025, 12, 31), quantity=30, days_supply=30)
        cdm.measurement(pid, "weight", ON, weight, "g")
    path = tmp_path / "cdm.sqlite"
    sqlite_database(cdm, str(path))
    backend = ibis.sqlite.connect(str(path))
    try:
        result = omop.audit(backend, on=ON)
    finally:
        backend.disconnect()
    hand = [
        bg.recommend(Patient.from_birth_date(D(2015, 1, 1), on=ON, weight=bg.quantity(w, "g")))
        for w in (25000.0, hair)
    ]
    assert [r.regimen.dose_mg for r in hand if r.regimen] == [2.0, 4.0]
    assert list(result["recommended_dose_mg"]) == [2.0, 4.0]


def test_the_rows_are_cohort_rows_and_cohort_audit_agrees(audited: pd.DataFrame) -> None:
    """The cohort's input columns, read from OMOP, give cohort.audit's answer where the
    cohort sees everything the audit read (no blood counts: the cohort has no columns for
    them)."""
    without_counts = audited[
        audited[["neutrophils_per_l", "lymphocytes_per_l", "haemoglobin_g_dl"]].isna().all(axis=1)
        & audited["age_months"].notna()
    ]
    assert len(without_counts) > 20
    again = cohort.audit(without_counts.loc[:, list(cohort.INPUT_COLUMNS)])
    for column in ("status", "modality", "reason_codes"):
        ours = without_counts[column].where(without_counts["status"] != "INVALID", None)
        theirs = again[column].where(again["status"] != "INVALID", None)
        assert list(ours) == list(theirs), column
    pd.testing.assert_series_equal(
        without_counts["recommended_dose_mg"], again["recommended_dose_mg"]
    )

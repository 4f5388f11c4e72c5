"""The cohort audit: the scalar API's answer for every row, bad rows reported, Dask beyond."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import cohort

FLAG_COLUMNS = list(cohort.FLAGS)
RISKS = {
    "risk_vte": "VTE",
    "risk_mace": "MACE",
    "risk_malignancy": "MALIGNANCY",
    "risk_infection": "CHRONIC_OR_RECURRENT_INFECTION",
    "risk_smoking": "SMOKING",
}


def scalar(row: dict[str, Any]) -> tuple[str, float, str | None, str] | str:
    """What the scalar API answers for one row, built independently of the audit."""

    def number(name: str) -> float | None:
        value = row.get(name)
        return (
            None
            if value is None or (isinstance(value, float) and math.isnan(value))
            else float(value)
        )

    def flag(name: str, default: bool) -> bool:
        value = row.get(name)
        return default if value is None else bool(value)

    try:
        weight, clearance, egfr, dose, creatinine = (
            number(n)
            for n in (
                "weight_kg",
                "creatinine_clearance_ml_min",
                "egfr_ml_min",
                "current_dose_mg",
                "serum_creatinine_mg_dl",
            )
        )
        age = number("age_years")
        if age is None:
            return "INVALID"
        response = row.get("response")
        if response is not None and response not in bg.Response.__members__:
            return "INVALID"
        patient = bg.Patient(
            age=bg.Q_(age, "year"),
            weight=None if weight is None else bg.Q_(weight, "kg"),
            risk_factors={risk for column, risk in RISKS.items() if flag(column, False)},
            systemic_candidate=flag("systemic_candidate", True),
            creatinine_clearance=None if clearance is None else bg.Q_(clearance, "mL/min"),
            egfr=None if egfr is None else bg.Q_(egfr, "mL/min"),
            severe_hepatic_impairment=flag("severe_hepatic_impairment", False),
            pregnant=flag("pregnant", False),
            breastfeeding=flag("breastfeeding", False),
            strong_oat3_inhibitor=flag("strong_oat3_inhibitor", False),
            sex=row.get("sex"),
            serum_creatinine=None if creatinine is None else bg.Q_(creatinine, "mg/dL"),
        )
        result = bg.recommend(
            patient,
            current_dose=None if dose is None else bg.Q_(dose, "mg"),
            response=None if response is None else bg.Response[response],
        )
    except bg.InvalidInputError:
        return "INVALID"
    codes = ";".join(dict.fromkeys(r.source.statement for r in result.reasons))
    dose_mg = math.nan if result.regimen is None else result.regimen.dose_mg
    return (
        result.status.name,
        dose_mg,
        None if result.modality is None else result.modality.name,
        codes,
    )


def boundary(values: list[float], low: float, high: float) -> st.SearchStrategy[float]:
    near = [v * f for v in values for f in (1 - 1e-12, 1, 1 + 1e-12)] + [
        math.nextafter(v, 0) for v in values
    ]
    return st.one_of(st.sampled_from(near), st.floats(low, high, allow_nan=False))


rows = st.fixed_dictionaries(
    {
        "age_years": st.one_of(
            boundary([2, 18, 65, 130], 0, 135), st.sampled_from([math.nan, -1.0, -1e-11])
        ),
        "weight_kg": st.one_of(
            boundary([10, 30, 700], 0.1, 720), st.sampled_from([math.nan, 0.0, -2.0])
        ),
        "creatinine_clearance_ml_min": st.one_of(boundary([30, 60], 0, 150), st.just(math.nan)),
        "egfr_ml_min": st.one_of(boundary([40, 60], 0, 150), st.just(math.nan)),
        "current_dose_mg": st.one_of(
            st.sampled_from([1.0, 2.0, 3.0, 4.0, 8.0, math.nan, 0.0, 100.0, 100.5]),
            st.floats(0.1, 10),
        ),
        "response": st.sampled_from(
            [None, "SUSTAINED_CONTROL", "INADEQUATE_CONTROL", "NO_BENEFIT_AFTER_8_WEEKS", "bogus"]
        ),
        **{column: st.sampled_from([True, False, None]) for column in FLAG_COLUMNS},
        "sex": st.sampled_from([None, "FEMALE", "MALE", "female", "unknown"]),
        "serum_creatinine_mg_dl": st.one_of(
            st.just(math.nan),
            st.floats(0.2, 12),
            st.sampled_from([0.0, -1.0, 41.0, 0.8, 1.1, 1.4, 2.5]),
        ),
    }
)


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records)
    for column in [*FLAG_COLUMNS, "response", "sex"]:
        df[column] = pd.Series([r[column] for r in records], dtype=object)
    return df


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(rows, min_size=1, max_size=60))
def test_every_row_is_the_scalar_answer(records: list[dict[str, Any]]) -> None:
    df = frame(records)
    df.index = pd.Index([f"row-{i}" for i in range(len(df))])
    before = df.copy(deep=True)
    audited = cohort.audit(df)
    pd.testing.assert_frame_equal(df, before)  # the input is not modified
    assert list(audited.index) == list(df.index)
    for label, record in zip(df.index, records, strict=True):
        got = audited.loc[label]
        expected = scalar(record)
        if expected == "INVALID":
            assert got["status"] == "INVALID", (record, got.to_dict())
            assert got["problem"]
            assert math.isnan(got["recommended_dose_mg"])
            assert got["modality"] is None
            assert got["reason_codes"] is None
            assert not got["dose_matches"]
            continue
        assert isinstance(expected, tuple)
        status, dose, modality, codes = expected
        assert got["status"] == status, record
        assert (math.isnan(dose) and math.isnan(got["recommended_dose_mg"])) or got[
            "recommended_dose_mg"
        ] == dose
        assert got["modality"] == modality
        assert got["reason_codes"] == codes
        assert got["problem"] is None
        current = record["current_dose_mg"]
        assert bool(got["dose_matches"]) == (not math.isnan(current) and current == dose)


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"age_years": math.nan}, "age_years"),
        ({"age_years": -3.0}, "age_years"),
        ({"age_years": 131.0}, "age_years"),
        ({"weight_kg": 0.0}, "weight_kg"),
        ({"weight_kg": 701.0}, "weight_kg"),
        ({"creatinine_clearance_ml_min": -1.0}, "creatinine_clearance_ml_min"),
        ({"current_dose_mg": 0.0}, "current_dose_mg"),
        ({"current_dose_mg": 101.0}, "current_dose_mg"),
        ({"response": "BETTER"}, "response"),
        ({"pregnant": "yes"}, "pregnant"),
        ({"weight_kg": "heavy"}, "weight_kg"),
        ({"age_years": -3.0, "weight_kg": 0.0}, "age_years"),
    ],
    ids=[
        "nan-age",
        "negative-age",
        "implausible-age",
        "zero-weight",
        "implausible-weight",
        "negative-clearance",
        "zero-dose",
        "implausible-dose",
        "unknown-response",
        "flag-not-boolean",
        "weight-not-a-number",
        "first-column-named",
    ],
)
def test_a_bad_row_is_reported_naming_its_column_never_dropped(
    changes: dict[str, Any], column: str
) -> None:
    good = {
        "age_years": 40.0,
        "weight_kg": 70.0,
        "current_dose_mg": 4.0,
        "response": "SUSTAINED_CONTROL",
        "pregnant": False,
    }
    df = pd.DataFrame([good, {**good, **changes}, good], index=[10, 20, 30]).astype(
        {"response": object, "pregnant": object}
    )
    audited = cohort.audit(df)
    assert list(audited.index) == [10, 20, 30]
    assert list(audited["status"]) == ["RECOMMENDED", "INVALID", "RECOMMENDED"]
    assert str(audited.loc[20, "problem"]).startswith(f"{column}:")
    assert audited.loc[10, "problem"] is None


def test_defaults_nulls_and_follow_up_rules_match_the_scalar_api() -> None:
    df = pd.DataFrame(
        {
            "age_years": [40.0, 40.0, 8.0, 70.0],
            "weight_kg": [math.nan, math.nan, 25.0, math.nan],
            "systemic_candidate": pd.Series([None, False, None, True], dtype=object),
            "current_dose_mg": [math.nan, math.nan, 2.0, 4.0],
            "response": pd.Series(
                ["SUSTAINED_CONTROL", None, "SUSTAINED_CONTROL", "SUSTAINED_CONTROL"], dtype=object
            ),
        }
    )
    audited = cohort.audit(df)
    assert list(audited["status"]) == [
        "INSUFFICIENT_INFORMATION",
        "NOT_RECOMMENDED",
        "RECOMMENDED",
        "RECOMMENDED",
    ]
    assert list(audited["recommended_dose_mg"].fillna(-1)) == [-1, -1, 1, 2]
    assert list(audited["dose_matches"]) == [False, False, False, False]
    assert audited.loc[3, "modality"] == "RECOMMENDED"  # the 2 mg group controlled on 4 mg


def test_an_empty_or_minimal_frame() -> None:
    empty = cohort.audit(pd.DataFrame({"age_years": pd.Series([], dtype=float)}))
    assert list(empty.columns) == ["age_years", *cohort.OUTPUT_COLUMNS]
    assert len(empty) == 0
    one = cohort.audit(pd.DataFrame({"age_years": [30.0]}))
    assert one.loc[0, "recommended_dose_mg"] == 4


@pytest.mark.parametrize(
    ("df", "field"),
    [
        (pd.DataFrame({"weight_kg": [3.0]}), "age_years"),
        (pd.DataFrame({"age_years": [3.0], "status": ["x"]}), "status"),
        ([1, 2], "df"),
    ],
    ids=["no-age", "output-column-in-input", "not-a-frame"],
)
def test_the_input_is_checked_up_front(df: Any, field: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        cohort.audit(df)
    assert caught.value.field == field


def test_nullable_boolean_columns_are_read() -> None:
    df = pd.DataFrame(
        {"age_years": [40.0, 40.0], "pregnant": pd.array([True, None], dtype="boolean")}
    )
    assert list(cohort.audit(df)["status"]) == ["CONTRAINDICATED", "RECOMMENDED"]


def test_summary_and_figure() -> None:
    df = pd.DataFrame(
        {
            "age_years": [40.0, 70.0, 1.0, -1.0],
            "weight_kg": [70.0, 70.0, 9.0, 9.0],
            "current_dose_mg": [4.0, 4.0, math.nan, 2.0],
            "response": pd.Series(["SUSTAINED_CONTROL"] * 2 + [None, None], dtype=object),
        }
    )
    audited = cohort.audit(df)
    counts = cohort.summary(audited)
    assert counts["by_status"].to_dict() == {"RECOMMENDED": 2, "OUTSIDE_LICENCE": 1, "INVALID": 1}
    assert counts["by_mismatch_reason"].to_dict() == {
        "dose.adult.taper": 1,
        "dose.risk.reduced": 1,
    }
    figure = cohort.plot_summary(audited)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def synthetic(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age_years": rng.uniform(0, 100, n),
            "weight_kg": rng.uniform(5, 120, n),
            "risk_vte": rng.random(n) < 0.1,
            "pregnant": rng.random(n) < 0.02,
            "creatinine_clearance_ml_min": np.where(
                rng.random(n) < 0.5, rng.uniform(10, 120, n), np.nan
            ),
            "current_dose_mg": rng.choice([2.0, 4.0, np.nan], n),
            "response": pd.Series(
                rng.choice(
                    np.array(["SUSTAINED_CONTROL", "INADEQUATE_CONTROL", None], dtype=object), n
                )
            ),
        }
    )


# Beyond one machine: a LocalCluster of two workers on loopback.
def test_dask_on_a_local_cluster_gives_the_single_process_answer(tmp_path: Any) -> None:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    df = synthetic(20_000, 7)
    source = tmp_path / "cohort"
    dd.from_pandas(df, npartitions=4).to_parquet(source)
    expected = cohort.audit(dd.read_parquet(source).compute())
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        ) as cluster,
        Client(cluster) as client,
    ):
        audited = client.compute(cohort.audit_dask(dd.read_parquet(source))).result()
        target = tmp_path / "audited"
        from baricitinib_guideline.cli import main

        assert (
            main(["audit", str(source), str(target), "--scheduler", cluster.scheduler_address])
            == 0
        )
    pd.testing.assert_frame_equal(audited.sort_index(), expected.sort_index(), check_names=False)
    written = pd.read_parquet(target).sort_index()
    assert list(written.index) == list(expected.sort_index().index)
    assert list(written["status"]) == list(expected.sort_index()["status"])


def test_the_audit_command_on_this_machine(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from baricitinib_guideline.cli import main

    source, target = tmp_path / "in.parquet", tmp_path / "out"
    synthetic(500, 3).to_parquet(source)
    assert main(["audit", str(source), str(target)]) == 0
    written = pd.read_parquet(target)
    assert len(written) == 500
    assert set(cohort.OUTPUT_COLUMNS) <= set(written.columns)
    assert main(["audit", str(tmp_path / "missing.parquet"), str(target)]) == 2
    assert capsys.readouterr().err.count("error") >= 1


def test_an_arrow_table_is_audited_like_its_pandas_frame() -> None:
    import pyarrow as pa  # type: ignore[import-untyped]

    df = synthetic(300, 5)
    pd.testing.assert_frame_equal(cohort.audit(pa.Table.from_pandas(df)), cohort.audit(df))

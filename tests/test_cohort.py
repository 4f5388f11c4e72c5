"""The cohort audit: the scalar API's answer for every row, bad rows reported, Dask beyond."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from decimal import Decimal
from fractions import Fraction
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import cohort

from .strategies import follow_ups, patients

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
    factors = (1 - 5e-12, 1 - 1e-12, 1 - 1e-13, 1, 1 + 1e-13, 1 + 1e-12)
    near = [v * f for v in values for f in factors] + [math.nextafter(v, 0) for v in values]
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
    check_rows(records)


def _cuts() -> dict[str, list[float]]:
    """The cut points the rules compare, from the knowledge layer, in the columns' units."""
    from baricitinib_guideline.knowledge import chapter as k
    from baricitinib_guideline.knowledge import licence as lic

    months = [
        k.LICENCE_MIN_AGE_MONTHS,
        lic.PREGNANCY_QUESTIONS_FROM_MONTHS,
        k.ADULT_AGE_MONTHS,
        k.OLDER_ADULT_AGE_MONTHS,
    ]
    renal = [
        lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN,
        lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN,
        lic.OTHER_MEASURE_NORMAL_FROM,
        lic.CHILD_EGFR_NO_DATA_BELOW,
        lic.CHILD_EGFR_REDUCED_BELOW,
    ]
    return {
        "age_years": [m / 12 for m in months],
        "weight_kg": [k.CHILD_MIN_WEIGHT_KG, k.CHILD_HIGH_WEIGHT_KG],
        "creatinine_clearance_ml_min": renal,
        "egfr_ml_min": renal,
    }


@st.composite
def varied_cohorts(draw: Any) -> list[dict[str, Any]]:
    """A few rows, each repeated with its numbers moved within and across their bands:
    exactly at a cut point, a hair on either side, or anywhere; so the rows of one group of
    the audit differ in their exact values, and its representative is rarely the row."""
    cuts = _cuts()
    records = []
    for base in draw(st.lists(rows, min_size=1, max_size=4)):
        if draw(st.integers(0, 3)):  # mostly valid rows, whose answers differ by band
            base = {**base, "response": None if base["response"] == "bogus" else base["response"]}
            base["sex"] = None if base["sex"] == "unknown" else base["sex"]
            for column in ("age_years", "weight_kg", "serum_creatinine_mg_dl", "current_dose_mg"):
                if not 0 < base[column] <= 40:
                    base[column] = math.nan if column != "age_years" else 40.0
            for column in FLAG_COLUMNS:  # the flags that stop treatment rare, as in records
                usual = column == "systemic_candidate"
                base[column] = draw(st.sampled_from([usual] * 4 + [not usual, None]))
            base["pregnant"] = False
            if base["response"] is None or draw(st.booleans()):
                base["current_dose_mg"] = math.nan
                base["response"] = None
        for _ in range(draw(st.integers(1, 12))):
            record = dict(base)
            for column, points in cuts.items():
                how = draw(st.sampled_from(["keep", "cut", "near", "nudge"]))
                value = record[column]
                if how == "cut":
                    record[column] = draw(st.sampled_from(points))
                elif how == "near":
                    point = draw(st.sampled_from(points))
                    record[column] = point * draw(st.sampled_from([1 - 1e-9, 1 + 1e-9, 1 - 1e-3]))
                elif how == "nudge" and isinstance(value, float) and math.isfinite(value):
                    record[column] = value * draw(st.floats(0.97, 1.03))
            if draw(st.booleans()):
                record["serum_creatinine_mg_dl"] = draw(st.sampled_from([0.7, 0.9, 1.2, 2.0]))
            records.append(record)
    return records


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(varied_cohorts())
def test_every_row_of_a_varied_cohort_is_the_scalar_answer(
    records: list[dict[str, Any]],
) -> None:
    check_rows(records)


def test_rows_at_and_around_every_cut_point_get_their_own_answer() -> None:
    """Every cut point of the knowledge layer, a hair either side and between, in one frame:
    rows of one group differ only in exact values, so a missing cut gives a wrong row."""
    base = _plain_row()
    records = []
    for column, points in _cuts().items():
        values = sorted({p * f for p in points for f in (1 - 1e-9, 1, 1 + 1e-9, 0.8, 1.2)})
        for value in values:
            for age in (8.0, 40.0, 70.0):
                for extra in (
                    {},
                    {"risk_vte": True},
                    {"current_dose_mg": 4.0, "response": "SUSTAINED_CONTROL"},
                ):
                    records.append({**base, "age_years": age, **extra, column: value})
    check_rows(records)


def _plain_row(**changes: Any) -> dict[str, Any]:
    return {
        "age_years": 40.0,
        "weight_kg": 70.0,
        "creatinine_clearance_ml_min": math.nan,
        "egfr_ml_min": math.nan,
        "current_dose_mg": math.nan,
        "response": None,
        **dict.fromkeys(FLAG_COLUMNS),
        "sex": None,
        "serum_creatinine_mg_dl": math.nan,
        **changes,
    }


def test_every_combination_of_risks_at_every_age_band_is_the_scalar_answer() -> None:
    """32 sets of risk factors at each age band (and on treatment or not): more groups than
    a small fixed slot per part holds, so rows with different answers must stay apart."""
    records = [
        _plain_row(
            age_years=age,
            **dict(zip(RISKS, risks, strict=True)),
            **({"current_dose_mg": 4.0, "response": "SUSTAINED_CONTROL"} if treated else {}),
        )
        for age in (1.0, 8.0, 12.0, 40.0, 70.0)
        for risks in itertools.product([False, True], repeat=len(RISKS))
        for treated in (False, True)
    ]
    check_rows(records)


def test_many_distinct_current_doses_keep_their_own_answers() -> None:
    """A dozen current doses, each with every response and candidacy, at two ages and
    sexes with a creatinine: many groups in every part of the audit's key."""
    records = [
        _plain_row(
            age_years=age,
            current_dose_mg=dose,
            response=response,
            systemic_candidate=candidate,
            sex=sex,
            serum_creatinine_mg_dl=1.3,
        )
        for dose in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0)
        for response in ("SUSTAINED_CONTROL", "INADEQUATE_CONTROL", "NO_BENEFIT_AFTER_8_WEEKS")
        for candidate in (True, False)
        for age in (15.0, 80.0)
        for sex in ("FEMALE", "MALE")
    ]
    check_rows(records)


def test_estimated_clearances_at_the_renal_cut_points_are_the_scalar_answer() -> None:
    """Cockcroft-Gault estimates on and around 30 and 60 mL/min, and halfway between two
    rounded values (x.x5), for both sexes: the audit's column arithmetic must round every
    estimate as the scalar rule does, or rows fall into the neighbouring band."""
    records = [
        _plain_row(
            age_years=age,
            weight_kg=weight,
            sex=sex,
            serum_creatinine_mg_dl=creatinine,
            **({"current_dose_mg": 4.0, "response": "SUSTAINED_CONTROL"} if treated else {}),
        )
        # (140 - 50) * 72 / (72 * c): 30 mL/min at c = 3, 60 at c = 1.5
        for creatinine in [1.5 + i / 1000 for i in range(-6, 7)]
        + [3 + i / 1000 for i in range(-6, 7)]
        + [1.4, 1.42, 1.7, 1.76, 2.5, 2.83, 2.9, 3.5, 3.53]
        for age, weight in ((50.0, 72.0), (18.0, 60.0), (65.0, 48.0), (81.0, 55.0))
        for sex in ("FEMALE", "MALE")
        for treated in (False, True)
    ]
    check_rows(records)


def check_rows(records: list[dict[str, Any]]) -> None:
    """Each row's audit columns are the scalar API's answer (or INVALID with a problem)."""
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
    # A notebook shows the figure itself, as the other plots (no pyplot needed).
    assert getattr(figure, "_repr_png_")().startswith(b"\x89PNG")  # noqa: B009
    assert [axes.get_xlabel() for axes in figure.axes] == ["rows", "rows"]


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


# Coercion: one strict rule per kind of column ----------------------------------

ODD = object()


def _column(values: list[Any], dtype: Any = object) -> pd.Series:
    series: pd.Series = pd.Series(values, dtype=dtype)
    return series


@pytest.mark.parametrize(
    ("column", "values", "dtype", "expected"),
    [
        # number columns take real numbers of any kind
        (
            "age_years",
            [40, 40.0, Decimal("40"), Fraction(40), np.int8(40), np.float32(40)],
            object,
            "ok",
        ),
        ("weight_kg", [40, None], "Int64", "ok"),
        ("weight_kg", [40.5, None], "Float64", "ok"),
        ("weight_kg", [40.0, None], "double[pyarrow]", "ok"),
        ("weight_kg", [None, None], "null[pyarrow]", "ok"),
        ("weight_kg", [np.nan, None, pd.NA, pd.NaT], object, "ok"),
        # ... and nothing else
        ("age_years", [True, np.True_], object, "not true or false"),
        ("age_years", [True, False], "boolean", "not true or false"),
        ("age_years", [True, False], "bool[pyarrow]", "not true or false"),
        ("age_years", ["40", "40.0"], object, "got str"),
        ("age_years", ["40"], "string", "got str"),
        ("age_years", [b"40"], object, "got bytes"),
        ("age_years", [40 + 0j, complex(40, 1)], object, "got complex"),
        ("age_years", [40 + 0j], "complex128", "got complex"),
        ("age_years", [[40], {"age": 40}, (40,), {40}], object, "real number"),
        ("age_years", [ODD], object, "got object"),
        ("age_years", [Decimal("sNaN"), Decimal("NaN")], object, "Decimal NaN"),
        ("age_years", [10**400, Decimal("1e400"), math.inf, -math.inf], object, "finite"),
        ("age_years", [math.inf], float, "finite"),
        ("age_years", [pd.Timestamp("2020-01-01")], object, "got Timestamp"),
        ("age_years", [pd.Timedelta(days=1)], "timedelta64[ns]", "got Timedelta"),
        # flag columns take booleans; a null is the flag's default
        ("pregnant", [True, False, np.True_, np.False_, None, np.nan, pd.NA], object, "ok"),
        ("pregnant", [True, None], "boolean", "ok"),
        ("pregnant", [True, None], "bool[pyarrow]", "ok"),
        ("pregnant", [None, None], "null[pyarrow]", "ok"),
        ("pregnant", [np.nan, np.nan], float, "ok"),
        ("pregnant", [1, 0], object, "true, false or null"),
        ("pregnant", [1, 0], "int64", "true, false or null"),
        ("pregnant", ["True", "yes"], object, "true, false or null"),
        ("pregnant", [b"1", [True], Decimal("sNaN")], object, "true, false or null"),
        ("pregnant", [1.0], float, "true, false or null"),
        # response takes member names (or members)
        (
            "response",
            ["SUSTAINED_CONTROL", bg.Response.INADEQUATE_CONTROL, None, np.nan],
            object,
            "ok",
        ),
        ("response", ["SUSTAINED_CONTROL", None], "string", "ok"),
        # Names in any case, as recommend() takes them (the scalar API's rule).
        ("response", ["sustained_control", " SUSTAINED_CONTROL"], object, "ok"),
        ("sex", ["female", " Male "], object, "ok"),
        ("sex", ["F", "other", 1], object, "one of"),
        ("response", [[1], {"a": 1}, b"SUSTAINED_CONTROL", 1, Decimal("sNaN")], object, "one of"),
        ("response", [Decimal("NaN")], object, "one of"),
    ],
)
def test_each_column_kind_has_one_strict_rule(
    column: str, values: list[Any], dtype: Any, expected: str
) -> None:
    df = pd.DataFrame({"age_years": [40.0] * len(values)})
    df[column] = _column(values, dtype)
    audited = cohort.audit(df)
    if expected == "ok":
        assert (audited["status"] != "INVALID").all(), audited["problem"].tolist()
        return
    assert (audited["status"] == "INVALID").all()
    for problem in audited["problem"]:
        assert problem.startswith(f"{column}: "), problem
        assert expected in problem, problem


def test_a_null_flag_is_the_scalar_default() -> None:
    df = pd.DataFrame(
        {
            "age_years": [40.0] * 4,
            "systemic_candidate": pd.array([None, None, False, True], dtype="boolean"),
            "pregnant": pd.Series([None, True, None, None], dtype="bool[pyarrow]"),
        }
    )
    audited = cohort.audit(df)
    expected = [
        scalar({"age_years": 40.0}),
        scalar({"age_years": 40.0, "pregnant": True}),
        scalar({"age_years": 40.0, "systemic_candidate": False}),
        scalar({"age_years": 40.0}),
    ]
    assert list(audited["status"]) == [e[0] for e in expected]
    assert audited["status"].tolist() == [
        "RECOMMENDED",
        "CONTRAINDICATED",
        "NOT_RECOMMENDED",
        "RECOMMENDED",
    ]


def test_a_categorical_column_is_read_by_its_values() -> None:
    df = pd.DataFrame(
        {
            "age_years": pd.Categorical([40.0, 8.0, None, 40.0]),
            "response": pd.Categorical(["SUSTAINED_CONTROL", None, "BETTER", None]),
            "current_dose_mg": [4.0, math.nan, 4.0, math.nan],
        }
    )
    audited = cohort.audit(df)
    assert audited["problem"].tolist() == [
        None,
        None,
        "age_years: is required (not null)",
        None,
    ]
    assert audited["status"].tolist()[:2] == ["RECOMMENDED", "INSUFFICIENT_INFORMATION"]


@pytest.mark.parametrize(
    ("columns", "field"),
    [
        (["age_years", "age_years"], "age_years"),
        (["age_years", "pregnant", "pregnant"], "pregnant"),
        (pd.MultiIndex.from_tuples([("age_years", "a"), ("b", "c")]), "df"),
    ],
    ids=["duplicate-age", "duplicate-flag", "multiindex"],
)
def test_duplicate_or_multiindex_columns_are_refused(columns: Any, field: str) -> None:
    df = pd.DataFrame([[40.0] * len(columns)], columns=columns)
    with pytest.raises(bg.InvalidInputError) as caught:
        cohort.audit(df)
    assert caught.value.field == field


@pytest.mark.parametrize("value", [pd.DataFrame({"age_years": [40.0]}), [1], None, "df"])
def test_audit_dask_and_summary_refuse_what_they_cannot_read(value: Any) -> None:
    with pytest.raises(bg.InvalidInputError):
        cohort.audit_dask(value)
    if not isinstance(value, pd.DataFrame):
        with pytest.raises(bg.InvalidInputError):
            cohort.summary(value)


# Any pandas column ---------------------------------------------------------------


class _Hostile:
    """A value that cannot be hashed, compared or made true or false."""

    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparison")

    def __bool__(self) -> bool:
        raise RuntimeError("no truth")


class _BrokenReal:
    """A number type that says it is real but gives no float."""

    def __float__(self) -> float:
        raise RuntimeError("no float")


Real.register(_BrokenReal)

_REGISTRY = bg.ureg
_PY_VALUES = st.one_of(
    st.builds(_Hostile),
    st.builds(_BrokenReal),
    st.none(),
    st.sampled_from([math.nan, pd.NA, pd.NaT, np.nan]),
    st.booleans(),
    st.sampled_from([np.True_, np.False_]),
    st.integers(-(10**20), 10**20),
    st.sampled_from([10**400, -(10**400), 2**64]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 150).map(np.float32),
    st.integers(0, 150).map(np.int16),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("sNaN"), Decimal("1e400"), Decimal("40.5")]),
    st.fractions(),
    st.complex_numbers(max_magnitude=200),
    st.text(max_size=4),
    st.sampled_from(["40", "8", "SUSTAINED_CONTROL", "INADEQUATE_CONTROL", "True"]),
    st.binary(max_size=3),
    st.sampled_from(list(bg.Response)),
    st.floats(0, 100).map(lambda v: _REGISTRY.Quantity(v, "year")),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=1), st.integers(0, 3), max_size=1),
    st.just(ODD),
)
_TYPED: list[tuple[Any, st.SearchStrategy[Any]]] = [
    ("float64", st.floats(allow_nan=True, allow_infinity=True)),
    ("float32", st.floats(-1e6, 1e6, width=32)),
    ("int64", st.integers(-(2**63), 2**63 - 1)),
    ("uint64", st.integers(0, 2**64 - 1)),
    ("int8", st.integers(-128, 127)),
    ("bool", st.booleans()),
    ("complex128", st.complex_numbers(max_magnitude=200)),
    ("datetime64[ns]", st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1970, 1, 2)))),
    ("timedelta64[ns]", st.one_of(st.none(), st.timedeltas(max_value=dt.timedelta(days=9)))),
    ("Int64", st.one_of(st.none(), st.integers(-1000, 1000))),
    ("UInt8", st.one_of(st.none(), st.integers(0, 255))),
    ("Float64", st.one_of(st.none(), st.floats(allow_nan=True))),
    ("boolean", st.one_of(st.none(), st.booleans())),
    (
        "string",
        st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["40", "INADEQUATE_CONTROL"])),
    ),
    ("double[pyarrow]", st.one_of(st.none(), st.floats(allow_nan=False))),
    ("int64[pyarrow]", st.one_of(st.none(), st.integers(-1000, 1000))),
    ("bool[pyarrow]", st.one_of(st.none(), st.booleans())),
    ("string[pyarrow]", st.one_of(st.none(), st.sampled_from(["SUSTAINED_CONTROL", "x", "40"]))),
    ("null[pyarrow]", st.none()),
    ("decimal", st.one_of(st.none(), st.decimals(-1000, 1000, places=2))),
    ("category", st.one_of(st.none(), st.floats(0, 150), st.booleans())),
    ("category", st.one_of(st.none(), st.sampled_from(["SUSTAINED_CONTROL", "x"]))),
    ("sparse", st.one_of(st.floats(0, 150), st.just(math.nan))),
    (object, _PY_VALUES),
]


def _series(dtype: Any, values: list[Any]) -> pd.Series:
    import pyarrow as pa

    if dtype == "decimal":
        return pd.Series(values, dtype=pd.ArrowDtype(pa.decimal128(10, 2)))
    if dtype == "sparse":
        return pd.Series(values, dtype=pd.SparseDtype(float))
    if dtype == "category":
        return pd.Series(pd.Categorical(values))
    if dtype is object:
        series = pd.Series([None] * len(values), dtype=object)
        for row, value in enumerate(values):  # keeps every Python value as it is
            series.iloc[row] = value
        return series
    typed: pd.Series = pd.Series(values, dtype=dtype)
    return typed


@st.composite
def any_column(draw: st.DrawFn) -> tuple[str, pd.Series]:
    name = draw(st.sampled_from(cohort.INPUT_COLUMNS[1:]))
    # Half the columns are object columns of mixed Python values, the rest one of the dtypes.
    dtype, values = draw(st.one_of(st.sampled_from(_TYPED), st.just((object, _PY_VALUES))))
    cells = draw(st.lists(values, min_size=1, max_size=8))
    try:
        series = _series(dtype, cells)
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        assume(False)
    return name, series


def _is_null(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _meaning(column: str, value: Any) -> Any:
    """What the documented rule makes of one cell: a clean scalar value, or INVALID."""
    if _is_null(value):
        return None
    kind = cohort.COLUMNS[column]
    if column == "response":
        if isinstance(value, bg.Response):
            return value.name
        return value if isinstance(value, str) and value in bg.Response.__members__ else "INVALID"
    if column in cohort.FLAGS:
        return bool(value) if isinstance(value, bool | np.bool_) else "INVALID"
    assert kind is not None
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real | Decimal):
        return "INVALID"
    if isinstance(value, Decimal) and value.is_nan():
        return "INVALID"
    try:
        number = float(value)
    except (OverflowError, RuntimeError):
        return "INVALID"
    return number if math.isfinite(number) else "INVALID"


def _cells(series: pd.Series) -> list[Any]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [None if code < 0 else series.cat.categories[code] for code in series.cat.codes]
    return list(series.to_numpy(dtype=object))


def _same(before: dict[str, Any], df: pd.DataFrame) -> bool:
    """The frame holds the same objects, of the same dtype, as before."""
    return list(df.columns) == list(before) and all(
        df[c].dtype == dtype and all(a is b for a, b in zip(_cells(df[c]), cells, strict=True))
        if df[c].dtype == object
        else df[c].dtype == dtype and df[c].equals(copy)
        for c, (dtype, cells, copy) in before.items()
    )


def _check_any_column(df: pd.DataFrame, name: str, audited: pd.DataFrame) -> None:
    assert list(audited.index) == list(df.index)
    statuses = {*bg.Status.__members__, "INVALID"}
    for row, cell in enumerate(_cells(df[name])):
        got = {column: audited[column].iloc[row] for column in cohort.OUTPUT_COLUMNS}
        assert got["status"] in statuses
        meaning = _meaning(name, cell)
        record = {"age_years": df["age_years"].iloc[row], "weight_kg": 25.0}
        if name == "weight_kg":
            record.pop("weight_kg")
        expected = "INVALID" if meaning == "INVALID" else scalar({**record, name: meaning})
        if expected == "INVALID":
            assert got["status"] == "INVALID", (name, cell, got)
            assert str(got["problem"]).startswith(f"{name}: "), (name, cell, got["problem"])
            continue
        assert isinstance(expected, tuple)
        assert got["problem"] is None, (name, cell, got["problem"])
        assert (got["status"], got["modality"], got["reason_codes"]) == (
            expected[0],
            expected[2],
            expected[3],
        )


def _snapshot(df: pd.DataFrame) -> dict[str, Any]:
    return {c: (df[c].dtype, _cells(df[c]), df[c].copy(deep=True)) for c in df.columns}


def _frame(age: float, name: str, series: pd.Series) -> pd.DataFrame:
    df = pd.DataFrame({"age_years": [age] * len(series), "weight_kg": 25.0})
    if name == "weight_kg":
        df = df.drop(columns="weight_kg")
    df[name] = series
    return df


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(any_column(), st.sampled_from([8.0, 40.0, 70.0]))
def test_any_pandas_column_gives_answers_or_invalid_rows_naming_it(
    column: tuple[str, pd.Series], age: float
) -> None:
    name, series = column
    df = _frame(age, name, series)
    before = _snapshot(df)
    audited = cohort.audit(df)
    assert _same(before, df)
    _check_any_column(df, name, audited)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(any_column())
def test_audit_dask_agrees_with_audit_on_any_column(column: tuple[str, pd.Series]) -> None:
    import dask
    import dask.dataframe as dd

    name, series = column
    df = _frame(40.0, name, series)
    before = _snapshot(df)
    # Dask would turn object columns into text when building the frame; keep them.
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(df, npartitions=2, sort=False)
    audited = cohort.audit_dask(ddf).compute(scheduler="sync")
    assert _same(before, df)
    expected = cohort.audit(df)
    pd.testing.assert_frame_equal(
        audited[list(cohort.OUTPUT_COLUMNS)], expected[list(cohort.OUTPUT_COLUMNS)]
    )


# The audit command: never the input, never an existing output unasked -------------


def _cohort_file(path: Any) -> None:
    synthetic(50, 4).to_parquet(path)


def test_the_audit_command_never_writes_into_its_input(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from baricitinib_guideline.cli import main

    source = tmp_path / "cohort"
    source.mkdir()
    _cohort_file(source / "part.0.parquet")
    original = (source / "part.0.parquet").read_bytes()
    for target in (source, source / "audited", tmp_path, source / "part.0.parquet"):
        for extra in ([], ["--overwrite"]):
            assert main(["audit", str(source), str(target), *extra]) == 2
            assert "OUT" in capsys.readouterr().err
    assert main(["audit", str(source / "part.0.parquet"), str(source), "--overwrite"]) == 2
    assert sorted(p.name for p in source.iterdir()) == ["part.0.parquet"]
    assert (source / "part.0.parquet").read_bytes() == original


def test_the_audit_command_refuses_an_existing_output_unless_told(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from baricitinib_guideline.cli import main

    source, target = tmp_path / "in.parquet", tmp_path / "out"
    _cohort_file(source)
    target.mkdir()  # an empty directory is fine
    assert main(["audit", str(source), str(target)]) == 0
    first = sorted(p.name for p in target.iterdir())
    (target / "keep.txt").write_text("mine")
    assert main(["audit", str(source), str(target)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (target / "keep.txt").read_text() == "mine"
    assert main(["audit", str(source), str(target), "--overwrite"]) == 0
    assert sorted(p.name for p in target.iterdir()) == first
    a_file = tmp_path / "file.txt"
    a_file.write_text("mine")
    for extra in ([], ["--overwrite"]):
        assert main(["audit", str(source), str(a_file), *extra]) == 2
        assert "OUT: is a file" in capsys.readouterr().err
    assert a_file.read_text() == "mine"


def test_the_audit_command_reads_a_column_of_nulls(tmp_path: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from baricitinib_guideline.cli import main

    source, target = tmp_path / "in.parquet", tmp_path / "out"
    table = pa.table(
        {
            "age_years": [40.0, 8.0, 70.0],
            "weight_kg": pa.array([None, 25.0, None], pa.float64()),
            "pregnant": pa.array([None, None, None], pa.null()),
            "response": pa.array([None, None, None], pa.null()),
            "note": pa.array([None, None, None], pa.null()),
        }
    )
    pq.write_table(table, source)
    assert main(["audit", str(source), str(target)]) == 0
    written = pq.read_table(target)
    assert written.schema.field("note").type == pa.null()  # kept as it was
    expected = cohort.audit(table.to_pandas())
    assert written.column("status").to_pylist() == expected["status"].tolist()
    assert "INVALID" not in expected["status"].tolist()


def test_a_number_beside_a_complex_value_keeps_its_value() -> None:
    df = pd.DataFrame(
        {
            "age_years": pd.Series([Fraction(40), 3 + 4j, Decimal("8")], dtype=object),
            "weight_kg": pd.Series([70, 70, np.float32(25)], dtype=object),
        }
    )
    audited = cohort.audit(df)
    assert audited["status"].tolist() == [
        scalar({"age_years": 40.0, "weight_kg": 70.0})[0],
        "INVALID",
        scalar({"age_years": 8.0, "weight_kg": 25.0})[0],
    ]
    assert audited["recommended_dose_mg"].tolist()[::2] == [4.0, 2.0]
    assert audited.loc[1, "problem"] == "age_years: must be a real number, got complex"


# What each part of the answer reads, traced, against what the audit keys it on ---------

_ATTRIBUTE_INPUT = {
    # Patient attribute: the audit's input for it (None: no cohort column, always default)
    "age": "age",
    "age_months": "age",
    "age_years": "age",
    "weight": "weight",
    "weight_kg": "weight",
    "risk_factors": "risks",
    "creatinine_clearance": "clearance",
    "creatinine_clearance_ml_min": "clearance",
    "egfr": "egfr",
    "egfr_ml_min": "egfr",
    "serum_creatinine": "creatinine",
    "serum_creatinine_mg_dl": "creatinine",
    "sex": "sex",
    "pregnant": "pregnant",
    "breastfeeding": "breastfeeding",
    "severe_hepatic_impairment": "severe_hepatic_impairment",
    "strong_oat3_inhibitor": "strong_oat3_inhibitor",
    "systemic_candidate": "systemic_candidate",
    "labs": None,
    "hypersensitivity": None,
    "can_become_pregnant": None,
    "suspected_drug_induced_liver_injury": None,
    "suspected_hepatitis_b": None,
    "comorbidities": None,
}


class _Traced:
    """A patient that records every attribute the rules read."""

    def __init__(self, patient: bg.Patient) -> None:
        self._patient = patient
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._patient, name)


def _inputs_read(read: set[str]) -> set[str]:
    unknown = read - set(_ATTRIBUTE_INPUT)
    assert not unknown, f"a rule reads {unknown}: place it in the audit's keys"
    return {found for name in read if (found := _ATTRIBUTE_INPUT[name]) is not None}


def test_the_audit_names_every_licence_rule() -> None:
    from baricitinib_guideline import decision

    assert [rule.__name__ for rule in decision.LICENCE_RULES] == list(cohort.LICENCE_RULE_INPUTS)


@settings(max_examples=300, deadline=None)
@given(patients, st.booleans())
def test_each_licence_rule_reads_only_the_inputs_the_audit_keys_it_on(
    patient: bg.Patient, on_treatment: bool
) -> None:
    from baricitinib_guideline import decision

    for rule in decision.LICENCE_RULES:
        traced = _Traced(patient)
        rule(traced, on_treatment)  # type: ignore[arg-type]
        assert _inputs_read(traced.read) <= set(cohort.LICENCE_RULE_INPUTS[rule.__name__]), (
            rule.__name__
        )


@settings(max_examples=300, deadline=None)
@given(patients, follow_ups)
def test_the_chapter_reads_only_the_inputs_the_audit_keys_it_on(
    patient: bg.Patient, follow_up: tuple[Any, Any]
) -> None:
    from baricitinib_guideline import decision

    dose, response = follow_up
    traced = _Traced(patient)
    decision.chapter_step(traced, None if dose is None else dose.m_as("mg"), response)  # type: ignore[arg-type]
    assert _inputs_read(traced.read) <= {"age", "weight", "risks", "systemic_candidate"}

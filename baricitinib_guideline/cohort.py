"""Cohort audit (optional extra ``cohort``): the guideline's answer for every row of a table.

``audit(df)`` returns the same rows, in the same order and with the same
index, with the answer's columns added; the input is not modified. It does
not write the rules a second time: each row is placed, with column
operations, in the bands the rules compare (age, weight, renal function, the
flags, the exact current dose and the response), and :func:`recommend` is
asked once per distinct combination, with one of its rows. So every valid
row's answer is the scalar API's, by construction, at the cost of a few
hundred calls however many rows there are. Values within a hair of a
threshold are placed through the library's own unit conversion, so they fall
where the scalar API puts them.

``audit_dask(ddf)`` does the same per partition of a Dask DataFrame;
``summary(audited)`` counts the answers and ``plot_summary`` draws them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from . import api
from .errors import InvalidInputError
from .knowledge import chapter as k
from .knowledge import licence as lic
from .model.core import MAX_DOSE_MG
from .model.enums import Response, RiskFactor, Sex
from .model.patient import (
    MAX_AGE_YEARS,
    MAX_SERUM_CREATININE_MG_DL,
    MAX_WEIGHT_KG,
    MIN_PREGNANCY_AGE_YEARS,
    Patient,
)
from .rules.licence import cockcroft_gault
from .units import registry

if TYPE_CHECKING:
    import dask.dataframe as dd
    from matplotlib.figure import Figure

__all__ = ["INPUT_COLUMNS", "OUTPUT_COLUMNS", "audit", "audit_dask", "plot_summary", "summary"]

FLAGS: Final[dict[str, tuple[str, bool]]] = {
    # column: (Patient field or risk factor, default)
    "risk_vte": ("VTE", False),
    "risk_mace": ("MACE", False),
    "risk_malignancy": ("MALIGNANCY", False),
    "risk_infection": ("CHRONIC_OR_RECURRENT_INFECTION", False),
    "risk_smoking": ("SMOKING", False),
    "systemic_candidate": ("systemic_candidate", True),
    "severe_hepatic_impairment": ("severe_hepatic_impairment", False),
    "pregnant": ("pregnant", False),
    "breastfeeding": ("breastfeeding", False),
    "strong_oat3_inhibitor": ("strong_oat3_inhibitor", False),
}
NUMBERS: Final = (
    "weight_kg",
    "creatinine_clearance_ml_min",
    "egfr_ml_min",
    "serum_creatinine_mg_dl",
    "current_dose_mg",
)
INPUT_COLUMNS: Final = (
    "age_years",
    "weight_kg",
    *list(FLAGS)[:5],
    "systemic_candidate",
    "creatinine_clearance_ml_min",
    "egfr_ml_min",
    *list(FLAGS)[6:],
    "current_dose_mg",
    "response",
    "sex",
    "serum_creatinine_mg_dl",
)
OUTPUT_COLUMNS: Final = (
    "recommended_dose_mg",
    "status",
    "modality",
    "reason_codes",
    "problem",
    "dose_matches",
)
INVALID: Final = "INVALID"
_NEAR: Final = 1e-9
MAX_CLEARANCE_ML_MIN: Final = 1000.0


# Values as the scalar API sees them -------------------------------------------


def _canonical(values: np.ndarray[Any, Any], unit: str, target: str) -> np.ndarray[Any, Any]:
    """``values`` (in ``unit``) in ``target``, as the library's unit door computes them.

    The same multiplication as the scalar path; its rounding to 12 significant
    digits can only move a value across a threshold when it lies within a hair
    of it, so only those values are rounded here, by the library's own function.
    """
    from .units import _significant

    factor = float(registry().Quantity(1.0, unit).m_as(target))
    raw = values * factor
    thresholds = _THRESHOLDS.get(target, ())
    if thresholds:
        near = np.zeros(raw.shape, dtype=bool)
        for threshold in thresholds:
            near |= np.abs(raw - threshold) <= _NEAR * threshold
        if near.any():
            raw = raw.copy()
            raw[near] = [_significant(float(v)) for v in raw[near]]
    return raw


_THRESHOLDS: Final[dict[str, tuple[float, ...]]] = {
    "month": (
        k.LICENCE_MIN_AGE_MONTHS,
        lic.PREGNANCY_QUESTIONS_FROM_MONTHS,
        k.ADULT_AGE_MONTHS,
        k.OLDER_ADULT_AGE_MONTHS,
        MAX_AGE_YEARS * 12,
    ),
    "kilogram": (k.CHILD_MIN_WEIGHT_KG, k.CHILD_HIGH_WEIGHT_KG, MAX_WEIGHT_KG),
    "milliliter / minute": (
        lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN,
        lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN,
        lic.CHILD_EGFR_NO_DATA_BELOW,
        lic.CHILD_EGFR_REDUCED_BELOW,
        MAX_CLEARANCE_ML_MIN,
    ),
    "milligram": (MAX_DOSE_MG,),
}


# Reading and checking the table -------------------------------------------------


def _numbers(df: pd.DataFrame, column: str, problems: _Problems) -> np.ndarray[Any, Any]:
    """The column as floats (NaN when absent or null); non-numbers are problems."""
    if column not in df:
        return np.full(len(df), np.nan)
    series = df[column]
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if series.dtype == bool:
        bad |= True
    elif series.dtype == object:
        bad |= series.map(lambda v: isinstance(v, bool)).astype(bool)
    _flag(problems, bad.to_numpy(), f"{column}: must be a number")
    return values.to_numpy(dtype=float, na_value=np.nan)


class _Problems:
    """Why each row cannot be read; the first column named wins."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.found = np.zeros(rows, dtype=bool)
        self.messages: list[tuple[np.ndarray[Any, Any], str]] = []

    def flag(self, where: np.ndarray[Any, Any], message: str) -> None:
        fresh = where & ~self.found
        if fresh.any():
            self.messages.append((fresh, message))
            self.found |= fresh

    @property
    def text(self) -> np.ndarray[Any, Any]:
        """The message of each row (``None`` where the row can be read)."""
        text = np.full(self.rows, None, dtype=object)
        for rows, message in self.messages:
            text[rows] = message
        return text


def _flag(problems: _Problems, where: np.ndarray[Any, Any], message: str) -> None:
    problems.flag(np.asarray(where, dtype=bool), message)


def _booleans(
    df: pd.DataFrame, column: str, default: bool, problems: _Problems
) -> np.ndarray[Any, Any]:
    if column not in df:
        return np.full(len(df), default)
    series = df[column]
    if series.dtype == bool:
        return series.to_numpy()
    if series.dtype == "boolean":
        return series.fillna(default).to_numpy(dtype=bool)
    known = series.map(
        lambda v: (
            v is None or isinstance(v, bool | np.bool_) or (isinstance(v, float) and math.isnan(v))
        )
    )
    _flag(problems, ~known.to_numpy(dtype=bool), f"{column}: must be true, false or null")
    return series.map(lambda v: bool(v) if isinstance(v, bool | np.bool_) else default).to_numpy(
        dtype=bool
    )


def _range(
    problems: _Problems,
    column: str,
    values: np.ndarray[Any, Any],
    canon: np.ndarray[Any, Any],
    upper: float,
    words: str,
    zero_allowed: bool,
    required: bool = False,
) -> None:
    present = ~np.isnan(values)
    if required:
        _flag(problems, ~present, f"{column}: is required (not null)")
    with np.errstate(invalid="ignore"):
        _flag(problems, present & ~np.isfinite(values), f"{column}: must be finite")
        _flag(problems, present & ((values < 0) | (canon < 0)), f"{column}: must not be negative")
        if not zero_allowed:
            _flag(problems, present & (canon == 0), f"{column}: must be greater than zero")
        _flag(
            problems,
            present & np.isfinite(values) & (canon > upper),
            f"{column}: is implausible (more than {words})",
        )


def _bands(
    values: np.ndarray[Any, Any], cuts: tuple[float, ...], upper_inclusive: tuple[bool, ...]
) -> np.ndarray[Any, Any]:
    """An integer band per value: -1 unknown, then 0.. by the cuts, as the rules compare them."""
    band = np.zeros(values.shape, dtype=np.int8)
    for cut, inclusive in zip(cuts, upper_inclusive, strict=True):
        band += (values > cut) if inclusive else (values >= cut)
    band[np.isnan(values)] = -1
    return band


def audit(df: pd.DataFrame) -> pd.DataFrame:
    """The guideline's answer for every row; same rows, order and index, new columns.

    ``df`` is a pandas DataFrame, or a table with ``to_pandas()`` (a pyarrow
    Table, a polars DataFrame), which is converted first; the result is pandas.
    """
    if not isinstance(df, pd.DataFrame) and callable(getattr(df, "to_pandas", None)):
        df = df.to_pandas()
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError("df", f"must be a pandas DataFrame, got {type(df).__name__}")
    if "age_years" not in df:
        raise InvalidInputError("age_years", "the column is required")
    clash = [column for column in OUTPUT_COLUMNS if column in df]
    if clash:
        raise InvalidInputError(clash[0], "is an output column; the input must not have it")
    problems = _Problems(len(df))

    age = _numbers(df, "age_years", problems)
    months = _canonical(age, "year", "month")
    _range(
        problems,
        "age_years",
        age,
        months,
        MAX_AGE_YEARS * 12,
        f"{MAX_AGE_YEARS} years",
        True,
        required=True,
    )
    weight = _numbers(df, "weight_kg", problems)
    kg = _canonical(weight, "kilogram", "kilogram")
    _range(problems, "weight_kg", weight, kg, MAX_WEIGHT_KG, f"{MAX_WEIGHT_KG} kg", False)
    flags = {
        column: _booleans(df, column, default, problems) for column, (_, default) in FLAGS.items()
    }
    renal = {}
    for column in ("creatinine_clearance_ml_min", "egfr_ml_min"):
        values = _numbers(df, column, problems)
        renal[column] = _canonical(values, "milliliter / minute", "milliliter / minute")
        _range(problems, column, values, renal[column], MAX_CLEARANCE_ML_MIN, "1000 mL/min", True)
    dose = _numbers(df, "current_dose_mg", problems)
    dose_mg = _canonical(dose, "milligram", "milligram")
    _range(problems, "current_dose_mg", dose, dose_mg, MAX_DOSE_MG, f"{MAX_DOSE_MG:g} mg", False)
    response = _responses(df, problems)
    sex = _sexes(df, problems)
    _contradictions(problems, flags["pregnant"], sex, months)
    clearance, creatinine, creatinine_state = _creatinine(
        df, problems, age, months, weight, sex, renal
    )

    # The bands the rules compare, as one integer key (mixed radix); rows that agree on all
    # of them get one answer.
    dose_codes, _ = pd.factorize(dose_mg, use_na_sentinel=True)
    parts = [
        _bands(
            months,
            (
                k.LICENCE_MIN_AGE_MONTHS,
                lic.PREGNANCY_QUESTIONS_FROM_MONTHS,
                k.ADULT_AGE_MONTHS,
                k.OLDER_ADULT_AGE_MONTHS,
            ),
            (False, False, False, False),
        ),
        _bands(kg, (k.CHILD_MIN_WEIGHT_KG, k.CHILD_HIGH_WEIGHT_KG), (False, False)),
        _bands(
            clearance,
            (
                lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN,
                lic.OTHER_MEASURE_NORMAL_FROM,
                lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN,
            ),
            (False, False, True),
        ),
        _bands(
            renal["egfr_ml_min"],
            (lic.CHILD_EGFR_NO_DATA_BELOW, lic.CHILD_EGFR_REDUCED_BELOW),
            (False, False),
        ),
        response,
        *flags.values(),
    ]
    key = np.asarray(dose_codes, dtype=np.int64) + 1
    for part in parts:  # in place: no temporary the size of the table per part
        key *= 8
        key += part
        key += 1  # every part lies in -1..6
    # Sex and the creatinine's state, on a key made compact first (so it cannot overflow);
    # a table without them keeps its key.
    if sex.any() or creatinine_state.any():
        key = pd.factorize(key)[0].astype(np.int64)
        for extra in (sex, creatinine_state):
            key *= 8
            key += extra + 1
    del parts, dose_codes, months, kg  # only the bands were needed
    valid = ~problems.found
    codes, uniques = pd.factorize(key)
    # The first valid row of each group stands for it.
    valid_rows = np.flatnonzero(valid)
    groups, first = np.unique(codes[valid_rows], return_index=True)
    answers: dict[int, tuple[float, str, str | None, str]] = {}
    for group, row in zip(groups.tolist(), valid_rows[first].tolist(), strict=True):
        answers[group] = _answer(
            age[row],
            weight[row],
            {c: v[row] for c, v in flags.items()},
            renal,
            row,
            dose[row],
            response[row],
            (int(sex[row]), math.nan if creatinine is None else float(creatinine[row])),
        )

    out = df.copy(deep=False)  # only new columns are added: the input stays as it was
    # One entry per group, then picked for every row by its group's code.
    table = [answers.get(g, (np.nan, INVALID, None, None)) for g in range(len(uniques))]
    columns = [
        np.array([entry[i] for entry in table], dtype=float if i == 0 else object)
        for i in range(4)
    ]
    recommended = columns[0][codes] if len(table) else np.empty(0)
    recommended[~valid] = np.nan
    out["recommended_dose_mg"] = recommended
    for position, column in ((1, "status"), (2, "modality"), (3, "reason_codes")):
        picked = columns[position][codes] if len(table) else np.empty(0, dtype=object)
        picked[~valid] = INVALID if column == "status" else None
        out[column] = pd.Series(picked, index=df.index, dtype=object, copy=False)
    out["problem"] = pd.Series(problems.text, index=df.index, dtype=object, copy=False)
    with np.errstate(invalid="ignore"):
        out["dose_matches"] = valid & ~np.isnan(dose_mg) & (dose_mg == recommended)
    return out


def _responses(df: pd.DataFrame, problems: _Problems) -> np.ndarray[Any, Any]:
    """A small code per row: 0 for no response, then 1.. for each member of Response."""
    if "response" not in df:
        return np.zeros(len(df), dtype=np.int64)
    codes, uniques = pd.factorize(df["response"], use_na_sentinel=True)
    members = list(Response.__members__)
    known = [members.index(u) + 1 if isinstance(u, str) and u in members else -1 for u in uniques]
    found = np.array([*known, 0], dtype=np.int64)[codes]  # the sentinel -1 picks the 0: none
    _flag(problems, found < 0, f"response: must be one of {', '.join(members)} or null")
    return np.maximum(found, 0)


_SEXES: Final = (None, *Sex)
"""Sex by its code in the audit: 0 unknown, then the members in order."""


def _creatinine(
    df: pd.DataFrame,
    problems: _Problems,
    age: np.ndarray[Any, Any],
    months: np.ndarray[Any, Any],
    weight: np.ndarray[Any, Any],
    sex: np.ndarray[Any, Any],
    renal: Mapping[str, np.ndarray[Any, Any]],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None, np.ndarray[Any, Any]]:
    """The clearance the licence's bands see (measured, else estimated), the creatinine
    column (``None`` when absent), and its state per row: 0 none, 1 given without an
    estimate, 2 estimated."""
    measured = renal["creatinine_clearance_ml_min"]
    if "serum_creatinine_mg_dl" not in df:
        return measured, None, np.zeros(len(df), dtype=np.int8)
    creatinine = _numbers(df, "serum_creatinine_mg_dl", problems)
    words = f"{MAX_SERUM_CREATININE_MG_DL} mg/dL"
    limit = MAX_SERUM_CREATININE_MG_DL
    _range(problems, "serum_creatinine_mg_dl", creatinine, creatinine, limit, words, False)
    estimate = _estimates(age, months, weight, sex, creatinine, renal)
    clearance = np.where(np.isnan(measured), estimate, measured)
    state = np.where(~np.isnan(estimate), 2, np.where(np.isnan(creatinine), 0, 1))
    return clearance, creatinine, state.astype(np.int8)


def _sexes(df: pd.DataFrame, problems: _Problems) -> np.ndarray[Any, Any]:
    """A small code per row: 0 unknown (null), 1 FEMALE, 2 MALE; names in any case."""
    if "sex" not in df:
        return np.zeros(len(df), dtype=np.int8)
    codes, uniques = pd.factorize(df["sex"], use_na_sentinel=True)
    names = [None, *Sex.__members__]
    known = [
        names.index(u.strip().upper()) if isinstance(u, str) and u.strip().upper() in names else -1
        for u in uniques
    ]
    found = np.array([*known, 0], dtype=np.int64)[codes]
    _flag(problems, found < 0, f"sex: must be one of {', '.join(Sex.__members__)} or null")
    return np.maximum(found, 0).astype(np.int8)


def _contradictions(
    problems: _Problems,
    pregnant: np.ndarray[Any, Any],
    sex: np.ndarray[Any, Any],
    months: np.ndarray[Any, Any],
) -> None:
    """A pregnancy the row's sex or age rules out, as the Patient refuses it."""
    male = _SEXES.index(Sex.MALE)
    _flag(problems, pregnant & (sex == male), "pregnant: is true but sex is MALE")
    with np.errstate(invalid="ignore"):
        young = months < MIN_PREGNANCY_AGE_YEARS * 12
    _flag(
        problems,
        pregnant & young,
        f"pregnant: is true but age is under {MIN_PREGNANCY_AGE_YEARS} years",
    )


def _estimates(
    age: np.ndarray[Any, Any],
    months: np.ndarray[Any, Any],
    weight: np.ndarray[Any, Any],
    sex: np.ndarray[Any, Any],
    creatinine: np.ndarray[Any, Any],
    renal: Mapping[str, np.ndarray[Any, Any]],
) -> np.ndarray[Any, Any]:
    """The Cockcroft-Gault estimate where the rules make one (NaN elsewhere).

    Computed by the rules' own function on the numbers a Patient derives, row
    by row, only where an estimate is made: so it rounds as the scalar API does.
    """
    from .units import _significant

    estimate = np.full(len(age), np.nan)
    with np.errstate(invalid="ignore"):
        needed = (
            (months >= k.ADULT_AGE_MONTHS)
            & ~np.isnan(weight)
            & (weight > 0)
            & (sex > 0)
            & ~np.isnan(creatinine)
            & (creatinine > 0)
            & np.isnan(renal["creatinine_clearance_ml_min"])
        )
    to_months = float(registry().Quantity(1.0, "year").m_as("month"))  # as canonical() does
    for row in np.flatnonzero(needed).tolist():
        estimate[row] = cockcroft_gault(
            _significant(float(age[row]) * to_months) / 12,
            _significant(float(weight[row])),
            _SEXES[int(sex[row])],
            round(_significant(float(creatinine[row])), 9),
        )
    return estimate


def _answer(
    age: float,
    weight: float,
    flags: Mapping[str, bool],
    renal: Mapping[str, np.ndarray[Any, Any]],
    row: int,
    dose: float,
    response: int,
    extra: tuple[int, float],
) -> tuple[float, str, str | None, str]:
    """The scalar API's answer for one row (the group's representative)."""
    reg = registry()
    units = _units()
    risks = frozenset(RiskFactor[FLAGS[c][0]] for c in list(FLAGS)[:5] if flags[c])
    clearance, egfr = renal["creatinine_clearance_ml_min"][row], renal["egfr_ml_min"][row]
    patient = Patient(
        age=reg.Quantity(float(age), units["year"]),
        weight=None if math.isnan(weight) else reg.Quantity(float(weight), units["kilogram"]),
        risk_factors=risks,
        systemic_candidate=bool(flags["systemic_candidate"]),
        creatinine_clearance=None
        if math.isnan(clearance)
        else reg.Quantity(float(clearance), units["milliliter / minute"]),
        egfr=None if math.isnan(egfr) else reg.Quantity(float(egfr), units["milliliter / minute"]),
        severe_hepatic_impairment=bool(flags["severe_hepatic_impairment"]),
        pregnant=bool(flags["pregnant"]),
        breastfeeding=bool(flags["breastfeeding"]),
        strong_oat3_inhibitor=bool(flags["strong_oat3_inhibitor"]),
        sex=_SEXES[extra[0]],
        serum_creatinine=None
        if math.isnan(extra[1])
        else reg.Quantity(float(extra[1]), units["milligram / deciliter"]),
    )
    result = api.recommend(
        patient,
        current_dose=None if math.isnan(dose) else reg.Quantity(float(dose), units["milligram"]),
        response=list(Response)[response - 1] if response else None,
    )
    reasons = list(dict.fromkeys(reason.source.statement for reason in result.reasons))
    return (
        np.nan if result.regimen is None else result.regimen.dose_mg,
        result.status.name,
        None if result.modality is None else result.modality.name,
        ";".join(reasons),
    )


@functools.cache
def _units() -> dict[str, Any]:
    """The units the representative patients are built with, parsed once."""
    reg = registry()
    return {
        name: reg.Unit(name)
        for name in (
            "year",
            "kilogram",
            "milliliter / minute",
            "milligram",
            "milligram / deciliter",
        )
    }


# Beyond one machine --------------------------------------------------------------


def audit_dask(ddf: dd.DataFrame) -> dd.DataFrame:
    """:func:`audit` on every partition of a Dask DataFrame, with the output declared."""
    meta = audit(ddf._meta)
    result: dd.DataFrame = ddf.map_partitions(audit, meta=meta)
    return result


# Reading the result ---------------------------------------------------------------


def summary(audited: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts by status, and, among rows whose current dose is not the recommended one, by
    the statement that decided (the first reason code)."""
    for column in ("status", "dose_matches", "reason_codes"):
        if column not in audited:
            raise InvalidInputError(column, "is missing: pass the result of audit()")
    by_status = audited["status"].value_counts().rename("rows")
    given = audited["current_dose_mg"].notna() if "current_dose_mg" in audited else False
    mismatch = audited[given & ~audited["dose_matches"] & (audited["status"] != INVALID)]
    deciding = mismatch["reason_codes"].map(
        lambda codes: codes.split(";")[0] if isinstance(codes, str) and codes else "(none)"
    )
    return {"by_status": by_status, "by_mismatch_reason": deciding.value_counts().rename("rows")}


def plot_summary(audited: pd.DataFrame) -> Figure:
    """A figure of :func:`summary` (needs matplotlib: the ``plot`` extra). Touches no global
    matplotlib state: the figure is made without pyplot."""
    from matplotlib.figure import Figure

    counts = summary(audited)
    figure = Figure(figsize=(9, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    for axes, (title, series) in zip(
        (left, right),
        (
            ("Answers by status", counts["by_status"]),
            ("Dose differs: deciding statement", counts["by_mismatch_reason"]),
        ),
        strict=True,
    ):
        axes.barh([str(i) for i in series.index], series.to_numpy())
        axes.set_title(title)
        axes.set_xlabel("rows")
    return figure


def run_audit(argv: list[str]) -> int:
    """``baricitinib-guideline audit IN OUT [--scheduler ADDRESS]``: Parquet in, Parquet out.

    Reads the (partitioned) Parquet dataset ``IN`` lazily with Dask, audits
    each partition and writes ``OUT`` partition by partition, so the data need
    not fit in memory; shows a progress bar. ``--scheduler`` runs it on an
    existing Dask cluster (``tcp://host:8786``); without it, on this machine.
    """
    import argparse
    import sys

    import dask.dataframe as dd

    parser = argparse.ArgumentParser(
        prog="baricitinib-guideline audit", description=run_audit.__doc__
    )
    parser.add_argument("source", metavar="IN", help="Parquet file or directory of the cohort")
    parser.add_argument(
        "target", metavar="OUT", help="Parquet directory to write the audited cohort to"
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="address of a Dask scheduler to run on"
    )
    args = parser.parse_args(argv)
    try:
        frame = dd.read_parquet(args.source)
        # Parquet needs a type for the text columns; Dask's placeholder rows give none.
        text = dict.fromkeys(("status", "modality", "reason_codes", "problem"), "string")
        audited = audit_dask(frame).astype(text)
        write = audited.to_parquet(args.target, compute=False, write_index=True)
        if args.scheduler:
            from distributed import Client, progress

            with Client(args.scheduler) as client:
                future = client.compute(write)
                progress(future)
                future.result()
        else:
            from dask.diagnostics.progress import ProgressBar

            with ProgressBar(out=sys.stderr):
                write.compute()
    except InvalidInputError as error:
        print(f"baricitinib-guideline audit: error: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(
            f"baricitinib-guideline audit: error: {type(error).__name__}: {error}", file=sys.stderr
        )
        return 2
    return 0

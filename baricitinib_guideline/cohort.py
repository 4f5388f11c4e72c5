"""Cohort audit (optional extra ``cohort``): the guideline's answer for every row of a table.

``audit(df)`` returns the same rows, in the same order and with the same
index, with the answer's columns added; the input is not modified. It does
not write the rules a second time: each row is placed, with column
operations, in the bands the rules compare (age, weight, renal function, the
flags, the exact current dose and the response), and rows that agree on
every band are one case. The API's answer has three parts (``decision``), and
each is computed once per combination of the bands it reads, over the cases:
the chapter's step, each rule of the licence (:data:`LICENCE_RULE_INPUTS`
names what each reads; a rule not named stops the audit), and their
combination, once per pair of results the columns can tell apart. So every
valid row's answer is the scalar API's, built by the API's own functions, at
a cost that grows with the few combinations of each part, not with the many
combinations of all inputs. Values within a hair of a
threshold are placed through the library's own unit conversion, so they
fall where the scalar API puts them.

``audit_dask(ddf)`` does the same per partition of a Dask DataFrame;
``summary(audited)`` counts the answers and ``plot_summary`` draws them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from numbers import Real
from typing import TYPE_CHECKING, Any, Final

import attrs
import numpy as np
import pandas as pd

from . import decision
from .errors import InvalidInputError
from .knowledge import chapter as k
from .knowledge import licence as lic
from .model.core import MAX_DOSE_MG, Reason, Regimen, Source
from .model.enums import Response, RiskFactor, Sex
from .model.patient import (
    MAX_AGE_YEARS,
    MAX_SERUM_CREATININE_MG_DL,
    MAX_WEIGHT_KG,
    MIN_PREGNANCY_AGE_YEARS,
    Patient,
)
from .units import canonical, registry, snap_conversion_noise

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


@dataclass(frozen=True)
class _Number:
    """A column of real numbers in ``unit``; the rules compare them in ``target``."""

    unit: str
    target: str
    upper: float
    words: str
    zero_allowed: bool
    required: bool = False


@dataclass(frozen=True)
class _Flag:
    """A column of booleans; null is the default of :data:`FLAGS`."""


@dataclass(frozen=True)
class _Member:
    """A column of member names of ``enum`` (or its members); null is none. Names are read
    in any case, around spaces ignored, as ``bg.Patient`` and ``bg.recommend`` read them."""

    enum: type[Enum]


_ML_MIN: Final = "milliliter / minute"
MAX_CLEARANCE_ML_MIN: Final = 1000.0
_RENAL: Final = _Number(_ML_MIN, _ML_MIN, MAX_CLEARANCE_ML_MIN, "1000 mL/min", zero_allowed=True)
COLUMNS: Final[dict[str, _Number | _Flag | _Member]] = {
    # How each input column is read, in the order a row's first problem is named.
    "age_years": _Number(
        "year", "month", MAX_AGE_YEARS * 12, f"{MAX_AGE_YEARS} years", True, required=True
    ),
    "weight_kg": _Number("kilogram", "kilogram", MAX_WEIGHT_KG, f"{MAX_WEIGHT_KG} kg", False),
    "risk_vte": _Flag(),
    "risk_mace": _Flag(),
    "risk_malignancy": _Flag(),
    "risk_infection": _Flag(),
    "risk_smoking": _Flag(),
    "systemic_candidate": _Flag(),
    "creatinine_clearance_ml_min": _RENAL,
    "egfr_ml_min": _RENAL,
    "severe_hepatic_impairment": _Flag(),
    "pregnant": _Flag(),
    "breastfeeding": _Flag(),
    "strong_oat3_inhibitor": _Flag(),
    "current_dose_mg": _Number(
        "milligram", "milligram", MAX_DOSE_MG, f"{MAX_DOSE_MG:g} mg", False
    ),
    "response": _Member(Response),
    "sex": _Member(Sex),
    "serum_creatinine_mg_dl": _Number(
        "milligram / deciliter",
        "milligram / deciliter",
        MAX_SERUM_CREATININE_MG_DL,
        f"{MAX_SERUM_CREATININE_MG_DL} mg/dL",
        False,
    ),
}
INPUT_COLUMNS: Final = tuple(COLUMNS)
LICENCE_FLAGS: Final = (
    "severe_hepatic_impairment",
    "pregnant",
    "breastfeeding",
    "strong_oat3_inhibitor",
)
"""The flag columns only the licence's constraints read (with the risks, read by both)."""
LICENCE_RULE_INPUTS: Final[dict[str, tuple[str, ...]]] = {
    # Each rule of the licence (``decision.LICENCE_RULES``) and the inputs it reads, besides
    # whether the patient is on treatment; the audit refuses to run with a rule not named.
    "hypersensitivity": (),
    "pregnancy": ("age", "sex", "pregnant"),
    "breastfeeding": ("breastfeeding",),
    "hepatic": ("severe_hepatic_impairment",),
    "liver_injury": ("age", "sex"),
    "renal": ("age", "weight", "sex", "creatinine", "clearance", "egfr"),
    "oat3_inhibitor": ("age", "strong_oat3_inhibitor"),
    "blood_counts": (),
    "jak_safety_measures": ("age", "risks"),
    "live_vaccines": (),
}
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


# Values as the scalar API sees them -------------------------------------------


def _canonical(values: np.ndarray[Any, Any], unit: str, target: str) -> np.ndarray[Any, Any]:
    """``values`` (in ``unit``) in ``target``, as the library's unit door computes them.

    The same multiplication as the scalar path; its rounding to 12 significant
    digits can only move a value across a threshold when it lies within a hair
    of it, so only those values are rounded here, by the library's own function.
    """
    factor = float(registry().Quantity(1.0, unit).m_as(target))
    raw = values if factor == 1.0 else values * factor  # the same numbers: no copy
    thresholds = _THRESHOLDS.get(target, ())
    if thresholds:
        near = np.zeros(raw.shape, dtype=bool)
        for threshold in thresholds:
            near |= np.abs(raw - threshold) <= _NEAR * threshold
        if near.any():
            raw = raw.copy()
            # Once per distinct value: records repeat the values at a cut point.
            distinct, where = np.unique(raw[near], return_inverse=True)
            raw[near] = np.array([snap_conversion_noise(float(v)) for v in distinct])[where]
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


# One strict rule per kind of column. A reader gives the column's values and, per
# refused value, why: {why: rows}. Nulls are None, pandas' NA and NaT, and float NaN.

Refused = dict[str, np.ndarray[Any, Any]]


def _is_null(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float | np.floating) and math.isnan(value))
    )


def _refused(rows: int, why: list[str | None]) -> Refused:
    """The rows of each reason in ``why`` (``None``: not refused)."""
    found: Refused = {}
    for row, reason in enumerate(why):
        if reason is not None:
            found.setdefault(reason, np.zeros(rows, dtype=bool))[row] = True
    return found


def _objects(series: pd.Series) -> np.ndarray[Any, Any]:
    objects: np.ndarray[Any, Any] = series.to_numpy(dtype=object)
    return objects


def _by_category(series: pd.Series, read: Any, null: Any) -> tuple[np.ndarray[Any, Any], Refused]:
    """A categorical column, read once per category; code -1 (null) gives ``null``."""
    values, refused = read(pd.Series(series.cat.categories, dtype=series.cat.categories.dtype))
    codes = series.cat.codes.to_numpy()
    picked = np.append(values, np.array([null], dtype=values.dtype))[codes]
    return picked, {why: np.append(rows, False)[codes] for why, rows in refused.items()}


_NOT_FINITE: Final = "must be finite (not infinite or too large)"


def _number(value: object) -> float | str:
    """A real number as a float (NaN for a null), or why it is refused."""
    if _is_null(value):
        return math.nan
    if isinstance(value, bool | np.bool_):
        return "must be a number, not true or false"
    if not isinstance(value, Real | Decimal):
        return f"must be a real number, got {type(value).__name__}"
    if isinstance(value, Decimal) and value.is_nan():
        return "must be a number (a Decimal NaN is not one; leave the value null)"
    try:
        number = float(value)
    except (OverflowError, ArithmeticError):
        number = math.inf
    except Exception:  # a number type of a library that cannot give a float
        return f"cannot be read as a number ({type(value).__name__})"
    if not math.isfinite(number):
        return _NOT_FINITE
    return number


def _read_numbers(series: pd.Series) -> tuple[np.ndarray[Any, Any], Refused]:
    """Real numbers: ints, floats, Decimal, Fraction, numpy scalars, nullable and pyarrow
    numbers. Booleans, text, bytes, complex numbers, quantities, containers and values
    that are not finite are refused."""
    dtype = series.dtype
    rows = len(series)
    if isinstance(dtype, pd.CategoricalDtype):
        return _by_category(series, _read_numbers, math.nan)
    if pd.api.types.is_bool_dtype(dtype):
        return np.full(rows, np.nan), {
            "must be a number, not true or false": series.notna().to_numpy(dtype=bool)
        }
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        try:
            values = series.to_numpy(dtype=float, na_value=np.nan)
        except Exception:  # an extension type without a float conversion: value by value
            return _read_numbers(series.astype(object))
        infinite = np.isinf(values)
        if infinite.any():
            values = np.where(infinite, np.nan, values)
            return values, {_NOT_FINITE: infinite}
        return values, {}
    objects = _objects(series)
    if pd.api.types.is_object_dtype(dtype) and _plain(objects, _plain_number):
        try:  # None becomes NaN
            values = np.asarray(objects, dtype=float)
        except (OverflowError, TypeError, ValueError):
            pass
        else:
            if not np.isinf(values).any():
                return values, {}
    read = [_number(value) for value in objects]
    values = np.array([v if isinstance(v, float) else math.nan for v in read], dtype=float)
    return values, _refused(rows, [v if isinstance(v, str) else None for v in read])


def _plain(objects: np.ndarray[Any, Any], allowed: Any) -> bool:
    """Whether every value's type is ``allowed`` (asked once per type, not per value)."""
    return all(allowed(kind) for kind in set(map(type, objects)))


def _plain_number(kind: type) -> bool:
    """Python or numpy ints and floats, and None: what numpy converts to float as the rule
    does (NaN and None as null; a bool is of its own type, not int)."""
    return kind in (int, float, type(None)) or issubclass(kind, np.integer | np.floating)


_NULL_TYPES: Final = (type(None), float, np.float64, np.float32, type(pd.NA), type(pd.NaT))
"""Types whose values pandas counts as missing and the rule counts as null."""
_NOT_A_FLAG: Final = "must be true, false or null"
_BOOL_OR_NULL: Final = frozenset({bool, np.bool_, type(None), float})


def _read_flags(series: pd.Series) -> tuple[np.ndarray[Any, Any], Refused]:
    """Booleans (numpy, nullable, pyarrow): 1 true, 0 false, -1 null. Anything else,
    numbers 0 and 1 and text included, is refused."""
    dtype = series.dtype
    rows = len(series)
    if isinstance(dtype, pd.CategoricalDtype):
        return _by_category(series, _read_flags, -1)
    if pd.api.types.is_bool_dtype(dtype):
        if dtype == np.dtype(bool):
            return series.to_numpy().astype(np.int8), {}
        truth = series.to_numpy(dtype=bool, na_value=False).astype(np.int8)
        return np.where(series.notna().to_numpy(dtype=bool), truth, np.int8(-1)), {}
    objects = _objects(series)
    if pd.api.types.is_object_dtype(dtype) and _plain(objects, _BOOL_OR_NULL.__contains__):
        known = pd.notna(objects)  # None and NaN are null
        if _plain(objects[known], (bool, np.bool_).__contains__):  # else a float: refused below
            truth = objects.astype(bool).astype(np.int8)
            return np.where(known, truth, np.int8(-1)), {}
    values = np.full(rows, -1, dtype=np.int8)
    why: list[str | None] = [None] * rows
    for row, value in enumerate(objects):
        if isinstance(value, bool | np.bool_):
            values[row] = bool(value)
        elif not _is_null(value):
            why[row] = _NOT_A_FLAG
    return values, _refused(rows, why)


def _read_members(series: pd.Series, enum: type[Enum]) -> tuple[np.ndarray[Any, Any], Refused]:
    """Member names of ``enum`` (or its members): 0 for null, then 1.. in member order."""
    names = list(enum.__members__)
    wrong = f"must be one of {', '.join(names)} or null"

    def code(value: object) -> int:
        if isinstance(value, enum):
            return names.index(value.name) + 1
        if isinstance(value, str):
            value = value.strip().upper()
        if isinstance(value, str) and value in enum.__members__:
            return names.index(value) + 1
        return 0 if _is_null(value) else -1

    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        found = np.array([*(code(u) for u in uniques), 0], dtype=np.int64)[codes]
        if pd.api.types.is_object_dtype(series.dtype):
            # pandas also counts a Decimal NaN as null; the rule does not.
            nulls = np.flatnonzero(codes < 0)
            missing = _objects(series)[nulls]
            if not _plain(missing, lambda kind: kind in _NULL_TYPES):
                found[nulls] = [0 if _is_null(v) else -1 for v in missing]
    except Exception:  # values that cannot be hashed (lists, dicts, a signalling NaN)
        found = np.array([code(value) for value in _objects(series)], dtype=np.int64)
    return np.maximum(found, 0), {wrong: found < 0}


def _numbers(
    df: pd.DataFrame, column: str, kind: _Number, problems: _Problems
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The column's values (NaN when absent or null) and the same in the unit the rules use."""
    if column not in df:
        values = np.full(len(df), np.nan)
        return values, values
    values, refused = _read_numbers(df[column])
    for why, rows in refused.items():
        _flag(problems, rows, f"{column}: {why}")
    canon = _canonical(values, kind.unit, kind.target)
    present = ~np.isnan(values)
    if kind.required:
        _flag(problems, ~present, f"{column}: is required (not null)")
    with np.errstate(invalid="ignore"):
        _flag(problems, present & ((values < 0) | (canon < 0)), f"{column}: must not be negative")
        if not kind.zero_allowed:
            _flag(problems, present & (canon == 0), f"{column}: must be greater than zero")
        _flag(
            problems,
            present & (canon > kind.upper),
            f"{column}: is implausible (more than {kind.words})",
        )
    return values, canon


def _flags(df: pd.DataFrame, column: str, problems: _Problems) -> np.ndarray[Any, Any]:
    """The column as booleans; a null (or an absent column) is the flag's default."""
    default = FLAGS[column][1]
    if column not in df:
        return np.full(len(df), default)
    values, refused = _read_flags(df[column])
    for why, rows in refused.items():
        _flag(problems, rows, f"{column}: {why}")
    flags: np.ndarray[Any, Any] = (values != 0) if default else (values > 0)
    return flags


def _members(
    df: pd.DataFrame, column: str, kind: _Member, problems: _Problems
) -> np.ndarray[Any, Any]:
    """A small code per row: 0 for null (or an absent column), then 1.. per member."""
    if column not in df:
        return np.zeros(len(df), dtype=np.int64)
    codes, refused = _read_members(df[column], kind.enum)
    for why, rows in refused.items():
        _flag(problems, rows, f"{column}: {why}")
    return codes


def _check_columns(df: pd.DataFrame) -> None:
    if isinstance(df.columns, pd.MultiIndex):
        raise InvalidInputError("df", "columns must be one level of names, not a MultiIndex")
    if df.columns.has_duplicates:
        twice = df.columns[df.columns.duplicated()][0]
        raise InvalidInputError(str(twice), "the column appears more than once")
    if "age_years" not in df:
        raise InvalidInputError("age_years", "the column is required")
    clash = [column for column in OUTPUT_COLUMNS if column in df]
    if clash:
        raise InvalidInputError(clash[0], "is an output column; the input must not have it")


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
    _check_columns(df)
    problems = _Problems(len(df))
    numbers: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}
    flags: dict[str, np.ndarray[Any, Any]] = {}
    members: dict[str, np.ndarray[Any, Any]] = {}
    for column, kind in COLUMNS.items():  # in order: a row's first problem is named
        if isinstance(kind, _Number):
            numbers[column] = _numbers(df, column, kind, problems)
        elif isinstance(kind, _Flag):
            flags[column] = _flags(df, column, problems)
        else:
            members[column] = _members(df, column, kind, problems)
    age, months = numbers["age_years"]
    weight, kg = numbers["weight_kg"]
    renal = {
        column: numbers[column][1] for column in ("creatinine_clearance_ml_min", "egfr_ml_min")
    }
    dose, dose_mg = numbers["current_dose_mg"]
    response = members["response"]
    sex = members["sex"]
    _contradictions(problems, flags["pregnant"], sex, months)
    creatinine = numbers["serum_creatinine_mg_dl"][1]
    clearance, creatinine_state = _creatinine(df, age, months, weight, sex, creatinine, renal)

    # The bands the rules compare. The chapter's step and the licence's constraints are each
    # decided once per combination of the bands they read; their combination once per pair.
    dose_codes = pd.factorize(dose_mg, use_na_sentinel=True)[0]
    age_band = _bands(
        months,
        (
            k.LICENCE_MIN_AGE_MONTHS,
            lic.PREGNANCY_QUESTIONS_FROM_MONTHS,
            k.ADULT_AGE_MONTHS,
            k.OLDER_ADULT_AGE_MONTHS,
        ),
        (False, False, False, False),
    )
    weight_band = _bands(kg, (k.CHILD_MIN_WEIGHT_KG, k.CHILD_HIGH_WEIGHT_KG), (False, False))
    clearance_band = _bands(
        clearance,
        (
            lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN,
            lic.OTHER_MEASURE_NORMAL_FROM,
            lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN,
        ),
        (False, False, True),
    )
    egfr_band = _bands(
        renal["egfr_ml_min"],
        (lic.CHILD_EGFR_NO_DATA_BELOW, lic.CHILD_EGFR_REDUCED_BELOW),
        (False, False),
    )
    risks = [flags[column] for column in list(FLAGS)[:5]]
    rules = decision.LICENCE_RULES
    unknown = [rule.__name__ for rule in rules if rule.__name__ not in LICENCE_RULE_INPUTS]
    if unknown:  # a new rule of the licence: its inputs must be named here first
        raise RuntimeError(f"cohort.LICENCE_RULE_INPUTS does not name the inputs of {unknown}")

    # Valid rows that agree on every band are one case: all below runs on the cases (one
    # row each), and each row then takes its case's answer.
    valid = ~problems.found
    case = _group(
        [
            age_band,
            weight_band,
            *risks,
            flags["systemic_candidate"],
            clearance_band,
            egfr_band,
            creatinine_state,
            sex,
            *(flags[column] for column in LICENCE_FLAGS),
            dose_codes,
            response,
        ]
    )
    case_rows = _first_rows(case, np.flatnonzero(valid))
    present = np.flatnonzero(case_rows >= 0)
    rows = case_rows[present]  # the row of each case
    index = np.full(len(case_rows) + 1, -1, dtype=np.int64)  # a row's case (-1: none valid)
    index[present] = np.arange(len(present))
    case = index[case]
    del index, case_rows, present
    age_band, weight_band, clearance_band, egfr_band = (
        band[rows] for band in (age_band, weight_band, clearance_band, egfr_band)
    )
    risks = [risk[rows] for risk in risks]
    dose_codes, case_response = dose_codes[rows], response[rows]
    case_flags = {column: values[rows] for column, values in flags.items()}

    # The patients the chapter reads, then with the follow-up: one patient serves every dose.
    chapter_patients = _group([age_band, weight_band, *risks, case_flags["systemic_candidate"]])
    chapter = _group([chapter_patients, dose_codes, case_response])
    # Each licence rule on the inputs it reads; the row's constraints are their concatenation.
    on_treatment = dose_codes >= 0
    inputs = {
        "age": age_band,
        "weight": weight_band,
        "risks": _group(risks),
        "clearance": clearance_band,
        "egfr": egfr_band,
        "creatinine": creatinine_state[rows],
        "sex": sex[rows],
        **{column: case_flags[column] for column in LICENCE_FLAGS},
    }
    valid_rows = np.arange(len(rows))  # every case has a valid row

    built: dict[int, Patient] = {}

    def patient(row: int, groups: np.ndarray[Any, Any], first: np.ndarray[Any, Any]) -> Patient:
        # The patient of the first case of the case's group (of the inputs a part reads),
        # built once for every part that picks it.
        row = int(rows[first[groups[row]]])
        found = built.get(row)
        if found is None:
            found = built[row] = _patient(
                age[row],
                weight[row],
                {c: v[row] for c, v in flags.items()},
                renal,
                row,
                (int(sex[row]), float(creatinine[row])),
            )
        return found

    # Each rule once per combination of its inputs; rows whose results the audit's columns
    # cannot tell apart (see _signature) then share one code of the rule.
    rule_codes, found = [], []
    for rule in rules:
        names = LICENCE_RULE_INPUTS[rule.__name__]
        # The leading column of zeros gives a rule that reads no input one group.
        no_input = np.zeros(len(rows), dtype=np.int8)
        rule_patients = _group([no_input, *(inputs[name] for name in names)])
        first = _first_rows(rule_patients, valid_rows)
        codes_of_rule = _group([rule_patients, on_treatment])
        results, recode = _distinct(
            (
                (group, rule(patient(row, rule_patients, first), bool(on_treatment[row])))
                for group, row in _firsts(codes_of_rule, valid_rows)
            ),
            int(codes_of_rule.max(initial=-1)) + 1,
        )
        found.append(results)
        # Kept for the combination: a rule has few distinct results, so a byte or two.
        rule_codes.append(recode[codes_of_rule].astype(np.min_scalar_type(-len(results))))
    licence = _group(rule_codes)
    constraints: dict[int, Any] = {}
    for group, row in _firsts(licence, valid_rows):
        constraints[group] = tuple(
            constraint
            for results, codes_of_rule in zip(found, rule_codes, strict=True)
            for constraint in results[int(codes_of_rule[row])]
        )
    del age_band, weight_band, clearance_band, egfr_band, risks, months, kg, numbers
    del rule_codes, inputs, on_treatment
    # The chapter's step once per combination of its inputs; groups whose steps (with the
    # current dose and response, which the combination reads) agree share one code.
    first = _first_rows(chapter_patients, valid_rows)
    steps, recode = _distinct(
        (
            (
                group,
                (
                    decision.chapter_step(patient(row, chapter_patients, first), *follow_up),
                    *follow_up,
                ),
            )
            for group, row in _firsts(chapter, valid_rows)
            for follow_up in (_follow_up(float(dose[rows[row]]), int(case_response[row])),)
        ),
        int(chapter.max(initial=-1)) + 1,
    )
    chapter = recode[chapter]
    # A dose without a response (or the reverse) is answered before any rule: such a step
    # pairs with every licence group alike.
    missing = [decision.missing_follow_up(current_mg, member) for _, current_mg, member in steps]
    unpaired = np.array([answer is not None for answer in missing] + [False])[chapter]
    pair = chapter.astype(np.int64)
    pair *= int(licence.max(initial=0)) + 1
    pair += np.where(unpaired, 0, licence)
    codes, uniques = pd.factorize(pair)
    del pair, unpaired
    answers: dict[int, tuple[float, str, str | None, str]] = {}
    for group, row in _firsts(codes, valid_rows):
        step, current_mg, member = steps[int(chapter[row])]
        result = missing[int(chapter[row])] or decision.combine(
            step, constraints[int(licence[row])], current_mg, member
        )
        answers[group] = _columns(result)

    out = df.copy(deep=False)  # only new columns are added: the input stays as it was
    # One entry per group, then picked for every row by its case's group; a row without a
    # case (no valid row has its bands) takes the last entry, INVALID.
    codes = np.append(codes, len(uniques))[case]
    table = [answers.get(g, (np.nan, INVALID, None, None)) for g in range(len(uniques) + 1)]
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


_SEXES: Final = (None, *Sex)
"""Sex by its code in the audit: 0 unknown, then the members in order."""


def _creatinine(
    df: pd.DataFrame,
    age: np.ndarray[Any, Any],
    months: np.ndarray[Any, Any],
    weight: np.ndarray[Any, Any],
    sex: np.ndarray[Any, Any],
    creatinine: np.ndarray[Any, Any],
    renal: Mapping[str, np.ndarray[Any, Any]],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The clearance the licence's bands see (measured, else estimated) and the creatinine's
    state per row: 0 none, 1 given without an estimate, 2 estimated. A table without the
    creatinine column pays nothing for it."""
    measured = renal["creatinine_clearance_ml_min"]
    if "serum_creatinine_mg_dl" not in df:
        return measured, np.zeros(len(df), dtype=np.int8)
    estimate = _estimates(age, months, weight, sex, creatinine, renal)
    clearance = np.where(np.isnan(measured), estimate, measured)
    state = np.where(~np.isnan(estimate), 2, np.where(np.isnan(creatinine), 0, 1))
    return clearance, state.astype(np.int8)


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

    The rules' own formula on columns, on the numbers a Patient derives: each input is
    snapped as the unit door snaps it, once per distinct value, and each result rounded
    by Python's ``round`` once per distinct value, so every estimate is the float the
    scalar API computes (float arithmetic is the same in numpy, in the same order).
    """
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
    rows = np.flatnonzero(needed)
    if not len(rows):
        return estimate
    to_months = float(registry().Quantity(1.0, "year").m_as("month"))  # as canonical() does
    years = _per_distinct(age[rows], lambda a: snap_conversion_noise(a * to_months) / 12)
    kg = _per_distinct(weight[rows], snap_conversion_noise)
    mg_dl = _per_distinct(creatinine[rows], lambda c: round(snap_conversion_noise(c), 9))
    value = np.empty(len(rows))
    for code, member in enumerate(Sex, start=1):  # the formula takes one sex at a time
        one = sex[rows] == code
        value[one] = decision.cockcroft_gault_unrounded(years[one], kg[one], member, mg_dl[one])
    estimate[rows] = _per_distinct(value, lambda v: round(v, lic.ESTIMATE_DECIMALS))
    return estimate


def _per_distinct(values: np.ndarray[Any, Any], function: Any) -> np.ndarray[Any, Any]:
    """``function`` of each value, called once per distinct value."""
    distinct, where = np.unique(values, return_inverse=True)
    return np.array([function(float(v)) for v in distinct], dtype=float)[where]


def _group(parts: list[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """A small code per row (0.., with gaps), equal exactly where the rows agree on every
    part (each -1..).

    Each part takes as many slots as it has values (a mixed radix), so no two different
    combinations share a key however many values a part has."""
    key = np.zeros(len(parts[0]), dtype=np.int64)
    span = 1  # the number of keys so far: every key lies in 0..span-1
    for part in parts:
        size = int(part.max(initial=0)) + 2  # -1.. gives 0..size-1
        if span * size >= 1 << 62:  # compact it before it could overflow
            key, uniques = pd.factorize(key)
            key = key.astype(np.int64)
            span = len(uniques)
        key *= size
        key += part  # in place: no temporary the size of the table
        key += 1
        span *= size
    if span <= max(len(key), 1 << 16):  # already small: kept as they are, gaps and all
        return key.astype(np.int32)
    codes: np.ndarray[Any, Any] = pd.factorize(key)[0]
    return codes.astype(np.int32)  # at most one code per row


def _first_rows(codes: np.ndarray[Any, Any], valid_rows: np.ndarray[Any, Any]) -> Any:
    """Per code (0.., as :func:`_group` gives them), one of its valid rows, -1 for none.

    Any row of a group stands for it equally (they agree on every input the part reads);
    written in reverse, the row is usually the first, without sorting the table."""
    first = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[codes[valid_rows][::-1]] = valid_rows[::-1]
    return first


def _firsts(codes: np.ndarray[Any, Any], valid_rows: np.ndarray[Any, Any]) -> Any:
    """(group, one of its valid rows) for every group with a valid row, in group order."""
    first = _first_rows(codes, valid_rows)
    groups = np.flatnonzero(first >= 0)
    return zip(groups.tolist(), first[groups].tolist(), strict=True)


def _distinct(found: Any, groups: int) -> tuple[list[Any], np.ndarray[Any, Any]]:
    """The distinct results of ``(group, result)`` pairs, and each group's index among them.

    Results are told apart by :func:`_signature`; groups without a valid row get -1."""
    results: list[Any] = []
    index: dict[object, int] = {}
    recode: dict[int, int] = {}
    for group, result in found:
        key = _signature(result)
        position = index.get(key)
        if position is None:
            position = index[key] = len(results)
            results.append(result)
        recode[group] = position
    table = np.full(groups, -1, dtype=np.int64)
    table[list(recode)] = list(recode.values())
    return results, table


def _signature(value: Any) -> object:
    """What the audit's columns can read of a rule's result: everything but the wording of
    its reasons, which the columns give by their sources alone (``reason_codes``), and
    which only names the row's own values (an estimated clearance, a weight)."""
    kind: Any = type(value)
    if kind is Reason:
        return value.source
    if kind is Source:  # holds no reason: itself
        return value
    if isinstance(value, tuple):
        return tuple([_signature(item) for item in value])
    if kind is Regimen:
        return (Regimen, value.dose_mg, value.frequency)
    names = _fields(kind)
    if not names:
        return value
    return (kind, *[_signature(getattr(value, name)) for name in names])


@functools.cache
def _fields(kind: Any) -> tuple[str, ...]:
    """The field names of an attrs class (none for any other type)."""
    return tuple(f.name for f in attrs.fields(kind)) if attrs.has(kind) else ()


@functools.lru_cache(maxsize=1024)
def _follow_up(dose: float, response: int) -> tuple[float | None, Response | None]:
    """The current dose in mg as recommend() reads it, and the response's member."""
    current = None
    if not math.isnan(dose):
        current = canonical(registry().Quantity(float(dose), _units()["milligram"]), "milligram")
    return current, list(Response)[response - 1] if response else None


def _patient(
    age: float,
    weight: float,
    flags: Mapping[str, bool],
    renal: Mapping[str, np.ndarray[Any, Any]],
    row: int,
    extra: tuple[int, float],
) -> Patient:
    """The patient of one row (a group's representative)."""
    reg = registry()
    units = _units()
    risks = frozenset(RiskFactor[FLAGS[c][0]] for c in list(FLAGS)[:5] if flags[c])
    clearance, egfr = renal["creatinine_clearance_ml_min"][row], renal["egfr_ml_min"][row]
    return Patient(
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


def _columns(result: Any) -> tuple[float, str, str | None, str]:
    """The audit's columns of one answer."""
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
    """:func:`audit` on every partition of a Dask DataFrame, with the output declared.

    Dask turns object columns into text when it builds a frame, unless its option
    ``dataframe.convert-string`` is off; text in a number or flag column is refused,
    as :func:`audit` refuses it.
    """
    import dask.dataframe as dd

    if isinstance(ddf, pd.DataFrame):
        raise InvalidInputError("ddf", "is a pandas DataFrame: give it to audit()")
    if not isinstance(ddf, dd.DataFrame):
        raise InvalidInputError("ddf", f"must be a Dask DataFrame, got {type(ddf).__name__}")
    meta = audit(ddf._meta)
    result: dd.DataFrame = ddf.map_partitions(audit, meta=meta)
    return result


# Reading the result ---------------------------------------------------------------


def summary(audited: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts by status, and, among rows whose current dose is not the recommended one, by
    the statement that decided (the first reason code)."""
    if not isinstance(audited, pd.DataFrame):
        raise InvalidInputError(
            "audited", f"must be the pandas DataFrame audit() gives, got {type(audited).__name__}"
        )
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
    from .plot import bars

    counts = summary(audited)
    panels = (
        ("Answers by status", counts["by_status"]),
        ("Dose differs: deciding statement", counts["by_mismatch_reason"]),
    )
    return bars(panels, xlabel="rows")


def run_audit(argv: list[str]) -> int:
    """``baricitinib-guideline audit IN OUT [--overwrite] [--scheduler ADDRESS]``: Parquet in,
    Parquet out.

    Reads the (partitioned) Parquet dataset ``IN`` lazily with Dask, audits
    each partition and writes ``OUT`` partition by partition, so the data need
    not fit in memory; shows a progress bar. ``OUT`` must not exist or be an
    empty directory; ``--overwrite`` replaces a non-empty directory. ``OUT`` is never ``IN``, inside
    it or around it. Every input column keeps its Parquet type. ``--scheduler``
    runs it on an existing Dask cluster (``tcp://host:8786``); without it, on
    this machine.
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
        "--overwrite",
        action="store_true",
        help="replace OUT when it exists and is not empty (never IN)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="address of a Dask scheduler to run on"
    )
    args = parser.parse_args(argv)
    try:
        _check_target(args.source, args.target, args.overwrite)
        # Arrow types as read, so a column of nulls (Parquet's null type) and every
        # other input column is written back with the type it had.
        frame = dd.read_parquet(args.source, dtype_backend="pyarrow")
        # Parquet needs a type for the text columns; Dask's placeholder rows give none.
        text = dict.fromkeys(("status", "modality", "reason_codes", "problem"), "string")
        audited = audit_dask(frame).astype(text)
        write = audited.to_parquet(
            args.target, compute=False, write_index=True, overwrite=args.overwrite
        )
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


def _check_target(source: str, target: str, overwrite: bool) -> None:
    """Refuse an ``OUT`` that is ``IN``, lies inside it or holds it, an existing file,
    and an existing non-empty directory without ``overwrite``."""
    import os
    import posixpath

    from fsspec.core import url_to_fs  # type: ignore[import-untyped]

    source_fs, source_path = url_to_fs(source)
    target_fs, target_path = url_to_fs(target)

    def where(fs: Any, path: str) -> str:
        if "file" in fs.protocol:
            return os.path.realpath(path)
        return posixpath.normpath(str(fs._strip_protocol(path)))

    if type(source_fs) is type(target_fs):
        inner, outer = where(source_fs, source_path), where(target_fs, target_path)
        for one, other in ((inner, outer), (outer, inner)):
            if one == other or one.startswith((other.rstrip("/\\") + os.sep, other + "/")):
                raise InvalidInputError(
                    "OUT", "is the input, lies inside it or holds it; write somewhere else"
                )
    if not target_fs.exists(target_path):
        return
    if not target_fs.isdir(target_path):
        raise InvalidInputError(
            "OUT", "is a file; the audit writes a directory of Parquet files, give another path"
        )
    if not overwrite and target_fs.ls(target_path):
        raise InvalidInputError("OUT", "exists and is not empty; give --overwrite to replace it")

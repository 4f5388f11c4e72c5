"""OMOP CDM audit (optional extra ``omop``): the guideline's answer for every exposure, in place.

``audit(source, on=date)`` asks an OMOP CDM v5.4 database: is every person on
baricitinib on ``on`` on the dose the chapter and the licence give them? The
database does the reading: exposures, persons, deaths, the latest fresh
measurement of each concept, conditions through ``concept_ancestor``,
smoking, probenecid and the daily dose are joined, and every input is placed
in the bands the rules compare, in SQL built by ibis (DuckDB by default; any
backend ibis speaks). Only the distinct combinations of bands come back to
Python, where :func:`~baricitinib_guideline.recommend` answers each once, with
one of its persons; the answers are then given to every row of their
combination. So each row's answer is the scalar API's, by construction.

Everything is found through the vocabulary (``concept`` by ``vocabulary_id``
and ``concept_code``, ``concept_ancestor`` for descendants), from the codes in
:mod:`baricitinib_guideline.knowledge.codes`; no concept id is written here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import numpy as np
import pandas as pd

from . import api
from .cohort import FLAGS, INPUT_COLUMNS, INVALID, OUTPUT_COLUMNS
from .errors import InvalidInputError
from .knowledge import chapter as k
from .knowledge import codes as c
from .knowledge import freshness
from .knowledge import licence as lic
from .model.enums import RiskFactor, Sex
from .model.patient import (
    CREATININE_MOLAR_MASS_G_MOL,
    MAX_AGE_YEARS,
    MAX_CELLS_PER_L,
    MAX_CLEARANCE_ML_MIN,
    MAX_HAEMOGLOBIN_G_DL,
    MAX_SERUM_CREATININE_MG_DL,
    MAX_WEIGHT_KG,
    Labs,
    Patient,
)
from .units import parse_unit, registry

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

__all__ = ["MAX_AGE", "NOT_READ", "READ_COLUMNS", "audit", "plot_summary", "summary"]

MAX_AGE: Final[Mapping[str, dt.timedelta]] = freshness.MAX_AGE
"""The default longest age of a value per concept: the knowledge layer's, as the FHIR reader's."""

NOT_READ: Final = (
    "risk_infection",
    "systemic_candidate",
    "severe_hepatic_impairment",
    "breastfeeding",
)
"""Inputs the checked codes give no OMOP concept for: left at the scalar API's defaults."""

READ_COLUMNS: Final = (
    "person_id",
    "drug_exposure_id",
    "drug_concept_id",
    "age_months",
    "clearance_estimated",
    "neutrophils_per_l",
    "lymphocytes_per_l",
    "haemoglobin_g_dl",
    "daily_dose_mg",
    "cannot_tell",
    "left_out",
)
"""Columns beside the cohort's: the ids, and what was read or could not be told."""

_NEAR: Final = 1e-9


class _Measure(NamedTuple):
    """A measured concept: its codes, the unit it is compared in, and the rules' cuts.

    ``cuts`` are ``(value, strict)``: a value above (``strict``) or at least at the cut
    moves up one band; the bounds where the model refuses a value are cuts too.
    """

    codes: tuple[c.Code, ...]
    dimension: str
    unit: str
    cuts: tuple[tuple[float, bool], ...]


_ABOVE_ZERO: Final = ((0.0, False), (0.0, True))  # negative | zero | positive
_MEASURES: Final[dict[str, _Measure]] = {
    "weight_kg": _Measure(
        c.OBSERVATIONS["weight"],
        "[mass]",
        "kilogram",
        (
            *_ABOVE_ZERO,
            (k.CHILD_MIN_WEIGHT_KG, False),
            (k.CHILD_HIGH_WEIGHT_KG, False),
            (MAX_WEIGHT_KG, True),
        ),
    ),
    "creatinine_clearance_ml_min": _Measure(
        c.OBSERVATIONS["creatinine_clearance"],
        "[volume] / [time]",
        "milliliter / minute",
        (
            (0.0, False),
            (lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN, False),
            (lic.OTHER_MEASURE_NORMAL_FROM, False),
            (lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN, True),
            (MAX_CLEARANCE_ML_MIN, True),
        ),
    ),
    "egfr_ml_min": _Measure(
        c.OBSERVATIONS["egfr"],
        "[volume] / [time]",
        "milliliter / minute",
        (
            (0.0, False),
            (lic.CHILD_EGFR_NO_DATA_BELOW, False),
            (lic.CHILD_EGFR_REDUCED_BELOW, False),
            (MAX_CLEARANCE_ML_MIN, True),
        ),
    ),
    "neutrophils_per_l": _Measure(
        c.OBSERVATIONS["neutrophils"],
        "1 / [volume]",
        "1 / liter",
        ((0.0, False), (lic.NEUTROPHILS_MIN_PER_L, False), (MAX_CELLS_PER_L, True)),
    ),
    "lymphocytes_per_l": _Measure(
        c.OBSERVATIONS["lymphocytes"],
        "1 / [volume]",
        "1 / liter",
        ((0.0, False), (lic.LYMPHOCYTES_MIN_PER_L, False), (MAX_CELLS_PER_L, True)),
    ),
    "haemoglobin_g_dl": _Measure(
        c.OBSERVATIONS["haemoglobin"],
        "[mass] / [volume]",
        "gram / deciliter",
        (*_ABOVE_ZERO, (lic.HAEMOGLOBIN_MIN_G_DL, False), (MAX_HAEMOGLOBIN_G_DL, True)),
    ),
    # For the Cockcroft-Gault estimate; mass per volume, or amount through the molar mass.
    "serum_creatinine_mg_dl": _Measure(
        c.OBSERVATIONS["serum_creatinine"],
        "[mass] / [volume]",
        "milligram / deciliter",
        (*_ABOVE_ZERO, (MAX_SERUM_CREATININE_MG_DL, True)),
    ),
}
# The freshness concept of each measured column.
_CONCEPT: Final = {
    "weight_kg": "weight",
    "creatinine_clearance_ml_min": "creatinine_clearance",
    "egfr_ml_min": "egfr",
    "neutrophils_per_l": "neutrophils",
    "lymphocytes_per_l": "lymphocytes",
    "haemoglobin_g_dl": "haemoglobin",
    "serum_creatinine_mg_dl": "serum_creatinine",
}
# The freshness limits each measured column may be judged by.
_FRESHNESS: Final = {
    column: ("child_weight", "weight") if column == "weight_kg" else (concept,)
    for column, concept in _CONCEPT.items()
}
_AGE_CUTS: Final = (
    (k.LICENCE_MIN_AGE_MONTHS, False),
    (lic.PREGNANCY_QUESTIONS_FROM_MONTHS, False),
    (k.ADULT_AGE_MONTHS, False),
    (k.OLDER_ADULT_AGE_MONTHS, False),
    (MAX_AGE_YEARS * 12.0, True),
)
_RISKS: Final = {
    "risk_vte": RiskFactor.VTE,
    "risk_mace": RiskFactor.MACE,
    "risk_malignancy": RiskFactor.MALIGNANCY,
}
_DECISION_FLAGS: Final = (
    "risk_vte",
    "risk_mace",
    "risk_malignancy",
    "risk_smoking",
    "pregnant",
    "strong_oat3_inhibitor",
)
_SEXES: Final = ("FEMALE", "MALE")


# The vocabulary ------------------------------------------------------------------


def _vocabulary(code: c.Code) -> tuple[str, str]:
    return c.OMOP_VOCABULARY[code.system], code.code


def _ucum(code: str) -> c.Code:
    return c.Code(c.UCUM, code, code)


class _Vocabulary:
    """Concept ids of the library's codes, looked up once in ``concept``."""

    def __init__(self, concept: ir.Table, wanted: Iterable[tuple[str, str]]) -> None:
        pairs = set(wanted)
        vocabularies = sorted({v for v, _ in pairs})
        codes = sorted({code for _, code in pairs})
        found = concept.filter(
            concept.vocabulary_id.isin(vocabularies), concept.concept_code.isin(codes)
        ).select("concept_id", "vocabulary_id", "concept_code")
        table = found.to_pandas()
        self.ids: dict[tuple[str, str], list[int]] = {}
        for concept_id, vocabulary, code in table.itertuples(index=False):
            if (vocabulary, code) in pairs:
                self.ids.setdefault((vocabulary, code), []).append(int(concept_id))

    def of(self, codes: Iterable[c.Code]) -> list[int]:
        return sorted({i for code in codes for i in self.ids.get(_vocabulary(code), [])})


def _wanted() -> list[tuple[str, str]]:
    codes: list[c.Code] = [
        c.BARICITINIB,
        c.BARICITINIB_BEFORE_2024,
        *c.PROBENECID,
        *c.PREGNANCY_CONDITIONS,
        c.PREGNANT,
        *c.OBSERVATIONS["pregnancy"],
        *c.OBSERVATIONS["smoking"],
        *c.SMOKER_VALUES,
    ]
    for measure in _MEASURES.values():
        codes += [*measure.codes, *(_ucum(u) for u in _unit_codes(measure))]
    codes += [code for conditions in c.CONDITIONS.values() for code in conditions.snomed]
    codes += [_ucum(u) for u in c.UCUM_UNITS["[mass]"]]
    pairs = [_vocabulary(code) for code in codes]
    pairs += [(c.OMOP_GENDER_VOCABULARY, code) for code in c.OMOP_GENDER]
    return pairs


# Creatinine as an amount per volume, read through its molar mass as the Patient does.
_CREATININE_AMOUNTS: Final = ("umol/L",)


def _unit_codes(measure: _Measure) -> tuple[str, ...]:
    codes = c.UCUM_UNITS[measure.dimension]
    if measure.codes == c.OBSERVATIONS["egfr"]:
        codes += tuple(c.EGFR_ANNOTATED)
    if measure.codes == c.OBSERVATIONS["serum_creatinine"]:
        codes += _CREATININE_AMOUNTS
    return codes


@functools.cache
def _factor(code: str, target: str) -> float:
    """One ``code`` in ``target``, as the library's unit door converts it."""
    unit = parse_unit(c.EGFR_ANNOTATED.get(code, code), "unit_concept_id")
    if code in _CREATININE_AMOUNTS:
        micromolar = float(registry().Quantity(1.0, unit).m_as("micromole / liter"))
        return micromolar * CREATININE_MOLAR_MASS_G_MOL / 10_000
    return float(registry().Quantity(1.0, unit).m_as(target))


def _under(column: ir.IntegerColumn, ids: Sequence[int], ancestor: ir.Table) -> ir.BooleanValue:
    """Whether the concept in ``column`` is one of ``ids`` or a descendant of one."""
    import ibis

    if not ids:
        return ibis.literal(False)
    below = ancestor.filter(ancestor.ancestor_concept_id.isin(list(ids))).descendant_concept_id
    return column.isin(list(ids)) | column.isin(below)


# The rows, in the database -------------------------------------------------------


class _Query:
    """The audit's table expression: one row per exposure, its inputs and their bands."""

    def __init__(
        self,
        backend: BaseBackend,
        on: dt.date,
        schema: str | None,
        concept_ids: Sequence[int] | None,
        max_age: Mapping[str, dt.timedelta],
    ) -> None:
        self.backend = backend
        self.on = on
        self.schema = schema
        self.max_age = max_age
        self.ancestor = self.table("concept_ancestor")
        self.vocabulary = _Vocabulary(self.table("concept"), _wanted())
        self.extra_ids = [int(i) for i in concept_ids or ()]

    def table(self, name: str) -> ir.Table:
        try:
            if self.schema is None:
                return self.backend.table(name)
            return self.backend.table(name, database=self.schema)
        except Exception as error:  # each backend raises its own "no such table"
            where = "" if self.schema is None else f" in schema {self.schema!r}"
            raise InvalidInputError(
                "source", f"has no OMOP CDM table {name!r}{where} ({type(error).__name__})"
            ) from error

    def cutoff(self, concept: str) -> dt.date:
        return self.on - self.max_age[concept]

    def under(self, column: ir.IntegerColumn, codes: Iterable[c.Code]) -> ir.BooleanValue:
        return _under(column, self.vocabulary.of(codes), self.ancestor)

    def active_drug(self, codes: Iterable[c.Code], extra: Sequence[int] = ()) -> ir.Table:
        exposure = self.table("drug_exposure")
        found = self.under(exposure.drug_concept_id, codes)
        if extra:
            found |= exposure.drug_concept_id.isin(list(extra))
        return exposure.filter(
            found,
            exposure.drug_exposure_start_date <= self.on,
            exposure.drug_exposure_end_date >= self.on,
        )

    def rows(self) -> ir.Table:
        import ibis

        on = self.on
        exposures = self.active_drug((c.BARICITINIB, c.BARICITINIB_BEFORE_2024), self.extra_ids)
        person = self.table("person")
        rows = exposures.select(
            "drug_exposure_id",
            "person_id",
            "drug_concept_id",
            quantity=exposures.quantity.cast("float64"),
            days_supply=exposures.days_supply.cast("float64"),
            sig=exposures.sig,
        ).join(person, "person_id")
        born = rows.birth_datetime.date()
        has_datetime = rows.birth_datetime.notnull()
        year = ibis.ifelse(has_datetime, born.year(), rows.year_of_birth)
        month = ibis.ifelse(has_datetime, born.month(), rows.month_of_birth)
        day = ibis.ifelse(has_datetime, born.day(), rows.day_of_birth)
        months = (on.year - year) * 12 + (on.month - month) - (day > on.day).cast("int64")
        sex = ibis.cases(
            *(
                (
                    rows.gender_concept_id.isin(
                        self.vocabulary.ids.get((c.OMOP_GENDER_VOCABULARY, code), [-1])
                    ),
                    name,
                )
                for code, name in c.OMOP_GENDER.items()
            ),
            else_=ibis.null("string"),
        )
        death = self.table("death")
        died = (
            death.filter(death.death_date <= on)
            .group_by("person_id")
            .aggregate(death_date=death.death_date.min())
        )
        rows = rows.select(
            "drug_exposure_id",
            "person_id",
            "drug_concept_id",
            "quantity",
            "days_supply",
            "sig",
            age_months=months.cast("int64"),
            sex=sex,
        ).left_join(died, "person_id")
        rows = rows.select(*(n for n in rows.columns if n != "person_id_right"))
        rows = self._join_measurements(rows)
        rows = self._flags(rows)
        return self._dose(rows)

    def _join_measurements(self, rows: ir.Table) -> ir.Table:
        """Per person and measured concept: the latest readable value on or before ``on``
        (its date, lowest and highest value that day, in the rules' unit), and how many
        results in the concept's freshness window could not be read. One pass over
        ``measurement``, one join."""
        import ibis

        m = self.table("measurement")
        concepts = {
            column: self.vocabulary.of(measure.codes) for column, measure in _MEASURES.items()
        }
        ours = m.filter(
            m.measurement_concept_id.isin(
                sorted({i for ids in concepts.values() for i in ids}) or [-1]
            ),
            m.measurement_date <= self.on,
        )
        kind = ibis.cases(
            *(
                (ours.measurement_concept_id.isin(ids), column)
                for column, ids in concepts.items()
                if ids
            ),
            else_=ibis.null("string"),
        )
        factors = [
            (column, concept_id, _factor(code, measure.unit))
            for column, measure in _MEASURES.items()
            for code in _unit_codes(measure)
            for concept_id in self.vocabulary.ids.get(("UCUM", code), [])
        ]
        factor = ibis.cases(
            *(((kind == column) & (ours.unit_concept_id == i), f) for column, i, f in factors),
            else_=ibis.null("float64"),
        )
        window = ibis.cases(
            *(
                (kind == column, min(self.cutoff(c) for c in _FRESHNESS[column]))
                for column in _MEASURES
            ),
            else_=self.on,
        )
        ours = ours.select(
            "person_id",
            "measurement_date",
            kind=kind,
            value=ours.value_as_number.cast("float64") * factor,
            window=window,
        )
        values = ours.filter(ours.value.notnull())
        values = values.mutate(
            last=values.measurement_date.max().over(group_by=["person_id", "kind"])
        )
        at_last = values.filter(values.measurement_date == values["last"])
        latest = at_last.group_by(["person_id", "kind"]).aggregate(
            date=at_last["last"].max(), low=at_last.value.min(), high=at_last.value.max()
        )
        columns: dict[str, Any] = {}
        for column in _MEASURES:
            mine = latest.kind == column
            columns[f"{column}__date"] = latest.date.max(where=mine)
            columns[f"{column}__low"] = latest.low.min(where=mine)
            columns[f"{column}__high"] = latest.high.max(where=mine)
        found = latest.group_by("person_id").aggregate(**columns)
        unread = ours.filter(ours.value.isnull(), ours.measurement_date >= ours.window)
        missed = unread.group_by("person_id").aggregate(
            **{
                f"{column}__unread": unread.person_id.count(where=unread.kind == column)
                for column in _MEASURES
            }
        )
        for table in (found, missed):
            joined = rows.left_join(table, "person_id")
            rows = joined.select(*(n for n in joined.columns if n != "person_id_right"))
        return rows

    def _flags(self, rows: ir.Table) -> ir.Table:
        import ibis

        on = self.on
        co = self.table("condition_occurrence")
        begun = co.filter(co.condition_start_date <= on)
        flags: dict[str, ir.BooleanValue] = {}
        for column, risk in _RISKS.items():
            having = begun.filter(
                self.under(begun.condition_concept_id, c.CONDITIONS[risk].snomed)
            ).person_id
            flags[column] = rows.person_id.isin(having)
        pregnancy_start = self.cutoff("pregnancy")
        pregnant_now = begun.filter(
            self.under(begun.condition_concept_id, c.PREGNANCY_CONDITIONS),
            (begun.condition_end_date >= on)
            | (
                begun.condition_end_date.isnull() & (begun.condition_start_date >= pregnancy_start)
            ),
        ).person_id
        status = self._latest_observation(
            c.OBSERVATIONS["pregnancy"], (c.PREGNANT,), (), "pregnancy"
        )
        flags["pregnant"] = rows.person_id.isin(pregnant_now) | rows.person_id.isin(status)
        flags["risk_smoking"] = rows.person_id.isin(
            self._latest_observation(
                c.OBSERVATIONS["smoking"], c.SMOKER_VALUES, c.SMOKER_VALUES, "smoking"
            )
        )
        probenecid = self.active_drug(c.PROBENECID).person_id
        flags["strong_oat3_inhibitor"] = rows.person_id.isin(probenecid)
        return rows.mutate(**{name: ibis.coalesce(flag, False) for name, flag in flags.items()})

    def _latest_observation(
        self,
        question: Iterable[c.Code],
        yes: Iterable[c.Code],
        itself: Iterable[c.Code],
        concept: str,
    ) -> ir.IntegerColumn:
        """Persons whose latest fresh answer to ``question`` (or a finding ``itself``) is yes."""
        o = self.table("observation")
        asked = self.vocabulary.of(question)
        answers = self.vocabulary.of(yes)
        findings = self.vocabulary.of(itself)
        relevant = o.filter(
            o.observation_concept_id.isin(asked or [-1])
            | o.observation_concept_id.isin(findings or [-1]),
            o.observation_date <= self.on,
            o.observation_date >= self.cutoff(concept),
        )
        relevant = relevant.mutate(
            yes=o.observation_concept_id.isin(findings or [-1])
            | (
                o.observation_concept_id.isin(asked or [-1])
                & o.value_as_concept_id.isin(answers or [-1])
            )
        )
        last = relevant.group_by("person_id").aggregate(last=relevant.observation_date.max())
        at_last = relevant.join(
            last,
            [relevant.person_id == last.person_id, relevant.observation_date == last["last"]],
        )
        # Answers of one day that disagree count as yes: the risk is recorded that day.
        return at_last.filter(at_last.yes).person_id

    def _dose(self, rows: ir.Table) -> ir.Table:
        """The exposure's daily dose in mg: quantity x strength / days supply."""
        import ibis

        ds = self.table("drug_strength")
        mass = {
            concept_id: _factor(code, "milligram")
            for code in c.UCUM_UNITS["[mass]"]
            for concept_id in self.vocabulary.ids.get(("UCUM", code), [])
        }
        factor = ibis.cases(
            *((ds.amount_unit_concept_id == i, f) for i, f in mass.items()),
            else_=ibis.null("float64"),
        )
        strengths = ds.filter(
            self.under(ds.ingredient_concept_id, (c.BARICITINIB, c.BARICITINIB_BEFORE_2024)),
            ds.amount_value.notnull(),
        ).select("drug_concept_id", amount=ds.amount_value.cast("float64") * factor)
        strength = strengths.group_by("drug_concept_id").aggregate(
            strength_low=strengths.amount.min(),
            strength_high=strengths.amount.max(),
            strength_rows=strengths.amount.count(),
        )
        joined = rows.left_join(strength, "drug_concept_id")
        return joined.select(*(n for n in joined.columns if n != "drug_concept_id_right"))


def _band(value: ir.FloatingValue, cuts: Sequence[tuple[float, bool]]) -> ir.IntegerValue:
    """0 for unknown, then 1.. by the cuts (a sum of comparisons, as the rules make them)."""
    import ibis

    band: ir.IntegerValue = ibis.literal(1)
    for cut, strict in cuts:
        band = band + ((value > cut) if strict else (value >= cut)).cast("int64")
    return ibis.ifelse(value.isnull(), 0, band)


def _near(value: ir.FloatingValue, cuts: Sequence[tuple[float, bool]]) -> ir.FloatingValue:
    """The value itself where it lies within a hair of a cut (grouped exactly), else -1."""
    import ibis

    close = [(value - cut).abs() <= _NEAR * cut for cut, _ in cuts if cut > 0]
    if not close:
        return ibis.literal(-1.0)
    return ibis.ifelse(ibis.or_(*close), value, -1.0).fill_null(-1.0)


# The audit -----------------------------------------------------------------------


def _backend(source: object) -> BaseBackend:
    import ibis
    from ibis.backends import BaseBackend

    if isinstance(source, BaseBackend):
        return source
    if isinstance(source, str | Path):
        if not Path(source).is_file():
            raise InvalidInputError("source", f"{str(source)!r} is not a database file")
        return ibis.duckdb.connect(str(source), read_only=True)
    if type(source).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return ibis.duckdb.from_connection(source)
    raise InvalidInputError(
        "source",
        "must be a DuckDB database path, a duckdb connection or an ibis backend, "
        f"got {type(source).__name__}",
    )


def _max_age(given: Mapping[str, dt.timedelta] | None) -> dict[str, dt.timedelta]:
    ages = dict(MAX_AGE)
    for concept, age in (given or {}).items():
        if concept not in ages:
            raise InvalidInputError(
                "max_age", f"{concept!r} is not one of {', '.join(sorted(ages))}"
            )
        if not isinstance(age, dt.timedelta) or age < dt.timedelta(0):
            raise InvalidInputError(f"max_age.{concept}", "must be a non-negative timedelta")
        ages[concept] = age
    return ages


def audit(
    source: object,
    *,
    on: dt.date,
    schema: str | None = None,
    concept_ids: Sequence[int] | None = None,
    max_age: Mapping[str, dt.timedelta] | None = None,
) -> pd.DataFrame:
    """One row per exposure to baricitinib active on ``on``, with the guideline's answer.

    ``source`` is a DuckDB database path, a ``duckdb`` connection or an ibis
    backend; ``schema`` the CDM's schema (database) there. Exposures are the
    drug concepts under ATC L04AF02 / L04AA37 in ``concept_ancestor``, and
    ``concept_ids`` the caller adds. ``max_age`` replaces the default longest
    age of a value per concept (:data:`MAX_AGE`).

    The columns: those of :func:`baricitinib_guideline.cohort.audit` (its
    inputs as read, then its answer) and :data:`READ_COLUMNS`. The answer is
    :func:`~baricitinib_guideline.recommend` for the person without a current
    dose (OMOP records no response to treatment): the regimen for them now;
    ``dose_matches`` compares the exposure's daily dose with it.
    """
    on = _on(on)
    ages = _max_age(max_age)
    backend = _backend(source)
    try:
        return _audit(_Query(backend, on, schema, concept_ids, ages))
    finally:
        if isinstance(source, str | Path):  # opened here: closed here
            backend.disconnect()


def _audit(query: _Query) -> pd.DataFrame:
    table = _decorate(query.rows(), query)
    # The rows are computed once, into a temporary table of the database; the distinct
    # combinations are grouped there, and only they reach the rules.
    name = f"baricitinib_omop_{uuid.uuid4().hex}"
    wanted = [column for column in table.columns if not column.endswith(("__low", "__high"))]
    rows = query.backend.create_table(name, table.select(*wanted), temp=True)
    try:
        answers = _answers(rows)
        ordered = rows.order_by(["person_id", "drug_exposure_id"])
        # Through Arrow: several times faster than ibis's own pandas conversion.
        frame = ordered.to_pyarrow().to_pandas()
    finally:
        _drop(query.backend, name)
    return _finish(frame, answers, query)


def _drop(backend: BaseBackend, name: str) -> None:
    """Drop the temporary table (it would go with the connection anyway)."""
    with contextlib.suppress(Exception):
        backend.raw_sql(f'DROP TABLE "{name}"')


def _on(on: object) -> dt.date:
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise InvalidInputError("on", f"must be a date, got {type(on).__name__}")
    return on


def _decorate(rows: ir.Table, query: _Query) -> ir.Table:
    """Freshness, then each input's band, one integer key and the exact near values."""
    import ibis

    child = rows.age_months < k.ADULT_AGE_MONTHS
    values: dict[str, Any] = {}
    stale: dict[str, Any] = {}
    for column in _MEASURES:
        concept = _CONCEPT[column]
        date = rows[f"{column}__date"]
        if column == "weight_kg":
            cutoff = ibis.ifelse(child, query.cutoff("child_weight"), query.cutoff("weight")).cast(
                "date"
            )
        else:
            cutoff = ibis.literal(query.cutoff(concept))
        fresh = date >= cutoff
        low, high = rows[f"{column}__low"], rows[f"{column}__high"]
        values[column] = ibis.ifelse(fresh & (low == high), low, ibis.null("float64"))
        stale[f"{column}__state"] = ibis.cases(
            (date.isnull(), 0), (~fresh, 1), (low != high, 2), else_=3
        )
    rows = rows.mutate(**values, **stale)
    estimate, estimated, exact = _estimate(rows)
    rows = rows.mutate(clearance_estimated=estimated, **exact)
    key: ir.IntegerValue = ibis.literal(0)
    near: dict[str, Any] = {}
    parts: list[tuple[ir.IntegerValue, int]] = [
        (_band(rows.age_months.cast("float64"), _AGE_CUTS), len(_AGE_CUTS) + 2)
    ]
    for column, measure in _MEASURES.items():
        value = rows[column]
        if column == "creatinine_clearance_ml_min":  # measured, else estimated
            value = ibis.coalesce(value, estimate)
        parts.append((_band(value, measure.cuts), len(measure.cuts) + 2))
        near[f"{column}__near"] = _near(rows[column], measure.cuts)
    parts += [(rows[flag].cast("int64"), 2) for flag in _DECISION_FLAGS]
    parts.append((rows.clearance_estimated.cast("int64"), 2))
    sex = ibis.cases(*((rows.sex == s, i + 1) for i, s in enumerate(_SEXES)), else_=0)
    parts.append((sex, len(_SEXES) + 1))
    for part, radix in parts:
        key = key * radix + part
    decided = rows.death_date.isnull() & rows.age_months.notnull() & (rows.age_months >= 0)
    return rows.mutate(band_key=ibis.ifelse(decided, key, -1), **near)


_ESTIMATE_NEAR: Final = 0.5 * 10.0**-lic.ESTIMATE_DECIMALS + 0.01
"""How close to a limit an estimate computed in SQL may lie before the rules' own rounding
could put it on the other side: half the last decimal kept, and a margin."""
_EXACT: Final = ("age_months", "weight_kg", "serum_creatinine_mg_dl")


def _estimate(rows: ir.Table) -> tuple[ir.FloatingValue, ir.BooleanValue, dict[str, Any]]:
    """The Cockcroft-Gault estimate where the rules make one, for placing it in a band.

    The rules estimate (and round) it themselves for each combination; here it
    only decides the band. Where it lies within a hair of a limit, the inputs
    themselves join the key, so that the rules see every such person.
    """
    import ibis

    weight, creatinine = rows.weight_kg, rows.serum_creatinine_mg_dl
    estimated = (
        (rows.age_months >= k.ADULT_AGE_MONTHS)
        & rows.creatinine_clearance_ml_min.isnull()
        & (weight > 0)
        & rows.sex.notnull()
        & (creatinine > 0)
    ).fill_null(False)
    value = (lic.COCKCROFT_GAULT_AGE_FROM - rows.age_months / 12.0) * weight
    value = value / (lic.COCKCROFT_GAULT_DIVISOR * creatinine)
    value = value * ibis.ifelse(rows.sex == "FEMALE", lic.COCKCROFT_GAULT_FEMALE_FACTOR, 1.0)
    estimate = ibis.ifelse(estimated, value, ibis.null("float64"))
    limits = (lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN, lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN)
    close = ibis.or_(*((estimate - cut).abs() <= _ESTIMATE_NEAR for cut in limits)).fill_null(
        False
    )
    exact = {
        f"{name}__exact": ibis.ifelse(close, rows[name].cast("float64"), -1.0) for name in _EXACT
    }
    return estimate, estimated, exact


def _key_columns() -> list[str]:
    return [
        "band_key",
        *(f"{column}__near" for column in _MEASURES),
        *(f"{name}__exact" for name in _EXACT),
    ]


def _answers(table: ir.Table) -> pd.DataFrame:
    """The answer of each distinct combination, asked once with one of its persons (the
    exposure with the lowest id)."""
    keys = _key_columns()
    inputs = ["age_months", *_MEASURES, *_DECISION_FLAGS, "sex"]
    decided = table.filter(table.band_key >= 0)
    first = decided.group_by(keys).aggregate(first=decided.drug_exposure_id.min())
    groups = decided.filter(decided.drug_exposure_id.isin(first["first"])).select(*keys, *inputs)
    reps = groups.to_pandas()
    out = [_answer(row) for row in reps.to_dict("records")]
    answers = pd.DataFrame(
        out,
        columns=["recommended_dose_mg", "status", "modality", "reason_codes", "problem"],
    )
    for name in keys:
        answers[name] = reps[name].to_numpy()
    answers.attrs["combinations"] = len(reps)
    return answers


def representative(row: Mapping[str, Any]) -> Patient:
    """The person the rules see for one row of inputs (canonical units, OMOP flags)."""
    reg = registry()

    def known(name: str) -> float | None:
        value = row.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return float(value)

    units = _units()

    def amount(name: str, unit: str) -> Any:
        value = known(name)
        return None if value is None else reg.Quantity(value, units[unit])

    counts = {
        "neutrophils": amount("neutrophils_per_l", "1 / liter"),
        "lymphocytes": amount("lymphocytes_per_l", "1 / liter"),
        "haemoglobin": amount("haemoglobin_g_dl", "gram / deciliter"),
    }
    sex = row.get("sex")
    return Patient(
        age=reg.Quantity(int(row["age_months"]), units["month"]),
        weight=amount("weight_kg", "kilogram"),
        risk_factors=frozenset(
            RiskFactor[FLAGS[flag][0]]
            for flag in ("risk_vte", "risk_mace", "risk_malignancy", "risk_smoking")
            if bool(row[flag])
        ),
        creatinine_clearance=amount("creatinine_clearance_ml_min", "milliliter / minute"),
        egfr=amount("egfr_ml_min", "milliliter / minute"),
        pregnant=bool(row["pregnant"]),
        strong_oat3_inhibitor=bool(row["strong_oat3_inhibitor"]),
        labs=Labs(**counts) if any(v is not None for v in counts.values()) else None,
        sex=Sex[sex] if isinstance(sex, str) else None,
        serum_creatinine=amount("serum_creatinine_mg_dl", "milligram / deciliter"),
    )


@functools.cache
def _units() -> dict[str, Any]:
    """The units the representative persons are built with, parsed once."""
    names: tuple[str, ...] = ("month", "kilogram", "milliliter / minute", "1 / liter")
    names += ("gram / deciliter", "milligram / deciliter")
    return {name: registry().Unit(name) for name in names}


def _answer(row: Mapping[str, Any]) -> tuple[float, str, str | None, str | None, str | None]:
    try:
        result = api.recommend(representative(row))
    except InvalidInputError as error:
        return (math.nan, INVALID, None, None, str(error))
    reasons = list(dict.fromkeys(reason.source.statement for reason in result.reasons))
    return (
        math.nan if result.regimen is None else result.regimen.dose_mg,
        result.status.name,
        None if result.modality is None else result.modality.name,
        ";".join(reasons),
        None,
    )


# Back in Python: one answer per combination given to its rows ------------------------

_STATES: Final = {
    1: "the latest ({date}) is older than {days} days",
    2: "results of {date} disagree",
}
_SIG: Final = re.compile(
    r"^\s*(?:take\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>mg|tablets?|tabs?)\s+"
    r"(?:once\s+(?:a\s+)?daily|once\s+a\s+day|daily|every\s+day|od|qd)\s*$",
    re.IGNORECASE,
)


def _finish(frame: pd.DataFrame, answers: pd.DataFrame, query: _Query) -> pd.DataFrame:
    keys = _key_columns()
    merged = frame.merge(answers, on=keys, how="left")  # one answer per key
    problem = merged["problem"].astype(object)
    status = merged["status"].astype(object)
    dead = merged["death_date"].notna().to_numpy()
    born_later = (merged["age_months"] < 0).to_numpy(dtype=bool, na_value=False)
    no_birth = merged["age_months"].isna().to_numpy()
    on = query.on.isoformat()
    problem[dead] = [
        f"death: the person died on {pd.Timestamp(d).date().isoformat()}, on or before {on}"
        for d in merged.loc[dead, "death_date"]
    ]
    problem[born_later & ~dead] = f"person.birth_date: after {on}"
    status[dead | born_later] = INVALID
    status[no_birth & ~dead] = "INSUFFICIENT_INFORMATION"
    out = pd.DataFrame(
        {"person_id": merged["person_id"], "drug_exposure_id": merged["drug_exposure_id"]}
    )
    out["drug_concept_id"] = merged["drug_concept_id"]
    out["age_years"] = merged["age_months"] / 12
    for column in INPUT_COLUMNS[1:]:
        if column in merged:
            out[column] = merged[column]
        elif column in FLAGS:
            out[column] = FLAGS[column][1]
        elif column == "response":
            out[column] = _objects(np.full(len(merged), None, dtype=object))
        else:  # the current dose: the answer is for the person now, without one
            out[column] = np.nan
    daily, why = _daily_dose(merged)
    recommended = merged["recommended_dose_mg"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    invalid = (status == INVALID).to_numpy()
    recommended[invalid | (status == "INSUFFICIENT_INFORMATION").to_numpy() & no_birth] = np.nan
    out["recommended_dose_mg"] = recommended
    out["status"] = _objects(status)
    told = ~invalid & ~no_birth
    out["modality"] = _objects(merged["modality"].to_numpy(dtype=object), keep=told)
    out["reason_codes"] = _objects(merged["reason_codes"].to_numpy(dtype=object), keep=told)
    out["problem"] = _objects(problem)
    with np.errstate(invalid="ignore"):
        out["dose_matches"] = ~invalid & ~np.isnan(daily) & (np.round(daily, 6) == recommended)
    out["age_months"] = merged["age_months"]
    out["clearance_estimated"] = merged["clearance_estimated"].fillna(False).astype(bool)
    for column in ("neutrophils_per_l", "lymphocytes_per_l", "haemoglobin_g_dl"):
        out[column] = merged[column]
    out["daily_dose_mg"] = daily
    tell = why.copy()
    tell[no_birth] = [
        "age: no full birth date (birth_datetime, or year, month and day of birth)"
        + ("; " + w if isinstance(w, str) else "")
        for w in why[no_birth]
    ]
    out["cannot_tell"] = _objects(tell)
    out["left_out"] = _objects(_left_out(merged, query))
    out.attrs["combinations"] = answers.attrs.get("combinations", 0)
    out.attrs["not_read"] = NOT_READ
    order = [*READ_COLUMNS[:2], *INPUT_COLUMNS, *OUTPUT_COLUMNS, *READ_COLUMNS[2:]]
    return out[order].reset_index(drop=True)


def _objects(values: Any, keep: np.ndarray[Any, Any] | None = None) -> pd.Series:
    """Text or null per row, nulls as ``None`` (never NaN); ``None`` where not ``keep``."""
    array = np.array(values, dtype=object)
    array[pd.isna(array)] = None
    if keep is not None:
        array[~keep] = None
    return pd.Series(array, dtype=object)


def _daily_dose(frame: pd.DataFrame) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """mg per day and, where it cannot be told, why (quantity x strength / days, or the sig)."""
    quantity = frame["quantity"].to_numpy(dtype=float, na_value=np.nan)
    days = frame["days_supply"].to_numpy(dtype=float, na_value=np.nan)
    low = frame["strength_low"].to_numpy(dtype=float, na_value=np.nan)
    high = frame["strength_high"].to_numpy(dtype=float, na_value=np.nan)
    strength = np.where(low == high, low, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        daily = np.where((quantity > 0) & (days > 0), quantity * strength / days, np.nan)
    why = np.full(len(frame), None, dtype=object)
    sigs = frame["sig"]
    parsed = {s: _SIG.match(s) for s in sigs.dropna().unique()}
    for i in np.flatnonzero(np.isnan(daily)).tolist():
        match = parsed.get(sigs.iat[i])
        if match is not None:
            n = float(match["n"])
            if match["unit"].lower() == "mg":
                daily[i] = n
                continue
            if not math.isnan(strength[i]):
                daily[i] = n * strength[i]
                continue
        why[i] = "daily dose: " + _why_not(quantity[i], days[i], low[i], high[i], frame, i)
    return daily, why


def _why_not(
    quantity: float, days: float, low: float, high: float, frame: pd.DataFrame, i: int
) -> str:
    if math.isnan(low):
        return (
            f"drug_strength gives no amount for drug_concept_id {frame['drug_concept_id'].iat[i]}"
        )
    if low != high:
        return f"drug_strength gives several amounts ({low:g} to {high:g} mg)"
    if math.isnan(quantity) or quantity <= 0:
        return "no quantity, and no sig the library reads"
    return "no days_supply, and no sig the library reads"


def _left_out(frame: pd.DataFrame, query: _Query) -> np.ndarray[Any, Any]:
    """Per row, what was not used and why: stale, disagreeing or unreadable results."""
    notes = np.full(len(frame), None, dtype=object)

    def note(row: int, text: str) -> None:
        notes[row] = text if notes[row] is None else f"{notes[row]}; {text}"

    for column in _MEASURES:
        concept = _CONCEPT[column]
        state = frame[f"{column}__state"].to_numpy()
        for code, words in _STATES.items():
            rows = np.flatnonzero(state == code).tolist()
            dates = frame[f"{column}__date"].iloc[rows]
            young = (frame["age_months"].iloc[rows] < k.ADULT_AGE_MONTHS).tolist()
            for row, date, child in zip(rows, dates, young, strict=True):
                limit = "child_weight" if column == "weight_kg" and child else concept
                when = pd.Timestamp(date).date().isoformat()
                days = query.max_age[limit].days
                note(row, f"{concept}: " + words.format(date=when, days=days))
        unread = frame[f"{column}__unread"].to_numpy(dtype=float, na_value=0)
        for row in np.flatnonzero(unread > 0).tolist():
            count = int(unread[row])
            note(
                row,
                f"{concept}: {count} result{'s' if count > 1 else ''} without a value "
                "or in a unit the library does not read",
            )
    return notes


# Reading the result ---------------------------------------------------------------


def summary(audited: pd.DataFrame) -> dict[str, pd.Series]:
    """Exposures by status, and by how the exposure's daily dose compares with the answer:
    ``matches``, ``differs``, ``no dose is the answer`` (the answer has no regimen) or
    ``daily dose unknown``."""
    for column in ("status", "dose_matches", "daily_dose_mg", "recommended_dose_mg"):
        if column not in audited:
            raise InvalidInputError(column, "is missing: pass the result of omop.audit()")
    by_status = audited["status"].value_counts().rename("exposures")
    dose = np.select(
        [
            audited["daily_dose_mg"].isna().to_numpy(),
            audited["recommended_dose_mg"].isna().to_numpy(),
            audited["dose_matches"].to_numpy(dtype=bool),
        ],
        ["daily dose unknown", "no dose is the answer", "matches"],
        "differs",
    )
    by_dose = pd.Series(dose, index=audited.index).value_counts().rename("exposures")
    return {"by_status": by_status, "by_dose": by_dose}


def plot_summary(audited: pd.DataFrame) -> Any:
    """A figure of :func:`summary` (needs matplotlib: the ``plot`` extra), made without pyplot."""
    from .plot import bars

    counts = summary(audited)
    panels = (
        ("Answer for the person now", counts["by_status"]),
        ("Daily dose vs the answer", counts["by_dose"]),
    )
    return bars(panels, xlabel="exposures", size=(9, 3.5))


def run_omop_audit(argv: list[str]) -> int:
    """``baricitinib-guideline omop-audit DB --on DATE [--out FILE.parquet]``.

    Audits the OMOP CDM in the DuckDB database ``DB`` on ``DATE`` (YYYY-MM-DD);
    writes the rows to Parquet with ``--out``, else prints the summary.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="baricitinib-guideline omop-audit",
        description="Audit every baricitinib exposure of the OMOP CDM v5.4 in the DuckDB "
        "database DB on DATE: each gets the guideline's answer for the person now. Prints "
        "the counts; with --out, writes every row to Parquet.",
    )
    parser.add_argument("database", metavar="DB", help="DuckDB file holding an OMOP CDM v5.4")
    parser.add_argument("--on", required=True, metavar="DATE", help="the audit date, YYYY-MM-DD")
    parser.add_argument("--out", metavar="FILE.parquet", help="write every row to Parquet")
    parser.add_argument("--schema", help="the CDM's schema in the database")
    args = parser.parse_args(argv)
    prog = parser.prog
    try:
        try:
            on = dt.date.fromisoformat(args.on)
        except ValueError:
            raise InvalidInputError("--on", f"{args.on!r} is not a date (YYYY-MM-DD)") from None
        audited = audit(args.database, on=on, schema=args.schema)
        if args.out:
            audited.to_parquet(args.out, index=False)
    except InvalidInputError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # the database's own errors: a missing table, a bad file
        if type(error).__module__.split(".")[0] not in ("duckdb", "_duckdb", "ibis", "pyarrow"):
            raise
        print(f"{prog}: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    counts = summary(audited)
    lines = [f"{len(audited)} exposures to baricitinib active on {on.isoformat()}"]
    for title, series in counts.items():
        lines.append(f"{title.replace('_', ' ')}:")
        lines += [f"  {name}: {count}" for name, count in series.items()]
    if args.out:
        lines.append(f"written to {args.out}")
    print("\n".join(lines))
    return 0

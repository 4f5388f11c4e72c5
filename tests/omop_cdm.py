"""A small OMOP CDM v5.4 for the tests: the tables the audit reads, a tiny vocabulary.

The table definitions follow the CDM v5.4 (the OHDSI DDL for DuckDB and
PostgreSQL): the same column names, types and nullability, for the tables
the audit uses. The vocabulary holds only the concepts the tests need; its
concept ids are made up here, as every site's are its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from typing import Any, Final

DDL: Final = """
CREATE TABLE person (
    person_id integer NOT NULL,
    gender_concept_id integer NOT NULL,
    year_of_birth integer NOT NULL,
    month_of_birth integer NULL,
    day_of_birth integer NULL,
    birth_datetime TIMESTAMP NULL,
    race_concept_id integer NOT NULL,
    ethnicity_concept_id integer NOT NULL,
    location_id integer NULL,
    provider_id integer NULL,
    care_site_id integer NULL,
    person_source_value varchar(50) NULL,
    gender_source_value varchar(50) NULL,
    gender_source_concept_id integer NULL,
    race_source_value varchar(50) NULL,
    race_source_concept_id integer NULL,
    ethnicity_source_value varchar(50) NULL,
    ethnicity_source_concept_id integer NULL );
CREATE TABLE death (
    person_id integer NOT NULL,
    death_date date NOT NULL,
    death_datetime TIMESTAMP NULL,
    death_type_concept_id integer NULL,
    cause_concept_id integer NULL,
    cause_source_value varchar(50) NULL,
    cause_source_concept_id integer NULL );
CREATE TABLE drug_exposure (
    drug_exposure_id integer NOT NULL,
    person_id integer NOT NULL,
    drug_concept_id integer NOT NULL,
    drug_exposure_start_date date NOT NULL,
    drug_exposure_start_datetime TIMESTAMP NULL,
    drug_exposure_end_date date NOT NULL,
    drug_exposure_end_datetime TIMESTAMP NULL,
    verbatim_end_date date NULL,
    drug_type_concept_id integer NOT NULL,
    stop_reason varchar(20) NULL,
    refills integer NULL,
    quantity NUMERIC NULL,
    days_supply integer NULL,
    sig TEXT NULL,
    route_concept_id integer NULL,
    lot_number varchar(50) NULL,
    provider_id integer NULL,
    visit_occurrence_id integer NULL,
    visit_detail_id integer NULL,
    drug_source_value varchar(50) NULL,
    drug_source_concept_id integer NULL,
    route_source_value varchar(50) NULL,
    dose_unit_source_value varchar(50) NULL );
CREATE TABLE condition_occurrence (
    condition_occurrence_id integer NOT NULL,
    person_id integer NOT NULL,
    condition_concept_id integer NOT NULL,
    condition_start_date date NOT NULL,
    condition_start_datetime TIMESTAMP NULL,
    condition_end_date date NULL,
    condition_end_datetime TIMESTAMP NULL,
    condition_type_concept_id integer NOT NULL,
    condition_status_concept_id integer NULL,
    stop_reason varchar(20) NULL,
    provider_id integer NULL,
    visit_occurrence_id integer NULL,
    visit_detail_id integer NULL,
    condition_source_value varchar(50) NULL,
    condition_source_concept_id integer NULL,
    condition_status_source_value varchar(50) NULL );
CREATE TABLE measurement (
    measurement_id integer NOT NULL,
    person_id integer NOT NULL,
    measurement_concept_id integer NOT NULL,
    measurement_date date NOT NULL,
    measurement_datetime TIMESTAMP NULL,
    measurement_time varchar(10) NULL,
    measurement_type_concept_id integer NOT NULL,
    operator_concept_id integer NULL,
    value_as_number NUMERIC NULL,
    value_as_concept_id integer NULL,
    unit_concept_id integer NULL,
    range_low NUMERIC NULL,
    range_high NUMERIC NULL,
    provider_id integer NULL,
    visit_occurrence_id integer NULL,
    visit_detail_id integer NULL,
    measurement_source_value varchar(50) NULL,
    measurement_source_concept_id integer NULL,
    unit_source_value varchar(50) NULL,
    unit_source_concept_id integer NULL,
    value_source_value varchar(50) NULL,
    measurement_event_id integer NULL,
    meas_event_field_concept_id integer NULL );
CREATE TABLE observation (
    observation_id integer NOT NULL,
    person_id integer NOT NULL,
    observation_concept_id integer NOT NULL,
    observation_date date NOT NULL,
    observation_datetime TIMESTAMP NULL,
    observation_type_concept_id integer NOT NULL,
    value_as_number NUMERIC NULL,
    value_as_string varchar(60) NULL,
    value_as_concept_id Integer NULL,
    qualifier_concept_id integer NULL,
    unit_concept_id integer NULL,
    provider_id integer NULL,
    visit_occurrence_id integer NULL,
    visit_detail_id integer NULL,
    observation_source_value varchar(50) NULL,
    observation_source_concept_id integer NULL,
    unit_source_value varchar(50) NULL,
    qualifier_source_value varchar(50) NULL,
    value_source_value varchar(50) NULL,
    observation_event_id integer NULL,
    obs_event_field_concept_id integer NULL );
CREATE TABLE concept (
    concept_id integer NOT NULL,
    concept_name varchar(255) NOT NULL,
    domain_id varchar(20) NOT NULL,
    vocabulary_id varchar(20) NOT NULL,
    concept_class_id varchar(20) NOT NULL,
    standard_concept varchar(1) NULL,
    concept_code varchar(50) NOT NULL,
    valid_start_date date NOT NULL,
    valid_end_date date NOT NULL,
    invalid_reason varchar(1) NULL );
CREATE TABLE concept_ancestor (
    ancestor_concept_id integer NOT NULL,
    descendant_concept_id integer NOT NULL,
    min_levels_of_separation integer NOT NULL,
    max_levels_of_separation integer NOT NULL );
CREATE TABLE drug_strength (
    drug_concept_id integer NOT NULL,
    ingredient_concept_id integer NOT NULL,
    amount_value NUMERIC NULL,
    amount_unit_concept_id integer NULL,
    numerator_value NUMERIC NULL,
    numerator_unit_concept_id integer NULL,
    denominator_value NUMERIC NULL,
    denominator_unit_concept_id integer NULL,
    box_size integer NULL,
    valid_start_date date NOT NULL,
    valid_end_date date NOT NULL,
    invalid_reason varchar(1) NULL );
"""


def _columns(ddl: str) -> dict[str, tuple[str, ...]]:
    tables: dict[str, tuple[str, ...]] = {}
    for statement in ddl.split(";"):
        match = re.search(r"CREATE TABLE (\w+) \((.*)\)", statement, re.DOTALL)
        if match:
            lines = [line.strip() for line in match.group(2).split(",")]
            tables[match.group(1)] = tuple(line.split()[0] for line in lines if line)
    return tables


COLUMNS: Final = _columns(DDL)
TABLES: Final = (
    "person",
    "death",
    "drug_exposure",
    "condition_occurrence",
    "measurement",
    "observation",
    "concept",
    "concept_ancestor",
    "drug_strength",
)

# The tiny vocabulary: name -> (concept_id, domain, vocabulary, class, code).
CONCEPTS: Final[dict[str, tuple[int, str, str, str, str]]] = {
    "female": (90001, "Gender", "Gender", "Gender", "F"),
    "male": (90002, "Gender", "Gender", "Gender", "M"),
    "atc_baricitinib": (91001, "Drug", "ATC", "ATC 5th", "L04AF02"),
    "atc_baricitinib_old": (91002, "Drug", "ATC", "ATC 5th", "L04AA37"),
    "rx_baricitinib": (91003, "Drug", "RxNorm", "Ingredient", "BARI-TEST"),
    "bari_2mg": (91004, "Drug", "RxNorm", "Clinical Drug", "BARI-2-TEST"),
    "bari_4mg": (91005, "Drug", "RxNorm", "Clinical Drug", "BARI-4-TEST"),
    "bari_1mg_local": (91006, "Drug", "RxNorm Extension", "Clinical Drug", "BARI-1-TEST"),
    "bari_unknown_strength": (91007, "Drug", "RxNorm", "Clinical Drug", "BARI-X-TEST"),
    "atc_probenecid": (91010, "Drug", "ATC", "ATC 5th", "M04AB01"),
    "probenecid_500": (91011, "Drug", "RxNorm", "Clinical Drug", "PROB-500-TEST"),
    "other_drug": (91020, "Drug", "RxNorm", "Clinical Drug", "OTHER-TEST"),
    "weight": (92001, "Measurement", "LOINC", "Clinical Observation", "29463-7"),
    "clearance": (92002, "Measurement", "LOINC", "Lab Test", "2164-2"),
    "egfr": (92003, "Measurement", "LOINC", "Lab Test", "98979-8"),
    "neutrophils": (92004, "Measurement", "LOINC", "Lab Test", "751-8"),
    "lymphocytes": (92005, "Measurement", "LOINC", "Lab Test", "731-0"),
    "haemoglobin": (92006, "Measurement", "LOINC", "Lab Test", "718-7"),
    "creatinine": (92007, "Measurement", "LOINC", "Lab Test", "2160-0"),
    "smoking_status": (92010, "Observation", "LOINC", "Clinical Observation", "72166-2"),
    "pregnancy_status": (92011, "Observation", "LOINC", "Clinical Observation", "82810-3"),
    "kg": (93001, "Unit", "UCUM", "Unit", "kg"),
    "g": (93002, "Unit", "UCUM", "Unit", "g"),
    "lb": (93003, "Unit", "UCUM", "Unit", "[lb_av]"),
    "mg": (93004, "Unit", "UCUM", "Unit", "mg"),
    "ml_min": (93005, "Unit", "UCUM", "Unit", "mL/min"),
    "ml_min_173": (93006, "Unit", "UCUM", "Unit", "mL/min/{1.73_m2}"),
    "giga_l": (93007, "Unit", "UCUM", "Unit", "10*9/L"),
    "per_ul": (93008, "Unit", "UCUM", "Unit", "/uL"),
    "g_dl": (93009, "Unit", "UCUM", "Unit", "g/dL"),
    "g_l": (93010, "Unit", "UCUM", "Unit", "g/L"),
    "mg_dl": (93011, "Unit", "UCUM", "Unit", "mg/dL"),
    "mmol_l": (93012, "Unit", "UCUM", "Unit", "mmol/L"),
    "umol_l": (93013, "Unit", "UCUM", "Unit", "umol/L"),
    "dvt": (94001, "Condition", "SNOMED", "Clinical Finding", "128053003"),
    "dvt_leg": (94002, "Condition", "SNOMED", "Clinical Finding", "DVT-LEG-TEST"),
    "mi": (94003, "Condition", "SNOMED", "Clinical Finding", "22298006"),
    "malignancy": (94004, "Condition", "SNOMED", "Clinical Finding", "363346000"),
    "melanoma": (94005, "Condition", "SNOMED", "Clinical Finding", "MELANOMA-TEST"),
    "pregnancy": (94006, "Condition", "SNOMED", "Clinical Finding", "77386006"),
    "twin_pregnancy": (94007, "Condition", "SNOMED", "Clinical Finding", "TWIN-TEST"),
    "eczema": (94008, "Condition", "SNOMED", "Clinical Finding", "24079001"),
    "smoker": (94010, "Observation", "SNOMED", "Clinical Finding", "77176002"),
    "daily_smoker": (94011, "Observation", "SNOMED", "Clinical Finding", "449868002"),
    "never_smoked": (94012, "Observation", "SNOMED", "Clinical Finding", "266919005"),
    "not_pregnant": (94013, "Observation", "SNOMED", "Clinical Finding", "60001007"),
}
# ancestor -> descendants (self rows are added for every concept, as the OMOP vocabulary has).
ANCESTRY: Final[dict[str, tuple[str, ...]]] = {
    "atc_baricitinib": ("rx_baricitinib", "bari_2mg", "bari_4mg", "bari_unknown_strength"),
    "atc_baricitinib_old": ("bari_1mg_local",),
    "rx_baricitinib": ("bari_2mg", "bari_4mg", "bari_unknown_strength", "bari_1mg_local"),
    "atc_probenecid": ("probenecid_500",),
    "dvt": ("dvt_leg",),
    "malignancy": ("melanoma",),
    "pregnancy": ("twin_pregnancy",),
}
STRENGTHS: Final[dict[str, float]] = {"bari_2mg": 2.0, "bari_4mg": 4.0, "bari_1mg_local": 1.0}


def concept_id(name: str) -> int:
    return CONCEPTS[name][0]


def create(execute: Any) -> None:
    """Create the tables with ``execute(sql)`` (one statement per call)."""
    for statement in DDL.split(";"):
        if statement.strip():
            execute(statement)


class Cdm:
    """Rows for the tables, built person by person; ``write`` puts them in a database."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
        self._ids = itertools.count(1)
        first = dt.date(1970, 1, 1)
        last = dt.date(2099, 12, 31)
        for name, (cid, domain, vocabulary, klass, code) in CONCEPTS.items():
            self.add(
                "concept",
                concept_id=cid,
                concept_name=name,
                domain_id=domain,
                vocabulary_id=vocabulary,
                concept_class_id=klass,
                standard_concept="C" if klass.startswith("ATC") else "S",
                concept_code=code,
                valid_start_date=first,
                valid_end_date=last,
            )
            self.ancestry(cid, cid, 0)
        for ancestor, descendants in ANCESTRY.items():
            for descendant in descendants:
                self.ancestry(concept_id(ancestor), concept_id(descendant), 1)
        for drug, amount in STRENGTHS.items():
            self.add(
                "drug_strength",
                drug_concept_id=concept_id(drug),
                ingredient_concept_id=concept_id("rx_baricitinib"),
                amount_value=amount,
                amount_unit_concept_id=concept_id("mg"),
                valid_start_date=first,
                valid_end_date=last,
            )

    def ancestry(self, ancestor: int, descendant: int, levels: int) -> None:
        self.add(
            "concept_ancestor",
            ancestor_concept_id=ancestor,
            descendant_concept_id=descendant,
            min_levels_of_separation=levels,
            max_levels_of_separation=levels,
        )

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, table: str, **values: Any) -> None:
        """A row of ``table``: the columns given, null elsewhere."""
        unknown = set(values) - set(COLUMNS[table])
        assert not unknown, unknown
        self.rows[table].append(tuple(values.get(column) for column in COLUMNS[table]))

    def person(
        self,
        person_id: int,
        *,
        born: dt.date | None = None,
        year: int | None = None,
        sex: str | None = "female",
        as_datetime: bool = False,
    ) -> None:
        birth: dict[str, Any] = {}
        if born is None:
            birth["year_of_birth"] = year
        elif as_datetime:
            birth["year_of_birth"] = born.year
            birth["birth_datetime"] = dt.datetime(born.year, born.month, born.day, 8, 30)
        else:
            birth = {
                "year_of_birth": born.year,
                "month_of_birth": born.month,
                "day_of_birth": born.day,
            }
        self.add(
            "person",
            person_id=person_id,
            gender_concept_id=concept_id(sex) if sex else 0,
            race_concept_id=0,
            ethnicity_concept_id=0,
            **birth,
        )

    def death(self, person_id: int, when: dt.date) -> None:
        self.add("death", person_id=person_id, death_date=when)

    def exposure(
        self,
        person_id: int,
        drug: str,
        start: dt.date,
        end: dt.date,
        *,
        quantity: float | None = None,
        days_supply: int | None = None,
        sig: str | None = None,
    ) -> int:
        exposure_id = self.next_id()
        self.add(
            "drug_exposure",
            drug_exposure_id=exposure_id,
            person_id=person_id,
            drug_concept_id=concept_id(drug),
            drug_exposure_start_date=start,
            drug_exposure_end_date=end,
            drug_type_concept_id=0,
            quantity=quantity,
            days_supply=days_supply,
            sig=sig,
        )
        return exposure_id

    def measurement(
        self, person_id: int, concept: str, when: dt.date, value: float | None, unit: str | None
    ) -> None:
        self.add(
            "measurement",
            measurement_id=self.next_id(),
            person_id=person_id,
            measurement_concept_id=concept_id(concept),
            measurement_date=when,
            measurement_type_concept_id=0,
            value_as_number=value,
            unit_concept_id=concept_id(unit) if unit else None,
        )

    def condition(
        self, person_id: int, concept: str, start: dt.date, end: dt.date | None = None
    ) -> None:
        self.add(
            "condition_occurrence",
            condition_occurrence_id=self.next_id(),
            person_id=person_id,
            condition_concept_id=concept_id(concept),
            condition_start_date=start,
            condition_end_date=end,
            condition_type_concept_id=0,
        )

    def observation(
        self, person_id: int, concept: str, when: dt.date, value: str | None = None
    ) -> None:
        self.add(
            "observation",
            observation_id=self.next_id(),
            person_id=person_id,
            observation_concept_id=concept_id(concept),
            observation_date=when,
            observation_type_concept_id=0,
            value_as_concept_id=concept_id(value) if value else None,
        )

    def write(self, executemany: Any) -> None:
        """Insert every row with ``executemany(sql, rows)`` (``?`` placeholders)."""
        for table, rows in self.rows.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def duckdb_database(cdm: Cdm, path: str) -> None:
    import duckdb

    with duckdb.connect(path) as con:
        create(con.execute)
        cdm.write(con.executemany)


def sqlite_database(cdm: Cdm, path: str) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        create(con.execute)
        cdm.write(_sqlite_rows(con.executemany))
        con.commit()
    finally:
        con.close()


def _sqlite_rows(executemany: Any) -> Any:
    """SQLite keeps dates as ISO text: convert them before inserting."""

    def text(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def run(sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        executemany(sql, [tuple(text(v) for v in row) for row in rows])

    return run


def demo(persons: int = 40, seed: int = 7) -> Cdm:
    """A small synthetic registry on baricitinib, varied enough to show every kind of answer
    (used by the documentation's how-to and its figure)."""
    import random

    rng = random.Random(seed)
    cdm = Cdm()
    on = dt.date(2025, 6, 1)
    for pid in range(1, persons + 1):
        child = rng.random() < 0.3
        born = dt.date(rng.randint(2011, 2021) if child else rng.randint(1940, 2000), 1, 15)
        cdm.person(pid, born=born, sex=rng.choice(["female", "male"]))
        drug = rng.choice(["bari_2mg", "bari_4mg"])
        if rng.random() < 0.1:
            cdm.exposure(pid, "bari_unknown_strength", dt.date(2025, 4, 1), dt.date(2025, 8, 1))
        else:
            tablets = rng.choice([30, 30, 30, 60])
            cdm.exposure(
                pid,
                drug,
                dt.date(2025, 4, 1),
                dt.date(2025, 8, 1),
                quantity=tablets,
                days_supply=30,
            )
        if child or rng.random() < 0.5:
            weight = rng.uniform(12, 45) if child else rng.uniform(50, 110)
            cdm.measurement(
                pid, "weight", on - dt.timedelta(days=rng.randint(1, 120)), round(weight, 1), "kg"
            )
        if not child and rng.random() < 0.5:
            cdm.measurement(
                pid,
                "clearance",
                on - dt.timedelta(days=20),
                rng.choice([25, 45, 90, 90, 110]),
                "ml_min",
            )
        if child and rng.random() < 0.5:
            cdm.measurement(
                pid, "egfr", on - dt.timedelta(days=20), rng.choice([35, 50, 95]), "ml_min_173"
            )
        if rng.random() < 0.5:
            cdm.measurement(
                pid,
                "lymphocytes",
                on - dt.timedelta(days=10),
                rng.choice([0.4, 1.1, 1.5, 1.8, 2.2]),
                "giga_l",
            )
        if rng.random() < 0.15:
            cdm.condition(pid, "dvt_leg", dt.date(2020, 3, 1))
        if rng.random() < 0.15:
            cdm.observation(pid, "smoking_status", dt.date(2025, 1, 10), "daily_smoker")
        if not child and rng.random() < 0.05:
            cdm.condition(pid, "pregnancy", dt.date(2025, 2, 1))
        if rng.random() < 0.05:
            cdm.death(pid, dt.date(2025, 5, 1))
    return cdm

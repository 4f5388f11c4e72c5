"""The Patient's quick JSON reader and writer against the cattrs path they stand in for.

JSON whose values have exactly the expected types is read and written without
cattrs; everything else goes through cattrs. Either way the Patient, the text
and every error must be the same, so each test here compares the two paths.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import baricitinib_guideline as bg
from baricitinib_guideline import Q_, serialization
from baricitinib_guideline.knowledge import KNOWLEDGE_VERSION
from baricitinib_guideline.model._checks import checked_builder

from .strategies import patients


def cattrs_text(patient: bg.Patient) -> str:
    """A Patient as the cattrs converter writes it, with the version keys first."""
    data = {
        "schema_version": serialization.SCHEMA_VERSION,
        "knowledge_version": KNOWLEDGE_VERSION,
        **serialization.converter.unstructure(patient),
    }
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def cattrs_read(text: str) -> bg.Patient:
    """A Patient as the cattrs path reads it (parsing, versions, structuring)."""
    data = serialization._parse(text)
    if not isinstance(data, dict):
        raise bg.InvalidInputError("$", "Patient must be a JSON object")
    serialization._version(data)
    return serialization._structure(data, bg.Patient, "$")


def library_read(text: str) -> bg.Patient:
    return bg.from_json(text, bg.Patient)


def outcome(read: Any, text: str) -> tuple[str, object]:
    try:
        patient = read(text)
    except bg.InvalidInputError as exc:
        return ("error", (exc.field, exc.rule))
    return ("patient", (patient, cattrs_text(patient)))


VARIED = [
    bg.Patient(age=Q_(8, "year"), weight=Q_(25, "kg"), risk_factors={"VTE"}),
    bg.Patient(
        age=Q_(30, "month"),
        weight=Q_(12500, "g"),
        risk_factors=set(bg.RiskFactor),
        comorbidities=set(bg.Comorbidity),
        egfr=Q_(0, "mL/min"),
    ),
    bg.Patient(
        age=Q_(70.25, "year"),
        weight=Q_(154.3, "lb"),
        systemic_candidate=False,
        suspected_hepatitis_b=True,
        creatinine_clearance=Q_(2.7, "L/h"),
        severe_hepatic_impairment=True,
        pregnant=True,
        breastfeeding=True,
        strong_oat3_inhibitor=True,
        can_become_pregnant=True,
        hypersensitivity=True,
        suspected_drug_induced_liver_injury=True,
        sex="female",
        serum_creatinine=Q_(97, "umol/L"),
        labs=bg.Labs(
            lymphocytes=bg.quantity(0.4, "10*9/L"),
            neutrophils=bg.quantity(2100, "/uL"),
            haemoglobin=Q_(75, "g/L"),
        ),
    ),
    bg.Patient(age=Q_(4000, "day"), labs=bg.Labs(haemoglobin=Q_(12.5, "g/dL"))),
    bg.Patient(age=Q_(52, "year"), sex="MALE", serum_creatinine=Q_(1.1, "mg/dL")),
    bg.Patient(age=Q_(0, "year"), can_become_pregnant=False, labs=bg.Labs()),
]


@pytest.mark.parametrize("patient", VARIED, ids=range(len(VARIED)))
def test_quick_writer_and_reader_match_cattrs_on_every_optional_field(
    patient: bg.Patient,
) -> None:
    text = bg.to_json(patient)
    assert text == cattrs_text(patient)
    quick = serialization._quick_patient_text(text)
    assert quick is not None, "the text to_json writes is read by the quick path"
    slow = cattrs_read(text)
    assert quick == slow == patient
    assert bg.to_json(quick) == text
    assert quick.rule_key() == slow.rule_key()


@settings(max_examples=150, deadline=None)
@given(patients)
def test_quick_path_round_trips_every_patient_as_cattrs_does(patient: bg.Patient) -> None:
    text = bg.to_json(patient)
    assert text == cattrs_text(patient)
    quick = serialization._quick_patient_text(text)
    assert quick is not None
    assert quick == cattrs_read(text) == patient
    assert quick.rule_key() == patient.rule_key()
    assert bg.to_json(quick) == text


BASE: dict[str, Any] = json.loads(bg.to_json(VARIED[2]))

# JSON values of every kind, well and badly formed, to put in any field.
ODD_VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.5,
    1e300,
    2**60,
    "",
    "VTE",
    "vte",
    "MALE",
    "male",
    "8 year",
    [],
    ["VTE"],
    ["VTE", "VTE"],
    ["MACE", "VTE"],
    ["vte"],
    [1],
    ["ALOPECIA_AREATA"],
    {},
    {"value": 8, "unit": "a"},
    {"value": 8.5, "unit": "year"},
    {"value": 800, "unit": "mo"},
    {"value": 25, "unit": "kg"},
    {"value": 0, "unit": "kg"},
    {"value": -1, "unit": "kg"},
    {"value": 900, "unit": "kg"},
    {"value": True, "unit": "kg"},
    {"value": "25", "unit": "kg"},
    {"value": 2**60, "unit": "kg"},
    {"value": 25, "unit": "furlong"},
    {"value": 25, "unit": "kg ** 99"},
    {"value": 25, "unit": 5},
    {"value": 25},
    {"value": 25, "unit": "kg", "extra": 1},
    {"unit": "kg", "value": 25},
    {"value": 45, "unit": "mL/min"},
    {"value": 1001, "unit": "mL/min"},
    {"value": 97, "unit": "umol/L"},
    {"value": 1.1, "unit": "mg/dL"},
    {"value": 50, "unit": "mg/dL"},
    {"value": 7, "unit": "mmol/L"},
    {"value": 12, "unit": "g/dL"},
    {"value": 31, "unit": "g/dL"},
    {"value": 1.2, "unit": "10*9/L"},
    {"value": 2000, "unit": "10*9/L"},
    {"lymphocytes": None, "neutrophils": None, "haemoglobin": None},
    {"lymphocytes": {"value": 1.2, "unit": "10*9/L"}},
    {"haemoglobin": {"value": 7, "unit": "mmol/L"}},
    {"haemoglobin": {"value": 0, "unit": "g/dL"}},
    {"neutrophils": {"value": 2, "unit": "g/dL"}},
    {"platelets": None},
]
FIELDS = [*sorted(BASE), "extra_field"]


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(ODD_VALUES), max_size=4),
    st.sets(st.sampled_from(sorted(BASE)), max_size=3),
)
def test_every_input_gives_the_same_patient_or_the_same_error_either_way(
    changes: dict[str, Any], removed: set[str]
) -> None:
    data = {key: value for key, value in BASE.items() if key not in removed}
    data.update(changes)
    text = json.dumps(data)
    assert outcome(library_read, text) == outcome(cattrs_read, text)


@pytest.mark.parametrize(
    "text",
    [
        '{"age": {"value": 8, "unit": "a"}, "age": {"value": 9, "unit": "a"}}',
        '{"age": {"value": 8, "unit": "a", "unit": "a"}}',
        '{"age": {"value": 8, "value": 8}}',
        '{"age": {"unit": "a", "unit": "a"}}',
        '{"age": {"value": 30, "unit": "a"}, "labs": {"haemoglobin": null, "haemoglobin": null}}',
        '{"age": {"value": 30, "unit": "a"}, "labs": [{"haemoglobin": null}]}',
        '{"age": {"value": 30, "unit": "a"}, "risk_factors": [{"VTE": 1}]}',
        '{"age": [["value", 8], ["unit", "a"]]}',
        '{"age": {"value": NaN, "unit": "a"}}',
        '\ufeff{"age": {"value": 8, "unit": "a"}}',
        '{"schema_version": 2, "age": {"value": 8, "unit": "a"}}',
        '{"schema_version": true, "age": {"value": 8, "unit": "a"}}',
        '{"knowledge_version": 3, "age": {"value": 8, "unit": "a"}}',
        '[{"age": {"value": 8, "unit": "a"}}]',
        '{"age": {"value": 8, "unit": "a"}, "pregnant": true, "sex": "MALE"}',
        '{"age": {"value": 8, "unit": "a"}, "pregnant": true}',
        '{"age": {"value": 1e999, "unit": "a"}}',
        '{"age": {"value": 99999999999999999999999, "unit": "a"}}',
        '{"age": {"value": 8, "unit": "a"}, "labs": {"neutrophils": {"value": -1, "unit": "/L"}}}',
        '{"age": {"value": 8, "unit": "a"}, "age_months": 96}',
        '{"age": {"value": 8, "unit": "a"}, "_key": null}',
        '{"age": null}',
        '{"extra_field": 1, "weight": {"value": 25, "unit": "kg"}}',
        '{"age": {"value": 30, "unit": "a"}, "labs": {"platelets": null, "haemoglobin": null}}',
        "{}",
        "",
        " " * 10 + '{"age": {"value": 8, "unit": "a"}}' + " " * 10,
    ],
)
def test_edge_texts_give_the_same_outcome_either_way(text: str) -> None:
    assert outcome(library_read, text) == outcome(cattrs_read, text)


def test_refused_text_is_refused_with_the_cattrs_paths_field() -> None:
    text = '{"age": {"value": 8, "unit": "a"}, "weight": {"value": 701, "unit": "kg"}}'
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(text, bg.Patient)
    assert caught.value.field == "$.weight.value"
    assert "implausible" in caught.value.rule
    labs = (
        '{"age": {"value": 30, "unit": "a"}, "labs": {"haemoglobin": {"value": 0, "unit": "g/L"}}}'
    )
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.from_json(labs, bg.Patient)
    assert caught.value.field == "$.labs.haemoglobin.value"


def test_each_read_gets_its_own_read_only_quantities() -> None:
    text = bg.to_json(VARIED[0])
    first = bg.from_json(text, bg.Patient)
    second = bg.from_json(text, bg.Patient)
    assert first.age is not second.age
    with pytest.raises(AttributeError, match="read-only"):
        first.weight.ito("g")  # type: ignore[union-attr]
    assert second.weight == Q_(25, "kg")


def test_a_caller_parsed_mapping_and_bytes_read_as_the_text_does() -> None:
    text = bg.to_json(VARIED[2])
    assert bg.from_json(json.loads(text), bg.Patient) == VARIED[2]
    assert bg.from_json(text.encode(), bg.Patient) == VARIED[2]


def test_unit_texts_of_hostile_variety_do_not_grow_the_quick_cache() -> None:
    texts = [" " * left + "kg" + " " * right for left in range(20) for right in range(20)]
    for unit in texts:
        text = json.dumps(
            {"age": {"value": 30, "unit": "a"}, "weight": {"value": 70, "unit": unit}}
        )
        assert bg.from_json(text, bg.Patient).weight_kg == 70
    assert sum(len(known) for known in serialization._quick_units.values()) <= 2 * 256


def test_a_magnitude_the_template_cannot_write_goes_through_cattrs() -> None:
    from decimal import Decimal

    from baricitinib_guideline.units import frozen_quantity, parse_unit

    weight = frozen_quantity(Decimal("25.5"), parse_unit("kg", "unit"))  # type: ignore[arg-type]
    patient = bg.Patient(age=Q_(8, "year"), weight=weight)
    assert serialization._patient_text(patient) is None
    assert json.loads(bg.to_json(patient))["weight"] == {"value": 25.5, "unit": "kg"}


@attrs.frozen(slots=False)
class _Plain:
    number: int
    text: str = "x"
    later: int | None = attrs.field(init=False, default=None)


def test_checked_builder_runs_the_post_init_checks_and_sets_defaults() -> None:
    build = checked_builder(bg.Patient)
    values = {a.name: getattr(VARIED[2], a.name) for a in attrs.fields(bg.Patient) if a.init}
    built = build(values)
    assert built == VARIED[2]
    assert built.weight_kg == VARIED[2].weight_kg
    assert built.serum_creatinine_mg_dl == VARIED[2].serum_creatinine_mg_dl
    assert built._key is None
    with pytest.raises(bg.InvalidInputError, match="weight: is implausible"):
        build({**values, "weight": Q_(701, "kg")})
    with pytest.raises(bg.InvalidInputError, match="pregnant"):
        build({**values, "sex": bg.Sex.MALE})
    with pytest.raises(TypeError, match="takes exactly the fields"):
        build({**values, "extra": 1})
    missing = dict(values)
    del missing["sex"]
    with pytest.raises(TypeError, match="takes exactly the fields"):
        build(missing)


def test_checked_builder_works_without_a_post_init_and_refuses_factory_defaults() -> None:
    plain = checked_builder(_Plain)({"number": 3, "text": "y"})
    assert (plain.number, plain.text, plain.later) == (3, "y", None)
    assert vars(plain) == {"number": 3, "text": "y", "later": None}, "a class without slots"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        plain.number = 4  # type: ignore[misc]

    @attrs.frozen
    class WithFactory:
        number: int
        cache: dict[str, int] = attrs.field(init=False, factory=dict)

    with pytest.raises(TypeError, match="factory default"):
        checked_builder(WithFactory)


def test_the_quick_path_reads_and_writes_every_field() -> None:
    """A new field must be given a quick reader and writer, or its JSON value would be
    kept as it came; this fails until it is."""
    patient_fields = {a.name for a in attrs.fields(bg.Patient) if a.init}
    read = {name for name, _ in serialization._PATIENT_QUANTITIES}
    read |= set(serialization._PATIENT_FLAGS)
    read |= {"can_become_pregnant", "risk_factors", "comorbidities", "sex", "labs"}
    assert read == patient_fields
    assert set(serialization._PATIENT_WRITERS) == patient_fields
    labs_fields = {a.name for a in attrs.fields(bg.Labs) if a.init}
    assert {name for name, _ in serialization._LABS_QUANTITIES} == labs_fields

"""Issue 16: the clinical points real records expose.

Each test names the chapter's or the licence's words, or the library's
documented choice (docs/silent.rst), that it checks.
"""

from __future__ import annotations

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import Q_

from .conftest import FOREIGN

# --- New core inputs: sex and serum creatinine -------------------------------------------


def test_sex_is_exported_with_female_and_male_and_none_means_unknown() -> None:
    assert [member.name for member in bg.Sex] == ["FEMALE", "MALE"]
    assert bg.Patient(age=Q_(40, "year")).sex is None


@pytest.mark.parametrize("name", ["FEMALE", "female", "Female", " female "])
def test_sex_is_taken_by_name_in_any_case(name: str) -> None:
    assert bg.Patient(age=Q_(40, "year"), sex=name).sex is bg.Sex.FEMALE


@pytest.mark.parametrize("value", ["woman", "F", 1, True])
def test_an_unknown_sex_is_refused_naming_the_field_and_the_members(value: object) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient(age=Q_(40, "year"), sex=value)  # type: ignore[arg-type]
    assert caught.value.field == "sex"
    assert "FEMALE, MALE" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "mg_dl"),
    [
        (Q_(1.1, "mg/dL"), 1.1),
        (Q_(11, "mg/L"), 1.1),
        (Q_(88.4, "umol/L"), 1.0),  # clinical facts: 1 mg/dL = 88.4 umol/L
        (Q_(0.0884, "mmol/L"), 1.0),
        ("97 umol/L", 97 * 113.12 / 10_000),  # molar mass 113.12 g/mol
        ("1.1 mg/dL", 1.1),
        (FOREIGN.Quantity(97, "micromole / liter"), 97 * 113.12 / 10_000),
        (FOREIGN.Quantity(1.1, "mg/dL"), 1.1),
    ],
)
def test_serum_creatinine_in_mass_or_amount_per_volume_converted_once(
    given: object, mg_dl: float
) -> None:
    """Clinical facts: creatinine 1 mg/dL = 88.4 umol/L (molar mass 113.12 g/mol)."""
    patient = bg.Patient(age=Q_(40, "year"), serum_creatinine=given)  # type: ignore[arg-type]
    assert patient.serum_creatinine_mg_dl == pytest.approx(mg_dl, abs=1e-3)


def test_serum_creatinine_keeps_its_unit_and_round_trips_through_json() -> None:
    for given in (Q_(97, "umol/L"), Q_(1.1, "mg/dL")):
        patient = bg.Patient(age=Q_(40, "year"), sex=bg.Sex.MALE, serum_creatinine=given)
        again = bg.from_json(bg.to_json(patient), bg.Patient)
        assert again == patient
        assert again.serum_creatinine_mg_dl == patient.serum_creatinine_mg_dl
        assert again.sex is bg.Sex.MALE


def test_creatinine_in_either_unit_gives_one_rule_key() -> None:
    in_mass = bg.Patient(age=Q_(40, "year"), serum_creatinine=Q_(1, "mg/dL"))
    in_amount = bg.Patient(age=Q_(40, "year"), serum_creatinine=Q_(10_000 / 113.12, "umol/L"))
    assert in_mass.rule_key() == in_amount.rule_key()


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (Q_(1.1, "g"), "mg/dL) or amount per volume"),
        (Q_(1.1, "mL/min"), "mg/dL) or amount per volume"),
        (Q_(-1, "mg/dL"), "negative"),
        (Q_(0, "umol/L"), "greater than zero"),
        (Q_(41, "mg/dL"), "implausible"),
        (Q_(float("nan"), "mg/dL"), "finite"),
        (1.1, 'write the quantity, e.g. "1.1 mg/dL"'),
        ("1.1", 'write the quantity, e.g. "1.1'),
    ],
)
def test_an_implausible_or_unitless_creatinine_is_refused(given: object, words: str) -> None:
    with pytest.raises(bg.InvalidInputError) as caught:
        bg.Patient(age=Q_(40, "year"), serum_creatinine=given)  # type: ignore[arg-type]
    assert caught.value.field == "serum_creatinine"
    assert words in str(caught.value)

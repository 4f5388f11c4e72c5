"""The contract's public names exist, are exported and typed."""

from __future__ import annotations

import importlib.resources
import pathlib
import subprocess
import sys
from enum import Enum

import attrs
import pytest

import baricitinib_guideline as bg

CONTRACT_NAMES = [
    "ureg",
    "Q_",
    "Patient",
    "RiskFactor",
    "Comorbidity",
    "Response",
    "recommend",
    "DoseRecommendation",
    "Status",
    "Regimen",
    "Frequency",
    "DoseOption",
    "Modality",
    "Reason",
    "Source",
    "InvalidInputError",
    "screening_plan",
    "ScreeningPlan",
    "LabTest",
    "Referral",
    "monitoring_schedule",
    "Visit",
    "Outcome",
    "Certainty",
    "nma_result",
    "MeanDifference",
    "ConfidenceInterval",
    "nma_results",
    "REFERENCES",
    "Citation",
    "RECOMMENDATION",
    "Strength",
    "to_json",
    "from_json",
    "converter",
    "Labs",
]


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_contract_name_is_exported(name: str) -> None:
    assert name in bg.__all__
    assert getattr(bg, name) is not None


def test_all_names_exist() -> None:
    missing = [name for name in bg.__all__ if not hasattr(bg, name)]
    assert missing == []


@pytest.mark.parametrize(
    ("enum", "members"),
    [
        (
            bg.RiskFactor,
            {"VTE", "MACE", "MALIGNANCY", "CHRONIC_OR_RECURRENT_INFECTION", "SMOKING"},
        ),
        (
            bg.Comorbidity,
            {
                "ALOPECIA_AREATA",
                "RHEUMATOID_ARTHRITIS",
                "JUVENILE_IDIOPATHIC_ARTHRITIS",
                "ANKYLOSING_SPONDYLITIS",
                "PSORIATIC_ARTHRITIS",
                "INFLAMMATORY_BOWEL_DISEASE",
            },
        ),
        (bg.Response, {"SUSTAINED_CONTROL", "INADEQUATE_CONTROL"}),
        (
            bg.Status,
            {
                "RECOMMENDED",
                "NOT_RECOMMENDED",
                "OUTSIDE_LICENCE",
                "INSUFFICIENT_INFORMATION",
                "CONTRAINDICATED",
            },
        ),
        (bg.Modality, {"RECOMMENDED", "SHOULD_BE_CONSIDERED", "MAY_BE_CONSIDERED"}),
        (bg.Frequency, {"ONCE_DAILY"}),
        (
            bg.LabTest,
            {
                "FULL_BLOOD_COUNT",
                "RENAL_PROFILE",
                "LIVER_PROFILE",
                "LIPID_PROFILE",
                "HEPATITIS_B",
                "HEPATITIS_C",
                "HIV",
                "TUBERCULOSIS",
                "CREATINE_PHOSPHOKINASE",
            },
        ),
        (bg.Outcome, {"EASI", "POEM", "PEAK_PRURITUS_NRS", "DLQI"}),
        (bg.Certainty, {"HIGH", "MODERATE", "LOW", "VERY_LOW"}),
    ],
    ids=lambda value: getattr(value, "__name__", "members"),
)
def test_enum_members(enum: type[Enum], members: set[str]) -> None:
    assert members <= set(enum.__members__)


@pytest.mark.parametrize(
    "cls",
    [
        bg.Patient,
        bg.Labs,
        bg.Regimen,
        bg.DoseOption,
        bg.DoseRecommendation,
        bg.Reason,
        bg.Source,
        bg.MeanDifference,
        bg.ConfidenceInterval,
        bg.Citation,
        bg.ScreeningPlan,
        bg.Visit,
        bg.Referral,
        bg.SafetyFigure,
        bg.Statement,
        bg.Recommendation,
        bg.ScreeningItem,
    ],
    ids=lambda cls: cls.__name__,
)
def test_classes_are_frozen_and_slotted(cls: type) -> None:
    assert attrs.has(cls)
    assert "__slots__" in cls.__dict__
    instance_fields = attrs.fields(cls)
    assert all(field.type is not None for field in instance_fields)


def test_instances_cannot_be_changed() -> None:
    patient = bg.Patient(age=bg.Q_(8, "year"), weight=bg.Q_(25, "kg"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        patient.weight = bg.Q_(30, "kg")  # type: ignore[misc]


def test_py_typed_is_shipped() -> None:
    assert importlib.resources.files("baricitinib_guideline").joinpath("py.typed").is_file()


def test_importing_does_not_load_optional_extras() -> None:
    # pint itself imports numpy when it is installed; the library must add nothing heavy.
    heavy = (
        "pandas",
        "matplotlib",
        "fhir",
        "numpy",
        "dask",
        "starlette",
        "jwt",
        "httpx",
        "pydantic",
        "duckdb",
        "ibis",
        "sqlglot",
    )
    code = (
        "import sys; import pint; before = set(sys.modules); import baricitinib_guideline;"
        f"print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in {heavy!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_mypy_rejects_a_patient_built_from_plain_numbers(tmp_path: pathlib.Path) -> None:
    """The constructors carry real types: ``Patient(age=8)`` does not pass mypy --strict."""
    code = tmp_path / "caller.py"
    code.write_text(
        "import baricitinib_guideline as bg\n"
        "bg.Patient(age=8)\n"
        "bg.Patient(age=bg.Q_(8, 'year'), weight=bg.Q_(25, 'kg'), risk_factors={'VTE'})\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            "/dev/null",
            str(code),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 1, done.stdout
    assert len(errors) == 1, done.stdout
    assert (
        'caller.py:2: error: Argument "age" to "Patient" has incompatible type "int"' in errors[0]
    )

"""The command line: the main job of the README."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline.cli import main


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "baricitinib_guideline", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_fails_in_one_line(args: list[str], words: str) -> None:
    """Exit code 2, nothing on stdout, one line on stderr naming ``words``, no traceback."""
    done = run(args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert words in lines[0]


def test_sample_patient_without_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "sample patient" in out
    assert "Regimen: 2 mg once daily (recommended)" in out
    assert "dose.child.low" in out


def test_json_output_reads_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--age", "70y", "--risk", "vte", "--json"]) == 0
    result = bg.from_json(capsys.readouterr().out, bg.DoseRecommendation)
    assert result.regimen == bg.Regimen(dose=bg.Q_(2, "mg"))
    assert result.reasons[0].source.references == (7,)


def test_sample_as_json_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["regimen"]["dose"] == {"value": 2, "unit": "mg"}


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--age", "8y", "--weight", "55lb"], "Regimen: 2 mg once daily"),
        (["--age", "8y", "--weight", "30000g"], "Regimen: 4 mg once daily"),
        (["--age", "30mo", "--weight", "12 kg"], "Regimen: 2 mg once daily"),
        (["--age", "8y"], "Missing: weight"),
        (
            ["--age", "40y", "--current-dose", "4mg", "--response", "sustained-control"],
            "Regimen: 2 mg once daily (should be considered)",
        ),
        (
            ["--birth-date", "2008-02-29", "--on", "2026-03-01", "--weight", "25kg"],
            "Regimen: 4 mg once daily",
        ),
        (["--age", "30y", "--pregnant"], "Status: CONTRAINDICATED"),
        (["--age", "6y", "--weight", "20kg", "--egfr", "50mL/min"], "Regimen: 1 mg once daily"),
        (["--age", "30y", "--haemoglobin", "7.5g/dL"], "Status: NOT_RECOMMENDED"),
    ],
    ids=[
        "pounds",
        "grams",
        "months",
        "child-without-weight",
        "taper",
        "birth-date",
        "pregnant",
        "child-renal",
        "low-haemoglobin",
    ],
)
def test_patient_options(args: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    assert line in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--age", "2**99999999y"], "--age"),
        (["--age", "8y", "--weight", "25"], "--weight"),
        (["--age", "8kg"], "--age"),
        (["--age", "-3y"], "age"),
        (["--age", "8y", "--weight", "nan kg"], "--weight"),
        (["--age", "8y", "--weight", "900kg"], "weight"),
        (["--birth-date", "2030-01-01", "--on", "2026-01-01"], "--birth-date:"),
        (["--birth-date", "yesterday"], "--birth-date"),
        (["--age", "8y", "--birth-date", "2018-01-01"], "--age"),
        (["--weight", "25kg"], "--age"),
        (["--age", "8y", "--risk", "obesity"], "invalid choice"),
        (["--unknown"], "unrecognized"),
        (["--age"], "expected one argument"),
        (["--age", "40y", "--haemoglobin", "5mmol/L"], "haemoglobin"),
    ],
    ids=[
        "power-expression",
        "weight-without-unit",
        "age-in-kg",
        "negative-age",
        "nan",
        "implausible-weight",
        "future-birth",
        "bad-date",
        "age-and-birth-date",
        "no-age",
        "bad-risk",
        "unknown-option",
        "missing-value",
        "molar-haemoglobin",
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_code_2(args: list[str], words: str) -> None:
    assert_fails_in_one_line(args, words)


def test_console_script_is_installed() -> None:
    import shutil

    path = shutil.which("baricitinib-guideline") or str(
        __import__("pathlib").Path(sys.executable).with_name("baricitinib-guideline")
    )
    done = subprocess.run(
        [path, "--json"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["status"] == "RECOMMENDED"


# Subcommands: each prints what it names, as text or JSON.
SUBCOMMANDS = [
    (["dose", "--age", "70y", "--risk", "vte"], "Regimen: 2 mg once daily (recommended)"),
    (["screening", "--age", "30y", "--pregnant"], "Stops treatment:"),
    (["screening", "--age", "30y", "--suspected-hepatitis-b"], "Referral: hepatology"),
    (
        ["monitoring", "--start", "2026-01-31", "--until", "2026-06-30"],
        "2026-04-25  full blood count",
    ),
    (["evidence"], "4 mg vs placebo, EASI: mean difference -7.5 (95 % CI -9.4 to -5.6)"),
    (
        ["explain", "--age", "8y", "--weight", "25kg"],
        "- [dose.child.low] guideline Recommendation",
    ),
    (["statements"], "dose.child.low  [guideline Recommendation]"),
    (["dose", "--age", "8y", "--weight", "25kg", "--hypersensitivity"], "Status: CONTRAINDICATED"),
    (["--age", "40y", "--suspected-liver-injury"], "Status: NOT_RECOMMENDED"),
    (["--age", "40y", "--neutrophils", "900 /uL"], "Neutrophils below 1 x 10^9/L"),
    (["--age", "40y", "--neutrophils", "0.9 G/L"], "Neutrophils below 1 x 10^9/L"),
]


@pytest.mark.parametrize(("args", "line"), SUBCOMMANDS, ids=[" ".join(a) for a, _ in SUBCOMMANDS])
def test_subcommand(args: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    assert line in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["dose", "--age", "8y", "--weight", "25kg", "--json"], "status"),
        (["screening", "--age", "30y", "--json"], "baseline"),
        (["monitoring", "--start", "2026-01-31", "--until", "2026-12-31", "--json"], "items"),
        (["evidence", "--json"], "items"),
        (["statements", "--json"], "items"),
    ],
    ids=["dose", "screening", "monitoring", "evidence", "statements"],
)
def test_json_everywhere(args: list[str], kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    assert kind in data


def test_version_and_help_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert bg.__version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "examples:" in text
    assert "baricitinib-guideline monitoring --start" in text
    with pytest.raises(SystemExit):
        main(["dose", "--help"])
    assert "risk factor (repeatable)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--age", "8y", "--weight", "-5kg"], "error: --weight: must not be negative"),
        (["--age", "8y", "--on", "2026-01-01"], "--on: goes with --birth-date"),
        (["monitoring", "--start", "2026-02-01"], "--until"),
        (
            ["monitoring", "--start", "2026-02-01", "--until", "2026-01-01"],
            "error: --until: must not be before start",
        ),
        (["monitoring", "--start", "soon", "--until", "2026-01-01"], "--start"),
        (["screening", "--age", "-2y"], "error: --age: must not be negative"),
        (
            ["explain", "--age", "8y", "--current-dose", "4mg", "--response", "better"],
            "invalid choice",
        ),
        (["evidence", "--outcome", "easi"], "unrecognized arguments"),
        (["statements", "extra"], "unrecognized arguments"),
        (["--age", "40y", "--neutrophils", "0.9 gauss"], "neutrophils"),
    ],
    ids=[
        "negative-weight",
        "on-with-age",
        "monitoring-without-until",
        "until-before-start",
        "bad-start",
        "screening-negative-age",
        "explain-bad-response",
        "evidence-unknown-option",
        "statements-extra",
        "lab-unit",
    ],
)
def test_subcommand_errors_are_one_line_on_stderr(args: list[str], words: str) -> None:
    assert_fails_in_one_line(args, words)


def test_a_closed_pipe_ends_quietly() -> None:
    done = subprocess.run(
        f"'{sys.executable}' -m baricitinib_guideline statements | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.startswith("rec.headline")
    assert done.stderr == ""


def test_a_patient_from_a_json_file(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    patient = bg.Patient(age=bg.Q_(70, "year"), risk_factors={"VTE"})
    path.write_text(bg.to_json(patient), encoding="utf-8")
    assert main(["dose", "--patient", str(path)]) == 0
    assert "Regimen: 2 mg once daily (recommended)" in capsys.readouterr().out
    assert main(["explain", "--patient", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommendation"]["status"] == "RECOMMENDED"
    assert "[dose.risk.reduced]" in data["explanation"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--age", "8y"], "--patient: the file gives the patient"),
        (["--fhir", "x.json"], "--patient: give either"),
    ],
    ids=["with-options", "with-fhir"],
)
def test_a_patient_file_goes_alone(tmp_path: Any, extra: list[str], words: str) -> None:
    path = tmp_path / "patient.json"
    path.write_text(bg.to_json(bg.Patient(age=bg.Q_(40, "year"))), encoding="utf-8")
    done = run(["dose", "--patient", str(path), *extra])
    assert done.returncode == 2
    assert done.stdout == ""
    assert words in done.stderr


def test_a_broken_patient_file_names_the_json_path(tmp_path: Any) -> None:
    path = tmp_path / "patient.json"
    path.write_text('{"age": {"value": 8, "unit": "kg"}}', encoding="utf-8")
    done = run(["dose", "--patient", str(path)])
    assert done.returncode == 2
    assert "$.age.unit" in done.stderr


# Item 12 of issue 19: the command line as a newcomer meets it.


def test_every_command_is_listed_in_the_help_and_the_cli_page() -> None:
    from baricitinib_guideline.cli import _EXTRA_COMMANDS, SUBCOMMANDS, build_parser

    text = build_parser().format_help()
    listed = text.split("positional arguments:", 1)[1].split("options:", 1)[0]
    for name in (*SUBCOMMANDS, *_EXTRA_COMMANDS):
        assert f"\n    {name} " in listed or f"\n    {name}\n" in listed, name
    assert "audit" in _EXTRA_COMMANDS
    assert "serve" in _EXTRA_COMMANDS
    # tests/test_docs.py checks the CLI page shows the extras' own help.


def test_every_option_has_help() -> None:
    import argparse

    from baricitinib_guideline.cli import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    without = [
        f"{name} {' '.join(action.option_strings)}"
        for name, sub in commands.choices.items()
        for action in sub._actions
        if action.option_strings and not (action.help or "").strip()
    ]
    assert without == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--age", "8y", "--weight", "900kg"], "error: --weight: "),
        (
            ["--age", "70y", "--creatinine-clearance", "-5mL/min"],
            "error: --creatinine-clearance: ",
        ),
        (["--age", "40y", "--neutrophils", "-1 10*9/L"], "error: --neutrophils: "),
        (["--age", "200y"], "error: --age: "),
    ],
    ids=["weight", "clearance", "lab", "age"],
)
def test_errors_name_the_option_as_typed(args: list[str], words: str) -> None:
    assert_fails_in_one_line(args, words)


@pytest.mark.parametrize(
    "args",
    [
        ["--on", "2026-01-01"],
        ["screening", "--on", "2026-01-01"],
        ["--json", "--on", "2026-01-01"],
    ],
    ids=["dose", "screening", "json"],
)
def test_on_alone_is_an_error_not_ignored(args: list[str]) -> None:
    assert_fails_in_one_line(args, "--on: goes with --birth-date or --fhir")


def test_the_patient_line_shows_the_inputs_that_decided(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--age", "70y", "--risk", "vte", "--creatinine-clearance", "45mL/min"]
    args += ["--neutrophils", "0.9 G/L", "--strong-oat3-inhibitor", "--weight", "55lb"]
    assert main(args) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line == (
        "Patient: age 70 year, weight 55 lb, risk factors vte, creatinine clearance 45 mL/min, "
        "strong oat3 inhibitor, neutrophils 0.9 10*9/L"
    )
    assert main(["--age", "30y", "--not-candidate"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "Patient: age 30 year, not a candidate for systemic treatment"
    )


def test_a_closed_reader_ends_without_a_traceback() -> None:
    """A real pipe whose reader has closed before anything is written."""
    import os

    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "baricitinib_guideline", "statements"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == 0
    assert done.stderr == ""


@pytest.mark.parametrize("args", [["statements"], ["--help"]], ids=["answer", "help"])
def test_a_full_disk_is_one_line_not_a_traceback(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "baricitinib_guideline", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot write the output (No space left on device)" in lines[0]


@pytest.mark.parametrize(
    "args", [["evidence"], ["screening", "--age", "30y"], ["--age", "70y", "--weight", "70 µg"]]
)
def test_an_ascii_terminal_gets_ascii_without_a_traceback(args: list[str]) -> None:
    import os

    done = subprocess.run(
        [sys.executable, "-m", "baricitinib_guideline", *args],
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert b"Traceback" not in done.stderr
    assert done.returncode in (0, 2)
    done.stdout.decode("ascii")  # every byte is ASCII
    done.stderr.decode("ascii")
    if args == ["evidence"]:
        assert b"95 % CI -9.4 to -5.6), +++o moderate" in done.stdout


@pytest.mark.parametrize("args", [["statements"], ["--help"]], ids=["answer", "help"])
def test_a_closed_standard_output_is_one_line_not_a_traceback(args: list[str]) -> None:
    """Started with stdout closed (``>&-``): Python has no sys.stdout at all."""
    command = " ".join([f"'{sys.executable}'", "-m", "baricitinib_guideline", *args])
    done = subprocess.run(
        f"{command} >&-", shell=True, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "baricitinib-guideline: error: cannot write the output (standard output is closed)"
    ]

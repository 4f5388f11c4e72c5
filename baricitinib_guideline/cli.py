"""Command line: the recommendation for one patient, with reasons and sources."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import api
from .errors import InvalidInputError
from .knowledge import KNOWLEDGE_VERSION
from .model.core import DoseRecommendation
from .model.enums import Comorbidity, Response, RiskFactor
from .model.patient import Labs, Patient
from .serialization import to_json
from .units import QuantityT, parse_quantity

RISKS = {
    "vte": RiskFactor.VTE,
    "mace": RiskFactor.MACE,
    "malignancy": RiskFactor.MALIGNANCY,
    "infection": RiskFactor.CHRONIC_OR_RECURRENT_INFECTION,
    "smoking": RiskFactor.SMOKING,
}
COMORBIDITIES = {member.name.lower().replace("_", "-"): member for member in Comorbidity}
RESPONSES = {member.name.lower().replace("_", "-"): member for member in Response}

SAMPLE_ARGS = ("--age", "8y", "--weight", "25kg")
"""The built-in sample patient: a child of 8 years weighing 25 kg."""


def one_line(message: str) -> str:
    """The message with control characters escaped, so it prints as one line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in message)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="baricitinib-guideline",
        description="Baricitinib dose for one patient per the EuroGuiDerm atopic eczema "
        "guideline and the EU licence, with reasons and sources. Without patient options a "
        "sample patient (8 years, 25 kg) is used.",
    )
    add = parser.add_argument
    add("--age", help="age with unit, e.g. 8y, 30mo, 70 year")
    add("--birth-date", help="birth date YYYY-MM-DD (instead of --age)")
    add("--on", help="date the age is computed on, YYYY-MM-DD (default: today)")
    add("--weight", help="weight with unit, e.g. 25kg, 55lb, 12000g")
    add("--risk", action="append", default=[], choices=sorted(RISKS), help="risk factor")
    add("--comorbidity", action="append", default=[], choices=sorted(COMORBIDITIES))
    add("--not-candidate", action="store_true", help="not a candidate for systemic treatment")
    add("--suspected-hepatitis-b", action="store_true")
    add("--current-dose", help="current daily dose, e.g. 4mg (with --response)")
    add("--response", choices=sorted(RESPONSES), help="response to the current dose")
    add("--creatinine-clearance", help="e.g. 45mL/min")
    add("--egfr", help="eGFR per 1.73 m2 in mL/min, e.g. 50mL/min (children)")
    add("--severe-hepatic-impairment", action="store_true")
    add("--pregnant", action="store_true")
    add("--breastfeeding", action="store_true")
    add("--can-become-pregnant", action="store_true")
    add("--strong-oat3-inhibitor", action="store_true", help="e.g. probenecid")
    add("--lymphocytes", help="count per litre, e.g. '1.2 10*9/L' or '1.2e9 1/L'")
    add("--neutrophils", help="count per litre, e.g. '2.5 10*9/L'")
    add("--haemoglobin", help="e.g. 12g/dL")
    add("--json", action="store_true", help="print the recommendation as JSON")
    add(
        "--fhir",
        metavar="FILE",
        help="read the patient from a FHIR R4/R4B Bundle (JSON file) as of --on "
        "(instead of the patient options)",
    )
    add(
        "--fhir-out",
        action="store_true",
        help="print the proposal as a FHIR MedicationRequest (JSON; null when there is none)",
    )
    add(
        "--subject",
        help="the proposal's subject reference, e.g. Patient/123 (default: the bundle's Patient)",
    )
    return parser


# Options that describe the patient, which a FHIR bundle replaces.
_NOT_PATIENT = {
    "--json",
    "--fhir",
    "--fhir-out",
    "--subject",
    "--on",
    "--current-dose",
    "--response",
}


def _option_name(argument: str) -> str:
    return argument.split("=", 1)[0]


def _quantity(text: str | None, option: str, dimension: str) -> QuantityT | None:
    return None if text is None else parse_quantity(text, option, dimension)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(option, f"{text[:40]!r} is not a date YYYY-MM-DD") from None


def _labs(args: argparse.Namespace) -> Labs | None:
    values = {
        "lymphocytes": _quantity(args.lymphocytes, "--lymphocytes", "1 / [volume]"),
        "neutrophils": _quantity(args.neutrophils, "--neutrophils", "1 / [volume]"),
        "haemoglobin": _quantity(args.haemoglobin, "--haemoglobin", "[mass] / [volume]"),
    }
    if all(value is None for value in values.values()):
        return None
    return Labs(**values)


def patient_from_args(args: argparse.Namespace) -> Patient:
    common = {
        "weight": _quantity(args.weight, "--weight", "[mass]"),
        "risk_factors": frozenset(RISKS[name] for name in args.risk),
        "comorbidities": frozenset(COMORBIDITIES[name] for name in args.comorbidity),
        "systemic_candidate": not args.not_candidate,
        "suspected_hepatitis_b": args.suspected_hepatitis_b,
        "creatinine_clearance": _quantity(
            args.creatinine_clearance, "--creatinine-clearance", "[volume] / [time]"
        ),
        "egfr": _quantity(args.egfr, "--egfr", "[volume] / [time]"),
        "severe_hepatic_impairment": args.severe_hepatic_impairment,
        "pregnant": args.pregnant,
        "breastfeeding": args.breastfeeding,
        "can_become_pregnant": True if args.can_become_pregnant else None,
        "strong_oat3_inhibitor": args.strong_oat3_inhibitor,
        "labs": _labs(args),
    }
    if args.birth_date is not None:
        if args.age is not None:
            raise InvalidInputError("--age", "give either --age or --birth-date, not both")
        on = dt.date.today() if args.on is None else _date(args.on, "--on")
        return Patient.from_birth_date(_date(args.birth_date, "--birth-date"), on=on, **common)
    if args.age is None:
        raise InvalidInputError("--age", "is required (or --birth-date)")
    age = parse_quantity(args.age, "--age", "[time]")
    return Patient(age=age, **common)


def render(patient: Patient, result: DoseRecommendation) -> str:
    lines = [
        f"Patient: age {patient.age:P}"
        + (f", weight {patient.weight:P}" if patient.weight else "")
    ]
    lines.append(f"Status: {result.status.name}")
    if result.regimen is not None and result.modality is not None:
        modality = result.modality.name.lower().replace("_", " ")
        lines.append(f"Regimen: {result.regimen} ({modality})")
    if result.missing:
        lines.append(f"Missing: {', '.join(result.missing)}")
    lines.append("Reasons:")
    lines.extend(f"  - {r.text} [{r.source.cite()}; {r.source.statement}]" for r in result.reasons)
    if result.alternatives:
        lines.append("Alternatives:")
        for option in result.alternatives:
            modality = option.modality.name.lower().replace("_", " ")
            lines.append(
                f"  - {option.regimen} ({modality}) {option.condition} [{option.source.cite()}]"
            )
    lines.append(f"Knowledge: {KNOWLEDGE_VERSION}")
    return "\n".join(lines)


def _from_fhir(args: argparse.Namespace) -> tuple[Patient, str, list[str]]:
    """The patient of the bundle file, its Patient reference and lines on what was read."""
    from . import fhir

    on = dt.date.today() if args.on is None else _date(args.on, "--on")
    try:
        with open(args.fhir, encoding="utf-8") as handle:
            text = handle.read(fhir._read.MAX_TEXT + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            "--fhir", f"cannot read {args.fhir!r} ({exc.__class__.__name__})"
        ) from None
    reading = fhir.read_patient(text, on=on)
    lines = [f"Read from FHIR as of {on.isoformat()}: {', '.join(reading.used)}"]
    lines += [f"  left out {item.reference}: {item.why}" for item in reading.ignored]
    return reading.patient, reading.used[0], lines


# Commands that live in an optional extra: command -> (module, function, extra).
_EXTRA_COMMANDS: dict[str, tuple[str, str, str]] = {
    "audit": ("baricitinib_guideline.cohort", "run_audit", "cohort"),
    "serve": ("baricitinib_guideline.service", "serve", "service"),
}


def _extra_command(prog: str, name: str, argv: list[str]) -> int:
    """Run a command of an optional extra, or say which extra to install."""
    import importlib

    module, function, extra = _EXTRA_COMMANDS[name]
    try:
        command = getattr(importlib.import_module(module), function)
    except ImportError as missing:
        print(
            f"{prog}: error: {name} needs the {extra} extra "
            f"(pip install 'baricitinib-guideline[{extra}]'; {missing.name} is missing)",
            file=sys.stderr,
        )
        return 2
    code: int = command(argv)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] and raw[0] in _EXTRA_COMMANDS:
        return _extra_command(parser.prog, raw[0], raw[1:])
    args = parser.parse_args(raw)
    patient_options = [
        a for a in raw if a.startswith("--") and _option_name(a) not in _NOT_PATIENT
    ]
    sample = not patient_options and args.fhir is None
    if sample:
        args = parser.parse_args([*SAMPLE_ARGS, *raw])
        if not (args.json or args.fhir_out):
            print("No patient options given: using the sample patient (8 years, 25 kg).")
    try:
        read_lines: list[str] = []
        subject = args.subject
        if args.fhir is not None:
            if patient_options:
                raise InvalidInputError(
                    "--fhir", "the bundle gives the patient; leave out the patient options"
                )
            patient, bundle_subject, read_lines = _from_fhir(args)
            subject = subject or bundle_subject
        else:
            patient = patient_from_args(args)
        dose = _quantity(args.current_dose, "--current-dose", "[mass]")
        response = RESPONSES[args.response] if args.response else None
        result = api.recommend(patient, current_dose=dose, response=response)
        if args.fhir_out and not subject:
            raise InvalidInputError("--fhir-out", "needs --subject (or a --fhir bundle)")
    except InvalidInputError as exc:
        print(f"{parser.prog}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    if args.fhir_out:
        import json

        from . import fhir

        proposal = fhir.medication_request(result, subject=subject)
        print(json.dumps(proposal, ensure_ascii=False, indent=2))
        return 0
    if args.json:
        print(to_json(result))
    else:
        print("\n".join([*read_lines, render(patient, result)]))
    return 0

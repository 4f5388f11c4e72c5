"""Command line: the recommendation for one patient, with reasons and sources."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from collections.abc import Sequence
from typing import NoReturn

import pint

from . import api
from .errors import InvalidInputError
from .knowledge import KNOWLEDGE_VERSION
from .model.core import DoseRecommendation
from .model.enums import Comorbidity, Response, RiskFactor, Sex
from .model.patient import Labs, Patient, creatinine_quantity
from .serialization import to_json
from .units import QuantityT, parse_quantity, to_json_unit

RISKS = {
    "vte": RiskFactor.VTE,
    "mace": RiskFactor.MACE,
    "malignancy": RiskFactor.MALIGNANCY,
    "infection": RiskFactor.CHRONIC_OR_RECURRENT_INFECTION,
    "smoking": RiskFactor.SMOKING,
}
COMORBIDITIES = {member.name.lower().replace("_", "-"): member for member in Comorbidity}
RESPONSES = {member.name.lower().replace("_", "-"): member for member in Response}
SEXES = {member.name.lower(): member for member in Sex}


def choice(text: str) -> str:
    """A choice as the options list it: any case, ``_`` or ``-`` (``SUSTAINED_CONTROL``)."""
    return text.strip().lower().replace("_", "-")


SAMPLE_ARGS = ("--age", "8y", "--weight", "25kg")
"""The built-in sample patient: a child of 8 years weighing 25 kg."""


def one_line(message: str) -> str:
    """The message with control characters escaped, so it prints as one line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in message)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


EXAMPLES = """examples:
  baricitinib-guideline                                   the sample patient (8 years, 25 kg)
  baricitinib-guideline --age 70y --risk vte              dose (the default subcommand)
  baricitinib-guideline dose --age 12y --weight 40kg --current-dose 4mg --response sustained-control
  baricitinib-guideline screening --age 30y --suspected-hepatitis-b
  baricitinib-guideline monitoring --start 2026-01-31 --until 2026-12-31
  baricitinib-guideline evidence --json
  baricitinib-guideline explain --age 8y --weight 25kg
  baricitinib-guideline statements
  baricitinib-guideline dose --fhir bundle.json --on 2026-11-01 --fhir-out
  baricitinib-guideline serve --trusted-issuers issuers.json --public-base-url URL
                                                                (extra: service)
  baricitinib-guideline audit cohort.parquet audited.parquet    (extra: cohort)
  baricitinib-guideline omop-audit cdm.duckdb --on 2026-11-01   (extra: omop)
"""

SUBCOMMANDS = ("dose", "screening", "monitoring", "evidence", "explain", "statements", "fhir")


def _patient_options() -> _Parser:
    options = _Parser(add_help=False)
    group = options.add_argument_group("patient")
    add = group.add_argument
    add("--age", help="age with unit, e.g. 8y, 30mo, 70 year")
    add("--birth-date", help="birth date YYYY-MM-DD (instead of --age)")
    add(
        "--on",
        help="date of the decision, YYYY-MM-DD (default: today); with --birth-date or --fhir",
    )
    add("--weight", help="weight with unit, e.g. 25kg, 55lb, 12000g")
    add(
        "--risk",
        action="append",
        default=[],
        choices=sorted(RISKS),
        type=choice,
        help="risk factor (repeatable)",
    )
    add(
        "--comorbidity",
        action="append",
        default=[],
        choices=sorted(COMORBIDITIES),
        type=choice,
        help="concomitant inflammatory disease (repeatable)",
    )
    add("--sex", choices=sorted(SEXES), type=choice, help="for the renal estimate and pregnancy")
    add("--not-candidate", action="store_true", help="not a candidate for systemic treatment")
    add(
        "--suspected-hepatitis-b",
        action="store_true",
        help="hepatitis B suspected: refer to a hepatologist before starting",
    )
    add("--creatinine-clearance", help="e.g. 45mL/min (adults)")
    add("--egfr", help="eGFR per 1.73 m2 in mL/min, e.g. 50mL/min (children)")
    add(
        "--creatinine",
        help="serum creatinine, e.g. 1.1mg/dL or 97umol/L (adults: estimates the clearance)",
    )
    add("--severe-hepatic-impairment", action="store_true", help="severe hepatic impairment")
    add("--pregnant", action="store_true", help="pregnant now")
    add("--breastfeeding", action="store_true", help="breastfeeding now")
    add(
        "--can-become-pregnant",
        action="store_true",
        help="could become pregnant (contraception advice applies)",
    )
    add("--strong-oat3-inhibitor", action="store_true", help="e.g. probenecid")
    add("--hypersensitivity", action="store_true", help="to baricitinib or an excipient")
    add(
        "--suspected-liver-injury", action="store_true", help="suspected drug-induced liver injury"
    )
    add("--lymphocytes", help="count per volume, e.g. '1.2 10*9/L' or '1200 /uL'")
    add("--neutrophils", help="count per volume, e.g. '2.5 10*9/L'")
    add("--haemoglobin", help="e.g. 12g/dL or 120g/L")
    add(
        "--patient",
        metavar="FILE",
        help="read the patient from a JSON file (as bg.to_json writes a Patient), instead of "
        "the patient options",
    )
    add(
        "--fhir",
        metavar="FILE",
        help="read the patient from a FHIR R4/R4B Bundle (JSON) as of --on, instead of the "
        "patient options",
    )
    return options


def _follow_up_options() -> _Parser:
    options = _Parser(add_help=False)
    group = options.add_argument_group("follow-up")
    group.add_argument("--current-dose", help="current daily dose, e.g. 4mg (with --response)")
    group.add_argument(
        "--response",
        choices=sorted(RESPONSES),
        type=choice,
        help="response to the current dose (any case)",
    )
    return options


def _json_option() -> _Parser:
    options = _Parser(add_help=False)
    options.add_argument("--json", action="store_true", help="print JSON")
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="baricitinib-guideline",
        description="Baricitinib per the EuroGuiDerm atopic eczema guideline and the EU licence: "
        "the dose with reasons and sources, the screening, the monitoring visits, the "
        "evidence. Without a subcommand, 'dose'; without patient options, a sample patient.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()} ({KNOWLEDGE_VERSION})"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    patient, follow, json_option = _patient_options(), _follow_up_options(), _json_option()
    dose = sub.add_parser(
        "dose", parents=[patient, follow, json_option], help="the dose, with reasons (default)"
    )
    dose.add_argument(
        "--fhir-out",
        action="store_true",
        help="print the proposal as a FHIR MedicationRequest (JSON; null when there is none)",
    )
    dose.add_argument("--subject", help="the proposal's subject, e.g. Patient/123")
    sub.add_parser(
        "screening", parents=[patient, json_option], help="what to check before the first tablet"
    )
    monitoring = sub.add_parser(
        "monitoring", parents=[json_option], help="monitoring visits between two dates"
    )
    monitoring.add_argument("--start", required=True, help="date of the first tablet, YYYY-MM-DD")
    monitoring.add_argument("--until", required=True, help="last date to list, YYYY-MM-DD")
    sub.add_parser("evidence", parents=[json_option], help="the network meta-analysis results")
    sub.add_parser(
        "explain",
        parents=[patient, follow, json_option],
        help="the statements and references behind the dose",
    )
    sub.add_parser(
        "statements", parents=[json_option], help="every statement of the knowledge base"
    )
    fhir_command = sub.add_parser(
        "fhir", help="the rules as CQL: the libraries (CQL and ELM JSON) and their ValueSets"
    )
    fhir_command.add_argument(
        "--cql", required=True, metavar="DIR", help="folder to write the CQL, ELM and ValueSets to"
    )
    # Commands of the optional extras: listed here, parsed by their own modules.
    for name, (_, _, extra) in _EXTRA_COMMANDS.items():
        sub.add_parser(
            name, add_help=False, help=f"{_EXTRA_HELP.get(name, name)} (extra: {extra})"
        )
    return parser


def _version() -> str:
    from . import __version__

    return __version__


# Options that describe the patient, which a FHIR bundle replaces.
_NOT_PATIENT = {
    "--json",
    "--fhir",
    "--patient",
    "--fhir-out",
    "--subject",
    "--on",
    "--current-dose",
    "--response",
}
# Options whose value may look like a negative number ("--weight -5kg").
_VALUE_OPTIONS = {
    "--age",
    "--weight",
    "--creatinine-clearance",
    "--egfr",
    "--lymphocytes",
    "--neutrophils",
    "--haemoglobin",
    "--current-dose",
}


def _join_negative_values(raw: list[str]) -> list[str]:
    """``--weight -5kg`` as ``--weight=-5kg``, so the value's own rule (not negative) answers."""
    joined: list[str] = []
    index = 0
    while index < len(raw):
        token = raw[index]
        following = raw[index + 1] if index + 1 < len(raw) else ""
        if token in _VALUE_OPTIONS and following[:1] == "-" and following[1:2] in "0123456789.":
            joined.append(f"{token}={following}")
            index += 2
        else:
            joined.append(token)
            index += 1
    return joined


def _option_name(argument: str) -> str:
    return argument.split("=", 1)[0]


def _quantity(text: str | None, option: str, dimension: str) -> QuantityT | None:
    return None if text is None else parse_quantity(text, option, dimension)


def _creatinine(text: str | None) -> QuantityT | None:
    return None if text is None else creatinine_quantity(text, "--creatinine")


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
        "hypersensitivity": args.hypersensitivity,
        "suspected_drug_induced_liver_injury": args.suspected_liver_injury,
        "labs": _labs(args),
        "sex": SEXES[args.sex] if args.sex else None,
        "serum_creatinine": _creatinine(args.creatinine),
    }
    if args.birth_date is not None:
        if args.age is not None:
            raise InvalidInputError("--age", "give either --age or --birth-date, not both")
        on = dt.date.today() if args.on is None else _date(args.on, "--on")
        return Patient.from_birth_date(_date(args.birth_date, "--birth-date"), on=on, **common)
    if args.age is None:
        raise InvalidInputError("--age", "is required (or --birth-date)")
    if args.on is not None:
        raise InvalidInputError(
            "--on", "goes with --birth-date or --fhir; --age is already as of today"
        )
    age = parse_quantity(args.age, "--age", "[time]")
    return Patient(age=age, **common)


def _given(name: str, value: object) -> str | None:
    """One input as the ``Patient:`` line shows it; ``None`` when it says nothing."""
    import attrs

    words = name.replace("_", " ")
    if value is None or value is False or value == frozenset():
        return None
    if value is True:
        return words
    if isinstance(value, frozenset):
        return f"{words} " + ", ".join(sorted(m.name.lower().replace("_", "-") for m in value))
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))  # type: ignore[arg-type]
        parts = [_given(f.name, getattr(value, f.name)) for f in fields if f.init]
        return ", ".join(part for part in parts if part) or None
    if isinstance(value, pint.Quantity):
        if value.check("[time]"):
            return f"{words} {value:P}"
        if value.check("[mass]"):
            return f"{words} {value:~P}"
        return f"{words} {value.magnitude:g} {to_json_unit(value.units)}"
    return f"{words} {getattr(value, 'name', value)}"


def patient_line(patient: Patient) -> str:
    """Every input given for the patient (what differs from the default), so the line shows
    what decided the answer."""
    import attrs

    parts = []
    for item in attrs.fields(Patient):
        if not item.init:
            continue
        value = getattr(patient, item.name)
        if item.name == "systemic_candidate":
            shown = None if value else "not a candidate for systemic treatment"
        else:
            shown = _given(item.name, value)
        if shown:
            parts.append(shown)
    return "Patient: " + ", ".join(parts)


def render(patient: Patient, result: DoseRecommendation) -> str:
    return "\n".join([patient_line(patient), str(result), f"Knowledge: {KNOWLEDGE_VERSION}"])


def _from_fhir(args: argparse.Namespace) -> tuple[Patient, str, list[str]]:
    """The patient of the bundle file, its Patient reference and lines on what was read."""
    from . import fhir

    on = dt.date.today() if args.on is None else _date(args.on, "--on")
    try:
        with open(args.fhir, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            "--fhir", f"cannot read {args.fhir!r} ({exc.__class__.__name__})"
        ) from None
    reading = fhir.read_patient(text, on=on)
    lines = [f"Read from FHIR as of {on.isoformat()}: {', '.join(reading.used)}"]
    lines += [f"  left out {item.reference}: {item.why}" for item in reading.ignored]
    return reading.patient, _patient_reference(text), lines


def _patient_reference(text: str) -> str:
    """How a proposal refers to the bundle's Patient: ``Patient/<id>``, else the entry's
    fullUrl (a ``urn:uuid:``, say); '' when it has neither, so ``--subject`` is needed."""
    from .fhir._read import _entries

    for full_url, resource in _entries(text):
        if resource.get("resourceType") == "Patient":
            ident = resource.get("id")
            return f"Patient/{ident}" if isinstance(ident, str) and ident else full_url
    return ""


# Commands that live in an optional extra: command -> (module, function, extra).
_EXTRA_COMMANDS: dict[str, tuple[str, str, str]] = {
    "audit": ("baricitinib_guideline.cohort", "run_audit", "cohort"),
    "omop-audit": ("baricitinib_guideline.omop", "run_omop_audit", "omop"),
    "serve": ("baricitinib_guideline.service", "serve", "service"),
}


_EXTRA_HELP: dict[str, str] = {
    "audit": "the dose check for every row of a cohort table",
    "serve": "the CDS Hooks service for EHRs",
}


def _extra_command(prog: str, name: str, argv: list[str]) -> int:
    """Run a command of an optional extra, or say which extra to install."""
    import importlib

    module, function, extra = _EXTRA_COMMANDS[name]
    try:
        command = getattr(importlib.import_module(module), function)
    except ImportError as missing:
        from ._install import missing_extra

        _error(prog, str(missing_extra(name, extra, missing.name)))
        return 2
    code: int = command(argv)
    return code


# What an ASCII-only terminal gets for the symbols the answers use; the rest is escaped.
_ASCII = str.maketrans(
    {
        "\u2265": ">=",
        "\u2264": "<=",
        "\u2295": "+",
        "\u25cb": "o",
        "\u2191": "^",
        "\u2193": "v",
        "\u2013": "-",
        "\u2014": "-",
        "\u00b5": "u",
        "\u00d7": "x",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
    }
)


def _encodable(text: str, stream: object) -> str:
    """``text`` as ``stream`` can encode it: unchanged, or with the answers' symbols spelt in
    ASCII and anything else escaped (never dropped)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        spelt = text.translate(_ASCII)
        try:
            return spelt.encode(encoding, "backslashreplace").decode(encoding)
        except LookupError:
            return spelt.encode("ascii", "backslashreplace").decode("ascii")
    return text


def _error(prog: str, message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(_encodable(f"{prog}: error: {one_line(message)}", sys.stderr), file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush cannot fail."""
    import os

    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _print(text: str) -> None:
    """Print, in what the terminal can show; end quietly when the reader has gone
    (``| head``), and in one line on stderr when the output cannot be written (a full
    disk, a closed standard output)."""
    if sys.stdout is None:  # started with its output closed (``>&-``)
        _error("baricitinib-guideline", "cannot write the output (standard output is closed)")
        raise SystemExit(1)
    try:
        print(_encodable(text, sys.stdout))
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise SystemExit(0) from None
    except OSError as exc:
        _silence_stdout()
        _error("baricitinib-guideline", f"cannot write the output ({exc.strerror or exc})")
        raise SystemExit(1) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] and raw[0] in _EXTRA_COMMANDS:
        return _extra_command(parser.prog, raw[0], raw[1:])
    if not raw or (raw[0] not in SUBCOMMANDS and raw[0] not in ("-h", "--help", "--version")):
        raw = ["dose", *raw]
    args = _parse(parser, _join_negative_values(raw))
    try:
        text = _COMMANDS[args.command](parser, args, raw[1:])
    except InvalidInputError as exc:
        _error(parser.prog, str(_as_option(exc, parser, args)))
        return 2
    _print(text)
    return 0


def _parse(parser: argparse.ArgumentParser, raw: list[str]) -> argparse.Namespace:
    """Parse; help and version text go through :func:`_print`, so a closed or full output or
    an ASCII terminal ends them as it ends any answer."""
    import io

    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            return parser.parse_args(raw)
    except SystemExit:
        if buffer.getvalue():
            _print(buffer.getvalue().rstrip("\n"))
        raise


def _as_option(
    exc: InvalidInputError, parser: argparse.ArgumentParser, args: argparse.Namespace
) -> InvalidInputError:
    """An error about a field given as an option, named as the option (``--weight``, not
    ``weight``), so every message speaks the command line's language."""
    if getattr(args, "patient", None) or getattr(args, "fhir", None):
        return exc  # the file's own paths name the fault
    options = _option_names(parser, args.command)
    field = exc.field.removeprefix("labs.")
    option = options.get(field) or options.get(_FIELD_OPTIONS.get(field, ""))
    return InvalidInputError(option, exc.rule) if option else exc


# Fields whose option is named differently.
_FIELD_OPTIONS = {"suspected_drug_induced_liver_injury": "suspected_liver_injury"}


def _option_names(parser: argparse.ArgumentParser, command: str) -> dict[str, str]:
    """Destination -> the long option of ``command``'s parser."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_action in action.choices[command]._actions:
                longs = [o for o in sub_action.option_strings if o.startswith("--")]
                if longs:
                    names[sub_action.dest] = longs[0]
    return names


def _dose(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    patient, result, subject, read_lines = _decide(parser, args, raw)
    if args.fhir_out:
        import json

        from . import fhir

        subject = args.subject or subject
        if not subject and getattr(args, "fhir", None) is not None:
            raise InvalidInputError(
                "--fhir-out",
                "the bundle's Patient has neither an id nor a fullUrl to refer to; give --subject",
            )
        if not subject:
            raise InvalidInputError("--fhir-out", "needs --subject (or a --fhir bundle)")
        return json.dumps(
            fhir.medication_request(result, subject=subject), ensure_ascii=False, indent=2
        )
    if args.json:
        return to_json(result)
    return "\n".join([*read_lines, render(patient, result)])


def _decide(
    parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]
) -> tuple[Patient, DoseRecommendation, str, list[str]]:
    """The patient (options, sample or bundle), the answer, the bundle's subject, the reading."""
    patient, subject, read_lines = _patient(parser, args, raw)
    dose = _quantity(args.current_dose, "--current-dose", "[mass]")
    response = RESPONSES[args.response] if args.response else None
    return (
        patient,
        api.recommend(patient, current_dose=dose, response=response),
        subject,
        read_lines,
    )


def _patient(
    parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]
) -> tuple[Patient, str, list[str]]:
    patient_options = [
        a for a in raw if a.startswith("--") and _option_name(a) not in _NOT_PATIENT
    ]
    if args.fhir is not None and args.patient is not None:
        raise InvalidInputError("--patient", "give either --patient or --fhir, not both")
    if args.on is not None and args.birth_date is None and args.fhir is None:
        raise InvalidInputError(
            "--on", "goes with --birth-date or --fhir; an age is already as of today"
        )
    if args.patient is not None:
        if patient_options:
            raise InvalidInputError(
                "--patient", "the file gives the patient; leave out the patient options"
            )
        return _from_json_file(args.patient), "", []
    if args.fhir is not None:
        if patient_options:
            raise InvalidInputError(
                "--fhir", "the bundle gives the patient; leave out the patient options"
            )
        return _from_fhir(args)
    if not patient_options:
        sample = parser.parse_args([args.command, *SAMPLE_ARGS])
        note = (
            []
            if getattr(args, "json", False) or getattr(args, "fhir_out", False)
            else ["No patient options given: using the sample patient (8 years, 25 kg)."]
        )
        return patient_from_args(sample), "", note
    return patient_from_args(args), "", []


def _from_json_file(path: str) -> Patient:
    from .serialization import from_json

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(2_000_000)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            "--patient", f"cannot read {path!r} ({exc.__class__.__name__})"
        ) from None
    return from_json(text, Patient)


def _screening(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    patient, _, read_lines = _patient(parser, args, raw)
    plan = api.screening_plan(patient)
    if args.json:
        return to_json(plan)
    return "\n".join([*read_lines, str(plan)])


def _monitoring(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    visits = api.monitoring_schedule(
        _date(args.start, "--start"), until=_date(args.until, "--until")
    )
    if args.json:
        return to_json(visits)
    if not visits:
        return "No visit falls in this span."
    return "\n".join(str(visit) for visit in visits)


def _evidence(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    results = api.nma_results()
    if args.json:
        return to_json(results)
    return "\n".join(str(result) for result in results)


def _explain(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    patient, result, _, read_lines = _decide(parser, args, raw)
    if args.json:
        import json

        data = {"recommendation": json.loads(to_json(result)), "explanation": api.explain(result)}
        return json.dumps(data, ensure_ascii=False)
    return "\n".join([*read_lines, render(patient, result), "", api.explain(result)])


def _statements(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    entries = api.statements()
    if args.json:
        return to_json(entries)
    return "\n".join(f"{e.id}  [{e.source.cite()}]  {e.text}" for e in entries)


def _fhir(parser: argparse.ArgumentParser, args: argparse.Namespace, raw: list[str]) -> str:
    """Write the CQL libraries, their ELM JSON and the ValueSets they name into ``--cql``."""
    import json
    import pathlib

    from . import fhir

    folder = pathlib.Path(args.cql)
    files = dict(fhir.cql_files())
    for resource in fhir.value_sets():
        text = json.dumps(resource, ensure_ascii=False, indent=2) + "\n"
        files[f"ValueSet-{resource['id']}.json"] = text.encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    except OSError as exc:
        raise InvalidInputError(
            "--cql", f"cannot write to {args.cql!r} ({exc.strerror})"
        ) from None
    return "\n".join(str(folder / name) for name in files)


_COMMANDS = {
    "fhir": _fhir,
    "dose": _dose,
    "screening": _screening,
    "monitoring": _monitoring,
    "evidence": _evidence,
    "explain": _explain,
    "statements": _statements,
}

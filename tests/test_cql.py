"""Issue 25: the starting decision as CQL, proved by the reference engine on every case.

The tests install the HL7 reference translator (npm ``@cqframework/cql``) and
the JavaScript engine (``cql-execution`` with ``cql-exec-fhir``) from the
committed lock file, as the service tests start their servers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest

import baricitinib_guideline as bg
from baricitinib_guideline import fhir
from baricitinib_guideline.fhir import _library
from baricitinib_guideline.knowledge import KNOWLEDGE_VERSION, LIBRARY_REVISION
from baricitinib_guideline.knowledge import codes as c

from . import cql_corpus, cql_support

SOURCE = (cql_support.CQL_DIR / "BaricitinibDosing.cql").read_text(encoding="utf-8")
GENERATED = 2100
# The test files whose hand-written patients (vignettes) and records the proof replays.
RECORDED_FROM = (
    "tests/test_dosing.py",
    "tests/test_licence.py",
    "tests/test_clinical_points.py",
    "tests/test_fhir.py",
    "tests/test_fhir_real.py",
    "tests/test_screening_monitoring.py",
)


def _definitions(elm: dict[str, Any]) -> set[str]:
    return {item["name"] for item in elm["library"]["statements"]["def"]}


def _shipped_elm() -> dict[str, Any]:
    data = json.loads((cql_support.CQL_DIR / "BaricitinibDosing.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


# --- The build ------------------------------------------------------------------------


def test_regenerated_elm_equals_the_committed_elm(tmp_path: pathlib.Path) -> None:
    done = cql_support.translate(cql_support.CQL_DIR, tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("BaricitinibDosing.json", "FHIRHelpers-4.0.1.json"):
        fresh = (tmp_path / name).read_bytes()
        committed = (cql_support.CQL_DIR / name).read_bytes()
        assert fresh == committed, f"{name} differs from its CQL: run tools/cql/translate.mjs"


def test_the_translator_refuses_a_broken_library(tmp_path: pathlib.Path) -> None:
    broken = tmp_path / "cql"
    broken.mkdir()
    (broken / "FHIRHelpers-4.0.1.cql").write_bytes(
        (cql_support.CQL_DIR / "FHIRHelpers-4.0.1.cql").read_bytes()
    )
    # A reference to a definition that does not exist: the translator must say so.
    (broken / "BaricitinibDosing.cql").write_text(
        SOURCE.replace('define "Adult": "Age in months" >= 18 * 12', 'define "Adult": "Nowhere"'),
        encoding="utf-8",
    )
    done = cql_support.translate(broken, tmp_path)
    assert done.returncode != 0
    assert "Nowhere" in done.stderr


def test_the_library_translates_without_a_warning() -> None:
    notes = _shipped_elm()["library"].get("annotation", [])
    assert [note for note in notes if note.get("type") == "CqlToElmError"] == []


def test_fhirhelpers_keeps_its_licence_notice() -> None:
    helpers = (cql_support.CQL_DIR / "FHIRHelpers-4.0.1.cql").read_text("utf-8")
    assert "Licensed under the Apache License, Version 2.0" in helpers
    assert "library FHIRHelpers version '4.0.1'" in helpers


def test_the_library_version_is_the_knowledge_revision() -> None:
    assert f"library BaricitinibDosing version '{LIBRARY_REVISION}'" in SOURCE
    logic = fhir.libraries()[0]
    assert logic["version"] == KNOWLEDGE_VERSION
    assert logic["identifier"][0]["value"] == str(LIBRARY_REVISION)


# --- Codes live once ----------------------------------------------------------------------


def test_the_cql_names_exactly_the_value_sets_the_library_writes() -> None:
    named = dict(re.findall(r"^valueset \"([^\"]+)\": '([^']+)'", SOURCE, re.MULTILINE))
    written = {spec.name: spec.url for spec in _library.VALUE_SETS}
    assert named == written
    # and states no code of its own, apart from ICD-10 prefixes (rules, not codes)
    assert not re.search(r"^code ", SOURCE, re.MULTILINE)


def test_value_set_expansions_are_the_codes_the_reader_matches() -> None:
    sets = {resource["id"]: resource for resource in fhir.value_sets()}
    expanded = {
        key: {(item["system"], item["code"]) for item in resource["expansion"]["contains"]}
        for key, resource in sets.items()
    }
    assert expanded["weight"] == {(code.system, code.code) for code in c.OBSERVATIONS["weight"]}
    assert expanded["probenecid"] == {(code.system, code.code) for code in c.PROBENECID}
    assert expanded["risk-vte"] == {
        *((code.system, code.code) for code in c.CONDITIONS[bg.RiskFactor.VTE].snomed),
        (c.LIBRARY, "VTE"),
    }
    assert expanded["units-mass"] == {(c.UCUM, unit) for unit in c.UCUM_UNITS["[mass]"]}
    every = {pair for codes in expanded.values() for pair in codes}
    assert (c.PREGNANT.system, c.PREGNANT.code) in every


def test_icd10_prefixes_in_the_cql_are_the_knowledge_base_s() -> None:
    named = {
        bg.RiskFactor.VTE: "VTE",
        bg.RiskFactor.MACE: "MACE",
        bg.RiskFactor.MALIGNANCY: "Malignancy",
    }
    assert set(_library.ICD10_RULES) == set(named)
    for risk, rules in _library.ICD10_RULES.items():
        body = _definition(named[risk])
        if rules.icd10_prefixes:
            listed = re.search(r'"ICD-10 prefix"\(C, \{([^}]*)\}\)', body)
            assert listed is not None, risk
            assert re.findall(r"'([^']+)'", listed.group(1)) == list(rules.icd10_prefixes)
        if rules.icd10_range:
            low, high = rules.icd10_range
            assert f"\"ICD-10 range\"(C, '{low}', '{high}')" in body


def test_a_terminology_s_expansion_joins_the_condition_value_sets() -> None:
    finer = (c.SNOMED, "254837009")  # a finer malignant neoplasm code
    terminology = fhir.ValueSetTerminology({f"{c.SNOMED}|363346000": [f"{c.SNOMED}|254837009"]})
    sets = {resource["id"]: resource for resource in fhir.value_sets(terminology)}
    contains = sets["risk-malignancy"]["expansion"]["contains"]
    assert {"system": finer[0], "code": finer[1]} in contains
    assert len(sets["weight"]["expansion"]["contains"]) == len(c.OBSERVATIONS["weight"])
    with pytest.raises(bg.InvalidInputError, match="terminology"):
        fhir.value_sets(object())


def _definition(name: str) -> str:
    found = re.search(
        rf'^define "{re.escape(name)}":\n?(.*?)(?=^define |^//|\Z)', SOURCE, re.M | re.S
    )
    assert found is not None, name
    return found.group(1)


# --- The artifacts --------------------------------------------------------------------------


def test_library_value_sets_and_plan_definition_validate() -> None:
    for resource in (*fhir.libraries(), *fhir.value_sets(), fhir.plan_definition()):
        fhir.validate(resource)


def test_the_libraries_carry_cql_and_elm_and_say_what_they_need() -> None:
    logic, helpers = fhir.libraries()
    assert (logic["name"], helpers["name"]) == ("BaricitinibDosing", "FHIRHelpers")
    assert logic["type"]["coding"][0]["code"] == "logic-library"
    for library in (logic, helpers):
        kinds = [item["contentType"] for item in library["content"]]
        assert kinds == ["text/cql", "application/elm+json"]
    text = base64.b64decode(logic["content"][0]["data"]).decode("utf-8")
    assert text == SOURCE
    elm = json.loads(base64.b64decode(logic["content"][1]["data"]))
    assert elm == _shipped_elm()
    parameters = {(p["name"], p["use"], p["type"]) for p in logic["parameter"]}
    assert parameters == {
        ("On", "in", "date"),
        ("Status", "out", "string"),
        ("DoseMg", "out", "decimal"),
    }
    depends = {item["resource"] for item in logic["relatedArtifact"]}
    assert "http://hl7.org/fhir/Library/FHIRHelpers|4.0.1" in depends
    assert {spec.url for spec in _library.VALUE_SETS} <= depends
    assert {"Observation", "Condition", "Patient"} <= {d["type"] for d in logic["dataRequirement"]}
    filtered = {
        (need["type"], item["valueSet"])
        for need in logic["dataRequirement"]
        for item in need.get("codeFilter", [])
    }
    # every value set the CQL filters observations or conditions by is a data requirement
    for kind, name in re.findall(
        r'"All (observations|conditions)" \w+ where \w+\.code in "([^"]+)"', SOURCE
    ):
        url = next(spec.url for spec in _library.VALUE_SETS if spec.name == name)
        assert ("Observation" if kind == "observations" else "Condition", url) in filtered, name


def test_the_plan_definition_names_the_library_and_its_definitions() -> None:
    plan = fhir.plan_definition()
    assert plan["library"] == [fhir.LIBRARY_URL]
    assert plan["meta"]["tag"][0]["code"] == KNOWLEDGE_VERSION
    definitions = _definitions(_shipped_elm())
    named = []

    def walk(actions: list[dict[str, Any]]) -> None:
        for action in actions:
            for item in action.get("condition", []):
                named.append(item["expression"])
            for item in action.get("dynamicValue", []):
                named.append(item["expression"])
            walk(action.get("action", []))

    walk(plan["action"])
    assert len(named) >= 9
    for expression in named:
        assert expression["language"] == "text/cql-identifier"
        assert expression["expression"] in definitions, expression["expression"]
    assert {"Status", "DoseMg", "Recommended"} <= definitions
    assert sum(1 for e in named if e["expression"] == "DoseMg") == 4


# --- The proof ---------------------------------------------------------------------------


def _recorded(tmp_path: pathlib.Path) -> list[dict[str, Any]]:
    """The vignettes and records the test files give the library, kept by a plugin."""
    target = tmp_path / "recorded.jsonl"
    env = {**os.environ, "CQL_RECORD_TO": str(target)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.cql_record",
            *RECORDED_FROM,
        ],
        cwd=cql_support.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    lines = target.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_engine_agrees_with_recommend_on_every_record(tmp_path: pathlib.Path) -> None:
    comparison = cql_support.Comparison()
    recorded = _recorded(tmp_path)
    for kind, corpus in (("vignette", "vignettes"), ("record", "reader fixtures")):
        comparison.compare(
            corpus,
            [(dt.date.fromisoformat(r["on"]), r["record"]) for r in recorded if r["kind"] == kind],
        )
    records = cql_corpus.records(GENERATED)
    comparison.compare("generated", [(cql_corpus.ON, record) for record in records])
    print()
    print(comparison.report())
    for text in comparison.disagreements[:20]:
        print(text)
    assert comparison.disagreements == [], f"{len(comparison.disagreements)} disagree"
    counts = comparison.counts
    assert counts["generated"]["agree"] >= 2000
    assert counts["vignettes"]["agree"] >= 100
    assert counts["reader fixtures"]["agree"] >= 100


def test_a_changed_rule_is_caught(tmp_path: pathlib.Path) -> None:
    """The proof can fail: the adults' renal stop moved from 30 to 31 mL/min disagrees."""
    changed = tmp_path / "cql"
    changed.mkdir()
    (changed / "FHIRHelpers-4.0.1.cql").write_bytes(
        (cql_support.CQL_DIR / "FHIRHelpers-4.0.1.cql").read_bytes()
    )
    text = SOURCE.replace('"Adult clearance mL/min" < 30', '"Adult clearance mL/min" < 31')
    assert text != SOURCE
    (changed / "BaricitinibDosing.cql").write_text(text, encoding="utf-8")
    assert cql_support.translate(changed, changed).returncode == 0
    on = cql_corpus.ON
    patient = bg.Patient(age=bg.Q_(40, "year"), creatinine_clearance=bg.Q_(30, "mL/min"))
    bundle = fhir.patient_bundle(patient, on=on, patient_id="edge")
    expected = cql_support.python_answer(bundle, on)
    assert expected == ("RECOMMENDED", 2.0)
    (shipped,) = cql_support.run([(on, [bundle])])
    assert shipped[0]["edge"]["Status"] == "RECOMMENDED"
    (moved,) = cql_support.run([(on, [bundle])], elm_dir=changed)
    assert moved[0]["edge"]["Status"] == "NOT_RECOMMENDED"


def test_the_command_line_writes_what_an_engine_runs(tmp_path: pathlib.Path) -> None:
    from baricitinib_guideline.cli import main

    folder = tmp_path / "out"
    assert main(["fhir", "--cql", str(folder)]) == 0
    names = sorted(path.name for path in folder.iterdir())
    assert {
        "BaricitinibDosing.cql",
        "BaricitinibDosing.json",
        "FHIRHelpers-4.0.1.cql",
        "FHIRHelpers-4.0.1.json",
    } <= set(names)
    value_sets = [
        json.loads((folder / name).read_text("utf-8"))
        for name in names
        if name.startswith("ValueSet-")
    ]
    assert len(value_sets) == len(_library.VALUE_SETS)
    on = cql_corpus.ON
    child = bg.Patient(age=bg.Q_(9, "year"), weight=bg.Q_(31, "kg"))
    bundle = fhir.patient_bundle(child, on=on, patient_id="child")
    ((rows, _),) = cql_support.run([(on, [bundle])], value_sets=value_sets, elm_dir=folder)
    assert (rows["child"]["Status"], rows["child"]["DoseMg"]) == ("RECOMMENDED", 4)


def test_the_command_line_names_a_folder_it_cannot_write(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from baricitinib_guideline.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["fhir", "--cql", str(blocker / "sub")]) == 2
    assert "--cql: cannot write to" in capsys.readouterr().err


def test_the_cql_numbers_are_the_knowledge_base_s() -> None:
    """A threshold or a freshness limit changed in the knowledge base must change the CQL."""
    from baricitinib_guideline.knowledge import chapter as k
    from baricitinib_guideline.knowledge import licence as lic
    from baricitinib_guideline.knowledge.freshness import MAX_AGE
    from baricitinib_guideline.model.patient import CREATININE_MOLAR_MASS_G_MOL

    def days(concept: str) -> str:
        return f"{MAX_AGE[concept].days}"

    expected = {
        "Weight limit days": [f"then {days('weight')} else {days('child_weight')}"],
        "Creatinine clearance mL/min": [
            f'"Creatinine clearance"), {days("creatinine_clearance")},'
        ],
        "eGFR mL/min": [f'"eGFR"), {days("egfr")})'],
        "Neutrophils 10*9/L": [f'"Neutrophils"), {days("neutrophils")},'],
        "Lymphocytes 10*9/L": [f'"Lymphocytes"), {days("lymphocytes")},'],
        "Haemoglobin g/dL": [f'"Haemoglobin"), {days("haemoglobin")},'],
        "Creatinine candidates": [f'"Serum creatinine by mass"), {days("serum_creatinine")})'],
        "Pregnancy status candidates": [f'"Fresh"(R.dated, {days("pregnancy")})'],
        "Adult": [f">= {k.ADULT_AGE_MONTHS / 12:g} * 12"],
        "Aged 65 or over": [f">= {k.OLDER_ADULT_AGE_MONTHS / 12:g} * 12"],
        "Outside licence": [
            f"< {k.LICENCE_MIN_AGE_MONTHS:g}",
            f'"Weight kg" < {k.CHILD_MIN_WEIGHT_KG:g}',
        ],
        "Standard dose mg": [f"then {k.ADULT_STANDARD_MG}", f">= {k.CHILD_HIGH_WEIGHT_KG:g} then"],
        "Chapter dose mg": [f"then {k.ADULT_REDUCED_MG}"],
        "Adult renal stop": [f"< {lic.ADULT_RENAL_NOT_RECOMMENDED_BELOW_ML_MIN:g}"],
        "Adult renal limit": [f"<= {lic.ADULT_RENAL_REDUCED_UP_TO_ML_MIN:g}"],
        "Adult clearance needed": [f"< {lic.OTHER_MEASURE_NORMAL_FROM:g}"],
        "Child renal stop": [f"< {lic.CHILD_EGFR_NO_DATA_BELOW:g}"],
        "Child renal halving": [f"< {lic.CHILD_EGFR_REDUCED_BELOW:g}"],
        "Child eGFR needed": [f"< {lic.OTHER_MEASURE_NORMAL_FROM:g}"],
        "Licence ceiling mg": [
            f"then {lic.RESTRICTED_ADULT_MG}",
            f"* {lic.CHILD_RESTRICTION_FACTOR}",
        ],
        "Low blood count": [
            f"< {lic.LYMPHOCYTES_MIN_PER_L / 1e9:g}",
            f"< {lic.NEUTROPHILS_MIN_PER_L / 1e9:.1f}",
            f"< {lic.HAEMOGLOBIN_MIN_G_DL:.1f}",
        ],
        "Estimated clearance mL/min": [
            f"({lic.COCKCROFT_GAULT_AGE_FROM:g} -",
            f'({lic.COCKCROFT_GAULT_DIVISOR:g} * "Serum creatinine mg/dL")',
            f"then {lic.COCKCROFT_GAULT_FEMALE_FACTOR}",
            f"{lic.ESTIMATE_DECIMALS}\n    )",
        ],
        "Serum creatinine mg/dL": [f"* {CREATININE_MOLAR_MASS_G_MOL} / 10000, 9)"],
    }
    for name, pieces in expected.items():
        body = _definition(name)
        for piece in pieces:
            assert piece in body, (name, piece)


def test_with_a_terminology_the_engine_places_finer_codes_as_the_reader_does() -> None:
    on = cql_corpus.ON
    finer = "254837009"  # malignant neoplasm of breast, below malignant neoplastic disease
    terminology = fhir.ValueSetTerminology({f"{c.SNOMED}|363346000": [f"{c.SNOMED}|{finer}"]})
    bundle = fhir.patient_bundle(bg.Patient(age=bg.Q_(40, "year")), on=on, patient_id="t1")
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "id": "t1-cancer",
                "code": {"coding": [{"system": c.SNOMED, "code": finer}]},
                "subject": {"reference": "Patient/t1"},
            }
        }
    )
    placed = bg.recommend(fhir.read_patient(bundle, on=on, terminology=terminology).patient)
    plain = bg.recommend(fhir.read_patient(bundle, on=on).patient)
    assert placed.regimen is not None
    assert placed.regimen.dose_mg == 2
    assert plain.regimen is not None
    assert plain.regimen.dose_mg == 4
    ((with_terms, _),) = cql_support.run([(on, [bundle])], fhir.value_sets(terminology))
    ((without, _),) = cql_support.run([(on, [bundle])])
    assert with_terms["t1"]["DoseMg"] == 2
    assert without["t1"]["DoseMg"] == 4

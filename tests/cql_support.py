"""The CQL tools for the tests: installed from the committed lock file, run with Node.

``npm ci`` installs the translator and the engine once into a cache folder
named by the lock file's hash (``BARICITINIB_CQL_CACHE`` overrides where),
as the service tests start their own servers; nothing is installed on the host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
from typing import Any

from baricitinib_guideline import fhir

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools" / "cql"
CQL_DIR = ROOT / "baricitinib_guideline" / "fhir" / "cql"
_FILES = ("package.json", "package-lock.json", "translate.mjs", "run.mjs")


def tools() -> pathlib.Path:
    """The folder holding the CQL tools with their packages installed.

    Installed once per lock file into a folder of its own, then moved into
    place whole, so that runs side by side never see a half-installed folder.
    """
    lock = (TOOLS / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()[:16]
    base = pathlib.Path(os.environ.get("BARICITINIB_CQL_CACHE") or tempfile.gettempdir())
    folder = base / f"baricitinib-guideline-cql-{digest}"
    if not (folder / "node_modules" / ".installed").exists():
        fresh = base / f"baricitinib-guideline-cql-{digest}.{os.getpid()}"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        for name in _FILES:
            shutil.copyfile(TOOLS / name, fresh / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=fresh,
            check=True,
            capture_output=True,
        )
        (fresh / "node_modules" / ".installed").write_text("ok\n")
        if (folder / "node_modules" / ".installed").exists():
            shutil.rmtree(fresh, ignore_errors=True)  # another run finished first
        else:
            shutil.rmtree(folder, ignore_errors=True)
            fresh.rename(folder)
    for name in _FILES:
        target = folder / name
        if not target.exists() or target.read_bytes() != (TOOLS / name).read_bytes():
            shutil.copyfile(TOOLS / name, target)
    return folder


def translate(cql_dir: pathlib.Path, out_dir: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Translate every ``*.cql`` of ``cql_dir`` to ELM JSON in ``out_dir``."""
    folder = tools()
    return subprocess.run(
        ["node", str(folder / "translate.mjs"), str(cql_dir), str(out_dir)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def run(
    batches: list[tuple[dt.date, list[dict[str, Any]]]],
    value_sets: list[dict[str, Any]] | None = None,
    elm_dir: pathlib.Path = CQL_DIR,
) -> list[tuple[dict[str, dict[str, Any]], float]]:
    """The engine's ``Status`` and ``DoseMg`` per Patient.id, and the ms each batch took."""
    folder = tools()
    request = {
        "valueSets": value_sets if value_sets is not None else fhir.value_sets(),
        "batches": [{"on": on.isoformat(), "bundles": bundles} for on, bundles in batches],
    }
    done = subprocess.run(
        ["node", str(folder / "run.mjs"), str(elm_dir)],
        cwd=folder,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"the CQL engine failed:\n{done.stderr[-4000:]}")
    answers = json.loads(done.stdout)
    return [({row["id"]: row for row in batch["rows"]}, batch["ms"]) for batch in answers]


def flat_bundle(resources: object, ident: str) -> dict[str, Any] | None:
    try:
        return _flat_bundle(resources, ident)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return None  # not JSON the engine could take; the reader refuses it too


def _flat_bundle(resources: object, ident: str) -> dict[str, Any] | None:
    """One patient's record as the engine takes it: a flat Bundle, the Patient's id ``ident``.

    Nested Bundles are flattened and entries without a resource dropped, as the
    reader reads them; references to the Patient follow its new id. ``None``
    when the input is not one patient's JSON record.
    """
    data = json.loads(resources) if isinstance(resources, str | bytes) else resources
    entries: list[dict[str, Any]] = []

    def walk(items: list[Any]) -> None:
        for entry in items:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                continue
            if resource.get("resourceType") == "Bundle":
                walk(resource.get("entry", []))
            else:
                entries.append(entry)

    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        walk(data.get("entry", []))
    elif isinstance(data, dict):
        entries.append({"resource": data})
    elif isinstance(data, list):
        walk([{"resource": item} for item in data])
    else:
        return None
    patients = [e for e in entries if e["resource"].get("resourceType") == "Patient"]
    if not patients:
        return None
    old = patients[0]["resource"].get("id")
    text = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    if isinstance(old, str) and old:
        text = text.replace(f'"Patient/{old}"', f'"Patient/{ident}"')
        text = text.replace(f'"Patient/{old}/_history/', f'"Patient/{ident}/_history/')
        text = text.replace(f'/Patient/{old}"', f'/Patient/{ident}"')
    bundle: dict[str, Any] = json.loads(text)
    first = True
    kept = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource.get("resourceType") == "Patient":
            if not first:
                continue  # copies of the one Patient (the reader refuses different ones)
            first = False
            resource["id"] = ident
        kept.append(entry)
    bundle["entry"] = kept
    return bundle


def python_answer(bundle: dict[str, Any], on: dt.date) -> tuple[str, float | None] | None:
    """``read_patient`` then ``recommend``: the status name and dose; ``None`` when refused."""
    from baricitinib_guideline import InvalidInputError, recommend

    try:
        answer = recommend(fhir.read_patient(bundle, on=on).patient)
    except InvalidInputError:
        return None
    dose = None if answer.regimen is None else float(answer.regimen.dose_mg)
    return answer.status.name, dose


def _contained_medication(bundle: dict[str, Any]) -> bool:
    """Whether a medication is named by a reference to a contained resource."""
    for entry in bundle["entry"]:
        reference = entry["resource"].get("medicationReference")
        if isinstance(reference, dict) and str(reference.get("reference", "")).startswith("#"):
            return True
    return False


class Comparison:
    """Records compared by corpus: how many agreed, were refused by the reader, disagreed."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        self.disagreements: list[str] = []

    def compare(self, corpus: str, records: list[tuple[dt.date, object]]) -> None:
        count = self.counts.setdefault(
            corpus, {"agree": 0, "refused": 0, "disagree": 0, "set aside": 0}
        )
        by_day: dict[dt.date, list[tuple[dict[str, Any], tuple[str, float | None]]]] = {}
        for index, (on, resources) in enumerate(records):
            bundle = flat_bundle(resources, f"{corpus}-{index}")
            expected = None if bundle is None else python_answer(bundle, on)
            if bundle is None or expected is None:
                count["refused"] += 1
                continue
            if _contained_medication(bundle):
                count["set aside"] += 1
                continue
            by_day.setdefault(on, []).append((bundle, expected))
        days = sorted(by_day)
        results = run([(on, [bundle for bundle, _ in by_day[on]]) for on in days])
        for on, (rows, _) in zip(days, results, strict=True):
            for bundle, expected in by_day[on]:
                ident = bundle["entry"][0]["resource"]["id"]
                row = rows.get(ident, {})
                dose = row.get("DoseMg")
                got = (row.get("Status"), None if dose is None else float(dose))
                if got == expected:
                    count["agree"] += 1
                else:
                    count["disagree"] += 1
                    self.disagreements.append(
                        f"{corpus} on {on}: Python {expected}, CQL {got}\n"
                        + json.dumps(bundle, indent=1)
                    )

    def report(self) -> str:
        return "\n".join(
            f"{corpus}: {n['agree']} agree, {n['disagree']} disagree, "
            f"{n['refused']} refused by the reader, {n['set aside']} set aside (a contained "
            "Medication, which cql-exec-fhir types as FHIR.Resource)"
            for corpus, n in self.counts.items()
        )

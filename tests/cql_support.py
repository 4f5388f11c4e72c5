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
    """The folder holding the CQL tools with their packages installed."""
    lock = (TOOLS / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()[:16]
    base = os.environ.get("BARICITINIB_CQL_CACHE") or tempfile.gettempdir()
    folder = pathlib.Path(base) / f"baricitinib-guideline-cql-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        shutil.copyfile(TOOLS / name, folder / name)
    if not (folder / "node_modules" / ".installed").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            check=True,
            capture_output=True,
        )
        (folder / "node_modules" / ".installed").write_text("ok\n")
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

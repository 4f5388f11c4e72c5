"""A pytest plugin that keeps every record the tests give the library, for the CQL proof.

Loaded with ``-p tests.cql_record`` and ``CQL_RECORD_TO=FILE``: each patient
given to ``recommend`` (a vignette) is written out with ``fhir.patient_bundle``,
and each record given to ``fhir.read_patient`` (without a terminology or
freshness limits of its own) is kept as given, one JSON line each with its
decision date. Wraps the two functions for the run only; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from typing import Any

import hypothesis
import pytest

ON = dt.date(2026, 11, 1)


def pytest_configure(config: pytest.Config) -> None:
    target = os.environ.get("CQL_RECORD_TO")
    if not target:
        return
    import baricitinib_guideline as bg
    from baricitinib_guideline import api, fhir
    from baricitinib_guideline.fhir import _read

    out = open(target, "a", encoding="utf-8")  # noqa: SIM115 - closed at the end of the run
    config.add_cleanup(out.close)
    write_bundle = fhir.patient_bundle
    seen: set[str] = set()

    def keep(kind: str, on: dt.date, record: object) -> None:
        try:
            line = json.dumps({"kind": kind, "on": on.isoformat(), "record": record})
        except (TypeError, ValueError, RecursionError):
            return
        if line not in seen:
            seen.add(line)
            out.write(line + "\n")

    original_recommend = api.recommend

    @functools.wraps(original_recommend)
    def recommend(patient: Any, **options: Any) -> Any:
        # Hand-written cases only: the examples hypothesis draws are not vignettes.
        if isinstance(patient, bg.Patient) and not hypothesis.currently_in_test_context():
            try:
                bundle = write_bundle(patient, on=ON, patient_id="vignette")
            except bg.InvalidInputError:
                bundle = None
            if bundle is not None:
                keep("vignette", ON, bundle)
        return original_recommend(patient, **options)

    original_read = _read.read_patient

    @functools.wraps(original_read)
    def read_patient(resources: object, **options: Any) -> Any:
        on = options.get("on")
        plain = options.get("terminology") is None and options.get("max_age") is None
        if hypothesis.currently_in_test_context():
            plain = False
        if plain and isinstance(on, dt.date) and not isinstance(on, dt.datetime):
            record = resources
            if isinstance(record, bytes | bytearray):
                record = record.decode("utf-8", "replace")
            if isinstance(record, str | dict | list):
                keep("record", on, record)
        return original_read(resources, **options)

    api.recommend = recommend
    bg.recommend = recommend
    _read.read_patient = read_patient
    fhir.read_patient = read_patient

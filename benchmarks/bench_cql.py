"""The CQL engine beside the library: time per patient on the same records.

Generates records as the CQL proof does (boundary values, several dated
values, conditions, medications), then prints, from one run:

- the reference JavaScript engine (``cql-execution`` with ``cql-exec-fhir``)
  on one batch of them: milliseconds per patient, and the cost of a batch of
  one (the data source and the engine's set-up);
- ``fhir.read_patient`` then ``recommend`` on the same records, per patient;
- the ratio of the two.

Needs Node and npm: the CQL tools are installed from ``tools/cql``'s lock file
into a cache folder on first use. Nothing is asserted.
Run: python benchmarks/bench_cql.py [--quick]  (--quick: 200 records, else 2,000)
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from baricitinib_guideline import api, fhir, recommend
from tests import cql_corpus, cql_support


def main() -> None:
    count = 200 if "--quick" in sys.argv else 2000
    on = cql_corpus.ON
    bundles = [
        bundle
        for index, record in enumerate(cql_corpus.records(count))
        if (bundle := cql_support.flat_bundle(record, f"b{index}")) is not None
        and cql_support.python_answer(bundle, on) is not None
    ]
    ((_, single_ms),) = cql_support.run([(on, bundles[:1])])
    ((rows, batch_ms),) = cql_support.run([(on, bundles)])
    assert len(rows) == len(bundles)
    api._ANSWERS.clear()  # each answer computed, not taken from the memo
    started = time.perf_counter()
    for bundle in bundles:
        recommend(fhir.read_patient(bundle, on=on).patient)
    python_ms = (time.perf_counter() - started) * 1000
    engine = batch_ms / len(bundles)
    library = python_ms / len(bundles)
    print(f"{len(bundles)} records, one batch")
    print(f"  CQL engine (cql-execution 3.3):   {engine:8.2f} ms a patient")
    print(f"  a batch of one record:            {single_ms:8.1f} ms")
    print(f"  read_patient + recommend:         {library:8.3f} ms a patient")
    print(f"  engine / library:                 {engine / library:8.1f}x")


if __name__ == "__main__":
    main()

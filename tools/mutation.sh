#!/usr/bin/env bash
# Mutation testing (mutmut 3) of rules/, the model's validation and the unit
# handling, configured under [tool.mutmut] in pyproject.toml. The slow fuzz,
# property and concurrency tests are left out of each mutant's run.
#
# Usage, from the repository root after README's test command made .venv:
#     tools/mutation.sh
# Prints the score per area; survivors are listed in mutants/results.txt and
# shown one by one with `.venv/bin/mutmut show NAME`.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
# The score in README was measured with this release; mutmut changes between releases.
"$python" -m pip install --quiet "mutmut==3.8.1"
rm -rf mutants
# mutmut copies the package and tests into mutants/; what the tests read besides
# them (README.md, .ci/run) is listed under also_copy in pyproject.toml. A failing
# clean run must fail this script, not print a score of nothing.
if ! "$python" -m mutmut run --max-children "$(nproc)"; then
    echo "mutation run failed (did the clean test run pass inside mutants/?)" >&2
    exit 1
fi
"$python" -m mutmut results --all true > mutants/results.txt
"$python" - <<'PY'
import collections
import pathlib
import re

areas = collections.defaultdict(collections.Counter)
for line in pathlib.Path("mutants/results.txt").read_text().splitlines():
    match = re.match(r"\s*baricitinib_guideline\.(\w+)\.\S+: (\S+)", line)
    if match:
        area, status = match.groups()
        areas["rules" if area == "rules" else "validation and units"][status] += 1
if not areas or not sum(counts["killed"] for counts in areas.values()):
    raise SystemExit("no mutant was killed: the baseline run did not test anything")
for area, counts in sorted(areas.items()):
    total = sum(counts.values())
    print(f"{area}: {counts['killed']}/{total} killed ({100 * counts['killed'] / total:.1f} %)",
          dict(counts))
PY

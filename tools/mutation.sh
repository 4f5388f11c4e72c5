#!/usr/bin/env bash
# Mutation testing (mutmut 3) of rules/, the model's validation and the unit
# handling, configured under [tool.mutmut] in pyproject.toml. The slow fuzz,
# property and concurrency tests are left out of each mutant's run.
#
# Usage, from the repository root after README's test command made .venv:
#     tools/mutation.sh           the full run (several hours on 2 cores)
#     tools/mutation.sh --quick   a fixed sample of mutants of rules/ (CI runs it)
# Both run in a fresh copy of the tracked files, so what mutmut needs besides
# the package and the tests (listed under also_copy) is checked every time.
# Prints the score per area and fails when the run cannot start or kills
# nothing. The full run leaves its survivors in mutants/results.txt; show one
# with `.venv/bin/mutmut show NAME` from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=0
if [ "${1:-}" = "--quick" ]; then
    quick=1
fi
python=$root/.venv/bin/python
[ -x "$python" ] || python=python3
# The score in README was measured with this release; mutmut changes between releases.
"$python" -m pip install --quiet "mutmut==3.8.1"

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
# The tracked files as they are now (uncommitted edits included), nothing else.
git ls-files -z | while IFS= read -r -d '' path; do
    [ -e "$path" ] && printf '%s\0' "$path"
done | xargs -0 cp --parents -t "$copy"
cd "$copy"
# mutmut forks each mutant's test run from a process that has already run the suite, so
# Dask's shared thread pool is copied without its threads: a mutant that reaches a test
# computing on Dask's default scheduler would wait until its time limit (minutes each).
# Dask's single-threaded scheduler needs no pool; the tests' results are the same.
export DASK_SCHEDULER=synchronous

sample=()
if [ "$quick" = 1 ]; then
    # Only rules/, against the tests of the rules: mutants 1 and 3 of every function,
    # a fixed sample of about a tenth, a couple of minutes on 2 cores.
    "$python" - <<'PY'
import pathlib
import re

path = pathlib.Path("pyproject.toml")
text = path.read_text(encoding="utf-8")
quick = {
    "only_mutate": '["baricitinib_guideline/rules/*"]',
    "pytest_add_cli_args_test_selection": (
        '["tests/test_dosing.py", "tests/test_licence.py", "tests/test_screening_monitoring.py",'
        ' "tests/test_follow_up_fidelity.py", "tests/test_wording.py", "tests/test_bands.py"]'
    ),
}
for key, value in quick.items():
    text, count = re.subn(rf"(?ms)^{key} = \[.*?\]$", f"{key} = {value}", text, count=1)
    if count != 1:
        raise SystemExit(f"pyproject.toml: [tool.mutmut] {key} not found")
path.write_text(text, encoding="utf-8")
PY
    sample=("baricitinib_guideline.rules.*__mutmut_1" "baricitinib_guideline.rules.*__mutmut_3")
fi

# A failing clean run must fail this script, not print a score of nothing.
if ! "$python" -m mutmut run --max-children "$(nproc)" "${sample[@]}"; then
    echo "mutation run failed (did the clean test run pass inside mutants/?)" >&2
    exit 1
fi
"$python" -m mutmut results --all true > mutants/results.txt
QUICK=$quick "$python" - <<'PY'
import collections
import fnmatch
import os
import pathlib
import re

quick = os.environ["QUICK"] == "1"
sample = ("baricitinib_guideline.rules.*__mutmut_1", "baricitinib_guideline.rules.*__mutmut_3")
areas = collections.defaultdict(collections.Counter)
for line in pathlib.Path("mutants/results.txt").read_text().splitlines():
    match = re.match(r"\s*(baricitinib_guideline\.(\w+)\.\S+): (\S+)", line)
    if not match:
        continue
    name, area, status = match.groups()
    if quick and not any(fnmatch.fnmatch(name, pattern) for pattern in sample):
        continue
    areas["rules" if area == "rules" else "validation and units"][status] += 1
if not areas or not sum(counts["killed"] for counts in areas.values()):
    raise SystemExit("no mutant was killed: the baseline run did not test anything")
print("Mutation score" + (" (quick sample of rules/)" if quick else "") + ":")
for area, counts in sorted(areas.items()):
    total = sum(counts.values())
    print(f"{area}: {counts['killed']}/{total} killed ({100 * counts['killed'] / total:.1f} %)",
          dict(counts))
PY
if [ "$quick" = 0 ]; then
    rm -rf "$root/mutants"
    cp -r mutants "$root/mutants"
fi

#!/usr/bin/env bash
# Mutation testing of the rules, the validation and the unit door (mutmut 3).
# Usage: tools/mutation.sh            (from the repository root, in the venv
#                                       that README's test command made)
# Prints mutmut's summary and the score; takes several minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
"$python" -m pip install --quiet "mutmut>=3.3"
rm -rf mutants
"$python" -m mutmut run --max-children 2 || true
"$python" -m mutmut results > mutants/results.txt || true
"$python" - <<'PY'
import collections, pathlib, re
lines = pathlib.Path("mutants/results.txt").read_text().splitlines()
status = collections.Counter()
by_area = collections.defaultdict(collections.Counter)
for line in lines:
    match = re.match(r"\s*(\S+): (\S+)", line)
    if not match:
        continue
    name, state = match.groups()
    status[state] += 1
    area = "rules" if ".rules." in name else "validation"
    by_area[area][state] += 1
print("surviving or unchecked mutants by status:", dict(status))
PY

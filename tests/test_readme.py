"""README's first screen: two set-up commands and a Python example that runs."""

from __future__ import annotations

import pathlib
import re

import pytest

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_gives_exactly_two_setup_commands() -> None:
    commands = re.findall(r"<!-- command:(\w+) -->\n```sh\n(.+)\n```", README)
    assert [name for name, _ in commands] == ["run", "test"]
    run, test = (line for _, line in commands)
    assert "pip install ." in run
    assert run.endswith("baricitinib-guideline")
    assert '".[test]"' in test
    assert "pytest" in test
    ci = (pathlib.Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_command run" in ci
    assert "readme_command test" in ci


def test_readme_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    block = re.search(r"```python\n(.+?)```", README, re.S)
    assert block is not None
    assert len([line for line in block.group(1).splitlines() if line.strip()]) <= 10
    exec(compile(block.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("RECOMMENDED 2 mg once daily\n")
    assert out.rstrip().endswith("-7.5")


def test_mutation_testing_copies_everything_the_tests_may_read() -> None:
    """mutmut copies only the package and the tests; every other tracked top-level entry
    (README, docs/, examples/ ...) must be listed under ``also_copy``, or the clean run
    inside ``mutants/`` fails on a fresh clone."""
    import subprocess
    import tomllib

    root = pathlib.Path(__file__).parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    also_copy = {entry.rstrip("/") for entry in config["tool"]["mutmut"]["also_copy"]}
    if (root / ".git").exists():  # a checkout; inside mutmut's copy there is no history
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
        top = {path.split("/")[0] for path in tracked}
    else:
        top = {path.name for path in root.iterdir()} & also_copy
    assert top - {"baricitinib_guideline", "tests", ".gitignore"} == also_copy


def test_ci_runs_the_quick_mutation_pass() -> None:
    ci = (pathlib.Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in ci.splitlines()]
    assert "tools/mutation.sh --quick" in lines
    assert "set -euo pipefail" in lines  # its failure fails CI

"""Execute every notebook under examples/ in a fresh kernel; any error fails (exit 1).

Run by .ci/run: python tools/run_notebooks.py
"""

from __future__ import annotations

import pathlib
import sys

import nbclient
import nbformat


def main() -> int:
    notebooks = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("*.ipynb"))
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3")
        try:
            client.execute(cwd=str(path.parent))
        except nbclient.exceptions.CellExecutionError as error:
            print(f"{path.name}: {error}", file=sys.stderr)
            return 1
        print(f"  {path.name}: {len(notebook.cells)} cells ran")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

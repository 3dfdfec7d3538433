"""The research notebooks run top to bottom; a cell that raises fails the test.

Each notebook is executed with nbclient in a kernel running this interpreter
(the project's .venv), with ``notebooks/`` as the working directory, as CI
and ``make notebooks`` do. Run this file as a script to execute them and write
the outputs back into the notebooks::

    .venv/bin/python tests/test_notebooks.py            # all three, in place
    .venv/bin/python tests/test_notebooks.py 02         # the ones whose name contains 02
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SHARED = REPO.parent / "shared"
NAMES = ("01_quickstart.ipynb", "02_transparency_language.ipynb", "03_request_statistics.ipynb")
# Every notebook must say what it found, in its last code cell.
FOUND = re.compile(r"found", re.IGNORECASE)


def execute(path: Path, *, timeout: int = 300):
    """Run every cell of the notebook at ``path`` in a fresh kernel of this interpreter; the executed notebook."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3")
    # kernel.json says "python"; run exactly this interpreter so the kernel sees the same packages
    km.kernel_spec.argv[0] = sys.executable
    client = NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(path.parent)}})
    client.execute(cwd=str(path.parent))
    return nb


def _outputs_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        parts.extend(str(v) for k, v in out.get("data", {}).items() if k == "text/plain")
    return "".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name: str) -> None:
    if not (SHARED / "corpus" / "MANIFEST.tsv").is_file():
        pytest.skip(f"{SHARED / 'corpus'} is not here: the notebooks read the shared corpus beside the repository.")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient.exceptions import CellExecutionError

    path = NOTEBOOKS / name
    try:
        nb = execute(path)
    except CellExecutionError as err:  # the cell's traceback is in the message
        pytest.fail(f"{name}: a cell raised while executing:\n{str(err)[-3000:]}")
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{name}: error outputs {[e.get('ename') for e in errors]}"
    # it opens with the question it answers and closes with what it found, printed from computed values
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "question" in first.source.lower(), f"{name}: no question up front"
    assert FOUND.search("".join(c.source for c in nb.cells[-2:] if c.cell_type == "markdown")), f"{name}: no findings cell"
    closing = _outputs_text(code[-1])
    assert len(closing) > 100 and re.search(r"\d", closing), f"{name}: the findings cell prints no computed figures"


def test_kernel_runs_this_interpreter(tmp_path: Path) -> None:
    """The kernel the notebooks run in is this interpreter, so it sees the project's packages."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    path = tmp_path / "probe.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import sys, xxgk; print(sys.executable)")]), path)
    nb = execute(path, timeout=120)
    assert _outputs_text(nb.cells[0]).strip() == sys.executable


def main(argv: list[str]) -> int:
    """Execute the notebooks (all, or those whose name contains an argument) and write their outputs in place."""
    import nbformat

    names = [n for n in NAMES if not argv or any(a in n for a in argv)]
    if not names:
        print(f"No notebook matches {argv}; the notebooks are {', '.join(NAMES)}.", file=sys.stderr)
        return 2
    for name in names:
        start = time.perf_counter()
        path = NOTEBOOKS / name
        nb = execute(path)
        for cell in nb.cells:  # timings change on every run; keep the diff to what the cells print
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
        print(f"{name}: executed in {time.perf_counter() - start:.1f} s, outputs written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

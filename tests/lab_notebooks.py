"""What the notebook tests of every lab share: the builder, running a released notebook as a
student's kernel would, and reading its outputs.

    nb, seconds = execute(notebook, tmp_path, REPO / "solutions" / "nnlab", grading=False,
                          monkeypatch=monkeypatch)
    assert outputs(nb, "error") == []
"""
import importlib.util
import shutil
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def notebook_path(lab_name: str) -> Path:
    """assignments/source/NN_name/NN_name.ipynb"""
    return REPO / "assignments" / "source" / lab_name / f"{lab_name}.ipynb"


def builder():
    """assignments/build_notebooks.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  REPO / "assignments" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def execute(notebook: Path, tmp_path: Path, package: Path, *, grading: bool, monkeypatch,
            allow_errors: bool = True):
    """Run ``notebook`` in a lab folder made in ``tmp_path`` (the notebook, ``package`` copied as
    nnlab/, the data) with a real kernel, as under `nnlab autograde` when ``grading``.

    Returns (the executed notebook, seconds)."""
    from nbclient import NotebookClient
    shutil.copy(notebook, tmp_path / notebook.name)
    shutil.copytree(package, tmp_path / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "data", tmp_path / "data")
    if grading:
        monkeypatch.setenv("NNLAB_GRADING", "1")
    else:
        monkeypatch.delenv("NNLAB_GRADING", raising=False)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(tmp_path / notebook.name, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=allow_errors,
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute(cwd=str(tmp_path))
    return nb, time.perf_counter() - start


def outputs(nb, kind: str) -> list:
    """(cell index, output) pairs of one kind: 'error', 'stderr' or 'image'."""
    found = []
    for i, c in enumerate(nb.cells):
        for o in c.get("outputs", []):
            if kind == "error" and o.output_type == "error":
                found.append((i, o))
            if kind == "stderr" and o.output_type == "stream" and o.name == "stderr":
                found.append((i, o))
            if kind == "image" and o.output_type == "display_data" and "image/png" in o.data:
                found.append((i, o))
    return found


def stream_text(nb, name: str | None = None) -> str:
    """Everything the cells printed (only stdout or stderr when ``name`` says so)."""
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.output_type == "stream" and (name is None or o.name == name))


def grade_cell_indices(nb) -> set:
    """Indices of the autograded code cells (one ``check_<function>`` per graded function)."""
    return {i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}

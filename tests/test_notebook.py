"""The lab-01 source notebook: structure (nbgrader metadata, points) and end-to-end runs.

Runs execute the notebook with nbclient in a temporary folder that holds the notebook, a
package copied there as ./nnlab (the kernel's working directory comes first on its sys.path, so
this copy shadows the installed lib/nnlab) and data/.
"""
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from autograder.labs import LAB01

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "assignments" / "source" / "01_layers" / "01_layers.ipynb"


def load():
    return nbformat.read(NOTEBOOK, as_version=4)


def nbgrader_cells(nb):
    return [c for c in nb.cells if "nbgrader" in c.metadata]


# ------------------------------------------------------------------------------ structure
def test_notebook_is_generated_and_up_to_date():
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  REPO / "assignments" / "build_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert NOTEBOOK.read_text(encoding="utf-8") == mod.render("01_layers"), \
        "run `python assignments/build_notebooks.py`"


def test_structure_and_points():
    nb = load()
    nbformat.validate(nb)
    cells = nbgrader_cells(nb)
    ids = [c.metadata.nbgrader["grade_id"] for c in cells]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for c in cells:
        meta = c.metadata.nbgrader
        assert meta["schema_version"] == 3
        assert {"grade", "solution", "locked", "grade_id"} <= set(meta)
        if meta["grade"]:
            assert isinstance(meta["points"], (int, float)) and meta["points"] > 0
    for f in LAB01.functions:
        matching = [c for c in cells if c.metadata.nbgrader["grade_id"] == f"check_{f.name}"]
        assert len(matching) == 1, f.name
        (cell,) = matching
        meta = cell.metadata.nbgrader
        assert cell.cell_type == "code"
        assert meta["grade"] and meta["locked"] and not meta["solution"]
        assert meta["points"] == f.points
        assert cell.source == f'check("{f.name}").raise_if_failed()'
    grade_cells = [c for c in cells if c.metadata.nbgrader["grade"]]
    assert len(grade_cells) == len(LAB01.functions) + 1
    (question,) = [c for c in cells if c.metadata.nbgrader["grade_id"] == "activation_question"]
    assert question.cell_type == "markdown"
    assert question.metadata.nbgrader == {"grade": True, "solution": True, "locked": False,
                                          "grade_id": "activation_question", "points": 2,
                                          "schema_version": 3}
    total = sum(c.metadata.nbgrader["points"] for c in grade_cells)
    assert total == LAB01.max_points + 2
    # the setup cell imports the checks before any grade cell runs
    first_grade = nb.cells.index(grade_cells[0])
    setup = [c for c in nb.cells[:first_grade] if c.metadata.get("nbgrader", {}).get("locked")
             and "from nnlab.checks import check, check_lab" in c.source]
    assert setup and not setup[0].metadata.nbgrader["grade"]
    assert any(c.source.strip() == 'check_lab("01_layers")' for c in nb.cells)
    assert "%autoreload 2" in setup[0].source
    # the notebook holds no reference code: only the package does
    assert not any("BEGIN SOLUTION" in c.source for c in nb.cells)


# ------------------------------------------------------------------------------ execution
def execute(tmp_path, package, grading, allow_errors=False, monkeypatch=None):
    from nbclient import NotebookClient

    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    shutil.copytree(package, tmp_path / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "data", tmp_path / "data")
    if grading:
        monkeypatch.setenv("NNLAB_GRADING", "1")
    else:
        monkeypatch.delenv("NNLAB_GRADING", raising=False)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=allow_errors,
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute(cwd=str(tmp_path))
    return nb, time.perf_counter() - start


def outputs(nb, kind):
    """(cell index, output) pairs of one kind: 'error' or 'stderr'."""
    found = []
    for i, c in enumerate(nb.cells):
        for o in c.get("outputs", []):
            if kind == "error" and o.output_type == "error":
                found.append((i, o))
            if kind == "stderr" and o.output_type == "stream" and o.name == "stderr":
                found.append((i, o))
    return found



def experiment_output(nb):
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "solver.train()" in c.source]
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


TIMES = {}


def test_runs_end_to_end_on_the_reference(tmp_path, monkeypatch):
    nb, seconds = execute(tmp_path, REPO / "solutions" / "nnlab", grading=False,
                          monkeypatch=monkeypatch)
    TIMES["full"] = seconds
    print(f"\nlab 01 notebook on the reference, full run: {seconds:.1f} s")
    assert outputs(nb, "error") == []
    assert outputs(nb, "stderr") == []
    text = experiment_output(nb)
    for act in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"):
        assert f"{act}: best validation accuracy" in text
    assert "skipped" not in "".join(o.get("text", "") for c in nb.cells
                                    for o in c.get("outputs", []) if o.output_type == "stream")


def test_runs_quickly_under_grading(tmp_path, monkeypatch):
    nb, seconds = execute(tmp_path, REPO / "solutions" / "nnlab", grading=True,
                          allow_errors=True, monkeypatch=monkeypatch)
    full = TIMES.get("full")
    print(f"\nlab 01 notebook on the reference, NNLAB_GRADING=1: {seconds:.1f} s"
          + (f" (full run {full:.1f} s)" if full else ""))
    # Under grading the kernel runs none of the student's functions in the check cells: they
    # fail with a pointer to the trusted grader, whose verdict replaces their output later.
    grade_cells = {i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                   and c.metadata.get("nbgrader", {}).get("grade")}
    errors = outputs(nb, "error")
    assert {i for i, _ in errors} == grade_cells
    assert all("trusted grader" in err.evalue for _, err in errors)
    assert outputs(nb, "stderr") == []
    text = experiment_output(nb)
    assert "relu: best validation accuracy" in text
    assert "gelu" not in text and "tanh" not in text


def test_stubs_fail_only_in_grade_cells(tmp_path, monkeypatch):
    nb, seconds = execute(tmp_path, REPO / "lib" / "nnlab", grading=False, allow_errors=True,
                          monkeypatch=monkeypatch)
    print(f"\nlab 01 notebook on the stubs: {seconds:.1f} s")
    errored = {i for i, _ in outputs(nb, "error")}
    grade_cells = {i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                   and c.metadata.get("nbgrader", {}).get("grade")}
    assert errored == grade_cells
    for i, err in outputs(nb, "error"):
        assert err.ename == "AssertionError"
        assert "not written yet" in err.evalue, err.evalue
    assert outputs(nb, "stderr") == []
    assert "skipped" in experiment_output(nb)

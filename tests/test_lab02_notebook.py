"""The lab-02 source notebook: generated, nbgrader structure and points, and end-to-end runs on
the reference (full and under grading) and on the stubs (Run All reaches the end: one line per
check cell and per cell that needs unwritten functions).
"""
import re
from pathlib import Path

import nbformat

from autograder.labs import LAB02
import lab_notebooks

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "assignments" / "source" / "02_normalization" / "02_normalization.ipynb"
QUESTIONS = {"why_normalize_question": 1, "init_scale_question": 1, "batch_size_question": 1,
             "residual_question": 1}


def load():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_structure_and_points():
    nb = load()
    nbformat.validate(nb)
    cells = [c for c in nb.cells if "nbgrader" in c.metadata]
    ids = [c.metadata.nbgrader["grade_id"] for c in cells]
    assert len(ids) == len(set(ids))
    for f in LAB02.functions:
        (cell,) = [c for c in cells if c.metadata.nbgrader["grade_id"] == f"check_{f.name}"]
        meta = cell.metadata.nbgrader
        assert meta["grade"] and meta["locked"] and not meta["solution"]
        assert meta["points"] == f.points
        assert cell.source == f'check("{f.name}").raise_if_failed()'
    for qid, points in QUESTIONS.items():
        (cell,) = [c for c in cells if c.metadata.nbgrader["grade_id"] == qid]
        assert cell.cell_type == "markdown" and cell.metadata.nbgrader["points"] == points
    graded = [c for c in cells if c.metadata.nbgrader["grade"]]
    assert sum(c.metadata.nbgrader["points"] for c in graded) == \
        LAB02.max_points + sum(QUESTIONS.values())
    assert not any("BEGIN SOLUTION" in c.source for c in nb.cells)
    assert any(c.source.strip() == 'check_lab("02_normalization")' for c in nb.cells)


def execute(tmp_path, package, grading, monkeypatch):
    return lab_notebooks.execute(NOTEBOOK, tmp_path, package, grading=grading,
                                 monkeypatch=monkeypatch)


outputs = lab_notebooks.outputs
grade_cells = lab_notebooks.grade_cell_indices


def stdout(nb):
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.output_type == "stream" and o.name == "stdout")


def test_runs_end_to_end_on_the_reference(tmp_path, monkeypatch):
    nb, seconds = execute(tmp_path, REPO / "solutions" / "nnlab", False, monkeypatch)
    print(f"\nlab 02 notebook on the reference, full run: {seconds:.1f} s")
    assert outputs(nb, "error") == []
    assert outputs(nb, "stderr") == []
    assert len(outputs(nb, "image")) == 4          # drift, init scales, batch sizes, residual
    text = stdout(nb)
    assert "skipped" not in text
    assert "same gradients: True" in text


def test_runs_quickly_under_grading(tmp_path, monkeypatch):
    nb, seconds = execute(tmp_path, REPO / "solutions" / "nnlab", True, monkeypatch)
    print(f"\nlab 02 notebook on the reference, NNLAB_GRADING=1: {seconds:.1f} s")
    errors = outputs(nb, "error")
    assert {i for i, _ in errors} == grade_cells(nb)
    assert all("trusted grader" in err.evalue for _, err in errors)
    assert outputs(nb, "stderr") == []


#: the one line a cell prints when functions it needs are not written yet (nnlab.notebook.ready)
SKIP_LINE = re.compile(r"^skipped: .+ needs .+ \(nnlab/[a-z_]+\.py(, nnlab/[a-z_]+\.py)*\): "
                       r"come back when they pass their checks$")


def test_stubs_run_to_the_end_with_one_line_per_check_cell(tmp_path, monkeypatch):
    """As in lab 01: Run All reaches the end on the stubs; a check cell shows its table and one
    line, and never raises in the student's notebook; every other cell that needs unwritten
    functions prints one line naming them."""
    nb, seconds = execute(tmp_path, REPO / "lib" / "nnlab", False, monkeypatch)
    print(f"\nlab 02 notebook on the stubs: {seconds:.1f} s")
    assert outputs(nb, "error") == []
    assert outputs(nb, "stderr") == []
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), \
        "Run All stopped early"
    for i in grade_cells(nb):
        cell = nb.cells[i]
        (shown,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        last = shown.data["text/plain"].rstrip().splitlines()[-1]
        name = cell.metadata.nbgrader["grade_id"].removeprefix("check_")
        assert last.startswith(f"{name}: ") and "not written yet" in last, last
        assert "lib/" not in last
    skips = [line for line in stdout(nb).splitlines() if line.startswith("skipped")]
    assert len(skips) >= 6, skips
    for line in skips:
        assert SKIP_LINE.match(line), line
    assert ("skipped: every training run needs affine_forward, affine_backward, softmax_loss, "
            "relu_forward, relu_backward (nnlab/activations.py, nnlab/layers.py, "
            "nnlab/losses.py): come back when they pass their checks") in skips
    assert ("skipped: this timing needs batchnorm_forward, batchnorm_backward, "
            "batchnorm_backward_alt (nnlab/normalization.py): come back when they pass their "
            "checks") in skips

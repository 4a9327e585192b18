"""The lab-03 source notebook: generated and up to date, nbgrader structure, and end-to-end runs
(reference: no error, no stderr, about ten seconds; under grading: only the grade cells defer to
the trusted grader; stubs: Run All reaches the end, every check cell and demo says in one line
what is not written yet)."""
import re
from pathlib import Path

import nbformat

from autograder.labs import LAB03
import lab_notebooks

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "assignments" / "source" / LAB03.name / f"{LAB03.name}.ipynb"
#: the one line a demo cell prints when functions it needs are not written yet (nnlab.notebook)
SKIP_LINE = re.compile(r"^skipped: .+ needs .+: come back when they pass their checks$")
QUESTIONS = {"dropout_question": 2, "regularization_question": 2, "augmentation_question": 2}


def test_structure_and_points():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    graded = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert set(graded) == {f.grade_cell_id for f in LAB03.functions} | set(QUESTIONS)
    for f in LAB03.functions:
        cell = graded[f.grade_cell_id]
        assert cell.source == f'check("{f.name}").raise_if_failed()'
        assert cell.metadata.nbgrader["points"] == f.points and cell.metadata.nbgrader["locked"]
    for qid, points in QUESTIONS.items():
        assert graded[qid].cell_type == "markdown" and graded[qid].metadata.nbgrader["points"] == points
    assert not any("BEGIN SOLUTION" in c.source for c in nb.cells)
    text = " ".join(" ".join(c.source for c in nb.cells).split()).lower()
    for topic in ("ensemble", "inverted", "vanilla", "weight decay", "early stopping",
                  "label-preserving", "flip"):
        assert topic in text, topic


def _execute(tmp_path, package, grading, monkeypatch):
    return lab_notebooks.execute(NOTEBOOK, tmp_path, package, grading=grading,
                                 monkeypatch=monkeypatch)


_outputs = lab_notebooks.outputs
_text = lab_notebooks.stream_text
_grade_cells = lab_notebooks.grade_cell_indices


def test_runs_end_to_end_on_the_reference(tmp_path, monkeypatch):
    nb, seconds = _execute(tmp_path, REPO / "solutions" / "nnlab", False, monkeypatch)
    print(f"\nlab 03 notebook on the reference: {seconds:.1f} s")
    assert _outputs(nb, "error") == [] and _outputs(nb, "stderr") == []
    text = _text(nb)
    assert "skipped" not in text
    assert "shifted validation" in text and "worst relative error" in text
    figures = sum(1 for c in nb.cells for o in c.get("outputs", [])
                  if o.output_type == "display_data" and "image/png" in o.get("data", {}))
    assert figures >= 7   # the time is printed, never asserted (benchmarks/ measure)


def test_runs_quickly_under_grading(tmp_path, monkeypatch):
    nb, seconds = _execute(tmp_path, REPO / "solutions" / "nnlab", True, monkeypatch)
    print(f"\nlab 03 notebook on the reference, NNLAB_GRADING=1: {seconds:.1f} s")
    errors = _outputs(nb, "error")
    assert {i for i, _ in errors} == _grade_cells(nb)
    assert all("trusted grader" in e.evalue for _, e in errors)
    assert _outputs(nb, "stderr") == []


def test_stubs_run_to_the_end_with_one_line_per_cell(tmp_path, monkeypatch):
    """As lab 01 (issue 6): on the stubs Run All reaches the end; a check cell shows its table
    ending in one line, and every demo that needs an unwritten function prints one skip line."""
    nb, seconds = _execute(tmp_path, REPO / "lib" / "nnlab", False, monkeypatch)
    print(f"\nlab 03 notebook on the stubs: {seconds:.1f} s")
    assert _outputs(nb, "error") == []
    assert _outputs(nb, "stderr") == []
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), \
        "Run All stopped early"
    for i in _grade_cells(nb):
        cell = nb.cells[i]
        (shown,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        last = shown.data["text/plain"].rstrip().splitlines()[-1]
        name = cell.metadata.nbgrader["grade_id"].removeprefix("check_")
        assert last.startswith(f"{name}: ") and "not written yet" in last, last
        assert "lib/" not in last
    skips = [line for line in _text(nb).splitlines() if line.startswith("skipped")]
    assert len(skips) == 9, skips
    for line in skips:
        assert SKIP_LINE.match(line) and "lib/" not in line, line
    assert ("skipped: this dropout experiment needs affine_forward, affine_backward, softmax_loss, "
            "relu_forward, relu_backward, dropout_forward, dropout_backward") in _text(nb)

"""Broken input: every kind of broken submission gets a clear message in the student's feedback
and an explicit status in the gradebook export, never a silent 0, and nothing else is lost."""
import csv
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import REPO_ROOT
from autograder import course as courselib
from autograder.labs import LAB01

NNLAB = str(Path(sys.executable).parent / "nnlab")
NB = f"{LAB01.name}.ipynb"


@dataclass(frozen=True)
class Broken:
    id: str
    status: str                 # the status the gradebook export must show
    message: str                # what the student's feedback must say (case-insensitive)
    functions: float | None     # their function score, where it is fixed (None: partial)
    keeps: tuple = ()           # functions in other files that must keep full marks


def _drop_cells(folder, grade_ids):
    nb = nbformat.read(folder / NB, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids]
    nbformat.write(nb, folder / NB)


def _duplicate_cell(folder, grade_id):
    nb = nbformat.read(folder / NB, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    copy = nbformat.from_dict(dict(cell))
    copy["id"] = "a-pasted-copy"       # a new cell id, the same nbgrader grade_id
    nb.cells.append(copy)
    nbformat.write(nb, folder / NB)


def _append(folder, module, code):
    path = folder / "nnlab" / module
    path.write_text(path.read_text() + "\n\n" + code)


CASES = {
    Broken("not_json", "invalid_notebook", "not a valid", LAB01.max_points):
        lambda f: (f / NB).write_text('{"cells": [ {"cell_type": "code", '),
    Broken("json_but_no_notebook", "invalid_notebook", "not a valid", LAB01.max_points):
        lambda f: (f / NB).write_text('{"hello": "world"}'),
    Broken("no_notebook", "missing_notebook", "no notebook", LAB01.max_points):
        lambda f: (f / NB).unlink(),
    Broken("cells_deleted", "cells_missing", "check_svm_loss", LAB01.max_points):
        lambda f: _drop_cells(f, {"check_svm_loss", "activation_question"}),
    Broken("cells_duplicated", "cells_duplicated", "check_affine_forward", LAB01.max_points):
        lambda f: _duplicate_cell(f, "check_affine_forward"),
    Broken("module_file_missing", "import_error", "nnlab/losses.py is missing", None,
           keeps=("affine_forward", "affine_backward", "relu_forward")):
        lambda f: (f / "nnlab" / "losses.py").unlink(),
    Broken("no_package", "missing_package", "no nnlab package", 0.0):
        lambda f: shutil.rmtree(f / "nnlab"),
    Broken("syntax_error", "import_error", "SyntaxError", None,
           keeps=("affine_forward", "affine_backward", "softmax_loss")):
        lambda f: _append(f, "activations.py", "def relu_forward(x)\n    return x\n"),
    Broken("wrong_signature", "graded", "affine_forward", None):
        lambda f: _append(f, "layers.py", "def affine_forward(x, w):\n    return x @ w, (x, w)\n"),
    Broken("nan_output", "graded", "nan", None):
        lambda f: _append(f, "activations.py",
                          "def relu_forward(x):\n    return np.full(x.shape, np.nan), x\n"),
    Broken("float32_output", "graded", "float32", None):
        lambda f: _append(f, "activations.py", "def sigmoid_forward(x):\n"
                          "    out = (1 / (1 + np.exp(-np.clip(x, -500, 500)))).astype(np.float32)\n"
                          "    return out, out\n"),
    Broken("wrong_shape", "graded", "shape", None):
        lambda f: _append(f, "losses.py", "_ok_softmax = softmax_loss\n"
                          "def softmax_loss(x, y):\n    loss, dx = _ok_softmax(x, y)\n"
                          "    return loss, dx.ravel()\n"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("broken") / "course"
    courselib.create_course(course)
    courselib.release(course, LAB01)
    released = course / "release" / LAB01.name
    for case, breaks in CASES.items():
        folder = course / "submitted" / case.id / LAB01.name
        shutil.copytree(released, folder)
        courselib._copy_package(REPO_ROOT / "solutions" / "nnlab", folder / "nnlab")
        breaks(folder)
    honest = course / "submitted" / "honest" / LAB01.name
    shutil.copytree(released, honest)
    courselib._copy_package(REPO_ROOT / "solutions" / "nnlab", honest / "nnlab")

    run = subprocess.run([NNLAB, "autograde", LAB01.name, "--course", str(course), "--workers", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    subprocess.run([NNLAB, "feedback", LAB01.name, "--course", str(course)], check=True,
                   capture_output=True)
    out = course / "grades.csv"
    subprocess.run([NNLAB, "export", "--course", str(course), "--to", str(out)], check=True,
                   capture_output=True)
    rows = {r["student_id"]: r for r in csv.DictReader(out.open())}
    return course, rows, run.stdout


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: c.id)
def test_broken_submission_is_reported_not_silently_zero(graded, case):
    course, rows, stdout = graded
    row = rows[case.id]
    assert row["nnlab_status"] == case.status, row["nnlab_detail"]
    assert row["nnlab_status_text"], "the CSV explains the status in words"
    outcome = courselib.read_outcome(course, LAB01, case.id)
    if case.functions is not None:
        assert outcome.score == pytest.approx(case.functions)
    else:
        assert 0 < outcome.score < LAB01.max_points
    for name in case.keeps:     # one broken file costs only its own functions
        assert outcome.functions[name][0] == LAB01.function(name).points, name
    report = (course / "feedback" / case.id / LAB01.name / "nnlab_report.txt").read_text()
    assert case.message.lower() in report.lower()
    assert case.id in stdout


def test_the_honest_student_next_to_them_loses_nothing(graded):
    course, rows, _ = graded
    assert rows["honest"]["nnlab_status"] == "graded"
    assert courselib.read_outcome(course, LAB01, "honest").score == pytest.approx(LAB01.max_points)

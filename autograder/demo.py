"""``nnlab demo``: the whole course pipeline on bundled sample submissions, offline.

Creates a course, releases lab 01, makes a small class of sample submissions, autogrades them
(nbgrader + the trusted grader), writes feedback, exports grades and prints the gradebook.

The class:

* ``ada_reference``  — the reference solution: full marks;
* ``ben_untouched``  — the released stubs, untouched: 0 on every function;
* ``cleo_mistakes`` and ``dev_mistakes`` — typical mistakes: partial marks, specific feedback;
* ``eve_hostile`` — untouched stubs, plus code that patches ``np.allclose`` at import and a notebook
  cell that tries to set every score in the gradebook to 100: contained, 0;
* ``finn_broken`` — the reference, but the notebook is not valid JSON and ``losses.py`` has a
  syntax error: reported as such, every other function still graded.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from . import REPO_ROOT
from .labs import LAB01
from . import course as courselib

SOLUTIONS = REPO_ROOT / "solutions" / "nnlab"

# Each mistake is a replacement function appended to a module of the reference: Python keeps
# the last definition, so the module behaves exactly as the reference except for this function.
MISTAKES = {
    "cleo_mistakes": {
        "layers.py": '''
def affine_backward(dout, cache):
    x, w, b = cache
    x2 = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x2.T @ dout
    db = dout.mean(axis=0)          # mistake: averaged instead of summed over the batch
    return dx, dw, db
''',
        "losses.py": '''
def softmax_loss(x, y):
    probs = np.exp(x)                # mistake: no max-shift, overflows for large scores
    probs /= probs.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.log(probs[np.arange(n), y]).mean()
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return loss, dx / n
''',
    },
    "dev_mistakes": {
        "activations.py": '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))  # mistake: exp(-x) overflows for x around -1000
    return out, out

def tanh_forward(x):
    return np.tanh(x), x

def tanh_backward(dout, cache):
    x = cache
    return dout * (1 - x ** 2)      # mistake: 1 - x^2 instead of 1 - tanh(x)^2
''',
        "losses.py": '''
def svm_loss(x, y):
    n = x.shape[0]
    margins = np.maximum(0, x - x[np.arange(n), y][:, None] + 1.0)
    loss = margins.sum() / n         # mistake: the correct class's own margin (1) is counted
    dx = (margins > 0).astype(float)
    dx[np.arange(n), y] -= dx.sum(axis=1)
    return loss, dx / n
''',
    },
}

HOSTILE_IMPORT = '''
import numpy as _np
_np.allclose = lambda *a, **k: True          # "every comparison passes"
_np.testing.assert_allclose = lambda *a, **k: None
'''

HOSTILE_CELL = '''import sqlite3
try:
    con = sqlite3.connect("{gradebook}")
    con.execute("UPDATE grade SET auto_score = 100")
    con.commit()
except Exception as exc:
    print("gradebook out of reach:", exc)
'''

ANSWER = ("Sigmoid learns slowest: its gradient is at most 1/4 and vanishes when units saturate, "
          "and its outputs are not zero-centred. ReLU-family activations train fastest here.")


def _answer_question(notebook: Path) -> None:
    """Fill the manually graded answer cell, as a student would."""
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown":
            cell.source = ANSWER
    nbformat.write(nb, notebook)


def make_submissions(course: Path) -> list[str]:
    """Write the sample class into ``submitted/`` as nbgrader collect would."""
    released = course / "release" / LAB01.name
    students = ["ada_reference", "ben_untouched", *MISTAKES]
    for student in students:
        target = course / "submitted" / student / LAB01.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
        if student == "ben_untouched":
            continue
        courselib._copy_package(SOLUTIONS, target / "nnlab")
        _answer_question(target / f"{LAB01.name}.ipynb")
        for module, source in MISTAKES.get(student, {}).items():
            path = target / "nnlab" / module
            path.write_text(path.read_text() + "\n\n# --- the student's version ---\n" + source)
    return students


def make_hostile_and_broken(course: Path) -> list[str]:
    """Two more students: one hostile, one whose files are broken."""
    import nbformat
    released = course / "release" / LAB01.name
    hostile = course / "submitted" / "eve_hostile" / LAB01.name
    broken = course / "submitted" / "finn_broken" / LAB01.name
    for target in (hostile, broken):
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
    init = hostile / "nnlab" / "__init__.py"
    init.write_text(init.read_text() + HOSTILE_IMPORT)
    nb = nbformat.read(hostile / f"{LAB01.name}.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(
        HOSTILE_CELL.format(gradebook=course.resolve() / "gradebook.db")))
    nbformat.write(nb, hostile / f"{LAB01.name}.ipynb")

    courselib._copy_package(SOLUTIONS, broken / "nnlab")
    (broken / f"{LAB01.name}.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "oops')
    losses = broken / "nnlab" / "losses.py"
    losses.write_text(losses.read_text() + "\n\ndef svm_loss(x, y)\n    return 0\n")
    return ["eve_hostile", "finn_broken"]


def run_demo(directory: Path) -> str:
    directory = Path(directory).resolve()
    if directory.exists():
        if not (directory / "nbgrader_config.py").exists():
            raise SystemExit(f"{directory} exists and is not an nnlab course; pick another --dir.")
        shutil.rmtree(directory)
    started = time.perf_counter()
    print(f"1/6 Creating an nbgrader course in {directory}")
    courselib.create_course(directory)
    print(f"2/6 Releasing {LAB01.name} (nbgrader generate_assignment)")
    courselib.release(directory, LAB01)
    students = make_submissions(directory) + make_hostile_and_broken(directory)
    print(f"3/6 {len(students)} sample submissions in {directory / 'submitted'}")
    print("4/6 Autograding: nbgrader runs each notebook, the trusted grader scores the functions")
    courselib.autograde(directory, LAB01)
    print("5/6 Writing feedback and exporting grades")
    courselib.feedback(directory, LAB01)
    csv_path = courselib.export(directory, directory / "grades.csv")
    table = courselib.format_gradebook(courselib.gradebook_rows(directory, LAB01), LAB01)
    print("6/6 Done in %.0f s.\n" % (time.perf_counter() - started))
    print(table)
    print(f"\nFeedback for each student: {directory / 'feedback' / '<student>' / LAB01.name}"
          f" (nbgrader HTML + nnlab_report.txt)")
    print(f"Grades CSV: {csv_path}")
    print(f"Example — what dev_mistakes reads:\n")
    report = directory / courselib.STATUS_DIR / LAB01.name / "dev_mistakes.report.txt"
    if report.exists():
        print(report.read_text())
    print(_containment_summary(directory))
    return table


def _containment_summary(directory: Path) -> str:
    """What the hostile and the broken student got, read back from the gradebook."""
    from nbgrader.api import Grade
    with courselib.gradebook(directory) as gb:
        top = max((g.auto_score or 0) for g in gb.db.query(Grade))
    eve = courselib.read_outcome(directory, LAB01, "eve_hostile")
    finn = courselib.read_outcome(directory, LAB01, "finn_broken")
    losses_line = ""
    report = directory / courselib.STATUS_DIR / LAB01.name / "finn_broken.report.txt"
    for line in report.read_text().splitlines() if report.exists() else []:
        if "SyntaxError" in line:
            losses_line = line.strip()
            break
    return "\n".join([
        "Contained:",
        f"  eve_hostile patched np.allclose and tried to write 100s into the gradebook: "
        f"{eve.score:g} / {eve.max_score:g}; the highest score in the gradebook is {top:g}.",
        f"  finn_broken: {courselib.STATUS_TEXT[finn.status]}; functions {finn.score:g} / {finn.max_score:g}"
        + (f"; {losses_line}" if losses_line else ""),
    ])


def cli(args) -> int:
    run_demo(Path(args.dir))
    return 0

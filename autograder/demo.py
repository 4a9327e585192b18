"""``nnlab demo``: the whole course pipeline on bundled sample submissions, offline.

Creates a course, releases lab 01, makes a small class of sample submissions, autogrades them
(nbgrader + the trusted grader), writes feedback, exports grades and prints the gradebook; then
does the same for lab 04 (autograder/demo_lab04.py).

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

import importlib.util
import shutil
import time
from pathlib import Path

from . import REPO_ROOT
from .labs import LAB01
from . import course as courselib

SOLUTIONS = REPO_ROOT / "solutions" / "nnlab"

TESTS = REPO_ROOT / "tests"

# The sample students are made of entries of the project's public catalogues (tests/catalogue,
# tests/hostile): the same mistakes and attacks the test suite holds the grader to.
MISTAKES = {
    "cleo_mistakes": ("affine_db_mean", "softmax_no_shift"),
    "dev_mistakes": ("sigmoid_naive", "tanh_backward_x", "svm_counts_correct_class"),
}
#: eve: numpy patched at import in her package, and a notebook cell that writes the gradebook.
HOSTILE = ("patch_numpy", "kernel_writes_gradebook")


def _public_catalogue(relative: str):
    """Import a catalogue module from the repository's tests/ folder (the demo runs from a checkout)."""
    path = TESTS / relative
    spec = importlib.util.spec_from_file_location(f"nnlab_catalogue_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    mistakes = {m.id: m for m in _public_catalogue("catalogue/lab01_mistakes.py").MISTAKES}
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
        for mistake in MISTAKES.get(student, ()):
            entry = mistakes[mistake]
            path = target / "nnlab" / f"{entry.module}.py"
            path.write_text(path.read_text() + "\n\n# --- the student's version ---\n" + entry.source)
    return students


def make_hostile_and_broken(course: Path) -> list[str]:
    """Two more students: one hostile, one whose files are broken."""
    hostile = _public_catalogue("hostile/catalogue.py")
    parts = [hostile.CASES_BY_ID[case] for case in HOSTILE]
    eve = hostile.Hostile("eve_hostile", " and ".join(p.what for p in parts), "stubs",
                          modules=parts[0].modules, notebook=parts[1].notebook)
    broken = course / "submitted" / "finn_broken" / LAB01.name
    for target in (course / "submitted" / "eve_hostile", broken.parent):
        if target.exists():
            shutil.rmtree(target)
    hostile.build_submission(course, eve)
    shutil.copytree(course / "release" / LAB01.name, broken)
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
    from .demo_lab04 import run as run_lab04     # lab 04: its own module, same course
    run_lab04(directory)
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

"""Lab 04's part of ``nnlab demo``: release, autograde, feedback and gradebook of 04_optimizers.

Runs on the course that ``nnlab demo`` has just built for lab 01 (same folder, same gradebook).
The class, made of entries of the public catalogue (tests/catalogue/lab04_mistakes.py):

* ``ada_reference`` — the reference: full marks;
* ``ben_untouched`` — the released stubs: 0;
* ``cleo_mistakes`` — Adam without bias correction, step decay off by one epoch;
* ``dev_mistakes`` — Nesterov written as plain momentum, AdamW as Adam + L2, the AdaGrad cache
  reset each step.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import course as courselib
from .labs import get_lab

LAB04 = get_lab("04_optimizers")

MISTAKES = {
    "cleo_mistakes": ("adam_no_bias_correction", "step_decay_off_by_one"),
    "dev_mistakes": ("nesterov_as_plain_momentum", "adamw_as_l2", "adagrad_cache_reset"),
}

ANSWER = ("Momentum averages the zig-zag out across the valley and builds speed along it; "
          "the adaptive rules rescale each direction, so the valley looks round to them.")


def make_submissions(course: Path) -> list[str]:
    """Write the lab-04 sample class into ``submitted/<student>/04_optimizers``."""
    from .demo import SOLUTIONS, _public_catalogue   # (demo imports this module lazily)
    import nbformat

    released = course / "release" / LAB04.name
    catalogue = {m.id: m for m in _public_catalogue("catalogue/lab04_mistakes.py").MISTAKES}
    students = ["ada_reference", "ben_untouched", *MISTAKES]
    for student in students:
        target = course / "submitted" / student / LAB04.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
        if student == "ben_untouched":
            continue
        courselib._copy_package(SOLUTIONS, target / "nnlab")
        notebook = target / f"{LAB04.name}.ipynb"
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "markdown":
                cell.source = ANSWER
        nbformat.write(nb, notebook)
        for mistake in MISTAKES.get(student, ()):
            entry = catalogue[mistake]
            path = target / "nnlab" / f"{entry.module}.py"
            path.write_text(path.read_text() + "\n\n# --- the student's version ---\n" + entry.source)
    return students


def run(directory: Path) -> str:
    """Release lab 04 in the demo course, grade its sample class, return the gradebook table."""
    directory = Path(directory).resolve()
    print(f"\nLab 04: releasing {LAB04.name}, grading {len(MISTAKES) + 2} sample submissions")
    courselib.release(directory, LAB04)
    make_submissions(directory)
    courselib.autograde(directory, LAB04)
    courselib.feedback(directory, LAB04)
    csv_path = courselib.export(directory, directory / "grades.csv")
    table = courselib.format_gradebook(courselib.gradebook_rows(directory, LAB04), LAB04)
    print(table)
    print(f"\nFeedback: {directory / 'feedback' / '<student>' / LAB04.name}; grades CSV (both "
          f"labs): {csv_path}")
    report = directory / courselib.STATUS_DIR / LAB04.name / "dev_mistakes.report.txt"
    if report.exists():
        print(f"\nExample — what dev_mistakes reads for lab 04:\n")
        print(report.read_text())
    return table

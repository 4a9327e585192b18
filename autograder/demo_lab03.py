"""Lab 03 (regularization) in ``nnlab demo``: release it into the demo course, grade a small
class, write feedback. Called by :func:`autograder.demo.run_demo` after lab 01.

The class, made from the public catalogue (tests/catalogue/lab03_mistakes.py):

* ``ada_reference`` — the reference: full marks;
* ``ben_untouched`` — the released stubs: 0;
* ``cleo_mistakes`` — p used as the drop probability, biases regularised;
* ``dev_mistakes`` — a new mask in the backward pass, np.roll in augment, L1's sign flipped.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import course as courselib
from .demo import SOLUTIONS, _answer_question, _check_outcomes, _public_catalogue
from .labs import LAB03

LAB = LAB03
MISTAKES = {
    "cleo_mistakes": ("drop_p_is_drop_probability", "l2_biases_regularized"),
    "dev_mistakes": ("drop_backward_new_mask", "aug_roll_wraps", "l1_sign_wrong"),
}


ANSWER = ("Inverted dropout divides the kept units by p while training, so the expected "
          "activation is unchanged and test mode is the identity; without the division, test-time "
          "activations are 1/p times larger than in training. Dropout and L2 narrowed the gap "
          "between training and validation accuracy; the strongest L2 underfits. Shifts by a "
          "pixel are label-preserving for digits, flips are not (a flipped 3 is no digit).")


def make_submissions(course: Path) -> list[str]:
    """Write the lab-03 sample class into ``submitted/`` as nbgrader collect would."""
    released = course / "release" / LAB.name
    mistakes = {m.id: m for m in _public_catalogue("catalogue/lab03_mistakes.py").MISTAKES}
    students = ["ada_reference", "ben_untouched", *MISTAKES]
    for student in students:
        target = course / "submitted" / student / LAB.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
        if student == "ben_untouched":
            continue
        courselib._copy_package(SOLUTIONS, target / "nnlab")
        _answer_question(target / f"{LAB.name}.ipynb", ANSWER)
        for mistake in MISTAKES.get(student, ()):
            entry = mistakes[mistake]
            path = target / "nnlab" / f"{entry.module}.py"
            path.write_text(path.read_text() + "\n\n# --- the student's version ---\n" + entry.source)
    return students


def run(directory: Path, step: str = "") -> str:
    """Release, grade, give feedback on and export lab 03 in the course at ``directory``;
    return the gradebook table."""
    directory = Path(directory)
    print(f"{step}Lab {LAB.name}: release, {len(MISTAKES) + 2} sample submissions, autograde, "
          f"feedback")
    courselib.release(directory, LAB)
    make_submissions(directory)
    outcomes = courselib.autograde(directory, LAB)
    _check_outcomes(outcomes, LAB, zero=("ben_untouched",))   # the cause, never a wrong gradebook
    courselib.feedback(directory, LAB)
    csv_path = courselib.export(directory, directory / "grades.csv")   # now with both labs
    table = courselib.format_gradebook(courselib.gradebook_rows(directory, LAB), LAB)
    print(table)
    print(f"Feedback: {directory / 'feedback' / '<student>' / LAB.name}; grades CSV (every lab): "
          f"{csv_path}")
    report = directory / courselib.STATUS_DIR / LAB.name / "dev_mistakes.report.txt"
    if report.exists():
        print(f"\nExample — what dev_mistakes reads for lab {LAB.name}:\n")
        print(report.read_text())
    return table

"""Scores the gradebook may hold: never above a cell's maximum, always against labs.py's points.

- :func:`clamp_submission`: the last line of defence after every write: no grade of a
  submission above its cell's ``max_score``.
- :func:`repair_over_max`: a gradebook written by something else (nbgrader's stock autograde
  on a hostile notebook, a hand edit) may hold such scores: reset them, and say which, so that
  ``nnlab autograde`` grades those students again.
- :func:`check_released_points`: a lab whose points changed in ``autograder/labs.py`` after the
  course released it would be graded against the old maxima (44.5 / 44): stop, and say the
  command that re-syncs the course.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OverMax:
    student: str
    cell: str
    score: float
    max_score: float
    kind: str          # "auto" or "manual"

    def __str__(self):
        return (f"{self.student}: {self.cell} held {self.score:g} of at most {self.max_score:g} "
                f"({self.kind})")


def _over(value, max_score) -> bool:
    return value is not None and value > max_score + 1e-9


def clamp_submission(gb, lab_name: str, student: str, commit: bool = True) -> list[OverMax]:
    """Cap every grade of one submission at its cell's maximum (a score below 0 becomes 0);
    returns what was capped. Commits, unless ``commit`` is False (the caller's transaction)."""
    capped = []
    submission = gb.find_submission(lab_name, student)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            top = grade.max_score or 0.0
            for kind in ("auto", "manual"):
                value = getattr(grade, f"{kind}_score")
                if _over(value, top):
                    capped.append(OverMax(student, grade.name, value, top, kind))
                    setattr(grade, f"{kind}_score", top)
                elif value is not None and value < 0:
                    setattr(grade, f"{kind}_score", 0.0)
    if commit:
        gb.db.commit()
    return capped


def repair_over_max(gb, lab_name: str) -> list[OverMax]:
    """Reset every grade of ``lab_name`` above its cell's maximum; returns what was reset.

    An automatic score is reset to nothing (the student is graded again); a manual score above
    the maximum was not given through formgrader's rules either: it is removed and the cell is
    flagged for manual grading again.
    """
    from nbgrader.api import Grade, SubmittedAssignment, SubmittedNotebook, Assignment, Student

    found = []
    rows = (gb.db.query(Grade, Student.id)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(Student, SubmittedAssignment.student_id == Student.id)
            .filter(Assignment.name == lab_name))
    for grade, student in rows:
        top = grade.max_score or 0.0
        if _over(grade.auto_score, top):
            found.append(OverMax(student, grade.name, grade.auto_score, top, "auto"))
            grade.auto_score = None
        if _over(grade.manual_score, top):
            found.append(OverMax(student, grade.name, grade.manual_score, top, "manual"))
            grade.manual_score = None
            grade.needs_manual_grade = True
    gb.db.commit()
    return found


class PointsOutOfStep(SystemExit):
    """The course's released lab and autograder/labs.py disagree on what a function is worth."""


def released_points(gb, lab_name: str) -> dict[str, float] | None:
    """``{grade cell name: max_score}`` of the lab as released in this course (None: the lab
    is not in the gradebook yet)."""
    from nbgrader.api import MissingEntry
    try:
        assignment = gb.find_assignment(lab_name)
    except MissingEntry:
        return None
    return {cell.name: cell.max_score for notebook in assignment.notebooks
            for cell in notebook.grade_cells}


def check_released_points(gb, lab, course) -> None:
    """Stop before grading when the released grade cells and labs.py disagree on points."""
    released = released_points(gb, lab.name)
    if released is None:
        return
    wrong = []
    for function in lab.functions:
        have = released.get(function.grade_cell_id)
        if have is None:
            wrong.append(f"{function.name}: no grade cell {function.grade_cell_id} in the release, "
                         f"{function.points:g} in labs.py")
        elif abs(have - function.points) > 1e-9:
            wrong.append(f"{function.name}: {have:g} points in the release, "
                         f"{function.points:g} in labs.py")
    if wrong:
        raise PointsOutOfStep(
            f"{lab.name} as released in this course does not give the points autograder/labs.py "
            f"gives:\n  " + "\n  ".join(wrong) + "\n"
            f"Grading now would record scores against the wrong maximum, so nothing was graded. "
            f"Re-sync the course (the release copies the rebuilt notebook into source/), then "
            f"grade again:\n"
            f"    nnlab release {lab.name} --course {course}\n"
            f"    nnlab autograde {lab.name} --course {course}")

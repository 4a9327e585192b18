"""Late submissions: nbgrader's own late policy, applied to the score that counts.

nbgrader computes the late penalty inside its autograde run (``AssignLatePenalties``), from the
scores its kernel produced, before the trusted grader writes the function scores. Applied then,
``penalty_method = "zero"`` would take away the kernel's scores and leave the trusted ones
standing. So ``nnlab autograde`` runs the same nbgrader step again once every score is written,
with the course's configuration: the late policy (``LateSubmissionPlugin.penalty_method``, or a
plug-in of the course's own through ``AssignLatePenalties.plugin_class``), the assignment's due
date and each student's extension (``nbgrader`` gradebook, e.g. ``Gradebook.grant_extension``)
all apply as nbgrader documents them. The results are nbgrader's own gradebook fields:
``Submission.total_seconds_late`` and ``SubmittedNotebook.late_submission_penalty``.
"""
from __future__ import annotations

from pathlib import Path


def record_timestamp(gb, coursedir, lab_name: str, student: str, submission: Path) -> None:
    """Store the submission's ``timestamp.txt`` (written by nbgrader collect or ``nnlab
    collect``) in the gradebook. nbgrader does it too, but not for a submission whose notebook
    is missing, and lateness must not depend on whether the notebook could be read."""
    timestamp = coursedir.get_existing_timestamp(str(submission))
    if timestamp is not None:
        gb.update_or_create_submission(lab_name, student, timestamp=timestamp)


def apply_late_penalty(config, db_url: str, lab_name: str, student: str) -> tuple[float, float]:
    """Run nbgrader's ``AssignLatePenalties`` on every notebook of ``student``'s submission,
    with the course ``config``; returns (the total penalty, seconds late), (0.0, 0.0) on time.

    The step gives no penalty to a submission on time: it only resets the notebooks' penalties
    to none. When they are none already (nbgrader's own pass of this grading reset them), it
    has nothing to do and is not run."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties

    with Gradebook(db_url) as gb:
        submission = gb.find_submission(lab_name, student)
        if not submission.total_seconds_late and all(
                nb.late_submission_penalty is None for nb in submission.notebooks):
            return 0.0, 0.0
        notebooks = [nb.name for nb in gb.find_assignment(lab_name).notebooks]
    step = AssignLatePenalties(config=config)
    for name in notebooks:
        resources = {"nbgrader": {"notebook": name, "assignment": lab_name, "student": student,
                                  "db_url": db_url}}
        # the step reads scores from the gradebook; it needs no cell of the notebook itself
        step.preprocess(nbformat.v4.new_notebook(), resources)
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(lab_name, student)
        return (float(submission.late_submission_penalty or 0.0),
                float(submission.total_seconds_late or 0.0))

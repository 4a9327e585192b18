"""Late work and points, on a real nbgrader course (a real exchange directory, real sqlite
gradebook, real notebook runs, the trusted grader), asserting the grades that result:

- nbgrader's late policy applies to the final score (penalty "zero"; an extension is on time);
- a lab whose points changed in labs.py after release is refused, with the command that
  re-syncs it, and never graded above its maximum.
"""
import datetime
import warnings

import nbformat
import pytest

from autograder import course as courselib
from autograder.labs import LAB04
from grading_integrity import (assert_nothing_above_max, make_course, nbgrader, nnlab,
                               reference_submission, submit_through_exchange, use_exchange)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("late") / "course", LAB04)


# ------------------------------------------------------------------ 2. late policy

def test_late_policy_applies_to_the_final_score(course, tmp_path):
    """Through nbgrader's exchange: release, fetch, submit, collect; then a due date 61,836 s
    before one student's submission under penalty "zero", and a day's extension for another."""
    exchange = tmp_path / "exchange"
    use_exchange(course, exchange)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    nbgrader("release_assignment", LAB04.name, cwd=course)
    late, extended = (submit_through_exchange(course, exchange, LAB04, student, tmp_path / student)
                      for student in ("lou_late", "ezra_extension"))
    nbgrader("collect", LAB04.name, cwd=course)
    submitted_at = courselib.nbgrader_api(course).coursedir.get_existing_timestamp(
        str(course / "submitted" / late / LAB04.name))
    due = submitted_at - datetime.timedelta(seconds=61836)
    with courselib.gradebook(course) as gb:
        gb.update_or_create_assignment(LAB04.name, duedate=due)
        gb.update_or_create_student(extended)
        with warnings.catch_warnings():   # nbgrader's own SAWarning on a new submission
            warnings.simplefilter("ignore")
            gb.update_or_create_submission(LAB04.name, extended)   # what an extension hangs on
        gb.grant_extension(LAB04.name, extended, days=1)

    nnlab("autograde", LAB04.name, "--course", str(course),
          "--student", late, "--student", extended)
    outcomes = {s: courselib.read_outcome(course, LAB04, s) for s in (late, extended)}
    with courselib.gradebook(course) as gb:
        s = gb.find_submission(LAB04.name, late)
        assert s.total_seconds_late == pytest.approx(61836)
        assert s.score > LAB04.max_points - 1e-9               # the functions + written answers
        assert s.late_submission_penalty == pytest.approx(s.score)
        assert s.score - s.late_submission_penalty == 0        # penalty "zero": final score 0
        e = gb.find_submission(LAB04.name, extended)
        assert e.total_seconds_late == 0
        assert not e.late_submission_penalty
        assert e.score > LAB04.max_points - 1e-9
    assert outcomes[late].seconds_late == pytest.approx(61836)
    assert outcomes[late].late_penalty > 0 and outcomes[extended].late_penalty == 0


# ------------------------------------------------------------------ 7. points changed

def test_points_out_of_step_are_refused_then_resynced_by_release(course):
    student = reference_submission(course, "pia_points")
    source = course / "source" / LAB04.name / f"{LAB04.name}.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:      # the course was released when adam was worth 4 points
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "check_adam":
            cell.metadata["nbgrader"]["points"] = 4
    nbformat.write(nb, source)
    api = courselib.nbgrader_api(course)
    with courselib._in_directory(course):
        assert api.generate_assignment(LAB04.name)["success"]

    refused = nnlab("autograde", LAB04.name, "--course", str(course), "--student", student,
                    check=False)
    assert refused.returncode != 0
    assert "adam: 4 points in the release, 3 in labs.py" in refused.stderr
    assert f"nnlab release {LAB04.name} --course {course}" in refused.stderr
    assert courselib.read_outcome(course, LAB04, student) is None

    released = nnlab("release", LAB04.name, "--course", str(course))
    assert "re-synced from the built notebook (points: adam 4 -> 3)" in released.stderr
    nnlab("autograde", LAB04.name, "--course", str(course), "--student", student)
    assert courselib.read_outcome(course, LAB04, student).score == LAB04.max_points
    assert_nothing_above_max(course)

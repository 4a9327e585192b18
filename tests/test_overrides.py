"""A TA's override of a function's score (set in formgrader: nbgrader's ``manual_score`` on the
``check_<function>`` cell) and a marked written answer survive every regrade: ``nnlab
autograde``, ``--force``, and a grader change that invalidates the stored grades. Real nbgrader
course, real sqlite gradebook, real notebook runs."""
import json

import pytest

from autograder import course as courselib
from autograder.labs import LAB04
from grading_integrity import grades_of, make_course, nnlab, reference_submission


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("overrides") / "course", LAB04)


# ------------------------------------------------------------------ 3. overrides

def test_overrides_and_marked_answers_survive_every_regrade(course):
    student = reference_submission(course, "olga_override")
    grade = ("autograde", LAB04.name, "--course", str(course), "--student", student)
    nnlab(*grade)
    # the TA, in formgrader: adam gets 1.5 of 3, the first written answer 1 of 2
    with courselib.gradebook(course) as gb:
        adam = gb.find_grade("check_adam", LAB04.name, LAB04.name, student)
        adam.manual_score = 1.5
        answer = gb.find_grade("trajectories_question", LAB04.name, LAB04.name, student)
        answer.manual_score = 1.0
        answer.needs_manual_grade = False
        gb.db.commit()

    def assert_kept(outcome):
        grades = grades_of(course, LAB04, student)
        assert grades["check_adam"][:2] == (3.0, 1.5)          # grader's 3, the TA's 1.5 counts
        assert grades["check_adam"][3] is False
        assert grades["trajectories_question"][1] == 1.0
        assert grades["trajectories_question"][3] is False     # not "needs manual grading" again
        assert outcome.overrides == {"adam": {"grader": 3.0, "override": 1.5}}
        with courselib.gradebook(course) as gb:
            assert gb.find_grade("check_adam", LAB04.name, LAB04.name, student).score == 1.5

    outcome = lambda: courselib.read_outcome(course, LAB04, student)  # noqa: E731
    assert "override adam: 1.5 (grader 3)" in nnlab(*grade).stdout      # resumed: not regraded
    assert_kept(outcome())
    nnlab(*grade, "--force")
    assert_kept(outcome())
    # a grade recorded by another version of the grader (a points edit, new hidden checks)
    status = courselib._status_path(course, LAB04, student)
    recorded = json.loads(status.read_text())
    recorded["fingerprint"] = recorded["fingerprint"].split(":")[0] + ":an-older-grader"
    status.write_text(json.dumps(recorded))
    nnlab(*grade)
    assert outcome().fingerprint.split(":")[1] == courselib.grader_fingerprint()   # regraded
    assert_kept(outcome())

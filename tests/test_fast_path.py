"""The fast path (issue 11): a class graded without re-running the notebooks gets the same
function scores and statuses as one graded with them re-run; its gradebook still holds the
written answers, and its feedback marks the outputs the grader did not produce as the student's.

Real courses, real nbgrader autograde (once with its jailed kernel, once with execution off),
real sqlite gradebooks, real feedback HTML.
"""
import shutil

import nbformat
import pytest

from autograder import course as courselib
from autograder.demo import ANSWER, _answer_question, make_submissions
from autograder.execute_choice import resolve_execute
from autograder.labs import LAB01
from grading_integrity import SOLUTIONS, grades_of, make_course, nnlab

OWN_OUTPUT = "my own output: 42 gradients checked"
FLOOD_CHARS = 3_000_000


def _student_with_outputs(course):
    """gus ran his notebook before submitting: a code cell holds an output he produced."""
    target = course / "submitted" / "gus_outputs" / LAB01.name
    shutil.copytree(course / "release" / LAB01.name, target)
    courselib._copy_package(SOLUTIONS, target / "nnlab")
    _answer_question(target / f"{LAB01.name}.ipynb")
    path = target / f"{LAB01.name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code"
                and not c.metadata.get("nbgrader", {}).get("grade_id"))
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=OWN_OUTPUT + "\n")]
    # ... and another printed 3 MB (one line: nbgrader's own limit counts lines)
    flood = [c for c in nb.cells if c.cell_type == "code"
             and not c.metadata.get("nbgrader", {}).get("grade_id")][1]
    flood.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * FLOOD_CHARS)]
    nbformat.write(nb, path)
    return "gus_outputs"


@pytest.fixture(scope="module")
def two_courses(tmp_path_factory):
    """The same class in two courses: graded with (``executed``) and without (``fast``) runs."""
    root = tmp_path_factory.mktemp("fast")
    executed = make_course(root / "executed", LAB01)
    make_submissions(executed)
    for student in ("ben_untouched", "dev_mistakes"):   # a small class keeps the test quick
        shutil.rmtree(executed / "submitted" / student)
    _student_with_outputs(executed)
    fast = root / "fast"
    shutil.copytree(executed, fast)
    # as a TA types it (the run's choice overrides the course's)
    nnlab("autograde", LAB01.name, "--course", str(executed), "--execute")
    nnlab("autograde", LAB01.name, "--course", str(fast), "--no-execute")
    graded = {name: [courselib.read_outcome(course, LAB01, s)
                     for s in courselib.submitted_students(course, LAB01)]
              for name, course in (("executed", executed), ("fast", fast))}
    return {"executed": executed, "fast": fast}, graded


def test_same_function_scores_and_statuses(two_courses):
    _, graded = two_courses
    executed = {o.student: o for o in graded["executed"]}
    fast = {o.student: o for o in graded["fast"]}
    assert sorted(executed) == sorted(fast) == ["ada_reference", "cleo_mistakes", "gus_outputs"]
    for student in executed:
        assert fast[student].functions == executed[student].functions, student
        assert fast[student].status == executed[student].status, student
        assert fast[student].score == executed[student].score, student
    assert fast["ada_reference"].score == LAB01.max_points
    assert 0 < fast["cleo_mistakes"].score < LAB01.max_points


def test_gradebooks_agree_and_hold_the_written_answers(two_courses):
    courses, _ = two_courses
    for student in ("ada_reference", "gus_outputs", "cleo_mistakes"):
        fast = grades_of(courses["fast"], LAB01, student)
        executed = grades_of(courses["executed"], LAB01, student)
        assert fast == executed, student
        # the written answer is a manually graded cell waiting for a TA
        assert fast["activation_question"][3] is True
    autograded = nbformat.read(courses["fast"] / "autograded" / "gus_outputs" / LAB01.name
                               / f"{LAB01.name}.ipynb", as_version=4)
    answer = next(c for c in autograded.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "activation_question")
    assert answer.source.strip() == ANSWER.strip() or len(answer.source) > 20


def test_fast_feedback_marks_the_students_outputs(two_courses):
    courses, _ = two_courses
    courselib.feedback_one(courses["fast"], LAB01, "gus_outputs",
                           courselib.feedback_api(courses["fast"]))
    html = (courses["fast"] / "feedback" / "gus_outputs" / LAB01.name
            / f"{LAB01.name}.html").read_text()
    assert OWN_OUTPUT in html                          # kept, not cleared
    assert courselib.STUDENT_OUTPUT_MARK in html       # and marked as the student's
    assert "not re-run by the grader" in html
    assert "Trusted grader: affine_forward passed" in html
    # the executed path re-ran the notebook: its outputs are the kernel's, with no such marks
    courselib.feedback_one(courses["executed"], LAB01, "gus_outputs",
                           courselib.feedback_api(courses["executed"]))
    executed_html = (courses["executed"] / "feedback" / "gus_outputs" / LAB01.name
                     / f"{LAB01.name}.html").read_text()
    assert OWN_OUTPUT not in executed_html
    assert courselib.STUDENT_OUTPUT_MARK not in executed_html


def test_a_rerun_in_the_other_mode_grades_again_and_the_same_mode_does_not(two_courses):
    courses, _ = two_courses
    fast = courses["fast"]
    before = courselib.read_outcome(fast, LAB01, "ada_reference")
    again = courselib.autograde(fast, LAB01, students=["ada_reference"], progress=False,
                                execute=False)[0]
    assert again.elapsed == before.elapsed and again.fingerprint == before.fingerprint
    assert before.fingerprint.endswith(":fast")


def test_the_course_chooses_per_lab_and_the_run_overrides(tmp_path):
    course = tmp_path / "c"
    course.mkdir()
    config = course / "nbgrader_config.py"
    config.write_text("c = get_config()\n")
    assert resolve_execute(course, "01_layers", None) is True       # nnlab's default
    config.write_text("c = get_config()\nc.NnlabGrading.execute = False\n"
                      "c.NnlabGrading.execute_labs = {'06_training_recipe': True}\n")
    assert resolve_execute(course, "01_layers", None) is False
    assert resolve_execute(course, "06_training_recipe", None) is True
    assert resolve_execute(course, "01_layers", True) is True       # --execute
    assert resolve_execute(course, "06_training_recipe", False) is False   # --no-execute
    config.write_text("c = get_config()\nc.NnlabGrading.execute = 'no'\n")
    with pytest.raises(SystemExit, match="True or False"):
        resolve_execute(course, "01_layers", None)


def test_the_students_own_outputs_are_bounded(two_courses):
    """The fast path keeps the outputs the student submitted: within the grader's limits."""
    from autograder.notebook_output import MAX_CELL_OUTPUT_CHARS
    courses, _ = two_courses
    path = courses["fast"] / "autograded" / "gus_outputs" / LAB01.name / f"{LAB01.name}.ipynb"
    assert path.stat().st_size < FLOOD_CHARS
    nb = nbformat.read(path, as_version=4)
    texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any(OWN_OUTPUT in t for t in texts)
    assert any(f"more than {MAX_CELL_OUTPUT_CHARS:,} characters of output" in t for t in texts)

"""A failure of the grader itself is reported with its cause, and the command exits non-zero.

On a fresh machine ``make demo`` once listed every student ``not_graded`` and then died with
``ValueError: max() arg is an empty sequence``: grade.py imported pytest, which was not installed,
and nothing said so. Here the grader is broken on purpose, in a subprocess whose import system
refuses a module (as if it were not installed), and each command must name the exception, its
message and where it happened.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder.demo import _check_outcomes
from autograder.errors import GraderFailed, describe_exception
from autograder.labs import LAB01

REPO = Path(__file__).resolve().parents[1]

#: Runs ``nnlab ARGS`` with the modules named in $NNLAB_TEST_MISSING made unimportable.
RUNNER = textwrap.dedent('''
    import importlib.abc, os, sys
    MISSING = tuple(os.environ["NNLAB_TEST_MISSING"].split(","))

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in MISSING or name.startswith(tuple(m + "." for m in MISSING)):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, NotInstalled())
    from autograder.cli import main
    sys.exit(main(sys.argv[1:]))
''')


def nnlab(tmp_path, missing, *args, timeout=300):
    runner = tmp_path / "run_nnlab.py"
    runner.write_text(RUNNER)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NNLAB_TEST_MISSING": missing}
    return subprocess.run([sys.executable, str(runner), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _reference_submission(tmp_path):
    import shutil
    target = tmp_path / "alice"
    shutil.copytree(REPO / "solutions" / "nnlab", target / "nnlab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


PYTEST_MISSING = "pytest,_pytest"


def _says_pytest_is_missing(stderr):
    assert "ModuleNotFoundError: No module named 'pytest'" in stderr
    assert "autograder/grade.py:" in stderr and "import pytest" in stderr     # where
    assert "requirements/lock.txt" in stderr                                   # what to do
    assert "Traceback (most recent call last)" not in stderr


def test_nnlab_grade_names_a_missing_dependency(tmp_path):
    result = nnlab(tmp_path, PYTEST_MISSING, "grade", str(_reference_submission(tmp_path)),
                   "--lab", "01")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("nnlab grade: failed: ")
    _says_pytest_is_missing(result.stderr)


def test_nnlab_grade_names_hidden_checks_that_cannot_be_imported(tmp_path):
    result = nnlab(tmp_path, "autograder.hidden.checklib", "grade",
                   str(_reference_submission(tmp_path)), "--lab", "01", "--format", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "grader_error" and report["total"] == 0
    assert "nnlab grade: grader error: " in result.stderr
    assert "ModuleNotFoundError: No module named 'autograder.hidden.checklib'" in result.stderr
    assert "conftest.py" in result.stderr                                      # where
    # one cause, one line: the 26 functions without checks are folded into one
    assert result.stderr.count("no hidden checks") == 1


def test_nnlab_autograde_names_a_missing_dependency(tmp_path):
    course = courselib.create_course(tmp_path / "course")
    courselib.release(course, LAB01)
    (course / "submitted" / "alice" / LAB01.name).mkdir(parents=True)
    result = nnlab(tmp_path, PYTEST_MISSING, "autograde", LAB01.name, "--course", str(course))
    assert result.returncode == 2, result.stderr
    assert "nnlab autograde: failed: the trusted grader cannot start: " in result.stderr
    _says_pytest_is_missing(result.stderr)


def test_nnlab_demo_names_a_missing_dependency(tmp_path):
    result = nnlab(tmp_path, PYTEST_MISSING, "demo", "--dir", str(tmp_path / "demo"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nnlab demo: failed: the trusted grader cannot start: " in result.stderr
    _says_pytest_is_missing(result.stderr)
    assert "max() arg is an empty sequence" not in result.stderr


def test_a_grader_failure_on_one_submission_is_recorded_with_its_cause(tmp_path, monkeypatch,
                                                                      capsys):
    course = courselib.create_course(tmp_path / "course")

    def broken(*args, **kwargs):
        raise RuntimeError("the gradebook is locked")

    monkeypatch.setattr(courselib, "autograde_one", broken)
    outcome = courselib._grade_in_worker(str(course), LAB01.name, "alice", False)
    assert outcome.status == "grader_error"
    assert outcome.detail.startswith("RuntimeError: the gradebook is locked (at ")
    assert "test_grader_errors.py:" in outcome.detail and "in broken" in outcome.detail
    # recorded, so the gradebook table and the CSV say why instead of "not graded"
    recorded = courselib.read_outcome(course, LAB01, "alice")
    assert recorded.status == "grader_error" and recorded.detail == outcome.detail
    assert recorded.fingerprint == ""    # and a re-run grades the submission again

    assert courselib.report_grader_errors([outcome], "nnlab autograde") == [outcome]
    err = capsys.readouterr().err
    assert "the grader failed on 1 of 1 submission(s)" in err and "the gradebook is locked" in err


def _outcome(student, score, status="graded", detail=""):
    return courselib.SubmissionOutcome(student, status, score, 42.0, detail=detail)


def test_the_demo_stops_when_the_class_does_not_grade_as_it_must(capsys):
    good = [_outcome("ada_reference", 42.0), _outcome("ben_untouched", 0.0),
            _outcome("eve_hostile", 0.0)]
    _check_outcomes(good)
    with pytest.raises(GraderFailed, match="ada_reference .* scored 40 / 42"):
        _check_outcomes([_outcome("ada_reference", 40.0)] + good[1:])
    with pytest.raises(GraderFailed, match="eve_hostile scored 42, not 0"):
        _check_outcomes(good[:2] + [_outcome("eve_hostile", 42.0)])
    with pytest.raises(GraderFailed, match="first cause: ValueError: boom"):
        _check_outcomes(good + [_outcome("finn_broken", 0.0, "grader_error", "ValueError: boom")])
    assert "finn_broken: ValueError: boom" in capsys.readouterr().err


def test_describe_exception_names_type_message_and_place():
    def inner():
        return {}["missing"]
    try:
        inner()
    except KeyError as exc:
        text = describe_exception(exc)
    assert text.startswith("KeyError: 'missing' (at ")
    assert "test_grader_errors.py:" in text and "in inner: return {}[\"missing\"]" in text


def test_the_graders_shell_does_not_reach_the_hidden_checks(tmp_path, monkeypatch):
    """PYTEST_ADDOPTS in the TA's shell (here: collect only, run nothing) changes no grade."""
    from autograder.grade import grade_submission
    monkeypatch.setenv("PYTEST_ADDOPTS", "--collect-only -x")
    report = grade_submission(_reference_submission(tmp_path), "01")
    assert report.status == "ok" and report.total == report.max_total
    assert not getattr(report, "grader_errors", None)
    import os
    assert os.environ["PYTEST_ADDOPTS"] == "--collect-only -x"        # restored afterwards

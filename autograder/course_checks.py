"""Checks on what a TA typed, run before a course verb touches anything.

A mistyped ``--course`` must not be answered with "No submissions", a SQLAlchemy traceback or a
stray ``gradebook.db`` in the wrong folder; grading a lab that was never released must not mark
every student "the grader itself failed". Each check raises :class:`CourseError` (a
``SystemExit``: the ``nnlab`` command prints the message and exits with status 1) and creates
nothing.

It also repairs what older versions of ``nnlab collect`` left behind: feedback folders without
the ``timestamp.txt`` and ``submission_secret.txt`` nbgrader's ``release_feedback`` needs.
"""
from __future__ import annotations

import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path

from .labs import Lab

#: the files ``nbgrader submit`` writes beside a submission and ``release_feedback`` reads
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")

#: nbgrader's own format for ``timestamp.txt`` (``Exchange.timestamp_format``), in UTC.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


class CourseError(SystemExit):
    """The course folder or its state does not allow this command; nothing was changed."""


def require_course(course: Path) -> Path:
    """``course`` resolved, if it is an nbgrader course folder; else a clear :class:`CourseError`."""
    course = Path(course).resolve()
    if not course.exists():
        raise CourseError(f"The course folder {course} does not exist. Pass the folder made by "
                          f"`nnlab course create` with --course (or run the command inside it).")
    if not course.is_dir():
        raise CourseError(f"{course} is a file, not a course folder.")
    if not (course / "nbgrader_config.py").exists():
        raise CourseError(f"{course} is not an nnlab course (no nbgrader_config.py). Create one "
                          f"with `nnlab course create {course}`, or pass the right --course.")
    return course


def configured_course_id(course: Path, default: str = "nnlab") -> str:
    """The ``CourseDirectory.course_id`` the course's nbgrader_config.py sets (else ``default``)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    course_id = config.CourseDirectory.get("course_id")
    return course_id if isinstance(course_id, str) and course_id else default


def require_gradebook(course: Path) -> Path:
    """The course's ``gradebook.db``; an error (not an empty new gradebook) when there is none."""
    course = require_course(course)
    db = course / "gradebook.db"
    if not db.exists():
        raise CourseError(f"{course} has no gradebook yet: nothing has been released or graded. "
                          f"Start with `nnlab release LAB --course {course}`.")
    return db


def require_released(course: Path, lab: Lab) -> None:
    """Grading needs the lab in the gradebook, which ``nnlab release`` puts there."""
    from nbgrader.api import Gradebook, MissingEntry

    course = require_course(course)
    hint = (f"{lab.name} has not been released in this course, so there is nothing to grade "
            f"against. Run `nnlab release {lab.name} --course {course}` first, then grade again.")
    if not (course / "gradebook.db").exists() or not (course / "release" / lab.name).is_dir():
        raise CourseError(hint)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}?timeout=120",
                   course_id=configured_course_id(course)) as gb:
        try:
            assignment = gb.find_assignment(lab.name)
        except MissingEntry:
            raise CourseError(hint) from None
        if not assignment.notebooks:
            raise CourseError(hint)


def ready_to_grade(course: Path, lab: Lab) -> None:
    """Everything ``nnlab autograde`` needs before it starts (called at its very beginning)."""
    require_released(course, lab)


def format_timestamp(moment: datetime) -> str:
    """``2026-03-01 12:00:00.000000 UTC``: what ``nbgrader submit`` writes."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


def new_submission_secret() -> str:
    """What ``nbgrader submit`` writes to ``submission_secret.txt``: the key under which
    ``nbgrader release_feedback`` files the feedback in the exchange."""
    return secrets.token_hex(64)


def repair_feedback_files(course: Path, lab: Lab, student: str) -> bool:
    """Give ``feedback/<student>/<lab>/`` the two files ``nbgrader submit`` writes beside a
    submission and ``nbgrader release_feedback`` reads (``timestamp.txt``,
    ``submission_secret.txt``); return whether one was missing.

    nbgrader copies them along from ``submitted/``; submissions collected from an LMS zip by
    older versions of nnlab had neither, and ``release_feedback`` crashed. They are written
    into the feedback folder only: the student's submission and its grading stay untouched
    (a time made up now must not make anyone late). The time written is when the files arrived
    in the course (the newest file's modification time).
    """
    course = Path(course)
    target = course / "feedback" / student / lab.name
    if not target.is_dir():
        return False
    submitted = course / "submitted" / student / lab.name
    repaired = False
    for name in EXCHANGE_FILES:
        if (target / name).exists():
            continue
        repaired = True
        autograded = course / "autograded" / student / lab.name
        source = next((p for p in (submitted / name, autograded / name)
                       if p.is_file() and not p.is_symlink()), None)
        if source is not None:
            shutil.copyfile(source, target / name)
        elif name == "timestamp.txt":
            files = [p for p in submitted.rglob("*") if p.is_file() and not p.is_symlink()]
            newest = max((p.stat().st_mtime for p in files), default=target.stat().st_mtime)
            arrived = datetime.fromtimestamp(newest, timezone.utc)
            (target / name).write_text(format_timestamp(arrived))
        else:
            (target / name).write_text(new_submission_secret())
    return repaired

"""nbgrader glue: create a course, release a lab, autograde, feedback.

nbgrader stays the course manager (release, collect, gradebook, formgrader, feedback). What it
cannot be trusted with is the score of the student's ``nnlab`` functions: its kernel runs student
code with the instructor's rights, so a patched ``np.allclose`` would score full marks. So
``nnlab autograde`` does two things per submission:

1. ``nbgrader autograde`` executes the notebook (experiments shrunk by ``NNLAB_GRADING=1``) and
   records the manually graded answers and outputs, as usual;
2. the trusted grader (:mod:`autograder.grade`) scores every graded function in a sandboxed
   worker, and those scores overwrite the ``check_<function>`` grade cells in the gradebook and
   their outputs in the autograded notebook (a TA's override, nbgrader's ``manual_score``,
   stands; no score is left above its cell's maximum);
3. nbgrader's late policy is applied to the scores now in the gradebook (:mod:`autograder.late`).

One run per course at a time (:mod:`autograder.course_lock`); formgrader's Autograde button
and ``nbgrader autograde`` come here too (:mod:`autograder.nbgrader_plugin`).

A per-submission status file (``nnlab_grading/<lab>/<student>.json``, written atomically) records
what happened (graded, kernel died, notebook not valid JSON, ...), so that no student is
silently given 0, and so that a re-run skips what is already graded.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import REPO_ROOT
from .course_checks import ready_to_grade
from .course_lock import course_lock, interrupted, interrupts_caught, note_interrupt, \
    stop_if_interrupted
from .labs import Lab, get_lab
from .late import apply_late_penalty

COURSE_ID = "nnlab"
STATUS_DIR = "nnlab_grading"
NNLAB_PACKAGE = REPO_ROOT / "lib" / "nnlab"
NOTEBOOK_SOURCES = REPO_ROOT / "assignments" / "source"
EMBEDDED_DATA = REPO_ROOT / "data" / "digits_8x8.npz"

# The statuses a submission can end in; anything but "graded" is shown to staff in the
# gradebook table and the CSV export.
STATUS_TEXT = {
    "graded": "graded",
    "kernel_died": "notebook kernel died (function scores still come from the trusted grader)",
    "invalid_notebook": "notebook is not a valid .ipynb file (function scores still recorded)",
    "missing_notebook": "no notebook submitted (function scores still recorded)",
    "notebook_error": "nbgrader could not run the notebook (function scores still recorded)",
    "missing_package": "no nnlab/ package in the submission: nothing to grade",
    "import_error": "part of the nnlab package could not be imported: its functions score 0",
    "cells_missing": "graded cells were deleted or renamed in the notebook (function scores still recorded)",
    "cells_duplicated": "the notebook holds duplicated graded cells (function scores still recorded)",
    "symlinks_removed": "the submission held symbolic links, which were removed before grading",
    "grader_error": "the grader itself failed on this submission: please report it (rerun to retry)",
}

#: The lines of the course config that plug nnlab into nbgrader's own autograde
#: (see :mod:`autograder.nbgrader_plugin`).
CONFIG_LINES = '''
# Formgrader's Autograde button and `nbgrader autograde` go through nnlab's trusted grader
# (a jailed kernel; function scores from the grader, never from the student's kernel).
c.Autograde.exporter_class = "autograder.nbgrader_plugin.TrustedAutogradeExporter"
'''

CONFIG_TEMPLATE = '''\
"""nbgrader configuration written by `nnlab course create`."""
import os

c = get_config()  # noqa: F821 (provided by traitlets)
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
# Parallel graders share this sqlite file: wait for a lock (seconds) rather than fail at once.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db") + "?timeout=120"

# Student code may hang: nbgrader interrupts a cell after this many seconds.
c.Execute.timeout = 120

# Students edit the nnlab package next to the notebook. nbgrader overwrites every submitted file
# that also exists in source/ with the source version, unless it is listed here: list them all.
c.Autograde.exclude_overwriting = {{}}
for lab in sorted(os.listdir(os.path.join(here, "source"))):
    package = os.path.join(here, "source", lab, "nnlab")
    c.Autograde.exclude_overwriting[lab] = sorted(
        os.path.relpath(os.path.join(folder, name), os.path.join(here, "source", lab))
        for folder, _, names in os.walk(package)
        for name in names
        if name.endswith(".py")
    )

# nnlab's feedback page: each graded function named, long diagnosis lines wrapped.
try:
    from autograder.feedback_html import configure as _nnlab_feedback_template
    _nnlab_feedback_template(c)
except ImportError:  # nnlab is not installed where nbgrader runs: nbgrader's own page
    pass
''' + CONFIG_LINES


# --------------------------------------------------------------------------------------------
# nbgrader access
# --------------------------------------------------------------------------------------------

def _ensure_venv_on_path() -> None:
    """nbgrader's first gradebook creation runs the ``alembic`` executable: make sure the one
    installed beside this interpreter is found even when the venv is not activated."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


#: Seconds nbgrader gives one cell under ``nnlab autograde``. In grading mode the notebook runs
#: none of the student's functions in its check cells and its experiment is tiny, so a cell that
#: takes longer is stuck in student code: interrupt it sooner than nbgrader's own default.
GRADING_CELL_TIMEOUT = 15


def nbgrader_api(course: Path, grading: bool = False, execute: bool = True):
    """An ``NbGraderAPI`` configured from the course's nbgrader_config.py.

    ``NbGraderAPI`` does not read nbgrader_config.py by itself; we load it explicitly. With
    ``grading`` and not ``execute``, its autograde imports a notebook without running it
    (:func:`autograder.execute_choice.fast_path_config`).
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    from .nbgrader_speedups import install
    install()
    _ensure_venv_on_path()
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").exists():
        raise SystemExit(f"{course} is not an nnlab course (no nbgrader_config.py). "
                         f"Create one with: nnlab course create {course}")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    if grading:
        from .nbgrader_plugin import TRUSTED_RUN_CONFIG
        config.Execute.timeout = GRADING_CELL_TIMEOUT
        for section, values in TRUSTED_RUN_CONFIG.items():   # this run is the trusted one
            for key, value in values.items():
                config[section][key] = value
        if not execute:
            from .execute_choice import fast_path_config
            fast_path_config(config)
        from nbgrader.converters import Autograde
        from .notebook_output import bound_outputs
        config.Autograde.autograde_preprocessors = bound_outputs(
            config.Autograde.get("autograde_preprocessors")
            or Autograde.class_traits()["autograde_preprocessors"].default())
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def gradebook(course: Path):
    from nbgrader.api import Gradebook
    _ensure_venv_on_path()
    from .course_checks import configured_course_id
    url = f"sqlite:///{Path(course).resolve() / 'gradebook.db'}?timeout=120"
    return Gradebook(url, course_id=configured_course_id(Path(course).resolve(), COURSE_ID))


@contextlib.contextmanager
def _in_directory(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send everything written to file descriptor 2 (nbgrader's log, SQLAlchemy warnings, the
    kernel's own stderr) to ``path``, so a class-sized run shows only its progress bar."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def _grading_environment():
    """``NNLAB_GRADING=1`` for the notebook kernel nbgrader starts: experiments shrink.

    BLAS threads are pinned to one: the lab's matrices are tiny, and on a 2-core machine two
    OpenBLAS threads made the notebook's training runs 5-20 times slower, not faster.
    """
    settings = {"NNLAB_GRADING": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1"}
    old = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --------------------------------------------------------------------------------------------
# create / release
# --------------------------------------------------------------------------------------------

def _copy_package(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                    dirs_exist_ok=True)


def create_course(directory: Path, force: bool = False, course_id: str | None = None) -> Path:
    """Lay out an nbgrader course: config, and for every lab ``source/<lab>/`` holding the
    notebook, the student package (stubs from lib/nnlab, never the reference) and the data.

    With ``force`` on an existing nbgrader course, its nbgrader_config.py is merged, not
    replaced: the old file is backed up, nnlab's settings come first and the TA's own settings
    follow (so they win), and the course id stays what it was unless ``course_id`` changes it
    (refused once the course has a gradebook: its grades belong to the old id).
    """
    directory = Path(directory).resolve()
    if directory.exists() and not directory.is_dir():
        raise SystemExit(f"{directory} is a file; pick a folder for the course.")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise SystemExit(f"{directory} exists and is not empty; use --force to reuse it "
                         f"(an existing nbgrader_config.py is merged and backed up).")
    if course_id is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", course_id):
        raise SystemExit(f"--course-id {course_id!r}: use letters, digits, '_', '.' and '-'.")
    directory.mkdir(parents=True, exist_ok=True)
    _write_course_config(directory, course_id)
    for lab_dir in sorted(p for p in NOTEBOOK_SOURCES.iterdir() if p.is_dir()):
        notebooks = sorted(lab_dir.glob("*.ipynb"))
        if not notebooks:
            continue
        target = directory / "source" / lab_dir.name
        target.mkdir(parents=True, exist_ok=True)
        for nb in notebooks:
            shutil.copy2(nb, target / nb.name)
        _copy_package(NNLAB_PACKAGE, target / "nnlab")
        (target / "data").mkdir(exist_ok=True)
        shutil.copy2(EMBEDDED_DATA, target / "data" / EMBEDDED_DATA.name)
    return directory


#: Everything below this line of a course's nbgrader_config.py is the TA's own: kept by
#: ``nnlab course create --force``.
KEPT_SETTINGS_MARK = "# ---- your own settings (kept by `nnlab course create --force`; they win) ----"
_COURSE_ID_LINE = re.compile(r"^(\s*)(c\.CourseDirectory\.course_id\s*=.*)$", re.MULTILINE)


def _write_course_config(directory: Path, course_id: str | None) -> None:
    """Write nbgrader_config.py; merge into (and back up) one that is already there."""
    from .course_checks import configured_course_id

    path = directory / "nbgrader_config.py"
    old = path.read_text() if path.exists() else None
    kept = ""
    if old is not None:
        current = configured_course_id(directory, COURSE_ID)
        if course_id and course_id != current and (directory / "gradebook.db").exists():
            raise SystemExit(f"{directory} is course {current!r} and has a gradebook: changing its "
                             f"id to {course_id!r} would detach every grade from it. Nothing "
                             f"was changed.")
        course_id = course_id or current
        if KEPT_SETTINGS_MARK in old:
            kept = old.split(KEPT_SETTINGS_MARK, 1)[1].lstrip("\n")
        elif old != CONFIG_TEMPLATE.format(course_id=current):
            kept = old     # the TA's own config, or an older nnlab one they may have edited: all
        # the id chosen here is the one that counts: the old file's own line is disabled
        kept = _COURSE_ID_LINE.sub(r"\1# (set above by nnlab course create) \2", kept)
    # the TA's section always ends the file, empty at first: settings written there are kept
    text = (CONFIG_TEMPLATE.format(course_id=course_id or COURSE_ID)
            + "\n" + KEPT_SETTINGS_MARK + "\n" + (kept if kept.strip() else ""))
    if old is not None and old != text:
        backup = path.with_name(f"nbgrader_config.py.{time.strftime('%Y%m%d-%H%M%S')}.bak")
        shutil.copy2(path, backup)
        print(f"Merged the existing nbgrader_config.py (backup: {backup.name}).")
    path.write_text(text)


def _notebook_points(path: Path) -> dict[str, float]:
    import nbformat
    nb = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"].get("points", 0))
            for cell in nb.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade")}


def sync_source_notebook(course: Path, lab: Lab) -> str | None:
    """Copy the lab's built notebook (assignments/source, rebuilt from labs.py) into the course's
    ``source/`` when they differ, keeping the course's old copy under
    ``nnlab_grading/backups/``; returns what changed, in one sentence (None: nothing to do)."""
    built = NOTEBOOK_SOURCES / lab.name / f"{lab.name}.ipynb"
    target = Path(course) / "source" / lab.name / f"{lab.name}.ipynb"
    if not built.exists() or not target.exists() or built.read_bytes() == target.read_bytes():
        return None
    old, new = _notebook_points(target), _notebook_points(built)
    changes = [f"{cell.removeprefix('check_')} {old.get(cell, 0):g} -> {new.get(cell, 0):g}"
               for cell in sorted(set(old) | set(new)) if old.get(cell) != new.get(cell)]
    backup = (Path(course) / STATUS_DIR / "backups"
              / f"{lab.name}.{time.strftime('%Y%m%dT%H%M%S')}.ipynb")
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target, backup)
    shutil.copy2(built, target)
    return (f"source/{lab.name}/{target.name} re-synced from the built notebook"
            + (f" (points: {', '.join(changes)})" if changes else "")
            + f"; the course's previous copy is in {backup}")


def release(course: Path, lab: Lab) -> Path:
    """Re-sync the course's source notebook from the built one (a points change in labs.py
    reaches the course this way), ``nbgrader generate_assignment``, then make sure no reference
    code reached the release."""
    synced = sync_source_notebook(course, lab)
    if synced:
        print(synced, file=sys.stderr)
    api = nbgrader_api(course)
    with _in_directory(Path(course)):
        result = api.generate_assignment(lab.name)
    if not result["success"]:
        raise SystemExit(f"nbgrader could not release {lab.name}:\n{result.get('error') or result.get('log')}")
    released = Path(course).resolve() / "release" / lab.name
    leaks = [p for p in released.rglob("*.py") if "### BEGIN SOLUTION" in p.read_text(errors="replace")]
    if leaks:
        shutil.rmtree(released)
        raise SystemExit(f"Refusing to release {lab.name}: solution regions found in {leaks}")
    return released


# --------------------------------------------------------------------------------------------
# autograde
# --------------------------------------------------------------------------------------------

@dataclass
class SubmissionOutcome:
    student: str
    status: str
    score: float
    max_score: float
    functions: dict = field(default_factory=dict)   # name -> [score, max_score]
    detail: str = ""
    fingerprint: str = ""
    elapsed: float = 0.0
    # a TA's score for a function, set in formgrader (nbgrader's Grade.manual_score on the
    # check_<function> cell): name -> {"grader": trusted score, "override": what counts}
    overrides: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)     # grade_id -> sha256 of a written answer
    seconds_late: float = 0.0
    late_penalty: float = 0.0

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1)


def _read_files(folder: Path) -> dict[str, bytes]:
    """Every file of a submission folder as ``{path relative to it: bytes}`` (no caches, no
    symbolic links), in sorted order."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(Path(folder).rglob("*"))
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts}


def _files_digest(files: dict[str, bytes]) -> str:
    """A hash of a submission's files (see :func:`_read_files`)."""
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(name.encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _fingerprint(folder: Path) -> str:
    """A hash of every file in a submission: re-grading is skipped only if nothing changed."""
    return _files_digest(_read_files(folder))


_GRADER_FILES = ("autograder/hidden", "autograder/sandbox", "autograder/grade.py",
                 "autograder/diagnose.py", "autograder/labs.py", "solutions/nnlab")
_grader_digest = None


def grader_fingerprint() -> str:
    """A hash of everything that decides a score (hidden checks, grader, reference): a grade
    recorded by another version of the grader is not reused on a re-run."""
    global _grader_digest
    if _grader_digest is None:
        digest = hashlib.sha256()
        for name in _GRADER_FILES:
            root = REPO_ROOT / name
            files = [root] if root.is_file() else sorted(root.rglob("*.py")) + sorted(root.rglob("*.json"))
            for path in files:
                digest.update(str(path.relative_to(REPO_ROOT)).encode())
                digest.update(path.read_bytes())
        _grader_digest = digest.hexdigest()[:16]
    return _grader_digest


def _status_path(course: Path, lab: Lab, student: str) -> Path:
    return Path(course) / STATUS_DIR / lab.name / f"{student}.json"


def read_outcome(course: Path, lab: Lab, student: str) -> SubmissionOutcome | None:
    path = _status_path(course, lab, student)
    if not path.exists():
        return None
    return SubmissionOutcome(**json.loads(path.read_text()))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


#: When a submission has several problems, the status shown is the first of these it has.
STATUS_PRIORITY = ("missing_package", "invalid_notebook", "missing_notebook", "kernel_died",
                   "symlinks_removed", "cells_missing", "cells_duplicated", "notebook_error",
                   "import_error", "grader_error")


def _remove_symlinks(submission: Path) -> list[str]:
    """Delete symbolic links from a collected submission, before anything reads it as root.

    A link is the one thing a student can hand in that is not their own work: ``layers.py ->
    /course/solutions/layers.py`` would otherwise be followed by nbgrader's copy (as root) and
    come back to the student inside their feedback folder.
    """
    removed = []
    for path in sorted(submission.rglob("*")):
        if path.is_symlink():
            removed.append(str(path.relative_to(submission)))
            path.unlink()
    return removed


def _grade_ids(notebook) -> list[str]:
    return [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


@functools.lru_cache(maxsize=None)
def _released_grade_ids(source: str) -> frozenset:
    """The graded cells of the lab as released (read once per process, not per submission)."""
    import nbformat
    path = Path(source)
    return frozenset(_grade_ids(nbformat.read(path, as_version=4))) if path.exists() else frozenset()


def _notebook_problems(course: Path, submission: Path, lab: Lab) -> list[tuple[str, str]]:
    """What is wrong with the submitted notebook, as (status, detail) pairs; [] if nothing."""
    import nbformat
    notebook = submission / f"{lab.name}.ipynb"
    if not notebook.exists():
        return [("missing_notebook", f"{lab.name}.ipynb is not in the submission")]
    try:
        with warnings.catch_warnings():   # a duplicated cell id is reported below, not warned
            warnings.simplefilter("ignore")
            submitted = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # not JSON, or JSON that is no notebook
        return [("invalid_notebook", f"{lab.name}.ipynb cannot be read: {type(exc).__name__}: "
                                     f"{str(exc).splitlines()[0][:200] if str(exc) else ''}")]
    problems = []
    expected = _released_grade_ids(str(Path(course) / "source" / lab.name / f"{lab.name}.ipynb"))
    ids = _grade_ids(submitted)
    missing = sorted(expected - set(ids))
    if missing:
        problems.append(("cells_missing", "graded cells missing or renamed: " + ", ".join(missing)))
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        problems.append(("cells_duplicated", "graded cells duplicated: " + ", ".join(duplicated)))
    return problems


def _answer_hashes(submission: Path, lab: Lab) -> dict:
    """``{grade_id: sha256 of its source}`` of the graded cells that are not function checks
    (the written answers a TA marks by hand); {} when the notebook cannot be read."""
    import nbformat
    checks = {f.grade_cell_id for f in lab.functions}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.read(submission / f"{lab.name}.ipynb", as_version=4)
    except Exception:
        return {}
    return {cell.metadata["nbgrader"]["grade_id"]: hashlib.sha256(cell.source.encode()).hexdigest()
            for cell in nb.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in (None, *checks)
            and cell.metadata["nbgrader"].get("grade")}


def read_overrides(course: Path, lab: Lab, student: str) -> dict:
    """The functions whose score a TA set in formgrader: ``{name: {"grader": auto_score,
    "override": manual_score}}``, read from the gradebook (nbgrader's ``Grade.score`` is the
    manual score when there is one)."""
    with gradebook(course) as gb:
        return _overrides(lab, _grades_by_cell(gb, lab, student))


def _overrides(lab: Lab, grades: dict) -> dict:
    """:func:`read_overrides` of the student's grades as loaded (``{grade cell id: Grade}``)."""
    return {function.name: {"grader": grades[function.grade_cell_id].auto_score,
                            "override": grades[function.grade_cell_id].manual_score}
            for function in lab.functions
            if function.grade_cell_id in grades
            and grades[function.grade_cell_id].manual_score is not None}


def _grades_by_cell(gb, lab: Lab, student: str) -> dict:
    """``{grade cell id: nbgrader Grade}`` of the student's lab notebook, in one query (instead
    of one per function); empty when the submission is not in the gradebook."""
    from nbgrader.api import MissingEntry
    try:
        notebook = gb.find_submission_notebook(lab.name, lab.name, student)
    except MissingEntry:
        return {}
    return {grade.name: grade for grade in notebook.grades}


def _record_scores(course: Path, lab: Lab, student: str, report, coursedir=None,
                   previous: SubmissionOutcome | None = None, answers: dict | None = None,
                   submission_changed: bool = True) -> dict:
    """Write the trusted grader's function scores into the gradebook's check_<function> cells;
    returns the overrides that stand (see :class:`SubmissionOutcome`).

    What course staff wrote is kept. A score a TA gave a function in formgrader is nbgrader's
    ``manual_score`` on that cell: it overrides the grader's ``auto_score`` and survives every
    regrade (flagged for review only when the student's files changed). A marked written answer
    whose text is the one marked before stays marked (nbgrader flags every manually scored cell
    again after a regrade). No grade is ever left above its cell's maximum.
    """
    from .late import record_timestamp
    from .score_integrity import clamp_submission

    notebook_id = lab.name
    unchanged = {gid for gid, digest in (answers or {}).items()
                 if previous is not None and previous.answers.get(gid) == digest}
    checks = {f.grade_cell_id for f in lab.functions}
    with gradebook(course) as gb:
        gb.update_or_create_student(student)   # nbgrader skips a submission with no notebook
        gb.update_or_create_submission(lab.name, student)
        if coursedir is not None:
            record_timestamp(gb, coursedir, lab.name, student,
                             Path(course) / "submitted" / student / lab.name)
        grades = _grades_by_cell(gb, lab, student)
        for result in report.functions:
            grade = grades.get(f"check_{result.name}") or gb.find_grade(
                f"check_{result.name}", notebook_id, lab.name, student)   # MissingEntry: say so
            grade.auto_score = min(float(result.score), float(grade.max_score or 0.0))
            if grade.manual_score is not None:
                grade.needs_manual_grade = submission_changed
            else:
                grade.needs_manual_grade = False
        for grade in grades.values():
            if (grade.name not in checks and grade.manual_score is not None
                    and grade.name in unchanged):
                grade.needs_manual_grade = False
        clamp_submission(gb, lab.name, student, commit=False)
        overrides = _overrides(lab, grades)    # as written: read before the commit expires them
        gb.db.commit()                         # one transaction for every score of the submission
    return overrides


#: Where the grader did not re-run the notebook, the outputs a student handed in are shown as theirs.
NOT_RERUN_NOTE = ("**This notebook was not re-run by the grader.** Your scores come from the "
                  "trusted grader, shown in each `check_` cell. Every other output below is the "
                  "one you submitted, marked *your output, as submitted*.")
STUDENT_OUTPUT_MARK = "your output, as submitted (not re-run by the grader):"


def _mark_student_outputs(nb, checks: set) -> None:
    """Fast path: a note on top, and a mark above every output the grader did not produce."""
    import nbformat
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id in checks or not cell.get("outputs"):
            continue
        mark = nbformat.v4.new_output(
            "display_data",
            data={"text/plain": f"[{STUDENT_OUTPUT_MARK}]",
                  "text/html": f'<p class="nnlab-student-output"><em>&#9656; {STUDENT_OUTPUT_MARK}'
                               f'</em></p>'})
        cell.outputs = [mark, *cell.outputs]
        cell.metadata["nnlab_outputs"] = "student"
    note = nbformat.v4.new_markdown_cell(NOT_RERUN_NOTE, metadata={"nnlab_note": "not_rerun"})
    nb.cells.insert(0, note)


def _patch_autograded_notebook(course: Path, lab: Lab, student: str, report,
                               executed: bool = True) -> None:
    """Replace what the student's kernel printed in each check_<function> cell by the trusted
    grader's verdict, so the feedback shows the score that counts and why. When the notebook
    was not re-run (``executed`` False), mark the student's own outputs as theirs."""
    import nbformat
    path = Path(course) / "autograded" / student / lab.name / f"{lab.name}.ipynb"
    if not path.exists():
        return
    nb = nbformat.read(path, as_version=4)
    by_cell = {f"check_{r.name}": r for r in report.functions}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in by_cell:
            r = by_cell[grade_id]
            verdict = "passed" if r.score >= r.max_score else "did not pass"
            text = (f"Trusted grader: {r.name} {verdict} — {r.score:g} / {r.max_score:g} points\n"
                    + "".join(f"  • {m}\n" for m in r.messages))
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    if not executed:
        _mark_student_outputs(nb, set(by_cell))
    mode = path.stat().st_mode
    path.chmod(mode | 0o200)   # nbgrader leaves autograded files read-only
    nbformat.write(nb, path)
    path.chmod(mode)


def _classify_nbgrader_failure(result: dict) -> str:
    text = (result.get("log") or "") + (result.get("error") or "")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text.lower():
        return "kernel_died"
    if "NotJSONError" in text or "not valid JSON" in text or "Notebook does not appear to be JSON" in text:
        return "invalid_notebook"
    return "notebook_error"


@dataclass
class Ticket:
    """What the coordinator knows of a submission it is about to grade (see :func:`open_submission`)."""
    student: str
    fingerprint: str          # "<files digest>:<grader fingerprint>"
    previous: SubmissionOutcome | None
    links: list               # symbolic links removed from the submission
    submission_changed: bool  # its files differ from the ones graded last time
    started: float
    execute: bool = True      # nbgrader re-runs the notebook (False: the fast path)
    files: dict = None        # the submission's files as fingerprinted: what is graded


def open_submission(course: Path, lab: Lab, student: str, force: bool = False,
                    execute: bool = True):
    """Coordinator, before grading a submission: remove its symbolic links and fingerprint it.

    Returns the recorded :class:`SubmissionOutcome` when it can be reused (same files, same
    grader, nothing forced), else a :class:`Ticket`; from then on the student counts as not
    graded (their status file is removed) until :func:`record_outcome` writes the new one.
    """
    course = Path(course).resolve()
    submission = course / "submitted" / student / lab.name
    links = _remove_symlinks(submission)
    # read once: the files graded are the files fingerprinted, even if the folder changes meanwhile
    files = _read_files(submission)
    # a grade from the other path is not reused: whoever asks for a run wants its statuses
    fingerprint = f"{_files_digest(files)}:{grader_fingerprint()}" + ("" if execute else ":fast")
    previous = read_outcome(course, lab, student)
    if previous and previous.fingerprint == fingerprint and not force and is_final(previous):
        overrides = read_overrides(course, lab, student)   # a TA may have set one since
        if overrides != previous.overrides:
            previous.overrides = overrides
            _write_atomically(_status_path(course, lab, student), previous.to_json())
        return previous
    # From here until the new status is written this student counts as not graded: a run
    # interrupted or killed in between grades them again, never keeps a half-written grade.
    _status_path(course, lab, student).unlink(missing_ok=True)
    files_digest = fingerprint.split(":")[0]
    submission_changed = previous is None or previous.fingerprint.split(":")[0] != files_digest
    return Ticket(student, fingerprint, previous, links, submission_changed, time.perf_counter(),
                  execute, files)


def _unpack(files: dict, root: Path) -> None:
    """Write ``files`` (see :func:`_read_files`) under ``root``, refusing any path that
    would land outside it."""
    for relative, data in files.items():
        path = (root / relative).resolve()
        if not path.is_relative_to(root.resolve()) or Path(relative).is_absolute():
            raise ValueError(f"refusing a submission path outside the submission: {relative!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def grade_submission_files(lab, files: dict, execute: bool = False) -> dict:
    """The compute step of grading one submission; pure, so it may run on any worker, twice.

    ``files`` is the submission (``{relative path: bytes}``), unpacked into a private temporary
    folder; the trusted grader (:func:`autograder.grade.grade_submission`, which runs the
    student's package in its jailed worker) scores it. No course directory, no gradebook.

    Returns plain data: ``{"report": GradeReport.to_dict() plus "grader_errors", "notebook":
    None, "problems": [[status, detail], ...], "grader": grader_fingerprint()}``.

    ``execute``: running the notebook needs nbgrader's course directory, so it stays on the
    coordinator (:func:`record_outcome`); a worker is never asked to.
    """
    import tempfile
    from .grade import grade_submission

    if execute:
        raise ValueError("the notebook is executed by the coordinator (record_outcome), "
                         "not by a grading worker")
    lab = get_lab(lab) if isinstance(lab, str) else lab
    with tempfile.TemporaryDirectory(prefix="nnlab-grade-") as scratch:
        root = Path(scratch) / lab.name
        root.mkdir()
        _unpack(files, root)
        report = grade_submission(root, lab)
    problems = []
    if report.status != "ok":
        problems.append([report.status, " ".join(report.messages)[:500]])
    errors = list(getattr(report, "grader_errors", None) or [])
    if errors:   # the cause, for the staff (status + CLI)
        from .errors import summarize_grader_errors
        problems.append(["grader_error", "; ".join(summarize_grader_errors(errors))[:1500]])
    return {"report": {**report.to_dict(), "grader_errors": errors}, "notebook": None,
            "problems": problems, "grader": grader_fingerprint()}


def report_from_results(results: dict):
    """The :class:`autograder.grade.GradeReport` a compute step returned as plain data."""
    from .grade import FunctionResult, GradeReport
    data = results["report"]
    report = GradeReport(data["lab"], data["submission"], data["status"],
                         [FunctionResult(**f) for f in data["functions"]], data["total"],
                         data["max_total"], data["elapsed"], list(data["messages"]),
                         environment=dict(data["environment"]))
    report.grader_errors = list(data.get("grader_errors") or [])
    return report


def _run_nbgrader(course: Path, lab: Lab, student: str, api, problems: list,
                  execute: bool = True) -> None:
    """nbgrader autograde of one submission, its kernel jailed; appends what went wrong to
    ``problems``. It runs even for a broken notebook: it creates the submission in the
    gradebook. The kernel runs jailed (autograder.sandbox.isolation): its own uid, the course,
    the repository and the gradebook out of sight, no network, limits, every process reaped."""
    from .sandbox.isolation import kernel_sandbox

    log = course / STATUS_DIR / lab.name / f"{student}.nbgrader.log"
    log.unlink(missing_ok=True)
    # nbgrader runs even for a broken notebook: it creates the submission in the gradebook.
    if execute:
        # Its kernel runs jailed (autograder.sandbox.isolation): its own uid, the course, the
        # repository and the gradebook out of sight, no network, limits, every process reaped.
        with kernel_sandbox(course, student, lab.name) as jail, \
                _in_directory(course), _grading_environment(), _stderr_to(log):
            jail.configure(api)
            result = api.autograde(lab.name, student, force=True, create=True)
    else:
        # no kernel: nbgrader only reads the notebook, as it does on every path
        with _in_directory(course), _stderr_to(log):
            result = api.autograde(lab.name, student, force=True, create=True)
    stop_if_interrupted()      # nbgrader catches KeyboardInterrupt: it is not the student's fault
    with open(log, "a") as fh:
        fh.write(result.get("log") or "")
        fh.write(result.get("error") or "")
    unreadable = any(p[0] in ("invalid_notebook", "missing_notebook") for p in problems)
    if not result["success"] and not unreadable:
        last_line = ((result.get("error") or "").strip().splitlines() or [""])[-1]
        problems.append((_classify_nbgrader_failure(result), last_line[:300]))


def record_outcome(course: Path, lab: Lab, student: str, results: dict, ticket: Ticket,
                   api=None) -> SubmissionOutcome:
    """The record step, on the coordinator only: nbgrader runs the notebook and imports it into
    the gradebook, the trusted scores (``results`` of :func:`grade_submission_files`) overwrite
    its check cells, nbgrader's late policy is applied, a TA's overrides stand, the autograded
    notebook shows the trusted verdicts, and the status file is written, atomically, last."""
    course = Path(course).resolve()
    submission = course / "submitted" / student / lab.name
    problems = _notebook_problems(course, submission, lab)
    if ticket.links:
        problems.append(("symlinks_removed", "symbolic links are not accepted and were removed: "
                         + ", ".join(ticket.links)))
    api = api or nbgrader_api(course, grading=True, execute=ticket.execute)
    _run_nbgrader(course, lab, student, api, problems, execute=ticket.execute)

    report = report_from_results(results)
    stop_if_interrupted()      # so does pytest, which runs the hidden checks
    problems += [tuple(p) for p in results["problems"]]
    problems.sort(key=lambda p: STATUS_PRIORITY.index(p[0]) if p[0] in STATUS_PRIORITY else 99)
    answers = _answer_hashes(submission, lab)
    log = course / STATUS_DIR / lab.name / f"{student}.nbgrader.log"
    with _stderr_to(log):
        overrides = _record_scores(course, lab, student, report, coursedir=api.coursedir,
                                   previous=ticket.previous, answers=answers,
                                   submission_changed=ticket.submission_changed)
        # nbgrader's late policy, now that every score it applies to is written
        penalty, seconds_late = apply_late_penalty(api.config, api.coursedir.db_url, lab.name,
                                                   student)
    _patch_autograded_notebook(course, lab, student, report, executed=ticket.execute)
    _write_atomically(course / STATUS_DIR / lab.name / f"{student}.report.txt", report.to_text())

    outcome = SubmissionOutcome(
        student=student, status=problems[0][0] if problems else "graded",
        score=round(report.total, 4), max_score=report.max_total,
        functions={r.name: [r.score, r.max_score] for r in report.functions},
        detail=" | ".join(f"{status}: {text}" for status, text in problems),
        fingerprint=ticket.fingerprint, elapsed=round(time.perf_counter() - ticket.started, 2),
        overrides=overrides, answers=answers, seconds_late=round(seconds_late, 1),
        late_penalty=round(penalty, 4),
    )
    stop_if_interrupted()
    # Written last and atomically: a run killed before this line regrades this student.
    _write_atomically(_status_path(course, lab, student), outcome.to_json())
    return outcome


def autograde_one(course: Path, lab: Lab, student: str, api=None, force: bool = False,
                  execute: bool = True) -> SubmissionOutcome:
    """Grade one student's submission; resumable and idempotent (see module docstring):
    :func:`open_submission`, :func:`grade_submission_files` here, :func:`record_outcome`.

    With ``execute`` False (the fast path, :mod:`autograder.execute_choice`) nbgrader imports
    the notebook without running it: no kernel, so no jail is needed; the scores are the same.
    ``api`` must then be one made with ``nbgrader_api(course, grading=True, execute=False)``.
    """
    course = Path(course).resolve()
    ticket = open_submission(course, lab, student, force, execute)
    if isinstance(ticket, SubmissionOutcome):
        return ticket
    results = grade_submission_files(lab, ticket.files)
    stop_if_interrupted()
    return record_outcome(course, lab, student, results, ticket, api=api)


def grader_error_outcome(course: Path, lab: Lab, student: str, exc: BaseException) -> SubmissionOutcome:
    """The outcome of a submission the grader itself failed on, recorded with no fingerprint (a
    re-run grades it again): the gradebook table and the CSV then say "grader_error" and why,
    not "not graded"."""
    from .errors import describe_exception
    outcome = SubmissionOutcome(student=student, status="grader_error", score=0.0,
                                max_score=lab.max_points, detail=describe_exception(exc)[:1500])
    with contextlib.suppress(OSError):
        _write_atomically(_status_path(Path(course), lab, student), outcome.to_json())
    return outcome


def is_final(outcome: SubmissionOutcome) -> bool:
    """Whether a recorded outcome may be reused by a re-run. A failure of the grader, or
    anything an interruption of the grader caused (statuses written before nnlab caught
    Ctrl-C), is graded again."""
    return (outcome.status != "grader_error" and "grader_error:" not in (outcome.detail or "")
            and "KeyboardInterrupt" not in (outcome.detail or ""))


def submitted_students(course: Path, lab: Lab) -> list[str]:
    root = Path(course) / "submitted"
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if (p / lab.name).is_dir())


_WORKER_API = {}


def _start_pool_worker() -> None:
    """Initializer of a pool process: Ctrl-C stops its submission and records nothing."""
    from .course_lock import catch_interrupts
    catch_interrupts()


def _grade_in_worker(course: str, lab_name: str, student: str, force: bool,
                     also_force: frozenset = frozenset(), execute: bool = True) -> SubmissionOutcome:
    """Entry point of a pool process: one NbGraderAPI per process, reused across submissions."""
    stop_if_interrupted()      # a submission queued before Ctrl-C is not started after it
    lab = get_lab(lab_name)
    if (course, execute) not in _WORKER_API:
        _WORKER_API[course, execute] = nbgrader_api(Path(course), grading=True, execute=execute)
    try:
        return autograde_one(Path(course), lab, student, api=_WORKER_API[course, execute],
                             force=force or student in also_force, execute=execute)
    except Exception as exc:  # keep the pool alive; the student is reported, not lost
        stop_if_interrupted()  # an error caused by Ctrl-C is not the submission's
        return grader_error_outcome(Path(course), lab, student, exc)


def _check_grader_importable() -> None:
    """Import the trusted grader once before grading a class: when the environment lacks one of
    its dependencies, say so once, with the cause, rather than fail every submission alike."""
    from .errors import GraderFailed, describe_exception
    try:
        from . import grade  # noqa: F401 (pytest, the hidden checks' runner)
        from .sandbox import isolation  # noqa: F401
    except Exception as exc:
        raise GraderFailed(f"the trusted grader cannot start: {describe_exception(exc)}") from exc


def _check_gradebook(course: Path, lab: Lab) -> set:
    """Before grading: stop if the released lab's points and labs.py disagree; reset any score
    above its cell's maximum (written by something other than nnlab) and say so. Returns the
    students whose grades were reset: they are graded again even if their files did not change."""
    from .score_integrity import check_released_points, repair_over_max
    with gradebook(course) as gb:
        check_released_points(gb, lab, course)
        repaired = repair_over_max(gb, lab.name)
    if repaired:
        print(f"Repaired the gradebook: {len(repaired)} score(s) of {lab.name} were above their "
              f"cell's maximum (not written by nnlab's grader) and were reset; those students are "
              f"graded again:\n  " + "\n  ".join(map(str, repaired[:20]))
              + ("\n  ..." if len(repaired) > 20 else ""), file=sys.stderr)
    return {r.student for r in repaired}


def _warn_if_formgrader_unguarded(course: Path) -> None:
    """A course created before nnlab plugged itself into nbgrader's autograde: say how to."""
    config = (course / "nbgrader_config.py").read_text(errors="replace")
    if "TrustedAutogradeExporter" not in config:
        print("Warning: in this course, formgrader's Autograde button and `nbgrader autograde` "
              "run the student's notebook unjailed and take scores from it. Add these lines to "
              f"{course / 'nbgrader_config.py'} to route them through nnlab:" + CONFIG_LINES,
              file=sys.stderr)


def autograde(course: Path, lab: Lab, students=None, force: bool = False, progress: bool = True,
              workers: int = 1, wait: float = 0.0, execute: bool | None = None,
              scheduler: str | None = None):
    """Grade every submission (or ``students``), ``workers`` at a time, with a progress bar.

    ``execute``: re-run each notebook (True), import it without running it (False, the fast
    path), or the course's choice for the lab (None; :mod:`autograder.execute_choice`).
    ``scheduler``: the address of a Dask scheduler to send the work to (the distributed engine).

    Each submission is graded in one pool process from start to finish; the gradebook (sqlite,
    with a lock timeout) serialises the short writes. Finished submissions are skipped on a
    re-run (see :func:`autograde_one`), so a run killed half-way is resumed by running it again.
    One run per course at a time (:func:`autograder.course_lock.course_lock`; ``wait``: seconds
    to wait for another). Ctrl-C stops the run promptly and records nothing for the submissions
    in flight.

    ``scheduler``: grade on a Dask cluster instead (``"tcp://host:8786"``, or ``"local"`` for a
    cluster of ``workers`` processes on this machine): see :mod:`autograder.distributed`.
    """
    from tqdm import tqdm

    course = Path(course).resolve()
    ready_to_grade(course, lab)     # a released lab in a real course, or a clear error
    from .execute_choice import resolve_execute
    execute = resolve_execute(course, lab.name, execute)
    students = students or submitted_students(course, lab)
    if not students:
        print(f"No submissions of {lab.name} in {course / 'submitted'}.")
        return []
    _check_grader_importable()
    nbgrader_api(course)   # fail early on a bad course, and let alembic create the gradebook once
    _warn_if_formgrader_unguarded(course)
    with course_lock(course, wait=wait), interrupts_caught():
        with gradebook(course):
            pass
        also_force = frozenset(_check_gradebook(course, lab))
        bar = tqdm(total=len(students), unit="submission",
                   desc=f"Grading {lab.name}" + ("" if execute else " (fast path)"),
                   disable=not progress)
        outcomes = {}
        try:
            if scheduler:
                from .distributed import grade_on_cluster
                grade_on_cluster(course, lab, students, force, also_force, scheduler, workers,
                                 outcomes, bar, execute=execute)
            elif workers <= 1:
                for student in students:
                    bar.set_postfix_str(student)
                    outcomes[student] = _grade_in_worker(str(course), lab.name, student, force,
                                                         also_force, execute)
                    bar.update()
            else:
                _grade_in_pool(course, lab, students, force, also_force, workers, outcomes, bar,
                               execute)
        except KeyboardInterrupt:
            note_interrupt()
            bar.close()
            print(f"\nInterrupted: {len(outcomes)} of {len(students)} submissions were graded and "
                  f"recorded; nothing was recorded for the others. Run the same command again "
                  f"to grade them.", file=sys.stderr)
            raise
        bar.close()
    return [outcomes[s] for s in students]


def _grade_in_pool(course, lab, students, force, also_force, workers, outcomes, bar,
                   execute: bool = True) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import multiprocessing
    import signal

    # "spawn": a fresh interpreter per pool process, no sqlite handles inherited via fork.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_start_pool_worker)
    try:
        futures = {pool.submit(_grade_in_worker, str(course), lab.name, s, force, also_force,
                               execute): s
                   for s in students}
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.student] = outcome
            bar.set_postfix_str(outcome.student)
            bar.update()
    except BaseException:
        # Ctrl-C (or a failure here): stop the workers now rather than let the pool finish the
        # class. They were sent SIGINT with us when Ctrl-C came from the terminal; send it again
        # for a lone `kill -INT`: each abandons its submission unrecorded and cleans up its jail.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                if process.is_alive():
                    os.kill(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 20
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
        raise
    pool.shutdown(wait=True)


# --------------------------------------------------------------------------------------------
# feedback (export and the gradebook table: autograder/export.py)
# --------------------------------------------------------------------------------------------

def feedback(course: Path, lab: Lab) -> list[Path]:
    """nbgrader's HTML feedback (nnlab's template: functions named, long lines wrapped), plus the
    trusted grader's full report beside it. Every feedback folder gets the submission's
    ``timestamp.txt`` and ``submission_secret.txt``, which ``nbgrader release_feedback`` needs
    (LMS-collected courses of older nnlab versions lacked them: repaired here)."""
    from .course_checks import require_course

    course = require_course(course)
    api = feedback_api(course)
    written = []
    for student in submitted_students(course, lab):
        target = feedback_one(course, lab, student, api)
        if target is not None:
            written.append(target)
    return written


def feedback_api(course: Path):
    """An ``NbGraderAPI`` that writes feedback with nnlab's template."""
    from traitlets.config import Config
    from .feedback_html import configure as use_nnlab_template

    api = nbgrader_api(course)
    template = Config()
    use_nnlab_template(template)
    api.update_config(template)
    return api


def feedback_one(course: Path, lab: Lab, student: str, api) -> Path | None:
    """One student's feedback (see :func:`feedback`); returns its folder, None if not graded."""
    from .course_checks import repair_feedback_files

    course = Path(course).resolve()
    target = course / "feedback" / student / lab.name
    if (course / "autograded" / student / lab.name).exists():
        with _in_directory(course):
            result = api.generate_feedback(lab.name, student, force=True)
        if not result["success"]:
            print(f"nbgrader could not write feedback for {student}: "
                  f"{(result.get('error') or '').strip().splitlines()[-1:]}", file=sys.stderr)
        repair_feedback_files(course, lab, student)
    report = course / STATUS_DIR / lab.name / f"{student}.report.txt"
    if not report.exists():
        return None
    target.mkdir(parents=True, exist_ok=True)
    outcome = read_outcome(course, lab, student)
    note = ""
    if outcome and outcome.status != "graded":
        note = (f"Note from the grader: {STATUS_TEXT.get(outcome.status, outcome.status)}.\n"
                f"Details: {outcome.detail}\n\n")
    (target / "nnlab_report.txt").write_text(note + report.read_text())
    return target


# --------------------------------------------------------------------------------------------
# CLI handlers
# --------------------------------------------------------------------------------------------

def cli_create(args) -> int:
    course = create_course(Path(args.directory), force=args.force, course_id=args.course_id)
    print(f"Created the nbgrader course in {course}. Next: nnlab release 01_layers --course {course}")
    return 0


def cli_release(args) -> int:
    lab = get_lab(args.lab)
    released = release(Path(args.course), lab)
    print(f"Released {lab.name} to {released}")
    return 0


def cli_autograde(args) -> int:
    lab = get_lab(args.lab)
    execute = getattr(args, "execute", None)
    if getattr(args, "watch", False):
        from .watch import watch
        return watch(Path(args.course), lab, poll=args.poll, max_per_day=args.max_per_day,
                     execute=execute, wait=getattr(args, "wait", 0.0))
    outcomes = autograde(Path(args.course), lab, students=args.student, force=args.force,
                         workers=args.workers, wait=getattr(args, "wait", 0.0),
                         execute=execute, scheduler=getattr(args, "scheduler", None))
    for o in outcomes:
        notes = [f"override {name}: {v['override']:g} (grader {v['grader']:g})"
                 for name, v in sorted(o.overrides.items())]
        if o.seconds_late > 0:
            notes.append(f"{o.seconds_late:g} s late, penalty {o.late_penalty:g}")
        print(f"{o.student:<22}{o.score:>7.2f} / {o.max_score:g}  {STATUS_TEXT.get(o.status, o.status)}"
              + (f"  [{'; '.join(notes)}]" if notes else ""))
    failed = report_grader_errors(outcomes, "nnlab autograde")
    return 3 if failed else 0


def report_grader_errors(outcomes, prefix: str) -> list:
    """Print, on stderr, why the grader failed on each submission it failed on; return those."""
    failed = [o for o in outcomes if o.status == "grader_error" or "grader_error:" in (o.detail or "")]
    if failed:
        print(f"{prefix}: the grader failed on {len(failed)} of {len(outcomes)} submission(s); "
              f"rerun after fixing the cause to grade them:", file=sys.stderr)
        for o in failed:
            print(f"  {o.student}: {o.detail}", file=sys.stderr)
    return failed


def cli_feedback(args) -> int:
    lab = get_lab(args.lab)
    written = feedback(Path(args.course), lab)
    print(f"Feedback written for {len(written)} students under {Path(args.course).resolve() / 'feedback'}")
    return 0

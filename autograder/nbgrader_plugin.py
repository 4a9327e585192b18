"""nbgrader's own ways to autograde, routed through nnlab's trusted grader.

Formgrader's *Autograde* button (``NbGraderAPI.autograde``) and ``nbgrader autograde`` both run
nbgrader's ``Autograde`` converter with the course's nbgrader_config.py. Left alone, it runs the
student's notebook in an unjailed kernel and takes the check cells' scores from that kernel: a
hostile notebook writes whatever it likes into the gradebook. ``nnlab course create`` writes
this into the course configuration::

    c.Autograde.exporter_class = "autograder.nbgrader_plugin.TrustedAutogradeExporter"

The converter builds its exporter after finding the submissions and before it touches any
file or the gradebook. :class:`TrustedAutogradeExporter` is that moment: it hands the
submission(s) to ``nnlab autograde`` (a separate process, which jails the kernel and scores the
functions itself) and leaves nbgrader's stock pipeline nothing to do. A request it cannot hand
over (a pattern of assignments) is refused, with the command to run instead, before anything is
changed. ``nnlab autograde`` configures the stock exporter for its own, jailed, nbgrader run
(:data:`TRUSTED_RUN_CONFIG`).
"""
from __future__ import annotations

import glob
import re
import subprocess
import sys

from nbgrader.converters import Autograde

#: nbgrader's own exporter for its Autograde converter (nbconvert's ``NotebookExporter``).
NotebookExporter = Autograde.class_traits()["exporter_class"].default_value

#: What ``nnlab autograde`` sets on its own nbgrader configuration: its run IS the trusted one.
TRUSTED_RUN_CONFIG = {"Autograde": {"exporter_class": NotebookExporter}}

PROGRESS_BAR = re.compile(r"\d+%\|")     # tqdm's lines: no use in nbgrader's log

#: Seconds the handed-over run waits for another grading run of the course to finish (the
#: formgrader request blocks meanwhile; past it the button says which run holds the course).
LOCK_WAIT = 30


class TrustedAutogradeError(Exception):
    """nbgrader's autograde was refused, or the trusted run it was handed to failed."""


def nnlab_command(course: str, assignment: str, student: str | None, force: bool) -> list[str]:
    """The ``nnlab autograde`` command that grades what nbgrader was asked to grade."""
    command = [sys.executable, "-m", "autograder.cli", "autograde", assignment,
               "--course", course, "--wait", str(LOCK_WAIT)]
    if student:
        command += ["--student", student]
    if force:
        command.append("--force")
    return command


def _is_pattern(text: str) -> bool:
    return not text or glob.has_magic(text)


class TrustedAutogradeExporter(NotebookExporter):
    """The exporter of nbgrader's ``Autograde`` converter in an nnlab course: hands the
    grading to ``nnlab autograde`` and leaves the converter no notebook to convert itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        converter = self.parent
        if converter is None or not hasattr(converter, "coursedir"):
            raise TrustedAutogradeError("nnlab's exporter only runs inside nbgrader's Autograde")
        self._hand_over(converter)

    def _hand_over(self, converter) -> None:
        coursedir = converter.coursedir
        assignment, student = coursedir.assignment_id, coursedir.student_id
        course = coursedir.root
        if _is_pattern(assignment):
            raise TrustedAutogradeError(
                "This is an nnlab course: its labs are graded by nnlab's trusted grader, not by "
                "nbgrader's own autograde. Run, for each lab:\n"
                f"    nnlab autograde LAB --course {course}")
        students = None if _is_pattern(student) else student
        command = nnlab_command(course, assignment, students, converter.force)
        shown = " ".join(["nnlab", *command[3:]])
        converter.log.info("nnlab course: handing the grading to the trusted grader: %s", shown)
        done = subprocess.run(command, capture_output=True, text=True, cwd=course)
        for line in (done.stdout + done.stderr).splitlines():
            if line.strip() and not PROGRESS_BAR.search(line):
                converter.log.info("nnlab: %s", line)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
            raise TrustedAutogradeError(
                f"nnlab autograde failed (exit status {done.returncode}); nothing else was "
                f"graded. Run it yourself to see why:\n    {shown}\n{tail}")
        # the trusted run wrote the gradebook and the autograded folder: nbgrader's own
        # pipeline (an unjailed kernel, scores from the student's kernel) must not run after it
        converter.assignments = {}

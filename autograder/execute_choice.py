"""Whether ``nnlab autograde`` re-runs a submitted notebook: the course's choice, per lab or run.

No score comes from the notebook: the trusted grader scores every function in its own sandbox.
Re-running the notebook in nbgrader's (jailed) kernel only checks that it still runs (a kernel
that dies or a cell that hangs gets its status) and refreshes its outputs; it costs most of the
time a submission takes. A course sets its choice in nbgrader_config.py::

    c.NnlabGrading.execute = False                         # every lab: the fast path
    c.NnlabGrading.execute_labs = {"06_training_recipe": True}   # but re-run this one

and ``nnlab autograde LAB --execute`` / ``--no-execute`` overrides both for one run. Without a
setting, notebooks are re-run (what nnlab has always done).

The fast path (no execution) still imports the submitted notebook into the gradebook through
nbgrader's own ``Autograde`` converter, with its execute step disabled and the student's outputs
kept instead of cleared: the written answers are recorded, the check cells carry the trusted
grader's verdicts, and the feedback marks every other output as the student's own.
"""
from __future__ import annotations

from pathlib import Path

#: The section of nbgrader_config.py that holds nnlab's grading settings.
SECTION = "NnlabGrading"
#: What a course that says nothing gets.
DEFAULT_EXECUTE = True


def course_executes(config, lab_name: str) -> bool:
    """The course's choice for ``lab_name``, read from a loaded nbgrader configuration."""
    section = config[SECTION] if SECTION in config else {}
    per_lab = dict(section.get("execute_labs", {}) or {})
    if lab_name in per_lab:
        return _as_bool(per_lab[lab_name], f"c.{SECTION}.execute_labs[{lab_name!r}]")
    if "execute" in section:
        return _as_bool(section["execute"], f"c.{SECTION}.execute")
    return DEFAULT_EXECUTE


def resolve_execute(course: Path, lab_name: str, execute: bool | None) -> bool:
    """``execute`` when the run chose (True/False), else the course's choice for the lab."""
    if execute is not None:
        return bool(execute)
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(Path(course).resolve())).load_config()
    return course_executes(config, lab_name)


def _as_bool(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise SystemExit(f"{name} in nbgrader_config.py must be True or False, not {value!r}.")


def fast_path_config(config) -> None:
    """Configure nbgrader's ``Autograde`` converter to import a notebook without running it:
    no ``Execute`` step, and the student's outputs kept (no ``ClearOutput``)."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import ClearOutput, Execute

    traits = Autograde.class_traits()
    config.Autograde.sanitize_preprocessors = [
        p for p in traits["sanitize_preprocessors"].default() if p is not ClearOutput]
    config.Autograde.autograde_preprocessors = [
        p for p in traits["autograde_preprocessors"].default() if p is not Execute]

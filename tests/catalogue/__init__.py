"""The public catalogues of each lab: realistic mistakes and correct variants written differently.

An entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The helpers below
build such submissions for the tests that grade them.
"""
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "nnlab"
STUBS = REPO / "lib" / "nnlab"


def submission(package: Path, dest: Path) -> Path:
    """``dest`` holding a copy of ``package`` as ``dest/nnlab``: a submission folder."""
    shutil.copytree(package, dest / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def submission_with(root: Path, name: str, module: str, source: str) -> Path:
    """The reference package with ``source`` appended to its ``module``.py, in ``root/name``."""
    d = submission(SOLUTIONS, root / name)
    with open(d / "nnlab" / f"{module}.py", "a") as f:
        f.write("\n\n# --- replaced for this test ---\n" + source)
    return d


def assert_caught_alone(report, mistake):
    """The mistake costs its function points, the feedback names it, and no other function loses
    anything (one mistake, one deduction: not the composites built on it, nor the backward of a
    mistaken forward)."""
    assert not getattr(report, "grader_errors", None), report.grader_errors
    f = report.function(mistake.function)
    assert f.score < f.max_score, f"{mistake.id} was not caught"
    feedback = "\n".join(f.messages)
    assert mistake.expect.lower() in feedback.lower(), feedback
    collateral = {g.name: (g.score, g.messages) for g in report.functions
                  if g.score != g.max_score and g.name != mistake.function}
    assert not collateral, f"{mistake.id} also cost {collateral}"


def assert_full_marks(report, variant):
    """A correct variant, written differently, gets every point."""
    for name in variant.functions:
        f = report.function(name)
        assert f.score == f.max_score, (name, f.messages)
    assert report.total == report.max_total

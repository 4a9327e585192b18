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

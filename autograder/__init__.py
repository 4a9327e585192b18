"""nnlab's trusted side: stub generation, the sandboxed grader, hidden checks, nbgrader glue.

Nothing in this package is released to students.
"""
from pathlib import Path

#: The repository root (this package is used from a checkout, installed with ``pip install -e .``).
REPO_ROOT = Path(__file__).resolve().parent.parent

from . import lean_imports  # noqa: E402

lean_imports.skip()

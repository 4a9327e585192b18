"""Say what went wrong in the grader itself: the exception, its message, and where it happened.

A grader failure (a dependency missing from the environment, hidden checks that cannot be
imported, a bug) is reported with its cause, in one line a TA can act on or paste into a bug
report, never as a crash with an unrelated traceback and never as a silent status:

    >>> describe_exception(exc)
    "ModuleNotFoundError: No module named 'pytest' (at autograder/grade.py:27 in <module>: import pytest)"
"""
from __future__ import annotations

import os
import sys
import traceback

from . import REPO_ROOT


class GraderFailed(Exception):
    """The grader could not grade (not a student's fault); the message holds the cause."""


def _short(filename: str) -> str:
    """A path relative to the repository or to site-packages, whichever is shorter."""
    candidates = [filename]
    for root in [str(REPO_ROOT)] + [p for p in sys.path if p.endswith("-packages")]:
        if filename.startswith(root.rstrip("/") + "/"):
            candidates.append(os.path.relpath(filename, root))
    return min(candidates, key=len)


def _frame(frame) -> str:
    code = f": {frame.line.strip()}" if frame.line and frame.line.strip() else ""
    return f"{_short(frame.filename)}:{frame.lineno} in {frame.name}{code}"


def _ours(frame) -> bool:
    return frame.filename.startswith(str(REPO_ROOT) + "/") and "-packages/" not in frame.filename


def describe_exception(exc: BaseException) -> str:
    """``Type: message (at file:line in function: code)``, for a grader failure.

    "Where" is the innermost frame; when that lies in a library, the innermost frame of nnlab's
    own code is named too (the call that led there).
    """
    message = str(exc).strip()
    if isinstance(exc, GraderFailed):   # already says what failed, where and why
        return message
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<frozen ")]
    if frames:
        where = _frame(frames[-1])
        ours = [f for f in frames if _ours(f)]
        if ours and ours[-1] is not frames[-1]:
            where += f"; called from {_frame(ours[-1])}"
        text += f" (at {where})"
    if isinstance(exc, ModuleNotFoundError) and exc.name and \
            exc.name.split(".")[0] not in ("nnlab", "autograder"):
        text += (f". The Python package {exc.name.split('.')[0]!r} is missing from this "
                 f"environment: install nnlab's pinned environment with `make install` "
                 f"(pip install -c requirements/lock.txt -e .)")
    return text


def summarize_grader_errors(errors: list[str]) -> list[str]:
    """The grader's error lines, causes first; the "no hidden checks for F" that follow from one
    cause (hidden checks that could not be loaded) folded into one line."""
    missing = [e[len("no hidden checks for "):] for e in errors if e.startswith("no hidden checks for ")]
    lines = [e for e in errors if not e.startswith("no hidden checks for ")]
    if len(missing) > 3:
        lines.append(f"no hidden checks ran for {len(missing)} functions "
                     f"({', '.join(missing[:3])}, ...)")
    else:
        lines += [f"no hidden checks for {m}" for m in missing]
    return lines

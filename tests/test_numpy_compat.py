"""Code written for an older numpy: the error names the removed API and what to write instead.

A real student's ``np.reshape(dx, newshape=x.shape)`` scored 42/42 under numpy 2.0 and 38/42
under numpy 2.4, with only numpy's own error message to go on. The table in
``nnlab/numpy_compat.py`` is checked here against the installed numpy, and the sentence must
reach the student both in the open checks and in the trusted grader's report.
"""
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import grade_submission
from nnlab import numpy_compat
from nnlab.checks import _exception_hint

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"

ALL_APIS = (list(numpy_compat.REMOVED_ATTRIBUTES.values())
            + list(numpy_compat.REMOVED_METHODS.values())
            + [api for _, api in numpy_compat.REMOVED_CALLS])


def _raise(probe):
    """Run a probe line; return the exception it raises under the installed numpy."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # np.object & co. warn before they raise
            eval(probe, {"np": np, "a": np.arange(6.0)})
    except Exception as exc:  # noqa: BLE001 (the point is which exception)
        return exc
    return None


@pytest.mark.parametrize("api", ALL_APIS, ids=lambda api: api.api)
def test_every_listed_api_is_gone_from_the_installed_numpy_and_is_explained(api):
    exc = _raise(api.probe)
    assert exc is not None, f"{api.api} still works in numpy {np.__version__}: drop it from the table"
    text = numpy_compat.explain_removed_api(type(exc).__name__, str(exc))
    assert text is not None, f"{type(exc).__name__}: {exc} is not recognised"
    assert text.startswith(f"{api.api} was removed in numpy {api.removed_in} ")
    assert text.endswith(api.instead)


def test_the_requested_removals_are_in_the_table():
    for name in ("float", "int", "object", "product", "cumproduct", "alltrue", "sometrue", "NaN",
                 "Inf", "infty", "NINF", "asscalar", "msort", "in1d"):
        assert name in numpy_compat.REMOVED_ATTRIBUTES, name
    # np.bool is numpy's own bool type again since numpy 2.0: it is not an error to use it
    assert "bool" not in numpy_compat.REMOVED_ATTRIBUTES and np.bool is np.bool_


def test_the_newshape_sentence_names_numpy_and_the_fix():
    exc = _raise("np.reshape(a, newshape=(3, 2))")
    assert isinstance(exc, TypeError)
    graded = numpy_compat.explain_removed_api("TypeError", f"affine_backward raised TypeError: {exc}",
                                              grading=True)
    minor = ".".join(np.__version__.split(".")[:2])
    assert graded == (f"np.reshape's `newshape=` keyword was removed in numpy 2.4 (the course "
                      f"grades with numpy {minor}.x): write np.reshape(a, shape) or a.reshape(shape)")


@pytest.mark.parametrize("exc_type, message", [
    ("AttributeError", "module 'numpy' has no attribute 'floot'"),     # a typo, not a removal
    ("AttributeError", "'numpy.ndarray' object has no attribute 'shap'"),
    ("TypeError", "unsupported operand type(s) for +: 'int' and 'str'"),
    ("ValueError", "operands could not be broadcast together with shapes (2,3) (3,2)"),
    ("NameError", "name 'newshape' is not defined"),
])
def test_other_errors_are_left_alone(exc_type, message):
    assert numpy_compat.explain_removed_api(exc_type, message) is None


def test_the_open_checks_say_the_api_was_removed():
    exc = _raise("np.reshape(a, newshape=(3, 2))")
    hint = _exception_hint(exc, "affine_backward")
    assert hint.startswith("affine_backward raised TypeError")
    assert "`newshape=` keyword was removed in numpy 2.4" in hint
    assert "np.reshape(a, shape)" in hint


NEWSHAPE_AFFINE_BACKWARD = '''
def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout @ w.T
    dx = np.reshape(dx, newshape=x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
'''


def test_the_trusted_grader_says_the_api_was_removed(tmp_path):
    """The real case: a copy of the reference whose affine_backward uses ``newshape=``."""
    package = tmp_path / "student" / "nnlab"
    shutil.copytree(SOLUTIONS, package, ignore=shutil.ignore_patterns("__pycache__"))
    with open(package / "layers.py", "a") as fh:
        fh.write("\n\n# --- the student's version ---\n" + NEWSHAPE_AFFINE_BACKWARD)
    report = grade_submission(package.parent, "01")
    backward = report.function("affine_backward")
    assert backward.score < backward.max_score
    text = "\n".join(backward.messages)
    assert "`newshape=` keyword was removed in numpy 2.4 (the course grades with numpy" in text
    assert "write np.reshape(a, shape) or a.reshape(shape)" in text
    assert report.function("affine_forward").passed      # nothing else is blamed
    assert "`newshape=`" in report.to_text()
    assert "reshape it to (N, D) first" not in text      # the removed API, not a generic hint

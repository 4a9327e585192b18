"""Hidden checks of lab 01: softmax and SVM losses (instructor only, never released).

The mistakes named in the feedback (a log of a probability that underflowed, the correct class
counted in the SVM, its dx column missing, softmax's missing -1...) come from the shared
registry ``nnlab.mistakes``."""
import numpy as np
import pytest

from autograder.diagnose import compare, describe_type
from autograder.hidden.checklib import (
    CORRECTNESS, FD_RTOL, PROPERTY, REF_RTOL, call, check_array, check_no_warnings,
    check_not_mutated, expect_tuple, fail, named_mistakes, numeric_grad, rng_for, shape_str,
)


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _inputs(name, fn, *, loc=0.0, scale=2.0):
    """Scores x (N, C) and int64 labels y (N,), N != C; for the SVM, every margin stays
    >= 1e-2 away from its hinge."""
    rng = rng_for(f"{name}-{fn}")
    for _ in range(500):
        N, C = int(rng.integers(5, 9)), int(rng.integers(3, 6))
        if N == C:
            continue
        x = loc + scale * rng.standard_normal((N, C))
        y = rng.integers(0, C, size=N).astype(np.int64)
        if fn == "svm_loss":
            m = x - x[np.arange(N), y][:, None] + 1.0
            m[np.arange(N), y] = 10.0
            if np.min(np.abs(m)) < 1e-2:
                continue
        return rng, x, y
    raise RuntimeError("could not draw inputs")


def _case(x, y, extra=""):
    return f"scores x of shape {shape_str(x.shape)}{extra}, int64 labels y of shape {shape_str(y.shape)}"


def _run(student, fn, x, y, case, mutation=False):
    res = call(getattr(student.losses, fn), x, y, case=case, report_mutation=mutation)
    return expect_tuple(res, 2, fn, case, ("loss", "dx"))


def _check_loss(student, ref, fn, x, y, case, large=False):
    loss, dx = _run(student, fn, x, y, case)
    warns = student.warnings
    eloss, edx = getattr(ref.losses, fn)(x.copy(), y.copy())
    msg = compare(loss, eloss, name="loss", rtol=REF_RTOL, constants={"N": x.shape[0]},
                  warnings=warns, large=large,
                  hints=named_mistakes(fn, "loss", eloss, x=x, y=y))
    if msg:
        fail(f"{case}: {msg}")
    if large:
        check_no_warnings(student, case, fn)
    return dx, edx, warns


def _check_dx(dx, edx, fn, x, y, case, warns, large=False):
    msg = compare(dx, edx, name="dx", rtol=REF_RTOL, constants={"N": x.shape[0]},
                  warnings=warns, large=large, hints=named_mistakes(fn, "dx", edx, x=x, y=y))
    if msg:
        fail(f"{case}: {msg}")


LOSSES = ("softmax_loss", "svm_loss")


@pytest.mark.parametrize("fn", [pytest.param(f, marks=grades(f, CORRECTNESS), id=f) for f in LOSSES])
def test_loss_value(fn, student, ref):
    rng, x, y = _inputs("loss", fn)
    _check_loss(student, ref, fn, x, y, _case(x, y))


@pytest.mark.parametrize("fn", [pytest.param(f, marks=grades(f, CORRECTNESS), id=f) for f in LOSSES])
def test_loss_gradient_matches_reference(fn, student, ref):
    rng, x, y = _inputs("dx", fn)
    case = _case(x, y)
    loss, dx = _run(student, fn, x, y, case)
    warns = student.warnings
    eloss, edx = getattr(ref.losses, fn)(x.copy(), y.copy())
    _check_dx(dx, edx, fn, x, y, case, warns)


@pytest.mark.parametrize("fn", [pytest.param(f, marks=grades(f, CORRECTNESS), id=f) for f in LOSSES])
def test_loss_gradient_matches_numerical_gradient(fn, student, ref):
    rng, x, y = _inputs("fd", fn)
    case = _case(x, y)
    loss, dx = _run(student, fn, x, y, case)
    num = numeric_grad(getattr(student.losses, fn), [x, y], 0, None, case=case, what=fn)
    msg = compare(dx, num, name="dx", rtol=FD_RTOL, constants={"N": x.shape[0]},
                  hints=named_mistakes(fn, "dx", num, x=x, y=y))
    if msg:
        fail(f"{case}: {msg} (compared with finite differences of your own loss)")


@pytest.mark.parametrize("fn", [pytest.param(f, marks=grades(f, CORRECTNESS), id=f) for f in LOSSES])
def test_loss_large_scores(fn, student, ref):
    rng, x, y = _inputs("large", fn, loc=1000.0, scale=3.0)
    case = _case(x, y, extra=" with scores around 1e3")
    dx, edx, warns = _check_loss(student, ref, fn, x, y, case, large=True)
    _check_dx(dx, edx, fn, x, y, case, warns, large=True)


def _softmax_range_cases():
    """Scores across the range a real network produces, each (description, x, y)."""
    rng = rng_for("softmax-range")
    N, C = 6, 5
    rows = np.arange(N)
    cases = []
    y = rng.integers(0, C, size=N).astype(np.int64)
    cases.append(("small scores (|x| ~ 1e-2)", 0.01 * rng.standard_normal((N, C)), y))
    y = rng.integers(0, C, size=N).astype(np.int64)
    cases.append(("a large spread of scores (std 50)", 50.0 * rng.standard_normal((N, C)), y))
    # confident and right: the correct class leads every other score by hundreds
    x = rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N).astype(np.int64)
    x[rows, y] += rng.uniform(300.0, 900.0, size=N)
    cases.append(("confident and right (the correct class leads by hundreds)", x, y))
    # confident and WRONG: the correct class trails the top score by hundreds in some rows
    x = rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N).astype(np.int64)
    wrong = (y + 1 + rng.integers(0, C - 1, size=N)) % C
    x[rows[:4], wrong[:4]] += rng.uniform(760.0, 1500.0, size=4)
    cases.append(("confident and wrong (the correct class trails the top score by hundreds)",
                  x, y))
    # the open checks' kind of large case: independent scores of size ~1e3
    y = rng.integers(0, C, size=N).astype(np.int64)
    cases.append(("scores of size ~1e3 (std 1000)", 1000.0 * rng.standard_normal((N, C)), y))
    return cases


@grades("softmax_loss", CORRECTNESS)
def test_softmax_loss_across_score_ranges(student, ref):
    """From tiny scores to a network that is confidently wrong: loss and dx stay exact."""
    for what, x, y in _softmax_range_cases():
        case = _case(x, y, extra=f" with {what}")
        dx, edx, warns = _check_loss(student, ref, "softmax_loss", x, y, case, large=True)
        _check_dx(dx, edx, "softmax_loss", x, y, case, warns, large=True)


@pytest.mark.parametrize("fn", [pytest.param(f, marks=grades(f, PROPERTY), id=f) for f in LOSSES])
def test_loss_properties(fn, student, ref):
    rng, x, y = _inputs("props", fn)
    case = _case(x, y)
    loss, dx = _run(student, fn, x, y, case, mutation=True)
    check_not_mutated(student, case, fn, ("x", "y"))
    if isinstance(loss, np.ndarray):
        if loss.shape != ():
            fail(f"{case}: loss is an ndarray of shape {loss.shape}, expected a single number "
                 f"(a float)")
    elif isinstance(loss, bool) or not isinstance(loss, (float, int, np.floating, np.integer)):
        fail(f"{case}: loss is {describe_type(loss)}, expected a float")
    if np.asarray(loss).dtype != np.float64 and not isinstance(loss, float):
        fail(f"{case}: loss has dtype {np.asarray(loss).dtype}, expected float64")
    check_array(dx, "dx", x.shape, case)

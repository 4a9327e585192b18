"""Hidden checks of lab 03: the L2 and L1 weight penalties (instructor only, never released).

Each penalty function takes a params dict and reg and returns (penalty, grads). Its checks:
the penalty and the gradients against the reference (only names starting with "W" are
regularised; other names may be absent from grads or have zero gradient), the gradients against
finite differences of the student's OWN penalty, and properties (a tuple of a number and a dict
of float64 arrays of the right shapes; params never modified).
"""
import numpy as np
import pytest

from autograder.diagnose import compare, describe_type
from autograder.hidden.checklib import (
    CORRECTNESS, FD_H, FD_RTOL, PROPERTY, REF_RTOL, away_from_zero, call, check_array,
    expect_tuple, fail, rng_for, shape_str,
)

PENALTIES = ("l2_penalty", "l1_penalty")
NOT_WEIGHTS = ("b1", "b2", "b3", "gamma1", "beta1")


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _each(weight):
    return pytest.mark.parametrize(
        "fn", [pytest.param(f, marks=grades(f, weight), id=f) for f in PENALTIES])


def _params(name, conv=False):
    """A three-layer net's parameters (weights away from 0, where |W| has a kink), with
    batch-norm parameters and non-zero biases, so that regularising them changes the result."""
    rng = rng_for(name)
    D, H1, H2, C = (int(v) for v in rng.integers(3, 7, size=4))
    w1_shape = (H1, 2, 3, 2) if conv else (D, H1)
    return {
        "W1": away_from_zero(rng, w1_shape, 0.1, 2.0), "b1": rng.standard_normal(H1),
        "gamma1": 1 + 0.3 * rng.standard_normal(H1), "beta1": rng.standard_normal(H1),
        "W2": away_from_zero(rng, (H1 if not conv else H1, H2), 0.1, 2.0),
        "b2": rng.standard_normal(H2),
        "W3": away_from_zero(rng, (H2, C), 0.1, 2.0), "b3": rng.standard_normal(C),
    }


def _case(params, reg):
    shapes = ", ".join(f"{k} {shape_str(v.shape)}" for k, v in params.items())
    return f"params {{{shapes}}}, reg={reg:g}"


def _run(student, fn, params, reg, case, mutation=False):
    res = call(getattr(student.regularization, fn), params, reg, case=case,
               report_mutation=mutation)
    return expect_tuple(res, 2, fn, case, ("penalty", "grads"))


def _grads_dict(grads, case):
    if not isinstance(grads, dict):
        fail(f"{case}: grads is {describe_type(grads)}, expected a dict from parameter name "
             f"to gradient array (like model.params)")
    return grads


def _weights(params):
    return [k for k in params if k.startswith("W")]


def _penalty_value(value, case, fn):
    if value is None or isinstance(value, (dict, list, tuple, str)) or \
            (isinstance(value, np.ndarray) and value.size != 1):
        fail(f"{case}: the penalty is {describe_type(value)}, expected a single number")
    return value


# ----------------------------------------------------------------------------- values

@_each(CORRECTNESS)
@pytest.mark.parametrize("conv", [False, True], ids=["fc", "conv"])
def test_penalty_value(student, ref, fn, conv):
    params = _params(f"pen-value-{fn}-{conv}", conv)
    reg = 0.37
    case = _case(params, reg)
    penalty, _ = _run(student, fn, params, reg, case)
    _penalty_value(penalty, case, fn)
    expected, _ = getattr(ref.regularization, fn)({k: v.copy() for k, v in params.items()}, reg)
    msg = compare(penalty, expected, name="the penalty", rtol=REF_RTOL,
                  hints=ref.checks_lab03.penalty_candidates(fn, params, reg))
    if msg:
        fail(f"{case}: {msg}")


@_each(CORRECTNESS)
def test_penalty_gradients_match_reference(student, ref, fn):
    params = _params(f"pen-grad-{fn}")
    reg = 1.3
    case = _case(params, reg)
    _, grads = _run(student, fn, params, reg, case)
    grads = _grads_dict(grads, case)
    _, expected = getattr(ref.regularization, fn)({k: v.copy() for k, v in params.items()}, reg)
    for key in NOT_WEIGHTS:
        g = grads.get(key)
        if g is not None and (not isinstance(g, np.ndarray) or g.shape != params[key].shape
                              or np.any(g != 0)):
            fail(f"{case}: grads['{key}'] is not zero: {key} is regularised, but only the "
                 f"weights (names starting with 'W') are — never biases or normalisation "
                 f"parameters")
    for key in _weights(params):
        if key not in grads:
            fail(f"{case}: grads has no entry for {key} (every weight is regularised)")
        msg = compare(grads[key], expected[key], name=f"grads['{key}']", rtol=REF_RTOL,
                      hints=ref.checks_lab03.gradient_candidates(fn, params[key], reg))
        if msg:
            fail(f"{case}: {msg}")


@_each(CORRECTNESS)
def test_penalty_zero_strength(student, ref, fn):
    params = _params(f"pen-zero-{fn}")
    case = _case(params, 0.0)
    penalty, grads = _run(student, fn, params, 0.0, case)
    _penalty_value(penalty, case, fn)
    grads = _grads_dict(grads, case)
    if float(np.asarray(penalty, dtype=np.float64).reshape(())) != 0.0:
        fail(f"{case}: with reg = 0 the penalty must be 0")
    for key, g in grads.items():
        if not isinstance(g, np.ndarray) or np.any(g != 0):
            fail(f"{case}: with reg = 0 grads['{key}'] must be zero")


# ----------------------------------------------------------------------------- finite differences

@_each(CORRECTNESS)
def test_penalty_numerical_gradient(student, ref, fn):
    """The gradients against centred differences of the student's own penalty."""
    params = _params(f"pen-fd-{fn}")
    reg = 0.8
    case = _case(params, reg)
    _, grads = _run(student, fn, params, reg, case)
    grads = _grads_dict(grads, case)
    student_fn = getattr(student.regularization, fn)
    for key in _weights(params):
        if key not in grads:
            fail(f"{case}: grads has no entry for {key} (every weight is regularised)")
        w = params[key]
        args_list = []
        for i in range(w.size):
            for sign in (1.0, -1.0):
                p = {k: v.copy() for k, v in params.items()}
                p[key].reshape(-1)[i] += sign * FD_H
                args_list.append([p, reg])
        try:
            outs = student_fn.many(args_list, select=0)
        except Exception as e:  # a StudentError: name the case
            fail(f"{case}: while computing finite differences of your {fn}: {e}")
        vals = np.array([float(np.asarray(o, dtype=np.float64).reshape(())) for o in outs])
        num = ((vals[0::2] - vals[1::2]) / (2 * FD_H)).reshape(w.shape)
        msg = compare(grads[key], num, name=f"grads['{key}']", rtol=FD_RTOL)
        if msg:
            fail(f"{case}: {msg} (compared with finite differences of your own penalty: "
                 f"the gradient and the penalty disagree)")


# ----------------------------------------------------------------------------- properties

@_each(PROPERTY)
def test_penalty_properties(student, ref, fn):
    params = _params(f"pen-props-{fn}")
    reg = 0.5
    case = _case(params, reg)
    penalty, grads = _run(student, fn, params, reg, case, mutation=True)
    if student.mutated:
        fail(f"{case}: {fn} modified params in place ({', '.join(student.mutated)}) — the "
             f"model's parameters must not change when the loss is computed")
    _penalty_value(penalty, case, fn)
    grads = _grads_dict(grads, case)
    for key in _weights(params):
        if key not in grads:
            fail(f"{case}: grads has no entry for {key}")
        check_array(grads[key], f"grads['{key}']", params[key].shape, case)

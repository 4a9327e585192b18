"""Hidden checks of lab 05's activation_statistics and gradient_statistics (instructor only).

Both are deterministic given their inputs, so they are compared with the reference on fixed
stacks (tanh, ReLU and linear), to 1e-9: each output with its own verdict, the known mistakes
(wrong axis, pre-activations, the wrong gradient, a missing derivative, layers reversed) named.
The inputs have per-feature offsets, so a std taken per unit differs from the std of every entry.
"""
import numpy as np
import pytest

from autograder.diagnose import compare, describe_type
from autograder.hidden.checklib import (CORRECTNESS, PROPERTY, REF_RTOL, call, check_not_mutated,
                                        expect_tuple, fail, fail_outputs, rng_for, shape_str)

from autograder.hidden.lab05.known_mistakes import activation_mistakes, gradient_mistakes

WIDTHS = (30, 40, 40, 25, 40, 20)          # D, then H_1 .. H_5: L = 5 layers
N = 50
#: activation -> how large the weights are, in units of 1/sqrt(fan_in)
GAIN = {"tanh": 1.6, "relu": np.sqrt(2.0), "linear": 1.0}


def stack(activation, check):
    rng = rng_for(f"{check}/{activation}")
    x = rng.standard_normal((N, WIDTHS[0])) + 0.5 * rng.standard_normal(WIDTHS[0])
    weights = [GAIN[activation] * rng.standard_normal((a, b)) / np.sqrt(a)
               for a, b in zip(WIDTHS[:-1], WIDTHS[1:])]
    dout = rng.standard_normal((N, WIDTHS[-1]))
    return x, weights, dout


def per_activation(function, weight):
    return pytest.mark.parametrize(
        "activation", [pytest.param(a, marks=pytest.mark.grades(function, weight), id=a)
                       for a in ("tanh", "relu", "linear")])


def _array(value, name, shape, case):
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        return f"{name} is {describe_type(value)}, expected an ndarray of shape {shape_str(shape)}"
    return None


@per_activation("activation_statistics", CORRECTNESS)
def test_activation_statistics(student, ref, activation):
    """means, stds and the activations of a 5-layer stack, each against the reference."""
    x, weights, _ = stack(activation, "act")
    case = f"activation_statistics on a {len(weights)}-layer {activation} stack"
    res = call(student.init_stats.activation_statistics, x, weights, case=case,
               activation=activation)
    means, stds, acts = expect_tuple(res, 3, "activation_statistics", case,
                                     ("means", "stds", "activations"))
    r_means, r_stds, r_acts = ref.init_stats.activation_statistics(x, weights, activation)
    named = activation_mistakes(x, weights, activation)
    wrong = []
    for name, got, want in (("means", means, r_means), ("stds", stds, r_stds)):
        msg = compare(got, want, name=name, rtol=REF_RTOL, hints=named[name])
        if msg:
            wrong.append(msg)
    if type(acts) not in (list, tuple) or len(acts) != len(r_acts):
        wrong.append(f"activations is {describe_type(acts)}, expected a list of "
                     f"{len(r_acts)} arrays (one per layer)")
    else:
        bad = [i for i, (a, r) in enumerate(zip(acts, r_acts))
               if compare(a, r, name="activations", rtol=REF_RTOL)]
        if bad:
            flat = (np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in acts])
                    if all(isinstance(a, np.ndarray) for a in acts) else None)
            want = np.concatenate([r.ravel() for r in r_acts])
            said = compare(flat, want, name="activations", rtol=REF_RTOL,
                           hints=named["activations"]) if flat is not None and \
                flat.shape == want.shape else None
            wrong.append(f"activations of layer{'s' if len(bad) > 1 else ''} "
                         f"{', '.join(str(i + 1) for i in bad)} differ from the reference"
                         + (f" ({said})" if said else ""))
    fail_outputs(case, wrong, 3)


@pytest.mark.grades("activation_statistics", PROPERTY)
def test_activation_statistics_properties(student, ref):
    """A tuple (means, stds, activations): float64 arrays of shape (L,), a list of L arrays of
    shape (N, H_l); x and the weights not modified."""
    x, weights, _ = stack("tanh", "act-props")
    case = "activation_statistics on a 5-layer tanh stack"
    res = call(student.init_stats.activation_statistics, x, weights, case=case,
               activation="tanh", report_mutation=True)
    mutated = student.mutated
    means, stds, acts = expect_tuple(res, 3, "activation_statistics", case,
                                     ("means", "stds", "activations"))
    L = len(weights)
    wrong = []
    for name, value in (("means", means), ("stds", stds)):
        if not isinstance(value, np.ndarray) or value.shape != (L,) or value.dtype != np.float64:
            wrong.append(f"{name} is {describe_type(value)}"
                         f"{' of shape ' + shape_str(value.shape) if isinstance(value, np.ndarray) else ''}"
                         f", expected a float64 array of shape ({L},)")
    if type(acts) not in (list, tuple) or len(acts) != L or any(
            not isinstance(a, np.ndarray) or a.shape != (N, h) for a, h in zip(acts, WIDTHS[1:])):
        wrong.append(f"activations should be a list of {L} arrays of shapes (N, H_l)")
    if mutated:
        wrong.append("x or a weight matrix was modified in place")
    if wrong:
        fail(f"{case}: " + "; ".join(wrong))


@per_activation("gradient_statistics", CORRECTNESS)
def test_gradient_statistics(student, ref, activation):
    """The std of dLoss/dW_l for every layer, first layer first, against the reference."""
    x, weights, dout = stack(activation, "grad")
    case = f"gradient_statistics on a {len(weights)}-layer {activation} stack"
    got = call(student.init_stats.gradient_statistics, x, weights, dout, case=case,
               activation=activation)
    want = ref.init_stats.gradient_statistics(x, weights, dout, activation)
    msg = compare(got, want, name="grad_stds", rtol=REF_RTOL,
                  hints=gradient_mistakes(x, weights, dout, activation))
    if msg:
        fail(f"{case}: {msg}")


@pytest.mark.grades("gradient_statistics", PROPERTY)
def test_gradient_statistics_properties(student, ref):
    """A float64 array of shape (L,); x, the weights and dout not modified."""
    x, weights, dout = stack("relu", "grad-props")
    case = "gradient_statistics on a 5-layer relu stack"
    got = call(student.init_stats.gradient_statistics, x, weights, dout, case=case,
               activation="relu", report_mutation=True)
    mutated = student.mutated
    L = len(weights)
    if not isinstance(got, np.ndarray) or got.shape != (L,) or got.dtype != np.float64:
        fail(f"{case}: grad_stds is {describe_type(got)}, expected a float64 array of shape "
             f"({L},)")
    if mutated:
        fail(f"{case}: x, a weight matrix or dout was modified in place")

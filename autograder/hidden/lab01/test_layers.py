"""Hidden checks of lab 01: the affine layer and the affine-ReLU sandwich (instructor only).

The mistakes named in the feedback (missing bias, x flattened in the wrong order, dw transposed,
db averaged...) come from the shared registry ``nnlab.mistakes`` through checklib."""
import numpy as np
import pytest

from autograder.hidden.checklib import (
    CORRECTNESS, PROPERTY, CheckFailed, Layer, NotGradable, backward_props, backward_vs_fd,
    backward_vs_ref, fail, forward_props, forward_vs_ref, rng_for, shape_str,
)

AFFINE = Layer("layers", "affine_forward", "affine_backward", ("x", "w", "b"),
               (("dx", 0), ("dw", 1), ("db", 2)))
AFFINE_RELU = Layer("layer_utils", "affine_relu_forward", "affine_relu_backward", ("x", "w", "b"),
                    (("dx", 0), ("dw", 1), ("db", 2)))


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _inputs(name, x_shape=None, relu=False):
    """x of shape (N, d1..dk), w (D, M), b (M,) with N, D, M all different (so a transposed or
    wrongly summed result has a recognisably wrong shape). For the ReLU sandwich, the
    pre-activations stay >= 0.05 away from the kink."""
    rng = rng_for(name)
    for _ in range(500):
        if x_shape is None:
            N = int(rng.integers(4, 9))
            shape = (N, int(rng.integers(3, 7)))
        else:
            shape = x_shape
        N, D = shape[0], int(np.prod(shape[1:]))
        M = int(rng.integers(2, 7))
        if len({N, D, M}) < 3:
            continue
        x = rng.standard_normal(shape)
        w = rng.standard_normal((D, M)) / np.sqrt(D)
        b = rng.standard_normal(M)
        if relu and np.min(np.abs(x.reshape(N, -1) @ w + b)) < 0.05:
            continue
        return rng, x, w, b
    raise RuntimeError("could not draw inputs")


def _case(x, w, b):
    kind = f"{x.ndim}-D input" if x.ndim > 2 else "input"
    return f"{kind} x of shape {shape_str(x.shape)}, w of shape {shape_str(w.shape)}, b of shape {shape_str(b.shape)}"


def _reshape_hint(fn):
    try:
        fn()
    except CheckFailed as e:
        msg = str(e)
        removed_api = "was removed in numpy" in msg
        if "raised" in msg and not removed_api and not isinstance(e, NotGradable):
            msg += "\n  hint: x has shape (N, d_1, ..., d_k): reshape it to (N, D) first (x.reshape(N, -1))"
        e.args = (msg,)      # the same verdict (partial credit, not counted...), a longer message
        raise


def _db_shapes(x, w):
    N, M = x.shape[0], w.shape[1]
    return {"db": {(N,): "summed over axis 1 instead of the batch axis 0?",
                   (1, M): "keepdims=True? db must be 1-D, shape (M,)",
                   (M, 1): "db must be 1-D, shape (M,), not a column"}}


# ----------------------------------------------------------------------------- affine_forward

@grades("affine_forward", CORRECTNESS)
def test_affine_forward_2d(student, ref):
    rng, x, w, b = _inputs("affine-fwd-2d")
    forward_vs_ref(AFFINE, student, ref, [x, w, b], {}, _case(x, w, b),
                   constants={"N": x.shape[0]})


@grades("affine_forward", CORRECTNESS)
def test_affine_forward_4d(student, ref):
    rng, x, w, b = _inputs("affine-fwd-4d", x_shape=(3, 2, 4, 5))
    _reshape_hint(lambda: forward_vs_ref(AFFINE, student, ref, [x, w, b], {}, _case(x, w, b)))


@grades("affine_forward", CORRECTNESS)
def test_affine_forward_single_example(student, ref):
    rng, x, w, b = _inputs("affine-fwd-1", x_shape=(1, 3, 2))
    _reshape_hint(lambda: forward_vs_ref(AFFINE, student, ref, [x, w, b], {},
                                         "a single example: " + _case(x, w, b)))


@grades("affine_forward", PROPERTY)
def test_affine_forward_properties(student, ref):
    rng, x, w, b = _inputs("affine-fwd-props", x_shape=(4, 2, 3))
    _reshape_hint(lambda: forward_props(AFFINE, student, [x, w, b], {}, _case(x, w, b),
                                        (x.shape[0], w.shape[1])))


# ----------------------------------------------------------------------------- affine_backward

@grades("affine_backward", CORRECTNESS)
def test_affine_backward_2d(student, ref):
    rng, x, w, b = _inputs("affine-bwd-2d")
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    backward_vs_ref(AFFINE, student, ref, [x, w, b], {}, dout, _case(x, w, b),
                    constants={"N": x.shape[0]}, shape_hints=_db_shapes(x, w))


@grades("affine_backward", CORRECTNESS)
def test_affine_backward_4d(student, ref):
    rng, x, w, b = _inputs("affine-bwd-4d", x_shape=(3, 2, 4, 5))
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    _reshape_hint(lambda: backward_vs_ref(
        AFFINE, student, ref, [x, w, b], {}, dout, _case(x, w, b), constants={"N": x.shape[0]},
        shape_hints=_db_shapes(x, w)))


@grades("affine_backward", CORRECTNESS)
def test_affine_backward_numerical_gradient(student, ref):
    rng, x, w, b = _inputs("affine-bwd-fd", x_shape=(3, 2, 2, 3))
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    _reshape_hint(lambda: backward_vs_fd(AFFINE, student, [x, w, b], {}, dout, _case(x, w, b),
                                         ref=ref, constants={"N": x.shape[0]}))


@grades("affine_backward", PROPERTY)
def test_affine_backward_properties(student, ref):
    rng, x, w, b = _inputs("affine-bwd-props", x_shape=(5, 3, 2))
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    _reshape_hint(lambda: backward_props(AFFINE, student, [x, w, b], {}, dout, _case(x, w, b)))


# ----------------------------------------------------------------------------- affine_relu

def affine_relu_parts(parts, x, w, b, dout=None):
    """The sandwich from the student's own parts: relu after affine, and back (checklib.Parts).
    Where the student's sandwich equals this while a part is wrong, the part is at fault."""
    a, fc_cache = parts.forward("layers", "affine_forward", x, w, b)
    out, relu_cache = parts.forward("activations", "relu_forward", a)
    if dout is None:
        return (out,)
    (da,) = parts.backward("activations", "relu_backward", dout, relu_cache)
    return parts.backward("layers", "affine_backward", da, fc_cache)


@grades("affine_relu_forward", CORRECTNESS)
def test_affine_relu_forward_matches_reference(student, ref):
    rng, x, w, b = _inputs("affine-relu-fwd", x_shape=(4, 3, 2), relu=True)
    forward_vs_ref(AFFINE_RELU, student, ref, [x, w, b], {}, _case(x, w, b),
                   hints=[(x.reshape(4, -1) @ w + b, "the ReLU is missing")],
                   compose=affine_relu_parts)


@grades("affine_relu_forward", PROPERTY)
def test_affine_relu_forward_properties(student, ref):
    rng, x, w, b = _inputs("affine-relu-fwd-props", relu=True)
    forward_props(AFFINE_RELU, student, [x, w, b], {}, _case(x, w, b), (x.shape[0], w.shape[1]),
                  ref=ref, compose=affine_relu_parts)


@grades("affine_relu_backward", CORRECTNESS)
def test_affine_relu_backward_matches_reference(student, ref):
    rng, x, w, b = _inputs("affine-relu-bwd", x_shape=(5, 2, 3), relu=True)
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    backward_vs_ref(AFFINE_RELU, student, ref, [x, w, b], {}, dout, _case(x, w, b),
                    constants={"N": x.shape[0]}, shape_hints=_db_shapes(x, w),
                    compose=affine_relu_parts)


@grades("affine_relu_backward", CORRECTNESS)
def test_affine_relu_backward_numerical_gradient(student, ref):
    rng, x, w, b = _inputs("affine-relu-fd", relu=True)
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    backward_vs_fd(AFFINE_RELU, student, [x, w, b], {}, dout, _case(x, w, b), ref=ref,
                   constants={"N": x.shape[0]}, compose=affine_relu_parts)


@grades("affine_relu_backward", PROPERTY)
def test_affine_relu_backward_properties(student, ref):
    rng, x, w, b = _inputs("affine-relu-bwd-props", relu=True)
    dout = rng.standard_normal((x.shape[0], w.shape[1]))
    backward_props(AFFINE_RELU, student, [x, w, b], {}, dout, _case(x, w, b), ref=ref,
                   compose=affine_relu_parts)

"""Hidden checks of lab 01: activations (instructor only, never released)."""
import numpy as np
import pytest

from autograder.hidden.checklib import (
    CORRECTNESS, PROPERTY, Layer, away_from_zero, backward_props, backward_vs_fd,
    backward_vs_ref, fail, forward_props, forward_vs_ref, rng_for, shape_str,
)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _sig(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def _gelu_tanh(x):
    c = np.sqrt(2 / np.pi)
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))


def _gelu_tanh_grad(x):
    c = np.sqrt(2 / np.pi)
    u = c * (x + 0.044715 * x ** 3)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x ** 2)


GELU_APPROX = ("this is the tanh approximation of GELU; the lab asks for the exact form "
               "x * Phi(x) with Phi(x) = 0.5 * (1 + erf(x / sqrt(2))) (nnlab.mathutils.erf)")


def _selu_constants(out, expected, x):
    """Say which SELU constant is off (rounded constants are a classic)."""
    pos, neg = x > 0.5, x < -1.0
    notes = []
    if pos.any():
        scale = float(np.median(out[pos] / x[pos]))
        if abs(scale - SELU_SCALE) > 1e-9:
            notes.append(f"on x > 0 your slope is {scale:.6g}, not SELU_SCALE = {SELU_SCALE:.16g}")
    if notes:
        return "; ".join(notes) + (" — use the full-precision constants SELU_ALPHA and SELU_SCALE "
                                   "defined in the module (rounded constants are not enough)")
    if neg.any():
        return ("the negative side (x < 0) differs: check SELU_ALPHA (use the module's "
                "full-precision constants, not rounded ones)")
    return None


# name -> (kwargs variants, forward hints(x, kw), backward hints(x, kw, dout), stability case)
# The hints here are the ones whose candidate would give the answer away; the other named
# mistakes (ReLU's mask, leaky/ELU's alpha, tanh's 1 - x**2...) come from the shared registry
# nnlab.mistakes, which the open checks use too.
SPECS = {
    "relu": ([{}], None, None, False),
    "leaky_relu": ([{}, {"alpha": 0.2}], None, None, False),
    "elu": ([{}, {"alpha": 0.5}], None, None, True),
    "selu": ([{}], None, None, True),
    "gelu": ([{}],
             lambda x, kw: [(_gelu_tanh(x), GELU_APPROX)],
             lambda x, kw, d: [(d * _gelu_tanh_grad(x), GELU_APPROX),
                               (d * 0.5 * (1 + np.vectorize(__import__("math").erf)(x / np.sqrt(2))),
                                "only Phi(x): the product rule also gives the term x * phi(x)")],
             True),
    "sigmoid": ([{}], None, None, True),
    "tanh": ([{}], None, None, True),
    "swish": ([{}, {"beta": 1.5}], None,
              lambda x, kw, d: [(d * (_sig(kw.get("beta", 1.0) * x) + x * _sig(kw.get("beta", 1.0) * x)
                                      * (1 - _sig(kw.get("beta", 1.0) * x))),
                                 "the factor beta from the chain rule is missing"),
                                (d * _sig(kw.get("beta", 1.0) * x),
                                 "only sigmoid(beta x): the product rule also gives "
                                 "x * beta * s * (1 - s)")],
              True),
}

LAYERS = {name: Layer("activations", f"{name}_forward", f"{name}_backward", ("x",), (("dx", 0),))
          for name in SPECS}


def _selu_parts(parts, x, dout=None):
    """SELU from the student's own ELU: SELU_SCALE * elu(x, alpha=SELU_ALPHA) (checklib.Parts)."""
    e, cache = parts.forward("activations", "elu_forward", x, alpha=SELU_ALPHA)
    if dout is None:
        return (SELU_SCALE * e,)
    return parts.backward("activations", "elu_backward", SELU_SCALE * dout, cache)


def _swish_parts(parts, x, beta=1.0, dout=None):
    """Swish from the student's own sigmoid: x * s with s = sigmoid(beta x); backward by the
    product rule on that s, or through the student's sigmoid_backward (checklib.Parts)."""
    s, cache = parts.forward("activations", "sigmoid_forward", beta * x)
    if dout is None:
        return (x * s,)
    product_rule = (dout * (s + beta * x * s * (1.0 - s)),)
    try:
        (ds,) = parts.backward("activations", "sigmoid_backward", dout, cache, optional=True)
    except Exception:       # no usable sigmoid_backward: the composite cannot be using it
        return [product_rule]
    return [product_rule, (dout * s + beta * x * ds,)]


#: Composites whose student code may call the student's own parts (graded on their wiring).
COMPOSITES = {"selu": _selu_parts, "swish": _swish_parts}


def _kw_str(kw):
    return "" if not kw else " with " + ", ".join(f"{k}={v}" for k, v in kw.items())


def _fwd_params(kind):
    out = []
    for name in SPECS:
        if kind == "large" and not SPECS[name][3]:
            continue
        w = CORRECTNESS if kind != "props" else PROPERTY
        out.append(pytest.param(name, marks=grades(f"{name}_forward", w), id=name))
    return out


def _bwd_params(kind):
    out = []
    for name in SPECS:
        if kind == "large" and not SPECS[name][3]:
            continue
        w = CORRECTNESS if kind != "props" else PROPERTY
        out.append(pytest.param(name, marks=grades(f"{name}_backward", w), id=name))
    return out


def _extra_fwd(name, x):
    if name == "selu":
        return lambda out, e: _selu_constants(out, e, x)
    return None


def _extra_bwd(name, x, dout):
    if name == "selu":
        return lambda g, dx, e: _selu_constants(dx / np.where(dout == 0, 1, dout),
                                                e / np.where(dout == 0, 1, dout), x)
    return None


@pytest.mark.parametrize("name", _fwd_params("ref"))
def test_elementwise_forward_matches_reference(name, student, ref):
    rng = rng_for(f"fwd-ref-{name}")
    variants, fhints, _, _ = SPECS[name]
    layer = LAYERS[name]
    for shape in [(int(rng.integers(3, 8)), int(rng.integers(3, 8))), (2, 3, 4, 5)]:
        x = away_from_zero(rng, shape, 0.05, 3.0)
        for kw in variants:
            case = f"input x of shape {shape_str(shape)}{_kw_str(kw)}"
            forward_vs_ref(layer, student, ref, [x], kw, case, x=x,
                           hints=fhints(x, kw) if fhints else None, extra=_extra_fwd(name, x),
                           compose=COMPOSITES.get(name))


@pytest.mark.parametrize("name", _fwd_params("props"))
def test_elementwise_forward_properties(name, student, ref):
    rng = rng_for(f"fwd-props-{name}")
    shape = (3, 1, 4)
    x = away_from_zero(rng, shape)
    forward_props(LAYERS[name], student, [x], {}, f"3-D input x of shape {shape_str(shape)}", shape,
                  ref=ref, compose=COMPOSITES.get(name))


@pytest.mark.parametrize("name", _fwd_params("large"))
def test_elementwise_forward_large_inputs(name, student, ref):
    rng = rng_for(f"fwd-large-{name}")
    x = away_from_zero(rng, (4, 6), 500.0, 1000.0)
    x[0, :3] = [-1000.0, 1000.0, -745.5]
    forward_vs_ref(LAYERS[name], student, ref, [x], {}, "inputs with |x| between 500 and 1000",
                   x=x, large=True, no_warnings=True, compose=COMPOSITES.get(name))


@pytest.mark.parametrize("name", _bwd_params("ref"))
def test_elementwise_backward_matches_reference(name, student, ref):
    rng = rng_for(f"bwd-ref-{name}")
    variants, _, bhints, _ = SPECS[name]
    layer = LAYERS[name]
    for shape in [(int(rng.integers(3, 8)), int(rng.integers(3, 8))), (2, 3, 4)]:
        x = away_from_zero(rng, shape, 0.05, 3.0)
        dout = rng.standard_normal(shape)
        for kw in variants:
            case = f"input x of shape {shape_str(shape)}{_kw_str(kw)}, your own forward's cache"
            hints = {"dx": bhints(x, kw, dout)} if bhints else None
            backward_vs_ref(layer, student, ref, [x], kw, dout, case, x=x, hints=hints,
                            extra=_extra_bwd(name, x, dout), compose=COMPOSITES.get(name))


@pytest.mark.parametrize("name", _bwd_params("fd"))
def test_elementwise_backward_matches_numerical_gradient(name, student, ref):
    rng = rng_for(f"bwd-fd-{name}")
    variants, _, _, _ = SPECS[name]
    shape = (int(rng.integers(3, 6)), int(rng.integers(3, 6)))
    x = away_from_zero(rng, shape, 0.05, 3.0)
    dout = rng.standard_normal(shape)
    for kw in variants:
        case = f"input x of shape {shape_str(shape)}{_kw_str(kw)}"
        backward_vs_fd(LAYERS[name], student, [x], kw, dout, case, x=x, ref=ref,
                       compose=COMPOSITES.get(name))


@pytest.mark.parametrize("name", _bwd_params("props"))
def test_elementwise_backward_properties(name, student, ref):
    rng = rng_for(f"bwd-props-{name}")
    shape = (3, 1, 4)
    x = away_from_zero(rng, shape)
    dout = rng.standard_normal(shape)
    backward_props(LAYERS[name], student, [x], {}, dout, f"3-D input x of shape {shape_str(shape)}",
                   ref=ref, compose=COMPOSITES.get(name))


@pytest.mark.parametrize("name", _bwd_params("large"))
def test_elementwise_backward_large_inputs(name, student, ref):
    rng = rng_for(f"bwd-large-{name}")
    x = away_from_zero(rng, (4, 6), 500.0, 1000.0)
    dout = rng.standard_normal((4, 6))
    backward_vs_ref(LAYERS[name], student, ref, [x], {}, dout,
                    "inputs with |x| between 500 and 1000", x=x, large=True, no_warnings=True,
                    compose=COMPOSITES.get(name))


# ------------------------------------------------------------------------------------ PReLU

PRELU = Layer("activations", "prelu_forward", "prelu_backward", ("x", "alpha"),
              (("dx", 0), ("dalpha", 1)))


def _prelu_inputs(name):
    rng = rng_for(name)
    N, D = int(rng.integers(5, 9)), int(rng.integers(3, 5))
    x = away_from_zero(rng, (N, D), 0.05, 3.0)
    alpha = rng.uniform(0.05, 0.5, size=D)
    return rng, N, D, x, alpha


@grades("prelu_forward", CORRECTNESS)
def test_prelu_forward_matches_reference(student, ref):
    rng, N, D, x, alpha = _prelu_inputs("prelu-fwd")
    forward_vs_ref(PRELU, student, ref, [x, alpha], {},
                   f"x of shape {shape_str(x.shape)}, alpha of shape {shape_str(alpha.shape)}", x=x)


@grades("prelu_forward", PROPERTY)
def test_prelu_forward_properties(student, ref):
    rng, N, D, x, alpha = _prelu_inputs("prelu-fwd-props")
    forward_props(PRELU, student, [x, alpha], {}, f"x of shape {shape_str(x.shape)}", x.shape)


@grades("prelu_backward", CORRECTNESS)
def test_prelu_backward_matches_reference(student, ref):
    rng, N, D, x, alpha = _prelu_inputs("prelu-bwd")
    dout = rng.standard_normal(x.shape)
    backward_vs_ref(PRELU, student, ref, [x, alpha], {}, dout,
                    f"x of shape {shape_str(x.shape)}, alpha of shape {shape_str(alpha.shape)}",
                    x=x, constants={"N": N},
                    hints={"dalpha": [(np.sum(dout * x, axis=0),
                                       "summed dout * x over ALL entries: only where x <= 0 does "
                                       "alpha act")]})


@grades("prelu_backward", CORRECTNESS)
def test_prelu_backward_matches_numerical_gradient(student, ref):
    rng, N, D, x, alpha = _prelu_inputs("prelu-fd")
    dout = rng.standard_normal(x.shape)
    backward_vs_fd(PRELU, student, [x, alpha], {}, dout, f"x of shape {shape_str(x.shape)}",
                   ref=ref, constants={"N": N}, x=x)


@grades("prelu_backward", PROPERTY)
def test_prelu_backward_properties(student, ref):
    rng, N, D, x, alpha = _prelu_inputs("prelu-bwd-props")
    dout = rng.standard_normal(x.shape)
    backward_props(PRELU, student, [x, alpha], {}, dout,
                   f"x of shape {shape_str(x.shape)}, alpha of shape {shape_str(alpha.shape)}")


# ------------------------------------------------------------------------------------ maxout

MAXOUT = Layer("activations", "maxout_forward", "maxout_backward", ("x", "w", "b"),
               (("dx", 0), ("dw", 1), ("db", 2)))


def _maxout_inputs(name):
    """Inputs whose best and second-best pieces differ by >= 1e-2 (no ties, no kinks)."""
    rng = rng_for(name)
    for _ in range(200):
        N, D, k, M = 5, 4, 3, 2
        x = rng.standard_normal((N, D))
        w = rng.standard_normal((D, k, M))
        b = rng.standard_normal((k, M))
        z = np.sort(np.einsum("nd,dkm->nkm", x, w) + b, axis=1)
        if np.min(z[:, -1, :] - z[:, -2, :]) > 1e-2:
            return rng, x, w, b
    raise RuntimeError("could not draw tie-free maxout inputs")


def _maxout_case(x, w, b):
    return (f"x of shape {shape_str(x.shape)}, w of shape {shape_str(w.shape)}, "
            f"b of shape {shape_str(b.shape)}")


@grades("maxout_forward", CORRECTNESS)
def test_maxout_forward_matches_reference(student, ref):
    rng, x, w, b = _maxout_inputs("maxout-fwd")
    z = np.einsum("nd,dkm->nkm", x, w) + b
    forward_vs_ref(MAXOUT, student, ref, [x, w, b], {}, _maxout_case(x, w, b),
                   hints=[(z.max(axis=2), "took the max over the units (axis 2) instead of over "
                                          "the k pieces (axis 1)"),
                          (z.sum(axis=1), "summed the pieces instead of taking their max")])


@grades("maxout_forward", PROPERTY)
def test_maxout_forward_properties(student, ref):
    rng, x, w, b = _maxout_inputs("maxout-fwd-props")
    forward_props(MAXOUT, student, [x, w, b], {}, _maxout_case(x, w, b), (x.shape[0], w.shape[2]))


@grades("maxout_backward", CORRECTNESS)
def test_maxout_backward_matches_reference(student, ref):
    rng, x, w, b = _maxout_inputs("maxout-bwd")
    dout = rng.standard_normal((x.shape[0], w.shape[2]))
    every = "the gradient went to every piece: only the winning piece (the max) of each unit gets it"
    hints = {
        "dx": [(np.einsum("nm,dkm->nd", dout, w), every)],
        "dw": [(np.einsum("nd,nm->dm", x, dout)[:, None, :].repeat(w.shape[1], axis=1), every)],
        "db": [(np.repeat(dout.sum(axis=0)[None, :], w.shape[1], axis=0), every)],
    }
    backward_vs_ref(MAXOUT, student, ref, [x, w, b], {}, dout, _maxout_case(x, w, b),
                    constants={"N": x.shape[0], "k": w.shape[1]}, hints=hints)


@grades("maxout_backward", CORRECTNESS)
def test_maxout_backward_matches_numerical_gradient(student, ref):
    rng, x, w, b = _maxout_inputs("maxout-fd")
    dout = rng.standard_normal((x.shape[0], w.shape[2]))
    backward_vs_fd(MAXOUT, student, [x, w, b], {}, dout, _maxout_case(x, w, b), ref=ref,
                   constants={"N": x.shape[0], "k": w.shape[1]})


@grades("maxout_backward", PROPERTY)
def test_maxout_backward_properties(student, ref):
    rng, x, w, b = _maxout_inputs("maxout-bwd-props")
    dout = rng.standard_normal((x.shape[0], w.shape[2]))
    backward_props(MAXOUT, student, [x, w, b], {}, dout, _maxout_case(x, w, b))

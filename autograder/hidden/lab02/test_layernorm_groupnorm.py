"""Hidden checks of lab 02: layer and group normalization (instructor only, never released).

A correct layer normalization normalises each example over its own features (axis 1), with the
biased variance and ln_param's eps inside the square root, then applies gamma and beta per
feature; a correct group normalization does the same within each group of D // G CONSECUTIVE
features. Backward passes agree with the reference and with finite differences of the student's
own forward; shapes are exact; inputs are not modified.
"""
import numpy as np

from autograder.diagnose import compare
from autograder.hidden.checklib import CORRECTNESS, PROPERTY, REF_RTOL, call, expect_tuple, fail
from autograder.hidden.lab02.normlib import (
    EPS, _norm, backward_hints, backward_props, backward_vs_own_fd, case_text, correct_backward,
    forward_props, gn_model, grades, inputs, judge_backward,
)


def _forward_vs_ref(student, ref, fwd_name, args, case, hints):
    res = call(getattr(student.normalization, fwd_name), *args, case=case, keep=[1])
    out, _ = expect_tuple(res, 2, fwd_name, case, ("out", "cache"))
    copies = [a.copy() if isinstance(a, np.ndarray) else (dict(a) if isinstance(a, dict) else a)
              for a in args]
    expected, _ = getattr(ref.normalization, fwd_name)(*copies)
    msg = compare(out, expected, name="out", rtol=REF_RTOL, hints=hints)
    if msg:
        fail(f"{case}: {msg}")


def _ln_hints(x, gamma, beta, eps=EPS):
    def out(xh):
        return gamma * xh + beta
    return [
        (out(_norm(x, 0, eps)), "normalised over the batch (axis 0), like batch normalization: "
                                "layer normalization uses each example's own features (axis 1)"),
        (out(_norm(x, 1, eps, ddof=1)), "unbiased variance (divided by D - 1): use the biased "
                                        "variance (divide by D)"),
        (out(_norm(x, 1, eps, eps_outside=True)), "eps outside the square root: use "
                                                  "sqrt(var + eps)"),
        (out(_norm(x, 1, 1e-5)), "ln_param['eps'] ignored: use ln_param.get('eps', 1e-5)"),
        (_norm(x, 1, eps), "gamma and beta are missing: out = gamma * x_hat + beta"),
    ]


# ----------------------------------------------------------------------------- layernorm

@grades("layernorm_forward", CORRECTNESS)
def test_layernorm_forward_matches_reference(student, ref):
    rng, x, gamma, beta = inputs("ln-fwd")
    _forward_vs_ref(student, ref, "layernorm_forward", [x, gamma, beta, {}], case_text(x),
                    _ln_hints(x, gamma, beta))


@grades("layernorm_forward", CORRECTNESS)
def test_layernorm_forward_eps(student, ref):
    rng, x, gamma, beta = inputs("ln-fwd-eps")
    x = 0.05 * x + rng.standard_normal((x.shape[0], 1))
    _forward_vs_ref(student, ref, "layernorm_forward", [x, gamma, beta, {"eps": 0.1}],
                    "ln_param['eps'] = 0.1, nearly constant rows, " + case_text(x),
                    _ln_hints(x, gamma, beta, eps=0.1))


@grades("layernorm_forward", CORRECTNESS)
def test_layernorm_forward_single_example(student, ref):
    """One example: layer normalization works at batch size 1 (batch normalization cannot)."""
    rng, x, gamma, beta = inputs("ln-fwd-1", N=1, D=5)
    _forward_vs_ref(student, ref, "layernorm_forward", [x, gamma, beta, {}],
                    "a single example, " + case_text(x), _ln_hints(x, gamma, beta))


@grades("layernorm_forward", PROPERTY)
def test_layernorm_forward_properties(student, ref):
    rng, x, gamma, beta = inputs("ln-fwd-props")
    forward_props(student, "layernorm_forward", [x, gamma, beta, {}], case_text(x))


def _ln_backward_hints(x, gamma, dout):
    hints = backward_hints(x, gamma, dout, "layernorm")
    inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    x_hat = (x - x.mean(axis=1, keepdims=True)) * inv_std
    g = dout * gamma
    hints["dx"].append((inv_std * (g - g.mean(axis=0) - x_hat * np.mean(g * x_hat, axis=0)),
                        "the means of the backward pass are over the batch (axis 0): for layer "
                        "normalization they are over each example's features (axis 1)"))
    return hints


def _ln_case(name, N=None, D=None):
    rng, x, gamma, beta = inputs(name, N=N, D=D)
    return x, gamma, beta, rng.standard_normal(x.shape)


@grades("layernorm_backward", CORRECTNESS)
def test_layernorm_backward_dx_matches_reference(student, ref):
    x, gamma, beta, dout = _ln_case("ln-bwd")
    judge_backward(student, ref, "layernorm", [x, gamma, beta, {}], dout, case_text(x),
                   bwd_name="layernorm_backward", hints=_ln_backward_hints(x, gamma, dout),
                   only=("dx",))


@grades("layernorm_backward", CORRECTNESS)
def test_layernorm_backward_dgamma_dbeta_match_reference(student, ref):
    x, gamma, beta, dout = _ln_case("ln-bwd")
    judge_backward(student, ref, "layernorm", [x, gamma, beta, {}], dout, case_text(x),
                   bwd_name="layernorm_backward", hints=_ln_backward_hints(x, gamma, dout),
                   only=("dgamma", "dbeta"))


@grades("layernorm_backward", CORRECTNESS)
def test_layernorm_backward_numerical_gradient(student, ref):
    x, gamma, beta, dout = _ln_case("ln-bwd-fd", N=3, D=4)
    backward_vs_own_fd(student, ref, "layernorm", [x, gamma, beta, {}], dout, case_text(x),
                       bwd_name="layernorm_backward")


@grades("layernorm_backward", PROPERTY)
def test_layernorm_backward_properties(student, ref):
    x, gamma, beta, dout = _ln_case("ln-bwd-props")
    backward_props(student, "layernorm", [x, gamma, beta, {}], dout, case_text(x),
                   bwd_name="layernorm_backward")


# ----------------------------------------------------------------------------- groupnorm

def _gn_hints(x, gamma, beta, G, eps=EPS):
    N, D = x.shape
    hints = [
        (gn_model(x, gamma, beta, G, eps, strided=True),
         "groups of every G-th feature: a group is D // G CONSECUTIVE features "
         "(x.reshape(N, G, D // G), statistics over the last axis)"),
        (gamma * _norm(x, 1, eps) + beta, "G ignored: this is layer normalization (one group "
                                          "of all D features)"),
        (gn_model(x, gamma, beta, G, eps, ddof=1), "unbiased variance: use the biased variance"),
        (gn_model(x, gamma, beta, G, eps, eps_outside=True), "eps outside the square root"),
        (gn_model(x, gamma, beta, G, 1e-5), "gn_param['eps'] ignored"),
    ]
    # statistics of each group over the whole batch (examples mixed)
    xg = x.reshape(N, G, D // G)
    m = xg.mean(axis=(0, 2), keepdims=True)
    v = xg.var(axis=(0, 2), keepdims=True)
    hints.append((gamma * ((xg - m) / np.sqrt(v + eps)).reshape(N, D) + beta,
                  "the statistics mix the examples of the batch: each example's groups are "
                  "normalised on their own (means over axis 2 of (N, G, D // G) only)"))
    return hints


@grades("groupnorm_forward", CORRECTNESS)
def test_groupnorm_forward_two_groups(student, ref):
    rng, x, gamma, beta = inputs("gn-fwd-2", G=2)
    _forward_vs_ref(student, ref, "groupnorm_forward", [x, gamma, beta, 2, {}],
                    "G=2, " + case_text(x), _gn_hints(x, gamma, beta, 2))


@grades("groupnorm_forward", CORRECTNESS)
def test_groupnorm_forward_three_groups(student, ref):
    rng, x, gamma, beta = inputs("gn-fwd-3", N=4, D=12, G=3)
    _forward_vs_ref(student, ref, "groupnorm_forward", [x, gamma, beta, 3, {"eps": 0.01}],
                    "G=3, gn_param['eps'] = 0.01, " + case_text(x),
                    _gn_hints(x, gamma, beta, 3, eps=0.01))


@grades("groupnorm_forward", CORRECTNESS)
def test_groupnorm_forward_one_group_is_layernorm(student, ref):
    rng, x, gamma, beta = inputs("gn-fwd-1")
    _forward_vs_ref(student, ref, "groupnorm_forward", [x, gamma, beta, 1, {}],
                    "G=1 (layer normalization), " + case_text(x), _gn_hints(x, gamma, beta, 1))


@grades("groupnorm_forward", PROPERTY)
def test_groupnorm_forward_properties(student, ref):
    rng, x, gamma, beta = inputs("gn-fwd-props", G=2)
    forward_props(student, "groupnorm_forward", [x, gamma, beta, 2, {}],
                  "G=2, " + case_text(x))


def _gn_case(name, G, N=None, D=None):
    rng, x, gamma, beta = inputs(name, N=N, D=D, G=G)
    return x, gamma, beta, rng.standard_normal(x.shape)


def _gn_backward_hints(x, gamma, dout, G):
    hints = backward_hints(x, gamma, dout, "groupnorm", G)
    inv_std = 1 / np.sqrt(x.var(axis=1) + EPS)
    x_hat = (x - x.mean(axis=1, keepdims=True)) * inv_std[:, None]
    hints["dx"].append((correct_backward(x_hat, inv_std, gamma, dout, "layernorm")[0],
                        "G ignored in the backward pass: this is layer normalization's gradient"))
    N, D = x.shape
    xg = x.reshape(N, G, D // G)
    std_g = np.repeat(np.sqrt(xg.var(axis=2) + EPS), D // G, axis=1)
    xh = (xg - xg.mean(axis=2, keepdims=True)).reshape(N, D) / std_g
    g = dout * gamma
    hints["dx"].append(((g - g.mean(axis=1, keepdims=True)
                         - xh * np.mean(g * xh, axis=1, keepdims=True)) / std_g,
                        "the means of the backward pass are over each whole example (axis 1): "
                        "take them within each group (reshape to (N, G, D // G), axis 2)"))
    return hints


@grades("groupnorm_backward", CORRECTNESS)
def test_groupnorm_backward_two_groups(student, ref):
    x, gamma, beta, dout = _gn_case("gn-bwd-2", 2)
    judge_backward(student, ref, "groupnorm", [x, gamma, beta, 2, {}], dout,
                   "G=2, " + case_text(x), bwd_name="groupnorm_backward", G=2,
                   hints=_gn_backward_hints(x, gamma, dout, 2), only=("dx",))


@grades("groupnorm_backward", CORRECTNESS)
def test_groupnorm_backward_three_groups_dx(student, ref):
    x, gamma, beta, dout = _gn_case("gn-bwd-3", 3, N=3, D=9)
    judge_backward(student, ref, "groupnorm", [x, gamma, beta, 3, {}], dout,
                   "G=3, " + case_text(x), bwd_name="groupnorm_backward", G=3,
                   hints=_gn_backward_hints(x, gamma, dout, 3), only=("dx",))


@grades("groupnorm_backward", CORRECTNESS)
def test_groupnorm_backward_dgamma_dbeta(student, ref):
    x, gamma, beta, dout = _gn_case("gn-bwd-3", 3, N=3, D=9)
    judge_backward(student, ref, "groupnorm", [x, gamma, beta, 3, {}], dout,
                   "G=3, " + case_text(x), bwd_name="groupnorm_backward", G=3,
                   hints=_gn_backward_hints(x, gamma, dout, 3), only=("dgamma", "dbeta"))


@grades("groupnorm_backward", CORRECTNESS)
def test_groupnorm_backward_numerical_gradient(student, ref):
    x, gamma, beta, dout = _gn_case("gn-bwd-fd", 2, N=3, D=6)
    backward_vs_own_fd(student, ref, "groupnorm", [x, gamma, beta, 2, {}], dout,
                       "G=2, " + case_text(x), bwd_name="groupnorm_backward", G=2)


@grades("groupnorm_backward", PROPERTY)
def test_groupnorm_backward_properties(student, ref):
    x, gamma, beta, dout = _gn_case("gn-bwd-props", 2)
    backward_props(student, "groupnorm", [x, gamma, beta, 2, {}], dout, "G=2, " + case_text(x),
                   bwd_name="groupnorm_backward")

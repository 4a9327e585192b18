"""Hidden checks of lab 02: batch normalization (instructor only, never released).

What a correct batch normalization does, one property per check: training output from the
batch's statistics (biased variance, eps inside the square root, bn_param's eps honoured);
running averages carried across calls and written back into bn_param with momentum the right
way round; test mode from the running averages (and leaving them alone); inputs untouched,
shapes exact, float64 kept; two backward passes that agree with the reference, with finite
differences of the student's own forward, and never charge a forward mistake twice.
"""
import numpy as np

from autograder.diagnose import compare
from autograder.hidden.checklib import CORRECTNESS, PROPERTY, REF_RTOL, check_array, fail
from autograder.hidden.lab02.normlib import (
    EPS, _norm, backward_hints, backward_props, backward_vs_own_fd, bn_call, case_text,
    forward_props, grades, inputs, judge_backward, running_stat,
)

MOMENTUM_SWAPPED = ("momentum the wrong way round: running = momentum * running + "
                    "(1 - momentum) * batch statistic (momentum = 0.9 keeps 90% of the old value)")


def _train_hints(x, gamma, beta, eps=EPS):
    def out(xh):
        return gamma * xh + beta
    return [
        (out(_norm(x, 0, eps, ddof=1)), "unbiased variance (divided by N - 1): batch "
                                        "normalization uses the biased variance (np.var, divide by N)"),
        (out(_norm(x, 0, eps, eps_outside=True)), "eps outside the square root: use "
                                                  "sqrt(var + eps), not sqrt(var) + eps"),
        (out(_norm(x, 0, eps, no_eps=True)), "eps is missing: divide by sqrt(var + eps)"),
        (out(_norm(x, 0, 1e-5)), "bn_param['eps'] ignored: use bn_param.get('eps', 1e-5)"),
        (out(_norm(x, 1, eps)), "statistics of each example (axis 1): batch normalization uses "
                                "each feature's mean and variance over the batch (axis 0)"),
        (_norm(x, 0, eps), "gamma and beta are missing: out = gamma * x_hat + beta"),
        (gamma * _norm(x, 0, eps), "beta is missing: out = gamma * x_hat + beta"),
        (_norm(x, 0, eps) + beta, "gamma is missing: out = gamma * x_hat + beta"),
        (beta * _norm(x, 0, eps) + gamma, "gamma and beta swapped: out = gamma * x_hat + beta"),
        ((x - x.mean(0)) * gamma + beta, "x is only centred, not divided by its standard deviation"),
    ]


def _running(xs, rm, rv, momentum, *, swap=False, unbiased=False, std=False):
    for x in xs:
        m = (1 - momentum) if swap else momentum
        v = x.var(axis=0, ddof=1 if unbiased else 0)
        rm = m * rm + (1 - m) * x.mean(axis=0)
        rv = m * rv + (1 - m) * (np.sqrt(v + EPS) if std else v)
    return rm, rv


def _running_hints(xs, rm0, rv0, momentum, key):
    i = 0 if key == "running_mean" else 1
    hints = [
        (_running(xs, rm0, rv0, momentum, swap=True)[i], MOMENTUM_SWAPPED),
        (_running(xs, rm0, rv0, 0.9)[i], "bn_param['momentum'] ignored: use "
                                         "bn_param.get('momentum', 0.9)"),
        ((rm0, rv0)[i], f"{key} never changes: update it in training mode and write it back "
                        f"into bn_param"),
        (_running(xs[-1:], rm0, rv0, momentum)[i], f"{key} only reflects the last call: it must "
                                                   f"start from the value in bn_param"),
        (_running(xs, np.zeros_like(rm0), np.zeros_like(rv0), momentum)[i],
         f"the {key} given in bn_param was ignored (started from zeros)"),
        ((xs[-1].mean(0), xs[-1].var(0))[i], f"{key} is the last batch's statistic, not a "
                                             f"running average"),
    ]
    if key == "running_var":
        hints += [
            (_running(xs, rm0, rv0, momentum, unbiased=True)[1],
             "running_var uses the unbiased variance (N - 1); use the same biased variance as "
             "in the normalisation (PyTorch differs here; this course follows cs231n)"),
            (_running(xs, rm0, rv0, momentum, std=True)[1],
             "running_var holds a running standard deviation; keep the running VARIANCE"),
        ]
    return hints


# ----------------------------------------------------------------------------- forward, train

@grades("batchnorm_forward", CORRECTNESS)
def test_train_output_matches_reference(student, ref):
    rng, x, gamma, beta = inputs("bn-fwd-train")
    case = "training mode, " + case_text(x)
    out, _, _ = bn_call(student, x, gamma, beta, {"mode": "train"}, case)
    expected, _ = ref.normalization.batchnorm_forward(x.copy(), gamma, beta, {"mode": "train"})
    msg = compare(out, expected, name="out", rtol=REF_RTOL, constants={"N": x.shape[0]},
                  hints=_train_hints(x, gamma, beta))
    if msg:
        fail(f"{case}: {msg}")


@grades("batchnorm_forward", CORRECTNESS)
def test_train_eps_on_near_constant_features(student, ref):
    """eps = 0.1 with features of std ~0.05: eps decides the result (inside the sqrt)."""
    rng, x, gamma, beta = inputs("bn-fwd-eps")
    x = x.mean(axis=0) + 0.05 * rng.standard_normal(x.shape)
    case = "training mode, bn_param['eps'] = 0.1, near-constant features, " + case_text(x)
    out, _, _ = bn_call(student, x, gamma, beta, {"mode": "train", "eps": 0.1}, case)
    expected, _ = ref.normalization.batchnorm_forward(x.copy(), gamma, beta,
                                                      {"mode": "train", "eps": 0.1})
    msg = compare(out, expected, name="out", rtol=REF_RTOL,
                  hints=_train_hints(x, gamma, beta, eps=0.1))
    if msg:
        fail(f"{case}: {msg}")


@grades("batchnorm_forward", CORRECTNESS)
def test_train_constant_feature_stays_finite(student, ref):
    rng, x, gamma, beta = inputs("bn-fwd-const")
    x[:, 1] = 0.25
    case = "training mode, feature 1 constant (variance 0), " + case_text(x)
    out, _, _ = bn_call(student, x, gamma, beta, {"mode": "train"}, case)
    expected, _ = ref.normalization.batchnorm_forward(x.copy(), gamma, beta, {"mode": "train"})
    msg = compare(out, expected, name="out", rtol=REF_RTOL, hints=_train_hints(x, gamma, beta))
    if msg:
        if isinstance(out, np.ndarray) and out.shape == x.shape and \
                not np.all(np.isfinite(out[:, 1])):
            msg += (" — a constant feature has variance 0: eps must sit inside the square root "
                    "(sqrt(var + eps)) so that nothing divides by zero")
        fail(f"{case}: {msg}")


# ----------------------------------------------------------------------------- running averages

def _warm_up(student, xs, gamma, beta, bn_param, case):
    for k, x in enumerate(xs):
        _, _, bn_param = bn_call(student, x, gamma, beta, bn_param, f"{case}, call {k + 1}")
        bn_param = dict(bn_param)
        if bn_param.get("mode") != "train":
            bn_param["mode"] = "train"
    return bn_param


@grades("batchnorm_forward", CORRECTNESS)
def test_running_averages_after_several_train_calls(student, ref):
    rng, x, gamma, beta = inputs("bn-running")
    N, D = x.shape
    xs = [x + k * rng.standard_normal(D) for k in range(3)]
    xs = [xk * rng.uniform(0.5, 2.0, size=D) for xk in xs]
    rm0, rv0 = rng.standard_normal(D), rng.uniform(0.5, 2.0, size=D)
    start = {"mode": "train", "momentum": 0.7, "running_mean": rm0.copy(),
             "running_var": rv0.copy()}
    case = (f"3 training calls from bn_param with momentum 0.7 and given running_mean/running_var,"
            f" {case_text(x)}")
    after = _warm_up(student, xs, gamma, beta, dict(start), case)
    ref_param = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in start.items()}
    for xk in xs:
        ref.normalization.batchnorm_forward(xk.copy(), gamma, beta, ref_param)
    for key in ("running_mean", "running_var"):
        value = running_stat(after, key, D, case)
        msg = compare(value, ref_param[key], name=f"bn_param['{key}']", rtol=REF_RTOL,
                      hints=_running_hints(xs, rm0, rv0, 0.7, key))
        if msg:
            fail(f"{case}: {msg}")


@grades("batchnorm_forward", CORRECTNESS)
def test_running_averages_defaults(student, ref):
    """No momentum, no running averages in bn_param: momentum 0.9, both start at zeros."""
    rng, x, gamma, beta = inputs("bn-running-defaults")
    N, D = x.shape
    xs = [x, 1.5 * x + 1.0]
    case = f"2 training calls from bn_param = {{'mode': 'train'}}, {case_text(x)}"
    after = _warm_up(student, xs, gamma, beta, {"mode": "train"}, case)
    zeros = np.zeros(D)
    for i, key in enumerate(("running_mean", "running_var")):
        value = running_stat(after, key, D, case)
        expected = _running(xs, zeros, zeros, 0.9)[i]
        hints = [(_running(xs, zeros, zeros, 0.1)[i], MOMENTUM_SWAPPED + " — or a default "
                  "momentum of 0.1 (PyTorch's convention); the default here is 0.9")]
        if key == "running_var":
            hints.append((_running(xs, zeros, np.ones(D), 0.9)[1],
                          "running_var starts at ones; cs231n (and this lab) start it at zeros"))
            hints += [h for h in _running_hints(xs, zeros, zeros, 0.9, key)
                      if "unbiased" in h[1]]
        msg = compare(value, expected, name=f"bn_param['{key}']", rtol=REF_RTOL, hints=hints)
        if msg:
            fail(f"{case}: {msg}")


@grades("batchnorm_forward", PROPERTY)
def test_running_averages_shape_and_dtype(student, ref):
    rng, x, gamma, beta = inputs("bn-running-props")
    case = "one training call, " + case_text(x)
    _, _, after = bn_call(student, x, gamma, beta, {"mode": "train"}, case)
    for key in ("running_mean", "running_var"):
        check_array(running_stat(after, key, x.shape[1], case), f"bn_param['{key}']",
                    (x.shape[1],), case)


# ----------------------------------------------------------------------------- test mode

def _ref_warm(ref, xs, gamma, beta):
    bn_param = {"mode": "train"}
    for x in xs:
        ref.normalization.batchnorm_forward(x.copy(), gamma, beta, bn_param)
    return bn_param


@grades("batchnorm_forward", CORRECTNESS)
def test_test_mode_uses_running_averages(student, ref):
    """Test mode after warm-up: bn_param holds running averages from 5 training passes (computed
    here, so that a mistake in the running averages is not charged again)."""
    rng, x, gamma, beta = inputs("bn-test-mode")
    N, D = x.shape
    xs = [x * (1 + 0.2 * k) + 0.3 * k for k in range(5)]
    warm = _ref_warm(ref, xs, gamma, beta)
    x_test = 2.0 * rng.standard_normal((3, D)) + 1.0
    bn_param = {"mode": "test", "running_mean": warm["running_mean"].copy(),
                "running_var": warm["running_var"].copy()}
    case = f"test mode after 5 training passes, a test batch of 3 examples, D={D}"
    out, _, after = bn_call(student, x_test, gamma, beta, dict(bn_param), case)
    expected, _ = ref.normalization.batchnorm_forward(x_test.copy(), gamma, beta, dict(bn_param))
    rm, rv = bn_param["running_mean"], bn_param["running_var"]
    hints = [
        (gamma * _norm(x_test, 0) + beta, "test mode used the batch's statistics: at test time "
                                          "normalise with running_mean and running_var"),
        (gamma * (x_test - rm) / np.sqrt(rv) + beta, "eps is missing in test mode: divide by "
                                                     "sqrt(running_var + eps)"),
        (gamma * (x_test - rm) / (np.sqrt(rv) + EPS) + beta, "eps outside the square root in "
                                                             "test mode"),
        (gamma * (x_test - rm) / (rv + EPS) + beta, "divided by running_var; divide by its "
                                                    "square root, sqrt(running_var + eps)"),
    ]
    msg = compare(out, expected, name="out", rtol=REF_RTOL, hints=hints)
    if msg:
        fail(f"{case}: {msg}")
    for key in ("running_mean", "running_var"):
        if key in after and isinstance(after[key], np.ndarray) and \
                after[key].shape == bn_param[key].shape and \
                not np.allclose(after[key], bn_param[key], rtol=1e-12, atol=0):
            fail(f"{case}: test mode changed bn_param['{key}'] — only training updates the "
                 f"running averages")


@grades("batchnorm_forward", CORRECTNESS)
def test_test_mode_single_example(student, ref):
    """At test time a batch may hold one example: its output must not depend on the batch."""
    rng, x, gamma, beta = inputs("bn-test-one")
    D = x.shape[1]
    rm, rv = rng.standard_normal(D), rng.uniform(0.5, 2.0, size=D)
    x_one = rng.standard_normal((1, D))
    bn_param = {"mode": "test", "running_mean": rm, "running_var": rv}
    case = f"test mode on a single example (N=1), D={D}, given running averages"
    out, _, _ = bn_call(student, x_one, gamma, beta, {k: (v.copy() if isinstance(v, np.ndarray)
                                                         else v) for k, v in bn_param.items()},
                        case)
    expected, _ = ref.normalization.batchnorm_forward(x_one.copy(), gamma, beta, dict(bn_param))
    hints = [(np.broadcast_to(beta, x_one.shape), "the output is beta: test mode used the "
              "statistics of the (one-example) batch; use running_mean and running_var")]
    msg = compare(out, expected, name="out", rtol=REF_RTOL, hints=hints)
    if msg:
        fail(f"{case}: {msg}")


@grades("batchnorm_forward", PROPERTY)
def test_forward_properties(student, ref):
    rng, x, gamma, beta = inputs("bn-fwd-props")
    forward_props(student, "batchnorm_forward", [x, gamma, beta, {"mode": "train"}],
                  "training mode, " + case_text(x))


# ----------------------------------------------------------------------------- backward passes

def _backward_case(name, N=None, D=None):
    rng, x, gamma, beta = inputs(name, N=N, D=D)
    dout = rng.standard_normal(x.shape)
    return x, gamma, beta, dout


def _judge(student, ref, bwd_name, name, N=None, D=None, only=None):
    x, gamma, beta, dout = _backward_case(name, N, D)
    judge_backward(student, ref, "batchnorm", [x, gamma, beta, {"mode": "train"}], dout,
                   "training mode, " + case_text(x), bwd_name=bwd_name,
                   hints=backward_hints(x, gamma, dout, "batchnorm"), only=only)


@grades("batchnorm_backward", CORRECTNESS)
def test_backward_dx_matches_reference(student, ref):
    _judge(student, ref, "batchnorm_backward", "bn-bwd", only=("dx",))


@grades("batchnorm_backward", CORRECTNESS)
def test_backward_dgamma_dbeta_match_reference(student, ref):
    _judge(student, ref, "batchnorm_backward", "bn-bwd", only=("dgamma", "dbeta"))


@grades("batchnorm_backward", CORRECTNESS)
def test_backward_small_batch(student, ref):
    _judge(student, ref, "batchnorm_backward", "bn-bwd-n2", N=2, D=3)


@grades("batchnorm_backward", CORRECTNESS)
def test_backward_numerical_gradient(student, ref):
    x, gamma, beta, dout = _backward_case("bn-bwd-fd", N=4, D=3)
    backward_vs_own_fd(student, ref, "batchnorm", [x, gamma, beta, {"mode": "train"}], dout,
                       "training mode, " + case_text(x), bwd_name="batchnorm_backward")


@grades("batchnorm_backward", PROPERTY)
def test_backward_properties(student, ref):
    x, gamma, beta, dout = _backward_case("bn-bwd-props")
    backward_props(student, "batchnorm", [x, gamma, beta, {"mode": "train"}], dout,
                   "training mode, " + case_text(x), bwd_name="batchnorm_backward")


@grades("batchnorm_backward_alt", CORRECTNESS)
def test_backward_alt_dx_matches_reference(student, ref):
    _judge(student, ref, "batchnorm_backward_alt", "bn-alt", only=("dx",))


@grades("batchnorm_backward_alt", CORRECTNESS)
def test_backward_alt_dgamma_dbeta_match_reference(student, ref):
    _judge(student, ref, "batchnorm_backward_alt", "bn-alt", only=("dgamma", "dbeta"))


@grades("batchnorm_backward_alt", CORRECTNESS)
def test_backward_alt_small_batch(student, ref):
    _judge(student, ref, "batchnorm_backward_alt", "bn-alt-n2", N=2, D=3)


@grades("batchnorm_backward_alt", CORRECTNESS)
def test_backward_alt_numerical_gradient(student, ref):
    x, gamma, beta, dout = _backward_case("bn-alt-fd", N=4, D=3)
    backward_vs_own_fd(student, ref, "batchnorm", [x, gamma, beta, {"mode": "train"}], dout,
                       "training mode, " + case_text(x), bwd_name="batchnorm_backward_alt")


@grades("batchnorm_backward_alt", PROPERTY)
def test_backward_alt_properties(student, ref):
    x, gamma, beta, dout = _backward_case("bn-alt-props")
    backward_props(student, "batchnorm", [x, gamma, beta, {"mode": "train"}], dout,
                   "training mode, " + case_text(x), bwd_name="batchnorm_backward_alt")

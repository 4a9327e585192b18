"""Hidden checks of lab 06's diagnostics (instructor only, never released).

The grader builds small ReLU networks in KNOWN STATES here, in the trusted process — healthy,
one dead layer, a learning rate 100x too high, an overfit model, weights 100x too large at
initialisation — and sends the student's functions only what they take: arrays (activations,
parameters before and after an update), losses and accuracies. The verdicts must be the ones
the state calls for; the numbers must match the reference.
"""
import numpy as np
import pytest

from autograder.diagnose import compare, describe_type
from autograder.hidden.checklib import (
    CORRECTNESS, PROPERTY, REF_RTOL, call, check_array, check_not_mutated, fail, rng_for,
)
from autograder.hidden.lab06 import known_mistakes as km


def grades(function, weight):
    return pytest.mark.grades(function, weight)


# ----------------------------------------------------------------------------- known states

def _network(name, dims=(20, 16, 12, 10), weight_scale=None, dead_layer=None):
    """Weights and biases of a ReLU MLP (He scale unless told); a dead layer has biases -50."""
    rng = rng_for(name)
    params = {}
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        scale = weight_scale if weight_scale is not None else np.sqrt(2.0 / a)
        params[f"W{i}"] = scale * rng.standard_normal((a, b))
        params[f"b{i}"] = 0.01 * rng.standard_normal(b)
        if dead_layer == i:
            params[f"b{i}"] = params[f"b{i}"] - 50.0
    return params


def _forward(params, X):
    """Hidden ReLU activations (list) and scores."""
    L = len(params) // 2
    h, acts = X, []
    for i in range(1, L):
        h = np.maximum(0.0, h @ params[f"W{i}"] + params[f"b{i}"])
        acts.append(h)
    return acts, h @ params[f"W{L}"] + params[f"b{L}"]


def _softmax_loss_and_grads(params, X, y):
    L = len(params) // 2
    hs, h = [X], X
    for i in range(1, L):
        h = np.maximum(0.0, h @ params[f"W{i}"] + params[f"b{i}"])
        hs.append(h)
    scores = h @ params[f"W{L}"] + params[f"b{L}"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = X.shape[0]
    loss = -logp[np.arange(N), y].mean()
    d = np.exp(logp)
    d[np.arange(N), y] -= 1
    d /= N
    grads = {}
    for i in range(L, 0, -1):
        grads[f"W{i}"] = hs[i - 1].T @ d
        grads[f"b{i}"] = d.sum(axis=0)
        d = (d @ params[f"W{i}"].T) * (hs[i - 1] > 0)
    return float(loss), grads


def _data(name, N=64, D=20, C=10):
    rng = rng_for(name)
    return rng.standard_normal((N, D)), rng.integers(0, C, size=N)


def _sgd_step(params, grads, lr):
    return {k: v - lr * grads[k] for k, v in params.items()}


# ----------------------------------------------------------------------------- initial loss

def _initial_loss_cases():
    X, y = _data("init")
    small = _network("init-small", weight_scale=1e-3)
    large = _network("init-large", weight_scale=1e-1 * 100)
    cases = [(_softmax_loss_and_grads(small, X, y)[0], 10, "as expected"),
             (_softmax_loss_and_grads(large, X, y)[0], 10, "too high")]
    # a "too low" first loss: the labels leaked into the inputs
    leak = X.copy()
    leak[np.arange(len(y)), y] += 30.0
    W = {"W1": np.eye(20, 10) * 1.0, "b1": np.zeros(10)}
    cases.append((_softmax_loss_and_grads(W, leak[:, :20], y)[0], 10, "too low"))
    cases += [(np.log(3) * 1.05, 3, "as expected"), (np.log(100) * 0.93, 100, "as expected"),
              (np.log(10) * 0.85, 10, "too low"), (np.log(2) * 1.3, 2, "too high"),
              (1.0, 10, "too low"), (2.9, 10, "too high")]
    return cases


def _verdicts(student, fn, cases, case, **kw):
    out = []
    for args, _ in cases:
        v = call(getattr(student.diagnostics, fn), *args, case=case, **kw)
        if type(v) is not str:
            fail(f"{case}: {fn} returned {describe_type(v)}, expected one of the verdict strings")
        out.append(v)
    return out


def _judge_verdicts(got, cases, case, alternatives):
    want = [w for _, w in cases]
    if got == want:
        return
    for label, alt in alternatives:
        if got == alt and alt != want:
            fail(f"{case}: {label}")
    (i,) = [j for j, (g, w) in enumerate(zip(got, want)) if g != w][:1]
    fail(f"{case}: for {cases[i][0]} you said {got[i]!r}, expected {want[i]!r}")


@grades("initial_loss_verdict", CORRECTNESS)
def test_initial_loss_verdicts_on_known_networks(student, ref):
    cases = [((float(loss), C), want) for loss, C, want in _initial_loss_cases()]
    case = ("initial losses of a small-weight network, of weights 100x too large, of labels "
            "leaked into the inputs, and near log(C) for C = 2, 3, 10, 100")
    got = _verdicts(student, "initial_loss_verdict", cases, case)

    def verdict(loss, C, expected):
        return "as expected" if abs(loss - expected) <= 0.1 * expected else (
            "too high" if loss > expected else "too low")
    alternatives = [
        ("compares with log10(C): the softmax loss uses the natural log, log(C) = 2.303 for "
         "C = 10", [verdict(l, C, np.log10(C)) for (l, C), _ in cases]),
        ("too high and too low are swapped",
         [{"too high": "too low", "too low": "too high"}.get(w, w) for _, w in cases]),
        ("compares with 1/C, the probability, instead of the loss -log(1/C) = log(C)",
         [verdict(l, C, 1 / C) for (l, C), _ in cases]),
    ]
    _judge_verdicts(got, cases, case, alternatives)


@grades("initial_loss_verdict", CORRECTNESS)
def test_initial_loss_verdict_with_the_callers_tolerance(student, ref):
    cases = [((2.6, 10), "as expected"), ((2.0, 10), "as expected"), ((3.3, 10), "too high")]
    case = "initial_loss_verdict(..., rtol=0.2)"
    got = _verdicts(student, "initial_loss_verdict", cases, case, rtol=0.2)
    _judge_verdicts(got, cases, case, [])


@grades("initial_loss_verdict", PROPERTY)
def test_initial_loss_verdict_properties(student, ref):
    case = "initial_loss_verdict on 30 losses"
    rng = rng_for("init-props")
    for loss in rng.uniform(0, 6, size=30):
        v = call(student.diagnostics.initial_loss_verdict, float(loss), 10, case=case)
        if v not in ref.diagnostics.INITIAL_LOSS_VERDICTS:
            fail(f"{case}: {v!r} is not one of {ref.diagnostics.INITIAL_LOSS_VERDICTS}")


# ----------------------------------------------------------------------------- dead units

def _dead_cases():
    X, _ = _data("dead", N=80)
    healthy, _ = _forward(_network("dead-healthy"), X)
    dead, _ = _forward(_network("dead-layer", dead_layer=2), X)
    half = _network("dead-half")
    half["b1"][::2] -= 50.0                 # every other unit of layer 1 dead
    half_acts, _ = _forward(half, X)
    switched = [a.copy() for a in healthy]
    switched[0][5] = 0.0                    # one input turns every unit of layer 1 off
    return [("a healthy network", healthy), ("a network whose second layer is dead", dead),
            ("a network with half of its first layer dead", half_acts),
            ("a healthy network with one input that switches layer 1 off", switched)]


@grades("dead_unit_fraction", CORRECTNESS)
@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_dead_units_of_known_networks(student, ref, index):
    label, acts = _dead_cases()[index]
    case = f"{label}: activations of shapes {', '.join(str(a.shape) for a in acts)}"
    got = call(student.diagnostics.dead_unit_fraction, acts, case=case)
    msg = compare(got, ref.diagnostics.dead_unit_fraction(acts), name="the dead fractions",
                  rtol=REF_RTOL, hints=km.dead_candidates(acts))
    if msg:
        fail(f"{case}: {msg}")


@grades("dead_unit_fraction", PROPERTY)
def test_dead_units_properties(student, ref):
    _, acts = _dead_cases()[2]
    case = "three layers of activations"
    got = call(student.diagnostics.dead_unit_fraction, acts, case=case, report_mutation=True)
    check_not_mutated(student, case, "dead_unit_fraction", ["activations"])
    check_array(got, "the dead fractions", (len(acts),), case)


# ----------------------------------------------------------------------------- update ratios

def _adam_steps(params, grads, lr, steps=3, beta1=0.9, beta2=0.999, eps=1e-8):
    """``steps`` Adam updates with the same gradients: each entry moves by about lr, whatever
    the size of its gradient (so the update is far from lr * gradient)."""
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(w) for k, w in params.items()}
    out = dict(params)
    for t in range(1, steps + 1):
        for k in out:
            m[k] = beta1 * m[k] + (1 - beta1) * grads[k]
            v[k] = beta2 * v[k] + (1 - beta2) * grads[k] ** 2
            m_hat, v_hat = m[k] / (1 - beta1 ** t), v[k] / (1 - beta2 ** t)
            out[k] = out[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return out


def _update(state):
    """(params before, params after, grads) of one known update of a 3-layer network."""
    X, y = _data("ratio")
    params = _network("ratio-net")
    _, grads = _softmax_loss_and_grads(params, X, y)
    optimizer, lr = RATES[state]
    after = _sgd_step(params, grads, lr) if optimizer == "sgd" else _adam_steps(params, grads, lr)
    return params, after, grads


RATES = {"a healthy learning rate": ("sgd", 0.05), "a learning rate 100x too high": ("sgd", 5.0),
         "a learning rate 100x too low": ("sgd", 5e-4),
         "Adam (three steps) with learning rate 1e-3": ("adam", 1e-3)}


def _ratios(student, before, after, grads, case, **kw):
    """The student's ratios; grads is passed positionally, as the notebook passes it."""
    got = call(student.diagnostics.update_ratios, before, after, grads, case=case, **kw)
    if not isinstance(got, dict) or set(got) != set(before):
        fail(f"{case}: update_ratios returned {describe_type(got)}, expected a dict with one "
             f"ratio per parameter ({', '.join(before)})")
    return got


@grades("update_ratios", CORRECTNESS)
@pytest.mark.parametrize("state", list(RATES))
def test_update_ratios_of_known_updates(student, ref, state):
    before, after, grads = _update(state)
    case = (f"one SGD step of a 3-layer network with {state}" if RATES[state][0] == "sgd"
            else f"{state} on a 3-layer network")
    got = _ratios(student, before, after, grads, case)
    want = ref.diagnostics.update_ratios(before, after, grads)
    for name in before:
        msg = compare(got[name], want[name], name=f"the ratio of {name}", rtol=REF_RTOL,
                      hints=km.ratio_candidates(before, after, grads, name))
        if msg:
            fail(f"{case}: {msg}")


@grades("update_ratios", CORRECTNESS)
def test_update_ratio_verdicts_on_known_learning_rates(student, ref):
    """The rule of thumb read off the student's ratios: healthy, too large, too small."""
    expected = {"a healthy learning rate": "healthy", "a learning rate 100x too high": "too large",
                "a learning rate 100x too low": "too small",
                "Adam (three steps) with learning rate 1e-3": "healthy"}
    for state, want in expected.items():
        before, after, grads = _update(state)
        case = f"one SGD step with {state}" if RATES[state][0] == "sgd" else state
        got = _ratios(student, before, after, grads, case)
        try:
            ratio = float(got["W2"])
            verdict = ref.diagnostics.ratio_verdict(ratio)
        except (TypeError, ValueError):
            fail(f"{case}: the ratio of W2 is {describe_type(got['W2'])}, expected a float")
        if verdict != want:
            fail(f"{case}: your ratio for W2, {ratio:.2g}, reads as {verdict!r} by "
                 f"the ~1e-3 rule of thumb, but the update is {want}")


@grades("update_ratios", PROPERTY)
def test_update_ratios_properties(student, ref):
    before, after, grads = _update("a healthy learning rate")
    case = "one SGD step of a 3-layer network"
    got = call(student.diagnostics.update_ratios, before, after, grads, case=case,
               report_mutation=True)
    check_not_mutated(student, case, "update_ratios", ["params_before", "params_after", "grads"])
    if not isinstance(got, dict):
        fail(f"{case}: expected a dict, got {describe_type(got)}")
    for k, v in got.items():
        if not isinstance(v, (float, np.floating)) or isinstance(v, np.ndarray):
            fail(f"{case}: the ratio of {k} is {describe_type(v)}, expected a float")


# ----------------------------------------------------------------------------- fit verdict

FIT_CASES = [((1.0, 0.72), "overfitting"), ((0.35, 0.33), "underfitting"),
             ((0.97, 0.93), "good fit"), ((0.45, 0.60), "underfitting"),
             ((0.93, 0.95), "good fit"), ((0.99, 0.86), "overfitting"),
             ((0.80, 0.78), "underfitting")]


@grades("fit_verdict", CORRECTNESS)
def test_fit_verdicts_on_known_runs(student, ref):
    case = ("final accuracies of an overfit network, an underfit one, a healthy one, and "
            "noisy runs with validation above training")
    got = _verdicts(student, "fit_verdict", FIT_CASES, case)
    swap = {"overfitting": "underfitting", "underfitting": "overfitting"}

    def abs_gap(t, v):
        return "overfitting" if abs(t - v) > 0.1 else "underfitting" if t < 0.9 else "good fit"
    _judge_verdicts(got, FIT_CASES, case, [
        ("the over- and underfitting verdicts are swapped",
         [swap.get(w, w) for _, w in FIT_CASES]),
        ("the gap is taken in absolute value: validation ABOVE training is no overfitting",
         [abs_gap(*a) for a, _ in FIT_CASES]),
    ])


@grades("fit_verdict", CORRECTNESS)
def test_fit_verdict_with_the_callers_thresholds(student, ref):
    cases = [((0.95, 0.88), "good fit"), ((0.95, 0.80), "overfitting"),
             ((0.70, 0.68), "good fit"), ((0.60, 0.58), "underfitting")]
    case = "fit_verdict(..., max_gap=0.1, min_train_acc=0.65)"
    got = _verdicts(student, "fit_verdict", cases, case, max_gap=0.1, min_train_acc=0.65)
    _judge_verdicts(got, cases, case, [])


@grades("fit_verdict", PROPERTY)
def test_fit_verdict_properties(student, ref):
    case = "fit_verdict on 30 pairs of accuracies"
    rng = rng_for("fit-props")
    for t, v in rng.uniform(0, 1, size=(30, 2)):
        verdict = call(student.diagnostics.fit_verdict, float(t), float(v), case=case)
        if verdict not in ref.diagnostics.FIT_VERDICTS:
            fail(f"{case}: {verdict!r} is not one of {ref.diagnostics.FIT_VERDICTS}")


# ----------------------------------------------------------------------------- moving average

def _loss_curve(name, T=60):
    rng = rng_for(name)
    t = np.arange(T)
    return 2.3 * np.exp(-t / 20) + 0.2 + 0.3 * rng.standard_normal(T)


@grades("moving_average", CORRECTNESS)
@pytest.mark.parametrize("window", [1, 5, 12, 100])
def test_moving_average_values(student, ref, window):
    values = _loss_curve(f"ma-{window}")
    case = f"a noisy loss curve of {values.size} values, window={window}"
    got = call(student.diagnostics.moving_average, values, window, case=case)
    msg = compare(got, ref.diagnostics.moving_average(values, window), name="the average",
                  rtol=REF_RTOL, hints=km.moving_average_candidates(values, window),
                  shape_hints={(values.size - window + 1,):
                               "is shorter than the curve (mode='valid'): return one average "
                               "per value, averaging fewer values at the start"})
    if msg:
        fail(f"{case}: {msg}")


@grades("moving_average", PROPERTY)
def test_moving_average_properties(student, ref):
    values = _loss_curve("ma-props", 30)
    case = "a loss curve of 30 values, window=4"
    got = call(student.diagnostics.moving_average, values, 4, case=case, report_mutation=True)
    check_not_mutated(student, case, "moving_average", ["values", "window"])
    check_array(got, "the average", (30,), case)
    as_list = call(student.diagnostics.moving_average, values.tolist(), 4,
                   case="the same curve as a Python list")
    check_array(as_list, "the average of a list", (30,), "the same curve as a Python list")

"""Helpers of lab 02's hidden checks: normalization layers (trusted process only).

Three things set these layers apart from lab 01's:

- state: batchnorm writes its running averages back into ``bn_param``. The worker sends the
  arguments back as the call left them (``return_args``), so a check reads the student's
  bn_param after each call and passes it on to the next one, as a training loop would.
- one mistake, one deduction (as checklib does for lab 01): a backward pass is judged with its
  own forward's cache. When the student's forward is wrong (say, the unbiased variance), the
  backward is also accepted when it equals the correct backward GIVEN THE STATISTICS THAT FORWARD
  USED (read off its output: x_hat = (out - beta) / gamma, one 1/std per normalisation group),
  so the forward's mistake is not charged twice, and a note says so. A check that cannot judge
  the backward because of its forward (no cache from a failing forward; finite differences of a
  wrong forward) raises NotGradable: it does not count. Each gradient gets its own verdict
  (checklib.fail_outputs): a wrong dgamma alone costs its share of the check only.
- named mistakes: candidate outputs of the usual mistakes are computed here and named when the
  student's output matches one.
"""
import numpy as np

from autograder.diagnose import compare
from autograder.hidden.checklib import (
    FD_RTOL, REF_RTOL, CheckFailed, Layer, NotGradable, _and, call, check_array,
    check_not_mutated, expect_tuple, fail, fail_outputs, note, numeric_grad, rng_for, shape_str,
    this_check,
)
from autograder.hidden.checklib import _backward_mutation as backward_mutation

EPS = 1e-5


def grades(function, weight):
    import pytest
    return pytest.mark.grades(function, weight)


def inputs(name, N=None, D=None, G=None):
    """x (N, D) with feature means and scales far from 0 and 1 (so forgetting to centre or to
    scale shows), gamma away from 0 and 1, beta away from 0. N != D."""
    rng = rng_for(name)
    if N is None:
        N = int(rng.integers(5, 9))
    if D is None:
        D = int(rng.integers(3, 5)) * (G or 1)
        if D == N:
            D += G or 1
    x = rng.uniform(0.5, 3.0, size=D) * rng.standard_normal((N, D)) + rng.uniform(-3, 3, size=D)
    gamma = rng.uniform(0.5, 2.0, size=D) * rng.choice([-1.0, 1.0], size=D)
    gamma[np.abs(gamma - 1) < 0.2] += 0.5
    beta = rng.uniform(0.2, 1.0, size=D) * rng.choice([-1.0, 1.0], size=D)
    return rng, x, gamma, beta


def case_text(x, extra=""):
    N, D = x.shape
    return f"x of shape {shape_str(x.shape)} (N={N}, D={D}){extra}"


# ------------------------------------------------------------------------ plain-numpy models
def _norm(x, axis, eps=EPS, ddof=0, eps_outside=False, no_eps=False):
    with np.errstate(all="ignore"):      # candidates of mistakes may divide by zero
        return _norm_unsafe(x, axis, eps, ddof, eps_outside, no_eps)


def _norm_unsafe(x, axis, eps, ddof, eps_outside, no_eps):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    if no_eps:
        return (x - mean) / np.sqrt(var)
    if eps_outside:
        return (x - mean) / (np.sqrt(var) + eps)
    return (x - mean) / np.sqrt(var + eps)


def group_view(x, G):
    N, D = x.shape
    return x.reshape(N, G, D // G)


def gn_model(x, gamma, beta, G, eps=EPS, strided=False, **kw):
    N, D = x.shape
    if strided:   # groups of every G-th feature instead of consecutive ones
        xh = _norm(x.reshape(N, D // G, G), 1, eps, **kw).reshape(N, D)
    else:
        xh = _norm(group_view(x, G), 2, eps, **kw).reshape(N, D)
    return gamma * xh + beta


# ------------------------------------------------------------------------ calling the student
def bn_call(student, x, gamma, beta, bn_param, case, *, report_mutation=False):
    """Run the student's batchnorm_forward; return (out, cache handle, bn_param after the call)."""
    fn = student.normalization.batchnorm_forward
    res = call(fn, x, gamma, beta, bn_param, case=case, keep=[1], return_args=True,
               report_mutation=report_mutation)
    out, cache = expect_tuple(res, 2, "batchnorm_forward", case, ("out", "cache"))
    args = student.sandbox.last_args
    after = args[3] if isinstance(args, list) and len(args) == 4 else None
    if type(after) is not dict:
        fail(f"{case}: bn_param did not come back as a dict")
    return out, cache, after


def running_stat(bn_param, key, D, case):
    if key not in bn_param:
        fail(f"{case}: bn_param['{key}'] is missing after a training call: the running averages "
             f"must be written back into bn_param (bn_param['{key}'] = ...), or the next call "
             f"and test mode never see them")
    value = bn_param[key]
    if not isinstance(value, np.ndarray):
        fail(f"{case}: bn_param['{key}'] is a {type(value).__name__}, expected an ndarray of "
             f"shape ({D},)")
    if value.shape != (D,):
        msg = f"bn_param['{key}'] has shape {value.shape}, expected ({D},)"
        if value.shape in ((1, D), (D, 1)):
            msg += " (keepdims=True?): keep the running averages 1-D, like gamma and beta"
        fail(f"{case}: {msg}")
    return value


# ------------------------------------------------------------------------ backward judging
def _groups_2d(a, kind, G=None):
    """Rearrange (N, D) so that each COLUMN is one normalisation group."""
    N, D = a.shape
    if kind == "batchnorm":
        return a
    if kind == "layernorm":
        return a.T
    return group_view(a, G).transpose(2, 0, 1).reshape(D // G, N * G)


def _ungroup(a2, kind, shape, G=None):
    N, D = shape
    if kind == "batchnorm":
        return a2
    if kind == "layernorm":
        return a2.T
    return a2.reshape(D // G, N, G).transpose(1, 2, 0).reshape(N, D)


def correct_backward(x_hat, inv_std, gamma, dout, kind, G=None):
    """dx, dgamma, dbeta of out = gamma * x_hat + beta, x_hat = (x - mean) * inv_std (one
    inv_std per group, the row vector of _groups_2d's columns)."""
    g2 = _groups_2d(dout * gamma, kind, G)
    xh2 = _groups_2d(x_hat, kind, G)
    dx2 = inv_std * (g2 - g2.mean(axis=0) - xh2 * np.mean(g2 * xh2, axis=0))
    return (_ungroup(dx2, kind, dout.shape, G), np.sum(dout * x_hat, axis=0), dout.sum(axis=0))


def implied_statistics(x, out, gamma, beta, kind, G=None):
    """(x_hat, inv_std) that a forward of the form gamma * (x - mean) * inv_std + beta used,
    read off its output: inv_std as an (N, D) array, one value per normalisation group of
    whichever layout fits (the lab's or another one: a wrong axis is a forward mistake). None
    when the output is not of that form."""
    if not isinstance(out, np.ndarray) or out.shape != x.shape or not np.all(np.isfinite(out)):
        return None
    x_hat = (out.astype(np.float64) - beta) / gamma
    layouts = [(kind, G), ("batchnorm", None), ("layernorm", None)]
    for lay, g in layouts:
        xc2 = _groups_2d(x, lay, g)
        xc2 = xc2 - xc2.mean(axis=0)
        xh2 = _groups_2d(x_hat, lay, g)
        ss = np.sum(xc2 * xc2, axis=0)
        if np.any(ss == 0):
            continue
        inv = np.sum(xh2 * xc2, axis=0) / ss
        if np.max(np.abs(xh2 - xc2 * inv)) <= 1e-9 * max(1.0, np.max(np.abs(xh2))):
            return x_hat, _ungroup(np.broadcast_to(inv, xc2.shape), lay, x.shape, g)
    return None


def backward_given(x_hat, inv_std_full, gamma, dout, kind, G=None):
    """The correct backward formula of ``kind`` given x_hat and an elementwise 1/std: what the
    reference backward computes from a cache holding (x_hat, std)."""
    g2 = _groups_2d(dout * gamma, kind, G)
    xh2 = _groups_2d(x_hat, kind, G)
    inv2 = _groups_2d(inv_std_full, kind, G)
    dx2 = inv2 * (g2 - g2.mean(axis=0) - xh2 * np.mean(g2 * xh2, axis=0))
    return (_ungroup(dx2, kind, dout.shape, G), np.sum(dout * x_hat, axis=0), dout.sum(axis=0))


def backward_hints(x, gamma, dout, kind, G=None, eps=EPS):
    """Candidates (value, message) of the usual backward mistakes, per gradient name."""
    N = x.shape[0]
    x2 = _groups_2d(x, kind, G)
    inv_std = 1 / np.sqrt(x2.var(axis=0) + eps)
    x_hat = _ungroup((x2 - x2.mean(axis=0)) * inv_std, kind, x.shape, G)
    dx, dgamma, dbeta = correct_backward(x_hat, inv_std, gamma, dout, kind, G)
    g2 = _groups_2d(dout * gamma, kind, G)
    xh2 = _groups_2d(x_hat, kind, G)
    no_var = _ungroup(inv_std * (g2 - g2.mean(axis=0)), kind, x.shape, G)
    no_mean = _ungroup(inv_std * (g2 - xh2 * np.mean(g2 * xh2, axis=0)), kind, x.shape, G)
    hints = {
        "dx": [
            (no_var, "the term through the variance is missing (x_hat * mean(dx_hat * x_hat)): "
                     "the variance depends on x too"),
            (no_mean, "the term through the mean is missing (mean(dx_hat)): the mean depends "
                      "on x too"),
            (_ungroup(inv_std * _groups_2d(dout * gamma, kind, G), kind, x.shape, G),
             "only the direct path dx_hat / std: the mean and the variance depend on x too"),
            (dx / gamma, "gamma is missing: dx_hat = dout * gamma"),
        ],
        "dgamma": [
            (dgamma / N, "averaged over the batch: dgamma SUMS dout * x_hat over the N examples"),
            (dbeta, "dgamma is sum(dout * x_hat), not sum(dout)"),
            (np.sum(dout * x, axis=0), "dgamma uses x; it is sum(dout * x_hat) (the NORMALISED x)"),
        ],
        "dbeta": [(dbeta / N, "averaged over the batch: dbeta SUMS dout over the N examples")],
    }
    if kind == "groupnorm":     # groups of every G-th feature (x.reshape(N, D // G, G))
        D = x.shape[1]
        xs = x.reshape(N, D // G, G)
        is_ = 1 / np.sqrt(xs.var(axis=1) + eps)                        # (N, G)
        xhs = (xs - xs.mean(axis=1, keepdims=True)) * is_[:, None, :]
        gs = (dout * gamma).reshape(N, D // G, G)
        dxs = is_[:, None, :] * (gs - gs.mean(axis=1, keepdims=True)
                                 - xhs * np.mean(gs * xhs, axis=1, keepdims=True))
        hints["dx"].append((dxs.reshape(N, D), "groups of every G-th feature: a group is "
                            "D // G CONSECUTIVE features (x.reshape(N, G, D // G))"))
    return hints


FORWARD_OF = {"batchnorm": "batchnorm_forward", "layernorm": "layernorm_forward",
              "groupnorm": "groupnorm_forward"}
GRADIENTS = (("dx", 0), ("dgamma", 1), ("dbeta", 2))


def layer_of(kind, bwd_name):
    """The forward/backward pair as a checklib.Layer (names for the feedback)."""
    params = {"batchnorm": ("bn_param",), "layernorm": ("ln_param",),
              "groupnorm": ("G", "gn_param")}[kind]
    return Layer("normalization", FORWARD_OF[kind], bwd_name, ("x", "gamma", "beta", *params),
                 GRADIENTS)


def _ref_args(fwd_args):
    return [a.copy() if isinstance(a, np.ndarray) else (dict(a) if isinstance(a, dict) else a)
            for a in fwd_args]


def student_gradients(student, kind, fwd_args, dout, case, *, bwd_name, report_mutation=False):
    """(out, grads) of the student's forward and backward, the backward fed its own forward's
    cache. When the forward fails (raises, or returns no (out, cache)), the backward has no cache
    to work from: the check is not counted (NotGradable), the forward pays for it."""
    layer = layer_of(kind, bwd_name)
    extra = {"watch_inputs": True} if report_mutation else {}
    try:
        res = call(layer.student_fwd(student), *fwd_args,
                   case=f"{case} (forward pass for the cache)", keep=[1], **extra)
        out, cache = expect_tuple(res, 2, layer.fwd, case, ("out", "cache"))
    except CheckFailed as e:
        err = e.student_error
        if err is not None and err.kind == "not_implemented":
            raise NotGradable(f"{bwd_name} is not graded yet: {layer.fwd} is not implemented, "
                              f"and {bwd_name} needs its cache") from None
        how = (f"raises {err.exc_type}" if err is not None and err.exc_type else
               "fails" if err is not None else "returns no (out, cache) tuple")
        raise NotGradable(f"{case}: not counted: your {layer.fwd} {how} on this input, so "
                          f"{bwd_name} gets no cache to work from ({layer.fwd} is graded for "
                          f"that)") from None
    grads = call(layer.student_bwd(student), dout, cache, case=case,
                 report_mutation=report_mutation)
    return out, expect_tuple(grads, 3, bwd_name, case, ("dx", "dgamma", "dbeta"))


def judge_backward(student, ref, kind, fwd_args, dout, case, *, bwd_name, G=None, hints=None,
                   only=None):
    """The student's backward (fed its own forward's cache) against the reference; when the
    student's forward is wrong, against the correct backward given that forward's statistics.
    One verdict per gradient judged (``only``: their names): the check earns the share that is
    right (checklib.fail_outputs)."""
    mod = student.normalization
    fwd_name = FORWARD_OF[kind]
    x, gamma, beta = fwd_args[:3]
    out, grads = student_gradients(student, kind, fwd_args, dout, case, bwd_name=bwd_name)
    ref_out, rcache = getattr(ref.normalization, fwd_name)(*_ref_args(fwd_args))
    expected = getattr(ref.normalization, bwd_name if kind == "batchnorm" else
                       f"{kind}_backward")(dout.copy(), rcache)
    forward_ok = compare(out, ref_out, rtol=REF_RTOL) is None
    alt = None
    if not forward_ok:
        stats = implied_statistics(x, out, gamma, beta, kind, G)
        if stats is not None:
            alt = backward_given(stats[0], stats[1], gamma, dout, kind, G)
    own_fd = {}

    def consistent_with_own_forward(i, g):
        """A wrong forward with its own correct derivative: the mistake is the forward's."""
        if i not in own_fd:
            try:
                own_fd[i] = numeric_grad(getattr(mod, fwd_name), list(fwd_args), i, dout,
                                         case=case, what=fwd_name)
            except Exception:   # noqa: BLE001 — CheckFailed from the student's forward
                own_fd[i] = None
        return own_fd[i] is not None and compare(g, own_fd[i], rtol=FD_RTOL) is None
    N, D = x.shape
    shape_hints = {n: {(1, D): f"keepdims=True? {n} must be 1-D, shape ({D},) like gamma",
                       (D, 1): f"{n} must be 1-D, shape ({D},)",
                       (N,): "summed over the features (axis 1) instead of the batch (axis 0)?"}
                   for n in ("dgamma", "dbeta")}
    judged, wrong, excused = 0, [], []
    for i, ((name, _), g, e) in enumerate(zip(GRADIENTS, grads, expected)):
        if only and name not in only:
            continue
        judged += 1
        msg = compare(g, e, name=name, rtol=REF_RTOL, constants={"N": N, "D": D},
                      hints=(hints or {}).get(name, ()), shape_hints=shape_hints.get(name))
        if msg and alt is not None and compare(g, alt[i], name=name, rtol=1e-7) is None:
            msg = None      # right, given the statistics your (wrong) forward used
            excused.append(name)
        if msg and not forward_ok and consistent_with_own_forward(i, g):
            msg = None      # the exact derivative of your (wrong) forward
            excused.append(name)
        if msg:
            wrong.append(msg)
    if excused:
        note(f"{case}: your {fwd_name} is wrong here; your {bwd_name}'s {_and(excused)} "
             f"{'is' if len(excused) == 1 else 'are'} right for the forward pass you wrote, so "
             f"only {fwd_name} loses points for it")
    if wrong and len(wrong) == judged and not forward_ok and alt is None:
        # No gradient right, and the forward's output is not of a form to derive the right
        # backward from: whose mistake it is cannot be told here (checklib.unless_forward_wrong).
        raise NotGradable(f"{case}: not counted: your {fwd_name} is wrong on this input and "
                          f"{bwd_name} works from its cache, so {fwd_name} is graded for it — "
                          + "; ".join(wrong))
    fail_outputs(case, wrong, judged)
    return grads


def backward_vs_own_fd(student, ref, kind, fwd_args, dout, case, *, bwd_name, G=None):
    """Finite differences of the student's own forward — only where that forward agrees with
    the reference (then this check is anchored to the reference). Where the forward is wrong
    the check is not counted: judge_backward judges the backward given that forward."""
    mod = student.normalization
    fwd_name = FORWARD_OF[kind]
    out, grads = student_gradients(student, kind, fwd_args, dout, case, bwd_name=bwd_name)
    ref_out, _ = getattr(ref.normalization, fwd_name)(*_ref_args(fwd_args))
    if compare(out, ref_out, rtol=REF_RTOL) is not None:
        raise NotGradable(f"{case}: not counted: your {fwd_name} is wrong on this input, so "
                          f"finite differences of it cannot judge {bwd_name} ({fwd_name} is "
                          f"graded for its mistake; {bwd_name}'s other checks judge it given "
                          f"your forward)")
    this_check().anchored = True      # finite differences of a forward that matches the reference
    wrong = []
    for i, (name, _) in enumerate(GRADIENTS):
        num = numeric_grad(getattr(mod, fwd_name), list(fwd_args), i, dout, case=case,
                           what=fwd_name)
        msg = compare(grads[i], num, name=name, rtol=FD_RTOL, constants={"N": x_n(fwd_args)})
        if msg:
            wrong.append(f"{msg} (compared with finite differences of your own {fwd_name})")
    fail_outputs(case, wrong, len(GRADIENTS))


def x_n(fwd_args):
    return fwd_args[0].shape[0]


def backward_props(student, kind, fwd_args, dout, case, *, bwd_name):
    """Tuple, shapes and dtype of the gradients (one verdict each); dout and the inputs its
    cache holds (x, through the cache) not changed in place."""
    layer = layer_of(kind, bwd_name)
    _, grads = student_gradients(student, kind, fwd_args, dout, case, bwd_name=bwd_name,
                                 report_mutation=True)
    if student.mutated:
        fail(f"{case}: {backward_mutation(layer, student.mutated)}")
    x, gamma = fwd_args[0], fwd_args[1]
    wrong = []
    for name, g, like in zip(("dx", "dgamma", "dbeta"), grads, (x, gamma, gamma)):
        try:
            check_array(g, name, like.shape, case)
        except CheckFailed as e:
            text = str(e)
            wrong.append(text[len(f"{case}: "):] if text.startswith(f"{case}: ") else text)
    fail_outputs(case, wrong, len(GRADIENTS))


def forward_props(student, fwd_name, fwd_args, case):
    res = call(getattr(student.normalization, fwd_name), *fwd_args, case=case, keep=[1],
               report_mutation=True)
    names = ("x", "gamma", "beta") + (("G",) if fwd_name == "groupnorm_forward" else ()) + \
        ("param",)
    mutated = [m for m in student.mutated if m.split("]")[0] in ("args[0", "args[1", "args[2")]
    if mutated:
        student.sandbox.last_mutated = mutated
        check_not_mutated(student, case, fwd_name, names)
    out, _ = expect_tuple(res, 2, fwd_name, case, ("out", "cache"))
    check_array(out, "out", fwd_args[0].shape, case)

"""Run a student's update rule for many steps next to the reference and to known mistakes.

Trusted process only. An update rule keeps its state in ``config``; the only way to test that
state is to carry it across calls, as the Solver does: every step sends the student's rule the
config dict it returned on the previous step (through the sandbox, so it really round-trips),
and the same w and dw go to

- the reference rule (its own config, from the same starting config), and
- every *candidate*: a trusted implementation of one known mistake, with a message naming it.

At each step the STEP ``next_w - w`` of the student is compared with the reference's, relative
to the size of the reference step (the step is what the rule computes; w is only carried
along). On the first step that differs, the check fails and names the step; a candidate whose
step matches the student's names the mistake. Both the reference and the candidates are given
the student's own w at every step, so one early difference does not snowball.

Nothing here depends on how the student consumes random numbers: every w, dw and config is
drawn here from a generator seeded by the check's name.
"""
import copy
import zlib

import numpy as np

from autograder.diagnose import compare, describe_type, rel_error
from autograder.hidden.checklib import REF_RTOL, call, expect_tuple, fail, shape_str

#: The state each rule keeps in config (the API, cs231n's names).
STATE_KEYS = {
    "sgd_momentum": ("velocity",),
    "nesterov_momentum": ("velocity",),
    "adagrad": ("cache",),
    "rmsprop": ("cache",),
    "adam": ("m", "v", "t"),
    "adamw": ("m", "v", "t"),
}


def rng_for(name):
    return np.random.default_rng(zlib.crc32(("lab04/" + name).encode()))


def fmt_config(config):
    """'learning_rate=0.05, momentum=0.5' (hyperparameters only; arrays are not printed)."""
    return ", ".join(f"{k}={v:g}" for k, v in config.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "t")


def _copy_config(config):
    return None if config is None else copy.deepcopy(config)


class Candidate:
    """A known mistake: ``fn(w, dw, config) -> (next_w, config)`` with its own state."""

    def __init__(self, fn, message):
        self.fn, self.message = fn, message
        self.config = None
        self.broken = False

    def start(self, config):
        self.config = _copy_config(config)
        self.broken = False

    def step(self, w, dw):
        if self.broken:
            return None
        try:
            with np.errstate(all="ignore"):
                next_w, self.config = self.fn(w.copy(), dw.copy(), self.config)
            return next_w - w
        except Exception:   # a candidate that cannot run on this input explains nothing
            self.broken = True
            return None


def step_message(got, expected, hints=()):
    """None when the student's step matches the reference's; else what is wrong with it."""
    msg = compare(got, expected, name="the step next_w - w", rtol=REF_RTOL, hints=hints)
    if msg and "is wrong:" not in msg and got.dtype == np.float64 \
            and compare(got, expected, rtol=1e-6) is None:
        # no known mistake explains it, and it is tiny: the precision of float32
        msg = (f"the step next_w - w agrees with the reference only to "
               f"{rel_error(got, expected):.0e} (float32 precision is ~6e-8): part of the "
               f"rule is computed in float32 — keep the state (velocity, cache, m, v) and "
               f"the arithmetic in float64")
    if msg and not np.all(np.isfinite(got)):
        # compare() reports NaN/inf before it looks at hints: name the mistake if one fits
        named = [m for d, m in hints if np.array_equal(d, got, equal_nan=True)]
        if named:
            msg = f"the step next_w - w contains NaN or inf: {named[0]}"
    return msg


def _low_precision(next_w, config):
    """True when the student keeps next_w or the state in float32/float16."""
    arrays = [next_w] + [v for v in config.values() if isinstance(v, np.ndarray)]
    return any(a.dtype in (np.float32, np.float16) for a in arrays)


def _excused(got, expected, next_w, config, forgiven_steps):
    """A difference this check does not grade: the precision of a float32 state (the
    properties check grades the dtype), or a mistake graded by another check (``forgive``)."""
    if _low_precision(next_w, config) and compare(got, expected, rtol=1e-5) is None:
        return True
    return any(d is not None and d.shape == got.shape and compare(got, d, rtol=REF_RTOL) is None
               for d in forgiven_steps)


def run_rule(student_fn, ref_fn, *, w0, grads, config, case, steps, rule,
             candidates=(), check_state_keys=False, forgive=()):
    """Run ``steps`` steps; fail at the first one whose step differs from the reference.

    forgive: Candidates of mistakes that other checks of the rule grade (epsilon inside the
    square root shows only where epsilon matters): a step that matches one passes here, so one
    mistake costs only the checks designed to reveal it.

    grads: a function (k, w) -> dw (a fixed sequence, or the gradient of a surface at w).
    config: the config of the first call (None: the defaults), never modified here.
    """
    s_config = _copy_config(config)
    r_config = _copy_config(config)
    for c in list(candidates) + list(forgive):
        c.start(config)
    w = w0.copy()
    failure = None          # (step, message, candidates that explain every step since)
    for k in range(1, steps + 1):
        dw = grads(k, w)
        where = f"{case}, step {k} of {steps}"
        res = call(student_fn, w, dw, s_config, case=where)
        next_w, s_config = expect_tuple(res, 2, rule, where, ("next_w", "config"))
        if not isinstance(s_config, dict):
            fail(f"{where}: {rule} returned {describe_type(s_config)} as config; return the "
                 f"config dict (with the rule's state in it), so the caller can pass it back")
        if not isinstance(next_w, np.ndarray) or next_w.shape != w.shape:
            fail(f"{where}: next_w is {describe_type(next_w)}, expected an ndarray of shape "
                 f"{shape_str(w.shape)} (the shape of w)")
        with np.errstate(all="ignore"):
            ref_next, r_config = ref_fn(w.copy(), dw.copy(), r_config)
            expected = ref_next - w
            got = next_w.astype(np.float64) - w
            if next_w.dtype in (np.float32, np.float16):
                got = got.astype(next_w.dtype)      # so that compare() names the cast
        steps_of = [(c, c.step(w, dw)) for c in candidates]
        forgiven = [c.step(w, dw) for c in forgive]
        if failure is None:
            # a mistake that gives the reference's step here cannot explain a difference
            hints = [(d, c.message) for c, d in steps_of if d is not None
                     and d.shape == got.shape and compare(d, expected, rtol=REF_RTOL)]
            msg = step_message(got, expected, hints)
            if msg and _excused(got, expected, next_w, s_config, forgiven):
                msg = None
            if msg:
                if not np.all(np.isfinite(got)):
                    fail(f"{where}: {msg}")
                explain = [c for c, d in steps_of if d is not None and d.shape == got.shape
                           and compare(got, d, rtol=1e-6) is None]
                failure = (where, msg, explain)
                if len(explain) < 2:
                    break
        else:
            # several known mistakes explain the first wrong step: keep stepping and keep
            # those that explain every later step too
            where0, msg0, explain = failure
            still = [c for c, d in steps_of if c in explain and d is not None
                     and d.shape == got.shape and compare(got, d, rtol=1e-6) is None]
            failure = (where0, msg0, still or explain)
            if len(still) < 2:
                break
        if failure is None and check_state_keys:
            missing = [key for key in STATE_KEYS[rule] if key not in s_config]
            if missing:
                fail(f"{where}: the returned config has no {', '.join(repr(m) for m in missing)}"
                     f" — store the rule's state in config under cs231n's names "
                     f"({', '.join(STATE_KEYS[rule])}) so a caller can save and resume it")
        w = next_w.astype(np.float64)
    if failure is not None:
        where0, msg0, explain = failure
        if explain and explain[0].message not in msg0:
            msg0 = f"the step next_w - w is wrong: {explain[0].message}"
        fail(f"{where0}: {msg0}")
    return w, s_config


def fixed_grads(rng, shape, steps, scale=1.0):
    """A fixed sequence of gradients (independent of w), with a common drift so that momentum
    and moment estimates build up, plus noise like minibatch gradients."""
    drift = rng.standard_normal(shape)
    seq = [scale * (drift + 0.7 * rng.standard_normal(shape)) for _ in range(steps)]
    return lambda k, w: seq[k - 1].copy()


def valley_grads(shape, condition=25.0):
    """The gradient of an ill-conditioned quadratic bowl 0.5 * sum(a_i * w_i**2), a_i in
    [1, condition] (a narrow valley), evaluated at the student's current w."""
    n = int(np.prod(shape))
    a = np.geomspace(1.0, condition, n).reshape(shape)
    return lambda k, w: a * w


def run_interleaved(student_fn, ref_fn, *, params, config, case, steps, rule, forgive=None,
                    candidates=None):
    """Two parameters updated alternately, each with its own config (as the Solver does): the
    state of one must not leak into the other. params: list of (w0, grads).
    forgive, candidates: functions returning fresh Candidates (see run_rule), one set per
    parameter; a known mistake is named instead of suspecting shared state."""
    n = len(params)
    excused = [forgive() if forgive else [] for _ in range(n)]
    known = [candidates() if candidates else [] for _ in range(n)]
    for cs in excused + known:
        for c in cs:
            c.start(config)
    s_configs = [_copy_config(config) for _ in range(n)]
    r_configs = [_copy_config(config) for _ in range(n)]
    ws = [w0.copy() for w0, _ in params]
    for k in range(1, steps + 1):
        for i, (_, grads) in enumerate(params):
            w, dw = ws[i], grads(k, ws[i])
            where = (f"{case}, step {k} of {steps} of parameter {i + 1} "
                     f"(shape {shape_str(w.shape)})")
            res = call(student_fn, w, dw, s_configs[i], case=where)
            next_w, s_configs[i] = expect_tuple(res, 2, rule, where, ("next_w", "config"))
            if not isinstance(s_configs[i], dict) or not isinstance(next_w, np.ndarray) \
                    or next_w.shape != w.shape:
                fail(f"{where}: expected (next_w of shape {shape_str(w.shape)}, config dict), "
                     f"got ({describe_type(next_w)}, {describe_type(s_configs[i])})")
            with np.errstate(all="ignore"):
                ref_next, r_configs[i] = ref_fn(w.copy(), dw.copy(), r_configs[i])
                got = next_w.astype(np.float64) - w
                hints = [(d, c.message) for c in known[i] for d in [c.step(w, dw)]
                         if d is not None and d.shape == got.shape
                         and compare(d, ref_next - w, rtol=REF_RTOL)]
                msg = step_message(got, ref_next - w, hints)
            forgiven = [c.step(w, dw) for c in excused[i]]
            if msg and _excused(got, ref_next - w, next_w, s_configs[i], forgiven):
                msg = None
            if msg and ("float32" in msg or "is wrong:" in msg):
                fail(f"{where}: {msg}")
            if msg:
                fail(f"{where}: {msg} — if your rule passes the one-parameter checks, its "
                     f"state leaks between parameters: each parameter has its own config, "
                     f"keep the state there only (not in a global variable, a default "
                     f"argument or a module attribute)")
            ws[i] = next_w.astype(np.float64)

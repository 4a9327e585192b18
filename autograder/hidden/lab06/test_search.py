"""Hidden checks of lab 06's hyperparameter search (instructor only, never released).

- sample_log_uniform: every value in [low, high], and log10 of the values uniform. The
  distribution test is a Kolmogorov-Smirnov statistic D = max |ECDF(u) - u| of
  u = (log10 s - log10 low) / (log10 high - log10 low), failed when D > eps with
  eps = sqrt(ln(2 / alpha) / (2 n)): by the Dvoretzky-Kiefer-Wolfowitz inequality (Massart's
  constant) a correct sampler exceeds it with probability at most alpha = 1e-7 per case, so a
  correct submission fails a check below 1e-6 (union over the cases), whatever its seed use.
  Uniform sampling (D ~ 0.7 on three decades) or a wrong range fails with certainty.
- random_search, grid_search: the grader's training function runs in the TRUSTED process
  (sandbox callbacks): the grader counts the calls (the budget), knows every score (the best
  trial) and sees every setting tried (ranges, the log scale, the grid).
- refine_range: against the reference; known mistakes named (no re-centring at the border, a
  range clipped to the old one, centring in linear space).
"""
import math

import numpy as np
import pytest

from autograder.diagnose import describe_type
from autograder.hidden.checklib import (
    CORRECTNESS, NotGradable, PROPERTY, call, check_array, expect_tuple, fail, note, rng_for,
)
from autograder.hidden.lab06 import known_mistakes as km
from autograder.sandbox import StudentError

ALPHA = 1e-7


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def ks_bound(n, alpha=ALPHA):
    """DKW: P(sup |ECDF - F| > eps) <= 2 exp(-2 n eps^2) = alpha."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def ks_statistic(u):
    """sup |ECDF(u) - u| for samples u that should be uniform on [0, 1]."""
    u = np.sort(np.asarray(u, dtype=np.float64))
    n = u.size
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - u), np.max(u - (i - 1) / n)))


def _log_position(values, low, high):
    return (np.log10(values) - math.log10(low)) / (math.log10(high) - math.log10(low))


def _log_uniform_problem(values, low, high):
    """None when ``values`` look log-uniform on [low, high]; else what is wrong with them."""
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        return "some values are not finite"
    lo, hi = math.log10(low), math.log10(high)
    if values.min() < low * (1 - 1e-12) or values.max() > high * (1 + 1e-12):
        if values.min() >= lo - 1e-12 and values.max() <= hi + 1e-12:
            return "the values are the EXPONENTS: raise 10 to them"
        ln = np.log(values[values > 0]) if np.any(values > 0) else np.array([])
        if ln.size == values.size and ln.min() >= lo * math.log(10) - 1e-9 and \
                ln.max() <= hi * math.log(10) + 1e-9 or (
                values.min() >= math.exp(lo) - 1e-12 and values.max() <= math.exp(hi) + 1e-12):
            return ("log-uniform with the wrong base: the exponent is drawn in one base "
                    "(log10) and raised in another (exp); use the same base for both")
        return (f"values from {values.min():.3g} to {values.max():.3g}, outside "
                f"[{low:g}, {high:g}]: log-uniform with the wrong range")
    d = ks_statistic(_log_position(values, low, high))
    if d > ks_bound(values.size):
        linear = ks_statistic((values - low) / (high - low))
        if linear <= ks_bound(values.size):
            return ("uniform instead of log-uniform: the values are uniform between low and high,"
                    " so almost all of them fall in the top decade; draw the EXPONENT uniformly")
        return (f"log10 of the values is not uniform (Kolmogorov-Smirnov distance {d:.3f}, "
                f"allowed {ks_bound(values.size):.3f})")
    return None


# ----------------------------------------------------------------------------- sample_log_uniform

@grades("sample_log_uniform", CORRECTNESS)
@pytest.mark.parametrize("low,high", [(1e-6, 1e-1), (2e-3, 5e2), (0.5, 8.0)])
def test_log_uniform_distribution(student, ref, low, high):
    n = 20000
    case = f"sample_log_uniform({low:g}, {high:g}, size={n}, seed=2718)"
    values = call(student.search.sample_log_uniform, low, high, n, 2718, case=case)
    check_array(values, "the samples", (n,), case, dtype=None)
    problem = _log_uniform_problem(values, low, high)
    if problem:
        fail(f"{case}: {problem}")


@grades("sample_log_uniform", PROPERTY)
def test_log_uniform_properties(student, ref):
    case = "sample_log_uniform(1e-4, 1e-1, size=50, seed=...)"
    f = student.search.sample_log_uniform
    a, b, c = (call(f, 1e-4, 1e-1, 50, s, case=case) for s in (5, 5, 6))
    check_array(a, "the samples", (50,), case)
    if not np.array_equal(a, b):
        fail(f"{case}: the same seed gave different values: draw from "
             f"np.random.default_rng(seed), not from the global generator")
    if np.array_equal(a, c):
        fail(f"{case}: seeds 5 and 6 gave the same values: use the seed")


# ----------------------------------------------------------------------------- searches

class Objective:
    """The grader's training function: a smooth made-up 'validation accuracy' with a unique
    best, evaluated HERE; it records every setting the student's search asked for."""

    def __init__(self, space, name):
        self.space = space
        self.calls = []
        self.scores = []
        rng = rng_for(name)
        self.centre = {k: rng.uniform(0.3, 0.7) for k in space}

    def position(self, key, value):
        low, high, scale = self.space[key]
        if scale == "log":
            return (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
        return (value - low) / (high - low)

    def __call__(self, params):
        if type(params) is not dict:
            raise ValueError(f"train_fn takes one dict {{name: value}}, got {describe_type(params)}")
        if set(params) != set(self.space):
            raise ValueError(f"train_fn takes one dict with the keys {sorted(self.space)}, "
                             f"got the keys {sorted(map(str, params))}")
        values = {}
        for k, v in params.items():
            if type(v) not in (int, float) and not isinstance(v, (np.floating, np.integer)):
                raise ValueError(f"params[{k!r}] must be a number, got {describe_type(v)}")
            values[k] = float(v)
            if not math.isfinite(values[k]) or (self.space[k][2] == "log" and values[k] <= 0):
                raise ValueError(f"params[{k!r}] = {values[k]!r} is not a valid value")
        score = 0.95 - sum((self.position(k, v) - self.centre[k]) ** 2 for k, v in values.items())
        self.calls.append(values)
        self.scores.append(score)
        return score


SPACE = {"learning_rate": (1e-6, 1e-1, "log"), "reg": (1e-5, 1e1, "log"),
         "keep": (0.3, 0.9, "linear")}


def _search(student, fn, space, num_trials, case, name, seed=11):
    objective = Objective(space, name)
    kwargs = {"seed": seed} if fn == "random_search" else {}
    res = call(getattr(student.search, fn), space=space, num_trials=num_trials, case=case,
               callbacks={"train_fn": objective}, timeout=60, **kwargs)
    return expect_tuple(res, 3, fn, case, ("best_params", "best_score", "trials")), objective


def _trial_list(trials, objective, case):
    """The student's trials as (params, float score) pairs, one per call of train_fn."""
    if not isinstance(trials, (list, tuple)) or len(trials) != len(objective.calls):
        fail(f"{case}: trials should be a list of one (params, score) per call of train_fn "
             f"({len(objective.calls)} calls), got {describe_type(trials)}")
    out = []
    for t in trials:
        if not isinstance(t, (list, tuple)) or len(t) != 2 or \
                not isinstance(t[1], (int, float, np.floating)) or isinstance(t[1], bool):
            fail(f"{case}: each trial should be a (params, score) tuple, got {describe_type(t)}")
        out.append((t[0], float(t[1])))
    return out


def _same_params(a, b):
    return (type(a) is dict and set(a) == set(b)
            and all(isinstance(a[k], (int, float, np.floating)) and
                    math.isclose(float(a[k]), b[k], rel_tol=1e-12) for k in b))


def _check_best(fn, result, objective, case):
    best_params, best_score, _ = result
    if not objective.calls:
        fail(f"{case}: train_fn was never called")
    scores = np.array(objective.scores)
    i = int(np.argmax(scores))
    if _same_params(best_params, objective.calls[i]):
        if not isinstance(best_score, (int, float, np.floating)) or \
                not math.isclose(float(best_score), scores[i], rel_tol=1e-12):
            fail(f"{case}: best_score is not the score train_fn gave best_params")
        return
    if _same_params(best_params, objective.calls[int(np.argmin(scores))]):
        fail(f"{case}: argmin of accuracy: best_params has the LOWEST validation accuracy; "
             f"accuracies are maximised")
    if _same_params(best_params, objective.calls[-1]):
        fail(f"{case}: returns the last trial rather than the best")
    fail(f"{case}: best_params is not the setting with the highest score train_fn returned")


def _check_budget(fn, objective, allowed, case):
    n = len(objective.calls)
    if n > allowed:
        fail(f"{case}: the search exceeds its budget: train_fn was called {n} times, at most "
             f"{allowed} allowed")
    if n < allowed:
        fail(f"{case}: train_fn was called {n} times: the budget allows {allowed}, use them all")


@grades("random_search", CORRECTNESS)
@pytest.mark.parametrize("num_trials", [1, 7, 40])
def test_random_search_budget(student, ref, num_trials):
    case = f"random_search over 3 hyperparameters, num_trials={num_trials}"
    _, objective = _search(student, "random_search", SPACE, num_trials, case, f"rs-b{num_trials}")
    _check_budget("random_search", objective, num_trials, case)


@grades("random_search", CORRECTNESS)
@pytest.mark.parametrize("num_trials", [25, 60])
def test_random_search_returns_the_best_trial(student, ref, num_trials):
    case = f"random_search over 3 hyperparameters, num_trials={num_trials}"
    result, objective = _search(student, "random_search", SPACE, num_trials, case,
                                f"rs-best{num_trials}")
    _check_best("random_search", result, objective, case)


def _student_sampler_is_wrong(student, low, high):
    """Whether the student's own sample_log_uniform fails the distribution check."""
    try:
        values = student.search.sample_log_uniform(low, high, 20000, 99)
        return _log_uniform_problem(np.asarray(values, dtype=np.float64).reshape(-1), low, high)
    except (StudentError, TypeError, ValueError) as e:
        return str(e)


@grades("random_search", CORRECTNESS)
def test_random_search_samples_each_range_on_its_scale(student, ref):
    n = 1500
    case = f"random_search over 3 hyperparameters, num_trials={n}"
    _, objective = _search(student, "random_search", SPACE, n, case, "rs-dist")
    if not objective.calls:
        fail(f"{case}: train_fn was never called")
    for key, (low, high, scale) in SPACE.items():
        values = np.array([c[key] for c in objective.calls])
        if scale == "log":
            problem = _log_uniform_problem(values, low, high)
            if problem and _student_sampler_is_wrong(student, low, high):
                raise NotGradable(f"{case}: {key}: your sample_log_uniform is wrong, so this "
                                  f"check cannot judge random_search (graded there)")
        else:
            if values.min() < low or values.max() > high:
                problem = f"values outside [{low:g}, {high:g}]"
            elif ks_statistic((values - low) / (high - low)) > ks_bound(n):
                problem = "not uniform between low and high"
            else:
                problem = None
        if problem:
            fail(f"{case}: {key} ({scale} scale, [{low:g}, {high:g}]): {problem}")


@grades("random_search", PROPERTY)
def test_random_search_properties(student, ref):
    case = "random_search over 3 hyperparameters, num_trials=12, seed 4 twice"
    (_, _, trials), objective = _search(student, "random_search", SPACE, 12, case, "rs-p", 4)
    (_, _, again), objective_again = _search(student, "random_search", SPACE, 12, case, "rs-p", 4)
    trials = _trial_list(trials, objective, case)
    for (params, score), asked, s in zip(trials, objective.calls, objective.scores):
        if not _same_params(params, asked) or not math.isclose(score, s, rel_tol=1e-12):
            fail(f"{case}: trials does not list the settings tried with their scores, in order")
    if objective.calls != objective_again.calls:
        if _student_sampler_ignores_its_seed(student):
            note(f"{case}: two searches with seed 4 differed because your sample_log_uniform "
                 f"ignores its seed (graded there)")
            return
        fail(f"{case}: the same seed gave a different search: draw everything from seed")


def _student_sampler_ignores_its_seed(student):
    try:
        a, b = (student.search.sample_log_uniform(1e-4, 1e-1, 20, 4) for _ in range(2))
        return not np.array_equal(np.asarray(a), np.asarray(b))
    except (StudentError, TypeError, ValueError):
        return True


# ----------------------------------------------------------------------------- grid search

@grades("grid_search", CORRECTNESS)
@pytest.mark.parametrize("space_keys,num_trials", [(("learning_rate", "reg", "keep"), 30),
                                                  (("learning_rate", "reg", "keep"), 64),
                                                  (("learning_rate", "keep"), 10),
                                                  (("reg",), 5)])
def test_grid_search_tries_the_grid(student, ref, space_keys, num_trials):
    space = {k: SPACE[k] for k in space_keys}
    case = f"grid_search over {', '.join(space_keys)}, num_trials={num_trials}"
    _, objective = _search(student, "grid_search", space, num_trials, case, "grid")
    axes = ref.search.grid_points(space, num_trials)
    allowed = int(np.prod([a.size for a in axes.values()]))
    _check_budget("grid_search", objective, allowed, case)
    want = sorted(tuple(round(math.log10(v) if space[k][2] == "log" else v, 9) for k, v in
                        zip(space, pt)) for pt in _product(axes))
    got = sorted(tuple(round(math.log10(c[k]) if space[k][2] == "log" else c[k], 9)
                       for k in space) for c in objective.calls)
    if got != want:
        fail(f"{case}: the settings tried are not the grid of grid_points (every combination "
             f"of its values, each once)")


def _product(axes):
    import itertools
    return itertools.product(*axes.values())


@grades("grid_search", CORRECTNESS)
def test_grid_search_returns_the_best_trial(student, ref):
    space = {k: SPACE[k] for k in ("learning_rate", "keep")}
    case = "grid_search over learning_rate and keep, num_trials=25"
    result, objective = _search(student, "grid_search", space, 25, case, "grid-best")
    _check_best("grid_search", result, objective, case)


@grades("grid_search", PROPERTY)
def test_grid_search_properties(student, ref):
    case = "grid_search over learning_rate and reg, num_trials=9"
    space = {k: SPACE[k] for k in ("learning_rate", "reg")}
    (_, _, trials), objective = _search(student, "grid_search", space, 9, case, "grid-p")
    for (params, score), asked in zip(_trial_list(trials, objective, case), objective.calls):
        if not _same_params(params, asked):
            fail(f"{case}: trials does not list the settings tried, in order")


# ----------------------------------------------------------------------------- refine_range

def _refine(student, ref, low, high, best, **kw):
    extra = "".join(f", {k}={v:g}" for k, v in kw.items())
    case = f"refine_range({low:g}, {high:g}, best={best:g}{extra})"
    res = call(student.search.refine_range, low, high, best, case=case, **kw)
    got = expect_tuple(res, 2, "refine_range", case, ("new_low", "new_high"))
    want = ref.search.refine_range(low, high, best, **kw)
    try:
        got = np.array([float(g) for g in got])
    except (TypeError, ValueError):
        fail(f"{case}: new_low and new_high should be numbers, got {describe_type(got[0])}")
    if np.allclose(got, want, rtol=1e-9, atol=0):
        return
    for candidate, message in km.refine_candidates(low, high, best, kw.get("shrink", 0.5),
                                                   kw.get("border", 0.1)):
        if np.allclose(got, candidate, rtol=1e-9, atol=0):
            fail(f"{case}: {message}")
    fail(f"{case}: the new range ({got[0]:.4g}, {got[1]:.4g}) is wrong")


@grades("refine_range", CORRECTNESS)
@pytest.mark.parametrize("low,high,best", [(1e-5, 1e-1, 3e-3), (1e-6, 1e0, 2e-2), (0.5, 8, 2)])
def test_refine_zooms_in_around_an_inside_best(student, ref, low, high, best):
    _refine(student, ref, low, high, best)


@grades("refine_range", CORRECTNESS)
@pytest.mark.parametrize("low,high,best", [(1e-5, 1e-1, 8e-2), (1e-5, 1e-1, 1.3e-5),
                                           (1e-4, 1e0, 1e0)])
def test_refine_recentres_at_the_border(student, ref, low, high, best):
    _refine(student, ref, low, high, best)


@grades("refine_range", CORRECTNESS)
def test_refine_with_the_callers_shrink_and_border(student, ref):
    _refine(student, ref, 1e-6, 1e-2, 5e-4, shrink=0.25, border=0.2)
    _refine(student, ref, 1e-6, 1e-2, 3e-3, shrink=0.25, border=0.2)


@grades("refine_range", PROPERTY)
def test_refine_properties(student, ref):
    case = "refine_range(1e-5, 1e-1, best=2e-4)"
    res = call(student.search.refine_range, 1e-5, 1e-1, 2e-4, case=case)
    lo, hi = expect_tuple(res, 2, "refine_range", case, ("new_low", "new_high"))
    if not all(isinstance(v, (float, np.floating)) for v in (lo, hi)):
        fail(f"{case}: return two floats, got {describe_type(lo)} and {describe_type(hi)}")
    if not float(lo) < 2e-4 < float(hi):
        fail(f"{case}: the new range should contain best")

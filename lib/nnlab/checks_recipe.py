"""Open checks of lab 06 (the training recipe), used by ``nnlab.checks``.

    from nnlab.checks import check
    check("random_search")   # a table: one row per property or value checked

Values (preprocessing, folds, ranges, ratios, moving averages) are compared with the course's
reference on fixed inputs (``open_expected/lab06.json``). Random functions are checked by their
properties: every value in range, the same seed gives the same values, and each decade gets
its share of samples. Searches are given a training function of the check's own that records
every call, so the budget and the best trial are checked on what your search really asked for.
"""
import numpy as np

from .checks import LAB_FUNCTIONS, _as_array, _call, _Problem, _rng, _row, _value_row

#: The functions lab 06 checks, and the module of the package that holds each.
FUNCTIONS = LAB_FUNCTIONS["06_training_recipe"]

SPACE = {"learning_rate": (1e-5, 1e-1, "log"), "reg": (1e-4, 1e0, "log"),
         "keep": (0.5, 1.0, "linear")}



def _property_row(env, function, label, test):
    """A row that passes when ``test()`` raises no _Problem (nothing is stored)."""
    def run():
        test()
        return None
    return _row(function, label, run)


def _images(name, shape=(6, 3, 4, 5)):
    rng = _rng(name)
    return 2.0 + rng.standard_normal(shape) * np.array([1.0, 3.0, 0.5]).reshape(1, 3, 1, 1)


def _features(name, n=7, d=5):
    rng = _rng(name)
    X = 1.0 + rng.standard_normal((n, d)) * np.arange(1, d + 1)
    X[:, -1] = 0.25                       # a constant feature (std 0)
    return X


def _fitted(env, X, kind):
    params = _call(env, "preprocessing", "fit_preprocessing", X, kind)
    if not isinstance(params, dict) or not {"mean", "std"} <= set(params):
        raise _Problem('fit_preprocessing should return a dict with "kind", "mean" and "std"')
    return params


def _preprocessing_rows(env, name):
    rows = []
    if name == "fit_preprocessing":
        for kind in ("center", "standardize"):
            X = _features("lab06/fit")
            for key in ("mean", "std"):
                rows.append(_value_row(env, name, f"{kind}: {key}",
                                       lambda kind=kind, key=key, X=X: _fitted(env, X, kind)[key],
                                       "statistics of the training set, per feature (axis 0)"))
        X = _images("lab06/fit-images")
        rows.append(_value_row(env, name, "channel_mean: mean (C, 1, 1)",
                               lambda: _fitted(env, X, "channel_mean")["mean"],
                               "one mean per channel: average over examples AND pixels"))
    elif name == "apply_preprocessing":
        X = _features("lab06/apply")
        params = {"kind": "standardize", "mean": np.linspace(-1, 1, 5), "std": np.linspace(1, 3, 5)}
        rows.append(_value_row(env, name, "given mean and std",
                               lambda: _call(env, "preprocessing", name, X, params),
                               "(X - mean) / std"))
    elif name == "preprocess_splits":
        X = _features("lab06/splits", n=12)
        def out(i):
            def compute():
                res = _call(env, "preprocessing", name, X[:6], X[6:9] + 3.0, X[9:] - 2.0,
                            "standardize")
                if not isinstance(res, tuple) or len(res) != 3:
                    raise _Problem("preprocess_splits should return a tuple of 3 arrays")
                return res[i]
            return compute
        for i, split in enumerate(("train", "val", "test")):
            rows.append(_value_row(env, name, f"X_{split}", out(i),
                                   "fit on X_train ONLY, then apply to every split"))
    elif name == "train_val_test_split":
        def parts():
            res = _call(env, "preprocessing", name, 50, 0.2, 0.1, 0)
            if not isinstance(res, tuple) or len(res) != 3:
                raise _Problem("train_val_test_split should return (train_idx, val_idx, test_idx)")
            return [np.asarray(p) for p in res]

        def partition():
            train, val, test = parts()
            if [p.size for p in (train, val, test)] != [35, 10, 5]:
                raise _Problem(f"sizes {[p.size for p in (train, val, test)]}, expected "
                               "[35, 10, 5] for N=50, val_fraction=0.2, test_fraction=0.1")
            if sorted(np.concatenate([train, val, test]).tolist()) != list(range(50)):
                raise _Problem("every index must be in exactly one part: the parts overlap or "
                               "miss some")

        def shuffled():
            _, val, test = parts()
            if np.all(np.diff(np.sort(np.concatenate([val, test]))) == 1):
                raise _Problem("validation and test are one block of consecutive indices: "
                               "shuffle before cutting")

        def seeded():
            a = _call(env, "preprocessing", name, 40, 0.25, 0.25, 5)
            b = _call(env, "preprocessing", name, 40, 0.25, 0.25, 5)
            if not all(np.array_equal(x, y) for x, y in zip(a, b)):
                raise _Problem("the same seed must give the same split: use "
                               "np.random.default_rng(seed)")
        rows += [_property_row(env, name, "sizes, disjoint, complete", partition),
                 _property_row(env, name, "shuffled", shuffled),
                 _property_row(env, name, "reproducible with a seed", seeded)]
    elif name == "kfold_indices":
        def folds(n, k):
            def compute():
                res = _call(env, "preprocessing", name, n, k)
                if not isinstance(res, list) or len(res) != k:
                    raise _Problem(f"kfold_indices should return a list of {k} (train, val) tuples")
                return np.concatenate([np.concatenate([np.asarray(t), [-1], np.asarray(v), [-2]])
                                       for t, v in res])
            return compute
        rows.append(_value_row(env, name, "12 examples, 4 folds", folds(12, 4)))
        rows.append(_value_row(env, name, "11 examples, 3 folds (a remainder)", folds(11, 3),
                               "the first N % k folds get one extra index; drop nothing"))
    return rows


def _sample_rows(env, name):
    low, high = 1e-5, 1e-1

    def draw(seed, size=4000):
        return _as_array(_call(env, "search", name, low, high, size, seed), "samples")

    def in_range():
        s = draw(0)
        if s.shape != (4000,):
            raise _Problem(f"expected shape (4000,), got {s.shape}")
        if s.min() < low or s.max() > high:
            raise _Problem(f"values from {s.min():.3g} to {s.max():.3g}, outside [{low:g}, {high:g}]"
                           ": raise 10 to an exponent drawn between log10(low) and log10(high)")

    def decades():
        counts = np.histogram(np.log10(draw(1)), bins=4, range=(-5, -1))[0] / 4000
        if np.any(np.abs(counts - 0.25) > 0.05):
            raise _Problem("each of the 4 decades should get about a quarter of the samples, "
                           f"got {', '.join(f'{c:.2f}' for c in counts)}: uniform in the EXPONENT")

    def seeded():
        if not np.array_equal(draw(7, 10), draw(7, 10)) or np.array_equal(draw(7, 10), draw(8, 10)):
            raise _Problem("the same seed must give the same values, another seed others: "
                           "draw from the generator made from seed")

    return [_property_row(env, name, "values in [low, high]", in_range),
            _property_row(env, name, "a quarter of the samples per decade", decades),
            _property_row(env, name, "reproducible with a seed", seeded)]


def _objective(params):
    """A made-up validation accuracy, best at learning_rate 1e-3, reg 1e-2, keep 0.8."""
    lr = np.log10(params["learning_rate"]) + 3
    reg = np.log10(params.get("reg", 1e-2)) + 2
    keep = params.get("keep", 0.8) - 0.8
    return float(0.9 * np.exp(-0.3 * lr ** 2 - 0.05 * reg ** 2 - 2 * keep ** 2))


def _search_rows(env, name):
    def run(num_trials):
        calls = []

        def train_fn(params):
            if not isinstance(params, dict):
                raise _Problem("train_fn takes ONE dict {name: value}")
            calls.append(dict(params))
            return _objective(params)
        kwargs = {"seed": 3} if name == "random_search" else {}
        res = _call(env, "search", name, train_fn, SPACE, num_trials, **kwargs)
        if not isinstance(res, tuple) or len(res) != 3:
            raise _Problem(f"{name} should return (best_params, best_score, trials)")
        return res, calls

    def budget():
        res, calls = run(30)
        allowed = 30 if name == "random_search" else 27
        if len(calls) != allowed:
            raise _Problem(f"train_fn was called {len(calls)} times with a budget of 30: "
                           f"expected exactly {allowed}")

    def best():
        (best_params, best_score, trials), calls = run(30)
        scores = [_objective(p) for p in calls]
        i = int(np.argmax(scores))
        if not isinstance(best_params, dict) or best_params != calls[i]:
            raise _Problem("best_params is not the setting with the highest score "
                           "(accuracies are maximised; not the last trial either)")
        if not np.isclose(float(best_score), scores[i], rtol=1e-12, atol=0):
            raise _Problem("best_score is not the score of best_params")
        if len(trials) != len(calls):
            raise _Problem("trials should hold one (params, score) per call of train_fn")

    def in_range():
        _, calls = run(200 if name == "random_search" else 30)
        for key, (low, high, scale) in SPACE.items():
            values = np.array([c[key] for c in calls])
            if values.min() < low or values.max() > high:
                raise _Problem(f"{key} went outside [{low:g}, {high:g}]")
            if scale == "log" and name == "random_search":
                share = np.mean(values < np.sqrt(low * high))
                if not 0.35 < share < 0.65:
                    raise _Problem(f"{key} is on a log scale: half of its samples belong below "
                                   f"{np.sqrt(low * high):.3g}, got {share:.0%}")

    rows = [_property_row(env, name, "calls train_fn as often as the budget allows", budget),
            _property_row(env, name, "returns the best trial", best),
            _property_row(env, name, "values in their ranges", in_range)]
    if name == "grid_search":
        rows.append(_value_row(env, name, "the grid tried (3 x 3 x 3)",
                               lambda: np.array([[c[k] for k in SPACE] for c in run(30)[1]]),
                               "every combination of grid_points' values"))
    return rows


def _refine_rows(env, name):
    def new_range(best):
        return lambda: np.array(_call(env, "search", name, 1e-5, 1e-1, best), dtype=np.float64)
    return [_value_row(env, name, "best inside: zoom in", new_range(3e-3),
                       "half the width in decades, centred on best"),
            _value_row(env, name, "best at the upper border: re-centre", new_range(8e-2),
                       "keep the full width, centred on best"),
            _value_row(env, name, "best at the lower border: re-centre", new_range(1.2e-5),
                       "keep the full width, centred on best")]


VERDICT_CASES = {
    "initial_loss_verdict": [((2.31, 10), "as expected"), ((2.15, 10), "as expected"),
                             ((4.1, 10), "too high"), ((0.9, 10), "too low"),
                             ((1.15, 3), "as expected"), ((3.9, 50), "as expected")],
    "fit_verdict": [((0.99, 0.80), "overfitting"), ((0.62, 0.60), "underfitting"),
                    ((0.97, 0.94), "good fit"), ((0.55, 0.62), "underfitting")],
}


def _verdict_rows(env, name):
    rows = []
    for args, want in VERDICT_CASES[name]:
        def test(args=args, want=want):
            got = _call(env, "diagnostics", name, *args)
            if got != want:
                raise _Problem(f"{name}{args} returned {got!r}, expected {want!r}")
        rows.append(_property_row(env, name, f"{args} -> {want!r}", test))
    return rows


def _diagnostic_rows(env, name):
    rng = _rng(f"lab06/{name}")
    if name == "dead_unit_fraction":
        acts = [np.maximum(0, rng.standard_normal((8, 6)) + s) for s in (0.0, -2.5, 1.0)]
        acts[1][:, :2] = 0.0
        acts[0][3, :] = 0.0            # an input that switches every unit off: no unit is dead
        return [_value_row(env, name, "three layers",
                           lambda: _call(env, "diagnostics", name, acts),
                           "dead = 0 for EVERY input: reduce over the batch axis (0)")]
    if name == "update_ratios":
        before = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3)}
        grads = {k: rng.standard_normal(v.shape) for k, v in before.items()}
        sgd = {k: v - 1e-2 * grads[k] for k, v in before.items()}
        adam_like = {k: v - 1e-3 * np.sign(grads[k]) for k, v in before.items()}

        def ratios(after):
            got = _call(env, "diagnostics", name, before, after, grads)
            return np.array([got[k] for k in ("W1", "b1")])
        hint = "norm(after - before) / norm(before): the update, not the gradient"
        return [_value_row(env, name, "ratios of W1 and b1", lambda: ratios(sgd), hint),
                _value_row(env, name, "ratios of W1 and b1 after an Adam-like step",
                           lambda: ratios(adam_like), hint)]
    if name == "moving_average":
        values = rng.standard_normal(12) + np.linspace(3, 1, 12)
        return [_value_row(env, name, f"window {w}",
                           lambda w=w: _call(env, "diagnostics", name, values, w),
                           "at the start, average the values that exist so far")
                for w in (1, 4, 20)]
    return _verdict_rows(env, name)


def check_rows(env, name):
    """The rows of the open checks of one lab-06 function."""
    module = FUNCTIONS[name]
    if module == "preprocessing":
        return _preprocessing_rows(env, name)
    if name == "sample_log_uniform":
        return _sample_rows(env, name)
    if name in ("random_search", "grid_search"):
        return _search_rows(env, name)
    if name == "refine_range":
        return _refine_rows(env, name)
    return _diagnostic_rows(env, name)

"""The PUBLIC catalogue of realistic lab-06 mistakes the trusted grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The graded
``function`` must then lose points (and no other function may), and the feedback for it must
contain ``expect`` (case-insensitive): the words that name the mistake.

Where students really go wrong (public cs231n-style code): exponents hard-coded as in
``10 ** np.random.uniform(-6, -2)``, the global ``np.random`` instead of a seeded generator,
``best = trials[-1]`` after the loop, ``np.argmin`` where accuracies are maximised, the mean image
where a per-channel mean was asked for, statistics of train + validation.
"""
from .entries import Mistake


_SPLITS = '''
def preprocess_splits(X_train, X_val, X_test, kind="standardize"):
    params = fit_preprocessing({fit_on}, kind)
    return tuple(apply_preprocessing(X, params) for X in (X_train, X_val, X_test))
'''

_SEARCH_END = '''
def random_search(train_fn, space, num_trials, seed=None):
    _check_space(space)
    rng = np.random.default_rng(seed)
    columns = {{}}
    for name, (low, high, scale) in space.items():
        if scale == "log":
            columns[name] = sample_log_uniform(low, high, num_trials,
                                               seed=int(rng.integers(2 ** 31)))
        else:
            columns[name] = rng.uniform(low, high, size=num_trials)
    trials = []
    for i in range({trials}):
        params = {{name: float(values[i % num_trials]) for name, values in columns.items()}}
        trials.append((params, float(train_fn(params))))
    {pick}
    return best_params, best_score, trials
'''

MISTAKES = [
    # ------------------------------------------------------------------ fit_preprocessing
    Mistake("fit_std_without_mean", "standardize divides by the std, never subtracts the mean",
            "preprocessing", '''
def fit_preprocessing(X_train, kind="standardize"):
    X = np.asarray(X_train, dtype=np.float64)
    if kind == "channel_mean":
        mean = X.mean(axis=(0, 2, 3)).reshape(-1, 1, 1)
        return {"kind": kind, "mean": mean, "std": np.ones_like(mean)}
    mean = X.mean(axis=0)
    if kind == "standardize":
        std = X.std(axis=0)
        std = np.where(std < MIN_STD, 1.0, std)
        return {"kind": kind, "mean": np.zeros_like(mean), "std": std}
    return {"kind": kind, "mean": mean, "std": np.ones_like(mean)}
''', "fit_preprocessing", "std without the mean"),

    Mistake("fit_per_pixel_mean", "channel_mean subtracts the mean image (per pixel)",
            "preprocessing", '''
def fit_preprocessing(X_train, kind="standardize"):
    X = np.asarray(X_train, dtype=np.float64)
    mean = X.mean(axis=0)
    if kind == "standardize":
        std = X.std(axis=0)
        std = np.where(std < MIN_STD, 1.0, std)
    else:
        std = np.ones_like(mean)
    return {"kind": kind, "mean": mean, "std": std}
''', "fit_preprocessing", "per-pixel instead of per-channel mean"),

    Mistake("fit_constant_feature_zero_std", "a constant feature's std 0 is kept: 0 / 0",
            "preprocessing", '''
def fit_preprocessing(X_train, kind="standardize"):
    X = np.asarray(X_train, dtype=np.float64)
    if kind == "channel_mean":
        mean = X.mean(axis=(0, 2, 3)).reshape(-1, 1, 1)
        return {"kind": kind, "mean": mean, "std": np.ones_like(mean)}
    mean = X.mean(axis=0)
    std = X.std(axis=0) if kind == "standardize" else np.ones_like(mean)
    return {"kind": kind, "mean": mean, "std": std}
''', "fit_preprocessing", "constant feature has std 0"),

    # ------------------------------------------------------------------ apply_preprocessing
    Mistake("apply_multiplies_std", "(X - mean) * std", "preprocessing", '''
def apply_preprocessing(X, params):
    return (np.asarray(X, dtype=np.float64) - params["mean"]) * params["std"]
''', "apply_preprocessing", "multiplies by the std"),

    # ------------------------------------------------------------------ preprocess_splits
    Mistake("splits_fitted_on_all_data", "statistics of train + val + test (a leak)",
            "preprocessing", _SPLITS.format(fit_on="np.concatenate([X_train, X_val, X_test])"),
            "preprocess_splits", "fitted on all the data"),
    Mistake("splits_fitted_on_val", "statistics of the validation set", "preprocessing",
            _SPLITS.format(fit_on="X_val"), "preprocess_splits", "fitted on the validation set"),
    Mistake("splits_each_own_statistics", "every split standardised with its own statistics",
            "preprocessing", '''
def preprocess_splits(X_train, X_val, X_test, kind="standardize"):
    return tuple(apply_preprocessing(X, fit_preprocessing(X, kind)) for X in (X_train, X_val, X_test))
''', "preprocess_splits", "its OWN statistics"),

    # ------------------------------------------------------------------ train_val_test_split
    Mistake("split_not_shuffled", "the last examples become validation and test", "preprocessing", '''
def train_val_test_split(num_examples, val_fraction=0.2, test_fraction=0.2, seed=None):
    n_val, n_test = int(round(val_fraction * num_examples)), int(round(test_fraction * num_examples))
    order = np.arange(num_examples)
    n_train = num_examples - n_val - n_test
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
''', "train_val_test_split", "not shuffled"),
    Mistake("split_val_test_overlap", "val and test drawn separately: they overlap",
            "preprocessing", '''
def train_val_test_split(num_examples, val_fraction=0.2, test_fraction=0.2, seed=None):
    rng = np.random.default_rng(seed)
    n_val, n_test = int(round(val_fraction * num_examples)), int(round(test_fraction * num_examples))
    val = np.sort(rng.choice(num_examples, n_val, replace=False))
    test = np.sort(rng.choice(num_examples, n_test, replace=False))
    train = np.setdiff1d(np.arange(num_examples), np.union1d(val, test))
    return train, val, test
''', "train_val_test_split", "val and test overlap"),

    # ------------------------------------------------------------------ kfold_indices
    Mistake("kfold_drops_remainder", "N // k per fold: the last N % k examples never validate",
            "preprocessing", '''
def kfold_indices(num_examples, num_folds):
    size = num_examples // num_folds
    out = []
    for i in range(num_folds):
        val = np.arange(i * size, (i + 1) * size)
        train = np.setdiff1d(np.arange(num_examples), val)
        out.append((train, val))
    return out
''', "kfold_indices", "the folds drop"),
    Mistake("kfold_overlapping", "folds of ceil(N / k) starting every N // k: they overlap",
            "preprocessing", '''
def kfold_indices(num_examples, num_folds):
    size = -(-num_examples // num_folds)
    step = num_examples // num_folds
    out = []
    for i in range(num_folds):
        val = np.arange(i * step, min(i * step + size, num_examples))
        if i == num_folds - 1:
            val = np.arange(i * step, num_examples)
        train = np.setdiff1d(np.arange(num_examples), val)
        out.append((train, val))
    return out
''', "kfold_indices", "folds overlap"),

    # ------------------------------------------------------------------ sample_log_uniform
    Mistake("log_uniform_is_uniform", "rng.uniform(low, high): uniform, not log-uniform",
            "search", '''
def sample_log_uniform(low, high, size, seed=None):
    return np.random.default_rng(seed).uniform(low, high, size=size)
''', "sample_log_uniform", "uniform instead of log-uniform"),
    Mistake("log_uniform_wrong_base", "exponent from log10, raised with exp", "search", '''
def sample_log_uniform(low, high, size, seed=None):
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size=size))
''', "sample_log_uniform", "wrong base"),
    Mistake("log_uniform_wrong_range", "10 ** uniform(low, high): the values as exponents",
            "search", '''
def sample_log_uniform(low, high, size, seed=None):
    return 10.0 ** np.random.default_rng(seed).uniform(low, high, size=size)
''', "sample_log_uniform", "wrong range"),
    Mistake("log_uniform_global_rng", "np.random.uniform: the seed is ignored", "search", '''
def sample_log_uniform(low, high, size, seed=None):
    return 10.0 ** np.random.uniform(np.log10(low), np.log10(high), size=size)
''', "sample_log_uniform", "same seed gave different values"),

    # ------------------------------------------------------------------ random_search
    Mistake("random_search_last_trial", "returns the last trial", "search",
            _SEARCH_END.format(trials="num_trials",
                               pick="best_params, best_score = trials[-1]"),
            "random_search", "last trial rather than the best"),
    Mistake("random_search_argmin", "keeps the lowest accuracy", "search",
            _SEARCH_END.format(trials="num_trials",
                               pick="best_params, best_score = min(trials, key=lambda t: t[1])"),
            "random_search", "argmin of accuracy"),
    Mistake("random_search_over_budget", "range(num_trials + 1): one trial too many", "search",
            _SEARCH_END.format(trials="num_trials + 1",
                               pick="best_params, best_score = max(trials, key=lambda t: t[1])"),
            "random_search", "exceeds its budget"),
    Mistake("random_search_linear_for_log", "every hyperparameter uniform, log scale ignored",
            "search", '''
def random_search(train_fn, space, num_trials, seed=None):
    rng = np.random.default_rng(seed)
    columns = {name: rng.uniform(low, high, size=num_trials)
               for name, (low, high, scale) in space.items()}
    trials = []
    for i in range(num_trials):
        params = {name: float(values[i]) for name, values in columns.items()}
        trials.append((params, float(train_fn(params))))
    best_params, best_score = max(trials, key=lambda t: t[1])
    return best_params, best_score, trials
''', "random_search", "uniform instead of log-uniform"),

    # ------------------------------------------------------------------ grid_search
    Mistake("grid_search_ceil_points", "ceil(num_trials ** (1/d)) values per axis", "search", '''
def grid_search(train_fn, space, num_trials):
    import math
    n = math.ceil(num_trials ** (1 / len(space)))
    axes = {name: (np.geomspace(low, high, n) if scale == "log" else np.linspace(low, high, n))
            for name, (low, high, scale) in space.items()}
    names = list(axes)
    trials = []
    for values in itertools.product(*(axes[name] for name in names)):
        params = {name: float(v) for name, v in zip(names, values)}
        trials.append((params, float(train_fn(params))))
    best_params, best_score = max(trials, key=lambda t: t[1])
    return best_params, best_score, trials
''', "grid_search", "exceeds its budget"),
    Mistake("grid_search_argmin", "np.argmin of the scores", "search", '''
def grid_search(train_fn, space, num_trials):
    axes = grid_points(space, num_trials)
    names = list(axes)
    trials = []
    for values in itertools.product(*(axes[name] for name in names)):
        params = {name: float(v) for name, v in zip(names, values)}
        trials.append((params, float(train_fn(params))))
    i = int(np.argmin([score for _, score in trials]))
    return trials[i][0], trials[i][1], trials
''', "grid_search", "argmin of accuracy"),

    # ------------------------------------------------------------------ refine_range
    Mistake("refine_no_recentre", "always zooms in, even when best is on the border", "search", '''
def refine_range(low, high, best, shrink=0.5, border=0.1):
    width = shrink * (np.log10(high) - np.log10(low))
    half = 10.0 ** (width / 2)
    return float(best / half), float(best * half)
''', "refine_range", "no re-centring at the border"),
    Mistake("refine_clipped", "the new range clipped to the old one", "search", '''
def refine_range(low, high, best, shrink=0.5, border=0.1):
    width = np.log10(high) - np.log10(low)
    u = (np.log10(best) - np.log10(low)) / width
    if border <= u <= 1 - border:
        width = shrink * width
    half = 10.0 ** (width / 2)
    return float(max(low, best / half)), float(min(high, best * half))
''', "refine_range", "clipped to the old one"),

    # ------------------------------------------------------------------ initial_loss_verdict
    Mistake("initial_loss_log10", "compares with log10(C)", "diagnostics", '''
def initial_loss_verdict(loss, num_classes, rtol=0.1):
    expected = np.log10(num_classes)
    if abs(loss - expected) <= rtol * expected:
        return "as expected"
    return "too high" if loss > expected else "too low"
''', "initial_loss_verdict", "log10(C)"),

    # ------------------------------------------------------------------ dead_unit_fraction
    Mistake("dead_wrong_axis", "np.all over axis 1 (units) instead of 0 (inputs)", "diagnostics", '''
def dead_unit_fraction(activations):
    return np.array([np.mean(np.all(a <= 0, axis=1)) for a in activations])
''', "dead_unit_fraction", "wrong axis"),
    Mistake("dead_for_some_input", "np.any: zero for some input counts as dead", "diagnostics", '''
def dead_unit_fraction(activations):
    return np.array([np.mean(np.any(a == 0, axis=0)) for a in activations])
''', "dead_unit_fraction", "zero for SOME input"),

    # ------------------------------------------------------------------ update_ratios
    Mistake("ratio_inverted", "norm(weights) / norm(update)", "diagnostics", '''
def update_ratios(params_before, params_after, grads=None):
    return {k: float(np.linalg.norm(w) / np.linalg.norm(params_after[k] - w))
            for k, w in params_before.items()}
''', "update_ratios", "ratio is inverted"),
    Mistake("ratio_not_subtracted", "norm(after) / norm(before)", "diagnostics", '''
def update_ratios(params_before, params_after, grads=None):
    return {k: float(np.linalg.norm(params_after[k]) / np.linalg.norm(w))
            for k, w in params_before.items()}
''', "update_ratios", "update is not subtracted"),
    Mistake("ratio_of_gradients", "norm(gradient) / norm(weights): the gradient, not the update",
            "diagnostics", '''
def update_ratios(params_before, params_after, grads=None):
    return {k: float(np.linalg.norm(grads[k]) / np.linalg.norm(w))
            for k, w in params_before.items()}
''', "update_ratios", "ratio of the gradient, not of the update"),

    # ------------------------------------------------------------------ fit_verdict
    Mistake("fit_verdicts_swapped", "overfitting and underfitting swapped", "diagnostics", '''
def fit_verdict(train_acc, val_acc, max_gap=0.1, min_train_acc=0.9):
    if train_acc - val_acc > max_gap:
        return "underfitting"
    if train_acc < min_train_acc:
        return "overfitting"
    return "good fit"
''', "fit_verdict", "swapped"),
    Mistake("fit_abs_gap", "abs(train - val) > max_gap counts as overfitting", "diagnostics", '''
def fit_verdict(train_acc, val_acc, max_gap=0.1, min_train_acc=0.9):
    if abs(train_acc - val_acc) > max_gap:
        return "overfitting"
    if train_acc < min_train_acc:
        return "underfitting"
    return "good fit"
''', "fit_verdict", "absolute value"),

    # ------------------------------------------------------------------ moving_average
    Mistake("moving_average_not_normalised", "np.convolve(values, ones(w) / w)[:T]",
            "diagnostics", '''
def moving_average(values, window):
    values = np.asarray(values, dtype=np.float64)
    return np.convolve(values, np.ones(window) / window)[:values.size]
''', "moving_average", "not normalised at the start"),
    Mistake("moving_average_off_by_one", "values[i - window : i + 1]: window + 1 values",
            "diagnostics", '''
def moving_average(values, window):
    values = np.asarray(values, dtype=np.float64)
    return np.array([values[max(0, i - window):i + 1].mean() for i in range(values.size)])
''', "moving_average", "off by one"),
]

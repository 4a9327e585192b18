"""Correct lab-06 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package (replacing the functions it defines); every function in ``functions`` must still get FULL
marks: the hidden checks must not depend on the base of the logarithm, on how random numbers are
consumed, on the order trials are run in, or on the numpy idiom used.
"""
from .entries import Variant


VARIANTS = [
    Variant("fit_keepdims_and_inline_splits", "statistics with keepdims (shape (1, ...)), "
            "channel mean as (1, C, 1, 1), applied in place on a copy, preprocess_splits "
            "without the helpers",
            "preprocessing", '''
def fit_preprocessing(X_train, kind="standardize"):
    X = np.asarray(X_train, dtype=np.float64)
    axes = (0, 2, 3) if kind == "channel_mean" else 0
    mean = X.mean(axis=axes, keepdims=True)
    std = np.ones_like(mean)
    if kind == "standardize":
        std = np.sqrt(((X - mean) ** 2).mean(axis=0, keepdims=True))
        std[std < MIN_STD] = 1.0
    return {"kind": kind, "mean": mean[0], "std": std[0]}


def apply_preprocessing(X, params):
    out = np.array(X, dtype=np.float64, copy=True)
    out -= params["mean"]
    out /= params["std"]
    return out


def preprocess_splits(X_train, X_val, X_test, kind="standardize"):
    X_train = np.asarray(X_train, dtype=np.float64)
    axes = (0, 2, 3) if kind == "channel_mean" else 0
    mean = X_train.mean(axis=axes, keepdims=True)
    std = X_train.std(axis=0, keepdims=True) if kind == "standardize" else np.ones_like(mean)
    std = np.where(std < MIN_STD, 1.0, std)
    return tuple((np.asarray(X, dtype=np.float64) - mean) / std for X in (X_train, X_val, X_test))
''', ("fit_preprocessing", "apply_preprocessing", "preprocess_splits")),

    Variant("kfold_by_hand", "fold boundaries computed by hand, train via a boolean mask; the "
            "split from a shuffled copy, train as the set difference",
            "preprocessing", '''
def train_val_test_split(num_examples, val_fraction=0.2, test_fraction=0.2, seed=None):
    n_val = int(round(val_fraction * num_examples))
    n_test = int(round(test_fraction * num_examples))
    shuffled = np.arange(num_examples)
    np.random.default_rng(seed).shuffle(shuffled)
    val = np.sort(shuffled[-n_val:]) if n_val else np.array([], dtype=np.int64)
    test = np.sort(shuffled[:n_test])
    train = np.setdiff1d(np.arange(num_examples), np.concatenate([val, test]))
    return train, val, test


def kfold_indices(num_examples, num_folds):
    base, extra = divmod(num_examples, num_folds)
    out, start = [], 0
    for i in range(num_folds):
        stop = start + base + (1 if i < extra else 0)
        mask = np.zeros(num_examples, dtype=bool)
        mask[start:stop] = True
        out.append((np.flatnonzero(~mask), np.flatnonzero(mask)))
        start = stop
    return out
''', ("train_val_test_split", "kfold_indices")),

    Variant("search_natural_log_and_loops", "log-uniform through the natural log, one value at a "
            "time; random search samples per trial; grid in a different loop order", "search", '''
def sample_log_uniform(low, high, size, seed=None):
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))


def random_search(train_fn, space, num_trials, seed=None):
    rng = np.random.default_rng(seed)
    best_params, best_score, trials = None, -np.inf, []
    for _ in range(num_trials):
        params = {}
        for name, (low, high, scale) in space.items():
            if scale == "log":
                params[name] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
            else:
                params[name] = float(rng.uniform(low, high))
        score = train_fn(params)
        trials.append((params, score))
        if score > best_score:
            best_params, best_score = params, score
    return best_params, best_score, trials


def grid_search(train_fn, space, num_trials):
    axes = grid_points(space, num_trials)
    names = list(axes)[::-1]
    trials = []
    for values in itertools.product(*(axes[name] for name in names)):
        params = {name: float(v) for name, v in zip(names, values)}
        trials.append((params, train_fn(params)))
    scores = np.array([s for _, s in trials])
    i = int(np.argmax(scores))
    return trials[i][0], float(scores[i]), trials


def refine_range(low, high, best, shrink=0.5, border=0.1):
    import math
    lo, hi, b = math.log(low), math.log(high), math.log(best)
    u = (b - lo) / (hi - lo)
    width = (hi - lo) * (shrink if border <= u <= 1 - border else 1.0)
    return math.exp(b - width / 2), math.exp(b + width / 2)
''', ("sample_log_uniform", "random_search", "grid_search", "refine_range")),

    Variant("diagnostics_other_idioms", "max over the batch for dead units, counting with "
            "sums, a loop for the moving average, ratios via np.sqrt(np.sum(...))",
            "diagnostics", '''
def initial_loss_verdict(loss, num_classes, rtol=0.1):
    expected = -np.log(1.0 / num_classes)
    low, high = expected * (1 - rtol), expected * (1 + rtol)
    if loss > high:
        return "too high"
    if loss < low:
        return "too low"
    return "as expected"


def dead_unit_fraction(activations):
    out = []
    for a in activations:
        dead = np.max(a, axis=0) <= 0
        out.append(np.sum(dead) / a.shape[1])
    return np.array(out, dtype=np.float64)


def update_ratios(params_before, params_after, grads=None):
    ratios = {}
    for name in params_before:
        update = params_after[name] - params_before[name]
        ratios[name] = float(np.sqrt(np.sum(update ** 2)) / np.sqrt(np.sum(params_before[name] ** 2)))
    return ratios


def fit_verdict(train_acc, val_acc, max_gap=0.1, min_train_acc=0.9):
    gap = train_acc - val_acc
    verdict = "good fit"
    if train_acc < min_train_acc:
        verdict = "underfitting"
    if gap > max_gap:
        verdict = "overfitting"
    return verdict


def moving_average(values, window):
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    for i in range(values.size):
        chunk = values[max(0, i - window + 1):i + 1]
        out[i] = chunk.sum() / len(chunk)
    return out
''', ("initial_loss_verdict", "dead_unit_fraction", "update_ratios", "fit_verdict",
      "moving_average")),
    Variant("channel_mean_by_transpose_and_one_apply", "per-channel mean by moving the channel "
            "axis first and flattening the rest, the std as the root of np.var with a boolean "
            "mask for constant features, np.subtract / np.divide, and the three splits "
            "preprocessed in ONE call on their concatenation (statistics still from X_train)",
            "preprocessing", """
def fit_preprocessing(X_train, kind="standardize"):
    _check_kind(kind)
    X = np.asarray(X_train, dtype=np.float64)
    if kind == "channel_mean":
        C = X.shape[1]
        per_channel = np.transpose(X, (1, 0, 2, 3)).reshape(C, -1)     # (C, N * H * W)
        mean = per_channel.mean(axis=1)[:, np.newaxis, np.newaxis]
        return {"kind": kind, "mean": mean, "std": np.ones(mean.shape)}
    mean = np.mean(X, axis=0)
    std = np.ones(mean.shape)
    if kind == "standardize":
        std = np.sqrt(np.var(X, axis=0))
        std[std < MIN_STD] = 1.0
    return {"kind": kind, "mean": mean, "std": std}


def apply_preprocessing(X, params):
    return np.divide(np.subtract(np.asarray(X, dtype=np.float64), params["mean"]), params["std"])


def preprocess_splits(X_train, X_val, X_test, kind="standardize"):
    params = fit_preprocessing(X_train, kind)
    splits = [np.asarray(X, dtype=np.float64) for X in (X_train, X_val, X_test)]
    together = apply_preprocessing(np.concatenate(splits), params)
    cuts = np.cumsum([len(X) for X in splits])[:-1]
    return tuple(np.split(together, cuts))
""", ("fit_preprocessing", "apply_preprocessing", "preprocess_splits")),

    Variant("split_by_choice_and_folds_by_cumsum", "the permutation drawn with rng.choice "
            "(no replacement) and cut by np.split in the order val, test, train; fold "
            "boundaries from a cumulative sum of the fold sizes, training indices by np.r_",
            "preprocessing", """
def train_val_test_split(num_examples, val_fraction=0.2, test_fraction=0.2, seed=None):
    N = int(num_examples)
    n_val, n_test = int(round(val_fraction * N)), int(round(test_fraction * N))
    order = np.random.default_rng(seed).choice(N, size=N, replace=False)
    val, test, train = np.split(order, [n_val, n_val + n_test])
    return np.sort(train), np.sort(val), np.sort(test)


def kfold_indices(num_examples, num_folds):
    N, k = int(num_examples), int(num_folds)
    sizes = np.full(k, N // k)
    sizes[:N % k] += 1                      # the first N % k folds take one more
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(np.r_[0:start, stop:N], np.arange(start, stop))
            for start, stop in zip(bounds[:-1], bounds[1:])]
""", ("train_val_test_split", "kfold_indices")),

    Variant("search_powers_of_the_ratio_and_meshgrid", "log-uniform as low * (high / low) ** u "
            "with u uniform on [0, 1); random search from one (trials, d) matrix of uniforms, "
            "the best by np.argmax; the grid by np.meshgrid; refine_range in base 2",
            "search", """
def sample_log_uniform(low, high, size, seed=None):
    u = np.random.default_rng(seed).random(size)
    return low * (high / low) ** u


def random_search(train_fn, space, num_trials, seed=None):
    _check_space(space)
    rng = np.random.default_rng(seed)
    names = list(space)
    u = rng.random((num_trials, len(names)))            # one row per trial
    trials = []
    for row in u:
        params = {}
        for name, ui in zip(names, row):
            low, high, scale = space[name]
            params[name] = float(low * (high / low) ** ui if scale == "log"
                                 else low + (high - low) * ui)
        trials.append((params, float(train_fn(params))))
    scores = np.array([score for _, score in trials])
    best = int(np.argmax(scores))
    return trials[best][0], trials[best][1], trials


def grid_search(train_fn, space, num_trials):
    axes = grid_points(space, num_trials)
    names = list(axes)
    mesh = np.meshgrid(*(axes[name] for name in names), indexing="ij")
    columns = [m.ravel() for m in mesh]
    trials = []
    for i in range(columns[0].size):
        params = {name: float(col[i]) for name, col in zip(names, columns)}
        trials.append((params, float(train_fn(params))))
    best = int(np.argmax([score for _, score in trials]))
    return trials[best][0], trials[best][1], trials


def refine_range(low, high, best, shrink=0.5, border=0.1):
    width = np.log2(high / low)
    u = np.log2(best / low) / width
    if u < border or u > 1 - border:
        new_width = width
    else:
        new_width = shrink * width
    return float(best * 2.0 ** (-new_width / 2)), float(best * 2.0 ** (new_width / 2))
""", ("sample_log_uniform", "random_search", "grid_search", "refine_range")),

    Variant("verdicts_by_isclose_and_lookups", "np.isclose with the relative tolerance, a "
            "tuple indexed by a comparison, the overfitting test as val + gap < train; dead "
            "units as NOT any positive output", "diagnostics", """
def initial_loss_verdict(loss, num_classes, rtol=0.1):
    import math
    expected = math.log(num_classes)
    if np.isclose(loss, expected, rtol=rtol, atol=0.0):
        return "as expected"
    return ("too low", "too high")[loss > expected]


def fit_verdict(train_acc, val_acc, max_gap=0.1, min_train_acc=0.9):
    overfit = val_acc + max_gap < train_acc
    underfit = not overfit and not train_acc >= min_train_acc
    return "overfitting" if overfit else ("underfitting" if underfit else "good fit")


def dead_unit_fraction(activations):
    fractions = np.zeros(len(activations))
    for l, a in enumerate(activations):
        alive = np.any(np.asarray(a) > 0, axis=0)         # (H_l,)
        fractions[l] = 1.0 - alive.mean()
    return fractions
""", ("initial_loss_verdict", "fit_verdict", "dead_unit_fraction")),

    Variant("moving_average_by_convolution_and_ratios_by_dot", "running sums by np.convolve "
            "divided by min(i + 1, window); norms as the square root of a dot product of the "
            "flattened arrays, visiting the parameters in sorted order", "diagnostics", """
def moving_average(values, window):
    values = np.asarray(values, dtype=np.float64)
    if int(window) < 1:
        raise ValueError(f"window must be at least 1, got {window!r}")
    T = values.size
    sums = np.convolve(values, np.ones(int(window)))[:T]
    counts = np.minimum(np.arange(1, T + 1), int(window))
    return sums / counts


def update_ratios(params_before, params_after, grads=None):
    def norm(x):
        flat = np.ravel(x)
        return np.sqrt(np.dot(flat, flat))
    return {name: float(norm(params_after[name] - params_before[name]) /
                        norm(params_before[name]))
            for name in sorted(params_before)}
""", ("moving_average", "update_ratios")),

    Variant("moving_average_sliding_window_and_counted_dead_units", "moving average as np.nanmean "
            "over sliding windows of the curve padded with NaN at the start; dead units counted "
            "per layer with np.count_nonzero; the initial loss compared with -log(1/C) by "
            "bounds", "diagnostics", """
def moving_average(values, window):
    values = np.asarray(values, dtype=np.float64)
    window = int(window)
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window!r}")
    padded = np.concatenate([np.full(window - 1, np.nan), values])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)    # (T, window)
    return np.nanmean(windows, axis=1)


def dead_unit_fraction(activations):
    out = []
    for a in activations:
        a = np.asarray(a)
        positive_per_unit = np.count_nonzero(a > 0, axis=0)          # (H_l,)
        out.append(np.count_nonzero(positive_per_unit == 0) / a.shape[1])
    return np.asarray(out, dtype=np.float64)


def initial_loss_verdict(loss, num_classes, rtol=0.1):
    expected = -np.log(1.0 / num_classes)
    if loss > expected + rtol * expected:
        return "too high"
    if loss < expected - rtol * expected:
        return "too low"
    return "as expected"
""", ("moving_average", "dead_unit_fraction", "initial_loss_verdict")),
]

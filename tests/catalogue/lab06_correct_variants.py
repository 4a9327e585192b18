"""Correct lab-06 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package (replacing the functions it defines); every function in ``functions`` must still get FULL
marks: the hidden checks must not depend on the base of the logarithm, on how random numbers are
consumed, on the order trials are run in, or on the numpy idiom used.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    id: str
    description: str
    module: str
    source: str
    functions: tuple


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


def update_ratios(params_before, params_after):
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
]

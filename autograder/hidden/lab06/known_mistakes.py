"""What lab 06's functions return under each known mistake (trusted side, never released).

Each builder returns ``(value, message)`` pairs for ``autograder.diagnose.compare(hints=...)``:
when a student's output equals a candidate, the feedback names that mistake.
"""
import numpy as np

LEAK = "validation statistics leak into preprocessing"


def standardize_candidates(X_train, X_new):
    """Outputs of the standardize kind fitted on X_train and applied to X_new, under mistakes."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    safe = np.where(std < 1e-8, 1.0, std)
    return [
        (X_new / safe, "std without the mean: divides by the std but never subtracts the mean"),
        ((X_new - mean) / np.where(X_train.std(axis=0, ddof=1) < 1e-8, 1.0,
                                    X_train.std(axis=0, ddof=1)),
         "uses the sample std (ddof=1): this course uses the population std, np.std's default"),
        ((X_new - mean) / (std + 1e-8),
         "adds a small epsilon to every std: only a constant feature (std below MIN_STD) is "
         "divided by 1, every other by its own std"),
        ((X_new - X_train.mean()) / X_train.std(),
         "one mean and std for the whole array: they are per feature (over axis 0)"),
    ]


def channel_candidates(X_train, X_new):
    return [
        (X_new - X_train.mean(axis=0),
         "per-pixel instead of per-channel mean: that subtracts the mean image; channel_mean "
         "takes one mean per channel, over examples AND pixels"),
        (X_new - X_train.mean(),
         "one mean over all channels: channel_mean takes one mean per channel"),
        (X_new - X_train.mean(axis=(0, 2, 3), keepdims=True) / X_train.std(axis=(0, 2, 3),
                                                                          keepdims=True),
         "the channel std is mixed in: channel_mean only subtracts"),
    ]


def apply_candidates(X, mean, std):
    return [((X - mean) * std, "multiplies by the std: divide by it"),
            (X - mean, "the std is not used: divide (X - mean) by params['std']"),
            (X / std - mean, "divides before subtracting: (X - mean) / std")]


def split_candidates(splits, fit_apply, kind):
    """Outputs of preprocess_splits when the statistics come from the wrong data."""
    X_train, X_val, X_test = splits
    everything = np.concatenate(splits)
    out = []
    for fitted_on, message in (
            (everything, f"fitted on all the data (train + val + test): {LEAK}; fit on X_train only"),
            (np.concatenate([X_train, X_val]),
             f"fitted on train + validation: {LEAK}; fit on X_train only"),
            (X_val, f"fitted on the validation set: {LEAK}; fit on X_train only")):
        out.append(([fit_apply(fitted_on, X, kind) for X in splits], message))
    out.append(([fit_apply(X, X, kind) for X in splits],
                "each split preprocessed with its OWN statistics: fit on X_train once and "
                f"apply those to val and test ({LEAK})"))
    return out


def refine_candidates(low, high, best, shrink, border):
    lo, hi, b = np.log10(low), np.log10(high), np.log10(best)
    width = hi - lo
    u = (b - lo) / width
    inside = border <= u <= 1 - border
    zoom = shrink * width
    out = []
    if not inside:
        out.append(((10 ** (b - zoom / 2), 10 ** (b + zoom / 2)),
                    "no re-centring at the border: best sits on the border, where the optimum "
                    "may lie outside the range; keep the full width centred on best"))
        w = width
        out.append(((max(low, 10 ** (b - w / 2)), min(high, 10 ** (b + w / 2))),
                    "the new range is clipped to the old one: at the border it must reach "
                    "beyond it"))
    else:
        out.append(((10 ** (b - width / 2), 10 ** (b + width / 2)),
                    "re-centred without zooming in: best is inside the range, shrink the width"))
    w = (zoom if inside else width) * (high - low) / width
    out.append(((best - shrink * (high - low) / 2, best + shrink * (high - low) / 2),
                "the range is centred in linear space: work with log10 of the values"))
    return out


def dead_candidates(acts):
    return [
        (np.array([np.mean(np.all(a <= 0, axis=1)) for a in acts]),
         "dead-unit fraction over the wrong axis: that is the share of INPUTS for which every "
         "unit is off; reduce over the batch axis (0), then average over units"),
        (np.array([np.mean(np.any(a <= 0, axis=0)) for a in acts]),
         "dead defined as output zero for SOME input: a unit is dead only when it is 0 for "
         "ALL inputs"),
        (np.array([np.mean(a <= 0) for a in acts]),
         "counts zero entries, not dead units: a unit is dead when it is 0 for ALL inputs"),
    ]


def ratio_candidates(before, after, grads, name):
    w, u, g = before[name], after[name] - before[name], grads[name]
    return [
        (np.linalg.norm(g) / np.linalg.norm(w),
         "the ratio of the gradient, not of the update: the update is what the step changed, "
         "after - before (learning_rate x gradient for SGD, whatever Adam did for Adam); the "
         "raw gradient ignores the learning rate"),
        (np.linalg.norm(w) / np.linalg.norm(u),
         "the ratio is inverted: norm(update) / norm(weights), not the other way round"),
        (np.linalg.norm(after[name]) / np.linalg.norm(w),
         "the update is not subtracted: norm(after) / norm(before) is about 1; the update is "
         "after - before"),
        (np.mean(np.abs(u) / np.abs(w)),
         "an element-wise ratio averaged: divide the NORM of the update by the NORM of the "
         "weights"),
        (np.linalg.norm(u) / np.linalg.norm(after[name]),
         "divides by the weights AFTER the update: divide by norm(before)"),
    ]


def moving_average_candidates(values, window):
    T = values.size
    full = np.convolve(values, np.ones(window) / window)[:T]
    out = [(full, "not normalised at the start: the first window - 1 averages divide by window "
                  "instead of by how many values exist so far")]

    def trailing(w):
        return np.array([values[max(0, i - w + 1):i + 1].mean() for i in range(T)])
    if window > 1:
        out.append((trailing(window - 1), "off by one: averages window - 1 values"))
    out.append((trailing(window + 1), "off by one: averages window + 1 values"))
    out.append((np.array([values[max(0, i - window):i].mean() if i else values[0]
                          for i in range(T)]),
                "off by one: values[i] itself is left out of out[i]"))
    return out

"""Data preprocessing fitted on the training set; train/val/test splits and k-fold indices.

Step 1 of the training recipe: look at the data and put it on a sensible scale. The statistics
(means, standard deviations) are FITTED ON THE TRAINING SET ONLY and then APPLIED unchanged to
the validation and test sets. Computing them on all the data lets the validation set leak into
training: the validation accuracy is then no longer an honest estimate.

Three kinds, chosen by name (``KINDS``):

    "center"        X - mean             mean over examples, one per feature: shape X.shape[1:]
    "standardize"   (X - mean) / std     mean and std per feature: shape X.shape[1:]
    "channel_mean"  X - mean[c]          images (N, C, H, W): ONE mean per colour channel,
                                         over examples and pixels: shape (C, 1, 1) (as VGG)

A feature that is constant on the training set (an always-black corner pixel of a digit) has
std 0: ``standardize`` then divides by 1 instead, leaving that feature centred (0), never inf.

Parameters are a dict ``{"kind": str, "mean": array, "std": array}``; ``mean`` and ``std``
broadcast against one example (``std`` is all ones for "center" and "channel_mean"), so that
applying them is always ``(X - mean) / std``.
"""
import numpy as np

KINDS = ("center", "standardize", "channel_mean")

#: A training std below this counts as a constant feature (divide by 1 instead).
MIN_STD = 1e-8


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")


def fit_preprocessing(X_train, kind="standardize"):
    """Fit the preprocessing statistics on the training set.

    Inputs:
    - X_train: array (N, d1, ..., dk) of training examples, N >= 1 (for "channel_mean":
      images (N, C, H, W)).
    - kind: "center", "standardize" or "channel_mean".

    Returns a dict with:
    - "kind": the kind;
    - "mean": float64 array of shape (d1, ..., dk) ("center", "standardize") or (C, 1, 1)
      ("channel_mean");
    - "std": float64 array of the same shape as "mean": the per-feature standard deviation
      (population std, ddof=0; 1 where it is below MIN_STD) for "standardize", ones otherwise.
    X_train is not modified.
    """
    _check_kind(kind)
    X = np.asarray(X_train, dtype=np.float64)
    if kind == "channel_mean" and X.ndim != 4:
        raise ValueError(f"channel_mean needs images of shape (N, C, H, W), got shape {X.shape}")
    # Hint: average over the examples (axis 0) for a per-feature mean; for images, also over
    # Hint: the pixels, keeping a (C, 1, 1) shape that broadcasts against (C, H, W).
    # Hint: a std below MIN_STD must become 1, or a constant pixel turns into 0 / 0.
    raise NotImplementedError("fit_preprocessing is yours to write (nnlab/preprocessing.py). Hint: average over the examples (axis 0) for a per-feature mean; for images, also over")


def apply_preprocessing(X, params):
    """Apply fitted preprocessing to any split (train, validation or test).

    Inputs:
    - X: array (M, d1, ..., dk) of examples.
    - params: the dict returned by fit_preprocessing (on the TRAINING set).

    Returns:
    - float64 array of the same shape as X: (X - params["mean"]) / params["std"].
    X and params are not modified.
    """
    # Hint: the fitted arrays already broadcast against one example: no reshaping needed.
    raise NotImplementedError("apply_preprocessing is yours to write (nnlab/preprocessing.py). Hint: the fitted arrays already broadcast against one example: no reshaping needed.")


def preprocess_splits(X_train, X_val, X_test, kind="standardize"):
    """Fit on the training set, then apply to all three splits.

    Inputs:
    - X_train (N, ...), X_val (M, ...), X_test (T, ...): the three splits.
    - kind: as in fit_preprocessing.

    Returns a tuple (X_train, X_val, X_test) of float64 arrays, each of its input's shape,
    preprocessed with statistics of the TRAINING set only. The inputs are not modified.
    """
    # Hint: use your two functions above; which split may the statistics come from?
    raise NotImplementedError("preprocess_splits is yours to write (nnlab/preprocessing.py). Hint: use your two functions above; which split may the statistics come from?")


def train_val_test_split(num_examples, val_fraction=0.2, test_fraction=0.2, seed=None):
    """Shuffle the indices 0..N-1 once and cut them into training, validation and test parts.

    Shuffling matters: datasets are often stored sorted (by class, by date, by source), and
    cutting blocks off an ordered dataset gives a validation set unlike the training set.

    Inputs:
    - num_examples: int N.
    - val_fraction, test_fraction: floats >= 0; the parts hold n_val = round(val_fraction * N)
      and n_test = round(test_fraction * N) examples, the training part the rest (at least 1).
    - seed: int or None, seeds np.random.default_rng (the same seed gives the same split).

    Returns a tuple (train_idx, val_idx, test_idx) of int64 arrays, each sorted ascending:
    disjoint, and together every index 0..N-1 exactly once.
    """
    N = int(num_examples)
    n_val, n_test = int(round(val_fraction * N)), int(round(test_fraction * N))
    if min(n_val, n_test) < 0 or n_val + n_test >= N:
        raise ValueError(f"cannot take {n_val} validation and {n_test} test examples out of {N}"
                         " and keep a training set")
    rng = np.random.default_rng(seed)
    # Hint: ONE random permutation of all the indices, then consecutive slices of it: no index
    # Hint: can land in two parts, none is left out.
    raise NotImplementedError("train_val_test_split is yours to write (nnlab/preprocessing.py). Hint: ONE random permutation of all the indices, then consecutive slices of it: no index")


def kfold_indices(num_examples, num_folds):
    """Split the indices 0..N-1 into k folds for cross-validation (in order, no shuffling).

    Every index is in exactly one validation fold; the folds' sizes differ by at most one
    (the first N % k folds get one extra index, as np.array_split); nothing is dropped.

    Inputs:
    - num_examples: int N >= num_folds.
    - num_folds: int k >= 2.

    Returns a list of k tuples (train_idx, val_idx) of int64 arrays, sorted ascending:
    val_idx is fold i, train_idx every other index.
    """
    N, k = int(num_examples), int(num_folds)
    if k < 2 or N < k:
        raise ValueError(f"need 2 <= num_folds <= num_examples, got {k} folds of {N} examples")
    # Hint: N // k examples per fold leaves N % k of them out: give the first folds one more.
    raise NotImplementedError("kfold_indices is yours to write (nnlab/preprocessing.py). Hint: N // k examples per fold leaves N % k of them out: give the first folds one more.")

"""Hidden checks of lab 06's preprocessing and k-fold indices (instructor only, never released).

A correct preprocessing function:
- fit_preprocessing: statistics per feature (any number of trailing dimensions) or per channel,
  judged by what they DO: the grader applies the student's mean and std itself to new data and
  compares with the reference (so the layout of the dict beyond "mean" and "std" is free);
  a constant feature is divided by 1, never by 0;
- apply_preprocessing: (X - mean) / std with the grader's own fitted parameters;
- preprocess_splits: statistics from X_train only — validation statistics leaking in are named;
  it may use the student's own fit/apply (a mistake there is charged there, not here);
- kfold_indices: the folds of np.array_split, nothing overlapping, nothing dropped;
- every function: float64 out, inputs never modified.
"""
import numpy as np
import pytest

from autograder.diagnose import compare, describe_type
from autograder.hidden.checklib import (
    CORRECTNESS, PROPERTY, REF_RTOL, call, check_array, check_not_mutated, expect_tuple, fail,
    rng_for, shape_str,
)
from autograder.hidden.lab06 import known_mistakes as km


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _features(name, shape=(40, 3, 4)):
    """Features with very different scales and offsets, and one constant feature."""
    rng = rng_for(name)
    scale = rng.uniform(0.1, 5.0, size=shape[1:])
    X = rng.uniform(-3, 3, size=shape[1:]) + scale * rng.standard_normal(shape)
    X.reshape(shape[0], -1)[:, 1] = 0.75
    return X


def _images(name, shape=(12, 3, 5, 4)):
    rng = rng_for(name)
    return (rng.uniform(0, 3, size=(1, shape[1], 1, 1))
            + rng.uniform(0.5, 2, size=(1, shape[1], 1, 1)) * rng.standard_normal(shape))


def _student_applied(params, X, case):
    """Apply the STUDENT's fitted params to X here, in the trusted process."""
    if not isinstance(params, dict) or "mean" not in params or "std" not in params:
        fail(f"{case}: fit_preprocessing returned {describe_type(params)}, expected a dict with "
             f"'kind', 'mean' and 'std'")
    out = []
    for key in ("mean", "std"):
        v = params[key]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = np.float64(v)
        if not isinstance(v, (np.ndarray, np.floating)) or not np.issubdtype(np.asarray(v).dtype,
                                                                            np.number):
            fail(f"{case}: params['{key}'] is {describe_type(params[key])}, expected an array")
        v = np.asarray(v, dtype=np.float64)
        try:
            np.broadcast_shapes(v.shape, X.shape[1:])
        except ValueError:
            fail(f"{case}: params['{key}'] has shape {shape_str(v.shape)}, which does not "
                 f"broadcast against one example of shape {shape_str(X.shape[1:])}")
        out.append(v)
    mean, std = out
    with np.errstate(all="ignore"):
        return (X - mean) / std


def _same(got, want):
    """Equal to rtol REF_RTOL, NaN where the other has NaN (a student's own broken statistics)."""
    if not (isinstance(got, np.ndarray) and got.shape == np.shape(want)
            and np.issubdtype(got.dtype, np.number)):
        return False
    finite = np.abs(want[np.isfinite(want)])
    scale = finite.max() if finite.size else 1.0
    return bool(np.allclose(got, want, rtol=0, atol=REF_RTOL * scale, equal_nan=True))


def _fit_apply(ref, X_fit, X, kind):
    pre = ref.preprocessing
    return pre.apply_preprocessing(X, pre.fit_preprocessing(X_fit, kind))


# ----------------------------------------------------------------------------- fit_preprocessing

@grades("fit_preprocessing", CORRECTNESS)
@pytest.mark.parametrize("kind", ["center", "standardize"])
def test_fit_per_feature(student, ref, kind):
    X, X_new = _features(f"fit-{kind}"), _features(f"fit-{kind}-new", (9, 3, 4))
    case = f"X_train {shape_str(X.shape)} with a constant feature, kind={kind!r}"
    params = call(student.preprocessing.fit_preprocessing, X, kind, case=case)
    got = _student_applied(params, X_new, case)
    expected = _fit_apply(ref, X, X_new, kind)
    if not np.all(np.isfinite(got)):
        fail(f"{case}: your statistics give inf or nan on new data — a constant feature has "
             f"std 0: divide it by 1 (std below MIN_STD), never by 0")
    hints = km.standardize_candidates(X, X_new) if kind == "standardize" else [
        (X_new / 1.0, "the mean is not subtracted"),
        (X_new - X.mean(), "one mean for the whole array: it is per feature (over axis 0)")]
    msg = compare(got, expected, name="(X_new - mean) / std with your statistics", rtol=REF_RTOL,
                  hints=hints)
    if msg:
        fail(f"{case}: {msg}")


@grades("fit_preprocessing", CORRECTNESS)
def test_fit_channel_mean(student, ref):
    X, X_new = _images("fit-channel"), _images("fit-channel-new", (5, 3, 5, 4))
    case = f"images X_train {shape_str(X.shape)}, kind='channel_mean'"
    params = call(student.preprocessing.fit_preprocessing, X, "channel_mean", case=case)
    got = _student_applied(params, X_new, case)
    msg = compare(got, _fit_apply(ref, X, X_new, "channel_mean"),
                  name="X_new - mean with your statistics", rtol=REF_RTOL,
                  hints=km.channel_candidates(X, X_new))
    if msg:
        fail(f"{case}: {msg}")


@grades("fit_preprocessing", PROPERTY)
def test_fit_properties(student, ref):
    X = _features("fit-props", (15, 6))
    case = f"X_train {shape_str(X.shape)}, kind='standardize'"
    params = call(student.preprocessing.fit_preprocessing, X, "standardize", case=case,
                  report_mutation=True)
    check_not_mutated(student, case, "fit_preprocessing", ["X_train", "kind"])
    if not isinstance(params, dict):
        fail(f"{case}: fit_preprocessing returned {describe_type(params)}, expected a dict")
    if params.get("kind") != "standardize":
        fail(f"{case}: params['kind'] should be the kind, 'standardize'")
    for key in ("mean", "std"):
        if key not in params:
            fail(f"{case}: params has no '{key}'")
        check_array(params[key], f"params['{key}']", (6,), case)


# ----------------------------------------------------------------------------- apply_preprocessing

@grades("apply_preprocessing", CORRECTNESS)
@pytest.mark.parametrize("kind", ["standardize", "channel_mean"])
def test_apply_values(student, ref, kind):
    make = _images if kind == "channel_mean" else _features
    X_train, X = make(f"apply-{kind}"), make(f"apply-{kind}-new")
    params = ref.preprocessing.fit_preprocessing(X_train, kind)
    case = f"X {shape_str(X.shape)}, params fitted by the reference ({kind})"
    got = call(student.preprocessing.apply_preprocessing, X, params, case=case)
    msg = compare(got, ref.preprocessing.apply_preprocessing(X, params), name="the output",
                  rtol=REF_RTOL, hints=km.apply_candidates(X, params["mean"], params["std"]))
    if msg:
        fail(f"{case}: {msg}")


@grades("apply_preprocessing", PROPERTY)
def test_apply_properties(student, ref):
    X_train, X = _features("apply-props"), _features("apply-props-new", (7, 3, 4))
    params = ref.preprocessing.fit_preprocessing(X_train, "standardize")
    case = f"X {shape_str(X.shape)}, standardize"
    got = call(student.preprocessing.apply_preprocessing, X, params, case=case,
               report_mutation=True)
    check_not_mutated(student, case, "apply_preprocessing", ["X", "params"])
    check_array(got, "the output", X.shape, case)


# ----------------------------------------------------------------------------- preprocess_splits

def _splits(name, kind):
    """Three splits whose statistics differ, so that a leak changes every output."""
    make = _images if kind == "channel_mean" else _features
    return make(name + "-train"), make(name + "-val") * 1.7 + 2.0, make(name + "-test") - 1.0


@grades("preprocess_splits", CORRECTNESS)
@pytest.mark.parametrize("kind", ["standardize", "center", "channel_mean"])
def test_splits_fitted_on_training_data_only(student, ref, kind):
    splits = _splits(f"splits-{kind}", kind)
    case = (f"X_train {shape_str(splits[0].shape)}, X_val and X_test from shifted "
            f"distributions, kind={kind!r}")
    res = call(student.preprocessing.preprocess_splits, *splits, kind, case=case)
    got = expect_tuple(res, 3, "preprocess_splits", case, ("X_train", "X_val", "X_test"))
    expected = [_fit_apply(ref, splits[0], X, kind) for X in splits]
    if all(_same(g, e) for g, e in zip(got, expected)):
        return
    # Built on the student's own fit/apply? Then a mistake there is charged there, not here.
    try:
        params = student.preprocessing.fit_preprocessing(splits[0], kind)
        own = [student.preprocessing.apply_preprocessing(X, params) for X in splits]
        if all(_same(g, o) for g, o in zip(got, own)):
            return
    except Exception:  # noqa: BLE001 — their fit/apply fail: judge against the reference alone
        pass
    for candidate, message in km.split_candidates(splits, lambda F, X, k: _fit_apply(ref, F, X, k),
                                                  kind):
        if all(_same(g, c) for g, c in zip(got, candidate)):
            fail(f"{case}: {message}")
    for name, g, e in zip(("X_train", "X_val", "X_test"), got, expected):
        msg = compare(g, e, name=name, rtol=REF_RTOL)
        if msg:
            fail(f"{case}: {msg}")


@grades("preprocess_splits", PROPERTY)
def test_splits_properties(student, ref):
    splits = _splits("splits-props", "standardize")
    case = f"three splits of shape {shape_str(splits[0].shape)}"
    res = call(student.preprocessing.preprocess_splits, *splits, "standardize", case=case,
               report_mutation=True)
    check_not_mutated(student, case, "preprocess_splits", ["X_train", "X_val", "X_test", "kind"])
    got = expect_tuple(res, 3, "preprocess_splits", case, ("X_train", "X_val", "X_test"))
    for name, g, X in zip(("X_train", "X_val", "X_test"), got, splits):
        check_array(g, name, X.shape, case)


# ----------------------------------------------------------------------------- kfold_indices

def _folds(student, N, k, case):
    res = call(student.preprocessing.kfold_indices, N, k, case=case)
    if not isinstance(res, (list, tuple)) or len(res) != k:
        fail(f"{case}: kfold_indices returned {describe_type(res)}, expected a list of {k} "
             f"(train_idx, val_idx) tuples")
    out = []
    for i, pair in enumerate(res):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail(f"{case}: fold {i} is {describe_type(pair)}, expected (train_idx, val_idx)")
        arrays = []
        for name, a in zip(("train_idx", "val_idx"), pair):
            if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.integer) \
                    or a.ndim != 1:
                fail(f"{case}: fold {i}: {name} is {describe_type(a)}, expected a 1-D integer "
                     f"array")
            arrays.append(a)
        out.append(tuple(arrays))
    return out


@grades("kfold_indices", CORRECTNESS)
@pytest.mark.parametrize("N,k", [(20, 4), (23, 5), (7, 7), (50, 3)])
def test_kfold_validation_folds(student, ref, N, k):
    case = f"num_examples={N}, num_folds={k}"
    folds = _folds(student, N, k, case)
    vals = [v for _, v in folds]
    every = np.concatenate(vals)
    if len(set(every.tolist())) < every.size:
        fail(f"{case}: the validation folds overlap: an example is in two folds")
    if every.size < N:
        fail(f"{case}: the folds drop {N - every.size} examples (the remainder N % k = {N % k}"
             f" was lost): every example must be in exactly one fold")
    if set(every.tolist()) != set(range(N)):
        fail(f"{case}: the folds hold indices outside 0..{N - 1}")
    expected = [v for _, v in ref.preprocessing.kfold_indices(N, k)]
    sizes, want = [v.size for v in vals], [v.size for v in expected]
    if sizes != want:
        fail(f"{case}: fold sizes {sizes}, expected {want}: the first N % k folds get one extra "
             f"example (np.array_split), sizes never differ by more than one")
    for i, (v, e) in enumerate(zip(vals, expected)):
        if not np.array_equal(np.sort(v), e):
            fail(f"{case}: fold {i} holds other examples than the {i}th block of "
                 f"np.array_split(np.arange(N), k) (in order, no shuffling)")


@grades("kfold_indices", CORRECTNESS)
@pytest.mark.parametrize("N,k", [(23, 5), (12, 3)])
def test_kfold_training_indices_are_the_rest(student, ref, N, k):
    case = f"num_examples={N}, num_folds={k}"
    for i, (train, val) in enumerate(_folds(student, N, k, case)):
        if np.intersect1d(train, val).size:
            fail(f"{case}: fold {i}: train_idx contains examples of its validation fold")
        if sorted(train.tolist()) != sorted(set(range(N)) - set(val.tolist())):
            fail(f"{case}: fold {i}: train_idx should be every example not in val_idx")


@grades("kfold_indices", PROPERTY)
def test_kfold_properties(student, ref):
    case = "num_examples=10, num_folds=3"
    for i, (train, val) in enumerate(_folds(student, 10, 3, case)):
        if not (np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)):
            fail(f"{case}: fold {i}: indices should be sorted ascending, without repeats")


# ----------------------------------------------------------------------------- train_val_test_split

def _split(student, N, val, test, seed, case):
    res = call(student.preprocessing.train_val_test_split, N, val, test, seed, case=case)
    parts = expect_tuple(res, 3, "train_val_test_split", case, ("train_idx", "val_idx", "test_idx"))
    for name, a in zip(("train_idx", "val_idx", "test_idx"), parts):
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.integer) or a.ndim != 1:
            fail(f"{case}: {name} is {describe_type(a)}, expected a 1-D integer array")
    return parts


@grades("train_val_test_split", CORRECTNESS)
@pytest.mark.parametrize("N,val,test", [(100, 0.2, 0.1), (1797, 0.15, 0.15), (9, 0.3, 0.2)])
def test_split_is_a_partition_of_the_right_sizes(student, ref, N, val, test):
    case = f"train_val_test_split({N}, val_fraction={val}, test_fraction={test}, seed=3)"
    parts = _split(student, N, val, test, 3, case)
    want = [p.size for p in ref.preprocessing.train_val_test_split(N, val, test, 3)]
    if np.intersect1d(parts[1], parts[2]).size:
        fail(f"{case}: val and test overlap: cut ONE permutation into consecutive slices")
    if np.intersect1d(parts[0], np.concatenate(parts[1:])).size:
        fail(f"{case}: train_idx contains validation or test examples")
    every = np.concatenate(parts)
    if every.size != np.unique(every).size:
        fail(f"{case}: an index appears twice in one part")
    if set(every.tolist()) != set(range(N)):
        fail(f"{case}: the parts together should hold every index 0..{N - 1} exactly once")
    got = [p.size for p in parts]
    if got != want:
        fail(f"{case}: sizes (train, val, test) {tuple(got)}, expected {tuple(want)}: "
             f"round(fraction * N) examples for val and test, the rest for training")


@grades("train_val_test_split", CORRECTNESS)
def test_split_is_shuffled(student, ref):
    """An unshuffled split puts the last examples of a sorted dataset in validation. For a random
    split of 1000 into 600/200/200, the number of validation indices below 500 is hypergeometric
    (mean 100, sd 6.3): |count - 100| > 45 has probability below 1e-12."""
    case = "train_val_test_split(1000, 0.2, 0.2, seed=8)"
    _, val, test = _split(student, 1000, 0.2, 0.2, 8, case)
    for name, part in (("val_idx", val), ("test_idx", test)):
        low = int(np.sum(part < 500))
        if abs(low - part.size / 2) > 45:
            fail(f"{case}: {name} is not shuffled: {low} of its {part.size} indices are below "
                 f"500 — blocks cut off the data in order (a dataset stored sorted by class "
                 f"would give a validation set of one class); shuffle the indices first")


@grades("train_val_test_split", PROPERTY)
def test_split_properties(student, ref):
    case = "train_val_test_split(60, 0.25, 0.25, seed=...)"
    a, b, c = (_split(student, 60, 0.25, 0.25, s, case) for s in (1, 1, 2))
    if not all(np.array_equal(x, y) for x, y in zip(a, b)):
        fail(f"{case}: the same seed gave different splits: use np.random.default_rng(seed)")
    if all(np.array_equal(x, y) for x, y in zip(a, c)):
        fail(f"{case}: seeds 1 and 2 gave the same split: use the seed")
    for name, part in zip(("train_idx", "val_idx", "test_idx"), a):
        if not np.all(np.diff(part) > 0):
            fail(f"{case}: {name} should be sorted ascending")

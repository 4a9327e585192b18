"""Datasets for the labs: handwritten digits (offline), CIFAR-10 (downloaded), a spiral toy set.

* ``load_digits()`` -- 1797 grey-scale 8x8 images of the digits 0-9 (UCI, via scikit-learn),
  stored in ``data/digits_8x8.npz``. Small enough that a network trains in seconds on a laptop;
  every lab works with it offline.
* ``load_cifar10(root)`` -- the CIFAR-10 python batches (fetch them once with
  ``python data/fetch_cifar10.py``), split like cs231n's ``get_CIFAR10_data``.
* ``make_spiral()`` -- the cs231n spiral: 2-D points in interleaved arms, one class per arm,
  which no linear classifier can separate.

All loaders return float64 features and int64 labels.
"""
import os
import pickle
from pathlib import Path

import numpy as np

DIGITS_FILE = "digits_8x8.npz"
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")



def _repo_data_dir():
    """The repository's data/ folder when nnlab runs from a checkout (lib/nnlab or
    solutions/nnlab -> repo/data); None when this file sits too close to the filesystem root."""
    parents = Path(__file__).resolve().parents
    return parents[2] / "data" if len(parents) > 2 else None


def _candidate_dirs():
    """Folders searched for datasets, in order, without duplicates.

    1. ``$NNLAB_DATA_DIR`` when it is set;
    2. ``./data`` and ``../data`` relative to the working directory (a student's release folder
       has its own ``data/``; notebooks run one level below it);
    3. the repository's ``data/`` when nnlab is used from a checkout.
    """
    dirs = []
    env = os.environ.get("NNLAB_DATA_DIR")
    if env:
        dirs.append(Path(env).expanduser())
    cwd = Path.cwd()
    dirs += [cwd / "data", cwd.parent / "data"]
    if _repo_data_dir() is not None:
        dirs.append(_repo_data_dir())
    unique = []
    for d in dirs:
        d = d.resolve()
        if d not in unique:
            unique.append(d)
    return unique


def _not_found(what, looked, fix):
    places = "\n".join(f"  - {p}" for p in looked)
    return FileNotFoundError(f"Could not find {what}. Looked in:\n{places}\n{fix}")


def find_digits_file(path=None):
    """Locate ``digits_8x8.npz``.

    Inputs:
    - path: None, or an explicit file or folder. When given, only that place is used.

    Returns the Path of the file. Raises FileNotFoundError naming every place it looked.
    """
    if path is not None:
        path = Path(path).expanduser()
        candidate = path / DIGITS_FILE if path.is_dir() else path
        if candidate.is_file():
            return candidate
        raise _not_found(
            f"the digits dataset at the path you gave ({path})",
            [candidate.resolve()],
            f"Pass the path of {DIGITS_FILE} (or of the folder holding it), or call "
            f"load_digits() without a path to search the usual places.")
    looked = []
    for d in _candidate_dirs():
        candidate = d / DIGITS_FILE
        looked.append(candidate)
        if candidate.is_file():
            return candidate
    raise _not_found(
        f"the digits dataset ({DIGITS_FILE})", looked,
        f"Fix: copy {DIGITS_FILE} from the course's data/ folder into a data/ folder next to "
        f"your notebook, or set the environment variable NNLAB_DATA_DIR to the folder that "
        f"holds it, or pass load_digits(path=...).")


def _split_sizes(counts, n):
    """Share ``n`` items among classes in proportion to ``counts`` (largest remainder).

    Inputs:
    - counts: int array (C,), items available per class
    - n: total to take, 0 <= n <= counts.sum()

    Returns an int array (C,) summing to exactly n, never above counts.
    """
    quota = n * counts / counts.sum()
    take = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - take), kind="stable")  # biggest fractional parts first
    for c in order[: n - take.sum()]:
        take[c] += 1
    return take


def _stratified_split(labels, sizes, rng):
    """Split indices 0..N-1 into len(sizes) disjoint parts with the class mix of ``labels``.

    Inputs:
    - labels: int array (N,)
    - sizes: sizes of every part but the last; the last part takes what is left
    - rng: np.random.Generator, the only source of randomness (so a seed fixes the split)

    Returns a list of int64 index arrays, each shuffled so classes are interleaved.
    """
    classes = np.unique(labels)
    pools = {c: rng.permutation(np.flatnonzero(labels == c)) for c in classes}
    parts = []
    for size in sizes:
        counts = np.array([len(pools[c]) for c in classes])
        take = _split_sizes(counts, size)
        chosen = [pools[c][:k] for c, k in zip(classes, take)]
        pools = {c: pools[c][k:] for c, k in zip(classes, take)}
        parts.append(rng.permutation(np.concatenate(chosen)))
    parts.append(rng.permutation(np.concatenate([pools[c] for c in classes])))
    return parts


def _check_count(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")


def load_digits(path=None, num_val=300, num_test=300, seed=0, normalize=True):
    """Load the 8x8 handwritten digits, split into train / validation / test.

    Each image is flattened to 64 pixels and scaled from 0..16 to [0, 1]. The split is stratified
    (each part has the class mix of the whole set) and depends only on ``seed``: the same seed
    always gives the same split. With the defaults: 1197 train, 300 validation, 300 test.

    Inputs:
    - path: None to search the usual places (see ``find_digits_file``), or the file / its folder
    - num_val: number of validation images
    - num_test: number of test images
    - seed: seed of the split
    - normalize: if True, subtract the mean image of the TRAINING set from every split

    Returns a dict with:
    - X_train (N_train, 64), X_val (num_val, 64), X_test (num_test, 64): float64
    - y_train (N_train,), y_val (num_val,), y_test (num_test,): int64 in 0..9
    - mean (64,): float64, the mean that was subtracted (zeros when normalize is False);
      ``X + mean`` gives back pixels in [0, 1] for plotting (reshape a row to (8, 8))
    """
    file = find_digits_file(path)
    with np.load(file) as f:
        images, labels = f["images"], f["labels"]
    n = images.shape[0]
    _check_count("num_val", num_val, 0, n - 1)
    _check_count("num_test", num_test, 0, n - 1 - num_val)

    X = images.reshape(n, -1).astype(np.float64) / 16.0
    y = labels.astype(np.int64)
    rng = np.random.default_rng(seed)
    test_idx, val_idx, train_idx = _stratified_split(y, [num_test, num_val], rng)

    data = {
        "X_train": X[train_idx], "y_train": y[train_idx],
        "X_val": X[val_idx], "y_val": y[val_idx],
        "X_test": X[test_idx], "y_test": y[test_idx],
    }
    mean = data["X_train"].mean(axis=0) if normalize else np.zeros(X.shape[1])
    for key in ("X_train", "X_val", "X_test"):
        data[key] = data[key] - mean
    data["mean"] = mean
    return data


def _find_cifar10_root(root):
    """Resolve the CIFAR-10 folder: ``root`` if given, else search like the digits."""
    if root is not None:
        root = Path(root).expanduser()
        looked = [root.resolve()]
        if (root / "test_batch").is_file():
            return root
        if (root / CIFAR10_FOLDER / "test_batch").is_file():  # the folder above it
            return root / CIFAR10_FOLDER
    else:
        looked = []
        for d in _candidate_dirs():
            candidate = d / CIFAR10_FOLDER
            looked.append(candidate)
            if (candidate / "test_batch").is_file():
                return candidate
    raise _not_found(
        f"CIFAR-10 (a folder {CIFAR10_FOLDER}/ holding data_batch_1..5 and test_batch)", looked,
        "Fix: download it once with `python data/fetch_cifar10.py` (about 163 MB; it goes to "
        f"data/{CIFAR10_FOLDER}), then call load_cifar10() or load_cifar10('data/{CIFAR10_FOLDER}'). "
        "Offline? Use load_digits(), which ships with the labs.")


def _load_cifar10_batch(file):
    """Read one pickled CIFAR-10 batch.

    Returns X uint8 (n, 32, 32, 3) and y int64 (n,).
    Note: pickle can run code when loading; only load files you downloaded from the official
    site (data/fetch_cifar10.py checks the archive's MD5).
    """
    with open(file, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{file} is not a CIFAR-10 python batch (expected a dict with "
                         f"b'data' and b'labels'). Re-run data/fetch_cifar10.py --force.")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != labels.shape[0]:
        raise ValueError(f"{file}: expected b'data' of shape (n, 3072) and n labels, got "
                         f"{data.shape} and {labels.shape}")
    # Rows hold 1024 red, then 1024 green, then 1024 blue values, each image row-major.
    X = data.astype(np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return X, labels


def _data_batch_number(path):
    return int(path.name.rsplit("_", 1)[1])


def load_cifar10(root=None, num_training=None, num_validation=1000, num_test=1000,
                 subtract_mean=True, channels_first=False, num_batches=None):
    """Load CIFAR-10 and split it like cs231n's ``get_CIFAR10_data``.

    The validation set is the ``num_validation`` training images that follow the first
    ``num_training`` (no shuffling, as in cs231n); the test set is the first ``num_test`` images
    of ``test_batch``.

    Inputs:
    - root: folder holding data_batch_* and test_batch (or the folder above it); None searches
      ``$NNLAB_DATA_DIR``, ./data, ../data and the repository's data/
    - num_training: number of training images; None = all training images not used for
      validation (49000 with the full dataset and the default num_validation)
    - num_validation: number of validation images, taken from the training batches
    - num_test: number of test images
    - subtract_mean: subtract the mean training image from every split
    - channels_first: return images as (N, 3, 32, 32) (cs231n's layout for conv nets) instead
      of (N, 32, 32, 3) (the layout matplotlib's imshow wants)
    - num_batches: read only data_batch_1..num_batches (each holds 10000 images); None = all
      data_batch_* files present

    Returns a dict with:
    - X_train, X_val, X_test: float64 (N, 32, 32, 3), or (N, 3, 32, 32) if channels_first
    - y_train, y_val, y_test: int64 (N,) in 0..9
    - mean: float64 image of the same layout, the mean that was subtracted (zeros if not)
    - classes: tuple of the 10 class names
    """
    folder = _find_cifar10_root(root)
    batches = sorted((p for p in folder.glob("data_batch_*") if p.name[11:].isdigit()),
                     key=_data_batch_number)
    if num_batches is not None:
        _check_count("num_batches", num_batches, 1, len(batches))
        batches = batches[:num_batches]
    if not batches:
        raise FileNotFoundError(f"{folder} has test_batch but no data_batch_* files. "
                                f"Re-run `python data/fetch_cifar10.py --force`.")
    parts = [_load_cifar10_batch(b) for b in batches]
    X_all = np.concatenate([X for X, _ in parts])
    y_all = np.concatenate([y for _, y in parts])
    X_test_all, y_test_all = _load_cifar10_batch(folder / "test_batch")

    available = X_all.shape[0]
    _check_count("num_validation", num_validation, 0, available - 1)
    if num_training is None:
        num_training = available - num_validation
    _check_count("num_training", num_training, 1, available - num_validation)
    _check_count("num_test", num_test, 0, X_test_all.shape[0])

    stop = num_training + num_validation
    data = {
        "X_train": X_all[:num_training].astype(np.float64),
        "y_train": y_all[:num_training],
        "X_val": X_all[num_training:stop].astype(np.float64),
        "y_val": y_all[num_training:stop],
        "X_test": X_test_all[:num_test].astype(np.float64),
        "y_test": y_test_all[:num_test],
    }
    if subtract_mean:
        mean = data["X_train"].mean(axis=0)
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= mean
    else:
        mean = np.zeros(data["X_train"].shape[1:])
    if channels_first:
        for key in ("X_train", "X_val", "X_test"):
            data[key] = np.ascontiguousarray(data[key].transpose(0, 3, 1, 2))
        mean = np.ascontiguousarray(mean.transpose(2, 0, 1))
    data["mean"] = mean
    data["classes"] = CIFAR10_CLASSES
    return data


def make_spiral(num_per_class=100, num_classes=3, noise=0.2, seed=0):
    """The cs231n spiral: ``num_classes`` arms of ``num_per_class`` points each.

    Point i of arm j has radius r = i / (num_per_class - 1) and angle
    t = 4 j + 4 r + noise * randn, and sits at (r sin t, r cos t).

    Inputs:
    - num_per_class: points per class
    - num_classes: number of classes (arms)
    - noise: standard deviation of the angle noise
    - seed: seed of the noise

    Returns:
    - X: float64 (num_per_class * num_classes, 2), points in the unit disc
    - y: int64 (num_per_class * num_classes,), y[k] = arm of X[k]; class j holds rows
      j*num_per_class .. (j+1)*num_per_class - 1
    """
    _check_count("num_per_class", num_per_class, 1, 10**9)
    _check_count("num_classes", num_classes, 1, 10**6)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    X = np.zeros((num_per_class * num_classes, 2))
    y = np.zeros(num_per_class * num_classes, dtype=np.int64)
    r = np.linspace(0.0, 1.0, num_per_class)
    for j in range(num_classes):
        rows = slice(j * num_per_class, (j + 1) * num_per_class)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), num_per_class) + noise * rng.standard_normal(num_per_class)
        X[rows] = np.column_stack([r * np.sin(t), r * np.cos(t)])
        y[rows] = j
    return X, y

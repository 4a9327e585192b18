"""Datasets: the embedded digits, the CIFAR-10 loader (on a tiny fake in the real format), the
spiral, and the data/ scripts. Everything here runs offline."""
import importlib.util
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "data" / "digits_8x8.npz"


@pytest.fixture(scope="module")
def data_mod(reference):
    return reference.data


@pytest.fixture(scope="module")
def raw_digits():
    """(X (1797, 64) float64 in [0, 1], y (1797,) int64) straight from the npz."""
    with np.load(DIGITS) as f:
        return f["images"].reshape(-1, 64) / 16.0, f["labels"].astype(np.int64)


def _sorted_rows(X, y):
    """Rows of [X | y] in lexicographic order: a canonical form of a multiset of examples."""
    Z = np.column_stack([X, y])
    return Z[np.lexsort(Z.T[::-1])]


# ---------------------------------------------------------------------------- the npz file

def test_digits_file_format():
    with np.load(DIGITS) as f:
        assert sorted(f.files) == ["images", "labels"]
        images, labels = f["images"], f["labels"]
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.max() == 16 and labels.max() == 9
    assert np.bincount(labels).min() >= 170  # ~180 per class


def test_the_package_matches_the_stub_copy():
    """data.py has no solution regions: the student copy is the reference, byte for byte."""
    assert (REPO / "lib/nnlab/data.py").read_text() == (REPO / "solutions/nnlab/data.py").read_text()


# ---------------------------------------------------------------------------- load_digits

def test_load_digits_shapes_and_dtypes(data_mod):
    d = data_mod.load_digits()
    sizes = {"train": 1197, "val": 300, "test": 300}
    for split, n in sizes.items():
        X, y = d[f"X_{split}"], d[f"y_{split}"]
        assert X.shape == (n, 64) and X.dtype == np.float64
        assert y.shape == (n,) and y.dtype == np.int64
        assert set(np.unique(y)) == set(range(10))
    assert d["mean"].shape == (64,) and d["mean"].dtype == np.float64


def test_load_digits_is_deterministic(data_mod):
    a, b = data_mod.load_digits(), data_mod.load_digits()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    c = data_mod.load_digits(seed=1)
    assert not np.array_equal(a["y_train"], c["y_train"])


def test_splits_partition_the_dataset(data_mod, raw_digits):
    """Together the three splits are exactly the dataset: nothing lost, nothing shared."""
    d = data_mod.load_digits(normalize=False)
    X = np.concatenate([d["X_train"], d["X_val"], d["X_test"]])
    y = np.concatenate([d["y_train"], d["y_val"], d["y_test"]])
    np.testing.assert_array_equal(_sorted_rows(X, y), _sorted_rows(*raw_digits))


def test_split_indices_are_disjoint_and_stratified(data_mod):
    labels = np.repeat(np.arange(10), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    rng = np.random.default_rng(0)
    test, val, train = data_mod._stratified_split(labels, [300, 300], rng)
    assert (len(test), len(val), len(train)) == (300, 300, 1197)
    everything = np.concatenate([test, val, train])
    assert len(np.unique(everything)) == len(labels)  # disjoint and covering
    for part in (test, val):
        counts = np.bincount(labels[part], minlength=10)
        assert counts.min() >= 29 and counts.max() <= 31


def test_normalisation_uses_the_train_mean(data_mod):
    raw = data_mod.load_digits(normalize=False)
    d = data_mod.load_digits()
    np.testing.assert_allclose(d["mean"], raw["X_train"].mean(axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0.0, atol=1e-12)
    for split in ("train", "val", "test"):
        np.testing.assert_allclose(d[f"X_{split}"] + d["mean"], raw[f"X_{split}"], atol=1e-15)
    # Validation and test are centred with the TRAIN mean, so their own means are not zero.
    assert np.abs(d["X_val"].mean(axis=0)).max() > 1e-3
    assert raw["X_train"].min() == 0.0 and raw["X_train"].max() == 1.0
    np.testing.assert_array_equal(raw["mean"], np.zeros(64))


def test_custom_split_sizes(data_mod):
    d = data_mod.load_digits(num_val=100, num_test=0)
    assert len(d["y_train"]) == 1697 and len(d["y_val"]) == 100 and len(d["y_test"]) == 0
    assert d["X_test"].shape == (0, 64)


@pytest.mark.parametrize("kwargs, error", [
    ({"num_val": 1000, "num_test": 1000}, ValueError),
    ({"num_val": -1}, ValueError),
    ({"num_test": 2.5}, TypeError),
])
def test_bad_split_sizes(data_mod, kwargs, error):
    with pytest.raises(error, match="num_"):
        data_mod.load_digits(**kwargs)


def test_digits_found_by_explicit_path(data_mod, tmp_path):
    copy = tmp_path / "elsewhere" / "digits_8x8.npz"
    copy.parent.mkdir()
    copy.write_bytes(DIGITS.read_bytes())
    for path in (copy, copy.parent, str(copy)):
        assert data_mod.find_digits_file(path) == copy
    assert data_mod.load_digits(path=copy)["X_train"].shape == (1197, 64)


def test_digits_found_by_env_and_by_working_directory(data_mod, tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "_repo_data_dir", lambda: None)
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    (env_dir / "digits_8x8.npz").write_bytes(DIGITS.read_bytes())
    monkeypatch.setenv("NNLAB_DATA_DIR", str(env_dir))
    monkeypatch.chdir(tmp_path)
    assert data_mod.find_digits_file() == (env_dir / "digits_8x8.npz").resolve()

    # A release folder: release/data/digits_8x8.npz, the notebook runs in release/01_layers.
    monkeypatch.delenv("NNLAB_DATA_DIR")
    release = tmp_path / "release"
    (release / "data").mkdir(parents=True)
    (release / "01_layers").mkdir()
    (release / "data" / "digits_8x8.npz").write_bytes(DIGITS.read_bytes())
    monkeypatch.chdir(release / "01_layers")
    assert data_mod.find_digits_file() == (release / "data" / "digits_8x8.npz").resolve()
    monkeypatch.chdir(release)
    assert data_mod.find_digits_file() == (release / "data" / "digits_8x8.npz").resolve()


def test_digits_from_the_repository_checkout(data_mod, tmp_path, monkeypatch):
    monkeypatch.delenv("NNLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data_mod.find_digits_file() == DIGITS


def test_missing_digits_says_where_it_looked_and_how_to_fix(data_mod, tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "_repo_data_dir", lambda: None)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "nowhere"))
    work = tmp_path / "course" / "lab"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    with pytest.raises(FileNotFoundError) as info:
        data_mod.load_digits()
    message = str(info.value)
    for place in (tmp_path / "nowhere", work / "data", work.parent / "data"):
        assert str(place.resolve() / "digits_8x8.npz") in message
    assert "NNLAB_DATA_DIR" in message and "path=" in message

    with pytest.raises(FileNotFoundError, match="at the path you gave"):
        data_mod.load_digits(path=tmp_path / "missing.npz")


# ---------------------------------------------------------------------------- load_cifar10

def _write_batch(path, data, labels):
    """Write one batch the way CIFAR-10's python version stores it (bytes keys, a list of labels)."""
    batch = {b"batch_label": b"fake batch", b"labels": [int(v) for v in labels],
             b"data": data, b"filenames": [b"img_%d.png" % i for i in range(len(labels))]}
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


@pytest.fixture
def fake_cifar(tmp_path):
    """A folder in CIFAR-10's layout: data_batch_1, data_batch_2 (20 images each), test_batch (10).

    Returns (folder, train_rows uint8 (40, 3072), train_labels (40,), test_rows, test_labels).
    """
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rows = rng.integers(0, 256, size=(50, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=50)
    _write_batch(folder / "data_batch_1", rows[:20], labels[:20])
    _write_batch(folder / "data_batch_2", rows[20:40], labels[20:40])
    _write_batch(folder / "test_batch", rows[40:], labels[40:])
    return folder, rows[:40], labels[:40], rows[40:], labels[40:]


def test_cifar10_reads_the_pickle_layout(data_mod, fake_cifar):
    folder, rows, labels, test_rows, test_labels = fake_cifar
    d = data_mod.load_cifar10(folder, num_validation=10, num_test=10, subtract_mean=False)
    assert d["X_train"].shape == (30, 32, 32, 3) and d["X_train"].dtype == np.float64
    assert d["X_val"].shape == (10, 32, 32, 3) and d["X_test"].shape == (10, 32, 32, 3)
    for key in ("y_train", "y_val", "y_test"):
        assert d[key].dtype == np.int64
    # Row layout: 1024 red, 1024 green, 1024 blue values, each image row-major.
    i, r, c, ch = 7, 3, 29, 2
    assert d["X_train"][i, r, c, ch] == rows[i, ch * 1024 + r * 32 + c]
    np.testing.assert_array_equal(d["y_train"], labels[:30])
    np.testing.assert_array_equal(d["y_val"], labels[30:40])   # cs231n: val follows train
    np.testing.assert_array_equal(d["y_test"], test_labels)
    np.testing.assert_array_equal(d["X_val"][0, :, :, 0].ravel(), rows[30, :1024])
    assert len(d["classes"]) == 10 and d["classes"][0] == "airplane"


def test_cifar10_split_mean_and_layout(data_mod, fake_cifar):
    folder = fake_cifar[0]
    raw = data_mod.load_cifar10(folder, num_training=25, num_validation=5, num_test=4,
                                subtract_mean=False)
    d = data_mod.load_cifar10(folder, num_training=25, num_validation=5, num_test=4)
    np.testing.assert_allclose(d["mean"], raw["X_train"].mean(axis=0))
    np.testing.assert_allclose(d["X_test"] + d["mean"], raw["X_test"])
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0.0, atol=1e-12)

    cf = data_mod.load_cifar10(folder, num_training=25, num_validation=5, num_test=4,
                               channels_first=True)
    assert cf["X_train"].shape == (25, 3, 32, 32) and cf["mean"].shape == (3, 32, 32)
    np.testing.assert_array_equal(cf["X_val"], d["X_val"].transpose(0, 3, 1, 2))


def test_cifar10_batches_and_roots(data_mod, fake_cifar):
    folder = fake_cifar[0]
    one = data_mod.load_cifar10(folder, num_validation=5, num_test=10, num_batches=1)
    assert one["X_train"].shape[0] == 15  # 20 in data_batch_1, minus 5 for validation
    default = data_mod.load_cifar10(folder.parent, num_validation=5, num_test=10)  # folder above
    assert default["X_train"].shape[0] == 35
    with pytest.raises(ValueError, match="num_training"):
        data_mod.load_cifar10(folder, num_training=40, num_validation=5, num_test=10)
    with pytest.raises(ValueError, match="num_test"):
        data_mod.load_cifar10(folder, num_validation=5, num_test=11)
    with pytest.raises(ValueError, match="num_batches"):
        data_mod.load_cifar10(folder, num_validation=5, num_test=10, num_batches=3)


def test_cifar10_found_through_the_data_dir(data_mod, fake_cifar, monkeypatch):
    monkeypatch.setenv("NNLAB_DATA_DIR", str(fake_cifar[0].parent))
    d = data_mod.load_cifar10(num_validation=5, num_test=10)
    assert d["X_train"].shape[0] == 35


def test_cifar10_missing_points_at_the_fetch_script(data_mod, tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as info:
        data_mod.load_cifar10(tmp_path / "cifar-10-batches-py")
    message = str(info.value)
    assert "fetch_cifar10.py" in message and str(tmp_path / "cifar-10-batches-py") in message

    monkeypatch.setattr(data_mod, "_repo_data_dir", lambda: None)
    monkeypatch.delenv("NNLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="fetch_cifar10.py"):
        data_mod.load_cifar10()


def test_cifar10_rejects_a_file_that_is_not_a_batch(data_mod, fake_cifar):
    folder = fake_cifar[0]
    with open(folder / "data_batch_2", "wb") as f:
        pickle.dump({b"something": 1}, f)
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
        data_mod.load_cifar10(folder, num_validation=5, num_test=10)


# ---------------------------------------------------------------------------- make_spiral

def test_spiral_shapes_and_classes(data_mod):
    X, y = data_mod.make_spiral()
    assert X.shape == (300, 2) and X.dtype == np.float64
    assert y.shape == (300,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)

    X5, y5 = data_mod.make_spiral(num_per_class=40, num_classes=5, noise=0.0)
    assert X5.shape == (200, 2) and set(y5) == set(range(5))
    r = np.linspace(0, 1, 40)
    t = np.linspace(8, 12, 40)  # arm 2 without noise
    np.testing.assert_allclose(X5[80:120], np.column_stack([r * np.sin(t), r * np.cos(t)]))


def test_spiral_is_reproducible(data_mod):
    a, b, c = data_mod.make_spiral(seed=3), data_mod.make_spiral(seed=3), data_mod.make_spiral(seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


# ---------------------------------------------------------------------------- data/ scripts

def _load_script(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "data" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def test_fetch_script_constants_and_checksum(tmp_path):
    fetch = _load_script("fetch_cifar10")
    assert fetch.URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert fetch.MD5 == "c58f30108f718f92721af3b95e74349a"
    f = tmp_path / "x"
    f.write_bytes(b"abc")
    assert fetch.md5sum(f) == "900150983cd24fb0d6963f7d28e17f72"


def test_fetch_script_extracts_only_the_dataset_folder(tmp_path):
    fetch = _load_script("fetch_cifar10")
    good = tmp_path / "good.tar.gz"
    _tar(good, {"cifar-10-batches-py/test_batch": b"1", "cifar-10-batches-py/readme.html": b"2"})
    fetch.safe_extract(good, tmp_path / "out")
    assert (tmp_path / "out" / "cifar-10-batches-py" / "test_batch").read_bytes() == b"1"

    for evil in ("../evil", "/abs/evil", "other/evil", "cifar-10-batches-py/../../evil"):
        bad = tmp_path / "bad.tar.gz"
        _tar(bad, {evil: b"x"})
        with pytest.raises(SystemExit, match="Refusing"):
            fetch.safe_extract(bad, tmp_path / "out2")
    assert not (tmp_path / "evil").exists()


def test_fetch_script_skips_a_complete_download(tmp_path, capsys):
    fetch = _load_script("fetch_cifar10")
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in fetch.EXPECTED_FILES:
        (folder / name).write_bytes(b"")
    assert fetch.main(["--dest", str(tmp_path)]) == 0  # no network needed
    assert "already" in capsys.readouterr().out

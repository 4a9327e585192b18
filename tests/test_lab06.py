"""Lab 06 (the training recipe), end to end.

1. The reference on its own: preprocessing against hand computations, k folds against
   np.array_split, log-uniform sampling, the grid's integer root, coarse-to-fine ranges.
2. The sandbox's callbacks: a student's search calls the grader's training function, which runs
   in the trusted process and counts the calls.
3. The trusted grader on lab 06: reference full marks, stubs 0 with every check failing, each
   entry of the public catalogue (tests/catalogue/lab06_*.py) caught by name at the cost of its
   own function only, each correct variant full marks.
4. The open checks, the notebook (reference, stubs, grading mode) and the course pipeline.
"""
import collections
import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import grade_submission
from autograder.labs import get_lab
from catalogue import assert_caught_alone, assert_full_marks
from catalogue import submission as _copy, submission_with as _patched
from catalogue.lab06_correct_variants import VARIANTS
from catalogue.lab06_mistakes import MISTAKES
import lab_notebooks

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"
STUBS = REPO / "lib" / "nnlab"
LAB06 = get_lab("06_training_recipe")
ALL = [f.name for f in LAB06.functions]


# ------------------------------------------------------------------------------ the reference

def test_preprocessing_is_fitted_on_the_training_set(reference):
    pre = reference.preprocessing
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, size=(200, 5))
    X_train[:, 4] = 1.0                                    # constant feature
    X_val = rng.normal(-1.0, 5.0, size=(50, 5))
    params = pre.fit_preprocessing(X_train, "standardize")
    Z = pre.apply_preprocessing(X_train, params)
    np.testing.assert_allclose(Z[:, :4].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :4].std(axis=0), 1, rtol=1e-12)
    assert np.all(Z[:, 4] == 0)
    _, V, _ = pre.preprocess_splits(X_train, X_val, X_val, "standardize")
    np.testing.assert_allclose(V, (X_val - params["mean"]) / params["std"], rtol=1e-14)
    images = rng.normal(size=(10, 3, 4, 4)) + np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1, 1)
    p = pre.fit_preprocessing(images, "channel_mean")
    assert p["mean"].shape == (3, 1, 1)
    np.testing.assert_allclose(pre.apply_preprocessing(images, p).mean(axis=(0, 2, 3)), 0,
                               atol=1e-12)
    with pytest.raises(ValueError, match="kind"):
        pre.fit_preprocessing(X_train, "whiten")


def test_split_is_one_shuffled_partition(reference):
    split = reference.preprocessing.train_val_test_split
    train, val, test = split(1797, 0.15, 0.15, seed=0)
    assert (train.size, val.size, test.size) == (1257, 270, 270)
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(1797))
    assert 0.4 < np.mean(val < 1797 / 2) < 0.6                    # shuffled, not a block
    assert all(np.array_equal(a, b) for a, b in zip(split(50, seed=3), split(50, seed=3)))
    with pytest.raises(ValueError, match="training set"):
        split(10, 0.5, 0.5)


@pytest.mark.parametrize("N,k", [(10, 2), (23, 5), (7, 7), (100, 3)])
def test_kfold_matches_array_split(reference, N, k):
    folds = reference.preprocessing.kfold_indices(N, k)
    for (train, val), want in zip(folds, np.array_split(np.arange(N), k)):
        assert np.array_equal(val, want)
        assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(N))


def test_log_uniform_sampling_and_search_helpers(reference):
    s = reference.search
    x = s.sample_log_uniform(1e-5, 1e-1, 40000, seed=0)
    counts = np.histogram(np.log10(x), bins=4, range=(-5, -1))[0] / x.size
    np.testing.assert_allclose(counts, 0.25, atol=0.01)
    assert np.array_equal(x[:10], s.sample_log_uniform(1e-5, 1e-1, 40000, seed=0)[:10])
    space = {"a": (1e-3, 1e0, "log"), "b": (0.0, 1.0, "linear"), "c": (1.0, 2.0, "linear")}
    assert [v.size for v in s.grid_points(space, 64).values()] == [4, 4, 4]   # 64 ** (1/3) < 4
    assert [v.size for v in s.grid_points(space, 63).values()] == [3, 3, 3]
    lo, hi = s.refine_range(1e-5, 1e-1, 1e-3)
    np.testing.assert_allclose(np.log10([lo, hi]), [-4.0, -2.0])
    lo, hi = s.refine_range(1e-5, 1e-1, 1e-1)                      # on the border: re-centre
    np.testing.assert_allclose(np.log10([lo, hi]), [-3.0, 1.0])


def test_diagnostics_reference(reference):
    d = reference.diagnostics
    assert d.initial_loss_verdict(np.log(10), 10) == "as expected"
    acts = [np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])]
    np.testing.assert_allclose(d.dead_unit_fraction(acts), [1 / 3])
    before = {"W": np.ones((2, 2))}
    after = {"W": np.ones((2, 2)) * 1.001}
    assert d.update_ratios(before, after)["W"] == pytest.approx(1e-3)
    # the gradients are there to compare with: the ratio is the update's, whatever they are
    assert d.update_ratios(before, after, {"W": np.full((2, 2), 7.0)})["W"] == pytest.approx(1e-3)
    assert d.ratio_verdict(1e-3) == "healthy" and d.ratio_verdict(0.1) == "too large"
    np.testing.assert_allclose(d.moving_average([1.0, 3.0, 5.0, 7.0], 2), [1, 2, 4, 6])


def test_sandbox_callback_runs_in_the_trusted_process(tmp_path):
    from autograder.sandbox import Sandbox
    sub = _copy(SOLUTIONS, tmp_path / "ref")
    seen = []

    def score(params):
        return -abs(np.log10(params["lr"]) + 3)

    def objective(params):
        seen.append(params)
        return score(params)

    with Sandbox(sub / "nnlab", isolate=False) as sb:
        best, best_score, trials = sb.call("search", "random_search",
                                           space={"lr": (1e-5, 1e-1, "log")}, num_trials=25,
                                           seed=1, callbacks={"train_fn": objective})
        assert len(seen) == 25 and [t[0] for t in trials] == seen
        assert best == max(seen, key=score) and best_score == score(best)
        # the student's code sees the grader's exception as its own ValueError
        def refuse(params):
            raise ValueError("no thanks")
        from autograder.sandbox import StudentError
        with pytest.raises(StudentError, match="no thanks"):
            sb.call("search", "grid_search", space={"lr": (1e-5, 1e-1, "log")}, num_trials=3,
                    callbacks={"train_fn": refuse})
        assert sb.ping() == "pong"


def test_a_search_that_never_stops_calling_back_is_cut_off(tmp_path):
    """Callbacks run inside the call's wall-clock limit: a flood of calls ends as a timeout, the
    worker is replaced and the next call works."""
    from autograder.sandbox import Sandbox, StudentError
    sub = _patched(tmp_path, "flood", "search", """
def random_search(train_fn, space, num_trials, seed=None):
    while True:
        train_fn({"lr": 1e-3})
""")
    calls = []
    with Sandbox(sub / "nnlab", isolate=False) as sb:
        with pytest.raises(StudentError) as err:
            sb.call("search", "random_search", space={"lr": (1e-5, 1e-1, "log")}, num_trials=3,
                    timeout=1.0, callbacks={"train_fn": lambda p: calls.append(p) or 0.5})
        assert err.value.kind == "timeout" and len(calls) > 100
        assert sb.call("search", "refine_range", 1e-5, 1e-1, 1e-3) == pytest.approx((1e-4, 1e-2))


# ------------------------------------------------------------------------------ the grader

@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab06")
    out = {"reference": grade_submission(_copy(SOLUTIONS, root / "reference"), "06"),
           "stubs": grade_submission(_copy(STUBS, root / "stubs"), "06")}
    for entry in list(MISTAKES) + list(VARIANTS):
        out[entry.id] = grade_submission(_patched(root, entry.id, entry.module, entry.source), "06")
    return out


def test_catalogue_size():
    assert len(MISTAKES) >= 12 and len(VARIANTS) >= 10
    assert "ratio_of_gradients" in {m.id for m in MISTAKES}
    assert len({m.id for m in MISTAKES} | {v.id for v in VARIANTS}) == len(MISTAKES) + len(VARIANTS)
    assert {m.function for m in MISTAKES} == set(ALL)     # every graded function has one
    assert {f for v in VARIANTS for f in v.functions} == set(ALL)
    covered = collections.Counter(f for v in VARIANTS for f in v.functions)
    assert min(covered.values()) >= 2, covered      # two different correct ways per function


def test_reference_gets_full_marks(reports):
    r = reports["reference"]
    assert r.status == "ok" and not r.grader_errors, r.to_text()
    assert [f.name for f in r.functions] == ALL
    assert all(f.score == f.max_score for f in r.functions), r.to_text()
    assert r.total == LAB06.max_points
    assert all(f.checks_total >= 3 for f in r.functions)


def test_stubs_get_zero_and_every_check_fails(reports):
    r, ref = reports["stubs"], reports["reference"]
    assert r.status == "ok" and r.total == 0 and not r.grader_errors
    assert len(r.checks) == len(ref.checks) >= 60
    assert not [c.check for c in r.checks if c.passed]
    assert all("not implemented" in f.messages[0] for f in r.functions)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_catalogue_mistake_is_caught_by_name(reports, mistake):
    assert_caught_alone(reports[mistake.id], mistake)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_correct_variant_gets_full_marks(reports, variant):
    assert_full_marks(reports[variant.id], variant)


def test_feedback_never_prints_arrays(reports):
    for name, r in reports.items():
        text = r.to_text()
        assert "array(" not in text and "[[" not in text, name


# ------------------------------------------------------------------------------ open checks


# ------------------------------------------------------------------------------ notebook

NOTEBOOK = lab_notebooks.notebook_path(LAB06.name)
#: the one line a cell prints when functions it needs are not written yet (nnlab.notebook.ready)
SKIP_LINE = re.compile(r"^skipped: .+ needs .+ \(nnlab/[a-z_]+\.py(, nnlab/[a-z_]+\.py)*\): "
                       r"come back when they pass their checks$")


def _execute(tmp_path, package, monkeypatch, grading=False):
    return lab_notebooks.execute(NOTEBOOK, tmp_path, package, grading=grading,
                                 monkeypatch=monkeypatch)


def test_notebook_runs_on_the_reference(tmp_path, monkeypatch):
    nb, seconds = _execute(tmp_path, SOLUTIONS, monkeypatch)
    print(f"\nlab 06 notebook on the reference: {seconds:.1f} s")
    assert lab_notebooks.outputs(nb, "error") == [] and lab_notebooks.outputs(nb, "stderr") == []
    text = lab_notebooks.stream_text(nb)
    assert "RuntimeWarning" not in text and "skipped" not in text
    assert "-> as expected" in text and "-> too high" in text          # the initial-loss check
    assert "50 images: training accuracy 1.00" in text                # overfits a small sample
    assert "best after refining: val_acc" in text
    assert "Adam with learning rate 0.1: dead units per layer" in text
    gradient_ratios = set()
    for rate, verdict in (("0.001", "too small"), ("0.1", "healthy"), ("10", "too large")):
        found = re.search(rf"one SGD step with learning rate {rate}: W1 update ratio \S+ "
                          rf"\({verdict}\); gradient ratio (\S+)", text)
        assert found, text
        gradient_ratios.add(found.group(1))
    assert len(gradient_ratios) == 1          # the gradient's ratio ignores the learning rate
    assert "overfitting" in text or "good fit" in text
    assert len(lab_notebooks.outputs(nb, "image")) >= 5
    assert seconds < 180


def test_notebook_on_the_stubs_runs_to_the_end_with_one_line_per_check_cell(tmp_path, monkeypatch):
    nb, seconds = _execute(tmp_path, STUBS, monkeypatch)
    print(f"\nlab 06 notebook on the stubs: {seconds:.1f} s")
    assert lab_notebooks.outputs(nb, "error") == [] and lab_notebooks.outputs(nb, "stderr") == []
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), \
        "Run All stopped early"
    for i in lab_notebooks.grade_cell_indices(nb):
        cell = nb.cells[i]
        (shown,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        last = shown.data["text/plain"].rstrip().splitlines()[-1]
        name = cell.metadata.nbgrader["grade_id"].removeprefix("check_")
        assert last.startswith(f"{name}: ") and "not written yet" in last, last
    skips = [line for line in lab_notebooks.stream_text(nb).splitlines()
             if line.startswith("skipped")]
    assert len(skips) >= 5
    for line in skips:
        assert SKIP_LINE.match(line), line


def test_notebook_is_quick_under_grading(tmp_path, monkeypatch):
    nb, seconds = _execute(tmp_path, SOLUTIONS, monkeypatch, grading=True)
    print(f"\nlab 06 notebook on the reference, NNLAB_GRADING=1: {seconds:.1f} s")
    errors = lab_notebooks.outputs(nb, "error")
    assert {i for i, _ in errors} == lab_notebooks.grade_cell_indices(nb)
    assert all("trusted grader" in e.evalue for _, e in errors)
    assert lab_notebooks.outputs(nb, "stderr") == []
    assert seconds < 60


# ------------------------------------------------------------------------------ the course

def test_course_release_autograde_feedback_export(tmp_path):
    """`nnlab` verbs on lab 06: release (no reference code), autograde, feedback, export."""
    from autograder import course as courselib
    from autograder import demo
    from autograder import export as exporting
    nnlab = str(Path(sys.executable).parent / "nnlab")
    course = tmp_path / "course"
    run = lambda *a: subprocess.run([nnlab, *a], capture_output=True, text=True, check=True)  # noqa: E731
    run("course", "create", str(course))
    run("release", LAB06.name, "--course", str(course))
    released = course / "release" / LAB06.name
    assert (released / f"{LAB06.name}.ipynb").exists() and (released / "nnlab" / "search.py").exists()
    for path in released.rglob("*.py"):
        assert "BEGIN SOLUTION" not in path.read_text(), path
    demo.make_submissions(course, LAB06)
    run("autograde", LAB06.name, "--course", str(course))
    rows = {r["student"]: r for r in exporting.gradebook_rows(course, LAB06)}
    assert rows["ada_reference"]["functions"] == pytest.approx(LAB06.max_points)
    assert rows["ben_untouched"]["functions"] == 0
    for student in ("cleo_mistakes", "dev_mistakes"):
        assert 0 < rows[student]["functions"] < LAB06.max_points
    with courselib.gradebook(course) as gb:
        assert gb.find_grade("check_preprocess_splits", LAB06.name, LAB06.name,
                             "cleo_mistakes").score == 0
        assert gb.find_grade("check_random_search", LAB06.name, LAB06.name,
                             "cleo_mistakes").score == LAB06.function("random_search").points
    run("feedback", LAB06.name, "--course", str(course))
    report = (course / "feedback" / "cleo_mistakes" / LAB06.name / "nnlab_report.txt").read_text()
    assert "fitted on all the data" in report and "uniform instead of log-uniform" in report
    out = tmp_path / "grades.csv"
    run("export", "--course", str(course), "--to", str(out))
    assert any(r["student_id"] == "ada_reference" for r in csv.DictReader(out.open()))

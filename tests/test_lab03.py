"""Lab 03 (regularization), end to end through the trusted grader, plus its references.

Every submission below is graded once (module-scoped cache): the reference, the stubs, each
entry of the public catalogue of mistakes (tests/catalogue/lab03_mistakes.py) and each correct
variant (tests/catalogue/lab03_correct_variants.py). The references are compared with PyTorch
where it has the operation (dropout's scaling convention, weight decay, the L1 subgradient).
"""
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import grade_submission
from autograder.labs import LAB03, get_lab
from catalogue.lab03_correct_variants import VARIANTS
from catalogue.lab03_mistakes import MISTAKES
from catalogue import assert_caught_alone, assert_full_marks
from catalogue import submission as _copy, submission_with as _patched
REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"
STUBS = REPO / "lib" / "nnlab"
ALL = [f.name for f in LAB03.functions]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab03")
    out = {"reference": grade_submission(_copy(SOLUTIONS, root / "reference"), "03"),
           "stubs": grade_submission(_copy(STUBS, root / "stubs"), "03")}
    for entry in MISTAKES + VARIANTS:
        out[entry.id] = grade_submission(_patched(root, entry.id, entry.module, entry.source), "03")
    return out


def test_lab03_is_registered():
    assert get_lab("03") is LAB03 and get_lab("03_regularization") is LAB03


def test_catalogue_size():
    assert len(MISTAKES) >= 10 and len(VARIANTS) >= 4
    assert len({m.id for m in MISTAKES} | {v.id for v in VARIANTS}) == len(MISTAKES) + len(VARIANTS)
    assert {m.function for m in MISTAKES} == set(ALL), "every graded function has a mistake"


def test_reference_gets_full_marks(reports):
    r = reports["reference"]
    assert r.status == "ok" and not r.grader_errors, r.to_text()
    assert [(f.name, f.score) for f in r.functions if f.score != f.max_score] == []
    assert r.total == r.max_total == LAB03.max_points
    assert all(f.checks_total >= 5 for f in r.functions)


def test_stubs_get_zero_and_every_check_fails(reports):
    r, ref = reports["stubs"], reports["reference"]
    assert r.status == "ok" and r.total == 0
    assert len(r.checks) == len(ref.checks) >= 30
    assert [c.check for c in r.checks if c.passed] == []
    assert all("not implemented" in f.messages[0] for f in r.functions)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_catalogue_mistake_is_caught(reports, mistake):
    assert_caught_alone(reports[mistake.id], mistake)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_correct_variant_gets_full_marks(reports, variant):
    assert_full_marks(reports[variant.id], variant)


def test_a_forward_that_raises_costs_the_backward_nothing(reports):
    """One mistake, one deduction (issue 6): where the student's dropout_forward raises (4-D x),
    dropout_backward gets no cache; that check is left out of its score, with a note."""
    r = reports["drop_mask_2d"]
    back = r.function("dropout_backward")
    assert back.score == back.max_score, back.messages
    assert any("not counted" in n and "dropout_forward raises ValueError" in n for n in back.notes)
    assert [c.check for c in r.checks if c.function == "dropout_backward" and not c.counted]
    assert r.function("dropout_forward").score < r.function("dropout_forward").max_score


def test_reports_carry_the_scoring_rule_and_the_environment(reports):
    from autograder.provenance import describe
    r = reports["drop_backward_in_place"]
    text = r.to_text()
    assert "How the scores were computed" in text
    (rule,) = [f.rule for f in r.functions if f.name == "dropout_backward"]
    assert rule.startswith("dropout_backward: ") and "(points × weight earned / total weight)" in rule
    assert rule in text
    assert describe(r.environment) in text and r.to_dict()["environment"]["numpy"]


# ------------------------------------------------------------------------------ the stubs

STUB_CALLS = {
    "dropout_forward": lambda m: m.dropout_forward(np.ones((2, 3)), {"p": 0.5, "mode": "train"}),
    "dropout_backward": lambda m: m.dropout_backward(np.ones((2, 3)),
                                                     ({"p": 0.5, "mode": "train"}, None)),
    "l2_penalty": lambda m: m.l2_penalty({"W1": np.ones((2, 2))}, 0.1),
    "l1_penalty": lambda m: m.l1_penalty({"W1": np.ones((2, 2))}, 0.1),
    "augment": lambda m: m.augment(np.ones((2, 4, 4)), np.zeros(2)),
}


@pytest.mark.parametrize("fn", ALL)
def test_installed_stub_raises_not_implemented(fn):
    import importlib
    module = importlib.import_module(f"nnlab.{LAB03.function(fn).module}")
    with pytest.raises(NotImplementedError, match=rf"^{fn} is yours to write \(nnlab/"):
        STUB_CALLS[fn](module)


def test_layers_reexports_dropout(reference):
    assert reference.layers.dropout_forward is reference.dropout.dropout_forward
    from nnlab.layers import dropout_backward  # noqa: F401  (cs231n's import path)


# ------------------------------------------------------------------ the references vs PyTorch

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9])
def test_dropout_matches_torch_convention(reference, keep):
    """Our p keeps; torch's p drops: dropout_forward(x, p=q) ~ F.dropout(x, p=1-q). Both scale
    the kept units by 1/q (so E[out] = x) and are the identity in eval/test mode."""
    x = np.random.default_rng(1234).uniform(0.5, 2.0, (400, 300))   # not the mask's seed
    out, _ = reference.dropout.dropout_forward(x, {"p": keep, "mode": "train", "seed": 0})
    torch.manual_seed(0)
    t = torch.nn.functional.dropout(torch.tensor(x), p=1 - keep, training=True).numpy()
    for o in (out, t):
        kept = o != 0
        np.testing.assert_allclose(o[kept], x[kept] / keep, rtol=1e-12)
        se = np.sqrt(keep * (1 - keep) / x.size)
        assert abs(kept.mean() - keep) < 6 * se
        assert abs(o.mean() / x.mean() - 1) < 6 * np.sqrt((1 - keep) / keep / x.size) * 2
    test, _ = reference.dropout.dropout_forward(x, {"p": keep, "mode": "test"})
    np.testing.assert_array_equal(test, torch.nn.functional.dropout(
        torch.tensor(x), p=1 - keep, training=False).numpy())


def test_l2_gradient_is_torch_weight_decay(reference):
    """One SGD step on the penalty alone equals torch.optim.SGD(weight_decay=reg) with a zero
    data gradient, and the penalty's gradient equals autograd's of 0.5 * reg * sum(W**2)."""
    rng = np.random.default_rng(1)
    params = {"W1": rng.standard_normal((5, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 3)), "b2": rng.standard_normal(3)}
    reg, lr = 0.3, 0.1
    penalty, grads = reference.regularization.l2_penalty(params, reg)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = torch.optim.SGD([tensors["W1"], tensors["W2"]], lr=lr, weight_decay=reg)
    opt.zero_grad()
    for k in ("W1", "W2"):
        tensors[k].grad = torch.zeros_like(tensors[k])
    opt.step()
    for k in ("W1", "W2"):
        np.testing.assert_allclose(params[k] - lr * grads[k], tensors[k].detach().numpy(),
                                   rtol=1e-12)
    ts = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    total = 0.5 * reg * sum((ts[k] ** 2).sum() for k in ("W1", "W2"))
    total.backward()
    assert abs(penalty - total.item()) < 1e-12 * total.item()
    for k in ("W1", "W2"):
        np.testing.assert_allclose(grads[k], ts[k].grad.numpy(), rtol=1e-12)
    assert set(grads) == {"W1", "W2"}


def test_l1_subgradient_matches_torch_abs(reference):
    W = np.array([[-2.0, 0.0, 0.5], [1e-9, -1e-9, 3.0]])
    penalty, grads = reference.regularization.l1_penalty({"W": W, "b": np.ones(3)}, 0.7)
    t = torch.tensor(W, requires_grad=True)
    (0.7 * t.abs().sum()).backward()
    np.testing.assert_allclose(grads["W"], t.grad.numpy(), rtol=1e-15)
    assert abs(penalty - 0.7 * np.abs(W).sum()) < 1e-15 and "b" not in grads


def test_augment_shift_matches_torch_pad_and_crop(reference):
    """A shift by (dy, dx) is F.pad with zeros followed by a crop, in torch too."""
    X = np.random.default_rng(2).uniform(0.1, 1.0, (30, 2, 6, 7))
    X_aug, y_aug = reference.augment.augment(X, np.arange(30), max_shift=2, seed=3)
    padded = torch.nn.functional.pad(torch.tensor(X), (2, 2, 2, 2)).numpy()
    for i in range(30):
        crops = [padded[i, :, 2 - dy:8 - dy, 2 - dx:9 - dx]
                 for dy in range(-2, 3) for dx in range(-2, 3)]
        assert any(np.array_equal(X_aug[i], c) for c in crops)
    assert y_aug.tolist() == list(range(30))


# ------------------------------------------------------------------ the network with dropout

def test_network_with_dropout_and_penalties_passes_gradient_check(reference):
    m = reference.fc_net.FullyConnectedNet([10, 8], input_dim=5, num_classes=3,
                                           dropout_keep_ratio=0.6, reg=0.3, l1_reg=0.05,
                                           weight_scale=0.5, dtype=np.float64, seed=3)
    for k in ("b1", "b2"):
        m.params[k] += 0.3      # no all-dropped example sits exactly on a ReLU kink
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)
    loss, grads = m.loss(X, y)
    for k, v in m.params.items():
        num = reference.gradient_check.eval_numerical_gradient(
            lambda _: m.loss(X, y)[0], v, verbose=False)
        assert reference.gradient_check.rel_error(num, grads[k]) < 1e-6, k


def test_network_dropout_only_in_training(reference):
    m = reference.fc_net.FullyConnectedNet([50], input_dim=4, num_classes=3,
                                           dropout_keep_ratio=0.5, dtype=np.float64, seed=0)
    m.dropout_param.pop("seed")
    X = np.random.default_rng(0).standard_normal((7, 4))
    np.testing.assert_array_equal(m.loss(X), m.loss(X))        # test mode: deterministic
    y = np.zeros(7, dtype=int)
    assert m.loss(X, y)[0] != m.loss(X, y)[0]                  # train mode: fresh masks
    assert m.dropout_param["mode"] == "train"
    plain = reference.fc_net.FullyConnectedNet([50], input_dim=4, num_classes=3,
                                               dtype=np.float64, seed=0)
    np.testing.assert_allclose(m.loss(X), plain.loss(X), rtol=1e-12)   # no test-time scaling


def test_feedback_never_shows_hidden_source(reports):
    from autograder.grade import HIDDEN_DIR
    code = set()
    for p in (HIDDEN_DIR / "lab03").rglob("*.py"):
        for line in p.read_text().splitlines():
            s = line.strip()
            if len(s) > 25 and not s.startswith("#") and '"' not in s and "'" not in s:
                code.add(s)
    assert len(code) > 20
    for name, r in reports.items():
        for text in (r.to_text(), r.to_json(), r.to_gradescope()):
            leaked = [line for line in code if line in text]
            assert not leaked, (name, leaked[:3])
            assert "array(" not in text


def test_open_checks_catch_every_catalogued_mistake_and_pass_every_variant(tmp_path, monkeypatch):
    """The notebook's open checks (student side) share the grader's judgements: every mistake of
    the catalogue already fails an open check of its function, every variant passes them."""
    from nnlab.checks import check
    monkeypatch.syspath_prepend(str(tmp_path))
    missed, rejected = [], []
    for i, entry in enumerate(MISTAKES + VARIANTS):
        name = f"lab03_catalogue_{i}"
        shutil.copytree(SOLUTIONS, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        with open(tmp_path / name / f"{entry.module}.py", "a") as f:
            f.write("\n\n" + entry.source)
        if entry in MISTAKES:
            if check(entry.function, package=name).passed:
                missed.append(entry.id)
        else:
            rejected += [(entry.id, fn) for fn in entry.functions
                         if not check(fn, package=name).passed]
    assert missed == [] and rejected == []

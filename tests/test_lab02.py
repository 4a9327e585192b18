"""Lab 02 (normalization) end to end: reference vs PyTorch, open checks, the trusted grader on
the reference, the stubs, every catalogued mistake and every correct variant, and the network's
normalization and residual options.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import grade_submission
from autograder.labs import LAB02
from catalogue.lab02_correct_variants import VARIANTS
from catalogue.lab02_mistakes import MISTAKES
from catalogue import assert_caught_alone, assert_full_marks
from catalogue import submission as _copy, submission_with as _patched

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"
STUBS = REPO / "lib" / "nnlab"
ALL = [f.name for f in LAB02.functions]


def _reference():
    from autograder.reference import load_reference
    return load_reference()


# ------------------------------------------------------------------------------ vs PyTorch
torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-8


def _t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def _close(a, b):
    b = b.detach().numpy() if hasattr(b, "detach") else b
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


@pytest.fixture
def data():
    rng = np.random.default_rng(20)
    x = 2.0 * rng.standard_normal((8, 6)) + rng.uniform(-3, 3, size=6)
    return x, rng.uniform(0.5, 1.5, 6), rng.standard_normal(6), rng.standard_normal((8, 6))


def test_batchnorm_train_and_gradients_match_torch(data):
    ref = _reference().normalization
    x, gamma, beta, dout = data
    out, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    o = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    o.backward(_t(dout))
    _close(out, o)
    for backward in (ref.batchnorm_backward, ref.batchnorm_backward_alt):
        for mine, theirs in zip(backward(dout, cache), (xt, gt, bt)):
            _close(mine, theirs.grad)


def test_batchnorm_running_statistics_map_to_torch(data):
    """Our momentum is PyTorch's 1 - momentum; our running_var uses the BIASED batch variance,
    PyTorch's the unbiased one (N / (N - 1) times larger). With both running averages starting
    at zero and the same N each step, the recursion is linear, so torch's running_var is ours
    times N / (N - 1) exactly; the running means agree; test mode agrees given the same stats."""
    ref = _reference().normalization
    x, gamma, beta, _ = data
    N, D = x.shape
    momentum = 0.7
    bn_param = {"mode": "train", "momentum": momentum}
    rm, rv = torch.zeros(D, dtype=torch.float64), torch.zeros(D, dtype=torch.float64)
    for k in range(4):
        xk = x * (1 + 0.3 * k) + k
        ref.batchnorm_forward(xk, gamma, beta, bn_param)
        F.batch_norm(_t(xk), rm, rv, _t(gamma), _t(beta), training=True,
                     momentum=1 - momentum, eps=1e-5)
    _close(bn_param["running_mean"], rm)
    _close(bn_param["running_var"] * N / (N - 1), rv)
    x_test = x[:3] - 1.0
    out, _ = ref.batchnorm_forward(x_test, gamma, beta, dict(bn_param, mode="test"))
    o = F.batch_norm(_t(x_test), _t(bn_param["running_mean"]), _t(bn_param["running_var"]),
                     _t(gamma), _t(beta), training=False, eps=1e-5)
    _close(out, o)


def test_layernorm_matches_torch(data):
    ref = _reference().normalization
    x, gamma, beta, dout = data
    out, cache = ref.layernorm_forward(x, gamma, beta, {"eps": 1e-3})
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    o = F.layer_norm(xt, (x.shape[1],), gt, bt, eps=1e-3)
    o.backward(_t(dout))
    _close(out, o)
    for mine, theirs in zip(ref.layernorm_backward(dout, cache), (xt, gt, bt)):
        _close(mine, theirs.grad)


@pytest.mark.parametrize("G", [1, 2, 3, 6])
def test_groupnorm_matches_torch(data, G):
    ref = _reference().normalization
    x, gamma, beta, dout = data
    out, cache = ref.groupnorm_forward(x, gamma, beta, G, {})
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    o = F.group_norm(xt, G, gt, bt, eps=1e-5)
    o.backward(_t(dout))
    _close(out, o)
    for mine, theirs in zip(ref.groupnorm_backward(dout, cache), (xt, gt, bt)):
        _close(mine, theirs.grad)


def test_layers_reexports_normalization():
    from nnlab import layers, normalization
    for name in ("batchnorm_forward", "batchnorm_backward_alt", "layernorm_backward",
                 "groupnorm_forward"):
        assert getattr(layers, name) is getattr(normalization, name)


# ------------------------------------------------------------------------------ open checks
def test_open_checks_pass_on_reference_and_fail_on_stubs(monkeypatch):
    ref = _reference()
    checks = sys.modules.get(f"{ref.__name__}.checks") or __import__(
        f"{ref.__name__}.checks", fromlist=["check_lab"])
    table = checks.check_lab("02_normalization", package=ref.__name__)
    assert table.passed, str(table)
    assert table.n_checks >= 20
    from nnlab.checks import check_lab
    stub_table = check_lab("02", package="nnlab")
    assert stub_table.n_checks_passed == 0, str(stub_table)


# ------------------------------------------------------------------------------ the grader
@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab02")
    out = {"reference": grade_submission(_copy(SOLUTIONS, root / "reference"), "02"),
           "stubs": grade_submission(_copy(STUBS, root / "stubs"), "02")}
    for m in MISTAKES:
        out[m.id] = grade_submission(_patched(root, m.id, m.module, m.source), "02")
    for v in VARIANTS:
        out[v.id] = grade_submission(_patched(root, v.id, v.module, v.source), "02")
    return out


def test_catalogue_sizes():
    assert len(MISTAKES) >= 10 and len(VARIANTS) >= 4
    assert len({m.id for m in MISTAKES}) == len(MISTAKES)


def test_reference_gets_full_marks(reports):
    r = reports["reference"]
    assert r.status == "ok", r.to_text()
    bad = [(f.name, f.messages) for f in r.functions if f.score != f.max_score]
    assert not bad
    assert r.total == r.max_total == LAB02.max_points
    assert [f.name for f in r.functions] == ALL
    assert all(f.checks_total >= 3 for f in r.functions)


def test_stubs_get_zero_and_every_check_fails(reports):
    r, ref = reports["stubs"], reports["reference"]
    assert r.status == "ok" and r.total == 0
    assert len(r.checks) == len(ref.checks) >= 30
    passed = [c.check for c in r.checks if c.passed]
    assert not passed, f"hidden checks that pass on the stubs: {passed}"
    assert all("not implemented" in f.messages[0] for f in r.functions)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_catalogue_mistake_is_caught(reports, mistake):
    assert_caught_alone(reports[mistake.id], mistake)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_correct_variant_gets_full_marks(reports, variant):
    assert_full_marks(reports[variant.id], variant)


# ------------------------------------------------------------------------------ the network
@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm", "groupnorm"])
@pytest.mark.parametrize("residual", [False, True])
def test_fc_net_gradients(normalization, residual):
    ref = _reference()
    eval_numerical_gradient, rel_error = (ref.gradient_check.eval_numerical_gradient,
                                          ref.gradient_check.rel_error)
    ref_net = ref.fc_net.FullyConnectedNet
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)
    net = ref_net([4, 4, 4], input_dim=5, num_classes=3, normalization=normalization,
                  residual=residual, reg=0.05, weight_scale=0.5, dtype=np.float64, seed=0)
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    if normalization:
        assert net.params["gamma1"].shape == (4,) and "gamma4" not in net.params
    for name, p in net.params.items():
        num = eval_numerical_gradient(lambda _: net.loss(X, y)[0], p, verbose=False, h=1e-6)
        if normalization == "batchnorm" and name in ("b1", "b2", "b3"):
            # a bias before batch normalization has gradient 0 (the mean removes it)
            assert np.max(np.abs(num)) < 1e-8 and np.max(np.abs(grads[name])) < 1e-12
            continue
        err = np.max(np.abs(num - grads[name])) / max(1e-3, np.max(np.abs(grads[name])))
        assert err < 1e-6, (name, rel_error(num, grads[name]))


def test_fc_net_batchnorm_train_and_test_mode():
    net = _reference().fc_net.FullyConnectedNet(
        [5], input_dim=4, num_classes=3, normalization="batchnorm", dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    net.loss(X, y)
    assert net.bn_params[0]["mode"] == "train" and "running_mean" in net.bn_params[0]
    before = net.bn_params[0]["running_mean"].copy()
    scores = net.loss(X[:1])                      # test mode: one example is fine
    assert scores.shape == (1, 3) and net.bn_params[0]["mode"] == "test"
    np.testing.assert_array_equal(before, net.bn_params[0]["running_mean"])


def test_fc_net_rejects_unknown_normalization_and_bad_groups():
    net_cls = _reference().fc_net.FullyConnectedNet
    with pytest.raises(ValueError, match="normalization"):
        net_cls([4], input_dim=3, normalization="instancenorm")
    with pytest.raises(ValueError, match="groups"):
        net_cls([5], input_dim=3, normalization="groupnorm", groups=2)


def test_notes_stay_with_their_function(reports):
    """A note ("your groupnorm_backward is right for the forward you wrote") belongs to its
    function; the submission-level messages stay empty (groupnorm_backward is the lab's last
    function: its notes once leaked into them)."""
    r = reports["gn_strided_groups"]
    assert r.function("groupnorm_backward").notes
    assert r.function("groupnorm_backward").score == r.function("groupnorm_backward").max_score
    assert r.messages == []
    assert "not held against" in r.to_text().lower()

"""FullyConnectedNet and Solver (reference package, imported as ``nnlab_reference``)."""
import math
import pickle

import numpy as np
import pytest

from autograder.reference import REFERENCE_NAME


@pytest.fixture(scope="module")
def ref(reference):
    assert reference.__name__ == REFERENCE_NAME
    return reference


@pytest.fixture(scope="module")
def digits(ref):
    return ref.data.load_digits()


def _small_problem(seed=0, N=4, D=6, C=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.integers(0, C, size=N)


def _net(ref, hidden=(10, 10), **kwargs):
    kwargs = {"input_dim": 64, "weight_scale": 1e-1, "seed": 0, **kwargs}
    return ref.fc_net.FullyConnectedNet(list(hidden), **kwargs)


def _solver(ref, model, data, **kwargs):
    kwargs = {"verbose": False, "seed": 0, **kwargs}
    return ref.solver.Solver(model, data, **kwargs)


# ---------------------------------------------------------------------------- FullyConnectedNet

@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("hidden", [[7], [7, 8]])
def test_gradients_match_numerical_gradients(ref, hidden, activation):
    X, y = _small_problem()
    # seed=2 keeps every ReLU input well away from its kink at 0 (no finite-difference step
    # crosses it), so the relative error reflects the gradient, not the kink.
    model = ref.fc_net.FullyConnectedNet(hidden, input_dim=6, num_classes=5, reg=0.7,
                                         weight_scale=5e-1, dtype=np.float64, seed=2,
                                         activation=activation)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name, param in model.params.items():
        f = lambda _: model.loss(X, y)[0]
        numeric = ref.gradient_check.eval_numerical_gradient(f, param, verbose=False, h=1e-6)
        err = ref.gradient_check.rel_error(numeric, grads[name])
        assert err < 1e-6, f"{name}: relative error {err:.2e}"


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "selu", "gelu", "sigmoid", "swish"])
def test_gradients_with_every_other_activation(ref, activation):
    X, y = _small_problem(seed=2)
    model = ref.fc_net.FullyConnectedNet([5, 4], input_dim=6, num_classes=5, reg=0.1,
                                         weight_scale=5e-1, dtype=np.float64, seed=2,
                                         activation=activation)
    _, grads = model.loss(X, y)
    for name, param in model.params.items():
        f = lambda _: model.loss(X, y)[0]
        numeric = ref.gradient_check.eval_numerical_gradient(f, param, h=1e-6)
        assert ref.gradient_check.rel_error(numeric, grads[name]) < 1e-6, name


def test_parameter_shapes_dtypes_and_scores(ref):
    model = ref.fc_net.FullyConnectedNet([20, 30, 40], input_dim=12, num_classes=7, seed=0)
    assert model.num_layers == 4
    expected = {"W1": (12, 20), "W2": (20, 30), "W3": (30, 40), "W4": (40, 7),
                "b1": (20,), "b2": (30,), "b3": (40,), "b4": (7,)}
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float32 for v in model.params.values())  # cs231n's default
    assert all(np.all(model.params[f"b{i}"] == 0) for i in range(1, 5))
    assert abs(model.params["W1"].std() - 1e-2) < 3e-3
    scores = model.loss(np.ones((3, 3, 4)))  # inputs are flattened per example
    assert scores.shape == (3, 7)


def test_no_hidden_layer_is_a_softmax_classifier(ref):
    X, y = _small_problem()
    model = ref.fc_net.FullyConnectedNet([], input_dim=6, num_classes=5, dtype=np.float64, seed=0)
    np.testing.assert_allclose(model.loss(X), X @ model.params["W1"])
    assert set(model.loss(X, y)[1]) == {"W1", "b1"}


def test_initial_loss_is_log_num_classes(ref, digits):
    model = _net(ref, hidden=[100, 100], weight_scale=1e-3, dtype=np.float64)
    loss, _ = model.loss(digits["X_train"][:200], digits["y_train"][:200])
    assert abs(loss - math.log(10)) < 1e-3


def test_regularisation_term(ref):
    X, y = _small_problem()
    kwargs = dict(input_dim=6, num_classes=5, dtype=np.float64, seed=3, weight_scale=0.3)
    plain = ref.fc_net.FullyConnectedNet([4, 3], reg=0.0, **kwargs)
    reg = ref.fc_net.FullyConnectedNet([4, 3], reg=2.5, **kwargs)
    (l0, g0), (l1, g1) = plain.loss(X, y), reg.loss(X, y)
    weights = sum(np.sum(reg.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert l1 == pytest.approx(l0 + 0.5 * 2.5 * weights, rel=1e-12)
    np.testing.assert_allclose(g1["W2"], g0["W2"] + 2.5 * reg.params["W2"])
    np.testing.assert_array_equal(g1["b2"], g0["b2"])  # biases are not regularised


def test_seed_makes_initialisation_reproducible(ref):
    a, b, c = _net(ref, seed=5), _net(ref, seed=5), _net(ref, seed=6)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_the_net_calls_layers_through_their_modules(ref, monkeypatch):
    """A student's edit to layer_utils/losses is picked up without rebuilding the network."""
    model = _net(ref, hidden=[3], input_dim=6, dtype=np.float64)
    calls = []
    real = ref.layer_utils.affine_act_forward

    def spy(*args, **kwargs):
        calls.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(ref.layer_utils, "affine_act_forward", spy)
    model.loss(np.zeros((2, 6)))
    assert calls == ["relu"]


def test_bad_options_raise_friendly_errors(ref):
    with pytest.raises(ValueError, match="KEEPING"):
        _net(ref, dropout_keep_ratio=0.0)
    with pytest.raises(ValueError, match="normalization"):     # lab 02 has the others
        _net(ref, normalization="instancenorm")
    with pytest.raises(ValueError, match="choose one of: .*relu"):
        _net(ref, activation="softplus")
    with pytest.raises(ValueError, match="hidden_dims"):
        _net(ref, hidden=[10, 0])


# ---------------------------------------------------------------------------- Solver

def test_overfits_fifty_digits(ref, digits):
    small = {"X_train": digits["X_train"][:50], "y_train": digits["y_train"][:50],
             "X_val": digits["X_val"], "y_val": digits["y_val"]}
    model = _net(ref, hidden=[100, 100], dtype=np.float64)
    solver = _solver(ref, model, small, num_epochs=100, batch_size=25,
                     optim_config={"learning_rate": 2e-1})
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert not solver.diverged


def test_histories_and_best_params(ref, digits):
    model = _net(ref, hidden=[50], weight_scale=1e-2)
    solver = _solver(ref, model, digits, num_epochs=4, batch_size=100,
                     optim_config={"learning_rate": 5e-1}, num_train_samples=None)
    solver.train()
    iterations_per_epoch = 1197 // 100
    assert len(solver.loss_history) == 4 * iterations_per_epoch
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 4 + 1
    assert solver.epoch == 4
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.5
    for k, v in solver.best_params.items():
        np.testing.assert_array_equal(model.params[k], v)
        assert model.params[k] is not v  # copies: more training must not change best_params
    assert solver.check_accuracy(digits["X_val"], digits["y_val"]) == solver.best_val_acc
    assert all(isinstance(v, float) for v in solver.loss_history)


def test_best_params_are_kept_when_training_gets_worse(ref, digits):
    """A run whose last epoch is not its best: the model ends with the best epoch's params."""
    model = _net(ref, hidden=[50], weight_scale=1e-2, dtype=np.float64)
    solver = _solver(ref, model, digits, num_epochs=6, lr_decay=3.0,
                     optim_config={"learning_rate": 3e-1})
    solver.train()
    best = int(np.argmax(solver.val_acc_history))
    assert solver.val_acc_history[-1] < solver.val_acc_history[best]
    assert solver.check_accuracy(digits["X_val"], digits["y_val"]) == solver.best_val_acc


def test_lr_decay_and_update_rule_lookup(ref, digits):
    model = _net(ref, hidden=[8])
    solver = _solver(ref, model, digits, num_epochs=2, lr_decay=0.5,
                     optim_config={"learning_rate": 1e-1})
    assert solver.update_rule is ref.optim.sgd
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(1e-1 * 0.5**2)
    assert solver.optim_config == {"learning_rate": 1e-1}  # the caller's dict is not touched

    seen = []

    def my_rule(w, dw, config=None):
        seen.append(w.shape)
        return w - 0.1 * dw, config

    _solver(ref, _net(ref, hidden=[8]), digits, update_rule=my_rule, num_epochs=1).train()
    assert len(seen) == 4 * (1197 // 100)


def test_bad_arguments(ref, digits):
    model = _net(ref, hidden=[8])
    with pytest.raises(ValueError, match="Invalid update_rule \"sgdd\".*sgd"):
        ref.solver.Solver(model, digits, update_rule="sgdd")
    with pytest.raises(ValueError, match="Unrecognized arguments learning_rate"):
        ref.solver.Solver(model, digits, learning_rate=1e-3)
    with pytest.raises(KeyError, match="X_val, y_val"):
        ref.solver.Solver(model, {"X_train": digits["X_train"], "y_train": digits["y_train"]})


def test_divergence_stops_training_cleanly(ref, digits, capsys):
    """pytest turns RuntimeWarnings into errors here, so this also checks none is raised."""
    model = _net(ref, hidden=[100, 100], dtype=np.float64)
    solver = _solver(ref, model, digits, num_epochs=5, optim_config={"learning_rate": 1e3})
    solver.train()
    assert solver.diverged
    assert not np.isfinite(solver.loss_history[-1])
    assert len(solver.loss_history) < 5 * (1197 // 100)
    assert all(np.all(np.isfinite(v)) for v in model.params.values())  # the best params kept
    out = capsys.readouterr().out
    assert "Training stopped" in out and "learning_rate=1000" in out


def test_divergence_on_the_first_iteration(ref, digits, capsys):
    class NaNModel:
        params = {"W": np.zeros(3)}

        def loss(self, X, y=None):
            if y is None:
                return np.zeros((len(X), 10))
            return float("nan"), {"W": np.zeros(3)}

    solver = _solver(ref, NaNModel(), digits, num_epochs=1)
    solver.train()
    assert solver.diverged and len(solver.loss_history) == 1
    assert solver.val_acc_history == [] and solver.best_params == {}
    assert "no parameters were good enough" in capsys.readouterr().out


def test_seed_makes_training_reproducible(ref, digits):
    def run(seed):
        solver = _solver(ref, _net(ref, hidden=[20]), digits, num_epochs=2, seed=seed)
        solver.train()
        return solver

    a, b, c = run(0), run(0), run(1)
    assert a.loss_history == b.loss_history and a.val_acc_history == b.val_acc_history
    assert a.loss_history != c.loss_history


def test_quiet_when_not_verbose(ref, digits, capsys):
    solver = _solver(ref, _net(ref, hidden=[8]), digits, num_epochs=1, verbose=False)
    solver.train()
    assert not solver.show_progress
    assert capsys.readouterr() == ("", "")


def test_progress_bar_and_printed_lines(ref, digits, capsys):
    solver = _solver(ref, _net(ref, hidden=[8]), digits, num_epochs=2, verbose=True)
    solver.train()
    captured = capsys.readouterr()
    assert solver.show_progress
    assert "(Epoch 2 / 2)" in captured.out + captured.err
    assert "loss=" in captured.err  # the bar (tqdm writes to stderr) shows the loss

    solver = _solver(ref, _net(ref, hidden=[8]), digits, num_epochs=1, verbose=True,
                     progress=False, print_every=5)
    solver.train()
    captured = capsys.readouterr()
    assert not solver.show_progress and captured.err == ""
    assert "(Iteration 1 / 11) loss:" in captured.out and "(Iteration 6 / 11)" in captured.out
    assert "(Epoch 1 / 1) train acc:" in captured.out


def test_checkpoints(ref, digits, tmp_path):
    name = tmp_path / "ckpt" / "run"
    solver = _solver(ref, _net(ref, hidden=[8]), digits, num_epochs=2, checkpoint_name=str(name))
    solver.train()
    files = sorted(p.name for p in name.parent.iterdir())
    assert files == ["run_epoch_0.pkl", "run_epoch_1.pkl", "run_epoch_2.pkl"]
    with open(name.parent / "run_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2 and len(checkpoint["val_acc_history"]) == 3

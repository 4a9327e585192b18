"""Every backward pass of the reference matches numerical gradients of its own forward pass.

Inputs stay at least 0.1 away from kinks (ReLU-family at 0, maxout ties, SVM margins at 0),
where a centred difference with h = 1e-5 would straddle two branches.
"""
import warnings

import numpy as np
import pytest

TOL = 1e-7


@pytest.fixture
def gc(reference):
    return reference.gradient_check


def _away_from_zero(rng, shape, low=0.1, high=2.5):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


@pytest.fixture
def strict_floats():
    """Overflow, invalid operations and division by zero raise; so does any RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


ELEMENTWISE = [
    ("relu", {}), ("leaky_relu", {}), ("leaky_relu", {"alpha": 0.3}), ("elu", {}),
    ("elu", {"alpha": 0.7}), ("selu", {}), ("gelu", {}), ("sigmoid", {}), ("tanh", {}),
    ("swish", {}), ("swish", {"beta": 2.5}),
]


@pytest.mark.parametrize("name,kwargs", ELEMENTWISE, ids=[f"{n}{k or ''}" for n, k in ELEMENTWISE])
def test_elementwise_backward(reference, gc, name, kwargs):
    rng = np.random.default_rng(0)
    x = _away_from_zero(rng, (4, 3, 5))
    dout = rng.standard_normal(x.shape)
    forward = getattr(reference.activations, f"{name}_forward")
    backward = getattr(reference.activations, f"{name}_backward")
    _, cache = forward(x, **kwargs)
    dx = backward(dout, cache)
    dx_num = gc.eval_numerical_gradient_array(lambda a: forward(a, **kwargs)[0], x, dout)
    assert dx.shape == x.shape and dx.dtype == np.float64
    assert gc.rel_error(dx, dx_num) < TOL


def test_activation_table_covers_the_x_only_activations(reference):
    table = reference.activations.ACTIVATIONS
    assert set(table) == {"relu", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "swish"}
    for name, (forward, backward) in table.items():
        assert forward.__name__ == f"{name}_forward" and backward.__name__ == f"{name}_backward"


def test_affine_backward(reference, gc):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((8, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))
    f = reference.layers.affine_forward
    dx, dw, db = reference.layers.affine_backward(dout, f(x, w, b)[1])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert gc.rel_error(dx, gc.eval_numerical_gradient_array(lambda a: f(a, w, b)[0], x, dout)) < TOL
    assert gc.rel_error(dw, gc.eval_numerical_gradient_array(lambda a: f(x, a, b)[0], w, dout)) < TOL
    assert gc.rel_error(db, gc.eval_numerical_gradient_array(lambda a: f(x, w, a)[0], b, dout)) < TOL


def test_prelu_backward(reference, gc):
    rng = np.random.default_rng(2)
    x, alpha = _away_from_zero(rng, (6, 4)), rng.uniform(0.05, 0.5, 4)
    dout = rng.standard_normal(x.shape)
    f = reference.activations.prelu_forward
    dx, dalpha = reference.activations.prelu_backward(dout, f(x, alpha)[1])
    assert dalpha.shape == alpha.shape
    assert gc.rel_error(dx, gc.eval_numerical_gradient_array(lambda a: f(a, alpha)[0], x, dout)) < TOL
    assert gc.rel_error(dalpha, gc.eval_numerical_gradient_array(lambda a: f(x, a)[0], alpha, dout)) < TOL


def test_maxout_backward(reference, gc):
    rng = np.random.default_rng(3)
    N, D, k, M = 4, 5, 3, 2
    x, w, b = rng.standard_normal((N, D)), rng.standard_normal((D, k, M)), rng.standard_normal((k, M))
    pieces = np.sort(np.einsum("nd,dkm->nkm", x, w) + b, axis=1)
    assert np.min(pieces[:, -1] - pieces[:, -2]) > 1e-3  # no near-ties: the max is differentiable
    dout = rng.standard_normal((N, M))
    f = reference.activations.maxout_forward
    dx, dw, db = reference.activations.maxout_backward(dout, f(x, w, b)[1])
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    assert gc.rel_error(dx, gc.eval_numerical_gradient_array(lambda a: f(a, w, b)[0], x, dout)) < TOL
    assert gc.rel_error(dw, gc.eval_numerical_gradient_array(lambda a: f(x, a, b)[0], w, dout)) < TOL
    assert gc.rel_error(db, gc.eval_numerical_gradient_array(lambda a: f(x, w, a)[0], b, dout)) < TOL


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "selu", "gelu", "sigmoid",
                                        "tanh", "swish"])
def test_affine_act_backward(reference, gc, activation):
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 3)), rng.standard_normal(3)
    lu = reference.layer_utils
    assert np.min(np.abs(x @ w + b)) > 1e-3  # away from the kinks at 0
    dout = rng.standard_normal((4, 3))
    f = lambda a, ww, bb: lu.affine_act_forward(a, ww, bb, activation)[0]  # noqa: E731
    dx, dw, db = lu.affine_act_backward(dout, lu.affine_act_forward(x, w, b, activation)[1])
    assert gc.rel_error(dx, gc.eval_numerical_gradient_array(lambda a: f(a, w, b), x, dout)) < TOL
    assert gc.rel_error(dw, gc.eval_numerical_gradient_array(lambda a: f(x, a, b), w, dout)) < TOL
    assert gc.rel_error(db, gc.eval_numerical_gradient_array(lambda a: f(x, w, a), b, dout)) < TOL


def test_affine_act_rejects_unknown_activation(reference):
    with pytest.raises(ValueError, match="Unknown activation 'relu6'.*gelu"):
        reference.layer_utils.affine_act_forward(np.ones((1, 2)), np.ones((2, 2)), np.ones(2), "relu6")


def test_affine_relu_matches_affine_act(reference):
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))
    lu = reference.layer_utils
    out, cache = lu.affine_relu_forward(x, w, b)
    out2, cache2 = lu.affine_act_forward(x, w, b, "relu")
    np.testing.assert_array_equal(out, out2)
    for g, g2 in zip(lu.affine_relu_backward(dout, cache), lu.affine_act_backward(dout, cache2)):
        np.testing.assert_array_equal(g, g2)


def test_cs231n_names_reexported_from_layers(reference):
    layers = reference.layers
    assert layers.relu_forward is reference.activations.relu_forward
    assert layers.softmax_loss is reference.losses.softmax_loss
    assert layers.svm_loss is reference.losses.svm_loss


@pytest.mark.parametrize("loss", ["softmax_loss", "svm_loss"])
def test_loss_gradient(reference, gc, loss):
    rng = np.random.default_rng(6)
    N, C = 7, 5
    x, y = rng.standard_normal((N, C)), rng.integers(0, C, size=N)
    margins = x - x[np.arange(N), y][:, None] + 1
    assert np.min(np.abs(margins)) > 1e-3  # SVM margins away from their kink
    f = getattr(reference.losses, loss)
    value, dx = f(x, y)
    assert isinstance(value, float) and dx.shape == x.shape
    assert gc.rel_error(dx, gc.eval_numerical_gradient(lambda a: f(a, y)[0], x, verbose=False)) < TOL


def test_softmax_loss_sanity(reference):
    """Small random scores: the loss is close to log(C), the first sanity check of a training run."""
    rng = np.random.default_rng(7)
    x, y = 1e-3 * rng.standard_normal((500, 10)), rng.integers(0, 10, size=500)
    assert abs(reference.losses.softmax_loss(x, y)[0] - np.log(10)) < 1e-2
    # SVM: every wrong class contributes a margin close to 1, so the loss is close to C - 1
    assert abs(reference.losses.svm_loss(x, y)[0] - 9) < 1e-2


@pytest.mark.parametrize("loss", ["softmax_loss", "svm_loss"])
def test_losses_at_large_scores(reference, strict_floats, loss):
    rng = np.random.default_rng(8)
    x, y = 1e3 * rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    x[0] = [1e3, -1e3, 1e3, 999.0]
    value, dx = getattr(reference.losses, loss)(x, y)
    assert np.isfinite(value) and np.all(np.isfinite(dx))


def test_softmax_loss_confidently_wrong(reference, strict_floats):
    """A log of an underflowed probability would be -inf; the log-sum-exp form stays exact."""
    loss, dx = reference.losses.softmax_loss(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(dx, [[1.0, -1.0]])


@pytest.mark.parametrize("name", ["sigmoid", "swish", "tanh", "elu", "selu"])
def test_saturated_activations_have_no_warnings(reference, strict_floats, name):
    x = np.array([-1000.0, -710.0, -1.0, 0.0, 1.0, 710.0, 1000.0])
    out, cache = getattr(reference.activations, f"{name}_forward")(x)
    dx = getattr(reference.activations, f"{name}_backward")(np.ones_like(x), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))


def test_sigmoid_at_plus_minus_1000(reference, strict_floats):
    out, cache = reference.activations.sigmoid_forward(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])
    np.testing.assert_array_equal(reference.activations.sigmoid_backward(np.ones(2), cache), [0.0, 0.0])


def test_forward_keeps_float64_and_leaves_inputs_alone(reference):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    for name, (forward, backward) in reference.activations.ACTIVATIONS.items():
        out, cache = forward(x)
        dx = backward(np.ones_like(out), cache)
        assert out.dtype == np.float64 and dx.dtype == np.float64, name
    np.testing.assert_array_equal(x, before)


def test_erf_matches_math_erf(reference):
    import math
    x = np.linspace(-4, 4, 24).reshape(2, 3, 4)
    values = reference.mathutils.erf(x)
    assert values.shape == x.shape and values.dtype == np.float64
    np.testing.assert_array_equal(values.ravel(), [math.erf(v) for v in x.ravel()])
    assert reference.mathutils.erf(0.5).shape == ()

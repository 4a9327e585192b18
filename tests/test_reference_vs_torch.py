"""The reference agrees with PyTorch (float64, forward and autograd gradients, 1e-8 relative).

Gradients: torch's autograd of sum(out * dout) with a random upstream dout, compared with the
reference's backward pass given the same dout.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = 1e-8
SEEDS = [0, 1, 2]


def _t(a):
    """A float64 leaf tensor that records gradients."""
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)


def _np(t):
    return t.detach().numpy()


def _close(reference, actual, expected, what):
    error = reference.gradient_check.rel_error(actual, expected)
    assert error < TOL, f"{what}: relative error {error:.2e}"


def _random_shape(rng, ndim):
    return tuple(int(n) for n in rng.integers(2, 6, size=ndim))


# ------------------------------------------------------------------------------------ affine

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ndim", [2, 4])
def test_affine(reference, seed, ndim):
    rng = np.random.default_rng(seed)
    shape = _random_shape(rng, ndim)
    N, D, M = shape[0], int(np.prod(shape[1:])), int(rng.integers(2, 7))
    x, w, b = rng.standard_normal(shape), rng.standard_normal((D, M)), rng.standard_normal(M)
    dout = rng.standard_normal((N, M))

    out, cache = reference.layers.affine_forward(x, w, b)
    dx, dw, db = reference.layers.affine_backward(dout, cache)

    xt, wt, bt = _t(x), _t(w), _t(b)
    # F.linear computes x @ weight.T + bias, with weight of shape (M, D).
    out_t = F.linear(xt.reshape(N, -1), wt.T, bt)
    (out_t * torch.from_numpy(dout)).sum().backward()

    _close(reference, out, _np(out_t), "out")
    _close(reference, dx, _np(xt.grad), "dx")
    _close(reference, dw, _np(wt.grad), "dw")
    _close(reference, db, _np(bt.grad), "db")
    assert dx.shape == x.shape


# ------------------------------------------------------------------------------- activations

def _elementwise_cases():
    """(name, reference kwargs, torch function of a tensor)."""
    return [
        ("relu", {}, F.relu),
        ("leaky_relu", {}, lambda t: F.leaky_relu(t, 0.01)),
        ("leaky_relu", {"alpha": 0.2}, lambda t: F.leaky_relu(t, 0.2)),
        ("elu", {}, lambda t: F.elu(t, 1.0)),
        ("elu", {"alpha": 0.5}, lambda t: F.elu(t, 0.5)),
        ("selu", {}, F.selu),
        ("gelu", {}, lambda t: F.gelu(t, approximate="none")),
        ("sigmoid", {}, torch.sigmoid),
        ("tanh", {}, torch.tanh),
        ("swish", {}, F.silu),
        ("swish", {"beta": 1.7}, lambda t: t * torch.sigmoid(1.7 * t)),
        ("swish", {"beta": 0.3}, lambda t: t * torch.sigmoid(0.3 * t)),
    ]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,kwargs,torch_fn", _elementwise_cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_elementwise_activation(reference, seed, name, kwargs, torch_fn):
    rng = np.random.default_rng(seed)
    x = 3 * rng.standard_normal(_random_shape(rng, 3))
    dout = rng.standard_normal(x.shape)
    forward = getattr(reference.activations, f"{name}_forward")
    backward = getattr(reference.activations, f"{name}_backward")

    out, cache = forward(x, **kwargs)
    dx = backward(dout, cache)

    xt = _t(x)
    out_t = torch_fn(xt)
    (out_t * torch.from_numpy(dout)).sum().backward()
    _close(reference, out, _np(out_t), f"{name} out")
    _close(reference, dx, _np(xt.grad), f"{name} dx")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "selu", "swish", "gelu"])
def test_activation_saturated_inputs(reference, name):
    """Inputs in the hundreds, where naive exponentials overflow."""
    x = np.array([[-800.0, -300.0, -30.0, 0.5, 30.0, 300.0, 800.0]])
    torch_fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu, "selu": F.selu,
                "swish": F.silu, "gelu": F.gelu}[name]
    out, cache = getattr(reference.activations, f"{name}_forward")(x)
    dx = getattr(reference.activations, f"{name}_backward")(np.ones_like(x), cache)
    xt = _t(x)
    torch_fn(xt).sum().backward()
    _close(reference, out, _np(torch_fn(_t(x))), f"{name} out")
    _close(reference, dx, _np(xt.grad), f"{name} dx")


@pytest.mark.parametrize("seed", SEEDS)
def test_prelu(reference, seed):
    rng = np.random.default_rng(seed)
    N, D = _random_shape(rng, 2)
    x, alpha = rng.standard_normal((N, D)), rng.uniform(0.0, 0.5, D)
    dout = rng.standard_normal((N, D))

    out, cache = reference.activations.prelu_forward(x, alpha)
    dx, dalpha = reference.activations.prelu_backward(dout, cache)

    xt, at = _t(x), _t(alpha)
    out_t = F.prelu(xt, at)  # one weight per channel = per feature (dim 1)
    (out_t * torch.from_numpy(dout)).sum().backward()
    _close(reference, out, _np(out_t), "out")
    _close(reference, dx, _np(xt.grad), "dx")
    _close(reference, dalpha, _np(at.grad), "dalpha")


@pytest.mark.parametrize("seed", SEEDS)
def test_maxout(reference, seed):
    rng = np.random.default_rng(seed)
    N, D, k, M = _random_shape(rng, 4)
    x, w, b = rng.standard_normal((N, D)), rng.standard_normal((D, k, M)), rng.standard_normal((k, M))
    dout = rng.standard_normal((N, M))

    out, cache = reference.activations.maxout_forward(x, w, b)
    dx, dw, db = reference.activations.maxout_backward(dout, cache)

    xt, wt, bt = _t(x), _t(w), _t(b)
    pieces = torch.einsum("nd,dkm->nkm", xt, wt) + bt   # (N, k, M)
    out_t = pieces.max(dim=1).values
    (out_t * torch.from_numpy(dout)).sum().backward()
    _close(reference, out, _np(out_t), "out")
    _close(reference, dx, _np(xt.grad), "dx")
    _close(reference, dw, _np(wt.grad), "dw")
    _close(reference, db, _np(bt.grad), "db")


# ------------------------------------------------------------------------------------ losses

def _loss_inputs(seed, scale):
    rng = np.random.default_rng(seed)
    N, C = int(rng.integers(3, 9)), int(rng.integers(3, 11))
    return scale * rng.standard_normal((N, C)), rng.integers(0, C, size=N)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_softmax_loss(reference, seed, scale):
    x, y = _loss_inputs(seed, scale)
    loss, dx = reference.losses.softmax_loss(x, y)
    xt = _t(x)
    loss_t = F.cross_entropy(xt, torch.from_numpy(y))   # mean over N, like cs231n
    loss_t.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    _close(reference, loss, loss_t.item(), "loss")
    _close(reference, dx, _np(xt.grad), "dx")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_svm_loss(reference, seed, scale):
    """torch's multi_margin_loss divides each example's sum of margins by C as well as by N;
    cs231n's SVM loss divides by N only. So loss_cs231n = C * loss_torch, and likewise dx."""
    x, y = _loss_inputs(seed, scale)
    C = x.shape[1]
    loss, dx = reference.losses.svm_loss(x, y)
    xt = _t(x)
    loss_t = F.multi_margin_loss(xt, torch.from_numpy(y), margin=1.0)
    loss_t.backward()
    _close(reference, loss, C * loss_t.item(), "loss")
    _close(reference, dx, C * _np(xt.grad), "dx")


# ---------------------------------------------------------------------------- update rules
# torch.optim implements the same rules with the same defaults:
# - SGD(momentum=mu): torch keeps b = mu * b + g and steps w -= lr * b, cs231n keeps
#   v = mu * v - lr * g and steps w += v. With a constant learning rate v = -lr * b at every step
#   (both start at zero / torch starts b at g on step 1, which is mu * 0 + g), so the weights agree.
# - RMSprop(alpha=decay_rate, eps outside the sqrt, centered=False, momentum=0): identical.
# - Adam: torch divides by (sqrt(v) / sqrt(1 - beta2**t) + eps) and scales lr by 1 / (1 - beta1**t),
#   which is algebraically cs231n's m_hat / (sqrt(v_hat) + eps); t is incremented first in both.

def _trajectory_reference(rule, w, grads, config):
    for dw in grads:
        w, config = rule(w, dw, config)
    return w


def _trajectory_torch(make_optimizer, w, grads):
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([wt])
    for dw in grads:
        optimizer.zero_grad()
        wt.grad = torch.from_numpy(dw.copy())
        optimizer.step()
    return _np(wt)


@pytest.mark.parametrize("rule,config,make_optimizer", [
    ("sgd_momentum", None, lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9)),
    ("sgd_momentum", {"learning_rate": 0.05, "momentum": 0.5},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5)),
    ("rmsprop", None, lambda p: torch.optim.RMSprop(p, lr=1e-2, alpha=0.99, eps=1e-8)),
    ("adam", None, lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)),
    ("adam", {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.9},
     lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.5, 0.9), eps=1e-8)),
], ids=["sgd_momentum", "sgd_momentum-custom", "rmsprop", "adam", "adam-custom"])
def test_update_rule_trajectory(reference, rule, config, make_optimizer):
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 5))
    grads = [rng.standard_normal(w.shape) for _ in range(10)]
    expected = _trajectory_torch(make_optimizer, w, grads)
    actual = _trajectory_reference(getattr(reference.optim, rule), w, grads,
                                   None if config is None else dict(config))
    _close(reference, actual, expected, rule)

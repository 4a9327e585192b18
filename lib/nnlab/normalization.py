"""Normalization layers: batch, layer and group normalization (cs231n-compatible).

All three layers normalise a minibatch ``x`` of shape (N, D) to zero mean and unit variance and
then scale and shift it with learnable ``gamma`` and ``beta`` of shape (D,):

    x_hat = (x - mean) / sqrt(var + eps)          out = gamma * x_hat + beta

They differ only in WHICH entries share a mean and a variance:

- batch normalization: each feature (column) over the N examples of the batch;
- layer normalization: each example (row) over its D features;
- group normalization: each example over the D/G features of each of its G groups of
  consecutive features (G = 1 is layer normalization).

The variance is the biased one (divide by the number of entries, as PyTorch does in the forward
pass) and eps sits INSIDE the square root. Batch normalization behaves differently at training
and at test time: in training it uses the statistics of the batch and keeps exponential running
averages of them in ``bn_param``; at test time it uses those running averages.

For cs231n compatibility ``nnlab.layers`` re-exports every function of this module.
"""
import numpy as np

from . import layers


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    In training mode the mean and the (biased) variance of each feature are computed over the
    batch, used to normalise x, and folded into running averages:

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var  = momentum * running_var  + (1 - momentum) * sample_var

    In test mode x is normalised with running_mean and running_var instead.

    Inputs:
    - x: data of shape (N, D).
    - gamma: scale parameter of shape (D,).
    - beta: shift parameter of shape (D,).
    - bn_param: dict with the keys
      - mode: 'train' or 'test' (required)
      - eps: constant for numeric stability (default 1e-5)
      - momentum: constant for the running averages (default 0.9)
      - running_mean: array of shape (D,), the running mean of the features (default zeros)
      - running_var: array of shape (D,), the running variance of the features (default zeros)
      running_mean and running_var are written back into bn_param (so the next call sees them).

    Returns a tuple of:
    - out: array of shape (N, D).
    - cache: what batchnorm_backward and batchnorm_backward_alt need.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    # Hint: train: mean and variance over the batch (axis 0); np.var divides by N (biased) — keep it so.
    # Hint: eps belongs INSIDE the square root, with the variance: then a feature whose variance is 0 still divides by a positive number.
    # Hint: each running average keeps the share `momentum` of its old value and takes the rest from this batch's statistic; write both back into bn_param.
    # Hint: test: normalise with running_mean and running_var, and do not update them.
    raise NotImplementedError("batchnorm_forward is yours to write (nnlab/normalization.py). Hint: train: mean and variance over the batch (axis 0); np.var divides by N (biased) — keep it so.")

    # Store the updated running means back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization (training mode), through the computational graph.

    Draw the forward pass as a graph of simple steps (mean, centre, square, variance, square
    root, divide, scale, shift) and backpropagate through each step in turn: the staged way.

    Inputs:
    - dout: upstream gradient of shape (N, D).
    - cache: from batchnorm_forward (training mode).

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D).
    - dgamma: gradient with respect to gamma, shape (D,).
    - dbeta: gradient with respect to beta, shape (D,).
    """
    # Hint: dbeta and dgamma SUM over the batch (gamma and beta were used by all N rows).
    # Hint: go through the stages in reverse (scale by gamma, multiply by 1/std, the reciprocal, the square root with eps, the variance as a mean of squares, the centring, the mean): each stage's local gradient times the upstream one.
    # Hint: xc feeds two branches (x_hat and var): add their gradients; x feeds xc and mean.
    raise NotImplementedError("batchnorm_backward is yours to write (nnlab/normalization.py). Hint: dbeta and dgamma SUM over the batch (gamma and beta were used by all N rows).")


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization (training mode), in closed form.

    Work the derivative out on paper first: the gradient with respect to x simplifies to one
    expression in dout, x_hat, gamma and the standard deviation (no intermediate stages).

    Inputs / returns: as batchnorm_backward.
    """
    # Hint: on paper, dx comes out as (the gradient reaching x_hat) minus its batch mean, minus x_hat times the batch mean of (that gradient times x_hat), all divided by std; the means run over axis 0.
    raise NotImplementedError("batchnorm_backward_alt is yours to write (nnlab/normalization.py). Hint: on paper, dx comes out as (the gradient reaching x_hat) minus its batch mean, minus x_hat times the batch mean of (that gradient times x_hat), all divided by std; the means run over axis 0.")


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    Each example (row of x) is normalised with the mean and (biased) variance of its own D
    features; then gamma and beta scale and shift each feature, as in batch normalization. There
    are no running averages: training and test time compute the same thing.

    Inputs:
    - x: data of shape (N, D).
    - gamma: scale parameter of shape (D,).
    - beta: shift parameter of shape (D,).
    - ln_param: dict with the key
      - eps: constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: array of shape (N, D).
    - cache: what layernorm_backward needs.
    """
    eps = ln_param.get("eps", 1e-5)
    # Hint: batch normalization over the OTHER axis: each example (row) gets its own mean and variance; keep their dimensions so they broadcast against x.
    # Hint: gamma and beta still act per feature (shape (D,)), after the normalisation.
    raise NotImplementedError("layernorm_forward is yours to write (nnlab/normalization.py). Hint: batch normalization over the OTHER axis: each example (row) gets its own mean and variance; keep their dimensions so they broadcast against x.")


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: upstream gradient of shape (N, D).
    - cache: from layernorm_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D).
    - dgamma: gradient with respect to gamma, shape (D,).
    - dbeta: gradient with respect to beta, shape (D,).
    """
    # Hint: dgamma and dbeta still sum over the batch (axis 0), like batch normalization.
    # Hint: dx: your batchnorm_backward_alt formula with the means taken over each row (axis 1).
    raise NotImplementedError("layernorm_backward is yours to write (nnlab/normalization.py). Hint: dgamma and dbeta still sum over the batch (axis 0), like batch normalization.")


def groupnorm_forward(x, gamma, beta, G, gn_param):
    """Forward pass of group normalization for fully connected layers.

    The D features of each example are split into G groups of D // G CONSECUTIVE features
    (features 0 .. D/G - 1 form group 0, and so on); each group of each example is normalised
    with its own mean and (biased) variance. G = 1 is layer normalization; G = D normalises
    every entry on its own. gamma and beta act per feature.

    Inputs:
    - x: data of shape (N, D), with D divisible by G.
    - gamma: scale parameter of shape (D,).
    - beta: shift parameter of shape (D,).
    - G: int, the number of groups.
    - gn_param: dict with the key
      - eps: constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: array of shape (N, D).
    - cache: what groupnorm_backward needs.
    """
    eps = gn_param.get("eps", 1e-5)
    N, D = x.shape
    if D % G:
        raise ValueError(f"groupnorm: D={D} features cannot be split into G={G} equal groups")
    # Hint: a reshape to three axes (examples, groups, features of a group) puts each group of consecutive features on the last axis;
    # Hint: normalise over that axis, reshape back to (N, D), then apply gamma and beta per feature.
    raise NotImplementedError("groupnorm_forward is yours to write (nnlab/normalization.py). Hint: a reshape to three axes (examples, groups, features of a group) puts each group of consecutive features on the last axis;")


def groupnorm_backward(dout, cache):
    """Backward pass of group normalization.

    Inputs:
    - dout: upstream gradient of shape (N, D).
    - cache: from groupnorm_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D).
    - dgamma: gradient with respect to gamma, shape (D,).
    - dbeta: gradient with respect to beta, shape (D,).
    """
    # Hint: dgamma and dbeta sum over the batch as before; for dx, bring the gradient reaching x_hat and x_hat itself into the three-axis group layout of the forward pass,
    # Hint: use the layer-norm formula with the means taken within each group, and reshape back.
    raise NotImplementedError("groupnorm_backward is yours to write (nnlab/normalization.py). Hint: dgamma and dbeta sum over the batch as before; for dx, bring the gradient reaching x_hat and x_hat itself into the three-axis group layout of the forward pass,")


# ------------------------------------------------------------------------------------------
# Infrastructure for FullyConnectedNet (complete: it calls your functions above)
# ------------------------------------------------------------------------------------------
NORMALIZATIONS = ("batchnorm", "layernorm", "groupnorm")


def norm_forward(x, gamma, beta, kind, param):
    """Dispatch to batchnorm/layernorm/groupnorm_forward; ``param`` is bn_param, ln_param or
    gn_param (gn_param also holds ``G``, the number of groups)."""
    import sys
    this = sys.modules[__name__]      # look the functions up at call time: a fix is used at once
    if kind == "batchnorm":
        return this.batchnorm_forward(x, gamma, beta, param)
    if kind == "layernorm":
        return this.layernorm_forward(x, gamma, beta, param)
    if kind == "groupnorm":
        return this.groupnorm_forward(x, gamma, beta, param["G"], param)
    raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {kind!r}")


def norm_backward(dout, cache, kind):
    """The backward pass matching :func:`norm_forward`."""
    import sys
    this = sys.modules[__name__]
    return getattr(this, {"batchnorm": "batchnorm_backward", "layernorm": "layernorm_backward",
                          "groupnorm": "groupnorm_backward"}[kind])(dout, cache)


def affine_norm_act_forward(x, w, b, gamma, beta, kind, param, activation="relu"):
    """affine -> normalization (``kind``, or none when None) -> activation.

    Returns (out, cache); the cache is (affine cache, norm cache, activation cache, names).
    """
    from .layer_utils import _lookup
    forward, _ = _lookup(activation)
    a, fc_cache = layers.affine_forward(x, w, b)
    norm_cache = None
    if kind is not None:
        a, norm_cache = norm_forward(a, gamma, beta, kind, param)
    out, act_cache = forward(a)
    return out, (fc_cache, norm_cache, act_cache, kind, activation)


def affine_norm_act_backward(dout, cache):
    """Backward pass of :func:`affine_norm_act_forward`: returns (dx, dw, db, dgamma, dbeta);
    dgamma and dbeta are None without normalization."""
    from .layer_utils import _lookup
    fc_cache, norm_cache, act_cache, kind, activation = cache
    _, backward = _lookup(activation)
    da = backward(dout, act_cache)
    dgamma = dbeta = None
    if kind is not None:
        da, dgamma, dbeta = norm_backward(da, norm_cache, kind)
    dx, dw, db = layers.affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta

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

    ### BEGIN SOLUTION
    ### HINT: train: mean and variance over the batch (axis 0); np.var divides by N (biased) — keep it so.
    ### HINT: eps belongs INSIDE the square root, with the variance: then a feature whose variance is 0 still divides by a positive number.
    ### HINT: each running average keeps the share `momentum` of its old value and takes the rest from this batch's statistic; write both back into bn_param.
    ### HINT: test: normalise with running_mean and running_var, and do not update them.
    if mode == "train":
        mean = x.mean(axis=0)
        xc = x - mean
        var = np.mean(xc ** 2, axis=0)
        std = np.sqrt(var + eps)
        x_hat = xc / std
        out = gamma * x_hat + beta
        cache = (x_hat, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        std = np.sqrt(running_var + eps)
        x_hat = (x - running_mean) / std
        out = gamma * x_hat + beta
        cache = (x_hat, std, gamma)
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')
    ### END SOLUTION

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
    ### BEGIN SOLUTION
    ### HINT: dbeta and dgamma SUM over the batch (gamma and beta were used by all N rows).
    ### HINT: go through the stages in reverse (scale by gamma, multiply by 1/std, the reciprocal, the square root with eps, the variance as a mean of squares, the centring, the mean): each stage's local gradient times the upstream one.
    ### HINT: xc feeds two branches (x_hat and var): add their gradients; x feeds xc and mean.
    x_hat, std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    xc = x_hat * std                              # recover the centred input
    inv_std = 1.0 / std
    dinv_std = np.sum(dx_hat * xc, axis=0)        # x_hat = xc * inv_std
    dxc = dx_hat * inv_std
    dstd = -dinv_std / std ** 2                   # inv_std = 1 / std
    dvar = dstd * 0.5 / std                       # std = sqrt(var + eps)
    dxc += 2.0 * xc * dvar / N                    # var = mean(xc ** 2)
    dmean = -np.sum(dxc, axis=0)                  # xc = x - mean
    dx = dxc + dmean / N                          # mean = mean(x)
    return dx, dgamma, dbeta
    ### END SOLUTION


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization (training mode), in closed form.

    Work the derivative out on paper first: the gradient with respect to x simplifies to one
    expression in dout, x_hat, gamma and the standard deviation (no intermediate stages).

    Inputs / returns: as batchnorm_backward.
    """
    ### BEGIN SOLUTION
    ### HINT: on paper, dx comes out as (the gradient reaching x_hat) minus its batch mean, minus x_hat times the batch mean of (that gradient times x_hat), all divided by std; the means run over axis 0.
    x_hat, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    g = dout * gamma
    dx = (g - g.mean(axis=0) - x_hat * np.mean(g * x_hat, axis=0)) / std
    return dx, dgamma, dbeta
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### HINT: batch normalization over the OTHER axis: each example (row) gets its own mean and variance; keep their dimensions so they broadcast against x.
    ### HINT: gamma and beta still act per feature (shape (D,)), after the normalisation.
    mean = x.mean(axis=1, keepdims=True)
    xc = x - mean
    std = np.sqrt(np.mean(xc ** 2, axis=1, keepdims=True) + eps)
    x_hat = xc / std
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma)
    return out, cache
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### HINT: dgamma and dbeta still sum over the batch (axis 0), like batch normalization.
    ### HINT: dx: your batchnorm_backward_alt formula with the means taken over each row (axis 1).
    x_hat, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    g = dout * gamma
    dx = (g - g.mean(axis=1, keepdims=True)
          - x_hat * np.mean(g * x_hat, axis=1, keepdims=True)) / std
    return dx, dgamma, dbeta
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### HINT: a reshape to three axes (examples, groups, features of a group) puts each group of consecutive features on the last axis;
    ### HINT: normalise over that axis, reshape back to (N, D), then apply gamma and beta per feature.
    xg = x.reshape(N, G, D // G)
    mean = xg.mean(axis=2, keepdims=True)
    xc = xg - mean
    std = np.sqrt(np.mean(xc ** 2, axis=2, keepdims=True) + eps)
    x_hat = (xc / std).reshape(N, D)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma, G)
    return out, cache
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### HINT: dgamma and dbeta sum over the batch as before; for dx, bring the gradient reaching x_hat and x_hat itself into the three-axis group layout of the forward pass,
    ### HINT: use the layer-norm formula with the means taken within each group, and reshape back.
    x_hat, std, gamma, G = cache
    N, D = dout.shape
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    g = (dout * gamma).reshape(N, G, D // G)
    xh = x_hat.reshape(N, G, D // G)
    dx = (g - g.mean(axis=2, keepdims=True)
          - xh * np.mean(g * xh, axis=2, keepdims=True)) / std
    return dx.reshape(N, D), dgamma, dbeta
    ### END SOLUTION


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

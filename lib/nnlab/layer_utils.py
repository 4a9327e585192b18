"""Convenience layers: an affine layer followed by an activation, as one forward/backward pair.

Sandwiching layers this way keeps networks short to write: the cache of the pair is the tuple of
the caches of its parts, and the backward pass runs the parts' backward passes in reverse order.
"""
from .activations import ACTIVATIONS, relu_backward, relu_forward
from .layers import affine_backward, affine_forward


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: input, shape (N, d_1, ..., d_k).
    - w: weights, shape (D, M); b: biases, shape (M,).

    Returns a tuple of:
    - out: output of the ReLU, shape (N, M).
    - cache: what affine_relu_backward needs.
    """
    # Hint: call your affine_forward then relu_forward; the cache is the pair of their caches.
    raise NotImplementedError("affine_relu_forward is yours to write (nnlab/layer_utils.py). Hint: call your affine_forward then relu_forward; the cache is the pair of their caches.")


def affine_relu_backward(dout, cache):
    """Backward pass of the affine-ReLU pair.

    Inputs:
    - dout: upstream gradient, shape (N, M).
    - cache: from affine_relu_forward.

    Returns a tuple of:
    - dx: shape of x; dw: shape (D, M); db: shape (M,).
    """
    # Hint: the reverse order of the forward pass: relu_backward first, then affine_backward.
    raise NotImplementedError("affine_relu_backward is yours to write (nnlab/layer_utils.py). Hint: the reverse order of the forward pass: relu_backward first, then affine_backward.")


def _lookup(activation):
    try:
        return ACTIVATIONS[activation]
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"Unknown activation {activation!r}; choose one of: {known}") from None


def affine_act_forward(x, w, b, activation="relu"):
    """An affine layer followed by any activation named in ``activations.ACTIVATIONS``.

    Inputs:
    - x: input, shape (N, d_1, ..., d_k).
    - w: weights, shape (D, M); b: biases, shape (M,).
    - activation: a key of ACTIVATIONS, e.g. "relu", "gelu", "tanh".

    Returns a tuple of:
    - out: shape (N, M).
    - cache: (affine cache, activation cache, activation name).
    """
    forward, _ = _lookup(activation)
    a, fc_cache = affine_forward(x, w, b)
    out, act_cache = forward(a)
    return out, (fc_cache, act_cache, activation)


def affine_act_backward(dout, cache):
    """Backward pass of affine_act_forward.

    Inputs:
    - dout: upstream gradient, shape (N, M).
    - cache: from affine_act_forward.

    Returns a tuple of:
    - dx: shape of x; dw: shape (D, M); db: shape (M,).
    """
    fc_cache, act_cache, activation = cache
    _, backward = _lookup(activation)
    da = backward(dout, act_cache)
    return affine_backward(da, fc_cache)

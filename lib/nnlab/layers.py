"""Layers: forward and backward passes (cs231n-compatible).

``X_forward(x, ...)`` returns ``(out, cache)``; ``X_backward(dout, cache)`` returns the gradients
with respect to the inputs, in argument order.

For cs231n compatibility this module also re-exports every activation (``relu_forward``, ...),
the two losses, the normalization layers (lab 02) and dropout (lab 03), so
``from nnlab.layers import relu_forward, softmax_loss, batchnorm_forward`` works.
"""
import importlib

import numpy as np

# cs231n kept the activations and the losses in layers.py. We re-export them on first use (a
# module-level __getattr__, PEP 562) rather than importing them here, so that a mistake in one
# file (a syntax error in losses.py, say) does not stop this file from importing too.
_REEXPORTS = {
    "activations": (
        "ACTIVATIONS", "SELU_ALPHA", "SELU_SCALE", "elu_backward",
        "elu_forward", "gelu_backward", "gelu_forward", "leaky_relu_backward",
        "leaky_relu_forward", "maxout_backward", "maxout_forward", "prelu_backward",
        "prelu_forward", "relu_backward", "relu_forward", "selu_backward",
        "selu_forward", "sigmoid_backward", "sigmoid_forward", "swish_backward",
        "swish_forward", "tanh_backward", "tanh_forward",),
    "losses": ("softmax_loss", "svm_loss"),
    "normalization": (
        "batchnorm_backward", "batchnorm_backward_alt", "batchnorm_forward",
        "groupnorm_backward", "groupnorm_forward", "layernorm_backward", "layernorm_forward"),
    "dropout": ("dropout_forward", "dropout_backward"),
}


def __getattr__(name):
    for module, names in _REEXPORTS.items():
        if name in names:
            return getattr(importlib.import_module(f".{module}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def affine_forward(x, w, b):
    """Affine (fully connected) layer: out = x @ w + b, with x flattened per example.

    x holds a minibatch of N examples, each of shape (d_1, ..., d_k); each example is reshaped
    into a vector of dimension D = d_1 * ... * d_k before the product.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k).
    - w: weights, array of shape (D, M).
    - b: biases, array of shape (M,).

    Returns a tuple of:
    - out: array of shape (N, M).
    - cache: what affine_backward needs.
    """
    # Hint: flatten each example into one row, an (N, D) matrix (reshape infers D from a -1); b broadcasts over the N rows.
    # Hint: cache the ORIGINAL x (not the reshaped one) together with w and b.
    raise NotImplementedError("affine_forward is yours to write (nnlab/layers.py). Hint: flatten each example into one row, an (N, D) matrix (reshape infers D from a -1); b broadcasts over the N rows.")


def affine_backward(dout, cache):
    """Backward pass of the affine layer.

    Inputs:
    - dout: upstream gradient of shape (N, M).
    - cache: from affine_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, d_1, ..., d_k) like x.
    - dw: gradient with respect to w, shape (D, M).
    - db: gradient with respect to b, shape (M,).
    """
    # Hint: let the shapes guide you: dx must be (N, D) before you reshape it back to x.shape, and dw must be (D, M) like w; each is one matrix product of dout with a transpose.
    # Hint: b was added to every row, so db sums dout over the batch axis.
    raise NotImplementedError("affine_backward is yours to write (nnlab/layers.py). Hint: let the shapes guide you: dx must be (N, D) before you reshape it back to x.shape, and dw must be (D, M) like w; each is one matrix product of dout with a transpose.")

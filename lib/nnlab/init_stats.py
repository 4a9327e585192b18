"""Activation and gradient statistics of a deep stack of layers (lab 05).

The lecture's experiment: push a batch of unit-Gaussian data through a deep stack of affine
layers without biases, each followed by a nonlinearity,

    h_0 = x,   z_l = h_{l-1} @ W_l,   h_l = f(z_l),   l = 1 .. L,

and watch the distribution of the activations h_l layer by layer (does it collapse to 0,
saturate at +-1, or stay steady?). Backwards, a gradient dout = dLoss/dh_L flows down the same
stack; dLoss/dW_l tells how much layer l can learn.

Shapes: x (N, D); weights a list of L arrays, weights[l] of shape (H_l, H_{l+1}) with H_0 = D
(the shapes ``nnlab.initializers`` return); h_l of shape (N, H_{l+1}).
"""
import numpy as np

from .initializers import get_initializer

#: the nonlinearities of the experiment: name -> f(z)
ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(0.0, z),
    "linear": lambda z: z,
}


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, "
                         f"got {activation!r}")


def activation_statistics(x, weights, activation="tanh"):
    """Forward ``x`` through the stack and measure every layer's activations.

    Inputs:
    - x: array of shape (N, D), the input batch
    - weights: list of L arrays, weights[l] of shape (H_l, H_{l+1}), H_0 = D (no biases)
    - activation: "tanh", "relu" or "linear", the nonlinearity f after every layer
      (``ACTIVATIONS[activation]`` computes it)

    Returns a tuple (means, stds, activations):
    - means: array of shape (L,), means[l] the mean of ALL entries of h_{l+1} = f(z_{l+1})
    - stds: array of shape (L,), stds[l] their standard deviation (np.std of every entry, as the
      lecture prints it)
    - activations: list of L arrays, the activations h_1 .. h_L, each of shape (N, H_{l+1})

    x and the weights are not modified.
    """
    _check_activation(activation)
    # Hint: each layer's input is the previous layer's output AFTER the nonlinearity
    # Hint: one mean and one std per layer, over every entry of the (N, H) activations, not per unit
    raise NotImplementedError("activation_statistics is yours to write (nnlab/init_stats.py). Hint: each layer's input is the previous layer's output AFTER the nonlinearity")


def gradient_statistics(x, weights, dout, activation="tanh"):
    """Backpropagate ``dout`` through the stack and measure the gradient of every weight matrix.

    The loss is sum(dout * h_L) (dout is the upstream gradient dLoss/dh_L), so going down the
    stack, for l = L .. 1:

        dz_l = dh_l * f'(z_l),   dW_l = h_{l-1}.T @ dz_l,   dh_{l-1} = dz_l @ W_l.T

    Inputs:
    - x, weights, activation: as in ``activation_statistics``
    - dout: array of shape (N, H_L), the gradient of the loss with respect to the last layer's
      activations h_L

    Returns grad_stds, an array of shape (L,): grad_stds[l] is the standard deviation of all the
    entries of dLoss/dW_{l+1} (same shape as weights[l]), first layer first. Near 0: the layer
    barely learns (vanishing gradients); growing down the stack: exploding gradients.

    x, the weights and dout are not modified.
    """
    _check_activation(activation)
    # Hint: a forward pass first, keeping every layer's input and output (the backward pass needs them)
    # Hint: tanh'(z) = 1 - tanh(z)**2 and relu'(z) = 1 where z > 0, else 0
    raise NotImplementedError("gradient_statistics is yours to write (nnlab/init_stats.py). Hint: a forward pass first, keeping every layer's input and output (the backward pass needs them)")


def deep_stack(initializer, n_layers=10, width=500, input_dim=500, seed=None, **kwargs):
    """The weights of the lecture's stack: ``n_layers`` matrices made by ``initializer`` (a name
    of ``nnlab.initializers.INITIALIZERS`` or a callable ``f(fan_in, fan_out, rng=...)``),
    shapes (input_dim, width), (width, width), ...; ``kwargs`` go to the initializer (std=...).

    One Generator seeded with ``seed`` feeds every layer, so a seed repeats the whole stack."""
    init = get_initializer(initializer)
    rng = np.random.default_rng(seed)
    dims = [input_dim] + [width] * n_layers
    return [init(dims[i], dims[i + 1], rng=rng, **kwargs) for i in range(n_layers)]

"""Activation functions: forward and backward passes.

Every activation follows the cs231n layer convention:

- ``X_forward(x, ...)`` returns ``(out, cache)``: the output, and whatever the backward pass
  needs to remember about this call.
- ``X_backward(dout, cache)`` returns ``dx`` (the upstream gradient ``dout`` times the local
  derivative), or a tuple of gradients in argument order when the activation has parameters.

Unless a docstring says otherwise, ``x`` may have any shape and ``out``, ``dout`` and ``dx`` all
have the shape of ``x``. Everything is computed in float64 when the inputs are float64.
"""
import numpy as np

from .mathutils import erf

#: Constants of SELU (Klambauer et al., 2017), chosen so activations keep zero mean and unit
#: variance from layer to layer.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# --------------------------------------------------------------------------------------------
# ReLU family
# --------------------------------------------------------------------------------------------

def relu_forward(x):
    """ReLU: out = max(0, x), elementwise.

    Inputs:
    - x: array of any shape.

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: what relu_backward needs.
    """
    # Hint: ReLU keeps the positive entries and sets the others to 0: one elementwise numpy call does it (Python's max does not). Keep x in the cache for the backward pass.
    raise NotImplementedError("relu_forward is yours to write (nnlab/activations.py). Hint: ReLU keeps the positive entries and sets the others to 0: one elementwise numpy call does it (Python's max does not). Keep x in the cache for the backward pass.")


def relu_backward(dout, cache):
    """Backward pass of ReLU.

    Inputs:
    - dout: upstream gradient, same shape as x.
    - cache: from relu_forward.

    Returns:
    - dx: gradient with respect to x, same shape as x. At x == 0 we use the subgradient 0.
    """
    # Hint: the gradient passes through where the INPUT x was positive and is zero elsewhere: build the mask from the cached x, not from dout.
    raise NotImplementedError("relu_backward is yours to write (nnlab/activations.py). Hint: the gradient passes through where the INPUT x was positive and is zero elsewhere: build the mask from the cached x, not from dout.")


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU: out = x where x > 0, alpha * x elsewhere.

    Inputs:
    - x: array of any shape.
    - alpha: slope for negative inputs (a small positive float).

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: what leaky_relu_backward needs.
    """
    # Hint: positive entries pass unchanged, the others are multiplied by alpha (np.where picks elementwise); the backward pass needs x and alpha.
    raise NotImplementedError("leaky_relu_forward is yours to write (nnlab/activations.py). Hint: positive entries pass unchanged, the others are multiplied by alpha (np.where picks elementwise); the backward pass needs x and alpha.")


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU.

    Returns:
    - dx: same shape as x; the local slope is 1 where x > 0 and alpha elsewhere.
    """
    # Hint: the local derivative is 1 where x > 0 and alpha elsewhere.
    raise NotImplementedError("leaky_relu_backward is yours to write (nnlab/activations.py). Hint: the local derivative is 1 where x > 0 and alpha elsewhere.")


def prelu_forward(x, alpha):
    """Parametric ReLU (He et al., 2015): leaky ReLU whose slope is learned, one per feature.

    Inputs:
    - x: array of shape (N, D).
    - alpha: array of shape (D,), the negative-side slope of each feature.

    Returns a tuple of:
    - out: array of shape (N, D); out[n, d] = x[n, d] if x[n, d] > 0 else alpha[d] * x[n, d].
    - cache: what prelu_backward needs.
    """
    # Hint: alpha of shape (D,) broadcasts across the N rows of x; cache x and alpha.
    raise NotImplementedError("prelu_forward is yours to write (nnlab/activations.py). Hint: alpha of shape (D,) broadcasts across the N rows of x; cache x and alpha.")


def prelu_backward(dout, cache):
    """Backward pass of PReLU.

    Inputs:
    - dout: upstream gradient of shape (N, D).
    - cache: from prelu_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D).
    - dalpha: gradient with respect to alpha, shape (D,).
    """
    # Hint: d out / d alpha is x where x <= 0 and 0 elsewhere.
    # Hint: alpha is shared by all N rows, so dalpha sums over the batch axis (axis=0).
    raise NotImplementedError("prelu_backward is yours to write (nnlab/activations.py). Hint: d out / d alpha is x where x <= 0 and 0 elsewhere.")


# --------------------------------------------------------------------------------------------
# Exponential linear units
# --------------------------------------------------------------------------------------------

def elu_forward(x, alpha=1.0):
    """ELU (Clevert et al., 2015): out = x where x > 0, alpha * (exp(x) - 1) elsewhere.

    Inputs:
    - x: array of any shape.
    - alpha: value the output saturates to (as -alpha) for very negative x.

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: what elu_backward needs.
    """
    # Hint: for x <= 0 the output is alpha * (exp(x) - 1); np.expm1(z) computes exp(z) - 1 accurately when z is small.
    # Hint: Trap: np.where computes BOTH branches for every element before it picks, so exp of a large positive x overflows in the branch you discard: only ever exponentiate non-positive numbers.
    raise NotImplementedError("elu_forward is yours to write (nnlab/activations.py). Hint: for x <= 0 the output is alpha * (exp(x) - 1); np.expm1(z) computes exp(z) - 1 accurately when z is small.")


def elu_backward(dout, cache):
    """Backward pass of ELU.

    Returns:
    - dx: same shape as x; the local derivative is 1 where x > 0 and alpha * exp(x) elsewhere.
    """
    # Hint: for x <= 0, alpha * exp(x) equals out + alpha, so no new exponential is needed.
    raise NotImplementedError("elu_backward is yours to write (nnlab/activations.py). Hint: for x <= 0, alpha * exp(x) equals out + alpha, so no new exponential is needed.")


def selu_forward(x):
    """SELU (Klambauer et al., 2017): out = SELU_SCALE * elu(x, alpha=SELU_ALPHA).

    Inputs:
    - x: array of any shape.

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: what selu_backward needs.
    """
    # Hint: SELU is a scaled ELU: reuse your elu_forward with SELU's alpha and multiply its output by SELU's scale; ELU's cache can serve as SELU's.
    raise NotImplementedError("selu_forward is yours to write (nnlab/activations.py). Hint: SELU is a scaled ELU: reuse your elu_forward with SELU's alpha and multiply its output by SELU's scale; ELU's cache can serve as SELU's.")


def selu_backward(dout, cache):
    """Backward pass of SELU.

    Returns:
    - dx: same shape as x.
    """
    # Hint: out = scale * elu(x), so by the chain rule the scale multiplies the upstream gradient on its way into your elu_backward.
    raise NotImplementedError("selu_backward is yours to write (nnlab/activations.py). Hint: out = scale * elu(x), so by the chain rule the scale multiplies the upstream gradient on its way into your elu_backward.")


# --------------------------------------------------------------------------------------------
# GELU
# --------------------------------------------------------------------------------------------

def gelu_forward(x):
    """GELU (Hendrycks & Gimpel, 2016), exact form: out = x * Phi(x).

    Phi is the standard normal CDF, Phi(x) = 0.5 * (1 + erf(x / sqrt(2))); use
    ``nnlab.mathutils.erf`` (imported here as ``erf``) since numpy has no erf.

    Inputs:
    - x: array of any shape.

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: what gelu_backward needs.
    """
    # Hint: build Phi from the docstring's formula with erf (numpy has none); out is x times Phi, and the backward pass needs both x and Phi.
    raise NotImplementedError("gelu_forward is yours to write (nnlab/activations.py). Hint: build Phi from the docstring's formula with erf (numpy has none); out is x times Phi, and the backward pass needs both x and Phi.")


def gelu_backward(dout, cache):
    """Backward pass of exact GELU.

    Returns:
    - dx: same shape as x; d/dx [x * Phi(x)] = Phi(x) + x * phi(x), with phi the normal pdf.
    """
    # Hint: product rule on x times Phi(x); the derivative of Phi is the standard normal density, e^(-x²/2) / √(2π).
    raise NotImplementedError("gelu_backward is yours to write (nnlab/activations.py). Hint: product rule on x times Phi(x); the derivative of Phi is the standard normal density, e^(-x²/2) / √(2π).")


# --------------------------------------------------------------------------------------------
# Sigmoid, tanh and Swish
# --------------------------------------------------------------------------------------------

def sigmoid_forward(x):
    """Logistic sigmoid: out = 1 / (1 + exp(-x)), numerically stable for any float64 x.

    Inputs:
    - x: array of any shape.

    Returns a tuple of:
    - out: array of the same shape as x, values in [0, 1].
    - cache: what sigmoid_backward needs.
    """
    # Hint: sigmoid has two equal forms, 1 / (1 + e^-x) and e^x / (1 + e^x): use each where its exponent is never positive (the sign of x decides).
    # Hint: Trap: np.exp(-x) overflows (a RuntimeWarning) for x below about -710, even in a branch np.where then discards.
    # Hint: The backward pass needs only the output: cache out.
    raise NotImplementedError("sigmoid_forward is yours to write (nnlab/activations.py). Hint: sigmoid has two equal forms, 1 / (1 + e^-x) and e^x / (1 + e^x): use each where its exponent is never positive (the sign of x decides).")


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid.

    Returns:
    - dx: same shape as x; the local derivative is out * (1 - out).
    """
    # Hint: sigma'(x) = sigma(x) * (1 - sigma(x)), from the cached output.
    raise NotImplementedError("sigmoid_backward is yours to write (nnlab/activations.py). Hint: sigma'(x) = sigma(x) * (1 - sigma(x)), from the cached output.")


def tanh_forward(x):
    """Hyperbolic tangent: out = tanh(x), elementwise.

    Returns a tuple of:
    - out: array of the same shape as x, values in [-1, 1].
    - cache: what tanh_backward needs.
    """
    # Hint: numpy's tanh is stable for every x; cache the output: the backward pass needs only it.
    raise NotImplementedError("tanh_forward is yours to write (nnlab/activations.py). Hint: numpy's tanh is stable for every x; cache the output: the backward pass needs only it.")


def tanh_backward(dout, cache):
    """Backward pass of tanh.

    Returns:
    - dx: same shape as x; the local derivative is 1 - out**2.
    """
    # Hint: tanh'(x) = 1 - tanh(x)**2, from the cached output.
    raise NotImplementedError("tanh_backward is yours to write (nnlab/activations.py). Hint: tanh'(x) = 1 - tanh(x)**2, from the cached output.")


def swish_forward(x, beta=1.0):
    """Swish (Ramachandran et al., 2017): out = x * sigmoid(beta * x). beta=1 is also called SiLU.

    Inputs:
    - x: array of any shape.
    - beta: a fixed (not learned here) float.

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: what swish_backward needs.
    """
    # Hint: swish is x times the sigmoid of beta times x: reuse your stable sigmoid_forward rather than a new np.exp; the backward pass needs x, that sigmoid and beta.
    raise NotImplementedError("swish_forward is yours to write (nnlab/activations.py). Hint: swish is x times the sigmoid of beta times x: reuse your stable sigmoid_forward rather than a new np.exp; the backward pass needs x, that sigmoid and beta.")


def swish_backward(dout, cache):
    """Backward pass of Swish (with respect to x only; beta is not learned).

    Returns:
    - dx: same shape as x.
    """
    # Hint: product rule on x times s(beta x), with the chain rule through beta x for the sigmoid factor (s' = s (1 - s)); then multiply by dout.
    raise NotImplementedError("swish_backward is yours to write (nnlab/activations.py). Hint: product rule on x times s(beta x), with the chain rule through beta x for the sigmoid factor (s' = s (1 - s)); then multiply by dout.")


# --------------------------------------------------------------------------------------------
# Maxout
# --------------------------------------------------------------------------------------------

def maxout_forward(x, w, b):
    """Maxout (Goodfellow et al., 2013): the maximum of k affine pieces, per output unit.

    out[n, m] = max over j in 0..k-1 of ( x[n] @ w[:, j, m] + b[j, m] )

    Inputs:
    - x: array of shape (N, D).
    - w: array of shape (D, k, M), the weights of the k pieces of each of the M units.
    - b: array of shape (k, M), their biases.

    Returns a tuple of:
    - out: array of shape (N, M).
    - cache: what maxout_backward needs.
    """
    # Hint: compute all k pieces at once as one (N, k, M) array: np.einsum with the index letters of x, w and the result (or a matmul and a reshape); b broadcasts.
    # Hint: out is the largest piece for every (n, m); the backward pass needs which piece won (np.argmax), x and w.
    raise NotImplementedError("maxout_forward is yours to write (nnlab/activations.py). Hint: compute all k pieces at once as one (N, k, M) array: np.einsum with the index letters of x, w and the result (or a matmul and a reshape); b broadcasts.")


def maxout_backward(dout, cache):
    """Backward pass of maxout.

    Inputs:
    - dout: upstream gradient of shape (N, M).
    - cache: from maxout_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D).
    - dw: gradient with respect to w, shape (D, k, M).
    - db: gradient with respect to b, shape (k, M).
    """
    # Hint: only the winning piece of each (n, m) gets the gradient; the others get zero.
    # Hint: Scatter dout into zeros dz of shape (N, k, M) (np.put_along_axis), then backprop z = x w + b.
    raise NotImplementedError("maxout_backward is yours to write (nnlab/activations.py). Hint: only the winning piece of each (n, m) gets the gradient; the others get zero.")


#: Activations that take only x (their other parameters keep their defaults), by name:
#: name -> (forward, backward). Used by ``layer_utils.affine_act_forward`` and ``FullyConnectedNet``.
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
    "selu": (selu_forward, selu_backward),
    "gelu": (gelu_forward, gelu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "swish": (swish_forward, swish_backward),
}

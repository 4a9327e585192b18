"""Weight initializers (lab 05).

Every initializer has the signature

    W = initializer(fan_in, fan_out, ..., rng=None)

and returns a NEW float64 array of shape (fan_in, fan_out): the weight matrix of an affine layer
``out = x @ W + b`` with fan_in inputs and fan_out outputs, as cs231n's ``FullyConnectedNet``
stores it (``W1`` has shape (input_dim, H1)).

- fan_in, fan_out: positive ints, the number of inputs and of outputs of the layer.
- rng: where the random numbers come from: None (fresh randomness), an int seed (the same seed
  gives the same matrix), or a ``np.random.Generator`` (drawn from, so consecutive calls differ).
  ``np.random.default_rng(rng)`` accepts all three and returns a Generator.
- mode: which fan sets the scale: "fan_in", "fan_out" or "avg" ((fan_in + fan_out) / 2).

Scales (Var[W] is the variance of each entry; a uniform on [-b, b] has variance b**2 / 3):

| initializer | normal: std | uniform: bound b |
| --- | --- | --- |
| Xavier / Glorot (Glorot & Bengio, 2010) | sqrt(1 / fan) | sqrt(3 / fan) |
| He / Kaiming (He et al., 2015), gain sqrt(2) for ReLU | sqrt(2 / fan) | sqrt(6 / fan) |

with fan = fan_in, fan_out or (fan_in + fan_out) / 2 by ``mode``; Glorot's own choice is
mode="avg": std sqrt(2 / (fan_in + fan_out)), bound sqrt(6 / (fan_in + fan_out)). He's default is
mode="fan_in" (keeps the forward activations' variance), "fan_out" keeps the backward
gradients' variance instead.
"""
import numpy as np

#: the fan modes every scaled initializer accepts
FAN_MODES = ("fan_in", "fan_out", "avg")


def _check_shape(fan_in, fan_out):
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def _check_mode(mode):
    if mode not in FAN_MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, FAN_MODES))}, got {mode!r}")


def constant(fan_in, fan_out, value=0.0, rng=None):
    """Every weight equal to ``value`` (rng is accepted and ignored, like every initializer's).

    Returns a float64 array of shape (fan_in, fan_out). With value 0 (``zeros``) every hidden
    unit computes the same function and receives the same gradient: they never become different
    (the symmetry problem; the notebook shows it).
    """
    _check_shape(fan_in, fan_out)
    ### BEGIN SOLUTION
    ### HINT: make the array with an explicit float64 dtype: an int value must not give an int array
    return np.full((fan_in, fan_out), value, dtype=np.float64)
    ### END SOLUTION


def zeros(fan_in, fan_out, rng=None):
    """All weights 0: ``constant(fan_in, fan_out, 0.0)``."""
    return constant(fan_in, fan_out, 0.0)


def gaussian(fan_in, fan_out, std=0.01, rng=None):
    """Small random numbers: each weight drawn from N(0, std**2), independently.

    - std: float, the STANDARD DEVIATION of each weight (the lecture's first idea: 0.01).

    Returns a float64 array of shape (fan_in, fan_out).
    """
    _check_shape(fan_in, fan_out)
    ### BEGIN SOLUTION
    ### HINT: draw from the Generator that rng names (numpy's default_rng accepts None, a seed or a Generator), never from np.random's global functions
    ### HINT: a standard normal draw times std has standard deviation std (not variance std)
    rng = np.random.default_rng(rng)
    return std * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION


def xavier_normal(fan_in, fan_out, mode="avg", rng=None):
    """Xavier/Glorot normal: N(0, 1 / fan) with fan chosen by ``mode`` (see the module docstring).

    mode="avg" gives Glorot's std sqrt(2 / (fan_in + fan_out)); mode="fan_in" gives the
    lecture's ``np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)``.

    Returns a float64 array of shape (fan_in, fan_out).
    """
    _check_shape(fan_in, fan_out)
    _check_mode(mode)
    ### BEGIN SOLUTION
    ### HINT: first the fan the mode names (avg: the mean of fan_in and fan_out), then the std from it
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    rng = np.random.default_rng(rng)
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan)
    ### END SOLUTION


def xavier_uniform(fan_in, fan_out, mode="avg", rng=None):
    """Xavier/Glorot uniform: U(-b, b) with b = sqrt(3 / fan), the same variance 1 / fan as
    ``xavier_normal`` (a uniform on [-b, b] has variance b**2 / 3).

    mode="avg" gives Glorot's bound sqrt(6 / (fan_in + fan_out)).

    Returns a float64 array of shape (fan_in, fan_out).
    """
    _check_shape(fan_in, fan_out)
    _check_mode(mode)
    ### BEGIN SOLUTION
    ### HINT: choose the bound so that the VARIANCE b**2 / 3 equals 1 / fan; the interval is symmetric about 0
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(3.0 / fan)
    rng = np.random.default_rng(rng)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
    ### END SOLUTION


def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    """He/Kaiming normal for ReLU networks: N(0, 2 / fan), the gain sqrt(2) making up for the
    half of the units a ReLU sets to 0.

    The lecture's slide writes ``np.random.randn(fan_in, fan_out) / np.sqrt(2/fan_in)``; its
    numbers come from MULTIPLYING by np.sqrt(2/fan_in) (a typo on the slide).

    Returns a float64 array of shape (fan_in, fan_out).
    """
    _check_shape(fan_in, fan_out)
    _check_mode(mode)
    ### BEGIN SOLUTION
    ### HINT: the variance is 2 / fan, so the standard deviation is its square root
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    rng = np.random.default_rng(rng)
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan)
    ### END SOLUTION


def he_uniform(fan_in, fan_out, mode="fan_in", rng=None):
    """He/Kaiming uniform: U(-b, b) with b = sqrt(6 / fan), the variance 2 / fan of
    ``he_normal``.

    Returns a float64 array of shape (fan_in, fan_out).
    """
    _check_shape(fan_in, fan_out)
    _check_mode(mode)
    ### BEGIN SOLUTION
    ### HINT: the same variance as he_normal: b**2 / 3 = 2 / fan
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(6.0 / fan)
    rng = np.random.default_rng(rng)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
    ### END SOLUTION


#: name -> initializer, for ``FullyConnectedNet(initializer="he_normal")`` and the experiments
INITIALIZERS = {
    "zeros": zeros, "constant": constant, "gaussian": gaussian,
    "xavier_normal": xavier_normal, "xavier_uniform": xavier_uniform,
    "he_normal": he_normal, "he_uniform": he_uniform,
}


def get_initializer(initializer):
    """``initializer`` as a function ``f(fan_in, fan_out, rng=...)``: a name of INITIALIZERS or
    a callable, returned as it is."""
    if callable(initializer):
        return initializer
    if initializer in INITIALIZERS:
        return INITIALIZERS[initializer]
    raise ValueError(f"unknown initializer {initializer!r}; choose a callable or one of: "
                     + ", ".join(INITIALIZERS))

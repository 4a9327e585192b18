"""Trusted implementations of the statistics mistakes the grader can name (lab 05).

Each returns what a student's function making exactly that mistake (and no other) returns, so
``compare(..., hints=...)`` can say its name when the student's output matches.
"""
import numpy as np

_F = {"tanh": np.tanh, "relu": lambda z: np.maximum(0.0, z), "linear": lambda z: z}


def _forward(x, weights, activation, record="h"):
    """Per layer: (input, pre-activation z, activation h)."""
    f = _F[activation]
    h, layers = x, []
    for W in weights:
        z = h @ W
        out = f(z)
        layers.append((h, z, out))
        h = out
    return layers


def activation_mistakes(x, weights, activation):
    """{output: [(candidate, message)]} for activation_statistics' outputs means, stds,
    activations (the list as one concatenated array)."""
    layers = _forward(x, weights, activation)
    hs = [h for _, _, h in layers]
    zs = [z for _, z, _ in layers]
    out = {"means": [], "stds": [], "activations": []}
    out["stds"].append((np.array([np.std(h, axis=0).mean() for h in hs]),
                        "is the std over the wrong axis: one std per unit averaged; the lecture's "
                        "std is over EVERY entry of the layer's (N, H) activations"))
    out["stds"].append((np.array([np.std(h, axis=1).mean() for h in hs]),
                        "is the std over the wrong axis: one std per example averaged; take it "
                        "over every entry of the layer's activations"))
    out["stds"].append((np.array([np.std(z) for z in zs]),
                        "is the std of the pre-activations z = h @ W: measure the activations "
                        "AFTER the nonlinearity"))
    out["means"].append((np.array([np.mean(z) for z in zs]),
                         "is the mean of the pre-activations z = h @ W: measure the activations "
                         "AFTER the nonlinearity"))
    out["stds"].append((np.array([np.var(h) for h in hs]),
                        "is the variance: the table lists the standard deviation"))
    if activation != "linear":
        out["activations"].append((np.concatenate([z.ravel() for z in zs]),
                                    "are the pre-activations z = h @ W: return f(z)"))
    return out


def gradient_mistakes(x, weights, dout, activation):
    """[(candidate, message)] for gradient_statistics' grad_stds."""
    layers = _forward(x, weights, activation)
    L = len(weights)

    def backward(derivative, quantity="dW"):
        stds = np.empty(L)
        dh = dout
        for l in range(L - 1, -1, -1):
            h_in, z, h = layers[l]
            dz = dh * derivative(z, h)
            stds[l] = {"dW": lambda: np.std(h_in.T @ dz), "dz": lambda: np.std(dz),
                       "dh": lambda: np.std(dh),
                       "axis": lambda: np.std(h_in.T @ dz, axis=0).mean()}[quantity]()
            dh = dz @ weights[l].T
        return stds

    right = {"tanh": lambda z, h: 1.0 - h ** 2, "relu": lambda z, h: (z > 0).astype(float),
             "linear": lambda z, h: np.ones_like(z)}[activation]
    found = [
        (backward(right, "dz"), "is the std of the gradient with respect to the "
                                "PRE-ACTIVATIONS dz: measure the gradient of the WEIGHTS, "
                                "dW = h_in.T @ dz"),
        (backward(right, "dh"), "is the std of the gradient with respect to the activations "
                                "dh: measure the gradient of the WEIGHTS, dW = h_in.T @ dz"),
        (backward(right, "axis"), "is the std over the wrong axis: take it over every entry of "
                                  "dW"),
        (backward(right)[::-1], "lists the layers in reverse order: grad_stds[0] is the FIRST "
                                "layer's (the backward pass visits the last layer first)"),
    ]
    if activation == "relu":      # h >= 0 always holds: the same as no derivative at all
        found.append((backward(lambda z, h: np.ones_like(z)),
                      "passes the gradient through every unit: relu's derivative is 1 where z > "
                      "0 and 0 elsewhere (missing, or written as h >= 0, which always holds)"))
    if activation == "tanh":
        found.append((backward(lambda z, h: np.ones_like(z)),
                      "is missing the nonlinearity's derivative: multiply dh by f'(z) before "
                      "going through the layer"))
        found.append((backward(lambda z, h: 1.0 - z ** 2),
                      "uses 1 - z**2 as tanh's derivative: it is 1 - tanh(z)**2, 1 - h**2 in "
                      "terms of the layer's output"))
    return found

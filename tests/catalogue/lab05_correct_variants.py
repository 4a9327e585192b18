"""Correct lab-05 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package (replacing the functions it defines); every function in ``functions`` must still get FULL
marks: a correct initializer draws DIFFERENT numbers from the reference (another sampler, another
order), and the hidden checks judge its distribution, so none of this may cost anything.
"""
from .entries import Variant


VARIANTS = [
    Variant("constant_ones_times_value", "np.ones(...) * value, then astype(float)",
            "initializers", '''
def constant(fan_in, fan_out, value=0.0, rng=None):
    return (np.ones((fan_in, fan_out)) * value).astype(float)
''', ("constant",)),

    Variant("gaussian_rng_normal", "rng.normal(0, std, size) instead of std * standard_normal",
            "initializers", '''
def gaussian(fan_in, fan_out, std=0.01, rng=None):
    gen = np.random.default_rng(rng)
    return gen.normal(loc=0.0, scale=std, size=(fan_in, fan_out))
''', ("gaussian",)),

    Variant("xavier_normal_mean_of_fans", "std 1 / sqrt(np.mean([fan_in, fan_out])), drawn with "
            "rng.normal and a transposed draw .T", "initializers", '''
def xavier_normal(fan_in, fan_out, mode="avg", rng=None):
    if mode == "avg":
        fan = np.mean([fan_in, fan_out])
    elif mode == "fan_in":
        fan = fan_in
    else:
        fan = fan_out
    g = np.random.default_rng(rng)
    return g.normal(0.0, 1.0 / np.sqrt(fan), size=(fan_out, fan_in)).T
''', ("xavier_normal",)),

    Variant("xavier_uniform_two_u_minus_one", "(2 * rng.random(...) - 1) * bound, with Glorot's "
            "sqrt(6 / (fan_in + fan_out)) written out", "initializers", '''
def xavier_uniform(fan_in, fan_out, mode="avg", rng=None):
    rng = np.random.default_rng(rng)
    if mode == "avg":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
    else:
        bound = np.sqrt(3.0 / (fan_in if mode == "fan_in" else fan_out))
    return (2.0 * rng.random((fan_in, fan_out)) - 1.0) * bound
''', ("xavier_uniform",)),

    Variant("he_normal_legacy_randomstate", "np.random.RandomState(rng).randn(...) * sqrt(2 / fan)",
            "initializers", '''
def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    fan = dict(fan_in=fan_in, fan_out=fan_out, avg=0.5 * (fan_in + fan_out))[mode]
    state = np.random.RandomState(rng)
    return state.randn(fan_in, fan_out) * np.sqrt(2.0 / fan)
''', ("he_normal",)),

    Variant("he_uniform_from_he_std", "the bound from He's std: sqrt(3) * sqrt(2 / fan)",
            "initializers", '''
def he_uniform(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out}.get(mode, (fan_in + fan_out) / 2)
    std = np.sqrt(2.0 / fan)
    return np.random.default_rng(rng).uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std,
                                              size=(fan_in, fan_out))
''', ("he_uniform",)),

    Variant("act_stats_by_hand", "a dict of layers, mean and std written out with sums",
            "init_stats", '''
def activation_statistics(x, weights, activation="tanh"):
    f = ACTIVATIONS[activation]
    hs = {}
    for i, W in enumerate(weights):
        hs[i] = f(np.dot(x if i == 0 else hs[i - 1], W))
    acts = [hs[i] for i in range(len(weights))]
    means = np.array([a.sum() / a.size for a in acts])
    stds = np.array([np.sqrt(((a - a.sum() / a.size) ** 2).sum() / a.size) for a in acts])
    return means, stds, acts
''', ("activation_statistics",)),

    Variant("grad_stats_tanh_of_z", "tanh' as 1 - np.tanh(z)**2 and relu' as np.heaviside(z, 0),"
            " z kept from the forward pass", "init_stats", '''
def gradient_statistics(x, weights, dout, activation="tanh"):
    f = ACTIVATIONS[activation]
    ins, zs = [], []
    h = x
    for W in weights:
        ins.append(h)
        zs.append(h @ W)
        h = f(zs[-1])
    grads = [None] * len(weights)
    dh = dout
    for l in range(len(weights) - 1, -1, -1):
        z = zs[l]
        if activation == "tanh":
            dz = dh * (1.0 - np.tanh(z) ** 2)
        elif activation == "relu":
            dz = dh * np.heaviside(z, 0.0)
        else:
            dz = dh
        grads[l] = np.dot(ins[l].T, dz).std()
        dh = np.dot(dz, weights[l].T)
    return np.array(grads)
''', ("gradient_statistics",)),
]

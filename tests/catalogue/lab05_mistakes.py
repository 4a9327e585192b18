"""The PUBLIC catalogue of realistic lab-05 mistakes the trusted grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The graded
``function`` must then lose points (and no other function may), and the feedback for it must
contain ``expect`` (case-insensitive): the words that name the mistake.

Where they come from: students' cs231n and weight-init code (the lecture's own He typo, fans
swapped when W is stored (fan_out, fan_in) as in PyTorch, np.random used despite an rng
argument, sqrt forgotten or doubled, uniform bounds copied from the normal formula).
"""
from .entries import Mistake


MISTAKES = [
    # ------------------------------------------------------------------ constant
    Mistake("constant_int_dtype", "np.full with the caller's int value: an int64 matrix",
            "initializers", '''
def constant(fan_in, fan_out, value=0.0, rng=None):
    return np.full((fan_in, fan_out), value)
''', "constant", "float64"),

    # ------------------------------------------------------------------ gaussian
    Mistake("gaussian_variance_as_std", "rng.normal(0, std**2): the variance passed as the scale",
            "initializers", '''
def gaussian(fan_in, fan_out, std=0.01, rng=None):
    rng = np.random.default_rng(rng)
    return rng.normal(0.0, std ** 2, size=(fan_in, fan_out))
''', "gaussian", "std vs variance"),

    Mistake("gaussian_global_rng", "np.random.randn: the rng argument ignored", "initializers", '''
def gaussian(fan_in, fan_out, std=0.01, rng=None):
    return np.random.randn(fan_in, fan_out) * std
''', "gaussian", "rng argument is ignored"),

    # ------------------------------------------------------------------ xavier_normal
    Mistake("xavier_normal_float32", "drawn with dtype=np.float32 to save memory", "initializers",
            '''
def xavier_normal(fan_in, fan_out, mode="avg", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    rng = np.random.default_rng(rng)
    return rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.float32(np.sqrt(1.0 / fan))
''', "xavier_normal", "float64"),

    Mistake("xavier_normal_fan_sum", "mode='avg' as sqrt(1 / (fan_in + fan_out))", "initializers",
            '''
def xavier_normal(fan_in, fan_out, mode="avg", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": fan_in + fan_out}[mode]
    rng = np.random.default_rng(rng)
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan)
''', "xavier_normal", "not their sum"),

    Mistake("xavier_normal_uniform_draw", "a uniform of the right variance instead of a normal",
            "initializers", '''
def xavier_normal(fan_in, fan_out, mode="avg", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    b = np.sqrt(3.0 / fan)
    return np.random.default_rng(rng).uniform(-b, b, (fan_in, fan_out))
''', "xavier_normal", "uniform (flat), expected normal"),

    # ------------------------------------------------------------------ xavier_uniform
    Mistake("xavier_uniform_normal_bound", "bound sqrt(2 / (fan_in + fan_out)): the normal std",
            "initializers", '''
def xavier_uniform(fan_in, fan_out, mode="avg", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(1.0 / fan)
    return np.random.default_rng(rng).uniform(-bound, bound, (fan_in, fan_out))
''', "xavier_uniform", "normal formula"),

    Mistake("xavier_uniform_zero_to_b", "rng.uniform(0, b): only positive weights", "initializers",
            '''
def xavier_uniform(fan_in, fan_out, mode="avg", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(3.0 / fan)
    return np.random.default_rng(rng).uniform(0.0, bound, (fan_in, fan_out))
''', "xavier_uniform", "[0, b]"),

    Mistake("xavier_uniform_modes_swapped", "the fan dict maps 'fan_in' to fan_out (and back)",
            "initializers", '''
def xavier_uniform(fan_in, fan_out, mode="avg", rng=None):
    fan = {"fan_in": fan_out, "fan_out": fan_in, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(3.0 / fan)
    return np.random.default_rng(rng).uniform(-bound, bound, (fan_in, fan_out))
''', "xavier_uniform", "fan_in and fan_out are swapped"),

    # ------------------------------------------------------------------ he_normal
    Mistake("he_normal_fans_swapped", "scaled by fan_out (PyTorch's (out, in) habit)",
            "initializers", '''
def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_out, "fan_out": fan_in, "avg": (fan_in + fan_out) / 2}[mode]
    return np.random.default_rng(rng).standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan)
''', "he_normal", "fan_in and fan_out are swapped"),

    Mistake("he_normal_no_factor_2", "Xavier's sqrt(1 / fan_in) under He's name", "initializers",
            '''
def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    return np.random.default_rng(rng).standard_normal((fan_in, fan_out)) / np.sqrt(fan)
''', "he_normal", "factor 2 is missing"),

    Mistake("he_normal_glorot_formula", "He written with Glorot's sqrt(2 / (fan_in + fan_out))",
            "initializers", '''
def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return np.random.default_rng(rng).normal(0.0, std, (fan_in, fan_out))
''', "he_normal", "Glorot's scale"),

    Mistake("he_normal_lecture_typo", "the slide's line: divided by np.sqrt(2 / fan_in)",
            "initializers", '''
def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    return np.random.default_rng(rng).standard_normal((fan_in, fan_out)) / np.sqrt(2 / fan)
''', "he_normal", "typo"),

    Mistake("he_normal_variance_as_std", "multiplied by 2 / fan_in: the variance, not its root",
            "initializers", '''
def he_normal(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    return np.random.default_rng(rng).standard_normal((fan_in, fan_out)) * (2.0 / fan)
''', "he_normal", "used as the standard deviation"),

    # ------------------------------------------------------------------ he_uniform
    Mistake("he_uniform_transposed", "drawn with shape (fan_out, fan_in), PyTorch's layout",
            "initializers", '''
def he_uniform(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(6.0 / fan)
    return np.random.default_rng(rng).uniform(-bound, bound, (fan_out, fan_in))
''', "he_uniform", "transposed"),

    Mistake("he_uniform_no_factor_2", "bound sqrt(3 / fan): Xavier's", "initializers", '''
def he_uniform(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(3.0 / fan)
    return np.random.default_rng(rng).uniform(-bound, bound, (fan_in, fan_out))
''', "he_uniform", "factor 2 is missing"),

    Mistake("he_uniform_fixed_seed", "default_rng(0) inside: every call the same matrix",
            "initializers", '''
def he_uniform(fan_in, fan_out, mode="fan_in", rng=None):
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(6.0 / fan)
    return np.random.default_rng(0).uniform(-bound, bound, (fan_in, fan_out))
''', "he_uniform", "rng argument is ignored"),

    Mistake("he_uniform_generator_only", "rng used as a Generator: an int seed breaks it",
            "initializers", '''
def he_uniform(fan_in, fan_out, mode="fan_in", rng=None):
    if rng is None:
        rng = np.random.default_rng()
    fan = {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2}[mode]
    bound = np.sqrt(6.0 / fan)
    return rng.uniform(-bound, bound, (fan_in, fan_out))
''', "he_uniform", "rng may be an int seed"),

    # ------------------------------------------------------------------ activation_statistics
    Mistake("act_stats_wrong_axis", "np.std(h, axis=0).mean(): one std per unit, averaged",
            "init_stats", '''
def activation_statistics(x, weights, activation="tanh"):
    f = ACTIVATIONS[activation]
    h, acts = x, []
    for W in weights:
        h = f(h @ W)
        acts.append(h)
    return (np.array([a.mean() for a in acts]), np.array([a.std(axis=0).mean() for a in acts]),
            acts)
''', "activation_statistics", "wrong axis"),

    Mistake("act_stats_pre_activations", "the statistics of z = h @ W, before the nonlinearity",
            "init_stats", '''
def activation_statistics(x, weights, activation="tanh"):
    f = ACTIVATIONS[activation]
    h, zs, acts = x, [], []
    for W in weights:
        z = h @ W
        h = f(z)
        zs.append(z)
        acts.append(h)
    return np.array([z.mean() for z in zs]), np.array([z.std() for z in zs]), acts
''', "activation_statistics", "pre-activations"),

    # ------------------------------------------------------------------ gradient_statistics
    Mistake("grad_stats_dz", "the std of dz (pre-activation gradient) instead of dW",
            "init_stats", '''
def gradient_statistics(x, weights, dout, activation="tanh"):
    f = ACTIVATIONS[activation]
    hs = [x]
    for W in weights:
        hs.append(f(hs[-1] @ W))
    out, dh = [], dout
    for l in reversed(range(len(weights))):
        h = hs[l + 1]
        deriv = {"tanh": 1 - h ** 2, "relu": (h > 0) * 1.0, "linear": np.ones_like(h)}[activation]
        dz = dh * deriv
        out.append(np.std(dz))
        dh = dz @ weights[l].T
    return np.array(out[::-1])
''', "gradient_statistics", "pre-activations dz"),

    Mistake("grad_stats_no_derivative", "backpropagates through W only, forgetting f'(z)",
            "init_stats", '''
def gradient_statistics(x, weights, dout, activation="tanh"):
    f = ACTIVATIONS[activation]
    hs = [x]
    for W in weights:
        hs.append(f(hs[-1] @ W))
    out, dh = [], dout
    for l in reversed(range(len(weights))):
        out.append(np.std(hs[l].T @ dh))
        dh = dh @ weights[l].T
    return np.array(out[::-1])
''', "gradient_statistics", "derivative"),

    Mistake("grad_stats_reversed", "appended during the backward pass and never reversed",
            "init_stats", '''
def gradient_statistics(x, weights, dout, activation="tanh"):
    f = ACTIVATIONS[activation]
    hs = [x]
    for W in weights:
        hs.append(f(hs[-1] @ W))
    out, dh = [], dout
    for l in reversed(range(len(weights))):
        h = hs[l + 1]
        deriv = {"tanh": 1 - h ** 2, "relu": (h > 0) * 1.0, "linear": np.ones_like(h)}[activation]
        dz = dh * deriv
        out.append(np.std(hs[l].T @ dz))
        dh = dz @ weights[l].T
    return np.array(out)
''', "gradient_statistics", "reverse order"),

    Mistake("grad_stats_relu_h_ge_0", "relu's derivative as h >= 0: always 1", "init_stats", '''
def gradient_statistics(x, weights, dout, activation="tanh"):
    f = ACTIVATIONS[activation]
    hs = [x]
    for W in weights:
        hs.append(f(hs[-1] @ W))
    out, dh = [], dout
    for l in reversed(range(len(weights))):
        h = hs[l + 1]
        deriv = {"tanh": 1 - h ** 2, "relu": (h >= 0) * 1.0, "linear": np.ones_like(h)}[activation]
        dz = dh * deriv
        out.append(np.std(hs[l].T @ dz))
        dh = dz @ weights[l].T
    return np.array(out[::-1])
''', "gradient_statistics", "z > 0"),
]

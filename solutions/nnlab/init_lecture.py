"""The lecture's activation-statistics tables (lab 05), as printed on its slides.

A 10-layer stack of 500 units, a batch of 1000 unit-Gaussian inputs (``np.random.randn(1000,
500)``), no biases; each table lists every hidden layer's (mean, std) of the activations after
the nonlinearity. One random draw each: a rerun with another seed differs by its sampling
spread (tests/test_lab05.py checks the reference reproduces them over several seeds).

key -> (title, activation, initializer name, initializer keyword arguments, [(mean, std) x 10])
"""

LECTURE_TABLES = {
    "gaussian_0.01_tanh": (
        "tanh, W ~ N(0, 0.01^2)", "tanh", "gaussian", {"std": 0.01},
        [(-0.000117, 0.213081), (-0.000001, 0.047551), (-0.000002, 0.010630),
         (0.000001, 0.002378), (0.000002, 0.000532), (-0.000000, 0.000119),
         (0.000000, 0.000026), (-0.000000, 0.000006), (0.000000, 0.000001),
         (-0.000000, 0.000000)]),
    "gaussian_1_tanh": (
        "tanh, W ~ N(0, 1)", "tanh", "gaussian", {"std": 1.0},
        [(-0.000430, 0.981879), (-0.000849, 0.981649), (0.000566, 0.981601),
         (0.000483, 0.981755), (-0.000682, 0.981614), (-0.000401, 0.981560),
         (-0.000237, 0.981520), (-0.000448, 0.981913), (-0.000899, 0.981728),
         (0.000584, 0.981736)]),
    "xavier_tanh": (
        "tanh, Xavier: W ~ N(0, 1/fan_in)", "tanh", "xavier_normal", {"mode": "fan_in"},
        [(0.001198, 0.627953), (-0.000175, 0.486051), (0.000055, 0.407723),
         (-0.000306, 0.357108), (0.000142, 0.320917), (-0.000389, 0.292116),
         (-0.000228, 0.273387), (-0.000291, 0.254935), (0.000361, 0.239266),
         (0.000139, 0.228008)]),
    "xavier_relu": (
        "ReLU, Xavier: W ~ N(0, 1/fan_in)", "relu", "xavier_normal", {"mode": "fan_in"},
        [(0.398623, 0.582273), (0.272352, 0.403795), (0.186076, 0.276912),
         (0.136442, 0.198685), (0.099568, 0.140299), (0.072234, 0.103280),
         (0.049775, 0.072748), (0.035138, 0.051572), (0.025404, 0.038583),
         (0.018408, 0.026076)]),
    "he_relu": (
        "ReLU, He: W ~ N(0, 2/fan_in)", "relu", "he_normal", {"mode": "fan_in"},
        [(0.562488, 0.825232), (0.553614, 0.827835), (0.545867, 0.813855),
         (0.565396, 0.826902), (0.547678, 0.834092), (0.587103, 0.860035),
         (0.596867, 0.870610), (0.623214, 0.889348), (0.567498, 0.845357),
         (0.552531, 0.844523)]),
}

#: The He slide's code line, as printed: it DIVIDES by sqrt(2 / fan_in), which would give
#: weights of std sqrt(fan_in / 2) ~ 16 and saturate everything; its table comes from
#: multiplying (the notebook points this out).
HE_SLIDE_CODE = "W = np.random.randn(fan_in, fan_out) / np.sqrt(2/fan_in) # layer initialization"

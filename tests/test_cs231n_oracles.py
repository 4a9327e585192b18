"""The reference reproduces the expected values published with cs231n's starter notebooks."""
import json
from pathlib import Path

import numpy as np
import pytest

ORACLES = json.loads((Path(__file__).parent / "data" / "cs231n_expected.json").read_text())


def _build(spec):
    """A linspace recipe {"linspace": [start, stop], "shape": [...]} as a float64 array."""
    if isinstance(spec, dict):
        start, stop = spec["linspace"]
        shape = tuple(spec["shape"])
        return np.linspace(start, stop, num=int(np.prod(shape))).reshape(shape)
    return spec  # a scalar hyperparameter


def _inputs(name):
    """(arrays/scalars by argument name, config dict) of one oracle entry."""
    args, config = {}, {}
    for key, spec in ORACLES[name]["inputs"].items():
        if key.startswith("config."):
            config[key.removeprefix("config.")] = _build(spec)
        else:
            args[key] = _build(spec)
    return args, config


def _check(reference, actual, name, key):
    entry = ORACLES[name]
    expected = np.array(entry["expected"][key], dtype=np.float64)
    actual = np.asarray(actual)
    assert actual.dtype == np.float64
    # shape-strict: rel_error raises on a shape mismatch instead of broadcasting
    error = reference.gradient_check.rel_error(actual, expected)
    assert error < entry["tolerance"], f"{name} {key}: relative error {error:.2e}"


def test_source_note_kept():
    assert "cs231n" in ORACLES["source"]


def test_affine_forward(reference):
    args, _ = _inputs("affine_forward")
    out, _ = reference.layers.affine_forward(args["x"], args["w"], args["b"])
    _check(reference, out, "affine_forward", "out")


def test_relu_forward(reference):
    args, _ = _inputs("relu_forward")
    out, _ = reference.activations.relu_forward(args["x"])
    _check(reference, out, "relu_forward", "out")


@pytest.mark.parametrize("rule", ["sgd_momentum", "rmsprop", "adam"])
def test_update_rule(reference, rule):
    args, config = _inputs(rule)
    next_w, config = getattr(reference.optim, rule)(args["w"], args["dw"], config)
    for key in ORACLES[rule]["expected"]:
        actual = next_w if key == "next_w" else config[key.removeprefix("config.")]
        _check(reference, actual, rule, key)
    if rule == "adam":
        assert config["t"] == 6  # incremented from 5 before the bias correction

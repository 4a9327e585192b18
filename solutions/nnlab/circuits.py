"""Backpropagation by hand on a small computational graph: the lecture's sigmoid circuit.

    f(w, x) = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))

is a 2-input neuron with a sigmoid. Broken into gates, one node per intermediate value:

    w0 ──┐
         (*)── a ──┐
    x0 ──┘         (+)── c ──┐
    w1 ──┐         │         (+)── d ──(*-1)── e ──(exp)── g ──(+1)── h ──(1/x)── f
         (*)── b ──┘   w2 ───┘
    x1 ──┘

``sigmoid_circuit_forward`` (given) evaluates the gates in this order and keeps every node's value.
You write ``sigmoid_circuit_backward``: it walks the gates in reverse order and returns the gradient
of f with respect to EVERY node, each one "upstream gradient x local gradient".
``check_sigmoid_circuit()`` compares your gradients, node by node, with the lecture's numbers and
with numerical gradients (this exercise is not graded).
"""
import numpy as np

__all__ = ["GATES", "NODES", "sigmoid_circuit_forward", "sigmoid_circuit_backward",
           "check_sigmoid_circuit", "DECK_POINT"]

#: The circuit, one gate per entry in forward order: (output node, operation, input nodes).
GATES = (
    ("a", "mul", ("w0", "x0")),
    ("b", "mul", ("w1", "x1")),
    ("c", "add", ("a", "b")),
    ("d", "add", ("c", "w2")),
    ("e", "neg", ("d",)),
    ("g", "exp", ("e",)),
    ("h", "add1", ("g",)),
    ("f", "inv", ("h",)),
)
INPUTS = ("w0", "x0", "w1", "x1", "w2")
#: Every node, inputs first, in forward order.
NODES = INPUTS + tuple(out for out, _, _ in GATES)

#: The lecture's example: w = (2, -3, -3), x = (-1, -2).
DECK_POINT = {"w": (2.0, -3.0, -3.0), "x": (-1.0, -2.0)}
#: The gradients the lecture writes on its circuit (two decimals), df/d(node).
DECK_GRADIENTS = {"f": 1.00, "h": -0.53, "g": -0.53, "e": -0.20, "d": 0.20, "c": 0.20,
                  "w2": 0.20, "a": 0.20, "b": 0.20, "w0": -0.20, "x0": 0.39, "w1": -0.39,
                  "x1": -0.59}

_OPS = {
    "mul": lambda u, v: u * v,
    "add": lambda u, v: u + v,
    "neg": lambda u: -u,
    "exp": lambda u: np.exp(u),
    "add1": lambda u: 1.0 + u,
    "inv": lambda u: 1.0 / u,
}
_SAYS = {"mul": "(*) gate: the local gradient on each input is the OTHER input's value",
         "add": "(+) gate: it passes the upstream gradient unchanged to both inputs",
         "neg": "(*-1) gate: local gradient -1",
         "exp": "(exp) gate: local gradient e^u at its input u",
         "add1": "(+1) gate: local gradient 1",
         "inv": "(1/x) gate: local gradient -1/x^2"}


def _evaluate(values, start=0):
    """Run the gates from index ``start`` on, writing each output node into ``values``."""
    for out, op, ins in GATES[start:]:
        values[out] = float(_OPS[op](*(values[i] for i in ins)))
    return values


def sigmoid_circuit_forward(w, x):
    """Forward pass of the circuit, gate by gate (given: read it before writing the backward pass).

    Inputs:
    - w: sequence of 3 floats (w0, w1, w2).
    - x: sequence of 2 floats (x0, x1).

    Returns a tuple of:
    - f: float, the output 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))).
    - cache: dict node name -> its float value, for every node of NODES.
    """
    w0, w1, w2 = (float(v) for v in w)
    x0, x1 = (float(v) for v in x)
    values = {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}
    a = w0 * x0          # (*)
    b = w1 * x1          # (*)
    c = a + b            # (+)
    d = c + w2           # (+)
    e = -d               # (*-1)
    g = np.exp(e)        # (exp)
    h = 1.0 + g          # (+1)
    f = 1.0 / h          # (1/x)
    values.update(a=a, b=b, c=c, d=d, e=e, g=float(g), h=float(h), f=float(f))
    return float(f), values


def sigmoid_circuit_backward(df, cache):
    """Backward pass of the circuit: the gradient of the output on every node, gate by gate.

    Inputs:
    - df: float, the upstream gradient on the output f (1.0 for df/df).
    - cache: the dict of node values from sigmoid_circuit_forward.

    Returns:
    - grads: dict node name -> float, the gradient of the output (times df) with respect to that
      node, for every node of NODES: "f", "h", "g", "e", "d", "c", "w2", "a", "b", "w0", "x0",
      "w1", "x1".
    """
    v = cache                    # the forward values: v["h"] is h, v["x0"] is x0, ...
    grads = {"f": float(df)}     # df/df times the upstream gradient: where the walk starts
    ### BEGIN SOLUTION
    ### HINT: Walk the gates from the last, (1/x), to the first; each line is downstream = upstream * local.
    ### HINT: Local gradients: 1/u -> -1/u**2, exp(u) -> exp(u) (that is g), -u -> -1, 1 + u -> 1.
    ### HINT: A (+) gate hands its upstream gradient to both inputs; a (*) gate multiplies it by the other input.
    grads["h"] = grads["f"] * (-1.0 / v["h"] ** 2)
    grads["g"] = grads["h"] * 1.0
    grads["e"] = grads["g"] * v["g"]
    grads["d"] = grads["e"] * -1.0
    grads["c"] = grads["d"] * 1.0
    grads["w2"] = grads["d"] * 1.0
    grads["a"] = grads["c"] * 1.0
    grads["b"] = grads["c"] * 1.0
    grads["w0"] = grads["a"] * v["x0"]
    grads["x0"] = grads["a"] * v["w0"]
    grads["w1"] = grads["b"] * v["x1"]
    grads["x1"] = grads["b"] * v["w1"]
    ### END SOLUTION
    return grads


# --------------------------------------------------------------------------------------------
# the check (not graded)
# --------------------------------------------------------------------------------------------

def _numerical_node_gradients(w, x, h=1e-6):
    """df/d(node) for every node by centred differences: nudge the node, rerun the gates after it."""
    _, values = sigmoid_circuit_forward(w, x)
    grads = {}
    for node in NODES:
        start = next((i + 1 for i, (out, _, _) in enumerate(GATES) if out == node), 0)
        f_of = {}
        for sign in (+1, -1):
            nudged = dict(values)
            nudged[node] = values[node] + sign * h
            f_of[sign] = _evaluate(nudged, start)["f"]
        grads[node] = (f_of[+1] - f_of[-1]) / (2 * h)
    return grads


def _backward_order():
    """Nodes in the order the backward pass reaches them: f first, inputs last."""
    order = ["f"]
    for out, _, ins in reversed(GATES):
        order += [i for i in ins if i not in order]
    return order


def _where_it_goes_wrong(got, want, tol):
    """The first node, in backward order, whose gradient is wrong; None when all are right."""
    for node in _backward_order():
        g = got.get(node)
        if g is None or not np.isfinite(g) or abs(g - want[node]) > tol * max(1.0, abs(want[node])):
            return node
    return None


def _gate_into(node):
    """A sentence naming the gate whose local gradient turns the upstream gradient into node's."""
    for out, op, ins in GATES:
        if node in ins:
            return f"the {_SAYS[op]} (it computes {out} from {', '.join(ins)})"
    return "the start of the backward pass (df/df = 1)"


def check_sigmoid_circuit(backward=None):
    """Check ``sigmoid_circuit_backward`` node by node; print one line per point and a verdict.

    Two points: the lecture's (w, x) = ((2, -3, -3), (-1, -2)), compared with the lecture's
    two-decimal numbers and with numerical gradients, and a second point compared with numerical
    gradients only. Returns True when both pass. Never raises.
    """
    from .notebook import ready
    if backward is None:
        if not ready("sigmoid_circuit_backward", what="this check"):
            return False
        backward = sigmoid_circuit_backward
    points = [("lecture's point", DECK_POINT["w"], DECK_POINT["x"]),
              ("second point", (0.5, -1.2, 0.3), (1.5, 0.7))]
    all_ok = True
    for label, w, x in points:
        _, cache = sigmoid_circuit_forward(w, x)
        try:
            got = backward(1.0, dict(cache))
            got = {k: float(v) for k, v in dict(got).items()}
        except Exception as exc:  # noqa: BLE001 — one line for a crash; the notebook goes on
            print(f"{label}: sigmoid_circuit_backward raised {type(exc).__name__}: {exc}")
            all_ok = False
            continue
        numerical = _numerical_node_gradients(w, x)
        bad = _where_it_goes_wrong(got, numerical, tol=1e-6)
        if label == "lecture's point" and bad is None:
            off = [n for n in DECK_GRADIENTS if abs(round(got[n], 2) - DECK_GRADIENTS[n]) > 0.011]
            bad = off[0] if off else None
        shown = ", ".join(f"{n} {got.get(n, float('nan')):+.2f}" for n in _backward_order()[1:])
        if bad is None:
            print(f"{label}: every node right  ({shown})")
            continue
        all_ok = False
        value = got.get(bad)
        value = "missing" if value is None else f"{value:+.4f}"
        print(f"{label}: df/d{bad} is {value}, expected {numerical[bad]:+.4f}. The nodes before it "
              f"in the backward pass are right, so look at {_gate_into(bad)}.")
    print("sigmoid circuit: all checks passed" if all_ok else
          "sigmoid circuit: not yet — fix the first wrong node, rerun this cell")
    return all_ok

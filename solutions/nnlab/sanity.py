"""Sanity checks before training: what should the loss be at initialisation?

With small random weights every class score is close to 0, so the classifier has no preference:
the loss takes a value you can predict from the number of classes alone. Measuring it before the
first update catches a wrong loss, a wrong initialisation or mislabelled data in seconds.

You write ``expected_initial_loss``; ``check_initial_loss()`` compares your prediction with the
exact value and with the loss a freshly initialised network (your layers and losses) really has.
This exercise is not graded.
"""
import numpy as np

__all__ = ["expected_initial_loss", "check_initial_loss", "initial_losses"]


def expected_initial_loss(num_classes, loss="softmax"):
    """The loss of a classifier whose scores are all equal (what tiny initial weights give).

    Inputs:
    - num_classes: int C >= 2, the number of classes.
    - loss: "softmax" (cross-entropy) or "svm" (multiclass hinge with margin 1).

    Returns:
    - float, the loss of any example when every one of its C scores is the same number.
    """
    if loss not in ("softmax", "svm"):
        raise ValueError(f"loss must be 'softmax' or 'svm', got {loss!r}")
    ### BEGIN SOLUTION
    ### HINT: softmax: with equal scores, what probability does the correct class get? The loss is -log of it.
    ### HINT: svm: with equal scores, each of the C - 1 wrong classes has margin max(0, s - s + 1).
    if loss == "softmax":
        return float(np.log(num_classes))
    return float(num_classes - 1)
    ### END SOLUTION


def initial_losses(data, hidden_dims=(100, 100), weight_scale=1e-4, reg=0.0, seed=0,
                   activation="relu", num_examples=200):
    """The softmax and SVM losses of a freshly initialised FullyConnectedNet (your layers).

    Inputs:
    - data: dict with X_train (N, D) and y_train (N,), e.g. from nnlab.data.load_digits.
    - hidden_dims, weight_scale, reg, seed, activation: passed to FullyConnectedNet.
    - num_examples: how many training examples to average over.

    Returns a dict with:
    - "softmax": the network's loss (data loss + 0.5 * reg * sum of squared weights);
    - "svm": the SVM loss of the same network's scores (data loss only);
    - "classes": the number of classes C.
    """
    from .fc_net import FullyConnectedNet
    from .losses import svm_loss

    X, y = data["X_train"][:num_examples], data["y_train"][:num_examples]
    C = int(max(np.max(data["y_train"]), np.max(data.get("y_val", [0]))) + 1)
    model = FullyConnectedNet(list(hidden_dims), input_dim=int(np.prod(X.shape[1:])),
                              num_classes=C, weight_scale=weight_scale, reg=reg,
                              dtype=np.float64, seed=seed, activation=activation)
    softmax, _ = model.loss(X, y)
    svm, _ = svm_loss(model.loss(X), y)
    return {"softmax": float(softmax), "svm": float(svm), "classes": C}


def check_initial_loss(data=None, predict=None):
    """Check ``expected_initial_loss`` against the exact values and a real network. Never raises.

    Prints one line per check and a verdict; returns True when every check passes. ``data``
    (e.g. load_digits()) enables the measurement on a network built from your layers.
    """
    from .notebook import ready
    if predict is None:
        if not ready("expected_initial_loss", what="this check"):
            return False
        predict = expected_initial_loss
    ok = True
    for kind, exact in (("softmax", lambda C: np.log(C)), ("svm", lambda C: C - 1.0)):
        wrong = []
        for C in (2, 10, 1000):
            try:
                got = float(predict(C, loss=kind))
            except Exception as exc:  # noqa: BLE001 — one line, the notebook goes on
                got = f"{type(exc).__name__}: {exc}"
            if isinstance(got, str) or not np.isclose(got, exact(C), rtol=1e-9, atol=0):
                wrong.append(f"C={C}: got {got if isinstance(got, str) else f'{got:.6g}'}")
        if wrong:
            ok = False
            print(f"{kind}: prediction wrong ({'; '.join(wrong)}). "
                  + ("Equal scores give every class probability 1/C." if kind == "softmax" else
                     "Equal scores put every wrong class exactly at the margin."))
        else:
            print(f"{kind}: prediction right (C=10: {exact(10):.4f})")
    if data is not None:
        needs = ("affine_forward", "affine_backward", "relu_forward", "relu_backward",
                 "softmax_loss", "svm_loss")
        if ready(*needs, what="measuring a real network's initial loss"):
            measured = initial_losses(data)
            C = measured["classes"]
            for kind in ("softmax", "svm"):
                predicted = float(predict(C, loss=kind))
                gap = abs(measured[kind] - predicted)
                good = gap < 1e-3
                ok &= good
                print(f"{kind}: network at initialisation {measured[kind]:.5f}, predicted "
                      f"{predicted:.5f}" + ("" if good else
                                            f"  <- off by {gap:.3g}: check your {kind} loss"))
    print("initial loss: all checks passed" if ok else
          "initial loss: not yet — fix what is listed above, rerun this cell")
    return bool(ok)

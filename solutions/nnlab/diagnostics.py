"""Diagnostics of a training run: numbers to look at before, during and after training.

Each function takes plain arrays (losses, activations, parameters before and after an update,
accuracies), never a live network, so it works with any model and any framework.

- initial_loss_verdict: with small weights a softmax classifier's first loss is log(C)
  (2.303 for C = 10): far above means a bug or too large weights.
- dead_unit_fraction: the share of ReLU units that output 0 for EVERY input (a dead unit never
  gets a gradient again).
- update_ratios: norm(update) / norm(weights) per parameter, where the update is what the
  step changed (not the gradient); about 1e-3 is healthy (far below: learning rate too low;
  far above: too high).
- fit_verdict: the train/validation accuracy gap says overfitting or underfitting.
- moving_average: smooths a noisy minibatch loss curve.
"""
import numpy as np

#: The verdicts of initial_loss_verdict and fit_verdict (a fixed vocabulary).
INITIAL_LOSS_VERDICTS = ("as expected", "too high", "too low")
FIT_VERDICTS = ("overfitting", "underfitting", "good fit")

#: Update-to-weight ratios between these count as healthy (the rule of thumb is ~1e-3).
HEALTHY_RATIO = (1e-4, 1e-2)


def initial_loss_verdict(loss, num_classes, rtol=0.1):
    """Compare a softmax classifier's initial loss with what equal scores give, log(C).

    Inputs:
    - loss: float, the loss before the first update (no regularisation).
    - num_classes: int C >= 2.
    - rtol: float, the relative tolerance: within rtol * log(C) of log(C) is "as expected".

    Returns one of INITIAL_LOSS_VERDICTS: "as expected", "too high" or "too low".
    """
    ### BEGIN SOLUTION
    ### HINT: with equal scores each class gets probability 1/C; the loss is the NATURAL log of what?
    expected = np.log(num_classes)
    if abs(loss - expected) <= rtol * expected:
        return "as expected"
    return "too high" if loss > expected else "too low"
    ### END SOLUTION


def dead_unit_fraction(activations):
    """The fraction of dead units in each layer.

    A unit is dead when its output is 0 (or below) for EVERY input of the batch: it passes no
    gradient back, whatever the example. A unit that is 0 for some inputs only is just a ReLU
    doing its job.

    Inputs:
    - activations: list of L arrays, layer l of shape (N, H_l): the outputs of the ReLU of
      hidden layer l for the same N inputs.

    Returns:
    - float64 array of shape (L,): for each layer, (number of dead units) / H_l.
    """
    ### BEGIN SOLUTION
    ### HINT: "for every input" is a reduction over the batch axis; then average over the units.
    return np.array([np.mean(np.all(np.asarray(a) <= 0, axis=0)) for a in activations],
                    dtype=np.float64)
    ### END SOLUTION


def update_ratios(params_before, params_after, grads=None):
    """The update-to-weight ratio of each parameter: norm(after - before) / norm(before).

    The ratio is about the UPDATE, what one step really changed: learning_rate * gradient for
    plain SGD, something else for momentum or Adam (which rescales every entry). The gradient
    alone says nothing about the step's size, since it ignores the learning rate.

    Norms are Euclidean over all the entries of the array (Frobenius for a matrix).

    Inputs:
    - params_before: dict name -> array, the parameters before one update (model.params).
    - params_after: dict name -> array of the same shapes, after the update.
    - grads: optional dict name -> array of the same shapes, the gradients the update was
      computed from. They are given so that you can compare them with the update; the ratio
      itself does not need them.

    Returns:
    - dict name -> float, one ratio per parameter of params_before.
    """
    ### BEGIN SOLUTION
    ### HINT: the update is what changed; compare its size with the size of the weights it changed.
    ### HINT: is the gradient what changed? Think of what a learning rate 10x higher does.
    return {name: float(np.linalg.norm(params_after[name] - w) / np.linalg.norm(w))
            for name, w in params_before.items()}
    ### END SOLUTION


def ratio_verdict(ratio, healthy=HEALTHY_RATIO):
    """"too small", "healthy" or "too large" for an update-to-weight ratio (given code)."""
    low, high = healthy
    if ratio < low:
        return "too small"
    return "too large" if ratio > high else "healthy"


def fit_verdict(train_acc, val_acc, max_gap=0.1, min_train_acc=0.9):
    """Overfitting or underfitting, from the final training and validation accuracies.

    - "overfitting": training accuracy above validation accuracy by more than max_gap;
    - otherwise "underfitting" when the training accuracy is below min_train_acc (the model
      cannot even fit the data it sees);
    - otherwise "good fit".

    Inputs:
    - train_acc, val_acc: floats in [0, 1].
    - max_gap, min_train_acc: floats, the thresholds.

    Returns one of FIT_VERDICTS.
    """
    ### BEGIN SOLUTION
    ### HINT: which accuracy does a model that memorises its training set get high, which low?
    if train_acc - val_acc > max_gap:
        return "overfitting"
    if train_acc < min_train_acc:
        return "underfitting"
    return "good fit"
    ### END SOLUTION


def moving_average(values, window):
    """Trailing moving average of a noisy curve (e.g. solver.loss_history).

    out[i] is the mean of the last ``window`` values up to and including values[i]; at the
    start, where fewer than ``window`` values exist, the mean of values[0..i] (so out[0] =
    values[0], never a value dragged towards 0).

    Inputs:
    - values: array-like of shape (T,).
    - window: int >= 1.

    Returns:
    - float64 array of shape (T,).
    """
    values = np.asarray(values, dtype=np.float64)
    if int(window) < 1:
        raise ValueError(f"window must be at least 1, got {window!r}")
    ### BEGIN SOLUTION
    ### HINT: a cumulative sum gives every window's sum as a difference of two entries.
    ### HINT: divide each sum by how many values it really holds.
    window = int(window)
    csum = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, values.size + 1)
    starts = np.maximum(0, ends - window)
    return (csum[ends] - csum[starts]) / (ends - starts)
    ### END SOLUTION

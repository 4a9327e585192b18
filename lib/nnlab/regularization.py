"""Weight penalties: L2 (weight decay) and L1 (sparsity), and their gradients.

A penalty is added to the data loss to prefer "simpler" weights:

    L2:  R(W) = 0.5 * reg * sum over weight matrices of sum(W ** 2)   dR/dW = reg * W
    L1:  R(W) =       reg * sum over weight matrices of sum(|W|)      dR/dW = reg * sign(W)

The factor 0.5 in L2 is the cs231n convention: it makes the gradient exactly ``reg * W``, which
is what PyTorch's ``weight_decay=reg`` adds to every gradient (``torch.optim.SGD``).

Only WEIGHTS are regularised: the parameters whose name starts with ``"W"`` (``W1``, ``W2``, ...).
Biases (``b1``, ...) and the scales and shifts of normalisation layers (``gamma1``, ``beta1``)
are left alone: they do not multiply inputs, so they cannot make the network more sensitive to
its inputs, and penalising them only hurts.

Both functions take
- params: dict from parameter name to array (e.g. ``model.params``); it is not modified;
- reg: float >= 0, the regularisation strength;
and return ``(penalty, grads)``: the penalty (a float) and a dict from the name of every
regularised parameter to the gradient of the penalty with respect to it (same shape). Names that
are not regularised may be left out of grads (or have a zero gradient).
"""
import numpy as np


def is_regularized(name):
    """True for the parameters the penalties apply to: weights, named W1, W2, ..."""
    return name.startswith("W")


def l2_penalty(params, reg):
    """L2 penalty 0.5 * reg * sum(W ** 2) over every weight, and its gradient reg * W.

    Inputs:
    - params: dict from name to array; only names starting with "W" are regularised.
    - reg: float, the regularisation strength.

    Returns a tuple of:
    - penalty: float.
    - grads: dict from each regularised name to an array of the same shape as params[name].
    """
    # Hint: loop over params.items() and skip every name for which is_regularized(name) is False.
    # Hint: differentiate 0.5 * reg * W**2 yourself: the 0.5 is there to cancel a factor.
    raise NotImplementedError("l2_penalty is yours to write (nnlab/regularization.py). Hint: loop over params.items() and skip every name for which is_regularized(name) is False.")


def l1_penalty(params, reg):
    """L1 penalty reg * sum(|W|) over every weight, and its (sub)gradient reg * sign(W).

    At W = 0 |W| has no derivative; we use the subgradient 0 there (np.sign(0) = 0), as PyTorch's
    ``torch.abs`` does.

    Inputs:
    - params: dict from name to array; only names starting with "W" are regularised.
    - reg: float, the regularisation strength.

    Returns a tuple of:
    - penalty: float.
    - grads: dict from each regularised name to an array of the same shape as params[name].
    """
    # Hint: the same loop as l2_penalty; |w| is np.abs(w).
    # Hint: d|w|/dw is +1 for w > 0 and -1 for w < 0: np.sign.
    raise NotImplementedError("l1_penalty is yours to write (nnlab/regularization.py). Hint: the same loop as l2_penalty; |w| is np.abs(w).")

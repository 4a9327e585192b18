"""Classification losses: each returns the loss and its gradient with respect to the scores.

Both take
- x: scores, array of shape (N, C): x[i, c] is the score of class c for example i;
- y: labels, integer array of shape (N,), 0 <= y[i] < C;
and return ``(loss, dx)``: the loss averaged over the N examples (a float) and dx of shape (N, C).
"""
import numpy as np


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss: mean over i of -log( exp(x[i, y[i]]) / sum_c exp(x[i, c]) ).

    Inputs:
    - x: scores, shape (N, C).
    - y: labels, shape (N,).

    Returns a tuple of:
    - loss: float.
    - dx: gradient of the loss with respect to x, shape (N, C).
    """
    # Hint: subtract each row's max first (softmax is unchanged): exp of scores near 1e3 overflows.
    # Hint: Then take the log-probabilities straight from the shifted scores (log-softmax), never as log of a probability that may have underflowed to 0.
    # Hint: dx is (probabilities - one-hot of y) / N; pair an array of row numbers with y to index each row's correct class.
    raise NotImplementedError("softmax_loss is yours to write (nnlab/losses.py). Hint: subtract each row's max first (softmax is unchanged): exp of scores near 1e3 overflows.")


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1 (Weston-Watkins, as in cs231n):

    loss = mean over i of sum over c != y[i] of max(0, x[i, c] - x[i, y[i]] + 1)

    Inputs:
    - x: scores, shape (N, C).
    - y: labels, shape (N,).

    Returns a tuple of:
    - loss: float.
    - dx: gradient of the loss with respect to x, shape (N, C).
    """
    # Hint: the margin of class j is max(0, s_j - s_y + 1) with s_y the correct-class score (an (N, 1) column broadcasts); zero the correct class, whose margin is always 1.
    # Hint: Divide by N, in the loss AND in dx.
    # Hint: dx is 1 where a margin is positive; the correct class gets minus their count.
    raise NotImplementedError("svm_loss is yours to write (nnlab/losses.py). Hint: the margin of class j is max(0, s_j - s_y + 1) with s_y the correct-class score (an (N, 1) column broadcasts); zero the correct class, whose margin is always 1.")

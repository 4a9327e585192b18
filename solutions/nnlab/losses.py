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
    ### BEGIN SOLUTION
    ### HINT: subtract each row's max first (softmax is unchanged): exp of scores near 1e3 overflows.
    ### HINT: Then take the log-probabilities straight from the shifted scores (log-softmax), never as log of a probability that may have underflowed to 0.
    ### HINT: dx is (probabilities - one-hot of y) / N; pair an array of row numbers with y to index each row's correct class.
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(N), y])
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1.0
    dx /= N
    return float(loss), dx
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### HINT: the margin of class j is max(0, s_j - s_y + 1) with s_y the correct-class score (an (N, 1) column broadcasts); zero the correct class, whose margin is always 1.
    ### HINT: Divide by N, in the loss AND in dx.
    ### HINT: dx is 1 where a margin is positive; the correct class gets minus their count.
    N = x.shape[0]
    rows = np.arange(N)
    correct = x[rows, y]
    margins = np.maximum(0.0, x - correct[:, None] + 1.0)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / N
    dx = (margins > 0).astype(margins.dtype)
    dx[rows, y] = -np.sum(dx, axis=1)
    dx /= N
    return float(loss), dx
    ### END SOLUTION

"""Dropout (Srivastava et al., 2014): randomly switch units off while training.

At training time every unit is kept with probability ``p`` and set to zero otherwise, a fresh
random choice for every unit of every example on every forward pass. Each pass therefore trains
a different "thinned" network drawn from the 2^(number of units) networks that share the same
weights; at test time we want the average prediction of that whole ensemble.

This module implements INVERTED dropout, the version PyTorch (``torch.nn.functional.dropout``)
and cs231n use: the units that are kept are divided by ``p`` at training time, so that the
expected value of every output equals its input, E[out] = p * (x / p) + (1 - p) * 0 = x.
Test time is then the identity: nothing to rescale. (Vanilla dropout keeps the units unscaled
while training and must multiply by ``p`` at test time instead.)

``p`` is the probability of KEEPING a unit (the cs231n convention since 2018). PyTorch's ``p``
is the probability of DROPPING one: ``dropout_forward(x, {"p": q, ...})`` behaves like
``F.dropout(x, p=1 - q)``.
"""
import numpy as np


def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    Inputs:
    - x: input, array of any shape, e.g. (N, D) or (N, C, H, W).
    - dropout_param: dict with the keys
      - p: probability of KEEPING each unit, 0 < p <= 1 (p = 1 keeps everything).
      - mode: 'train' (drop units at random) or 'test' (the identity).
      - seed: optional; when given, the random mask is a function of the seed alone, so two
        calls with the same seed (and the same x.shape) drop the same units. This makes
        gradient checks of a network with dropout possible.

    Returns a tuple of:
    - out: array of the same shape and dtype as x. In train mode each entry is x / p with
      probability p and 0 otherwise, independently for every entry; in test mode out = x.
    - cache: (dropout_param, mask): what dropout_backward needs. In test mode mask is None.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] is the probability of KEEPING a unit and must be "
                         f"in (0, 1], got {p!r}")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}")

    mask = None
    ### BEGIN SOLUTION
    ### HINT: seed given: rng = np.random.default_rng(seed) (or np.random.seed(seed)); the same seed must give the same mask.
    ### HINT: Train: a mask of x.shape holding 1/p where a uniform draw falls below p, 0 elsewhere; out is x times the mask.
    ### HINT: Test: out = x. Inverted dropout already rescaled at training time.
    if mode == "train":
        seed = dropout_param.get("seed")
        rng = np.random.default_rng(seed) if seed is not None else np.random
        keep = rng.random(x.shape) < p
        mask = keep.astype(x.dtype) / x.dtype.type(p)
        out = x * mask
    else:
        out = x
    ### END SOLUTION
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream gradient, same shape as x.
    - cache: (dropout_param, mask) from dropout_forward.

    Returns:
    - dx: gradient with respect to x, same shape as x.
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    ### BEGIN SOLUTION
    ### HINT: Train: out = x * mask, so the local gradient is the mask itself: the one in the cache, never a new draw.
    ### HINT: Test: out = x, so dx = dout.
    if mode == "train":
        dx = dout * mask
    else:
        dx = dout
    ### END SOLUTION
    return dx

"""Data augmentation: new training images from old ones, with the same labels.

A transformation is *label-preserving* when a person would still give the transformed image the
label of the original. For handwritten digits, moving the digit a pixel or two, or adding a
little pixel noise, keeps a 3 a 3. A horizontal flip does not: a flipped 3 is no digit at all
(it looks like an epsilon), and flips or rotations by 180 degrees turn a 6 into something else
(a 9, upside down). Which transformations are safe depends on the data: flips are standard for
photos of cats (CIFAR-10), never for text.

Training on randomly transformed copies shows the network more variety than the data set holds,
which narrows the gap between training and validation accuracy.
"""
import numpy as np


def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    """Randomly shift every image and add Gaussian pixel noise; the labels stay the same.

    Each image gets its own random shift (dy, dx), both drawn uniformly from the integers
    -max_shift .. max_shift. Shifting moves the content down by dy rows and right by dx
    columns (up/left when negative): out[i, ..., r, c] = X[i, ..., r - dy, c - dx]. Pixels that
    come from outside the image are 0 (padding with zeros: the pixels do NOT wrap around to the
    other side). For images with channels, all channels of one image move together. Then
    independent Gaussian noise of standard deviation noise_std is added to every pixel.

    Inputs:
    - X: images, array of shape (N, H, W) or (N, C, H, W). It is not modified.
    - y: labels, array of shape (N,).
    - max_shift: int >= 0, the largest shift in pixels (0: no shift).
    - noise_std: float >= 0, the standard deviation of the noise (0: no noise).
    - seed: seed of the random generator (np.random.default_rng); the same seed gives the same
      images. None draws fresh randomness.

    Returns a tuple of:
    - X_aug: array of the same shape and dtype as X; X_aug[i] is a transformed copy of X[i].
    - y_aug: array of shape (N,); y_aug[i] is the label of X_aug[i].
    """
    X = np.asarray(X)
    if X.ndim not in (3, 4):
        raise ValueError(f"X must hold images of shape (N, H, W) or (N, C, H, W), got shape "
                         f"{X.shape}; reshape flat vectors first, e.g. X.reshape(-1, 8, 8)")
    if int(max_shift) != max_shift or max_shift < 0 or noise_std < 0:
        raise ValueError(f"max_shift must be an int >= 0 and noise_std >= 0, "
                         f"got {max_shift!r} and {noise_std!r}")
    ### BEGIN SOLUTION
    ### HINT: build ONE generator from seed (np.random.default_rng) and draw everything from it: a (dy, dx) pair per image with its integers method.
    ### HINT: np.pad the last two axes with max_shift zeros on each side, then cut an (H, W) window per image. np.roll wraps around: not a shift.
    ### HINT: Noise: standard-normal draws from the same rng, scaled so their standard deviation is noise_std. Labels: a copy of y.
    rng = np.random.default_rng(seed)
    N, (H, W), m = X.shape[0], X.shape[-2:], int(max_shift)
    shifts = rng.integers(-m, m + 1, size=(N, 2))
    padded = np.pad(X, [(0, 0)] * (X.ndim - 2) + [(m, m), (m, m)])
    X_aug = np.empty_like(X)
    for i, (dy, dx) in enumerate(shifts):
        X_aug[i] = padded[i, ..., m - dy:m - dy + H, m - dx:m - dx + W]
    if noise_std > 0:
        X_aug = (X_aug + noise_std * rng.standard_normal(X.shape)).astype(X.dtype, copy=False)
    y_aug = np.array(y, copy=True)
    return X_aug, y_aug
    ### END SOLUTION

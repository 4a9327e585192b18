"""Small numerical helpers numpy does not provide.

numpy has no error function, and the exact GELU needs one. ``math.erf`` is exact to double
precision, so we apply it element by element; it is fast enough for the array sizes of the labs.
"""
import math

import numpy as np

# One ufunc-like object, built once: frompyfunc loops in C and calls math.erf per element.
_erf_object = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """Error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt, element by element.

    Inputs:
    - x: array-like (or a scalar) of any shape.

    Returns:
    - an np.ndarray of float64 with the shape of x (a 0-d array for a scalar).
    """
    x = np.asarray(x, dtype=np.float64)
    # frompyfunc returns an object array; convert it back to float64 in one step.
    return np.asarray(_erf_object(x), dtype=np.float64)

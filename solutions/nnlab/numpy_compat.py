"""Name the numpy API a piece of code tripped over when that API no longer exists.

Code copied from older tutorials (and from older numpy habits) still calls APIs that numpy has
since removed: ``np.reshape(a, newshape=...)``, ``np.float``, ``np.product``, ``np.NaN``... Under
the numpy the course grades with they raise ``TypeError`` or ``AttributeError``, and the plain
error message does not say that the code was fine once and only needs a new spelling.
:func:`explain_removed_api` recognises those errors and says what to write instead:

    >>> explain_removed_api("TypeError", "reshape() got an unexpected keyword argument 'newshape'")
    "np.reshape's `newshape=` keyword was removed in numpy 2.4 (numpy 2.4.x is installed here): write np.reshape(a, shape) or a.reshape(shape)"

Both the open checks (``nnlab.checks``) and the trusted grader use it, so a student reads the
same sentence in the notebook and in the grade report. Every entry of the tables below is tested
against the installed numpy (``tests/test_numpy_compat.py``): an entry whose API still exists, or
whose error no longer reads as the pattern expects, fails that test.
"""
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["RemovedAPI", "REMOVED_ATTRIBUTES", "REMOVED_METHODS", "REMOVED_CALLS",
           "explain_removed_api"]


@dataclass(frozen=True)
class RemovedAPI:
    """One removed API: how it was written, when numpy removed it, and what to write instead.

    ``probe`` is a line of code that uses the API (``np`` is numpy, ``a`` a small array); the
    test suite runs it to prove the API is really gone from the installed numpy.
    """
    api: str
    removed_in: str
    instead: str
    probe: str


def _attribute(name, removed_in, instead):
    return RemovedAPI(f"np.{name}", removed_in, instead, f"np.{name}")


#: ``np.<name>`` that no longer exists: AttributeError "module 'numpy' has no attribute '<name>'".
REMOVED_ATTRIBUTES = {api.api[3:]: api for api in [
    # the aliases of Python's builtins, deprecated in 1.20 (np.bool and np.long came back in 2.0
    # as numpy's own types, so they are not listed)
    _attribute("float", "1.24", "write float, or np.float64 for the dtype"),
    _attribute("int", "1.24", "write int, or np.int64 for the dtype"),
    _attribute("complex", "1.24", "write complex, or np.complex128 for the dtype"),
    _attribute("object", "1.24", "write object"),
    _attribute("str", "1.24", "write str"),
    _attribute("unicode", "1.24", "write str"),
    # functions with a shorter or clearer name
    _attribute("product", "2.0", "write np.prod"),
    _attribute("cumproduct", "2.0", "write np.cumprod"),
    _attribute("alltrue", "2.0", "write np.all"),
    _attribute("sometrue", "2.0", "write np.any"),
    _attribute("round_", "2.0", "write np.round"),
    _attribute("msort", "2.0", "write np.sort(a, axis=0)"),
    _attribute("asfarray", "2.0", "write np.asarray(a, dtype=np.float64)"),
    _attribute("mat", "2.0", "write np.asarray: the labs use plain arrays and the @ operator"),
    _attribute("asscalar", "1.23", "write a.item()"),
    _attribute("in1d", "2.4", "write np.isin"),
    _attribute("trapz", "2.4", "write np.trapezoid"),
    # constants
    _attribute("NaN", "2.0", "write np.nan"),
    _attribute("Inf", "2.0", "write np.inf"),
    _attribute("Infinity", "2.0", "write np.inf"),
    _attribute("infty", "2.0", "write np.inf"),
    _attribute("PINF", "2.0", "write np.inf"),
    _attribute("NINF", "2.0", "write -np.inf"),
    _attribute("PZERO", "2.0", "write 0.0"),
    _attribute("NZERO", "2.0", "write -0.0"),
    # dtype aliases
    _attribute("float_", "2.0", "write np.float64"),
    _attribute("complex_", "2.0", "write np.complex128"),
    _attribute("cfloat", "2.0", "write np.complex128"),
    _attribute("longfloat", "2.0", "write np.longdouble"),
    _attribute("string_", "2.0", "write np.bytes_"),
    _attribute("unicode_", "2.0", "write np.str_"),
    _attribute("bool8", "2.0", "write np.bool_"),
    _attribute("int0", "2.0", "write np.intp"),
    _attribute("uint0", "2.0", "write np.uintp"),
]}

#: ``a.<name>(...)`` on an ndarray: AttributeError "'numpy.ndarray' object has no attribute".
REMOVED_METHODS = {
    "ptp": RemovedAPI("ndarray.ptp()", "2.0", "write np.ptp(a) (or a.max() - a.min())", "a.ptp()"),
    "itemset": RemovedAPI("ndarray.itemset()", "2.0", "write a[index] = value", "a.itemset(0, 1.0)"),
    "newbyteorder": RemovedAPI("ndarray.newbyteorder()", "2.0",
                               "write a.view(a.dtype.newbyteorder())", "a.newbyteorder()"),
}

#: Calls whose keyword or meaning changed: (pattern on the error message, the API).
REMOVED_CALLS = [
    (re.compile(r"unexpected keyword argument 'newshape'|'newshape' is an invalid keyword"),
     RemovedAPI("np.reshape's `newshape=` keyword", "2.4",
                "write np.reshape(a, shape) or a.reshape(shape)",
                "np.reshape(a, newshape=(3, 2))")),
    (re.compile(r"Unable to avoid copy while creating an array as requested"),
     RemovedAPI("np.array(..., copy=False) as 'copy only if needed'", "2.0",
                "write np.asarray(x), which copies only when it must",
                "np.array([1.0, 2.0], dtype=np.float32, copy=False)")),
]

_NUMPY_ATTRIBUTE = re.compile(r"module 'numpy' has no attribute '(\w+)'|`np\.(\w+)` was removed")
_NDARRAY_ATTRIBUTE = re.compile(r"'numpy\.ndarray' object has no attribute '(\w+)'")


def _minor(version):
    return ".".join(version.split(".")[:2])


def explain_removed_api(exc_type_name, message, *, grading=False, numpy_version=None):
    """A sentence naming the removed numpy API behind an error, or None if it is not one.

    ``exc_type_name`` is the exception's class name ("TypeError"), ``message`` its message (a
    longer text that contains it will do: the grader passes its whole report line). The sentence
    says what was removed, in which numpy, and what to write instead; ``grading=True`` (the
    trusted grader) says the numpy is the course's, e.g.

        np.reshape's `newshape=` keyword was removed in numpy 2.4 (the course grades with
        numpy 2.4.x): write np.reshape(a, shape) or a.reshape(shape)
    """
    message = str(message or "")
    found = None
    if exc_type_name == "AttributeError":
        m = _NUMPY_ATTRIBUTE.search(message)
        if m:
            found = REMOVED_ATTRIBUTES.get(m.group(1) or m.group(2))
        m = _NDARRAY_ATTRIBUTE.search(message)
        if found is None and m:
            found = REMOVED_METHODS.get(m.group(1))
    elif exc_type_name in ("TypeError", "ValueError"):
        found = next((api for pattern, api in REMOVED_CALLS if pattern.search(message)), None)
    if found is None:
        return None
    version = _minor(numpy_version or np.__version__)
    running = (f"the course grades with numpy {version}.x" if grading
               else f"numpy {version}.x is installed here")
    return f"{found.api} was removed in numpy {found.removed_in} ({running}): {found.instead}"

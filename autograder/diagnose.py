"""The diagnosis engine of the trusted grader: the reference package's ``nnlab.diagnosis``.

One engine serves both sides of the course (see ``solutions/nnlab/diagnosis.py``): students' open
checks and the hidden checks name a mistake in the same words. The grader uses the REFERENCE
copy (loaded as ``nnlab_reference``), never the submission's, and runs it in the trusted process
only, on plain numpy values that came back from the worker. This module re-exports it so that
``from autograder.diagnose import compare`` keeps working, and registers the sandbox's
:class:`Handle` as an opaque value ("a dict object": the student's object stayed in the worker).

``mistakes`` is the reference's registry of named mistakes (``nnlab.mistakes``).
"""
import importlib

from .reference import load_reference
from .sandbox.protocol import Handle

_ref = load_reference()
_diagnosis = importlib.import_module(f"{_ref.__name__}.diagnosis")
mistakes = importlib.import_module(f"{_ref.__name__}.mistakes")

_diagnosis.register_opaque(Handle)

MATCH_RTOL = _diagnosis.MATCH_RTOL
compare = _diagnosis.compare
describe_type = _diagnosis.describe_type
explain_factor = _diagnosis.explain_factor
rel_error = _diagnosis.rel_error
type_name = _diagnosis.type_name

__all__ = ["MATCH_RTOL", "compare", "describe_type", "explain_factor", "mistakes", "rel_error",
           "type_name"]

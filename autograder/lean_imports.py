"""Imports that no nnlab process uses, kept from costing every process that starts.

``jsonschema`` (nbformat and nbgrader validate notebooks with it) imports ``rfc3987_syntax``
when it is installed (jupyter-events' ``jsonschema[format-nongpl]`` brings it), to check the
``"iri"`` string format. That import builds 39 parsers and takes 1.2 s of CPU, in the command,
in every grading worker and in every nbgrader command it runs. No schema nnlab or nbgrader
validates uses that format, so :func:`skip` makes the import fail in nnlab's own processes
(jsonschema expects that: it then checks no "iri" format, as without the package). A process
that imported jsonschema before nnlab (a Jupyter server) is left as it is.
"""
import sys

UNUSED = ("rfc3987_syntax",)


def skip() -> None:
    """Make ``import rfc3987_syntax`` fail in this process, unless jsonschema has it already."""
    if "jsonschema" in sys.modules:
        return
    for name in UNUSED:
        sys.modules.setdefault(name, None)

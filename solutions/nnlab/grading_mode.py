"""Tell notebooks whether they are being graded, so experiments can shrink.

``nnlab autograde`` sets ``NNLAB_GRADING=1`` before nbgrader runs a submitted notebook. Grading
must not pay for training runs whose results no grade depends on.
"""
import os


def is_grading() -> bool:
    """True while ``nnlab autograde`` (or nbgrader under it) executes the notebook."""
    return os.environ.get("NNLAB_GRADING", "") == "1"


def is_nbgrader_run() -> bool:
    """True while nbgrader itself executes the notebook: Validate (the button in JupyterLab or
    ``nbgrader validate``) or ``nbgrader autograde``. nbgrader sets these variables in the process
    that starts the kernel, and the kernel inherits them."""
    return (os.environ.get("NBGRADER_EXECUTION", "") in ("validate", "autograde")
            or os.environ.get("NBGRADER_VALIDATING", "") == "1")


def budget(full, graded):
    """Pick the experiment size: ``full`` when a person runs the notebook, ``graded`` under grading."""
    return graded if is_grading() else full

"""Tell notebooks whether they are being graded, so experiments can shrink.

``nnlab autograde`` sets ``NNLAB_GRADING=1`` before nbgrader runs a submitted notebook. Grading
must not pay for training runs whose results no grade depends on.
"""
import functools
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


def not_drawn_while_grading(plot):
    """Decorator for a function that only draws. Under ``nnlab autograde`` it prints one line
    instead of drawing: no grade depends on a figure, and drawing (building the figure, then
    rendering it to PNG) was half the time a graded run of a notebook took."""
    @functools.wraps(plot)
    def draw(*args, **kwargs):
        if is_grading():
            print(f"[{plot.__name__}: figures are not drawn while grading; "
                  f"run the notebook to see this one]")
            return None
        return plot(*args, **kwargs)
    return draw


def prepare_kernel():
    """Called by each lab's first cell. Under ``nnlab autograde`` only: modules are not
    re-checked before every cell (``%autoreload`` off: nothing changes during a graded run) and
    figures are never rendered (the Agg backend; ``plt.show()`` closes them). A person running
    the notebook keeps live reloading and inline figures."""
    if not is_grading():
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if "autoreload" in shell.extension_manager.loaded:
        shell.run_line_magic("autoreload", "0")
    shell.run_line_magic("matplotlib", "agg")
    import matplotlib.pyplot as plt
    plt.show = lambda *args, **kwargs: plt.close("all")

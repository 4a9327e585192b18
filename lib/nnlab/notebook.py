"""Helpers for the notebook cells that run YOUR functions (complete; nothing to write here).

A plot, an experiment or a training run uses functions you write in this package. Until they are
written, such a cell should not stop the notebook with a traceback: it asks first,

    from nnlab.notebook import ready
    if ready("relu_forward", "relu_backward"):
        ...                        # the experiment

and ``ready`` prints one line naming what is still missing, e.g.

    skipped: this experiment needs relu_forward, relu_backward (nnlab/activations.py): come back
    when they pass their checks

A function counts as "not written yet" while it still raises the ``NotImplementedError`` it was
released with, or while a function of this package that it calls does (``selu_forward`` written
with your ``elu_forward``, say). Nothing is executed to find out: ``ready`` reads the compiled
code, so it is instant and has no side effects.
"""
import importlib
import inspect
import types
from pathlib import Path

__all__ = ["ready", "unwritten", "TRAINING"]

#: Modules of the package that hold functions you write, searched in this order.
STUDENT_MODULES = ("layers", "activations", "layer_utils", "losses", "circuits", "sanity",
                   "normalization", "dropout", "regularization", "augment", "optim",
                   "schedules", "initializers", "init_stats",
                   "preprocessing", "search", "diagnostics")

#: What every training run of a fully connected network calls, whatever its activation.
TRAINING = ("affine_forward", "affine_backward", "softmax_loss")

#: The phrase every released stub's NotImplementedError message contains.
_STUB_MARK = "is yours to write"


def _package_root() -> Path:
    return Path(__file__).resolve().parent


def _modules():
    """(imported modules, {file: why} for the modules that fail to import), in search order."""
    found, broken = [], {}
    for module in STUDENT_MODULES:
        try:
            found.append(importlib.import_module(f"{__package__}.{module}"))
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{module}":
                continue            # a module of a later lab, not in this copy of the package
            broken[f"nnlab/{module}.py"] = f"ModuleNotFoundError: {exc}"
        except Exception as exc:  # noqa: BLE001 — a syntax error in your file must not stop a cell
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            broken[f"nnlab/{module}.py"] = f"{type(exc).__name__}{': ' + text if text else ''}"
    return found, broken


def _find(name):
    """Your function called ``name``, from the first module of STUDENT_MODULES that has it.

    Raises LookupError when no module has it: KeyError when every module imported (no such
    function), ImportError when some module could not be imported (it may be in that one).
    """
    found, broken = _modules()
    for mod in found:
        try:
            func = getattr(mod, name, None)
        except Exception:  # noqa: BLE001 — a lazy re-export from a module that fails to import
            func = None
        if callable(func):
            return func
    if broken:
        raise ImportError(f"{name} not found; " + "; ".join(f"{f} does not import ({why})"
                                                           for f, why in broken.items()))
    raise KeyError(f"nnlab has no function called {name!r}")


def _raises_stub_error(code: types.CodeType) -> bool:
    if "NotImplementedError" in code.co_names and any(
            isinstance(c, str) and _STUB_MARK in c for c in code.co_consts):
        return True
    return any(isinstance(c, types.CodeType) and _raises_stub_error(c) for c in code.co_consts)


def _names_used(code: types.CodeType) -> set:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names_used(c)
    return names


def _ours(obj) -> bool:
    """True for a function or module of this package (not numpy, not the standard library)."""
    name = getattr(obj, "__module__", None) if not isinstance(obj, types.ModuleType) \
        else obj.__name__
    return bool(name) and (name == __package__ or name.startswith(__package__ + "."))


def _callees(func):
    """The functions of this package that ``func`` refers to by name (or as module.name)."""
    code = func.__code__
    used = _names_used(code)
    found = []
    for n in used:
        obj = func.__globals__.get(n)
        if isinstance(obj, types.ModuleType) and _ours(obj):
            found += [getattr(obj, a) for a in used
                      if isinstance(getattr(obj, a, None), types.FunctionType)]
        elif isinstance(obj, types.FunctionType) and _ours(obj):
            found.append(obj)
    return found


def _is_unwritten(func, seen=None) -> bool:
    seen = set() if seen is None else seen
    if not isinstance(func, types.FunctionType) or func in seen:
        return False
    seen.add(func)
    if _raises_stub_error(func.__code__):
        return True
    return any(_is_unwritten(f, seen) for f in _callees(func))


def unwritten(*names) -> list:
    """The names, among ``names``, of functions that are not written yet (in the given order).

    A function in a module that does not import (a syntax error, say) counts as not written.
    """
    missing = []
    for n in names:
        try:
            if _is_unwritten(_find(n)):
                missing.append(n)
        except ImportError:
            missing.append(n)
    return missing


def _file_of(name) -> str:
    try:
        path = Path(inspect.getfile(_find(name))).resolve()
        return f"nnlab/{path.relative_to(_package_root()).as_posix()}"
    except (TypeError, ValueError, LookupError, ImportError):
        return "nnlab"


def ready(*names, what="this experiment") -> bool:
    """True when every function in ``names`` is written; otherwise print one line and return False.

    Inputs:
    - names: function names of your nnlab package, e.g. "relu_forward", "softmax_loss".
    - what: how the line refers to the cell, e.g. "this plot" or "training with tanh".
    """
    missing = unwritten(*names)
    if not missing:
        return True
    files = sorted({_file_of(n) for n in missing} - {"nnlab"})
    where = f" ({', '.join(files)})" if files else ""
    broken = _modules()[1]
    why = "".join(f"; {f} does not import: {reason}" for f, reason in broken.items())
    print(f"skipped: {what} needs {', '.join(missing)}{where}{why}: "
          "come back when they pass their checks")
    return False

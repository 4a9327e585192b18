"""Load the reference package (solutions/nnlab) under the private name ``nnlab_reference``.

The reference is never installed: ``import nnlab`` is the student package (lib/nnlab). The
trusted grader and the project's tests load the reference from the repository instead, under a
name no student code imports, so both packages can live in one process without shadowing each
other.

    ref = load_reference()
    out, cache = ref.activations.relu_forward(x)

Submodules are imported on first attribute access (``ref.layers``), so a module the caller
does not use is never imported.
"""
import functools
import importlib
import importlib.util
import sys
from pathlib import Path

from . import REPO_ROOT

#: Module name the reference package is registered under in sys.modules.
REFERENCE_NAME = "nnlab_reference"


def load_reference(root: Path | None = None):
    """Import the reference package and return it (cached: later calls return the same module).

    root: the package folder, default ``REPO_ROOT / "solutions" / "nnlab"``. One process holds
    one reference: asking for a second root raises ValueError.
    """
    root = (Path(root) if root is not None else REPO_ROOT / "solutions" / "nnlab").resolve()
    return _load(root)


@functools.lru_cache(maxsize=None)
def _load(root: Path):
    init = root / "__init__.py"
    if not init.is_file():
        raise FileNotFoundError(f"No reference package at {root} (expected {init})")
    loaded = sys.modules.get(REFERENCE_NAME)
    if loaded is not None and Path(loaded.__file__).resolve() != init:
        raise ValueError(f"{REFERENCE_NAME} is already loaded from {loaded.__file__}, not {init}")
    spec = importlib.util.spec_from_file_location(
        REFERENCE_NAME, init, submodule_search_locations=[str(root)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[REFERENCE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[REFERENCE_NAME]
        raise

    def __getattr__(name):  # PEP 562: import submodules lazily, on attribute access
        if (root / f"{name}.py").is_file() or (root / name / "__init__.py").is_file():
            return importlib.import_module(f"{REFERENCE_NAME}.{name}")
        raise AttributeError(f"module {REFERENCE_NAME!r} has no attribute {name!r}")

    module.__getattr__ = __getattr__
    return module

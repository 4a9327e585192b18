"""Write the expected values of the open checks from the reference package.

    python -m autograder.open_expected            # rewrite solutions/nnlab/open_expected/lab01.json
    python -m autograder.open_expected --check    # exit 1 when the stored file is stale

The open checks (``nnlab.checks``) ship to students together with the expected forward outputs
on their fixed inputs. Those values are computed here by running the reference package's own
copy of ``checks.py`` in "record" mode, so inputs and stored values can never drift apart. Only
forward outputs are stored (backward passes are checked against numerical gradients of the
student's own forward), rounded to 10 significant digits, each with its shape. After rewriting,
run ``nnlab stubs`` so lib/nnlab gets the new file.
"""
import argparse
import importlib
import json
import sys

from . import REPO_ROOT
from .generated import write_or_check

EXPECTED_DIR = REPO_ROOT / "solutions" / "nnlab" / "open_expected"
FILES = {"01_layers": "lab01.json", "02_normalization": "lab02.json",
         "03_regularization": "lab03.json", "04_optimizers": "lab04.json",
         "05_initialization": "lab05.json",
         "06_training_recipe": "lab06.json"}


def compute(lab: str = "01_layers") -> dict:
    """The expected values of ``lab`` as the reference produces them now."""
    from .reference import load_reference

    ref = load_reference()
    checks = importlib.import_module(f"{ref.__name__}.checks")
    values = checks.record_expected(lab, package=ref.__name__)
    return {
        "_about": (f"Expected forward outputs for the open checks of lab {lab}, generated from "
                   "the reference by `python -m autograder.open_expected`; do not edit."),
        **values,
    }


def render(data: dict) -> str:
    """One entry a line: short to review, and a diff shows which check changed."""
    lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in data.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report staleness (exit 1)")
    args = parser.parse_args(argv)
    status = 0
    for lab, name in FILES.items():
        text = render(compute(lab))
        status |= write_or_check(EXPECTED_DIR / name, text, args.check,
                                 f"{len(json.loads(text)) - 1} entries")
    return status


if __name__ == "__main__":
    sys.exit(main())

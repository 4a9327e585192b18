"""The trusted grader: score one submission's lab functions without ever running its code here.

    report = grade_submission("submissions/alice", "01")
    print(report.to_text())

The submission's ``nnlab/`` package runs only in a sandboxed worker process
(:mod:`autograder.sandbox`). The lab's hidden checks (``autograder/hidden/labNN/``, pytest files)
run in THIS process through ``pytest.main`` with a plugin that hands them the sandbox and the
reference, and collects one verdict per check. A graded function scores

    points × (weight earned by its checks) / (weight of its checks that count)

with weight 3 for a correctness check (values against the reference or against finite
differences) and 1 for a property check (tuple/shape/dtype, inputs not modified). A check earns
its weight when it passes, and the share of its gradients that are right when it compares several
(dx, dw, db); a check that could not judge the function because another one failed first (no
cache from a broken forward) does not count. A function that agrees with no reference value
scores 0, however self-consistent (a loss that returns 0 with gradient 0 passes the
finite-difference check but has learnt nothing). :func:`scoring_rule` says it in one sentence per
function, in every report. See docs/grading.md ("Scoring: one mistake, one deduction").
"""
import contextlib
import io
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from .labs import get_lab

HIDDEN_DIR = Path(__file__).resolve().parent / "hidden"
PLUGIN_NAME = "nnlab_grader"
MAX_MESSAGES = 8          # per function, in the report


@dataclass
class CheckResult:
    check: str            # a stable id of the check (never its source)
    function: str
    weight: float
    passed: bool
    message: str = ""
    earned: float = None  # weight earned: all when passed, a share when some outputs are right
    counted: bool = True  # False: not gradable here because ANOTHER function failed first
    anchored: bool = None  # compared with the reference (None: decided by the check's name)
    notes: list = field(default_factory=list)   # feedback from a passing check

    def __post_init__(self):
        if self.earned is None:
            self.earned = self.weight if self.passed else 0.0


@dataclass
class FunctionResult:
    name: str
    module: str
    score: float
    max_score: float
    passed: bool
    messages: list = field(default_factory=list)
    checks_passed: int = 0
    checks_total: int = 0
    rule: str = ""        # how the score was computed, in one sentence (scoring_rule)
    notes: list = field(default_factory=list)   # not held against the function


def _grading_environment():
    from .provenance import grading_environment
    return grading_environment()


@dataclass
class GradeReport:
    lab: str
    submission: str
    status: str                      # ok | missing_package | import_error | grader_error
    functions: list
    total: float
    max_total: float
    elapsed: float
    messages: list = field(default_factory=list)    # submission-level notes
    checks: list = field(default_factory=list)      # CheckResult per hidden check (not exported)
    environment: dict = field(default_factory=_grading_environment)  # versions, lock, grader

    def function(self, name):
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)

    # ---------------------------------------------------------------- exports
    def to_dict(self):
        return {
            "lab": self.lab,
            "submission": self.submission,
            "status": self.status,
            "total": self.total,
            "max_total": self.max_total,
            "elapsed": round(self.elapsed, 3),
            "messages": list(self.messages),
            "functions": [asdict(f) for f in self.functions],
            "environment": dict(self.environment),
        }

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2)

    def to_gradescope(self):
        tests = []
        for f in self.functions:
            if f.passed:
                output = f"All {f.checks_total} checks passed."
            else:
                head = (f"{f.checks_passed} of {f.checks_total} checks passed."
                        if f.checks_total else "Not graded.")
                output = "\n".join([head] + [f"- {m}" for m in f.messages])
            output = "\n".join([output] + [f"- note: {n}" for n in f.notes]
                               + ([f"Score: {f.rule}"] if f.rule else []))
            tests.append({"name": f.name, "score": f.score, "max_score": f.max_score,
                          "output": output, "visibility": "visible"})
        out = {"score": self.total, "tests": tests, "execution_time": round(self.elapsed, 3)}
        from .provenance import describe
        out["output"] = "\n".join(list(self.messages) + [describe(self.environment)])
        return json.dumps(out, indent=2)

    def to_text(self):
        lines = [f"Lab {self.lab}: {self.total:g} / {self.max_total:g} points", ""]
        for m in self.messages:
            lines.append(m)
        if self.messages:
            lines.append("")
        width = max([len(f.name) for f in self.functions] + [8])
        lines.append(f"  {'function'.ljust(width)}   score   checks")
        for f in self.functions:
            mark = "ok" if f.passed else ("--" if f.score == 0 else "~~")
            lines.append(f"{mark} {f.name.ljust(width)} {f.score:5.2f}/{f.max_score:<3g}"
                         f" {f.checks_passed:>3}/{f.checks_total}")
        failing = [f for f in self.functions if not f.passed and (f.messages or f.notes)]
        noted = [f for f in self.functions if f.notes and f not in failing]

        def items(texts, prefix=""):
            for m in texts:
                first, *rest = m.split("\n")
                lines.append(f"  - {prefix}{first}")
                lines.extend(f"    {r}" for r in rest)

        if failing:
            lines += ["", "What to look at (each item names the case that failed):"]
            for f in failing:
                lines.append("")
                lines.append(f"{f.name} ({f.score:g} / {f.max_score:g}):")
                items(f.messages)
                items(f.notes, "not held against it: ")
        elif self.status == "ok":
            lines += ["", "Everything passed. Well done!"]
        if noted:
            lines += ["", "Not held against these functions (the fault lies in another one):"]
            for f in noted:
                lines.append("")
                lines.append(f"{f.name} ({f.score:g} / {f.max_score:g}):")
                items(f.notes)
        ruled = [f for f in self.functions if f.rule and (not f.passed or f.notes)]
        if ruled:
            lines += ["", "How the scores were computed: points × weight earned / total weight "
                          "(a correctness check weighs 3, a property check 1):"]
            lines += [f"  {f.rule}" for f in ruled]
            if len(ruled) < len(self.functions):
                lines.append("  Every other function passed all its checks: full points.")
        from .provenance import describe
        lines += ["", describe(self.environment)]
        return "\n".join(lines)


# -------------------------------------------------------------------------------------- pytest

class _GraderPlugin:
    """Registered as ``nnlab_grader``: the hidden checks' fixtures read the sandbox from here."""

    def __init__(self, sandbox, reference):
        self.sandbox = sandbox
        self.reference = reference
        self.results = []
        self.errors = []

    def pytest_configure(self, config):
        config.nnlab_grader = self

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        from autograder.hidden.checklib import begin_check
        begin_check()

    def pytest_collectreport(self, report):
        if report.failed:   # name the cause: the last line of pytest's report is the exception
            cause = [l for l in str(report.longrepr).strip().splitlines() if l.strip()][-3:]
            self.errors.append(f"could not collect hidden checks in {report.nodeid}: "
                               + " | ".join(l.strip() for l in cause))

    def _message(self, excinfo):
        from autograder.hidden.checklib import CheckFailed
        from autograder.sandbox import StudentError
        exc = excinfo.value
        if isinstance(exc, (CheckFailed, StudentError)):
            return str(exc), False
        return f"internal grader error ({type(exc).__name__}); please report it to the course staff", True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        rep = outcome.get_result()
        if rep.when == "call" or (rep.when == "setup" and not rep.passed):
            marker = item.get_closest_marker("grades")
            if marker is None:
                self.errors.append(f"hidden check {item.nodeid} names no graded function")
                return
            function = marker.args[0]
            weight = float(marker.args[1] if len(marker.args) > 1 else marker.kwargs.get("weight", 3.0))
            message = ""
            if not rep.passed and call.excinfo is not None:
                message, internal = self._message(call.excinfo)
                if internal:
                    from .errors import describe_exception
                    self.errors.append(f"{item.nodeid}: {describe_exception(call.excinfo.value)[:500]}")
            elif rep.skipped:
                message = "skipped"
            check_id = item.nodeid.split("::", 1)[-1]
            result = CheckResult(check_id, function, weight, bool(rep.passed), message)
            self._verdict(result, call.excinfo if not rep.passed else None)
            self.results.append(result)

    def _verdict(self, result, excinfo):
        """Partial credit, checks not counted, and notes, as the check reported them."""
        from autograder.hidden.checklib import CheckFailed, NotGradable, this_check
        record = this_check()
        result.notes = list(record.notes)
        result.anchored = record.anchored
        exc = excinfo.value if excinfo is not None else None
        if isinstance(exc, NotGradable):
            result.counted = False
        elif isinstance(exc, CheckFailed):
            result.earned = round(result.weight * min(max(exc.fraction, 0.0), 1.0), 6)


@contextlib.contextmanager
def _pytest_environment_ignored():
    """Grades must not depend on the grader's shell: PYTEST_ADDOPTS (say ``-x`` or extra test
    files), PYTEST_PLUGINS and plugins installed in the environment do not reach the hidden checks."""
    saved = {k: os.environ.pop(k) for k in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if k in os.environ}
    autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        os.environ.update(saved)
        if autoload is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload


#: pytest plugins the hidden checks never need (they use the ``student`` and ``ref`` fixtures,
#: parametrize and ``pytest.skip``): left out of every run of the checks.
UNUSED_PYTEST_PLUGINS = ("logging", "junitxml", "doctest", "pastebin", "stepwise",
                         "faulthandler", "legacypath", "tmpdir", "monkeypatch", "recwarn",
                         "setuponly", "setupplan", "debugging", "python_path", "threadexception")


def run_hidden_checks(sandbox, lab, reference=None, *, only=None):
    """Run the lab's hidden checks against ``sandbox``; return (CheckResult list, errors)."""
    if reference is None:
        from .reference import load_reference
        reference = load_reference()
    lab_dir = HIDDEN_DIR / ("lab" + lab.name.split("_")[0])
    plugin = _GraderPlugin(sandbox, reference)
    args = [str(lab_dir), "-c", str(HIDDEN_DIR / "pytest.ini"), "--rootdir", str(HIDDEN_DIR),
            "-p", "no:cacheprovider", "-p", "no:warnings", "-p", "no:randomly",
            # its clean-up runs gc.collect() five times over the whole (nbgrader-sized) heap of
            # this process: 0.6 s per submission, for exceptions raised in __del__ methods
            "-p", "no:unraisableexception",
            # plugins for features the hidden checks do not use (log capture, temporary
            # directories, monkeypatching, ...): fewer hook calls for each of ~90 checks
            *[arg for name in UNUSED_PYTEST_PLUGINS for arg in ("-p", f"no:{name}")],
            "-q", "--capture=no", "--assert=plain", "--import-mode=importlib",
            "--tb=no", "--no-header", "-o", "addopts="]
    if only:
        args += ["-k", only]
    sink = io.StringIO()
    with _pytest_environment_ignored(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        code = pytest.main(args, plugins=[plugin])
    if int(code) not in (0, 1) and not plugin.results:
        plugin.errors.append(f"pytest exited with {code!r}: {sink.getvalue()[-2000:]}")
    return plugin.results, plugin.errors


def find_package(submission_dir):
    """The submission's nnlab package: DIR/nnlab, or DIR/<one folder>/nnlab (zip layouts)."""
    sub = Path(submission_dir)
    direct = sub / "nnlab"
    if (direct / "__init__.py").is_file():
        return direct
    if sub.name == "nnlab" and (sub / "__init__.py").is_file():
        return sub
    nested = [p for p in sub.glob("*/nnlab") if (p / "__init__.py").is_file()] if sub.is_dir() else []
    if len(nested) == 1:
        return nested[0]
    return None


#: Checks that do not compare with the reference: they earn points only next to one that does.
REFERENCE_FREE_CHECKS = ("numerical_gradient", "properties")


def _anchored(check):
    """Does the check compare with the reference? Finite-difference checks of a forward/backward
    pair say so themselves (they difference a forward verified against the reference)."""
    if check.anchored is not None:
        return check.anchored
    return not any(k in check.check for k in REFERENCE_FREE_CHECKS)


def _score(points, checks):
    """points × (weight earned) / (total weight), over the checks that count.

    A check earns its weight when it passes, and the share of its outputs that are right when
    it compares several (dx, dw, db: a wrong db alone earns 2/3 of the check). A check that could
    not judge the function because another one failed first (no cache from a broken forward)
    does not count either way. A function that matches the reference nowhere (no check that
    compares with it earns anything) scores 0."""
    counted = [c for c in checks if c.counted]
    total_w = sum(c.weight for c in counted)
    if not total_w:
        return 0.0
    if not any(c.earned > 0 for c in counted if _anchored(c)):
        return 0.0
    return round(points * sum(c.earned for c in counted) / total_w, 3)


def _w(values):
    return ", ".join(f"{round(v, 3):g}" for v in values)


def scoring_rule(name, points, checks, score):
    """One sentence a TA can read out: how ``score`` came from the checks, e.g.
    "affine_backward: 1 of 4 checks passed, 3 in part (weights earned 2, 2, 2, 1 of 3, 3, 3, 1)
    -> 3 × 7/10 = 2.1/3 (points × weight earned / total weight)." """
    counted = [c for c in checks if c.counted]
    if not checks:
        return f"{name}: no checks ran -> 0/{points:g}."
    left_out = len(checks) - len(counted)
    if not counted:
        return (f"{name}: none of its {len(checks)} checks could run, because the function that "
                f"makes its input (its forward pass) failed first -> 0/{points:g}.")
    total = sum(c.weight for c in counted)
    earned = round(sum(c.earned for c in counted), 6)
    full = sum(c.passed for c in counted)
    part = sum(1 for c in counted if not c.passed and c.earned > 0)
    text = f"{name}: {full} of {len(counted)} check{'s' if len(counted) != 1 else ''} passed"
    if part:
        text += f", {part} in part"
    text += f" (weights earned {_w(c.earned for c in counted)} of {_w(c.weight for c in counted)})"
    if left_out:
        text += (f"; {left_out} more {'was' if left_out == 1 else 'were'} not counted, as another "
                 f"function failed first")
    if score == 0 and earned > 0:
        if not any(_anchored(c) for c in counted):
            return (f"{text} -> 0/{points:g}: none of its comparisons with the reference could be "
                    f"counted, and a function never compared with the reference scores 0.")
        return (f"{text} -> 0/{points:g}: none of its comparisons with the reference passed, and a "
                f"function that matches the reference nowhere scores 0.")
    return (f"{text} -> {points:g} × {round(earned, 3):g}/{total:g} = {score:g}/{points:g} "
            f"(points × weight earned / total weight).")


def grade_submission(submission_dir, lab, *, call_timeout=10.0, limits=None, reference=None):
    """Grade ``submission_dir`` (which holds an ``nnlab/`` package) on ``lab`` ("01", ...)."""
    from .sandbox import Sandbox, StudentError

    t0 = time.monotonic()
    lab = get_lab(lab) if isinstance(lab, str) else lab
    sub = str(submission_dir)

    def empty(status, message, per_function=None):
        fns = [FunctionResult(f.name, f.module, 0.0, float(f.points), False,
                              [per_function or message]) for f in lab.functions]
        return GradeReport(lab.name, sub, status, fns, 0.0, float(lab.max_points),
                           time.monotonic() - t0, [message])

    pkg = find_package(submission_dir)
    if pkg is None:
        return empty("missing_package",
                     f"No nnlab package found in {os.path.basename(os.path.abspath(sub))}/: "
                     f"expected a folder nnlab/ with an __init__.py (your edited copy of the lab's "
                     f"nnlab package).", "not graded: the nnlab package is missing")

    notes = []
    import_errors = {}
    with Sandbox(pkg, call_timeout=call_timeout, limits=limits) as sb:
        for module in sorted({f.module for f in lab.functions}):
            if not (Path(pkg) / f"{module}.py").is_file():
                import_errors[module] = (f"nnlab/{module}.py is missing from your submission "
                                         f"(did it get lost when you uploaded?)")
                continue
            try:
                sb.import_module(module)
            except StudentError as e:
                import_errors[module] = str(e)
        checks, errors = run_hidden_checks(sb, lab, reference)
        restarts = sb.restarts

    by_fn = {f.name: [] for f in lab.functions}
    for c in checks:
        if c.function in by_fn:
            by_fn[c.function].append(c)
        else:
            errors.append(f"hidden check {c.check} grades unknown function {c.function}")

    functions = []
    for f in lab.functions:
        cs = by_fn[f.name]
        score = _score(f.points, cs)
        msgs = []
        if f.module in import_errors:
            msgs.append(import_errors[f.module])
        counted = [c for c in cs if c.counted]
        fnotes = []                 # this function's notes (``notes`` is the submission's)
        for c in cs:
            if not c.passed and c.message and c.message not in msgs and c.counted:
                msgs.append(c.message)
            for n in c.notes + ([c.message] if not c.counted and c.message else []):
                if n not in fnotes:
                    fnotes.append(n)
        if not counted:             # nothing could be graded: the notes say why it scores 0
            msgs, fnotes = msgs + [n for n in fnotes if n not in msgs], []
        if len(msgs) > MAX_MESSAGES:
            msgs = msgs[:MAX_MESSAGES] + [f"... and {len(msgs) - MAX_MESSAGES} more failed checks"]
        if len(fnotes) > MAX_MESSAGES:
            fnotes = fnotes[:MAX_MESSAGES] + [f"... and {len(fnotes) - MAX_MESSAGES} more notes"]
        if not cs:
            errors.append(f"no hidden checks for {f.name}")
        passed = bool(counted) and all(c.passed for c in counted) and score == f.points
        functions.append(FunctionResult(f.name, f.module, score, float(f.points), passed, msgs,
                                        sum(c.passed for c in counted), len(counted),
                                        scoring_rule(f.name, float(f.points), cs, score),
                                        fnotes))

    status = "ok"
    if import_errors:
        status = "import_error"
        for module, msg in import_errors.items():
            notes.append(f"nnlab/{module}.py could not be imported, so its functions score 0: {msg}")
    if restarts:
        notes.append(f"Your code crashed or hung the grader's worker {restarts} time(s); "
                     f"the affected checks score 0 (see below).")
    if errors:
        status = "grader_error"
        notes.append("The grader hit an internal problem; the course staff has been told. "
                     "Your score may be incomplete.")
    report = GradeReport(lab.name, sub, status, functions,
                         round(sum(f.score for f in functions), 3), float(lab.max_points),
                         time.monotonic() - t0, notes, checks)
    report.grader_errors = errors
    return report


def cli(args):
    """``nnlab grade SUBMISSION --lab LAB [--format text|json|gradescope] [--output FILE]``."""
    import sys
    try:
        report = grade_submission(args.submission, args.lab)
    except SystemExit:
        raise
    except Exception as e:  # a grader failure, not a student's
        from .errors import describe_exception
        print(f"nnlab grade: the grader failed: {describe_exception(e)}", file=sys.stderr)
        return 2
    fmt = getattr(args, "format", "text") or "text"
    text = {"text": report.to_text, "json": report.to_json,
            "gradescope": report.to_gradescope}[fmt]()
    if getattr(args, "output", None):
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    if getattr(report, "grader_errors", None):
        from .errors import summarize_grader_errors
        for e in summarize_grader_errors(report.grader_errors):
            print(f"nnlab grade: grader error: {e}", file=sys.stderr)
        return 3
    return 0

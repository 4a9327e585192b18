"""``nnlab demo``: the whole course pipeline on bundled sample submissions, offline.

Creates a course, releases labs 01 to 06, makes a small class of sample submissions for each,
autogrades them (nbgrader + the trusted grader), writes feedback, exports grades and prints the
gradebooks.

The class:

* ``ada_reference``  — the reference solution: full marks;
* ``ben_untouched``  — the released stubs, untouched: 0 on every function;
* ``cleo_mistakes`` and ``dev_mistakes`` — typical mistakes: partial marks, specific feedback;
* ``eve_hostile`` — untouched stubs, plus code that patches ``np.allclose`` at import and a notebook
  cell that tries to set every score in the gradebook to 100: contained, 0;
* ``finn_broken`` — the reference, but the notebook is not valid JSON and ``losses.py`` has a
  syntax error: reported as such, every other function still graded.

Labs 02 and 04 get ada, ben and two students with catalogued mistakes of their lab (lab 04:
Adam without bias correction, step decay off by one epoch; Nesterov written as plain momentum,
AdamW as Adam + L2, the AdaGrad cache reset each step; lab 05: He from the slide's typo and a
Xavier-uniform bound from the normal formula; np.random ignoring the seed, a transposed He
matrix, the gradient statistics of dz instead of dW; lab 06: preprocessing fitted on all the
data, uniform instead of log-uniform sampling; the last trial returned as the best, dead units
counted for some input, over- and underfitting swapped).
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
import time
from pathlib import Path

from . import REPO_ROOT
from .errors import GraderFailed
from .labs import LAB01, LAB02, LAB03, LAB04, LAB05, LAB06
from . import course as courselib
from . import export as exporting

SOLUTIONS = REPO_ROOT / "solutions" / "nnlab"

TESTS = REPO_ROOT / "tests"

# The sample students are made of entries of the project's public catalogues (tests/catalogue,
# tests/hostile): the same mistakes and attacks the test suite holds the grader to.
MISTAKES = {
    "cleo_mistakes": ("affine_db_mean", "softmax_no_shift"),
    "dev_mistakes": ("sigmoid_naive", "tanh_backward_x", "svm_counts_correct_class"),
}
#: per lab: (the public catalogue of mistakes, the students with mistakes from it)
CLASSES = {
    LAB01.name: ("catalogue/lab01_mistakes.py", MISTAKES),
    LAB02.name: ("catalogue/lab02_mistakes.py", {
        "cleo_mistakes": ("bn_unbiased_variance", "ln_backward_batch_axis"),
        "dev_mistakes": ("bn_momentum_swapped", "bn_dgamma_averaged", "gn_strided_groups"),
    }),
    LAB03.name: ("catalogue/lab03_mistakes.py", {
        "cleo_mistakes": ("drop_p_is_drop_probability", "l2_biases_regularized"),
        "dev_mistakes": ("drop_backward_new_mask", "aug_roll_wraps", "l1_sign_wrong"),
    }),
    LAB04.name: ("catalogue/lab04_mistakes.py", {
        "cleo_mistakes": ("adam_no_bias_correction", "step_decay_off_by_one"),
        "dev_mistakes": ("nesterov_as_plain_momentum", "adamw_as_l2", "adagrad_cache_reset"),
    }),
    LAB05.name: ("catalogue/lab05_mistakes.py", {
        "cleo_mistakes": ("he_normal_lecture_typo", "xavier_uniform_normal_bound"),
        "dev_mistakes": ("gaussian_global_rng", "he_uniform_transposed", "grad_stats_dz"),
    }),
    LAB06.name: ("catalogue/lab06_mistakes.py", {
        "cleo_mistakes": ("splits_fitted_on_all_data", "log_uniform_is_uniform"),
        "dev_mistakes": ("random_search_last_trial", "dead_for_some_input", "fit_verdicts_swapped"),
    }),
}
#: eve: numpy patched at import in her package, and a notebook cell that writes the gradebook.
HOSTILE = ("patch_numpy", "kernel_writes_gradebook")


def _public_catalogue(relative: str):
    """Import a catalogue module (``catalogue/labNN_mistakes.py``, ``hostile/catalogue.py``) from
    the repository's tests/ folder (the demo runs from a checkout), inside its package, as the
    tests import it."""
    path = TESTS / relative
    # not "catalogue": a package on PyPI has that name
    package = f"nnlab_public_{path.parent.name}"
    if package not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            package, path.parent / "__init__.py", submodule_search_locations=[str(path.parent)])
        sys.modules[package] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[package])
    return importlib.import_module(f"{package}.{path.stem}")


ANSWER = ("Sigmoid barely learns: after 20 epochs its loss is still near log 10 = 2.3 and its "
          "validation accuracy jumps between 0.10 and 0.42 (mean 0.26 over the last 5 epochs). "
          "Its slope is at most 1/4, so the gradient shrinks at every layer, and its outputs are "
          "not zero-centred. tanh and ELU learn fastest in the first epochs (zero-centred, slope 1 "
          "at 0); ReLU and leaky ReLU start slower but catch up, all four ending near 0.96. GELU "
          "lags (0.91): with small weights its inputs sit near 0, where its slope is only 1/2. "
          "The CIFAR-10 table need not agree: deep networks trained for long, gaps of 1-2 points.")


ANSWERS = {LAB02.name: "Batch normalization keeps each layer's pre-activations at mean beta and "
                      "std gamma, whatever the layers below do; a residual block passes dh on "
                      "unchanged, so early layers still receive a gradient.",
           LAB03.name: "Inverted dropout divides the kept units by p while training, so the "
                       "expected activation is unchanged and test mode is the identity; without "
                       "the division, test-time activations are 1/p times larger than in "
                       "training. Dropout and L2 narrowed the gap between training and validation "
                       "accuracy; the strongest L2 underfits. Shifts by a pixel are "
                       "label-preserving for digits, flips are not (a flipped 3 is no digit).",
           LAB04.name: "Momentum averages the zig-zag out across the valley and builds speed "
                       "along it; the adaptive rules rescale each direction, so the valley looks "
                       "round to them.",
           LAB05.name: "Var[z] = fan_in * Var[w] * Var[h]: std 0.01 multiplies the std by "
                       "0.22 per layer (collapse), std 1 by 22 (tanh saturates at +-1), Xavier "
                       "keeps it near 1 for tanh's linear middle; a ReLU halves the second "
                       "moment, so Xavier weights shrink it by 2 per layer and He's factor 2 "
                       "makes up for it.",
           LAB06.name: "The good trials lie in a band of learning rates around 1e-3 whatever the "
                       "regularisation, so the learning rate mattered more. A 3x3 grid tries "
                       "only three learning rates; random search tries nine with the same "
                       "budget."}


def _answer_question(notebook: Path, text: str | None = None) -> None:
    """Fill the manually graded answer cells with ``text`` (default: this lab's sample answer),
    as a student would."""
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown":
            cell.source = text if text is not None else ANSWERS.get(notebook.stem, ANSWER)
    nbformat.write(nb, notebook)


def make_submissions(course: Path, lab=LAB01) -> list[str]:
    """Write the sample class of ``lab`` into ``submitted/`` as nbgrader collect would."""
    released = course / "release" / lab.name
    catalogue, with_mistakes = CLASSES[lab.name]
    mistakes = {m.id: m for m in _public_catalogue(catalogue).MISTAKES}
    students = ["ada_reference", "ben_untouched", *with_mistakes]
    for student in students:
        target = course / "submitted" / student / lab.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
        if student == "ben_untouched":
            continue
        courselib._copy_package(SOLUTIONS, target / "nnlab")
        _answer_question(target / f"{lab.name}.ipynb")
        for mistake in with_mistakes.get(student, ()):
            entry = mistakes[mistake]
            path = target / "nnlab" / f"{entry.module}.py"
            path.write_text(path.read_text() + "\n\n# --- the student's version ---\n" + entry.source)
    return students


def make_hostile_and_broken(course: Path) -> list[str]:
    """Two more students: one hostile, one whose files are broken."""
    hostile = _public_catalogue("hostile/catalogue.py")
    parts = [hostile.CASES_BY_ID[case] for case in HOSTILE]
    eve = hostile.Hostile("eve_hostile", " and ".join(p.what for p in parts), "stubs",
                          modules=parts[0].modules, notebook=parts[1].notebook)
    broken = course / "submitted" / "finn_broken" / LAB01.name
    for target in (course / "submitted" / "eve_hostile", broken.parent):
        if target.exists():
            shutil.rmtree(target)
    hostile.build_submission(course, eve)
    shutil.copytree(course / "release" / LAB01.name, broken)
    courselib._copy_package(SOLUTIONS, broken / "nnlab")
    (broken / f"{LAB01.name}.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "oops')
    losses = broken / "nnlab" / "losses.py"
    losses.write_text(losses.read_text() + "\n\ndef svm_loss(x, y)\n    return 0\n")
    return ["eve_hostile", "finn_broken"]


def run_demo(directory: Path) -> str:
    directory = Path(directory).resolve()
    if directory.exists():
        if not (directory / "nbgrader_config.py").exists():
            raise SystemExit(f"{directory} exists and is not an nnlab course; pick another --dir.")
        shutil.rmtree(directory)
    started = time.perf_counter()
    print(f"1/6 Creating an nbgrader course in {directory}")
    courselib.create_course(directory)
    labs = (LAB01, LAB02, LAB03, LAB04, LAB05, LAB06)
    print(f"2/6 Releasing {', '.join(lab.name for lab in labs)} (nbgrader generate_assignment)")
    for lab in labs:
        courselib.release(directory, lab)
    students = make_submissions(directory) + make_hostile_and_broken(directory)
    others = {lab.name: make_submissions(directory, lab) for lab in labs if lab is not LAB01}
    print(f"3/6 {len(students)} sample submissions of {LAB01.name}, "
          + ", ".join(f"{len(s)} of {name}" for name, s in others.items())
          + f", in {directory / 'submitted'}")
    print("4/6 Autograding: nbgrader runs each notebook, the trusted grader scores the functions")
    for lab in labs:
        # eve (hostile) and finn (broken) hand in lab 01 only
        _check_outcomes(courselib.autograde(directory, lab), lab,
                        zero=("ben_untouched", "eve_hostile") if lab is LAB01
                        else ("ben_untouched",))
    print("5/6 Writing feedback and exporting grades")
    for lab in labs:
        courselib.feedback(directory, lab)
    csv_path = exporting.export(directory, directory / "grades.csv")
    tables = [exporting.format_gradebook(exporting.gradebook_rows(directory, lab), lab)
              for lab in labs]
    table = "\n\n".join(tables)
    print("6/6 Done in %.0f s.\n" % (time.perf_counter() - started))
    print(table)
    print(f"\nFeedback for each student: {directory / 'feedback' / '<student>' / LAB01.name}"
          f" (nbgrader HTML + nnlab_report.txt)")
    print(f"Grades CSV: {csv_path}")
    print(f"Example — what dev_mistakes reads:\n")
    report = directory / courselib.STATUS_DIR / LAB01.name / "dev_mistakes.report.txt"
    if report.exists():
        print(report.read_text())
    print(_containment_summary(directory))
    return table


def _containment_summary(directory: Path) -> str:
    """What the hostile and the broken student got, read back from the gradebook."""
    from nbgrader.api import Grade
    with courselib.gradebook(directory) as gb:
        top = max(((g.auto_score or 0) for g in gb.db.query(Grade)), default=0)
    eve = courselib.read_outcome(directory, LAB01, "eve_hostile")
    finn = courselib.read_outcome(directory, LAB01, "finn_broken")
    losses_line = ""
    report = directory / courselib.STATUS_DIR / LAB01.name / "finn_broken.report.txt"
    for line in report.read_text().splitlines() if report.exists() else []:
        if "SyntaxError" in line:
            losses_line = line.strip()
            break
    return "\n".join([
        "Contained:",
        f"  eve_hostile patched np.allclose and tried to write 100s into the gradebook: "
        f"{eve.score:g} / {eve.max_score:g}; the highest score in the gradebook is {top:g}.",
        f"  finn_broken: {courselib.STATUS_TEXT[finn.status]}; functions {finn.score:g} / {finn.max_score:g}"
        + (f"; {losses_line}" if losses_line else ""),
    ])


def _check_outcomes(outcomes, lab=LAB01, zero=("ben_untouched", "eve_hostile")) -> None:
    """Stop with the cause when the grader failed, or when the class of ``lab`` did not grade
    as it must (the reference full marks, the untouched stubs and the hostile student — the
    students in ``zero`` — 0): a demo that printed a gradebook of wrong grades would hide a
    broken grader."""
    failed = courselib.report_grader_errors(outcomes, "nnlab demo")
    if failed:
        raise GraderFailed(f"the grader failed on {len(failed)} of {len(outcomes)} sample "
                           f"submissions of {lab.name}; first cause: {failed[0].detail}")
    by_student = {o.student: o for o in outcomes}
    wrong = []
    ada = by_student.get("ada_reference")
    if ada is None or ada.score < ada.max_score:
        wrong.append(f"ada_reference (the reference) scored "
                     f"{'nothing' if ada is None else f'{ada.score:g} / {ada.max_score:g}'}")
    for student in zero:
        o = by_student.get(student)
        if o is None or o.score != 0:
            wrong.append(f"{student} scored {'nothing' if o is None else f'{o.score:g}'}, not 0")
    if wrong:
        raise GraderFailed(f"the sample class of {lab.name} did not grade as it must: "
                           + "; ".join(wrong))


def cli(args) -> int:
    run_demo(Path(args.dir))
    return 0

"""Lab 01 as a student meets it: the RELEASED notebook in a real JupyterLab, in a real browser.

The lab is released through nbgrader exactly as ``nnlab release`` does it, then copied twice
into the folder a JupyterLab server serves: ``stubs/`` (the release as students get it) and
``reference/`` (the same release with solutions/nnlab as its ``nnlab/``). Debian's chromium,
headless and driven by Playwright, opens each notebook, waits for the kernel, clicks
Run > Run All Cells and reads the page: the ``[n]:`` prompts, the kernel status, the outputs.

What a student needs, and what is asserted, on both packages:
- the kernel starts (the page and the server both say so);
- Run All reaches the last cell: every code cell ran, once, in order, in one kernel life (no
  kernel death or restart), and no cell shows a traceback or anything on stderr;
- every check cell renders its table of verdicts (``table.nnlab-checks``);
- on the stubs each table says what is missing (a ✗ verdict); on the reference every verdict is
  ✓ and the plots render.

Needs chromium at /usr/bin/chromium (``apt-get install chromium``) and the Python package
playwright (the test extras). Never ``playwright install``: the test uses the system browser.
Without them the test is skipped on a workstation and FAILS in CI (``CI=true``).
On failure a screenshot and the notebook's text are saved; the error names the files.
"""
import contextlib
import importlib.util
import os
import re
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser_lab import (CELLS, CHROMIUM, copy_lab, evidence_on_failure, execution_count,
                         headless_chromium, jupyter_lab, open_notebook, run_all,
                         run_all_settled, sessions, wait_for)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_layers.ipynb"
#: Seconds Run All may take (the reference's experiment included). The page is polled, so a
#: fast run costs only its own time.
RUN_ALL_TIMEOUT = 240
CHECK_CALL = re.compile(r"""\bcheck(_lab)?\(\s*["']""")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing() -> list[str]:
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the Python package playwright (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        missing.append(f"chromium at {CHROMIUM} (apt-get install chromium)")
    return missing


# --------------------------------------------------------------------------------------------
# fixtures: a released lab, a JupyterLab serving two copies of it, a headless browser
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_available():
    missing = _missing()
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if _in_ci():
            pytest.fail(f"{message}; CI must run it, not skip it", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def lab(browser_available, tmp_path_factory):
    """A JupyterLab server and the folder it serves: ``stubs/`` and ``reference/``, each the
    released lab folder (``01_layers.ipynb``, ``nnlab/``, ``data/``), released through nbgrader
    as ``nnlab release`` does; ``reference/nnlab`` is solutions/nnlab. The server starts while
    nbgrader releases."""
    from autograder import course as courselib
    from autograder.labs import LAB01

    base = tmp_path_factory.mktemp("browser")
    root = base / "lab"
    root.mkdir()
    with jupyter_lab(root, base / "jupyter-state", wait=False) as server:
        released = courselib.release(courselib.create_course(base / "course"), LAB01)
        assert (released / NOTEBOOK).exists() and (released / "nnlab").is_dir()
        copy_lab(released, root / "stubs")
        copy_lab(released, root / "reference", package=REPO / "solutions" / "nnlab")
        server.wait_until_ready()
        yield server, root


@pytest.fixture(scope="module")
def browser_page_factory(browser_available):
    """Fresh pages (each in its own browser context) from one headless chromium."""
    with headless_chromium() as new_page:
        yield new_page


@pytest.fixture
def evidence_dir(tmp_path):
    return tmp_path / "browser-evidence"


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def _first_line(source: str) -> str:
    return next((line for line in source.splitlines() if line.strip()), "").strip()[:80]


def _shutdown_kernel(server, path: str) -> None:
    """Free the CPU for the next notebook (the server stops every kernel at teardown anyway,
    so a failure here is not worth masking the test's own error)."""
    try:
        for s in sessions(server):
            if s["path"] == path:
                request = urllib.request.Request(
                    f"{server.base_url}/api/sessions/{s['id']}?token={server.token}",
                    method="DELETE")
                urllib.request.urlopen(request, timeout=10).close()
    except OSError:
        pass


def run_notebook_in_browser(lab, new_page, folder: str, evidence: Path,
                            reference: bool):
    """Open ``folder/01_layers.ipynb``, check the kernel started, Run All, check what the page
    shows (``reference``: the package is the reference, else the stubs); return the notebook
    (as nbformat) and the page's state once Run All has settled."""
    server, root = lab
    path = f"{folder}/{NOTEBOOK}"
    nb = nbformat.read(root / path, as_version=4)
    page = new_page()
    started = time.perf_counter()
    try:
        with evidence_on_failure(page, evidence, folder):
            state = open_notebook(page, server, path, n_cells=len(nb.cells))
            opened = time.perf_counter()
            (session,) = [s for s in sessions(server) if s["path"] == path]
            assert session["kernel"]["name"] == "python3"
            assert session["kernel"]["execution_state"] == "idle", session

            run_all(page)
            wait_for(page, lambda s: any(c["prompt"] != "[ ]:" for c in s["cells"] if c["code"]),
                     30, "Run All to start a cell")
            state = wait_for(page, run_all_settled, RUN_ALL_TIMEOUT, "Run All to finish")
            print(f"\n{folder}: notebook open with an idle kernel in {opened - started:.1f} s; "
                  f"Run All {time.perf_counter() - opened:.1f} s")
            check_run_all_completed(nb, state)
            check_tables_render(page, nb, state, reference=reference)
    finally:
        _shutdown_kernel(server, path)
        with contextlib.suppress(Exception):
            page.context.close()
    return nb, state


def check_run_all_completed(nb, state):
    """Every code cell ran once, in order, in one kernel life; no traceback, nothing on stderr."""
    assert len(state["cells"]) == len(nb.cells)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    counts = [execution_count(state["cells"][i]["prompt"]) for i, _ in code]
    not_run = [i for (i, _), n in zip(code, counts) if n is None]
    if not_run:
        # the cell Run All stopped at: the last one that ran
        ran = [i for (i, _), n in zip(code, counts) if n is not None]
        stop = ran[-1] if ran else None
        why = "" if stop is None else " ".join(state["cells"][stop]["stderr"])[-400:]
        stopped = "" if stop is None else f"cell {stop} `{_first_line(nb.cells[stop].source)}`"
        raise AssertionError(
            f"Run All did not reach the end: {len(not_run)} of {len(code)} code cells never ran "
            f"(first: cell {not_run[0]} `{_first_line(nb.cells[not_run[0]].source)}`); it "
            f"stopped after {stopped}: {why}")
    assert counts == list(range(1, len(code) + 1)), \
        f"execution counts {counts}: not one run of every cell in order (kernel restarted?)"
    noisy = {i: state["cells"][i]["stderr"] for i, _ in code if state["cells"][i]["stderr"]}
    assert not noisy, "cells show tracebacks or stderr output: " + "; ".join(
        f"cell {i} `{_first_line(nb.cells[i].source)}`: {' '.join(out)[-300:]}"
        for i, out in noisy.items())


def check_tables_render(page, nb, state, reference: bool):
    """Every check cell shows a verdict table; all ✓ on the reference, some ✗ on the stubs."""
    check_cells = [i for i, c in enumerate(nb.cells)
                   if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    assert len(check_cells) >= 2, "no check cells found in the released notebook"
    without = [i for i in check_cells if state["cells"][i]["tables"] == 0]
    assert not without, "check cells without a verdict table: " + ", ".join(
        f"{i} `{_first_line(nb.cells[i].source)}`" for i in without)
    for i in check_cells:
        cell = state["cells"][i]
        assert cell["rows"] > 0 and cell["ok"] + cell["bad"] == cell["rows"], (i, cell)
        if reference:
            assert cell["bad"] == 0, \
                f"reference: ✗ in cell {i} `{_first_line(nb.cells[i].source)}`: {cell['text'][:500]}"
        else:
            assert cell["bad"] > 0, \
                f"stubs: no ✗ in cell {i} `{_first_line(nb.cells[i].source)}`: {cell['text'][:500]}"

    # The last check cell's table (the lab's summary) is really on screen: scrolled to, it has
    # a size and is visible, and its verdict column reads as it should.
    summary = page.locator(CELLS).nth(check_cells[-1]).locator("table.nnlab-checks").first
    summary.scroll_into_view_if_needed(timeout=10_000)
    box = summary.bounding_box()
    assert summary.is_visible() and box and box["height"] > 20 and box["width"] > 100, box
    verdicts = summary.locator("tbody tr td:nth-child(4)").all_text_contents()
    assert verdicts, f"the table of cell {check_cells[-1]} has no rows"
    if reference:
        assert set(verdicts) == {"✓"}, verdicts
    else:
        assert "✗" in verdicts, verdicts

    if reference:
        plots = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and re.search(r"\bplot_\w+\(", c.source)]
        assert plots, "no plotting cells found"
        blank = [i for i in plots if state["cells"][i]["images"] == 0]
        assert not blank, f"plot cells without an image: {blank}"


# --------------------------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------------------------
def test_run_all_on_the_released_stubs(lab, browser_page_factory, evidence_dir):
    run_notebook_in_browser(lab, browser_page_factory, "stubs", evidence_dir,
                            reference=False)


def test_run_all_on_the_reference(lab, browser_page_factory, evidence_dir):
    run_notebook_in_browser(lab, browser_page_factory, "reference", evidence_dir,
                            reference=True)

"""Helpers for tests/test_browser.py: a real JupyterLab server and a real headless chromium.

The server runs as a subprocess on 127.0.0.1 (random free port, a random token) with its own
Jupyter config, settings and workspace folders, so nothing of the user's setup leaks in. The
browser is Debian's chromium driven by Playwright's Python API (never ``playwright install``:
the test uses the system browser).

Everything read from the page is what a student sees: the cells' ``[n]:`` prompts, the kernel
status indicator, the rendered outputs.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

#: Debian's chromium; NNLAB_CHROMIUM names another chromium build (e.g. chromium-browser).
CHROMIUM = Path(os.environ.get("NNLAB_CHROMIUM", "/usr/bin/chromium"))

#: The cells of the notebook on show (the active tab), in notebook order.
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"

CHROMIUM_ARGS = [
    "--no-sandbox",                     # the test may run as root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",          # containers often have a tiny /dev/shm
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--mute-audio",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# the server
# --------------------------------------------------------------------------------------------
@dataclass
class LabServer:
    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str, workspace: str) -> str:
        """The notebook in a workspace of its own (the default workspace would reopen every
        notebook an earlier page had open)."""
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{notebook}?token={self.token}"

    def wait_until_ready(self, timeout: float = 90.0) -> None:
        """Wait until the server answers its REST API; fail with its log if it exits first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/status?token={self.token}",
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n"
                                   f"{self.log_tail()}")
            time.sleep(0.25)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _server_env(state: Path) -> dict:
    """The server's environment: the caller's, minus what would change the student's kernel,
    plus private Jupyter folders (config, runtime, settings, workspaces, IPython profile)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "NNLAB_GRADING", "MPLBACKEND", "JUPYTER_PATH")}
    for name in ("config", "data", "runtime", "settings", "workspaces", "ipython"):
        (state / name).mkdir(parents=True, exist_ok=True)
    env.update({
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "IPYTHONDIR": str(state / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    # No toast asking whether to fetch Jupyter news (it would sit over the notebook), and no
    # request to the internet for news or updates.
    notification = state / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    # The venv's bin first, so `jupyter` and the kernel are this interpreter's.
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def _stop_tree(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop the server and everything it started (kernels run in sessions of their own, so a
    process-group kill would miss them: collect the whole tree first)."""
    if process.poll() is not None:
        return
    try:
        import psutil
        children = psutil.Process(process.pid).children(recursive=True)
    except Exception:       # psutil missing or the server just exited
        children = []
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)      # the server shuts its kernels down itself
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    for child in children:
        with contextlib.suppress(Exception):
            if child.is_running():
                child.kill()


@contextlib.contextmanager
def jupyter_lab(root: Path, state: Path, wait: bool = True):
    """Start ``jupyter lab`` serving ``root``; yield a :class:`LabServer` (ready if ``wait``,
    else call ``wait_until_ready()`` once the caller's own setup is done); always stop it and
    every kernel it started."""
    port, token = free_port(), secrets.token_hex(16)
    log = state / "jupyter-lab.log"
    state.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "jupyterlab",
           "--ServerApp.open_browser=False", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}",
           # no calls home (news: see the settings written by _server_env)
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--ServerApp.terminals_enabled=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")      # CI containers run as root
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=root, env=_server_env(state), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = LabServer(root=root, port=port, token=token, process=process, log=log)
    try:
        if wait:
            server.wait_until_ready()
        yield server
    finally:
        _stop_tree(process)


# --------------------------------------------------------------------------------------------
# the browser
# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def headless_chromium():
    """A headless Debian chromium under Playwright; yields ``new_page()``, which opens a page in
    a fresh browser context (own cookies and storage); always closes the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS, timeout=60_000)
        try:
            def new_page():
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                return context.new_page()
            yield new_page
        finally:
            browser.close()


@contextlib.contextmanager
def evidence_on_failure(page, folder: Path, name: str):
    """On any failure, save a screenshot (scrolled to the first traceback, if any) and the text
    of every cell's prompt and outputs, and name both files in the error and the captured
    output, so a failing run in CI can be understood."""
    try:
        yield
    except BaseException as exc:
        folder.mkdir(parents=True, exist_ok=True)
        shot, text = folder / f"{name}.png", folder / f"{name}.txt"
        with contextlib.suppress(Exception):
            page.evaluate(_SHOW_TROUBLE_JS)     # the screenshot shows the first traceback
            page.wait_for_timeout(500)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), timeout=15_000)
        with contextlib.suppress(Exception):
            text.write_text(page.evaluate(_NOTEBOOK_TEXT_JS), encoding="utf-8")
        note = f"browser evidence: screenshot {shot}, notebook text {text}"
        print(note)                 # shown with the captured output of a failed test
        if hasattr(exc, "add_note"):
            exc.add_note(note)
        raise


_SHOW_TROUBLE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return;
  const bad = panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
  if (bad) bad.scrollIntoView({block: 'center'});
}"""

_NOTEBOOK_TEXT_JS = """() => {
  const cells = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell');
  return Array.from(cells).map((c, i) => {
    const prompt = c.querySelector('.jp-InputPrompt');
    const out = c.querySelector('.jp-OutputArea');
    return `--- cell ${i} ${prompt ? prompt.textContent : ''}\\n` + (out ? out.textContent : '');
  }).join('\\n');
}"""

# The state of the open notebook, read from the page: one entry per cell, in order.
_CELLS_JS = """() => {
  // an output's text without its CSS, table cells separated (textContent: off-screen cells
  // are not laid out, and innerText would read them as empty)
  const readable = (o) => {
    const c = o.cloneNode(true);
    c.querySelectorAll('style, script').forEach(e => e.remove());
    c.querySelectorAll('td, th').forEach(e => e.append(' | '));
    c.querySelectorAll('tr, p').forEach(e => e.append('\\n'));
    return c.textContent;
  };
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map(c => {
    const code = c.classList.contains('jp-CodeCell');
    const prompt = code ? (c.querySelector('.jp-InputArea-prompt') || {}).textContent || '' : '';
    const outs = Array.from(c.querySelectorAll('.jp-OutputArea-output'));
    const tables = Array.from(c.querySelectorAll('table.nnlab-checks'));
    return {
      code: code,
      prompt: prompt.trim(),
      stderr: outs.filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr')
                  .map(o => o.textContent.slice(-600)),
      text: outs.map(readable).join('\\n').slice(0, 2000),
      tables: tables.length,
      ok: tables.reduce((n, t) => n + t.querySelectorAll('.ok').length, 0),
      bad: tables.reduce((n, t) => n + t.querySelectorAll('.bad').length, 0),
      rows: tables.reduce((n, t) => n + t.querySelectorAll('tbody tr').length, 0),
      images: c.querySelectorAll('.jp-OutputArea-output img').length,
    };
  });
  return {
    kernel: indicator ? indicator.getAttribute('data-status') : null,
    kernelName: (panel.querySelector('.jp-Toolbar-kernelName') || {getAttribute: () => ''}).getAttribute('aria-label') || '',
    statusbar: (document.querySelector('#jp-main-statusbar') || {}).innerText || '',
    dialogs: Array.from(document.querySelectorAll('.jp-Dialog')).map(d => d.innerText.slice(0, 300)),
    cells: cells,
  };
}"""

_PROMPT = re.compile(r"^\[(.*)\]:$")


def execution_count(prompt: str):
    """``[12]:`` -> 12, ``[*]:`` -> '*', ``[ ]:`` -> None."""
    m = _PROMPT.match(prompt)
    if not m or not m.group(1).strip():
        return None
    value = m.group(1).strip()
    return int(value) if value.isdigit() else value


def notebook_state(page) -> dict | None:
    return page.evaluate(_CELLS_JS)


def kernel_ready(state: dict, n_cells: int) -> bool:
    """Every cell is on the page and the notebook's kernel is up and idle (the indicator reads
    idle before a kernel is attached, so the kernel's name in the status bar must show too)."""
    return (len(state["cells"]) == n_cells and state["kernel"] == "idle"
            and "Python 3" in state["kernelName"]
            and re.search(r"Python 3 \(ipykernel\) \| Idle", state["statusbar"]) is not None)


def open_notebook(page, server: LabServer, path: str, n_cells: int,
                  timeout: float = 90.0) -> dict:
    """Open ``path`` in JupyterLab and wait until all ``n_cells`` cells are on the page and its
    kernel is idle; return the page state."""
    workspace = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") + "-" + secrets.token_hex(3)
    page.goto(server.url(path, workspace), wait_until="domcontentloaded", timeout=timeout * 1000)
    page.wait_for_selector(CELLS, state="attached", timeout=timeout * 1000)
    return wait_for(page, lambda s: kernel_ready(s, n_cells), timeout,
                    f"the notebook ({n_cells} cells) to open with an idle Python 3 kernel")


def sessions(server: LabServer) -> list[dict]:
    """The server's own view of running notebooks and their kernels (REST API)."""
    with urllib.request.urlopen(f"{server.base_url}/api/sessions?token={server.token}",
                                timeout=10) as r:
        return json.load(r)


def run_all(page) -> None:
    """Run > Run All Cells, through the menu bar, as a student would."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^Run All Cells")).click()


class KernelDied(AssertionError):
    pass


def wait_for(page, predicate, timeout: float, what: str, poll: float = 0.5) -> dict:
    """Poll the notebook state until ``predicate(state)`` holds; fail on a dead kernel or a
    timeout with the last state in the message."""
    deadline = time.monotonic() + timeout
    state = None
    while True:
        state = notebook_state(page)
        if state:
            dead = [d for d in state["dialogs"] if re.search(r"died|[Rr]estarting", d)]
            if state["kernel"] in ("dead", "restarting", "autorestarting") or dead:
                raise KernelDied(f"the kernel died while waiting for {what}: "
                                 f"status {state['kernel']!r}; {dead}")
            if predicate(state):
                return state
        if time.monotonic() > deadline:
            summary = None if state is None else {
                "cells on the page": len(state["cells"]),
                "kernel": state["kernel"], "status bar": state["statusbar"],
                "dialogs": state["dialogs"],
                "prompts": [c["prompt"] for c in state["cells"] if c["code"]]}
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; "
                                 f"last state: {summary}")
        time.sleep(poll)


def run_all_settled(state: dict) -> bool:
    """Run All has finished (every cell ran) or stopped (an error aborted the queue): no cell is
    queued or running, and the kernel is idle."""
    prompts = [c["prompt"] for c in state["cells"] if c["code"]]
    return state["kernel"] == "idle" and not any("*" in p for p in prompts)


def copy_lab(released: Path, dest: Path, package: Path | None = None) -> Path:
    """A student's copy of the released lab folder; ``package`` replaces its ``nnlab/``."""
    shutil.copytree(released, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc",
                                                                   ".ipynb_checkpoints"))
    if package is not None:
        shutil.rmtree(dest / "nnlab")
        shutil.copytree(package, dest / "nnlab",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest

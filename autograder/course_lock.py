"""One grading run per course at a time, and Ctrl-C that stops it cleanly.

Two ``nnlab autograde`` runs on one course would both grade every submission, fight over the
same autograded folders and leave wrong statuses behind. :func:`course_lock` takes an exclusive
``flock`` on ``<course>/nnlab_grading/course.lock``; a second run waits for it (``--wait``) or
stops at once with a message naming the run that holds it. The kernel drops a ``flock`` when
its holder dies, so a run killed with ``kill -9`` never leaves a lock that blocks the next one.

:func:`catch_interrupts` / :func:`interrupted`: nbgrader catches every exception of the
notebook run (``KeyboardInterrupt`` included) and pytest catches ``KeyboardInterrupt`` too, so a
Ctrl-C could be swallowed half-way and the student saved with a status the interruption caused.
The handler remembers the Ctrl-C; the grader checks :func:`interrupted` before it records
anything and records nothing for a submission whose grading was interrupted.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

LOCK_NAME = "course.lock"


class CourseBusy(SystemExit):
    """Another grading run holds the course lock (exits with the message, status 1)."""


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it: 'pid 123, started ...: `nnlab autograde ...`'."""
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another process"
    if not info:
        return "another process"
    return f"pid {info.get('pid')}, started {info.get('started')}: `{info.get('command')}`"


@contextlib.contextmanager
def course_lock(course: Path, wait: float = 0.0, command: str | None = None, poll: float = 0.5):
    """Hold the course's grading lock for the ``with`` block.

    ``wait``: seconds to wait for a run that holds it (0: refuse at once); raises
    :class:`CourseBusy` with a message that says who holds it and what to do.
    """
    path = Path(course) / "nnlab_grading" / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)   # not inherited by child processes
    deadline = time.monotonic() + max(wait, 0.0)
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CourseBusy(
                        f"Another grading run holds this course ({_holder(path)}).\n"
                        f"Nothing was graded. Run the command again when it has finished, or add "
                        f"--wait SECONDS to queue behind it.") from None
                if not told:
                    print(f"Waiting for another grading run on this course to finish "
                          f"({_holder(path)}) ...", file=sys.stderr, flush=True)
                    told = True
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({
            "pid": os.getpid(),
            "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "command": command or " ".join(["nnlab", *sys.argv[1:]]),
        }).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)      # closing drops the flock


# ------------------------------------------------------------------------------ interrupts

_interrupted = False


def _on_sigint(signum, frame):
    global _interrupted
    first = not _interrupted
    _interrupted = True
    if first:
        # the first Ctrl-C stops the work; a second one must not break the clean-up (reaping
        # the sandboxed kernel) that the first one started
        raise KeyboardInterrupt


def catch_interrupts() -> None:
    """Install the Ctrl-C handler in this process (the grading process or a pool worker)."""
    global _interrupted
    _interrupted = False
    signal.signal(signal.SIGINT, _on_sigint)


@contextlib.contextmanager
def interrupts_caught():
    """:func:`catch_interrupts` for the ``with`` block, then the previous handler again (only
    the main thread can install a signal handler; elsewhere this does nothing)."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    catch_interrupts()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def note_interrupt() -> None:
    global _interrupted
    _interrupted = True


def interrupted() -> bool:
    """True once Ctrl-C reached this process: nothing more may be recorded."""
    return _interrupted


def stop_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` again if a Ctrl-C was swallowed on the way (by nbgrader or
    pytest): the caller then records nothing for the submission it was grading."""
    if _interrupted:
        raise KeyboardInterrupt

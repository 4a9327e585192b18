"""Grading a class on a Dask cluster: ``nnlab autograde LAB --scheduler ADDRESS``.

The run has one coordinator (the machine holding the course directory and the gradebook) and
any number of Dask workers, which need no shared filesystem:

1. the coordinator fingerprints each submission (:func:`autograder.course.open_submission`) and
   sends its files, as bytes, with the grader fingerprint it expects;
2. a worker unpacks them into a private temporary folder and runs the trusted grader
   (:func:`autograder.course.grade_submission_files`: the student's package runs in the grader's
   jailed worker process, never in the Dask worker), and sends back plain data;
3. the coordinator records each student once, as results arrive
   (:func:`autograder.course.record_outcome`): nbgrader's notebook run and import, the scores,
   late policy, overrides, the status file last. Only the coordinator writes the gradebook.

A grading task is pure (same files, same result), so a worker lost mid-run costs nothing: Dask
runs its tasks again elsewhere, and the coordinator's set of recorded students makes sure nobody
is recorded twice. A worker whose grader (hidden checks, reference, grader code) differs from
the coordinator's is refused: it would grade against another version of the lab.

The notebook itself is executed on the coordinator (it needs nbgrader's course directory); the
workers take the trusted grader, which decides every function score.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from .course import (SubmissionOutcome, grade_submission_files, grader_error_outcome,
                     grader_fingerprint, nbgrader_api, open_submission, record_outcome)
from .course_lock import stop_if_interrupted
from .labs import get_lab

#: Seconds to wait for the scheduler to answer.
CONNECT_TIMEOUT = 20
#: Seconds to wait for the first worker of an existing cluster to join.
WORKER_WAIT = 60
#: Times a task is retried when it fails on a worker (a worker lost mid-task is not counted:
#: Dask reschedules those by itself).
RETRIES = 2

# The hidden checks run through pytest.main, which is not thread-safe: a worker started with
# several threads still grades one submission at a time.
_ONE_AT_A_TIME = threading.Lock()


class GraderMismatch(RuntimeError):
    """A worker's grader differs from the coordinator's: it must not grade this class."""


def mismatch_message(address: str, theirs: str, ours: str) -> str:
    return (f"Dask worker {address} has grader fingerprint {theirs}, the coordinator has {ours}: "
            f"it would grade against other hidden checks or another reference. Install the same "
            f"nnlab (same commit, `pip install -c requirements/lock.txt`) on every worker, or "
            f"stop that worker; nothing was graded on it.")


def grade_task(lab_name: str, files: dict, expected_grader: str) -> dict:
    """What a Dask worker runs for one submission (see :func:`grade_submission_files`)."""
    ours = grader_fingerprint()
    if ours != expected_grader:
        from distributed import get_worker
        raise GraderMismatch(mismatch_message(get_worker().address, ours, expected_grader))
    with _ONE_AT_A_TIME:
        return grade_submission_files(get_lab(lab_name), files)


def check_workers(client) -> dict:
    """``{address: grader fingerprint}`` of every worker; raises :class:`GraderMismatch`
    (naming each worker) when one differs from the coordinator's."""
    ours = grader_fingerprint()
    theirs = client.run(grader_fingerprint)
    wrong = {address: fp for address, fp in theirs.items() if fp != ours}
    if wrong:
        raise GraderMismatch("\n".join(mismatch_message(a, fp, ours) for a, fp in sorted(wrong.items())))
    return theirs


def connect(scheduler: str, workers: int):
    """A Dask client: to the scheduler at ``scheduler``, or, for ``"local"``, to a new cluster
    of ``workers`` single-threaded processes on this machine (closed with the client)."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        client._nnlab_cluster = cluster
        return client
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (ValueError, OSError) as exc:    # a malformed address, or nobody answering there
        raise SystemExit(f"Cannot reach a Dask scheduler at --scheduler {scheduler!r}: {exc}. "
                         f"Give its address as tcp://HOST:PORT (`dask scheduler` prints it), or "
                         f"--scheduler local for a cluster on this machine.") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except Exception as exc:
        client.close()
        raise SystemExit(f"No Dask worker joined the scheduler {scheduler} within {WORKER_WAIT} s: "
                         f"start some (`dask worker {scheduler} --nthreads 1`).") from exc
    return client


def _close(client) -> None:
    cluster = getattr(client, "_nnlab_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def grade_on_cluster(course: Path, lab, students, force: bool, also_force: frozenset,
                     scheduler: str, workers: int, outcomes: dict, bar,
                     execute: bool = True) -> None:
    """Grade ``students`` on the Dask cluster at ``scheduler``; fills ``outcomes`` as each is
    recorded. Called by :func:`autograder.course.autograde`, which holds the course lock."""
    from distributed import as_completed

    client = connect(scheduler, workers)
    futures = {}
    try:
        try:
            check_workers(client)
        except GraderMismatch as exc:
            raise SystemExit(f"Refusing to grade on {scheduler}:\n{exc}") from None
        expected = grader_fingerprint()
        tickets = {}
        for student in students:
            ticket = open_submission(course, lab, student, force or student in also_force,
                                     execute)
            if isinstance(ticket, SubmissionOutcome):      # graded before, nothing changed
                outcomes[student] = ticket
                bar.update()
                continue
            tickets[student] = ticket
            key = f"nnlab-grade-{lab.name}-{student}-{ticket.fingerprint.replace(':', '-')}"
            future = client.submit(grade_task, lab.name, ticket.files,
                                   expected, key=key, pure=False, retries=RETRIES)
            futures[future] = student
        api = nbgrader_api(course, grading=True, execute=execute) if futures else None
        recorded = set()
        for future in as_completed(futures):
            student = futures[future]
            if student in recorded:      # as_completed may report a future twice: record once
                continue
            try:
                results = future.result()
            except GraderMismatch as exc:
                raise SystemExit(f"Stopped grading on {scheduler}:\n{exc}\nStudents already "
                                 f"recorded stay recorded; run again to grade the others.") from None
            except Exception as exc:
                stop_if_interrupted()
                outcomes[student] = grader_error_outcome(course, lab, student, exc)
            else:
                try:
                    outcomes[student] = record_outcome(course, lab, student, results,
                                                       tickets[student], api=api)
                except Exception as exc:   # the student is reported, not lost
                    stop_if_interrupted()
                    outcomes[student] = grader_error_outcome(course, lab, student, exc)
            recorded.add(student)
            bar.set_postfix_str(student)
            bar.update()
    except BaseException:
        # Ctrl-C or a refusal: nothing more is graded; what is recorded stays recorded
        client.cancel(list(futures))
        raise
    finally:
        _close(client)

"""The ``nnlab`` command: one subcommand per step of a course's life.

    nnlab stubs                 regenerate lib/nnlab from solutions/nnlab
    nnlab check LAB             run the open checks on your own work (self-paced learners)
    nnlab grade DIR --lab LAB   grade one student's lab folder with the trusted grader
    nnlab course create DIR     make an nbgrader course directory
    nnlab release LAB           release a lab (nbgrader generate_assignment)
    nnlab collect LAB --zip F   import an LMS bulk-download zip into submitted/
    nnlab autograde LAB         grade every submission (nbgrader + the trusted grader)
    nnlab feedback LAB          write feedback for students
    nnlab gradebook LAB         print a lab's gradebook table
    nnlab export                export the gradebook as CSV (and a Canvas import CSV)
    nnlab demo                  all of the above on bundled sample submissions

Each subcommand's module is imported only when it runs, so ``nnlab check`` stays quick.
"""
import argparse
import importlib
import os
import sys
import traceback


def _add_course(p):
    p.add_argument("--course", default=".", help="course directory (default: current directory)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnlab", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stubs", help="regenerate lib/nnlab from solutions/nnlab")
    p.add_argument("--check", action="store_true", help="only report whether lib/nnlab is stale")
    p.set_defaults(handler="autograder.stubgen:cli")

    p = sub.add_parser("check", help="run a lab's open checks on your own nnlab package")
    p.add_argument("lab", help="lab name, e.g. 01_layers or 01")
    p.add_argument("--package", default=None,
                   help="folder holding your nnlab package (default: the nnlab/ of the lab folder "
                        "you are in, else the installed nnlab)")
    p.add_argument("--function", action="append", default=None,
                   help="check only this function (repeatable)")
    p.add_argument("--show-reference", metavar="FUNCTION", default=None,
                   help="print the reference solution of FUNCTION (only when you ask for it)")
    p.set_defaults(handler="autograder.check_cli:cli")

    p = sub.add_parser("grade", help="grade one student's lab folder with the trusted grader")
    p.add_argument("submission", help="folder holding the student's nnlab/ package (and notebook)")
    p.add_argument("--lab", required=True)
    p.add_argument("--format", choices=["text", "json", "gradescope"], default="text")
    p.add_argument("--output", "-o", default=None, help="write here instead of standard output")
    p.set_defaults(handler="autograder.grade:cli")

    p = sub.add_parser("course", help="course directory tools")
    csub = p.add_subparsers(dest="course_command", required=True, metavar="ACTION")
    c = csub.add_parser("create", help="create an nbgrader course directory")
    c.add_argument("directory")
    c.add_argument("--force", action="store_true",
                   help="reuse an existing non-empty directory (an existing nbgrader_config.py "
                        "is merged, the TA's settings kept, and backed up)")
    c.add_argument("--course-id", default=None,
                   help="nbgrader course id (default: the existing course's, else 'nnlab')")
    c.set_defaults(handler="autograder.course:cli_create")

    p = sub.add_parser("release", help="release a lab to students (nbgrader generate_assignment)")
    p.add_argument("lab")
    _add_course(p)
    p.set_defaults(handler="autograder.course:cli_release")

    p = sub.add_parser("collect", help="import an LMS bulk-download zip into submitted/")
    p.add_argument("lab")
    p.add_argument("--zip", required=True, help="the zip downloaded from Canvas, Moodle, ...")
    _add_course(p)
    p.set_defaults(handler="autograder.collect:cli")

    p = sub.add_parser("autograde", help="autograde submissions: nbgrader + the trusted grader")
    p.add_argument("lab")
    _add_course(p)
    p.add_argument("--student", action="append", default=None, help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another grading run of the course to finish "
                        "(default: stop at once and say which run holds the course)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="grade on a Dask cluster: its scheduler's address (tcp://host:8786), or "
                        "'local' for a local cluster of --workers processes")
    run = p.add_mutually_exclusive_group()
    run.add_argument("--execute", dest="execute", action="store_true", default=None,
                     help="re-run each notebook in a jailed kernel (overrides the course's choice)")
    run.add_argument("--no-execute", dest="execute", action="store_false",
                     help="the fast path: import each notebook without running it; the scores "
                          "are the same (overrides the course's choice)")
    p.add_argument("--watch", action="store_true",
                   help="keep running: grade each submission as it arrives (exchange inbound or "
                        "submitted/) and write its feedback; Ctrl-C stops")
    p.add_argument("--poll", type=float, default=2.0, metavar="SECONDS",
                   help="with --watch: seconds between looks for new submissions (default 2)")
    p.add_argument("--max-per-day", type=int, default=None, metavar="N",
                   help="with --watch: grade at most N submissions per student per day (UTC); "
                        "later ones wait for the next day")
    p.set_defaults(handler="autograder.course:cli_autograde")

    p = sub.add_parser("feedback", help="generate feedback for students")
    p.add_argument("lab")
    _add_course(p)
    p.set_defaults(handler="autograder.course:cli_feedback")

    p = sub.add_parser("export", help="export grades as CSV: nbgrader's columns, a score per "
                                      "function, status, lateness; plus a Canvas import CSV")
    _add_course(p)
    p.add_argument("--to", default="grades.csv", help="CSV file to write (default grades.csv)")
    p.add_argument("--canvas-column", action="append", default=[], metavar="LAB=HEADER",
                   help="the Canvas gradebook column of LAB, as Canvas' own export names it, "
                        "e.g. 01_layers='Lab 1: layers (48213)' (repeatable)")
    p.set_defaults(handler="autograder.export:cli_export")

    p = sub.add_parser("gradebook", help="print a lab's gradebook: functions, total, lateness, "
                                         "overrides, status")
    p.add_argument("lab")
    _add_course(p)
    p.set_defaults(handler="autograder.export:cli_gradebook")

    p = sub.add_parser("demo", help="build a course, release labs 01 to 04, grade sample "
                                    "students, print grades")
    p.add_argument("--dir", default="demo-course", help="where to build the demo course")
    p.set_defaults(handler="autograder.demo:cli")
    return parser


def main(argv=None) -> int:
    """Run one subcommand. A failure of nnlab itself (not of a student's code) is reported with
    its cause (type, message, where) and exit status 2; NNLAB_DEBUG=1 adds the full traceback."""
    args = build_parser().parse_args(argv)
    module_name, func_name = args.handler.split(":")
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        from .errors import describe_exception
        if os.environ.get("NNLAB_DEBUG"):
            traceback.print_exc()
        print(f"nnlab {args.command}: failed: {describe_exception(exc)}", file=sys.stderr)
        if not os.environ.get("NNLAB_DEBUG"):
            print("(NNLAB_DEBUG=1 shows the full traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

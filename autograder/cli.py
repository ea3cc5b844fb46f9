"""The ``dlgrade`` command.

    dlgrade check EXERCISE FILE.py[:NAME] [--suite visible|hidden] [--json] [--lang en|ja]
    dlgrade list        every exercise id
    dlgrade release [--language en|ja]   release the course (solutions/ -> assignments/)
    dlgrade demo        release, then grade the bundled demo class and print the table
    dlgrade grade ASSIGNMENT... [--student ID ...] [--workers N] [--timeout S] [--memory MB] [--force]
                  [--scheduler ADDRESS] [--sandbox auto|required|off]
                        grade nbgrader's submitted/ folder in sandboxed workers
    dlgrade report ASSIGNMENT... [--out DIR] [--language en|ja]
                        the class report: grades.csv, mistakes.csv, figures and report.html
                        (default DIR: class_report/ in the course folder)
    dlgrade feedback ASSIGNMENT... [--language en|ja]
                        a page per student per notebook, feedback/<student>/<assignment>/<notebook>.dlgrade.html,
                        beside nbgrader's own feedback (hidden checks: only which property failed)

Exit status: 0 when the check passes, 1 when it fails (or the file cannot be loaded), 2 on bad usage
(an unknown exercise, a missing file, a command outside a course folder). With ``--json`` every
outcome of ``check``, bad usage included, prints one JSON object with the keys of :data:`JSON_KEYS`.
"""
from __future__ import annotations

import argparse
import json
import sys
import types
from pathlib import Path

from . import check, exercises
from .runtime.messages import LANGUAGES, language_or_default
from .runtime.sandbox import sandboxed

# jsonschema, under nbformat, imports rfc3987_syntax when it is installed, only to check strings of
# the "iri" formats, and that import builds 38 parsers: a second of CPU at every start of a command
# that reads notebooks. nbformat's schemas use no such format, so the import is declined.
sys.modules.setdefault("rfc3987_syntax", None)

LOAD_TIME_LIMIT = 30.0  # seconds for a student's file to finish its top-level code

# ``check --json``: the same keys for every outcome. ``error`` is None when the check ran (passed or
# not); otherwise why it could not run, one of ERRORS, and ``message`` says it in words.
JSON_KEYS = ("exercise", "suite", "passed", "score", "mistake", "message", "cases", "error")
ERRORS = ("usage", "unknown-exercise", "missing-file", "not-loadable", "not-defined")

LOAD_FAILED = {
    "en": "{exercise}: could not load {path}: {error}",
    "ja": "{exercise}: {path} を読み込めませんでした: {error}",
}
NOT_DEFINED = {
    "en": "{exercise}: {path} defines no {name!r}. Name your function or class {name}, or pass FILE.py:NAME.",
    "ja": "{exercise}: {path} に {name!r} が定義されていません。名前を {name} にするか FILE.py:NAME と指定してください。",
}


def _split_target(target: str) -> tuple[Path, str | None]:
    """``path/to/file.py:name`` -> (path, name); a Windows drive colon is not a separator."""
    head, sep, tail = target.rpartition(":")
    if sep and head and tail.isidentifier():
        return Path(head), tail
    return Path(target), None


def load_module(path: Path) -> tuple[types.ModuleType | None, str | None]:
    """Execute a student's file as a fresh module; (module, None) or (None, what went wrong)."""
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    try:
        source = path.read_text(encoding="utf-8")
        code = compile(source, str(path), "exec")
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"

    def run(_candidate, _inputs, outputs):
        exec(code, module.__dict__)  # noqa: S102 - running the student's file is the point

    execution = sandboxed(run, None, {}, LOAD_TIME_LIMIT)
    if "raised" in execution.outputs:
        return None, execution.outputs["raised"].describe()
    return module, None


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error under ``--json`` is printed as the JSON report."""

    as_json = False

    def error(self, message):
        if _Parser.as_json:
            _print_json(_unchecked(None, None, "usage", f"{self.prog}: {message}"))
            self.exit(2)
        # One line, as every other usage error of the command (the usage itself: --help).
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlgrade", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser("check", help="check a function or class from a file")
    check_cmd.add_argument("exercise", help="an exercise id, e.g. activation.sigmoid_grad")
    check_cmd.add_argument("target", help="FILE.py or FILE.py:NAME (NAME defaults to the exercise's name)")
    check_cmd.add_argument("--suite", choices=("visible", "hidden"), default="visible")
    check_cmd.add_argument("--json", action="store_true", help="print the report as JSON (also on bad usage)")
    check_cmd.add_argument("--lang", choices=("en", "ja"), default=None,
                           help="language of the message (default: DLGRADE_LANG or en)")
    commands.add_parser("list", help="list every exercise id")
    release_cmd = commands.add_parser("release", help="nbgrader generate_assignment for every assignment, plus "
                                                      "the student-side checker next to each released notebook")
    release_cmd.add_argument("--language", choices=LANGUAGES, default="en",
                             help="the default language of the released checker's messages (default: en); "
                                  "a student's DLGRADE_LANG still wins")
    demo = commands.add_parser("demo", help="release the course, then grade the bundled demo class with "
                                            "nbgrader autograde and print its scores and mistakes")
    demo.add_argument("--dir", type=Path, default=None, help="where to grade the demo class (default: a new temporary folder)")
    grade = commands.add_parser("grade", help="grade nbgrader's submitted/ folder: each submission's cells run in a "
                                              "sandboxed worker, the checks here; results go to the gradebook, "
                                              "autograded/ and results/")
    grade.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    grade.add_argument("--student", action="append", default=None, metavar="ID",
                       help="grade only this student (repeat for several)")
    grade.add_argument("--workers", type=_positive_int, default=None,
                       help="local worker processes (default: one per core)")
    grade.add_argument("--timeout", type=_positive_float, default=30.0,
                       help="wall-clock seconds per cell (default: 30); each check also has its own limit per case")
    grade.add_argument("--memory", type=_positive_int, default=2048, metavar="MB",
                       help="address space of each submission's process, in MB (default: 2048)")
    grade.add_argument("--force", action="store_true", help="regrade submissions already graded")
    grade.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="a Dask distributed scheduler (tcp://host:8786) to run the workers on")
    grade.add_argument("--sandbox", choices=("auto", "required", "off"), default="auto",
                       help="auto: bubblewrap where it runs, else the weaker mode (said plainly); "
                            "required: refuse without bubblewrap; off: the weaker mode")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    report = commands.add_parser("report", help="the class report of graded assignments: grades.csv, mistakes.csv, "
                                                "figures and a self-contained report.html")
    report.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    report.add_argument("--out", type=Path, default=None,
                        help="the folder to write (default: class_report/ in the course folder)")
    report.add_argument("--language", choices=LANGUAGES, default=None,
                        help="the report's language (default: DLGRADE_LANG or en)")
    feedback = commands.add_parser("feedback", help="one feedback page per student per notebook, in nbgrader's "
                                                    "feedback/ folder beside its own pages")
    feedback.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    feedback.add_argument("--language", choices=LANGUAGES, default=None,
                          help="the pages' language (default: DLGRADE_LANG or en)")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"must be between 0 and 86400 seconds: {text}")
    return value


def _nbgrader_without_its_server_extensions() -> None:
    """Let ``import nbgrader.api`` (and ``coursedir``, ``utils``) skip nbgrader's ``__init__``.

    That file imports the Jupyter server extensions (jupyter_server, tornado, the exchange): a
    third of a second on the critical path of ``dlgrade grade``, which uses none of them. The
    package is registered with its real ``__path__`` and version, so its submodules import as
    usual; nothing happens where nbgrader is imported already.
    """
    import importlib.util
    if "nbgrader" in sys.modules:
        return
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: the import that needs it says so
    package = types.ModuleType("nbgrader", "nbgrader, without its Jupyter server extensions")
    package.__file__, package.__path__, package.__spec__ = spec.origin, list(spec.submodule_search_locations), spec
    sys.modules["nbgrader"] = package
    from nbgrader._version import __version__
    package.__version__ = __version__


def run_grade(args) -> int:
    """``dlgrade grade``: exit 0 when every submission was graded, 1 when some had faults (their
    cells score 0 and the summary says why), 2 on bad usage."""
    _nbgrader_without_its_server_extensions()
    from .grading import CourseProblem, Limits, SandboxUnavailable, grade_assignments
    from .secret import SecretUnavailable, course_secret

    limits = Limits(cell_seconds=args.timeout, memory_bytes=args.memory * 2**20)
    try:
        course_secret()  # before any work: the hidden suites need it
        summary = grade_assignments(None, args.assignments, students=args.student, workers=args.workers,
                                    limits=limits, force=args.force, scheduler=args.scheduler,
                                    sandbox=args.sandbox, progress=not args.quiet,
                                    say=lambda text: print(text, file=sys.stderr))
    except (CourseProblem, SandboxUnavailable, SecretUnavailable) as error:
        print(f"dlgrade grade: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a read-only folder: what was committed before it stays whole
        where = f" {error.filename}" if error.filename else ""
        print(f"dlgrade grade: cannot write{where}: {error.strerror or error}; the submissions graded before it "
              f"are saved, run dlgrade grade again once it can be written", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - the gradebook (SQLite) full or read-only
        from sqlalchemy.exc import SQLAlchemyError
        if not isinstance(error, SQLAlchemyError):
            raise
        cause = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"dlgrade grade: cannot write the gradebook: {cause}; the submissions graded before it are saved, "
              f"run dlgrade grade again once it can be written", file=sys.stderr)
        return 2
    from .report.collect import course_root, record_run
    if summary.graded:
        record_run(course_root(), summary, args.assignments, args.workers)
    print(summary.text())
    return 1 if summary.failed else 0


def run_report(args) -> int:
    """``dlgrade report`` and ``dlgrade feedback``: 0 when written, 2 on bad usage (no course, no
    gradebook, an assignment the gradebook does not know), said in one line."""
    from .report import ReportProblem, write_feedback, write_report
    language = language_or_default(args.language)
    try:
        if args.command == "report":
            written = write_report(args.assignments, out=args.out, language=language)
            print(f"dlgrade report: {written.submissions} submissions ({written.rows} graded cells) -> "
                  f"{written.html} in {written.seconds:.1f} s (grades.csv, mistakes.csv and the figures beside it)")
        else:
            written = write_feedback(args.assignments, language=language)
            missing = (f"; {written.missing_nbgrader} link to a notebook page nbgrader has not written yet: "
                       f"nbgrader generate_feedback skips a feedback folder that exists, so run it with --force, "
                       f"then this command again" if written.missing_nbgrader else "")
            folder = written.pages[0].parents[2] if written.pages else "feedback/"
            print(f"dlgrade feedback: {len(written.pages)} pages in {folder} in {written.seconds:.1f} s{missing}")
    except ReportProblem as error:
        print(f"dlgrade {args.command}: {error}", file=sys.stderr)
        return 2
    return 0


def _unchecked(exercise: str | None, suite: str | None, error: str, message: str) -> dict:
    """The JSON report of a check that could not run."""
    return {"exercise": exercise, "suite": suite, "passed": False, "score": 0.0, "mistake": None,
            "message": message, "cases": [], "error": error}


def _print_json(report: dict) -> None:
    print(json.dumps({key: report[key] for key in JSON_KEYS}, ensure_ascii=False, indent=2))


def _cannot_check(args, error: str, message: str, status: int) -> int:
    """Report a check that could not run: JSON on stdout under --json; else the message (on stderr
    for bad usage, where a shell user expects it)."""
    if args.json:
        _print_json(_unchecked(args.exercise, args.suite, error, message))
    else:
        print(message, file=sys.stderr if status == 2 else sys.stdout)
    return status


def run_check(args) -> int:
    if args.exercise not in exercises():
        return _cannot_check(args, "unknown-exercise",
                             f"dlgrade: unknown exercise {args.exercise!r} (see `dlgrade list`)", 2)
    path, name = _split_target(args.target)
    name = name or args.exercise.split(".")[-1]
    if not path.is_file():
        return _cannot_check(args, "missing-file", f"dlgrade: no such file: {path}", 2)
    language = language_or_default(args.lang)
    module, error = load_module(path)
    if module is None:
        return _cannot_check(args, "not-loadable", LOAD_FAILED[language].format(
            exercise=args.exercise, path=path, error=error), 1)
    if not hasattr(module, name):
        return _cannot_check(args, "not-defined", NOT_DEFINED[language].format(
            exercise=args.exercise, path=path, name=name), 1)
    from .secret import SecretUnavailable
    try:
        report = check(args.exercise, getattr(module, name), suite=args.suite, language=language)
    except SecretUnavailable as error:
        return _cannot_check(args, "usage", f"dlgrade: {error}", 2)
    if args.json:
        _print_json({**report.to_dict(), "error": None})
    else:
        print(report.message)
    return 0 if report.passed else 1


def _course_command(run) -> int:
    """Run a command that needs the course folder; outside one, say so in one line (status 2)."""
    from .release import NotACourseFolder
    try:
        run()
    except NotACourseFolder as error:
        print(f"dlgrade: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    _Parser.as_json = "--json" in argv
    args = _parser().parse_args(argv)
    if args.command == "list":
        print("\n".join(exercises()))
        return 0
    if args.command == "release":
        from .release import release
        return _course_command(lambda: release(language=args.language))
    if args.command == "demo":
        from .demo import run
        return _course_command(lambda: print(run(folder=args.dir)))
    if args.command in ("report", "feedback"):
        return run_report(args)
    if args.command == "grade":
        status = []
        return _course_command(lambda: status.append(run_grade(args))) or status[0]
    return run_check(args)


if __name__ == "__main__":
    sys.exit(main())

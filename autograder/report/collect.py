"""One table of the graded class: a row per student per graded cell, from the gradebook and the results.

Where each column comes from:

- **score, max score, needs a person**: the gradebook (nbgrader's SQL schema, read through
  SQLAlchemy at the course's ``db_url``), as the formgrader and ``nbgrader export`` see them: a
  manual score wins over the auto score, extra credit is added.
- **exercise, suite**: the instructor's source of the test cell, as the gradebook keeps it (the
  ``grade(...)`` call, hidden tests included), never the student's copy.
- **status, mistake, cases, message**: the JSON result ``dlgrade grade`` writes
  (``results/<student>/<assignment>.json``). After plain ``nbgrader autograde`` there is none: then
  the autograded notebook's test-cell outputs (the report ``grade()`` shows, or the error), and
  ``unknown`` where they say nothing.

Reading nbgrader's own configuration code costs seconds (``import nbgrader`` loads its server
extensions), so the course's folders are read here from ``nbgrader_config.py`` with traitlets, as
nbgrader reads it, with nbgrader's defaults.
"""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..runtime.calls import grade_calls

RESULTS = "results"                 # dlgrade grade's JSON results (autograder.grading.writer)
RUN_LOG = "runs.jsonl"              # in results/: one line per dlgrade grade run (record_run)
DEFAULT_OUT = "class_report"        # dlgrade report's folder, in the course root

# Statuses of a row. The first six are the grader's; "manual": a written answer waiting for a
# person; "unknown": graded by nbgrader autograde, and its outputs do not say.
STATUSES = ("passed", "partial", "failed", "timed out", "crashed", "blank", "manual", "unknown")

# A report as grade() shows it (runtime.notebook.ReportView): its headline's symbol, then the message.
HEADLINE_STATUS = {"✔": "passed", "◐": "partial", "✘": "failed", "…": "blank"}
# An error in a test cell fails it; these say the notebook stopped before it (dlgrade's "not graded",
# nbgrader's dead kernel).
ERROR_STATUS = {"NotGraded": "crashed", "DeadKernelError": "crashed"}
MISTAKE_LINE = re.compile(r"^(?:Known mistake|よくある間違い) \[([\w-]+)\]", re.MULTILINE)


class ReportProblem(Exception):
    """The report cannot be made as asked: no course, no gradebook, an unknown assignment."""


def course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding nbgrader_config.py (as
    :func:`autograder.release.course_root` finds it: importing that module loads nbformat, a second)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise ReportProblem(f"no nbgrader_config.py at or above {here}: run this in the course folder")


@dataclass
class Course:
    """The folders and gradebook of a course, as nbgrader_config.py names them."""

    root: Path
    db_url: str
    release: Path
    autograded: Path
    feedback: Path

    @classmethod
    def open(cls, start: Path | None = None) -> Course:
        """The course at or above ``start`` (ReportProblem when there is none)."""
        from traitlets.config.loader import PyFileConfigLoader

        root = course_root(start)
        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        except Exception as error:  # noqa: BLE001 - the instructor's file, any error: say it in one line
            raise ReportProblem(f"cannot read {root / 'nbgrader_config.py'}: {error}") from None
        settings = config.get("CourseDirectory", {})

        def folder(name: str, default: str) -> Path:
            return root / str(settings.get(name, default))

        db_url = str(settings.get("db_url", f"sqlite:///{root / 'gradebook.db'}"))
        if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
            db_url = "sqlite:///" + str(root / db_url[len("sqlite:///"):])  # relative to the course
        return cls(root, db_url, folder("release_directory", "release"),
                   folder("autograded_directory", "autograded"), folder("feedback_directory", "feedback"))


@dataclass
class Row:
    """One graded cell of one submission."""

    student: str
    assignment: str
    notebook: str
    cell: str                      # the grade id
    kind: str                      # "test" (autograded code), "written" (a person grades it), "task"
    exercise: str | None
    suite: str | None              # "visible", "hidden", or None
    score: float
    max_score: float
    status: str                    # one of STATUSES
    mistake: str | None = None
    needs_manual_grade: bool = False
    cases_passed: int | None = None
    cases: int | None = None
    message: str = ""              # the report's words (never shown to a student for hidden cells)
    order: int = 0                 # the cell's position in the notebook


@dataclass
class Submission:
    student: str
    assignment: str
    notebook: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"         # "graded", "failed" (the grader's), or "nbgrader" (no JSON result)
    reason: str | None = None
    seconds: float | None = None   # the grader's time for it, None after nbgrader autograde
    restored: list[str] = field(default_factory=list)   # instructor cells put back by the grader
    rows: list[Row] = field(default_factory=list)


@dataclass
class ClassData:
    course: Course
    assignments: list[str]
    submissions: list[Submission]
    runs: list[dict]               # dlgrade grade runs touching these assignments, oldest first
    results_span: float | None     # seconds from the first JSON result written to the last
    read_seconds: float = 0.0

    @property
    def rows(self) -> list[Row]:
        return [row for submission in self.submissions for row in submission.rows]


# the gradebook ------------------------------------------------------------------------------------

CELLS = """
    SELECT assignment.name, notebook.name, base_cell.name, base_cell.type,
           COALESCE(grade_cells.max_score, task_cells.max_score), source_cell.source,
           (SELECT COUNT(*) FROM base_cell AS solution
            WHERE solution.notebook_id = base_cell.notebook_id AND solution.name = base_cell.name
              AND solution.type = 'SolutionCell')
    FROM base_cell
    JOIN notebook ON base_cell.notebook_id = notebook.id
    JOIN assignment ON notebook.assignment_id = assignment.id
    LEFT JOIN grade_cells ON grade_cells.id = base_cell.id
    LEFT JOIN task_cells ON task_cells.id = base_cell.id
    LEFT JOIN source_cell ON source_cell.notebook_id = base_cell.notebook_id AND source_cell.name = base_cell.name
    WHERE base_cell.type IN ('GradeCell', 'TaskCell')
"""
GRADES = """
    SELECT student.id, assignment.name, notebook.name, base_cell.name, grade.auto_score, grade.manual_score,
           grade.extra_credit, grade.needs_manual_grade
    FROM grade
    JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
    JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
    JOIN student ON submitted_assignment.student_id = student.id
    JOIN assignment ON submitted_assignment.assignment_id = assignment.id
    JOIN notebook ON submitted_notebook.notebook_id = notebook.id
    JOIN base_cell ON grade.cell_id = base_cell.id
"""


def _query(course: Course, assignments: list[str]):
    """(cells, grades) of ``assignments``; ReportProblem when the gradebook is missing or lacks one."""
    import sqlalchemy

    if course.db_url.startswith("sqlite:///"):
        path = Path(course.db_url[len("sqlite:///"):])
        if not path.is_file():
            raise ReportProblem(f"no gradebook at {path}: release and grade the course first "
                                f"(dlgrade release, then dlgrade grade or nbgrader autograde)")
    try:
        engine = sqlalchemy.create_engine(course.db_url)
        with engine.connect() as db:
            known = {name for (name,) in db.execute(sqlalchemy.text("SELECT name FROM assignment"))}
            unknown = [name for name in assignments if name not in known]
            if unknown:
                raise ReportProblem(f"not in the gradebook: {', '.join(unknown)} (known: "
                                    f"{', '.join(sorted(known)) or 'none'})")
            chosen = sqlalchemy.bindparam("chosen", expanding=True)
            cells = db.execute(sqlalchemy.text(CELLS + " AND assignment.name IN :chosen").bindparams(chosen),
                               {"chosen": assignments}).fetchall()
            grades = db.execute(sqlalchemy.text(GRADES + " WHERE assignment.name IN :chosen").bindparams(chosen),
                                {"chosen": assignments}).fetchall()
        engine.dispose()
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise ReportProblem(f"cannot read the gradebook {course.db_url}: {str(error).splitlines()[0]}") from None
    return cells, grades


@dataclass(frozen=True)
class CellInfo:
    kind: str
    exercise: str | None
    suite: str | None
    max_score: float
    order: int


def _cell_infos(course: Course, cells) -> dict[tuple[str, str, str], CellInfo]:
    """(assignment, notebook, grade id) -> what the cell is, from the instructor's source in the gradebook."""
    orders: dict[tuple[str, str], dict[str, int]] = {}
    infos = {}
    for assignment, notebook, name, cell_type, max_score, source, solution in cells:
        if (assignment, notebook) not in orders:
            orders[(assignment, notebook)] = _notebook_order(course.release / assignment / f"{notebook}.ipynb")
        calls = grade_calls(source or "") if cell_type == "GradeCell" and not solution else []
        kind = "task" if cell_type == "TaskCell" else ("written" if solution else "test")
        last = calls[-1] if calls else None  # nbgrader scores a cell by its last value: the last call
        order = orders[(assignment, notebook)].get(name, 10_000)
        infos[(assignment, notebook, name)] = CellInfo(kind, last.exercise_id if last else None,
                                                      last.suite if last else None, float(max_score or 0.0), order)
    return infos


def _notebook_order(path: Path) -> dict[str, int]:
    """grade id -> position in the released notebook (the order a student reads)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return {}
    return {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"): index
            for index, cell in enumerate(cells) if isinstance(cell, dict)}


def _score(auto: float | None, manual: float | None, extra: float | None) -> float:
    """nbgrader's Grade.score: the manual score if any, else the auto score, plus extra credit; else 0."""
    base = manual if manual is not None else auto
    return 0.0 if base is None else float(base) + float(extra or 0.0)


# the results --------------------------------------------------------------------------------------

def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _known_mistake(exercise: str | None, mistake, registry) -> str | None:
    """``mistake`` if the registry knows it for ``exercise``: anything else read from a file is dropped."""
    if not isinstance(mistake, str) or exercise not in registry:
        return None
    return mistake if any(m.id == mistake for m in registry[exercise].mistakes) else None


def _from_outputs(cell: dict) -> tuple[str, str | None, str]:
    """(status, mistake, message) of an autograded test cell, from what its outputs show."""
    for output in cell.get("outputs", []) or []:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "error":
            name = str(output.get("ename", ""))
            return ERROR_STATUS.get(name, "timed out" if "Timeout" in name else "failed"), None, \
                f"{name}: {output.get('evalue', '')}"
        data = output.get("data", {}) if isinstance(output.get("data"), dict) else {}
        text = data.get("text/plain") or output.get("text") or ""
        text = "".join(text) if isinstance(text, list) else str(text)
        headline, _, message = text.partition("\n")
        status = HEADLINE_STATUS.get(headline[:1])
        if status and message:
            found = MISTAKE_LINE.search(message)
            return status, (found.group(1) if found else None), message
    return "unknown", None, ""


def _autograded_cells(course: Course, student: str, assignment: str, notebook: str) -> dict[str, dict]:
    path = course.autograded / student / assignment / f"{notebook}.ipynb"
    data = _read_json(path) or {}
    cells = data.get("cells", []) if isinstance(data.get("cells"), list) else []
    return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in cells if isinstance(c, dict)}


def _status_by_score(score: float, max_score: float) -> str:
    if max_score and score >= max_score:
        return "passed"
    return "partial" if score > 0 else "failed"


def collect(course: Course, assignments: list[str]) -> ClassData:
    """The class's table for ``assignments`` (in that order), students in alphabetical order."""
    from ..registry import load

    start = time.monotonic()
    registry = load()
    cells, grades = _query(course, assignments)
    infos = _cell_infos(course, cells)
    submissions: dict[tuple[str, str, str], Submission] = {}
    for student, assignment, notebook, name, auto, manual, extra, needs_manual in grades:
        key = (student, assignment, notebook)
        if key not in submissions:
            submissions[key] = Submission(student, assignment, notebook)
        info = infos.get((assignment, notebook, name)) or CellInfo("test", None, None, 0.0, 10_000)
        submission = submissions[key]
        row = Row(student, assignment, notebook, name, info.kind, info.exercise, info.suite,
                  _score(auto, manual, extra), info.max_score, "unknown", needs_manual_grade=bool(needs_manual),
                  order=info.order)
        row.status = _written_status(row, auto, manual) if info.kind != "test" else "unknown"
        submission.rows.append(row)
    results_dir = course.root / RESULTS
    written_times = []
    for (student, assignment, notebook), submission in submissions.items():
        submission.rows.sort(key=lambda r: (r.order, r.cell))
        submission.score = sum(r.score for r in submission.rows)
        submission.max_score = sum(r.max_score for r in submission.rows)
        path = results_dir / student / f"{assignment}.json"
        result = _read_json(path)
        if result is not None and result.get("notebook", notebook) == notebook:
            written_times.append(path.stat().st_mtime)
            _apply_result(submission, result, registry)
        else:
            _apply_outputs(submission, _autograded_cells(course, student, assignment, notebook), registry)
    order = {name: index for index, name in enumerate(assignments)}
    ordered = sorted(submissions.values(), key=lambda s: (order[s.assignment], s.student, s.notebook))
    span = max(written_times) - min(written_times) if len(written_times) > 1 else None
    data = ClassData(course, list(assignments), ordered, read_runs(course.root, assignments), span)
    data.read_seconds = time.monotonic() - start
    return data


def _written_status(row: Row, auto: float | None, manual: float | None) -> str:
    """A written answer (or task): waiting for a person, or scored by one (or blank: nbgrader gave 0)."""
    if row.needs_manual_grade:
        return "manual"
    if manual is not None:
        return _status_by_score(row.score, row.max_score)
    return "blank" if not auto else _status_by_score(row.score, row.max_score)


def _apply_result(submission: Submission, result: dict, registry) -> None:
    """Statuses, mistakes and cases from dlgrade grade's JSON result (scores stay the gradebook's)."""
    submission.status = "failed" if result.get("status") == "failed" else "graded"
    submission.reason = result.get("reason") if isinstance(result.get("reason"), str) else None
    seconds = result.get("seconds")
    submission.seconds = float(seconds) if isinstance(seconds, (int, float)) else None
    restored = result.get("restored")
    submission.restored = [str(r) for r in restored] if isinstance(restored, list) else []
    by_cell = {c.get("grade_id"): c for c in result.get("cells", []) if isinstance(c, dict)}
    for row in submission.rows:
        cell = by_cell.get(row.cell)
        if row.kind != "test" or cell is None:
            continue
        status = cell.get("status")
        row.status = status if status in STATUSES else "unknown"
        row.mistake = _known_mistake(row.exercise, cell.get("mistake"), registry)
        row.cases_passed = cell.get("cases_passed") if isinstance(cell.get("cases_passed"), int) else None
        row.cases = cell.get("cases") if isinstance(cell.get("cases"), int) else None
        row.message = str(cell.get("message") or "")


def _apply_outputs(submission: Submission, cells: dict[str, dict], registry) -> None:
    """Statuses and mistakes from the autograded notebook (graded by nbgrader autograde)."""
    submission.status = "nbgrader"
    for row in submission.rows:
        if row.kind != "test":
            continue
        cell = cells.get(row.cell)
        if cell is None:
            continue
        status, mistake, message = _from_outputs(cell)
        row.status, row.mistake, row.message = status, _known_mistake(row.exercise, mistake, registry), message


# the runs ------------------------------------------------------------------------------------------

def record_run(root: Path, summary, assignments: list[str], workers: int | None = None) -> None:
    """Append one ``dlgrade grade`` run (its GradingSummary) to ``results/runs.jsonl``, for the
    report's duration and throughput. Never fails the grading run."""
    entry = {"finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "assignments": list(assignments),
             "seconds": round(float(getattr(summary, "seconds", 0.0)), 3), "graded": getattr(summary, "graded", 0),
             "skipped": getattr(summary, "skipped", 0), "failed": len(getattr(summary, "failed", [])),
             "mode": getattr(summary, "mode", ""), "workers": workers}
    try:
        folder = Path(root) / RESULTS
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / RUN_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
    except OSError:
        pass


def read_runs(root: Path, assignments: list[str]) -> list[dict]:
    """The recorded runs that graded any of ``assignments``, oldest first."""
    try:
        lines = (Path(root) / RESULTS / RUN_LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    runs = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and set(entry.get("assignments") or []) & set(assignments) and entry.get("graded"):
            runs.append(entry)
    return runs


# summaries the report and the tests share -----------------------------------------------------------

def exercise_scores(data: ClassData) -> dict[tuple[str, str], list[tuple[str, float, float]]]:
    """(assignment, exercise) -> [(student, score, max score)], over the exercise's test cells."""
    found: dict[tuple[str, str], dict[str, list[float]]] = {}
    for row in data.rows:
        if row.kind == "test" and row.exercise:
            total = found.setdefault((row.assignment, row.exercise), {}).setdefault(row.student, [0.0, 0.0])
            total[0] += row.score
            total[1] += row.max_score
    return {key: [(student, s, m) for student, (s, m) in sorted(per.items())] for key, per in found.items()}


def mistake_counts(data: ClassData) -> dict[tuple[str, str, str], set[str]]:
    """(assignment, exercise, mistake id) -> the students whose submission makes it (in any cell)."""
    found: dict[tuple[str, str, str], set[str]] = {}
    for row in data.rows:
        if row.mistake and row.exercise:
            found.setdefault((row.assignment, row.exercise, row.mistake), set()).add(row.student)
    return found


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None

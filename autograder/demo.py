"""The bundled demo class: synthetic students, graded by ``nbgrader autograde``.

Each demo student's submission is the released notebook with every answer cell filled in one way:

- ``alice`` — every answer from the solution notebook (full marks);
- ``bob`` — nothing filled in (the release as handed out: zero);
- ``carol`` — a known mistake from the registry in every other exercise, correct answers elsewhere;
- ``dave`` — an alternative correct implementation from the registry wherever one exists.

Registry implementations are bound by name in the answer cell
(``sigmoid = implementation("activation.sigmoid", "overflow")``), so the demo needs the course's
``autograder`` installed, as grading does anyway.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import release
from .registry import load
from .runtime.calls import grade_calls

MISTAKE_LINE = re.compile(r"^(\S+): .*?$(?:.|\n)*?^Known mistake \[([\w-]+)\]", re.M)
STUDENTS = ("alice", "bob", "carol", "dave")


def implementation(exercise_id: str, which: str):
    """A registry implementation: ``"reference"``, ``"alternative"`` or a mistake id."""
    entry = load()[exercise_id]
    if which == "reference":
        return entry.reference
    if which == "alternative":
        return entry.test_implementations[0]
    return next(m for m in entry.mistakes if m.id == which).implementations[0]


def _answers(notebook) -> list[tuple[int, str, str]]:
    """(cell index, exercise id, name) for every answer cell, from the test cell that follows it."""
    found = []
    cells = notebook.cells
    for index, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution") or meta.get("grade"):
            continue
        for later in cells[index + 1:]:
            calls = grade_calls(later.source) if later.cell_type == "code" else []
            if calls:
                found.append((index, calls[0].exercise_id, calls[0].name))
                break
    return found


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def _bound(name: str, exercise_id: str, which: str) -> str:
    return f'from autograder.demo import implementation\n{name} = implementation("{exercise_id}", "{which}")'


def submission(student: str, released, solution) -> nbformat.NotebookNode:
    """The released notebook with ``student``'s answers in its answer cells."""
    notebook = nbformat.from_dict(json.loads(json.dumps(released)))
    solution_cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in solution.cells}
    registry = load()
    for position, (index, exercise_id, name) in enumerate(_answers(notebook)):
        cell = notebook.cells[index]
        entry = registry[exercise_id]
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if student == "bob":
            continue
        if student == "carol" and position % 2 == 0 and entry.mistakes:
            cell.source = _bound(name, exercise_id, entry.mistakes[0].id)
        elif student == "dave" and entry.test_implementations and entry.candidate_kind == "function":
            cell.source = _bound(name, exercise_id, "alternative")
        else:
            cell.source = _strip_markers(solution_cells[grade_id].source)
    return notebook


def build_class(course: Path, names: list[str]) -> None:
    for name in names:
        released = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
        solution = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
        for student in STUDENTS:
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(submission(student, released, solution), str(folder / f"{name}.ipynb"))


def mistakes_named(course: Path, student: str, name: str) -> list[str]:
    """``exercise:mistake`` for every known mistake the autograded notebook's outputs name."""
    path = course / "autograded" / student / name / f"{name}.ipynb"
    if not path.exists():
        return []
    named: dict[str, None] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            # a report is display data (grade() shows it); printed text and errors are read too
            text = output.get("data", {}).get("text/plain") or output.get("text") or output.get("evalue") \
                or "\n".join(output.get("traceback", []))
            for exercise_id, mistake_id in MISTAKE_LINE.findall(text):
                named[f"{exercise_id.split('.')[-1]}:{mistake_id}"] = None
    return list(named)


def scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(student, assignment) -> (score, max score), from ``nbgrader export``'s grades.csv."""
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {(row["student_id"], row["assignment"]): (float(row["score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


def table(course: Path, names: list[str]) -> str:
    results = scores(course)
    lines = [f"{'student':8s} {'assignment':24s} {'score':>13s}  mistakes named"]
    for student in STUDENTS:
        total = maximum = 0.0
        for name in names:
            score, top = results.get((student, name), (0.0, 0.0))
            total, maximum = total + score, maximum + top
            named = ", ".join(mistakes_named(course, student, name)) or "-"
            lines.append(f"{student:8s} {name:24s} {score:6.2f} / {top:5.1f}  {named}")
        lines.append(f"{student:8s} {'TOTAL':24s} {total:6.2f} / {maximum:5.1f}")
    manual = sum(manual_points(course, name) for name in names)
    if manual:
        lines.append(f"(maximum scores include {manual:g} points of written answers, scored once a person "
                     f"grades them in the formgrader)")
    return "\n".join(lines)


def manual_points(course: Path, name: str) -> float:
    """Points of the manually graded answer cells in an assignment's source notebook."""
    notebook = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
    return sum(float(c.metadata["nbgrader"]["points"]) for c in notebook.cells
               if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution"))


def run(root: Path | None = None, folder: Path | None = None, progress=print) -> str:
    """Release the course in place, then grade the demo class in ``folder`` (a new temporary folder)."""
    from tqdm import tqdm

    root = release.course_root(root)
    names = release.assignment_names(root)
    release.release(root, names, progress=progress)
    course = Path(folder or tempfile.mkdtemp(prefix="dlgrade-demo-"))
    course.mkdir(parents=True, exist_ok=True)
    for item in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(root / item, course / item)
    for item in ("solutions", "assignments"):
        shutil.copytree(root / item, course / item, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    build_class(course, names)
    for name in tqdm(names, desc="nbgrader autograde", unit="assignment"):
        result = release.nbgrader(course, "autograde", name, "--force")
        if result.returncode != 0:
            progress(f"nbgrader autograde {name} reported problems:\n{result.stderr[-2000:]}")
    export = release.nbgrader(course, "export")
    if export.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{export.stderr[-2000:]}")
    progress(f"demo class graded in {course}")
    return table(course, names)

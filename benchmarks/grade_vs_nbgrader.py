"""``dlgrade grade`` against ``nbgrader autograde`` on the same class: wall time, memory, every score.

    python benchmarks/grade_vs_nbgrader.py [--students N] [--assignments a,b,c] [--quick]
                                           [--workers N] [--keep] [--no-nbgrader]

1. A course copy: the course's config, ``solutions/`` and ``assignments/``, each assignment released
   into a fresh gradebook (``autograder.release.generate``), then a class of ``--students`` students
   who each submit every assignment (:func:`build_class`; default 34 × 3 = 102 submissions over
   day1_forward, day1_loss and day2_regularization). Two identical copies of it are made.
2. Copy 1: ``nbgrader autograde ASSIGNMENT --force`` for each assignment, one after another.
   Copy 2: ``dlgrade grade ASSIGNMENT...`` once, for all of them.
   Each runs as a subprocess; wall = from its start to its exit. Memory, sampled every 0.1 s over
   the process and all its descendants (kernels, sandboxed workers): the peak of the sum of their
   RSS; for dlgrade, also the grader's own peak RSS (``VmHWM`` in ``/proc/PID/status``, read while
   it runs) and its largest single process (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the kernel's
   exact figure: dlgrade runs first, so nothing of nbgrader's is in it).
3. Every per-cell ``auto_score`` of the two gradebooks is compared (the query of
   ``tests/grading.py``'s ``gradebook_rows``), and the first differences printed.

The issue's target: nbgrader's wall time / dlgrade's ≥ 50, with every per-cell score equal.
``--quick``: 3 students × day1_forward and day2_regularization, for a check in about a minute.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The same hidden suites for both graders: nbgrader's kernels and dlgrade's grader read it.
os.environ.setdefault("DLGRADE_SECRET", "benchmark-course-secret")

from autograder import release as releasing  # noqa: E402

DEFAULT_ASSIGNMENTS = ("day1_forward", "day1_loss", "day2_regularization")
DEFAULT_STUDENTS = 34            # × 3 assignments = 102 submissions
QUICK = (3, ("day1_forward", "day2_regularization"))
SAMPLE_SECONDS = 0.1


# the class ----------------------------------------------------------------------------------------

def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)


def submission(released, solution, kind: int, seed: int):
    """The released notebook with answers of one ``kind`` (self-contained: only the student's code):

    0 every answer from the solution; 1 none (the release as handed out); 2 every other answer
    left blank; 3 every third answer left blank; 4 the solution, with one answer cell raising
    before it defines anything. ``seed`` shifts which answers kinds 2-4 touch.
    """
    notebook = nbformat.from_dict(json.loads(json.dumps(released)))
    answers = {_meta(c).get("grade_id"): c.source for c in solution.cells if _meta(c).get("solution")}
    position = 0
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta.get("solution") or meta.get("grade"):
            continue
        filled = _strip_markers(answers[meta["grade_id"]])
        if kind == 0 or (kind == 2 and (position + seed) % 2) or (kind == 3 and (position + seed) % 3):
            cell.source = filled
        elif kind == 4:
            cell.source = filled if position != seed % 5 else 'raise RuntimeError("I ran out of time")\n' + filled
        position += 1
    return notebook


def build_class_here(course: Path, names: list[str], students: int) -> list[str]:
    """``students`` students, each submitting every assignment in ``names``; returns their ids."""
    ids = [f"student{number:03d}" for number in range(students)]
    for name in names:
        released = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
        solution = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
        for number, student in enumerate(ids):
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True, exist_ok=True)
            notebook = submission(released, solution, kind=number % 5, seed=number // 5)
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    return ids


def build_class_from_demo(course: Path, names: list[str], students: int) -> list[str]:
    """``students`` students, each submitting every assignment in ``names`` as one of the demo
    class's honest students does (correct, blank, every known mistake, mixtures, partly done,
    alternatives, written answers; ``autograder.demo``), in turn. Hostile students are left out:
    nbgrader gives some of them points that dlgrade grade does not, by design."""
    from autograder import demo

    honest = [s for s in demo.STUDENTS if s not in demo.HOSTILE]
    ids = [f"student{number:03d}" for number in range(students)]
    for name in names:
        released = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
        solution = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
        for number, student in enumerate(ids):
            role = demo.role_of(honest[number % len(honest)], name, names)
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True, exist_ok=True)
            notebook = demo.submission(role, released, solution, seed=f"{student}/{name}")
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    return ids


build_class = build_class_from_demo


def make_course(folder: Path, names: list[str], students: int) -> tuple[Path, Path, int]:
    """Two identical released courses with the class submitted; returns (copy 1, copy 2, submissions)."""
    course = folder / "course"
    course.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for item in ("solutions", "assignments"):
        shutil.copytree(ROOT / item, course / item, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in names:
        releasing.generate(course, name)
    build_class(course, names, students)
    count = sum(1 for _ in (course / "submitted").glob("*/*/*.ipynb"))
    first, second = folder / "nbgrader", folder / "dlgrade"
    shutil.copytree(course, first)
    shutil.copytree(course, second)
    return first, second, count


# running and measuring ----------------------------------------------------------------------------

class Measured:
    """A finished subprocess: exit code, wall seconds, peak memory (bytes), what it printed."""

    def __init__(self, code, seconds, peak_tree, peak_own, output):
        self.code, self.seconds, self.peak_tree, self.peak_own, self.output = code, seconds, peak_tree, peak_own, output


def _rss_tree(process) -> int:
    import psutil
    total = 0
    try:
        members = [process] + process.children(recursive=True)
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def _own_peak(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(command: list[str], cwd: Path) -> Measured:
    import psutil
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    process = psutil.Process(child.pid)
    peaks = {"tree": 0, "own": 0}

    def sample():
        while child.poll() is None:
            peaks["tree"] = max(peaks["tree"], _rss_tree(process))
            peaks["own"] = max(peaks["own"], _own_peak(child.pid))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.communicate()[0]
    seconds = time.perf_counter() - start
    sampler.join()
    return Measured(child.returncode, seconds, peaks["tree"], peaks["own"], output)


def nbgrader_autograde(course: Path, names: list[str]) -> tuple[float, int, dict[str, float], list[str]]:
    """(wall seconds in all, peak RSS sum over any one run, seconds per assignment, problems)."""
    seconds, peak, each, problems = 0.0, 0, {}, []
    for name in names:
        print(f"  nbgrader autograde {name} --force ...", flush=True)
        run = run_measured([sys.executable, "-m", "nbgrader", "autograde", name, "--force", "--log-level=WARN"],
                           course)
        seconds += run.seconds
        peak = max(peak, run.peak_tree)
        each[name] = run.seconds
        if run.code != 0:
            problems.append(f"nbgrader autograde {name} exited {run.code}: {run.output[-1500:]}")
    return seconds, peak, each, problems


def dlgrade_grade(course: Path, names: list[str], workers: int | None) -> Measured:
    command = [sys.executable, "-c", "import sys; from autograder.cli import main; sys.exit(main())",
               "grade", *names, "--quiet"]
    if workers:
        command += ["--workers", str(workers)]
    return run_measured(command, course)


# comparing ----------------------------------------------------------------------------------------

def auto_scores(course: Path) -> dict[tuple, float | None]:
    """(student, assignment, notebook, cell) -> auto_score, from the gradebook."""
    from autograder.grading.writer import grade_rows
    return {tuple(row[:4]): row[4] for row in grade_rows(course / "gradebook.db")}


def differences(expected: dict, got: dict) -> list[str]:
    found = []
    for key in sorted(set(expected) | set(got), key=str):
        if key not in got:
            found.append(f"{'/'.join(key)}: nbgrader {expected[key]}, no row from dlgrade")
        elif key not in expected:
            found.append(f"{'/'.join(key)}: no row from nbgrader, dlgrade {got[key]}")
        elif expected[key] != got[key]:
            found.append(f"{'/'.join(key)}: nbgrader {expected[key]}, dlgrade {got[key]}")
    return found


def submission_seconds(course: Path) -> list[float]:
    return [json.loads(path.read_text(encoding="utf-8"))["seconds"] for path in (course / "results").glob("*/*.json")]


def mb(count: int) -> str:
    return f"{count / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=None, help=f"students in the class (default {DEFAULT_STUDENTS})")
    parser.add_argument("--assignments", default=None, help=f"comma-separated (default {','.join(DEFAULT_ASSIGNMENTS)})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK[0]} students × {','.join(QUICK[1])}")
    parser.add_argument("--workers", type=int, default=None, help="dlgrade grade --workers (default: its own)")
    parser.add_argument("--keep", action="store_true", help="keep the course copies (their folder is printed)")
    parser.add_argument("--no-nbgrader", action="store_true", help="time dlgrade grade alone")
    args = parser.parse_args(argv)
    students = args.students or (QUICK[0] if args.quick else DEFAULT_STUDENTS)
    names = args.assignments.split(",") if args.assignments else list(QUICK[1] if args.quick else DEFAULT_ASSIGNMENTS)

    folder = Path(tempfile.mkdtemp(prefix="dlgrade-bench-"))
    try:
        start = time.perf_counter()
        first, second, count = make_course(folder, names, students)
        print(f"class: {students} students × {len(names)} assignments ({', '.join(names)}) = {count} submissions, "
              f"built and released in {time.perf_counter() - start:.0f} s; {os.cpu_count()} CPUs", flush=True)

        dlgrade = dlgrade_grade(second, names, args.workers)
        # dlgrade runs first, so this is its largest single process (the maximum over children so far)
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        print(f"  dlgrade grade (exit {dlgrade.code}): {dlgrade.output.strip().splitlines()[-1] if dlgrade.output.strip() else ''}",
              flush=True)
        if args.no_nbgrader:
            nb_seconds, nb_peak, nb_each, problems = None, 0, {}, []
        else:
            nb_seconds, nb_peak, nb_each, problems = nbgrader_autograde(first, names)

        per_submission = submission_seconds(second)
        print()
        if nb_seconds is not None:
            print(f"nbgrader autograde: {nb_seconds:8.1f} s wall "
                  f"({', '.join(f'{n} {s:.0f} s' for n, s in nb_each.items())}); "
                  f"peak memory {mb(nb_peak)} (sum of RSS, its process and kernels)")
        print(f"dlgrade grade:      {dlgrade.seconds:8.1f} s wall; peak memory {mb(dlgrade.peak_tree)} "
              f"(sum of RSS, grader and workers), grader alone {mb(dlgrade.peak_own)} (VmHWM)")
        if per_submission:
            print(f"  per submission in a worker: median {statistics.median(per_submission):.2f} s, "
                  f"max {max(per_submission):.2f} s, sum {sum(per_submission):.1f} s over {len(per_submission)}")
        print(f"  its largest single process: {mb(largest)} (getrusage RUSAGE_CHILDREN ru_maxrss, run first)")
        if nb_seconds is None:
            return 0 if dlgrade.code == 0 else 1
        print(f"ratio (nbgrader / dlgrade): {nb_seconds / dlgrade.seconds:.1f}x (target >= 50)")
        expected, got = auto_scores(first), auto_scores(second)
        found = differences(expected, got)
        print(f"every per-cell score equal: {'yes' if not found and expected else 'no'} "
              f"({len(expected)} cells from nbgrader, {len(got)} from dlgrade)")
        for line in found[:20]:
            print(f"  {line}")
        if len(found) > 20:
            print(f"  ... and {len(found) - 20} more")
        for problem in problems:
            print(problem)
        return 0 if not found and expected else 1
    finally:
        if args.keep:
            print(f"course copies kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Time ``dlgrade report`` (and ``dlgrade feedback``) on the graded demo class: 28 students × 10
assignments = 280 submissions.

    python benchmarks/report.py [--course DIR] [--repeat N] [--language en|ja]

Without ``--course``, ``dlgrade demo --dir`` builds and grades the class in a new temporary folder
first (about a minute; it releases the course in place, as the README's command does). With
``--course DIR``, DIR is a class already graded, e.g. by ``dlgrade demo --dir DIR``.

Each run is the command as an instructor types it, in a fresh process from the course folder: wall
time from its start to its exit, Python's start and every import included. It reads the gradebook
and the JSON results of every submission, writes grades.csv, mistakes.csv, the four figures and
report.html. Then, once each: ``dlgrade feedback`` (it writes the pages into the course's
feedback/), and ``dlgrade report`` on a copy of the class without its JSON results, as after plain
``nbgrader autograde`` (statuses and mistakes read from the autograded notebooks). Printed: each
run's time, the median, and the target's verdict (under 10 s); the exit status is 1 when the median
misses it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0
MINIMUM_SUBMISSIONS = 200


def dlgrade() -> list[str]:
    """The ``dlgrade`` command of this Python."""
    script = Path(sys.executable).parent / "dlgrade"
    return [str(script)] if script.exists() else [sys.executable, "-m", "autograder.cli"]


def assignments_and_submissions(course: Path) -> tuple[list[str], int]:
    with sqlite3.connect(course / "gradebook.db") as db:
        names = [name for (name,) in db.execute("SELECT name FROM assignment ORDER BY name")]
        (count,) = db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()
    return names, count


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    """Wall seconds of ``command`` and what it printed, with its CPU seconds (user + system, which a
    busy machine does not inflate) after the words."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, f"{cpu:.2f} s CPU; {done.stdout.strip()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, help="a graded class (default: build the demo class)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--language", choices=("en", "ja"), default="en")
    args = parser.parse_args()

    made = None
    if args.course is None:
        made = Path(tempfile.mkdtemp(prefix="dlgrade-report-bench-"))
        args.course = made / "class"
        print(f"building and grading the demo class in {args.course} (dlgrade demo) ...", flush=True)
        seconds, _ = timed([*dlgrade(), "demo", "--dir", str(args.course)], ROOT)
        print(f"  {seconds:.0f} s")
    course = args.course.resolve()
    try:
        names, submissions = assignments_and_submissions(course)
        results = len(list((course / "results").glob("*/*.json")))
        print(f"class: {course}: {len(names)} assignments, {submissions} submissions in the gradebook, "
              f"{results} JSON results")
        if submissions < MINIMUM_SUBMISSIONS:
            print(f"(fewer than the {MINIMUM_SUBMISSIONS} submissions the target asks for)")
        out = Path(tempfile.mkdtemp(prefix="dlgrade-report-out-"))
        report = [*dlgrade(), "report", *names, "--out", str(out), "--language", args.language]
        times = []
        for run in range(args.repeat):
            seconds, said = timed(report, course)
            times.append(seconds)
            print(f"dlgrade report, run {run + 1}: {seconds:.2f} s   ({said})", flush=True)
        feedback_seconds, said = timed([*dlgrade(), "feedback", *names, "--language", args.language], course)
        print(f"dlgrade feedback: {feedback_seconds:.2f} s   ({said})")
        bare = Path(tempfile.mkdtemp(prefix="dlgrade-report-nbgrader-")) / "class"
        shutil.copytree(course, bare, ignore=shutil.ignore_patterns("results", "submitted", "feedback", "class_report"))
        nbgrader_seconds, said = timed([*dlgrade(), "report", *names, "--out", str(out / "nbgrader")], bare)
        print(f"dlgrade report without JSON results (after nbgrader autograde): {nbgrader_seconds:.2f} s   ({said})")
        shutil.rmtree(bare.parent, ignore_errors=True)
        sizes = {path.name: path.stat().st_size for path in sorted(out.iterdir()) if path.is_file()}
        print("written:", json.dumps(sizes))
        median = statistics.median(times)
        verdict = "under" if median < TARGET_SECONDS else "OVER"
        print(f"dlgrade report on {submissions} submissions: median {median:.2f} s of {len(times)} runs "
              f"(min {min(times):.2f} s), {verdict} the {TARGET_SECONDS:g} s target")
        shutil.rmtree(out, ignore_errors=True)
        return 0 if median < TARGET_SECONDS else 1
    finally:
        if made is not None and not os.environ.get("DLGRADE_KEEP"):
            shutil.rmtree(made, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

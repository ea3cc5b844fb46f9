"""Issue 10's fault tests: ``dlgrade grade`` killed, starved of disk, run twice at once, its workers
killed from outside. Run them alone with ``pytest -k faults``.

Each compares what a faulty run leaves with what a clean run of the same class writes (gradebook
rows through ``writer.grade_rows``, nbgrader's export CSV, the JSON results), never with numbers
taken from the code under test.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import release as releasing

from grading import blank, course_copy, gradebook_rows, result, solved, submit, with_answer

NAME = "day1_forward"
CLASS_SIZE = 30
DISK_CLASS_SIZE = 12      # the first students of the same class: enough to fill 400 kB of autograded/
SEED = int(os.environ.get("DLGRADE_FAULT_SEED", "20261204"))
KILLS = 5
SIGMOID_OVERFLOW = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
SLOW_SETUP = "import time\ntime.sleep(3)\n"   # a submission that is still running when its worker is killed
LONG_SETUP = "import time\ntime.sleep(12)\n"
STEP = "def step(x):\n    return np.where(x > 0, 1.0, 0.0)\n"


def mixed(number: int):
    """The class's submissions in turn: solved, blank, a known mistake."""
    if number % 3 == 0:
        return solved(NAME)
    if number % 3 == 1:
        return blank(NAME)
    return with_answer(solved(NAME), "activation-sigmoid", SIGMOID_OVERFLOW)


@pytest.fixture(scope="module")
def template(released_template):
    return released_template(NAME)


def _class(template, folder: Path, size: int = CLASS_SIZE) -> Path:
    course = course_copy(template, folder)
    for number in range(size):
        submit(course, f"s{number:02d}", NAME, mixed(number))
    return course


def _start(course: Path, *arguments: str, workers: int = 2) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", NAME, "--quiet",
                             "--workers", str(workers), *arguments], cwd=course, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _finish(run: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    out, err = run.communicate(timeout=timeout)
    return run.returncode, out, err


def _results(course: Path) -> int:
    return len(list((course / "results").glob(f"*/{NAME}.json")))


def _group_gone(pgid: int, seconds: float = 20.0) -> bool:
    """Whether every process of the process group ``pgid`` has ended (within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _export(course: Path) -> list[str]:
    done = releasing.nbgrader(course, "export")
    assert done.returncode == 0, done.stderr[-2000:]
    return sorted((course / "grades.csv").read_text().splitlines())


def judged(course: Path, student: str) -> list[tuple]:
    """A JSON result without its timings: what two runs must agree on."""
    cells = result(course, student, NAME)["cells"]
    return [(c["grade_id"], c["score"], c["status"], c["mistake"], c["message"]) for c in cells]


@pytest.fixture(scope="module")
def clean_class(template, tmp_path_factory):
    course = _class(template, tmp_path_factory.mktemp("faults-clean") / "course")
    start = time.monotonic()
    status, out, err = _finish(_start(course))
    assert status == 0, err[-2000:]
    return course, time.monotonic() - start


def test_faults_sigkill_at_random_points_then_rerun_gives_the_clean_gradebook_and_csv(template, clean_class, tmp_path):
    """SIGKILL of the grader (its process only, as ``kill -9 PID``) at KILLS seeded random points,
    each followed by a re-run that is killed at the next point; the last re-run finishes. The
    points: after a random number of submissions are committed, plus a random delay, so each lands
    inside the run (in a commit, between commits, or while the workers start)."""
    clean, clean_seconds = clean_class
    course = _class(template, tmp_path / "course")
    generator = random.Random(SEED)
    targets = sorted(generator.sample(range(0, CLASS_SIZE - 2), KILLS))
    delays = [round(generator.uniform(0.0, 0.4), 3) for _ in targets]
    print(f"fault seed {SEED}: kill after {targets} committed submissions, plus {delays} s "
          f"(a clean run took {clean_seconds:.1f} s)")
    history = []
    for target, delay in zip(targets, delays):
        run = _start(course)
        deadline = time.monotonic() + 300
        while _results(course) < target and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        assert run.poll() is None, f"the run ended before its kill point ({target}, +{delay} s): {run.stderr.read()}"
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        run.stdout.close()
        run.stderr.close()
        left_running = not _group_gone(run.pid)
        if left_running:
            os.killpg(run.pid, signal.SIGKILL)
        assert not left_running, "the grader's judges or workers outlived it"
        history.append(_results(course))
    print(f"results committed at each kill: {history}")
    status, out, err = _finish(_start(course))
    assert status == 0, err[-2000:]
    assert f"{CLASS_SIZE - history[-1]} submissions graded, {history[-1]} already graded" in out, out
    assert gradebook_rows(course) == gradebook_rows(clean)
    assert _export(course) == _export(clean)
    for number in range(CLASS_SIZE):
        assert judged(course, f"s{number:02d}") == judged(clean, f"s{number:02d}")


def _mount_tmpfs(target: Path, size: str, *options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join((f"size={size}", *options)), "tmpfs", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")


def _unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _whole_or_absent(course: Path, clean: Path, size: int) -> int:
    """Every student's gradebook rows are either those of the clean run, or absent: none half
    written. Returns how many were committed."""
    rows = gradebook_rows(course)
    clean_rows = gradebook_rows(clean)
    committed = 0
    for number in range(size):
        student = f"s{number:02d}"
        mine = {row for row in rows if row[0] == student}
        if mine:
            assert mine == {row for row in clean_rows if row[0] == student}, f"{student}'s rows are partial"
            committed += 1
    return committed


@pytest.mark.parametrize("fault", ["full-disk", "read-only"])
def test_faults_no_room_to_write_gives_one_line_and_no_partial_rows(template, clean_class, tmp_path, fault):
    """The course's autograded/ folder is a small tmpfs that fills after a few submissions, or a
    read-only one: the command says so in one line (exit 2, no traceback) and the gradebook holds
    whole submissions only; a run with room again finishes the class as a clean run would."""
    clean, _ = clean_class
    size = DISK_CLASS_SIZE
    course = _class(template, tmp_path / "course", size)
    folder = course / "autograded"
    _mount_tmpfs(folder, "400k" if fault == "full-disk" else "1m", *(["ro"] if fault == "read-only" else []))
    try:
        status, out, err = _finish(_start(course))
    finally:
        _unmount(folder)
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, (out, err[-2000:])
    assert "Traceback" not in err and len(lines) == 1, err[-2000:]
    assert ("No space left" in lines[0]) if fault == "full-disk" else ("Read-only" in lines[0]), lines[0]
    assert str(folder) in lines[0] or "autograded" in lines[0], lines[0]
    committed = _whole_or_absent(course, clean, size)
    assert committed < size
    assert committed == sum(1 for number in range(size)
                            if (course / "results" / f"s{number:02d}" / f"{NAME}.json").is_file())
    status, out, err = _finish(_start(course))
    assert status == 0, err[-2000:]
    students = {f"s{number:02d}" for number in range(size)}
    assert gradebook_rows(course) == {row for row in gradebook_rows(clean) if row[0] in students}


def test_faults_a_second_grader_on_the_same_course_refuses_and_the_first_finishes(template, clean_class, tmp_path):
    clean, _ = clean_class
    course = _class(template, tmp_path / "course")
    # graded last, it keeps the first run going for seconds after the second has started
    submit(course, "zz-slow", NAME, with_answer(solved(NAME), "activation-step", LONG_SETUP + STEP))
    first = _start(course)
    deadline = time.monotonic() + 300
    while _results(course) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the second started"
    status, out, err = _finish(_start(course), timeout=120)
    assert first.poll() is None, "the first run was meant to be still grading"
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1 and "another dlgrade grade is grading this course" in lines[0], err
    assert f"pid {first.pid}" in lines[0], lines[0]
    status, out, err = _finish(first)
    assert status == 0, err[-2000:]
    assert f"{CLASS_SIZE + 1} submissions graded, 0 already graded" in out, out
    assert {row for row in gradebook_rows(course) if row[0] != "zz-slow"} == gradebook_rows(clean)
    assert [line for line in _export(course) if "zz-slow" not in line] == _export(clean)
    assert result(course, "zz-slow", NAME)["score"] == 39.0


def _processes(pattern: str) -> list[tuple[int, int]]:
    """(pid, uid) of every Python process whose command line contains ``pattern`` (not bubblewrap's
    own processes, whose command lines hold the worker's too)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if pattern.encode() in command and not command.split(b"\0")[0].endswith(b"bwrap"):
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            found.append((int(entry), uid))
    return found


@pytest.mark.parametrize("victim", ["worker", "child"])
def test_faults_a_worker_killed_from_outside_costs_its_submission_a_retry(template, tmp_path, victim):
    """The sandboxed worker (the prewarmed process inside bubblewrap) or the child it forked for a
    submission, SIGKILLed from outside while that submission runs: the submission is graded again
    and ends with the scores of an untouched copy of it; the rest of the class too."""
    from autograder.grading.sandbox import NOBODY, WORKER_PACKAGE
    course = course_copy(template, tmp_path / "course")
    slow = with_answer(solved(NAME), "activation-step", SLOW_SETUP + "def step(x):\n    return np.where(x > 0, 1.0, 0.0)\n")
    submit(course, "a-first", NAME, solved(NAME))
    submit(course, "b-slow", NAME, slow)
    submit(course, "c-after", NAME, with_answer(solved(NAME), "activation-sigmoid", SIGMOID_OVERFLOW))
    run = _start(course, "--sandbox", "required", workers=1)
    try:
        deadline = time.monotonic() + 120
        targets = []
        while not targets and time.monotonic() < deadline and run.poll() is None:
            if _results(course) >= 1:  # a-first is done: b-slow is sleeping in its first cell
                processes = _processes(f"{WORKER_PACKAGE}.grading.worker")
                targets = [pid for pid, uid in processes if (uid == NOBODY) == (victim == "child")]
            time.sleep(0.05)
        assert targets, f"no {victim} process found while b-slow was graded"
        time.sleep(0.5)
        for pid in targets:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # gone with the one killed before it (its parent)
                pass
        status, out, err = _finish(run)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert status == 0, (out, err[-2000:])
    assert "3 submissions graded, 0 already graded, 0 with faults" in out, out
    graded = result(course, "b-slow", NAME)
    assert graded["status"] == "graded" and graded["score"] == 39.0, graded["reason"]
    assert result(course, "a-first", NAME)["score"] == 39.0
    honest = result(course, "c-after", NAME)
    assert 30.0 < honest["score"] < 39.0 and honest["status"] == "graded"

"""One graded class for the whole red team, built once per session.

Two copies of a released day1_forward course: ``baseline`` holds only honest students, ``hostile``
the same honest students plus one hostile student per attack (:mod:`redteam.attacks`), each hostile
one followed in name order by an honest solved student (``<hostile>-z``), so that whatever a
submission leaves behind meets the next one on the same worker. Both are graded by the real
command, ``python -m autograder.cli grade`` (what the ``dlgrade`` script runs), with
``--sandbox required``. The course secret is a file outside the course, named by
``DLGRADE_SECRET_FILE``, as an instructor keeps it.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from grading import course_copy, solved, submit, with_answer
from hostile import ASSIGNMENT
from notebooks import ROOT

from .attacks import Attack, attacks

# Honest students: two solved, two with a naive sigmoid (overflow warnings cost part of its points).
PARTIAL_SIGMOID = "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-x))\n"
HONEST = {"a-good": "good", "a-partial": "partial", "zz-good": "good", "zz-partial": "partial"}
CLASSMATE = "zz-good"             # the honest student whose submission an attack tries to overwrite
GRADE_OPTIONS = ("--workers", "2", "--timeout", "3", "--memory", "2048", "--sandbox", "required", "--quiet")
RUN_SECONDS = 600


def honest(kind: str):
    notebook = solved(ASSIGNMENT)
    return notebook if kind == "good" else with_answer(notebook, "activation-sigmoid", PARTIAL_SIGMOID)


def dlgrade(course: Path, *arguments: str, env: dict, timeout: float = RUN_SECONDS) -> subprocess.CompletedProcess:
    """``dlgrade ARGUMENTS`` run in ``course``, as an instructor runs it."""
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class RedTeamClass:
    baseline: Path
    hostile: Path
    baseline_run: subprocess.CompletedProcess
    hostile_run: subprocess.CompletedProcess
    seconds: float
    attacks: dict[str, Attack]
    students: dict[str, str]          # hostile student -> attack name
    honest: dict[str, str]            # honest student -> "good" or "partial"
    secret: str
    before: dict[str, str]            # file -> digest, of the files attacks try to change
    after: dict[str, str]


@pytest.fixture(scope="session")
def redteam_class(released_template, tmp_path_factory) -> RedTeamClass:
    from autograder.grading.sandbox import bubblewrap_status
    if not bubblewrap_status()[0]:
        pytest.fail(f"the red team needs the real sandbox, and bubblewrap cannot run here: {bubblewrap_status()[1]}")
    template = released_template(ASSIGNMENT)
    base = tmp_path_factory.mktemp("redteam")
    secret = secrets.token_hex(16)
    secret_file = base / "instructor" / "secret"
    secret_file.parent.mkdir()
    secret_file.write_text(secret + "\n")
    env = {key: value for key, value in os.environ.items() if key != "DLGRADE_SECRET"}
    env.update(DLGRADE_SECRET_FILE=str(secret_file), PYTHONUNBUFFERED="1")

    baseline, hostile = (course_copy(template, base / name) for name in ("baseline", "hostile"))
    paths = {"course": str(hostile), "gradebook": str(hostile / "gradebook.db"),
             "config": str(hostile / "nbgrader_config.py"), "secret_file": str(secret_file),
             "home_secret": str(Path.home() / ".config" / "dlgrade" / "secret"), "repository": str(ROOT),
             "classmate": str(hostile / "submitted" / CLASSMATE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")}
    chosen = attacks(paths)
    students, honest_students = {}, dict(HONEST)
    for number, (name, attack) in enumerate(chosen.items(), start=1):
        student = f"h{number:02d}-{name}"
        students[student] = name
        honest_students[f"{student}-z"] = "good"
        if attack.raw is not None:
            submit(hostile, student, ASSIGNMENT, raw=attack.raw(), filename=attack.filename)
        else:
            submit(hostile, student, ASSIGNMENT, attack.notebook(), filename=attack.filename)
    for course in (baseline, hostile):
        for student, kind in honest_students.items():
            submit(course, student, ASSIGNMENT, honest(kind))
    watched = [Path(paths["config"]), Path(paths["classmate"]), secret_file]
    before = {str(path): digest(path) for path in watched}

    baseline_run = dlgrade(baseline, "grade", ASSIGNMENT, *GRADE_OPTIONS, env=env)
    start = time.monotonic()
    hostile_run = dlgrade(hostile, "grade", ASSIGNMENT, *GRADE_OPTIONS, env=env)
    seconds = time.monotonic() - start
    print(f"red team: {len(students)} hostile and {len(honest_students)} honest submissions graded in "
          f"{seconds:.1f} s; {hostile_run.stdout.strip().splitlines()[0] if hostile_run.stdout.strip() else ''}")
    after = {str(path): digest(path) for path in watched}
    return RedTeamClass(baseline, hostile, baseline_run, hostile_run, seconds, chosen, students, honest_students,
                        secret, before, after)

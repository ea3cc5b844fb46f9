"""Issue 10's input validation: whatever an instructor gives ``dlgrade grade`` (arguments, the
course's nbgrader_config.py, the released notebooks, the gradebook, the course secret) that is
wrong is said in one line on stderr naming the file or argument and the problem, with exit status
2 and no traceback. Each case runs the real command in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grading import course_copy, solved, submit

NAME = "day1_forward"


@pytest.fixture(scope="module")
def course(released_template, tmp_path_factory) -> Path:
    """A released course with one solved submission (each test changes a copy)."""
    folder = course_copy(released_template(NAME), tmp_path_factory.mktemp("validation") / "course")
    submit(folder, "alice", NAME, solved(NAME))
    return folder


@pytest.fixture
def broken(course, tmp_path) -> Path:
    """A copy of the course, submissions included, to break."""
    import shutil
    return Path(shutil.copytree(course, tmp_path / "course"))


def dlgrade(cwd: Path, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name)
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


def assert_one_line(done: subprocess.CompletedProcess, *words: str) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, (done.returncode, done.stdout[-1000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("arguments, words", [
    (("grade",), ["ASSIGNMENT"]),
    (("grade", NAME, "--workers", "0"), ["--workers", "at least 1"]),
    (("grade", NAME, "--workers", "two"), ["--workers", "'two'"]),
    (("grade", NAME, "--timeout", "-3"), ["--timeout"]),
    (("grade", NAME, "--memory", "lots"), ["--memory"]),
    (("grade", NAME, "--sandbox", "maybe"), ["--sandbox", "maybe"]),
    (("grade", NAME, "--frobnicate"), ["--frobnicate"]),
    (("grade", "no_such_assignment"), ["no_such_assignment"]),
    (("grade", NAME, "--student", "nobody-here"), ["nobody-here", "submitted"]),
    (("frobnicate",), ["frobnicate"]),
])
def test_bad_arguments(course, arguments, words):
    assert_one_line(dlgrade(course, *arguments), *words)


@pytest.mark.parametrize("text, words", [
    ("c = get_config()\nc.CourseDirectory.course_id = 'x\n", ["syntax error at line 2"]),
    ("c = get_config()\nc.CourseDirectory.submitted_directory = 5\n", ["submitted_directory"]),
    ("c = get_config()\nc.CourseDirectory.db_url = ['sqlite:///gradebook.db']\n", ["db_url"]),
    ("c = get_config()\nraise RuntimeError('half-edited')\n", ["RuntimeError", "half-edited"]),
])
def test_a_broken_nbgrader_config(broken, text, words):
    config = broken / "nbgrader_config.py"
    config.write_text(text)
    assert_one_line(dlgrade(broken, "grade", NAME, "--quiet"), str(config), *words)


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"cells": 3}'])
def test_a_released_notebook_that_cannot_be_read(broken, content):
    notebook = broken / "assignments" / NAME / f"{NAME}.ipynb"
    notebook.write_bytes(content)
    assert_one_line(dlgrade(broken, "grade", NAME, "--quiet"), str(notebook), "cannot be read")


def test_a_gradebook_that_is_not_a_database(broken):
    (broken / "gradebook.db").write_bytes(b"this is not SQLite" * 100)
    assert_one_line(dlgrade(broken, "grade", NAME, "--quiet"), "gradebook.db", "cannot be opened")


def test_a_submitted_fixture_file_that_is_not_valid_data_is_the_submissions_own_business(broken):
    """A submission's data or fixture file is the student's: a broken one costs nothing to the run."""
    (broken / "submitted" / "alice" / NAME / "fixtures.json").write_bytes(b"\xff{not json")
    done = dlgrade(broken, "grade", NAME, "--quiet")
    assert done.returncode == 0 and "1 submission graded" in done.stdout, done.stderr[-2000:]


@pytest.mark.parametrize("problem", ["missing", "empty", "unreadable", "a folder"])
def test_a_secret_file_that_cannot_be_used(broken, tmp_path, problem):
    path = tmp_path / "secret"
    if problem == "empty":
        path.write_text("\n")
    elif problem == "unreadable":
        path.write_bytes(b"\xff\xfe not text")
    elif problem == "a folder":
        path.mkdir()
    env = {"DLGRADE_SECRET": None, "DLGRADE_SECRET_FILE": str(path)}
    line = assert_one_line(dlgrade(broken, "grade", NAME, "--quiet", env=env), str(path))
    assert {"missing": "does not exist", "empty": "is empty", "unreadable": "cannot be read",
            "a folder": "is not a file"}[problem] in line
    assert not path.exists() or problem != "missing", "a secret was made up for a file named but missing"
    assert not (broken / "results").exists(), "nothing is graded without the course's secret"


def test_check_with_the_hidden_suite_and_no_secret(tmp_path):
    work = tmp_path / "work.py"
    work.write_text("import numpy as np\ndef relu(x):\n    return np.maximum(x, 0.0)\n")
    env = {"DLGRADE_SECRET": None, "DLGRADE_SECRET_FILE": str(tmp_path / "missing-secret")}
    assert_one_line(dlgrade(tmp_path, "check", "activation.relu", str(work), "--suite", "hidden", env=env),
                    "missing-secret", "does not exist")

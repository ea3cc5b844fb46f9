"""`pytest --submission PATH`, run as a user would (a pytest subprocess), on real released notebooks."""
import json
import re
import shutil

import nbformat
import pytest

from notebooks import ROOT, answer_cells, blocked_modules_path, nbgrader_meta, released, solution, with_answers_from

EXERCISE_ASSIGNMENT = "day1_forward"
QUIZ_ASSIGNMENT = "day2_quiz"
FAILURE_HEADER = re.compile(r"^_{3,} (.+?) _{3,}$", re.M)  # pytest's line above each failure's text


def checks_in(notebook) -> int:
    """Visible grade(...) calls: one pytest item each."""
    return sum(1 for c in notebook.cells
               if c.cell_type == "code" and "grade(" in c.source and "HIDDEN" not in c.source)




def failures(result) -> dict[str, str]:
    """Each failed item's head line (``notebook.ipynb::exercise id``) -> its failure text."""
    text = result.stdout.str()
    text = text[:text.find("short test summary")] if "short test summary" in text else text
    parts = FAILURE_HEADER.split(text)
    return dict(zip(parts[1::2], parts[2::2]))


def with_cell(notebook, grade_id, source):
    """``notebook`` with the source of its cell ``grade_id`` replaced."""
    [cell] = [c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == grade_id]
    cell.source = source
    return notebook


def filled(name=EXERCISE_ASSIGNMENT):
    return with_answers_from(released(name), solution(name))


def submission(pytester, name, notebook):
    """A student's folder: the released assignment (checker included) with ``notebook`` in it."""
    folder = pytester.path / name
    shutil.copytree(ROOT / "assignments" / name, folder, ignore=shutil.ignore_patterns("__pycache__"))
    nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    return folder


def half_wrong(name):
    """Every other answer wrong: a quiz item answered 999, a function returning None. A function
    that a later answer calls keeps its correct body, so each wrong answer fails exactly one item."""
    notebook = with_answers_from(released(name), solution(name))
    cells = answer_cells(notebook)
    wrong = 0
    for index, cell in enumerate(cells):
        if index % 2 == 0:
            continue
        first = cell.source.splitlines()[0]
        if name.endswith("_quiz"):
            cell.source = f"{first.split('=')[0].strip()} = 999"
        elif first.startswith("def "):
            function = first[4:].split("(")[0]
            if any(function in later.source for later in cells[index + 1:]):
                continue
            cell.source = f"{first}\n    return None"
        else:
            continue
        wrong += 1
    return notebook, wrong


@pytest.mark.parametrize("name", [EXERCISE_ASSIGNMENT, QUIZ_ASSIGNMENT])
def test_correct_submission_passes_every_item(pytester, name):
    notebook = with_answers_from(released(name), solution(name))
    folder = submission(pytester, name, notebook)
    result = pytester.runpytest_subprocess("--submission", str(folder))
    result.assert_outcomes(passed=checks_in(notebook))


@pytest.mark.parametrize("name", [EXERCISE_ASSIGNMENT, QUIZ_ASSIGNMENT])
def test_blank_submission_fails_every_item_without_a_traceback(pytester, name):
    notebook = released(name)
    folder = submission(pytester, name, notebook)
    result = pytester.runpytest_subprocess("--submission", str(folder))
    result.assert_outcomes(failed=checks_in(notebook))
    text = result.stdout.str()
    assert "Traceback" not in text and "raise CheckFailed" not in text
    word = "unanswered" if name.endswith("_quiz") else "not implemented yet"
    assert text.count(word) >= checks_in(notebook)


@pytest.mark.parametrize("name", [EXERCISE_ASSIGNMENT, QUIZ_ASSIGNMENT])
def test_half_wrong_submission_fails_exactly_the_wrong_items(pytester, name):
    notebook, wrong = half_wrong(name)
    assert wrong > 0
    folder = submission(pytester, name, notebook)
    result = pytester.runpytest_subprocess("--submission", str(folder))
    result.assert_outcomes(passed=checks_in(notebook) - wrong, failed=wrong)


@pytest.mark.parametrize("where, arguments", [
    ("inside", ("-p", "dlcheck.pytest_plugin", "--submission", ".")),
    ("inside", ("--submission", ".")),
    ("parent", ("--submission", EXERCISE_ASSIGNMENT)),
    ("parent", ("--submission", f"{EXERCISE_ASSIGNMENT}/{EXERCISE_ASSIGNMENT}.ipynb")),
])
def test_a_student_with_only_the_release_can_run_it(pytester, tmp_path, monkeypatch, where, arguments):
    """No course package and no reference: the plugin is the dlcheck copy, loaded by -p or by the
    conftest.py released beside the notebook; from the assignment's folder or the one above it."""
    name = EXERCISE_ASSIGNMENT
    notebook = filled(name)
    folder = submission(pytester, name, notebook)
    if where == "inside":
        for item in folder.iterdir():
            shutil.move(str(item), pytester.path / item.name)
    monkeypatch.setenv("PYTHONPATH", str(blocked_modules_path(tmp_path, "reference", "autograder")))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess(*arguments)
    result.assert_outcomes(passed=checks_in(notebook))


def test_the_course_plugin_and_the_released_copy_together_check_each_item_once(pytester):
    """The course package installed (its plugin autoloads), the release's copy asked for with -p, and
    the released conftest.py (which then loads nothing)."""
    notebook = filled()
    folder = submission(pytester, EXERCISE_ASSIGNMENT, notebook)
    for item in folder.iterdir():
        shutil.move(str(item), pytester.path / item.name)
    result = pytester.runpytest_subprocess("-p", "dlcheck.pytest_plugin", "--submission", ".")
    result.assert_outcomes(passed=checks_in(notebook))


BROKEN = {  # file name -> (its bytes, words its failure must say)
    "not-json.ipynb": (b"{ not json", "not valid JSON"),
    "cells-not-a-list.ipynb": (json.dumps({"cells": 5}).encode(), "no list of cells"),
    "a-list.ipynb": (json.dumps([{"cell_type": "code", "source": ""}]).encode(), "no list of cells"),
    "cell-without-source.ipynb": (json.dumps({"cells": [{"cell_type": "code", "metadata": {}}]}).encode(),
                                  "cell 1 has no source"),
    "cell-not-a-dict.ipynb": (json.dumps({"cells": [{"cell_type": "markdown", "source": "x"}, 7]}).encode(),
                              "cell 2 is not a cell"),
    "cell-without-type.ipynb": (json.dumps({"cells": [{"source": "x = 1"}]}).encode(), "cell 1 has no cell_type"),
    "source-not-text.ipynb": (json.dumps({"cells": [{"cell_type": "code", "source": [1, 2]}]}).encode(),
                              "the source of cell 1 is not text"),
    "metadata-not-a-dict.ipynb": (json.dumps({"cells": [{"cell_type": "code", "source": "", "metadata": []}]})
                                  .encode(), "the metadata of cell 1 is not a dict"),
    "not-utf8.ipynb": (b"\xff\xfe\x00{", "the file cannot be read"),
}


def test_each_broken_notebook_is_one_failure_naming_it_and_the_rest_still_run(pytester):
    notebook = filled()
    folder = submission(pytester, EXERCISE_ASSIGNMENT, notebook)
    for file_name, (content, _) in BROKEN.items():
        (folder / file_name).write_bytes(content)
    result = pytester.runpytest_subprocess("--submission", str(folder))
    result.assert_outcomes(passed=checks_in(notebook), failed=len(BROKEN))
    text = result.stdout.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text
    failed = failures(result)
    for file_name, (_, words) in BROKEN.items():
        message = failed[f"{file_name}: notebook"]
        assert file_name in message and words in message, message


MARKER = "student-code-ran.marker"


def test_collecting_runs_no_student_code(pytester):
    notebook = filled()
    step = [c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == "activation-step"][0]
    with_cell(notebook, "activation-step", f"open({MARKER!r}, 'w').close()\n" + step.source)
    folder = submission(pytester, EXERCISE_ASSIGNMENT, notebook)
    collected = pytester.runpytest_subprocess("--collect-only", "-q", "--submission", str(folder))
    assert f"{checks_in(notebook)} tests collected" in collected.stdout.str()
    assert not (folder / MARKER).exists(), "--collect-only ran a student cell"
    pytester.runpytest_subprocess("--submission", str(folder)).assert_outcomes(passed=checks_in(notebook))
    assert (folder / MARKER).exists(), "the answer cells did not run with the tests"


def test_each_undefined_name_reports_the_error_of_its_own_cell(pytester):
    """sigmoid's definition moved into step's cell, after a raise; tanh's cell raises; relu's cell
    is not Python. Each failure names what its defining cell did, and nothing of the others."""
    notebook = filled()
    step = [c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == "activation-step"][0]
    with_cell(notebook, "activation-step",
              step.source + '\nraise RuntimeError("step cell boom")\n\ndef sigmoid(x):\n    return x\n')
    with_cell(notebook, "activation-sigmoid", "pass  # moved to the cell above")
    with_cell(notebook, "activation-tanh", 'raise ValueError("tanh cell boom")\n')
    with_cell(notebook, "activation-relu", "def relu(x)\n    return x\n")
    folder = submission(pytester, EXERCISE_ASSIGNMENT, notebook)
    result = pytester.runpytest_subprocess("--submission", str(folder))
    failed = failures(result)
    name = f"{EXERCISE_ASSIGNMENT}.ipynb"
    assert f"{name}::activation.step" not in failed
    sigmoid, tanh, relu = (failed[f"{name}::activation.{e}"] for e in ("sigmoid", "tanh", "relu"))
    assert "`sigmoid` is not defined" in sigmoid and "step cell boom" in sigmoid
    assert "tanh cell boom" in tanh and "step cell boom" not in tanh
    assert "SyntaxError" in relu and "boom" not in relu
    assert "SyntaxError" not in sigmoid + tanh


def test_a_renamed_answer_says_that_no_cell_defined_it(pytester):
    notebook = filled()
    with_cell(notebook, "activation-tanh", "def my_tanh(x):\n    return x\n")
    folder = submission(pytester, EXERCISE_ASSIGNMENT, notebook)
    message = failures(pytester.runpytest_subprocess("--submission", str(folder)))[
        f"{EXERCISE_ASSIGNMENT}.ipynb::activation.tanh"]
    assert "`tanh` is not defined" in message and "spelling" in message and "raised" not in message


ENDLESS = "    while True:\n        try:\n            sum(range(1000))\n        except Exception:\n            pass\n"


def test_a_cell_or_candidate_looping_inside_try_except_is_stopped(pytester):
    """tanh's cell loops at the top level; sigmoid loops when called. Both swallow every Exception.
    Limits made small for the test: --cell-time-limit, and the time limit saved in sigmoid's fixture."""
    notebook = filled()
    with_cell(notebook, "activation-tanh", "if True:\n" + ENDLESS)
    with_cell(notebook, "activation-sigmoid", "def sigmoid(x):\n" + ENDLESS)
    folder = submission(pytester, EXERCISE_ASSIGNMENT, notebook)
    fixture = folder / "dlcheck" / "fixtures" / "activation.sigmoid.visible.json"
    saved = json.loads(fixture.read_text(encoding="utf-8"))
    saved["suite"]["time_limit"] = 0.5
    fixture.write_text(json.dumps(saved), encoding="utf-8")
    result = pytester.runpytest_subprocess("--cell-time-limit", "0.5", "--submission", str(folder), timeout=50)
    failed = failures(result)
    for exercise in ("tanh", "sigmoid"):
        message = failed[f"{EXERCISE_ASSIGNMENT}.ipynb::activation.{exercise}"]
        assert "Timeout" in message and "0.5 s" in message, message

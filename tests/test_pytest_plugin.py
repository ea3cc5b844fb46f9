"""`pytest --submission PATH`, run as a user would (a pytest subprocess), on real released notebooks."""
import shutil

import nbformat
import pytest

from notebooks import ROOT, answer_cells, blocked_modules_path, released, solution, with_answers_from

EXERCISE_ASSIGNMENT = "day1_forward"
QUIZ_ASSIGNMENT = "day2_quiz"






def checks_in(notebook) -> int:
    """Visible grade(...) calls: one pytest item each."""
    return sum(1 for c in notebook.cells
               if c.cell_type == "code" and "grade(" in c.source and "HIDDEN" not in c.source)




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


def test_a_student_with_only_the_release_can_run_it(pytester, tmp_path, monkeypatch):
    """No course package and no reference: the plugin is the dlcheck copy, loaded with -p."""
    name = EXERCISE_ASSIGNMENT
    notebook = with_answers_from(released(name), solution(name))
    folder = submission(pytester, name, notebook)
    for item in folder.iterdir():  # the student works inside the assignment's folder
        shutil.move(str(item), pytester.path / item.name)
    env_blocked = blocked_modules_path(tmp_path, "reference", "autograder")
    monkeypatch.setenv("PYTHONPATH", str(env_blocked))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "dlcheck.pytest_plugin", "--submission", ".")
    result.assert_outcomes(passed=checks_in(notebook))


def test_a_malformed_notebook_is_one_clear_failure(pytester):
    folder = pytester.path / "broken"
    folder.mkdir()
    (folder / "broken.ipynb").write_text("{ not json", encoding="utf-8")
    result = pytester.runpytest_subprocess("--submission", str(folder))
    result.assert_outcomes(failed=1)
    assert "cannot read the notebook" in result.stdout.str()

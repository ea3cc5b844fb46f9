"""The demo class's students are what the README says: correct, blank, known mistakes, alternatives."""
import pytest

import autograder
from autograder import demo

from notebooks import released, solution

NAME = "day1_forward"


@pytest.fixture(scope="module")
def notebooks():
    release, source = released(NAME), solution(NAME)
    return release, source, {s: demo.submission(s, release, source) for s in demo.STUDENTS}


def bound(cell):
    """The (exercise id, which) an answer cell binds with demo.implementation, or None."""
    if "implementation(" not in cell.source:
        return None
    call = cell.source.split("implementation(")[1]
    exercise_id, which = [part.strip().strip('")') for part in call.split(",")[:2]]
    return exercise_id, which


def test_alice_answers_with_the_solutions_and_bob_leaves_the_blanks(notebooks):
    released, solution, students = notebooks
    for index, exercise_id, name in demo._answers(released):
        assert students["bob"].cells[index].source == released.cells[index].source
        alice = students["alice"].cells[index].source
        assert "BEGIN SOLUTION" not in alice and "NotImplementedError" not in alice


def test_carol_makes_named_mistakes_and_dave_writes_correct_alternatives(notebooks):
    released, _, students = notebooks
    carol = [bound(students["carol"].cells[i]) for i, _, _ in demo._answers(released)]
    dave = [bound(students["dave"].cells[i]) for i, _, _ in demo._answers(released)]
    assert any(carol) and any(dave)
    for exercise_id, which in filter(None, carol):
        report = autograder.check(exercise_id, demo.implementation(exercise_id, which))
        assert not report.passed and report.mistake == which
    for exercise_id, which in filter(None, dave):
        assert which == "alternative"
        assert autograder.check(exercise_id, demo.implementation(exercise_id, which)).passed


def test_the_demo_table_reads_the_mistakes_a_graded_notebook_names(tmp_path):
    """grade() shows its report as display data: the table must read it there."""
    import nbformat
    from autograder.runtime.notebook import ReportView

    report = autograder.check("activation.sigmoid", demo.implementation("activation.sigmoid", "overflow"))
    cell = nbformat.v4.new_code_cell('grade("activation.sigmoid", sigmoid)')
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": repr(ReportView(report, 1.0))}),
                    nbformat.v4.new_output("execute_result", data={"text/plain": str(report.score)}, execution_count=1)]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    folder = tmp_path / "autograded" / "carol" / NAME
    folder.mkdir(parents=True)
    nbformat.write(notebook, str(folder / f"{NAME}.ipynb"))
    assert demo.mistakes_named(tmp_path, "carol", NAME) == ["sigmoid:overflow"]

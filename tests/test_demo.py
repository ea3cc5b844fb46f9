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

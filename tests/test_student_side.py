"""The student's side gives the instructor's verdict: the released fixtures against the registry.

A student's notebook checks against the JSON fixtures in ``assignments/<name>/dlcheck/fixtures``, not
the registry. For every exercise released, the reference, every known mistake and every test
implementation get the same verdict, score and named mistake from the fixture as from
``autograder.check`` (the release's copy of the runtime equals ``autograder/runtime``: see
``test_course.py``).
"""
from pathlib import Path

import pytest

import autograder
from autograder.registry import load
from autograder.runtime import run_suite, serialize

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted(ROOT.glob("assignments/*/dlcheck/fixtures/*.visible.json"))
REGISTRY = load()


def implementations(exercise_id):
    entry = REGISTRY[exercise_id]
    yield "reference", entry.reference
    for known in entry.mistakes:
        for index, implementation in enumerate(known.implementations):
            yield f"{known.id} #{index}", implementation
    for index, implementation in enumerate(entry.test_implementations):
        yield f"test implementation #{index}", implementation


def test_every_exercise_of_the_registry_is_released():
    released = {path.name.removesuffix(".visible.json") for path in FIXTURES}
    assert released == set(REGISTRY), sorted(set(REGISTRY) ^ released)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parents[2].name}/{p.name}")
def test_the_released_fixture_gives_the_registrys_verdict(path):
    exercise_id = path.name.removesuffix(".visible.json")
    fixture = serialize.loads(path.read_text(encoding="utf-8"))
    assert set(fixture.mistake_hints) == {m.id for m in REGISTRY[exercise_id].mistakes}
    for what, implementation in implementations(exercise_id):
        student = run_suite(fixture, implementation, "en")
        instructor = autograder.check(exercise_id, implementation, language="en")
        assert (student.passed, student.score, student.mistake) == \
            (instructor.passed, instructor.score, instructor.mistake), f"{exercise_id} {what}"
        assert student.message == instructor.message, f"{exercise_id} {what}"

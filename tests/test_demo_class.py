"""The demo class as the README and autograder/demo.py describe it, built for every assignment (no grading).

The rules each role follows are restated here from the documentation, not read from the builder:
what a submission's answer cell should hold is recomputed from the solution notebooks, the release
and the registry.
"""
import functools
import json

import nbformat
import pytest

import autograder
from autograder import demo, release
from autograder.registry import load

from notebooks import JAPANESE, STRAY_SPACE, copy_course, nbgrader_meta
from test_demo import run_cell

README_STUDENTS = {"alice": "correct", "bob": "blank", "carol": "mistakes-every-other", "dave": "alternatives"}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def names(course):
    return release.assignment_names(course)


@pytest.fixture(scope="module")
def manifest(course, names):
    return demo.build_class(course, names)


def read(course, *parts):
    return nbformat.read(str(course.joinpath(*parts)), as_version=4)


def submitted(course, student, name):
    return read(course, "submitted", student, name, f"{name}.ipynb")


def released(course, name):
    return read(course, "assignments", name, f"{name}.ipynb")


def answer_cells(notebook):
    """(index, exercise id, graded name) of each code answer cell: the next ``grade(...)`` call says which."""
    from autograder.runtime.calls import grade_calls

    found = []
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            call = next(calls[0] for later in notebook.cells[index + 1:]
                        if later.cell_type == "code" and (calls := grade_calls(later.source)))
            found.append((index, call.exercise_id, call.name))
    return found


def solution_answer(course, name, grade_id):
    """The solution notebook's cell, the BEGIN/END SOLUTION marker lines removed."""
    cells = read(course, "solutions", name, f"{name}.ipynb").cells
    cell = next(c for c in cells if nbgrader_meta(c).get("grade_id") == grade_id)
    return "\n".join(line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


@functools.lru_cache(maxsize=None)
def mistake_cell(exercise_id, mistake_id, name):
    return demo.implementation_source(exercise_id, mistake_id, name, demo.usable_index(exercise_id, mistake_id))


@functools.lru_cache(maxsize=None)
def alternative_cell(exercise_id, name):
    index = demo.usable_index(exercise_id, "alternative")
    return None if index is None else demo.implementation_source(exercise_id, "alternative", name, index)


def kind_of_answer(course, name, cell, exercise_id, variable, release_cell):
    """What an answer cell holds: "correct", "blank", "alternative", ("mistake", id) or "other"."""
    if cell.source == release_cell.source:
        return "blank"
    if cell.source == solution_answer(course, name, nbgrader_meta(cell)["grade_id"]):
        return "correct"
    if cell.source == alternative_cell(exercise_id, variable):
        return "alternative"
    for known in load()[exercise_id].mistakes:
        if cell.source == mistake_cell(exercise_id, known.id, variable):
            return ("mistake", known.id)
    return "other"


@pytest.fixture(scope="module")
def answers(course, names, manifest):
    """(student, assignment) -> [(exercise id, what the answer cell holds)], in notebook order."""
    found = {}
    for name in names:
        release_notebook = released(course, name)
        for student in manifest:
            notebook = submitted(course, student, name)
            if len(notebook.cells) != len(release_notebook.cells):
                continue  # cells deleted (a hostile submission): compared on its own below
            found[(student, name)] = [
                (exercise_id, kind_of_answer(course, name, notebook.cells[i], exercise_id, variable,
                                             release_notebook.cells[i]))
                for i, exercise_id, variable in answer_cells(release_notebook)]
    return found


def test_the_class_hands_in_at_least_200_submissions_one_per_student_and_assignment(course, names, manifest):
    files = sorted(course.glob("submitted/*/*/*.ipynb"))
    assert len(files) >= 200
    assert len(files) == sum(len(assignments) for assignments in manifest.values())
    assert set(manifest) == set(demo.STUDENTS)
    assert all(set(assignments) == set(names) for assignments in manifest.values())
    for path in files:
        assert path.stem == path.parent.name and path.parent.parent.name in manifest


def test_the_manifest_is_written_beside_the_submissions(course, manifest):
    assert json.loads((course / "demo_class.json").read_text(encoding="utf-8")) == manifest


def test_every_known_mistake_of_the_released_notebooks_is_made_in_some_submission(course, names, answers):
    expected = {(exercise_id, known.id) for name in names
                for exercise_id in release.exercises_in(course / "assignments" / name)
                for known in load()[exercise_id].mistakes}
    made = {(exercise_id, kind[1]) for cells in answers.values() for exercise_id, kind in cells if isinstance(kind, tuple)}
    missing = sorted(expected - made)
    print(f"known mistakes in the released notebooks: {len(expected)}; made in the demo class: {len(made & expected)}")
    assert not missing, f"{len(missing)} of {len(expected)} known mistakes appear in no submission: {missing}"


def test_the_readme_students_are_what_the_readme_says(course, names, manifest, answers):
    for student, role in README_STUDENTS.items():
        assert set(manifest[student].values()) == {role}
    for name in names:
        assert submitted(course, "bob", name) == released(course, name), f"bob's {name} is not the release"
        registry = load()
        for exercise_id, kind in answers[("alice", name)]:
            assert kind == "correct", (name, exercise_id, kind)
        carol = answers[("carol", name)]
        for position, (exercise_id, kind) in enumerate(carol):
            entry = registry[exercise_id]
            assert kind == (("mistake", entry.mistakes[0].id) if position % 2 == 0 and entry.mistakes else "correct"), \
                (name, exercise_id, kind)
        for exercise_id, kind in answers[("dave", name)]:
            assert kind == ("alternative" if alternative_cell(exercise_id, "x") else "correct"), (name, exercise_id, kind)
    assert any(kind == "alternative" for name in names for _, kind in answers[("dave", name)])


def test_alice_writes_the_solutions_written_answers(course, names):
    for name in names:
        notebook, release_notebook = submitted(course, "alice", name), released(course, name)
        for cell, original in zip(notebook.cells, release_notebook.cells):
            meta = nbgrader_meta(cell)
            if meta.get("solution") and meta.get("grade"):
                assert cell.source == solution_answer(course, name, meta["grade_id"]) != original.source


def test_the_k_th_mistake_student_makes_the_k_th_mistake_of_every_exercise_that_has_one(names, manifest, answers):
    registry = load()
    students = [s for s, roles in manifest.items() if all(r.startswith("mistake-") for r in roles.values())]
    most = max(len(registry[e].mistakes) for cells in answers.values() for e, _ in cells)
    assert sorted(int(manifest[s][names[0]].removeprefix("mistake-")) for s in students) == list(range(1, most + 1))
    for student in students:
        k = int(manifest[student][names[0]].removeprefix("mistake-"))
        for name in names:
            for exercise_id, kind in answers[(student, name)]:
                mistakes = registry[exercise_id].mistakes
                assert kind == (("mistake", mistakes[k - 1].id) if len(mistakes) >= k else "correct"), \
                    (student, name, exercise_id, kind)


def test_mixtures_draw_every_kind_of_answer_and_differ_between_students(names, manifest, answers):
    mixtures = [s for s, roles in manifest.items() if set(roles.values()) == {"mixture"}]
    assert len(mixtures) >= 2
    kinds = {kind if isinstance(kind, str) else "mistake" for s in mixtures for n in names for _, kind in answers[(s, n)]}
    assert kinds == {"correct", "blank", "alternative", "mistake"}
    patterns = {tuple(kind for n in names for _, kind in answers[(s, n)]) for s in mixtures}
    assert len(patterns) == len(mixtures), "two mixture students answered alike"


def test_partial_students_answer_the_first_half_and_leave_the_rest_blank(names, manifest, answers):
    partial = [s for s, roles in manifest.items() if set(roles.values()) == {"partial"}]
    assert partial
    for student in partial:
        for name in names:
            kinds = [kind for _, kind in answers[(student, name)]]
            half = (len(kinds) + 1) // 2
            assert kinds == ["correct"] * half + ["blank"] * (len(kinds) - half), (student, name, kinds)


def test_some_students_write_the_quizzes_written_answers_in_japanese_or_english(course, manifest):
    written = {}
    for student, roles in manifest.items():
        for name, role in roles.items():
            if role != "written-answers":
                continue
            notebook, release_notebook = submitted(course, student, name), released(course, name)
            cells = [(c, o) for c, o in zip(notebook.cells, release_notebook.cells)
                     if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade")]
            assert cells, f"{name} has no written answers"
            for cell, original in cells:
                assert cell.source.strip() and cell.source != original.source
                assert not STRAY_SPACE.search(cell.source), cell.source
                written.setdefault(student, []).append(cell.source)
    quizzes_written = {n for roles in manifest.values() for n, r in roles.items() if r == "written-answers"}
    assert {"day1_quiz", "day2_quiz"} <= quizzes_written
    languages = {"ja" if all(JAPANESE.search(text) for text in texts) else
                 "en" if not any(JAPANESE.search(text) for text in texts) else "mixed" for texts in written.values()}
    assert languages == {"ja", "en"}


def test_each_hostile_student_attacks_one_assignment_and_is_correct_or_blank_in_the_others(names, manifest, answers):
    roles_seen = []
    for student, roles in manifest.items():
        hostile = [r for r in roles.values() if r.startswith("hostile-")]
        if not hostile:
            continue
        assert len(hostile) == 1, (student, hostile)
        roles_seen += hostile
        for name, role in roles.items():
            if not role.startswith("hostile-"):
                assert role in ("correct", "blank")
                assert {kind for _, kind in answers[(student, name)]} == {role}, (student, name)
    assert sorted(roles_seen) == sorted(demo.HOSTILE_ROLES)


def hostile(course, manifest, role):
    (student, name), = [(s, n) for s, roles in manifest.items() for n, r in roles.items() if r == role]
    return submitted(course, student, name), released(course, name), name


def changed_answers(notebook, release_notebook):
    return [c.source for c, o in zip(notebook.cells, release_notebook.cells)
            if nbgrader_meta(c).get("solution") and c.source != o.source]


def test_the_hostile_submissions_attack_as_their_roles_say(course, manifest):
    notebook, original, _ = hostile(course, manifest, "hostile-grade-rebound")
    changed = changed_answers(notebook, original)
    assert len(changed) == 1 and "grade = lambda *a, points=1.0, **k: float(points)" in changed[0]

    notebook, original, _ = hostile(course, manifest, "hostile-allclose")
    assert "numpy.allclose = lambda *a, **k: True" in changed_answers(notebook, original)[0]

    notebook, original, _ = hostile(course, manifest, "hostile-test-cell-edited")
    edited = [c for c, o in zip(notebook.cells, original.cells) if c.source != o.source]
    assert [(c.source, nbgrader_meta(c).get("points"), nbgrader_meta(c).get("solution")) for c in edited] == \
        [("grade = None", 100, False)]

    notebook, original, name = hostile(course, manifest, "hostile-hidden-tests-deleted")
    solution_cells = read(course, "solutions", name, f"{name}.ipynb").cells
    hidden = {nbgrader_meta(c)["grade_id"] for c in solution_cells if "BEGIN HIDDEN TESTS" in c.source}
    kept = [nbgrader_meta(c).get("grade_id") for c in original.cells if nbgrader_meta(c).get("grade_id") not in hidden]
    assert hidden and [nbgrader_meta(c).get("grade_id") for c in notebook.cells] == kept

    notebook, original, _ = hostile(course, manifest, "hostile-os-exit")
    assert sum("os._exit(0)" in source for source in changed_answers(notebook, original)) == 1

    notebook, original, _ = hostile(course, manifest, "hostile-peeks")
    changed = "\n".join(changed_answers(notebook, original))
    assert "from reference." in changed and '"solutions"' in changed


def test_the_lying_answers_claim_equality_but_fail_their_checks(course, manifest):
    notebook, original, _ = hostile(course, manifest, "hostile-lying-object")
    lying = [(i, e, n) for i, e, n in answer_cells(original) if notebook.cells[i].source != original.cells[i].source]
    assert lying
    for index, exercise_id, name in lying:
        function = run_cell(notebook.cells[index].source, name)[name]
        assert function(1.0) == "anything", "the object should claim to equal anything"
        for suite in ("visible", "hidden"):
            report = autograder.check(exercise_id, function, suite)
            assert not report.passed and report.score == 0.0, (exercise_id, suite, report.message)


def test_every_submission_is_a_valid_nbformat_v4_notebook(course):
    for path in sorted(course.glob("submitted/*/*/*.ipynb")):
        notebook = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
        assert notebook.nbformat == 4, path
        nbformat.validate(notebook)


def test_building_the_class_twice_writes_identical_files(course, names, manifest, tmp_path):
    again = copy_course(tmp_path / "again")
    assert demo.build_class(again, names) == manifest
    first = {p.relative_to(course): p.read_bytes() for p in course.glob("submitted/**/*.ipynb")}
    second = {p.relative_to(again): p.read_bytes() for p in again.glob("submitted/**/*.ipynb")}
    assert first == second
    assert (course / "demo_class.json").read_bytes() == (again / "demo_class.json").read_bytes()


def test_run_grades_the_built_class_with_the_grading_engine_and_prints_its_results(tmp_path, monkeypatch):
    """``run`` hands the course folder and every assignment to ``grade_assignments`` (faked here: it
    writes each submission's JSON result, 2 of 8 points), exports, and the table shows those scores."""
    import subprocess
    import sys
    import types

    root = copy_course(tmp_path / "root")
    calls = []

    def grade_assignments(course, names, progress=True):
        calls.append((course, list(names)))
        for folder in sorted(course.glob("submitted/*/*")):
            result = {"student": folder.parent.name, "assignment": folder.name, "status": "graded", "reason": None,
                      "score": 2.0, "max_score": 8.0, "seconds": 0.1, "cells": []}
            path = course / "results" / folder.parent.name / f"{folder.name}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result), encoding="utf-8")
        return types.SimpleNamespace(graded=len(list(course.glob("submitted/*/*"))), failed=[], seconds=1.0)

    monkeypatch.setitem(sys.modules, "autograder.grading", types.SimpleNamespace(grade_assignments=grade_assignments))
    monkeypatch.setattr(release, "release", lambda *args, **kwargs: [])  # the committed release is current
    monkeypatch.setattr(release, "nbgrader", lambda *args: subprocess.CompletedProcess(args, 0, "", ""))
    messages = []
    text = demo.run(root, tmp_path / "graded", progress=messages.append)
    names = release.assignment_names(root)
    assert calls == [(tmp_path / "graded", names)]
    assert f"{len(demo.STUDENTS) * len(names)} submissions ({len(demo.STUDENTS) * len(names)} graded, 0 not)" in text
    assert next(line for line in text.splitlines() if line.startswith("correct ")).split()[-1] == "25.0%"
    assert any(m.startswith(f"graded {len(demo.STUDENTS) * len(names)} submissions") for m in messages)

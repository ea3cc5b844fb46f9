"""The demo's answer cells are self-contained, and its table reads what the grader wrote.

A demo answer cell must run where the grader runs submissions: without ``autograder`` and
``reference``. Each test execs a cell's source in a namespace holding only ``np`` while those
packages cannot be imported, then checks the function or class it defined exactly as the registry's
own object is checked.
"""
import ast
import contextlib
import importlib.abc
import json
import sys

import nbformat
import numpy as np
import pytest

import autograder
from autograder import demo
from autograder.registry import load

from notebooks import copy_course

COURSE_PACKAGES = ("reference", "autograder")
NAME = "day1_forward"


class _BlockCoursePackages(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in COURSE_PACKAGES:
            raise ImportError(f"{name} cannot be imported where submissions run")
        return None


@contextlib.contextmanager
def course_packages_blocked():
    """``import reference`` / ``import autograder`` raise ImportError (even though they are loaded)."""
    loaded = {name: module for name, module in sys.modules.items() if name.split(".")[0] in COURSE_PACKAGES}
    for name in loaded:
        del sys.modules[name]
    blocker = _BlockCoursePackages()
    sys.meta_path.insert(0, blocker)
    try:
        yield
    finally:
        sys.meta_path.remove(blocker)
        sys.modules.update(loaded)


def run_cell(source: str, label: str) -> dict:
    namespace = {"np": np}
    with course_packages_blocked():
        exec(compile(source, f"<answer cell: {label}>", "exec"), namespace)  # noqa: S102 - our own demo cell
    return namespace


def used_by_the_class():
    """(exercise id, which, index): every reference, and the implementation the class writes for every
    mistake and for the alternative (the first one that can be written as a cell)."""
    cases = []
    for exercise_id, entry in load().items():
        cases.append((exercise_id, "reference", 0))
        for which in ["alternative"] * bool(entry.test_implementations) + [known.id for known in entry.mistakes]:
            cases.append((exercise_id, which, demo.usable_index(exercise_id, which)))
    return cases


def test_the_blocker_blocks_what_a_cell_must_not_import():
    """Without this, the self-containment tests below could not fail."""
    with pytest.raises(ImportError):
        run_cell("from reference.activation import sigmoid", "import reference")
    with pytest.raises(ImportError):
        run_cell("import autograder", "import autograder")
    import reference.activation  # noqa: F401 - importable again afterwards


@pytest.mark.parametrize("exercise_id,which,index", used_by_the_class())
def test_an_answer_cell_is_checked_like_the_registry_implementation(exercise_id, which, index):
    assert index is not None, f"the class cannot write {exercise_id} {which}: no implementation is self-contained"
    name = "answer_value" if load()[exercise_id].candidate_kind == "value" else "student_answer"
    source = demo.implementation_source(exercise_id, which, name, index)
    candidate = run_cell(source, f"{exercise_id} {which}")[name]
    original = demo.implementation(exercise_id, which, index)
    for suite in ("visible", "hidden"):
        expected = autograder.check(exercise_id, original, suite)
        report = autograder.check(exercise_id, candidate, suite)
        assert (report.passed, report.score, report.mistake) == (expected.passed, expected.score, expected.mistake), \
            f"{suite}: {report.message}\n--- the cell ---\n{source}"


@pytest.mark.parametrize("exercise_id,which,index", used_by_the_class())
def test_an_answer_cell_imports_only_numpy_and_the_standard_library(exercise_id, which, index):
    """Also imports inside functions, which only run when the checks call them."""
    source = demo.implementation_source(exercise_id, which, "student_answer", index or 0)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            continue
        for module in modules:
            root = module.split(".")[0]
            assert root == "numpy" or root in sys.stdlib_module_names, f"imports {module}:\n{source}"


@pytest.mark.parametrize("exercise_id", [e for e, entry in load().items() if entry.candidate_kind != "value"])
def test_the_cell_defines_the_name_the_test_cell_grades_as_a_student_would(exercise_id):
    """``def name`` / ``class name`` as the last statement (lambdas become defs), or ``name = np.…``."""
    source = demo.implementation_source(exercise_id, "reference", "student_answer")
    last = ast.parse(source).body[-1]
    if isinstance(last, ast.Assign):
        assert ast.unparse(last.targets[0]) == "student_answer" and ast.unparse(last.value).startswith("np."), source
    else:
        assert isinstance(last, (ast.FunctionDef, ast.ClassDef)) and last.name == "student_answer", source


def test_a_lambda_mistake_becomes_a_def_and_a_course_helper_is_copied_under_its_own_name():
    """sigmoid_grad's missing-one-minus, ``lambda x: ref.sigmoid(x) ** 2``: the cell defines the
    reference sigmoid and ``def sigmoid_grad(x): return sigmoid(x) ** 2``."""
    source = demo.implementation_source("activation.sigmoid_grad", "missing-one-minus", "sigmoid_grad", index=1)
    tree = ast.parse(source)
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert defined == ["sigmoid", "sigmoid_grad"], source
    assert "lambda" not in source and "ref." not in source, source
    sigmoid_grad = run_cell(source, "missing-one-minus")["sigmoid_grad"]
    x = np.array([-1.0, 0.0, 2.0])
    expected = (1.0 / (1.0 + np.exp(-x))) ** 2  # the mistake by hand: σ(x)², σ(0)² = 0.25
    np.testing.assert_allclose(sigmoid_grad(x), expected, rtol=1e-12)


def test_a_closure_keeps_the_values_its_factory_gave_it():
    """clipped-input's implementations are ``clipped_sigmoid(20.0)``, ``(30.0)``, ``(500.0)``:
    each cell clips at its own bound, so σ(−25) is σ(−20) only for the first."""
    x = np.array([-25.0])
    clipped_at_20 = run_cell(demo.implementation_source("activation.sigmoid", "clipped-input", "s", 0), "20")["s"]
    clipped_at_30 = run_cell(demo.implementation_source("activation.sigmoid", "clipped-input", "s", 1), "30")["s"]
    np.testing.assert_allclose(clipped_at_20(x), 1.0 / (1.0 + np.exp(20.0)), rtol=1e-12)
    np.testing.assert_allclose(clipped_at_30(x), 1.0 / (1.0 + np.exp(25.0)), rtol=1e-12)


def test_what_has_no_source_to_copy_is_refused():
    with pytest.raises(demo.NotSelfContained):
        demo._Cell().source(lambda x: x, "f")  # a lambda outside the course: nothing to import it from
    with pytest.raises(demo.NotSelfContained):
        demo._Cell().source(nbformat.read, "f")  # a third-party module


def test_only_implementations_that_import_a_third_party_module_cannot_be_written_as_a_cell():
    """Every other registry implementation (other indices, every alternative, convention and wrong
    implementation) runs as a cell; the ones refused are those that need e.g. scipy, which a submission cannot count on."""
    refused = []
    for exercise_id, entry in load().items():
        options = [("alternative", i) for i in range(len(entry.test_implementations))]
        options += [("convention", i) for i in range(len(entry.accepted_conventions))]
        options += [("wrong", i) for i in range(len(entry.wrong_implementations))]
        options += [(known.id, i) for known in entry.mistakes for i in range(len(known.implementations))]
        for which, index in options:
            try:
                run_cell(demo.implementation_source(exercise_id, which, "candidate", index), f"{exercise_id} {which}")
            except demo.NotSelfContained as error:
                refused.append(f"{exercise_id} {which}[{index}]: {error}")
    assert all("neither numpy nor the standard library" in reason for reason in refused), "\n".join(refused)
    print("not self-contained:", *refused, sep="\n  ")


# the table -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A built class with JSON results as the grader writes them: every submission 1 of 4 points,
    its planted mistakes named, except carol's first in day1_forward; amir's os._exit submission failed."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    names = sorted(p.name for p in (course / "assignments").iterdir())
    manifest = demo.build_class(course, names)
    released = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    registry = load()
    carol_first = next((e, registry[e].mistakes[0].id) for _, e, _ in demo._answers(released) if registry[e].mistakes)
    for student, roles in manifest.items():
        for name, role in roles.items():
            notebook = nbformat.read(course / "submitted" / student / name / f"{name}.ipynb", as_version=4)
            cells = []
            for index, exercise_id, variable in demo._answers(notebook):
                source = notebook.cells[index].source
                made = [m.id for m in registry[exercise_id].mistakes
                        if source == demo.implementation_source(exercise_id, m.id, variable)]
                if made and not (student == "carol" and name == NAME and (exercise_id, made[0]) == carol_first):
                    cells.append({"grade_id": notebook.cells[index].metadata["nbgrader"]["grade_id"] + "-visible",
                                  "exercise": exercise_id, "suite": "visible", "score": 0.0, "max_score": 1.0,
                                  "cases_passed": 0, "cases": 3, "mistake": made[0], "message": "",
                                  "status": "graded", "seconds": 0.01})
            failed = role == "hostile-os-exit"
            result = {"student": student, "assignment": name, "status": "failed" if failed else "graded",
                      "reason": "the kernel exited" if failed else None, "score": 1.0, "max_score": 4.0,
                      "seconds": 0.5, "cells": cells}
            path = course / "results" / student / f"{name}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result), encoding="utf-8")
    return course, names, manifest, carol_first


def test_the_table_summarises_the_class_per_role_in_a_terminal(graded_class):
    course, names, manifest, _ = graded_class
    lines = demo.table(course, names).splitlines()
    assert len(lines) <= 60, "\n".join(lines)
    roles = [role for assignments in manifest.values() for role in assignments.values()]
    for role in set(roles) - {r for r in roles if r.startswith("hostile-")}:
        row = next((line for line in lines if line.split()[:1] == [role]), None)
        assert row is not None, f"no line for {role}"
        assert row.split()[1:] == [str(roles.count(role)), "25.0%"], row  # 1 of 4 points everywhere


def test_the_table_lists_every_hostile_submission_with_its_score(graded_class):
    course, names, manifest, _ = graded_class
    lines = demo.table(course, names).splitlines()
    for student, roles in manifest.items():
        for name, role in roles.items():
            if role.startswith("hostile-"):
                assert any(line.split()[:3] == [student, name, role] and "1.00 /   4.0" in line for line in lines), \
                    f"{student} {name} {role} not listed"
    assert any("amir/day2_optimizers (the kernel exited)" in line for line in lines)


def test_the_table_reads_the_named_mistakes_from_the_json_results(graded_class):
    """carol's first planted mistake in day1_forward is the only one the results do not name."""
    course, names, _, (exercise_id, mistake_id) = graded_class
    text = demo.table(course, names)
    assert f"not named: carol/{NAME} {exercise_id.split('.')[-1]}:{mistake_id}" in text, text
    assert " and " not in text.split("not named:")[1].splitlines()[0], "only one mistake should be missing"


def test_the_demo_table_reads_the_mistakes_an_autograded_notebook_names(tmp_path):
    """The nbgrader path: grade() shows its report as display data, and the table reads it there."""
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

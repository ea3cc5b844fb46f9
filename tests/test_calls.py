"""Reading a test cell's grade(...) calls (autograder/runtime/calls.py) as Python reads them."""
import pytest

from autograder.runtime.calls import DEFAULT_POINTS, GradeCall, assigned_names, grade_calls
from notebooks import assignment_names, is_test_cell, solution


def call(exercise_id, name, points=DEFAULT_POINTS, suite="visible", line=1):
    return GradeCall(exercise_id, name, points, suite, line)


@pytest.mark.parametrize("source", [
    'grade("activation.sigmoid", sigmoid, points=1)',
    "grade('activation.sigmoid', sigmoid, points=1)",
    'grade( "activation.sigmoid" ,sigmoid,points = 1 )',
    'grade(\n    "activation.sigmoid",\n    sigmoid,\n    points=1,\n)',
    'grade("activation.sigmoid", sigmoid, 1)',
    'grade(points=1, candidate=sigmoid, exercise_id="activation.sigmoid")',
    'grade("activation.sigmoid", candidate=sigmoid, points=1.0)',
    'autograder.grade("activation.sigmoid", sigmoid, points=1)',
    'dlcheck.grade("activation.sigmoid", sigmoid, points=1)',
])
def test_every_spelling_of_one_visible_call_reads_the_same(source):
    assert [(c.exercise_id, c.name, c.points, c.suite) for c in grade_calls(source)] == \
        [("activation.sigmoid", "sigmoid", 1.0, "visible")]


@pytest.mark.parametrize("source", [
    'grade("loss.mse", mse, points=2, suite="hidden")',
    "grade('loss.mse', mse, suite='hidden', points=2)",
    'grade(suite="hidden", exercise_id="loss.mse", points=2, candidate=mse)',
    'grade("loss.mse", mse, 2, "hidden")',
    '### BEGIN HIDDEN TESTS\ngrade("loss.mse", mse, points=2, suite="hidden")\n### END HIDDEN TESTS',
])
def test_the_hidden_suite_is_read_from_the_suite_argument(source):
    [found] = grade_calls(source)
    assert (found.exercise_id, found.name, found.points, found.suite) == ("loss.mse", "mse", 2.0, "hidden")


def test_a_hidden_marker_alone_does_not_make_a_call_hidden():
    """The suite is what the call passes, not what the cell's comments or strings say."""
    source = '### BEGIN HIDDEN TESTS\nnote = \'suite="hidden"\'\ngrade("loss.mse", mse)\n### END HIDDEN TESTS'
    assert grade_calls(source) == [call("loss.mse", "mse", line=3)]


def test_points_default_to_graders_default_and_an_expression_is_not_a_number():
    assert grade_calls('grade("a.b", f)') == [call("a.b", "f", points=1.0)]
    assert grade_calls('grade("a.b", f, points=n)') == [call("a.b", "f", points=None)]


@pytest.mark.parametrize("source", [
    '# grade("activation.sigmoid", sigmoid)',
    'x = 1  # grade("activation.sigmoid", sigmoid)',
    'text = \'grade("activation.sigmoid", sigmoid)\'',
    '"""Example:\n    grade("activation.sigmoid", sigmoid)\n"""',
    'print(f"run grade(\'activation.sigmoid\', sigmoid)")',
    'upgrade("activation.sigmoid", sigmoid)',
    'numpy.grade("activation.sigmoid", sigmoid)',
    'grade(exercise, sigmoid)',  # not a literal id: nothing to check statically
    'grade',
])
def test_comments_strings_and_other_functions_are_not_calls(source):
    assert grade_calls(source) == []


def test_calls_anywhere_in_a_cell_in_source_order():
    source = ('import numpy as np\n'
              'for f in (a, b):\n'
              '    print(grade("x.second", b, points=1))\n'
              'total = grade("x.first", a) + grade("x.third", c)\n')
    assert grade_calls(source) == [call("x.second", "b", line=3), call("x.first", "a", line=4),
                                   call("x.third", "c", line=4)]


def test_a_candidate_that_is_not_a_plain_name_has_no_name():
    assert grade_calls('grade("layers.Affine", layers.Affine)') == [call("layers.Affine", None)]


@pytest.mark.parametrize("source", [
    '%load_ext autoreload\n%autoreload 2\ngrade("a.b", f)',
    '!pip list\ngrade("a.b", f)',
    '%%time\ngrade("a.b", f)',
    'if True:\n    %time g = 1\ngrade("a.b", f)',
])
def test_ipython_magic_lines_are_skipped(source):
    assert [(c.exercise_id, c.name) for c in grade_calls(source)] == [("a.b", "f")]


@pytest.mark.parametrize("source", [
    'grade("a.b", f',
    'def f(:\n    grade("a.b", f)',
    '%%bash\necho grade("a.b", f)',
    'grade("a.b", f)\x00',
    '',
])
def test_a_cell_that_is_not_python_has_no_calls_and_no_error(source):
    assert grade_calls(source) == []


@pytest.mark.parametrize("name", assignment_names())
def test_every_test_cell_of_the_course_has_exactly_one_call_of_its_cells_suite(name):
    """The course's shape: one call per test cell; hidden exactly inside the hidden-tests marker."""
    for cell in solution(name).cells:
        if is_test_cell(cell):
            [found] = grade_calls(cell.source)
            assert found.suite == ("hidden" if "### BEGIN HIDDEN TESTS" in cell.source else "visible")
            assert found.name is not None and found.points == float(cell.metadata["nbgrader"]["points"])


def test_assigned_names_are_the_cells_global_bindings():
    source = ('import numpy as np\n'
              'from os import path as p\n'
              'def forward(x):\n'
              '    hidden = x\n'
              '    return hidden\n'
              'class Affine:\n'
              '    W = None\n'
              'if True:\n'
              '    threshold = 0.5\n'
              'a, (b, c) = 1, (2, 3)\n'
              'squares = [k * k for k in range(3)]\n')
    assert assigned_names(source) == {"np", "p", "forward", "Affine", "threshold", "a", "b", "c", "squares"}


def test_assigned_names_of_a_broken_cell_is_empty():
    assert assigned_names("def f(:\n") == set()

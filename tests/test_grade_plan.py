"""What `dlgrade grade` grades and runs: instructor cells restored, demo cells skipped only when unneeded."""
import json

import nbformat
import pytest

from autograder.grading.plan import SourceCell, is_demo, make_plan, merge, names_read

from notebooks import assignment_names, nbgrader_meta, read_copy, released, solution

ASSIGNMENTS = assignment_names()
NAME = "day1_forward"


def sources_of(name: str) -> dict:
    """The instructor's cells as the gradebook keeps them: the solution notebook's sources (hidden
    tests included) and points."""
    cells = {}
    for cell in solution(name).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id"):
            cells[meta["grade_id"]] = SourceCell(meta["grade_id"], cell.cell_type, cell.source, bool(meta.get("locked")),
                                                 meta.get("checksum"), float(meta["points"]) if "points" in meta else None)
    return cells


def as_json(notebook) -> dict:
    return json.loads(nbformat.writes(notebook))


def test_edited_test_cells_and_points_are_restored_and_deleted_test_cells_put_back():
    submission = read_copy(released(NAME))
    visible = next(c for c in submission.cells if nbgrader_meta(c).get("grade_id") == "activation-step-visible")
    visible.source = "grade = lambda *a, points=1.0, **k: float(points)\ngrade('activation.step', step, points=100)"
    visible.metadata["nbgrader"]["points"] = 100
    submission.cells = [c for c in submission.cells if nbgrader_meta(c).get("grade_id") != "activation-step-hidden"]
    merged = merge(as_json(submission), released(NAME), sources_of(NAME))
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in merged.notebook.cells}
    assert by_id["activation-step-visible"].source == 'grade("activation.step", step, points=1)'
    assert by_id["activation-step-visible"].metadata["nbgrader"]["points"] == 1.0
    assert "BEGIN HIDDEN TESTS" in by_id["activation-step-hidden"].source  # from the gradebook, hidden test kept
    assert any("activation-step-hidden" in line for line in merged.restored)
    graded = {t.grade_id for t in merged.test_cells}
    assert graded == {nbgrader_meta(c)["grade_id"] for c in solution(NAME).cells
                      if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")}


def test_a_duplicated_test_cell_or_forged_metadata_gives_no_extra_cell_or_points():
    submission = read_copy(released(NAME))
    test = next(c for c in submission.cells if nbgrader_meta(c).get("grade_id") == "activation-step-visible")
    duplicate = nbformat.from_dict(json.loads(json.dumps(test)))
    duplicate.id = "duplicate"
    forged = nbformat.from_dict(json.loads(json.dumps(test)))
    forged.id = "forged"
    forged.metadata["nbgrader"]["grade_id"] = "my-own-points"
    forged.metadata["nbgrader"]["points"] = 50
    empty = nbformat.v4.new_code_cell("x = 1")
    empty.metadata["nbgrader"] = {}
    submission.cells[5:5] = [duplicate, forged, empty]
    merged = merge(as_json(submission), released(NAME), sources_of(NAME))
    ids = [nbgrader_meta(c).get("grade_id") for c in merged.notebook.cells if nbgrader_meta(c).get("grade_id")]
    assert len(ids) == len(set(ids)) and "my-own-points" not in ids
    assert sum(t.points for t in merged.test_cells) == sum(
        float(nbgrader_meta(c)["points"]) for c in solution(NAME).cells
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution"))
    assert any(c.source == "x = 1" for c in merged.notebook.cells)  # the student's own cell is still run


def test_answers_come_from_the_student_and_own_cells_keep_their_place():
    submission = read_copy(released(NAME))
    answer_index = next(i for i, c in enumerate(submission.cells) if nbgrader_meta(c).get("grade_id") == "activation-step")
    submission.cells[answer_index].source = "def step(x):\n    return (x > 0) * 1.0"
    submission.cells.insert(answer_index + 1, nbformat.v4.new_code_cell("helper = 3"))
    merged = merge(as_json(submission), released(NAME), sources_of(NAME))
    cells = merged.notebook.cells
    index = next(i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id") == "activation-step")
    assert cells[index].source == "def step(x):\n    return (x > 0) * 1.0"
    assert cells[index + 1].source == "helper = 3"
    assert nbgrader_meta(cells[index + 2]).get("grade_id") == "activation-step-visible"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_course_demo_cells_are_recognised_and_none_runs_when_grading(name):
    merged = merge(as_json(released(name)), released(name), sources_of(name))
    demos = [i for i, c in enumerate(merged.notebook.cells) if is_demo(c)]
    expected = [c for c in released(name).cells if c.cell_type == "code" and "demo" in c.metadata.get("tags", [])]
    assert len(demos) == len(expected)
    steps, skipped = make_plan(merged)
    assert skipped == demos
    assert not {s.cell for s in steps} & set(demos)
    steps_all, skipped_all = make_plan(merged, run_demos="all")
    assert skipped_all == [] and set(demos) <= {s.cell for s in steps_all}


def test_a_demo_cell_runs_when_an_answer_reads_a_name_it_defines():
    submission = read_copy(released(NAME))
    index = next(i for i, c in enumerate(submission.cells) if nbgrader_meta(c).get("grade_id") == "activation-step")
    demo = nbformat.v4.new_code_cell("%%demo\nTHRESHOLD = 0.0\nother = 1")
    demo.metadata["tags"] = ["demo"]
    unrelated = nbformat.v4.new_code_cell("%%demo\nunused = 2")
    unrelated.metadata["tags"] = ["demo"]
    submission.cells[index:index] = [demo, unrelated]
    submission.cells[index + 2].source = "def step(x):\n    return np.where(x > THRESHOLD, 1.0, 0.0)"
    merged = merge(as_json(submission), released(NAME), sources_of(NAME))
    steps, skipped = make_plan(merged)
    ran = {s.cell: s for s in steps}
    demo_index = next(i for i, c in enumerate(merged.notebook.cells) if "THRESHOLD = 0.0" in c.source)
    assert ran[demo_index].action == "demo"
    assert demo_index + 1 in skipped


def test_names_read_sees_globals_in_functions_but_not_their_locals():
    assert names_read("def f(x):\n    return np.exp(x) + scale\n") >= {"np", "scale"}
    assert "x" not in names_read("def f(x):\n    y = x\n    return y\n")
    assert "data" in names_read("%matplotlib inline\nprint(data)\n")

"""Issue 8's "must hold": under ``dlgrade grade`` a hostile submission gains no points, changes no
other student's grade and leaves the run running.

One graded course holds every hostile student of a mode, each followed (on the one worker, in name
order) by an honest solved student, plus honest students first and last; a second course, graded
alone, holds only the honest ones. The tests then say, per attack, what the hostile student earned
(0 on what it attacked, or exactly the honest part of its notebook), and that every honest
student's cells and gradebook rows are those of the run without hostile students.
"""
from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import reference
from autograder.grading import Limits
from grading import cell_scores, course_copy, grade, gradebook_rows, nbgrader_meta, result, solved, submit, with_answer
from hostile import (ASSIGNMENT, RIGHT_RELU, WRONG_RELU, add_files, attacking, expected_scores, oracle,
                     with_cells)
from notebooks import ROOT

HONEST = {"a-good": "good", "a-partial": "partial", "zz-good": "good", "zz-partial": "partial"}
LIMITS = Limits(cell_seconds=2, memory_bytes=2048 * 2**20, processes=64, wall=120)

# The attacked exercise and the one whose solution calls it (a wrong relu fails both).
RELU_AND_ITS_USERS = ("activation-relu", "network-two_layer_forward_relu_linear")
# A naive sigmoid: overflow warnings fail its stability cases, so it earns part of its points.
PARTIAL_SIGMOID = "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-x))\n"


def honest(kind: str):
    notebook = solved(ASSIGNMENT)
    return notebook if kind == "good" else with_answer(notebook, "activation-sigmoid", PARTIAL_SIGMOID)


@dataclass
class Attack:
    """A hostile student: its notebook (made from the course's paths), files, and what it may earn.

    ``zero``: exercises it attacked (their cells must score 0; the rest as an honest solved
    notebook). ``stops_at``: the exercise where its notebook stops (that one and later score 0).
    ``bounded``: only an upper bound is certain (each cell at most what an honest one earns).
    """

    notebook: object                       # callable(paths) -> notebook
    zero: set[str] = field(default_factory=lambda: set(RELU_AND_ITS_USERS))
    stops_at: str | None = None
    bounded: bool = False
    files: dict[str, str] = field(default_factory=dict)


def _forged_finished() -> str:
    return textwrap.dedent("""\
        import json, os, struct
        def _frame(kind, body):
            text = json.dumps({"kind": kind, "body": body, "blobs": []}).encode()
            return struct.pack(">Q", len(text)) + text
        _forged = (_frame("finished", {"t": "dict", "k": ["status", "leftovers", "seconds"],
                                       "v": [{"t": "dict", "k": [], "v": []}, 0, 0.0]})
                   + _frame("at", {"t": "dict", "k": ["cell", "results"], "v": [[1], {"t": "list", "v": []}]})
                   + struct.pack(">Q", 200000) + b"[" * 200000)
        for _fd in range(3, 256):
            try:
                os.write(_fd, _forged)
            except OSError:
                pass
        """)


def _detached(action: str) -> str:
    """A cell that leaves a process behind (setsid, double fork) doing ``action`` a moment later."""
    return textwrap.dedent("""\
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(0.8)
                for _ in range(40):
        {action}
                    time.sleep(0.05)
            os._exit(0)
        os.wait()
        """).replace("{action}", textwrap.indent(textwrap.dedent(action), " " * 12)) + WRONG_RELU


LIAR = """\
import sys
import numpy as np

class Liar:
    '''Says it equals anything, converts to what the caller expects if it can find it.'''
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __float__(self): return 0.0
    def __len__(self): return 1
    def __array__(self, dtype=None, copy=None):
        frame = sys._getframe(1)
        while frame is not None:  # the caller's frames: is the expected answer lying around?
            for name in ("expected", "reference", "want"):
                if name in frame.f_locals:
                    return np.asarray(frame.f_locals[name])
            frame = frame.f_back
        return np.zeros(1)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs): return True
    __array_priority__ = 1e9

def relu(x):
    return Liar()
"""

LYING_ARRAY = """\
import numpy as np

class Lying(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs): return np.ones(np.shape(inputs[0]), bool)
    def __float__(self): return 0.0

def relu_grad(x):
    return np.full(np.shape(x), 7.0).view(Lying)  # wrong numbers, in a subclass that says otherwise
"""


def _attacks(paths: dict[str, str]) -> dict[str, Attack]:
    course, gradebook = paths["course"], paths["gradebook"]

    def edit_tests(cells):
        for cell in cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade_id") == "activation-relu-visible":
                cell.source = "1.0"
                meta["points"] = 100
            if meta.get("grade_id") == "activation-relu-hidden":
                cell.source = "grade('activation.relu', lambda x: x, points=2)"
                meta["points"] = 100
                meta["grade"] = False
        cells[:] = [c for c in cells if nbgrader_meta(c).get("grade_id") != "activation-softmax-hidden"]

    def rename_tests(cells):
        for cell in cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade_id", "").startswith("activation-relu-"):
                meta["grade_id"] = "bonus-" + meta["grade_id"]
                meta["points"] = 50
                cell.source = "1.0"

    def duplicate(cells):
        tests = [c for c in cells if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")]
        for cell in tests[:4]:
            twin = copy.deepcopy(cell)
            twin.id = f"twin-{len(cells)}"
            cells.insert(cells.index(cell), twin)
        empty = copy.deepcopy(cells[0])
        empty.metadata["nbgrader"] = {}
        empty.id = "empty-metadata"
        empty.source = "x_empty_metadata = 1"
        cells.insert(1, empty)
        half = copy.deepcopy(cells[0])
        half.metadata["nbgrader"] = {"grade": True, "points": 5}
        half.id = "no-grade-id"
        half.source = "1.0"
        cells.insert(2, half)

    return {
        "shadow-grade": Attack(lambda: attacking(
            "def grade(*args, **kwargs):\n    return 1.0\n" + WRONG_RELU)),
        "rebind-numpy": Attack(lambda: attacking("""\
            import numpy as np, numpy.testing
            np.allclose = lambda *a, **k: True
            np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
            np.array_equal = lambda *a, **k: True
            np.testing.assert_allclose = lambda *a, **k: None
            np.testing.assert_array_equal = lambda *a, **k: None
            """, WRONG_RELU)),
        "rebind-builtins": Attack(lambda: attacking("""\
            import builtins
            builtins.all = lambda *a, **k: True
            builtins.any = lambda *a, **k: True
            builtins.abs = lambda x: 0
            builtins.round = lambda *a, **k: 0
            """, WRONG_RELU), bounded=True),
        "sys-modules": Attack(lambda: attacking("""\
            import sys, types
            fake = types.ModuleType("autograder")
            fake.grade = lambda *a, **k: 1.0
            fake.check = lambda *a, **k: True
            for name in ("autograder", "dlcheck", "dlcheck.engine", "reference"):
                sys.modules[name] = fake
            for name, module in list(sys.modules.items()):
                # The checker's own modules in this process: say every case passes.
                if name.endswith(("runtime.engine", "runtime.compare", "dlcheck.engine", "dlcheck.compare")):
                    for attribute in ("compare", "judge_case", "run_prepared", "diagnose", "validate_candidate"):
                        if hasattr(module, attribute):
                            setattr(module, attribute, lambda *a, **k: None)
            """, WRONG_RELU)),
        "import-reference": Attack(lambda: attacking(oracle(
            "__import__('reference.activation', fromlist=['relu']) is not None",
            setup=f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(Path(reference.__file__).parents[1])!r}, "
                  f"{course!r}]\n"))),
        "read-solutions": Attack(lambda: attacking(oracle(
            f"len(open({course!r} + '/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb').read()) > 0"))),
        "gradebook": Attack(lambda: attacking(oracle(
            "_tamper()", setup=f"""\
            import sqlite3
            def _tamper():
                db = sqlite3.connect('file:' + {gradebook!r} + '?mode=rw', uri=True)
                db.execute('UPDATE grade SET auto_score = 100, manual_score = 100')
                db.commit()
                return True
            """))),
        "secret": Attack(lambda: attacking(oracle(
            "_secret()", setup=f"""\
            import os
            def _secret():
                found = [os.environ.get("DLGRADE_SECRET"), os.environ.get("DLGRADE_SECRET_FILE")]
                for path in ({paths['secret_file']!r}, {paths['home_secret']!r}):
                    try:
                        found.append(open(path).read())
                    except OSError:
                        pass
                return any(found)
            """))),
        "lying-objects": Attack(lambda: with_answer(attacking(LIAR), "activation-relu_grad", LYING_ARRAY),
                                zero={*RELU_AND_ITS_USERS, "activation-relu_grad"}),
        "edit-test-cells": Attack(lambda: with_cells(attacking(WRONG_RELU), edit_tests)),
        "rename-test-cells": Attack(lambda: with_cells(attacking(WRONG_RELU), rename_tests)),
        "duplicated-cells": Attack(lambda: with_cells(solved(ASSIGNMENT), duplicate), zero=set()),
        "os-exit": Attack(lambda: attacking("import os\nos._exit(0)\n" + RIGHT_RELU),
                          zero=set(), stops_at="activation-relu"),
        "kill-parent": Attack(lambda: attacking("""\
            import os, signal
            for target in (os.getppid(), 1, -1):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
            """, WRONG_RELU)),
        "loop": Attack(lambda: attacking("while True:\n    pass\n" + RIGHT_RELU)),
        "loop-in-except": Attack(lambda: attacking("""\
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
            """, RIGHT_RELU), zero=set(), stops_at="activation-relu"),
        "loop-alarm-ignored": Attack(lambda: attacking("""\
            import signal
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            while True:
                pass
            """, RIGHT_RELU), zero=set(), stops_at="activation-relu"),
        "loop-in-call": Attack(lambda: attacking("""\
            import signal
            def relu(x):
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                while True:
                    try:
                        pass
                    except BaseException:
                        pass
            """), zero=set(), stops_at="activation-relu"),
        "allocate-50gb": Attack(lambda: attacking(
            "import numpy as np\nhuge = np.ones(50 * 2**30, dtype=np.uint8)\n" + RIGHT_RELU)),
        "allocate-in-call": Attack(lambda: attacking(
            "def relu(x):\n    return np.maximum(x, 0.0) + np.zeros(50 * 2**30)[:1]\n")),
        "own-packages": Attack(lambda: attacking(WRONG_RELU), files={
            "autograder/__init__.py": "def grade(*a, **k):\n    return 1.0\nset_language = setup_notebook = grade\n",
            "numpy/__init__.py": "allclose = lambda *a, **k: True\n",
            "reference/__init__.py": "",
            "dlcheck/__init__.py": "def grade(*a, **k):\n    return 1.0\nset_language = setup_notebook = grade\n",
            "sitecustomize.py": "import os\nos._exit(3)\n",
            ".ipython/profile_default/startup/00-evil.py": "import os\nos._exit(3)\n",
        }),
        "frames": Attack(lambda: attacking("""\
            import sys
            import numpy as np
            def relu(x):
                frame = sys._getframe(1)
                while frame is not None:  # the caller's locals: is an expected output there?
                    for name, value in frame.f_locals.items():
                        if name in ("expected", "case", "prepared") and value is not None:
                            return np.asarray(getattr(value, "expected", value))
                    frame = frame.f_back
                return x * 0.0 - 1.0
            """)),
        "detached-process": Attack(lambda: attacking(_detached(f"""\
            import signal, sqlite3
            try:
                os.kill(-1, signal.SIGKILL)  # every process it may signal: the next child, if any
            except OSError:
                pass
            try:
                db = sqlite3.connect('file:' + {gradebook!r} + '?mode=rw', uri=True)
                db.execute('UPDATE grade SET auto_score = 0')
                db.commit()
            except Exception:
                pass
            """)), bounded=True),  # it kills the child itself too: the notebook stops somewhere
        "startup-files": Attack(lambda: attacking("""\
            import os
            home = os.path.expanduser("~")
            for folder, name in ((".ipython/profile_default/startup", "00-evil.py"), (".config/matplotlib", "matplotlibrc"),
                                 ("/tmp", "evil.py"), ("/tmp/submission-2", "numpy.py")):
                try:
                    os.makedirs(os.path.join(home, folder), exist_ok=True)
                    with open(os.path.join(home, folder, name), "w") as handle:
                        handle.write("import os\\nos._exit(3)\\n")
                except OSError:
                    pass
            """, WRONG_RELU)),
        "forge-channel": Attack(lambda: attacking(_forged_finished() + RIGHT_RELU), zero=set(),
                                stops_at="activation-relu"),
        "steal-next": Attack(lambda: attacking(_detached("""\
            import select
            for fd in range(3, 256):  # read whatever the grader sends next, answer as its worker
                try:
                    if select.select([fd], [], [], 0)[0]:
                        os.read(fd, 1 << 20)
                        os.write(fd, b"\\0" * 8)
                except OSError:
                    pass
            """)), bounded=True),  # the requests it steals are its own notebook's
        "fork-bomb": Attack(lambda: attacking("""\
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """, RIGHT_RELU), bounded=True),  # its copies spin until it ends: later cells may run slow
        "exit-later": Attack(lambda: attacking("""\
            import os, threading, time
            threading.Thread(target=lambda: (time.sleep(0.3), os._exit(0)), daemon=True).start()
            """, RIGHT_RELU), zero=set(), bounded=True),
    }


WEAK_MODE_ATTACKS = ("detached-process", "forge-channel", "steal-next", "kill-parent", "exit-later",
                     "loop-in-except", "fork-bomb")


@dataclass
class Graded:
    course: Path
    summary: object
    attacks: dict[str, Attack]
    students: dict[str, str]              # hostile student -> attack


def _grade_courses(released_template, tmp_path_factory, mode: str, names, workers: int):
    template = released_template(ASSIGNMENT)
    base = tmp_path_factory.mktemp(f"attacks-{mode}")
    baseline = course_copy(template, base / "baseline")
    for student, kind in HONEST.items():
        submit(baseline, student, ASSIGNMENT, honest(kind))
    baseline_summary = grade(baseline, [ASSIGNMENT], limits=LIMITS, sandbox=mode, workers=1)

    course = course_copy(template, base / "course")
    secret_file = base / "secret-file"
    secret_file.write_text("a-secret-a-submission-must-not-read\n")
    paths = {"course": str(course), "gradebook": str(course / "gradebook.db"), "secret_file": str(secret_file),
             "home_secret": str(Path.home() / ".config" / "dlgrade" / "secret")}
    attacks = {name: attack for name, attack in _attacks(paths).items() if name in names}
    students = {}
    for student, kind in HONEST.items():
        submit(course, student, ASSIGNMENT, honest(kind))
    for number, (name, attack) in enumerate(attacks.items(), start=1):
        student = f"h{number:02d}-{name}"
        students[student] = name
        submit(course, student, ASSIGNMENT, attack.notebook())
        add_files(course, student, attack.files)
        submit(course, f"{student}-z", ASSIGNMENT, honest("good"))  # graded next, on the same worker
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLGRADE_SECRET_FILE", str(secret_file))  # the grader has one; the worker must not see it
        summary = grade(course, [ASSIGNMENT], limits=LIMITS, sandbox=mode, workers=workers)
    return baseline, baseline_summary, Graded(course, summary, attacks, students)


@pytest.fixture(scope="module")
def bubblewrap_run(released_template, tmp_path_factory):
    from autograder.grading.sandbox import bubblewrap_status
    if not bubblewrap_status()[0]:
        pytest.fail(f"bubblewrap cannot run here: {bubblewrap_status()[1]}")
    return _grade_courses(released_template, tmp_path_factory, "required", list(_attacks({
        "course": "", "gradebook": "", "secret_file": "", "home_secret": ""})), workers=1)


@pytest.fixture(scope="module")
def weak_run(released_template, tmp_path_factory):
    return _grade_courses(released_template, tmp_path_factory, "off", WEAK_MODE_ATTACKS, workers=2)


@pytest.fixture(params=["bubblewrap", "weak"])
def run(request):
    return request.getfixturevalue(f"{request.param}_run")


def _honest_students(graded: Graded) -> dict[str, str]:
    return {**HONEST, **{f"{student}-z": "good" for student in graded.students}}


def test_the_run_grades_every_submission(run):
    _, _, graded = run
    assert graded.summary.graded == len(HONEST) + 2 * len(graded.students)
    failed = {student for student, _, _ in graded.summary.failed}
    assert not failed & set(_honest_students(graded)), graded.summary.text()


def test_honest_students_score_as_without_hostile_ones(run):
    baseline, baseline_summary, graded = run
    assert not baseline_summary.failed, baseline_summary.text()
    reference_scores = {kind: cell_scores(baseline, student, ASSIGNMENT)
                        for student, kind in HONEST.items() if student.startswith("a-")}
    assert reference_scores["partial"] != reference_scores["good"]  # the partly-wrong student is partly wrong
    for student, kind in _honest_students(graded).items():
        assert cell_scores(graded.course, student, ASSIGNMENT) == reference_scores[kind], student


def test_the_gradebook_rows_of_honest_students_are_unchanged(run):
    baseline, _, graded = run
    expected = {row[1:] for row in gradebook_rows(baseline) if row[0] == "a-good"}
    rows = gradebook_rows(graded.course)
    for student, kind in _honest_students(graded).items():
        if kind == "good":
            assert {row[1:] for row in rows if row[0] == student} == expected, student
    baseline_partial = {row[1:] for row in gradebook_rows(baseline) if row[0] == "a-partial"}
    assert {row[1:] for row in rows if row[0] == "zz-partial"} == baseline_partial


@pytest.mark.parametrize("name", list(_attacks({"course": "", "gradebook": "", "secret_file": "", "home_secret": ""})))
def test_every_attack_is_valid_python(name):
    """An attack that does not compile would score 0 for the wrong reason."""
    from IPython.core.inputtransformer2 import TransformerManager
    notebook = _attacks({"course": "/c", "gradebook": "/c/g.db", "secret_file": "/s", "home_secret": "/h"})[name].notebook()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            compile(TransformerManager().transform_cell(cell.source), cell.get("id", "?"), "exec")


def _hostile_cases():
    return [(mode, name) for name in _attacks({"course": "", "gradebook": "", "secret_file": "", "home_secret": ""})
            for mode in ("bubblewrap", "weak") if mode == "bubblewrap" or name in WEAK_MODE_ATTACKS]


@pytest.mark.parametrize("mode, name", _hostile_cases())
def test_a_hostile_student_gains_nothing(request, mode, name):
    _, _, graded = request.getfixturevalue(f"{mode}_run")
    attack = graded.attacks[name]
    student = next(s for s, a in graded.students.items() if a == name)
    full = cell_scores(graded.course, f"{student}-z", ASSIGNMENT)
    got = cell_scores(graded.course, student, ASSIGNMENT)
    assert set(got) == set(full), "the graded cells are the instructor's, whatever the notebook says"
    document = result(graded.course, student, ASSIGNMENT)
    honest_document = result(graded.course, f"{student}-z", ASSIGNMENT)
    assert [(c["grade_id"], c["max_score"]) for c in document["cells"]] == \
        [(c["grade_id"], c["max_score"]) for c in honest_document["cells"]], "points are the instructor's"
    if attack.bounded:
        assert all(got[cell] <= full[cell] for cell in full), got
        assert all(got[cell] == 0 for cell in full if cell.rsplit("-", 1)[0] in attack.zero), got
    else:
        assert got == expected_scores(full, attack.zero, attack.stops_at), document["reason"]


@pytest.mark.parametrize("mode", ["bubblewrap", "weak"])
def test_processes_left_behind_are_killed(request, mode):
    _, _, graded = request.getfixturevalue(f"{mode}_run")
    student = next(s for s, a in graded.students.items() if a == "detached-process")
    assert result(graded.course, student, ASSIGNMENT)["worker"]["leftovers"] >= 1


def test_a_notebook_that_breaks_the_conversation_is_stopped_by_its_worker(bubblewrap_run):
    _, _, graded = bubblewrap_run
    student = next(s for s, a in graded.students.items() if a == "forge-channel")
    document = result(graded.course, student, ASSIGNMENT)
    assert document["status"] == "failed"
    assert document["worker"]["status"].get("protocol"), document["worker"]


def test_a_cell_that_ignores_its_alarm_is_killed_by_its_worker(bubblewrap_run):
    _, _, graded = bubblewrap_run
    student = next(s for s, a in graded.students.items() if a == "loop-alarm-ignored")
    status = result(graded.course, student, ASSIGNMENT)["worker"]["status"]
    assert status["cell_time_exceeded"] and status["signal"] == 9, status

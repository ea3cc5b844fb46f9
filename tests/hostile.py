"""Helpers for the attack and sandbox tests of ``dlgrade grade``: hostile submissions, and a worker
driven by hand.

A hostile submission is the solved notebook of day1_forward with one answer cell replaced by the
attack (:func:`attacking`). What it may still earn is read from an honest solved submission graded
in the same run (:func:`expected_scores`), so no score is copied from the code under test.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from grading import nbgrader_meta, read_copy, solved, with_answer

ASSIGNMENT = "day1_forward"
TARGET = "activation-relu"            # the answer cell most attacks replace
TARGET_EXERCISE = "activation.relu"
WRONG_RELU = "def relu(x):\n    return x * 0.0 - 1.0  # wrong on every case: relu is never negative\n"
RIGHT_RELU = "def relu(x):\n    return np.maximum(x, 0.0)\n"


def attacking(*parts: str, target: str = TARGET):
    """The solved notebook with the answer cell ``target`` replaced by ``parts``, each dedented."""
    return with_answer(solved(ASSIGNMENT), target, "".join(textwrap.dedent(part) for part in parts))


def oracle(probe: str, setup: str = "") -> str:
    """An answer cell whose relu is right only if ``probe`` (an expression, after ``setup``) is
    true: it earns the relu cells exactly when the forbidden thing the probe tries succeeds."""
    return ("import numpy as np\n" + textwrap.dedent(setup) + "\n"
            "def _probe():\n"
            "    try:\n"
            f"        return bool({probe})\n"
            "    except BaseException:\n"
            "        return False\n"
            "if _probe():\n" + textwrap.indent(RIGHT_RELU, "    ") +
            "else:\n" + textwrap.indent(WRONG_RELU, "    "))


def exercise_order(notebook) -> list[str]:
    """The exercise of each graded answer cell, in notebook order (its grade id without the suite)."""
    order = []
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            exercise = meta["grade_id"].rsplit("-", 1)[0]
            if exercise not in order:
                order.append(exercise)
    return order


def expected_scores(full: dict[str, float], zero: set[str] = frozenset(), stops_at: str | None = None) -> dict:
    """``full`` (an honest solved student's scores) with the cells of the exercises in ``zero`` at
    0, and, with ``stops_at``, every cell from that exercise on at 0 (the notebook stops there)."""
    exercises = list(dict.fromkeys(grade_id.rsplit("-", 1)[0] for grade_id in full))
    stopped = set(exercises[exercises.index(stops_at):]) if stops_at else set()
    return {grade_id: 0.0 if grade_id.rsplit("-", 1)[0] in zero | stopped else score
            for grade_id, score in full.items()}


def add_files(course: Path, student: str, files: dict[str, str]) -> None:
    """Extra files next to the student's notebook (``{"autograder/__init__.py": source}``)."""
    for relative, text in files.items():
        path = course / "submitted" / student / ASSIGNMENT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def with_cells(notebook, edit) -> object:
    """A copy of ``notebook`` whose cell list ``edit(cells)`` changed in place."""
    changed = read_copy(notebook)
    edit(changed.cells)
    return changed


# a worker driven by hand ------------------------------------------------------------------------------

class HandDriven:
    """One sandboxed worker, fed a submission of plain cells by hand (no course, no grader).

    ``run(cells, calls)`` runs ``cells`` then stops at a test step, where each name in ``calls`` is
    called with no arguments (the ``call`` driver) and what it returned comes back as plain data.
    """

    def __init__(self, mode: str, limits=None):
        from autograder.grading.sandbox import Limits, WorkerProcess, worker_code_folder
        self.limits = limits or Limits(cell_seconds=5, wall=60)
        self.code = worker_code_folder()
        self.worker = WorkerProcess(mode, self.code, [])

    def __enter__(self):
        self.worker.start()
        return self

    def __exit__(self, *exc):
        import shutil
        self.worker.stop()
        shutil.rmtree(self.code, ignore_errors=True)

    def run(self, cells: list[str], calls: list[str] = (), files: dict[str, bytes] | None = None) -> dict:
        import numpy as np
        channel = self.worker.channel
        steps = [{"cell": i, "action": "run", "source": source} for i, source in enumerate(cells)]
        steps.append({"cell": len(cells), "action": "test", "source": ""})
        channel.send("submission", files=[(name, np.frombuffer(data, dtype=np.uint8))
                                          for name, data in (files or {}).items()],
                     steps=steps, limits=self.limits.as_message())
        got = {"returned": {}, "messages": []}
        kind, message = channel.receive(timeout=60)
        got["messages"].append(kind)
        if kind == "at":
            got["results"] = message["results"]
            for name in calls:
                channel.send("call", name=name, driver="call", options={}, inputs={}, time_limit=10.0)
                kind, reply = channel.receive(timeout=60)
                got["messages"].append(kind)
                if kind != "called":
                    message = reply
                    break
                got["returned"][name] = reply["outputs"].get("return", reply["outputs"].get("raised"))
            else:
                channel.send("continue")
                kind, message = channel.receive(timeout=60)
                got["messages"].append(kind)
        while kind != "finished":
            kind, message = channel.receive(timeout=60)
            got["messages"].append(kind)
        got["finished"] = message
        return got


def json_of(value) -> str:
    return json.dumps(value, default=str)

"""What a notebook's test cell grades: its ``grade(...)`` calls, read with :mod:`ast`.

One parser for everyone who needs to know (the release, the pytest plugin, the demo, the tests), so
that a comment or a string that merely contains ``grade("x.y", z)`` never counts, and quoting,
spacing and keyword order never matter. A test cell's call has the signature of
``grade(exercise_id, candidate, points=1.0, suite="visible", language=None)``; it may be written
``grade(...)``, ``autograder.grade(...)`` or ``dlcheck.grade(...)``.

Standard library only: this module ships in the student's ``dlcheck/``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

GRADE_FUNCTION = "grade"
GRADE_MODULES = ("autograder", "dlcheck")  # ``<module>.grade(...)`` counts for these modules
PARAMETERS = ("exercise_id", "candidate", "points", "suite", "language")  # grade's, in order
DEFAULT_POINTS = 1.0  # grade's default
MAGIC_PREFIXES = ("%", "!")  # IPython line and cell magics, shell escapes: not Python


@dataclass(frozen=True)
class GradeCall:
    """One ``grade(...)`` call in a cell.

    Attributes:
        exercise_id: the catalog id, e.g. ``"activation.sigmoid"``.
        name: the candidate variable (``sigmoid``); None when the candidate is not a plain name.
        points: the points as written; ``DEFAULT_POINTS`` when omitted, None when not a number.
        suite: ``"hidden"`` when the call says ``suite="hidden"``, else ``"visible"``.
        line: the call's line in the cell, counting from 1.
    """

    exercise_id: str
    name: str | None
    points: float | None
    suite: str
    line: int


def _parse(source: str) -> ast.Module | None:
    """The cell as a module; IPython magic lines become ``pass``. None when it still is not Python."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: a NUL byte
        pass
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(MAGIC_PREFIXES):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _is_grade(function: ast.expr) -> bool:
    if isinstance(function, ast.Name):
        return function.id == GRADE_FUNCTION
    return (isinstance(function, ast.Attribute) and function.attr == GRADE_FUNCTION
            and isinstance(function.value, ast.Name) and function.value.id in GRADE_MODULES)


def _arguments(call: ast.Call) -> dict[str, ast.expr]:
    """grade's parameter name -> the expression passed for it, positional or keyword."""
    bound = dict(zip(PARAMETERS, call.args))
    bound.update((keyword.arg, keyword.value) for keyword in call.keywords if keyword.arg in PARAMETERS)
    return bound


def _constant(node: ast.expr | None, kind):
    if isinstance(node, ast.Constant) and isinstance(node.value, kind) and not isinstance(node.value, bool):
        return node.value
    return None


def _points(node: ast.expr | None) -> float | None:
    if node is None:
        return DEFAULT_POINTS
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):  # points=-1: still a number
        value = _constant(node.operand, (int, float))
        return None if value is None else -float(value)
    value = _constant(node, (int, float))
    return None if value is None else float(value)


def grade_calls(source: str) -> list[GradeCall]:
    """Every ``grade(...)`` call in a cell's source whose exercise id is a string literal, in order.

    Comments and string literals are not code, so a ``grade("x.y", z)`` inside them does not count.
    A cell that is not Python even without its IPython magics has no calls: ``[]``, never an error.
    """
    tree = _parse(source)
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_grade(node.func)):
            continue
        arguments = _arguments(node)
        exercise_id = _constant(arguments.get("exercise_id"), str)
        if exercise_id is None:
            continue
        candidate = arguments.get("candidate")
        suite = _constant(arguments.get("suite"), str)
        found.append(((node.lineno, node.col_offset), GradeCall(
            exercise_id=exercise_id,
            name=candidate.id if isinstance(candidate, ast.Name) else None,
            points=_points(arguments.get("points")),
            suite="hidden" if suite == "hidden" else "visible",
            line=node.lineno,
        )))
    return [call for _, call in sorted(found, key=lambda item: item[0])]


def assigned_names(source: str) -> set[str]:
    """Names a cell binds in the notebook's namespace: ``def``/``class`` names, assignment targets and
    imports, also under ``if``/``for``/``try``/``with``, but not the locals of a function or class body.

    How the pytest plugin finds the answer cell that defines a test cell's candidate.
    """
    tree = _parse(source)
    if tree is None:
        return set()
    names: set[str] = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)  # its body's names are its own
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue  # their own scope
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        pending += ast.iter_child_nodes(node)
    return names

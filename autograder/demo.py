"""The bundled demo class: synthetic students whose submissions are self-contained notebooks.

Every answer cell of a submission holds plain Python that defines the graded name with numpy
(imported as ``np`` by the setup cell) and the standard library only, as a real submission does:
the course's ``autograder`` and ``reference`` cannot be imported where the grader runs it.
:func:`implementation_source` writes such a cell for any registry implementation.

The class (:data:`STUDENTS`; :func:`build_class` writes ``submitted/<student>/<assignment>/`` and
the manifest ``demo_class.json``, student -> assignment -> role):

- ``alice`` — ``correct``: every answer from the solution notebook (markers stripped);
- ``bob`` — ``blank``: the release as handed out;
- ``carol`` — ``mistakes-every-other``: a known mistake in every other exercise, correct elsewhere;
- ``dave`` — ``alternatives``: an alternative correct implementation wherever the registry has one;
- :data:`MISTAKE_STUDENTS` — ``mistake-k``: the k-th known mistake of every exercise that has one
  (correct elsewhere), so that every known mistake of the released notebooks is made by someone;
- :data:`MIXTURE_STUDENTS` — ``mixture``: per exercise correct, blank, a mistake or an alternative,
  drawn with a fixed seed;
- :data:`PARTIAL_STUDENTS` — ``partial``: the first half of the answers correct, the rest blank;
- :data:`WRITING_STUDENTS` — ``written-answers`` in the quizzes: correct answers and the written
  (manually graded) answers filled in, in Japanese or English; ``correct`` elsewhere;
- :data:`HOSTILE` — one ``hostile-…`` submission each, on one assignment (see :data:`HOSTILE_ROLES`);
  ``correct`` or ``blank`` in the others.

:func:`run` releases the course, builds the class in a new folder, grades it, writes the class report
(``class_report/`` there, :mod:`autograder.report`) and prints a summary.
"""
from __future__ import annotations

import ast
import builtins
import csv
import functools
import importlib
import inspect
import itertools
import json
import keyword
import math
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np

from . import release
from .registry import load
from .report import ReportProblem, write_report
from .report.collect import record_run
from .runtime.calls import grade_calls
from .runtime.messages import language_or_default

MISTAKE_LINE = re.compile(r"^(\S+): .*?$(?:.|\n)*?^Known mistake \[([\w-]+)\]", re.M)

# self-contained answer cells --------------------------------------------------------------------

COURSE_PACKAGES = ("reference", "autograder")  # what a submission may not import (the grader blocks them)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
BUILTIN_NAMES = frozenset(dir(builtins))
# Names the notebooks' setup cell binds: a copied helper must not shadow them.
SETUP_NAMES = frozenset({"plt", "grade", "set_language", "setup_notebook", "check", "assert_check"})


class NotSelfContained(ValueError):
    """An implementation that cannot be written as a cell needing only numpy and the standard library."""


def implementation(exercise_id: str, which: str, index: int = 0):
    """A registry implementation: ``"reference"``, ``"alternative"`` (``test_implementations[index]``),
    ``"convention"`` (``accepted_conventions[index]``), ``"wrong"`` (``wrong_implementations[index]``) or
    a mistake id (its ``implementations[index]``)."""
    entry = load()[exercise_id]
    if which == "reference":
        return entry.reference
    if which == "alternative":
        return entry.test_implementations[index]
    if which == "convention":
        return entry.accepted_conventions[index]
    if which == "wrong":
        return entry.wrong_implementations[index]
    for known in entry.mistakes:
        if known.id == which:
            return known.implementations[index]
    raise KeyError(f"{exercise_id}: no implementation {which!r} (reference, alternative, convention, wrong or a mistake id)")


def implementation_source(exercise_id: str, which: str, name: str, index: int = 0) -> str:
    """Python source of an answer cell that defines ``name`` as the registry implementation ``which``.

    The cell needs only numpy and the standard library: the implementation's own source (by
    :func:`inspect.getsource`'s means), renamed to ``name``, after the module-level helpers,
    constants and closure variables it reads, found recursively; ``ref.sigmoid`` (a course module's
    attribute) becomes the copied ``sigmoid``, a lambda becomes a ``def``, a module an import line.

    Raises:
        NotSelfContained: the implementation needs something that cannot be copied (an object
            without source, a third-party module, a name computed where its source cannot see it).
    """
    return _Cell().source(implementation(exercise_id, which, index), name)


def _is_course(module_name: str | None) -> bool:
    return bool(module_name) and module_name.split(".")[0] in COURSE_PACKAGES


def _is_allowed_import(module_name: str) -> bool:
    root = module_name.split(".")[0]
    return root == "numpy" or root in sys.stdlib_module_names


@functools.lru_cache(maxsize=None)
def usable_index(exercise_id: str, which: str) -> int | None:
    """The first implementation of ``which`` (``"alternative"`` or a mistake id) that can be written as
    a self-contained cell: the one the demo class writes. None when there is none."""
    for index in itertools.count():
        try:
            implementation(exercise_id, which, index)
        except IndexError:
            return None
        try:
            implementation_source(exercise_id, which, "_", index)
        except NotSelfContained:
            continue
        return index


@functools.lru_cache(maxsize=None)
def _parsed(filename: str):
    """(tree, UTF-8 bytes, offset of each line's start, parent of every node) of a source file:
    AST columns count UTF-8 bytes, so edits are made on the bytes."""
    data = Path(filename).read_bytes()
    tree = ast.parse(data, filename)
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return tree, data, starts, parents


def _argument_names(arguments: ast.arguments) -> set[str]:
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    return {a.arg for a in every if a is not None}


def _bound_in(statements) -> set[str]:
    """Names a scope's own statements bind (assignments, imports, defs), not counting nested scopes."""
    bound, declared = set(), set()
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue
        if isinstance(node, (ast.Lambda, *COMPREHENSIONS)):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        stack.extend(ast.iter_child_nodes(node))
    return bound - declared


def _free_names(top: ast.AST) -> list[ast.Name]:
    """The ``Name`` loads in ``top`` that no scope inside ``top`` binds: globals, closure variables
    and builtins of the code ``top`` defines (class bodies do not enclose their methods)."""
    free = []

    def visit(node, scopes):  # scopes: [(names, is_class)], innermost last
        if isinstance(node, FUNCTIONS):
            decorators = [] if isinstance(node, ast.Lambda) else node.decorator_list
            outer = [*decorators, *node.args.defaults, *filter(None, node.args.kw_defaults)]
            if not isinstance(node, ast.Lambda):
                outer += [a.annotation for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                                                  node.args.vararg, node.args.kwarg) if a is not None and a.annotation]
                outer += [node.returns] if node.returns else []
            for child in outer:
                visit(child, scopes)
            body = [node.body] if isinstance(node, ast.Lambda) else node.body
            inner = [s for s in scopes if not s[1]] + [(_argument_names(node.args) | _bound_in(body), False)]
            for child in body:
                visit(child, inner)
        elif isinstance(node, ast.ClassDef):
            for child in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
                visit(child, scopes)
            for child in node.body:
                visit(child, scopes + [(_bound_in(node.body), True)])
        elif isinstance(node, COMPREHENSIONS):
            first, *rest = node.generators
            visit(first.iter, scopes)
            targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            inner = [s for s in scopes if not s[1]] + [(targets, False)]
            for child in (*first.ifs, *(part for g in rest for part in (g.iter, *g.ifs)),
                          *((node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,))):
                visit(child, inner)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and not any(node.id in names for names, _ in scopes):
                free.append(node)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, scopes)

    visit(top, [])
    return free


def _float_literal(value: float) -> str:
    if math.isnan(value):
        return 'float("nan")'
    if math.isinf(value):
        return 'float("inf")' if value > 0 else '-float("inf")'
    return repr(value)


class _Cell:
    """One answer cell being written: the definitions it needs, each once, dependencies first."""

    def __init__(self):
        self.names: dict = {}       # key of a definition -> the name the cell gives it
        self.taken: set[str] = set()
        self.imports: list[str] = []
        self.blocks: list[tuple[str, str]] = []  # ("def" | "assign", text), in the order they must run
        self.alive: list = []       # objects keyed by id() stay alive while the cell is written

    def source(self, obj, name: str) -> str:
        if not (callable(obj) or inspect.ismodule(obj)):
            self.blocks.append(("assign", f"{name} = {self._literal(obj, name)}"))
        elif self._defined_by_source(obj):
            self._define(obj, name)
        else:
            self.blocks.append(("assign", f"{name} = {self._bind(obj, name)}"))
        text = "\n".join(self.imports)
        previous = None
        for kind, block in self.blocks:
            if text:
                text += "\n" if kind == previous == "assign" else "\n\n\n" if previous else "\n\n\n"
            text += block
            previous = kind
        return text.rstrip("\n") + "\n"

    # names ------------------------------------------------------------------------------------------

    def _allocate(self, key, preferred: str) -> str:
        """A module-level name for ``key``: ``preferred`` unless another definition (or a builtin) has it."""
        candidates = itertools.chain([preferred, f"_{preferred}"], (f"_{preferred}{i}" for i in itertools.count(2)))
        for candidate in candidates:
            if candidate not in self.taken and candidate not in BUILTIN_NAMES | SETUP_NAMES \
                    and not keyword.iskeyword(candidate):
                self.taken.add(candidate)
                self.names[key] = candidate
                return candidate
        raise AssertionError("unreachable")

    @staticmethod
    def _defined_by_source(obj) -> bool:
        return (inspect.isfunction(obj) or inspect.isclass(obj)) and _is_course(getattr(obj, "__module__", None))

    def _bind(self, value, preferred: str, origin=None) -> str:
        """The text that refers to ``value`` in the cell (defining or importing it first)."""
        if inspect.ismodule(value):
            return self._import_module(value, preferred)
        if self._defined_by_source(value):
            return self._define(value, preferred if value.__name__ == "<lambda>" else value.__name__)
        if callable(value):
            return self._import_object(value, preferred)
        key = origin or ("value", id(value))
        if key in self.names:
            return self.names[key]
        self.alive.append(value)
        literal = self._literal(value, preferred)
        name = self._allocate(key, preferred)
        self.blocks.append(("assign", f"{name} = {literal}"))
        return name

    def _import_module(self, module, alias: str) -> str:
        if not _is_allowed_import(module.__name__):
            raise NotSelfContained(f"needs the module {module.__name__}, neither numpy nor the standard library")
        key = ("module", module.__name__)
        if key not in self.names:
            name = self._allocate(key, alias)
            self.imports.append(f"import {module.__name__}" if name == module.__name__
                                else f"import {module.__name__} as {name}")
        return self.names[key]

    def _import_object(self, obj, preferred: str) -> str:
        module_name, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
        if not module_name or "<" in qualname or not _is_allowed_import(module_name):
            raise NotSelfContained(f"{obj!r} has no source to copy and cannot be imported from numpy or the "
                                   f"standard library")
        if module_name.split(".")[0] == "numpy" and getattr(np, qualname, None) is obj:
            return f"{self._import_module(np, 'np')}.{qualname}"  # np.fliplr, as the material writes it
        found = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if found is not obj:
            raise NotSelfContained(f"{obj!r} is not {module_name}.{qualname}")
        key = ("import", module_name, qualname)
        if key not in self.names:
            top = qualname.split(".")[0]
            name = self._allocate(key, preferred if "." not in qualname else top)
            self.imports.append(f"from {module_name} import {top}" + ("" if name == top else f" as {name}"))
        return self.names[key] + qualname[len(qualname.split(".")[0]):]

    def _literal(self, value, preferred: str) -> str:
        """Python source that evaluates to ``value`` (callables inside containers are bound by name)."""
        if value is None or isinstance(value, (bool, str, bytes)):
            return repr(value)
        if isinstance(value, np.generic):
            return f"{self._import_module(np, 'np')}.{type(value).__name__}({self._literal(value.item(), preferred)})"
        if isinstance(value, int):
            return repr(value)
        if isinstance(value, float):
            return _float_literal(value)
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufc":
                raise NotSelfContained(f"an array of dtype {value.dtype} has no literal")
            numpy_name = self._import_module(np, "np")
            if value.size == 0:
                return f"{numpy_name}.empty({value.shape!r}, dtype={value.dtype.name!r})"
            return f"{numpy_name}.array({self._literal(value.tolist(), preferred)}, dtype={value.dtype.name!r})"
        if isinstance(value, tuple):
            items = [self._literal(item, preferred) for item in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, list):
            return "[" + ", ".join(self._literal(item, preferred) for item in value) + "]"
        if isinstance(value, (set, frozenset)):
            items = sorted((self._literal(item, preferred) for item in value))
            text = "{" + ", ".join(items) + "}" if items else "set()"
            return text if isinstance(value, set) else f"frozenset({text})"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self._literal(k, preferred)}: {self._literal(v, preferred)}"
                                   for k, v in value.items()) + "}"
        if callable(value) or inspect.ismodule(value):
            return self._bind(value, preferred)
        raise NotSelfContained(f"{type(value).__name__} value {value!r:.60} has no literal")

    # definitions copied from source ----------------------------------------------------------------

    def _define(self, obj, preferred: str) -> str:
        key = ("object", id(obj))
        if key in self.names:
            return self.names[key]
        self.alive.append(obj)
        name = self._allocate(key, preferred)
        filename = inspect.getsourcefile(obj)
        if not filename:
            raise NotSelfContained(f"{obj!r} has no source file")
        tree, data, starts, parents = _parsed(filename)
        if inspect.isclass(obj):
            node = _class_node(obj, tree, parents)
            cells = {}
            for function in _functions_of(obj):
                cells.update(_closure(function))
            scope = sys.modules[obj.__module__].__dict__
        else:
            node = _function_node(obj, tree)
            cells, scope = _closure(obj), obj.__globals__

        def offset(line, column):
            return starts[line - 1] + column

        edits = []
        if inspect.isclass(obj):
            _check_class_body(obj, node)
            base_nodes = set()
            if len(node.bases) == len(obj.__bases__) and not node.keywords:
                for expression, base in zip(node.bases, obj.__bases__):
                    base_nodes.update(ast.walk(expression))
                    if base is not object:
                        text = self._bind(base, base.__name__)
                        edits.append((offset(expression.lineno, expression.col_offset),
                                      offset(expression.end_lineno, expression.end_col_offset), text))
        else:
            base_nodes = set()
            # a default computed from the factory's locals (``def f(x, A=A)`` in a factory) is written as its value
            for expression, (argument, value) in _defaults(node, obj):
                names = [n.id for n in ast.walk(expression) if isinstance(n, ast.Name)]
                if any(n not in cells and n not in scope and n not in BUILTIN_NAMES for n in names):
                    base_nodes.update(ast.walk(expression))
                    edits.append((offset(expression.lineno, expression.col_offset),
                                  offset(expression.end_lineno, expression.end_col_offset),
                                  self._literal(value, argument)))
        for use in _free_names(node):
            if use in base_nodes:
                continue
            value = _look_up(use.id, cells, scope, obj)
            if value is _BUILTIN:
                continue
            target = use
            origin = ("cell", id(cells[use.id])) if use.id in cells else ("global", scope.get("__name__"), use.id)
            while inspect.ismodule(value) and _is_course(value.__name__):
                parent = parents.get(target)
                if not (isinstance(parent, ast.Attribute) and parent.value is target):
                    raise NotSelfContained(f"{obj.__qualname__} uses the course module {value.__name__} itself")
                if not hasattr(value, parent.attr):
                    raise NotSelfContained(f"{value.__name__} has no {parent.attr}")
                owner, value, target = value, getattr(value, parent.attr), parent
                origin = ("global", owner.__name__, parent.attr)
            text = self._bind(value, target.attr if isinstance(target, ast.Attribute) else use.id, origin)
            if text != ast.unparse(target):
                edits.append((offset(target.lineno, target.col_offset),
                              offset(target.end_lineno, target.end_col_offset), text))

        if isinstance(node, ast.Lambda):
            body = node.body
            arguments = _render(data, offset(node.lineno, node.col_offset) + len(b"lambda"),
                                offset(body.lineno, body.col_offset), edits).strip()
            expression = _render(data, offset(body.lineno, body.col_offset),
                                 offset(body.end_lineno, body.end_col_offset), edits)
            if "\n" in expression:
                expression = f"({expression})"
            text = f"def {name}({arguments.removesuffix(':').strip()}):\n    return {expression}"
        else:
            header = re.compile(rb"(?:async\s+)?(?:def|class)\s+(\w+)")
            match = header.match(data, offset(node.lineno, node.col_offset))
            edits.append((match.start(1), match.end(1), name))
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            text = _dedent(_render(data, starts[first - 1], offset(node.end_lineno, node.end_col_offset), edits),
                           node.col_offset)
        for module in _imported_modules(node):
            if _is_course(module) or not _is_allowed_import(module):
                raise NotSelfContained(f"{obj.__qualname__} imports {module}, neither numpy nor the standard library")
        self.blocks.append(("def", text))
        return name


def _imported_modules(node: ast.AST) -> list[str]:
    """The modules that import statements anywhere inside ``node`` name (a relative import as ".")."""
    found = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Import):
            found += [alias.name for alias in inner.names]
        elif isinstance(inner, ast.ImportFrom):
            found.append("." if inner.level else inner.module or ".")
    return found


_BUILTIN = object()


def _look_up(name: str, cells: dict, scope: dict, owner):
    """What a free name in ``owner``'s source refers to: a closure variable, a global or a builtin."""
    if name in cells:
        try:
            return cells[name].cell_contents
        except ValueError:
            raise NotSelfContained(f"{owner.__qualname__}: the closure variable {name!r} is unset") from None
    if name in scope:
        return scope[name]
    if name in BUILTIN_NAMES:
        return _BUILTIN
    raise NotSelfContained(f"{owner.__qualname__} reads {name!r}, which is neither a closure variable, a global "
                           f"nor a builtin (a local of the function that made it)")


def _defaults(node, function) -> list:
    """(default expression, (argument name, the value it gave)) for each default of ``function``."""
    positional = [*node.args.posonlyargs, *node.args.args][len(node.args.posonlyargs) + len(node.args.args)
                                                           - len(node.args.defaults):]
    pairs = [(e, (a.arg, v)) for e, a, v in zip(node.args.defaults, positional, function.__defaults__ or ())]
    keywords = function.__kwdefaults__ or {}
    pairs += [(e, (a.arg, keywords[a.arg])) for e, a in zip(node.args.kw_defaults, node.args.kwonlyargs)
              if e is not None and a.arg in keywords]
    return pairs


def _closure(function) -> dict:
    code = function.__code__
    return {name: cell for name, cell in zip(code.co_freevars, function.__closure__ or ()) if name != "__class__"}


def _functions_of(cls) -> list:
    """The functions defined in ``cls``'s body (methods, static and class methods, properties)."""
    found = []
    for member in vars(cls).values():
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property):
            found += [f for f in (member.fget, member.fset, member.fdel) if inspect.isfunction(f)]
        elif inspect.isfunction(member):
            found.append(member)
    return found


def _function_node(function, tree) -> ast.AST:
    code = function.__code__
    if function.__name__ == "<lambda>":
        positions = {(line, column) for line, _, column, _ in code.co_positions()
                     if line is not None and column is not None}

        def contains(node, line, column):
            return (node.lineno, node.col_offset) <= (line, column) <= (node.end_lineno, node.end_col_offset)

        candidates = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
        if not candidates:
            raise NotSelfContained(f"no source found for the lambda at line {code.co_firstlineno}")
        return max(candidates, key=lambda n: (sum(contains(n, *p) for p in positions),
                                              -(n.end_lineno - n.lineno), -(n.end_col_offset - n.col_offset)))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == code.co_name and \
                code.co_firstlineno in (node.lineno, *(d.lineno for d in node.decorator_list)):
            return node
    raise NotSelfContained(f"no source found for {function.__qualname__}")


def _class_node(cls, tree, parents) -> ast.ClassDef:
    """The ``class`` statement that made ``cls``: the one holding its methods' ``def``s (a factory may
    rename the class afterwards), else the only class statement of its name."""
    for function in _functions_of(cls):
        if inspect.getsourcefile(function) != inspect.getsourcefile(cls):
            continue
        try:
            node = _function_node(function, tree)
        except NotSelfContained:
            continue
        if isinstance(parents.get(node), ast.ClassDef):
            return parents[node]
    named = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    if len(named) == 1:
        return named[0]
    raise NotSelfContained(f"no single class statement found for {cls.__qualname__}")


def _check_class_body(cls, node: ast.ClassDef) -> None:
    """A class whose attributes were set after its ``class`` statement ran has no source that makes it."""
    bound = _bound_in(node.body)
    # only functions: other attributes may be state a run stored on the class (a mistake some layers make)
    added = [name for name, member in vars(cls).items() if name not in bound and not name.startswith("__")
             and (inspect.isfunction(member) or isinstance(member, (staticmethod, classmethod, property)))]
    if added:
        raise NotSelfContained(f"{cls.__qualname__} gets {added} from outside its class statement")


def _render(data: bytes, start: int, end: int, edits) -> str:
    """data[start:end] with the edits ``(start, end, text)`` inside it applied."""
    pieces, position = [], start
    for edit_start, edit_end, text in sorted(edits):
        if edit_start < start or edit_end > end:
            continue
        pieces += [data[position:edit_start], text.encode()]
        position = edit_end
    pieces.append(data[position:end])
    return b"".join(pieces).decode()


def _dedent(text: str, indent: int) -> str:
    """A nested definition's text moved to the left margin (lines indented less, inside strings, stay)."""
    return "\n".join(line[indent:] if not line[:indent].strip() else line for line in text.split("\n"))


# the class ----------------------------------------------------------------------------------------

README_ROLES = {"alice": "correct", "bob": "blank", "carol": "mistakes-every-other", "dave": "alternatives"}
MISTAKE_STUDENTS = ("erin", "frank", "grace", "heidi", "ivan", "judy", "ken")  # the k-th: mistake k
MIXTURE_STUDENTS = ("laura", "mallory", "niaj", "olivia", "peggy", "quinn")
PARTIAL_STUDENTS = ("rupert", "sybil")
WRITING_STUDENTS = {"trent": "ja", "uma": "en"}  # student -> the language of the written answers
# student -> (role, assignment): each tries one way of cheating, in one assignment.
HOSTILE = {
    "victor": ("hostile-grade-rebound", "day1_forward"),
    "walter": ("hostile-allclose", "day1_gradient_descent"),
    "xavier": ("hostile-test-cell-edited", "day1_backprop"),
    "yuki": ("hostile-hidden-tests-deleted", "day2_cnn"),
    "zoe": ("hostile-lying-object", "day1_loss"),
    "amir": ("hostile-os-exit", "day2_optimizers"),
    "bea": ("hostile-peeks", "day2_regularization"),
}
HOSTILE_ROLES = {
    "hostile-grade-rebound": "the first answer cell rebinds grade() to return full points; every answer blank",
    "hostile-allclose": "numpy.allclose and numpy.isclose always say True; every answer the first known mistake",
    "hostile-test-cell-edited": "the first test cell's source is `grade = None`, its points 100; answers blank",
    "hostile-hidden-tests-deleted": "the (empty) hidden test cells deleted; answers correct",
    "hostile-lying-object": "every function returns an object whose __eq__ and __array__ lie",
    "hostile-os-exit": "os._exit(0) in the middle answer cell; answers correct",
    "hostile-peeks": "tries `import reference` and reading ../../solutions/; answers only what that finds",
}
STUDENTS = (*README_ROLES, *MISTAKE_STUDENTS, *MIXTURE_STUDENTS, *PARTIAL_STUDENTS,
            *WRITING_STUDENTS, *HOSTILE)
MANIFEST = "demo_class.json"
QUIZZES = ("day1_quiz", "day2_quiz")

# Written answers of the quizzes' manually graded cells, as a student might write them: grade_id ->
# language -> text. A written cell not listed here gets GENERIC_WRITTEN.
WRITTEN = {
    "day1_quiz-batch_epoch": {
        "ja": "バッチは1回のパラメータ更新に使うデータのまとまりで、その平均の勾配で重みを更新します。エポックは訓練データ"
              "全体を1回使い切ることで、1000件をバッチサイズ50で学習すると1エポックは20回の更新になります。",
        "en": "A batch is the group of samples used for one update of the weights (we average their gradients). "
              "An epoch is one pass over all the training data, so with 1000 samples and batches of 50 one "
              "epoch is 20 updates.",
    },
    "day2_quiz-optimizer": {
        "ja": "Adamはモメンタムのように勾配の移動平均を使い、RMSpropのように勾配の2乗の移動平均で学習率を"
              "パラメータごとに調整します。最初の数ステップはバイアス補正で値を大きくします。",
        "en": "Momentum keeps a velocity, a running sum of past gradients, so the steps speed up in a steady "
              "direction and oscillations across a valley cancel out. v = 0.9 v - lr * grad, then w = w + v.",
    },
    "day2_quiz-conv_layer": {
        "ja": "畳み込み層は小さなフィルタを画像の上でずらしながら積和を計算し、特徴マップを出力します。重みを"
              "位置によらず共有するので、全結合層よりパラメータが少なく、画像の形 (縦・横・チャンネル) を保てます。",
        "en": "A convolution layer slides small filters over the image and takes a weighted sum at every "
              "position. The weights are shared across positions, so it has far fewer parameters than an "
              "affine layer and keeps the spatial structure of the input.",
    },
    "day2_quiz-deep_history": {
        "ja": "昔は層を深くすると勾配消失で学習が進まず、計算も遅く、データも足りませんでした。ReLUや良い初期値、"
              "バッチ正規化、GPUと大量のデータによって深いネットワークが学習できるようになりました。",
        "en": "Deep networks suffered from vanishing gradients with sigmoids, and computers and datasets were "
              "too small. ReLU, better initialisation (Xavier, He), GPUs and big datasets such as ImageNet "
              "made them trainable.",
    },
}
GENERIC_WRITTEN = {"ja": "授業の内容にもとづいて、自分の言葉で説明しました。", "en": "My explanation, in my own words."}


def _answers(notebook) -> list[tuple[int, str, str]]:
    """(cell index, exercise id, name) for every answer cell, from the test cell that follows it."""
    found = []
    cells = notebook.cells
    for index, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution") or meta.get("grade"):
            continue
        for later in cells[index + 1:]:
            calls = grade_calls(later.source) if later.cell_type == "code" else []
            if calls:
                found.append((index, calls[0].exercise_id, calls[0].name))
                break
    return found


def _written_cells(notebook) -> list[int]:
    """Indices of the manually graded answer cells (nbgrader ``solution`` and ``grade``)."""
    return [i for i, c in enumerate(notebook.cells)
            if c.metadata.get("nbgrader", {}).get("solution") and c.metadata["nbgrader"].get("grade")]


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def role_of(student: str, assignment: str, names: list[str]) -> str:
    """What ``student`` does in ``assignment`` (the manifest's entry)."""
    if student in README_ROLES:
        return README_ROLES[student]
    if student in MISTAKE_STUDENTS:
        return f"mistake-{MISTAKE_STUDENTS.index(student) + 1}"
    if student in MIXTURE_STUDENTS:
        return "mixture"
    if student in PARTIAL_STUDENTS:
        return "partial"
    if student in WRITING_STUDENTS:
        return "written-answers" if assignment in QUIZZES else "correct"
    if student in HOSTILE:
        role, target = HOSTILE[student]
        if assignment == target:
            return role
        return "correct" if names.index(assignment) % 2 == 0 else "blank"
    raise KeyError(f"{student!r} is not in the demo class")


def answer_choices(role: str, exercise_ids: list[str], seed: str = "") -> list:
    """What a student of ``role`` writes in each answer cell of a notebook grading ``exercise_ids``
    (in order): ``"correct"``, ``"blank"``, ``"alternative"``, ``("mistake", id)``, ``"lying"`` or
    ``"peeking"``. ``seed`` fixes a mixture's draws (the student and the assignment)."""
    registry = load()
    draw = random.Random(f"dlgrade-demo/{seed}")  # a str seed is hashed with SHA-512: the same draws every run
    chosen = []
    for position, exercise_id in enumerate(exercise_ids):
        entry = registry[exercise_id]
        mistakes = [("mistake", m.id) for m in entry.mistakes if usable_index(exercise_id, m.id) is not None]
        alternative = ["alternative"] if usable_index(exercise_id, "alternative") is not None else []
        if role in ("correct", "written-answers", "hostile-os-exit", "hostile-hidden-tests-deleted"):
            choice = "correct"
        elif role == "mistakes-every-other":
            choice = mistakes[0] if position % 2 == 0 and mistakes else "correct"
        elif role == "alternatives":
            choice = "alternative" if alternative else "correct"
        elif role.startswith("mistake-"):
            k = int(role.removeprefix("mistake-"))
            choice = mistakes[k - 1] if len(mistakes) >= k else "correct"
        elif role == "mixture":
            choice = draw.choice(["correct", "blank", *(["mistake"] if mistakes else []), *alternative])
            if choice == "mistake":
                choice = draw.choice(mistakes)
        elif role == "partial":
            choice = "correct" if position < (len(exercise_ids) + 1) // 2 else "blank"
        elif role == "hostile-allclose":
            choice = mistakes[0] if mistakes else "blank"
        elif role == "hostile-lying-object":
            choice = "lying" if entry.candidate_kind == "function" else "blank"
        elif role == "hostile-peeks":
            choice = "peeking"
        elif role in ("blank", "hostile-grade-rebound", "hostile-test-cell-edited"):
            choice = "blank"
        else:
            raise ValueError(f"unknown role {role!r}")
        chosen.append(choice)
    return chosen


def submission(role: str, released, solution, seed: str = "", language: str = "ja") -> nbformat.NotebookNode:
    """The released notebook as a student of ``role`` (or one of the README's students, by name)
    hands it in.

    ``seed`` fixes a mixture's draws (the student and assignment); ``language`` is that of the written
    answers of a ``written-answers`` role.
    """
    role = README_ROLES.get(role, role)
    notebook = nbformat.from_dict(json.loads(json.dumps(released)))
    solutions = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    registry = load()
    answers = _answers(notebook)
    choices = answer_choices(role, [exercise_id for _, exercise_id, _ in answers], seed)
    for (index, exercise_id, name), choice in zip(answers, choices):
        cell = notebook.cells[index]
        if choice == "correct":
            cell.source = _strip_markers(solutions[cell.metadata["nbgrader"]["grade_id"]])
        elif choice == "alternative":
            cell.source = implementation_source(exercise_id, "alternative", name, usable_index(exercise_id, "alternative"))
        elif choice == "lying":
            cell.source = LYING_ANSWER.format(name=name)
        elif choice == "peeking":
            cell.source = _peeking_answer(registry[exercise_id], name)
        elif choice != "blank":
            cell.source = implementation_source(exercise_id, choice[1], name, usable_index(exercise_id, choice[1]))
    if role in ("correct", "written-answers"):
        for index in _written_cells(notebook):
            cell = notebook.cells[index]
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            cell.source = (_strip_markers(solutions[grade_id]) if role == "correct"
                           else WRITTEN.get(grade_id, GENERIC_WRITTEN)[language])
    if role.startswith("hostile-"):
        _attack(role, notebook, solution, answers)
    return notebook


# The answer every function of hostile-lying-object gets: it claims to equal the right result.
LYING_ANSWER = '''class Agreeable:
    """Says it equals anything; as an array it is the input, of the right shape but the wrong values."""

    def __init__(self, like):
        self.like = np.asarray(like, dtype=np.float64)
        self.shape, self.dtype = self.like.shape, self.like.dtype

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return self.like

    def __float__(self):
        return 0.0


def {name}(*args, **kwargs):
    return Agreeable(args[0] if args else 0.0)'''


def _bound(name: str, exercise_id: str, which: str) -> str:
    """An answer cell defining ``name`` as the registry implementation ``which`` (for tests that fill a
    notebook with known mistakes)."""
    return implementation_source(exercise_id, which, name, usable_index(exercise_id, which) or 0)


def _peeking_answer(entry, name: str) -> str:
    """An answer that takes the reference implementation, or what the solutions notebook defined."""
    if entry.candidate_kind == "value" or not _is_course(getattr(entry.reference, "__module__", None)):
        return f"{name} = globals().get({name!r})  # from the solutions, if they could be read"
    return (f"try:\n    from {entry.reference.__module__} import {entry.reference.__name__} as {name}\n"
            f"except ImportError:\n    {name} = globals().get({name!r})  # from the solutions, if they could be read")


def _attack(role: str, notebook, solution, answers) -> None:
    """Add ``role``'s attack to a submission (its answers are filled in already)."""
    first = notebook.cells[answers[0][0]] if answers else None
    if role == "hostile-grade-rebound" and first is not None:
        first.source += "\n\ngrade = lambda *a, points=1.0, **k: float(points)  # every check gives full points\n"
    elif role == "hostile-allclose" and first is not None:
        first.source = ("import numpy\n\nnumpy.allclose = lambda *a, **k: True  # every comparison agrees\n"
                        "numpy.isclose = lambda a, b, *rest, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)\n\n"
                        + first.source)
    elif role == "hostile-test-cell-edited":
        tests = [c for c in notebook.cells if c.cell_type == "code" and grade_calls(c.source)]
        if tests:
            tests[0].source = "grade = None"
            tests[0].metadata["nbgrader"]["points"] = 100
    elif role == "hostile-hidden-tests-deleted":
        hidden = {c.metadata.get("nbgrader", {}).get("grade_id") for c in solution.cells
                  if c.cell_type == "code" and "BEGIN HIDDEN TESTS" in c.source}
        notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in hidden]
    elif role == "hostile-os-exit" and answers:
        middle = notebook.cells[answers[len(answers) // 2][0]]
        middle.source += "\n\nimport os\n\nos._exit(0)  # the kernel stops here\n"
    elif role == "hostile-peeks" and first is not None:
        first.source = PEEK_AT_SOLUTIONS + "\n\n" + first.source


# hostile-peeks: run the solutions notebook's answer cells if a relative path reaches them.
PEEK_AT_SOLUTIONS = '''import json
import pathlib

for up in ("../..", "../../..", "../../../.."):
    notebook = pathlib.Path(up, "solutions", pathlib.Path.cwd().name, pathlib.Path.cwd().name + ".ipynb")
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except OSError:
        continue
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            exec("".join(cell["source"]))
    break'''


def build_class(course: Path, names: list[str]) -> dict[str, dict[str, str]]:
    """Write every demo student's submission of every assignment in ``names`` to
    ``course/submitted/<student>/<assignment>/<assignment>.ipynb``.

    Returns:
        The manifest, student -> assignment -> role, also written to ``course/demo_class.json``.
    """
    course = Path(course)
    manifest: dict[str, dict[str, str]] = {student: {} for student in STUDENTS}
    for name in names:
        released = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
        solution = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
        for student in STUDENTS:
            role = role_of(student, name, names)
            manifest[student][name] = role
            notebook = submission(role, released, solution, seed=_seed(student, name),
                                  language=WRITING_STUDENTS.get(student, "ja"))
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    (course / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


# grading and the summary --------------------------------------------------------------------------

def results(course: Path) -> dict[tuple[str, str], dict]:
    """(student, assignment) -> the grader's ``results/<student>/<assignment>.json``."""
    found = {}
    for path in sorted((Path(course) / "results").glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[(data.get("student", path.parent.name), data.get("assignment", path.stem))] = data
    return found


def mistakes_in_result(result: dict) -> list[str]:
    """``exercise:mistake`` for every known mistake a graded submission's cells name."""
    named: dict[str, None] = {}
    for cell in result.get("cells", []):
        if cell.get("mistake") and cell.get("exercise"):
            named[f"{cell['exercise'].split('.')[-1]}:{cell['mistake']}"] = None
    return list(named)


def mistakes_named(course: Path, student: str, name: str) -> list[str]:
    """``exercise:mistake`` for every known mistake the autograded notebook's outputs name (the
    nbgrader path, without JSON results)."""
    path = course / "autograded" / student / name / f"{name}.ipynb"
    if not path.exists():
        return []
    named: dict[str, None] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            # a report is display data (grade() shows it); printed text and errors are read too
            text = output.get("data", {}).get("text/plain") or output.get("text") or output.get("evalue") \
                or "\n".join(output.get("traceback", []))
            for exercise_id, mistake_id in MISTAKE_LINE.findall(text):
                named[f"{exercise_id.split('.')[-1]}:{mistake_id}"] = None
    return list(named)


def scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(student, assignment) -> (score, max score), from ``nbgrader export``'s grades.csv."""
    path = Path(course) / "grades.csv"
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {(row["student_id"], row["assignment"]): (float(row["score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


def manual_points(course: Path, name: str) -> float:
    """Points of the manually graded answer cells in an assignment's source notebook."""
    notebook = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
    return sum(float(c.metadata["nbgrader"]["points"]) for c in notebook.cells
               if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution"))


def table(course: Path, names: list[str]) -> str:
    """The graded class in a terminal's worth of lines: per role the submissions and their mean
    score, the README's four students' totals, the hostile submissions, failures and the mistakes named."""
    course = Path(course)
    manifest_path = course / MANIFEST
    manifest = (json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists()
                else {s: {n: role_of(s, n, names) for n in names} for s in STUDENTS})
    graded, exported = results(course), scores(course)

    def outcome(student, name):
        """(score, max score, status, mistakes named) of one submission."""
        result = graded.get((student, name))
        if result is not None:
            return (float(result.get("score") or 0.0), float(result.get("max_score") or 0.0),
                    result.get("status", "graded"), mistakes_in_result(result))
        score, top = exported.get((student, name), (0.0, 0.0))
        return score, top, "graded" if (student, name) in exported else "missing", mistakes_named(course, student, name)

    rows = {(s, n): outcome(s, n) for s, assignments in manifest.items() for n in assignments if n in names}
    by_role: dict[str, list] = {}
    for (student, name), row in rows.items():
        by_role.setdefault(manifest[student][name], []).append(row)
    failed = [(s, n) for (s, n), row in rows.items() if row[2] != "graded"]
    lines = [f"demo class: {len(manifest)} students, {len(rows)} submissions "
             f"({len(rows) - len(failed)} graded, {len(failed)} not)", "",
             f"{'role':28s} {'submissions':>11s} {'mean score':>10s}"]
    for role in sorted(by_role, key=lambda r: (r.startswith("hostile-"), _role_order(r))):
        if role.startswith("hostile-"):
            continue
        fractions = [score / top for score, top, _, _ in by_role[role] if top]
        mean = f"{100 * sum(fractions) / len(fractions):9.1f}%" if fractions else f"{'-':>10s}"
        lines.append(f"{role:28s} {len(by_role[role]):11d} {mean}")
    lines += ["", "README's students (total over the assignments):"]
    for student in ("alice", "bob", "carol", "dave"):
        if student in manifest:
            total = sum(rows[(student, n)][0] for n in names if (student, n) in rows)
            top = sum(rows[(student, n)][1] for n in names if (student, n) in rows)
            named = len({m for n in names if (student, n) in rows for m in rows[(student, n)][3]})
            lines.append(f"  {student:8s} {manifest[student][names[0]] if names else '':22s} "
                         f"{total:7.2f} / {top:6.1f}   {named} known mistakes named")
    lines += ["", "hostile submissions:"]
    for (student, name), (score, top, status, _) in rows.items():
        role = manifest[student][name]
        if role.startswith("hostile-"):
            lines.append(f"  {student:8s} {name:22s} {role:30s} {score:6.2f} / {top:5.1f}  {status}")
    if failed:
        reasons = {key: (graded.get(key) or {}).get("reason") or rows[key][2] for key in failed}
        lines += ["", "not graded: " + ", ".join(f"{s}/{n} ({reasons[(s, n)][:60]})" for s, n in failed[:6])
                  + (f" and {len(failed) - 6} more" if len(failed) > 6 else "")]
    planted = planted_mistakes(course, names, manifest)
    missed = [f"{s}/{n} {m}" for (s, n), made in planted.items() if rows[(s, n)][2] == "graded"
              for m in sorted(made - set(rows[(s, n)][3]))]
    total = sum(len(made) for made in planted.values())
    lines += ["", f"known mistakes (exercise:mistake) made in the answers: {total}, "
                  f"named by the checks: {total - len(missed)}"
                  + (f"; not named: {', '.join(missed[:4])}" + (f" and {len(missed) - 4} more" if len(missed) > 4 else "")
                     if missed else "")]
    manual = sum(manual_points(course, name) for name in names)
    if manual:
        lines.append(f"(maximum scores include {manual:g} points of written answers, scored once a person "
                     f"grades them in the formgrader)")
    return "\n".join(lines)


def planted_mistakes(course: Path, names: list[str], manifest: dict) -> dict[tuple[str, str], set[str]]:
    """(student, assignment) -> the known mistakes (``exercise:mistake``) its answer cells make."""
    planted = {}
    for name in names:
        released = nbformat.read(Path(course) / "assignments" / name / f"{name}.ipynb", as_version=4)
        exercise_ids = [exercise_id for _, exercise_id, _ in _answers(released)]
        for student, roles in manifest.items():
            if name in roles:
                choices = answer_choices(roles[name], exercise_ids, _seed(student, name))
                planted[(student, name)] = {f"{e.split('.')[-1]}:{c[1]}" for e, c in zip(exercise_ids, choices)
                                            if isinstance(c, tuple)}
    return planted


def _seed(student: str, name: str) -> str:
    return f"{student}/{name}"


def _role_order(role: str):
    fixed = ["correct", "blank", "mistakes-every-other", "alternatives"]
    if role in fixed:
        return (0, fixed.index(role), 0)
    if role.startswith("mistake-"):
        return (1, 0, int(role.removeprefix("mistake-")))
    return (2, 0, role)


def _copy_course(root: Path, course: Path) -> None:
    course.mkdir(parents=True, exist_ok=True)
    for item in ("nbgrader_config.py", "gradebook.db"):
        if (root / item).exists():
            shutil.copy(root / item, course / item)
    for item in ("solutions", "assignments"):
        shutil.copytree(root / item, course / item, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))


def run(root: Path | None = None, folder: Path | None = None, progress=print) -> str:
    """Release the course in place, then build and grade the demo class in ``folder`` (default: a
    new temporary folder), write its class report (``folder/class_report/``) and return the summary
    table.

    Grading uses :func:`autograder.grading.grade_assignments` (each submission in a sandbox that
    cannot import the course); where that package is missing, ``nbgrader autograde``.
    """
    root = release.course_root(root)
    names = release.assignment_names(root)
    release.release(root, names, progress=progress)
    course = Path(folder or tempfile.mkdtemp(prefix="dlgrade-demo-"))
    _copy_course(root, course)
    build_class(course, names)
    try:
        from .grading import grade_assignments
    except ImportError:
        grade_assignments = None
    if grade_assignments is not None:
        summary = grade_assignments(course, names, progress=True)
        record_run(course, summary, names)
        progress(f"graded {summary.graded} submissions in {summary.seconds:.0f} s"
                 + (f"; {len(summary.failed)} failed" if summary.failed else ""))
    else:
        from tqdm import tqdm

        for name in tqdm(names, desc="nbgrader autograde", unit="assignment"):
            result = release.nbgrader(course, "autograde", name, "--force")
            if result.returncode != 0:
                progress(f"nbgrader autograde {name} reported problems:\n{result.stderr[-2000:]}")
    export = release.nbgrader(course, "export")
    if export.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{export.stderr[-2000:]}")
    progress(f"demo class graded in {course}")
    try:
        written = write_report(names, course=course, language=language_or_default(None))
        progress(f"class report: {written.html} ({written.submissions} submissions, {written.seconds:.1f} s; "
                 f"grades.csv, mistakes.csv and the figures beside it)")
    except ReportProblem as error:
        progress(f"no class report: {error}")
    return table(course, names)

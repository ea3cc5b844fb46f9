"""What is graded, and what runs: a submission merged with the instructor's cells, then a plan.

1. :func:`read_submission` — the submitted notebook as plain JSON, or why it cannot be read.
2. :func:`merge` — the instructor's cells restored whatever the submission holds, as nbgrader's
   ``OverwriteCells`` does but stricter: the skeleton is the released notebook's nbgrader cells in
   their order; test cells, locked cells and all nbgrader metadata (points, grade ids, checksums)
   come from the instructor's copy, test-cell sources from the gradebook (which keeps the hidden
   tests); each answer cell's source comes from the student's cell of the same grade id; the
   student's own cells (no nbgrader metadata, or metadata the course does not know) keep their
   place after the instructor cell they followed. A deleted cell is restored; a duplicated or
   forged test cell is dropped.
3. :func:`make_plan` — the steps a worker runs: every code cell but the test cells, which become
   stops where the grader calls the candidates, and the demo cells no other cell depends on.

A demo cell is a code cell without nbgrader metadata that carries the ``demo`` tag or starts with
``%%demo`` (``autograder.authoring.demo`` writes both). It runs only when a name it assigns is read
by a cell that runs, or by a function defined there (:func:`names_read`).
"""
from __future__ import annotations

import ast
import json
import symtable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id as random_cell_id

from ..authoring import DEMO_MAGIC, DEMO_TAG
from ..runtime.calls import GradeCall, _parse, assigned_names, grade_calls

MAX_NOTEBOOK_BYTES = 50 * 2**20      # larger than any honest submission of this course
MAX_CELL_CHARACTERS = 1_000_000


class UnreadableSubmission(Exception):
    """The submitted notebook cannot be graded at all (missing, not JSON, not a notebook)."""


@dataclass(frozen=True)
class SourceCell:
    """An instructor cell as the gradebook keeps it."""

    grade_id: str
    cell_type: str
    source: str
    locked: bool
    checksum: str | None
    points: float | None       # None for a cell that is not graded


@dataclass
class TestCell:
    index: int                 # in the merged notebook
    grade_id: str
    points: float
    calls: list[GradeCall]


@dataclass
class Merged:
    notebook: nbformat.NotebookNode
    test_cells: list[TestCell]
    restored: list[str] = field(default_factory=list)   # what the merge had to put back, in words


def read_submission(path: Path) -> dict:
    """The notebook at ``path`` as JSON; :class:`UnreadableSubmission` says why it cannot be."""
    if not path.is_file():
        raise UnreadableSubmission(f"no notebook named {path.name} in the submission")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise UnreadableSubmission(f"{path.name} is {path.stat().st_size / 2**20:.0f} MB, more than "
                                   f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UnreadableSubmission(f"{path.name} is not a notebook (not valid JSON: {error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise UnreadableSubmission(f"{path.name} is not a notebook (no list of cells)")
    return data


def _text(value) -> str:
    if isinstance(value, list):
        value = "".join(item for item in value if isinstance(item, str))
    return value[:MAX_CELL_CHARACTERS] if isinstance(value, str) else ""


def _nbgrader(cell) -> dict:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _tags(cell) -> list:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def is_demo(cell) -> bool:
    """A code cell that is the student's (no grade id) and marked as a demo."""
    if cell.get("cell_type") != "code" or _nbgrader(cell).get("grade_id"):
        return False
    return DEMO_TAG in _tags(cell) or _text(cell.get("source")).lstrip().startswith(DEMO_MAGIC)


def _own_cell(cell) -> nbformat.NotebookNode | None:
    """A student's own cell, rebuilt from its source and type only (no outputs, no nbgrader metadata).

    Built as ``nbformat.v4.new_*_cell`` builds it, without its schema validation: a string source
    and a list of string tags are valid, and validating costs more than the rest of a merge.
    """
    cell_type = cell.get("cell_type")
    if cell_type not in ("code", "markdown", "raw"):
        return None
    new = nbformat.NotebookNode(id=random_cell_id(), cell_type=cell_type, metadata=nbformat.NotebookNode(),
                                source=_text(cell.get("source")))
    if cell_type == "code":
        new.execution_count, new.outputs = None, []
    tags = _tags(cell)
    if tags:
        new.metadata["tags"] = tags
    return new


def merge(submitted: dict, release: nbformat.NotebookNode, sources: dict[str, SourceCell]) -> Merged:
    """The notebook to grade (see the module's docstring, step 2)."""
    skeleton = [cell for cell in release.cells if _nbgrader(cell).get("grade_id") in sources]
    answer_ids = {_nbgrader(c)["grade_id"] for c in skeleton if _nbgrader(c).get("solution")}
    known_ids = {_nbgrader(c)["grade_id"] for c in skeleton}
    answers: dict[str, dict] = {}                 # grade id -> the student's cell (the last one, as nbgrader)
    after: dict[str | None, list] = {None: []}    # anchor grade id -> own cells that followed it
    anchor = None
    restored = []
    for cell in submitted.get("cells", []):
        if not isinstance(cell, dict):
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in answer_ids and cell.get("cell_type") == sources[grade_id].cell_type:
            if grade_id in answers:
                restored.append(f"answer cell {grade_id} appeared twice; the last copy is graded")
            answers[grade_id] = cell
            anchor = grade_id
        elif grade_id in known_ids:
            anchor = grade_id  # an instructor cell: the instructor's copy stands in its place
        else:
            own = _own_cell(cell)
            if own is not None:
                after.setdefault(anchor, []).append(own)
    seen_ids = {_nbgrader(c).get("grade_id") for c in submitted.get("cells", []) if isinstance(c, dict)}
    cells = list(after[None])
    test_cells = []
    for cell in skeleton:
        meta = _nbgrader(cell)
        grade_id = meta["grade_id"]
        source = sources[grade_id]
        merged = _copy_tree(cell)
        merged.metadata["nbgrader"]["checksum"] = source.checksum
        if source.points is not None:
            merged.metadata["nbgrader"]["points"] = source.points
        if grade_id in answer_ids:
            if grade_id in answers:
                merged.source = _text(answers[grade_id].get("source"))
            else:
                restored.append(f"answer cell {grade_id} was missing; graded as left blank")
        else:
            merged.source = source.source
            if grade_id not in seen_ids:
                restored.append(f"cell {grade_id} was missing and was put back")
        if merged.cell_type == "code":
            merged.outputs, merged.execution_count = [], None
        cells.append(merged)
        if meta.get("grade") and not meta.get("solution") and merged.cell_type == "code":
            test_cells.append(TestCell(len(cells) - 1, grade_id, float(source.points or 0.0),
                                       list(_grade_calls(merged.source))))
        cells.extend(after.get(grade_id, []))
    notebook = nbformat.NotebookNode(nbformat=release.nbformat, nbformat_minor=release.nbformat_minor,
                                     metadata=_copy_tree(release.metadata), cells=cells)  # as new_notebook, unvalidated
    return Merged(notebook, test_cells, restored)


def _copy_tree(node):
    """A deep copy of a cell (dicts, lists and scalars, as JSON holds them): what ``copy.deepcopy``
    gives, several times faster, since merging copies every instructor cell of every submission."""
    if isinstance(node, dict):
        return nbformat.NotebookNode({key: _copy_tree(value) for key, value in node.items()})
    if isinstance(node, list):
        return [_copy_tree(value) for value in node]
    return node


# Most cells are the same in every submission of an assignment (the instructor's, the untouched
# ones): each source is parsed once per run. The results are immutable, so sharing them is safe.
_CACHED_SOURCES = 4096


@lru_cache(maxsize=_CACHED_SOURCES)
def _grade_calls(source: str) -> tuple[GradeCall, ...]:
    return tuple(grade_calls(source))


@lru_cache(maxsize=_CACHED_SOURCES)
def _assigned_names(source: str) -> frozenset[str]:
    return frozenset(assigned_names(source))


# what runs ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=_CACHED_SOURCES)
def names_read(source: str) -> frozenset[str]:
    """The notebook-level names a cell reads: at its top level, or as globals inside its functions
    and classes (a function's parameters and locals are its own)."""
    found = set()

    def visit(table):
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (table.get_type() == "module" or symbol.is_global()):
                found.add(symbol.get_name())
        for child in table.get_children():
            visit(child)

    try:
        try:
            table = symtable.symtable(source, "<cell>", "exec")
        except (SyntaxError, ValueError):  # not Python as it stands: with its magic lines as pass
            tree = _parse(source)
            if tree is None:
                return frozenset()
            table = symtable.symtable(ast.unparse(tree), "<cell>", "exec")
        visit(table)
    except (SyntaxError, ValueError, RecursionError):
        return frozenset()
    return frozenset(found)


@dataclass
class Step:
    cell: int
    action: str                # "run", "demo" (a %%demo cell's body) or "test" (a stop)
    source: str = ""

    def as_message(self) -> dict:
        return {"cell": self.cell, "action": self.action, "source": self.source}


def make_plan(merged: Merged, run_demos: str = "needed") -> tuple[list[Step], list[int]]:
    """The worker's steps and the indices of the demo cells skipped.

    ``run_demos``: ``"needed"`` (the default: only demo cells a running cell reads a name of) or
    ``"all"`` (every cell, as a notebook's Run All; for tests that compare the two).
    """
    cells = merged.notebook.cells
    tests = {test.index for test in merged.test_cells}
    demos = {i for i, cell in enumerate(cells) if is_demo(cell)}
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    needed: set[str] = set()
    for i in code:
        if i in tests:
            needed |= {call.name for test in merged.test_cells if test.index == i for call in test.calls if call.name}
        if i not in demos:
            needed |= names_read(cells[i].source)
    running = set() if run_demos == "needed" else set(demos)
    changed = run_demos == "needed"
    while changed:  # a demo that runs may need an earlier one: to a fixed point
        changed = False
        for i in sorted(demos - running):
            if _assigned_names(cells[i].source) & needed:
                running.add(i)
                needed |= names_read(cells[i].source)
                changed = True
    steps = []
    for i in code:
        if i in tests:
            steps.append(Step(i, "test"))
        elif i in demos:
            if i in running:
                source = cells[i].source
                demo_body = source.lstrip().startswith(DEMO_MAGIC)
                steps.append(Step(i, "demo" if demo_body else "run", source.lstrip() if demo_body else source))
        else:
            steps.append(Step(i, "run", cells[i].source))
    return steps, sorted(demos - running)


def imports_of(notebook: nbformat.NotebookNode) -> list[str]:
    """The modules the setup and locked cells of an instructor's notebook import (to prewarm)."""
    found: dict[str, None] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code" or is_demo(cell) or not _nbgrader(cell).get("locked"):
            continue
        tree = _parse(cell.source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                found.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found[node.module] = None
    return [name for name in found if name.split(".")[0] not in ("autograder", "reference", "dlcheck")]

"""Release the course: nbgrader's generate_assignment, then the student-side checker beside each notebook.

For every assignment in ``solutions/``:

1. :func:`generate` — ``nbgrader generate_assignment --force``: blanks solutions, strips hidden tests.
2. :func:`exercises_in` — the exercise ids the released notebooks grade (from their test cells).
3. :func:`write_student_checker` — ``assignments/<name>/dlcheck/``: a copy of ``autograder/runtime``
   (no reference code) and the visible suites as JSON fixtures, so that the visible checks run, and
   name known mistakes, on a machine where ``reference`` cannot be imported.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import runtime
from .registry import prepare
from .runtime import serialize
from .runtime.calls import grade_calls
from .runtime.notebook import FIXTURES_IN_RELEASE, STUDENT_PACKAGE



def course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding nbgrader_config.py."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise FileNotFoundError(f"no nbgrader_config.py at or above {here}: run this in the course folder")


def assignment_names(root: Path) -> list[str]:
    """Every assignment in solutions/: a folder holding a notebook of the same name."""
    return sorted(p.name for p in (root / "solutions").iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


def nbgrader(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run an nbgrader command in the course folder with this Python's scripts first on PATH
    (nbgrader calls ``alembic`` by name when it opens the gradebook)."""
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}
    command = [sys.executable, "-m", "nbgrader", *arguments, "--log-level=WARN"]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)


def generate(root: Path, name: str) -> None:
    result = nbgrader(root, "generate_assignment", name, "--force")
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result.stdout}\n{result.stderr}")


def exercises_in(folder: Path) -> list[str]:
    """Exercise ids named by ``grade("…", …)`` calls in the code cells of the notebooks in ``folder``."""
    found: dict[str, None] = {}
    for notebook in sorted(folder.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                found.update(dict.fromkeys(call.exercise_id for call in grade_calls(source)))
    return list(found)


def write_student_checker(folder: Path, exercise_ids: list[str]) -> Path:
    """``folder/dlcheck``: the runtime's modules and one visible-suite fixture per exercise."""
    target = folder / STUDENT_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    (folder / FIXTURES_IN_RELEASE).mkdir(parents=True)
    for module in sorted(Path(runtime.__file__).parent.glob("*.py")):
        shutil.copyfile(module, target / module.name)
    for exercise_id in exercise_ids:
        serialize.save(prepare(exercise_id, "visible"), folder / FIXTURES_IN_RELEASE)
    return target


def release(root: Path | None = None, names: list[str] | None = None, progress=print) -> list[Path]:
    root = course_root(root)
    released = []
    for name in names or assignment_names(root):
        generate(root, name)
        folder = root / "assignments" / name
        ids = exercises_in(folder)
        write_student_checker(folder, ids)
        progress(f"released {name}: {len(ids)} exercises -> {folder.relative_to(root)}")
        released.append(folder)
    return released

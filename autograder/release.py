"""Release the course: nbgrader's generate_assignment, then the student-side checker beside each notebook.

For every assignment in ``solutions/``:

1. :func:`generate` — ``nbgrader generate_assignment --force``: blanks solutions, strips hidden tests.
2. :func:`exercises_in` — the exercise ids the released notebooks grade (from their test cells).
3. :func:`write_student_checker` — ``assignments/<name>/dlcheck/``: a copy of ``autograder/runtime``
   (no reference code), the visible suites as JSON fixtures, so that the visible checks run, and
   name known mistakes, on a machine where ``reference`` cannot be imported, and ``settings.json``
   (the messages' default language); beside it a ``conftest.py`` that loads the checker's pytest
   plugin, so ``pytest --submission <name>`` works with only the release.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from . import runtime
from .authoring import unblock_top_level_stubs
from .registry import prepare
from .runtime import serialize
from .runtime.calls import grade_calls
from .runtime.messages import LANGUAGES
from .runtime.notebook import FIXTURES_IN_RELEASE, STUDENT_PACKAGE

SETTINGS = "settings.json"  # in dlcheck/: {"language": "en" | "ja"}, the messages' default
# Beside the notebook: pytest reads it when given the assignment's folder (``pytest --submission
# day1_forward`` from above it, or ``.`` from inside), and then loads the released checker's plugin
# unless a copy of it (the installed course's) is already loaded.
CONFTEST = '''"""Lets `pytest --submission <this folder>` run the checks with the checker released here (dlcheck/)."""
import sys
from pathlib import Path


def pytest_addoption(parser, pluginmanager):
    if not any(getattr(plugin, "DLGRADE_SUBMISSION_PLUGIN", False) for plugin in pluginmanager.get_plugins()):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        pluginmanager.import_plugin("dlcheck.pytest_plugin")
'''


class NotACourseFolder(FileNotFoundError):
    """No nbgrader_config.py at or above the folder a course command was run in."""


def course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding nbgrader_config.py."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise NotACourseFolder(f"no nbgrader_config.py at or above {here}: run this in the course folder")


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
    for path in sorted((root / "assignments" / name).glob("*.ipynb")):
        notebook = nbformat.read(str(path), as_version=4)
        if unblock_top_level_stubs(notebook):
            nbformat.write(notebook, str(path))


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


def write_student_checker(folder: Path, exercise_ids: list[str], language: str = "en") -> Path:
    """``folder/dlcheck``: the runtime's modules, one visible-suite fixture per exercise and the
    messages' default ``language``; ``folder/conftest.py``, which loads its pytest plugin."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: one of {LANGUAGES}")
    target = folder / STUDENT_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    (folder / FIXTURES_IN_RELEASE).mkdir(parents=True)
    for module in sorted(Path(runtime.__file__).parent.glob("*.py")):
        shutil.copyfile(module, target / module.name)
    for exercise_id in exercise_ids:
        serialize.save(prepare(exercise_id, "visible"), folder / FIXTURES_IN_RELEASE)
    (target / SETTINGS).write_text(json.dumps({"language": language}) + "\n", encoding="utf-8")
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    return target


def release(root: Path | None = None, names: list[str] | None = None, progress=print,
            language: str = "en") -> list[Path]:
    """Release ``names`` (default: every assignment) with messages in ``language`` by default."""
    root = course_root(root)
    released = []
    for name in names or assignment_names(root):
        generate(root, name)
        folder = root / "assignments" / name
        ids = exercises_in(folder)
        write_student_checker(folder, ids, language)
        progress(f"released {name}: {len(ids)} exercises -> {folder.relative_to(root)}")
        released.append(folder)
    return released

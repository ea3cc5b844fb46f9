"""The red team's hostile submissions (issue 10), beyond those of tests/test_grade_attacks.py.

Each is a notebook of day1_forward (or raw bytes) made from the course's absolute paths, with what
it may earn said as the exercises it attacked (their cells score 0; every other cell as an honest
solved notebook graded in the same run) or the exercise where its notebook stops. Most attacks end
in an oracle (``hostile.oracle``): the relu answer is right only if the forbidden thing worked, so
an attack that succeeds earns the relu cells and its test fails.
"""
from __future__ import annotations

import copy
import json
import textwrap
from dataclasses import dataclass

import nbformat

from grading import nbgrader_meta, read_copy, solved, with_answer
from hostile import ASSIGNMENT, RIGHT_RELU, WRONG_RELU, attacking, oracle, with_cells

# The attacked exercise and the one whose solution calls it (a wrong relu fails both).
RELU_AND_ITS_USERS = frozenset({"activation-relu", "network-two_layer_forward_relu_linear"})
EVERY_EXERCISE = frozenset({"*"})          # a notebook that cannot be graded at all: every cell 0
OTHER_ASSIGNMENT = "day1_loss"


@dataclass
class Attack:
    """``notebook()``: the notebook (or ``raw()``: the file's bytes); ``filename``: the file's name
    in the submission (default: the assignment's notebook). ``zero``: exercises that must score 0;
    ``stops_at``: the exercise where the notebook stops (it and later ones 0); ``at_most``: exercises
    whose cells may earn part of an honest one's points but no more."""

    notebook: object = None
    raw: object = None
    filename: str | None = None
    zero: frozenset = RELU_AND_ITS_USERS
    stops_at: str | None = None
    at_most: frozenset = frozenset()


def _answers(**sources: str):
    """The solved notebook with several answer cells replaced (grade id with _ for -)."""
    notebook = solved(ASSIGNMENT)
    for grade_id, source in sources.items():
        notebook = with_answer(notebook, grade_id.replace("__", "-"), textwrap.dedent(source))
    return notebook


def _read_any(paths_expression: str) -> str:
    """A probe: some file of ``paths`` can be opened and read (one byte is enough)."""
    return f"any(_readable(p) for p in {paths_expression})"


READABLE = """\
def _readable(path):
    try:
        with open(path, 'rb') as handle:
            return len(handle.read(1)) == 1
    except OSError:
        return False
"""

SECRET_IN_PROC = """\
import os
def _secret_in_proc():
    for entry in os.listdir('/proc'):
        for name in ('environ', 'cmdline'):
            try:
                with open(f'/proc/{entry}/{name}', 'rb') as handle:
                    text = handle.read()
            except OSError:
                continue
            if b'DLGRADE_SECRET' in text or b'.config/dlgrade' in text:
                return True
    return False
"""

# A cell that prints whatever it finds that could be the course secret or a hidden test, so that it
# lands in its own autograded notebook (and so in nbgrader's feedback), and on stderr too.
PRINT_SECRETS = """\
import os, sys, glob
found = {}
for path in [{paths}] + glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):
    try:
        with open(path, 'rb') as handle:
            found[path] = handle.read(4096).decode('utf-8', 'replace')
    except OSError as error:
        found[path] = type(error).__name__
found.update(os.environ)
print(found)
print(found, file=sys.stderr)
def relu(x):
    print(found)
    raise ValueError(repr(found)[:5000])
raise RuntimeError(repr(found)[:5000])     # a cell's error comes back in the graded notebook
"""

ECHO_INPUTS = """\
import sys
import numpy as np
def relu(x):
    x = np.asarray(x, dtype=float)
    if np.all(x * 20 == np.round(x * 20)):  # right on the fixed cases (round numbers, the released
        return np.maximum(x, 0.0)          # fixtures show them), so the first failing case is random
    shown = repr(x.ravel()[:4].tolist())
    print('inputs:', shown)
    print('inputs:', shown, file=sys.stderr)
    raise ValueError('inputs were ' + shown)
"""

PASS_TEXT = """\
import sys
print("activation.relu: 5 of 5 visible cases passed (score 1.00).")
print("activation.relu: every hidden case passed (score 1.00).", file=sys.stderr)
sys.stdout.write("\\x1b[32mPASSED\\x1b[0m 3.0\\n")
def relu(x):
    print("activation.relu: 5 of 5 visible cases passed (score 1.00).")
    print("PASSED", file=sys.stderr)
    return x * 0.0 - 1.0
"""

MUTATES_INPUT = """\
import numpy as np
def relu(x):
    # |x| + 1 in place: a reference computed afterwards on the same array agrees with it
    # (max(0, |x| + 1) = |x| + 1), though it is wrong on every input
    np.abs(x, out=x)
    x += 1.0
    return x
"""

BOUNDED_FORK_BOMB = """\
import os, time
children = []
for _ in range(40):                       # 40 processes, each with 4 of its own, all sleeping
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        for _ in range(4):
            try:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
            except OSError:
                pass
        time.sleep(600)
        os._exit(0)
    children.append(pid)
""" + WRONG_RELU

DEEP_RECURSION = """\
import sys
sys.setrecursionlimit(10**8)
def down(n):
    return sorted([0], key=lambda _: down(n + 1))   # through C each time: the C stack overflows
down(0)                                    # and the child dies here (SIGSEGV)
""" + RIGHT_RELU

RECURSIVE_RELU = """\
import sys
sys.setrecursionlimit(10**4)             # 10**6 costs the worker minutes: see the report
def relu(x, depth=0):
    return relu(x, depth + 1)
"""

BIG_FILE = """\
import os
def _wrote_10_gb():
    got = 0
    try:
        with open('big.bin', 'wb') as handle:
            block = b'\\0' * 2**20
            for _ in range(10 * 2**10):
                handle.write(block)
                got += len(block)
    except OSError:
        pass
    try:
        with open('sparse.bin', 'wb') as handle:  # a sparse 10 GB file: the size limit holds too
            handle.truncate(10 * 2**30)
        got = max(got, os.path.getsize('sparse.bin'))
    except OSError:
        pass
    return got >= 10 * 2**30
"""

MANY_FILES = """\
import os
def _wrote_many():
    # files under the size limit, 1 GB in all, in its working folder, in the sandbox's /tmp (memory: unbounded, it could
    # hold half the machine's RAM)
    got = 0
    block = b'\\1' * 2**20
    for number in range(32):
        try:
            with open(f'fill-{number}.bin', 'wb') as handle:
                for _ in range(32):
                    handle.write(block)
                    got += len(block)
        except OSError:
            break
    for number in range(32):
        try:
            os.remove(f'fill-{number}.bin')
        except OSError:
            pass
    return got >= 2**30
"""

LEFT_RUNNING = """\
import os, subprocess, sys, threading, time
import numpy as np

def _spin():
    while True:                            # a thread that never ends, spinning through every cell
        np.maximum(np.ones(1000), 0.0)

threading.Thread(target=_spin).start()     # not a daemon: it would keep a process alive
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])
if os.fork() == 0:
    os.setsid()
    time.sleep(600)
    os._exit(0)
""" + WRONG_RELU


def _kernelspec(notebook):
    changed = read_copy(notebook)
    changed.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    changed.metadata["language_info"] = {"name": "bash"}
    changed.metadata["nbgrader"] = {"grade": True, "points": 1000}
    return changed


def _copied_test_metadata(cells):
    """Cells with the relu cells' nbgrader metadata copied: test cells with sources of their own
    and more points, and a second answer cell (right) before the real one (wrong)."""
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in cells}
    answer = by_id["activation-relu"]
    early = copy.deepcopy(answer)
    early.id, early.source = "copied-answer", RIGHT_RELU
    cells.insert(cells.index(answer), early)
    for number, grade_id in enumerate(("activation-relu-visible", "activation-relu-hidden")):
        forged = copy.deepcopy(by_id[grade_id])
        forged.id = f"copied-test-{number}"
        forged.source = "1.0"
        forged.metadata["nbgrader"]["points"] = 100
        cells.append(forged)
    step = copy.deepcopy(by_id["activation-step-visible"])  # another exercise's test, moved next to relu
    step.id, step.source = "copied-step", "grade('activation.relu', lambda x: np.maximum(x, 0.0), points=1)"
    cells.insert(cells.index(answer) + 1, step)


def _huge_notebook() -> bytes:
    notebook = solved(ASSIGNMENT)
    filler = nbformat.v4.new_markdown_cell("x" * (100 * 2**20))
    notebook.cells.append(filler)
    return nbformat.writes(notebook).encode()


def _other_assignment():
    return solved(OTHER_ASSIGNMENT)


def attacks(paths: dict[str, str]) -> dict[str, Attack]:
    """Every red-team attack, made with the absolute paths of the course it is graded in.

    ``paths``: course, gradebook, config, secret_file, home_secret, repository, classmate (the
    submitted notebook of an honest student).
    """
    fixtures = [f"{paths['gradebook']}", f"{paths['course']}/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                f"{paths['repository']}/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                f"{paths['repository']}/reference/activation.py",
                f"{paths['repository']}/autograder/catalog/activation.py",
                f"{paths['repository']}/autograder/registry.py"]
    secrets = [paths["secret_file"], paths["home_secret"]]
    leftover_on_gradebook = f"""\
        import fcntl, os, sqlite3, time
        def _held():
            held = False
            try:
                db = sqlite3.connect('file:' + {paths['gradebook']!r} + '?mode=rw', uri=True, timeout=0.1)
                db.execute('BEGIN EXCLUSIVE')
                held = True
            except Exception:
                pass
            try:
                handle = open({paths['gradebook']!r}, 'r+b')
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
            except OSError:
                pass
            return held
        _now = _held()
        if os.fork() == 0:                   # left behind: lock the gradebook, then wipe it
            os.setsid()
            if os.fork() == 0:
                _held()
                for _ in range(100):
                    for path in ({paths['gradebook']!r}, {paths['gradebook']!r} + '-journal'):
                        try:
                            open(path, 'wb').close()
                        except OSError:
                            pass
                    time.sleep(0.05)
                time.sleep(30)
            os._exit(0)
        os.wait()
        """
    return {
        "read-hidden-fixtures": Attack(lambda: attacking(oracle(_read_any(repr(fixtures)), setup=READABLE))),
        "read-secret": Attack(lambda: attacking(oracle(
            _read_any(repr(secrets)) + " or _secret_in_proc()", setup=READABLE + SECRET_IN_PROC))),
        # Called by the student's own two-layer network on its hidden layer (not a case's input), the
        # |x| relu is right where that layer is all positive: partial credit there, fairly earned.
        "mutate-inputs": Attack(lambda: attacking(MUTATES_INPUT), zero=frozenset({"activation-relu"}),
                                at_most=frozenset({"network-two_layer_forward_relu_linear"})),
        "nan-inf-everywhere": Attack(lambda: _answers(
            activation__step="import numpy as np\nnp.seterr(all='ignore')\n"
                             "def step(x):\n    return np.full(np.shape(x), np.nan)\n",
            activation__relu="def relu(x):\n    return np.full(np.shape(x), np.nan)\n",
            activation__relu_grad="def relu_grad(x):\n    return np.full(np.shape(x), np.inf)\n",
            activation__identity="def identity(x):\n    return np.asarray(x) * np.inf - np.inf\n"),
            zero=RELU_AND_ITS_USERS | {"activation-step", "activation-relu_grad", "activation-identity"}),
        "print-pass": Attack(lambda: attacking(PASS_TEXT)),
        "bounded-fork-bomb": Attack(lambda: attacking(BOUNDED_FORK_BOMB)),
        "deep-recursion": Attack(lambda: attacking(DEEP_RECURSION), zero=frozenset(), stops_at="activation-relu"),
        "recursive-candidate": Attack(lambda: attacking(RECURSIVE_RELU)),
        "write-10-gb": Attack(lambda: attacking(oracle("_wrote_10_gb()", setup=BIG_FILE))),
        "fill-tmp": Attack(lambda: attacking(oracle("_wrote_many()", setup=MANY_FILES))),
        "left-running": Attack(lambda: attacking(LEFT_RUNNING)),
        "duplicated-test-cells": Attack(lambda: with_cells(attacking(WRONG_RELU), lambda cells: cells.extend(
            copy.deepcopy([c for c in cells if nbgrader_meta(c).get("grade_id", "").startswith("activation-relu-")
                           and nbgrader_meta(c).get("grade")] * 3)))),
        "kernel-spec": Attack(lambda: _kernelspec(attacking(WRONG_RELU))),
        "copied-test-metadata": Attack(lambda: with_cells(attacking(WRONG_RELU), _copied_test_metadata)),
        "not-json": Attack(raw=lambda: b'{"cells": [{"cell_type": "code", "source": "', zero=EVERY_EXERCISE),
        "empty": Attack(raw=lambda: b"", zero=EVERY_EXERCISE),
        "binary": Attack(raw=lambda: bytes(range(256)) * 64, zero=EVERY_EXERCISE),
        "100-mb": Attack(raw=_huge_notebook, zero=EVERY_EXERCISE),
        "wrong-file-name": Attack(lambda: solved(ASSIGNMENT), filename=f"{ASSIGNMENT} (1).ipynb",
                                  zero=EVERY_EXERCISE),
        "other-assignment": Attack(_other_assignment, zero=EVERY_EXERCISE),
        "overwrite-classmate": Attack(lambda: attacking(oracle("_overwrite()", setup=f"""\
            import glob, os
            def _overwrite():
                done = False
                targets = [{paths['classmate']!r}] + glob.glob('/tmp/*/*.ipynb') + glob.glob('/tmp/submission-*/*')
                for path in targets:
                    try:
                        with open(path, 'w') as handle:
                            handle.write('{{}}')
                        done = done or path == {paths['classmate']!r}
                    except OSError:
                        pass
                try:
                    os.makedirs('/tmp/submission-99', exist_ok=True)   # the folder a later submission may get
                    open('/tmp/submission-99/day1_forward.py', 'w').write('raise SystemExit')
                except OSError:
                    pass
                return done
            """))),
        "append-config": Attack(lambda: attacking(oracle("_append()", setup=f"""\
            def _append():
                with open({paths['config']!r}, 'a') as handle:
                    handle.write('\\nc.CourseDirectory.submitted_directory = "elsewhere"\\n')
                return True
            """))),
        "print-secret": Attack(lambda: attacking(
            PRINT_SECRETS.replace("{paths}", ", ".join(map(repr, secrets + fixtures[:2]))))),
        # It earns the fixed cases, rightly: it only may not learn the random hidden ones.
        "echo-hidden-inputs": Attack(lambda: attacking(ECHO_INPUTS), zero=frozenset(), at_most=RELU_AND_ITS_USERS),
        "gradebook-lock-and-wipe": Attack(lambda: attacking(oracle("_now", setup=leftover_on_gradebook))),
    }


def attack_names() -> list[str]:
    return list(attacks({key: "/x" for key in ("course", "gradebook", "config", "secret_file", "home_secret",
                                                "repository", "classmate")}))


def json_text(notebook) -> str:
    return json.dumps(notebook)

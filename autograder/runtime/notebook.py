"""What a notebook's test cell calls, on either side, and what the student sees.

On the instructor's machine ``autograder.grade`` checks against the reference; a student's copy of
this runtime (``dlcheck/`` next to the released notebook) checks against the fixtures saved beside
it. Both turn a report into a cell's result the same way, here:

- :func:`grade` shows the report (HTML in a notebook, with a plain-text fallback) and returns
  ``score × points`` as a plain float. It never raises, so Run All reaches the end of a notebook
  whose answers are blank or wrong; nbgrader records the float, 0.0 included, as the cell's score.
- :func:`assert_check` raises :class:`CheckFailed`, whose ``_render_traceback_`` makes IPython show
  the message alone, with no traceback through the checker.
- :func:`setup_notebook` adds the ``%%demo`` cell magic: a plot or demo cell that uses an unfinished
  or broken exercise says which one, instead of stopping Run All.
"""
from __future__ import annotations

import ast
import html
import os
import traceback
import warnings
from pathlib import Path

from . import serialize
from .engine import Report, run_suite
from .messages import LANGUAGES, language_or_default

# Where a release puts the student's checker, next to each notebook: ``dlcheck/fixtures/*.json``.
STUDENT_PACKAGE = "dlcheck"
FIXTURES_IN_RELEASE = Path(STUDENT_PACKAGE) / "fixtures"
FIXTURES = Path(__file__).resolve().parent / "fixtures"  # this copy's own, when it is dlcheck/

MISSING_FIXTURE = {
    "en": "{exercise}: no saved checks for the {suite} suite next to this notebook ({path}). "
          "The hidden suite runs only when your instructor grades; re-download the assignment if the "
          "visible one is missing.",
    "ja": "{exercise}: {suite}のチェックデータがノートブックの隣 ({path}) にありません。非公開テストは採点時にのみ"
          "実行されます。公開テストのデータが無い場合は課題をもう一度ダウンロードしてください。",
}

STATUS = {  # what a report is, at a glance: (symbol, word, colour)
    "en": {"passed": ("✔", "PASSED"), "partial": ("◐", "PARTIAL"), "failed": ("✘", "FAILED"),
           "unfinished": ("…", "NOT DONE YET")},
    "ja": {"passed": ("✔", "合格"), "partial": ("◐", "部分点"), "failed": ("✘", "不合格"),
           "unfinished": ("…", "未完了")},
}
COLOURS = {"passed": ("#1a7f37", "#dafbe1"), "partial": ("#9a6700", "#fff8c5"),
           "failed": ("#cf222e", "#ffebe9"), "unfinished": ("#57606a", "#f6f8fa")}
POINTS = {"en": "{got:g} / {max:g} points", "ja": "{got:g} / {max:g} 点"}

DEMO_UNFINISHED = {
    "en": "This demo needs `{name}`{exercise}, which is not finished yet: complete it above, run its cell, "
          "then run this cell again.",
    "ja": "このデモには `{name}`{exercise} が必要ですが、まだ完成していません。上で完成させてそのセルを実行し、"
          "このセルをもう一度実行してください。",
}
DEMO_BROKEN = {
    "en": "This demo stopped: {error}{where}. {advice}",
    "ja": "このデモは途中で止まりました: {error}{where}。{advice}",
}
DEMO_WARNED = {"en": "NumPy warned in this demo: {warnings}.", "ja": "このデモで NumPy が警告しました: {warnings}。"}
DEMO_WHERE = {"en": " in `{name}`{exercise}", "ja": " (`{name}`{exercise} の中)"}
DEMO_EXERCISE = {"en": " (exercise {exercise})", "ja": " (課題 {exercise})"}
DEMO_ADVICE = {
    "en": ("Check that exercise above: its check says what is wrong.",
           "Run the cells above this one first, and check the exercises it uses."),
    "ja": ("上のその課題のチェック結果を確かめてください。",
           "このセルより上のセルを先に実行し、使っている課題を確かめてください。"),
}

# Function and class names graded so far in this kernel -> exercise id, so a demo can name the
# exercise a failing function belongs to.
GRADED_NAMES: dict[str, str] = {}


def status_of(report: Report) -> str:
    if report.passed:
        return "passed"
    if report.unfinished:
        return "unfinished"
    return "partial" if report.score > 0 else "failed"


class ReportView:
    """A report as a notebook shows it: coloured HTML, and the same words as plain text."""

    def __init__(self, report: Report, points: float | None = None, language: str | None = None):
        self.report, self.points = report, points
        self.language = language_or_default(language)

    def _headline(self) -> str:
        symbol, word = STATUS[self.language][status_of(self.report)]
        if self.points is None:
            return f"{symbol} {word}"
        got = round(self.report.score * self.points, 4)
        return f"{symbol} {word} · " + POINTS[self.language].format(got=got, max=self.points)

    def __repr__(self) -> str:
        return f"{self._headline()}\n{self.report.message}"

    def _repr_pretty_(self, printer, cycle):  # IPython's plain-text form
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        colour, background = COLOURS[status_of(self.report)]
        return (
            f'<div class="dlgrade-report dlgrade-{status_of(self.report)}" style="border-left: 6px solid {colour}; '
            f'background: {background}; padding: 6px 10px; margin: 2px 0; border-radius: 3px;">'
            f'<div style="font-weight: bold; color: {colour};">{html.escape(self._headline())}</div>'
            f'<pre style="white-space: pre-wrap; margin: 4px 0 0 0; background: transparent; '
            f'font-family: var(--jp-code-font-family, monospace);">{html.escape(self.report.message)}</pre></div>'
        )


def _in_notebook():
    """IPython's shell when running in a kernel, else None (a script, pytest)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def show(view) -> None:
    """Display ``view`` richly in a notebook, print it elsewhere; never on stderr."""
    if _in_notebook() is not None:
        from IPython.display import display
        display(view)
    else:
        print(repr(view))


class CheckFailed(AssertionError):
    """A failed check, raised by :func:`assert_check`: IPython shows the message, not a traceback."""

    def _render_traceback_(self):
        return str(self).splitlines()


class CheckUnfinished(NotImplementedError):
    """An exercise whose blank still raises NotImplementedError, or an unanswered quiz item."""

    def _render_traceback_(self):
        return str(self).splitlines()


def raise_unless_passed(report: Report) -> Report:
    """Raise :class:`CheckFailed` (or :class:`CheckUnfinished`) with the message unless every case passed."""
    if not report.passed:
        raise (CheckUnfinished if report.unfinished else CheckFailed)(report.message)
    print(report.message)
    return report


def partial_credit(report: Report, points: float, language: str | None = None) -> float:
    """Show the report and return nbgrader's partial credit: a plain float, ``score × points``.

    nbgrader 0.9 scores a test cell by its first ``execute_result``: this float, 0.0 included. The
    report itself is display data, which nbgrader does not read as a score.
    """
    show(ReportView(report, points, language))
    return float(report.score * points)


def check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None,
          folder: Path = FIXTURES) -> Report:
    """Check ``candidate`` against the fixtures saved in ``folder`` (the student side)."""
    language = language_or_default(language)
    path = Path(folder) / f"{exercise_id}.{suite}.json"
    if not path.exists():
        message = MISSING_FIXTURE[language].format(exercise=exercise_id, suite=suite, path=path)
        return Report(exercise_id, suite, False, 0.0, None, message, [])
    return run_suite(serialize.loads(path.read_text(encoding="utf-8")), candidate, language)


def remember(exercise_id: str, candidate) -> None:
    name = getattr(candidate, "__name__", None)
    if isinstance(name, str) and callable(candidate):
        GRADED_NAMES[name] = exercise_id


def assert_check(exercise_id: str, candidate, suite: str = "visible", language: str | None = None) -> Report:
    return raise_unless_passed(check(exercise_id, candidate, suite, language))


def grade(exercise_id: str, candidate, points: float = 1.0, suite: str = "visible",
          language: str | None = None) -> float:
    remember(exercise_id, candidate)
    return partial_credit(check(exercise_id, candidate, suite, language), points, language)


# the checker's language ------------------------------------------------------------------------------

def set_language(language: str) -> None:
    """Switch the checker's messages in this kernel: ``set_language("en")`` or ``set_language("ja")``."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    os.environ["DLGRADE_LANG"] = language


# demo cells ------------------------------------------------------------------------------------------

def _failing_function(error: BaseException) -> str | None:
    """The innermost frame that belongs to a graded exercise, else the innermost one of the notebook."""
    frames = traceback.extract_tb(error.__traceback__)
    graded = [f.name for f in frames if f.name in GRADED_NAMES]
    if graded:
        return graded[-1]
    library = (str(Path(__file__).resolve().parent), "site-packages", f"{os.sep}lib{os.sep}python")
    ours = [f.name for f in frames if f.name not in ("<module>", "run_demo")
            and not any(part in f.filename for part in library)]
    return ours[-1] if ours else None


def demo_failure_message(error: BaseException, language: str | None = None) -> str:
    """What a demo cell says when an exercise it uses is unfinished or raises."""
    language = language_or_default(language)
    name = _failing_function(error)
    exercise = DEMO_EXERCISE[language].format(exercise=GRADED_NAMES[name]) if name in GRADED_NAMES else ""
    if isinstance(error, NotImplementedError) and name:
        return DEMO_UNFINISHED[language].format(name=name, exercise=exercise)
    described = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")
    where = DEMO_WHERE[language].format(name=name, exercise=exercise) if name else ""
    advice = DEMO_ADVICE[language][0 if name else 1]
    return DEMO_BROKEN[language].format(error=described, where=where, advice=advice)


class DemoNote:
    """A demo's note in a notebook: amber HTML, plain text elsewhere."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"◐ {self.text}"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        colour, background = COLOURS["partial"]
        return (f'<div class="dlgrade-demo" style="border-left: 6px solid {colour}; background: {background}; '
                f'padding: 6px 10px; border-radius: 3px;">{html.escape(repr(self))}</div>')


def run_demo(source: str, namespace: dict, show_note=None) -> object:
    """Run a demo cell's code in ``namespace``; its last expression's value, as a cell would show it.

    An exception becomes a :class:`DemoNote` naming the exercise to finish (KeyboardInterrupt, from
    an interrupted cell, still stops it). Warnings are collected and passed to ``show_note`` as one
    short note, without the file paths Python's warning lines carry (paths of the grading machine,
    in nbgrader's feedback); without ``show_note`` they are shown as usual.
    """
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    figures_before = _open_figures()
    with warnings.catch_warnings(record=show_note is not None) as caught:
        try:
            exec(compile(tree, "<demo>", "exec"), namespace)  # noqa: S102 - the notebook's own demo cell
            value = None
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<demo>", "eval"), namespace)  # noqa: S307
        except Exception as error:  # noqa: BLE001 - any failure of a demo is reported, not raised
            _close_figures_except(figures_before)  # a half-drawn figure would only confuse
            value = DemoNote(demo_failure_message(error))
    if caught:
        described = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
        show_note(DemoNote(DEMO_WARNED[language_or_default(None)].format(warnings="; ".join(described))))
    return value


def _open_figures() -> set:
    import sys
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot else set()


def _close_figures_except(keep: set) -> None:
    import sys
    pyplot = sys.modules.get("matplotlib.pyplot")
    for number in (set(pyplot.get_fignums()) - keep) if pyplot else ():
        pyplot.close(number)


def setup_notebook() -> None:
    """Called by each notebook's first cell: registers the ``%%demo`` cell magic (in a kernel only)."""
    shell = _in_notebook()
    if shell is None or not hasattr(shell, "register_magic_function"):
        return

    def demo(line, cell):
        """%%demo: run this cell; if an exercise it uses is unfinished or raises, say which."""
        from IPython.display import display
        return run_demo(shell.transform_cell(cell), shell.user_ns, display)  # shown as the cell's value

    shell.register_magic_function(demo, magic_kind="cell", magic_name="demo")

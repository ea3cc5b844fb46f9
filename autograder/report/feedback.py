"""``dlgrade feedback``: one page per student per notebook, beside nbgrader's own feedback.

Each page goes to ``feedback/<student>/<assignment>/<notebook>.dlgrade.html`` (nbgrader's layout:
``nbgrader generate_feedback`` writes ``<notebook>.html`` in the same folder, and the page links to
it). It shows each exercise's score, the named mistake with the registry's hint, for a visible
check the failing case and the worst element (the visible cases are public), and for a hidden check
only which property failed (:mod:`.failure`): no hidden input, expected value, test code or word a
candidate wrote while the hidden cases ran.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from .collect import ClassData, Course, Row, Submission, collect
from .failure import classify_hidden, visible_details
from .html import escape, page, status_badge
from .text import FEEDBACK, STATUS_WORDS

SUFFIX = ".dlgrade.html"    # beside nbgrader's <notebook>.html


@dataclass
class FeedbackWritten:
    pages: list[Path]
    missing_nbgrader: int      # pages whose nbgrader page is not there yet (nbgrader generate_feedback)
    seconds: float


def page_path(course: Course, submission: Submission) -> Path:
    return course.feedback / submission.student / submission.assignment / f"{submission.notebook}{SUFFIX}"


def _hints(language: str) -> dict[tuple[str, str], str]:
    from ..registry import load
    return {(exercise_id, m.id): (m.ja if language == "ja" else m.en)
            for exercise_id, entry in load().items() for m in entry.mistakes}


def _points(score: float, top: float) -> str:
    return f"{round(score, 2):g} / {top:g}"


def _exercise_status(rows: list[Row]) -> str:
    statuses = {row.status for row in rows}
    if statuses == {"passed"}:
        return "passed"
    if statuses <= {"blank"}:
        return "blank"
    for status in ("timed out", "crashed"):
        if status in statuses:
            return status
    score = sum(row.score for row in rows)
    return "partial" if score > 0 else "failed"


def _check(row: Row, words: dict, status_words: dict, language: str) -> str:
    """One test cell: its status, cases and, when it failed, what failed (safely, for a hidden one)."""
    label = words["hidden"] if row.suite == "hidden" else words["visible"]
    parts = [(f"<b>{escape(label)}</b> {status_badge(row.status, status_words).text} "
              f"{escape(_points(row.score, row.max_score))}")]
    if row.cases:
        parts.append(f" · {escape(words['cases'].format(passed=row.cases_passed or 0, total=row.cases))}")
    body = []
    if row.status == "blank":
        body.append(f"<p>{escape(words['blank_hint'])}</p>")
    elif row.status != "passed" and row.suite == "hidden":
        failure = classify_hidden(row.status, row.message, row.exercise, language)
        line = words["hidden_failed"].format(what=failure.describe(language))
        if failure.case == "fixed" and failure.case_label:
            line += " — " + words["hidden_fixed"].format(case=failure.case_label)
        elif failure.case == "random":
            line += " — " + words["hidden_random"]
        body.append(f"<p>{escape(line)}</p>")
    elif row.status in ("crashed", "timed out"):
        failure = classify_hidden(row.status, row.message, row.exercise, language)  # the same fixed words
        body.append(f"<p>{escape(words['hidden_failed'].format(what=failure.describe(language)))}</p>")
    elif row.status not in ("passed", "unknown"):
        details = visible_details(row.message)
        if details.case:
            body.append(f"<p>{escape(words['failing_case'].format(case=details.case))}</p>")
        if details.details:
            body.append(f"<pre>{escape(chr(10).join(details.details))}</pre>")
    return f'<div class="check">{"".join(parts)}{"".join(body)}</div>'


def render(submission: Submission, hints: dict, language: str) -> str:
    words = FEEDBACK[language]
    status_words = STATUS_WORDS[language]
    title = words["title"].format(assignment=submission.assignment, student=submission.student)
    share = 100 * submission.score / submission.max_score if submission.max_score else 0.0
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p><b>{escape(words['total'].format(score=round(submission.score, 2), max=submission.max_score, share=share))}</b></p>",
             (f'<p>{escape(words["nbgrader_link"])} <a href="{escape(submission.notebook)}.html">'
              f"{escape(submission.notebook)}.html</a></p>")]
    if submission.status == "failed":
        parts.append(f'<p class="hint">{escape(words["stopped"])}</p>')
    if submission.restored:
        parts.append(f'<p class="hint">{escape(words["restored"])}</p>')
    if any(row.suite == "hidden" for row in submission.rows):
        parts.append(f'<p class="note">{escape(words["hidden_note"])}</p>')
    for key, group in groupby(submission.rows, key=lambda r: r.exercise or f"\0{r.cell}"):
        rows = list(group)
        score, top = sum(r.score for r in rows), sum(r.max_score for r in rows)
        if rows[0].exercise is None:  # a written answer (or a test cell that grades nothing)
            row = rows[0]
            what = words["written"] if row.kind != "test" else row.cell
            state = words["written_waiting"] if row.status == "manual" else (
                words["written_graded"] if row.kind != "test" else "")
            parts.append(f'<section class="exercise"><h3>{escape(what)} <code>{escape(row.cell)}</code> '
                         f"{status_badge(row.status, status_words).text} {escape(_points(score, top))}</h3>"
                         f"<p>{escape(state)}</p></section>")
            continue
        checks = "".join(_check(row, words, status_words, language) for row in rows)
        named = list(dict.fromkeys(row.mistake for row in rows if row.mistake))
        hint = "".join(f'<p class="hint">{escape(words["mistake"].format(id=m, hint=hints.get((key, m), "")))}</p>'
                       for m in named)
        parts.append(f'<section class="exercise"><h3><code>{escape(key)}</code> '
                     f"{status_badge(_exercise_status(rows), status_words).text} {escape(_points(score, top))}</h3>"
                     f"{hint}{checks}</section>")
    return page(title, "\n".join(parts), language)


def write_feedback(course: Course, assignments: list[str], language: str,
                   data: ClassData | None = None) -> FeedbackWritten:
    """Write every submission's page of ``assignments``; ``data`` if the class is read already."""
    start = time.monotonic()
    data = data or collect(course, assignments)
    hints = _hints(language)
    written, missing = [], 0
    for submission in data.submissions:
        path = page_path(course, submission)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(submission, hints, language), encoding="utf-8")
        written.append(path)
        missing += not (path.parent / f"{submission.notebook}.html").is_file()
    return FeedbackWritten(written, missing, time.monotonic() - start)

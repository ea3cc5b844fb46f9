"""``dlgrade report``: where the class stands, in grades.csv, mistakes.csv, figures and report.html."""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from pathlib import Path

from . import figures as drawing
from .collect import ClassData, Course, Row, collect, exercise_scores, median, mistake_counts
from .html import Markup, escape, image, page, status_badge, table
from .text import REPORT, STATUS_WORDS

GRADES_COLUMNS = ("row", "student", "assignment", "notebook", "cell", "exercise", "suite", "status", "score",
                  "max_score", "mistake", "cases_passed", "cases")
MISTAKES_COLUMNS = ("assignment", "exercise", "mistake", "count", "share", "message")
WRITTEN_SHOWN = 60          # written answers listed in the page; all of them are in grades.csv
MISTAKES_DRAWN = 30         # the most frequent mistakes in the figure; the table lists every one
FULL = 1e-9                 # a score within this of the maximum is full marks


@dataclass
class ReportWritten:
    folder: Path
    html: Path
    submissions: int
    rows: int
    seconds: float


def grades_csv(data: ClassData) -> str:
    """One row per student per graded cell ("cell"), then one per submission ("total")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GRADES_COLUMNS)
    for submission in data.submissions:
        for row in submission.rows:
            writer.writerow(["cell", row.student, row.assignment, row.notebook, row.cell, row.exercise or "",
                             row.suite or "", row.status, _number(row.score), _number(row.max_score),
                             row.mistake or "", "" if row.cases_passed is None else row.cases_passed,
                             "" if row.cases is None else row.cases])
    for submission in data.submissions:
        writer.writerow(["total", submission.student, submission.assignment, submission.notebook, "", "", "",
                         submission.status, _number(submission.score), _number(submission.max_score), "", "", ""])
    return buffer.getvalue()


def _number(value: float) -> str:
    return repr(round(float(value), 10))


def _hints(language: str) -> dict[tuple[str, str], str]:
    from ..registry import load
    return {(exercise_id, m.id): (m.ja if language == "ja" else m.en)
            for exercise_id, entry in load().items() for m in entry.mistakes}


def mistake_table(data: ClassData, language: str) -> list[tuple[str, str, str, int, float, str]]:
    """(assignment, exercise, mistake, count, share of the assignment's submissions, hint), most frequent first."""
    hints = _hints(language)
    per_assignment = _submission_counts(data)
    found = [(assignment, exercise, mistake, len(students), len(students) / per_assignment[assignment],
              hints.get((exercise, mistake), ""))
             for (assignment, exercise, mistake), students in mistake_counts(data).items()]
    order = {name: index for index, name in enumerate(data.assignments)}
    return sorted(found, key=lambda m: (-m[3], order[m[0]], m[1], m[2]))


def _submission_counts(data: ClassData) -> dict[str, int]:
    counts = dict.fromkeys(data.assignments, 0)
    for submission in data.submissions:
        counts[submission.assignment] += 1
    return counts


@dataclass
class ExerciseStats:
    assignment: str
    exercise: str
    label: str
    submissions: int
    passed: int
    mean_share: float
    bins: tuple[float, float, float, float]   # shares of submissions with 0, < half, >= half, all points

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else 0.0


def exercise_stats(data: ClassData) -> list[ExerciseStats]:
    """Per exercise of each assignment, in the notebooks' order."""
    scores = exercise_scores(data)
    first_seen: dict[tuple[str, str], tuple[int, int]] = {}
    order = {name: index for index, name in enumerate(data.assignments)}
    for row in data.rows:
        if row.kind == "test" and row.exercise:
            key = (row.assignment, row.exercise)
            first_seen[key] = min(first_seen.get(key, (10**9, 10**9)), (order[row.assignment], row.order))
    repeated = {exercise for (_, exercise) in scores if sum(e == exercise for _, e in scores) > 1}
    stats = []
    for (assignment, exercise), per_student in sorted(scores.items(), key=lambda item: first_seen[item[0]]):
        shares = [score / top if top else 0.0 for _, score, top in per_student]
        count = len(shares)
        full = sum(1 for _, score, top in per_student if score >= top - FULL)
        zero = sum(1 for share in shares if share <= 0)
        low = sum(1 for share in shares if 0 < share < 0.5)
        high = count - full - zero - low
        label = f"{exercise} ({assignment})" if exercise in repeated else exercise
        stats.append(ExerciseStats(assignment, exercise, label, count, full, sum(shares) / count if count else 0.0,
                                   (zero / count, low / count, high / count, full / count) if count else (0, 0, 0, 0)))
    return stats


def faults(data: ClassData, language: str) -> list[tuple[str, str, str]]:
    """(student, assignment, what happened) for each submission that timed out, crashed or was altered."""
    words = REPORT[language]
    status_words = STATUS_WORDS[language]
    found = []
    for submission in data.submissions:
        parts = []
        if submission.status == "failed":
            parts.append(words["fault_failed"].format(reason=submission.reason or "?"))
        for status in ("timed out", "crashed"):
            cells = [row.cell for row in submission.rows if row.status == status]
            if cells:
                shown = ", ".join(cells[:4]) + (" …" if len(cells) > 4 else "")
                parts.append(words["fault_cells"].format(count=len(cells), status=status_words[status], cells=shown))
        if submission.restored:
            shown = ", ".join(submission.restored[:4]) + (" …" if len(submission.restored) > 4 else "")
            parts.append(words["fault_restored"].format(count=len(submission.restored), cells=shown))
        if parts:
            found.append((submission.student, submission.assignment, "; ".join(parts)))
    return found


def waiting(data: ClassData) -> list[Row]:
    return [row for row in data.rows if row.status == "manual"]


def run_lines(data: ClassData, language: str) -> list[str]:
    words = REPORT[language]
    lines = []
    for run in data.runs[-5:]:
        seconds = float(run.get("seconds") or 0.0)
        graded = int(run.get("graded") or 0)
        mode = words["mode_bubblewrap"] if run.get("mode") == "bubblewrap" else words["mode_weak"]
        lines.append(words["run_line"].format(
            finished=run.get("finished", "?"), graded=graded, seconds=seconds,
            rate=graded / seconds if seconds else 0.0, per=seconds / graded if graded else 0.0,
            skipped=run.get("skipped", 0), failed=run.get("failed", 0), mode=mode))
    if not lines:
        lines.append(words["run_none"])
    timed = [s for s in data.submissions if s.seconds is not None]
    if data.results_span:
        lines.append(words["run_span"].format(span=data.results_span, count=len(timed),
                                              rate=len(timed) / data.results_span))
    if timed:
        slowest = max(timed, key=lambda s: s.seconds)
        lines.append(words["run_work"].format(median=median([s.seconds for s in timed]), slowest=slowest.seconds,
                                              who=f"{slowest.student}/{slowest.assignment}",
                                              total=sum(s.seconds for s in timed)))
    untimed = len(data.submissions) - len(timed)
    if untimed:
        lines.append(words["run_nbgrader"].format(count=untimed))
    return lines


def build_figures(data: ClassData, stats: list[ExerciseStats], mistakes, language: str) -> list[drawing.Figure]:
    words = REPORT[language]
    per_assignment: dict[str, list[float]] = {name: [] for name in data.assignments}
    for submission in data.submissions:
        if submission.max_score:
            per_assignment[submission.assignment].append(submission.score / submission.max_score)
    made = [drawing.score_histograms({k: v for k, v in per_assignment.items() if v} or per_assignment, language)]
    if stats:
        made.append(drawing.exercise_distribution([s.label for s in stats], [s.bins for s in stats], language))
        lowest = sorted(stats, key=lambda s: (s.pass_rate, s.mean_share))
        made.append(drawing.horizontal_bars("pass_rates.png", words["fig_pass_title"], [s.label for s in lowest],
                                            [s.pass_rate for s in lowest], words["fig_pass_rate"], percent=True))
    if mistakes:
        drawn = mistakes[:MISTAKES_DRAWN]
        title = words["fig_mistakes_title"] + (words["fig_mistakes_top"].format(count=len(drawn))
                                               if len(mistakes) > len(drawn) else "")
        made.append(drawing.horizontal_bars("mistakes.png", title,
                                            [f"{exercise} · {mistake}" for _, exercise, mistake, *_ in drawn],
                                            [count for *_, count, _, _ in drawn], words["fig_mistakes_x"],
                                            percent=False))
    return made


def render(data: ClassData, stats, mistakes, made: list[drawing.Figure], language: str) -> str:
    words = REPORT[language]
    status_words = STATUS_WORDS[language]
    by_name = {figure.name: figure for figure in made}
    students = {s.student for s in data.submissions}
    parts = [f"<h1>{escape(words['title'].format(assignments=', '.join(data.assignments)))}</h1>",
             f'<p class="note">{escape(words["generated"].format(when=time.strftime("%Y-%m-%d %H:%M"), rows=len(data.rows), submissions=len(data.submissions), students=len(students), read=data.read_seconds))}</p>',
             f"<h2>{escape(words['overview'])}</h2>"]
    overview = []
    for name in data.assignments:
        mine = [s for s in data.submissions if s.assignment == name]
        shares = [100 * s.score / s.max_score for s in mine if s.max_score]
        top = max((s.max_score for s in mine), default=0.0)
        overview.append([name, len(mine), f"{top:g}"] + ([f"{sum(shares) / len(shares):.1f} %", f"{median(shares):.1f} %",
                                                          f"{min(shares):.1f} %", f"{max(shares):.1f} %"]
                                                         if shares else ["–"] * 4))
    parts.append(table([words["assignment"], words["submissions"], words["max_points"], words["mean"],
                        words["median"], words["min"], words["max"]], overview, {1, 2, 3, 4, 5, 6}, "overview"))
    parts.append(f"<h3>{escape(words['scores_assignment'])}</h3>"
                 f'<p class="note">{escape(words["scores_assignment_note"])}</p>')
    parts.append(image(by_name["scores_by_assignment.png"].png, words["scores_assignment"]))
    if stats:
        parts.append(f"<h2>{escape(words['scores_exercise'])}</h2>"
                     f'<p class="note">{escape(words["scores_exercise_note"])}</p>')
        parts.append(image(by_name["scores_by_exercise.png"].png, words["scores_exercise"]))
        parts.append(f"<h2>{escape(words['pass_rates'])}</h2><p class=\"note\">{escape(words['pass_rates_note'])}</p>")
        parts.append(image(by_name["pass_rates.png"].png, words["pass_rates"]))
        lowest = sorted(stats, key=lambda s: (s.pass_rate, s.mean_share))
        parts.append(table([words["exercise"], words["assignment"], words["submissions"], words["pass_rate"],
                            words["mean_score"]],
                           [[s.exercise, s.assignment, s.submissions, f"{100 * s.pass_rate:.0f} %",
                             f"{100 * s.mean_share:.0f} %"] for s in lowest], {2, 3, 4}, "pass-rates"))
    parts.append(f"<h2>{escape(words['mistakes'])}</h2><p class=\"note\">{escape(words['mistakes_note'])}</p>")
    if mistakes:
        parts.append(image(by_name["mistakes.png"].png, words["mistakes"]))
        parts.append(table([words["assignment"], words["exercise"], words["mistake"], words["count"], words["share"],
                            words["message"]],
                           [[assignment, exercise, Markup(f'<span class="id">{escape(mistake)}</span>'), count,
                             f"{100 * share:.0f} %", hint]
                            for assignment, exercise, mistake, count, share, hint in mistakes], {3, 4}, "mistakes"))
    else:
        parts.append(f"<p>{escape(words['no_mistakes'])}</p>")
    parts.append(f"<h2>{escape(words['faults'])}</h2><p class=\"note\">{escape(words['faults_note'])}</p>")
    found = faults(data, language)
    parts.append(table([words["student"], words["assignment"], words["what"]], [list(f) for f in found],
                       table_id="faults") if found else f"<p>{escape(words['no_faults'])}</p>")
    parts.append(f"<h2>{escape(words['written'])}</h2><p class=\"note\">{escape(words['written_note'])}</p>")
    pending = waiting(data)
    if pending:
        parts.append(table([words["student"], words["assignment"], words["cell"], words["max_points"], ""],
                           [[row.student, row.assignment, row.cell, f"{row.max_score:g}",
                             status_badge(row.status, status_words)] for row in pending[:WRITTEN_SHOWN]],
                           {3}, "written"))
        if len(pending) > WRITTEN_SHOWN:
            parts.append(f"<p>{escape(words['written_more'].format(count=len(pending) - WRITTEN_SHOWN))}</p>")
    else:
        parts.append(f"<p>{escape(words['no_written'])}</p>")
    parts.append(f"<h2>{escape(words['run'])}</h2>")
    parts += [f"<p>{escape(line)}</p>" for line in run_lines(data, language)]
    parts.append(f'<p class="note">{escape(words["files"])}</p>')
    title = words["title"].format(assignments=", ".join(data.assignments))
    return page(title, "\n".join(str(p.text if isinstance(p, Markup) else p) for p in parts), language)


def write_report(course: Course, assignments: list[str], out: Path, language: str) -> ReportWritten:
    """Read the class, then write grades.csv, mistakes.csv, the figures and report.html into ``out``."""
    start = time.monotonic()
    data = collect(course, assignments)
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.csv").write_text(grades_csv(data), encoding="utf-8")
    mistakes = mistake_table(data, language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MISTAKES_COLUMNS)
    writer.writerows([a, e, m, c, f"{s:.4f}", h] for a, e, m, c, s, h in mistakes)
    (out / "mistakes.csv").write_text(buffer.getvalue(), encoding="utf-8")
    stats = exercise_stats(data)
    made = build_figures(data, stats, mistakes, language)
    drawing.save(made, out)
    target = out / "report.html"
    target.write_text(render(data, stats, mistakes, made, language), encoding="utf-8")
    return ReportWritten(out, target, len(data.submissions), len(data.rows), time.monotonic() - start)

"""The graded demo class the report tests read: built and graded once per test session.

The demo class (28 students × 10 assignments, demo_class.json says who made which mistake) plus one
more student, :data:`LEAKER`, whose day1_forward answers try to carry the hidden inputs into the
report's words: on the hidden suite's random inputs every function raises an exception whose message
is its input, or warns with it, or returns it as a string.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np

from autograder import demo
from autograder import release as releasing

from grading import course_copy, grade, submit
from notebooks import assignment_names

LEAKER = "leaker"
LEAKED_IN = "day1_forward"
NBGRADER_FEEDBACK = ("carol", LEAKER)    # whose day1_forward nbgrader's generate_feedback writes

# Each answer is the solution, renamed, behind a function of the answer's name that answers right on
# the public cases (numbers in thousandths) and, on any other input (the hidden suite's random cases),
# tries to carry that input out in its report: it raises an exception whose message prints the input
# every way it can (the repr of each float first, on one line, then NumPy's print, the lists, str of the
# arrays), or warns with it and answers right, or returns it as text.
LEAKING_WRAPPER = """


def _leaked_floats(value):
    if isinstance(value, dict):
        return [a for item in value.values() for a in _leaked_floats(item)]
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in _leaked_floats(item)]
    array = np.asarray(value)
    return [array] if array.dtype.kind == "f" else []


def _leaked_text(args):
    arrays = _leaked_floats(list(args))
    return (" ".join(repr(float(v)) for a in arrays for v in a.ravel()) + " "
            + " ".join(np.array2string(a.ravel(), precision=8, max_line_width=10**6) for a in arrays) + " "
            + " ".join(repr(a.tolist()) + " " + str(a) for a in arrays))


def {name}(*args, **kwargs):
    if all(np.allclose(a * 1000, np.round(a * 1000), rtol=0, atol=1e-6) for a in _leaked_floats(list(args))):
        return _solved_{name}(*args, **kwargs)
    how = {how!r}
    if how == "raise":
        raise ValueError(_leaked_text(args))
    if how == "warn":
        import warnings
        warnings.warn(_leaked_text(args), RuntimeWarning)
        return _solved_{name}(*args, **kwargs)
    return _leaked_text(args)
"""
LEAKS = ("raise", "warn", "text")


def leaker_submission(course: Path):
    """The released day1_forward with every answer cell replaced by a leaking one (:data:`LEAKING_WRAPPER`)."""
    notebook = nbformat.read(course / "assignments" / LEAKED_IN / f"{LEAKED_IN}.ipynb", as_version=4)
    solution = nbformat.read(course / "solutions" / LEAKED_IN / f"{LEAKED_IN}.ipynb", as_version=4)
    solved = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    for position, (index, _, name) in enumerate(demo._answers(notebook)):
        cell = notebook.cells[index]
        source = demo._strip_markers(solved[cell.metadata["nbgrader"]["grade_id"]])
        assert f"def {name}(" in source, name
        cell.source = (source.replace(f"def {name}(", f"def _solved_{name}(")
                       + LEAKING_WRAPPER.format(name=name, how=LEAKS[position % len(LEAKS)]))
    return notebook


def build(released_template, target: Path) -> dict:
    """Release, build, grade (dlgrade grade), export (nbgrader) and report the demo class in ``target``."""
    from autograder.report import write_feedback, write_report
    from autograder.report.collect import record_run

    names = assignment_names()
    timings = {}
    start = time.monotonic()
    course = course_copy(released_template(*names), target)
    timings["release"] = time.monotonic() - start
    start = time.monotonic()
    manifest = demo.build_class(course, names)
    submit(course, LEAKER, LEAKED_IN, leaker_submission(course))
    timings["build"] = time.monotonic() - start
    start = time.monotonic()
    summary = grade(course, names)
    record_run(course, summary, names)
    timings["grade"] = time.monotonic() - start
    start = time.monotonic()
    exported = releasing.nbgrader(course, "export")
    assert exported.returncode == 0, exported.stderr[-2000:]
    timings["export"] = time.monotonic() - start
    start = time.monotonic()
    for student in NBGRADER_FEEDBACK:  # nbgrader's own pages first: it skips a feedback folder that exists
        made = releasing.nbgrader(course, "generate_feedback", LEAKED_IN, "--student", student)
        assert made.returncode == 0, made.stderr[-2000:]
    timings["nbgrader generate_feedback"] = time.monotonic() - start
    reports, feedback = {}, {}
    for language in ("en", "ja"):
        start = time.monotonic()
        reports[language] = write_report(names, course=course, out=course / f"report-{language}", language=language)
        timings[f"report {language}"] = time.monotonic() - start
        start = time.monotonic()
        feedback[language] = write_feedback(names, course=course, language=language)
        timings[f"feedback {language}"] = time.monotonic() - start
        snapshot = course / f"feedback-{language}"  # the pages of each language, kept apart
        for page in feedback[language].pages:
            copy = snapshot / page.relative_to(course / "feedback")
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(page, copy)
    print("report tests' class:", ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return {"course": course, "names": names, "manifest": manifest, "summary": summary, "reports": reports,
            "feedback": feedback}


def feedback_pages(course: Path, language: str) -> list[Path]:
    return sorted((course / f"feedback-{language}").glob("*/*/*.dlgrade.html"))


def page_text(path: Path) -> str:
    """A page's text as a reader sees it: tags dropped, entities decoded."""
    import html
    raw = path.read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def table_rows(path: Path, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table ``table_id`` in an HTML page."""
    import html
    raw = path.read_text(encoding="utf-8")
    found = re.search(rf'<table id="{re.escape(table_id)}">(.*?)</table>', raw, re.DOTALL)
    assert found, f"no table {table_id!r} in {path}"
    body = found.group(1).split("<tbody>", 1)[1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def results_of(course: Path, student: str, name: str) -> dict:
    return json.loads((course / "results" / student / f"{name}.json").read_text(encoding="utf-8"))


NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:e[+-]?\d+)?")


def number_tokens(text: str) -> set[str]:
    """Every number written in ``text``, as written."""
    return set(NUMBER.findall(text))


def number_strings(values) -> set[str]:
    """The ways NumPy and str print each float of ``values`` (arrays, nested lists, dicts), kept where
    they have at least six significant digits: such a number is not on a page by chance."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, (np.ndarray, np.floating, float)) and np.asarray(value).dtype.kind == "f":
            for v in np.asarray(value, dtype=np.float64).ravel():
                if not np.isfinite(v) or float(v).is_integer():
                    continue
                for text in (repr(float(v)), str(np.float64(v)), f"{v:.8g}", f"{v:.7g}", f"{v:.6g}",
                             np.array2string(np.array([v]), precision=8)[1:-1].strip(),
                             np.array2string(np.array([v]), precision=6)[1:-1].strip()):
                    if len(re.sub(r"^0*", "", re.sub(r"e.*$|[-.]", "", text))) >= 6:
                        found.add(text)

    walk(values)
    return found

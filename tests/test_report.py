"""dlgrade report and dlgrade feedback on the graded demo class (tests/report_class.py).

The expected numbers come from elsewhere than the report: the gradebook read with SQL
(``autograder.grading.writer.grade_rows``), nbgrader's own ``nbgrader export``, the demo's manifest
(who was built to make which mistake), and the hidden suites regenerated from the course secret.
"""
import csv
import json
import re
import shutil
import sqlite3
from collections import Counter

import nbformat
import pytest

from autograder import demo
from autograder.grading.writer import grade_rows
from autograder.registry import load, prepare
from autograder.report.collect import Course, collect

from report_class import (LEAKED_IN, LEAKER, feedback_pages, number_strings, number_tokens, page_text, results_of,
                          table_rows)

LANGUAGES = ("en", "ja")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# the counts -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_grades_csv_has_a_row_per_gradebook_grade_with_its_score(report_class, language):
    """Every grade row of the gradebook is one "cell" row of grades.csv, with the gradebook's score
    (the manual score where a person gave one, else the auto score, else 0)."""
    course = report_class["course"]
    expected = {(student, assignment, notebook, cell): (manual if manual is not None else auto) or 0.0
                for student, assignment, notebook, cell, auto, manual, _ in grade_rows(course / "gradebook.db")}
    rows = [r for r in read_csv(report_class["reports"][language].folder / "grades.csv") if r["row"] == "cell"]
    got = {(r["student"], r["assignment"], r["notebook"], r["cell"]): float(r["score"]) for r in rows}
    assert len(rows) == len(got) == len(expected), "one row per student per graded cell"
    assert got.keys() == expected.keys()
    wrong = [(key, got[key], expected[key]) for key in got if abs(got[key] - expected[key]) > 1e-9]
    assert not wrong, wrong[:5]


def test_grades_csv_totals_equal_nbgrader_export(report_class):
    """The "total" rows: one per submission, each equal to nbgrader export's raw score and max score."""
    course = report_class["course"]
    exported = {(r["student_id"], r["assignment"]): (float(r["raw_score"]), float(r["max_score"]))
                for r in read_csv(course / "grades.csv")}
    totals = {(r["student"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
              for r in read_csv(report_class["reports"]["en"].folder / "grades.csv") if r["row"] == "total"}
    assert len(totals) == 28 * 10 + 1
    # nbgrader exports every student for every assignment: the leaking student's nine others score 0
    assert set(exported) - set(totals) == {(LEAKER, n) for n in report_class["names"] if n != LEAKED_IN}
    assert all(exported[key][0] == 0 for key in set(exported) - set(totals))
    assert set(totals) <= set(exported)
    wrong = {key: (totals[key], exported[key]) for key in totals
             if abs(totals[key][0] - exported[key][0]) > 1e-6 or totals[key][1] != exported[key][1]}
    assert not wrong, list(wrong.items())[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_counts_each_assignment_s_submissions_and_points_as_the_gradebook_does(report_class, language):
    course = report_class["course"]
    with sqlite3.connect(course / "gradebook.db") as db:
        counts = dict(db.execute("SELECT assignment.name, COUNT(*) FROM submitted_assignment "
                                 "JOIN assignment ON submitted_assignment.assignment_id = assignment.id "
                                 "GROUP BY assignment.name"))
        points = dict(db.execute("SELECT assignment.name, SUM(grade_cells.max_score) FROM grade_cells "
                                 "JOIN base_cell ON grade_cells.id = base_cell.id "
                                 "JOIN notebook ON base_cell.notebook_id = notebook.id "
                                 "JOIN assignment ON notebook.assignment_id = assignment.id GROUP BY assignment.name"))
    rows = table_rows(report_class["reports"][language].html, "overview")
    assert {r[0]: (int(r[1]), float(r[2])) for r in rows} == {n: (counts[n], points[n]) for n in counts}


def planted(report_class) -> Counter:
    """(assignment, exercise, mistake) -> how many submissions the demo built to make it (its manifest).

    A correct answer that calls a mistaken one makes that mistake too where its exercise knows it
    (carol's correct two_layer_forward calls her affine_forward, which forgets the bias): it counts
    for a submission whose earlier answer makes the mistake and whose solution calls that answer.
    """
    course, manifest = report_class["course"], report_class["manifest"]
    registry = load()
    made = Counter()
    for name in report_class["names"]:
        released = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
        solution = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
        answers = demo._answers(released)
        exercise_ids = [exercise for _, exercise, _ in answers]
        sources = {exercise: solution.cells[index].source for index, exercise, _ in answers}
        for student, roles in manifest.items():
            if name not in roles:
                continue
            choices = demo.answer_choices(roles[name], exercise_ids, demo._seed(student, name))
            wrong = {}                                  # function name -> the mistake its answer makes
            for (_, exercise, function), choice in zip(answers, choices):
                if isinstance(choice, tuple):
                    made[(name, exercise, choice[1])] += 1
                    wrong[function] = choice[1]
                elif choice == "correct":
                    known = {m.id for m in registry[exercise].mistakes}
                    inherited = {m for f, m in wrong.items()
                                 if m in known and re.search(rf"\b{f}\(", sources[exercise])}
                    for mistake in inherited:
                        made[(name, exercise, mistake)] += 1
    return made


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_known_mistake_the_class_makes_is_in_the_report_with_its_count(report_class, language):
    """The mistakes table lists exactly the mistakes demo_class.json's roles make, each with the
    number of submissions making it, its share of the class and the registry's hint in the language."""
    expected = planted(report_class)
    assert len(expected) > 100 and sum(expected.values()) > 400
    rows = table_rows(report_class["reports"][language].html, "mistakes")
    got = Counter({(r[0], r[1], r[2]): int(r[3]) for r in rows})
    assert len(got) == len(rows), "each mistake once"
    missing = {key: n for key, n in expected.items() if got.get(key) != n}
    assert not missing, f"{len(missing)} wrong or missing, e.g. " + ", ".join(
        f"{k}: report {got.get(k)}, made {n}" for k, n in list(missing.items())[:5])
    assert set(got) == set(expected), f"named but never made: {sorted(set(got) - set(expected))[:5]}"
    registry = load()
    for assignment, exercise, mistake, count, share, hint in rows:
        known = next(m for m in registry[exercise].mistakes if m.id == mistake)
        assert hint == (known.ja if language == "ja" else known.en)
        class_size = 29 if assignment == LEAKED_IN else 28  # the leaking student handed in day1_forward only
        assert share == f"{100 * int(count) / class_size:.0f} %"
    mistakes_csv = read_csv(report_class["reports"][language].folder / "mistakes.csv")
    assert Counter({(r["assignment"], r["exercise"], r["mistake"]): int(r["count"]) for r in mistakes_csv}) == got


def test_the_report_lists_the_faulty_submissions_and_the_written_answers_waiting(report_class):
    course = report_class["course"]
    faults = {(r[0], r[1]): r[2] for r in table_rows(report_class["reports"]["en"].html, "faults")}
    # the two that stop or alter the notebook; an edited test cell (xavier) is replaced by the
    # instructor's without the grader saying so, and its blank answers score 0 as any blank's
    for student, (role, name) in demo.HOSTILE.items():
        if role in ("hostile-os-exit", "hostile-hidden-tests-deleted"):
            assert (student, name) in faults, f"{student} {role} not listed"
    assert len(faults) == 2, faults
    assert "grading stopped" in faults[("amir", "day2_optimizers")]
    assert "restored" in faults[("yuki", "day2_cnn")]
    with sqlite3.connect(course / "gradebook.db") as db:
        waiting = {(s, c) for s, c in db.execute(
            "SELECT student.id, base_cell.name FROM grade JOIN base_cell ON grade.cell_id = base_cell.id "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id WHERE grade.needs_manual_grade")}
    shown = {(r[0], r[2]) for r in table_rows(report_class["reports"]["en"].html, "written")}
    assert waiting and shown == waiting
    statuses = {(r["student"], r["cell"]) for r in read_csv(report_class["reports"]["en"].folder / "grades.csv")
                if r["status"] == "manual"}
    assert statuses == waiting


def test_the_report_gives_the_grading_run_s_duration_and_throughput(report_class):
    summary = report_class["summary"]
    text = page_text(report_class["reports"]["en"].html)
    found = re.search(r"(\d+) submissions graded in ([\d.]+) s \(([\d.]+) per second", text)
    assert found, text[-2000:]
    graded, seconds, rate = int(found.group(1)), float(found.group(2)), float(found.group(3))
    assert graded == summary.graded == 28 * 10 + 1
    assert seconds == pytest.approx(summary.seconds, abs=0.051)
    assert rate == pytest.approx(summary.graded / summary.seconds, abs=0.051)


def test_the_figures_are_written_beside_the_report_and_embedded_in_it(report_class):
    from PIL import Image

    report = report_class["reports"]["en"]
    pngs = sorted(p.name for p in report.folder.glob("*.png"))
    assert pngs == ["mistakes.png", "pass_rates.png", "scores_by_assignment.png", "scores_by_exercise.png"]
    raw = report.html.read_text(encoding="utf-8")
    assert raw.count('<img src="data:image/png;base64,') == 4
    for name in pngs:
        with Image.open(report.folder / name) as image:
            assert image.size[0] > 500 and image.size[1] > 300


def test_the_pass_rates_are_sorted_lowest_first(report_class):
    rows = table_rows(report_class["reports"]["en"].html, "pass-rates")
    rates = [int(r[3].rstrip(" %")) for r in rows]
    assert rates == sorted(rates) and len(rows) == len({(r[0], r[1]) for r in rows}) > 80


# after plain nbgrader autograde: no JSON results ----------------------------------------------------

def test_without_json_results_statuses_and_mistakes_come_from_the_autograded_notebooks(report_class, tmp_path):
    """With results/ removed (as after nbgrader autograde), the scores are still the gradebook's and
    each test cell's status and mistake are read from its autograded outputs: the same as the JSON's."""
    course = report_class["course"]
    copy = tmp_path / "course"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("submitted", "feedback*", "report-*"))
    with_json = collect(Course.open(copy), report_class["names"])
    shutil.rmtree(copy / "results")
    without = collect(Course.open(copy), report_class["names"])
    assert [(r.student, r.cell, r.score) for r in without.rows] == [(r.student, r.cell, r.score) for r in with_json.rows]
    assert {s.status for s in without.submissions} == {"nbgrader"}
    differ = [(a.student, a.cell, a.status, a.mistake, b.status, b.mistake) for a, b in zip(with_json.rows, without.rows)
              if a.kind == "test" and (a.status, a.mistake) != (b.status, b.mistake)]
    assert not differ, differ[:5]
    assert sum(r.mistake is not None for r in without.rows) > 400


def test_an_autograded_cell_that_says_nothing_is_unknown(report_class, tmp_path):
    course = report_class["course"]
    copy = tmp_path / "course"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("submitted", "feedback*", "report-*", "results"))
    path = copy / "autograded" / "alice" / "day1_loss" / "day1_loss.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
    path.write_text(json.dumps(notebook), encoding="utf-8")
    rows = [r for r in collect(Course.open(copy), ["day1_loss"]).rows if r.student == "alice" and r.kind == "test"]
    assert rows and {r.status for r in rows} == {"unknown"}


# the feedback pages --------------------------------------------------------------------------------

def hidden_secrets(report_class) -> tuple[set[str], set[str]]:
    """(the numbers of the hidden suites' random cases, inputs and expected outputs, as str and NumPy
    print them; the lines of the hidden test cells), regenerated here from the registry and the secret.

    The fixed cases are left out: they are public (the visible suite runs them too).
    """
    registry = load()
    exercises = set()
    for path in (report_class["course"] / "results").glob("*/*.json"):
        exercises |= {c["exercise"] for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["exercise"]}
    numbers = set()
    for exercise in exercises:
        entry = registry[exercise]
        fresh = entry.suite_cases("hidden")[len(entry.cases):]      # drawn again from the secret
        expected = prepare(exercise, "hidden").cases[len(entry.cases):]
        numbers |= number_strings([case.inputs for case in fresh]) | number_strings([c.expected for c in expected])
    with sqlite3.connect(report_class["course"] / "gradebook.db") as db:
        sources = [s for (s,) in db.execute("SELECT source FROM source_cell WHERE source LIKE '%BEGIN HIDDEN TESTS%'")]
    lines = {line.strip() for source in sources for line in source.splitlines() if line.strip()}
    return numbers, lines


@pytest.fixture(scope="module")
def secrets(report_class):
    return hidden_secrets(report_class)


def test_the_hidden_numbers_searched_for_do_reach_the_grader_s_results(report_class, secrets):
    """The search below can fail: the leaking student's hidden reports (the JSON results, which only
    the instructor reads) do carry hidden inputs, in its exception messages and warnings."""
    numbers, lines = secrets
    assert len(numbers) > 1000 and any("suite=\"hidden\"" in line for line in lines)
    messages = " ".join(c["message"] for c in results_of(report_class["course"], LEAKER, LEAKED_IN)["cells"]
                        if c["suite"] == "hidden")
    assert len(number_tokens(messages) & numbers) > 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_hidden_input_expected_value_or_test_code_is_in_any_feedback_page(report_class, secrets, language):
    numbers, lines = secrets
    pages = feedback_pages(report_class["course"], language)
    assert len(pages) == 28 * 10 + 1
    found = []
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        text = page_text(page)
        found += [(page.parent.parent.name, page.name, n) for n in sorted(number_tokens(raw) & numbers)]
        found += [(page.parent.parent.name, page.name, line) for line in lines if line in text or line in raw]
        assert "BEGIN HIDDEN" not in raw and 'suite="hidden"' not in text
    assert not found, found[:10]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hidden_failure_names_only_the_property_that_failed(report_class, language):
    """The leaking student's hidden checks raised (with the inputs in the message) or warned: the page
    says "raised an exception" / the property, never the exception's words."""
    page = report_class["course"] / f"feedback-{language}" / LEAKER / LEAKED_IN / f"{LEAKED_IN}.dlgrade.html"
    text = page_text(page)
    assert ("it raised an exception" if language == "en" else "例外が発生しました") in text
    assert ("the kind of the result" if language == "en" else "結果の種類") in text  # it returned a str
    cells = results_of(report_class["course"], LEAKER, LEAKED_IN)["cells"]
    visible = {line.strip() for c in cells if c["suite"] == "visible" for line in c["message"].splitlines()}
    hidden = {line.strip() for c in cells if c["suite"] == "hidden" for line in c["message"].splitlines()[1:]}
    secret = hidden - visible - {""}     # what the visible checks' reports (on the page too) do not say
    assert len(secret) > 10 and any("it raised ValueError: " in line for line in secret)
    shown = [line for line in secret if line in text]
    assert not shown, shown[:5]


def test_visible_failures_show_the_failing_case_and_the_worst_element(report_class):
    page = report_class["course"] / "feedback-en" / "carol" / "day1_forward" / "day1_forward.dlgrade.html"
    text = page_text(page)
    visible = next(c for c in results_of(report_class["course"], "carol", "day1_forward")["cells"]
                   if c["suite"] == "visible" and c["status"] == "failed" and c["mistake"])
    case, worst = visible["message"].splitlines()[1], visible["message"].splitlines()[3].strip()
    assert "Failing case: " + case.split(": ", 1)[1] in text
    assert worst in text and "got" in worst and "expected" in worst
    hint = next(m.en for m in load()[visible["exercise"]].mistakes if m.id == visible["mistake"])
    assert f"Known mistake [{visible['mistake']}]: {hint}" in text


def test_the_pages_sit_in_nbgrader_s_feedback_layout_and_link_its_page(report_class):
    course = report_class["course"]
    for page in feedback_pages(course, "en"):
        student, assignment = page.parent.parent.name, page.parent.name
        assert page.name == f"{assignment}.dlgrade.html"
        assert f'<a href="{assignment}.html">' in page.read_text(encoding="utf-8")
        assert (course / "feedback" / student / assignment / page.name).is_file()
    nbgrader_page = course / "feedback" / "carol" / LEAKED_IN / f"{LEAKED_IN}.html"
    assert nbgrader_page.is_file(), "nbgrader generate_feedback's page, which ours links to"


def test_the_pages_speak_the_language_asked_for(report_class):
    course = report_class["course"]
    en = page_text(course / "feedback-en" / "carol" / LEAKED_IN / f"{LEAKED_IN}.dlgrade.html")
    ja = page_text(course / "feedback-ja" / "carol" / LEAKED_IN / f"{LEAKED_IN}.dlgrade.html")
    assert "feedback for carol" in en and "よくある間違い [" in ja and "さんへのフィードバック" in ja
    mistake = next(c for c in results_of(course, "carol", LEAKED_IN)["cells"] if c["mistake"])
    known = next(m for m in load()[mistake["exercise"]].mistakes if m.id == mistake["mistake"])
    assert known.ja in ja and known.en in en and known.en not in ja


# bad input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["report", "feedback"])
def test_bad_input_is_one_line_and_status_2(report_class, tmp_path, monkeypatch, capsys, command):
    from autograder.cli import main

    monkeypatch.chdir(tmp_path)
    assert main([command, "day1_forward"]) == 2                      # not in a course folder
    shutil.copy(report_class["course"] / "nbgrader_config.py", tmp_path)
    assert main([command, "day1_forward"]) == 2                      # no gradebook
    shutil.copy(report_class["course"] / "gradebook.db", tmp_path)
    assert main([command, "day1_forward", "no_such_assignment"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith(f"dlgrade {command}: ") for line in err), err
    assert "nbgrader_config.py" in err[0] and "gradebook" in err[1] and "no_such_assignment" in err[2]
    assert "Traceback" not in "".join(err)


def test_the_cli_writes_the_report_where_asked(report_class, tmp_path, monkeypatch, capsys):
    from autograder.cli import main

    monkeypatch.chdir(report_class["course"] / "assignments")      # below the course folder
    assert main(["report", "day1_loss", "--out", str(tmp_path / "out"), "--language", "ja"]) == 0
    out = capsys.readouterr().out
    assert re.match(r"dlgrade report: 28 submissions \(\d+ graded cells\) -> .*report.html in [\d.]+ s", out), out
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "grades.csv").is_file()
    assert "クラスレポート" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")

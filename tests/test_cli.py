"""`dlgrade` as a shell user runs it: exit status, English and Japanese, JSON, outside a course."""
import json
import os
import subprocess
import sys
import time

import pytest

from autograder import cli, registry
from autograder import release as releasing
from notebooks import copy_course

NAIVE_SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
STABLE_SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return np.exp(-np.logaddexp(0.0, -x))\n"


def dlgrade(*arguments, language=None):
    env = {**os.environ}
    env.pop("DLGRADE_LANG", None)
    if language:
        env["DLGRADE_LANG"] = language
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def work(tmp_path):
    (tmp_path / "naive.py").write_text(NAIVE_SIGMOID, encoding="utf-8")
    (tmp_path / "stable.py").write_text(STABLE_SIGMOID, encoding="utf-8")
    return tmp_path


def test_a_correct_file_passes_with_status_0(work):
    result = dlgrade("check", "activation.sigmoid", str(work / "stable.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout


def test_a_wrong_file_names_the_mistake_in_english_and_japanese(work):
    english = dlgrade("check", "activation.sigmoid", str(work / "naive.py"))
    assert english.returncode == 1
    assert "Known mistake [overflow]" in english.stdout
    japanese = dlgrade("check", "activation.sigmoid", str(work / "naive.py"), language="ja")
    assert japanese.returncode == 1
    assert "よくある間違い [overflow]" in japanese.stdout and "オーバーフロー" in japanese.stdout


def test_json_report(work):
    result = dlgrade("check", "activation.sigmoid", f"{work / 'naive.py'}:sigmoid", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["mistake"] == "overflow" and report["passed"] is False and 0 < report["score"] < 1


# The one schema of `check --json`, whatever happened (written out here, not read from the code).
JSON_KEYS = {"exercise", "suite", "passed", "score", "mistake", "message", "cases", "error"}


@pytest.mark.parametrize("outcome, arguments, status, error", [
    ("passed", ("check", "activation.sigmoid", "stable.py"), 0, None),
    ("failed", ("check", "activation.sigmoid", "naive.py"), 1, None),
    ("not loadable", ("check", "activation.sigmoid", "syntax.py"), 1, "not-loadable"),
    ("not defined", ("check", "activation.sigmoid", "stable.py:missing_name"), 1, "not-defined"),
    ("unknown exercise", ("check", "activation.no_such_thing", "stable.py"), 2, "unknown-exercise"),
    ("missing file", ("check", "activation.sigmoid", "missing.py"), 2, "missing-file"),
    ("usage: no file", ("check", "activation.sigmoid"), 2, "usage"),
    ("usage: bad suite", ("check", "activation.sigmoid", "stable.py", "--suite", "secret"), 2, "usage"),
])
def test_json_has_the_same_keys_for_every_outcome(work, outcome, arguments, status, error):
    (work / "syntax.py").write_text("def sigmoid(x) return x\n", encoding="utf-8")
    arguments = tuple(str(work / a) if ".py" in a else a for a in arguments)
    result = dlgrade(*arguments, "--json")
    assert result.returncode == status, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert set(report) == JSON_KEYS, outcome
    assert report["error"] == error and report["passed"] is (outcome == "passed")
    assert isinstance(report["message"], str) and report["message"]
    assert isinstance(report["cases"], list) and isinstance(report["score"], float)
    if error is None:
        assert report["cases"] and all(set(case) == {"name", "passed"} for case in report["cases"])
        assert report["exercise"] == "activation.sigmoid" and report["suite"] == "visible"
    else:
        assert report["cases"] == [] and report["score"] == 0.0 and report["mistake"] is None


@pytest.mark.parametrize("arguments", [
    ("check", "activation.no_such_thing", "naive.py"),
    ("check", "activation.sigmoid", "missing.py"),
    ("check", "activation.sigmoid"),
    ("frobnicate",),
])
def test_bad_usage_exits_2(work, arguments):
    arguments = tuple(str(work / a) if a.endswith(".py") else a for a in arguments)
    assert dlgrade(*arguments).returncode == 2


@pytest.mark.parametrize("source, words", [
    ("def sigmoid(x) return x\n", "SyntaxError"),
    ("raise RuntimeError('boom at import')\n", "boom at import"),
    ("def other(x):\n    return x\n", "defines no 'sigmoid'"),
])
def test_a_file_that_cannot_be_checked_fails_with_a_reason(work, source, words):
    (work / "bad.py").write_text(source, encoding="utf-8")
    result = dlgrade("check", "activation.sigmoid", str(work / "bad.py"))
    assert result.returncode == 1
    assert words in result.stdout


@pytest.mark.parametrize("command", ["demo", "release"])
def test_a_course_command_outside_a_course_says_so_in_one_line(tmp_path, command):
    result = subprocess.run([sys.executable, "-m", "autograder.cli", command], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "nbgrader_config.py" in result.stderr, result.stderr


@pytest.mark.parametrize("arguments, language", [(("--language", "ja"), "ja"), (("--language", "en"), "en"), ((), "en")])
def test_release_writes_the_chosen_default_language_beside_each_checker(tmp_path, monkeypatch, arguments, language):
    """The course copied with its release; nbgrader's step is skipped (the copy's notebooks are released)."""
    course = copy_course(tmp_path / "course")
    monkeypatch.setattr(releasing, "generate", lambda root, name: None)
    monkeypatch.chdir(course)
    assert cli.main(["release", *arguments]) == 0
    folders = [course / "assignments" / name for name in releasing.assignment_names(course)]
    assert folders
    for folder in folders:
        settings = json.loads((folder / "dlcheck" / "settings.json").read_text(encoding="utf-8"))
        assert settings == {"language": language}, folder


def test_release_refuses_an_unknown_language(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["release", "--language", "fr"])
    assert stopped.value.code == 2


ENDLESS_SIGMOID = ("def sigmoid(x):\n"
                   "    while True:\n"
                   "        try:\n"
                   "            sum(range(1000))\n"
                   "        except Exception:\n"
                   "            pass\n")


@pytest.fixture
def short_time_limit(monkeypatch):
    """activation.sigmoid's per-case limit cut to 0.5 s (the prepared suites are cached, so cleared)."""
    monkeypatch.setattr(registry.load()["activation.sigmoid"], "time_limit", 0.5)
    registry._prepare_cached.cache_clear()
    yield 0.5
    registry._prepare_cached.cache_clear()


def test_a_candidate_looping_inside_try_except_is_stopped(work, short_time_limit, capsys):
    (work / "endless.py").write_text(ENDLESS_SIGMOID, encoding="utf-8")
    start = time.perf_counter()
    status = cli.main(["check", "activation.sigmoid", str(work / "endless.py"), "--json"])
    seconds = time.perf_counter() - start
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["error"] is None and report["score"] == 0.0
    assert "Timeout" in report["message"], report["message"]
    default = registry.Exercise.__dataclass_fields__["time_limit"].default
    assert seconds < default, f"took {seconds:.1f} s: the {short_time_limit} s limit did not hold"


def test_a_file_looping_at_import_inside_try_except_is_stopped(work, monkeypatch, capsys):
    (work / "endless.py").write_text("while True:\n    try:\n        sum(range(1000))\n"
                                     "    except Exception:\n        pass\n", encoding="utf-8")
    monkeypatch.setattr(cli, "LOAD_TIME_LIMIT", 0.5)
    status = cli.main(["check", "activation.sigmoid", str(work / "endless.py"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["error"] == "not-loadable" and "Timeout" in report["message"]

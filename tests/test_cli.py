"""`dlgrade check` as a shell user runs it: exit status, English and Japanese, JSON."""
import json
import os
import subprocess
import sys

import pytest

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

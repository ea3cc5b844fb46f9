import os

# A fixed course secret, so the hidden suite is the same on every run of the tests.
os.environ.setdefault("DLGRADE_SECRET", "tests-course-secret")

pytest_plugins = ["pytester"]


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def released_template(tmp_path_factory):
    """A function giving a course folder with the named assignments released into its gradebook,
    made once per session (copy it with grading.course_copy before grading in it)."""
    from grading import released_course

    folder = tmp_path_factory.mktemp("released") / "course"
    return lambda *names: released_course(folder, list(names))


@pytest.fixture(scope="session")
def report_class(released_template, tmp_path_factory):
    """The demo class and one leaking student, graded, exported, with the class report (en, ja) and
    every feedback page (tests/report_class.py); built once per session (about a minute and a half)."""
    from report_class import build

    return build(released_template, tmp_path_factory.mktemp("report") / "course")

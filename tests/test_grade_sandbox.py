"""The sandbox really is one: what a submission's process can reach, in bubblewrap and weak mode,
and how ``--sandbox`` chooses between them."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from autograder.grading import sandbox
from autograder.grading.sandbox import SandboxUnavailable, choose_mode
from grading import course_copy, grade, solved, submit
from hostile import ASSIGNMENT, HandDriven

PROBE = """\
import os, socket

def probe_network():
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", {port}))
        return "connected"
    except OSError as error:
        return type(error).__name__
    finally:
        s.close()

def probe_paths():
    return {{path: os.path.exists(path) for path in {paths!r}}}

def probe_usr():
    try:
        open("/usr/dlgrade-probe", "w").close()
        return "written"
    except OSError as error:
        return error.errno

def probe_mounts():
    options = {{}}
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields = line.split()
            options[fields[4]] = fields[5]
    return options.get("/usr", "")

def probe_identity():
    return (os.getuid(), os.getgid(), "DLGRADE_SECRET" in os.environ, "DLGRADE_SECRET_FILE" in os.environ,
            sorted(os.environ))
"""


@pytest.fixture(scope="module")
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    yield server
    server.close()


def _probe(mode: str, listener, paths: list[str]) -> dict:
    with HandDriven(mode) as worker:
        got = worker.run([PROBE.format(port=listener.getsockname()[1], paths=paths)],
                         ["probe_network", "probe_paths", "probe_usr", "probe_mounts", "probe_identity"])
    assert got["messages"][-1] == "finished" and "done" in got["messages"], got["messages"]
    return got["returned"]


def _entries_to_hide(folder: Path) -> list[str]:
    """What a folder of the grader's holds, but for the folders on the way to the Python installation
    (which the sandbox mounts read-only: ~/.pyenv/versions/3.11, or a CI clone's .venv)."""
    roots = sandbox._python_roots()
    return [str(path) for path in sorted(folder.iterdir())
            if not any(root == str(path) or root.startswith(f"{path}{os.sep}") for root in roots)][:30]


@pytest.fixture(scope="module")
def bubblewrap_probe(listener, released_template, tmp_path_factory):
    if not sandbox.bubblewrap_status()[0]:
        pytest.fail(f"bubblewrap cannot run here: {sandbox.bubblewrap_status()[1]}")
    course = released_template(ASSIGNMENT)
    project = Path(__file__).resolve().parents[1]
    paths = [str(course), str(course / "gradebook.db"), str(course / "solutions"),
             *_entries_to_hide(project), *_entries_to_hide(Path.home())]
    return paths, _probe("bubblewrap", listener, paths)


def test_bubblewrap_has_no_network(bubblewrap_probe, listener):
    _, returned = bubblewrap_probe
    assert returned["probe_network"] != "connected"
    with pytest.raises(socket.timeout):
        listener.accept()  # nothing reached the grader's side either


def test_bubblewrap_hides_the_course_the_gradebook_and_the_graders_home(bubblewrap_probe):
    paths, returned = bubblewrap_probe
    assert any(path.startswith(str(Path.home())) for path in paths), "a HOME with nothing to hide tests nothing"
    project = Path(__file__).resolve().parents[1]
    assert {str(project / name) for name in ("reference", "solutions", "autograder")} <= set(paths)
    assert all(os.path.exists(path) for path in paths)  # they exist for the grader...
    assert returned["probe_paths"] == {path: False for path in paths}  # ...not in the sandbox


def test_bubblewrap_mounts_usr_read_only(bubblewrap_probe):
    _, returned = bubblewrap_probe
    assert returned["probe_usr"] != "written"
    assert "ro" in returned["probe_mounts"].split(",")


def test_bubblewrap_children_run_as_nobody_without_the_secret(bubblewrap_probe):
    _, returned = bubblewrap_probe
    uid, gid, has_secret, has_secret_file, _ = returned["probe_identity"]
    if os.getuid() == 0:
        assert (uid, gid) == (sandbox.NOBODY, sandbox.NOBODY)
    assert not has_secret and not has_secret_file


def test_weak_mode_children_run_as_a_uid_of_their_worker_without_the_secret(listener, monkeypatch):
    monkeypatch.setenv("DLGRADE_SECRET_FILE", "/nonexistent/secret")
    returned = _probe("weak", listener, [])
    uid, _, has_secret, has_secret_file, names = returned["probe_identity"]
    if os.getuid() == 0:
        assert uid >= sandbox.WEAK_UID_BASE
    assert not has_secret and not has_secret_file
    assert not any(name.startswith("DLGRADE_SECRET") for name in names)


def test_weak_mode_children_cannot_signal_another_workers_child(listener):
    """Each worker's children have their own uid: kill(-1) in one reaches nothing of the other."""
    if os.getuid() != 0:
        pytest.skip("the uid drop needs root")
    hold = "import time\ndef hold():\n    time.sleep(1.5)\n    return 'alive'\n"
    kill = "import os, signal\ndef kill_all():\n    try:\n        os.kill(-1, signal.SIGKILL)\n    except OSError:\n        pass\n    return 'sent'\n"
    import threading
    outcome = {}
    with HandDriven("weak") as victim, HandDriven("weak") as attacker:
        thread = threading.Thread(target=lambda: outcome.update(victim=victim.run([hold], ["hold"])))
        thread.start()
        import time
        time.sleep(0.5)
        outcome["attacker"] = attacker.run([kill], ["kill_all"])
        thread.join()
    assert outcome["victim"]["returned"] == {"hold": "alive"}
    assert outcome["attacker"]["returned"] == {"kill_all": "sent"}


# choosing the mode -------------------------------------------------------------------------------------

@pytest.fixture
def no_bubblewrap(monkeypatch):
    monkeypatch.setattr(sandbox, "bubblewrap_status", lambda: (False, "simulated: no bwrap"))


def test_required_refuses_without_bubblewrap(no_bubblewrap, released_template, tmp_path):
    with pytest.raises(SandboxUnavailable, match="simulated: no bwrap"):
        choose_mode("required")
    course = course_copy(released_template(ASSIGNMENT), tmp_path / "c")
    submit(course, "s1", ASSIGNMENT, solved(ASSIGNMENT))
    with pytest.raises(SandboxUnavailable):
        grade(course, [ASSIGNMENT], sandbox="required")
    assert not (course / "results").exists()  # refused before grading anything


def test_the_command_exits_2_when_required_and_unavailable(no_bubblewrap, released_template, tmp_path, monkeypatch,
                                                           capsys):
    from autograder.cli import main
    course = course_copy(released_template(ASSIGNMENT), tmp_path / "c")
    submit(course, "s1", ASSIGNMENT, solved(ASSIGNMENT))
    monkeypatch.chdir(course)
    assert main(["grade", ASSIGNMENT, "--sandbox", "required", "--quiet"]) == 2
    assert "bubblewrap" in capsys.readouterr().err


def test_auto_falls_back_to_weak_mode_and_says_so(no_bubblewrap, released_template, tmp_path):
    course = course_copy(released_template(ASSIGNMENT), tmp_path / "c")
    submit(course, "s1", ASSIGNMENT, solved(ASSIGNMENT))
    said = []
    summary = grade(course, [ASSIGNMENT], sandbox="auto", say=said.append)
    assert summary.mode == "weak" and summary.graded == 1 and not summary.failed
    assert said == [sandbox.choose_mode("auto")[1]]
    assert said[0].startswith(sandbox.WEAK_MODE_NOTICE.format(reason="simulated: no bwrap"))
    assert "weaker mode" in summary.text()


def test_off_is_weak_mode_with_its_notice():
    mode, notice = choose_mode("off")
    assert mode == "weak" and "--sandbox off" in notice and "network" in notice


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        choose_mode("sometimes")


def test_a_python_environment_other_users_cannot_read_is_found_and_the_weak_notice_says_so(monkeypatch):
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="dlgrade-env-"))  # mode 0700, as /root is
    try:
        (base / "python").mkdir()
        monkeypatch.setattr(sandbox, "_python_roots", lambda: [str(base / "python")])
        monkeypatch.setattr(sandbox.os, "getuid", lambda: 0)
        assert sandbox.unreadable_python_path() == str(base)
        assert sandbox.WEAK_MODE_NO_IMPORTS.format(path=base) in sandbox.choose_mode("off")[1]
        base.chmod(0o755)
        assert sandbox.unreadable_python_path() is None
        assert "not readable" not in sandbox.choose_mode("off")[1]
    finally:
        shutil.rmtree(base)


def test_the_private_tmp_is_mounted_before_anything_bound_below_it(monkeypatch):
    """A virtualenv under /tmp (CI's clone) is bound on top of the sandbox's /tmp, not hidden by it."""
    monkeypatch.setattr(sandbox, "_python_roots", lambda: ["/tmp/some-clone/.venv", "/usr/local/python"])
    command = sandbox.bubblewrap_command(Path("/tmp/code"))
    tmpfs = command.index("--tmpfs")
    assert command[tmpfs + 1] == "/tmp"
    binds = [i for i, arg in enumerate(command) if arg in ("--ro-bind", "--dir")
             and command[i + (2 if arg == "--ro-bind" else 1)].startswith("/tmp/")]
    assert binds and all(i > tmpfs for i in binds)


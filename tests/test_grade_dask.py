"""``dlgrade grade --scheduler ADDRESS``: the same grading, run as tasks on a Dask distributed cluster.

A two-process ``LocalCluster`` on 127.0.0.1 stands in for the cluster; a local run of the same class
is the yardstick, since the Dask path must change where submissions run and nothing else.
"""
from __future__ import annotations

import sys
from pathlib import Path

import cloudpickle
import distributed
import pytest

from autograder.grading import scheduler
from autograder.grading.sandbox import Limits, choose_mode

from grading import blank, cell_scores, course_copy, gradebook_rows, grade, result, solved, submit, with_answer

NAME = "day1_forward"
# Known mistakes written as a student would, not bound from the registry (the sandbox has no registry).
UNSTABLE_SOFTMAX = '''import numpy as np

def softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
'''
RELU_AS_ITS_DERIVATIVE = '''import numpy as np

def relu(x):
    return (np.asarray(x) > 0).astype(np.float64)
'''

# The functions this module runs on the Dask workers travel by value: the workers cannot import tests/.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local_cluster:
        with distributed.Client(local_cluster, set_as_default=False) as client:
            yield local_cluster, client


@pytest.fixture(scope="module")
def klass(released_template, tmp_path_factory):
    """A released course with three submissions, and the same class graded on local workers."""
    template = released_template(NAME)
    course = course_copy(template, tmp_path_factory.mktemp("dask") / "local")
    make_class(course)
    summary = grade(course, [NAME])
    assert summary.graded == 3 and not summary.failed
    return template, course


def make_class(course: Path) -> None:
    submit(course, "solver", NAME, solved(NAME))
    submit(course, "blank", NAME, blank(NAME))
    mistaken = with_answer(solved(NAME), "activation-softmax", UNSTABLE_SOFTMAX)
    submit(course, "mistaken", NAME, with_answer(mistaken, "activation-relu", RELU_AS_ITS_DERIVATIVE))


def cell_records(course: Path, student: str) -> list[tuple]:
    """What a run decided for each cell (not how long it took)."""
    return [(c["grade_id"], c["score"], c["status"], c["mistake"], c["cases_passed"], c["cases"], c["message"])
            for c in result(course, student, NAME)["cells"]]


def sandboxed_workers(dask_worker) -> list[int]:
    """On a Dask worker: the pids of the sandboxed workers (bubblewrap or ``python -I -S``) under it."""
    import psutil
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if command and (Path(command[0]).name == "bwrap" or "-I" in command[1:3]):
            found.append(child.pid)
    return found


def plugins(dask_worker) -> list[str]:
    return [name for name in dask_worker.plugins if name.startswith("dlgrade-")]


def test_a_class_graded_on_dask_scores_as_a_local_run(cluster, klass, tmp_path):
    local_cluster, client = cluster
    template, local = klass
    course = course_copy(template, tmp_path / "dask")
    make_class(course)

    summary = grade(course, [NAME], scheduler=local_cluster.scheduler_address)

    assert (summary.graded, summary.skipped, summary.failed) == (3, 0, [])
    for student in ("solver", "blank", "mistaken"):
        assert result(course, student, NAME)["status"] == "graded"
        assert (course / "autograded" / student / NAME / f"{NAME}.ipynb").is_file()
        assert cell_scores(course, student, NAME) == cell_scores(local, student, NAME)
        assert cell_records(course, student) == cell_records(local, student)
    assert gradebook_rows(course) == gradebook_rows(local)
    # the class tells its students apart, so the equality above compares something
    mistakes = {c["grade_id"]: c["mistake"] for c in result(course, "mistaken", NAME)["cells"]}
    assert mistakes["activation-softmax-hidden"] == "unstable"
    assert mistakes["activation-relu-hidden"] == "returns-derivative"
    solver, mistaken = result(course, "solver", NAME), result(course, "mistaken", NAME)
    assert solver["score"] == solver["max_score"] > mistaken["score"] > result(course, "blank", NAME)["score"] == 0
    # the run's end stopped its sandboxed workers and removed its plugin on every Dask worker
    assert all(pids == [] for pids in client.run(sandboxed_workers).values())
    assert all(names == [] for names in client.run(plugins).values())


def test_a_second_run_skips_what_the_cluster_graded(cluster, klass, tmp_path):
    local_cluster, _ = cluster
    template, _ = klass
    course = course_copy(template, tmp_path / "again")
    make_class(course)
    grade(course, [NAME], scheduler=local_cluster.scheduler_address, students=["solver"])

    summary = grade(course, [NAME], scheduler=local_cluster.scheduler_address)

    assert (summary.graded, summary.skipped) == (2, 1)


def break_grading_of(dask_worker, student: str) -> None:
    """On a Dask worker: grading ``student``'s submission raises in the Dask task itself (the task
    function is sent by name, so the worker runs this module attribute)."""
    from autograder.grading import scheduler as on_worker
    original = getattr(on_worker, "_unbroken_task", on_worker.grade_on_dask_worker)

    def broken(job, *args, **kwargs):
        if job.student == student:
            raise ValueError("an error in the Dask task")
        return original(job, *args, **kwargs)

    on_worker._unbroken_task = original
    on_worker.grade_on_dask_worker = broken


def mend_grading(dask_worker) -> None:
    from autograder.grading import scheduler as on_worker
    if hasattr(on_worker, "_unbroken_task"):
        on_worker.grade_on_dask_worker = on_worker.__dict__.pop("_unbroken_task")


def test_a_failed_dask_task_costs_its_submission_only(cluster, klass, tmp_path):
    local_cluster, client = cluster
    template, local = klass
    course = course_copy(template, tmp_path / "broken")
    make_class(course)
    client.run(break_grading_of, student="solver")
    try:
        summary = grade(course, [NAME], scheduler=local_cluster.scheduler_address)
    finally:
        client.run(mend_grading)

    assert summary.graded == 3
    assert [(student, reason.split(":")[0]) for student, _, reason in summary.failed] == \
        [("solver", "the Dask task failed")]
    failed = result(course, "solver", NAME)
    assert failed["status"] == "failed" and "ValueError: an error in the Dask task" in failed["reason"]
    assert failed["score"] == 0 and {c["status"] for c in failed["cells"]} == {"crashed"}
    for student in ("blank", "mistaken"):
        assert cell_records(course, student) == cell_records(local, student)


def test_the_plugin_stops_its_sandboxed_workers_on_teardown():
    """What a Dask worker's shutdown calls: every slot's worker is stopped, the code folder removed."""
    mode, _ = choose_mode("auto")
    plugin = scheduler.GradingWorkers(scheduler.WorkerSpec(mode, ("numpy",), Limits()))
    assert isinstance(plugin, distributed.WorkerPlugin)
    plugin.setup()
    worker = plugin.slot().ready()
    process, folder = worker.process, plugin.code_folder
    assert process.poll() is None and folder.is_dir()
    assert plugin.slot() is plugin.slot()            # one slot per thread, kept

    plugin.teardown()

    assert process.poll() is not None and not folder.exists()
    assert plugin.slots == {}


def test_an_unreachable_scheduler_is_a_course_problem_and_writes_nothing(klass, tmp_path, monkeypatch):
    from autograder.grading import CourseProblem
    template, _ = klass
    course = course_copy(template, tmp_path / "nowhere")
    make_class(course)
    monkeypatch.setattr(scheduler, "DASK_CONNECT_SECONDS", 2.0)

    with pytest.raises(CourseProblem, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        grade(course, [NAME], scheduler="tcp://127.0.0.1:9")

    assert not (course / "results").exists()

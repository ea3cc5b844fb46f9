"""The exercise registry: one :class:`Exercise` per catalog id, with everything needed to check it.

Each topic module in ``autograder.catalog`` declares its exercises with :func:`exercise`,
keeping an exercise's reference, cases, tolerances, accepted conventions (other right answers a
submission may match), test implementations (other correct code, for our own tests) and known
mistakes together. :func:`prepare` turns an entry into a :class:`~autograder.runtime.PreparedSuite`
by running the reference, the accepted conventions and the mistakes on the suite's cases.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .runtime.drivers import DRIVERS
from .runtime.engine import PreparedCase, PreparedSuite, execute
from .secret import seed_for

REGISTRY: dict[str, "Exercise"] = {}


def load() -> dict[str, "Exercise"]:
    """The full registry: importing the catalog registers every exercise (it needs ``reference``)."""
    from . import catalog  # noqa: F401
    return REGISTRY


@dataclass(frozen=True)
class Case:
    """One set of inputs. For functions, ``inputs`` are the arguments in signature order.

    ``name`` is the case's label in English; ``name_ja`` in Japanese, where the label has words
    (a label that is only a formula, such as ``x = [-2, 0, 3]``, reads the same in both).
    """

    name: str
    inputs: dict
    name_ja: str | None = None


def _label(name) -> tuple[str, str | None]:
    """A case label given as ``"english"`` or as ``("english", "日本語")``."""
    if isinstance(name, tuple):
        english, japanese = name
        return english, japanese
    return name, None


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: one or more implementations that make it, and what to tell the student."""

    id: str
    implementations: tuple
    en: str
    ja: str


@dataclass
class Exercise:
    id: str
    reference: Any
    cases: tuple[Case, ...]
    generate: Callable[[np.random.Generator], dict] | None = None
    driver: str = "call"
    driver_options: dict = field(default_factory=dict)
    rtol: float = 1e-7
    atol: float = 1e-10
    accepted_conventions: tuple = ()  # other accepted conventions: a submission may match any of them
    test_implementations: tuple = ()  # other correct implementations, written differently (for the tests)
    # Wrong answers no student is known to make, kept so the tests show both suites reject them
    # (e.g. a sigmoid whose tails are off by 1e-12): the holes a suite must not leave open.
    wrong_implementations: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    # Numerical stability is part of the answer (the catalog's Conventions name these exercises): a
    # NumPy warning fails a case. Elsewhere right values pass and the warning is only advice.
    stability: bool = False
    visible_random: int = 2     # generated cases added to the visible suite (public seed)
    hidden_random: int = 10     # generated cases in the hidden suite (seeded by the course secret)
    time_limit: float = 10.0    # seconds per case
    # implementation -> [(name, analytic, numeric), ...]; the tests require agreement to 1e-6
    gradient_check: Callable | None = None

    @property
    def candidate_kind(self) -> str:
        """What a submission is: a class (layers, optimizers), a value (quiz answers), or a function."""
        if self.driver.startswith("quiz_"):
            return "value"
        return "class" if inspect.isclass(self.reference) else "function"

    def suite_cases(self, suite: str) -> list[Case]:
        if suite not in ("visible", "hidden"):
            raise ValueError(f"suite must be 'visible' or 'hidden', not {suite!r}")
        count = self.visible_random if suite == "visible" else self.hidden_random
        cases = list(self.cases)
        if self.generate and count:
            rng = np.random.default_rng(seed_for(self.id, suite))
            cases += [Case(f"random #{i + 1}", self.generate(rng), f"ランダム #{i + 1}") for i in range(count)]
        return cases


def fixed(name: str | tuple[str, str], **inputs) -> Case:
    """A fixed case; list values become float64 arrays (float64 in checks, as the catalog says).

    ``name`` is the label, or ``(english, japanese)`` when it has words to translate.
    """
    english, japanese = _label(name)
    return Case(english, {key: _as_input(value) for key, value in inputs.items()}, japanese)


def _as_input(value):
    if isinstance(value, list):
        return np.asarray(value, dtype=np.float64)
    return value


def layer_case(name: str | tuple[str, str], init: dict, *steps) -> Case:
    """A layer case: constructor keywords, then ``(method, args...)`` or ``(method, args, kwargs)``."""
    normalised = []
    for step in steps:
        method, *rest = step
        kwargs = rest.pop() if rest and isinstance(rest[-1], dict) else {}
        normalised.append((method, tuple(_as_input(a) for a in rest), kwargs))
    english, japanese = _label(name)
    return Case(english, {"init": {k: _as_input(v) for k, v in init.items()}, "steps": normalised}, japanese)


def optimizer_case(name: str | tuple[str, str], init: dict, params: dict, grads: list[dict]) -> Case:
    english, japanese = _label(name)
    return Case(english, {"init": init, "params": {k: _as_input(v) for k, v in params.items()},
                          "grads": [{k: _as_input(v) for k, v in g.items()} for g in grads]}, japanese)


def mistake(id: str, *implementations, en: str, ja: str) -> Mistake:
    return Mistake(id, implementations, en, ja)


def exercise(id: str, reference, cases, **options) -> Exercise:
    """Declare and register an exercise. ``id`` must be new."""
    if id in REGISTRY:
        raise ValueError(f"exercise {id!r} registered twice")
    if options.get("driver", "call") not in DRIVERS:
        raise ValueError(f"{id}: unknown driver {options['driver']!r}")
    entry = Exercise(id, reference, tuple(cases), **options)
    REGISTRY[id] = entry
    return entry


# preparing a suite -----------------------------------------------------------------------------------

class RegistryError(RuntimeError):
    """The reference (or an accepted convention) failed or warned on a case: a bug in the registry, not the student."""


def _run(entry: Exercise, implementation, case: Case):
    return execute(entry.driver, entry.driver_options, implementation, case.inputs, time_limit=None)


def _expected(entry: Exercise, implementation, case: Case, what: str) -> dict:
    execution = _run(entry, implementation, case)
    if "raised" in execution.outputs or execution.warnings:
        problem = execution.outputs.get("raised") or execution.warnings
        raise RegistryError(f"{entry.id}: the {what} fails on case {case.name!r}: {problem}")
    return execution.outputs


@functools.lru_cache(maxsize=None)
def _prepare_cached(exercise_id: str, suite: str, seed: int) -> PreparedSuite:
    entry = REGISTRY[exercise_id]
    prepared_cases = []
    for case in entry.suite_cases(suite):
        expected = [_expected(entry, entry.reference, case, "reference")]
        expected += [_expected(entry, convention, case, "accepted convention") for convention in entry.accepted_conventions]
        mistakes = {}
        for known in entry.mistakes:
            runs = [_run(entry, impl, case) for impl in known.implementations]
            mistakes[known.id] = [(run.outputs, bool(run.warnings)) for run in runs]
        prepared_cases.append(PreparedCase(case.name, case.inputs, expected, mistakes, case.name_ja))
    return PreparedSuite(
        exercise_id=entry.id, suite=suite, driver=entry.driver, driver_options=dict(entry.driver_options),
        rtol=entry.rtol, atol=entry.atol, cases=prepared_cases,
        mistake_hints={m.id: {"en": m.en, "ja": m.ja} for m in entry.mistakes},
        candidate_kind=entry.candidate_kind, time_limit=entry.time_limit, stability=entry.stability,
    )


def prepare(exercise_id: str, suite: str = "visible") -> PreparedSuite:
    """The suite with every expected and mistaken output computed (cached per process)."""
    if suite not in ("visible", "hidden"):
        raise ValueError(f"suite must be 'visible' or 'hidden', not {suite!r}")
    if exercise_id not in load():
        raise KeyError(f"unknown exercise id {exercise_id!r}; known ids: autograder.exercises()")
    return _prepare_cached(exercise_id, suite, seed_for(exercise_id, suite))

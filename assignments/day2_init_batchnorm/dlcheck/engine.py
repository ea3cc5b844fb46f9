"""Check a candidate against a prepared suite and write the report.

A :class:`PreparedSuite` holds everything the check needs as plain data: each case's inputs, the
outputs of the reference and of every accepted convention, and the outputs of every known mistake.
It is built from the registry on the instructor's side and saved as fixtures for students, so
the same :func:`run_suite` serves both. The steps run in a fixed order:

1. :func:`validate_candidate` — is it something we can call at all?
2. :func:`execute_case` — run it on a private copy of each case's inputs (sandboxed).
3. :func:`judge_case` — compare with the expected outputs of any accepted convention.
4. :func:`diagnose` — does it make a known mistake on every case?
5. :func:`compose_message` — say what failed, where, and how to fix it.
"""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field

from . import messages
from .compare import Mismatch, compare
from .drivers import DRIVERS, layer_labels, layer_steps, optimizer_labels, optimizer_steps
from .sandbox import Execution, Raised, sandboxed


@dataclass
class PreparedCase:
    name: str
    inputs: dict
    expected: list[dict]                  # reference first, then each accepted convention
    mistakes: dict[str, list[tuple[dict, bool]]] = field(default_factory=dict)
    # mistake id -> one (outputs, warned) per implementation of that mistake
    name_ja: str | None = None             # the label in Japanese, where it has words

    def label(self, language: str) -> str:
        return self.name_ja if language == "ja" and self.name_ja else self.name


@dataclass
class PreparedSuite:
    exercise_id: str
    suite: str                             # "visible" or "hidden"
    driver: str
    driver_options: dict
    rtol: float
    atol: float
    cases: list[PreparedCase]
    mistake_hints: dict[str, dict[str, str]]  # mistake id -> {"en": ..., "ja": ...}
    candidate_kind: str = "function"       # "function", "class", or "value" (a quiz answer)
    time_limit: float = 10.0               # seconds per case
    stability: bool = False                # a NumPy warning fails a case (else it is only advice)


@dataclass
class CaseResult:
    name: str
    passed: bool
    execution: Execution
    mismatch: Mismatch | None = None
    warned: bool = False


@dataclass
class Report:
    """The result of one check. ``message`` says what failed and, when recognised, the mistake."""

    exercise_id: str
    suite: str
    passed: bool
    score: float
    mistake: str | None
    message: str
    cases: list[CaseResult] = field(default_factory=list, repr=False)
    unfinished: bool = False  # a blank still raising NotImplementedError, or a quiz left unanswered

    def __str__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise_id, "suite": self.suite, "passed": self.passed,
            "score": self.score, "mistake": self.mistake, "message": self.message,
            "cases": [{"name": c.name, "passed": c.passed} for c in self.cases],
        }


# 1. validate ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CandidateFacts:
    """What validation needs to know about a candidate, as plain data.

    Computed beside the candidate (:func:`describe_candidate`): in the checker's own process, or in a
    grading worker, which sends only these facts to the grader, never the object itself.
    """

    is_class: bool
    is_routine: bool
    is_callable: bool
    is_none: bool
    is_plain_value: bool      # an int, float, str, list, tuple or dict
    type_name: str
    summary: str              # messages.summarise_value(candidate)


def describe_candidate(candidate) -> CandidateFacts:
    return CandidateFacts(
        is_class=inspect.isclass(candidate),
        is_routine=inspect.isroutine(candidate),
        is_callable=callable(candidate),
        is_none=candidate is None,
        is_plain_value=isinstance(candidate, (int, float, str, list, tuple, dict)),
        type_name=type(candidate).__name__,
        summary=messages.summarise_value(candidate),
    )


def validate_candidate(prepared: PreparedSuite, facts: CandidateFacts, language: str) -> str | None:
    """A message when the candidate cannot be checked at all (not defined, an instance...)."""
    text = messages.TEXT[language]
    if prepared.candidate_kind == "class":
        if facts.is_class:
            return None
        if not facts.is_none and not facts.is_routine and not facts.is_plain_value:
            return text["instance"].format(exercise=prepared.exercise_id, name=facts.type_name)
        return text["not-callable"].format(exercise=prepared.exercise_id, what=text["what-class"],
                                           got=facts.summary)
    if prepared.candidate_kind == "value":
        return text["unanswered"].format(exercise=prepared.exercise_id) if facts.is_none else None
    if facts.is_callable:
        return None
    return text["not-callable"].format(exercise=prepared.exercise_id, what=text["what-function"],
                                       got=facts.summary)


# 2. execute ----------------------------------------------------------------------------------------

def execute(driver_name: str, driver_options: dict, candidate, inputs: dict,
            time_limit: float | None) -> Execution:
    """Run ``candidate`` through the named driver on a private copy of ``inputs``."""
    driver = DRIVERS[driver_name]

    def run(cand, private_inputs, outputs):
        driver(cand, private_inputs, outputs, **driver_options)

    return sandboxed(run, candidate, copy.deepcopy(inputs), time_limit)


def execute_case(prepared: PreparedSuite, case: PreparedCase, candidate, time_limit: float | None) -> Execution:
    return execute(prepared.driver, prepared.driver_options, candidate, case.inputs, time_limit)


# 3. judge ------------------------------------------------------------------------------------------

def _difference(outputs: dict, warned: bool, expected: dict, expected_warned: bool,
                rtol: float, atol: float, nan_equal: bool, stability: bool) -> Mismatch | None:
    """How ``outputs`` differ from ``expected``: a crash first, then each output, then warnings.

    Warnings count only where stability is part of the answer; elsewhere right values pass.
    """
    if "raised" in outputs and "raised" not in expected:
        return Mismatch("raised", "", {"got": outputs["raised"]})
    found = compare(outputs, expected, rtol, atol, nan_equal=nan_equal)
    if found:
        return found
    if stability and warned != expected_warned:
        return Mismatch("warning", "", {})
    return None


def judge_case(prepared: PreparedSuite, case: PreparedCase, execution: Execution) -> CaseResult:
    warned = bool(execution.warnings)
    first = None
    for expected in case.expected:
        found = _difference(execution.outputs, warned, expected, False,  # the reference never warns
                            prepared.rtol, prepared.atol, nan_equal=False, stability=prepared.stability)
        if found is None:
            return CaseResult(case.name, True, execution, None, warned)
        first = first or found
    return CaseResult(case.name, False, execution, first, warned)


# 4. diagnose ---------------------------------------------------------------------------------------

def diagnose(prepared: PreparedSuite, results: list[CaseResult]) -> str | None:
    """The first known mistake whose outputs the candidate reproduces on every case (NaN == NaN)."""
    if all(result.passed for result in results):
        return None
    for mistake_id in prepared.mistake_hints:
        implementations = len(prepared.cases[0].mistakes.get(mistake_id, [])) if prepared.cases else 0
        for index in range(implementations):
            if all(
                _difference(result.execution.outputs, result.warned, *case.mistakes[mistake_id][index],
                            prepared.rtol, prepared.atol, nan_equal=True, stability=prepared.stability) is None
                for case, result in zip(prepared.cases, results)
            ):
                return mistake_id
    return None


# 5. compose ----------------------------------------------------------------------------------------

def _describe_mismatch(mismatch: Mismatch, execution: Execution, language: str, suite: str) -> list[str]:
    table = messages.MISMATCH[language]
    details = dict(mismatch.details)
    path = mismatch.path
    if mismatch.kind == "warning":
        return [messages.TEXT[language]["warning"].format(warning="; ".join(execution.warnings))]
    if mismatch.kind == "raised":
        return [table["raised"].format(got=details["got"].describe(language))]
    if mismatch.kind == "not-raised":
        return [table["not-raised"].format(expected_type=details["expected"].type_name)]
    if path.startswith("modified inputs"):
        return [table["modified"].format(got=", ".join(details["got"]))]
    if mismatch.kind in ("dtype",) and language in messages.EXPECTED_KIND:
        details["expected"] = messages.EXPECTED_KIND[language].get(details["expected"], details["expected"])
    where = messages.describe_location(path, details.pop("index", ""), language)
    if mismatch.kind == "value" and "abs_err" not in details:
        return [table["plain"].format(where=where, **details)]
    if suite == "hidden" and mismatch.kind in ("value", "nonfinite"):
        # The numbers would hint at the hidden inputs: say where and how far off, not what.
        return [table[f"{mismatch.kind}-hidden"].format(where=where, **details)]
    return [table[mismatch.kind].format(where=where, **details)]


def _also_modified(result: CaseResult, language: str) -> list[str]:
    """An input changed in place is worth saying even when another output failed first."""
    modified = result.execution.outputs.get("modified inputs")
    if modified and not result.mismatch.path.startswith("modified inputs"):
        return [messages.MISMATCH[language]["modified"].format(got=", ".join(modified))]
    return []


MAX_STEPS_SHOWN = 6


def _failing_step(labels: list[str], result: CaseResult) -> int:
    """Which step of a layer or optimizer case failed: the one whose output differs, else (a crash,
    an attribute) the first that recorded nothing, else the last."""
    head = result.mismatch.path.partition("[")[0] if result.mismatch else ""
    if head in labels:
        return labels.index(head)
    missing = [i for i, label in enumerate(labels) if label not in result.execution.outputs]
    return missing[0] if missing else len(labels) - 1


def _steps_shown(prepared: PreparedSuite, case: PreparedCase, result: CaseResult, language: str) -> list[str]:
    """The calls of a layer or optimizer case up to the failing one, abbreviated, so the student can
    reproduce it: ``forward([[1., 2.]]), backward([[0.5, -1.]])`` or each update's gradients."""
    text = messages.TEXT[language]
    summary = messages.summarise_value
    if prepared.driver == "layer":
        labels = layer_labels(case.inputs)
        last = _failing_step(labels, result)
        several = isinstance(case.inputs["init"], (list, tuple))
        calls = []
        for number, method, args, kwargs in layer_steps(case.inputs)[:last + 1]:
            arguments = [summary(a, 40) for a in args] + [f"{k}={summary(v, 40)}" for k, v in kwargs.items()]
            calls.append(f"{f'layer {number}: ' if several else ''}{method}({', '.join(arguments)})")
        key = "steps"
    else:
        labels = optimizer_labels(case.inputs)
        last = _failing_step(labels, result)
        calls = [f"{label.replace('after ', '')}: {summary(grads)}"
                 for (number, grads), label in zip(optimizer_steps(case.inputs)[:last + 1], labels)]
        key = "gradients"
    if len(calls) > MAX_STEPS_SHOWN:
        calls = ["…"] + calls[-MAX_STEPS_SHOWN:]
    return [text[key].format(steps="; ".join(calls))]


DIGEST_DRIVERS = ("quiz_choice", "quiz_number", "quiz_matching")  # answers kept as digests


def _describe_quiz_answer(prepared: PreparedSuite, mismatch: Mismatch, language: str) -> list[str]:
    """A wrong quiz answer in words: comparing digests would only show two hashes."""
    if prepared.driver not in DIGEST_DRIVERS or mismatch.kind not in ("value", "none"):
        return []
    text = messages.TEXT[language]
    decimals = prepared.driver_options.get("decimals")
    rounding = text["quiz-rounding"].format(decimals=decimals) if decimals is not None else ""
    if prepared.driver == "quiz_matching":
        return [text["quiz-wrong-pair"].format(item=mismatch.path)]
    return [text["quiz-wrong"].format(rounding=rounding)]


def compose_message(prepared: PreparedSuite, results: list[CaseResult], mistake: str | None,
                    language: str) -> str:
    text = messages.TEXT[language]
    suite_name = messages.SUITE_NAMES[language][prepared.suite]
    passed = sum(result.passed for result in results)
    total = len(results)
    if passed == total:
        lines = [text["passed"].format(exercise=prepared.exercise_id, total=total, suite=suite_name)]
        warned = next(((c, r) for c, r in zip(prepared.cases, results) if r.warned), None)
        if warned:  # right values that warned on the way: advice, not a failure
            case, result = warned
            lines.append(text["warning-advice"].format(case=case.label(language),
                                                       warning="; ".join(result.execution.warnings)))
        return "\n".join(lines)
    lines = [text["failed"].format(exercise=prepared.exercise_id, passed=passed, total=total,
                                   suite=suite_name, score=passed / total)]
    case, result = next((c, r) for c, r in zip(prepared.cases, results) if not r.passed)
    one_answer = prepared.driver in DIGEST_DRIVERS  # a quiz answer: no cases or inputs to show
    if not one_answer:
        lines.append(text["case"].format(case=case.label(language)))
    if prepared.suite == "visible" and not one_answer:  # hidden inputs stay hidden
        shown = case.inputs
        if prepared.driver in ("layer", "optimizer"):
            shown = {key: value for key, value in case.inputs.items() if key in ("init", "params")}
        lines.append(text["inputs"].format(inputs=", ".join(
            f"{name}={messages.summarise_value(value)}" for name, value in shown.items())))
        if prepared.driver in ("layer", "optimizer"):
            lines += _steps_shown(prepared, case, result, language)
    lines += _describe_quiz_answer(prepared, result.mismatch, language) or \
        _describe_mismatch(result.mismatch, result.execution, language, prepared.suite)
    lines += _also_modified(result, language)
    if result.mismatch.kind != "warning" and result.warned:
        lines.append(text["warning"].format(warning="; ".join(result.execution.warnings)))
    if mistake:
        lines.append(text["mistake"].format(mistake=mistake, hint=prepared.mistake_hints[mistake][language]))
    return "\n".join(lines)


# all steps -----------------------------------------------------------------------------------------

def run_suite(prepared: PreparedSuite, candidate, language: str | None = None,
              total_time: float = 60.0) -> Report:
    """Check ``candidate`` on every case of ``prepared``; never raises because of the candidate."""
    def run_here(case: PreparedCase, time_limit: float) -> Execution:
        return execute_case(prepared, case, candidate, time_limit)

    return run_prepared(prepared, describe_candidate(candidate), run_here, language, total_time)


def run_prepared(prepared: PreparedSuite, facts: CandidateFacts, run_case, language: str | None = None,
                 total_time: float = 60.0) -> Report:
    """The steps above, with the candidate run by ``run_case(case, time_limit) -> Execution``.

    :func:`run_suite` runs it in this process; the grader (``autograder.grading``) runs it in a
    sandboxed worker and judges here what comes back.
    """
    language = messages.language_or_default(language)
    problem = validate_candidate(prepared, facts, language)
    if problem:
        unanswered = prepared.candidate_kind == "value" and facts.is_none
        return Report(prepared.exercise_id, prepared.suite, False, 0.0, None, problem, [], unanswered)
    results = []
    remaining = total_time
    timed_out = None
    for case in prepared.cases:
        if timed_out is not None:
            # It looped once; running it again would only spend the class's time: the case fails.
            execution = Execution({"raised": timed_out})
        else:
            execution = run_case(case, max(0.5, min(prepared.time_limit, remaining)))
            remaining -= execution.seconds
            if execution.outputs.get("raised") == Raised("Timeout"):
                timed_out = execution.outputs["raised"]
        results.append(judge_case(prepared, case, execution))
    mistake = diagnose(prepared, results)
    score = sum(result.passed for result in results) / len(results)
    unfinished = all(result.execution.outputs.get("raised") == Raised("NotImplementedError") for result in results)
    if unfinished:
        message = messages.TEXT[language]["unfinished"].format(exercise=prepared.exercise_id)
    else:
        message = compose_message(prepared, results, mistake, language)
    return Report(prepared.exercise_id, prepared.suite, score == 1.0, score, mistake, message, results, unfinished)


__all__ = ["CandidateFacts", "PreparedCase", "PreparedSuite", "Report", "CaseResult", "describe_candidate",
           "run_prepared", "run_suite", "Raised"]

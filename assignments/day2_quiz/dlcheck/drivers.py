"""How a candidate is called: one driver per kind of exercise.

A driver has the signature ``driver(candidate, inputs, outputs, **options)``: it calls the
candidate on ``inputs`` (already a private copy) and records what came back in ``outputs`` step by
step. Drivers are looked up by name (:data:`DRIVERS`) so that a prepared suite, saved as student
fixtures, names its driver instead of pickling code.
"""
from __future__ import annotations

import copy

import numpy as np

# A test function given as data (the numerical-gradient exercises take one): the expression of
# f(x) under this key, using only ``np``, ``x`` and the named constants beside it, e.g.
# ``{"f(x)": "np.sum(x * (A @ x))", "A": array}``. Fixtures are the instructor's, so compiling one
# runs no one else's code; keeping the function in the case keeps the student runtime free of
# course content.
EXPRESSION = "f(x)"


def as_function(spec: dict):
    """The Python function ``f(x) -> float`` that ``spec`` describes (see :data:`EXPRESSION`)."""
    expression = spec[EXPRESSION]
    code = compile(expression, f"<f(x) = {expression}>", "eval")
    names = {"np": np, **{key: value for key, value in spec.items() if key != EXPRESSION}}

    def f(x):
        return float(eval(code, names, {"x": x}))  # noqa: S307 - the instructor's expression

    f.__name__ = "f"
    f.__doc__ = f"f(x) = {expression}"
    return f


def snapshot(value):
    """A deep copy of what the candidate returned, so later calls cannot change it behind our back."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: snapshot(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(item) for item in value)
    return value


def _changed(before, after) -> bool:
    if isinstance(before, np.ndarray):
        numeric = before.dtype.kind in "biufc"  # equal_nan is only defined for numbers (not strings)
        return not (isinstance(after, np.ndarray) and before.shape == after.shape
                    and np.array_equal(before, after, equal_nan=numeric))
    return False


def call(candidate, inputs, outputs, *, functions=(), may_modify=()):
    """A plain function, called with the inputs as positional arguments in catalog order.

    The inputs named in ``functions`` are test functions given as data (:func:`as_function`).

    outputs: ``return`` (what it returned) and ``modified inputs`` (arguments it changed in place
    although the catalog does not allow it; the catalog allows it for ``grad``).
    """
    arguments = {name: as_function(value) if name in functions else value for name, value in inputs.items()}
    originals = {name: copy.deepcopy(value) for name, value in arguments.items() if isinstance(value, np.ndarray)}
    outputs["return"] = snapshot(candidate(*arguments.values()))
    outputs["modified inputs"] = tuple(
        name for name, before in originals.items()
        if name not in may_modify and _changed(before, arguments[name])
    )


def call_generator(candidate, inputs, outputs):
    """A generator function: everything it yields, in order, as a list."""
    outputs["yielded"] = [snapshot(item) for item in candidate(*inputs.values())]


def _numbered(label: str, count: int) -> str:
    return label if count == 1 else f"{label} #{count}"


def layer_steps(inputs) -> list[tuple[int, str, tuple, dict]]:
    """A layer case's steps as ``(layer, method, args, kwargs)``, layers numbered from 1.

    A step is written ``(method, args, kwargs)`` when the case has one layer, or
    ``(layer, method, args, kwargs)`` when it names which of several layers it calls.
    """
    return [tuple(step) if len(step) == 4 else (1, *step) for step in inputs["steps"]]


def layer_labels(inputs) -> list[str]:
    """The output label of every step of a layer case, in step order.

    One layer (``init`` a dict): ``forward``, ``backward``, ``forward #2`` ... (the method and
    how many times it has been called so far). Several layers (``init`` a list, one dict per
    layer): the same prefixed by the layer's number, ``layer 1: forward``, ``layer 2: backward #2``.
    """
    several = isinstance(inputs["init"], (list, tuple))
    seen: dict[tuple[int, str], int] = {}
    labels = []
    for number, method, _, _ in layer_steps(inputs):
        seen[number, method] = seen.get((number, method), 0) + 1
        label = _numbered(method, seen[number, method])
        labels.append(f"layer {number}: {label}" if several else label)
    return labels


def layer(candidate, inputs, outputs, *, attributes=()):
    """A layer class: construct it from ``inputs["init"]``, run ``inputs["steps"]`` in order.

    ``init`` holds the constructor's keywords: a dict for one layer, or a list of dicts for several
    layers of the class, all built before the first step, so that a case can interleave them
    (forward 1, forward 2, backward 2, backward 1) and state kept on the class instead of the
    instance shows. Each step's result is recorded under its label (:func:`layer_labels`). After
    the steps, the named attributes (``dW``, ``db`` ...) of every layer are recorded, as ``dW``
    for one layer and ``layer 1: dW`` ... for several.
    """
    several = isinstance(inputs["init"], (list, tuple))
    instances = [candidate(**init) for init in (inputs["init"] if several else [inputs["init"]])]
    for (number, method, args, kwargs), label in zip(layer_steps(inputs), layer_labels(inputs)):
        outputs[label] = snapshot(getattr(instances[number - 1], method)(*args, **kwargs))
    for number, instance in enumerate(instances, start=1):
        for name in attributes:
            outputs[f"layer {number}: {name}" if several else name] = snapshot(getattr(instance, name))


def optimizer_steps(inputs) -> list[tuple[int, dict]]:
    """An optimizer case's calls as ``(optimizer, grads)``, optimizers numbered from 1."""
    several = isinstance(inputs["init"], (list, tuple))
    return [tuple(step) for step in inputs["grads"]] if several else [(1, grads) for grads in inputs["grads"]]


def optimizer_labels(inputs) -> list[str]:
    """The output label of every ``update`` call of an optimizer case, in call order:
    ``after update 1`` ... for one optimizer, ``optimizer 2: after update 1`` ... for several
    (k counts that optimizer's own calls)."""
    several = isinstance(inputs["init"], (list, tuple))
    calls: dict[int, int] = {}
    labels = []
    for number, _ in optimizer_steps(inputs):
        calls[number] = calls.get(number, 0) + 1
        labels.append(f"optimizer {number}: after update {calls[number]}" if several
                      else f"after update {calls[number]}")
    return labels


def optimizer(candidate, inputs, outputs):
    """An optimizer class: construct it, then call ``update(params, grads)`` once per gradient.

    One optimizer: ``init`` (constructor keywords) and ``params`` are dicts and ``grads`` a list of
    gradient dicts, one per call. outputs: ``after update k`` (every parameter after the k-th call)
    and ``updated in place`` (the arrays in ``params`` are the same objects throughout, as a
    network holding references to its weights needs).

    Several optimizers of the class (two networks trained side by side): ``init`` and ``params``
    are lists (one entry per optimizer, numbered from 1) and each entry of ``grads`` is a pair
    ``(optimizer, gradients)``, so that the calls interleave and state kept on the class shows.
    outputs: ``optimizer 1: after update 1`` ... (k counts that optimizer's own calls) and
    ``optimizer 1: updated in place`` ....
    """
    several = isinstance(inputs["init"], (list, tuple))
    inits = inputs["init"] if several else [inputs["init"]]
    all_params = inputs["params"] if several else [inputs["params"]]
    instances = [candidate(**init) for init in inits]
    arrays = [dict(params) for params in all_params]
    for (number, grads), label in zip(optimizer_steps(inputs), optimizer_labels(inputs)):
        params = all_params[number - 1]
        instances[number - 1].update(params, {key: value.copy() for key, value in grads.items()})
        outputs[label] = snapshot(dict(params))
    for number, (params, originals) in enumerate(zip(all_params, arrays), start=1):
        in_place = all(params.get(key) is array for key, array in originals.items())
        outputs[f"optimizer {number}: updated in place" if several else "updated in place"] = in_place


DRIVERS = {
    "call": call,
    "call_generator": call_generator,
    "layer": layer,
    "optimizer": optimizer,
}


def register_driver(name: str):
    """Decorator adding a driver (e.g. a property summary of a random component) to :data:`DRIVERS`."""
    def add(function):
        DRIVERS[name] = function
        return function
    return add

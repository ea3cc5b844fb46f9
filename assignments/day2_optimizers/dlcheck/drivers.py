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


def layer(candidate, inputs, outputs, *, attributes=()):
    """A layer class: construct it from ``inputs["init"]``, run ``inputs["steps"]`` in order.

    Each step is ``(method, args, kwargs)``; its result is recorded under the method's name
    (``forward``, ``backward``, then ``forward #2`` ...). After the steps, the named attributes
    (``dW``, ``db`` ...) are recorded.
    """
    instance = candidate(**inputs["init"])
    seen: dict[str, int] = {}
    for method, args, kwargs in inputs["steps"]:
        seen[method] = seen.get(method, 0) + 1
        label = method if seen[method] == 1 else f"{method} #{seen[method]}"
        outputs[label] = snapshot(getattr(instance, method)(*args, **kwargs))
    for name in attributes:
        outputs[name] = snapshot(getattr(instance, name))


def optimizer(candidate, inputs, outputs):
    """An optimizer class: construct it, then call ``update(params, grads)`` once per gradient.

    outputs: ``after update k`` (every parameter after the k-th call) and ``updated in place``
    (the arrays in ``params`` are the same objects throughout, as a network holding references to
    its weights needs).
    """
    instance = candidate(**inputs["init"])
    params = inputs["params"]
    arrays = dict(params)
    for step, grads in enumerate(inputs["grads"], start=1):
        instance.update(params, {key: value.copy() for key, value in grads.items()})
        outputs[f"after update {step}"] = snapshot(dict(params))
    outputs["updated in place"] = all(params.get(key) is array for key, array in arrays.items())


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

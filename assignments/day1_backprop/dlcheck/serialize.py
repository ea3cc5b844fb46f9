"""Prepared suites as JSON: the student-side fixtures.

JSON rather than pickle: loading a fixture runs no code, the files diff cleanly in git, and the same
suite always writes the same bytes (floats are written with ``repr``, which round-trips exactly).
Arrays, tuples, NaN/inf and :class:`Raised` values are tagged so they read back as they were.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from .engine import PreparedCase, PreparedSuite
from .sandbox import Raised

FORMAT_VERSION = 1


def _encode(value):
    if isinstance(value, np.ndarray):
        return {"__array__": _encode(value.tolist()), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return {"__scalar__": _encode(value.item()), "dtype": value.dtype.str}
    if isinstance(value, Raised):
        return {"__raised__": value.type_name, "message": value.message}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"fixture dict keys must be strings: {list(value)!r}")
        return {key: _encode(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot save {type(value).__name__} in a fixture")


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return np.array(value["__array__"], dtype=np.dtype(value["dtype"])).reshape(value["shape"])
    if "__scalar__" in value:
        return np.dtype(value["dtype"]).type(value["__scalar__"])
    if "__raised__" in value:
        return Raised(value["__raised__"], value.get("message", ""))
    if "__tuple__" in value:
        return tuple(_decode(item) for item in value["__tuple__"])
    return {key: _decode(item) for key, item in value.items()}


def dumps(prepared: PreparedSuite) -> str:
    data = dataclasses.asdict(prepared)
    data["cases"] = [
        {**dataclasses.asdict(case), "mistakes": {m: [[o, w] for o, w in runs] for m, runs in case.mistakes.items()}}
        for case in prepared.cases
    ]
    return json.dumps({"format": FORMAT_VERSION, "suite": _encode(data)}, ensure_ascii=False, indent=1) + "\n"


def loads(text: str) -> PreparedSuite:
    document = json.loads(text)
    if document.get("format") != FORMAT_VERSION:
        raise ValueError(f"fixture format {document.get('format')!r}, this checker reads {FORMAT_VERSION}")
    data = _decode(document["suite"])
    data["cases"] = [
        PreparedCase(**{**case, "mistakes": {m: [(o, bool(w)) for o, w in runs] for m, runs in case["mistakes"].items()}})
        for case in data["cases"]
    ]
    return PreparedSuite(**data)


def save(prepared: PreparedSuite, folder: Path) -> Path:
    path = Path(folder) / f"{prepared.exercise_id}.{prepared.suite}.json"
    path.write_text(dumps(prepared), encoding="utf-8")
    return path


def load(folder: Path, exercise_id: str, suite: str = "visible") -> PreparedSuite:
    return loads((Path(folder) / f"{exercise_id}.{suite}.json").read_text(encoding="utf-8"))

"""Execution time of every solution notebook, top to bottom, as nbgrader would run it.

    python benchmarks/notebooks.py

Target: < 60 s per notebook on the course's 2-core machine (the course's nbgrader cell timeout is
120 s). Prints one line per notebook and the slowest.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    timings = []
    for folder in sorted(p for p in (ROOT / "solutions").iterdir() if p.is_dir()):
        path = folder / f"{folder.name}.ipynb"
        if not path.exists():
            continue
        notebook = nbformat.read(str(path), as_version=4)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
        seconds = time.perf_counter() - start
        timings.append((seconds, folder.name))
        print(f"{folder.name:24s} {seconds:6.1f} s")
    slowest = max(timings)
    print(f"slowest: {slowest[1]} {slowest[0]:.1f} s (target < 60 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

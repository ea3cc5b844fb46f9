"""The report's figures, drawn with Matplotlib (Agg) and saved as PNG; Japanese text through matplotlib-fontja."""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from .text import REPORT

DPI = 110
ROW_INCHES = 0.24          # per bar of a horizontal bar chart
WIDTH = 9.5                # inches, of the bar charts
LABEL_INCHES = 0.065       # per character of a bar's label at font size 8 (for the left margin)
COLOURS = {"full": "#1a7f37", "high": "#8fd19e", "low": "#f2cc60", "zero": "#cf222e", "bar": "#0969da"}


@dataclass
class Figure:
    name: str              # the PNG's file name
    title: str
    png: bytes


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401 - sets a Japanese font (IPAexGothic) for every figure
    return plt


def _margins(figure, labels: list[str], height: float, top_inches: float, bottom_inches: float = 0.55) -> None:
    """Room for the bars' labels on the left, set by hand: tight_layout measures every label (slow)."""
    left = min(0.6, (max((len(label) for label in labels), default=4) * LABEL_INCHES + 0.25) / WIDTH)
    figure.subplots_adjust(left=left, right=0.97, top=1 - top_inches / height, bottom=bottom_inches / height)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def score_histograms(per_assignment: dict[str, list[float]], language: str) -> Figure:
    """One histogram per assignment of each submission's share of the points."""
    plt = _pyplot()
    words = REPORT[language]
    names = list(per_assignment)
    columns = min(5, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns + 0.6, 2.2 * rows + 0.6), squeeze=False,
                                sharex=True)
    bins = [i / 10 for i in range(11)]
    for index, axis in enumerate(axes.flat):
        if index >= len(names):
            axis.set_visible(False)
            continue
        shares = per_assignment[names[index]]
        axis.hist(shares, bins=bins, color=COLOURS["bar"], edgecolor="white")
        mean = sum(shares) / len(shares) if shares else 0.0
        axis.set_title(f"{names[index]}\n(n = {len(shares)}, {words['mean']} {100 * mean:.0f} %)", fontsize=9)
        axis.set_xlim(0, 1)
        axis.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
        axis.tick_params(labelsize=8)
        if index % columns == 0:
            axis.set_ylabel(words["fig_submissions"], fontsize=8)
        if index // columns == rows - 1:
            axis.set_xlabel(words["fig_share"], fontsize=8)
    figure.suptitle(words["scores_assignment"], fontsize=11)
    figure.tight_layout()
    png = _png(figure)
    plt.close(figure)
    return Figure("scores_by_assignment.png", words["scores_assignment"], png)


def exercise_distribution(labels: list[str], shares: list[tuple[float, float, float, float]],
                          language: str) -> Figure:
    """A stacked bar per exercise: the share of submissions with 0, under half, half or more, and all points."""
    plt = _pyplot()
    words = REPORT[language]
    height = ROW_INCHES * len(labels) + 1.3
    figure, axis = plt.subplots(figsize=(WIDTH, height))
    positions = range(len(labels))
    left = [0.0] * len(labels)
    for part, (bin_label, colour) in enumerate(zip(words["bins"], ("zero", "low", "high", "full"))):
        widths = [share[part] for share in shares]
        axis.barh(positions, widths, left=left, color=COLOURS[colour], label=bin_label, height=0.8)
        left = [a + b for a, b in zip(left, widths)]
    axis.set_yticks(list(positions), labels, fontsize=8)
    axis.set_ylim(len(labels) - 0.5, -0.5)
    axis.set_xlim(0, 1)
    axis.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    figure.suptitle(words["fig_exercise_title"], fontsize=11, y=1 - 0.1 / height, va="top")
    handles, names = axis.get_legend_handles_labels()
    figure.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.38 / height), ncol=4,
                  fontsize=8, frameon=False)
    _margins(figure, labels, height, top_inches=0.75, bottom_inches=0.4)
    png = _png(figure)
    plt.close(figure)
    return Figure("scores_by_exercise.png", words["scores_exercise"], png)


def horizontal_bars(name: str, title: str, labels: list[str], values: list[float], xlabel: str,
                    percent: bool) -> Figure:
    """Bars from the top down, each labelled with its value."""
    plt = _pyplot()
    height = ROW_INCHES * max(1, len(labels)) + 1.1
    figure, axis = plt.subplots(figsize=(WIDTH, height))
    positions = range(len(labels))
    axis.barh(positions, values, color=COLOURS["bar"], height=0.75)
    axis.set_yticks(list(positions), labels, fontsize=8)
    axis.set_ylim(len(labels) - 0.5, -0.5)
    top = 1.0 if percent else max(values or [1]) * 1.12
    axis.set_xlim(0, top * (1.08 if percent else 1.0))
    for position, value in zip(positions, values):
        text = f"{100 * value:.0f}%" if percent else f"{value:g}"
        axis.text(value + top * 0.01, position, text, va="center", fontsize=7)
    if percent:
        axis.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    axis.set_xlabel(xlabel, fontsize=9)
    axis.set_title(title, fontsize=11)
    _margins(figure, labels, height, top_inches=0.4)
    png = _png(figure)
    plt.close(figure)
    return Figure(name, title, png)


def save(figures: list[Figure], folder: Path) -> None:
    for figure in figures:
        (folder / figure.name).write_bytes(figure.png)

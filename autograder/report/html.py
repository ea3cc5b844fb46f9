"""Self-contained HTML pages: inline CSS, images as base64 data, no script and nothing fetched."""
from __future__ import annotations

import base64
import html

from .text import FONT_STACK, MONO_STACK

STYLE = f"""
:root {{ color-scheme: light; }}
body {{ font-family: {FONT_STACK}; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #1f2328;
       line-height: 1.5; background: #ffffff; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }}
h3 {{ font-size: 1.05em; margin: 1.2em 0 0.3em 0; }}
p.note {{ color: #57606a; font-size: 0.92em; margin-top: 0.2em; }}
table {{ border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }}
th, td {{ border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f6f8fa; }}
table#mistakes {{ width: 100%; }}
table#mistakes td:nth-child(6) {{ width: 45%; }}
.id {{ white-space: nowrap; font-family: {MONO_STACK}; font-size: 0.9em; }}
td.number {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
img {{ max-width: 100%; height: auto; display: block; margin: 0.6em 0; border: 1px solid #eaeef2; }}
pre, code {{ font-family: {MONO_STACK}; font-size: 0.9em; }}
pre {{ background: #f6f8fa; padding: 6px 10px; white-space: pre-wrap; margin: 0.3em 0; border-radius: 4px; }}
.status {{ display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 0.85em; white-space: nowrap; }}
.passed {{ background: #dafbe1; color: #1a7f37; }}
.partial {{ background: #fff8c5; color: #9a6700; }}
.failed, .crashed, .timed-out {{ background: #ffebe9; color: #cf222e; }}
.blank, .unknown {{ background: #f6f8fa; color: #57606a; }}
.manual {{ background: #ddf4ff; color: #0969da; }}
section.exercise {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 14px 10px 14px; margin: 12px 0; }}
div.check {{ margin: 6px 0 6px 8px; }}
p.hint {{ background: #fff8c5; padding: 4px 8px; border-radius: 4px; }}
"""


def escape(text) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: str, language: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="icon" href="data:,">\n<title>{escape(title)}</title>\n<style>{STYLE}</style>\n'
            f'</head>\n<body>\n{body}\n</body>\n</html>\n')


def table(headers: list[str], rows: list[list], numeric: set[int] = frozenset(), table_id: str | None = None) -> str:
    """An HTML table; cells are escaped unless given as :class:`Markup`."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            content = value.text if isinstance(value, Markup) else escape(value)
            cells.append(f'<td class="number">{content}</td>' if index in numeric else f"<td>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    identifier = f' id="{escape(table_id)}"' if table_id else ""
    return f"<table{identifier}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Markup:
    """HTML already escaped."""

    def __init__(self, text: str):
        self.text = text


def status_badge(status: str, words: dict[str, str]) -> Markup:
    css = status.replace(" ", "-")
    return Markup(f'<span class="status {escape(css)}">{escape(words.get(status, status))}</span>')


def image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'

"""How a report reads in a browser: the header block, the verdict table, numbers a reviewer can read.

The executed notebook becomes HTML without its code (inputs hidden), without stderr (warnings), and with
this machine's paths made relative; the header block with the run's provenance goes on top.
"""

from __future__ import annotations

import html
import json

from shopcat import config
from shopcat.reproduce.verdicts import LABELS, significant

LABEL_COLOURS = {
    "reproduced": "#d8f0d8",
    "not reproduced": "#f6d5d5",
    "inconclusive": "#f6efc8",
    "not applicable": "#e6e6e6",
    "failed": "#f0b0b0",
    "not run": "#ffffff",
}

STYLE = """<style>
.shopcat-header table, .shopcat-verdicts { border-collapse: collapse; font-size: 13px; margin: 0.5em 0; }
.shopcat-header td, .shopcat-header th, .shopcat-verdicts td, .shopcat-verdicts th {
  border: 1px solid #bbb; padding: 4px 8px; text-align: left !important; vertical-align: top; }
.shopcat-header { border: 1px solid #999; background: #fafafa; padding: 0.6em 1em; margin-bottom: 1em; }
</style>"""


def number(value, kind: str = "auto") -> str:
    """A figure as text: shares as 79.1%, rates to three significant digits, counts with separators."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return significant(value)


def _cell(value) -> str:
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    return html.escape(config.display_path(number(value) if isinstance(value, (int, float)) else str(value)))


def verdict_table(verdicts: list[dict]) -> str:
    """One row per claim part: label (coloured), the figures, how measured, and what would settle it."""
    rows = []
    for v in verdicts:
        colour = LABEL_COLOURS.get(v["label"], "#fff")
        detail = v.get("reason", "")
        if v.get("settle"):
            detail += f"; to settle: {v['settle']}"
        rows.append(f"<tr><td>{html.escape(v['part'])}</td><td>{html.escape(v.get('claim_deck', ''))}</td>"
                    f"<td>{html.escape(v['text'].split(': ', 1)[-1])}</td>"
                    f'<td style="background:{colour}"><b>{html.escape(v["label"])}</b></td>'
                    f"<td>{html.escape(detail)}</td></tr>")
    return (STYLE + '<table class="shopcat-verdicts"><tr><th>claim part</th><th>deck</th><th>ours</th>'
            "<th>verdict</th><th>why</th></tr>" + "".join(rows) + "</table>")


def legend() -> str:
    """The meaning of every label, once."""
    items = "".join(f'<li><span style="background:{LABEL_COLOURS[k]};padding:0 4px"><b>{html.escape(k)}</b></span>: '
                    f"{html.escape(text)}</li>" for k, text in LABELS.items())
    return f"<ul>{items}</ul>"


def data_line(data: dict) -> str:
    """'simulated: shopcat.sim (...) · 12,000 rows read, 12,000 accepted, 0 rejected'."""
    if not data:
        return ""
    text = f"{data.get('kind', '?')}: {data.get('name', '')}"
    counts = [f"{number(data[k])} {label}" for k, label in (("read", "rows read"), ("rows", "accepted"),
                                                            ("rejected", "rejected")) if data.get(k) is not None]
    if counts:
        text += " · " + ", ".join(counts)
    if data.get("detail"):
        text += f" · {data['detail']}"
    return config.display_path(text)


def header_block(record: dict) -> str:
    """The top of a report: claim, data, profile, seeds, commit, wall time, then the merged parameters."""
    fields = [
        ("claim", record.get("claim", "")),
        ("deck's figure", record.get("deck", "")),
        ("data", data_line(record.get("data") or {})),
        ("profile", record.get("profile", "")),
        ("seeds", ", ".join(str(s) for s in record.get("seeds") or [record.get("seed")])),
        ("git commit", record.get("git_commit", "")),
        ("wall time", f"{number(record.get('run_wall_time_s', record.get('wall_time_s')))} s"),
        ("started", record.get("started_at", "")),
        ("scale", record.get("scale", "")),
        ("notes", record.get("notes", "")),
    ]
    top = "".join(f"<tr><th>{html.escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in fields if v not in ("", None))
    params = "".join(f"<tr><td>{html.escape(k)}</td><td>{_cell(v)}</td></tr>"
                     for k, v in sorted((record.get("params") or {}).items()))
    status = record.get("status", "ok")
    failed = (f"<p><b>FAILED</b> at cell {record.get('failing_cell')}: {html.escape(str(record.get('error', '')))}</p>"
              if status == "failed" else "")
    return (f'{STYLE}<div class="shopcat-header">{failed}<table>{top}</table>'
            f"<details open><summary>merged parameters</summary><table><tr><th>name</th><th>value</th></tr>"
            f"{params}</table></details></div>")


def pandas_display() -> None:
    """Tables in reports show 3 significant digits, not 16."""
    import pandas as pd

    pd.set_option("display.float_format", lambda v: number(float(v)))

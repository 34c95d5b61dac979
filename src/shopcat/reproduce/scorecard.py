"""reports/index.html: one row per experiment, the deck's figure beside ours, and what each ran on.

The page is built from the report JSON files alone, so it always says what the last runs said.
Simulated data is named as such on every row and in the banner: a figure on simulated data tests a
method against the mechanisms the deck names, it is not Naver's number reproduced.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path

VERDICT_COLOURS = {
    "direction reproduced": "#d8f0d8",
    "partly reproduced": "#f6efc8",
    "not reproduced": "#f6d5d5",
    "not applicable": "#e6e6e6",
    "failed": "#f0b0b0",
    "not run": "#ffffff",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shopcat scorecard</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 1400px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border: 1px solid #bbb; padding: 6px 8px; vertical-align: top; text-align: left; }}
th {{ background: #f2f2f2; }}
.banner {{ background: #fff6d6; border: 1px solid #e0c050; padding: 10px 14px; margin-bottom: 1em; }}
small {{ color: #555; }}
</style></head><body>
<h1>shopcat scorecard</h1>
<div class="banner"><b>Read this first.</b> Naver's catalog is private. Rows marked <i>simulated</i> ran on the
package's catalog simulator: they test whether a method copes with the mechanisms the deck names (noise,
imbalance, ambiguous titles, seller categories), and their numbers are <b>not</b> Naver's numbers reproduced.
Rows marked <i>real</i> ran on real public data named in the row. Verdicts speak only of the direction of the
deck's claim.</div>
<p><small>Built {built} from {n_reports} report file(s) in this folder.</small></p>
<table>
<tr><th>experiment</th><th>deck's claim</th><th>deck's figure</th><th>our figure</th><th>data</th>
<th>verdict</th><th>wall time</th><th>provenance</th></tr>
{rows}
</table></body></html>
"""


def _row(name: str, report: dict | None) -> str:
    esc = html.escape
    report = report or {"status": "not run"}
    status = report.get("status", "ok")
    verdict = status if status in ("failed", "not run") else report.get("verdict", "")
    data = report.get("data") or {}
    data_text = f"<b>{esc(str(data.get('kind', '')))}</b>: {esc(str(data.get('name', '')))}" if data else ""
    if data.get("detail"):
        data_text += f"<br><small>{esc(str(data['detail']))}</small>"
    if report.get("scale"):
        data_text += f"<br><small>{esc(str(report['scale']))}</small>"
    ours = esc(str(report.get("ours", "")))
    if status == "failed":
        ours = f"<b>failed</b> at cell {report.get('failing_cell')}: {esc(str(report.get('error', '')))}"
    link = esc(name)
    if status != "not run":
        link = f'<a href="{esc(report.get("html", name + ".html"))}">{link}</a>'
    wall = report.get("run_wall_time_s", report.get("wall_time_s"))
    provenance = ""
    if status != "not run":
        provenance = (
            f"profile {esc(str(report.get('profile', '?')))}, seed {esc(str(report.get('seed')))}<br>"
            f"commit {esc(str(report.get('git_commit', '?')))}<br>"
            f"<small>{esc(str(report.get('started_at', '')))}</small>"
        )
    cells = [
        f"<td>{link}</td>",
        f"<td>{esc(str(report.get('claim', '')))}</td>",
        f"<td>{esc(str(report.get('deck', '')))}</td>",
        f"<td>{ours}</td>",
        f"<td>{data_text}</td>",
        f'<td style="background:{VERDICT_COLOURS.get(verdict, "#fff")}">{esc(verdict)}</td>',
        f"<td>{wall} s</td>" if wall is not None else "<td></td>",
        f"<td>{provenance}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def read_reports(reports_dir: Path) -> dict[str, dict]:
    reports = {}
    for path in sorted(Path(reports_dir).glob("[0-9][0-9]_*.json")):
        reports[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return reports


def write_index(reports_dir: Path, names: list[str] | None = None) -> Path:
    """Write reports/index.html; `names` lists every experiment so unrun ones show as 'not run'."""
    reports_dir = Path(reports_dir)
    reports = read_reports(reports_dir)
    names = sorted(set(names or []) | set(reports))
    rows = "\n".join(_row(name, reports.get(name)) for name in names)
    built = datetime.now(timezone.utc).isoformat(timespec="seconds")
    page = PAGE.format(rows=rows, built=built, n_reports=len(reports))
    index = reports_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index

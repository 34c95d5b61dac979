"""One helper writes every report JSON, so every report has the same fields.

A notebook makes a `Report` right after its parameters cell and calls `save()` in its last cell. The
reproduce runner adds what only it knows (profile, merged params, status) to the same file afterwards.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from shopcat import config

try:  # every notebook imports this module; its figures name Korean categories, so use a font with Hangul
    import koreanize_matplotlib  # noqa: F401
except ImportError:
    pass
try:  # and its tables show figures, not 16-digit floats
    from shopcat.reproduce.render import pandas_display

    pandas_display()
except ImportError:
    pass



def data_source(kind: str, name: str, detail: str = "", rows: int | None = None, read: int | None = None,
                rejected: int | None = None) -> dict:
    """What a report ran on. kind is 'simulated' or 'real'; name says which (e.g. 'shopcat.sim seed 0').

    rows is what the notebook used (accepted rows); read and rejected, when known, what the reader saw.
    """
    if kind not in ("simulated", "real"):
        raise ValueError(f"data kind must be 'simulated' or 'real', not {kind!r}")
    return {"kind": kind, "name": name, "detail": config.display_path(detail), "rows": rows, "read": read,
            "rejected": rejected}


def _clean(value):
    """JSON-safe: numpy scalars to python, NaN to None, tuples to lists, paths to repository-relative strings."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (Path, str)):
        return config.display_path(str(value))
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_benchmark(path: str | Path, figures: dict) -> Path:
    """Write a benchmark's results file; every one carries the same provenance (commit, python, machine, cores)."""
    import os
    import platform

    record = _clean({**figures, "git_commit": config.run_commit(), "python": platform.python_version(),
                     "machine": platform.machine(), "cpu_count": os.cpu_count(),
                     "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def notebook_parameter_names(name: str) -> list[str]:
    """The names declared in notebooks/<name>.ipynb's parameters cell (the runner injects only these)."""
    from shopcat.reproduce.params import notebook_defaults

    path = config.NOTEBOOKS_DIR / f"{name}.ipynb"
    return list(notebook_defaults(path)) if path.exists() else []


@dataclass
class Report:
    """The record of one notebook run: start it after the parameters cell, save it at the end.

    `Report("01_baseline_vs_human", globals())` takes the values of the notebook's declared parameters from
    the notebook's namespace, so the names are not repeated by hand (and a run in JupyterLab records the same).
    """

    name: str
    scope: dict | None = None
    params: dict = field(default_factory=dict)
    reports_dir: Path = field(default_factory=lambda: config.REPORTS_DIR)
    started: float = field(default_factory=time.time)

    def __post_init__(self):
        if self.scope is not None and not self.params:
            self.params = {k: self.scope[k] for k in notebook_parameter_names(self.name) if k in self.scope}
        self.scope = None  # the namespace itself is not part of the record

    @property
    def path(self) -> Path:
        return Path(self.reports_dir) / f"{self.name}.json"

    def save(self, *, metrics: dict, data: dict, claim: str, deck: str, verdicts: list[dict], scale: str = "",
             notes: str = "") -> None:
        """Write reports/<name>.json and show the verdicts. `deck` is the deck's figure as short text;
        `verdicts` come from shopcat.reproduce.verdicts (judge / not_applicable), and the report's
        one-line figure ('ours') is built from them."""
        from shopcat.reproduce import verdicts as V

        V.check(verdicts)
        record = {
            "name": self.name,
            "claim": claim,
            "deck": deck,
            "ours": V.headline(verdicts),
            "verdicts": verdicts,
            "data": data,
            "scale": scale,
            "notes": config.display_path(notes),
            "metrics": metrics,
            "params": self.params,
            "seed": self.params.get("seed"),
            "seeds": self.params.get("seeds", [self.params.get("seed")]),
            "git_commit": config.run_commit(),
            "started_at": datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            "wall_time_s": round(time.time() - self.started, 1),
            "status": "ok",
        }
        record = _clean(record)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _show_verdicts(record["verdicts"])


def _show_verdicts(verdicts: list[dict]) -> None:
    """The verdict table, shown where the notebook ends (in JupyterLab and in the HTML report)."""
    try:
        from IPython.display import HTML, display
    except ImportError:
        return
    from shopcat.reproduce.render import verdict_table

    display(HTML("<h2>Verdict</h2>" + verdict_table(verdicts)))

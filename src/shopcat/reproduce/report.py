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

VERDICTS = ("direction reproduced", "not reproduced", "not applicable", "partly reproduced")


def data_source(kind: str, name: str, detail: str = "", rows: int | None = None) -> dict:
    """What a report ran on. kind is 'simulated' or 'real'; name says which (e.g. 'shopcat.sim seed 0')."""
    if kind not in ("simulated", "real"):
        raise ValueError(f"data kind must be 'simulated' or 'real', not {kind!r}")
    return {"kind": kind, "name": name, "detail": detail, "rows": rows}


def _clean(value):
    """JSON-safe: numpy scalars to python, NaN to None, tuples to lists, paths to strings."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Path):
        return str(value)
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

    record = _clean({**figures, "git_commit": config.git_commit(), "python": platform.python_version(),
                     "machine": platform.machine(), "cpu_count": os.cpu_count(),
                     "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass
class Report:
    """The record of one notebook run: start it after the parameters cell, save it at the end."""

    name: str
    params: dict = field(default_factory=dict)
    reports_dir: Path = field(default_factory=lambda: config.REPORTS_DIR)
    started: float = field(default_factory=time.time)

    @property
    def path(self) -> Path:
        return Path(self.reports_dir) / f"{self.name}.json"

    def save(
        self,
        *,
        metrics: dict,
        data: dict,
        claim: str,
        deck: str,
        ours: str,
        verdict: str,
        scale: str = "",
        notes: str = "",
    ) -> dict:
        """Write reports/<name>.json. `deck` is the deck's figure, `ours` this run's, both as short text."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
        record = {
            "name": self.name,
            "claim": claim,
            "deck": deck,
            "ours": ours,
            "verdict": verdict,
            "data": data,
            "scale": scale,
            "notes": notes,
            "metrics": metrics,
            "params": self.params,
            "seed": self.params.get("seed"),
            "git_commit": config.git_commit(),
            "started_at": datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            "wall_time_s": round(time.time() - self.started, 1),
            "status": "ok",
        }
        record = _clean(record)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return record

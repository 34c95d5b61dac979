"""The deck's ladder, 62.3 -> 87 -> 90 -> 94, as one table: each rung's accuracy and its gain over the rung below.

Notebook 11 measures the rungs on one catalog with the same seeds and test rows, so each step's gain is a
paired difference over seeds judged by the one verdict rule (`shopcat.reproduce.verdicts`). The scorecard
and the README draw the table from notebook 11's report, with notebook 06's fused model beside it: the fused
rung was measured there, on its own catalog, and on this simulator it is below one TextCNN over name + mall,
so the cleaning rungs are built on the TextCNN.
"""

from __future__ import annotations

import html

import pandas as pd

from shopcat.reproduce import verdicts as V
from shopcat.train.metrics import accuracy_ci

LADDER = ["rule (mall category similarity)", "TextCNN (name + mall)", "TextCNN + SELFIE",
          "TextCNN + SELFIE + keyword removal"]
DECK = {  # rung -> (the deck's figure for it, the deck's step that led there)
    LADDER[0]: ("62.3% (first model)", ""),
    LADDER[1]: ("87% (multi-task model)", "62.3% -> 87% (text, image and multi-task models)"),
    LADDER[2]: ("90%", "87% -> 90% with SELFIE"),
    LADDER[3]: ("94%", "90% -> 94% with cat_remove_kwd_list"),
}
FUSED_06 = "fused (name + mall + image)"


def ladder_table(results: pd.DataFrame, peers: list[str] = (), metric: str = "leaf",
                 correct: dict | None = None) -> pd.DataFrame:
    """One row per rung present in `results` (one row per seed and system), then the peers.

    Columns: system, previous (the rung below, '' for the first and for peers), the mean over seeds and its
    95% interval, the gain over the previous rung with its paired interval and verdict label, and the deck's
    figure and step. With one seed, `correct` ({system: per-test-item hits}) gives each gain a paired
    bootstrap over the test items instead of no interval."""
    rows = []
    rungs = [r for r in LADDER if r in set(results["system"])]
    for i, name in enumerate(rungs + [p for p in peers if p in set(results["system"])]):
        values = results.loc[results["system"] == name, metric]
        mean, lo, hi = accuracy_ci(values.to_numpy()) if len(values) > 1 else (float(values.mean()),) * 3
        previous = rungs[i - 1] if 0 < i < len(rungs) else ""
        kind = "rung" if i < len(rungs) else ("oracle" if "oracle" in name else "peer")
        row = {"system": name, "kind": kind, "previous": previous,
               metric: mean, f"{metric}_lo": lo, f"{metric}_hi": hi, "deck": DECK.get(name, ("", ""))[0],
               "deck_step": DECK.get(name, ("", ""))[1], "gain": None, "gain_lo": None, "gain_hi": None, "label": ""}
        if previous:
            one_seed = results["seed"].nunique() == 1 and correct and name in correct and previous in correct
            ev = (V.bootstrap_items(correct[name], correct[previous]) if one_seed
                  else V.paired_systems(results, name, previous, metric=metric))
            verdict = V.judge(V.Claim(f"{name} beats {previous}", a=name, b=previous, deck=row["deck_step"]), ev)
            row.update(gain=ev.effect, gain_lo=ev.lo, gain_hi=ev.hi, label=verdict["label"])
        rows.append(row)
    return pd.DataFrame(rows)


def _pct(x) -> str:
    return "" if x is None or x != x else f"{100 * x:.1f}"


def _fused_row(report_06: dict | None) -> dict | None:
    """Notebook 06's fused model and its paired gain over its own one-network TextCNN, when 06 has run."""
    if not report_06 or report_06.get("status") != "ok":
        return None
    per = {r["system"]: r for r in report_06.get("metrics", {}).get("per_system", [])}
    fused = per.get(FUSED_06)
    step = next((v for v in report_06.get("verdicts", []) if "one TextCNN" in v.get("part", "")), None)
    if fused is None or step is None:
        return None
    return {"system": f"{FUSED_06}, notebook 06 (its own catalog)", "leaf": fused["leaf"],
            "leaf_lo": fused.get("leaf_lo"), "leaf_hi": fused.get("leaf_hi"), "gain": step["effect"],
            "gain_lo": step["lo"], "gain_hi": step["hi"], "label": step["label"], "previous": "its TextCNN",
            "deck": "87% (multi-task model)"}


def ladder_rows(report_11: dict | None, report_06: dict | None = None) -> list[dict]:
    """The rows the scorecard and the README show: 11's rungs and peers, 06's fused model after the TextCNN."""
    if not report_11 or report_11.get("status") != "ok":
        return []
    rows = list(report_11.get("metrics", {}).get("ladder", []))
    fused = _fused_row(report_06)
    if fused is not None:
        at = next((i + 1 for i, r in enumerate(rows) if r["system"] == LADDER[1]), len(rows))
        rows.insert(at, {**fused, "kind": "beside"})
    return rows


def _cells(r: dict) -> list[str]:
    ours = f"{_pct(r.get('leaf'))}"
    if r.get("leaf_lo") is not None and r.get("leaf_lo") == r.get("leaf_lo") and r.get("leaf_lo") != r.get("leaf"):
        ours += f" [{_pct(r['leaf_lo'])}, {_pct(r['leaf_hi'])}]"
    gain = ""
    if r.get("gain") is not None:
        interval = (f" [{100 * r['gain_lo']:+.1f}, {100 * r['gain_hi']:+.1f}]" if r.get("gain_lo") is not None
                    and r.get("gain_hi") is not None else " (one seed: no interval)")
        gain = f"{100 * r['gain']:+.1f}{interval} over {r['previous']}"
    return [r["system"], r.get("kind", ""), ours, gain, r.get("label", ""), r.get("deck", "")]


HEADER = ["rung", "kind", "leaf accuracy % (simulated)", "gain, points [95% interval]", "verdict", "deck"]


def ladder_html(rows: list[dict]) -> str:
    if not rows:
        return "<p>The ladder appears once notebook 11 has run.</p>"
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in _cells(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def ladder_markdown(rows: list[dict]) -> str:
    if not rows:
        return "The ladder appears once notebook 11 has run."
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines)

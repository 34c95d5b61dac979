"""The one rule that turns a measured effect into a verdict on a claim of the deck.

Every notebook states each part of the deck's claim as a `Claim` (an effect whose sign, or whose size
against a threshold, the deck asserts), measures it as `Evidence` (paired differences over seeds, a
paired bootstrap over test items when one seed runs, or repeated timings), and calls `judge`. The labels
have one meaning each, written once in `LABELS` and shown in the scorecard's legend:

- reproduced: the effect has the deck's sign and its 95% interval excludes zero (a threshold claim: the
  interval clears the threshold);
- not reproduced: the interval excludes zero with the opposite sign (falls short of the threshold), or
  lies inside the claim's declared equivalence margin (no effect);
- inconclusive: neither; the verdict says what would settle it;
- not applicable: this data cannot test the claim, and the verdict says why.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from shopcat.train.metrics import accuracy_ci

LABELS = {
    "reproduced": "the effect has the deck's sign and its 95% interval excludes zero "
                  "(threshold claims: the interval clears the threshold)",
    "not reproduced": "the 95% interval excludes zero with the opposite sign (threshold claims: lies below the "
                      "threshold), or lies inside the declared equivalence margin (no effect)",
    "inconclusive": "neither: too little data or too much noise; the verdict says what would settle it",
    "not applicable": "this data cannot test the claim; the verdict says why",
}


@dataclass(frozen=True)
class Claim:
    """One part of a deck's claim: `effect = a - b` (or `a / b` for ratios) should exceed `threshold`.

    unit: "points" (accuracy differences, shown in percentage points), "ratio" (a speed-up, shown as 4.2x),
    "share" (a proportion against a threshold, shown as 65.0%) or "value" (a plain quantity compared with
    a threshold, e.g. messages/s). `margin` declares an
    equivalence band around zero inside which the effect counts as no effect (for "points" claims).
    """

    part: str
    a: str
    b: str = ""
    deck: str = ""
    unit: str = "points"
    threshold: float = 0.0
    margin: float | None = None


@dataclass
class Evidence:
    """A measured effect with its 95% interval and how it was measured."""

    effect: float
    lo: float
    hi: float
    n: int
    method: str
    a_value: float | None = None
    b_value: float | None = None
    sd: float | None = None
    samples: list = field(default_factory=list)


def paired_seeds(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> Evidence:
    """Per-seed paired differences a_i - b_i (both arms on the same split and seed), t interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"paired arms need the same, non-zero number of seeds, got {a.size} and {b.size}")
    diff = a - b
    mean, n = float(diff.mean()), diff.size
    if n == 1:
        return Evidence(mean, -math.inf, math.inf, 1, "one seed (no interval)", float(a.mean()), float(b.mean()))
    _, lo, hi = accuracy_ci(diff)
    return Evidence(mean, lo, hi, n, f"paired over {n} seeds", float(a.mean()), float(b.mean()),
                    float(diff.std(ddof=1)), diff.tolist())


def paired_systems(results, a: str, b: str, metric: str = "leaf", by: str = "system") -> Evidence:
    """paired_seeds on a long results frame (one row per seed and system), matching the arms by seed."""
    table = results.pivot_table(index="seed", columns=by, values=metric)
    for arm in (a, b):
        if arm not in table.columns:
            raise KeyError(f"no {by} named {arm!r} in the results; have {sorted(table.columns)}")
    both = table[[a, b]].dropna()
    return paired_seeds(both[a].to_numpy(), both[b].to_numpy())


def bootstrap_items(correct_a, correct_b, n_boot: int = 2000, seed: int = 0) -> Evidence:
    """Paired bootstrap over test items: both arms scored on the same items; percentile interval."""
    a, b = np.asarray(correct_a, dtype=float), np.asarray(correct_b, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"paired arms need the same test items, got {a.size} and {b.size}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    diffs = a[idx].mean(axis=1) - b[idx].mean(axis=1)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return Evidence(float(a.mean() - b.mean()), float(lo), float(hi), int(a.size),
                    f"paired bootstrap over {a.size} test items", float(a.mean()), float(b.mean()), float(diffs.std()))


def bootstrap_share(flags, n_boot: int = 2000, seed: int = 0) -> Evidence:
    """The share of True in `flags` with a bootstrap percentile interval (a one-arm quantity)."""
    x = np.asarray(flags, dtype=float)
    if x.size == 0:
        raise ValueError("no items to bootstrap")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return Evidence(float(x.mean()), float(lo), float(hi), int(x.size), f"bootstrap over {x.size} items",
                    float(x.mean()), None, float(means.std()))


def ratio_repeats(a: list[float], b: list[float]) -> Evidence:
    """Paired ratios a_i / b_i of repeated measurements (e.g. timings), t interval on the log ratio."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.size == 0 or (a <= 0).any() or (b <= 0).any():
        raise ValueError("ratio_repeats needs the same, non-zero number of positive measurements per arm")
    logs = np.log(a / b)
    centre = float(np.exp(logs.mean()))
    if logs.size == 1:
        return Evidence(centre, -math.inf, math.inf, 1, "one repeat (no interval)", float(a[0]), float(b[0]))
    _, lo, hi = accuracy_ci(logs)
    return Evidence(centre, float(np.exp(lo)), float(np.exp(hi)), int(logs.size),
                    f"geometric mean over {logs.size} paired repeats", float(np.median(a)), float(np.median(b)),
                    float(logs.std(ddof=1)), (a / b).tolist())


def value_repeats(values: list[float]) -> Evidence:
    """A quantity measured several times (e.g. messages/s): mean and t interval."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("no measurements")
    mean = float(x.mean())
    if x.size == 1:
        return Evidence(mean, -math.inf, math.inf, 1, "one run (no interval)", mean)
    _, lo, hi = accuracy_ci(x)
    return Evidence(mean, lo, hi, int(x.size), f"mean over {x.size} runs", mean, None,
                    float(x.std(ddof=1)), x.tolist())


def _settle(claim: Claim, ev: Evidence) -> str:
    """What would turn an inconclusive verdict into a decided one."""
    if ev.n <= 1:
        return "run at least 3 seeds (or score per test item) so the effect gets an interval"
    gap = abs(ev.effect - claim.threshold)
    half = (ev.hi - ev.lo) / 2
    if gap == 0 or not math.isfinite(half):
        return "more seeds or more test items"
    need = math.ceil(ev.n * (half / gap) ** 2)
    what = "seeds" if "seed" in ev.method else ("test items" if "item" in ev.method else "repeats")
    return f"about {need} {what} (now {ev.n}) would make the interval exclude the {('threshold' if claim.threshold else 'zero')} at this effect size"


def judge(claim: Claim, ev: Evidence) -> dict:
    """The verdict on one claim part, with its figures, as a JSON-ready dict."""
    t = claim.threshold
    if claim.margin is not None and -claim.margin < ev.lo and ev.hi < claim.margin:
        label, reason = "not reproduced", f"the interval lies inside the equivalence margin ±{_fmt(claim.margin, claim.unit)}"
    elif ev.lo > t:
        label, reason = "reproduced", ("the interval clears the threshold" if t else "the interval excludes zero with the deck's sign")
    elif ev.hi < t:
        label, reason = "not reproduced", ("the interval lies below the threshold" if t else "the interval excludes zero with the opposite sign")
    else:
        label, reason = "inconclusive", "the interval contains " + ("the threshold" if t else "zero")
    verdict = {"part": claim.part, "label": label, "reason": reason, **_claim_fields(claim), **_evidence_fields(ev)}
    if label == "inconclusive":
        verdict["settle"] = _settle(claim, ev)
    verdict["text"] = describe(verdict)
    return verdict


def not_applicable(claim: Claim, why: str) -> dict:
    """A claim part this data cannot test; `why` says what is missing."""
    verdict = {"part": claim.part, "label": "not applicable", "reason": why, **_claim_fields(claim)}
    verdict["text"] = describe(verdict)
    return verdict


def _claim_fields(claim: Claim) -> dict:
    fields = asdict(claim)
    fields.pop("part")
    return {f"claim_{k}": v for k, v in fields.items()}


def _evidence_fields(ev: Evidence) -> dict:
    return {"effect": ev.effect, "lo": ev.lo if math.isfinite(ev.lo) else None,
            "hi": ev.hi if math.isfinite(ev.hi) else None, "n": ev.n, "method": ev.method,
            "a_value": ev.a_value, "b_value": ev.b_value, "sd": ev.sd, "samples": ev.samples}


def _fmt(value: float | None, unit: str) -> str:
    """Numbers as a reviewer reads them: points to one decimal, ratios as 4.2x, values to 3 significant digits."""
    if value is None:
        return "?"
    if unit == "points":
        return f"{100 * value:+.1f} pt"
    if unit == "ratio":
        return f"{value:.3g}x"
    if unit == "share":
        return f"{100 * value:.1f}%"
    return significant(value)


def significant(value: float) -> str:
    """A plain figure: three significant digits, whole numbers with separators from 1,000 up."""
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def fmt_value(value: float | None, unit: str) -> str:
    """An arm's own figure: accuracy as 79.1%, a speed as its value."""
    if value is None:
        return "?"
    return f"{100 * value:.1f}%" if unit in ("points", "share") else _fmt(value, "value")


def describe(v: dict) -> str:
    """One line: the part, both arms' figures, the effect with its interval, the label."""
    unit = v["claim_unit"]
    if v["label"] == "not applicable":
        return f"{v['part']}: not applicable ({v['reason']})"
    arms = f"{v['claim_a']} {fmt_value(v['a_value'], unit)}"
    if v["claim_b"]:
        arms += f" vs {v['claim_b']} {fmt_value(v['b_value'], unit)}"
    interval = f" [{_fmt(v['lo'], unit)}, {_fmt(v['hi'], unit)}]" if v["lo"] is not None else ""
    effect = f"{_fmt(v['effect'], unit)}{interval}"
    against = f" against {_fmt(v['claim_threshold'], unit)}" if v["claim_threshold"] else ""
    return f"{v['part']}: {arms}; effect {effect}{against}, {v['method']}: {v['label']}"


def headline(verdicts: list[dict]) -> str:
    """A report's 'ours' line, built from its verdict parts, never by hand."""
    return "; ".join(v["text"] for v in verdicts)


def check(verdicts: list[dict]) -> list[dict]:
    """Refuse anything that did not come out of judge/not_applicable."""
    if not verdicts:
        raise ValueError("a report needs at least one verdict part")
    for v in verdicts:
        if v.get("label") not in LABELS:
            raise ValueError(f"verdict label must be one of {tuple(LABELS)}, not {v.get('label')!r}")
    return verdicts

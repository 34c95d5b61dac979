"""How right label cleaning was, judged against the truth the simulator keeps (`true_category`).

A cleaning method leaves every training sample kept, relabelled or dropped. A wrong label is one whose
observed value differs from the truth. Dropping is right when it hits a wrong label; relabelling is right
when the new label is the truth (a relabelled wrong label given another wrong label is a miss). On
simulated data `noise_kind` says which mechanism made each wrong label ('' when clean), so the same
figures by kind show which noise a method can see: sibling confusion looks like signal, seller abuse not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _rates(observed, truth, final, dropped) -> dict:
    noisy = observed != truth
    relabelled = ~dropped & (final != observed)
    fixed = relabelled & (final == truth)
    trained_wrong = ~dropped & (final != truth)

    def share(a, b):
        return float(a.sum() / b.sum()) if b.sum() else float("nan")

    return {
        "n": int(len(observed)), "noisy": int(noisy.sum()),
        "dropped": int(dropped.sum()), "relabelled": int(relabelled.sum()),
        "drop_precision": share(dropped & noisy, dropped),  # dropped samples whose label was wrong
        "drop_recall": share(dropped & noisy, noisy),  # wrong labels that were dropped
        "relabel_precision": share(fixed, relabelled),  # relabelled samples now carrying the truth
        "relabel_recall": share(fixed & noisy, noisy),  # wrong labels turned into the truth
        "clean_damaged": int((~noisy & (dropped | relabelled)).sum()),  # right labels dropped or changed
        "noise_before": share(noisy, np.ones_like(noisy)),
        "noise_after": share(trained_wrong, ~dropped),  # wrong labels among the samples still trained on
    }


def relabel_hits(observed, truth, final, dropped) -> np.ndarray:
    """One flag per relabelled sample: does its new label equal the truth (for an interval on the precision)."""
    observed, truth, final = (np.asarray(x) for x in (observed, truth, final))
    relabelled = ~np.asarray(dropped, dtype=bool) & (final != observed)
    return final[relabelled] == truth[relabelled]


def audit(observed, truth, final, dropped, kind=None) -> pd.DataFrame:
    """Precision and recall of what was dropped and relabelled: one row for all samples, one per noise kind.

    observed, truth, final: labels per sample (any comparable type; final = the label after cleaning, its
    value ignored where dropped); dropped: bool per sample; kind: the noise kind per sample or None. Within a
    noise kind every label is wrong, so its meaningful figures are the recalls and relabel_precision; the
    'clean' row (kind '') counts the right labels a method damaged."""
    observed, truth, final = (np.asarray(x) for x in (observed, truth, final))
    dropped = np.asarray(dropped, dtype=bool)
    if not len(observed) == len(truth) == len(final) == len(dropped):
        raise ValueError("observed, truth, final and dropped must have one entry per sample")
    rows = [{"group": "all", **_rates(observed, truth, final, dropped)}]
    if kind is not None:
        kind = np.asarray(kind, dtype=object)
        for name in sorted(set(kind.tolist()), key=lambda k: (k == "", str(k))):
            m = kind == name
            rows.append({"group": name or "clean", **_rates(observed[m], truth[m], final[m], dropped[m])})
    return pd.DataFrame(rows).set_index("group")

"""The ladder table: rungs in the deck's order, each gain paired over seeds against the rung below, 06's fused row beside."""

import numpy as np
import pandas as pd
import pytest

from shopcat.reproduce.ladder import LADDER, ladder_markdown, ladder_rows, ladder_table

PEER = "TF-IDF + linear SVM (name + mall)"


def results():
    """Three seeds; each rung 5 points above the one below on every seed, SELFIE 1 point below the TextCNN on one."""
    rows = []
    for s in range(3):
        base = 0.6 + 0.01 * s
        values = {LADDER[0]: base, LADDER[1]: base + 0.05, LADDER[2]: base + 0.10 - (0.06 if s == 0 else 0.0),
                  LADDER[3]: base + 0.15, PEER: 0.9}
        rows += [{"seed": s, "system": k, "leaf": v} for k, v in values.items()]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # order of rows must not matter


def test_rungs_follow_the_deck_and_gains_are_paired():
    table = ladder_table(results(), peers=[PEER])
    assert table["system"].tolist() == [*LADDER, PEER]
    assert table["previous"].tolist() == ["", *LADDER[:-1], ""]
    by = table.set_index("system")
    assert by.loc[LADDER[1], "gain"] == pytest.approx(0.05)
    assert by.loc[LADDER[1], "label"] == "reproduced"  # the same +5 on every seed: a zero-width interval above 0
    assert by.loc[LADDER[2], "gain"] == pytest.approx(0.03)  # (-0.01 + 0.05 + 0.05) / 3
    assert by.loc[LADDER[2], "label"] == "inconclusive"
    assert np.isnan(by.loc[PEER, "gain"]) or by.loc[PEER, "gain"] is None


def test_a_missing_rung_is_skipped_and_the_next_is_paired_with_the_one_below_it():
    r = results()
    table = ladder_table(r[r["system"] != LADDER[2]])
    assert table.set_index("system").loc[LADDER[3], "previous"] == LADDER[1]


def test_rows_put_06s_fused_model_after_the_textcnn():
    table = ladder_table(results(), peers=[PEER])
    report_11 = {"status": "ok", "metrics": {"ladder": table.to_dict("records")}}
    report_06 = {"status": "ok",
                 "metrics": {"per_system": [{"system": "fused (name + mall + image)", "leaf": 0.79,
                                             "leaf_lo": 0.78, "leaf_hi": 0.8}]},
                 "verdicts": [{"part": "the fused model beats one TextCNN over name + mall", "effect": -0.05,
                               "lo": -0.07, "hi": -0.03, "label": "not reproduced"}]}
    rows = ladder_rows(report_11, report_06)
    assert [r["system"] for r in rows][:3] == [LADDER[0], LADDER[1], "fused (name + mall + image), notebook 06 "
                                                                      "(its own catalog)"]
    text = ladder_markdown(rows)
    assert "not reproduced" in text and "-5.0 [-7.0, -3.0]" in text
    assert ladder_rows(None) == [] and "once notebook 11 has run" in ladder_markdown([])


def test_one_seed_gains_come_from_a_paired_bootstrap_over_test_items():
    r = results()
    one = r[r["seed"] == 0]
    rng = np.random.default_rng(0)
    hits = {name: rng.random(400) < value for name, value in zip(one["system"], one["leaf"], strict=True)}
    hits[LADDER[1]] = hits[LADDER[0]] | (rng.random(400) < 0.5)  # every rule hit and more: a sure gain
    table = ladder_table(one, correct=hits).set_index("system")
    assert table.loc[LADDER[1], "gain_lo"] > 0 and table.loc[LADDER[1], "label"] == "reproduced"
    assert ladder_table(one).set_index("system").loc[LADDER[1], "label"] == "inconclusive"  # no items: no interval

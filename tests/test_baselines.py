import numpy as np

from _text_catalog import LEAVES, tiny_catalog
from shopcat.text.baselines import RuleBaseline, make_tfidf_peer, tfidf_text


def test_rule_baseline_maps_a_platform_path_to_itself():
    leaves = list(LEAVES)
    rule = RuleBaseline(leaves, fallback=leaves[0])
    assert rule.predict(leaves) == leaves
    assert rule.predict([""]) == [leaves[0]]  # no mall category: the fallback
    assert rule.predict(["디지털가전>스피커"]) == ["디지털/가전>음향가전>스피커"]  # close spelling still maps


def test_tfidf_peer_beats_chance_on_small_catalog():
    train, test = tiny_catalog(300, seed=0, noise=0.2), tiny_catalog(120, seed=1, noise=0.0)
    peer = make_tfidf_peer().fit(tfidf_text(train, use_mall=False), train["category"])
    accuracy = (peer.predict(tfidf_text(test, use_mall=False)) == test["true_category"]).mean()
    assert accuracy > 3 * (1 / len(LEAVES))


def test_fasttext_peer_learns_and_repeats_itself():
    from shopcat.text.baselines import FastTextPeer

    train, test = tiny_catalog(300, seed=0, noise=0.2), tiny_catalog(120, seed=1, noise=0.0)
    texts = tfidf_text(test, use_mall=False)

    def run():
        return FastTextPeer(epoch=30, seed=0).fit(tfidf_text(train, use_mall=False), train["category"]).predict(texts)

    pred = run()
    assert set(pred) <= set(train["category"])
    accuracy = (np.array(pred) == test["true_category"].to_numpy()).mean()
    assert accuracy > 3 * (1 / len(LEAVES))
    assert pred == run()  # one thread and a seed: the same answers every run

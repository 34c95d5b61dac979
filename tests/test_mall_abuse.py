"""Abused mall categories: found from the titles' disagreement with the labels, dropped and blanked."""

import numpy as np
import pandas as pd

from shopcat.text import experiments as ex
from shopcat.text import mall_abuse

LEAVES = {"가전>청소기>무선청소기": "무선청소기", "식품>선물세트>햄선물세트": "햄선물세트", "패션>지갑>장지갑": "장지갑",
          "화장품>스킨케어>아이크림": "아이크림"}


def catalog(n_per_leaf=40, abused_rows=30, etc_rows=12, seed=0):
    """Honest rows per leaf under a matching mall category; an abusive seller files vacuum cleaners, wallets and
    eye creams under 햄선물세트 and the label follows; '기타' holds all kinds under titles that name no product,
    each labelled by what it is: a name-only model cannot tell them, but their labels scatter."""
    rng = np.random.default_rng(seed)
    rows = []
    leaves = list(LEAVES)
    for leaf, noun in LEAVES.items():
        for _ in range(n_per_leaf):
            rows.append((f"{noun} 상품{rng.integers(100)} 특가", leaf, leaf))
    for i in range(abused_rows):
        truth = leaves[[0, 2, 3][i % 3]]
        rows.append((f"{LEAVES[truth]} 상품{rng.integers(100)}", "식품>선물세트>햄선물세트", "식품>선물세트>햄선물세트"))
    for i in range(etc_rows):
        truth = leaves[i % 4]
        rows.append((f"모델{rng.integers(100)} 상품", "기타", truth))
    df = pd.DataFrame(rows, columns=["title", "mall_category", "category"])
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_the_abused_category_is_listed_and_the_honest_etc_category_is_not():
    train = catalog()
    predicted = mall_abuse.name_only_predictions(train, folds=3, seed=0)
    abused = mall_abuse.find_abused_malls(train, predicted, min_rows=10)
    assert abused["mall_category"].tolist() == ["식품>선물세트>햄선물세트"]
    row = abused.iloc[0]
    assert row["label"] == "식품>선물세트>햄선물세트" and row["label_share"] == 1.0
    assert row["disagree_rate"] > 0.3 > row["elsewhere_rate"]
    etc = mall_abuse.find_abused_malls(train, predicted, min_rows=10, min_label_share=0.0)
    assert "기타" in set(etc["mall_category"])  # contradicted as often, but its labels follow the products


def test_only_the_contradicted_rows_of_a_listed_category_are_dropped():
    train = catalog()
    predicted = mall_abuse.name_only_predictions(train, folds=3, seed=0)
    abused = mall_abuse.find_abused_malls(train, predicted, min_rows=10)
    drop = mall_abuse.abuse_mask(train, abused, predicted)
    dropped = train[drop]
    assert (dropped["mall_category"] == "식품>선물세트>햄선물세트").all()
    assert not dropped["title"].str.contains("햄선물세트").any()  # the honest 햄선물세트 products stay
    assert drop.sum() >= 20  # most of the 30 abused rows


def test_nothing_is_listed_without_abuse_or_without_mall_categories():
    honest = catalog(abused_rows=0)
    assert mall_abuse.find_abused_malls(honest, mall_abuse.name_only_predictions(honest), min_rows=10).empty
    no_mall = catalog().assign(mall_category="")
    assert mall_abuse.find_abused_malls(no_mall, mall_abuse.name_only_predictions(no_mall), min_rows=10).empty


def test_blanking_and_the_filtered_corpus_keep_the_test_rows_paired():
    df = catalog(seed=1).assign(product_id=lambda d: [f"p{i}" for i in range(len(d))])
    df["true_category"] = df["category"]
    tokens = {"title": [t.split() for t in df["title"]], "mall": [m.replace(">", " ").split() for m in df["mall_category"]]}
    corpus = ex.split_corpus(df, tokens, seed=0)
    abused = pd.DataFrame({"mall_category": ["식품>선물세트>햄선물세트"]})
    drop = np.zeros(len(corpus.train), dtype=bool)
    drop[:3] = True
    filtered = ex.without_abused_malls(corpus, abused, drop)
    assert len(filtered.train) == len(corpus.train) - 3 and len(filtered.y_train) == len(filtered.train)
    assert filtered.test["product_id"].tolist() == corpus.test["product_id"].tolist()
    assert filtered.test_truth == corpus.test_truth
    blanked = corpus.test["mall_category"].eq("식품>선물세트>햄선물세트").to_numpy()
    assert blanked.any() and (filtered.test["mall_category"].to_numpy()[blanked] == "").all()
    assert all(filtered.tokens["test"]["mall"][i] == [] for i in np.flatnonzero(blanked))
    kept = np.flatnonzero(~blanked)
    assert [filtered.tokens["test"]["mall"][i] for i in kept] == [corpus.tokens["test"]["mall"][i] for i in kept]
    assert (corpus.test["mall_category"].to_numpy()[blanked] == "식품>선물세트>햄선물세트").all()  # input untouched

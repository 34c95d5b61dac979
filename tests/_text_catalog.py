"""A tiny hand-made catalog in the shopcat schema for text tests (no simulator, no real rows)."""

import numpy as np
import pandas as pd

LEAVES = {
    "디지털/가전>음향가전>MP3": ["MP3", "mp3플레이어", "음악재생"],
    "디지털/가전>음향가전>스피커": ["스피커", "블루투스스피커", "사운드바"],
    "패션의류>여성의류>원피스": ["원피스", "롱원피스", "플라워원피스"],
    "패션의류>남성의류>청바지": ["청바지", "데님팬츠", "슬림진"],
    "식품>과일>사과": ["사과", "부사", "꿀사과"],
    "식품>과일>배": ["배", "신고배", "나주배"],
}
FILLER = ["정품", "특가", "무료배송", "신상", "1+1", "국내산", "블랙", "화이트", "500g", "대용량", "세트"]


def tiny_catalog(n: int = 300, seed: int = 0, noise: float = 0.1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    leaves = list(LEAVES)
    truth = [leaves[i] for i in rng.integers(0, len(leaves), n)]
    titles, malls, observed = [], [], []
    for leaf in truth:
        words = [str(rng.choice(LEAVES[leaf]))] + [str(w) for w in rng.choice(FILLER, 3)]
        rng.shuffle(words)
        titles.append(" ".join(words))
        levels = leaf.split(">")
        malls.append(">".join(levels[:2]) + ">" + levels[-1] if rng.random() < 0.8 else "")
        observed.append(leaves[rng.integers(len(leaves))] if rng.random() < noise else leaf)
    return pd.DataFrame({
        "product_id": [f"p{i}" for i in range(n)], "title": titles, "mall_category": malls, "image": "",
        "category": observed, "registered_at": pd.Timestamp("2024-01-01"), "seller_id": "s0",
        "true_category": truth,
    })

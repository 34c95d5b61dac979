"""Sellers and their own category paths (`mall_category`).

Each seller files products under a path in its own style: the platform's path, the same with renamed or
regrouped upper levels (디지털/가전 vs 생활/가전), a coarse two-level path, English, just '기타', or nothing.
Abusive sellers file every product under one popular category, which also drives the `seller_abuse` label noise.
Sellers specialise in one domain and their sizes follow a Zipf law, as on a real marketplace.
"""

from __future__ import annotations

import numpy as np

STYLES = ("platform", "renamed", "coarse", "english", "etc", "none")
DEFAULT_STYLE_MIX = (0.35, 0.20, 0.20, 0.10, 0.08, 0.07)

RENAMED_TOP = {
    "패션의류": "의류", "패션잡화": "잡화/신발", "화장품/미용": "뷰티", "디지털/가전": "생활/가전", "가구/인테리어": "홈/인테리어",
    "출산/육아": "유아동", "식품": "푸드", "스포츠/레저": "스포츠/아웃도어", "생활/건강": "생활용품",
    "여가/생활편의": "티켓/여행", "도서": "도서/음반",
}
ENGLISH = {
    "패션의류": "Fashion", "패션잡화": "Accessories", "화장품/미용": "Beauty", "디지털/가전": "Electronics",
    "가구/인테리어": "Home", "출산/육아": "Baby", "식품": "Food", "스포츠/레저": "Sports", "생활/건강": "Living",
    "여가/생활편의": "Leisure", "도서": "Books", "여성의류": "Women", "남성의류": "Men", "여성신발": "Women Shoes",
    "남성신발": "Men Shoes", "휴대폰": "Mobile", "휴대폰액세서리": "Mobile Accessories", "음향가전": "Audio",
    "컴퓨터": "Computers", "계절가전": "Seasonal", "주방가전": "Kitchen Appliances", "주방용품": "Kitchen",
    "캠핑": "Camping", "낚시": "Fishing", "반려동물": "Pets", "스킨케어": "Skincare", "과일": "Fruit",
    "가공식품": "Groceries", "건강식품": "Health Food", "침구": "Bedding", "조명": "Lighting", "골프": "Golf",
}


def style_table(leaves: list[str]) -> np.ndarray:
    """mall_category text for every (style, leaf): shape (len(STYLES), n_leaves), object strings."""
    table = np.empty((len(STYLES), len(leaves)), dtype=object)
    for j, leaf in enumerate(leaves):
        parts = leaf.split(">")
        renamed = [RENAMED_TOP.get(parts[0], parts[0])] + ([parts[1], parts[-1]] if len(parts) > 2 else parts[1:])
        table[0, j] = leaf
        table[1, j] = ">".join(renamed)  # renamed top, middle levels merged away
        table[2, j] = ">".join(parts[:2])
        table[3, j] = ">".join(ENGLISH.get(p, p) for p in parts[:3])
        table[4, j] = "기타"
        table[5, j] = ""
    return table


def make_sellers(rng: np.random.Generator, n_sellers: int, n_domains: int, abuser_share: float,
                 style_mix=DEFAULT_STYLE_MIX) -> dict[str, np.ndarray]:
    """Seller ids, home domain, filing style and abuser flag."""
    n_abusers = max(1, int(round(n_sellers * abuser_share)))
    domain = rng.integers(0, n_domains, n_sellers)
    style = rng.choice(len(STYLES), size=n_sellers, p=np.asarray(style_mix) / np.sum(style_mix))
    abuser = np.zeros(n_sellers, dtype=bool)
    abuser[rng.choice(n_sellers, n_abusers, replace=False)] = True
    ids = np.array([f"seller{i:05d}" for i in range(n_sellers)], dtype=object)
    return dict(id=ids, domain=domain, style=style, abuser=abuser)


def _zipf_index(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    """Rank in [0, size) with P(rank) roughly proportional to 1/(rank+1)."""
    u = rng.random(len(size))
    return np.minimum((np.exp(u * np.log(size + 1.0)) - 1).astype(np.int64), np.maximum(size - 1, 0))


def assign_sellers(rng: np.random.Generator, sellers: dict, row_domain: np.ndarray,
                   abuse_rows: np.ndarray) -> np.ndarray:
    """A seller index per row: abuse rows go to abusers, the rest to honest sellers of the row's domain."""
    honest = np.flatnonzero(~sellers["abuser"])
    order = honest[np.argsort(sellers["domain"][honest], kind="stable")]
    dom_sorted = sellers["domain"][order]
    n_dom = int(max(row_domain.max(initial=0), sellers["domain"].max()) + 1)
    starts = np.searchsorted(dom_sorted, np.arange(n_dom))
    sizes = np.searchsorted(dom_sorted, np.arange(n_dom), side="right") - starts
    out = np.empty(len(row_domain), dtype=np.int64)
    has = sizes[row_domain] > 0
    rank = _zipf_index(rng, sizes[row_domain])
    out[has] = order[np.minimum(starts[row_domain] + rank, len(order) - 1)][has]
    out[~has] = honest[rng.integers(0, len(honest), (~has).sum())]  # a domain nobody specialises in
    abusers = np.flatnonzero(sellers["abuser"])
    out[abuse_rows] = abusers[_zipf_index(rng, np.full(len(abuse_rows), len(abusers)))]
    return out

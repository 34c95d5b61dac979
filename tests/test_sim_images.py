"""Simulated product images: shape, determinism, and that the information sits at the scales we claim."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from shopcat import config
from shopcat.sim import images
from shopcat.sim.images import object_mask, render_image, render_images, save_images

PHONE = "디지털/가전>휴대폰>스마트폰>갤럭시"
SIBLINGS = [
    ("디지털/가전>휴대폰>스마트폰>갤럭시", "디지털/가전>휴대폰>스마트폰>아이폰"),
    ("화장품/미용>스킨케어>스킨", "화장품/미용>스킨케어>로션"),
    ("패션의류>여성의류>티셔츠", "패션의류>여성의류>블라우스"),
    ("도서>소설>한국소설", "도서>소설>영미소설"),
]
CROSS = [
    ("디지털/가전>휴대폰>스마트폰>갤럭시", "화장품/미용>스킨케어>스킨"),
    ("패션의류>여성의류>티셔츠", "도서>소설>한국소설"),
    ("화장품/미용>스킨케어>로션", "스포츠/레저>구기스포츠>축구>축구공"),
    ("도서>소설>영미소설", "패션잡화>여성가방>토트백"),
]


@pytest.mark.parametrize("size", [60, 100, 224])
def test_shape_and_dtype(size):
    img = render_image("p1", PHONE, size)
    assert img.shape == (size, size, 3) and img.dtype == np.uint8
    batch = render_images(["p1", "p2", "p3"], [PHONE, "도서>소설>한국소설", "식품>가공식품>잼/시럽>딸기잼"], size)
    assert batch.shape == (3, size, size, 3) and batch.dtype == np.uint8
    assert np.array_equal(batch[0], img)
    assert img.std() > 10  # not a blank canvas


def test_deterministic_per_product_and_seed():
    a = render_image("p42", PHONE, 128, seed=3)
    assert render_image("p42", PHONE, 128, seed=3).tobytes() == a.tobytes()
    assert not np.array_equal(render_image("p42", PHONE, 128, seed=4), a)
    assert not np.array_equal(render_image("p43", PHONE, 128, seed=3), a)


def test_any_path_renders():
    odd = ["", "기타", "Unknown Top>Sub", "a>b>c>d>e>f", "여가/생활편의>티켓", "패션잡화>남성신발>운동화"]
    for leaf in odd:
        assert render_image("x", leaf, 64).shape == (64, 64, 3)
    try:
        tree = json.loads(config.shared_path("naver-category-tree/naver_categories.json").read_text("utf-8"))
    except FileNotFoundError as err:
        pytest.skip(f"Naver category tree not available: {err}")
    leaves = [row["wholeCategoryName"] for row in tree if row["last"]]
    picks = np.random.default_rng(0).choice(len(leaves), 25, replace=False)
    looks = {images.leaf_look(leaves[i]).family for i in picks}
    assert len(looks) >= 5  # the real tree spreads over many silhouette families
    for i in picks[:8]:
        assert render_image(f"n{i}", leaves[i], 48).shape == (48, 48, 3)


def test_same_leaf_products_differ_by_nuisance():
    a, b = render_image("p1", PHONE, 96).astype(float), render_image("p2", PHONE, 96).astype(float)
    assert np.abs(a - b).mean() > 10


def _log_hu(mask: np.ndarray) -> np.ndarray:
    """First four Hu moments (log scale) of a coverage mask: invariant to pose, so they describe shape."""
    ys, xs = np.mgrid[: mask.shape[0], : mask.shape[1]].astype(float)
    m00 = mask.sum()
    xc, yc = (mask * xs).sum() / m00, (mask * ys).sum() / m00
    x, y = xs - xc, ys - yc

    def eta(p, q):
        return (mask * x**p * y**q).sum() / m00 ** (1 + (p + q) / 2)

    n20, n02, n11, n30, n03, n21, n12 = eta(2, 0), eta(0, 2), eta(1, 1), eta(3, 0), eta(0, 3), eta(2, 1), eta(1, 2)
    hu = np.array([
        n20 + n02,
        (n20 - n02) ** 2 + 4 * n11**2,
        (n30 - 3 * n12) ** 2 + (3 * n21 - n03) ** 2,
        (n30 + n12) ** 2 + (n21 + n03) ** 2,
    ])
    return np.sign(hu) * np.log10(np.abs(hu) + 1e-12)


def test_silhouette_shared_within_leaf_not_across_domains():
    leaves = ["패션의류>여성의류>티셔츠", "화장품/미용>스킨케어>스킨", "스포츠/레저>구기스포츠>축구>축구공",
              "여가/생활편의>티켓>공연티켓", "패션잡화>여성가방>토트백"]
    hu = {leaf: np.array([_log_hu(object_mask(f"s{i}", leaf, 96)) for i in range(8)]) for leaf in leaves}
    within = np.mean([np.linalg.norm(h - h.mean(0), axis=1).mean() for h in hu.values()])
    centres = np.array([h.mean(0) for h in hu.values()])
    between = np.mean([np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:]])
    assert within < 0.5 * between, (within, between)
    # Siblings share the silhouette exactly: same product, sibling leaf, same mask.
    assert np.array_equal(object_mask("s1", SIBLINGS[0][0], 96), object_mask("s1", SIBLINGS[0][1], 96))


def _kept_energy(a_leaf: str, b_leaf: str, small: int, n: int = 6) -> float:
    """How much of the difference between two leaves' renders of the same products survives at `small` px
    (mean squared difference at `small` over that at 224)."""
    def diff(product_id, size):
        a = render_image(product_id, a_leaf, size).astype(np.float32)
        return np.mean((a - render_image(product_id, b_leaf, size).astype(np.float32)) ** 2)

    return float(np.mean([diff(f"d{i}", small) / diff(f"d{i}", 224) for i in range(n)]))


def test_sibling_details_vanish_at_low_resolution():
    # Same product under two sibling leaves: the nuisance is identical, so any difference is the leaves'.
    diff224 = np.abs(render_image("d0", SIBLINGS[0][0], 224).astype(int) - render_image("d0", SIBLINGS[0][1], 224))
    assert diff224.max() > 100  # a sharp detail differs at full resolution
    sib = np.mean([_kept_energy(a, b, 32) for a, b in SIBLINGS])
    cross = np.mean([_kept_energy(a, b, 32) for a, b in CROSS])
    assert sib < 0.45, sib  # most of the sibling difference is fine detail
    assert cross > 0.7, cross  # silhouettes and palettes survive
    assert sib < 0.5 * cross


def test_images_carry_top_level_signal():
    from sklearn.linear_model import LogisticRegression

    leaves = [a for a, _ in SIBLINGS] + ["스포츠/레저>구기스포츠>축구>축구공", "패션잡화>여성가방>토트백"]
    n_per = 50
    ids = [f"c{k}-{i}" for k in range(len(leaves)) for i in range(n_per)]
    paths = [leaf for leaf in leaves for _ in range(n_per)]
    x = render_images(ids, paths, 32).reshape(len(ids), 16, 2, 16, 2, 3).mean(axis=(2, 4)).reshape(len(ids), -1)
    y = np.repeat(np.arange(len(leaves)), n_per)
    order = np.random.default_rng(0).permutation(len(ids))
    train, test = order[:200], order[200:]
    x = (x - x[train].mean(0)) / (x[train].std(0) + 1e-6)
    clf = LogisticRegression(max_iter=500, C=0.01).fit(x[train], y[train])  # 16x16 pixels, nothing else
    accuracy = (clf.predict(x[test]) == y[test]).mean()
    assert accuracy > 3.0 / len(leaves), accuracy  # chance is 1/6


def test_save_images_writes_pngs(tmp_path):
    ids, paths = ["a/1", "b 2", "c3"], [PHONE, "도서>소설>한국소설", "식품>가공식품>잼/시럽>딸기잼"]
    rate = save_images(ids, paths, tmp_path, 40, limit=2, seed=1)
    files = sorted(tmp_path.glob("*.png"))
    assert rate > 0 and len(files) == 2
    img = np.asarray(Image.open(files[0]))
    assert img.shape == (40, 40, 3)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a_1.png")), render_image("a/1", PHONE, 40, seed=1))


def test_grocery_photo_source():
    try:
        source = images.grocery_photo_source("train")
    except FileNotFoundError as err:
        pytest.skip(f"grocery-store photos not available: {err}")
    assert len(source.photos) == 81
    leaf = "식품>과일>사과>Golden-Delicious"
    assert source.covers(leaf) and source.covers("식품>과일>아보카도")
    photo = render_image("g1", leaf, 96, source=source)
    assert photo.shape == (96, 96, 3) and photo.dtype == np.uint8
    assert np.array_equal(photo, render_image("g1", leaf, 96, source=source))
    assert not np.array_equal(photo, render_image("g1", leaf, 96))  # a real photo, not the synthetic one
    others = {render_image(f"g{i}", leaf, 32, source=source).tobytes() for i in range(12)}
    assert len(others) > 3  # different products draw different photos
    assert np.array_equal(render_image("g1", PHONE, 64, source=source), render_image("g1", PHONE, 64))


def test_photo_source_covers_a_coarser_leaf_from_its_finer_photo_classes():
    from shopcat.sim.images import grocery_photo_source, render_image

    try:
        source = grocery_photo_source()
    except FileNotFoundError as err:
        pytest.skip(f"grocery-store photos not available: {err}")
    assert source.covers("식품>과일>사과") and not source.covers("식품>과일>사")
    apples = {str(f) for f in source.files_for("식품>과일>사과")}
    assert len(apples) > 100 and all("/Apple/" in f for f in apples)
    image = render_image("p1", "식품>과일>사과", 64, source=source)
    assert image.shape == (64, 64, 3)
    assert (image == render_image("p1", "식품>과일>사과", 64, source=source)).all()


def test_image_benchmark_records_its_spread():
    from shopcat.sim.images import bench_images

    figures = bench_images(size=32, n=40, write=False)
    assert figures["chunk_images_per_s_q25"] <= figures["chunk_images_per_s_median"] <= figures["chunk_images_per_s_q75"]
    assert figures["images_per_s"] > 0 and figures["n"] == 40

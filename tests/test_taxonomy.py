"""The category tree: the real Naver tree's shape, and level lookups on a small hand-made tree."""

import json
from collections import Counter

import pytest

from shopcat import config
from shopcat.data.taxonomy import Taxonomy, load_naver_categories, load_taxonomy, path_level

TREE = Taxonomy.from_paths(["a>b>c>d", "a>b>c>e", "a>b>f", "a>g", "h>i>j"])


@pytest.fixture(scope="module")
def naver():
    try:
        path = config.shared_path("naver-category-tree/naver_categories.json")
    except FileNotFoundError as exc:
        pytest.skip(f"shared Naver category tree not available: {exc}")
    return load_naver_categories(path)


def test_naver_tree_counts(naver):
    assert len(naver.nodes) == 5804
    assert len(naver.leaves) == 4993
    assert Counter(naver.depth(leaf) for leaf in naver.leaves) == {2: 7, 3: 1511, 4: 3475}
    assert len(naver.nodes_at(1)) == 11
    assert naver.max_depth == 4


def test_naver_tree_agrees_with_the_json(naver):
    with open(config.shared_path("naver-category-tree/naver_categories.json"), encoding="utf-8") as f:
        nodes = json.load(f)
    assert naver.nodes == {n["wholeCategoryName"] for n in nodes}
    leaf = next(n for n in nodes if n["last"] and n["wholeCategoryName"].count(">") == 3)
    path = leaf["wholeCategoryName"]
    assert naver.is_leaf(path) and naver.ids[path] == leaf["id"]
    assert naver.level(path, 1) == path.split(">")[0]
    assert path in naver.children(naver.parent(path))
    assert not naver.is_leaf(naver.parent(path))


def test_level_lookups():
    assert [TREE.level("a>b>c>d", k) for k in range(1, 5)] == ["a", "a>b", "a>b>c", "a>b>c>d"]
    assert TREE.level("a>g", 3) is None
    assert path_level("a>g", 0) is None
    assert [TREE.depth(p) for p in ("a", "a>g", "a>b>c>d")] == [1, 2, 4]


def test_tree_navigation():
    assert TREE.children() == ["a", "h"]
    assert TREE.children("a") == ["a>b", "a>g"]
    assert TREE.children("a>b>c>d") == []
    assert TREE.parent("a>b>c") == "a>b" and TREE.parent("a") is None
    assert TREE.siblings("a>b>c>d") == ["a>b>c>e"]
    assert TREE.siblings("a>b>f") == []  # its sibling a>b>c is an inner node, not a possible label
    assert TREE.siblings("a>b") == ["a>g"]
    assert TREE.nodes_at(2) == ["a>b", "a>g", "h>i"]
    assert TREE.leaves_under("a>b") == ["a>b>c>d", "a>b>c>e", "a>b>f"]
    assert TREE.is_leaf("a>g") and not TREE.is_leaf("a>b") and "a>b" in TREE and "a>x" not in TREE
    assert len(TREE) == 10


def test_from_paths_rejects_inconsistent_input():
    with pytest.raises(ValueError, match="given as a leaf but has the child 'a>b>c'"):
        Taxonomy.from_paths(["a>b", "a>b>c"])
    with pytest.raises(ValueError, match="not a category path"):
        Taxonomy.from_paths(["a>>b"])
    assert Taxonomy.from_paths(["a>b", "a>b"]).leaves == ["a>b"]


def test_load_taxonomy_from_a_text_file(tmp_path):
    path = tmp_path / "leaves.txt"
    path.write_text("# my tree\n가구>소파\n가구>침대>프레임\n\n", encoding="utf-8")
    tax = load_taxonomy(path)
    assert tax.leaves == ["가구>소파", "가구>침대>프레임"]
    assert load_taxonomy(None) is None and load_taxonomy(tax) is tax

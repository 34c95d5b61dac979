"""The category tree: leaf paths 'a>b>c>d' and the lookups the models and metrics need.

A tree is fully described by its leaf paths (every inner node is a prefix of some leaf), so it is built
from a list of leaves and kept as plain sets and dicts: loading Naver's 5,804-node tree takes
milliseconds and every lookup is a dict access.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

SEP = ">"
MAX_DEPTH = 4  # Naver's tree, and the deck's L1..L4


def split_path(path: str) -> list[str]:
    return path.split(SEP) if path else []


def path_level(path: str, k: int) -> str | None:
    """The prefix of `path` at level k (1-based), or None when the path is shallower than k."""
    parts = split_path(path)
    return SEP.join(parts[:k]) if 1 <= k <= len(parts) else None


class Taxonomy:
    """A category tree known by its leaves. Paths of inner nodes are prefixes of leaf paths."""

    def __init__(self, leaf_paths, ids: dict[str, str] | None = None):
        """Duplicates are ignored; a 'leaf' that has children is an error."""
        self.leaves: list[str] = list(dict.fromkeys(p.strip() for p in leaf_paths))
        self.ids: dict[str, str] = dict(ids or {})  # path -> the platform's category id, when known
        children: dict[str, set[str]] = {"": set()}
        for leaf in self.leaves:
            parts = split_path(leaf)
            if not parts or any(not p.strip() for p in parts):
                raise ValueError(f"{leaf!r} is not a category path like 'a>b>c'")
            for k in range(1, len(parts) + 1):
                children.setdefault(SEP.join(parts[: k - 1]), set()).add(SEP.join(parts[:k]))
        for leaf in self.leaves:
            if children.get(leaf):
                raise ValueError(f"{leaf!r} is given as a leaf but has the child {min(children[leaf])!r}")
        self._children = {parent: sorted(kids) for parent, kids in children.items()}
        self._leaf_set = set(self.leaves)
        self.nodes: set[str] = {n for kids in children.values() for n in kids}

    @classmethod
    def from_paths(cls, leaf_paths, ids: dict[str, str] | None = None) -> Taxonomy:
        return cls(leaf_paths, ids)

    def __repr__(self) -> str:
        return f"Taxonomy({len(self.leaves)} leaves, {len(self.nodes)} nodes)"

    def __contains__(self, path: str) -> bool:
        return path in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def is_leaf(self, path: str) -> bool:
        return path in self._leaf_set

    @staticmethod
    def level(path: str, k: int) -> str | None:
        """The prefix of `path` at level k (1-based), or None when the path is shallower than k."""
        return path_level(path, k)

    @staticmethod
    def depth(path: str) -> int:
        return len(split_path(path))

    @staticmethod
    def parent(path: str) -> str | None:
        """The path one level up; None for a top-level category."""
        parts = split_path(path)
        return SEP.join(parts[:-1]) if len(parts) > 1 else None

    def children(self, path: str | None = None) -> list[str]:
        """Child node paths, sorted; the top-level categories for None or ''."""
        return list(self._children.get(path or "", []))

    def siblings(self, path: str) -> list[str]:
        """Other children of the same parent. For a leaf only the other leaves, since a label must be a leaf."""
        kids = self.children(self.parent(path))
        if self.is_leaf(path):
            kids = [k for k in kids if self.is_leaf(k)]
        return [k for k in kids if k != path]

    def nodes_at(self, level: int) -> list[str]:
        """All node paths at a level (1-based), sorted."""
        return sorted(n for n in self.nodes if self.depth(n) == level)

    def leaves_under(self, path: str) -> list[str]:
        """The leaves that descend from a node (the node itself when it is a leaf)."""
        prefix = path + SEP
        return [leaf for leaf in self.leaves if leaf == path or leaf.startswith(prefix)]

    @property
    def max_depth(self) -> int:
        return max((self.depth(leaf) for leaf in self.leaves), default=0)


def naver_categories_path() -> Path:
    from shopcat import config

    return config.shared_path("naver-category-tree/naver_categories.json")


def load_naver_categories(path: str | Path | None = None) -> Taxonomy:
    """Naver Shopping's category tree from its Commerce-API JSON (a list of nodes; leaves have `last: true`).

    Read in place from the shared data unless a path is given. The result is cached per file, so treat it
    as read-only.
    """
    return _load_naver_categories(str(Path(path or naver_categories_path()).resolve()))


@lru_cache(maxsize=4)
def _load_naver_categories(path: str) -> Taxonomy:
    with open(path, encoding="utf-8") as f:
        nodes = json.load(f)
    leaves = [n["wholeCategoryName"] for n in nodes if n.get("last")]
    ids = {n["wholeCategoryName"]: str(n["id"]) for n in nodes if "id" in n}
    return Taxonomy.from_paths(leaves, ids=ids)


def load_taxonomy(spec: str | Path | Taxonomy | None) -> Taxonomy | None:
    """A taxonomy from a command-line style spec: None, 'naver', a Naver-style JSON file, or a text file
    with one leaf path per line."""
    if spec is None or isinstance(spec, Taxonomy):
        return spec
    if str(spec) == "naver":
        return load_naver_categories()
    path = Path(spec)
    if path.suffix.lower() == ".json":
        return load_naver_categories(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return Taxonomy.from_paths([ln for ln in lines if ln.strip() and not ln.startswith("#")])

"""Simulated product photos, rendered on demand at any resolution and deterministic per product.

Why this shape: the image experiments ask what resolution, backbones and fusion buy, so the picture has to
carry information at three scales, the way real catalog photos do.
- Coarse: the silhouette family (bottle, garment, bag, device, ...) comes from the top level, its proportions
  from the second level. Visible at any resolution.
- Middle: palette and a coarse pattern come from the leaf's parent, so siblings look alike at a glance.
- Fine: each leaf adds small marks a few percent of the image side (logo, buttons, a text-like glyph block,
  stitching, a fine texture). They separate siblings at 224 px and blur away at 30-60 px.
On top, every product gets its own nuisance: background, pose, shadow, lighting, colour variant, clutter,
sensor noise and JPEG compression. Nuisance depends on (product_id, seed) only, never on the leaf, so the same
product rendered under two leaves differs only by what the leaves put there.

Leaf attributes come from crc32 of the path levels, so any tree works (the built-in one or Naver's real
4,993 leaves) and the same path gives the same look on every machine. Small images are rendered on a
supersampled canvas and area-averaged, so a detail smaller than a pixel is genuinely lost, not aliased.

Real photos can stand in for the leaves a folder covers: `grocery_photo_source()` maps the shared grocery
photos to leaves like '식품>과일>사과>Golden-Delicious', and `render_image(..., source=...)` uses them.
"""

from __future__ import annotations

import colorsys
import csv
import io
import math
import re
import sys
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from shopcat import config

# A few leaves per top-level domain, with siblings, for the benchmark, the contact sheet and the tests.
EXAMPLE_LEAVES = [
    "패션의류>여성의류>티셔츠", "패션의류>여성의류>블라우스", "패션의류>남성의류>니트",
    "패션잡화>여성가방>숄더백", "패션잡화>여성가방>토트백", "패션잡화>남성신발>운동화",
    "화장품/미용>스킨케어>스킨", "화장품/미용>스킨케어>로션", "화장품/미용>향수>여성향수",
    "디지털/가전>휴대폰>스마트폰>갤럭시", "디지털/가전>휴대폰>스마트폰>아이폰", "디지털/가전>모니터>게이밍모니터",
    "가구/인테리어>침실가구>서랍장", "가구/인테리어>거실가구>TV거실장",
    "출산/육아>완구/매트>인형", "출산/육아>완구/매트>봉제인형",
    "식품>가공식품>잼/시럽>딸기잼", "식품>가공식품>잼/시럽>사과잼",
    "스포츠/레저>구기스포츠>축구>축구공", "스포츠/레저>구기스포츠>농구>농구공",
    "생활/건강>욕실용품>바디워시", "생활/건강>욕실용품>핸드워시",
    "여가/생활편의>티켓>공연티켓", "여가/생활편의>티켓>전시티켓",
    "도서>소설>한국소설", "도서>소설>영미소설",
]

# Silhouette family per top-level domain (Naver's 11); a list means the second level picks one.
# Unknown top levels pick a family from the crc32 of their name.
FAMILY_BY_DOMAIN = {
    "패션의류": ["garment"],
    "패션잡화": ["bag", "shoe"],
    "화장품/미용": ["bottle"],
    "디지털/가전": ["device"],
    "가구/인테리어": ["furniture"],
    "출산/육아": ["toy"],
    "식품": ["jar"],
    "스포츠/레저": ["ball"],
    "생활/건강": ["pump"],
    "여가/생활편의": ["ticket"],
    "도서": ["book"],
}
# Where a domain has several families, a word in the second level picks one (신발 -> shoe), else the hash.
FAMILY_KEYWORDS = {"신발": "shoe", "구두": "shoe", "운동화": "shoe", "가방": "bag", "지갑": "bag"}
PATTERNS = ("solid", "stripes", "dots", "checks", "gradient")
FINE_TEXTURES = ("none", "fine_stripes", "fine_dots", "fine_grid")
LOGO_KINDS = ("circle", "square", "triangle", "ring", "plus")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _rng(*parts: str | int) -> np.random.Generator:
    """A generator seeded by stable hashes of its parts (never Python's salted hash())."""
    return np.random.default_rng([p if isinstance(p, int) else _crc(p) for p in parts])


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0)), np.float32)


# ---------------------------------------------------------------------------------------------------------
# Silhouettes: signed distances in object units (the object fills about [-1, 1]^2, v points down).
# Each family returns (outer, accent, body): the outline, a part drawn in the accent colour, and the box
# (cx, cy, half_w, half_h) where the fine details go.


def _box(u, v, cx, cy, hw, hh):
    return np.maximum(np.abs(u - cx) - hw, np.abs(v - cy) - hh)


def _ellipse(u, v, cx, cy, a, b):
    return (np.sqrt(((u - cx) / a) ** 2 + ((v - cy) / b) ** 2) - 1.0) * min(a, b)


def _bottle(u, v, p):
    w, neck = 0.32 + 0.22 * p[0], 0.1 + 0.08 * p[1]
    body = np.minimum(_box(u, v, 0, 0.3, w, 0.62), _ellipse(u, v, 0, -0.3, w, 0.22 + 0.15 * p[2]))
    neck_d = _box(u, v, 0, -0.6, neck, 0.2)
    cap = _box(u, v, 0, -0.86, neck * (1.2 + 0.6 * p[3]), 0.1)
    return np.minimum(np.minimum(body, neck_d), cap), cap, (0.0, 0.35, 0.75 * w, 0.45)


def _garment(u, v, p):
    hw, flare, sleeve = 0.42 + 0.1 * p[0], 0.3 * p[1], 0.2 + 0.3 * p[2]
    torso = np.maximum(np.abs(u) - (hw + flare * (v + 0.65) * 0.5), np.abs(v - 0.15) - 0.8)
    au = np.abs(u)
    slope_v = v - 0.45 * (au - hw)
    sleeves = np.maximum(np.abs(au - hw - sleeve / 2) - sleeve / 2, np.abs(slope_v + 0.45) - 0.18)
    neck = _ellipse(u, v, 0, -0.66, 0.17 + 0.06 * p[3], 0.13)
    collar = np.maximum(np.abs(neck + 0.01) - 0.035, v + 0.68)
    return np.maximum(np.minimum(torso, sleeves), -neck), collar, (0.0, 0.1, 0.65 * hw, 0.45)


def _bag(u, v, p):
    w, taper = 0.55 + 0.2 * p[0], 0.25 * p[1]
    body = np.maximum(np.abs(u) - (w + taper * (v + 0.25)), np.abs(v - 0.33) - 0.58)
    ring = np.abs(_ellipse(u, v, 0, -0.25, 0.3 + 0.15 * p[2], 0.5)) - 0.05
    handle = np.maximum(ring, v + 0.25)
    flap = np.maximum(body, v - (-0.05 + 0.2 * p[3]))
    return np.minimum(body, handle), np.minimum(handle, flap), (0.0, 0.45, 0.6 * w, 0.3)


def _shoe(u, v, p):
    sole = _box(u, v, 0.0, 0.58, 0.92, 0.09 + 0.05 * p[0])
    upper = np.maximum(_ellipse(u, v, 0.15, 0.35, 0.77, 0.35 + 0.1 * p[1]), v - 0.55)
    ankle = _box(u, v, -0.45, 0.05 - 0.2 * p[2], 0.3, 0.45)
    return np.minimum(np.minimum(sole, upper), ankle), sole, (0.05, 0.3, 0.35, 0.15)


def _device(u, v, p):
    hw = 0.42 + 0.5 * p[0]
    hh = 0.95 - 0.4 * p[0]
    r = 0.08 + 0.1 * p[1]
    qx, qy = np.abs(u) - (hw - r), np.abs(v) - (hh - r)
    outer = np.sqrt(np.maximum(qx, 0) ** 2 + np.maximum(qy, 0) ** 2) + np.minimum(np.maximum(qx, qy), 0) - r
    bezel = 0.05 + 0.06 * p[2]
    screen = _box(u, v, 0, -0.02, hw - bezel, hh - 2 * bezel)
    return outer, screen, (0.0, 0.0, 0.7 * (hw - bezel), 0.7 * (hh - 2 * bezel))


def _furniture(u, v, p):
    hh = 0.45 + 0.2 * p[0]
    body = _box(u, v, 0, 0.05, 0.8, hh)
    legs = np.minimum(_box(u, v, -0.66, hh + 0.2, 0.07, 0.16), _box(u, v, 0.66, hh + 0.2, 0.07, 0.16))
    top = _box(u, v, 0, 0.05 - hh - 0.05, 0.88, 0.06)
    drawer = np.abs(v - (0.05 - hh / 3 + 0.3 * p[1])) - 0.025
    drawer = np.maximum(drawer, np.abs(u) - 0.78)
    return np.minimum(np.minimum(body, legs), top), np.minimum(top, drawer), (0.0, 0.1 + 0.2, 0.55, hh * 0.5)


def _toy(u, v, p):
    head_r = 0.38 + 0.1 * p[0]
    head = _ellipse(u, v, 0, -0.35, head_r, head_r)
    ear_r = 0.12 + 0.08 * p[1]
    ears = np.minimum(_ellipse(u, v, -0.33, -0.72, ear_r, ear_r), _ellipse(u, v, 0.33, -0.72, ear_r, ear_r))
    body = _ellipse(u, v, 0, 0.45, 0.5 + 0.15 * p[2], 0.48)
    return np.minimum(np.minimum(head, ears), body), ears, (0.0, 0.45, 0.3, 0.25)


def _jar(u, v, p):
    w = 0.5 + 0.25 * p[0]
    body = _box(u, v, 0, 0.18, w, 0.72)
    lid = _box(u, v, 0, -0.62, w + 0.05 * p[1], 0.12)
    return np.minimum(body, lid), lid, (0.0, 0.2 + 0.1 * p[2], 0.75 * w, 0.22)


def _ball(u, v, p):
    r = 0.85
    ball = _ellipse(u, v, 0, 0, r, r)
    seam = np.maximum(np.abs(v - 0.45 * (p[0] - 0.5) + (0.25 + 0.3 * p[1]) * u * u - 0.1) - 0.05, ball)
    return ball, seam, (0.0, 0.35, 0.35, 0.2)


def _pump(u, v, p):
    w = 0.42 + 0.2 * p[0]
    body = _box(u, v, 0, 0.3, w, 0.62)
    shoulder = _ellipse(u, v, 0, -0.3, w, 0.15)
    neck = _box(u, v, 0, -0.5, 0.1, 0.14)
    head = _box(u, v, 0.08 + 0.1 * p[1], -0.68, 0.28, 0.06)
    return np.minimum(np.minimum(body, shoulder), np.minimum(neck, head)), head, (0.0, 0.35, 0.7 * w, 0.4)


def _ticket(u, v, p):
    hh = 0.4 + 0.15 * p[0]
    card = _box(u, v, 0, 0, 0.95, hh)
    notches = np.minimum(_ellipse(u, v, -0.95, 0, 0.15, 0.15), _ellipse(u, v, 0.95, 0, 0.15, 0.15))
    stub = np.maximum(card, -(u - (0.35 + 0.2 * p[1])))
    return np.maximum(card, -notches), stub, (-0.3, 0.0, 0.45, 0.7 * hh)


def _book(u, v, p):
    hw = 0.6 + 0.15 * p[0]
    cover = _box(u, v, 0, 0, hw, 0.95)
    spine = _box(u, v, -hw + 0.07, 0, 0.07, 0.95)
    band = _box(u, v, 0, 0.55 - 0.4 * p[1], hw, 0.08)
    return cover, np.minimum(spine, band), (0.07, -0.3, 0.7 * hw, 0.3)


FAMILIES = {
    "bottle": _bottle, "garment": _garment, "bag": _bag, "shoe": _shoe, "device": _device,
    "furniture": _furniture, "toy": _toy, "jar": _jar, "ball": _ball, "pump": _pump,
    "ticket": _ticket, "book": _book,
}


# ---------------------------------------------------------------------------------------------------------
# What a leaf looks like: derived once per path and cached.


@dataclass(frozen=True)
class LeafLook:
    family: str
    shape: tuple  # 4 numbers in [0, 1] from the second level
    main: np.ndarray = field(repr=False)
    accent: np.ndarray = field(repr=False)
    pattern_colour: np.ndarray = field(repr=False)
    pattern: str
    pattern_period: float
    pattern_angle: float
    fine_texture: str
    fine_period: float
    logo: str
    logo_corner: int
    buttons: int
    glyph_bits: tuple
    stitch_v: float | None


@lru_cache(maxsize=50_000)
def leaf_look(leaf_path: str) -> LeafLook:
    """The leaf's attributes: silhouette from levels 1-2, palette and coarse pattern from the parent,
    small details and fine texture from the leaf itself."""
    levels = [s.strip() for s in leaf_path.split(">") if s.strip()] or [""]
    top, second = levels[0], ">".join(levels[:2])
    parent = ">".join(levels[:-1]) if len(levels) > 1 else levels[0]
    choices = FAMILY_BY_DOMAIN.get(top) or [sorted(FAMILIES)[_crc(top) % len(FAMILIES)]]
    named = [f for word, f in FAMILY_KEYWORDS.items() if word in second and f in choices]
    family = named[0] if named else choices[_crc(second) % len(choices)]
    shape = tuple(float(x) for x in _rng("shape", second).random(4))

    r = _rng("palette", parent)
    hue, sat, val = r.random(), 0.35 + 0.55 * r.random(), 0.35 + 0.6 * r.random()
    accent_hue = hue + r.choice([0.5, 0.33, -0.33, 0.08])
    pattern = PATTERNS[int(r.integers(len(PATTERNS)))]
    pattern_period = 0.25 + 0.3 * r.random()
    pattern_angle = float(r.choice([0.0, 0.5 * math.pi, 0.25 * math.pi, -0.25 * math.pi]))
    pattern_hue = hue + 0.1 * r.standard_normal()

    leaf = _rng("leaf", leaf_path)
    hue += 0.025 * leaf.standard_normal()  # siblings share most of the palette
    val += 0.04 * leaf.standard_normal()
    return LeafLook(
        family=family,
        shape=shape,
        main=_hsv(hue, sat, val),
        accent=_hsv(accent_hue, 0.5 + 0.4 * r.random(), 0.3 + 0.6 * r.random()),
        pattern_colour=_hsv(pattern_hue, sat * 0.6, 1.0 - val * 0.6),
        pattern=pattern,
        pattern_period=pattern_period,
        pattern_angle=pattern_angle + 0.05 * float(leaf.standard_normal()),
        fine_texture=FINE_TEXTURES[int(leaf.integers(len(FINE_TEXTURES)))],
        fine_period=0.05 + 0.04 * float(leaf.random()),
        logo=LOGO_KINDS[int(leaf.integers(len(LOGO_KINDS)))],
        logo_corner=int(leaf.integers(4)),
        buttons=int(leaf.integers(5)),
        glyph_bits=tuple(int(b) for b in leaf.integers(0, 2, size=(3, 5)).ravel()),
        stitch_v=float(leaf.uniform(-0.8, 0.8)) if leaf.random() < 0.6 else None,
    )


# ---------------------------------------------------------------------------------------------------------
# Per-size caches: pixel-centre coordinates, background textures and a bank of sensor noise.


@lru_cache(maxsize=16)
def _axis(canvas: int) -> np.ndarray:
    return ((np.arange(canvas, dtype=np.float32) + 0.5) / canvas).astype(np.float32)


@lru_cache(maxsize=16)
def _textures(canvas: int, count: int = 6) -> np.ndarray:
    """Smooth random fields in about [-1, 1], each in 4 rotations (kept contiguous, so adding one is fast):
    cloth, wood and paper backgrounds without per-image cost."""
    rng = np.random.default_rng(12345)
    fields = []
    for i in range(count):
        cells = (4, 12, 40)[i % 3]
        low = rng.standard_normal((cells, cells)).astype(np.float32)
        img = np.asarray(Image.fromarray(low).resize((canvas, canvas), Image.BILINEAR))
        fields += [np.rot90(img, k) / (np.abs(low).max() + 1e-6) for k in range(4)]
    return np.ascontiguousarray(np.stack(fields), dtype=np.float32)


@lru_cache(maxsize=8)
def _noise_bank(size: int) -> np.ndarray:
    return np.random.default_rng(54321).standard_normal(2 * size * size * 3).astype(np.float32)


def _supersample(size: int) -> int:
    """Render small images on a canvas of at least ~200 px and area-average down: details vanish, no aliasing."""
    return max(1, min(6, math.ceil(200 / size)))


def _window(x0: float, x1: float, y0: float, y1: float, canvas: int) -> tuple[slice, slice] | None:
    """Pixel rows/columns covering an image-unit box, clipped to the canvas; None when empty."""
    c0, c1 = max(0, int(x0 * canvas)), min(canvas, int(math.ceil(x1 * canvas)) + 1)
    r0, r1 = max(0, int(y0 * canvas)), min(canvas, int(math.ceil(y1 * canvas)) + 1)
    if c0 >= c1 or r0 >= r1:
        return None
    return slice(r0, r1), slice(c0, c1)


@dataclass
class _Pose:
    """Object frame -> image units: centre (tx, ty), half-size h, angle a."""

    tx: float
    ty: float
    h: float
    a: float

    def to_image(self, u: float, v: float) -> tuple[float, float]:
        c, s = math.cos(self.a), math.sin(self.a)
        return self.tx + self.h * (u * c - v * s), self.ty + self.h * (u * s + v * c)

    def object_coords(self, rows: slice, cols: slice, canvas: int):
        """(u, v) object coordinates of the pixels in a window, by broadcasting two 1-D axes."""
        axis = _axis(canvas)
        x = axis[cols][None, :] - np.float32(self.tx)
        y = axis[rows][:, None] - np.float32(self.ty)
        c, s, inv = np.float32(math.cos(self.a)), np.float32(math.sin(self.a)), np.float32(1.0 / self.h)
        return (x * c + y * s) * inv, (y * c - x * s) * inv

    def window(self, cu: float, cv: float, radius: float, canvas: int):
        """Pixel window around an object-frame point, big enough for a disc of `radius` object units."""
        x, y = self.to_image(cu, cv)
        r = radius * self.h
        return _window(x - r, x + r, y - r, y + r, canvas)


def _alpha(d: np.ndarray, pixels_per_unit: float) -> np.ndarray:
    """Anti-aliased coverage from a signed distance (one pixel wide edge)."""
    return np.clip(0.5 - d * np.float32(pixels_per_unit), 0.0, 1.0)


def _frac(x: np.ndarray) -> np.ndarray:
    """x mod 1 (np.remainder is several times slower than floor)."""
    return x - np.floor(x)


def _paint(canvas_img: np.ndarray, rows: slice, cols: slice, alpha: np.ndarray, colour) -> None:
    """Blend a colour into a channels-first canvas window with coverage alpha."""
    region = canvas_img[:, rows, cols]
    region += alpha * (np.asarray(colour, np.float32)[:, None, None] - region)


# ---------------------------------------------------------------------------------------------------------
# The product: nuisance drawn from (product_id, seed) in a fixed order, independent of the leaf.


def _product_nuisance(product_id: str, seed: int) -> dict:
    """Background, pose, colour variant, shadow, lighting, clutter, noise, JPEG: one bulk draw, read in order."""
    r = _rng("product", str(product_id), int(seed))
    u, z = iter(r.random(64).tolist()), iter(r.standard_normal(16).tolist())
    kind = next(u)
    a, b, c = next(u), next(u), next(u)
    if kind < 0.6:  # studio white/grey
        bg = np.array([0.82 + 0.16 * a + 0.03 * next(z) for _ in range(3)], np.float32)
    elif kind < 0.9:  # pastel
        bg = _hsv(a, 0.15 + 0.25 * b, 0.75 + 0.2 * c)
    else:  # dark or busy
        bg = _hsv(a, 0.3 * b, 0.15 + 0.35 * c)
    texture_amp = 0.08 * next(u) ** 2 if kind < 0.9 else 0.2 * next(u)
    pose = _Pose(tx=0.5 + 0.09 * next(z), ty=0.5 + 0.09 * next(z), h=0.27 + 0.13 * next(u), a=0.17 * next(z))
    if next(u) > 0.85:  # now and then a product lies at a steep angle
        pose.a = 1.6 * (next(u) - 0.5)
    variant = [next(u) for _ in range(4)]
    clutter = [(next(u), next(u), 0.02 + 0.08 * next(u), int(next(u) < 0.5), _hsv(next(u), next(u), next(u)))
               for _ in range((0, 0, 1, 1, 2, 3)[int(6 * next(u))])]
    return dict(
        bg=bg.astype(np.float32),
        bg_grad=np.array([0.15 * next(z), 0.15 * next(z)], np.float32),
        texture=int(6 * next(u)),
        texture_amp=texture_amp,
        texture_flip=int(4 * next(u)),
        pose=pose,
        hue_shift=0.02 * next(z),
        colour_variant=_hsv(variant[1], 0.2 + 0.7 * variant[2], 0.2 + 0.75 * variant[3]) if variant[0] < 0.2 else None,
        shadow=(0.08 * (next(u) - 0.5), 0.05 * next(u), 0.1 + 0.3 * next(u)),
        light=(0.9 + 0.25 * next(u), 0.8 + 0.35 * next(u), np.array([0.35 * next(z), 0.35 * next(z)], np.float32)),
        clutter=clutter,
        noise_sigma=0.03 * next(u),
        noise_offset=int(next(u) * (1 << 30)),
        jpeg_quality=int(15 + 70 * next(u)) if next(u) < 0.2 else None,  # a share arrive recompressed
    )


def _details(img, look: LeafLook, pose: _Pose, body, contrast, canvas: int) -> None:
    """Small leaf marks inside the body box: logo, buttons, glyph block, stitching."""
    bx, by, bw, bh = body
    ppu = pose.h * canvas  # pixels per object unit
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    sx, sy = corners[look.logo_corner]
    lu, lv, lr = bx + sx * 0.7 * bw, by + sy * 0.7 * bh, 0.075
    win = pose.window(lu, lv, lr * 1.5, canvas)
    if win:
        u, v = pose.object_coords(*win, canvas)
        u, v = u - lu, v - lv
        if look.logo == "circle":
            d = np.sqrt(u * u + v * v) - lr
        elif look.logo == "square":
            d = np.maximum(np.abs(u), np.abs(v)) - lr * 0.85
        elif look.logo == "triangle":
            d = np.maximum(np.maximum(v - lr * 0.7, -v * 0.5 + np.abs(u) - lr * 0.55), -lr - v)
        elif look.logo == "ring":
            d = np.abs(np.sqrt(u * u + v * v) - lr * 0.7) - lr * 0.28
        else:
            d = np.minimum(np.maximum(np.abs(u) - lr, np.abs(v) - lr * 0.3),
                           np.maximum(np.abs(v) - lr, np.abs(u) - lr * 0.3))
        _paint(img, *win, _alpha(d, ppu), contrast)

    gx, gy = corners[(look.logo_corner + 2) % 4]  # glyph block: 3 rows x 5 cells, like a line of small text
    cw, ch = 0.045, 0.05
    g0u, g0v = bx + gx * 0.65 * bw - 2.5 * cw, by + gy * 0.65 * bh - 1.5 * ch
    win = pose.window(g0u + 2.5 * cw, g0v + 1.5 * ch, 0.2, canvas)
    if win:
        u, v = pose.object_coords(*win, canvas)
        col, row = np.floor((u - g0u) / cw), np.floor((v - g0v) / ch)
        inside = (col >= 0) & (col < 5) & (row >= 0) & (row < 3)
        bits = np.asarray(look.glyph_bits, np.float32)
        index = np.clip(row * 5 + col, 0, 14).astype(np.int64)
        fu, fv = (u - g0u) / cw - col, (v - g0v) / ch - row  # a margin inside each cell keeps glyphs apart
        cell = (np.abs(fu - 0.5) < 0.38) & (np.abs(fv - 0.5) < 0.32)
        _paint(img, *win, (inside & cell) * bits[index] * np.float32(0.9), contrast)

    if look.buttons:  # a column of small buttons down the middle of the body, drawn in one window
        cu, top, step = bx + (0.15 if look.logo_corner % 2 else -0.15) * bw, by - 0.6 * bh, 0.4 * bh
        half = 0.5 * step * (look.buttons - 1)
        win = pose.window(cu, top + half, half + 0.05, canvas)
        if win:
            u, v = pose.object_coords(*win, canvas)
            nearest = top + step * np.clip(np.round((v - top) / step), 0, look.buttons - 1)
            _paint(img, *win, _alpha(np.sqrt((u - cu) ** 2 + (v - nearest) ** 2) - 0.03, ppu), look.accent * 0.6)

    if look.stitch_v is not None:  # a thin dashed seam across the body
        sv = by + look.stitch_v * bh
        win = pose.window(bx, sv, bw * 1.05, canvas)
        if win:
            u, v = pose.object_coords(*win, canvas)
            dash = _frac((u - bx) / 0.06) < 0.55
            seam = (np.abs(v - sv) < 0.012) & (np.abs(u - bx) < bw) & dash
            _paint(img, *win, seam * np.float32(0.7), contrast)


def _render_canvas(product_id: str, leaf_path: str, canvas: int, seed: int):
    """The scene at canvas resolution, (3, canvas, canvas) float32 in [0, 1]; the object's coverage as
    (rows, cols, alpha) of its window (None when off-canvas); and the product's nuisance draws."""
    look = leaf_look(leaf_path)
    nz = _product_nuisance(product_id, seed)
    axis = _axis(canvas)

    gx, gy = nz["bg_grad"]
    shade = np.add.outer(1.0 + gy * (axis - 0.5), gx * (axis - 0.5))
    if nz["texture_amp"] > 0:
        shade += nz["texture_amp"] * _textures(canvas)[4 * nz["texture"] + nz["texture_flip"]]
    img = shade[None] * nz["bg"][:, None, None]  # channels first: numpy broadcasts long rows, not triples

    pose: _Pose = nz["pose"]
    ppu = pose.h * canvas
    reach = pose.h * (abs(math.cos(pose.a)) + abs(math.sin(pose.a)) + 0.05)  # bounds the rotated [-1, 1]^2
    coverage = None
    win = _window(pose.tx - reach, pose.tx + reach, pose.ty - reach, pose.ty + reach, canvas)
    if win:
        rows, cols = win
        u, v = pose.object_coords(rows, cols, canvas)
        outer, accent, body = FAMILIES[look.family](u, v, look.shape)
        alpha = _alpha(outer, ppu)
        coverage = (rows, cols, alpha)

        dx, dy, depth = nz["shadow"]  # a hard drop shadow, offset from the object
        sr, sc = int(round(dy * canvas)), int(round(dx * canvas))
        r0, r1 = max(0, rows.start + sr), min(canvas, rows.stop + sr)
        c0, c1 = max(0, cols.start + sc), min(canvas, cols.stop + sc)
        if r0 < r1 and c0 < c1:
            cast = alpha[r0 - sr - rows.start:r1 - sr - rows.start, c0 - sc - cols.start:c1 - sc - cols.start]
            img[:, r0:r1, c0:c1] *= 1.0 - depth * cast

        main = look.main if nz["colour_variant"] is None else nz["colour_variant"]
        main = _hsv(*np.add(colorsys.rgb_to_hsv(*main), (nz["hue_shift"], 0, 0)))
        # Three weight fields (main colour, pattern shift, accent) mixed into RGB by one small matrix product.
        weights = np.empty((3,) + u.shape, np.float32)
        on_accent = _alpha(accent, ppu)
        np.multiply(alpha, 1.0 - on_accent, out=weights[0])
        np.multiply(alpha, on_accent, out=weights[2])
        if look.fine_texture != "none":
            p = look.fine_period
            if look.fine_texture == "fine_stripes":
                f, share = _frac((u + v) / p) < 0.5, 0.5
            elif look.fine_texture == "fine_dots":
                f, share = (_frac(u / p) - 0.5) ** 2 + (_frac(v / p) - 0.5) ** 2 < 0.06, math.pi * 0.06
            else:
                f, share = (_frac(u / p) < 0.2) | (_frac(v / p) < 0.2), 0.36
            weights[0] *= 1.0 + 0.25 * (share - f.astype(np.float32))  # mean-preserving: blurs away
        if look.pattern != "solid":
            c, s = math.cos(look.pattern_angle), math.sin(look.pattern_angle)
            t = (u * c + v * s) / look.pattern_period
            if look.pattern == "stripes":
                m = _frac(t) < 0.4
            elif look.pattern == "checks":
                m = _frac(0.5 * (np.floor(t) + np.floor((v * c - u * s) / look.pattern_period))) < 0.25
            elif look.pattern == "dots":
                fu, fv = _frac(t) - 0.5, _frac((v * c - u * s) / look.pattern_period) - 0.5
                m = fu * fu + fv * fv < 0.09
            else:  # gradient
                m = np.clip(0.5 + 0.5 * v, 0, 1)
            np.multiply(weights[0], m, out=weights[1])
        else:
            weights[1] = 0.0
        palette = np.stack([main, look.pattern_colour - main, look.accent]).astype(np.float32)  # (3 fields, RGB)
        painted = (palette.T @ weights.reshape(3, -1)).reshape(weights.shape)
        region = img[:, rows, cols]
        region *= 1.0 - alpha
        region += painted

        bx, by = pose.to_image(body[0], body[1])  # marks contrast with the colour they sit on
        r = min(max(int(by * canvas) - rows.start, 0), alpha.shape[0] - 1)
        c = min(max(int(bx * canvas) - cols.start, 0), alpha.shape[1] - 1)
        contrast = np.full(3, 0.08 if painted[:, r, c].mean() > 0.5 * alpha[r, c] else 0.95, np.float32)
        _details(img, look, pose, body, contrast, canvas)

    for cx, cy, radius, kind, col in nz["clutter"]:  # small occluders: price tags, props, other items
        win = _window(cx - radius, cx + radius, cy - radius, cy + radius, canvas)
        if win:
            x, y = axis[win[1]][None, :] - cx, axis[win[0]][:, None] - cy
            d = np.sqrt(x * x + y * y) - radius if kind == 0 else np.maximum(np.abs(x), np.abs(y) * 1.6) - radius
            _paint(img, *win, _alpha(d, canvas), col)

    return img, coverage, nz


def _finish(img: np.ndarray, size: int, ss: int, nz: dict) -> np.ndarray:
    """Area-average to `size`, light it, add sensor noise, quantise, and maybe JPEG round-trip.
    Lighting is a smooth field, so applying it after the area average is the same and cheaper."""
    if ss > 1:  # area average by strided sums (faster than reshape().mean())
        rows = img[:, 0::ss].copy()
        for k in range(1, ss):
            rows += img[:, k::ss]
        img = rows[:, :, 0::ss].copy()
        for k in range(1, ss):
            img += rows[:, :, k::ss]
        img *= 1.0 / (ss * ss)
    brightness, contrast_gain, (lx, ly) = nz["light"]
    axis = _axis(size)
    light = np.add.outer(255.0 * brightness * (1.0 + ly * (axis - 0.5)), 255.0 * brightness * lx * (axis - 0.5))
    img *= contrast_gain * light  # ((img - 0.5) * gain + 0.5) * light, in 0-255 units
    img += (0.5 - 0.5 * contrast_gain) * light + 0.5
    if nz["noise_sigma"] > 0:
        bank = _noise_bank(size)
        start = nz["noise_offset"] % (bank.size - size * size * 3)
        img += (255.0 * nz["noise_sigma"]) * bank[start:start + size * size * 3].reshape(3, size, size)
    planes = np.clip(img, 0, 255, out=img).astype(np.uint8)
    out = np.empty((size, size, 3), np.uint8)
    for k in range(3):  # channel by channel: much faster than a transposed copy
        out[..., k] = planes[k]
    if nz["jpeg_quality"] is not None:
        buffer = io.BytesIO()
        Image.fromarray(out).save(buffer, format="JPEG", quality=nz["jpeg_quality"])
        out = np.array(Image.open(buffer).convert("RGB"))
    return out


# ---------------------------------------------------------------------------------------------------------
# Real photos for the leaves a folder covers.


@dataclass
class PhotoSource:
    """Real photos per leaf path. `photos[leaf]` lists image files; leaves not in it stay synthetic."""

    photos: dict[str, list[Path]]

    @classmethod
    def from_folder(cls, folder: str | Path) -> PhotoSource:
        """A folder whose subfolders are named by leaf path (levels joined by '>') and hold that leaf's photos."""
        folder = Path(folder)
        photos = {}
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            files = sorted(f for f in sub.iterdir() if f.suffix.lower() in (".jpg", ".jpeg", ".png"))
            if files:
                photos[sub.name] = files
        return cls(photos)

    def files_for(self, leaf_path: str) -> list[Path]:
        """The leaf's own photos, else those of the folder's finer classes under it: a tree whose leaf is
        '식품>과일>사과' draws from the photo classes '식품>과일>사과>Golden-Delicious', '...>Granny-Smith', ..."""
        if leaf_path in self.photos:
            return self.photos[leaf_path]
        prefix = leaf_path + ">"
        return [f for key, files in self.photos.items() if key.startswith(prefix) for f in files]

    def covers(self, leaf_path: str) -> bool:
        return bool(self.files_for(leaf_path))

    def render(self, product_id: str, leaf_path: str, size: int, seed: int = 0) -> np.ndarray:
        """A photo chosen by product id (stable), centre-cropped to a square and resized to `size`."""
        files = self.files_for(leaf_path)
        path = files[_crc(f"{seed}:{product_id}") % len(files)]
        with Image.open(path) as photo:
            photo = photo.convert("RGB")
            w, h = photo.size
            side = min(w, h)
            box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
            photo = photo.resize((size, size), Image.BILINEAR, box=box, reducing_gap=2.0)
            return np.array(photo, dtype=np.uint8)


# The grocery dataset's coarse classes under Naver-like paths (our own mapping; no data copied).
GROCERY_GROUPS = {"Fruit": "식품>과일", "Vegetables": "식품>채소", "Packages": "식품>가공식품"}
GROCERY_COARSE_KO = {
    "Apple": "사과", "Avocado": "아보카도", "Banana": "바나나", "Kiwi": "키위", "Lemon": "레몬", "Lime": "라임",
    "Mango": "망고", "Melon": "멜론", "Nectarine": "천도복숭아", "Orange": "오렌지", "Papaya": "파파야",
    "Passion-Fruit": "패션후르츠", "Peach": "복숭아", "Pear": "배", "Pineapple": "파인애플", "Plum": "자두",
    "Pomegranate": "석류", "Red-Grapefruit": "자몽", "Satsumas": "귤", "Juice": "주스", "Milk": "우유",
    "Oat-Milk": "귀리우유", "Oatghurt": "귀리요거트", "Sour-Cream": "사워크림", "Sour-Milk": "발효유",
    "Soy-Milk": "두유", "Soyghurt": "두유요거트", "Yoghurt": "요거트", "Asparagus": "아스파라거스",
    "Aubergine": "가지", "Cabbage": "양배추", "Carrots": "당근", "Cucumber": "오이", "Garlic": "마늘",
    "Ginger": "생강", "Leek": "대파", "Mushroom": "버섯", "Onion": "양파", "Pepper": "파프리카",
    "Potato": "감자", "Red-Beet": "비트", "Tomato": "토마토", "Zucchini": "애호박",
}


def grocery_leaf(group: str, coarse: str, fine: str) -> str:
    """'Fruit', 'Apple', 'Golden-Delicious' -> '식품>과일>사과>Golden-Delicious'; a class without
    varieties ('Avocado' under 'Avocado') stops at the coarse level."""
    base = f"{GROCERY_GROUPS[group]}>{GROCERY_COARSE_KO.get(coarse, coarse)}"
    return base if fine == coarse else f"{base}>{fine}"


def grocery_photo_source(split: str = "train") -> PhotoSource:
    """The shared grocery-store photos (81 fine classes) as a PhotoSource, read in place."""
    root = config.shared_path("grocery-store") / "dataset"
    with open(root / "classes.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    leaf_by_id = {}
    for name, class_id, coarse, _coarse_id, iconic, _desc in rows:
        group = iconic.strip("/").split("/")[1]  # /iconic-images-and-descriptions/<Group>/...
        leaf_by_id[int(class_id)] = grocery_leaf(group, coarse, name)
    photos: dict[str, list[Path]] = {}
    for line in (root / f"{split}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rel, fine_id = [s.strip() for s in line.split(",")][:2]
        photos.setdefault(leaf_by_id[int(fine_id)], []).append(root / rel)
    return PhotoSource(photos)


# ---------------------------------------------------------------------------------------------------------
# Public API.


def render_image(product_id: str, leaf_path: str, size: int, seed: int = 0,
                 source: PhotoSource | None = None) -> np.ndarray:
    """One product image, size x size x 3 uint8. Same arguments, same bytes."""
    if source is not None and source.covers(leaf_path):
        return source.render(product_id, leaf_path, size, seed)
    ss = _supersample(size)
    img, _coverage, nz = _render_canvas(str(product_id), leaf_path, size * ss, seed)
    return _finish(img, size, ss, nz)


def render_images(product_ids, leaf_paths, size: int, seed: int = 0,
                  source: PhotoSource | None = None) -> np.ndarray:
    """A batch of images, (N, size, size, 3) uint8."""
    product_ids, leaf_paths = list(product_ids), list(leaf_paths)
    if len(product_ids) != len(leaf_paths):
        raise ValueError(f"{len(product_ids)} product ids but {len(leaf_paths)} leaf paths")
    out = np.empty((len(product_ids), size, size, 3), np.uint8)
    for i, (pid, leaf) in enumerate(zip(product_ids, leaf_paths, strict=True)):
        out[i] = render_image(pid, leaf, size, seed, source)
    return out


def object_mask(product_id: str, leaf_path: str, size: int, seed: int = 0) -> np.ndarray:
    """The product's coverage (size x size float32 in [0, 1]): where the object is, for tests and for
    checking whether a saliency map looks at the product rather than the background."""
    ss = _supersample(size)
    _img, coverage, _nz = _render_canvas(str(product_id), leaf_path, size * ss, seed)
    mask = np.zeros((size * ss, size * ss), np.float32)
    if coverage is not None:
        rows, cols, alpha = coverage
        mask[rows, cols] = alpha
    return mask.reshape(size, ss, size, ss).mean(axis=(1, 3), dtype=np.float32) if ss > 1 else mask


def image_file_name(product_id: str) -> str:
    return re.sub(r"[^\w.-]", "_", str(product_id)) + ".png"


def save_images(product_ids, leaf_paths, out_dir, size: int, limit: int | None = None, seed: int = 0,
                source: PhotoSource | None = None) -> float:
    """Render and write <product_id>.png files (for `shopcat simulate --images DIR`); returns images/s."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs = list(zip(product_ids, leaf_paths, strict=True))[: limit if limit is not None else None]
    start = time.perf_counter()
    for pid, leaf in pairs:
        Image.fromarray(render_image(pid, leaf, size, seed, source)).save(out_dir / image_file_name(pid), compress_level=1)
    elapsed = time.perf_counter() - start
    return len(pairs) / elapsed if elapsed > 0 else float("inf")


def bench_images(size: int = 224, n: int = 2000, seed: int = 0, leaves: list[str] | None = None,
                 write: bool = True) -> dict:
    """Images/s on one core. Run it with OMP_NUM_THREADS=1; torch, if loaded, is held to one thread too."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    leaves = leaves or EXAMPLE_LEAVES
    ids = [f"bench-{i:06d}" for i in range(n)]
    paths = [leaves[i % len(leaves)] for i in range(n)]
    render_image(ids[0], paths[0], size, seed)  # warm the per-size caches
    start, start_cpu = time.perf_counter(), time.process_time()
    chunk_rates, chunk = [], max(1, n // 10)  # ten timed chunks: the spread is recorded beside the total
    for first in range(0, n, chunk):
        chunk_cpu = time.process_time()
        for pid, leaf in zip(ids[first:first + chunk], paths[first:first + chunk], strict=True):
            render_image(pid, leaf, size, seed)
        chunk_rates.append(len(ids[first:first + chunk]) / max(time.process_time() - chunk_cpu, 1e-9))
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    # CPU time is what one dedicated core would take; wall time also counts waiting for a shared core.
    q25, median, q75 = np.percentile(chunk_rates, [25, 50, 75])
    result = {"size": size, "n": n, "seed": seed, "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3),
              "images_per_s": round(n / cpu, 1), "images_per_s_wall": round(n / wall, 1),
              "chunk_images_per_s_median": round(float(median), 1), "chunk_images_per_s_q25": round(float(q25), 1),
              "chunk_images_per_s_q75": round(float(q75), 1), "threads": 1}
    print(f"images/s at {size} px (1 core): {result['images_per_s']:.0f}"
          f"  (per CPU-second; chunks of {chunk}: median {median:.0f}, quartiles {q25:.0f}-{q75:.0f}; "
          f"wall clock {result['images_per_s_wall']:.0f}/s)")
    if write:
        from shopcat.reproduce.report import write_benchmark

        write_benchmark(config.REPORTS_DIR / "benchmarks" / "images.json", result)
    return result


def cli_bench_images(argv: list[str]) -> int:
    """`shopcat bench images [--size PX] [--n N] [--seed S]`: prints images/s and writes the benchmark file."""
    import argparse

    parser = argparse.ArgumentParser(prog="shopcat bench images", description=cli_bench_images.__doc__)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    bench_images(size=args.size, n=args.n, seed=args.seed)
    return 0

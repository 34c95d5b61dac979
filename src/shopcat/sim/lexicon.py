"""Invented words for the simulator's long tail: brand names, product lines, model codes, from integer ids.

A real catalog's vocabulary never stops growing: every new seller brings a brand, every brand its product
lines and model codes. So the simulator draws these as Zipf ranks without an upper bound (`zipf_ranks`) and
turns each (pool, rank) into a word with a hash (`mix`), never with a table: the same id is the same word in
every catalog, and a bigger catalog reaches further ranks and meets words a smaller one never saw.

Brand names are pronounceable: Latin syllables with their Hangul transliteration side by side (STANLEY and
스탠리 are one brand written two ways), native Korean syllables, or Latin acronyms.
"""

from __future__ import annotations

import numpy as np

# (Latin, Hangul) syllables: a brand's two spellings are built from the same syllables.
START = [("KA", "카"), ("KO", "코"), ("KU", "쿠"), ("KI", "키"), ("LA", "라"), ("LO", "로"), ("LU", "루"),
         ("LI", "리"), ("MA", "마"), ("MO", "모"), ("MI", "미"), ("ME", "메"), ("NA", "나"), ("NO", "노"),
         ("NI", "니"), ("SA", "사"), ("SO", "소"), ("SE", "세"), ("TA", "타"), ("TO", "토"), ("TI", "티"),
         ("DA", "다"), ("DO", "도"), ("DE", "데"), ("BE", "베"), ("BO", "보"), ("BA", "바"), ("PA", "파"),
         ("PI", "피"), ("HA", "하"), ("HE", "헤"), ("JO", "조"), ("GA", "가"), ("FE", "페"), ("FO", "포"),
         ("WI", "위"), ("YO", "요"), ("VA", "바"), ("STAN", "스탠"), ("BRE", "브레"), ("KLE", "클레"),
         ("TRO", "트로"), ("PRI", "프리"), ("GRA", "그라"), ("FLO", "플로"), ("BLU", "블루"), ("CRE", "크레"),
         ("SPO", "스포"), ("ZEN", "젠"), ("NOR", "노르"), ("AR", "아르"), ("OL", "올"), ("AL", "알"),
         ("EL", "엘"), ("IN", "인"), ("O", "오"), ("A", "아"), ("E", "에"), ("U", "우"), ("THER", "써")]
MIDDLE = [("RI", "리"), ("LO", "로"), ("NE", "네"), ("MA", "마"), ("TE", "테"), ("RA", "라"), ("VI", "비"),
          ("DI", "디"), ("SO", "소"), ("KI", "키"), ("NO", "노"), ("LE", "레"), ("MI", "미"), ("PO", "포"),
          ("TU", "투"), ("BI", "비"), ("GO", "고"), ("SU", "수"), ("ZA", "자"), ("CA", "카")]
END = [("LEY", "리"), ("TON", "톤"), ("SON", "슨"), ("MAN", "만"), ("TEN", "텐"), ("LIN", "린"), ("RON", "론"),
       ("VEN", "벤"), ("NER", "너"), ("TER", "터"), ("LER", "러"), ("BER", "버"), ("DEN", "덴"), ("SEN", "센"),
       ("KAN", "칸"), ("LAN", "란"), ("RIS", "리스"), ("TEX", "텍스"), ("LUX", "럭스"), ("NEX", "넥스"),
       ("ROX", "록스"), ("FIT", "핏"), ("LAB", "랩"), ("ON", "온"), ("IN", "인"), ("EL", "엘"), ("AN", "안"),
       ("MOS", "모스"), ("RA", "라"), ("NA", "나"), ("TO", "토"), ("NO", "노"), ("SE", "세"), ("KA", "카"),
       ("LO", "로"), ("MI", "미"), ("TI", "티"), ("VO", "보"), ("DA", "다"), ("RO", "로")]
# Native Korean syllables for brands that are not transliterations (라미소, 온누리).
NATIVE = ("라 루 미 소 하 누 다 온 리 아 로 벨 에 코 스 티 나 모 베 린 카 네 조 한 세 유 호 빈 진 솔 마 레 디 도 "
          "파 키 보 우 지 르 메 제 윈 윤 탐 큐 픽 핏 퓨 엘 앤 올 봄 숲 결 담 별 빛 달 새 꽃 늘 참 맑 은 들 가 결").split()
LETTERS = [chr(65 + i) for i in range(26)]

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def mix(*keys) -> np.ndarray:
    """A 64-bit hash of integer keys (arrays broadcast), splitmix64 rounds: same keys, same value."""
    h = np.zeros(np.broadcast(*[np.asarray(k) for k in keys]).shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in keys:
            h = h ^ (np.asarray(k).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)))
            h = (h ^ (h >> np.uint64(30))) * _M1
            h = (h ^ (h >> np.uint64(27))) * _M2
            h = h ^ (h >> np.uint64(31))
    return h


def digit(h: int, i: int, base: int) -> int:
    """The i-th base-`base` digit of a hash (a different slice of its bits for each i)."""
    return int((h >> (7 * i)) % base)


def zipf_ranks(rng: np.random.Generator, n: int, a: float, cap: int = 2**31) -> np.ndarray:
    """0-based ranks with P(rank) ~ (rank + 1)^-a and no upper bound (capped only to stay an integer)."""
    return np.minimum(rng.zipf(a, n), cap).astype(np.int64) - 1


def brand_name(h: int) -> tuple[str, str, str]:
    """(Hangul, Latin, kind) spellings of the brand with hash h; kind: 'translit', 'native' or 'acronym'."""
    kind = ("translit", "translit", "translit", "native", "acronym")[digit(h, 0, 5)]
    if kind == "native":
        name = "".join(NATIVE[digit(h, 1 + i, len(NATIVE))] for i in range(2 + digit(h, 5, 2)))
        return name, "", kind
    if kind == "acronym":
        return "", "".join(LETTERS[digit(h, 1 + i, 26)] for i in range(3 + digit(h, 6, 3))), kind
    parts = [START[digit(h, 1, len(START))]]
    if digit(h, 2, 3) == 0:
        parts.append(MIDDLE[digit(h, 3, len(MIDDLE))])
    parts.append(END[digit(h, 4, len(END))])
    return "".join(p[1] for p in parts), "".join(p[0] for p in parts), kind


def line_name(h: int) -> str:
    """An invented product-line word in Hangul (퀜처, 아이스플로우): two or three transliterated syllables."""
    parts = [START[digit(h, 1, len(START))][1]]
    if digit(h, 2, 2) == 0:
        parts.append(MIDDLE[digit(h, 3, len(MIDDLE))][1])
    parts.append(END[digit(h, 4, len(END))][1])
    return "".join(parts)


# A brand's model codes all follow one pattern: P = its letters, N = digits, L = a letter, Y = a year.
CODE_FORMATS = ["P-NNNL", "PNNNN", "P-LLNN", "P-LNNNL", "LL-YL", "PNNN-L", "P-NNNN", "PLNNN"]


def code_prefix(h: int) -> str:
    return "".join(LETTERS[digit(h, 2 + i, 26)] for i in range(2 + digit(h, 1, 2)))


def model_code(brand_hash: int, model_hash: int, year: int) -> str:
    """'JNL-504K', 'SM-S928N', 'XQ-2024A': the brand's prefix and format, the model's digits and letters."""
    fmt = CODE_FORMATS[digit(brand_hash, 8, len(CODE_FORMATS))]
    prefix = code_prefix(brand_hash)
    out, i = [], 0
    for ch in fmt:
        if ch == "P":
            out.append(prefix)
        elif ch == "N":
            out.append(str(digit(model_hash, i, 10)))
        elif ch == "L":
            out.append(LETTERS[digit(model_hash, i, 26)])
        elif ch == "Y":
            out.append(str(year))
        else:
            out.append(ch)
        i += 1
    return "".join(out)

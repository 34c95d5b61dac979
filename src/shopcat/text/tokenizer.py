"""Product titles -> tokens: Kiwi morphemes for Korean, whole tokens for codes, numbers with their units.

A product title is not a sentence: it is a run of brand names, model codes, quantities and nouns glued
together ('갤럭시S24울트라 SM-S928N 256GB', '보온보냉텀블러 500ml 2개입 1+1'). So each whitespace chunk
(eojeol) is scanned with a regular expression first: user-dictionary brands, packs (1+1), numbers with
units (500ml, 1.18l, 2개입, 1리터) and Latin/digit codes (sm-s928n, s24, jnl-605k) become tokens as they
are; only the runs of Korean letters left between them go to Kiwi, which splits compounds
(보온보냉텀블러 -> 보온, 보냉, 텀블러) and keeps content morphemes (nouns, roots; verb and adjective stems
on request).

Speed comes from repetition: catalog titles reuse the same chunks again and again, so every chunk is
analysed once and cached, and only the cache misses of a batch go to Kiwi (in worker processes when
workers > 1). `kind="whitespace"` and `kind="char"` are cheap fallbacks with the same cleaning and API.
"""

from __future__ import annotations

import functools
import html
import multiprocessing
import re
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain

# Phrases that only advertise the offer, not the product; removed wherever they occur inside a chunk.
PROMO_PHRASES = (
    "무료배송", "당일발송", "당일배송", "당일출고", "오늘출발", "오늘발송", "빠른배송", "로켓배송", "n배송",
    "무료반품", "국내배송", "최저가", "초특가", "특가세일", "한정수량", "한정특가", "사은품증정", "쿠폰증정",
    "주문폭주", "품절임박", "정품인증", "정품보장", "공식판매", "공식몰", "공식수입", "공식유통",
)
# Words dropped when they stand as a whole token (too short to remove safely inside other words).
PROMO_TOKENS = frozenset({
    "정품", "특가", "할인", "세일", "증정", "사은품", "이벤트", "행사", "무배", "무료", "당일", "발송", "배송",
    "쿠폰", "최저가", "핫딜", "공식", "인기", "추천", "신상", "신상품", "한정", "적립", "best", "new", "hot",
    "sale", "event", "free",
})

# Units that follow a number: 'ml' in 500ml, '개입' in 2개입. Latin units must not run on into a code
# (500lcd, 2in1 stay codes); Korean ones may be glued to the next word (1리터텀블러).
LATIN_UNITS = (
    "ml", "l", "cc", "g", "kg", "mg", "oz", "lb", "cm", "mm", "m", "km", "inch", "in", "p", "pcs", "ea",
    "gb", "tb", "mb", "w", "kw", "v", "mah", "hz", "kcal", "k", "set", "%",
)
KOREAN_UNITS = (
    "개입", "개월", "개", "매", "팩", "입", "박스", "병", "리터", "미리", "키로", "킬로", "그램", "인치", "종",
    "세트", "켤레", "장", "롤", "권", "인용", "인분", "단", "구", "포", "봉", "봉지", "캔", "알", "정", "캡슐",
    "년", "월", "일", "시간", "분", "도", "색", "평", "와트", "겹", "족", "벌", "장입", "매입", "포기", "마리",
    "단계", "도어", "분할",  # so that 2단계, 4도어, 3분할 are not read as 2단 + 계, 4도 + 어
)

# Everyday shopping words Kiwi's dictionary lacks and cuts into nonsense ('보틀' -> 보/틀, '보냉' -> 보내/어,
# '백팩' -> 백/팩): added to it as common nouns.
PRODUCT_WORDS = (
    "보냉", "보틀", "핫팩", "백패킹", "이중", "경량", "하이볼", "저그", "커스텀", "콜라보", "레터링", "프로틴",
    "단품", "답례품", "스트로우", "슬림핏", "올데이", "후드티", "백팩", "에코백", "선크림", "앰플", "세럼",
    "각티슈", "극세사", "암막", "덤벨", "킥보드", "루테인", "네일", "마사지건", "온열", "폼롤러", "티포트",
)

CONTENT_TAGS = ("NNG", "NNP", "XR", "SL", "SH", "SN")  # nouns, roots, foreign words, hanja, numbers
PREDICATE_TAGS = ("VV", "VA")  # verb and adjective stems (Kiwi writes irregular ones as 'VV-I', 'VA-R')

_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,40}>")
# Brackets and decorations become spaces: '[스타벅스]텀블러' -> ' 스타벅스 텀블러'. Kept: + - . , % for
# packs, codes, decimals and thousands.
_DECORATIONS = re.compile(r"[\[\](){}<>【】「」『』〔〕〈〉《》★☆♥♡♣◆◇■□●○◎▶▷◀◁▲△▼▽※#@!?\"'`~|/\\;:*=^_…·•]")


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation that tries longer words first (so '개입' wins over '개')."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_PACK = r"\d+(?:[+&]\d+)+"
_QUANTITY = (rf"\d+(?:[.,]\d+)*(?:(?:{_alternation(LATIN_UNITS)})(?![a-z0-9])|(?:{_alternation(KOREAN_UNITS)}))")
_CODE = r"[a-z0-9]+(?:[-.][a-z0-9]+)*"
_WORD = r"[^\W\d_a-z]+"  # letters that are not ASCII: Korean (and hanja, kana) for Kiwi


def _scanner(user_words: Sequence[str]) -> re.Pattern:
    user = [w for w in user_words if not re.fullmatch(_WORD, w)]  # pure Korean brands go to Kiwi instead
    head = rf"(?P<user>{_alternation(user)})|" if user else ""
    return re.compile(rf"{head}(?P<pack>{_PACK})|(?P<qty>{_QUANTITY})|(?P<code>{_CODE})|(?P<word>{_WORD})")


def _raw_text(text) -> str:
    """A title as a string with its HTML tags cut out ('' for None and NaN)."""
    if not isinstance(text, str):
        text = "" if text is None or text != text else str(text)
    return _HTML_TAG.sub(" ", text) if "<" in text else text


def clean_title(text: str) -> str:
    """Tags, entities, width variants, brackets and decorations out; Latin lowercased."""
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width letters, '㎖' -> 'ml'
    return _DECORATIONS.sub(" ", text).lower()


_PROMO = re.compile(_alternation(PROMO_PHRASES))


def compact_title(text, drop_promo: bool = True) -> str:
    """A title cleaned as the tokenizer cleans it, promo words out (when asked) and every space removed.

    Its character n-grams cannot depend on where a seller put spaces ('보온 텀블러' == '보온텀블러')."""
    text = clean_title(_raw_text(text))
    if drop_promo:
        text = _PROMO.sub(" ", text)
        return "".join(t for t in text.split() if t not in PROMO_TOKENS)
    return "".join(text.split())


class Tokenizer:
    """`Tokenizer(kind="kiwi"|"whitespace"|"char", user_words=(), drop_promo=True).tokenize(title)`."""

    def __init__(self, kind: str = "kiwi", user_words: Iterable[str] = (), drop_promo: bool = True,
                 keep_predicates: bool = False, max_cache: int = 2_000_000):
        if kind not in ("kiwi", "whitespace", "char"):
            raise ValueError(f"unknown tokenizer kind {kind!r}: use 'kiwi', 'whitespace' or 'char'")
        self.kind, self.drop_promo, self.keep_predicates = kind, drop_promo, keep_predicates
        self.user_words = tuple(sorted({clean_title(w).strip() for w in user_words} - {""}))
        self.max_cache = max_cache
        self._scan = _scanner(self.user_words)
        self._promo = re.compile(_alternation(PROMO_PHRASES)) if drop_promo else None
        self._keep = CONTENT_TAGS + (PREDICATE_TAGS if keep_predicates else ())
        self._chunks: dict[str, tuple[str, ...]] = {}  # chunk -> its tokens
        self._words: dict[str, tuple[str, ...]] = {}  # Korean run -> Kiwi's content morphemes
        self._kiwi = None  # loaded on first use; not pickled (each process loads its own)

    def settings(self) -> dict:
        """What another process needs to build the same tokenizer."""
        return dict(kind=self.kind, user_words=self.user_words, drop_promo=self.drop_promo,
                    keep_predicates=self.keep_predicates)

    def __getstate__(self):
        return self.settings()

    def __setstate__(self, state):
        self.__init__(**state)

    def tokenize(self, text: str) -> list[str]:
        return self.tokenize_many([text])[0]

    def tokenize_many(self, texts: Sequence[str], workers: int = 1) -> list[list[str]]:
        """Token lists in input order. workers > 1 runs Kiwi on the batch's new words in that many processes.

        Only the raw split and the cache look-ups are paid per title; cleaning and analysis are paid once per
        distinct chunk (a chunk cleans to the same tokens wherever it occurs; tags are cut out first because
        a tag may hold a space).
        """
        chunk_lists = [_raw_text(t).split() for t in texts]
        if len(self._chunks) > self.max_cache:
            self._chunks.clear()
            self._words.clear()
        cache = self._chunks
        # look each chunk up in the cache (set.difference_update(dict) would walk the whole cache per call)
        new_chunks = {chunk for chunk in chain.from_iterable(chunk_lists) if chunk not in cache}
        if new_chunks:
            self._analyse_chunks(sorted(new_chunks), workers)
        get = cache.__getitem__
        return [list(chain.from_iterable(map(get, chunks))) for chunks in chunk_lists]

    def _strip_promo(self, text: str) -> str:
        return self._promo.sub(" ", text) if self._promo is not None else text

    def _keep_token(self, token: str) -> bool:
        return not (self.drop_promo and token in PROMO_TOKENS)

    def _analyse_chunks(self, chunks: list[str], workers: int) -> None:
        """Fill the chunk cache for new raw chunks; Kiwi sees each new run of Korean letters once."""
        cleaned = {chunk: self._strip_promo(clean_title(chunk)) for chunk in chunks}
        if self.kind == "char":
            self._chunks.update((c, tuple("".join(t for t in text.split() if self._keep_token(t))))
                                for c, text in cleaned.items())
            return
        if self.kind == "whitespace":
            self._chunks.update((c, tuple(t for t in text.split() if self._keep_token(t)))
                                for c, text in cleaned.items())
            return
        pieces = {c: [(m.lastgroup, m.group()) for m in self._scan.finditer(text)] for c, text in cleaned.items()}
        new_words = sorted({text for ps in pieces.values() for kind, text in ps
                            if kind == "word" and text not in self._words})
        if new_words:
            self._words.update(zip(new_words, self._analyse_words(new_words, workers), strict=True))
        for chunk, ps in pieces.items():
            tokens = []
            for kind, text in ps:
                if kind == "word":
                    tokens.extend(self._words[text])
                else:
                    tokens.append(text.replace("&", "+") if kind == "pack" else text)  # 1&1 is 1+1
            self._chunks[chunk] = tuple(t for t in tokens if self._keep_token(t))

    def _analyse_words(self, words: list[str], workers: int) -> list[tuple[str, ...]]:
        """Kiwi's content morphemes for each run of Korean letters (the slow step, so parallel on request)."""
        if workers <= 1 or len(words) < 2 * workers:
            return self.morphemes(words)
        size = -(-len(words) // workers)
        slices = [words[i:i + size] for i in range(0, len(words), size)]
        with multiprocessing.get_context("spawn").Pool(len(slices), _worker_init, (self.settings(),)) as pool:
            parts = pool.map(_worker_morphemes, slices)
        return [m for part in parts for m in part]

    def kiwi(self):
        """The process's Kiwi analyser for this tokenizer's Korean user words (shared by equal tokenizers)."""
        if self._kiwi is None:
            self._kiwi = load_kiwi(tuple(w for w in self.user_words if re.fullmatch(_WORD, w)))
        return self._kiwi

    def morphemes(self, words: list[str]) -> list[tuple[str, ...]]:
        """Kiwi content morphemes of each word; prefixes and suffixes stay on their noun (대용량, 선물용).

        A word in which Kiwi finds no content morpheme (an unknown loanword read as a verb, say) is kept
        whole, so no part of a title silently disappears.
        """
        from kiwipiepy import Match

        kiwi, keep = self.kiwi(), self._keep
        options = Match.ALL | Match.JOIN_NOUN_PREFIX | Match.JOIN_NOUN_SUFFIX
        out = []
        for word in words:
            kept = [t.form.replace(" ", "") for t in kiwi.tokenize(word, match_options=options)
                    if t.tag.startswith(keep)]
            out.append(tuple(kept) if kept else (word,))
        return out


@functools.lru_cache(maxsize=4)
def load_kiwi(user_words: tuple[str, ...] = ()):
    """Kiwi with the shopping words and the given brands in its dictionary, ready to analyse.

    Without the typo and multi-word dictionaries (titles gain nothing from them: on the API sample and
    20,000 simulated titles they change one title) loading takes about 0.7 s and Kiwi's first analysis
    another 1.2 s of one-off set-up, so both happen here, once per process and user dictionary.
    """
    from kiwipiepy import Kiwi

    kiwi = Kiwi(num_workers=1, load_typo_dict=False, load_multi_dict=False)
    for word in PRODUCT_WORDS:
        kiwi.add_user_word(word, "NNG", 0.0)
    for word in user_words:
        kiwi.add_user_word(word, "NNP", 0.0)
    kiwi.tokenize("텀블러")
    return kiwi


_WORKER: Tokenizer | None = None


def _worker_init(settings: dict) -> None:
    global _WORKER
    _WORKER = Tokenizer(**settings)


def _worker_morphemes(words: list[str]) -> list[tuple[str, ...]]:
    return _WORKER.morphemes(words)

"""The title tokenizer on real Naver Shopping title shapes (the shared API sample), and its fallbacks."""

import pandas as pd
import pytest

from shopcat import config
from shopcat.text.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def real_titles() -> set[str]:
    try:
        folder = config.shared_path("naver-shopping-api-sample")
    except FileNotFoundError as err:
        pytest.skip(f"shared Naver API sample absent: {err}")
    frames = [pd.read_csv(f, encoding="utf-8-sig") for f in sorted(folder.glob("*.csv"))]
    return set(pd.concat(frames)["title"].astype(str))


@pytest.fixture(scope="module")
def kiwi() -> Tokenizer:
    return Tokenizer(kind="kiwi")


@pytest.fixture(scope="module")
def kiwi_brands() -> Tokenizer:
    return Tokenizer(kind="kiwi", user_words=["스탠리1913", "오덴세"])


def real(titles: set[str], title: str) -> str:
    """A title quoted from the sample, checked to be there, so the test runs on what the API returns."""
    assert title in titles, f"not in the API sample: {title}"
    return title


def test_model_codes_stay_whole(real_titles, kiwi):
    tokens = kiwi.tokenize(real(real_titles, "써모스 데일리 클래식 원터치 텀블러 350ml JNL-354K, 1개"))
    assert tokens == ["써모스", "데일리", "클래식", "원터치", "텀블러", "350ml", "jnl-354k", "1개"]
    tokens = kiwi.tokenize(real(real_titles, "아폴로 원터치 항균 보온병 2L AP-2000, 1개"))
    assert "ap-2000" in tokens and "2l" in tokens
    tokens = kiwi.tokenize(real(real_titles, "락앤락 슬림핏 원터치 텀블러 400ml 1+1 (LHC3270)"))
    assert {"lhc3270", "400ml", "1+1", "락앤락", "텀블러"} <= set(tokens)


def test_glued_codes_are_split_from_words(kiwi):
    assert kiwi.tokenize("갤럭시S24울트라 SM-S928N 256GB") == ["갤럭시", "s24", "울트라", "sm-s928n", "256gb"]


def test_numbers_keep_their_units(real_titles, kiwi):
    tokens = kiwi.tokenize(real(real_titles, "대용량 텀블러 손잡이 빨대덤블러 보온보냉텀블러 750ml+1리터이상 미끄럼방지캡 증정품"))
    assert "750ml" in tokens and "1리터" in tokens
    assert {"보온", "보냉", "텀블러"} <= set(tokens)  # the glued compound is split into its nouns
    tokens = kiwi.tokenize(real(real_titles, "조지루시 보온병 1.5L SF-CC15, 실버"))
    assert tokens == ["조지루시", "보온병", "1.5l", "sf-cc15", "실버"]
    assert kiwi.tokenize("견과류 간식 25g 30개입 1+1") == ["견과류", "간식", "25g", "30개입", "1+1"]
    assert kiwi.tokenize("4도어 냉장고 2in1 500LCD") == ["4도어", "냉장고", "2in1", "500lcd"]


def test_verb_and_adjective_stems_on_request(real_titles, kiwi):
    title = real(real_titles, "프레포유 리유저블컵 안새는 텀블러 내열 유리텀블러")
    assert "새" not in kiwi.tokenize(title)
    assert "새" in Tokenizer(kind="kiwi", keep_predicates=True).tokenize(title)


def test_brands_from_the_user_dictionary(real_titles, kiwi, kiwi_brands):
    title = real(real_titles, "스탠리 스탠리1913 웰스프링 보틀 709ml, 그레이, 1개")
    assert "스탠리1913" in kiwi_brands.tokenize(title)
    assert "스탠리1913" not in kiwi.tokenize(title) and "1913" in kiwi.tokenize(title)
    title = real(real_titles, "(N배송) 오덴세 레고트 투웨이 루프 텀블러 720ml")
    assert kiwi_brands.tokenize(title)[0] == "오덴세"
    assert "오덴세" not in kiwi.tokenize(title)  # Kiwi alone cuts the unknown brand apart
    # a bracketed brand keeps its name, only the brackets go
    assert kiwi.tokenize(real(real_titles, "[스타벅스] SS 탱크 텀블러 503ml")) == ["스타벅스", "ss", "탱크", "텀블러", "503ml"]


def test_promo_words_are_dropped_on_request(real_titles, kiwi):
    title = real(real_titles, "(당일발송)스타벅스 캠퍼스 스텐리 퀵고 보온병 텀블러 473ml")
    tokens = kiwi.tokenize(title)
    assert tokens[0] == "스타벅스" and not {"당일", "발송", "당일발송"} & set(tokens)
    kept = Tokenizer(kind="kiwi", drop_promo=False).tokenize(title)
    assert {"당일", "발송"} <= set(kept) and kept[-4:] == tokens[-4:]
    tokens = kiwi.tokenize(real(real_titles, "[공식] 블루보틀 커뮤터컵 Blue Bottle Commuter Cup 473ml, 1개"))
    assert "공식" not in tokens and {"blue", "bottle", "473ml"} <= set(tokens)
    assert "n" not in kiwi.tokenize(real(real_titles, "(N배송) 레고트 루프 텀블러 멀티 1000ml"))


def test_tags_and_entities_are_stripped(real_titles, kiwi):
    title = real(real_titles, "써모스 보온병 1.2L 대용량 컵타입 등산용 보온 보냉 병 산악 캠핑 써모스 텀블러")
    as_api_sends_it = title.replace("텀블러", "<b>텀블러</b>")  # the search API bolds the query word
    assert kiwi.tokenize(as_api_sends_it) == kiwi.tokenize(title)
    assert "<b>" not in "".join(kiwi.tokenize(as_api_sends_it))
    tokens = kiwi.tokenize(real(real_titles, "스탠리 퀜처 텀블러 부츠 바닥 커버 &amp; 스트로 캡 1.18L, 핑크 더스크"))
    assert "1.18l" in tokens and not any("&" in t or "amp" in t for t in tokens)
    assert kiwi.tokenize("ＳＭ－Ｓ９２８Ｎ ５００㎖") == ["sm-s928n", "500ml"]  # full-width and unit symbols


def test_missing_titles_give_no_tokens(kiwi):
    assert kiwi.tokenize_many(["", None, float("nan"), "   "]) == [[], [], [], []]


def test_deterministic_and_parallel_matches_serial(real_titles, kiwi):
    titles = sorted(real_titles)[:200]
    first = kiwi.tokenize_many(titles)
    assert Tokenizer(kind="kiwi").tokenize_many(titles) == first  # fresh cache, same tokens
    assert [kiwi.tokenize(t) for t in titles[:20]] == first[:20]
    assert Tokenizer(kind="kiwi").tokenize_many(titles, workers=2) == first


def test_whitespace_and_char_fallbacks(real_titles):
    title = real(real_titles, "[커피쿠폰증정] 락앤락 메트로 카페 세라믹 텀블러 650ML (LHC4359)")
    words = Tokenizer(kind="whitespace").tokenize(title)
    assert words == ["커피", "락앤락", "메트로", "카페", "세라믹", "텀블러", "650ml", "lhc4359"]
    chars = Tokenizer(kind="char").tokenize("<b>보온병</b> 정품 500ML")
    assert chars == ["보", "온", "병", "5", "0", "0", "m", "l"]
    assert Tokenizer(kind="whitespace").tokenize_many(["a b", "c"], workers=2) == [["a", "b"], ["c"]]
    with pytest.raises(ValueError):
        Tokenizer(kind="bpe")


def test_tokenizer_pickles_without_its_analyser(kiwi):
    import pickle

    clone = pickle.loads(pickle.dumps(Tokenizer(kind="kiwi", user_words=["스탠리1913"])))
    assert clone.tokenize("스탠리1913 보틀 500ml") == ["스탠리1913", "보틀", "500ml"]

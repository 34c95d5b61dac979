"""Product titles built the way Korean sellers write them, vectorised over all rows at once.

A title is a sequence of optional pieces: [promo] brand [line] [model code] [qualifier] [attributes] noun
[cross-category word] [unit/count] [option] [promo]. Each piece is chosen per row from integer draws into
string tables, so a million titles cost a few seconds. The long tail (model codes, tail brands, typos) is what
makes a raw vocabulary explode; shared product lines (갤럭시 for phones, tablets, watches, buds and their
cases) and accessories naming their main product are what make titles ambiguous.
"""

from __future__ import annotations

import numpy as np

from shopcat.sim.taxonomy import leaf_nouns

DOMAINS = ["패션의류", "패션잡화", "화장품/미용", "디지털/가전", "가구/인테리어", "출산/육아", "식품", "스포츠/레저",
           "생활/건강", "여가/생활편의", "도서"]

# The head of each domain's brand pool; a generated tail of small brands follows (Zipf popularity).
HEAD_BRANDS = {
    "패션의류": ["나이키", "아디다스", "유니클로", "탑텐", "스파오", "지오다노", "폴로", "타미힐피거", "MLB", "커버낫",
              "무신사스탠다드", "에잇세컨즈", "지컷", "SPAO", "BYC", "쿠어", "디스커버리", "노스페이스"],
    "패션잡화": ["나이키", "뉴발란스", "컨버스", "반스", "닥터마틴", "크록스", "쿠론", "루이까또즈", "MCM", "질스튜어트",
              "제이에스티나", "캉골", "스컬프터", "레이밴", "헤지스"],
    "화장품/미용": ["설화수", "라네즈", "이니스프리", "헤라", "닥터지", "라운드랩", "토리든", "아누아", "클리오", "롬앤",
               "려", "닥터포헤어", "필립스", "브라운", "다이슨", "바이오더마"],
    "디지털/가전": ["삼성전자", "LG전자", "애플", "샤오미", "소니", "로지텍", "앤커", "벨킨", "슈피겐", "다이슨", "쿠쿠",
               "위닉스", "신일", "보아르", "레노버", "ASUS", "캐논", "JBL"],
    "가구/인테리어": ["한샘", "이케아", "리바트", "일룸", "시몬스", "에이스침대", "까사미아", "데코뷰", "필립스", "오늘의집",
                "모던하우스", "코멧"],
    "출산/육아": ["하기스", "팸퍼스", "보솜이", "매일유업", "남양", "압타밀", "베베숲", "더블하트", "유피스", "레고",
              "피셔프라이스", "아이노비아", "다이치", "순성"],
    "식품": ["CJ", "오뚜기", "농심", "풀무원", "동원", "하림", "비비고", "삼다수", "정관장", "종근당건강", "GNC",
           "종가", "청정원", "롯데", "해태", "곰곰"],
    "스포츠/레저": ["코베아", "스노우피크", "콜맨", "블랙야크", "K2", "다이와", "시마노", "삼천리", "캘러웨이", "타이틀리스트",
               "아레나", "나이키", "요넥스", "윌슨", "헤드"],
    "생활/건강": ["스탠리", "써모스", "락앤락", "조지루시", "코멧", "테팔", "해피콜", "유한킴벌리", "깨끗한나라", "피죤",
              "다우니", "로얄캐닌", "보쉬", "블랙앤데커", "오므론", "아이리버", "스타벅스", "예티"],
    "여가/생활편의": ["야놀자", "여기어때", "인터파크", "클래스101", "코웨이", "SK매직", "청호나이스", "하이마트"],
    "도서": ["민음사", "창비", "문학동네", "위즈덤하우스", "길벗", "해커스", "에듀윌", "시공사", "비룡소", "김영사"],
}
N_TAIL_BRANDS = 400  # small brands per domain: the Zipf tail

SYLLABLES = ("라 루 미 소 하 누 다 온 리 아 로 벨 에 코 스 티 나 모 베 린 카 네 조 한 세 유 호 빈 진 솔 "
             "마 레 디 도 파 키 보 우 지 르 메 제 윈 윤 탐 큐 픽 핏 퓨 엘 앤 올 봄 숲").split()
LINE_WORDS = ("클래식 프로 에어 울트라 라이트 플러스 맥스 시그니처 오리지널 프리미엄 데일리 베이직 스탠다드 미니 슬림 "
              "소프트 퓨어 에센셜 모던 빈티지 컴팩트 스마트 네오 엣지 코지 루나 오로라 블룸 스윗 노바 썸머 "
              "윈터 트래블 아이스 퀵 파워 터보 듀얼 하이브리드 내추럴 리얼 올데이 원터치 퀜처 레전더리").split()

COLOURS = ("블랙 화이트 네이비 그레이 베이지 아이보리 브라운 카키 핑크 레드 블루 그린 옐로우 퍼플 민트 "
           "차콜 크림 오트밀 실버 골드 로즈골드 스카이블루 와인 올리브").split()
GENDERS = ["여성", "남성", "남녀공용", "여자", "남자", "아동", "키즈"]
SEASONS = ["봄", "여름", "가을", "겨울", "간절기", "사계절", "FW", "SS", "신상"]
ATTRS = {
    "패션의류": "오버핏 루즈핏 슬림핏 크롭 롱 숏 빅사이즈 기모 니트 면 린넨 울 캐시미어 시어서커 데님 스트라이프 체크 무지 "
            "레이어드 데일리 오피스룩 하객룩 캐주얼 S M L XL 2XL FREE 55 66 77",
    "패션잡화": "가죽 소가죽 캔버스 나일론 스웨이드 경량 쿠션 방수 미니 빅 데일리 캐주얼 정장 230mm 240mm 250mm 260mm "
            "270mm 14K 18K 써지컬 스틸 큐빅 진주",
    "화장품/미용": "수분 보습 진정 미백 주름개선 저자극 비건 약산성 대용량 기획세트 리필 촉촉 쿨링 지성 건성 민감성 "
              "SPF50+ 무향 유기농 시카",
    "디지털/가전": "무선 블루투스 고속 저소음 초경량 휴대용 대용량 가정용 업소용 스마트 4K 정품 국내정발 자급제 "
              "64GB 128GB 256GB 20W 45W 10000mAh 15인치 27인치 5G",
    "가구/인테리어": "원목 철제 접이식 수납 대형 소형 1인용 2인용 4인용 퀸 킹 슈퍼싱글 북유럽 모던 빈티지 LED 방수 "
                "암막 호텔식 국내제작",
    "출산/육아": "신생아 유아 아기 베이비 키즈 대형 중형 소형 1단계 2단계 3단계 무형광 저자극 오가닉 휴대용 "
             "국내산 유기농 남아 여아 돌",
    "식품": "국내산 수입산 제철 산지직송 냉동 냉장 무농약 유기농 대용량 소포장 가정용 업소용 특품 상품 "
          "프리미엄 저당 무설탕 고단백 즉석 간편",
    "스포츠/레저": "초경량 방수 접이식 휴대용 대형 2인용 4인용 카본 스텐 캠핑 등산 여행 피트니스 홈트 "
               "입문용 선수용 남성용 여성용 주니어",
    "생활/건강": "스텐 스테인리스 실리콘 유리 대용량 휴대용 원터치 보온 보냉 보온보냉 손잡이 빨대 가정용 "
              "업소용 국산 친환경 차량용 사무실 대형 소형 이중",
    "여가/생활편의": "당일 주말 평일 1인 2인 가족 성인 아동 서울 부산 제주 강남 온라인 오프라인 무제한 "
                "정기 1회 체험",
    "도서": "개정판 최신판 2024 2025 세트 전권 양장 특별판 한정판 합본 큰글씨 초판 베스트셀러 필독서 "
          "기출문제 핵심요약 입문",
}
UNITS = {
    "패션의류": ["1+1", "2장", "3장세트", "2종", "세트"],
    "패션잡화": ["1+1", "2켤레", "5족", "세트", "2종"],
    "화장품/미용": ["50ml", "100ml", "150ml", "200ml", "500ml", "30g", "1+1", "2개입", "기획세트"],
    "디지털/가전": ["1개", "2개입", "1m", "2m", "5W", "세트"],
    "가구/인테리어": ["1개", "2개", "1+1", "세트", "5개입"],
    "출산/육아": ["1팩", "2팩", "4팩", "10매", "20매", "80매", "3개", "1+1", "대형"],
    "식품": ["500g", "1kg", "2kg", "3kg", "5kg", "10kg", "10개입", "20봉", "30개", "500ml", "2L", "12병", "1박스"],
    "스포츠/레저": ["1개", "2개", "1+1", "세트", "10개입", "1박스"],
    "생활/건강": ["350ml", "500ml", "591ml", "750ml", "1L", "2개입", "3개입", "10롤", "30롤", "1+1", "1개"],
    "여가/생활편의": ["1매", "2매", "1인", "2인", "1박", "2박"],
    "도서": ["1권", "2권", "전5권", "세트", "1+1"],
}
# Some second-level groups sell with words of their own (no '스텐' for DVDs, no '10롤' for tumblers).
GROUP_ATTRS = {
    "주방용품": "스텐 스테인리스 실리콘 유리 대용량 휴대용 원터치 보온 보냉 보온보냉 손잡이 빨대 이중 국산 업소용 "
            "가정용 식기세척기사용 전자레인지용 친환경 논슬립",
    "DVD": "정품 초회한정 블루레이 한글자막 더빙 박스세트 리마스터 감독판 소장판 전편 시즌1 시즌2",
    "음반": "정품 초회한정 LP CD 포토카드 한정반 사인반 리마스터 재발매 미개봉",
    "반려동물": "강아지 고양이 소형견 대형견 노령견 키튼 대용량 무염 저알러지 그레인프리 국산 수제 휴대용",
    "공구": "충전식 무선 유선 18V 12V 브러쉬리스 전문가용 가정용 세트 본체 베어툴 독일",
    "자동차용품": "차량용 국산 SUV 경차 무선 고속 방수 대용량 전차종 호환",
    "문구/사무용품": "사무용 학생 대용량 A4 B5 무지 유선 스프링 3색 리필 국산",
    "여행": "당일 주말 평일 1박2일 2박3일 왕복 편도 조식포함 오션뷰 가족 커플",
}
GROUP_UNITS = {
    "주방용품": ["350ml", "500ml", "591ml", "750ml", "1L", "2개", "1+1", "1개", "세트"],
    "생활용품": ["10롤", "30롤", "3개입", "100매", "1+1", "대용량", "50L"],
    "DVD": ["1DVD", "2DVD", "3disc", "박스세트"], "음반": ["1CD", "2CD", "1LP", "세트"],
    "반려동물": ["1kg", "2kg", "6kg", "100g", "30개입", "1+1"],
}
# Occasions, places and buyers any product may be sold for: the long tail of a seller's keywords.
USE_WORDS = ("사무실 학생 직장인 등산 캠핑 차박 여행용 출장 선물 기념품 답례품 단체 주문제작 각인 레이저 인쇄 로고 커플 "
             "어린이집 유치원 초등학생 군대 병원 헬스장 회사 판촉물 개업선물 집들이 생일선물 어버이날 스승의날 "
             "크리스마스 홈카페 원룸 자취 신혼 호텔 카페 식당 학원 교회 운동 홈트 출근 데일리템 인기 추천 "
             "가성비 고급 명품 심플 귀여운 예쁜 감성 레트로 빈티지 모던 북유럽 캐릭터 파스텔 무광 유광 튼튼한 "
             "가벼운 두꺼운 얇은 부드러운 따뜻한 시원한 안전한 위생 항균 무독성 BPA프리 KC인증 국내생산 "
             "수입정품 병행수입 해외직구 재입고 품절임박 신제품 리뉴얼 한정판 에디션 콜라보 대형마트 홈쇼핑 "
             "방송 연예인 인플루언서 후기많은 재구매 랭킹 1위 베스트 MD추천 선착순 사은품 증정 할인 세일 "
             "오늘출발 새벽배송 로켓 묶음 소량 벌크 낱개 리필용 교체용 호환용 여분").split()
OPTIONS = [", 1개", ", 2개", ", 블랙", ", 화이트", ", 그레이", ", 네이비", " (옵션선택)", " 옵션", " 택1", ", 단품",
           " (색상선택)", " (사이즈선택)", ", FREE", ", 1세트"]
PROMO_PREFIX = ["[특가]", "[무료배송]", "[당일발송]", "[정품]", "[1+1]", "[최저가]", "[국내배송]", "[공식]", "[한정수량]"]
PROMO_SUFFIX = ["무료배송", "당일발송", "정품", "1+1", "특가", "국내배송", "최저가", "빠른배송", "사은품증정"]
CROSS_FORMS = ["{}용", "{} 스타일", "{}", "{} 겸용", "{} 세트", "{} 호환"]

# Shared product lines: the same brand word across phones, tablets, watches, earbuds and their accessories.
# '{g}' is the model generation at registration time, so new model names appear over the three years.
FAMILY_LINES = {
    "phone": ["갤럭시 S{g22}", "갤럭시 Z플립{g4}", "갤럭시 A{g33}", "아이폰{g13}", "아이폰{g13} 프로", "아이폰{g13} 프로맥스"],
    "tablet": ["갤럭시탭 S{g7}", "갤럭시탭 A{g7}", "아이패드 에어{g4}", "아이패드 프로", "아이패드 미니{g5}"],
    "watch": ["갤럭시워치{g4}", "갤럭시워치{g4} 클래식", "애플워치{g7}", "애플워치 SE"],
    "buds": ["갤럭시 버즈{g1}", "갤럭시 버즈{g1} 프로", "에어팟 프로{g1}", "에어팟{g2}"],
}
FAMILY_OF_NOUN = {
    "자급제폰": ["phone"], "공기계": ["phone"], "스마트폰": ["phone"], "휴대폰케이스": ["phone"],
    "휴대폰필름": ["phone"], "카메라렌즈필름": ["phone"], "휴대폰거치대": ["phone"], "고속충전기": ["phone", "tablet"],
    "무선충전기": ["phone", "watch", "buds"], "충전케이블": ["phone", "tablet"], "차량용거치대": ["phone"],
    "안드로이드태블릿": ["tablet"], "아이패드": ["tablet"], "태블릿케이스": ["tablet"], "태블릿필름": ["tablet"],
    "스마트워치": ["watch"], "워치스트랩": ["watch"], "스마트밴드": ["watch"],
    "무선이어폰": ["buds"], "이어폰케이스": ["buds"], "블루투스이어폰": ["buds"],
}
SHARED_LINE_WORDS = ["갤럭시", "갤럭시탭", "갤럭시워치", "아이폰", "아이패드", "애플워치", "에어팟"]


def _generation_fill(template: str, gen: int) -> str:
    """'갤럭시 S{g22}' with generation 2 -> '갤럭시 S24'."""
    out, i = [], 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            out.append(str(int(template[i + 2:j]) + gen))
            i = j + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def make_brands(domain: str, world: np.random.Generator) -> list[str]:
    """Head brands, then a tail of invented 2-3 syllable brands (some Latin), most popular first."""
    head = HEAD_BRANDS.get(domain, [])
    tail = []
    for _ in range(N_TAIL_BRANDS):
        k = world.integers(2, 4)
        name = "".join(world.choice(SYLLABLES, size=k))
        if world.random() < 0.25:
            name = "".join(chr(65 + c) for c in world.integers(0, 26, size=world.integers(3, 6)))
        tail.append(name)
    return list(dict.fromkeys(head + tail))


class Pools:
    """Flat string tables with per-group offsets, so a row's pick is one integer draw (no Python loop)."""

    def __init__(self, lists: list[list[str]]):
        sizes = np.array([len(x) for x in lists], dtype=np.int64)
        self.sizes = sizes
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.flat = np.array([s for x in lists for s in x] + [""], dtype=object)  # "" for empty groups

    def pick(self, rng: np.random.Generator, group: np.ndarray, zipf: bool = False) -> np.ndarray:
        """One string per row from its group's list: uniform, or Zipf(1) over the list order when zipf=True."""
        size = self.sizes[group]
        u = rng.random(len(group))
        k = (np.exp(u * np.log(size + 1.0)) - 1).astype(np.int64) if zipf else (u * size).astype(np.int64)
        k = np.minimum(k, np.maximum(size - 1, 0))
        out = self.flat[self.offsets[group] + k]
        out[size == 0] = ""
        return out


def leaf_tables(leaves: list[str], sibling_idx: list[list[int]], lookalike_idx: dict[int, list[int]]) -> dict:
    """Per-leaf word tables: nouns, qualifiers, cross-category words, shared product lines."""
    nouns = [leaf_nouns(leaf) for leaf in leaves]
    owner: dict[str, set[int]] = {}
    for i, ws in enumerate(nouns):
        for w in ws:
            owner.setdefault(w, set()).add(i)
    qualifiers, cross, lines = [], [], []
    for i, leaf in enumerate(leaves):
        parts = leaf.split(">")
        own = set(nouns[i])
        quals = [w for p in parts[1:-1] for w in p.split("/") if w and (w not in owner or i in owner[w])]
        quals = [q.replace("의류", "").replace("언더웨어", "") or q for q in quals]
        qualifiers.append([q for q in dict.fromkeys(quals) if q and q not in ("기타",) and "기타" not in q])
        others = lookalike_idx.get(i, []) + sibling_idx[i][:12]
        cross.append([w for j in others for w in nouns[j][:2] if w not in own and len(w) >= 2][:20])
        fam = [f for w in nouns[i] for f in FAMILY_OF_NOUN.get(w, [])]
        lines.append([t for f in dict.fromkeys(fam) for t in FAMILY_LINES[f]])
    return dict(nouns=nouns, qualifiers=qualifiers, cross=cross, lines=lines, owner=owner)


def model_codes(rng: np.random.Generator, brand_id: np.ndarray, generation: np.ndarray) -> list[str]:
    """Alphanumeric model codes: brand-specific letters, a number that grows with the model generation."""
    n = len(brand_id)
    letters = np.array([chr(65 + i) for i in range(26)], dtype=object)
    a = letters[(brand_id * 7) % 26]
    b = letters[(brand_id * 13 + 5) % 26]
    c = letters[rng.integers(0, 26, n)]
    num = generation * 100 + rng.integers(0, 100, n) + 100 * (brand_id % 9)
    style = rng.integers(0, 4, n)
    tail = rng.integers(0, 10, n)
    out = []
    for s, x, y, z, m, t in zip(style.tolist(), a.tolist(), b.tolist(), c.tolist(), num.tolist(), tail.tolist(), strict=True):
        if s == 0:
            out.append(f"{x}{y}{z}-{m}{t}")
        elif s == 1:
            out.append(f"{x}{y}-{m}{z}")
        elif s == 2:
            out.append(f"{x}{m}{y}{z}")
        else:
            out.append(f"{x}{y}{m}{t}")
    return out


def typo(word: str, r: float) -> str:
    """A plausible slip: two letters swapped, one dropped or one doubled."""
    if len(word) < 3:
        return word
    i = int(r * (len(word) - 1))
    kind = int(r * 1000) % 3
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def build_titles(rng: np.random.Generator, leaf: np.ndarray, leaves: list[str], tables: dict,
                 time_frac: np.ndarray, p: dict, world_seed: int = 20240101) -> dict[str, np.ndarray]:
    """Titles and brands for rows with leaf indices `leaf`; `time_frac` in [0, 1) is the registration time."""
    n = len(leaf)
    world = np.random.default_rng(world_seed)  # the market's vocabulary is the same for every catalog seed
    dom_names = sorted({x.split(">")[0] for x in leaves}, key=lambda d: DOMAINS.index(d) if d in DOMAINS else 99)
    leaf_dom = np.array([dom_names.index(x.split(">")[0]) for x in leaves])
    dom = leaf_dom[leaf]
    brands = Pools([make_brands(d, world) for d in dom_names])
    leaf_words = set(tables["owner"])  # selling words must not name a category, or they would be ambiguous

    def plain(words):
        return [w for w in words if w not in leaf_words]

    # word group of each row: the leaf's second level when it has words of its own, else its domain
    groups = dom_names + [g for g in dict.fromkeys(x.split(">")[1] for x in leaves if x.count(">"))
                          if g in GROUP_ATTRS or g in GROUP_UNITS]
    leaf_group = np.array([groups.index(x.split(">")[1]) if x.count(">") and x.split(">")[1] in groups
                           else dom_names.index(x.split(">")[0]) for x in leaves])
    group = leaf_group[leaf]
    top_of = [g if g in dom_names else None for g in groups]
    attrs = Pools([plain(GROUP_ATTRS.get(g, ATTRS.get(top_of[i] or "", ATTRS["생활/건강"])).split())
                   for i, g in enumerate(groups)])
    units = Pools([GROUP_UNITS.get(g, UNITS.get(top_of[i] or "", UNITS["생활/건강"])) for i, g in enumerate(groups)])
    colours = np.array(plain(COLOURS), dtype=object)
    line_words = np.array(plain(LINE_WORDS), dtype=object)
    nouns = Pools(tables["nouns"])
    quals = Pools(tables["qualifiers"])
    cross = Pools(tables["cross"])
    line_templates = Pools(tables["lines"])
    generation = np.minimum((time_frac * 3).astype(np.int64), 2)  # a new model year each year
    gen_lag = np.maximum(generation - (rng.random(n) < 0.3), 0)  # some listings sell last year's model

    def coin(rate: float) -> np.ndarray:
        return rng.random(n) < rate

    # brand: Zipf within the domain pool
    brand_pick_u = rng.random(n)
    size = brands.sizes[dom]
    brand_rank = np.minimum((np.exp(brand_pick_u * np.log(size + 1.0)) - 1).astype(np.int64), size - 1)
    brand_id = brands.offsets[dom] + brand_rank
    brand = brands.flat[brand_id]
    has_brand = coin(p["brand_rate"])
    brand_col = np.where(has_brand, brand, "")
    bracket = has_brand & coin(p["brand_bracket_rate"])
    brand_piece = np.where(bracket, "[" + brand + "]", brand_col)

    # product line: the brand's own few lines, or a shared family line (갤럭시 ...) for family leaves
    # a brand's lines: a few common words, or its own invented names (퀜처, 램블러): a long vocabulary tail
    k = (rng.random(n) ** 2 * 40).astype(np.int64)
    line = line_words[(brand_id * 5 + k) % len(line_words)]
    syl = np.array(SYLLABLES, dtype=object)
    invented = syl[(brand_id * 7 + k * 13) % len(syl)] + syl[(brand_id * 11 + k * 5 + 3) % len(syl)]
    line = np.where(coin(0.5), invented, line)
    line = np.where(coin(p["line_rate"]) & has_brand, line, "")
    fam = line_templates.pick(rng, leaf)
    use_fam = (fam != "") & coin(p["family_line_rate"])
    if use_fam.any():
        cache: dict[tuple[str, int], str] = {}
        rows = np.flatnonzero(use_fam)
        filled = []
        for t, g in zip(fam[rows].tolist(), gen_lag[rows].tolist(), strict=True):
            key = (t, g)
            if key not in cache:
                cache[key] = _generation_fill(t, g)
            filled.append(cache[key])
        line[rows] = filled

    code = np.full(n, "", dtype=object)
    has_code = coin(p["model_code_rate"])
    rows = np.flatnonzero(has_code)
    code[rows] = model_codes(rng, brand_id[rows], generation[rows])
    code_after = coin(0.5)

    qual = np.where(coin(p["qualifier_rate"]), quals.pick(rng, leaf), "")
    # descriptors: sellers stuff titles with the domain's selling words (0-5 of them) and a colour
    n_desc = rng.choice(len(p["descriptor_count_probs"]), size=n, p=p["descriptor_count_probs"])
    use_words = np.array(plain(USE_WORDS), dtype=object)
    descs = []
    for k in range(len(p["descriptor_count_probs"]) - 1):
        word = attrs.pick(rng, group, zipf=True)
        word = np.where(coin(p["use_word_rate"]), use_words[rng.integers(0, len(use_words), n)], word)
        word = np.where(coin(p["compound_rate"]), word + attrs.pick(rng, group), word)  # '보온보냉', '원터치빨대'
        descs.append(np.where(n_desc > k, word, ""))
    for k in range(1, len(descs)):  # no word twice in a row of picks
        for j in range(k):
            descs[k] = np.where(descs[k] == descs[j], "", descs[k])
    attr1 = descs[0]
    colour = np.where(coin(p["colour_rate"]), colours[rng.integers(0, len(colours), n)], "")
    season_gender = np.where(coin(p["season_gender_rate"]),
                             np.array(SEASONS + GENDERS, dtype=object)[rng.integers(0, len(SEASONS) + len(GENDERS), n)],
                             "")

    noun = nouns.pick(rng, leaf, zipf=True)  # the leaf's own name first, then its synonyms
    # spacing variants: glue the attribute to the noun ('보온보냉텀블러') or split a long noun ('무선 충전기')
    glue = coin(p["spacing_rate"] / 2) & (attr1 != "")
    noun = np.where(glue, attr1 + noun, noun)
    attr1 = np.where(glue, "", attr1)
    split = np.flatnonzero(coin(p["spacing_rate"] / 2))
    noun[split] = [w[: len(w) // 2] + " " + w[len(w) // 2:]
                   if len(w) >= 4 and w.isalpha() and w[: len(w) // 2] not in leaf_words
                   and w[len(w) // 2:] not in leaf_words else w for w in noun[split].tolist()]
    typo_rows = np.flatnonzero(coin(p["typo_rate"]))
    noun[typo_rows] = [typo(w, r) for w, r in zip(noun[typo_rows].tolist(), rng.random(len(typo_rows)).tolist(), strict=True)]
    second_noun = np.where(coin(p["second_noun_rate"]), nouns.pick(rng, leaf), "")
    second_noun = np.where(second_noun == noun, "", second_noun)

    cross_word = cross.pick(rng, leaf)
    has_cross = coin(p["ambiguous_rate"]) & (cross_word != "")
    forms = np.array(CROSS_FORMS, dtype=object)[rng.integers(0, len(CROSS_FORMS), n)]
    cross_piece = np.full(n, "", dtype=object)
    rows = np.flatnonzero(has_cross)
    cross_piece[rows] = [f.format(w) for f, w in zip(forms[rows].tolist(), cross_word[rows].tolist(), strict=True)]

    unit = np.where(coin(p["unit_rate"]), units.pick(rng, group), "")
    option = np.where(coin(p["option_rate"]), np.array(OPTIONS, dtype=object)[rng.integers(0, len(OPTIONS), n)], "")
    promo_pre = np.where(coin(p["promo_rate"] / 2),
                         np.array(PROMO_PREFIX, dtype=object)[rng.integers(0, len(PROMO_PREFIX), n)], "")
    promo_post = np.where(coin(p["promo_rate"] / 2),
                          np.array(PROMO_SUFFIX, dtype=object)[rng.integers(0, len(PROMO_SUFFIX), n)], "")

    code_before = np.where(code_after, "", code)
    code_after_piece = np.where(code_after, code, "")
    split_at = rng.integers(0, len(descs), n)  # some descriptors go before the noun, the rest after
    before = [np.where(split_at > k, d, "") for k, d in enumerate(descs)]
    after = [np.where(split_at > k, "", d) for k, d in enumerate(descs)]
    before[0] = np.where(split_at > 0, attr1, "")  # attr1 may have been glued to the noun
    after[0] = np.where(split_at > 0, "", attr1)
    pieces = [promo_pre, brand_piece, line, code_before, season_gender, qual, colour, *before, noun,
              second_noun, *after, cross_piece, unit, code_after_piece, promo_post]
    title = [" ".join([x for x in parts if x]) for parts in zip(*[a.tolist() for a in pieces], strict=True)]
    option_l = option.tolist()
    title = [t + o if o else t for t, o in zip(title, option_l, strict=True)]
    return dict(title=np.array(title, dtype=object), brand=brand_col)

"""Product titles built the way Korean sellers write them, vectorised over all rows at once.

A title is a sequence of optional pieces: [promo] brand [line] [model code] [qualifier] [colour] [attributes]
noun [cross-category word] [amount] [amount] [promo][, colour][, option]. Each piece is chosen per row from
integer draws into string tables, so a million titles cost a few seconds.

The long tail is what makes a raw vocabulary grow like a real catalog's (Heaps' law, V ~ N^0.7): brands,
their product lines and their model codes are Zipf ranks without an upper bound, named by lexicon.py, so a
bigger catalog keeps meeting new ones; amounts (500ml, 30개입), glued compounds (보온보냉, 프로스트화이트) and
promotions add the rest. Each leaf has its own typical selling words, amounts and specialist brands (drawn
once from the market's seed), so sibling leaves' nouns do not share identical contexts. Shared product lines
(갤럭시 for phones, tablets, watches, buds and their cases) and accessories naming their main product are
what make titles ambiguous.
"""

from __future__ import annotations

import numpy as np

from shopcat.sim import lexicon
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
N_LEAF_MODIFIERS = 24  # typical selling words of one leaf, drawn from its group's attributes and MODIFIERS
N_LEAF_UNITS = 6  # typical amounts of one leaf (500ml, 350ml, ...); any amount of its kinds is possible

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
# Occasions, places and buyers any product may be sold for: the long tail of a seller's keywords.
USE_WORDS = ("사무실 학생 직장인 등산 캠핑 차박 여행용 출장 선물 기념품 답례품 단체 주문제작 각인 레이저 인쇄 로고 커플 "
             "어린이집 유치원 초등학생 군대 병원 헬스장 회사 판촉물 개업선물 집들이 생일선물 어버이날 스승의날 "
             "크리스마스 홈카페 원룸 자취 신혼 호텔 카페 식당 학원 교회 운동 홈트 출근 데일리템 인기 추천 "
             "가성비 고급 명품 심플 귀여운 예쁜 감성 레트로 빈티지 모던 북유럽 캐릭터 파스텔 무광 유광 튼튼한 "
             "가벼운 두꺼운 얇은 부드러운 따뜻한 시원한 안전한 위생 항균 무독성 BPA프리 KC인증 국내생산 "
             "수입정품 병행수입 해외직구 재입고 품절임박 신제품 리뉴얼 한정판 에디션 콜라보 대형마트 홈쇼핑 "
             "방송 연예인 인플루언서 후기많은 재구매 랭킹 1위 베스트 MD추천 선착순 사은품 증정 할인 세일 "
             "오늘출발 새벽배송 로켓 묶음 소량 벌크 낱개 리필용 교체용 호환용 여분").split()
OPTIONS = [", 1개", ", 1개", ", 1개", ", 2개", ", 1세트", " (옵션선택)", " 옵션", " 택1", ", 단품", " (색상선택)",
           " (사이즈선택)", ", FREE", " 1+1", " 2+1", ", 3개"]
PROMO_PREFIX = ["[특가]", "[무료배송]", "[당일발송]", "[정품]", "[1+1]", "[최저가]", "[국내배송]", "[공식]", "[한정수량]",
                "(당일발송)", "(N배송)", "[오늘출발]", "[단독]", "[본사직영]", "[공식판매처]", "[사은품증정]", "[쿠폰할인]",
                "[빠른배송]", "[BEST]", "[NEW]", "[리퍼]", "[해외직구]", "[1+1행사]", "[타임특가]", "(정품)", "[국내정품]"]
PROMO_SUFFIX = ["무료배송", "당일발송", "정품", "1+1", "특가", "국내배송", "최저가", "빠른배송", "사은품증정", "당일출고",
                "오늘출발", "정품보장", "한정수량", "쿠폰증정", "무료반품", "본사정품", "빠른출고", "선물포장", "묶음할인"]
# Colours sellers name with a modifier glued on (프로스트화이트, 미드나잇블루): the palette is long.
COLOUR_MODIFIERS = ("프로스트 미드나잇 딥 라이트 다크 샌드 매트 파스텔 오션 포레스트 스톤 크리스탈 메탈 펄 "
                    "스모키 빈티지 네온 소프트 웜 쿨 더스티 애쉬 모카 코코아 체리 레몬 라벤더").split()
EXTRA_COLOURS = "피스타치오 루비 사파이어 에메랄드 코랄 테라코타 머스타드 버건디 라일락 세이지 샴페인 틸 탠".split()
# General selling modifiers: each leaf draws its own typical few from these and its group's attributes.
MODIFIERS = ("안새는 밀폐 초경량 슬림 자석 무소음 가성비 실속 기본형 고급형 업그레이드 신형 최신형 개선형 2세대 "
             "3세대 휴대 선물용 답례용 사무용 학생용 어린이용 성인용 투명 무광 유광 메탈 원목 세라믹 스크래치방지 "
             "미끄럼방지 세척편한 분리형 일체형 조립식 완제품 국내제조 수제 핸드메이드 소량생산 무취 저소음 "
             "초강력 강력 순한 고농축 대형 특대형 중형 미니형 포켓 와이드 롱타입 숏타입 하드 소프트 "
             "방수 생활방수 내열 내한 보풀방지 구김방지 통기성 흡습속건 냉감 발열 기능성 안심 안전 인증 "
             "고정형 이동식 벽걸이 스탠드형 탁상용 차량겸용 캠핑겸용 호환 전용 교체형 리필형 정기배송 "
             "당일생산 산지 직송 무첨가 저염 고당도 프리미엄급 명품 럭셔리 데일리용 입문 전문가 다용도 "
             "멀티 올인원 2in1 3in1 듀얼 트리플 미니멀 내추럴 클래식 모던 레트로 빈티지 인더스트리얼 "
             "카페풍 호텔식 북유럽풍 감성 유니크 캐릭터 키링 각인 레터링 커스텀 주문제작 단체 대량").split()
# Number + unit tokens: each leaf sells in one or two kinds of amount, with its own typical values.
UNIT_VALUES = {
    "ml": [100, 120, 150, 180, 200, 250, 270, 300, 330, 350, 355, 360, 380, 400, 420, 450, 470, 473, 480, 500,
           503, 530, 550, 591, 600, 650, 700, 709, 710, 720, 750, 800, 887, 900, 950],
    "L": [1, 1.18, 1.2, 1.3, 1.5, 1.8, 2, 2.5, 3, 4, 5, 10, 20],
    "g": [10, 20, 30, 50, 60, 80, 100, 120, 150, 180, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900],
    "kg": [1, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 15, 20],
    "개입": [2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 30, 36, 40, 50, 60, 80, 100, 120],
    "개": [1, 2, 3, 4, 5, 6, 10, 20, 30, 50, 100],
    "매": [1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 100, 120, 200],
    "롤": [4, 6, 8, 10, 12, 18, 24, 30, 36],
    "장": [1, 2, 3, 4, 5, 10],
    "mm": [210, 215, 220, 225, 230, 235, 240, 245, 250, 255, 260, 265, 270, 275, 280, 285, 290],
    "cm": [20, 30, 40, 45, 50, 60, 70, 80, 90, 100, 110, 120, 140, 150, 160, 180, 200],
    "인치": [10, 11, 12, 13, 14, 15, 16, 17, 24, 27, 32, 34, 43, 50, 55, 65, 75, 85],
    "GB": [16, 32, 64, 128, 256, 512, 1024],
    "W": [5, 10, 15, 18, 20, 25, 30, 35, 45, 60, 65, 100, 120, 240, 600, 800, 1000, 1200, 1500, 2000],
    "mAh": [3000, 5000, 10000, 20000, 30000],
    "m": [0.5, 1, 1.2, 1.5, 2, 3, 5, 10],
    "켤레": [1, 2, 3, 5, 10], "족": [3, 5, 6, 10], "팩": [1, 2, 3, 4, 5, 6, 10], "봉": [1, 2, 5, 10, 20, 30],
    "인": [1, 2, 3, 4, 6], "권": [1, 2, 3, 4, 5, 10], "병": [6, 12, 20, 24, 30], "포": [10, 14, 30, 60, 90],
    "정": [30, 60, 90, 120, 180], "박스": [1, 2, 3], "단계": [1, 2, 3, 4],
}
UNIT_KINDS = {  # domain (or second-level group) -> the kinds of amount its leaves sell in
    "패션의류": ["장", "개"], "패션잡화": ["mm", "켤레", "족", "개"], "화장품/미용": ["ml", "g", "개입", "매"],
    "디지털/가전": ["GB", "W", "mAh", "인치", "m", "개"], "가구/인테리어": ["cm", "개", "인", "m"],
    "출산/육아": ["매", "팩", "개입", "ml", "g", "단계"], "식품": ["g", "kg", "ml", "L", "개입", "봉", "박스"],
    "스포츠/레저": ["개", "cm", "인", "m", "kg"], "생활/건강": ["ml", "L", "개입", "롤", "매", "개", "kg"],
    "여가/생활편의": ["인", "매"], "도서": ["권"],
    "주방용품": ["ml", "L", "개"], "반려동물": ["kg", "g", "개입"], "생활용품": ["롤", "매", "개입"], "건강식품": ["정", "포", "g"],
    "과일": ["kg", "개입", "박스"], "채소": ["kg", "g", "봉"], "축산물": ["g", "kg"], "수산물": ["kg", "g", "팩"],
    "음료": ["ml", "L", "병", "개입"], "컴퓨터": ["인치", "GB"], "휴대폰": ["GB"], "기저귀": ["매", "팩", "단계"],
}

# Leaves whose name says what they are measured in (a tumbler in ml, shoes in mm, a phone in GB); '$': the
# name ends with the word (운동화, not 화장대).
UNIT_HINTS = [("컵", "ml"), ("텀블러", "ml"), ("병", "ml"), ("생수", "L"), ("사료", "kg"), ("모래", "kg"),
              ("폰", "GB"), ("태블릿", "GB"), ("아이패드", "GB"), ("SSD", "GB"), ("메모리", "GB"), ("모니터", "인치"),
              ("TV", "인치"), ("노트북", "인치"), ("화$", "mm"), ("부츠", "mm"), ("샌들", "mm"), ("슬리퍼", "mm"),
              ("배터리", "mAh"), ("충전기", "W"), ("크림", "ml"), ("로션", "ml"), ("에센스", "ml"), ("토너", "ml"),
              ("샴푸", "ml"), ("워시", "ml"), ("기저귀", "매"), ("물티슈", "매"), ("화장지", "롤"), ("세제", "L")]


def unit_kinds_of(leaf: str, world: np.random.Generator) -> list[str]:
    """The one or two kinds of amount a leaf sells in: its name's hint, else from its group's or domain's."""
    parts = leaf.split(">")
    kinds = UNIT_KINDS.get(parts[1] if len(parts) > 2 else "", UNIT_KINDS.get(parts[0], ["개"]))
    hint = [u for word, u in UNIT_HINTS
            if (parts[-1].endswith(word[:-1]) if word.endswith("$") else word in parts[-1])][:1]
    chosen = hint or [kinds[int(world.integers(0, len(kinds)))]]
    if world.random() < 0.4:  # a second kind: a count beside the capacity, or another size
        chosen.append(kinds[int(world.integers(0, len(kinds)))])
    return list(dict.fromkeys(chosen))


def unit_token(kind: str, value: float) -> str:
    """'500ml', '1.18L', '30개입', '256GB' (1024GB is written 1TB)."""
    if kind == "GB" and value >= 1024:
        return f"{value / 1024:g}TB"
    return f"{value:g}{kind}"


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


def leaf_tables(leaves: list[str], sibling_idx: list[list[int]], lookalike_idx: dict[int, list[int]],
                world_seed: int = 20240101) -> dict:
    """Per-leaf word tables: nouns, qualifiers, cross-category words, shared product lines, and each leaf's own
    typical modifiers and amounts (drawn once from the market's seed, so siblings differ but catalogs agree)."""
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
    world = np.random.default_rng([world_seed, 11])
    modifiers, units, all_units = [], [], []
    for leaf in leaves:
        parts = leaf.split(">")
        group = parts[1] if len(parts) > 2 else ""
        pool = [w for w in dict.fromkeys(GROUP_ATTRS.get(group, ATTRS.get(parts[0], "")).split() + USE_WORDS
                                         + MODIFIERS) if w not in owner]
        modifiers.append([pool[j] for j in world.permutation(len(pool))[:N_LEAF_MODIFIERS]])
        every = [unit_token(k, v) for k in unit_kinds_of(leaf, world) for v in UNIT_VALUES[k]]
        units.append([every[j] for j in world.permutation(len(every))[:N_LEAF_UNITS]])
        all_units.append(every)
    return dict(nouns=nouns, qualifiers=qualifiers, cross=cross, lines=lines, owner=owner, modifiers=modifiers,
                units=units, all_units=all_units)


def draw_brands(rng: np.random.Generator, leaf: np.ndarray, dom: np.ndarray, dom_names: list[str], p: dict,
                world_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(brand hash, brand as written) per row: a Zipf rank in the domain's pool (head brands first) or in the
    leaf's own pool of specialists, both without an upper bound; the rank's hash names the brand."""
    n = len(leaf)
    own = rng.random(n) < p["leaf_brand_share"]
    rank = lexicon.zipf_ranks(rng, n, p["brand_zipf"])
    pool = np.where(own, 100_000 + leaf, dom)
    bhash = lexicon.mix(world_seed, pool, rank)
    other_spelling = rng.random(n) < 0.1  # a seller who writes the brand the other way (STANLEY for 스탠리)
    head = [HEAD_BRANDS.get(d, []) for d in dom_names]
    written = np.empty(n, dtype=object)
    cache: dict[tuple[int, bool], str] = {}
    for i, (h, is_own, r, d, flip) in enumerate(zip(bhash.tolist(), own.tolist(), rank.tolist(), dom.tolist(),
                                                     other_spelling.tolist(), strict=True)):
        name = cache.get((h, flip))
        if name is None:
            name = head[d][r] if not is_own and r < len(head[d]) else spell_brand(h, flip)
            cache[(h, flip)] = name
        written[i] = name
    return bhash, written


def spell_brand(h: int, flip: bool) -> str:
    """A brand as a seller writes it: its usual spelling (fixed per brand), the other one when flip."""
    hangul, latin, kind = lexicon.brand_name(h)
    if kind != "translit":
        return hangul or latin
    style = lexicon.digit(h, 7, 10)  # 0-5 Hangul, 6-7 Latin, 8 both, 9 Latin capitalised
    if flip:
        style = 6 if style < 6 else 0
    if style < 6:
        return hangul
    if style == 8:
        return f"{hangul} {latin}"
    return latin.capitalize() if style == 9 else latin


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
    dom_names = sorted({x.split(">")[0] for x in leaves}, key=lambda d: DOMAINS.index(d) if d in DOMAINS else 99)
    leaf_dom = np.array([dom_names.index(x.split(">")[0]) for x in leaves])
    dom = leaf_dom[leaf]
    leaf_words = set(tables["owner"])  # selling words must not name a category, or they would be ambiguous

    def plain(words):
        return [w for w in words if w not in leaf_words]

    # word group of each row: the leaf's second level when it has words of its own, else its domain
    groups = dom_names + [g for g in dict.fromkeys(x.split(">")[1] for x in leaves if x.count(">"))
                          if g in GROUP_ATTRS]
    leaf_group = np.array([groups.index(x.split(">")[1]) if x.count(">") and x.split(">")[1] in groups
                           else dom_names.index(x.split(">")[0]) for x in leaves])
    group = leaf_group[leaf]
    top_of = [g if g in dom_names else None for g in groups]
    attrs = Pools([plain(GROUP_ATTRS.get(g, ATTRS.get(top_of[i] or "", ATTRS["생활/건강"])).split())
                   for i, g in enumerate(groups)])
    colours = np.array(plain(COLOURS + EXTRA_COLOURS), dtype=object)
    colour_mods = np.array(COLOUR_MODIFIERS, dtype=object)
    line_words = np.array(plain(LINE_WORDS), dtype=object)
    nouns = Pools(tables["nouns"])
    quals = Pools(tables["qualifiers"])
    cross = Pools(tables["cross"])
    line_templates = Pools(tables["lines"])
    leaf_mods = Pools(tables["modifiers"])
    leaf_units = Pools(tables["units"])
    any_units = Pools(tables["all_units"])
    generation = np.minimum((time_frac * 3).astype(np.int64), 2)  # a new model year each year
    gen_lag = np.maximum(generation - (rng.random(n) < 0.3), 0)  # some listings sell last year's model

    def coin(rate: float) -> np.ndarray:
        return rng.random(n) < rate

    # brand: an unbounded Zipf pool per domain (head brands first) and one per leaf (its specialists)
    brand_hash, brand = draw_brands(rng, leaf, dom, dom_names, p, world_seed)
    has_brand = coin(p["brand_rate"])
    brand_col = np.where(has_brand, brand, "")
    bracket = has_brand & coin(p["brand_bracket_rate"])
    brand_piece = np.where(bracket, "[" + brand + "]", brand_col)
    brand_col = np.array([b.split(" ")[0] for b in brand_col.tolist()], dtype=object)  # '스탠리 STANLEY' -> 스탠리

    # product line: each brand's own Zipf list of lines (invented names like 퀜처, or common words like 프로),
    # or a shared family line (갤럭시 ...) for family leaves
    line_rank = lexicon.zipf_ranks(rng, n, p["line_zipf"])
    line_hash = lexicon.mix(brand_hash, line_rank, 7)
    line_cache: dict[int, str] = {}
    line = np.empty(n, dtype=object)
    for i, h in enumerate(line_hash.tolist()):
        word = line_cache.get(h)
        if word is None:
            word = line_words[lexicon.digit(h, 5, len(line_words))] if lexicon.digit(h, 0, 4) == 0 \
                else lexicon.line_name(h)
            word = word + "온" if word in leaf_words else word
            if lexicon.digit(h, 6, 5) == 0:  # a two-word line: 퀜처 프로
                word += " " + line_words[lexicon.digit(h, 7, len(line_words))]
            line_cache[h] = word
        line[i] = word
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

    # model code: the brand's own prefix and pattern, a Zipf-popular model of the brand, renewed every year
    code = np.full(n, "", dtype=object)
    rows = np.flatnonzero(coin(p["model_code_rate"]))
    model = lexicon.zipf_ranks(rng, len(rows), p["code_zipf"])
    model_hash = lexicon.mix(brand_hash[rows], model, generation[rows], 13)
    code[rows] = [lexicon.model_code(b, m, 2023 + g) for b, m, g in
                  zip(brand_hash[rows].tolist(), model_hash.tolist(), generation[rows].tolist(), strict=True)]
    code_after = coin(0.5)

    qual = np.where(coin(p["qualifier_rate"]), quals.pick(rng, leaf), "")
    # descriptors: sellers stuff titles with selling words (0-5 of them): mostly the leaf's own typical ones,
    # else the group's attributes or the shared long tail of occasions
    n_desc = rng.choice(len(p["descriptor_count_probs"]), size=n, p=p["descriptor_count_probs"])
    use_words = np.array(plain(USE_WORDS), dtype=object)
    descs = []
    for k in range(len(p["descriptor_count_probs"]) - 1):
        word = attrs.pick(rng, group, zipf=True)
        word = np.where(coin(p["use_word_rate"]), use_words[rng.integers(0, len(use_words), n)], word)
        word = np.where(coin(p["leaf_modifier_rate"]), leaf_mods.pick(rng, leaf, zipf=True), word)
        second = attrs.pick(rng, group)
        korean = np.array([not a[-1:].isascii() and not b[:1].isascii()
                           for a, b in zip(word.tolist(), second.tolist(), strict=True)])
        word = np.where(coin(p["compound_rate"]) & korean, word + second, word)  # '보온보냉', '원터치빨대'
        descs.append(np.where(n_desc > k, word, ""))
    for k in range(1, len(descs)):  # no word twice in a row of picks
        for j in range(k):
            descs[k] = np.where(descs[k] == descs[j], "", descs[k])
    attr1 = descs[0]
    colour = colours[lexicon.zipf_ranks(rng, n, 1.3) % len(colours)]
    colour = np.where(coin(p["colour_compound_rate"]), colour_mods[rng.integers(0, len(colour_mods), n)] + colour,
                      colour)
    colour_at_end = coin(0.5)  # '... 500ml, 프로스트화이트' as often as '화이트 텀블러'
    has_colour = coin(p["colour_rate"])
    colour_piece = np.where(has_colour & ~colour_at_end, colour, "")
    colour_option = np.where(has_colour & colour_at_end, ", " + colour, "")
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

    # amounts: the leaf's typical ones (Zipf), sometimes any other of its kinds; a second one now and then
    unit = np.where(coin(p["typical_unit_rate"]), leaf_units.pick(rng, leaf, zipf=True), any_units.pick(rng, leaf))
    unit = np.where(coin(p["unit_rate"]), unit, "")
    unit2 = np.where(coin(p["second_unit_rate"]) & (unit != ""), any_units.pick(rng, leaf), "")
    unit2 = np.where(unit2 == unit, "", unit2)
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
    pieces = [promo_pre, brand_piece, line, code_before, season_gender, qual, colour_piece, *before, noun,
              second_noun, *after, cross_piece, unit, unit2, code_after_piece, promo_post]
    title = [" ".join([x for x in parts if x]) for parts in zip(*[a.tolist() for a in pieces], strict=True)]
    title = [t + c + o for t, c, o in zip(title, colour_option.tolist(), option.tolist(), strict=True)]
    return dict(title=np.array(title, dtype=object), brand=brand_col)

"""The simulator's category tree: a built-in Korean 4-level tree, or Naver's real one.

The built-in tree is written for this package (not copied from Naver). It has Naver's 11 top-level domains,
leaves at depth 3-4, confusable siblings (풀오버 vs 터틀넥) and cross-domain look-alikes: the same word naming
leaves in different places (낚시대 for fishing and for cat toys, MP3 under audio and under study devices,
케이스 for phones and tablets). Those are what make category classification hard, so they are here on purpose.

Indented text below: two spaces per level, `a|b|c` lists sibling leaves, `{여성,남성}` expands combinatorially.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict

BUILTIN_TREE = """
패션의류
  {여성,남성}의류
    니트
      풀오버|카디건|터틀넥|베스트
    아우터
      코트|패딩|점퍼|재킷|트렌치코트|플리스
    바지
      청바지|슬랙스|면바지|트레이닝팬츠|반바지
    티셔츠|셔츠|정장세트|트레이닝복|후드티|맨투맨
  여성의류
    원피스|스커트|블라우스|레깅스|점프수트
  {여성,남성}언더웨어
    브라|팬티|잠옷|내의
  빅사이즈의류
    빅사이즈티셔츠|빅사이즈바지
  기타의류
    기타
패션잡화
  {여성,남성}신발
    운동화
      러닝화|스니커즈|워킹화
    부츠
      앵클부츠|롱부츠|워커
    샌들
      스트랩샌들|슬리퍼|쪼리
    단화|로퍼
  여성가방
    숄더백|토트백|크로스백|클러치|에코백
  남성가방
    백팩|브리프케이스|메신저백
  여행용가방
    캐리어|보스턴백|파우치
  지갑
    장지갑|반지갑|카드지갑|동전지갑
  모자
    캡모자|버킷햇|비니|밀짚모자
  주얼리
    목걸이|반지|귀걸이|팔찌|발찌
  패션소품
    벨트|장갑|목도리|스카프|양말|넥타이|선글라스|안경테
  잡화기타
    기타
화장품/미용
  스킨케어
    스킨/토너|로션|에센스|크림|아이크림|미스트|선크림
  클렌징
    클렌징폼|클렌징오일|클렌징워터|필링젤
  베이스메이크업
    쿠션|파운데이션|프라이머|파우더|컨실러
  색조메이크업
    립스틱|립틴트|립밤|아이섀도|마스카라|아이라이너|블러셔
  마스크/팩
    시트마스크|워시오프팩|코팩
  헤어케어
    샴푸|린스|트리트먼트|헤어에센스|염색약
  바디케어
    바디워시|바디로션|핸드크림|데오드란트
  향수
    여성향수|남성향수|고체향수
  네일케어
    매니큐어|네일스티커|젤네일
  미용기기
    고데기|드라이기|면도기|제모기
디지털/가전
  휴대폰
    자급제폰|공기계
  휴대폰액세서리
    케이스
      휴대폰케이스|태블릿케이스|이어폰케이스
    보호필름
      휴대폰필름|태블릿필름|카메라렌즈필름
    충전기/케이블
      고속충전기|무선충전기|충전케이블|보조배터리
    휴대폰거치대
  태블릿PC
    안드로이드태블릿|아이패드
  웨어러블
    스마트워치|스마트밴드|워치스트랩
  음향가전
    이어폰
      무선이어폰|유선이어폰
    헤드폰|블루투스스피커|사운드바
    휴대용플레이어
      MP3|CD플레이어|라디오
  학습기기
    어학기
      MP3|전자사전|보이스레코더
  컴퓨터
    노트북|데스크탑|모니터|키보드|마우스
  PC부품
    그래픽카드|SSD|메모리|CPU|파워
  카메라
    미러리스|DSLR|액션캠|카메라렌즈
  계절가전
    선풍기|서큘레이터|에어컨|제습기|가습기|전기히터|전기장판|온수매트
  생활가전
    청소기
      무선청소기|로봇청소기|물걸레청소기
    공기청정기|다리미|세탁기|건조기
  주방가전
    전기밥솥|에어프라이어|전자레인지|커피머신|믹서기|전기포트|토스터
  영상가전
    TV|프로젝터|셋톱박스
가구/인테리어
  침실가구
    침대|매트리스|화장대|옷장|서랍장
  거실가구
    소파|거실장|테이블|의자
  서재/사무용가구
    책상|책장|사무용의자|모니터받침대
  수납가구
    선반|행거|수납장|공간박스
  침구
    이불|베개|매트리스커버|차렵이불|여름이불
  커튼/블라인드
    암막커튼|블라인드|쉬폰커튼
  조명
    스탠드|LED등|무드등|전구
  인테리어소품
    액자|시계|디퓨저|캔들|조화|러그
  DIY자재
    시트지|벽지|타일|몰딩
  가구기타
    기타
출산/육아
  기저귀
    밴드기저귀|팬티기저귀|기저귀크림
  분유/이유식
    분유|이유식|아기과자
  물티슈
    캡형물티슈|휴대용물티슈
  수유용품
    젖병|젖꼭지|유축기|젖병소독기
  유아동의류
    {남아,여아}의류
      티셔츠|바지|원피스|내의|우주복
  유아동잡화
    유아동신발|유아동가방|유아동모자
  외출용품
    유모차|카시트|아기띠|힙시트
  완구/인형
    블록|인형|자동차장난감|보드게임|퍼즐|물놀이장난감
  유아가구
    아기침대|유아의자|범퍼침대
  육아용품기타
    기타
식품
  과일
    사과|배|귤|딸기|수박|포도|참외|복숭아
  채소
    양파|감자|고구마|배추|버섯|쌈채소
  축산물
    한우|돼지고기|닭가슴살|계란
  수산물
    고등어|새우|오징어|전복|굴비|김
  가공식품
    라면|즉석밥|통조림|소스|냉동만두|김치
  과자/베이커리
    과자|초콜릿|사탕|젤리|케이크|떡
  음료
    생수|탄산음료|커피|차|주스|두유
  건강식품
    홍삼|비타민|유산균|오메가3|프로틴|콜라겐
  선물세트
    과일선물세트|한우선물세트|햄선물세트|건강식품선물세트
  전통주/주류
    막걸리|전통주
스포츠/레저
  캠핑
    텐트|타프|캠핑의자|캠핑테이블|침낭|버너|코펠|랜턴
  등산
    등산화|등산가방|등산스틱|등산복
  낚시
    낚시대
      루어낚시대|민물낚시대|바다낚시대
    낚시릴|낚시줄|낚시바늘|낚시의자|미끼
  자전거
    로드자전거|MTB|하이브리드자전거|전기자전거|자전거헬멧
  헬스
    덤벨|요가매트|폼롤러|러닝머신|실내자전거|짐볼
  골프
    드라이버|아이언|퍼터|골프공|골프장갑|골프화
  수영
    수영복
      여성수영복|남성수영복|래쉬가드
    수경|수모|튜브
  구기스포츠
    축구공|농구공|배구공|배드민턴라켓|탁구라켓|테니스라켓
  스키/보드
    스키|스노우보드|보드복|스키고글
  스포츠기타
    기타
생활/건강
  주방용품
    잔/컵
      텀블러|머그컵|유리컵
    보관/밀폐용기
      보온/보냉병|밀폐용기|도시락
    조리도구
      프라이팬|냄비|칼|도마
    수저|식기건조대|주방세제
  욕실용품
    수건|칫솔|치약|욕실매트|샤워기
  세탁용품
    세탁세제|섬유유연제|빨래건조대
  생활용품
    화장지|물티슈|쓰레기봉투|방향제
  청소용품
    밀대|청소포|수세미|고무장갑
  반려동물
    강아지용품
      강아지사료|강아지간식|배변패드|강아지옷|하네스
    고양이용품
      고양이사료|고양이간식|고양이모래|스크래쳐|캣타워
    고양이장난감
      낚시대|깃털장난감|레이저포인터|터널
  공구
    전동드릴|공구세트|드라이버|줄자
  자동차용품
    차량용방향제|블랙박스|차량용충전기|세차용품|차량용거치대
  건강관리용품
    마스크|체온계|혈압계|안마기|찜질팩
  문구/사무용품
    볼펜|노트|다이어리|파일|스티커
  DVD
    다큐멘터리|애니메이션|영화
  생활기타
    기타
여가/생활편의
  여행
    국내숙박|해외여행|항공권
  공연/전시
    뮤지컬|콘서트|전시회
  원데이클래스
    베이킹클래스|공예클래스|요리클래스
  렌탈서비스
    정수기렌탈|안마의자렌탈|공기청정기렌탈
  생활편의
    세탁서비스|청소서비스|이사
  자기계발
    온라인강의|자격증강의
  상품권/쿠폰
    백화점상품권|모바일쿠폰
도서
  소설
    한국소설|영미소설|일본소설
  문학
    에세이|시|희곡
  경제/경영
    재테크|마케팅|경영일반
  자기계발
    성공학|화술
  어린이
    그림책|학습만화|동화
  유아
    보드북|사운드북
  수험서
    공무원|자격증|어학시험
  외국어
    영어회화|일본어|중국어
  만화
    웹툰단행본|일본만화
  잡지
    패션잡지|시사잡지
  음반
    K-POP|클래식|OST
"""

# Other words sellers use for the same thing. Synonyms of a leaf are as good as its name in a title.
SYNONYMS = {
    "카디건": ["가디건"], "풀오버": ["라운드니트", "스웨터"], "터틀넥": ["폴라티", "목폴라"], "베스트": ["조끼"],
    "패딩": ["패딩점퍼", "다운점퍼", "롱패딩"], "점퍼": ["잠바", "바람막이"], "재킷": ["자켓", "블레이저"],
    "청바지": ["데님팬츠", "진"], "슬랙스": ["정장바지"], "트레이닝팬츠": ["조거팬츠", "츄리닝바지"],
    "티셔츠": ["반팔티", "긴팔티", "티"], "후드티": ["후드", "후디"], "맨투맨": ["스웻셔츠"],
    "원피스": ["롱원피스", "드레스"], "스커트": ["치마", "롱스커트"], "레깅스": ["요가바지"],
    "잠옷": ["파자마", "홈웨어"], "러닝화": ["런닝화"], "스니커즈": ["운동화"], "슬리퍼": ["쓰레빠", "실내화"],
    "캐리어": ["여행가방", "기내용캐리어"], "캡모자": ["볼캡", "야구모자"], "비니": ["털모자"],
    "선크림": ["선블록", "썬크림"], "스킨/토너": ["토너", "스킨"], "쿠션": ["쿠션팩트"], "립틴트": ["틴트"],
    "자급제폰": ["스마트폰", "휴대폰", "핸드폰"], "공기계": ["중고폰", "리퍼폰"],
    "휴대폰케이스": ["폰케이스", "핸드폰케이스", "케이스"], "태블릿케이스": ["태블릿커버", "케이스"],
    "이어폰케이스": ["버즈케이스", "케이스"], "휴대폰필름": ["강화유리필름", "액정보호필름", "필름"],
    "태블릿필름": ["종이질감필름", "필름"], "카메라렌즈필름": ["렌즈보호필름"],
    "고속충전기": ["충전기", "어댑터"], "무선충전기": ["충전패드"], "보조배터리": ["배터리팩"],
    "안드로이드태블릿": ["태블릿", "탭"], "스마트워치": ["워치"], "무선이어폰": ["블루투스이어폰", "이어버드"],
    "블루투스스피커": ["스피커"], "MP3": ["MP3플레이어", "엠피쓰리"], "노트북": ["랩탑"],
    "서큘레이터": ["공기순환기"], "에어프라이어": ["에어후라이어"], "전기포트": ["커피포트"],
    "매트리스": ["토퍼"], "LED등": ["LED조명", "방등"], "공간박스": ["수납박스"],
    "젖병": ["수유병"], "아기띠": ["힙시트캐리어"], "한우": ["소고기"], "닭가슴살": ["닭가슴살스테이크"],
    "생수": ["물"], "유산균": ["프로바이오틱스"], "낚시대": ["낚싯대"], "루어낚시대": ["루어대"],
    "텐트": ["원터치텐트"], "요가매트": ["운동매트"], "래쉬가드": ["래시가드"], "텀블러": ["보온컵", "보틀"],
    "보온/보냉병": ["보온병", "보냉병", "물병"], "머그컵": ["머그"], "프라이팬": ["후라이팬"],
    "강아지사료": ["개사료"], "고양이모래": ["벤토나이트"], "캣타워": ["캣폴"], "전동드릴": ["드릴"],
    "블랙박스": ["차량용블랙박스"], "마스크": ["KF94마스크", "덴탈마스크"], "다큐멘터리": ["다큐"],
    "그림책": ["유아그림책"], "학습만화": ["만화책"], "K-POP": ["앨범", "케이팝앨범"],
}

# Extra cross-domain look-alike pairs (same-named leaves in different places are look-alikes automatically).
LOOKALIKE_PAIRS = [
    ("스포츠/레저>낚시>낚시대>루어낚시대", "생활/건강>반려동물>고양이장난감>낚시대"),
    ("디지털/가전>휴대폰>자급제폰", "디지털/가전>휴대폰액세서리>케이스>휴대폰케이스"),
    ("디지털/가전>휴대폰>자급제폰", "디지털/가전>휴대폰액세서리>보호필름>휴대폰필름"),
    ("디지털/가전>태블릿PC>안드로이드태블릿", "디지털/가전>휴대폰액세서리>케이스>태블릿케이스"),
    ("디지털/가전>웨어러블>스마트워치", "디지털/가전>웨어러블>워치스트랩"),
    ("디지털/가전>음향가전>이어폰>무선이어폰", "디지털/가전>휴대폰액세서리>케이스>이어폰케이스"),
    ("디지털/가전>카메라>카메라렌즈", "디지털/가전>휴대폰액세서리>보호필름>카메라렌즈필름"),
    ("생활/건강>주방용품>잔/컵>텀블러", "생활/건강>주방용품>보관/밀폐용기>보온/보냉병"),
    ("디지털/가전>생활가전>공기청정기", "여가/생활편의>렌탈서비스>공기청정기렌탈"),
    ("식품>과일>사과", "식품>선물세트>과일선물세트"),
    ("식품>축산물>한우", "식품>선물세트>한우선물세트"),
    ("출산/육아>완구/인형>물놀이장난감", "스포츠/레저>수영>튜브"),
    ("생활/건강>자동차용품>차량용충전기", "디지털/가전>휴대폰액세서리>충전기/케이블>고속충전기"),
    ("생활/건강>자동차용품>차량용거치대", "디지털/가전>휴대폰액세서리>휴대폰거치대"),
    ("도서>음반>클래식", "생활/건강>DVD>다큐멘터리"),
]


def _expand(line: str) -> list[str]:
    """'{여성,남성}의류' -> ['여성의류', '남성의류']; 'a|b' -> ['a', 'b']."""
    out = []
    for part in line.split("|"):
        pieces = re.split(r"(\{[^}]*\})", part)
        options = [p[1:-1].split(",") if p.startswith("{") else [p] for p in pieces]
        out += ["".join(combo) for combo in itertools.product(*options)]
    return out


def parse_tree(text: str) -> list[str]:
    """Leaf paths 'a>b>c' of an indented tree text, in written order, duplicates removed."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    leaves: list[str] = []
    stack: list[list[str]] = []  # stack[d] = the node names written at depth d (several when expanded)

    def prefixes(depth: int) -> list[str]:
        paths = [""]
        for names in stack[:depth]:
            paths = [f"{p}>{n}" if p else n for p in paths for n in names]
        return paths

    for i, ln in enumerate(lines):
        depth = (len(ln) - len(ln.lstrip(" "))) // 2
        names = _expand(ln.strip())
        next_depth = (len(lines[i + 1]) - len(lines[i + 1].lstrip(" "))) // 2 if i + 1 < len(lines) else 0
        stack = stack[:depth] + [names]
        if next_depth <= depth:  # a leaf line
            leaves += [f"{p}>{n}" for p in prefixes(depth) for n in names]
    seen: set[str] = set()
    return [x for x in leaves if not (x in seen or seen.add(x))]


def builtin_leaves() -> list[str]:
    return parse_tree(BUILTIN_TREE)


def naver_leaves(path=None) -> list[str]:
    """Leaf paths of Naver's real tree (read in place from the shared data, never copied)."""
    try:
        from shopcat.data.taxonomy import load_naver_categories

        return list(load_naver_categories(path).leaves)
    except ImportError:  # the data package is not there yet: read the JSON ourselves
        from shopcat.config import shared_path

        path = path or shared_path("naver-category-tree/naver_categories.json")
        with open(path, encoding="utf-8") as f:
            nodes = json.load(f)
        return [n["wholeCategoryName"] for n in nodes if n.get("last")]


def load_leaves(taxonomy: str | None = None) -> list[str]:
    """None/'builtin' -> the built-in tree; 'naver' -> the real tree in the shared data; else a JSON path."""
    if taxonomy in (None, "builtin"):
        return builtin_leaves()
    if taxonomy == "naver":
        return naver_leaves()
    return naver_leaves(taxonomy)


def leaf_nouns(leaf: str) -> list[str]:
    """Words a title uses for this leaf: its name split on '/', then their synonyms."""
    name = leaf.split(">")[-1]
    words = [w.replace(" ", "") for w in name.split("/") if w.strip() and w != "기타"]
    if not words:  # a '기타' leaf: sellers name the parent's thing
        words = [w.replace(" ", "") for w in leaf.split(">")[-2].split("/") if w.strip()]
    out = list(dict.fromkeys(words + [s for w in [name, *words] for s in SYNONYMS.get(w, [])]))
    return out


def lookalikes(leaves: list[str]) -> dict[int, list[int]]:
    """Leaf index -> indices of look-alike leaves elsewhere in the tree (same name, or listed pairs)."""
    index = {leaf: i for i, leaf in enumerate(leaves)}
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, leaf in enumerate(leaves):
        name = leaf.split(">")[-1]
        if name != "기타":
            by_name[name].append(i)
    out: dict[int, set[int]] = defaultdict(set)
    for group in by_name.values():
        for i in group:
            out[i].update(j for j in group if leaves[j].split(">")[:-1] != leaves[i].split(">")[:-1])
    for a, b in LOOKALIKE_PAIRS:
        if a in index and b in index:
            out[index[a]].add(index[b])
            out[index[b]].add(index[a])
    return {i: sorted(js) for i, js in out.items() if js}


def siblings(leaves: list[str]) -> list[list[int]]:
    """For each leaf, the other leaves with the same parent (cousins under the same grandparent if none)."""
    by_parent: dict[str, list[int]] = defaultdict(list)
    by_grand: dict[str, list[int]] = defaultdict(list)
    by_top: dict[str, list[int]] = defaultdict(list)
    for i, leaf in enumerate(leaves):
        parts = leaf.split(">")
        by_parent[">".join(parts[:-1])].append(i)
        by_grand[">".join(parts[:2])].append(i)
        by_top[parts[0]].append(i)
    out = []
    for i, leaf in enumerate(leaves):
        parts = leaf.split(">")
        sib = [j for j in by_parent[">".join(parts[:-1])] if j != i]
        if not sib:
            sib = [j for j in by_grand[">".join(parts[:2])] if j != i]
        if not sib:
            sib = [j for j in by_top[parts[0]] if j != i] or [j for j in range(len(leaves)) if j != i][:50]
        out.append(sib)
    return out

"""The overlap engine: duplicate apps and one app's platform editions (R-16, R-26).

Pure Python (numpy, scipy, scikit-learn, rapidfuzz); no Django import, so the command line, the
benchmark and the Django services share it. The pipeline:

1. normalise each record: place names of its own division and unit are removed from the name and the
   description (every city's app carries its city's name, which says nothing about the function);
   features that every kind of app has (投诉建议, 个人中心 ...) are set aside;
2. classify the record with the function taxonomy (data/taxonomy.json): weighted keyword hits in
   features, name, description and hosting unit;
3. find one app's platform editions: the same unit and the same name (platform words removed) ->
   ``same_app``; editions are then handled as one node;
4. compare nodes only inside one consolidation jurisdiction (one prefecture-level city with its
   districts and counties; a province-level unit with every unit of its province), by the cosine of
   character n-gram TF-IDF vectors of the features and the name, and of the description;
5. a pair is a duplicate when both are classified to the same function and the texts agree enough, or
   when the texts are nearly identical; connected duplicate pairs form a group, and every group says
   why (the function, shared features and phrases) with a score.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from scipy.sparse.csgraph import connected_components

DATA = Path(__file__).resolve().parent / "data"
DIVISIONS = Path(__file__).resolve().parents[2] / "orgs" / "data"

USERS = ("staff", "grassroots", "public", "business")
KINDS = ("android", "ios", "harmony", "wechat-miniprogram", "alipay-miniprogram", "quickapp")

# Features every kind of app has; they say nothing about the function.
GENERIC_FEATURES = frozenset(
    [
        "投诉建议",
        "个人中心",
        "消息通知",
        "通知公告",
        "在线客服",
        "常见问题解答",
        "常见问题",
        "意见反馈",
        "帮助中心",
        "我的",
        "设置",
        "关于我们",
        "用户反馈",
        "问题反馈",
        "消息中心",
        "用户中心",
        "系统设置",
        "账号管理",
        "登录注册",
        "实名认证",
        "在线咨询",
        "政策咨询",
        "政策查询",
        "政策法规查询",
        "法规查询",
        "首页",
        "搜索",
        "客服",
        "反馈",
        "公告",
        "资讯",
        "新闻动态",
        "工作动态",
    ]
)
GENERIC_PHRASES = re.compile(
    r"(投诉建议|个人中心|消息通知|通知公告|在线客服|常见问题解答?|意见反馈|帮助中心|用户反馈|"
    r"网络安全等级保护第?.级|等级保护|界面更加简洁易用|适老化和无障碍|升级改版|累计服务|"
    r"谁采集、谁负责|对接\d+个部门|业务系统|[0-9]{4}年|[0-9.]+万?人次|主要功能包括|此外还提供|"
    r"应用设有|用户可在线反馈意见|统一入口|掌上助手|为.{0,12}提供)"
)
# Platform words that mark an edition, not another app.
PLATFORM_WORDS = re.compile(
    r"(?i)(app|客户端|小程序|微信版?|支付宝版?|安卓版?|android版?|ios版?|iphone版?|苹果版|鸿蒙版?|"
    r"harmonyos版?|harmony版?|快应用|手机版|移动版|移动端|[（(][^）)]{0,8}[）)]|\s+|[-_·•])"
)
PROVINCE_ABBR = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川蜀",
    "52": "贵黔",
    "53": "云滇",
    "54": "藏",
    "61": "陕秦",
    "62": "甘陇",
    "63": "青",
    "64": "宁",
    "65": "新",
}
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
PLACE_SUFFIX = re.compile(
    r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|自治州|自治县|自治旗|地区|新区|林区|"
    r"特区|省|市|区|县|旗|盟)$"
)


@dataclass(frozen=True)
class Params:
    """Decision thresholds (chosen by cross-validation over the sample and the project's own cases,
    see benchmarks/overlap_quality.py; they are round numbers on purpose)."""

    same_function: float = 0.08  # text similarity needed when both apps surely have one function
    weak_function: float = 0.18  # ... when one of them is only weakly classified
    unclassified: float = 0.30  # ... when one of them has no function of the taxonomy
    any_function: float = 0.62  # text similarity that makes a duplicate of related functions
    min_class_score: float = 2.0  # keyword weight that classifies an app surely
    weak_class_score: float = 1.0  # keyword weight that classifies an app weakly
    margin: float = 0.8  # a sure class leads the runner-up by this ratio
    desc_weight: float = 0.3  # share of the description in the text similarity
    same_name: float = 90.0  # rapidfuzz ratio of normalised names for platform editions


DEFAULT_PARAMS = Params()


@dataclass
class Record:
    id: str
    name: str
    kind: str = ""
    division: str = ""
    unit: str = ""
    users: str = ""
    description: str = ""
    features: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Record:
        feats = raw.get("features") or []
        if isinstance(feats, str):
            feats = [f for f in re.split(r"[，,、;；\n]+", feats) if f.strip()]
        return cls(
            id=str(raw["id"]),
            name=str(raw.get("name") or ""),
            kind=str(raw.get("kind") or ""),
            division=str(raw.get("division") or "").strip(),
            unit=str(raw.get("unit") or ""),
            users=str(raw.get("users") or ""),
            description=str(raw.get("description") or ""),
            features=[str(f).strip() for f in feats if str(f).strip()],
        )


@dataclass(frozen=True)
class Function:
    code: str
    category: str
    zh: str
    en: str
    keywords: tuple[tuple[str, float], ...]
    units: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Classification:
    code: str | None  # the function (sure or weak); None when nothing of the taxonomy fits
    score: float
    ranked: tuple[tuple[str, float], ...]  # top functions with their keyword weight
    sure: bool = True


@dataclass
class Group:
    ids: list[str]
    relation: str  # "duplicate" | "same_app"
    score: float
    reasons: list[str]
    function: str | None = None
    pairs: list[tuple[str, str, float]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ids": self.ids,
            "relation": self.relation,
            "score": round(self.score, 4),
            "reasons": self.reasons,
        }


# -- reference data ---------------------------------------------------------------------------


def _weighted(text: str) -> tuple[tuple[str, float], ...]:
    out = []
    for token in text.split():
        word, _, weight = token.partition(":")
        out.append((word, float(weight) if weight else 1.0))
    return tuple(out)


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, Function]:
    raw = json.loads((DATA / "taxonomy.json").read_text(encoding="utf-8"))
    return {
        f["code"]: Function(
            code=f["code"],
            category=f["category"],
            zh=f["zh"],
            en=f["en"],
            keywords=_weighted(f["keywords"]),
            units=_weighted(f.get("units", "")),
        )
        for f in raw["functions"]
    }


@lru_cache(maxsize=1)
def categories() -> dict[str, tuple[str, str]]:
    raw = json.loads((DATA / "taxonomy.json").read_text(encoding="utf-8"))
    return {k: (v[0], v[1]) for k, v in raw["categories"].items()}


def _place_core(name: str) -> str:
    core = PLACE_SUFFIX.sub("", name)
    return core if len(core) >= 2 else name


@lru_cache(maxsize=1)
def place_names() -> dict[str, tuple[str, ...]]:
    """Division code (2, 4 or 6 digits) -> its name and its name without the suffix."""
    names: dict[str, tuple[str, ...]] = {}
    for filename in ("provinces.csv", "cities.csv", "areas.csv"):
        path = DIVISIONS / filename
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                name = row["name"].strip()
                if name in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}:
                    continue
                names[row["code"].strip()] = (name, _place_core(name))
    return names


# -- jurisdiction -----------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _division(code: str) -> str:
    code = re.sub(r"\D", "", code or "")
    return (code + "000000")[:6] if code else ""


def province_of(division: str) -> str:
    return _division(division)[:2]


def is_province_level(division: str) -> bool:
    d = _division(division)
    return bool(d) and d[2:] == "0000"


def city_of(division: str) -> str:
    """The consolidation city: a prefecture-level city with its districts and counties; a whole
    municipality (Beijing, Tianjin, Shanghai, Chongqing); a county-level unit directly under its
    province (xx90xx) is a city of its own."""
    d = _division(division)
    if not d:
        return ""
    if d[:2] in MUNICIPALITIES:
        return d[:2]
    if d[2:4] == "90":
        return d
    return d[:4]


def same_jurisdiction(a: str, b: str) -> bool:
    """Two divisions are one consolidation jurisdiction: one city, or a province-level unit and
    any unit of its province."""
    da, db = _division(a), _division(b)
    if not da or not db or da[:2] != db[:2]:
        return False
    return is_province_level(da) or is_province_level(db) or city_of(da) == city_of(db)


# -- normalisation and classification -----------------------------------------------------------


def _places_for(rec: Record) -> list[str]:
    return list(_places(_division(rec.division), rec.unit))


@lru_cache(maxsize=65536)
def _places(d: str, unit_name: str) -> tuple[str, ...]:
    names = place_names()
    words: set[str] = set()
    for code in (d[:2], d[:4], d):
        for n in names.get(code, ()):
            words.add(n)
    for abbr in PROVINCE_ABBR.get(d[:2], ""):
        words.add(abbr)
    # the unit's own leading place words (中共天津市滨海新区委... -> 天津, 滨海)
    unit = re.sub(r"^(中共|共青团|国家税务总局)", "", unit_name)
    for m in re.finditer(r"([\u4e00-\u9fff]{2,6}?)(省|市|区|县|旗|州|盟)", unit[:14]):
        words.add(m.group(1))
        words.add(m.group(0))
    return tuple(sorted((w for w in words if w), key=len, reverse=True))


def _strip(text: str, places: Sequence[str]) -> str:
    for p in places:
        if len(p) >= 2:
            text = text.replace(p, " ")
    return text


def name_core(rec: Record, places: Sequence[str] | None = None) -> str:
    places = _places_for(rec) if places is None else places
    name = _strip(rec.name, places)
    for p in places:
        if len(p) == 1 and name.startswith(p):
            name = name[1:]
    return re.sub(r"\s+", "", name)


def edition_name(name: str) -> str:
    return PLATFORM_WORDS.sub("", name).lower()


def specific_features(rec: Record) -> list[str]:
    return [f for f in rec.features if _clean_feature(f) not in GENERIC_FEATURES]


@lru_cache(maxsize=200_000)
def _clean_feature(f: str) -> str:
    return re.sub(r"[“”\"'‘’「」《》\s]", "", f)


@lru_cache(maxsize=1)
def _keyword_table() -> tuple[dict[str, tuple[tuple[str, float], ...]], int, re.Pattern[str]]:
    """keyword -> ((function, weight), ...), the longest keyword, and a pattern of the strong ones."""
    table: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for fn in taxonomy().values():
        for kw, w in fn.keywords:
            table[kw].append((fn.code, w))
    strong = sorted(
        {kw for fn in taxonomy().values() for kw, w in fn.keywords if w >= 1.5}, key=len
    )
    pattern = re.compile("|".join(re.escape(k) for k in reversed(strong)))
    return {k: tuple(v) for k, v in table.items()}, max(map(len, table)), pattern


@lru_cache(maxsize=200_000)
def _text_hits(text: str) -> tuple[tuple[str, float], ...]:
    """The best keyword weight per function found anywhere in a short text (a feature, a name)."""
    table, longest, _ = _keyword_table()
    best: dict[str, float] = {}
    n = len(text)
    for i in range(n):
        for j in range(i + 1, min(n, i + longest) + 1):
            for code, w in table.get(text[i:j], ()):
                if w > best.get(code, 0.0):
                    best[code] = w
    return tuple(best.items())


@lru_cache(maxsize=1)
def _unit_table() -> tuple[dict[str, tuple[tuple[str, float], ...]], re.Pattern[str]]:
    table: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for fn in taxonomy().values():
        for kw, w in fn.units:
            table[kw].append((fn.code, w))
    words = sorted(table, key=len, reverse=True)
    return {k: tuple(v) for k, v in table.items()}, re.compile("|".join(map(re.escape, words)))


@lru_cache(maxsize=65536)
def _unit_hits(unit: str) -> tuple[tuple[str, float], ...]:
    """The best hint weight per function in a unit's name (longest hints first)."""
    table, pattern = _unit_table()
    best: dict[str, float] = {}
    for m in pattern.finditer(unit):
        for code, w in table[m.group(0)]:
            if w > best.get(code, 0.0):
                best[code] = w
    return tuple(best.items())


def _desc_hits(desc: str) -> dict[str, float]:
    table, _, pattern = _keyword_table()
    hits: dict[str, float] = defaultdict(float)
    for m in pattern.finditer(desc):
        for code, w in table[m.group(0)]:
            if w >= 1.5:
                hits[code] += w
    return hits


def _is_sure(ranked: Sequence[tuple[str, float]], params: Params) -> bool:
    if not ranked or ranked[0][1] < params.min_class_score:
        return False
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return runner_up < params.margin * ranked[0][1]


def classify(
    rec: Record,
    params: Params = DEFAULT_PARAMS,
    places: Sequence[str] | None = None,
    name: str | None = None,
) -> Classification:
    """Score every function of the taxonomy; the best one with enough weight is the app's.

    A feature adds the weight of its best keyword per function, the name 1.5 times its best
    keyword, the description a quarter of its strong keywords (at most 1), the unit its hint.
    """
    places = _places_for(rec) if places is None else places
    scores: dict[str, float] = defaultdict(float)
    for feat in specific_features(rec):
        for code, w in _text_hits(_clean_feature(feat)):
            scores[code] += w
    for code, w in _text_hits(name_core(rec, places) if name is None else name):
        scores[code] += 1.5 * w
    for code, w in _unit_hits(rec.unit):
        scores[code] += w
    ranked = tuple(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    if rec.description and not _is_sure(ranked, params):
        # the description only tips the balance when features, name and unit leave it open
        for code, w in _desc_hits(_strip(rec.description, places)).items():
            scores[code] += min(w, 4.0) * 0.25
        ranked = tuple(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    if not ranked or ranked[0][1] < params.weak_class_score:
        return Classification(None, ranked[0][1] if ranked else 0.0, ranked, sure=False)
    # sure: enough weight and a clear lead over the runner-up
    return Classification(ranked[0][0], ranked[0][1], ranked, sure=_is_sure(ranked, params))


# -- vectors ------------------------------------------------------------------------------------


def _feature_text(rec: Record, places: Sequence[str], name: str | None = None) -> str:
    feats = [_clean_feature(f) for f in specific_features(rec)]
    return " ".join([*feats, name_core(rec, places) if name is None else name])


def _desc_text(rec: Record, places: Sequence[str]) -> str:
    text = _strip(rec.description, places)
    text = GENERIC_PHRASES.sub(" ", text)
    return re.sub(r"[，。、；：！？“”（）()\s]+", " ", text)


def _vocabulary(grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct n-grams and each n-gram's column: one in-place sort and a binary
    search into the (small) vocabulary, cheaper than an arg-sort of millions of n-grams."""
    sorted_grams = np.sort(grams)
    flag = np.empty(len(sorted_grams), dtype=bool)
    if len(sorted_grams):
        flag[0] = True
        np.not_equal(sorted_grams[1:], sorted_grams[:-1], out=flag[1:])
    vocab = sorted_grams[flag]
    return vocab, np.searchsorted(vocab, grams).astype(np.int64)


_BOUNDARY = frozenset(" \t\n\x00，。、；：！？“”（）()《》,.;:!?|/")


class CharNgramTfidf:
    """Character 2- and 3-gram TF-IDF (sublinear tf, smooth idf, rows L2-normalised), n-grams
    never crossing a space or punctuation; the same weighting as scikit-learn's TfidfVectorizer,
    computed with numpy over all documents at once (100,000 apps in about a second)."""

    def __init__(self) -> None:
        self.vocab = np.zeros(0, dtype=np.uint64)
        self.idf = np.zeros(0, dtype=np.float32)

    @staticmethod
    def _grams(docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if not docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
        joined = "\x00".join(docs) + "\x00"
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter((len(d) + 1 for d in docs), dtype=np.int64, count=len(docs))
        doc = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        boundary = np.isin(codes, np.array([ord(c) for c in _BOUNDARY], dtype=np.uint64))
        ok1 = ~boundary
        n = len(codes)
        ok2 = ok1[: n - 1] & ok1[1:]
        ok3 = ok2[: n - 2] & ok1[2:]
        bi = (codes[: n - 1] << np.uint64(21)) | codes[1:] | np.uint64(1 << 63)
        tri = (codes[: n - 2] << np.uint64(42)) | (codes[1 : n - 1] << np.uint64(21)) | codes[2:]
        grams = np.concatenate([bi[ok2], tri[ok3]])
        owners = np.concatenate([doc[: n - 1][ok2], doc[: n - 2][ok3]])
        return owners, grams

    def _counts(self, owners: np.ndarray, cols: np.ndarray, n_docs: int) -> sparse.csr_matrix:
        """n-gram counts per document: scipy groups the rows and sorts and sums each row's
        columns, far cheaper than one sort of every (document, n-gram) pair."""
        ones = np.ones(len(cols), dtype=np.int32)
        m = sparse.coo_matrix((ones, (owners, cols)), shape=(n_docs, len(self.vocab))).tocsr()
        m.sum_duplicates()
        return m

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        data = (1.0 + np.log(counts.data.astype(np.float64))).astype(np.float32)
        data *= self.idf[counts.indices]
        m = sparse.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms).astype(np.float32) @ m)

    def fit_transform(self, docs: Sequence[str]) -> sparse.csr_matrix:
        owners, grams = self._grams(docs)
        self.vocab, cols = _vocabulary(grams)
        counts = self._counts(owners, cols, len(docs))
        df = np.bincount(counts.indices, minlength=len(self.vocab))
        self.idf = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
        return self._weigh(counts)

    def transform(self, docs: Sequence[str]) -> sparse.csr_matrix:
        owners, grams = self._grams(docs)
        if not len(self.vocab):
            return sparse.csr_matrix(np.zeros((len(docs), 0), dtype=np.float32))
        pos = np.minimum(np.searchsorted(self.vocab, grams), len(self.vocab) - 1)
        known = self.vocab[pos] == grams
        return self._weigh(self._counts(owners[known], pos[known].astype(np.int64), len(docs)))


@dataclass
class Prepared:
    """Records with their classes and TF-IDF vectors (rows L2-normalised)."""

    records: list[Record]
    classes: list[Classification]
    feat: sparse.csr_matrix
    desc: sparse.csr_matrix
    feat_vec: CharNgramTfidf
    desc_vec: CharNgramTfidf
    params: Params
    code_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    sure: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def similarity_rows(self, rows: np.ndarray, cols: np.ndarray) -> sparse.csr_matrix:
        w = self.params.desc_weight
        a = (self.feat[rows] @ self.feat[cols].T) * (1 - w)
        b = (self.desc[rows] @ self.desc[cols].T) * w
        both: sparse.csr_matrix = (a + b).tocsr()
        return both


def prepare(records: Sequence[Record], params: Params = DEFAULT_PARAMS) -> Prepared:
    places = [_places_for(r) for r in records]
    names = [name_core(r, p) for r, p in zip(records, places, strict=True)]
    classes = [classify(r, params, p, n) for r, p, n in zip(records, places, names, strict=True)]
    feat_vec, desc_vec = CharNgramTfidf(), CharNgramTfidf()
    feat = feat_vec.fit_transform(
        [_feature_text(r, p, n) for r, p, n in zip(records, places, names, strict=True)]
    )
    desc = desc_vec.fit_transform([_desc_text(r, p) for r, p in zip(records, places, strict=True)])
    ids = {c: k for k, c in enumerate(sorted(taxonomy()))}
    code_ids = np.array([ids[c.code] if c.code else -1 for c in classes], dtype=np.int32)
    sure = np.array([c.sure for c in classes], dtype=bool)
    return Prepared(list(records), classes, feat, desc, feat_vec, desc_vec, params, code_ids, sure)


# -- platform editions --------------------------------------------------------------------------


def edition_groups(records: Sequence[Record], params: Params = DEFAULT_PARAMS) -> list[list[int]]:
    """Indexes of one app's editions: the same unit and the same name without platform words."""
    by_unit: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_unit[re.sub(r"\s+", "", r.unit) or f"#{i}"].append(i)
    parent = list(range(len(records)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for members in by_unit.values():
        if len(members) < 2:
            continue
        names = {i: edition_name(records[i].name) for i in members}
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                ni, nj = names[i], names[j]
                if ni == nj or (
                    min(len(ni), len(nj)) >= 3 and fuzz.ratio(ni, nj) >= params.same_name
                ):
                    parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(records)):
        groups[find(i)].append(i)
    return [sorted(g) for g in groups.values() if len(g) > 1]


# -- pairs and groups ---------------------------------------------------------------------------


def _blocks(records: Sequence[Record]) -> dict[str, tuple[list[int], list[int]]]:
    """Per province: (province-level rows, all rows), and per city: (city rows, city rows)."""
    prov: dict[str, list[int]] = defaultdict(list)
    prov_level: dict[str, list[int]] = defaultdict(list)
    city: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        d = _division(r.division)
        if not d:
            continue
        prov[d[:2]].append(i)
        if is_province_level(d):
            prov_level[d[:2]].append(i)
        else:
            city[city_of(d)].append(i)
    blocks: dict[str, tuple[list[int], list[int]]] = {}
    for p, rows in prov_level.items():
        blocks[f"p{p}"] = (rows, prov[p])
    for c, rows in city.items():
        if len(rows) > 1:
            blocks[f"c{c}"] = (rows, rows)
    return blocks


def decide(
    ci: Classification, cj: Classification, sim: float, params: Params = DEFAULT_PARAMS
) -> float | None:
    """The duplicate score of a pair, or None when it is not a duplicate.

    In one jurisdiction, two apps of one function are duplicates by definition; the text similarity
    only guards against a wrong class, so the less sure the classes, the more the texts must agree.
    """
    if ci.code is not None and ci.code == cj.code:
        need = params.same_function if ci.sure and cj.sure else params.weak_function
        if sim >= need:
            return min(1.0, 0.6 + 0.4 * math.sqrt(sim))
        return None
    if ci.code is None or cj.code is None:
        if sim >= params.unclassified:
            return min(1.0, 0.3 + 0.6 * sim)
        return None
    if sim >= params.any_function and _related(ci, cj):
        return min(1.0, 0.3 + 0.6 * sim)
    return None


def _related(ci: Classification, cj: Classification) -> bool:
    ri = {c for c, _ in ci.ranked[:2]}
    rj = {c for c, _ in cj.ranked[:2]}
    return ci.code in rj or cj.code in ri


def candidate_pairs(prep: Prepared, floor: float) -> Iterable[tuple[int, int, float]]:
    """Every pair of one jurisdiction with text similarity >= floor, each once (i < j)."""
    for i, j, sim in candidate_arrays(prep, floor):
        yield from zip(i.tolist(), j.tolist(), sim.tolist(), strict=True)


def candidate_arrays(
    prep: Prepared, floor: float, chunk: int = 1024
) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Like candidate_pairs, as arrays (rows, cols, similarities) per block and chunk."""
    records = prep.records
    prov_level = np.array([is_province_level(r.division) for r in records], dtype=bool)
    for key, (rows, cols) in _blocks(records).items():
        c = np.asarray(cols, dtype=np.int64)
        r_all = np.asarray(rows, dtype=np.int64)
        for start in range(0, len(r_all), chunk):
            rr = r_all[start : start + chunk]
            sims = prep.similarity_rows(rr, c).tocoo()
            keep = sims.data >= floor
            i = rr[sims.row[keep]]
            j = c[sims.col[keep]]
            data = sims.data[keep]
            # province rows meet every unit of the province (province pairs once); city rows
            # meet their city
            ok = (i != j) & (~prov_level[j] | (i < j)) if key.startswith("p") else i < j
            lo, hi = np.minimum(i[ok], j[ok]), np.maximum(i[ok], j[ok])
            yield lo, hi, data[ok]


def decide_arrays(
    prep: Prepared, i: np.ndarray, j: np.ndarray, sim: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`decide`: the mask of duplicate pairs and their scores."""
    params = prep.params
    code, sure = prep.code_ids, prep.sure
    ci, cj = code[i], code[j]
    same = (ci == cj) & (ci >= 0)
    none = (ci < 0) | (cj < 0)
    need = np.where(
        same,
        np.where(sure[i] & sure[j], params.same_function, params.weak_function),
        np.where(none, params.unclassified, params.any_function),
    )
    ok = sim >= need
    other = ok & ~same & ~none
    for k in np.flatnonzero(other):  # different functions: only closely related ones
        ok[k] = _related(prep.classes[int(i[k])], prep.classes[int(j[k])])
    score = np.where(
        same,
        np.minimum(1.0, 0.6 + 0.4 * np.sqrt(np.maximum(sim, 0))),
        np.minimum(1.0, 0.3 + 0.6 * sim),
    )
    return ok, score


def _shared_features(a: Record, b: Record) -> list[str]:
    fa = {_clean_feature(f) for f in specific_features(a)}
    fb = {_clean_feature(f) for f in specific_features(b)}
    shared = sorted(fa & fb)
    # near-identical wordings (异地备案 / 异地就医备案)
    for x in sorted(fa - fb):
        for y in sorted(fb - fa):
            if fuzz.ratio(x, y) >= 75 or (len(x) >= 3 and (x in y or y in x)):
                shared.append(f"{x}≈{y}")
                break
    return shared


_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _common_phrases(texts: Sequence[str], top: int = 5) -> list[str]:
    counts: Counter[str] = Counter()
    for t in texts:
        grams = {t[k : k + n] for n in (3, 4) for k in range(len(t) - n + 1)}
        counts.update(g for g in grams if _HAN.fullmatch(g))
    common = [g for g, c in counts.items() if c == len(texts)]
    out: list[str] = []
    for g in sorted(common, key=len, reverse=True):
        if not any(g in o for o in out):
            out.append(g)
    return out[:top]


def function_label(code: str | None) -> str:
    if not code:
        return "未分类"
    fn = taxonomy().get(code)
    return f"{fn.zh} ({fn.code})" if fn else code


def find_groups(
    records: Sequence[Record | dict[str, Any]], params: Params = DEFAULT_PARAMS
) -> list[Group]:
    """Duplicate groups and platform-edition groups of the records."""
    recs = [r if isinstance(r, Record) else Record.from_dict(r) for r in records]
    if not recs:
        return []
    prep = prepare(recs, params)
    groups: list[Group] = []
    editions = edition_groups(recs, params)
    node_of = list(range(len(recs)))
    for g in editions:
        for i in g:
            node_of[i] = g[0]
        names = sorted({recs[i].kind for i in g})
        groups.append(
            Group(
                ids=[recs[i].id for i in g],
                relation="same_app",
                score=1.0,
                reasons=[
                    f"同一主办单位“{recs[g[0]].unit}”的同名应用“{recs[g[0]].name}”",
                    "平台版本：" + "、".join(names),
                ],
                function=prep.classes[g[0]].code,
            )
        )
    floor = min(params.same_function, params.weak_function, params.unclassified)
    node = np.asarray(node_of, dtype=np.int64)
    parts_a, parts_b, parts_s = [], [], []
    for ri, rj, sim in candidate_arrays(prep, floor):
        ni, nj = node[ri], node[rj]
        keep = ni != nj
        ok, score = decide_arrays(prep, ri[keep], rj[keep], sim[keep])
        a, b = ni[keep][ok], nj[keep][ok]
        parts_a.append(np.minimum(a, b))
        parts_b.append(np.maximum(a, b))
        parts_s.append(score[ok])
    if parts_a:
        edges = _best_edges(
            np.concatenate(parts_a), np.concatenate(parts_b), np.concatenate(parts_s), len(recs)
        )
        if len(edges[0]):
            groups.extend(_duplicate_groups(recs, prep, edges, editions))
    return groups


def _best_edges(
    a: np.ndarray, b: np.ndarray, s: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair once with its best score, in the order the pairs were first found."""
    key = a * n + b
    order = np.lexsort((np.arange(len(key)), key))  # by pair, then as found
    k = key[order]
    start = np.ones(len(k), dtype=bool)
    start[1:] = k[1:] != k[:-1]
    firsts = np.flatnonzero(start)
    best = np.maximum.reduceat(s[order], firsts) if len(firsts) else s[:0]
    first_seen = order[firsts]
    found = np.argsort(first_seen, kind="stable")
    pick = first_seen[found]
    return a[pick], b[pick], best[found]


def _duplicate_groups(
    recs: list[Record],
    prep: Prepared,
    edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    editions: list[list[int]],
) -> list[Group]:
    n = len(recs)
    rows, cols, scores = edges
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    edge_label = labels[rows]
    order = np.argsort(edge_label, kind="stable")  # edges of one group together, as found
    cut = np.flatnonzero(np.diff(edge_label[order])) + 1
    rows_l, cols_l, scores_l = rows.tolist(), cols.tolist(), scores.tolist()
    edition_of = {g[0]: g for g in editions}
    classes = prep.classes
    ids_of = [r.id for r in recs]
    out: list[Group] = []
    for part in np.split(order, cut):
        comp_edges = [(rows_l[e], cols_l[e], scores_l[e]) for e in part.tolist()]
        nodes = sorted({x for i, j, _ in comp_edges for x in (i, j)})
        score = sum(s for _, _, s in comp_edges) / len(comp_edges)
        codes = Counter(classes[i].code for i in nodes if classes[i].code)
        code = codes.most_common(1)[0][0] if codes else None
        reasons = [f"相同功能：{function_label(code)}"] if code else []
        for i, j, s in sorted(comp_edges, key=lambda e: -e[2])[:2]:
            shared = _shared_features(recs[i], recs[j])
            line = f"{ids_of[i]}~{ids_of[j]} 相似度{s:.2f}"
            if shared:
                line += "，共同功能点：" + "、".join(shared[:6])
            reasons.append(line)
        phrases = _common_phrases([" ".join(specific_features(recs[i])) for i in nodes[:3]])
        if phrases:
            reasons.append("共同用语：" + "、".join(phrases))
        # one edition per app in each line, so editions of one app are never paired as duplicates
        choices = [edition_of.get(i, [i]) for i in nodes]
        lines = _edition_lines(choices)
        pairs = [(ids_of[i], ids_of[j], s) for i, j, s in comp_edges]
        for ids in lines:
            out.append(
                Group(
                    ids=[ids_of[i] for i in ids],
                    relation="duplicate",
                    score=score,
                    reasons=reasons,
                    function=code,
                    pairs=pairs,
                )
            )
    out.sort(key=lambda g: (-g.score, g.ids))
    return out


def _edition_lines(choices: list[list[int]]) -> list[list[int]]:
    """Lines covering every cross-app pair without pairing two editions of one app.

    Line k takes edition k (modulo its count) of every app. Two apps' editions a (position p of
    an app with lx editions) and b (position q of one with ly) meet in a line when some k below
    the widest count has k % lx == p and k % ly == q; an app with one edition meets every edition
    of the others. The pairs that never meet get a line of their own. Only the apps with several
    editions are compared (a handful per group), not every pair of the group.
    """
    width = max(len(c) for c in choices)
    if width == 1:
        return [[c[0] for c in choices]]
    lines = [[c[k % len(c)] for c in choices] for k in range(width)]
    multi = [c for c in choices if len(c) > 1]
    meets: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for x, cx in enumerate(multi):
        lx = len(cx)
        for cy in multi[x + 1 :]:
            ly = len(cy)
            met = meets.get((lx, ly))
            if met is None:
                met = meets[(lx, ly)] = {(k % lx, k % ly) for k in range(width)}
            for p, a in enumerate(cx):
                for q, b in enumerate(cy):
                    if (p, q) not in met:
                        lines.append([a, b])
    return lines


# -- check before you build (R-16) -------------------------------------------------------------


@dataclass
class Match:
    id: str
    score: float
    similarity: float
    function: str | None
    same_function: bool
    could_be_module: bool
    shared: list[str]
    reasons: list[str]


class Index:
    """Existing apps prepared once; a proposed app is checked against them in milliseconds."""

    def __init__(self, records: Sequence[Record | dict[str, Any]], params: Params = DEFAULT_PARAMS):
        self.records = [r if isinstance(r, Record) else Record.from_dict(r) for r in records]
        self.params = params
        self.prep = prepare(self.records, params)
        divs = [_division(r.division) for r in self.records]
        self.prov_level = np.array([is_province_level(d) for d in divs], dtype=bool)
        rows_by_province: dict[str, list[int]] = defaultdict(list)
        rows_by_city: dict[str, list[int]] = defaultdict(list)
        for k, d in enumerate(divs):
            rows_by_province[d[:2]].append(k)
            rows_by_city[city_of(d)].append(k)
        self.rows_by_province = {p: np.array(v) for p, v in rows_by_province.items()}
        self.rows_by_city = {c: np.array(v) for c, v in rows_by_city.items()}
        self.code_ids = self.prep.code_ids
        self.code_index = {c: k for k, c in enumerate(sorted(taxonomy()))}
        # inverted lists (n-gram -> apps): a check reads only the apps sharing one of the
        # proposal's n-grams instead of multiplying the whole matrix (steady milliseconds for a
        # check without a region, which used to cost 60-100 ms of CPU at 100,000 apps)
        self.feat_postings = self.prep.feat.T.tocsr()
        self.desc_postings = self.prep.desc.T.tocsr()

    def _rows_for(self, division: str) -> np.ndarray | None:
        """Rows of the proposal's consolidation jurisdiction; None = all rows."""
        d = _division(division)
        if not d:
            return None
        province = self.rows_by_province.get(d[:2], np.zeros(0, dtype=np.int64))
        if is_province_level(d):
            return province
        own = self.rows_by_city.get(city_of(d), np.zeros(0, dtype=np.int64))
        return np.union1d(province[self.prov_level[province]], own)

    def _vectors(self, rec: Record) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        places = _places_for(rec)
        feat = self.prep.feat_vec.transform([_feature_text(rec, places)])
        desc = self.prep.desc_vec.transform([_desc_text(rec, places)])
        return feat, desc

    def check(self, proposal: Record | dict[str, Any], limit: int = 10) -> list[Match]:
        """Existing apps that already do the proposed app's job, best first. Without a division
        the whole index is searched; with one, only its consolidation jurisdiction."""
        rec = proposal if isinstance(proposal, Record) else Record.from_dict(proposal)
        cls = classify(rec, self.params)
        feat, desc = self._vectors(rec)
        w = self.params.desc_weight
        rows = self._rows_for(rec.division)
        if rows is None:
            # the whole index: read the inverted lists of the proposal's n-grams
            sims = (
                _postings_dot(feat, self.feat_postings) * (1 - w)
                + _postings_dot(desc, self.desc_postings) * w
            )
            rows = np.arange(len(self.records))
        else:
            # one jurisdiction (a few thousand apps): its rows of the matrices
            fm, dm = self.prep.feat[rows], self.prep.desc[rows]
            sims = (fm @ feat.T).toarray().ravel() * (1 - w) + (dm @ desc.T).toarray().ravel() * w
        if not len(rows):
            return []
        code = self.code_index.get(cls.code or "", -2)
        ranking = sims + (self.code_ids[rows] == code) * 0.25
        want = min(len(rows), max(limit * 3, limit))
        best = np.argpartition(-ranking, want - 1)[:want]
        top = rows[best[np.argsort(-ranking[best])]]
        by_row = dict(zip(rows[best].tolist(), sims[best].tolist(), strict=True))
        out: list[Match] = []
        for k in top.tolist():
            s = by_row[k]
            other = self.prep.classes[k]
            same = cls.code is not None and cls.code == other.code
            dup = decide(cls, other, s, self.params)
            score = dup if dup is not None else s * (0.8 if same else 0.6)
            if score < 0.12 and not same:
                continue
            existing = self.records[k]
            shared = _shared_features(rec, existing)
            prop_feats = {_clean_feature(f) for f in specific_features(rec)}
            module = _could_be_module(rec, cls, existing, other, shared, prop_feats, s)
            reasons = []
            if same:
                reasons.append(f"相同功能：{function_label(cls.code)}")
            if shared:
                reasons.append("共同功能点：" + "、".join(shared[:8]))
            if module:
                reasons.append("可作为该应用的功能模块建设")
            out.append(
                Match(
                    id=existing.id,
                    score=round(float(score), 4),
                    similarity=round(s, 4),
                    function=other.code,
                    same_function=same,
                    could_be_module=module,
                    shared=shared,
                    reasons=reasons,
                )
            )
        out.sort(key=lambda m: -m.score)
        return out[:limit]


def _postings_dot(query: sparse.csr_matrix, postings: sparse.csr_matrix) -> np.ndarray:
    """Cosines of one L2-normalised query row with every indexed app (dense, one per app): the
    query row times the inverted lists (n-gram x app), so only the postings of the query's
    n-grams are read."""
    return np.asarray((query @ postings).todense()).ravel()


# General platforms a new function can be a module of, by the users they serve.
PLATFORMS = {"gov_portal": {"public", "business"}, "office_oa": {"staff"}, "grid": {"grassroots"}}


def _could_be_module(
    rec: Record,
    cls: Classification,
    existing: Record,
    other: Classification,
    shared: list[str],
    prop_feats: set[str],
    sim: float,
) -> bool:
    """The proposal could be built as a module of the existing app: the existing app does the
    same job but lacks some of the proposed features, or it is a general platform for the same
    users, or it serves the same users in the same category of functions."""
    same = cls.code is not None and cls.code == other.code
    if same:
        return len(shared) < len(prop_feats)
    users_ok = not rec.users or not existing.users or rec.users == existing.users
    if other.code in PLATFORMS and users_ok and (rec.users or "public") in PLATFORMS[other.code]:
        return True
    fns = taxonomy()
    if cls.code and other.code and cls.code in fns and other.code in fns:
        return users_ok and fns[cls.code].category == fns[other.code].category and sim >= 0.1
    return False


def read_jsonl(lines: Iterable[str]) -> list[Record]:
    out = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            out.append(Record.from_dict(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"line {n}: {exc}") from exc
    return out

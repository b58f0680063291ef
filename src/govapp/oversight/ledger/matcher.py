"""The duplicate-field matcher of the burden ledger (pure Python, no Django).

Two fields of two data demands in the same county are duplicates when they ask for the same
datum (the definitions of ../shared/data/overlap-sample/README.md, written down again in
docs/oversight-ledger.md):

- on a *roster* form (a row per person, household or house) a field is an attribute of the
  population the title names (残疾人, 流动人口, 低保对象 ...); the same attribute of the same
  population is one datum, whatever the wording;
- on an *aggregate* form a field is an indicator (subject + unit of count + qualifiers) reported
  by the kind of unit the demand targets (village, community, township, grid);
- form bookkeeping (填报人, 填报日期, 序号, 村名 ...) and columns specific to one form are never data.

How a wording never seen is still recognised, and look-alikes kept apart:

1. normalisation: NFKC (full-width to half-width), quotes and spaces dropped, parenthesised
   notes split off (``证件号码（身份证）`` -> core ``证件号码``, note ``身份证``; a note that is a
   unit of count such as ``（户）`` / ``（人）`` becomes the indicator's unit);
2. segmentation against the data dictionary's controlled vocabulary (longest match first): a
   label is *owner* + *attribute* + allowed suffix (``户主`` + ``身份证`` + ``号码``), or for an
   indicator *qualifiers* + *subject* + *unit* (``享受`` + ``低保家庭`` + ``户数``); the owner
   (本人 / 户主 / 监护人 / 房东 / 子女 / 填报人 / anyone else) is part of the datum, and so are the
   unit (户 vs 人), the qualifier (户籍 vs 常住) and the kind of date (出生 vs 填报 vs 探访);
3. similarity: a label with no dictionary segment is compared with every synonym by edit distance
   (one character apart, at least four characters, and never across a discriminating character:
   出生/填报, 户/人, 户籍/常住 ...), which catches typing variants (身分证号码);
4. context: the population of a roster comes from the title (a narrower programme list of the
   same group is the same group; other criteria such as 80 岁以上 or 独居 make another group);
   household rosters turn the generic name / ID / phone / address into the household head's; a
   bare 联系电话 on a roster is the resident's only when a data column follows it and no other
   phone of the resident is asked (otherwise it is the filler's).

Pairs are produced by grouping (county, scope, item), so the cost is linear in the number of
fields plus the number of pairs reported (benchmarks/ledger_matcher.py).
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

TARGET_ZH = {"village": "村", "community": "社区", "township": "乡镇（街道）", "grid": "网格"}
TARGET_EN = {"village": "village", "community": "community", "township": "township", "grid": "grid"}

_QUOTES = re.compile(r"[\"'“”‘’「」『』《》〈〉\s·•、,，:：;；/\\|_*#※\-—]+")
_PAREN = re.compile(r"[(（\[【]([^()（）\[\]【】]*)[)）\]】]")
_YEAR = re.compile(r"(19|20)\d{2}年(度)?")
# Allowed after an attribute synonym (身份证 + 号码, 出生 + 日期 ...).
_SUFFIXES = (
    "",
    "号",
    "号码",
    "信息",
    "情况",
    "状况",
    "日期",
    "时间",
    "年月",
    "年月日",
    "详址",
    "编号",
)
# A fuzzy (edit-distance) match may never change one of these characters: they are what tells
# look-alikes apart (出生/填报/探访 dates, 户/人 counts, 户籍/常住, 本人/户主/监护/房东 ...).
_DISCRIMINATING = set(
    "出生填报表探访走入退伍役户人籍常住流动本主监护房东租子女低保特困残疾党员两委代表新增月年季"
)
_MEASURE_TAILS = (
    ("人员数", "人"),
    ("对象数", "人"),
    ("人口数", "人"),
    ("人口", "人"),
    ("户数", "户"),
    ("人数", "人"),
    ("个数", "个"),
    ("数量", ""),
    ("人次", "人次"),
    ("户", "户"),
    ("人", "人"),
    ("名", "人"),
    ("个", "个"),
    ("数", ""),
)
_AMBIGUOUS_PHONES = {"联系电话", "电话", "联系方式", "电话号码", "联系号码"}


@lru_cache(maxsize=65536)
def _normalise(label: str) -> tuple[str, tuple[str, ...]]:
    core, notes = _normalise_uncached(label)
    return core, tuple(notes)


def normalise(label: str) -> tuple[str, list[str]]:
    """'证件号码（身份证）' -> ('证件号码', ['身份证']) (see :func:`_normalise_uncached`)."""
    core, notes = _normalise(label)
    return core, list(notes)


def _normalise_uncached(label: str) -> tuple[str, list[str]]:
    """'证件号码（身份证）' -> ('证件号码', ['身份证']): NFKC, quotes/spaces/punctuation dropped,
    parenthesised notes split off (nested notes flattened)."""
    text = unicodedata.normalize("NFKC", label or "").strip().lower()
    notes: list[str] = []
    while True:
        found = _PAREN.search(text)
        if not found:
            break
        notes.append(_QUOTES.sub("", found.group(1)))
        text = text[: found.start()] + text[found.end() :]
    text = re.sub(r"[()（）\[\]【】]", "", text)
    return _QUOTES.sub("", text), [n for n in notes if n]


def normalise_title(title: str) -> str:
    """The title with the year, the 关于报送…的通知 frame and punctuation removed; parenthesised
    notes are kept as text (村（社区）"两委" -> 村社区两委)."""
    text = unicodedata.normalize("NFKC", title or "").lower()
    text = re.sub(r"[()（）\[\]【】]", "", _QUOTES.sub("", text))
    text = _YEAR.sub("", text)
    text = re.sub(r"^关于(报送|上报|填报|做好|开展)?", "", text)
    text = re.sub(r"的通知$", "", text)
    text = re.sub(r"第[一二三四1-4]季度|[一二三四五六七八九十\d]+月份?", "", text)
    return text


def _title_core(title: str) -> str:
    """What a roster title is about, for populations the dictionary does not know: the title
    without report-frequency notes and generic form nouns (花名册, 台账, 登记表 ...)."""
    text = normalise_title(title)
    text = re.sub(r"(日|周|月|季|半年|年)报$", "", text)
    generic = (
        "基本信息采集表|信息采集表|基础信息表|基本信息表|基本情况登记表|基本情况统计表|"
        "基本情况表|情况统计表|统计表|登记表|信息表|花名册|名册|名单|清册|明细表|明细|台账|"
        "一览表|采集表|核查表|调查表|汇总表|登记|信息|情况|基本|基础"
    )
    prev = None
    while prev != text:
        prev = text
        text = re.sub(f"({generic})$", "", text)
    return text


def _edit_distance_at_most_one(a: str, b: str) -> tuple[bool, set[str]]:
    """Whether a and b are at most one edit apart, and the characters the edit touches."""
    if a == b:
        return True, set()
    if abs(len(a) - len(b)) > 1:
        return False, set()
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True, {a[diff[0]], b[diff[0]]}
        return False, set()
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1 :] == short:
            return True, {long_[i]}
    return False, set()


@dataclass(frozen=True)
class Population:
    id: str
    zh: str
    en: str
    grain: str


@dataclass(frozen=True)
class Item:
    id: str
    zh: str
    en: str
    type: str


@dataclass(frozen=True)
class FieldMatch:
    """What one field of one demand asks for; ``item`` None means bookkeeping or form-specific."""

    demand_id: str
    label: str
    item: str | None
    scope: str | None
    name: str  # canonical wording with its scope, e.g. 公民身份号码（残疾人）
    confidence: float
    kind: str  # "attribute" | "indicator" | "meta" | "form"
    item_en: str = ""


@dataclass(frozen=True)
class DuplicatePair:
    a: tuple[str, str]
    b: tuple[str, str]
    score: float
    item: str
    item_id: str
    scope: str

    def as_json(self) -> dict[str, Any]:
        return {"a": list(self.a), "b": list(self.b), "score": self.score, "item": self.item}


@dataclass
class Demand:
    """The matcher's view of a demand: the JSON Lines contract's keys."""

    id: str
    title: str = ""
    department: str = ""
    division: str = ""
    app: str | None = None
    frequency: str = ""
    target: str = ""
    fields: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Demand:
        if "id" not in obj:
            raise ValueError("a demand needs an id")
        fields = obj.get("fields") or []
        if not isinstance(fields, list):
            raise ValueError("fields must be a list")
        labels = [f if isinstance(f, str) else str((f or {}).get("label", "")) for f in fields]
        return cls(
            id=str(obj["id"]),
            title=str(obj.get("title") or ""),
            department=str(obj.get("department") or ""),
            division=str(obj.get("division") or ""),
            app=None if obj.get("app") in (None, "") else str(obj.get("app")),
            frequency=str(obj.get("frequency") or ""),
            target=str(obj.get("target") or ""),
            fields=[label for label in labels if label],
        )


class Dictionary:
    """The data dictionary (data/dictionary.json or a regulator's edited copy)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.populations = {
            p["id"]: Population(p["id"], p["zh"], p.get("en", ""), p.get("grain", "person"))
            for p in data["populations"]
        }
        self._pop_patterns = [
            (re.compile(pattern), p["id"])
            for p in data["populations"]
            for pattern in p.get("patterns", [])
        ]
        self._pop_synonyms = sorted(
            ((normalise(s)[0], p["id"]) for p in data["populations"] for s in p["synonyms"]),
            key=lambda x: -len(x[0]),
        )
        self._age_re = re.compile(data["age_populations"]["pattern"])
        self.items: dict[str, Item] = {
            i["id"]: Item(i["id"], i["zh"], i.get("en", ""), i.get("type", "text"))
            for i in data["items"]
        }
        for key, value in data.get("derived_items", {}).items():
            self.items[key] = Item(key, value["zh"], value.get("en", ""), value.get("type", "text"))
        self._attr_synonyms = sorted(
            ((normalise(s)[0], i["id"]) for i in data["items"] for s in i["synonyms"]),
            key=lambda x: -len(x[0]),
        )
        self._attr_exact = dict(self._attr_synonyms)
        self._attr_by_len: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for synonym, item_id in self._attr_synonyms:
            if len(synonym) >= 4:
                self._attr_by_len[len(synonym)].append((synonym, item_id))
        # Labels repeat across demands: each distinct wording is analysed once.
        self._memo: dict[tuple[str, ...], Any] = {}
        owners = data["owners"]
        self._owner_words = {k: sorted(v, key=len, reverse=True) for k, v in owners.items()}
        self.household_forms: dict[str, str] = data.get("household_forms", {})
        self.subjects = {s["id"]: s for s in data["indicator_subjects"]}
        self._subject_synonyms = sorted(
            ((normalise(s)[0], x["id"]) for x in data["indicator_subjects"] for s in x["synonyms"]),
            key=lambda x: -len(x[0]),
        )
        self._fillers = sorted(data["indicator_fillers"], key=len, reverse=True)
        self._flow = data["indicator_flow_words"]
        meta = data["meta"]
        self._meta_contains = meta["contains"]
        self._meta_location = re.compile(meta["location"])
        self._meta_unit = re.compile(meta["unit"])
        self.units: dict[str, str] = data["units"]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Dictionary:
        if path is None:
            text = (
                resources.files("govapp.oversight.ledger")
                .joinpath("data/dictionary.json")
                .read_text(encoding="utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls(json.loads(text))

    # --- populations ---------------------------------------------------------------------

    def title_populations(self, title: str) -> tuple[str, ...]:
        """Population ids the title names, longest wording first, without overlaps."""
        key = ("title", title)
        if key not in self._memo:
            self._memo[key] = self._title_populations(title)
        found: tuple[str, ...] = self._memo[key]
        return found

    def _title_populations(self, title: str) -> tuple[str, ...]:
        text = normalise_title(title)
        found: list[str] = []
        age = self._age_re.search(text)
        if age and re.search(r"老|人口|居民", text[age.end() : age.end() + 4]):
            n = int(age.group(1))
            found.append("elderly_80" if n == 80 else f"elderly_{n}")
            text = text[: age.start()] + "#" + text[age.end() :]
        for pattern, pid in self._pop_patterns:
            if pattern.search(text):
                found.append(pid)
                text = pattern.sub("#", text)
        for synonym, pid in self._pop_synonyms:
            if synonym and synonym in text:
                if pid not in found:
                    found.append(pid)
                text = text.replace(synonym, "#")
        if "elderly_80" in found and len(found) > 1:
            found = [p for p in found if p != "elderly_80"] if found[0] != "elderly_80" else found
        return tuple(sorted(set(found)))

    def population_name(self, pid: str, lang: str = "zh") -> str:
        if pid in self.populations:
            p = self.populations[pid]
            return p.zh if lang == "zh" else p.en
        if pid.startswith("elderly_"):
            n = pid.split("_", 1)[1]
            tpl = self.data["age_populations"]["zh" if lang == "zh" else "en"]
            return str(tpl.format(n=n))
        return pid.removeprefix("title:")

    # --- bookkeeping -----------------------------------------------------------------------

    def is_meta(self, core: str, notes: Sequence[str] = ()) -> bool:
        key = ("meta", core)
        if key not in self._memo:
            self._memo[key] = self._is_meta(core)
        return bool(self._memo[key])

    def _is_meta(self, core: str) -> bool:
        if not core:
            return True
        if any(word in core for word in self._meta_contains):
            return True
        if self._meta_location.match(core) or self._meta_unit.match(core):
            return True
        return core in {"时间", "日期", "单位", "名称", "编号"}

    # --- roster attributes -----------------------------------------------------------------

    def _owner(self, prefix: str, populations: Sequence[str]) -> str | None:
        """Whose datum: self, household, guardian, landlord, tenant, child; None = someone else
        (帮扶责任人, 书记, 经营者 ...: columns of one form)."""
        if not prefix:
            return "self"
        rest = prefix
        for kind in ("guardian", "landlord", "tenant", "child", "household"):
            for word in self._owner_words[kind]:
                if rest == word or (kind != "household" and rest.endswith(word)):
                    return kind
        pop_words = [s for s, pid in self._pop_synonyms if pid in populations]
        changed = True
        while rest and changed:
            changed = False
            for word in (*self._owner_words["self"], *pop_words):
                if word and rest.startswith(word):
                    rest = rest[len(word) :]
                    changed = True
                    break
        return "self" if not rest else None

    def attribute(self, core: str) -> tuple[str, str, str, float] | None:
        """(item id, prefix, suffix, confidence) of a roster label core, or None."""
        key = ("attr", core)
        if key not in self._memo:
            self._memo[key] = self._attribute(core)
        found: tuple[str, str, str, float] | None = self._memo[key]
        return found

    def _attribute(self, core: str) -> tuple[str, str, str, float] | None:
        exact = self._attr_exact.get(core)
        if exact:
            return exact, "", "", 1.0
        for kind in ("guardian", "landlord", "tenant", "household"):
            if core in self._owner_words[kind] and core != "户":
                return "name", core, "", 0.85
        for synonym, item_id in self._attr_synonyms:
            pos = core.rfind(synonym)
            if pos < 0:
                continue
            suffix = core[pos + len(synonym) :]
            if suffix in _SUFFIXES:
                return item_id, core[:pos], suffix, 0.9
        if len(core) >= 4:
            near = (self._attr_by_len.get(n, []) for n in (len(core) - 1, len(core), len(core) + 1))
            for synonym, item_id in itertools.chain.from_iterable(near):
                ok, touched = _edit_distance_at_most_one(core, synonym)
                if ok and not (touched & _DISCRIMINATING):
                    return item_id, "", "", 0.75
        return None

    # --- aggregate indicators --------------------------------------------------------------

    def _notes_split(self, notes: Sequence[str]) -> tuple[str, list[str]]:
        """A unit of count found in the notes ('（户）', '（万元）'), and the other notes."""
        unit_note = ""
        qualifier_notes = []
        for note in notes:
            if note in self.units:
                unit_note = self.units[note]
            elif re.fullmatch(r"[\d.万千百]*(元|亩|平方米|人|户|个|间)(/.*)?", note):
                unit_note = self.units.get(re.sub(r"[\d.千百]", "", note).split("/")[0], "")
            else:
                qualifier_notes.append(note)
        return unit_note, qualifier_notes

    def _subject(self, text: str) -> tuple[str | None, str, str]:
        """(subject id, its default unit, the text without it)."""
        age = self._age_re.search(text)
        if age:
            text = text[: age.start()] + text[age.end() :]
            text = re.sub(r"(高龄)?(老年人口|老年人|老人|居民)", "", text)
            text = re.sub(r"^人口", "", text)
            return f"age_{int(age.group(1))}", "人", text
        if "高龄老人" in text:
            return "age_80", "人", text.replace("高龄老人", "")
        for synonym, sid in self._subject_synonyms:
            pos = text.find(synonym)
            if pos < 0:
                continue
            if synonym.endswith(("户", "家庭")):
                unit = "户"
            elif synonym.endswith(("人口", "对象", "人员")):
                unit = "人"
            else:
                unit = self.subjects[sid].get("unit", "")
            return sid, unit, text[:pos] + text[pos + len(synonym) :]
        return None, "", text

    def indicator(self, core: str, notes: Sequence[str]) -> tuple[str, str, str, float] | None:
        """(subject id, unit, qualifier, confidence) of an aggregate label, or None when it is
        not an indicator the dictionary knows (a column of one form)."""
        key = ("ind", core, *notes)
        if key not in self._memo:
            self._memo[key] = self._indicator(core, notes)
        found: tuple[str, str, str, float] | None = self._memo[key]
        return found

    def _indicator(self, core: str, notes: Sequence[str]) -> tuple[str, str, str, float] | None:
        unit_note, qualifier_notes = self._notes_split(notes)
        text = "".join(qualifier_notes) + core
        if any(word in text for word in self._flow):
            return None
        subject, subject_unit, text = self._subject(text)
        unit = ""
        for tail, u in _MEASURE_TAILS:
            if text.endswith(tail):
                unit = u
                text = text[: -len(tail)]
                break
        unit = unit_note or unit or subject_unit
        for filler in self._fillers:
            text = text.replace(filler, "")
        if subject is None:
            if unit == "户" and text in {"户籍", "总", "", "常住"}:
                return "households", "户", text, 0.9
            return None
        if unit in {"人次", "次"} or subject == "households":
            return None
        confidence = 1.0 if not text else 0.85
        return subject, unit or subject_unit, text, confidence

    def subject_name(self, sid: str, unit: str, qualifier: str, lang: str = "zh") -> str:
        if sid.startswith("age_"):
            base = f"{sid[4:]}岁及以上老年人" if lang == "zh" else f"elderly aged {sid[4:]}+"
        else:
            s = self.subjects[sid]
            base = s["zh"] if lang == "zh" else s.get("en", sid)
        if lang == "zh":
            measure = {"户": "户数", "人": "人数"}.get(unit, "")
            if sid == "households":
                measure = ""
            return f"{qualifier}{base}{measure}"
        measure = {"户": " (households)", "人": " (persons)"}.get(unit, "")
        return f"{qualifier} {base}{measure}".strip()


# --- demands ---------------------------------------------------------------------------------

_IDENTITY_ITEMS = {
    "name",
    "id_number",
    "birth_date",
    "gender",
    "household_head_name",
    "household_head_id",
    "landlord_name",
    "house_address",
}
_PHONE_SELF_NOTES = ("手机", "本人")
_Parsed = tuple[str, str, list[str]]  # label, normalised core, parenthesised notes
_Attr = tuple[str, str, float] | None  # item id, owner, confidence


class Matcher:
    """Classifies the fields of demands and finds duplicated fields within a county."""

    def __init__(self, dictionary: Dictionary | None = None) -> None:
        self.dictionary = dictionary or Dictionary.load()

    def classify(self, demand: Demand) -> list[FieldMatch]:
        """What each field of ``demand`` asks for (in field order)."""
        d = self.dictionary
        parsed: list[_Parsed] = [(label, *normalise(label)) for label in demand.fields]
        populations = d.title_populations(demand.title)
        metas = [d.is_meta(core, notes) for _, core, notes in parsed]
        attrs = [
            None if meta else self._attribute(core, notes, populations)
            for (_l, core, notes), meta in zip(parsed, metas, strict=True)
        ]
        keys = [_derived(a[0], a[1], d) if a else None for a in attrs]
        if not any(k in _IDENTITY_ITEMS for k in keys):
            return self._aggregate(demand, parsed, metas)
        return self._roster(demand, parsed, metas, attrs, populations)

    def _attribute(
        self, core: str, notes: Sequence[str], populations: Sequence[str]
    ) -> tuple[str, str, float] | None:
        """(item id, owner, confidence) of a roster column, or None."""
        d = self.dictionary
        found = d.attribute(core)
        if found is None:
            return None
        item_id, prefix, _suffix, conf = found
        owner = d._owner(prefix, populations)
        if owner is None:
            return None
        if owner == "self" and "户主" in notes:
            owner = "household"
        return item_id, owner, conf

    def _aggregate(
        self, demand: Demand, parsed: Sequence[_Parsed], metas: Sequence[bool]
    ) -> list[FieldMatch]:
        d = self.dictionary
        scope = f"agg:{demand.target or 'unknown'}"
        where = TARGET_ZH.get(demand.target, demand.target)
        where_en = TARGET_EN.get(demand.target, demand.target)
        out: list[FieldMatch] = []
        for (label, core, notes), meta in zip(parsed, metas, strict=True):
            if meta or core in _AMBIGUOUS_PHONES:
                out.append(FieldMatch(demand.id, label, None, None, "", 0.0, "meta"))
                continue
            ind = d.indicator(core, notes)
            if ind is None:
                out.append(FieldMatch(demand.id, label, None, None, "", 0.0, "form"))
                continue
            sid, unit, qualifier, conf = ind
            name = f"{d.subject_name(sid, unit, qualifier)}（{where}）"
            en = f"{d.subject_name(sid, unit, qualifier, 'en')} ({where_en})"
            key = f"{sid}|{unit}|{qualifier}"
            out.append(FieldMatch(demand.id, label, key, scope, name, conf, "indicator", en))
        return out

    def _roster_scope(
        self, demand: Demand, populations: Sequence[str], attrs: Sequence[_Attr]
    ) -> tuple[str, str, str, str, float]:
        """(scope, its zh and en names, grain, confidence): the population the title names, or
        (unknown to the dictionary) the title's core; household rosters ask for heads only."""
        d = self.dictionary
        owners = {(a[1], a[0]) for a in attrs if a and a[0] in {"name", "id_number"}}
        heads_only = any(o == "household" for o, _ in owners) and not any(
            o == "self" for o, _ in owners
        )
        grain = "household" if heads_only else "person"
        if not populations:
            core_title = _title_core(demand.title)
            return f"pop:title:{core_title}", core_title, core_title, grain, 0.8
        grains = {d.populations[p].grain for p in populations if p in d.populations}
        if grains == {"house"}:
            grain = "house"
        zh = "、".join(d.population_name(p) for p in populations)
        en = ", ".join(d.population_name(p, "en") for p in populations)
        return f"pop:{'+'.join(populations)}", zh, en, grain, 1.0

    @staticmethod
    def _phone_is_fillers(
        i: int, parsed: Sequence[_Parsed], metas: Sequence[bool], attrs: Sequence[_Attr]
    ) -> bool:
        """A bare 联系电话 on a roster is the resident's only when a data column follows it (or
        it ends a form with no bookkeeping at all) and no other phone of the resident is asked."""
        explicit_self = any(
            a is not None and a[0] == "phone" and a[1] == "self" and not _is_ambiguous_phone(c, n)
            for a, (_, c, n) in zip(attrs, parsed, strict=True)
        )
        if explicit_self:
            return True
        explicit_filler = any(
            meta and ("电话" in c or "手机" in c)
            for meta, (_, c, _n) in zip(metas, parsed, strict=True)
        )
        data_after = any(attrs[j] is not None or not metas[j] for j in range(i + 1, len(parsed)))
        last_of_plain_form = i == len(parsed) - 1 and not any(metas)
        return not (data_after or explicit_filler or last_of_plain_form)

    def _roster(
        self,
        demand: Demand,
        parsed: Sequence[_Parsed],
        metas: Sequence[bool],
        attrs: Sequence[_Attr],
        populations: Sequence[str],
    ) -> list[FieldMatch]:
        d = self.dictionary
        scope, scope_zh, scope_en, grain, pop_conf = self._roster_scope(demand, populations, attrs)
        out: list[FieldMatch] = []
        for i, ((label, core, notes), a) in enumerate(zip(parsed, attrs, strict=True)):
            kind = "meta" if metas[i] else "form"
            key = None
            if a is not None:
                item_id, owner, conf = a
                if item_id == "phone" and owner == "self" and _is_ambiguous_phone(core, notes):
                    if self._phone_is_fillers(i, parsed, metas, attrs):
                        kind, item_id = "meta", ""
                    conf = min(conf, 0.8)
                if grain == "household" and owner == "self" and item_id in d.household_forms:
                    owner = "household"
                if grain == "house" and owner == "self" and item_id == "address":
                    item_id = "house_address"
                key = _derived(item_id, owner, d) if item_id else None
            if key is None:
                out.append(FieldMatch(demand.id, label, None, None, "", 0.0, kind))
                continue
            item = d.items[key]
            out.append(
                FieldMatch(
                    demand.id,
                    label,
                    key,
                    scope,
                    f"{item.zh}（{scope_zh}）",
                    round(conf * pop_conf, 3),
                    "attribute",
                    f"{item.en} ({scope_en})",
                )
            )
        return out

    def duplicates(
        self, demands: Iterable[Demand], *, threshold: float = 0.0
    ) -> Iterator[DuplicatePair]:
        """Every pair of fields of different demands of one county asking for the same datum."""
        groups: dict[tuple[str, str, str], list[FieldMatch]] = defaultdict(list)
        for demand in demands:
            for m in self.classify(demand):
                if m.item and m.scope:
                    groups[(demand.division, m.scope, m.item)].append(m)
        for (_division, scope, item), members in sorted(groups.items()):
            for x, y in itertools.combinations(members, 2):
                if x.demand_id == y.demand_id:
                    continue
                score = round(min(x.confidence, y.confidence), 3)
                if score < threshold:
                    continue
                a, b = sorted([(x.demand_id, x.label), (y.demand_id, y.label)])
                yield DuplicatePair(a, b, score, x.name, item, scope)


def _derived(item_id: str, owner: str, d: Dictionary) -> str | None:
    if owner == "self":
        return item_id
    if owner == "household":
        if item_id in d.household_forms:
            return d.household_forms[item_id]
        return item_id if item_id in {"household_size", "household_income_pc"} else None
    key = f"{owner}_{item_id}" if owner != "child" else f"child_{item_id}"
    return key if key in d.items else None


def _is_ambiguous_phone(core: str, notes: Sequence[str]) -> bool:
    if any(n in note for note in notes for n in _PHONE_SELF_NOTES):
        return False
    return core in _AMBIGUOUS_PHONES


def read_jsonl(lines: Iterable[str]) -> Iterator[Demand]:
    """Demands from JSON Lines; raises ValueError naming the line of a malformed one."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {n}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise ValueError(f"line {n}: not a JSON object")
        try:
            yield Demand.from_json(obj)
        except ValueError as exc:
            raise ValueError(f"line {n}: {exc}") from exc

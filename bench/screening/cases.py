"""Evaluation cases for screening: generated variants of real list entries, hand-checked script cases, and
negatives (near misses, names made of common tokens, well-known unlisted companies).

Every case is (variant class, query, target entry id or None for a negative). Generation is seeded, so a
run is reproducible. Nothing here is a list entry: the targets are entries of the loaded list.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from chipclear.screening import LoadedList, Screener, normalize_name

BENIGN = [
    "case_punctuation",
    "legal_form",
    "word_order",
    "dropped_token",
    "typo",
    "transliteration_cyrillic",
    "chinese_script",
]
ADVERSARIAL = ["homoglyph", "invisible_chars", "split_join", "combined"]
NEGATIVE = ["near_miss", "common_tokens", "unlisted_companies"]

# Latin letter -> a Cyrillic or Greek look-alike (Unicode confusables).
CONFUSABLES = {
    "a": "а",
    "c": "с",
    "e": "е",
    "o": "о",
    "p": "р",
    "x": "х",
    "y": "у",
    "i": "і",
    "A": "Α",
    "B": "В",
    "E": "Е",
    "H": "Η",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
LAT2CYR = [
    ("shch", "щ"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ts", "ц"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("c", "к"),
    ("h", "х"),
    ("w", "в"),
    ("x", "кс"),
    ("j", "дж"),
    ("q", "к"),
]
LEGAL_SUFFIXES = ["Co., Ltd.", "Limited", "LLC", "Inc.", "Corporation", "GmbH", "JSC", "S.A.", "Ltd"]

# Chinese-script and pinyin forms of listed companies, each checked against a pinyin alias or an English
# name the Entity List itself gives (the alias is quoted): these are test inputs, not list data.
CHINESE_SCRIPT = [
    ("北京算能科技有限公司", "Sophgo Technologies Ltd."),  # alias "Beijing Suanneng Technology Co., Ltd"
    ("Beijing Suanneng Keji Youxian Gongsi", "Sophgo Technologies Ltd."),
    (
        "摩尔线程智能科技(北京)有限责任公司",
        "Moore Thread Intelligent Technology (Beijing) Co., Ltd.",
    ),  # "Mo’er Xianchen"
    ("长江存储科技有限责任公司", "Yangtze Memory Technologies Co., Ltd."),  # "Changjiang Storage Technology"
    ("Changjiang Cunchu", "Yangtze Memory Technologies Co., Ltd."),  # alias "Changjiang Cunchu"
    ("天津飞腾信息技术有限公司", "Tianjin Phytium Information Technology"),  # "Tianjin Feiteng Information Technology"
    ("成都海光集成电路", "Chengdu Haiguang Integrated Circuit"),
    ("曙光", "Sugon"),  # alias "Shuguang"
    ("北京商汤科技开发有限公司", "Beijing Sensetime Technology Development Co., Ltd."),  # "Beijing Shangtang ..."
    ("华为技术有限公司", "Huawei Technologies Co., Ltd."),  # alias "Huawei Technology"
]
COMMON_WORDS = [
    "Technology",
    "Trading",
    "Electronics",
    "Industrial",
    "International",
    "Group",
    "Import Export",
    "Information",
    "Engineering",
    "Logistics",
    "Development",
    "Machinery",
    "Science",
]
COLOURS = ["Blue", "Golden", "Great", "New", "Bright", "Star", "Silver", "Harmony", "Ocean", "Green", "Sunrise"]
PLACES = ["Qingdao", "Shenzhen", "Dubai", "Istanbul", "Moscow", "Hong Kong", "Tianjin", "Almaty", "Singapore"]
NOUNS = ["Harbor", "River", "Bridge", "Garden", "Mountain", "Horizon", "Valley", "Lotus", "Phoenix", "Crown"]
UNLISTED = [
    "Apple Inc.",
    "Microsoft Corporation",
    "Toyota Motor Corporation",
    "Siemens AG",
    "Nestle S.A.",
    "Samsung Electronics Co., Ltd.",
    "Sony Group Corporation",
    "Dell Technologies Inc.",
    "Hewlett Packard Enterprise",
    "Taiwan Semiconductor Manufacturing Company Limited",
    "SAP SE",
    "Advanced Micro Devices, Inc.",
    "NVIDIA Corporation",
    "Lenovo Group Limited",
    "ASML Holding N.V.",
    "Foxconn Industrial Internet",
    "Quanta Computer Inc.",
    "Wistron Corporation",
    "Supermicro",
    "Infineon Technologies AG",
    "Tata Consultancy Services",
    "Accenture plc",
    "Unilever PLC",
    "Volkswagen AG",
    "BMW AG",
    "Maersk Line",
    "Deutsche Bank AG",
    "Mitsubishi Electric Corporation",
]


@dataclass(frozen=True)
class Case:
    klass: str
    query: str
    target: str | None  # entry id, None for negatives
    kind: str  # benign | adversarial | negative


def _words(name: str) -> list[str]:
    return name.split()


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["sub", "del", "ins", "swap"])
    letter = rng.choice("abcdefghiklmnoprstuvy")
    if op == "sub":
        return word[:i] + letter + word[i + 1 :]
    if op == "del":
        return word[:i] + word[i + 1 :]
    if op == "ins":
        return word[:i] + letter + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _longest(words: list[str]) -> int:
    return max(range(len(words)), key=lambda i: len(re.sub(r"\W", "", words[i])))


def _homoglyph(name: str, rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(name) if ch in CONFUSABLES]
    chars = list(name)
    for i in rng.sample(positions, min(len(positions), rng.randint(1, 3))):
        chars[i] = CONFUSABLES[chars[i]]
    return "".join(chars)


def _invisible(name: str, rng: random.Random) -> str:
    chars = list(name)
    for _ in range(rng.randint(1, 3)):
        chars.insert(rng.randrange(1, len(chars)), rng.choice(INVISIBLE))
    return "".join(chars)


def _to_cyrillic(name: str) -> str:
    out = name.lower()
    for lat, cyr in LAT2CYR:
        out = out.replace(lat, cyr)
    return out


def _strip_legal(name: str) -> str:
    norm = normalize_name(name)
    if not norm.legal_forms:
        return name
    words = _words(name)
    while words and normalize_name(words[-1]).legal_forms:
        words.pop()
    return " ".join(words) or name


def _rarest(words: list[str], weights: dict[str, float]) -> int:
    def weight(word: str) -> float:
        return max((weights.get(t, 0.0) for t in normalize_name(word).tokens), default=0.0)

    return max(range(len(words)), key=lambda i: weight(words[i]))


def _variants(
    name: str, countries: tuple[str, ...], rng: random.Random, weights: dict[str, float] | None = None
) -> dict[str, str]:
    words = _words(name)
    out: dict[str, str] = {}
    out["case_punctuation"] = re.sub(r"[^\w\s]", "", name).upper() if rng.random() < 0.5 else name.lower()
    base = _strip_legal(name)
    out["legal_form"] = f"{base} {rng.choice(LEGAL_SUFFIXES)}" if base != name or rng.random() < 0.5 else base
    if len(words) >= 2:
        rotated = words[1:] + words[:1]
        out["word_order"] = " ".join(rotated)
    core = _words(base)
    if len(core) >= 3:
        # drop any word but the most distinctive (rarest) one: without it the name is a different name
        keep = _rarest(core, weights) if weights else _longest(core)
        drop = rng.choice([i for i in range(len(core)) if i != keep])
        out["dropped_token"] = " ".join(w for i, w in enumerate(core) if i != drop)
    li = _longest(words)
    if len(words[li]) >= 5:
        out["typo"] = " ".join(_typo(w, rng) if i == li else w for i, w in enumerate(words))
        out["split_join"] = " ".join(
            (w[: len(w) // 2] + " " + w[len(w) // 2 :]) if i == li else w for i, w in enumerate(words)
        )
    elif len(words) >= 2:
        out["split_join"] = words[0] + words[1] + (" " + " ".join(words[2:]) if len(words) > 2 else "")
    if countries and countries[0] in ("RU", "BY", "UA", "KZ") and name.isascii():
        out["transliteration_cyrillic"] = _to_cyrillic(name)
    out["homoglyph"] = _homoglyph(name, rng)
    out["invisible_chars"] = _invisible(name, rng)
    combined = core[1:] + core[:1] if len(core) >= 2 else core
    lc = _longest(combined)
    if len(combined[lc]) >= 5:
        combined = [_typo(w, rng) if i == lc else w for i, w in enumerate(combined)]
    out["combined"] = " ".join(combined) + " " + rng.choice(LEGAL_SUFFIXES)
    return {k: v for k, v in out.items() if (v.strip() and v != name) or k == "case_punctuation"}


def build_cases(lists: LoadedList, screener: Screener, n_entries: int = 300, seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    pool = [
        e
        for e in lists.entries
        if e.entity_type not in ("Vessel", "Aircraft")
        and len(normalize_name(e.name).tokens) >= 1
        and max(len(t) for t in normalize_name(e.name).tokens) >= 4
        and len(e.name) <= 80
    ]
    sample = rng.sample(pool, n_entries)
    weights = {t: float(screener.index.token_weight[i]) for t, i in screener.index.vocab.items()}
    cases: list[Case] = []
    for entry in sample:
        for klass, query in _variants(entry.name, entry.countries, rng, weights).items():
            kind = "benign" if klass in BENIGN else "adversarial"
            cases.append(Case(klass, query, entry.entry_id, kind))
    by_name = {e.name: e.entry_id for e in lists.entries}
    for query, listed in CHINESE_SCRIPT:
        if listed in by_name:
            cases.append(Case("chinese_script", query, by_name[listed], "benign"))
    cases.extend(_negatives(lists, screener, sample, rng))
    return cases


def _is_listed_token_set(screener: Screener, query: str) -> bool:
    """True when the query's tokens equal some listed name's tokens (then it is not a negative)."""
    tokens = set(normalize_name(query).tokens)
    return any(set(norm.tokens) == tokens for norm in screener.index.alias_norm)


def _negatives(lists: LoadedList, screener: Screener, sample: list, rng: random.Random) -> list[Case]:
    index = screener.index
    vocab = [t for t in index.vocab if len(t) >= 5 and t.isalpha()]
    out: list[Case] = []
    for entry in sample:
        words = _words(_strip_legal(entry.name))
        norm_words = [normalize_name(w).tokens for w in words]
        scored = [
            (max((index.token_weight[index.vocab[t]] for t in toks if t in index.vocab), default=0), i)
            for i, toks in enumerate(norm_words)
        ]
        if len(words) < 2:
            continue
        _, rare = max(scored)
        replacement = rng.choice(vocab).capitalize()
        query = " ".join(replacement if i == rare else w for i, w in enumerate(words))
        if not _is_listed_token_set(screener, query):
            out.append(Case("near_miss", query, None, "negative"))
    for _ in range(len(sample) // 2):
        query = (
            f"{rng.choice(PLACES)} {rng.choice(COLOURS)} {rng.choice(NOUNS)} "
            f"{rng.choice(COMMON_WORDS)} {rng.choice(LEGAL_SUFFIXES)}"
        )
        if not _is_listed_token_set(screener, query):
            out.append(Case("common_tokens", query, None, "negative"))
    out.append(Case("common_tokens", "Qingdao Blue Harbor Technology Co., Ltd.", None, "negative"))
    out.extend(Case("unlisted_companies", q, None, "negative") for q in UNLISTED)
    return out

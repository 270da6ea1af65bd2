"""A realistic synthetic order book for tests and benchmarks (``chipclear demo orders --rows N``).

Real catalog items, real destinations, and end users that mix real listed names (taken from the bundled
restricted-party lists), variants of them (typos, case, dropped legal forms, reordered words) and ordinary company
names. Customers are few compared with lines and buy repeatedly (skewed), as in a distributor's order book. The
output is a pure function of ``rows`` and ``seed`` (and the bundled data), so benchmarks are repeatable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from chipclear.catalog import load_catalog

# Destinations and their shares of lines: large markets, the controlled destinations (CN, HK, MO and the D:5
# countries), re-export hubs, and a few embargoed ones so every verdict family appears.
DESTINATIONS: dict[str, float] = {
    "US": 0.18, "CN": 0.09, "HK": 0.04, "MO": 0.005, "TW": 0.05, "SG": 0.06, "MY": 0.03, "VN": 0.02,
    "TH": 0.01, "IN": 0.05, "AE": 0.03, "SA": 0.02, "IL": 0.02, "JP": 0.06, "KR": 0.05, "DE": 0.06,
    "NL": 0.04, "FR": 0.03, "GB": 0.05, "IE": 0.02, "FI": 0.01, "PL": 0.01, "CA": 0.03, "MX": 0.01,
    "BR": 0.01, "AU": 0.02, "TR": 0.01, "RU": 0.004, "BY": 0.002, "IR": 0.002, "CU": 0.001, "KP": 0.001,
    "SY": 0.001, "PK": 0.003,
}  # fmt: skip

LEGAL_FORMS: dict[str, list[str]] = {
    "US": ["Inc.", "LLC", "Corp."], "CA": ["Inc.", "Ltd."], "GB": ["Ltd", "PLC"], "IE": ["Ltd", "DAC"],
    "DE": ["GmbH", "AG"], "NL": ["B.V.", "N.V."], "FR": ["SAS", "SA"], "FI": ["Oy"], "PL": ["Sp. z o.o."],
    "CN": ["Co., Ltd.", "Technology Co., Ltd."], "HK": ["Limited", "Holdings Limited"], "MO": ["Limitada"],
    "TW": ["Co., Ltd.", "Corporation"], "JP": ["K.K.", "Co., Ltd."], "KR": ["Co., Ltd.", "Inc."],
    "SG": ["Pte. Ltd."], "MY": ["Sdn. Bhd."], "IN": ["Pvt. Ltd.", "Limited"], "AE": ["FZE", "LLC", "FZCO"],
    "SA": ["LLC"], "IL": ["Ltd."], "AU": ["Pty Ltd"], "BR": ["Ltda."], "MX": ["S.A. de C.V."],
    "TR": ["A.S.", "Ltd. Sti."], "VN": ["JSC", "Co., Ltd."], "TH": ["Co., Ltd."], "RU": ["OOO", "AO"],
}  # fmt: skip

NAME_WORDS = [
    "Northwind", "Blue Harbor", "Atlas", "Pinecrest", "Helios", "Silver Ridge", "Meridian", "Lumen", "Cobalt",
    "Aurora", "Granite", "Redwood", "Evergreen", "Summit", "Polaris", "Vantage", "Keystone", "Harbor Point",
    "Riverbend", "Oakfield", "Crescent", "Nimbus", "Stratus", "Orchid", "Jade River", "Golden Gate", "Everest",
    "Sakura", "Hanbit", "Baltic", "Alpine", "Sahara", "Tasman", "Andes", "Nordic", "Coral Bay", "Starling",
]  # fmt: skip
NAME_SECTORS = [
    "Data Systems", "Cloud Services", "Computing", "Research Institute", "Logistics", "Electronics", "AI Labs",
    "Networks", "Digital", "Trading", "Semiconductor Distribution", "Hosting", "Analytics", "Robotics",
    "Media", "Gaming", "University", "Hospital Group", "Bank", "Telecom",
]  # fmt: skip

# End uses: free text plus the 744.23 flags (supercomputer, advanced-node IC production, military).
END_USES: list[tuple[str, bool, bool, bool, float]] = [
    ("AI training cluster", False, False, False, 0.30),
    ("cloud inference service", False, False, False, 0.25),
    ("university research", False, False, False, 0.10),
    ("gaming and graphics workstations", False, False, False, 0.12),
    ("video analytics", False, False, False, 0.08),
    ("", False, False, False, 0.12),
    ("national supercomputer centre", True, False, False, 0.015),
    ("semiconductor fab process control", False, True, False, 0.01),
    ("defence research laboratory", False, False, True, 0.005),
]
QUANTITIES = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
QUANTITY_WEIGHTS = np.array([0.2, 0.15, 0.15, 0.15, 0.1, 0.08, 0.07, 0.04, 0.03, 0.02, 0.01])

COLUMNS = [
    "order_id",
    "item",
    "quantity",
    "destination",
    "ship_date",
    "end_user_name",
    "end_user_country",
    "end_user_headquarters_country",
    "end_use",
    "supercomputer",
    "advanced_node_ic_production",
    "military",
]


@dataclass(frozen=True)
class Customer:
    name: str
    country: str
    headquarters_country: str
    kind: str  # listed | variant | ordinary


def _weights(n: int, skew: float) -> np.ndarray:
    """Zipf-like shares for n ranked things (a few big customers and popular items, a long tail)."""
    w = 1.0 / np.arange(1, n + 1) ** skew
    return np.asarray(w / w.sum())


def _variant(name: str, rng: np.random.Generator) -> str:
    """A spelling a clerk might type for a listed name: typo, case, no legal form, reordered words."""
    words = name.replace(",", "").split()
    choice = int(rng.integers(0, 4))
    if choice == 0:
        long_words = [i for i, w in enumerate(words) if len(w) > 4]
        if long_words:
            i = long_words[int(rng.integers(0, len(long_words)))]
            w = words[i]
            j = int(rng.integers(1, len(w) - 2))
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words)
    if choice == 1:
        return name.upper()
    if choice == 2:
        forms = {"co", "co.", "ltd", "ltd.", "limited", "inc", "inc.", "llc", "gmbh", "corporation", "company"}
        kept = [w for w in words if w.casefold() not in forms]
        return " ".join(kept or words)
    return " ".join(words[1:] + words[:1]) if len(words) > 1 else name.lower()


def _listed_pool() -> list[tuple[str, str]]:
    from chipclear.screening import load_embedded

    pool = []
    for entry in load_embedded().entries:
        if entry.source in ("EL", "MEU", "UVL") and entry.countries and entry.countries[0] in DESTINATIONS:
            pool.append((entry.name, entry.countries[0]))
    return pool


def make_customers(count: int, rng: np.random.Generator, listed_share: float = 0.015) -> list[Customer]:
    dests = list(DESTINATIONS)
    probs = np.array([DESTINATIONS[d] for d in dests])
    probs = probs / probs.sum()
    pool = _listed_pool()
    kinds = rng.choice(3, size=count, p=[listed_share, listed_share, 1 - 2 * listed_share])
    countries = rng.choice(dests, size=count, p=probs)
    if count >= 3:  # every book has at least one listed name and one variant, away from the biggest customers
        kinds[count // 3], kinds[count // 2] = 0, 1
    out: list[Customer] = []
    for i in range(count):
        country = str(countries[i])
        if kinds[i] < 2 and pool:
            listed_name, listed_country = pool[int(rng.integers(0, len(pool)))]
            name = listed_name if kinds[i] == 0 else _variant(listed_name, rng)
            out.append(Customer(name, listed_country, listed_country, "listed" if kinds[i] == 0 else "variant"))
            continue
        word = NAME_WORDS[int(rng.integers(0, len(NAME_WORDS)))]
        sector = NAME_SECTORS[int(rng.integers(0, len(NAME_SECTORS)))]
        forms = LEGAL_FORMS.get(country, ["Ltd."])
        name = f"{word} {sector} {forms[int(rng.integers(0, len(forms)))]}"
        if i >= 500:  # beyond a few hundred customers, names need a distinguishing word, as real ones have
            name = f"{word} {NAME_WORDS[int(rng.integers(0, len(NAME_WORDS)))]} {sector} {i % 97} {forms[0]}"
        roll = float(rng.random())
        hq = country if roll < 0.85 else ("CN" if roll < 0.91 else ("US" if roll < 0.97 else "HK"))
        out.append(Customer(name, country, hq, "ordinary"))
    return out


def generate_orders(
    rows: int,
    *,
    seed: int = 7,
    start: dt.date = dt.date(2025, 7, 1),
    end: dt.date = dt.date(2026, 12, 31),
    customers: int | None = None,
    bad_share: float = 0.0,
) -> pl.DataFrame:
    """``rows`` order lines with the batch input columns; ``bad_share`` of them deliberately malformed."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    n_customers = customers or int(min(max(rows // 25, 20), 40_000))
    people = make_customers(n_customers, rng)
    cat = load_catalog()
    items = [it.id for it in cat.items()]
    rng.shuffle(items)
    item_names = {it.id: it.name for it in cat.items()}

    cust_idx = rng.choice(n_customers, size=rows, p=_weights(n_customers, 0.9))
    cust_country = np.array([c.country for c in people])[cust_idx]
    cust_hq = np.array([c.headquarters_country for c in people])[cust_idx]
    cust_name = np.array([c.name for c in people], dtype=object)[cust_idx]
    dests = list(DESTINATIONS)
    dprobs = np.array([DESTINATIONS[d] for d in dests])
    reexport = rng.random(rows) < 0.08  # shipped to a hub other than the end user's country
    destination = np.where(reexport, rng.choice(dests, size=rows, p=dprobs / dprobs.sum()), cust_country)
    item_pos = rng.choice(len(items), size=rows, p=_weights(len(items), 0.8))
    item_ids = np.array(items, dtype=object)[item_pos]
    by_name = rng.random(rows) < 0.3  # clerks type names as often as catalog ids
    item_col = np.where(by_name, np.array([item_names[i] for i in items], dtype=object)[item_pos], item_ids)
    quantity = rng.choice(QUANTITIES, size=rows, p=QUANTITY_WEIGHTS / QUANTITY_WEIGHTS.sum())
    span = (end - start).days + 1
    day_offsets = rng.integers(0, span, size=rows)
    eu_probs = np.array([e[4] for e in END_USES])
    eu_idx = rng.choice(len(END_USES), size=rows, p=eu_probs / eu_probs.sum())
    df = pl.DataFrame(
        {
            "order_id": [f"SO-{i // 3 + 1:07d}" for i in range(rows)],
            "item": item_col.tolist(),
            "quantity": quantity.astype(np.int64),
            "destination": destination.tolist(),
            "ship_date": pl.Series(day_offsets + (start - dt.date(1970, 1, 1)).days, dtype=pl.Int32).cast(pl.Date),
            "end_user_name": cust_name.tolist(),
            "end_user_country": cust_country.tolist(),
            "end_user_headquarters_country": cust_hq.tolist(),
            "end_use": [END_USES[i][0] for i in eu_idx],
            "supercomputer": [END_USES[i][1] for i in eu_idx],
            "advanced_node_ic_production": [END_USES[i][2] for i in eu_idx],
            "military": [END_USES[i][3] for i in eu_idx],
        }
    )
    if bad_share > 0:
        df = _spoil(df, bad_share, rng)
    return df.select(COLUMNS)


def _spoil(df: pl.DataFrame, share: float, rng: np.random.Generator) -> pl.DataFrame:
    """Make ``share`` of the lines malformed in the ways real order books are (for the bad-rows file)."""
    n = df.height
    picks = rng.random(n) < share
    kind = rng.integers(0, 4, size=n)
    text = df.with_columns(pl.col("quantity").cast(pl.String), pl.col("ship_date").cast(pl.String))
    mask = pl.Series(picks)
    k = pl.Series(kind)
    return text.with_columns(
        pl.when(mask & (k == 0)).then(pl.lit("H1OO-typo")).otherwise(pl.col("item")).alias("item"),
        pl.when(mask & (k == 1)).then(pl.lit("XX")).otherwise(pl.col("destination")).alias("destination"),
        pl.when(mask & (k == 2)).then(pl.lit("31/02/2026")).otherwise(pl.col("ship_date")).alias("ship_date"),
        pl.when(mask & (k == 3)).then(pl.lit("-5")).otherwise(pl.col("quantity")).alias("quantity"),
    )


def write_orders(df: pl.DataFrame, path: str) -> None:
    """CSV or Parquet by extension."""
    if str(path).endswith(".parquet"):
        df.write_parquet(path)
    else:
        df.write_csv(path)


__all__ = ["COLUMNS", "DESTINATIONS", "Customer", "generate_orders", "make_customers", "write_orders"]

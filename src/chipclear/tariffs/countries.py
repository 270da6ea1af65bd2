"""Country of origin: ISO 3166-1 alpha-2 codes, resolved by the geography data like every other country input."""

from __future__ import annotations

import pycountry

from chipclear.geography import load_geography


def normalize_country(code: str, *, field: str = "origin") -> str:
    """The ISO code for a code or a country name ("China" -> CN); a region code gives its country."""
    geo = load_geography()
    return geo.country_of(geo.normalize(code, field=field))


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "name", code)) if country is not None else code

"""Country of origin: ISO 3166-1 alpha-2 codes (validated with pycountry)."""

from __future__ import annotations

import pycountry

from chipclear.errors import InputError


def normalise_country(code: str, *, field: str = "origin") -> str:
    value = code.strip().upper()
    if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise InputError(f"{field}: {code!r} is not an ISO 3166-1 alpha-2 country code (e.g. CN, TW, MX)", field=field)
    return value


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "name", code)) if country is not None else code

"""Rendering helpers for the console: templates, the signed-in actor, and text for verdicts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException

import chipclear
from chipclear.api.deps import COOKIE_NAME, LedgerHolder, Tx
from chipclear.errors import ChipclearError
from chipclear.ledger.sessions import signed_in_user
from chipclear.ledger.users import SystemActor
from chipclear.models.classify import figure
from chipclear.palette import status_colour, verdict_colour
from chipclear.tariffs.result import line_rate_text, rate_text
from chipclear.web.wording import trace_sentence

NAV = [
    ("/check", "Check a shipment"),
    ("/items", "Catalog"),
    ("/chip-map", "Chip map"),
    ("/models", "AI models"),
    ("/screening", "Screening"),
    ("/licenses", "Licenses"),
    ("/holds", "Holds"),
    ("/audit", "Audit"),
]

VERDICT_LABELS = {
    "NLR": "No license required",
    "LICENSE_EXCEPTION": "License exception",
    "LICENSED": "Licensed",
    "LICENSE_REQUIRED": "License required",
    "PROHIBITED": "Prohibited",
    "HOLD": "Hold",
}

# Reasons that explain the item's numbers rather than the verdict: shown in the list, not as the headline.
_BACKGROUND_RULES = ("metrics#", "catalog#", "classify#", "geography#", "destination#")


class LoginRequired(HTTPException):
    def __init__(self, next_url: str) -> None:
        super().__init__(status_code=303, headers={"Location": f"/login?next={quote(next_url, safe='/')}"})


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    directory = resources.files("chipclear.web") / "templates"
    tpl = Jinja2Templates(directory=str(directory))
    env = tpl.env
    env.globals.update(
        verdict_labels=VERDICT_LABELS,
        verdict_summary=verdict_summary,
        key_reason=key_reason,
        country_name=country_name,
        screening_hits=screening_hits,
        explain=explain,
        duty_sources=duty_sources,
        rate_text=rate_text,
        line_rate_text=line_rate_text,
        version=getattr(chipclear, "__version__", ""),
        nav=NAV,
        admin_nav=("/users", "Users"),
    )
    env.filters["utc"] = utc
    env.filters["footnotes"] = footnotes
    env.filters["sentence"] = trace_sentence
    env.filters["figure"] = figure  # a model's training operations, every significant digit (never rounded)
    env.globals["verdict_colour"] = verdict_colour
    env.globals["status_colour"] = status_colour
    return tpl


def utc(value: Any) -> str:
    """A recorded time as people read it, to the minute: ``2026-12-05 02:45 UTC`` (the ledger stores UTC)."""
    if value in (None, ""):
        return ""
    when = value
    if not isinstance(when, dt.datetime):
        try:
            when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


# A footnote mark the Federal Register text carries glued to a word ("744.11 of the EAR2", "734.9(e)1 and").
_FOOTNOTE = re.compile(r"(\bEAR|\))(\d{1,2})(?=[\s,;.]|$)")


def footnotes(text: Any) -> Markup:
    """List text with its footnote marks set apart as superscripts, so "of the EAR2" reads "of the EAR²"."""
    if text in (None, ""):
        return Markup("")
    return Markup(_FOOTNOTE.sub(r'\1<sup class="fn">\2</sup>', str(escape(text))))


_URL = re.compile(r"https?://[^\s;,)]+")


def duty_sources(t: dict[str, Any]) -> list[dict[str, str]]:
    """The tariff sources a duty result cites ([S1, S18] ...), with their titles and first link, in citation order."""
    ids: list[str] = []
    for entry in [*(t.get("lines") or []), *(t.get("stacking") or [])]:
        ids += [str(i) for i in entry.get("sources") or []]
        ids += re.findall(r"\bS\d+\b", str(entry.get("citation") or "").rpartition("[")[2])
    try:
        from chipclear.tariffs.data import bundled_data

        known = bundled_data().sources
    except (ChipclearError, ImportError):
        known = {}
    out = []
    for sid in dict.fromkeys(ids):
        text = known.get(sid, "not in the bundled source list")
        url = _URL.search(text)
        out.append({"id": sid, "text": text, "url": url.group(0) if url else ""})
    return out


def explain(value: Any) -> str:
    """One readable line for a value of a screening explanation (token matches, weights, flags)."""
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {explain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        parts = []
        for v in value:
            if isinstance(v, dict) and "query" in v and "listed" in v:
                how = v.get("how", "")
                sim = v.get("similarity")
                extra = f" {sim:.2f}" if isinstance(sim, float) and sim < 1 else ""
                parts.append(f"{v['query']} → {v['listed']} ({how}{extra})")
            else:
                parts.append(explain(v))
        return ", ".join(parts) if parts else "—"
    if isinstance(value, float):
        return f"{value:.3g}"
    return "—" if value in (None, "") else str(value)


def country_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        from chipclear.geography import load_geography

        return load_geography().name(str(code).upper())
    except ChipclearError:
        return str(code)


def verdict_summary(d: dict[str, Any]) -> str:
    """One plain sentence a compliance officer can act on."""
    inp = d.get("input") or {}
    cls = d.get("classification") or {}
    item = (cls.get("item") or {}).get("name") or inp.get("item", "the item")
    dest = f"{country_name(inp.get('destination'))} ({inp.get('destination')})"
    when = d.get("as_of")
    verdict = d.get("verdict")
    policy = (d.get("review_policy") or "").replace("_", " ")
    if verdict == "NLR":
        return f"No license is required to export {item} to {dest} on {when}."
    if verdict == "LICENSE_EXCEPTION":
        codes = ", ".join(e.get("code", "") for e in d.get("license_exceptions") or [])
        return f"{item} may go to {dest} on {when} under license exception {codes}, if its conditions are met."
    if verdict == "LICENSED":
        number = (d.get("license") or {}).get("number", "")
        return f"A license on file ({number}) covers {item} to {dest} on {when}."
    if verdict == "LICENSE_REQUIRED":
        tail = f" BIS reviews applications under a {policy}." if policy else ""
        return f"A license is required to export {item} to {dest} on {when}, and none on file covers it.{tail}"
    if verdict == "PROHIBITED":
        return f"{item} may not be exported to {dest} on {when}: there is no license path."
    return f"chipclear cannot decide {item} to {dest} on {when} yet: see what is missing below."


def key_reason(d: dict[str, Any]) -> dict[str, Any] | None:
    """The reason the verdict turns on: the last reason that is not about the item's numbers."""
    reasons = [r for r in d.get("reasons") or [] if not str(r.get("rule", "")).startswith(_BACKGROUND_RULES)]
    if not reasons:
        return None
    if d.get("verdict") in ("LICENSE_REQUIRED", "PROHIBITED", "HOLD"):
        words = ("license", "licence", "prohibit", "embargo", "hold", "entity", "informed", "requires")
        decisive = [r for r in reasons if any(w in str(r.get("detail", "")).lower() for w in words)]
        if decisive:
            return decisive[0]
    return reasons[-1]


def screening_hits(s: dict[str, Any]) -> list[dict[str, Any]]:
    """Hits from one screening entry of a decision (a ScreeningResult JSON or a single hit)."""
    party = s.get("party") or (s.get("query") or {}).get("name") or ""
    if "hits" in s:
        return [{**h, "party": party} for h in s.get("hits") or []]
    if "entry_id" in s or "name" in s or "entry" in s:  # one hit as a decision records it
        result = s.get("determination") or ""
        if s.get("suppressed_by"):
            by = s["suppressed_by"]
            result = f"not a match (review {by.get('review_id')} by {by.get('reviewer')}, {utc(by.get('decided_at'))})"
        return [{**s, "party": party, "name": s.get("name") or s.get("entry") or "", "determination": result}]
    return []


def _key(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME)


@contextmanager
def console_tx(request: Request) -> Iterator[Tx]:
    """A transaction as the signed-in user; redirects to the sign-in page without a valid session cookie."""
    key = _key(request)
    if not key:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    holder: LedgerHolder = request.app.state.ledger
    with holder.transaction() as session:
        try:
            user = signed_in_user(session, key)
        except ChipclearError:
            raise LoginRequired(request.url.path) from None
        yield Tx(session, SystemActor(user.name, user.role))


def _stale_lists() -> tuple[str | None, str]:
    """Why the restricted-party lists are stale (None when current), and the deployment's ship policy."""
    from chipclear.screening import default_screener
    from chipclear.settings import get_settings

    try:
        stale, reason = default_screener().staleness()
    except ChipclearError:
        return "the lists cannot be loaded", get_settings().stale_lists_on_ship
    return (reason or "older than the configured age") if stale else None, get_settings().stale_lists_on_ship


def page(request: Request, template: str, tx: Tx | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("title", "chipclear")
    context["actor"] = tx.actor if tx else None
    context.setdefault("active", request.url.path)
    context["stale_lists"], context["stale_policy"] = _stale_lists()
    return templates().TemplateResponse(request, template, context, status_code=status_code)


def message(
    request: Request, tx: Tx | None, title: str, text: str, *, status_code: int = 400, back: str = "/"
) -> HTMLResponse:
    return page(request, "message.html", tx, status_code=status_code, title=title, message=text, back=back)


__all__ = [
    "NAV",
    "VERDICT_LABELS",
    "LoginRequired",
    "console_tx",
    "country_name",
    "footnotes",
    "key_reason",
    "message",
    "page",
    "templates",
    "utc",
    "verdict_summary",
]

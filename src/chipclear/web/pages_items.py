"""Catalog, item and chip-map pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chipclear import metrics
from chipclear.bounds import iso_date
from chipclear.catalog import Part, System, load_catalog
from chipclear.classification import classify
from chipclear.errors import ChipclearError, InputError
from chipclear.palette import region_colours
from chipclear.regions import Region
from chipclear.regions import regions as region_rects
from chipclear.rules import load_rules
from chipclear.web import timeline
from chipclear.web.charts import MapPoint, chip_map, verdict_timeline
from chipclear.web.render import console_tx, message, page

router = APIRouter(include_in_schema=False)


def _date(value: str | None, field: str) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return iso_date(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from None


@router.get("/items", response_class=HTMLResponse)
def items(request: Request, as_of: str | None = None) -> HTMLResponse:
    with console_tx(request) as tx:
        pass
    try:
        when = _date(as_of, "as_of")
    except ChipclearError as exc:
        return message(request, tx, "Catalog", exc.message, back="/items")
    cat = load_catalog()
    rows = [(i, classify(i, when, catalog=cat)) for i in cat.items()]
    return page(request, "items.html", tx, title="Catalog", rows=rows, as_of=when)


def _specs(item: Part | System) -> list[tuple[str, Any]]:
    if isinstance(item, System):
        return [
            ("Vendor", item.vendor),
            ("Form factor", item.form_factor or "—"),
            ("Datacenter", _yes_no(item.datacenter)),
            ("Components", ", ".join(f"{c.count} × {c.part}" for c in item.components)),
            ("Data confidence", item.confidence),
        ]
    return [
        ("Vendor", item.vendor),
        ("Form factor", item.form_factor or "—"),
        ("Launch", item.launch or "—"),
        ("Designed for datacenters", _yes_no(item.datacenter)),
        ("Die area (mm²)", _die_area(item)),
        ("Logic dies", item.logic_dies or "—"),
        ("Memory (GB)", _num(item.memory_gb)),
        ("Memory bandwidth (TB/s)", _num(item.memory_bandwidth_tbs, 2)),
        ("Interconnect (GB/s)", _num(item.interconnect_gbs)),
        ("TDP (W)", _num(item.tdp_w)),
        ("Data confidence", item.confidence),
    ]


def _die_area(part: Part) -> str:
    """The die area with what qualifies it: a lower bound, the other readings the reference gives, low confidence."""
    text = _num(part.die_area_mm2) + (" (lower bound)" if part.die_area_is_lower_bound else "")
    text += "".join(f" or {_num(a)}" for a in part.die_area_alternatives_mm2)
    return text + (" [LOW CONFIDENCE]" if part.die_area_confidence == "L" else "")


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: str, as_of: str | None = None) -> HTMLResponse:
    with console_tx(request) as tx:
        pass
    try:
        when = _date(as_of, "as_of")
        item = load_catalog().get(item_id)
    except ChipclearError as exc:
        return message(request, tx, "Item not found", exc.message, status_code=exc.http_status, back="/items")
    result = classify(item, when)
    today = dt.date.today()
    verdicts = timeline.verdict_rows(item.id, today)
    rows, changes, current = verdicts if verdicts else ([], [], [])
    chart_rows = [timeline.classification_row(item.id, today), *rows]
    chart = verdict_timeline(chart_rows, timeline.START, today)
    precision = metrics.precision_table(item) if isinstance(item, Part) else []
    return page(
        request,
        "item.html",
        tx,
        title=item.name,
        active="/items",
        item=item,
        c=result,
        specs=_specs(item),
        precision=precision,
        chart=chart,
        has_verdicts=verdicts is not None,
        current=current,
        changes=changes,
        as_of=when,
    )


def map_regions(as_of: dt.date) -> tuple[list[Region], list[tuple[str, str, str]]]:
    """The control regions in force (chipclear.regions), and (paragraph, text, citation) for the legend."""
    rules = load_rules()
    regions = region_rects(rules, as_of)
    drawn = {r.paragraph for r in regions}
    merged = rules.classification_at(as_of)
    legend = [
        (pid, para.text, para.citation or action.citation)
        for pid, (para, action) in sorted(merged.paragraphs.items())
        if pid in drawn
    ]
    return regions, legend


@router.get("/chip-map", response_class=HTMLResponse)
def chip_map_page(request: Request, as_of: str | None = None) -> HTMLResponse:
    with console_tx(request) as tx:
        pass
    try:
        when = _date(as_of, "as_of")
    except ChipclearError as exc:
        return message(request, tx, "Chip map", exc.message, back="/chip-map")
    cat = load_catalog()
    points = []
    for item in cat.items():
        if not isinstance(item, Part) or item.kind != "accelerator":
            continue
        c = classify(item, when, catalog=cat)
        if c.tpp is None or c.performance_density is None:
            continue
        points.append(
            MapPoint(
                item.id,
                item.name,
                c.tpp,
                c.performance_density,
                c.status,
                c.eccn,
                label=item.chart_label is not None,
                short=item.chart_label or "",
            )
        )
    regions, legend = map_regions(when)
    exclusions = [
        (eid, excl.text, excl.citation or action.citation)
        for eid, (excl, action) in sorted(load_rules().classification_at(when).exclusions.items())
    ]
    return page(
        request,
        "chipmap.html",
        tx,
        title="Chip map",
        chart=chip_map(points, regions, as_of=when),
        points=sorted(points, key=lambda p: -p.tpp),
        legend=legend,
        region_colours=region_colours(r.paragraph for r in regions),
        exclusions=exclusions,
        as_of=when,
        dates=[
            *(
                (a.effective.isoformat(), f"{a.effective} · {a.citation.split(' (')[0]}")
                for a in load_rules().actions
                if a.classification is not None
            ),
            (dt.date.today().isoformat(), "Today"),
        ],
    )

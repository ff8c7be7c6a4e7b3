"""The management dashboard (管理端), staff only: the seed's measures against their
targets, trends as charts, filters by period, service, provider and team, the
low-rating follow-ups and call-backs with their state, and the CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from actions.oversight import (
    EXPORT_FIELDS,
    callbacks,
    close_follow_up,
    export_rows,
    follow_ups,
    teams,
)
from actions.providers import list_providers
from actions.stats import (
    TARGETS,
    Filters,
    format_target,
    format_value,
    quality_report,
    quality_trend,
)
from bot.web import charts
from bot.web.auth import back_to, ctx_of, db, lang_of, render, staff_only, translator

routes = web.RouteTableDef()
PERIODS = (7, 30, 90, 365)


@dataclass(frozen=True)
class Query:
    days: int
    filters: Filters

    def params(self) -> str:
        parts = [f"days={self.days}"] + [f"{k}={v}" for k, v in self.filters.as_dict().items()]
        return "&".join(parts)


async def _query(request: web.Request) -> tuple[Query, list[Any], list[Any]]:
    """The filters asked for; values that name nothing are ignored."""
    ctx = ctx_of(request)
    providers = await list_providers(db(request))
    team_list = await teams(db(request))
    q = request.query
    try:
        days = int(q.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    service = q.get("service") if q.get("service") in ctx.catalog else None
    provider = q.get("provider") if q.get("provider") in {p.code for p in providers} else None
    team = q.get("team") if q.get("team") in {t.code for t in team_list} else None
    return Query(days, Filters(service=service, provider=provider, team=team)), providers, team_list


def _period(request: web.Request, days: int) -> tuple[datetime, datetime]:
    ctx = ctx_of(request)
    now = ctx.clock()
    return now - timedelta(days=days), now


@routes.get("/dashboard")
@staff_only
async def dashboard(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    t = translator(request)
    lang = lang_of(request)
    query, providers, team_list = await _query(request)
    since, until = _period(request, query.days)
    session = db(request)
    report = await quality_report(session, since=since, until=until, filters=query.filters)
    trend = await quality_trend(session, since=since, until=until, tz=ctx.tz, filters=query.filters)
    provider_names = {p.code: (p.name_zh if lang == "zh" else p.name_en) for p in providers}
    service_names = {s.code: s.name(lang) for s in ctx.catalog}
    targets = {target.key: target for target in TARGETS}
    indicators = [
        {
            **ind,
            "shown": format_value(ind["key"], ind["value"]),
            "target_shown": format_target(targets[ind["key"]]),
            "no_basis": ind["value"] is None and query.filters.provider is not None and ind["key"] in ("identification", "matching"),
        }
        for ind in report.indicators
    ]
    context = {
        "query": query,
        "periods": PERIODS,
        "services": list(ctx.catalog),
        "providers": providers,
        "teams": team_list,
        "report": report,
        "indicators": indicators,
        "provider_names": provider_names,
        "service_names": service_names,
        "rates_chart": charts.rates_chart(trend, t),
        "volume_chart": charts.volume_chart(trend, t),
        "response_chart": charts.response_chart(trend, t),
        "provider_chart": charts.satisfaction_by_chart(report.by_provider, provider_names, t, "web-chart-by-provider"),
        "follow_ups": await follow_ups(session),
        "callbacks": await callbacks(session, since=since),
        "fmt_when": _when(request),
        "weekly": query.days > 31,
    }
    return render(request, "dashboard.html", context)


def _when(request: web.Request) -> Any:
    from bot.format import format_when

    ctx = ctx_of(request)
    lang = lang_of(request)
    return lambda moment: format_when(ctx.i18n, lang, moment, ctx.tz)


@routes.get("/export.csv")
@staff_only
async def export_csv(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    query, _, _ = await _query(request)
    since, until = _period(request, query.days)
    rows = await export_rows(db(request), since=since, until=until, filters=query.filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        values = []
        for name in EXPORT_FIELDS:
            value = getattr(row, name)
            if isinstance(value, datetime):
                value = value.astimezone(ctx.tz).isoformat(timespec="minutes")
            values.append("" if value is None else value)
        writer.writerow(values)
    stamp = until.astimezone(ctx.tz).strftime("%Y%m%d")
    return web.Response(
        # A byte-order mark, so that spreadsheet programs read the file as UTF-8.
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="jiayi-bookings-{stamp}-{query.days}d.csv"'},
    )


@routes.post("/follow-ups/{follow_up_id:\\d+}/close")
@staff_only
async def close(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    form = await request.post()
    closed = await close_follow_up(
        db(request), follow_up_id=int(request.match_info["follow_up_id"]), clock=ctx.clock, notes=str(form.get("notes", ""))
    )
    raise back_to("/dashboard", "web-notice-follow-up-closed" if closed else "web-notice-already-done")

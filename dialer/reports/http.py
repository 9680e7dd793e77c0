"""The reports over HTTP: JSON under /api/accounts/{id}/reports/..., the same as CSV with
`?format=csv`, and the console's pages (/reports/agents, /reports/campaigns,
/reports/dispositions) with their charts.

Who may: manage_campaigns within the account (dialer.web.access RULES); a caller sees the
account's agents and only the campaigns of their profile; `?campaign_id=` and
`?agent_id=` are checked like ids in a URL (another account's: 403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..db.validation import FieldError, iso_date
from ..web import access, console
from ..web.common import DIALER, now, path_id, query_id
from . import charts, store, tables

routes = web.RouteTableDef()
KINDS = ("agents", "campaigns", "dispositions")
_READS: dict[str, Callable[..., Any]] = {"agents": store.agent_report,
                                         "campaigns": store.campaign_report,
                                         "dispositions": store.disposition_report}


def _date(request: web.Request, name: str) -> dt.date | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if not (len(raw) == 10 and raw.isascii()):
        raise FieldError(name, f"{raw!r} is not a date as YYYY-MM-DD")
    return iso_date(name, raw)


def _by(request: web.Request) -> str:
    by = request.query.get("by", "hour")
    if by not in tables.BY:
        raise FieldError("by", "hour or day")
    return by


async def _scope(request: web.Request, account_id: int) -> store.Scope:
    """The period and filters of the query, checked against what the caller may see."""
    who = access.identity(request)
    campaign_id = query_id(request, "campaign_id", blank_is_none=True)
    agent_id = query_id(request, "agent_id", blank_is_none=True)
    await access.check_fields(request, who, {"campaign_id": campaign_id, "agent_id": agent_id})
    return store.Scope(account_id, who.campaigns, _date(request, "from"),
                       _date(request, "until"), campaign_id, agent_id)


def _csv(text: str, name: str) -> web.Response:
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _answer(request: web.Request, kind: str, report: Any) -> web.Response:
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise FieldError("format", "json or csv")
    name = (f"{kind}-{report.account_id}-{report.period.first.isoformat()}"
            f"-{report.period.last.isoformat()}")
    if kind == "dispositions":
        if fmt == "csv":
            return _csv(tables.dispositions_csv(report, request.query.get("by") == "agent"),
                        name)
        return web.json_response(tables.dispositions_json(report))
    by = _by(request)
    if fmt == "csv":
        text = (tables.agents_csv if kind == "agents" else tables.campaigns_csv)(report, by)
        return _csv(text, f"{name}-by-{by}")
    return web.json_response((tables.agents_json if kind == "agents"
                              else tables.campaigns_json)(report, by))


@routes.get("/api/accounts/{id}/reports/{kind:agents|campaigns|dispositions}", name="report")
async def report(request: web.Request) -> web.Response:
    """A report over the local days `?from=` to `?until=` (YYYY-MM-DD in the account's
    zone, both included, default today, at most 31 days): agents (calls, talk, wrap-up,
    pauses by reason, occupancy), campaigns (dials, answers, humans, abandons,
    abandonment, connects per agent hour) per `?by=` hour or day, or dispositions per
    campaign and agent (CSV: `?by=agent`); `?campaign_id=`, `?agent_id=` narrow it;
    `?format=csv` for CSV."""
    kind, account_id = request.match_info["kind"], path_id(request)
    scope = await _scope(request, account_id)
    found = await request.app[DIALER].store.read(_READS[kind], scope, now(request))
    return _answer(request, kind, found)


def _chart(kind: str, found: Any) -> list[str]:
    if kind == "agents":
        return [charts.agents_svg(found)]
    if kind == "campaigns":
        return [charts.campaign_svg(c) for c in found.campaigns]
    return [charts.dispositions_svg(found)]


@routes.get("/reports/{kind:agents|campaigns|dispositions}")
async def report_page(request: web.Request) -> web.Response:
    """The console's report: the period's form, the charts, the tables, the CSV link."""
    who, refused = console._page_identity(request, "manage_campaigns")
    if refused:
        return refused
    kind = request.match_info["kind"]
    scope = await _scope(request, who.account_id)
    found = await request.app[DIALER].store.read(_READS[kind], scope, now(request))
    query = {k: v for k, v in (("from", found.period.first.isoformat()),
                               ("until", found.period.last.isoformat()),
                               ("campaign_id", scope.campaign_id),
                               ("agent_id", scope.agent_id)) if v is not None}
    csv_url = request.app.router["report"].url_for(id=str(who.account_id), kind=kind
                                                  ).with_query({**query, "format": "csv"})
    return console._render(request, f"reports_{kind}.html", kind=kind, report=found,
                           charts=_chart(kind, found), csv_url=str(csv_url),
                           days=found.period.days, no_reason=tables.NO_REASON)

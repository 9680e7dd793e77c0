"""REST routes of the do-not-call lists (registered by dialer.web.app.create_app).

Who may: dialer.web.access RULES (manage_campaigns, objects of the caller's account; a
system list only with manage_system, which the ownership check gives: it has no account).
An upload is spooled to a temporary file as it arrives, then imported in the background,
one Store transaction per batch; its progress is the list's (GET /api/dnc-lists/{id}).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import tempfile
from typing import Any

from aiohttp import web

from ..db.validation import FieldError, ForbiddenError, iso_date
from ..web import access, console
from ..web.common import DIALER, json_body, now, page, parse_id, path_id
from . import importer, jurisdictions, lists, report, report_store, store
from .chart import abandonment_svg

routes = web.RouteTableDef()
log = logging.getLogger("dialer.compliance")
_running: set[asyncio.Task] = set()  # background imports (a reference keeps each alive)
_CHUNK = 1 << 20


def _json(record: Any, status: int = 200) -> web.Response:
    is_record = dataclasses.is_dataclass(record) and not isinstance(record, type)
    body = dataclasses.asdict(record) if is_record else record
    return web.json_response(body, status=status)


async def _run(request: web.Request, fn, /, *args, **kwargs):
    return await request.app[DIALER].store.run(fn, *args, **kwargs)


@routes.get("/dnc")
async def dnc_page(request: web.Request) -> web.Response:
    """The console's page: the lists, a new list, an upload with its progress."""
    _, refused = console._page_identity(request, "manage_campaigns")
    return refused or console._render(request, "dnc.html")


@routes.get("/api/dnc-lists")
async def list_dnc_lists(request: web.Request) -> web.Response:
    """The do-not-call lists of the caller's account (a system user: all of them), less
    those of campaigns outside the caller's profile."""
    who = access.identity(request)
    rows = await _run(request, lists.visible_lists, who.account_id,
                      "manage_system" in who.privileges)
    return page(request, [dataclasses.asdict(r) for r in rows
                          if r.campaign_id is None or who.sees_campaign(r.campaign_id)])


@routes.post("/api/dnc-lists")
async def create_dnc_list(request: web.Request) -> web.Response:
    """A new empty list: name, scope (system|account|campaign), format (us|uk|e164|csv),
    source, as_of, default_region, registry (goes stale; default: us and uk); account_id
    (default: the caller's) or campaign_id."""
    who = access.identity(request)
    body = await json_body(request, ("name", "scope", "format", "source", "account_id",
                                     "campaign_id", "as_of", "default_region", "registry"))
    scope = body.get("scope")
    if scope == "system" and "manage_system" not in who.privileges:
        raise ForbiddenError("scope", "system lists need the manage_system privilege")
    if scope == "account":
        body.setdefault("account_id", who.account_id)
        if body["account_id"] != who.account_id and "manage_system" not in who.privileges:
            raise ForbiddenError("account_id", "this belongs to another account")
    if scope == "campaign":
        await access.check_fields(request, who, {"campaign_id": body.get("campaign_id")})
    return _json(await _run(request, lists.create_list, **body), 201)


@routes.get("/api/dnc-lists/{id}")
async def get_dnc_list(request: web.Request) -> web.Response:
    """One list with its import's progress: status, lines_read, count, bad_lines, errors."""
    return _json(await _run(request, lists.get_list, path_id(request)))


@routes.delete("/api/dnc-lists/{id}")
async def delete_dnc_list(request: web.Request) -> web.Response:
    return _json(await _run(request, lists.delete_list, path_id(request)))


async def _spool(request: web.Request) -> str:
    """The request body in a temporary file, read a chunk at a time."""
    fd, path = tempfile.mkstemp(prefix="dnc-", suffix=".txt")
    with os.fdopen(fd, "wb") as out:
        async for chunk in request.content.iter_chunked(_CHUNK):
            out.write(chunk)
    return path


async def _import(store, list_id: int, path: str, *, column: str | None) -> None:
    """The spooled file into the list: parsing in a thread, each batch one transaction."""
    try:
        fmt, region = await store.run(importer.list_format, list_id)
        with open(path, encoding="utf-8", errors="replace", newline="") as lines:
            batches = importer.batches(lines, fmt, region, column)
            while (batch := await asyncio.to_thread(next, batches, None)) is not None:
                await store.run(importer.write_batch, list_id, batch)
        await store.run(importer.finish_import, list_id)
    except Exception:  # noqa: BLE001 - the list says so; the server goes on
        log.exception("import into do-not-call list %s failed", list_id)
        with contextlib.suppress(Exception):
            await store.run(importer.finish_import, list_id, True)
    finally:
        os.unlink(path)


@routes.route("PUT", "/api/dnc-lists/{id}/numbers")
@routes.post("/api/dnc-lists/{id}/numbers")
async def upload_dnc_numbers(request: web.Request) -> web.Response:
    """The file as published, as the request body (PUT replaces the list's numbers, POST
    adds to them); query: as_of (YYYY-MM-DD), column (csv). 202: importing; poll the list."""
    list_id = path_id(request)
    dnc = await _run(request, lists.get_list, list_id)
    if dnc.format == lists.INTERNAL:
        raise FieldError("id", "the internal list is filled by dispositions and rules")
    column = request.query.get("column")
    if dnc.format == "csv" and not column:
        raise FieldError("column", "a CSV list needs the name of its number column")
    if dnc.status == "importing":
        raise FieldError("id", "an import into this list is running")
    as_of: dt.date | None = iso_date("as_of", request.query.get("as_of"))
    path = await _spool(request)
    store = request.app[DIALER].store
    await store.run(importer.start_import, list_id, replace=request.method == "PUT",
                    as_of=as_of)
    task = asyncio.create_task(_import(store, list_id, path, column=column))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return _json(await _run(request, lists.get_list, list_id), 202)


@routes.get("/api/dnc-check")
async def check_dnc_number(request: web.Request) -> web.Response:
    """Is `phone` listed for the caller's account (or campaign `campaign_id`)?"""
    who = access.identity(request)
    raw = request.query.get("campaign_id")
    campaign_id = parse_id("campaign_id", raw) if raw is not None else None
    await access.check_fields(request, who, {"campaign_id": campaign_id})
    return _json(await _run(request, lists.check_number, who.account_id,
                            request.query.get("phone"), campaign_id))


@routes.put("/api/campaigns/{id}/dnc-max-age")
async def set_dnc_max_age(request: web.Request) -> web.Response:
    """The campaign's freshness limit for registry lists, in days (31 by default)."""
    body = await json_body(request, ("max_age_days",))
    return _json(await _run(request, lists.set_max_age, path_id(request),
                            body.get("max_age_days")))


# --- calling rules (dialer/compliance/jurisdictions.py, calling.py) -----------------------

@routes.get("/api/calling-rules")
async def shipped_calling_rules(request: web.Request) -> web.Response:
    """The jurisdiction rules the dialer ships, each with its source."""
    return web.json_response({"reviewed": jurisdictions.REVIEWED.isoformat(), "rules": [
        {"jurisdiction": r.jurisdiction, "rule": r.name, "source": r.source,
         "purposes": sorted(r.purposes)} for r in jurisdictions.RULES]})


@routes.get("/api/accounts/{id}/calling-rules")
async def get_account_calling_rules(request: web.Request) -> web.Response:
    return _json(await _run(request, store.account_calling_rules, path_id(request)))


@routes.put("/api/accounts/{id}/calling-rules")
async def set_account_calling_rules(request: web.Request) -> web.Response:
    """The account's per-number caps (24 h, 7 days; null: none) and its calendar."""
    body = await json_body(request, ("max_per_number_day", "max_per_number_week",
                                     "closed_days"))
    return _json(await _run(request, store.set_account_calling_rules, path_id(request), body))


@routes.put("/api/campaigns/{id}/calling-purpose")
async def set_campaign_purpose(request: web.Request) -> web.Response:
    """What the campaign's calls are for (telemarketing, debt_collection, informational):
    which jurisdiction rules apply."""
    body = await json_body(request, ("purpose",))
    return _json(await _run(request, store.set_campaign_purpose, path_id(request),
                            body.get("purpose")))


@routes.get("/api/attempts/{id}/compliance")
async def attempt_compliance(request: web.Request) -> web.Response:
    """Why was this number dialled: the verdict kept with the attempt, recomputed."""
    return _json(await _run(request, store.attempt_compliance, path_id(request)))


# ---- the compliance report ----------------------------------------------------------------
def _days(request: web.Request) -> int:
    raw = request.query.get("days", "30")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= report_store.MAX_DAYS:
        raise FieldError("days", f"a whole number of days, 1 to {report_store.MAX_DAYS}")
    return int(raw)


def _report_response(request: web.Request, record: Any, reports: tuple, name: str
                     ) -> web.Response:
    """JSON (the record), or with ?format=csv one row per campaign and day."""
    fmt = request.query.get("format", "json")
    if fmt == "csv":
        return web.Response(text=report.csv_text(reports), content_type="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt != "json":
        raise FieldError("format", "json or csv")
    return web.json_response(text=json.dumps(dataclasses.asdict(record),
                                             default=lambda d: d.isoformat()))


@routes.get("/api/campaigns/{id}/compliance-report")
async def campaign_compliance_report(request: web.Request) -> web.Response:
    """Abandonment per day against the limit, calls outside allowed hours, do-not-call hits
    prevented and consent announcements over ?days= (30) local days ending today."""
    campaign_id, days = path_id(request), _days(request)
    found = await request.app[DIALER].store.read(report_store.campaign_report, campaign_id,
                                                 days, now(request))
    if found is None:  # deleted since the access check
        raise access.deny(404, "id", "no such campaign")
    return _report_response(request, found, (found,), f"compliance-campaign-{campaign_id}")


@routes.get("/api/accounts/{id}/compliance-report")
async def account_compliance_report(request: web.Request) -> web.Response:
    """The report of each campaign of the account that the caller's profile shows."""
    who, account_id, days = access.identity(request), path_id(request), _days(request)
    shown = None if who.campaigns is None else tuple(sorted(who.campaigns))
    found = await request.app[DIALER].store.read(report_store.account_report, account_id,
                                                 shown, days, now(request))
    return _report_response(request, found, found.campaigns, f"compliance-account-{account_id}")


@routes.get("/campaigns/{id}/compliance")
async def compliance_page(request: web.Request) -> web.Response:
    """The console's report of a campaign: the chart with the limit, the figures, the CSV."""
    campaign = await console._campaign_for(request)
    if isinstance(campaign, web.Response):
        return campaign
    days = _days(request)
    found = await request.app[DIALER].store.read(report_store.campaign_report, campaign["id"],
                                                 days, now(request))
    if found is None:  # deleted since
        raise web.HTTPNotFound()
    return console._render(request, "compliance.html", campaign=campaign, report=found,
                           days=days, chart=abandonment_svg(found))

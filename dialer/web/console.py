"""The web console: server-rendered pages (jinja2) whose small scripts call the JSON API.

Pages check the signed-in identity themselves (the access middleware only identifies):
nobody signed in -> /login; a missing privilege or a campaign outside the profile -> 403.
Also here: the chart data of a campaign and its attempts report as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import jinja2
from aiohttp import web

from ..outbound import amd
from ..amd.classifier import ClassifierSettings
from ..db.campaign_admin import MACHINE_THRESHOLDS, PERSON_AFTER_SILENCE
from ..core.spreadsheet import spreadsheet_safe
from ..db import pages, reports
from ..db.attempts import AttemptFilters
from ..outbound.http import attempt_filters
from ..prompts.model import SPEECH_VOICES
from ..prompts.store import choices as prompt_choices
from . import access, objects
from .common import DIALER, path_id
from .shared_reads import SHARED_READS, SharedReads

routes = web.RouteTableDef()
TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
STATIC = Path(__file__).parent / "static"


def setup(app: web.Application) -> None:
    """Templates and static files of the console; its polled reads shared."""
    app[TEMPLATES] = jinja2.Environment(loader=jinja2.PackageLoader("dialer.web", "templates"),
                                        autoescape=True)
    app[TEMPLATES].globals["navigation"] = objects.navigation
    app[SHARED_READS] = SharedReads(app[DIALER].store)
    app.on_response_prepare.append(app[SHARED_READS].forget_after_writes)
    app.router.add_static("/static/", STATIC, name="static")


# ---- page helpers ----------------------------------------------------------------------
def _who(request: web.Request):
    """The signed-in identity the access middleware found (None: nobody)."""
    return request.get(access.IDENTITY)


def _render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    who = _who(request)
    html = request.app[TEMPLATES].get_template(template).render(who=who, **context)
    return web.Response(text=html, status=status, content_type="text/html")


def _forbidden(request: web.Request, why: str) -> web.Response:
    return _render(request, "forbidden.html", status=403, why=why)


def _page_identity(request: web.Request, privilege: str):
    """The identity, or the response to send instead (redirect to /login, or 403)."""
    who = _who(request)
    if who is None:
        raise web.HTTPFound("/login")
    if not who.may(privilege):
        return None, _forbidden(request, f"This page needs the {privilege} privilege.")
    return who, None


async def _campaign_for(request: web.Request) -> dict | web.Response:
    """The campaign of the URL if the caller may manage campaigns and see this one, else
    the response to send instead (redirect to /login, 403 or 404)."""
    who, refused = _page_identity(request, "manage_campaigns")
    if refused:
        return refused
    campaign = await request.app[DIALER].store.read(pages.campaign_summary, path_id(request))
    if campaign is None:
        return _render(request, "forbidden.html", status=404, why="No such campaign.",
                       heading="Not found")
    if (campaign["account_id"] != who.account_id and "manage_system" not in who.privileges) \
            or not who.sees_campaign(campaign["id"]):
        return _forbidden(request, "This campaign is not in your profile.")
    return campaign


# ---- pages -----------------------------------------------------------------------------
@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return _render(request, "login.html")


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    who = _who(request)
    if who is None:
        raise web.HTTPFound("/login")
    if not who.may("manage_campaigns") and who.may("take_calls"):
        raise web.HTTPFound("/agent")
    who, refused = _page_identity(request, "manage_campaigns")
    return refused or _render(request, "campaigns.html")


@routes.get("/floor")
async def floor_page(request: web.Request) -> web.Response:
    """The live wallboard (dialer/floor): its script follows the feed."""
    who, refused = _page_identity(request, "manage_campaigns")
    return refused or _render(request, "floor.html")


@routes.get("/plans")
async def plans_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "manage_system")
    return refused or _render(request, "plans.html")


@routes.get("/campaigns/new")
async def new_campaign_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "manage_campaigns")
    if refused:
        return refused
    return _render(request, "campaign_new.html", **await _campaign_form_choices(request, who.account_id))


async def _campaign_form_choices(request: web.Request, account_id: int) -> dict:
    """What campaign_fields.html offers: the account's agent groups, scripts and prompts,
    app_amd's settings with their shipped values and ranges, the classifier's threshold."""
    groups, scripts = await request.app[DIALER].store.run(pages.campaign_choices, account_id)
    return {"groups": groups, "scripts": scripts,
            "amd_params": [(name, amd.SHIPPED[name], *amd.RANGES[name]) for name in amd.PARAMS],
            "prompts": await _prompt_choices(request, account_id),
            "machine_threshold": (ClassifierSettings().machine, *MACHINE_THRESHOLDS),
            "person_after_silence": PERSON_AFTER_SILENCE}


async def _prompt_choices(request: web.Request, account_id: int) -> list[dict]:
    """What a message field offers: the account's prompts, then the shipped sounds."""
    return await request.app[DIALER].store.run(prompt_choices, account_id)


@routes.get("/campaigns/{id}")
async def campaign_page(request: web.Request) -> web.Response:
    campaign = await _campaign_for(request)
    if isinstance(campaign, web.Response):
        return campaign
    rows = await request.app[DIALER].store.read(pages.campaign_contacts, campaign["id"])
    return _render(request, "campaign.html", campaign=campaign, contacts=rows,
                   **await _campaign_form_choices(request, campaign["account_id"]))


@routes.get("/campaigns/{id}/contacts/{contact}")
async def contact_page(request: web.Request) -> web.Response:
    campaign = await _campaign_for(request)
    if isinstance(campaign, web.Response):
        return campaign
    return _render(request, "contact.html", campaign=campaign, contact_id=path_id(request, "contact"))


@routes.get("/ring-group")
async def ring_group_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "manage_inbound")
    if refused:
        return refused
    return _render(request, "ring_group.html", group=await request.app[DIALER].store.run(
        pages.account_ring_group, who.account_id), prompts=await _prompt_choices(request, who.account_id))


@routes.get("/prompts")
async def prompts_page(request: web.Request) -> web.Response:
    """The account's audio prompts: whoever sets campaigns' or the ring group's messages."""
    _, refused = _page_identity(request, "manage_campaigns")
    if refused and not _who(request).may("manage_inbound"):
        return refused
    return _render(request, "prompts.html", voices=SPEECH_VOICES)


@routes.get("/agent")
async def agent_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "take_calls")
    if refused:
        return refused
    if who.agent_id is None:
        return _forbidden(request, "Your user has no agent: ask an administrator.")
    return _render(request, "agent.html")


@routes.get("/contacts/{id}")
async def directory_contact_page(request: web.Request) -> web.Response:
    """A contact of the directory: its timeline, and the campaigns it is in."""
    who, refused = _page_identity(request, "manage_campaigns")
    return refused or _render(request, "contact.html", campaign=None,
                              contact_id=path_id(request))


@routes.get(r"/manage/{kind}")
@routes.get(r"/manage/{kind}/{mode:new|\d+}")
async def object_page(request: web.Request) -> web.Response:
    """The list (with search and paging), create form or detail page of an object of
    `objects.KINDS`; objects.js builds it from the kind's description."""
    if _who(request) is None:
        raise web.HTTPFound("/login")
    kind = objects.BY_SLUG.get(request.match_info["kind"])
    if kind is None:
        return _render(request, "forbidden.html", status=404, why="No such page.",
                       heading="Not found")
    who, refused = _page_identity(request, kind.privilege)
    if refused:
        return refused
    if not kind.opens_to(who):
        return _forbidden(request, f"{kind.title} need a profile that shows every campaign.")
    mode = request.match_info.get("mode", "list")
    object_id = path_id(request, "mode") if mode not in ("list", "new") else None
    if (mode == "new" and kind.create_path is None) or (object_id and kind.item_path is None):
        return _render(request, "forbidden.html", status=404, heading="Not found",
                       why=f"{kind.title} have no such page.")
    return _render(request, "objects.html", kind=kind.as_json(),
                   mode="detail" if object_id else mode, object_id=object_id)


# ---- data for the pages ------------------------------------------------------------------
@routes.get("/api/campaigns/{id}/outcomes-over-time")
async def campaign_outcomes(request: web.Request) -> web.Response:
    """Attempts and outcomes per time slice (at most 40), for the campaign page's chart."""
    return web.json_response(await request.app[SHARED_READS].read(
        reports.outcomes_over_time, path_id(request)))


REPORT_COLUMNS = ("attempt_id", "contact_id", "contact", "phone", "outcome", "disposition",
                  "agent", "started_at", "answered_at", "ended_at", "consent_announced")


def report_csv(rows: list[reports.ReportRow], header: bool = False) -> bytes:
    """CSV lines of the attempts report (with the header line first if `header`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(REPORT_COLUMNS)
    for a in rows:
        writer.writerow([spreadsheet_safe(v) for v in [
            a.id, a.contact_id, a.contact_name, a.phone, a.outcome, a.disposition, a.agent_name,
            *(t.isoformat() if t else "" for t in (a.started_at, a.answered_at, a.ended_at)),
            "" if a.consent_announced is None else str(bool(a.consent_announced)).lower()]])
    return out.getvalue().encode()


async def report_chunks(store, campaign_id: int, filters: AttemptFilters,
                        size: int = reports.REPORT_CHUNK) -> AsyncIterator[bytes]:
    """The report's CSV, one chunk of `size` attempts at a time: each chunk is its own
    short read (`Store.read`: a reader process), formatted there, so neither a reader nor
    the writer is held while the client downloads."""
    after_id, header = 0, True
    while True:
        count, after_id, text = await store.read(_report_chunk, campaign_id, filters,
                                                 after_id, size, header)
        if text:
            yield text
        if count < size:
            return
        header = False


def _report_chunk(campaign_id: int, filters: AttemptFilters, after_id: int, size: int,
                  header: bool) -> tuple[int, int, bytes]:
    """(rows read, the last one's id, their CSV)."""
    rows = reports.report_rows(campaign_id, filters, after_id, size)
    return len(rows), rows[-1].id if rows else after_id, report_csv(rows, header)


@routes.get("/reports/campaigns/{id}/attempts.csv")
async def attempts_csv(request: web.Request) -> web.StreamResponse:
    """The campaign's attempts by id as CSV, streamed; the attempts lists' filters
    (`?outcome=`, `?agent_id=`, `?contact_id=`, `?recorded=1`, `?started_from=`,
    `?started_to=`) run in SQL."""
    campaign = await _campaign_for(request)
    if isinstance(campaign, web.Response):
        return campaign
    filters = attempt_filters(request)
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="campaign-{campaign["id"]}-attempts.csv"'})
    await response.prepare(request)
    async for chunk in report_chunks(request.app[DIALER].store, campaign["id"], filters):
        await response.write(chunk)
    await response.write_eof()
    return response

"""The web console: server-rendered pages (jinja2) whose small scripts call the JSON API.

Pages check the signed-in identity themselves (the access middleware only identifies):
nobody signed in -> /login; a missing privilege or a campaign outside the profile -> 403.
Also here: the chart data of a campaign and its attempts report as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

import jinja2
from aiohttp import web

from ..core import amd
from ..core.spreadsheet import spreadsheet_safe
from ..db import inbound
from ..db.models import (AgentGroup, Attempt, Campaign, CampaignContact, Contact, ContactPhone,
                         RingGroup, Script)
from . import access
from .common import DIALER, path_id

routes = web.RouteTableDef()
TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
STATIC = Path(__file__).parent / "static"


def setup(app: web.Application) -> None:
    """Templates and static files of the console."""
    app[TEMPLATES] = jinja2.Environment(loader=jinja2.PackageLoader("dialer.web", "templates"),
                                        autoescape=True)
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


async def _campaign_for(request: web.Request) -> tuple[dict | None, web.Response | None]:
    """The campaign of the URL if the caller may manage campaigns and see this one, else
    the response to send instead (redirect to /login, 403 or 404)."""
    who, refused = _page_identity(request, "manage_campaigns")
    if refused:
        return None, refused
    campaign_id = path_id(request)

    def load():
        c = Campaign.get_or_none(Campaign.id == campaign_id)
        return None if c is None else {"id": c.id, "name": c.name, "account_id": c.account_id,
                                       "mode": c.mode, "status": c.status}
    campaign = await request.app[DIALER].store.run(load)
    if campaign is None:
        return None, _render(request, "forbidden.html", status=404, why="No such campaign.",
                             heading="Not found")
    if (campaign["account_id"] != who.account_id and "manage_system" not in who.privileges) \
            or not who.sees_campaign(campaign["id"]):
        return None, _forbidden(request, "This campaign is not in your profile.")
    return campaign, None


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


@routes.get("/plans")
async def plans_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "manage_system")
    return refused or _render(request, "plans.html")


@routes.get("/campaigns/new")
async def new_campaign_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "manage_campaigns")
    if refused:
        return refused

    def choices():
        groups = [{"id": g.id, "name": g.name} for g in
                  AgentGroup.select().where(AgentGroup.account == who.account_id)]
        scripts = [{"id": s.id, "name": s.name} for s in
                   Script.select().where(Script.account == who.account_id)]
        return groups, scripts
    groups, scripts = await request.app[DIALER].store.run(choices)
    amd_params = [(name, amd.SHIPPED[name], *amd.RANGES[name]) for name in amd.PARAMS]
    return _render(request, "campaign_new.html", groups=groups, scripts=scripts,
                   amd_params=amd_params)


@routes.get("/campaigns/{id}")
async def campaign_page(request: web.Request) -> web.Response:
    campaign, refused = await _campaign_for(request)
    if refused:
        return refused

    def contacts():
        links = list(CampaignContact.select(CampaignContact, Contact).join(Contact)
                     .where(CampaignContact.campaign == campaign["id"])
                     .order_by(CampaignContact.id).limit(500))
        phones: dict[int, str] = {}
        for contact_id, number in (ContactPhone.select(ContactPhone.contact, ContactPhone.number)
                                   .where(ContactPhone.contact.in_([c.contact_id for c in links]))
                                   .order_by(ContactPhone.position, ContactPhone.id).tuples()):
            phones.setdefault(contact_id, number)
        return [{"id": c.contact_id, "name": c.contact.name, "state": c.state,
                 "attempts": c.attempts, "phone": phones.get(c.contact_id)} for c in links]
    rows = await request.app[DIALER].store.run(contacts)
    return _render(request, "campaign.html", campaign=campaign, contacts=rows)


@routes.get("/campaigns/{id}/contacts/{contact}")
async def contact_page(request: web.Request) -> web.Response:
    campaign, refused = await _campaign_for(request)
    return refused or _render(request, "contact.html", campaign=campaign,
                              contact_id=path_id(request, "contact"))


@routes.get("/ring-group")
async def ring_group_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "manage_inbound")
    if refused:
        return refused

    def current():
        group = RingGroup.select().where(RingGroup.account == who.account_id).first()
        return inbound.ring_group_dict(group) if group else {}
    return _render(request, "ring_group.html",
                   group=await request.app[DIALER].store.run(current))


@routes.get("/agent")
async def agent_page(request: web.Request) -> web.Response:
    who, refused = _page_identity(request, "take_calls")
    if refused:
        return refused
    if who.agent_id is None:
        return _forbidden(request, "Your user has no agent: ask an administrator.")
    return _render(request, "agent.html")


# ---- data for the pages ------------------------------------------------------------------
def outcomes_over_time(campaign_id: int, buckets: int = 40) -> dict:
    """The campaign's attempts counted per time slice (about `buckets` of them), by outcome."""
    rows = list(Attempt.select(Attempt.started_at, Attempt.outcome)
                .where(Attempt.campaign == campaign_id).order_by(Attempt.started_at).tuples())
    if not rows:
        return {"start": None, "bucket_seconds": 0, "series": []}
    start = rows[0][0]
    span = (rows[-1][0] - start).total_seconds()
    width = max(1, math.ceil((span + 1) / buckets))
    series: dict[int, dict] = {}
    for started, outcome in rows:
        index = int((started - start).total_seconds() // width)
        point = series.setdefault(index, {"attempts": 0, "outcomes": {}})
        point["attempts"] += 1
        key = outcome or "in_progress"
        point["outcomes"][key] = point["outcomes"].get(key, 0) + 1
    return {"start": start.isoformat(), "bucket_seconds": width,
            "series": [{"t": (start + dt.timedelta(seconds=i * width)).isoformat(), **p}
                       for i, p in sorted(series.items())]}


@routes.get("/api/campaigns/{id}/outcomes-over-time")
async def campaign_outcomes(request: web.Request) -> web.Response:
    """Attempts and outcomes per time slice, for the campaign page's chart."""
    return web.json_response(await request.app[DIALER].store.run(
        outcomes_over_time, path_id(request)))


REPORT_COLUMNS = ("attempt_id", "contact_id", "contact", "phone", "outcome", "disposition",
                  "agent", "started_at", "answered_at", "ended_at")


def attempts_report(campaign_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    query = Attempt.select().where(Attempt.campaign == campaign_id).order_by(Attempt.id)
    for a in query:
        agent = a.agent.user.full_name or a.agent.user.username if a.agent_id else ""
        writer.writerow([spreadsheet_safe(v) for v in [
            a.id, a.contact_id, a.contact.name, a.phone, a.outcome, a.disposition, agent,
            *(t.isoformat() if t else "" for t in (a.started_at, a.answered_at, a.ended_at))]])
    return out.getvalue()


@routes.get("/reports/campaigns/{id}/attempts.csv")
async def attempts_csv(request: web.Request) -> web.Response:
    campaign, refused = await _campaign_for(request)
    if refused:
        return refused
    body = await request.app[DIALER].store.run(attempts_report, campaign["id"])
    return web.Response(text=body, content_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="campaign-{campaign["id"]}-attempts.csv"'})

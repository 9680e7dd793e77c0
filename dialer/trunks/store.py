"""Trunks in the database: the API's and the CLI's reads and changes, and the typed
records the routing choice works on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee as pw

from ..core.asterisk_input import UnsafeValue
from ..db.audit import audited
from ..db.listing import iso
from ..db.database import is_postgres
from ..db.fields import to_naive_utc
from ..db.models import Account, Trunk as TrunkRow, TrunkAccount, TrunkLeg, database_proxy
from ..db.rows import tuples
from ..db.validation import (ConflictError, FieldError, ForbiddenError, NotFoundError, boolean,
                             integer, reject_unknown, text)
from .breaker import Breaker, BreakerPolicy
from .model import DEFAULT_TRUNK_ID, Trunk, parse_destination, parse_target
from .routing import CPS_WINDOW, CallToRoute, NoRoute, Route, TrunkUsage, Wait, choose

# An open leg older than this was lost (its node died unseen): it no longer counts.
LEG_LIFETIME = dt.timedelta(hours=4)
ROUTING_LOCK = 0x7472756e6b  # PostgreSQL advisory lock: one routing choice at a time
FIELDS = ("name", "target", "priority", "weight", "max_channels", "max_cps", "destinations",
          "cost_per_minute", "account_ids", "enabled")
MAX_COST = Decimal("99999")


def _accounts_of(trunk_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {t: [] for t in trunk_ids}
    for link in TrunkAccount.select().where(TrunkAccount.trunk.in_(trunk_ids)).order_by(
            TrunkAccount.account):
        found[link.trunk_id].append(link.account_id)
    return found


def trunk_dict(row: TrunkRow, account_ids: list[int]) -> dict:
    return {"id": row.id, "name": row.name, "target": row.target, "priority": row.priority,
            "weight": row.weight, "max_channels": row.max_channels, "max_cps": row.max_cps,
            "destinations": list(row.destinations),
            "cost_per_minute": price(row.cost_per_minute),
            "account_ids": account_ids or None, "enabled": row.enabled,
            "created_at": iso(row.created_at)}


def price(cost: Decimal | None) -> str | None:
    """A cost as shown, the same on SQLite and PostgreSQL: "0.0125", never "0.01250"."""
    return None if cost is None else format(Decimal(cost).normalize(), "f")


def _cost(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        cost = Decimal(str(value)) if isinstance(value, (str, int, float)) \
            and not isinstance(value, bool) else None
    except InvalidOperation:
        cost = None
    if cost is None or not cost.is_finite() or not Decimal(0) <= cost <= MAX_COST:
        raise FieldError("cost_per_minute", f"a price per minute from 0 to {MAX_COST}, or null")
    return cost


def _destinations(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > 200 or not all(isinstance(d, str) for d in value):
        raise FieldError("destinations", "a list of number prefixes (+44) or regions (GB)")
    try:
        return sorted({parse_destination(d) for d in value})
    except UnsafeValue as exc:
        raise FieldError("destinations", exc.reason) from None


def _account_ids(value: Any) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(
            isinstance(a, int) and not isinstance(a, bool) and a > 0 for a in value):
        raise FieldError("account_ids", "a non-empty list of account ids, or null: every account")
    missing = set(value) - {a for (a,) in tuples(Account.select(Account.id).where(
        Account.id.in_(value)))}
    if missing:
        raise FieldError("account_ids", f"no such account: {min(missing)}")
    return sorted(set(value))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(values, FIELDS)
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name == "name":
            clean[name] = text(name, value, max_length=64)
        elif name == "target":
            try:
                clean[name] = parse_target(value if isinstance(value, str) else "").text
            except UnsafeValue as exc:
                raise FieldError(name, exc.reason) from None
        elif name in ("priority", "weight"):
            clean[name] = integer(name, value, minimum=0 if name == "priority" else 1,
                                  maximum=10_000)
        elif name in ("max_channels", "max_cps"):
            clean[name] = integer(name, value, minimum=1, maximum=100_000, nullable=True)
        elif name == "destinations":
            clean[name] = _destinations(value)
        elif name == "cost_per_minute":
            clean[name] = _cost(value)
        elif name == "enabled":
            clean[name] = boolean(name, value)
        else:
            clean[name] = _account_ids(value)
    return clean


def _check_name_free(name: str, trunk_id: int | None = None) -> None:
    if TrunkRow.select().where((TrunkRow.name == name) & (TrunkRow.id != (trunk_id or 0))).exists():
        raise ConflictError("name", f"a trunk named {name!r} exists")


def _set_accounts(trunk_id: int, account_ids: list[int] | None) -> None:
    TrunkAccount.delete().where(TrunkAccount.trunk == trunk_id).execute()
    for account_id in account_ids or ():
        TrunkAccount.create(trunk=trunk_id, account=account_id)


def _visible(trunk_id: int, account_id: int | None) -> TrunkRow:
    """The trunk; for an account's user (`account_id`), only one open to their account."""
    row = TrunkRow.get_or_none(TrunkRow.id == trunk_id)
    if row is None:
        raise NotFoundError("id", "no such trunk")
    accounts = _accounts_of([trunk_id])[trunk_id]
    if account_id is not None and accounts and account_id not in accounts:
        raise ForbiddenError("account", "this trunk is not open to your account")
    return row


def list_trunks(account_id: int | None) -> list[dict]:
    """Every trunk (account_id None: the system's view), or those open to the account."""
    rows = list(TrunkRow.select().order_by(TrunkRow.priority, TrunkRow.name))
    accounts = _accounts_of([r.id for r in rows])
    return [trunk_dict(r, accounts[r.id]) for r in rows
            if account_id is None or not accounts[r.id] or account_id in accounts[r.id]]


def get_trunk(trunk_id: int, account_id: int | None) -> dict:
    row = _visible(trunk_id, account_id)
    return trunk_dict(row, _accounts_of([trunk_id])[trunk_id])


@audited("trunk", target=None)
def create_trunk(values: dict[str, Any]) -> dict:
    clean = _clean(values)
    for name in ("name", "target"):
        if name not in clean:
            raise FieldError(name, "required")
    _check_name_free(clean["name"])
    account_ids = clean.pop("account_ids", None)
    row = TrunkRow.create(**clean)
    _set_accounts(row.id, account_ids)
    return get_trunk(row.id, None)


@audited("trunk")
def update_trunk(trunk_id: int, values: dict[str, Any]) -> dict:
    clean = _clean(values)
    row = _visible(trunk_id, None)
    if "name" in clean:
        _check_name_free(clean["name"], trunk_id)
    if "account_ids" in clean:
        _set_accounts(trunk_id, clean.pop("account_ids"))
    for name, value in clean.items():
        setattr(row, name, value)
    row.save()
    return get_trunk(trunk_id, None)


@audited("trunk")
def delete_trunk(trunk_id: int) -> dict:
    gone = get_trunk(trunk_id, None)
    TrunkRow.delete_by_id(trunk_id)
    return gone


def routable_trunks() -> tuple[Trunk, ...]:
    """Every trunk as the routing choice reads it, disabled ones too (empty: none is
    defined, and the config's trunk is the default)."""
    rows = list(TrunkRow.select())
    accounts = _accounts_of([r.id for r in rows])
    return tuple(Trunk(r.id, r.name, parse_target(r.target), r.priority, r.weight,
                       r.max_channels, r.max_cps, tuple(r.destinations), r.cost_per_minute,
                       frozenset(accounts[r.id]) or None, r.enabled) for r in rows)


# ---- legs: the caps of every node -------------------------------------------------------
def usage(trunk_ids: list[int], now: dt.datetime) -> dict[int, TrunkUsage]:
    """Each trunk's live channels and the starts of its last second, on every node."""
    at = to_naive_utc(now)
    live = dict(tuples(TrunkLeg.select(TrunkLeg.trunk, pw.fn.COUNT(TrunkLeg.id))
                       .where(TrunkLeg.trunk.in_(trunk_ids), TrunkLeg.ended_at.is_null(),
                              TrunkLeg.started_at > at - LEG_LIFETIME)
                       .group_by(TrunkLeg.trunk)))
    recent: dict[int, list[dt.datetime]] = {}
    for trunk_id, started in tuples(TrunkLeg.select(TrunkLeg.trunk, TrunkLeg.started_at).where(
            TrunkLeg.trunk.in_(trunk_ids), TrunkLeg.started_at > at - CPS_WINDOW)):
        recent.setdefault(trunk_id, []).append(started.replace(tzinfo=dt.UTC))
    return {t: TrunkUsage(live.get(t, 0), tuple(recent.get(t, ()))) for t in trunk_ids}


def open_leg(call: CallToRoute, trunks: tuple[Trunk, ...], health: Mapping[int, Breaker],
             policy: BreakerPolicy, now: dt.datetime, draw: float, *, node: str,
             channel_id: str, attempt_id: int | None) -> Route | Wait | NoRoute:
    """The routing choice over every node's legs, and the chosen trunk's leg written, in
    one transaction that holds the routing lock: two nodes never both take a trunk's last
    channel or call of the second."""
    if is_postgres(database_proxy):
        database_proxy.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ROUTING_LOCK,))
    counted = [t.id for t in trunks if t.id != DEFAULT_TRUNK_ID]
    decision = choose(call, trunks, health, usage(counted, now), now, draw, policy)
    if isinstance(decision, Route) and decision.trunk.id != DEFAULT_TRUNK_ID:
        TrunkLeg.create(trunk=decision.trunk.id, node=node, channel_id=channel_id,
                        attempt_id=attempt_id, started_at=to_naive_utc(now))
    return decision


def close_leg(channel_id: str, healthy: bool, now: dt.datetime) -> None:
    TrunkLeg.update(ended_at=to_naive_utc(now), healthy=healthy).where(
        TrunkLeg.channel_id == channel_id, TrunkLeg.ended_at.is_null()).execute()


def live_trunk(channel_id: str) -> int | None:
    """The trunk of the channel's open leg (a call taken back after a restart)."""
    return TrunkLeg.select(TrunkLeg.trunk).where(
        TrunkLeg.channel_id == channel_id, TrunkLeg.ended_at.is_null()).scalar()


def close_lost_legs(node: str, live: set[str], now: dt.datetime) -> int:
    """After a (re)connect: this node's open legs whose channel the PBX no longer has."""
    return TrunkLeg.update(ended_at=to_naive_utc(now)).where(
        TrunkLeg.node == node, TrunkLeg.ended_at.is_null(),
        TrunkLeg.channel_id.not_in(live or {""})).execute()
